//! `mpirun -np P kern fit|predict` on one machine (feature `mpi`; CI runs
//! `cargo test --features mpi --test mpi` after `scripts/install-mpi.sh`):
//! shared fits equal the single-process fit (Falkon's bit for bit), the
//! same P gives the same model bytes, shared predictions are the
//! single-process output byte for byte, and a
//! failing or killed process ends the run with one line and no model file.
#![cfg(feature = "mpi")]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{kern, scratch, stderr, write};

/// `mpirun -np p kern`, as root and on more processes than cores. Open
/// MPI's `--timeout` ends a run that hangs, and fails its test, in minutes
/// rather than holding CI until its own limit.
fn launcher(p: usize) -> Command {
    let mut command = Command::new("mpirun");
    command.args(["--allow-run-as-root", "--oversubscribe", "--timeout", "240", "-np", &p.to_string()]);
    command.arg(env!("CARGO_BIN_EXE_kern"));
    command
}

/// `mpirun -np p kern args...` in `dir`, or `None` where no mpirun is installed.
fn mpirun(dir: &Path, p: usize, args: &[&str]) -> Option<Output> {
    match launcher(p).args(args).current_dir(dir).output() {
        Ok(out) => Some(out),
        Err(e) => {
            eprintln!("skipped: mpirun cannot be run here ({e}); scripts/install-mpi.sh installs Open MPI");
            None
        }
    }
}

/// Borrowed strings of `v`.
fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A dense regression CSV of `n` rows and a sparse two-class LibSVM file.
fn data(dir: &Path, n: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let reg = kern::synthetic::friedman1(n, 0.3, 3);
    let mut csv = String::new();
    let mut libsvm = String::new();
    for i in 0..n {
        let row = reg.x.row(i).values().to_vec();
        let fields: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        csv.push_str(&format!("{},{}\n", fields.join(","), reg.y[i]));
        let label = if reg.y[i] > 14.0 { "+1" } else { "-1" };
        let pairs: Vec<String> =
            row.iter().enumerate().filter(|(j, _)| (i + j) % 3 != 0).map(|(j, v)| format!("{}:{v}", j + 1)).collect();
        libsvm.push_str(&format!("{label} {}\n", pairs.join(" ")));
    }
    (write(dir, "reg.csv", csv), write(dir, "two.libsvm", libsvm))
}

fn numbers(path: &Path) -> Vec<f64> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| l.parse().unwrap()).collect()
}

#[test]
fn shared_fits_and_predictions_equal_one_process() {
    let dir = scratch();
    let (reg, _) = data(dir.path(), 3000);
    let reg = reg.to_str().unwrap();
    let fit = |out: &str| -> Vec<String> {
        let opts = "--task krr --approx nystroem --components 200 -g 0.1 --alpha 1e-2 -q -o";
        let mut args: Vec<String> = ["fit", reg].iter().map(|s| s.to_string()).collect();
        args.extend(opts.split(' ').map(String::from));
        args.push(out.into());
        args
    };
    let single = kern(dir.path(), &strs(&fit("p1.model")));
    assert!(single.status.success(), "{}", stderr(&single));
    let Some(_) = mpirun(dir.path(), 1, &["info", "p1.model"]) else { return };
    assert!(kern(dir.path(), &["predict", "p1.model", reg, "-o", "p1.txt", "-q"]).status.success());
    let expected = numbers(&dir.path().join("p1.txt"));
    let scale = expected.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for p in [2, 3] {
        let model = format!("p{p}.model");
        let out = mpirun(dir.path(), p, &strs(&fit(&model))).unwrap();
        assert!(out.status.success(), "P = {p}: {}", stderr(&out));
        let again = mpirun(dir.path(), p, &strs(&fit("again.model")));
        assert!(again.unwrap().status.success());
        let bytes = std::fs::read(dir.path().join(&model)).unwrap();
        assert_eq!(bytes, std::fs::read(dir.path().join("again.model")).unwrap(), "P = {p} twice: same bytes");
        let predicted = format!("p{p}.txt");
        assert!(kern(dir.path(), &["predict", &model, reg, "-o", &predicted, "-q"]).status.success());
        let got = numbers(&dir.path().join(&predicted));
        let worst = expected.iter().zip(&got).map(|(a, b)| (a - b).abs() / scale).fold(0.0, f64::max);
        assert!(worst < 1e-9, "P = {p}: predictions differ by {worst:e} of their scale");

        // Predicting on P processes writes the single-process output, once, in order.
        let shared = format!("shared{p}.txt");
        let args = ["predict", "p1.model", reg, "-o", &shared, "--json"];
        let out = mpirun(dir.path(), p, &args).unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        // The same rows in the same order, the same bits: each share is
        // predicted in the blocks of rows one process forms.
        let text = std::fs::read_to_string(dir.path().join(&shared)).unwrap();
        assert!(text == std::fs::read_to_string(dir.path().join("p1.txt")).unwrap(), "P = {p}: shared output differs");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["n"], 3000, "one report, from process 0: {report}");
    }
}

