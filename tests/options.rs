//! The option space fuzzed: seeded random combinations of every documented
//! option, with typical, extreme and malformed values, for `fit`, `predict`,
//! `cv`, `grid` and `info` on three small data sets (dense, sparse, strings).
//! Each run must succeed, or exit non-zero with exactly one line on stderr,
//! within 30 s, with no panic, no abort and no partial output file.
//!
//! `KERN_OPTION_RUNS=N` sets the number of runs (default 120, CI's short
//! version), `KERN_OPTION_SEED=S` the seed (default 1); a failure prints the
//! command line, so it reproduces.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{kern, lcg, scratch, write};

/// Values a real option may take: typical, extreme, malformed.
const FLOAT: &[&str] = &["1", "0.5", "10", "1e-3", "100", "0", "-1", "1e300", "1e-300", "NaN", "inf", "abc", "", "1e"];
const FRACTION: &[&str] = &["0.1", "0.5", "0.9", "1", "0", "-0.5", "1.5", "NaN", "abc"];
const COUNT: &[&str] =
    &["0", "1", "2", "3", "10", "4000000000", "18446744073709551615", "99999999999999999999", "-1", "x"];
const SMALL: &[&str] = &["1", "2", "3", "5", "0", "4000000000", "-2", "x"];
/// A tolerance below ~1e-9 is not a fault: SMO then runs to its iteration
/// limit (LIBSVM's max(10⁷, 100 n)), which is work asked for, not a hang.
const TOL: &[&str] = &["1e-3", "0.1", "1e-6", "1e-9", "0", "-1", "NaN", "inf", "x"];
const ITERATIONS: &[&str] = &["1", "10", "1000", "0", "4000000000", "18446744073709551615", "-1", "x"];

