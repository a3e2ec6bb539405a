//! Helpers for the end-to-end tests: scratch directories, files, the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory removed when dropped.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a scratch directory")
}

/// Writes `content` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write a test file");
    path
}

/// Runs the `kern` binary with `args` in `dir`.
pub fn kern(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kern")).args(args).current_dir(dir).output().expect("run kern")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The shared reference data directory, or `None` (with a message) when absent.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(sub);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping: {} is absent (reference data lives in ../shared/data)", path.display());
        None
    }
}

/// Asserts a failed run: non-zero exit, exactly one stderr line that contains
/// every one of `needles`, and no panic.
pub fn assert_one_line_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert!(!o.status.success(), "expected failure, got success; stderr: {err}");
    assert_eq!(err.lines().count(), 1, "expected one stderr line, got: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr {err:?} lacks {n:?}");
    }
}

/// The single JSON object a successful `--json` run printed.
pub fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_str(stdout(out).trim()).expect("one JSON object on stdout")
}

/// Uniform numbers in [0, 1) from a fixed linear congruential generator.
pub fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Random DNA; class "pos" holds the motif GATTACA somewhere, "neg" does not.
pub fn motif_sequences(n: usize, seed: u64) -> Vec<(String, String)> {
    let mut u = lcg(seed);
    (0..n)
        .map(|i| {
            let mut s: Vec<u8> = (0..40).map(|_| b"ACGT"[(u() * 4.0) as usize % 4]).collect();
            let label = if i % 2 == 0 { "pos" } else { "neg" };
            if label == "pos" {
                let at = (u() * 30.0) as usize;
                s[at..at + 7].copy_from_slice(b"GATTACA");
            }
            (String::from_utf8(s).unwrap(), label.to_string())
        })
        .collect()
}

pub fn fasta(records: &[(String, String)]) -> String {
    records.iter().enumerate().map(|(i, (s, l))| format!(">seq{i} {l}\n{}\n{}\n", &s[..20], &s[20..])).collect()
}

/// A graph as node labels and undirected edges.
pub type TestGraph = (Vec<i64>, Vec<(usize, usize)>);

/// A TU folder of `graphs` (node labels, edges) with graph labels.
pub fn write_tu(dir: &Path, name: &str, graphs: &[TestGraph], labels: &[i64]) {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    let (mut a, mut ind, mut nl) = (String::new(), String::new(), String::new());
    let mut offset = 0;
    for (g, (nodes, edges)) in graphs.iter().enumerate() {
        for l in nodes {
            ind.push_str(&format!("{}\n", g + 1));
            nl.push_str(&format!("{l}\n"));
        }
        for &(u, v) in edges {
            a.push_str(&format!("{}, {}\n{}, {}\n", u + offset + 1, v + offset + 1, v + offset + 1, u + offset + 1));
        }
        offset += nodes.len();
    }
    std::fs::write(folder.join(format!("{name}_A.txt")), a).unwrap();
    std::fs::write(folder.join(format!("{name}_graph_indicator.txt")), ind).unwrap();
    std::fs::write(folder.join(format!("{name}_node_labels.txt")), nl).unwrap();
    let gl: String = labels.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(folder.join(format!("{name}_graph_labels.txt")), gl).unwrap();
}

/// Rings (class 1) and chains (class −1) of 5 to 12 nodes, random labels from {0, 1}.
pub fn rings_and_chains(n: usize, seed: u64) -> (Vec<TestGraph>, Vec<i64>) {
    let mut u = lcg(seed);
    let mut graphs = Vec::new();
    let mut labels = Vec::new();
    for i in 0..n {
        let size = 5 + (u() * 8.0) as usize;
        let nodes: Vec<i64> = (0..size).map(|_| (u() * 2.0) as i64).collect();
        let mut edges: Vec<(usize, usize)> = (0..size - 1).map(|v| (v, v + 1)).collect();
        if i % 2 == 0 {
            edges.push((size - 1, 0));
        }
        graphs.push((nodes, edges));
        labels.push(if i % 2 == 0 { 1 } else { -1 });
    }
    (graphs, labels)
}
