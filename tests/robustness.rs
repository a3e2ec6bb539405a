//! Bad input, numerical faults, interruption and determinism, end to end:
//! every failure is one stderr line naming the file (and line), a non-zero
//! exit and no model file; every pathological but valid problem finishes
//! with finite predictions; the same seed gives the same model file at any
//! thread count, for every task.

mod common;

use common::{assert_one_line_error, kern, lcg, scratch, stderr, stdout, write};

/// Runs `fit` on `file` and checks it fails as the issue asks.
fn refuses(dir: &std::path::Path, file: &str, extra: &[&str], needles: &[&str]) {
    let mut args = vec!["fit", file, "-o", "m.model"];
    args.extend(extra);
    assert_one_line_error(&kern(dir, &args), needles);
    assert!(!dir.join("m.model").exists(), "{file}: a model file was left");
}

#[test]
fn bad_data_files_are_one_line_errors_naming_file_and_line() {
    let dir = scratch();
    let d = dir.path();
    write(d, "empty.libsvm", "");
    refuses(d, "empty.libsvm", &[], &["empty.libsvm", "no data rows"]);
    write(d, "header.csv", "a,b,label\n");
    refuses(d, "header.csv", &[], &["header.csv", "no data rows"]);
    write(d, "nan.csv", "a,b,label\n1,2,1\n3,NaN,2\n");
    refuses(d, "nan.csv", &[], &["nan.csv:3:", "field 2"]);
    write(d, "inf.libsvm", "1 1:0.5\n-1 1:inf\n");
    refuses(d, "inf.libsvm", &[], &["inf.libsvm:2:", "field 2"]);
    write(d, "dup.libsvm", "1 1:0.5 1:0.7\n");
    refuses(d, "dup.libsvm", &[], &["dup.libsvm:1:", "field 3", "ascending"]);
    write(d, "zero.libsvm", "1 0:0.5\n");
    refuses(d, "zero.libsvm", &[], &["zero.libsvm:1:", "field 2"]);
    write(d, "ragged.csv", "a,b,label\n1,2,1\n3,2\n");
    refuses(d, "ragged.csv", &[], &["ragged.csv:3:"]);
    write(d, "missing.csv", "a,b,label\n1,2,1\n3,,2\n");
    refuses(d, "missing.csv", &[], &["missing.csv:3:", "field 2"]);
    write(d, "truncated.libsvm", "1 1:0.5 2:1\n-1 1:0.25 2:");
    refuses(d, "truncated.libsvm", &[], &["truncated.libsvm:2:", "field 3"]);
    write(d, "one.libsvm", "1 1:0.5\n1 1:0.7\n1 1:0.1\n");
    refuses(d, "one.libsvm", &[], &["every label is"]);
    refuses(d, "absent.libsvm", &[], &["absent.libsvm"]);
    std::fs::create_dir(d.join("folder")).unwrap();
    refuses(d, "folder", &[], &["folder", "directory"]);
    // With an option given (no --auto), a folder read for vectors says what would read it.
    refuses(d, "folder", &["-c", "1"], &["folder", "directory", "--kernel wl"]);
    // An index of 4e9 is one sparse entry, not a 4e9-wide allocation.
    write(d, "huge.libsvm", "1 1:0.5 4000000000:1\n-1 2:0.5\n1 1:1\n");
    let o = kern(d, &["fit", "huge.libsvm", "-o", "h.model", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn bad_model_files_are_one_line_errors() {
    let dir = scratch();
    let d = dir.path();
    write(d, "ok.libsvm", "1 1:0.5 2:1\n-1 2:0.3\n1 1:1\n-1 1:0.1 2:0.2\n");
    let o = kern(d, &["fit", "ok.libsvm", "-o", "m.model", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(d.join("m.model")).unwrap();
    write(d, "truncated.model", &bytes[..bytes.len() / 2]);
    assert_one_line_error(&kern(d, &["predict", "truncated.model", "ok.libsvm"]), &["truncated.model"]);
    let mut corrupted = bytes.clone();
    let last = corrupted.len() - 3;
    corrupted[last] ^= 0x55;
    write(d, "corrupted.model", &corrupted);
    assert_one_line_error(&kern(d, &["predict", "corrupted.model", "ok.libsvm"]), &["corrupted.model"]);
    // The format version follows the 8-byte magic.
    let mut future = bytes.clone();
    future[8] = future[8].wrapping_add(1);
    write(d, "future.model", &future);
    assert_one_line_error(&kern(d, &["predict", "future.model", "ok.libsvm"]), &["future.model", "version"]);
    write(d, "empty.model", "");
    assert_one_line_error(&kern(d, &["predict", "empty.model", "ok.libsvm"]), &["empty.model"]);
    // Found by fuzzing: LIBSVM support-vector counts whose sum overflows.
    let huge = format!(
        "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 3\ntotal_sv 5\nrho 0 -0.9 -0.8\nlabel 1 -1 2\nnr_sv 2 2 {}\nSV\n1 0.7 1:0.3\n",
        usize::MAX - 1
    );
    write(d, "overflow.libsvm-model", huge);
    assert_one_line_error(
        &kern(d, &["predict", "overflow.libsvm-model", "ok.libsvm"]),
        &["overflow.libsvm-model", "nr_sv"],
    );
}

/// `n` rows of `d` features; `kind` picks the pathology.
fn pathological(kind: &str, n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|i| {
            let x: Vec<f64> = match kind {
                // Every point twice.
                "duplicated" => {
                    let mut v = lcg(seed + (i / 2) as u64);
                    vec![v(), v(), v()]
                }
                // The second feature never changes.
                "constant_feature" => vec![u(), 7.0, u()],
                _ => vec![u(), u(), u()],
            };
            let positive = kind == "equal_targets" || x[0] + x[2] > 1.0;
            let label = if positive { 1.0 } else { -1.0 };
            let features: Vec<String> = x.iter().enumerate().map(|(k, v)| format!("{}:{v:?}", k + 1)).collect();
            format!("{label} {}\n", features.join(" "))
        })
        .collect()
}

#[test]
fn numerical_faults_finish_with_finite_predictions() {
    let dir = scratch();
    let d = dir.path();
    let tasks: &[&[&str]] = &[
        &["--task", "svc"],
        &["--task", "nusvc", "--nu", "0.3"],
        &["--task", "oneclass"],
        &["--task", "svr"],
        &["--task", "nusvr"],
        &["--task", "krr"],
        &["--task", "gp", "--restarts", "1"],
        &["--task", "gpc", "--restarts", "1"],
        &["--task", "svc", "--approx", "rff", "--components", "50"],
        &["--task", "krr", "--approx", "nystroem", "--components", "50"],
        &["--task", "svc", "--approx", "falkon", "--components", "50"],
    ];
    let cases: &[(&str, &[&str])] = &[
        ("duplicated", &[]),
        ("constant_feature", &[]),
        ("plain", &["-g", "1e-8"]),
        ("plain", &["-g", "1e8"]),
        ("plain", &["-c", "1e6"]),
    ];
    write(d, "test.libsvm", pathological("plain", 40, 99));
    for (kind, params) in cases {
        write(d, "train.libsvm", pathological(kind, 120, 5));
        for task in tasks {
            let is_approx = task.contains(&"--approx");
            let mut args = vec!["fit", "train.libsvm", "-o", "m.model", "-q"];
            args.extend(*task);
            args.extend(*params);
            let o = kern(d, &args);
            assert!(o.status.success(), "{kind} {params:?} {task:?}: {}", stderr(&o));
            let o = kern(d, &["predict", "m.model", "test.libsvm"]);
            assert!(o.status.success(), "{kind} {params:?} {task:?}: {}", stderr(&o));
            for line in stdout(&o).lines() {
                let value = line.split_whitespace().next().unwrap();
                if let Ok(v) = value.parse::<f64>() {
                    assert!(v.is_finite(), "{kind} {params:?} {task:?} (approx {is_approx}): {line}");
                }
            }
        }
    }
    // All-equal targets: regression predicts the constant, classification refuses one class.
    write(d, "flat.libsvm", pathological("equal_targets", 60, 3));
    for task in ["svr", "nusvr", "krr", "gp"] {
        let o = kern(d, &["fit", "flat.libsvm", "--task", task, "-o", "m.model", "-q"]);
        assert!(o.status.success(), "{task}: {}", stderr(&o));
        let o = kern(d, &["predict", "m.model", "test.libsvm"]);
        for line in stdout(&o).lines() {
            let v: f64 = line.parse().unwrap();
            assert!((v - 1.0).abs() < 0.2, "{task}: {v}");
        }
    }
    std::fs::remove_file(d.join("m.model")).unwrap();
    refuses(d, "flat.libsvm", &["--task", "svc"], &["every label is"]);
}

#[test]
fn every_task_writes_the_same_model_file_at_one_and_two_threads() {
    let dir = scratch();
    let d = dir.path();
    write(d, "train.libsvm", pathological("plain", 300, 8));
    let tasks: &[&[&str]] = &[
        &["--task", "svc", "--probability"],
        &["--task", "nusvc"],
        &["--task", "oneclass"],
        &["--task", "svr"],
        &["--task", "nusvr"],
        &["--task", "krr"],
        &["--task", "krr", "--alpha", "auto"],
        &["--task", "gp", "--restarts", "2"],
        &["--task", "gpc", "--restarts", "1"],
        &["--task", "svc", "--approx", "rff", "--components", "64"],
        &["--task", "svr", "--approx", "nystroem", "--components", "64", "--landmarks", "leverage"],
        &["--task", "svc", "--approx", "nystroem", "--landmarks", "greedy", "--loss", "squared"],
        &["--task", "krr", "--approx", "falkon", "--components", "64"],
    ];
    for task in tasks {
        let files: Vec<Vec<u8>> = ["1", "2"]
            .iter()
            .map(|t| {
                let mut args = vec!["fit", "train.libsvm", "--threads", t, "--seed", "7", "-o", "m.model", "-q"];
                args.extend(*task);
                let o = kern(d, &args);
                assert!(o.status.success(), "{task:?}: {}", stderr(&o));
                std::fs::read(d.join("m.model")).unwrap()
            })
            .collect();
        assert!(files[0] == files[1], "{task:?}: the model file depends on the thread count");
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_fit_leaves_no_model_file() {
    let dir = scratch();
    let d = dir.path();
    // A fit that takes seconds: a GP with many restarts on 1,500 points.
    write(d, "big.libsvm", pathological("plain", 1500, 11));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_kern"))
        .args(["fit", "big.libsvm", "--task", "gp", "--restarts", "20", "-o", "m.model"])
        .current_dir(d)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let sent = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "the fit finished before the interrupt; make it longer");
    let left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "big.libsvm")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// `-o` naming a pipe or a device (`/dev/null`) writes into it: renaming a
/// temporary file over it would replace the node with a regular file.
#[test]
fn output_to_a_pipe_writes_into_it_and_keeps_it_a_pipe() {
    use std::os::unix::fs::FileTypeExt;
    let dir = scratch();
    write(dir.path(), "train.txt", "1 1:0.1\n-1 1:0.9\n1 1:0.2\n-1 1:0.8\n");
    let fifo = dir.path().join("out.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = kern(dir.path(), &["fit", "train.txt", "-o", "m.model", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = kern(dir.path(), &["predict", "m.model", "train.txt", "-o", "out.fifo", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(reader.join().unwrap().lines().count(), 4);
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "the pipe was replaced");
}

/// Output piped into a reader that stops early (`kern grid … | head -c 100`)
/// ends the process quietly, as `cat`'s would, not with a panic.
#[test]
fn stdout_closed_by_its_reader_ends_quietly() {
    use std::process::{Command, Stdio};
    let dir = scratch();
    let mut u = lcg(5);
    let rows: String = (0..300).map(|i| format!("{} 1:{:.3} 2:{:.3}\n", 2 * (i % 2) - 1, u(), u())).collect();
    write(dir.path(), "train.txt", rows);
    let mut child = Command::new(env!("CARGO_BIN_EXE_kern"))
        .args(["grid", "train.txt", "--grid", "c=2^-5..2^15:4", "--json", "-q"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kern");
    // The reader is gone before the grid's 11 points are scored and printed.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!said.contains("panicked") && out.status.code() != Some(101), "{:?}: {said}", out.status);
}