/// An option and the values it is drawn from (`None`: a flag).
type Spec = (&'static str, Option<&'static [&'static str]>);

const TRAIN_OPTIONS: &[Spec] = &[
    ("--task", Some(&["svc", "nusvc", "oneclass", "svr", "nusvr", "krr", "gp", "gpc", "bogus"])),
    (
        "--kernel",
        Some(&[
            "rbf",
            "linear",
            "poly",
            "sigmoid",
            "laplacian",
            "matern12",
            "matern32",
            "matern52",
            "precomputed",
            "spectrum",
            "mismatch",
            "wd",
            "ssk",
            "wl",
            "sp",
            "rw",
            "bogus",
        ]),
    ),
    ("-c", Some(FLOAT)),
    ("--nu", Some(FRACTION)),
    ("--epsilon", Some(FLOAT)),
    ("--tol", Some(TOL)),
    ("--cache-mb", Some(FLOAT)),
    ("--no-shrinking", None),
    ("--no-newton", None),
    ("--working-set", Some(&["2", "64", "1", "0", "-3", "99999999999", "x"])),
    ("--max-iter", Some(ITERATIONS)),
    ("--class-weight", Some(&["1=2", "-1=0.5", "pos=3", "x=2", "1=-1", "1=abc", "bad", "1=1e300"])),
    ("--probability", None),
    ("-g", Some(FLOAT)),
    ("--degree", Some(SMALL)),
    ("--coef0", Some(FLOAT)),
    ("--lengthscale", Some(FLOAT)),
    ("--k", Some(SMALL)),
    ("--m", Some(SMALL)),
    ("--alphabet", Some(&["ACGT", "AC", "", "XYZ"])),
    ("--shift", Some(SMALL)),
    ("--h", Some(SMALL)),
    ("--lambda", Some(FRACTION)),
    ("--no-normalize", None),
    ("--alpha", Some(&["1", "0.01", "auto", "0", "-1", "1e300", "NaN", "x"])),
    ("--noise", Some(FLOAT)),
    ("--amplitude", Some(FLOAT)),
    ("--restarts", Some(&["0", "1", "3", "1000", "4000000000", "-1", "x"])),
    ("--approx", Some(&["none", "rff", "nystroem", "falkon", "bogus"])),
    ("--components", Some(COUNT)),
    ("--landmarks", Some(&["uniform", "greedy", "leverage", "bogus"])),
    ("--landmark-tol", Some(FLOAT)),
    ("--orthogonal", None),
    ("--loss", Some(&["hinge", "squared-hinge", "squared", "bogus"])),
    ("--max-memory", Some(&["1K", "64M", "8G", "0", "-5", "1Q", "abc", "99999999999T"])),
    ("--seed", Some(COUNT)),
    ("--device", Some(&["cpu", "gpu", "tpu"])),
    ("--gpu-memory", Some(FLOAT)),
    ("--precision", Some(&["f32", "f64", "f16"])),
];

const DATA_OPTIONS: &[Spec] = &[
    ("--format", Some(&["libsvm", "csv", "fasta", "seqcsv", "tu", "bogus"])),
    ("--label-col", Some(&["label", "0", "2", "99", "missing", ""])),
    ("--n-features", Some(COUNT)),
    ("--seq-col", Some(&["sequence", "0", "5", "nope"])),
    ("--fold-case", None),
];

const RUN_OPTIONS: &[Spec] =
    &[("--threads", Some(&["1", "2", "0", "100000", "18446744073709551615", "-1", "x"])), ("--json", None)];

const AXES: &[&str] = &[
    "c=0.1,1",
    "g=2^-3..2^1:4",
    "nu=0.2,0.6",
    "alpha=1e-3,1",
    "k=2,3",
    "h=1,2",
    "degree=2,3",
    "c=1..0:2",
    "x=1",
    "k=2.5",
    "c=1e-300..1e300:1.0001",
    "c=2^2000",
    "c=",
];

/// A dense CSV (two classes, a third column of real values), a sparse
/// LibSVM file and a FASTA file, each small: every run should be quick.
fn data_sets(dir: &Path) -> [String; 3] {
    let mut u = lcg(3);
    let mut csv = String::from("label,a,b,c\n");
    let mut libsvm = String::new();
    let mut fasta = String::new();
    for i in 0..40 {
        let class = if i % 2 == 0 { -1 } else { 1 };
        let (a, b) = (u() + class as f64, u());
        csv.push_str(&format!("{class},{a},{b},{}\n", a * b));
        let features: Vec<String> =
            (0..3).map(|k| format!("{}:{:.3}", 1 + (i * 7 + k * 13) % 60, u() + class as f64 * 0.5)).collect();
        let mut features = features;
        features.sort_by_key(|f| f.split(':').next().unwrap().parse::<u32>().unwrap());
        features.dedup_by_key(|f| f.split(':').next().unwrap().to_string());
        libsvm.push_str(&format!("{class} {}\n", features.join(" ")));
        let seq: String = (0..30).map(|_| ['A', 'C', 'G', 'T'][(u() * 4.0) as usize % 4]).collect();
        let seq = if class > 0 { format!("GATTACA{seq}") } else { seq };
        fasta.push_str(&format!(">s{i} {}\n{seq}\n", if class > 0 { "pos" } else { "neg" }));
    }
    write(dir, "dense.csv", csv);
    write(dir, "sparse.libsvm", libsvm);
    write(dir, "strings.fa", fasta);
    ["dense.csv".into(), "sparse.libsvm".into(), "strings.fa".into()]
}

/// Draws `count` options of `specs` with their values.
fn draw(specs: &[Spec], count: usize, u: &mut impl FnMut() -> f64, args: &mut Vec<String>) {
    for _ in 0..count {
        let (flag, values) = specs[(u() * specs.len() as f64) as usize % specs.len()];
        args.push(flag.to_string());
        if let Some(values) = values {
            args.push(values[(u() * values.len() as f64) as usize % values.len()].to_string());
        }
    }
}

/// One random command line.
fn command_line(u: &mut impl FnMut() -> f64, data: &[String; 3]) -> Vec<String> {
    let pick = |u: &mut dyn FnMut() -> f64, n: usize| (u() * n as f64) as usize % n;
    let file = data[pick(u, 3)].clone();
    let command = ["fit", "fit", "cv", "grid", "predict", "info"][pick(u, 6)];
    let mut args: Vec<String> = vec![command.into()];
    match command {
        "predict" => {
            let model = ["dense.model", "sparse.model", "strings.model", "nope.model"][pick(u, 4)];
            args.extend([model.to_string(), file, "-o".into(), "out.txt".into()]);
            draw(DATA_OPTIONS, pick(u, 3), u, &mut args);
            draw(&[("--proba", None), ("--std", None)], pick(u, 2), u, &mut args);
        }
        "info" => args.push(["dense.model", "sparse.model", "strings.model", "strings.fa"][pick(u, 4)].into()),
        _ => {
            args.push(file);
            if command == "fit" {
                args.extend(["-o".into(), "out.model".into()]);
            } else {
                args.extend(["--folds".into(), ["2", "3", "5", "1", "1000", "x"][pick(u, 6)].into()]);
            }
            if command == "grid" {
                for _ in 0..1 + pick(u, 2) {
                    args.extend(["--grid".into(), AXES[pick(u, AXES.len())].into()]);
                }
            }
            draw(TRAIN_OPTIONS, pick(u, 6), u, &mut args);
            draw(DATA_OPTIONS, pick(u, 2), u, &mut args);
        }
    }
    if command != "info" {
        draw(RUN_OPTIONS, pick(u, 2), u, &mut args);
    }
    args
}

/// How one run ended, when it kept the rules.
enum Outcome {
    Succeeded,
    Refused,
}

/// Runs kern with `args` in `dir`: how it ended, or why it broke a rule.
fn check(dir: &Path, args: &[String]) -> Result<Outcome, String> {
    for stale in ["out.model", "out.txt"] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_kern"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kern");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("ran past 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr).expect("read stderr");
    let leftovers = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()?.file_name().into_string().ok());
    if let Some(tmp) = leftovers.into_iter().find(|n| n.starts_with(".kern-")) {
        return Err(format!("left a temporary file {tmp}"));
    }
    if stderr.contains("panicked") || status.code().is_none() {
        return Err(format!("crashed ({status}): {stderr}"));
    }
    if status.success() {
        return Ok(Outcome::Succeeded);
    }
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("kern: notice:")).collect();
    if lines.len() != 1 || !lines[0].starts_with("kern: error: ") {
        return Err(format!("failed without one error line ({status}): {stderr}"));
    }
    match ["out.model", "out.txt"].iter().find(|f| dir.join(f).exists()) {
        Some(file) => Err(format!("failed but wrote {file}")),
        None => Ok(Outcome::Refused),
    }
}