#[test]
fn falkon_on_processes_writes_the_single_process_model() {
    let dir = scratch();
    let (reg, two) = data(dir.path(), 2600);
    for (file, task) in [(reg.to_str().unwrap(), "krr"), (two.to_str().unwrap(), "svc")] {
        let args = |out: &str| -> Vec<String> {
            let opts =
                format!("fit {file} --task {task} --approx falkon --components 150 -g 0.2 --alpha 1e-4 -q -o {out}");
            opts.split(' ').map(String::from).collect()
        };
        let single = kern(dir.path(), &strs(&args("p1.model")));
        assert!(single.status.success(), "{}", stderr(&single));
        let expected = std::fs::read(dir.path().join("p1.model")).unwrap();
        for p in [2, 3] {
            let model = format!("p{p}.model");
            let Some(out) = mpirun(dir.path(), p, &strs(&args(&model))) else {
                return;
            };
            assert!(out.status.success(), "{task}, P = {p}: {}", stderr(&out));
            assert!(std::fs::read(dir.path().join(&model)).unwrap() == expected, "{task}, P = {p}: other model bytes");
        }
        // Each process asks for its own GPU; without one (or without the
        // `cuda` feature) each computes on the CPU: the same model.
        let mut on_gpu = args("gpu.model");
        on_gpu.extend(["--device".into(), "gpu".into()]);
        let gpu = mpirun(dir.path(), 2, &strs(&on_gpu)).unwrap();
        assert!(gpu.status.success(), "{}", stderr(&gpu));
        assert!(std::fs::read(dir.path().join("gpu.model")).unwrap() == expected, "{task}: --device gpu without a GPU");
        let alone = kern(dir.path(), &["predict", "p1.model", file, "-o", "alone.txt", "--json"]);
        let report: serde_json::Value = serde_json::from_slice(&alone.stdout).unwrap();
        if task == "svc" {
            assert!(report["accuracy"].as_f64().unwrap() > 0.8, "{report}");
        }
        let shared = mpirun(dir.path(), 3, &["predict", "p1.model", file, "-o", "shared.txt", "-q"]).unwrap();
        assert!(shared.status.success(), "{}", stderr(&shared));
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(read("shared.txt") == read("alone.txt"), "{task}: shared predictions differ");
    }
}

#[test]
fn cv_and_grid_on_processes_report_what_one_process_reports() {
    let dir = scratch();
    let (reg, two) = data(dir.path(), 500);
    let (reg, two) = (reg.to_str().unwrap(), two.to_str().unwrap());
    let cases: [&[&str]; 4] = [
        // One Gram matrix shared by the SVM fits.
        &["grid", two, "--task", "svc", "--grid", "c=0.5,4", "--grid", "gamma=0.1,1", "--json"],
        // Kernel ridge's path over alpha, one eigendecomposition per fold.
        &["grid", reg, "--task", "krr", "--grid", "alpha=0.01,0.1,1", "-g", "0.2", "--json"],
        // Fits on their own (an approximation).
        &["cv", reg, "--task", "krr", "--approx", "nystroem", "--components", "60", "--folds", "4", "--json"],
        &["cv", two, "--task", "svc", "--folds", "7", "--json"],
    ];
    let report = |out: &Output| -> serde_json::Value {
        assert!(out.status.success(), "{}", stderr(out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.lines().count(), 1, "one report: {text}");
        let mut report: serde_json::Value = serde_json::from_str(&text).unwrap();
        report.as_object_mut().unwrap().remove("seconds");
        report
    };
    for args in cases {
        let alone = report(&kern(dir.path(), args));
        for p in [2, 3] {
            let Some(out) = mpirun(dir.path(), p, args) else { return };
            assert_eq!(report(&out), alone, "{args:?} on {p} processes");
        }
    }
    // A fit that fails on whichever process runs it: one line, from process 0.
    let started = Instant::now();
    let out = mpirun(dir.path(), 3, &["grid", two, "--task", "nusvc", "--grid", "nu=0.1,0.99", "-q"]).unwrap();
    assert_failed(dir.path(), &out, started, &["nu = 0.99 is infeasible"]);
}

#[test]
fn a_checkpoint_of_two_processes_resumes_on_three() {
    let dir = scratch();
    let (reg, _) = data(dir.path(), 3000);
    let reg = reg.to_str().unwrap();
    let args = |iterations: &str, model: &str, extra: &[&str]| -> Vec<String> {
        let opts = format!("fit {reg} --task krr --approx falkon --components 200 -g 0.2 --alpha 1e-6 --tol 0 -q");
        let mut args: Vec<String> = opts.split(' ').map(String::from).collect();
        args.extend(["--max-iter", iterations, "-o", model].map(String::from));
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let whole = kern(dir.path(), &strs(&args("25", "whole.model", &[])));
    assert!(whole.status.success(), "{}", stderr(&whole));
    let Some(first) = mpirun(dir.path(), 2, &strs(&args("10", "part.model", &["--checkpoint", "c.ckpt"]))) else {
        return;
    };
    assert!(first.status.success(), "{}", stderr(&first));
    let resumed = mpirun(dir.path(), 3, &strs(&args("25", "m.model", &["--resume", "c.ckpt"]))).unwrap();
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert!(read("m.model") == read("whole.model"), "resumed on 3 processes: not the uninterrupted model");
}

#[test]
fn shards_on_processes_fit_and_predict_as_the_whole_file() {
    let dir = scratch();
    let (reg, _) = data(dir.path(), 2400);
    let text = std::fs::read_to_string(&reg).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    for k in 0..4 {
        let mine = &rows[k * rows.len() / 4..(k + 1) * rows.len() / 4];
        write(dir.path(), &format!("part-{k}.csv"), format!("{}\n", mine.join("\n")));
    }
    let model = "--task krr --approx falkon --components 150 -g 0.2 --alpha 1e-4 -q";
    let fit = |data: &str, out: &str, extra: &str| -> Vec<String> {
        format!("fit {data} {model} -o {out} {extra}").split_whitespace().map(String::from).collect()
    };
    let reg = reg.to_str().unwrap();
    assert!(kern(dir.path(), &strs(&fit(reg, "whole.model", ""))).status.success());
    let Some(out) = mpirun(dir.path(), 2, &strs(&fit("part-*.csv", "shards.model", "--shards"))) else { return };
    assert!(out.status.success(), "{}", stderr(&out));
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert!(read("shards.model") == read("whole.model"), "a fit on 4 shards by 2 processes differs");
    let predict = ["predict", "whole.model", "part-*.csv", "--shards", "-o", "shards.txt", "-q"];
    assert!(mpirun(dir.path(), 3, &predict).unwrap().status.success());
    assert!(kern(dir.path(), &["predict", "whole.model", reg, "-o", "whole.txt", "-q"]).status.success());
    assert!(read("shards.txt") == read("whole.txt"), "predictions on shards differ");
    // More processes than files, and a bad line in a shard: one line each.
    let out = mpirun(dir.path(), 5, &strs(&fit("part-*.csv", "m.model", "--shards"))).unwrap();
    assert!(!out.status.success() && stderr(&out).contains("4 files for 5 processes"), "{}", stderr(&out));
    write(dir.path(), "part-2.csv", "1,2,3\n1,x,3\n");
    let started = Instant::now();
    let out = mpirun(dir.path(), 2, &strs(&fit("part-*.csv", "m.model", "--shards"))).unwrap();
    assert_failed(dir.path(), &out, started, &["process 1 of 2", "part-2.csv:2:"]);
}

#[test]
fn weights_from_a_file_give_the_single_process_model() {
    let dir = scratch();
    let (reg, _) = data(dir.path(), 1800);
    let weights: String = (0..1800).map(|i| format!("{}\n", [0.5, 1.0, 2.0, 0.0][i % 4])).collect();
    write(dir.path(), "w.txt", weights);
    let reg = reg.to_str().unwrap();
    let fit = |out: &str, weights: &str| -> Vec<String> {
        let opts = format!(
            "fit {reg} --task krr --approx falkon --components 120 -g 0.2 --alpha 1e-4 -q --weights {weights} -o {out}"
        );
        opts.split(' ').map(String::from).collect()
    };
    assert!(kern(dir.path(), &strs(&fit("alone.model", "w.txt"))).status.success());
    let Some(out) = mpirun(dir.path(), 3, &strs(&fit("shared.model", "w.txt"))) else { return };
    assert!(out.status.success(), "{}", stderr(&out));
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert!(read("shared.model") == read("alone.model"), "weighted Falkon on 3 processes differs");
    // A short file, and a bad weight in the last process's lines: one line each.
    write(dir.path(), "short.txt", "1\n2\n");
    let started = Instant::now();
    let out = mpirun(dir.path(), 2, &strs(&fit("m.model", "short.txt"))).unwrap();
    assert_failed(dir.path(), &out, started, &["short.txt", "2"]);
    let mut bad: Vec<String> = (0..1800).map(|_| "1".to_string()).collect();
    bad[1700] = "-3".into();
    write(dir.path(), "bad.txt", bad.join("\n") + "\n");
    let started = Instant::now();
    let out = mpirun(dir.path(), 2, &strs(&fit("m.model", "bad.txt"))).unwrap();
    assert_failed(dir.path(), &out, started, &["process 1 of 2", "bad.txt:1701"]);
}

#[test]
fn scaling_from_every_process_gives_the_single_process_model() {
    let dir = scratch();
    let (reg, two) = data(dir.path(), 1500);
    for (file, task) in [(reg.to_str().unwrap(), "krr"), (two.to_str().unwrap(), "svc")] {
        let fit = |out: &str| -> Vec<String> {
            let opts =
                format!("fit {file} --task {task} --approx falkon --components 100 --alpha 1e-3 --scale -q -o {out}");
            opts.split(' ').map(String::from).collect()
        };
        assert!(kern(dir.path(), &strs(&fit("alone.model"))).status.success());
        let Some(out) = mpirun(dir.path(), 3, &strs(&fit("shared.model"))) else { return };
        assert!(out.status.success(), "{}", stderr(&out));
        let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
        assert!(read("shared.model") == read("alone.model"), "{task}: scaled on 3 processes differs");
    }
}

/// A failed run: non-zero, within `limit`, one line naming the process and
/// `needle`, and no model file.
fn assert_failed(dir: &Path, out: &Output, started: Instant, needles: &[&str]) {
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    let err = stderr(out);
    let line = err.lines().find(|l| l.starts_with("kern: error:")).unwrap_or_else(|| panic!("no error line: {err}"));
    for needle in needles {
        assert!(line.contains(needle), "{needle:?} not in {line:?}");
    }
    assert_eq!(err.lines().filter(|l| l.starts_with("kern: error:")).count(), 1, "{err}");
    assert!(!dir.join("m.model").exists(), "no model file after a failure");
}

#[test]
fn an_empty_share_and_a_bad_line_end_the_run_with_one_line() {
    let dir = scratch();
    write(dir.path(), "tiny.libsvm", "1 1:0.5\n-1 2:0.25\n");
    let started = Instant::now();
    let args = ["fit", "tiny.libsvm", "--task", "krr", "--approx", "falkon", "--components", "2", "-o", "m.model"];
    let Some(out) = mpirun(dir.path(), 3, &args) else { return };
    assert_failed(dir.path(), &out, started, &["process 2 of 3", "tiny.libsvm", "share 2 of 3 holds no lines"]);

    let mut text: String = (0..300).map(|i| format!("{i},{},{}\n", i % 7, i % 2)).collect();
    text.push_str("5,x,1\n");
    write(dir.path(), "bad.csv", text);
    let started = Instant::now();
    let args = ["fit", "bad.csv", "--task", "krr", "--approx", "falkon", "--components", "20", "-o", "m.model"];
    let out = mpirun(dir.path(), 3, &args).unwrap();
    assert_failed(dir.path(), &out, started, &["process 2 of 3", "bad.csv:301:"]);

    // Options that every process refuses alike: one line, from process 0.
    let started = Instant::now();
    let out = mpirun(dir.path(), 2, &["fit", "bad.csv", "--task", "svc", "-o", "m.model"]).unwrap();
    assert_failed(dir.path(), &out, started, &["run without mpirun"]);
}

#[test]
fn a_killed_process_ends_the_run_without_a_model_file() {
    let dir = scratch();
    let (reg, _) = data(dir.path(), 40_000);
    let reg = reg.to_str().unwrap();
    let fit = [
        "fit",
        reg,
        "--task",
        "krr",
        "--approx",
        "falkon",
        "--components",
        "2000",
        "--alpha",
        "1e-10",
        "-g",
        "1",
        "--tol",
        "0",
        "--max-iter",
        "10000",
        "-q",
        "-o",
        "m.model",
    ];
    let Ok(mut run) = launcher(2).args(fit).current_dir(dir.path()).stderr(Stdio::piped()).spawn() else {
        eprintln!("skipped: mpirun cannot be run here");
        return;
    };
    // Kill one of the two processes once both are fitting.
    std::thread::sleep(Duration::from_secs(3));
    let pattern = format!("{} fit {reg}", env!("CARGO_BIN_EXE_kern"));
    let pids = Command::new("pgrep").args(["-f", &pattern]).output().unwrap();
    let pid = String::from_utf8_lossy(&pids.stdout).lines().last().map(str::to_string);
    let pid = pid.unwrap_or_else(|| panic!("no kern process found; mpirun still running: {:?}", run.try_wait()));
    let killed_at = Instant::now();
    assert!(Command::new("kill").args(["-9", &pid]).status().unwrap().success());
    let status = loop {
        if let Some(status) = run.try_wait().unwrap() {
            break status;
        }
        assert!(killed_at.elapsed() < Duration::from_secs(30), "the run outlived a killed process by 30 s");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!status.success());
    assert!(!dir.path().join("m.model").exists());
}