#[test]
fn no_combination_of_options_brings_kern_down() {
    let runs: usize = std::env::var("KERN_OPTION_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(120);
    let seed: u64 = std::env::var("KERN_OPTION_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let dir = scratch();
    let data = data_sets(dir.path());
    for (file, model) in [("dense.csv", "dense.model"), ("sparse.libsvm", "sparse.model")] {
        assert!(kern(dir.path(), &["fit", file, "-g", "0.5", "--probability", "-o", model]).status.success());
    }
    let fit = kern(dir.path(), &["fit", "strings.fa", "--kernel", "spectrum", "-o", "strings.model"]);
    assert!(fit.status.success());
    // Two runners: each draws its own commands from a seed of its own.
    let results: Vec<Result<Outcome, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2u64)
            .map(|w| {
                let (dir, data) = (dir.path(), &data);
                scope.spawn(move || {
                    let work = dir.join(format!("w{w}"));
                    std::fs::create_dir_all(&work).unwrap();
                    for f in
                        data.iter().cloned().chain(["dense.model", "sparse.model", "strings.model"].map(String::from))
                    {
                        std::fs::copy(dir.join(&f), work.join(&f)).unwrap();
                    }
                    let mut u = lcg(seed.wrapping_mul(7919).wrapping_add(w));
                    (0..runs.div_ceil(2))
                        .map(|_| {
                            let args = command_line(&mut u, data);
                            check(&work, &args).map_err(|why| format!("kern {}: {why}", args.join(" ")))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a runner")).collect()
    });
    let succeeded = results.iter().filter(|r| matches!(r, Ok(Outcome::Succeeded))).count();
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let refused = results.len() - succeeded - failures.len();
    eprintln!("{} runs (seed {seed}): {succeeded} succeeded, {refused} refused in one line", results.len());
    assert!(
        failures.is_empty(),
        "{} of {} runs broke a rule:\n{}",
        failures.len(),
        results.len(),
        failures.iter().map(|f| f.as_str()).collect::<Vec<_>>().join("\n")
    );
}
