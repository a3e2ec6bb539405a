//! `kern fit --approx falkon --checkpoint FILE` and `--resume FILE`: a fit
//! killed after a checkpoint, resumed, writes the model file an
//! uninterrupted fit writes, byte for byte; a fit stopped at its iteration
//! limit goes on where it stopped; a checkpoint of another problem, a file
//! that is not a checkpoint and a checkpoint without Falkon are refused.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_one_line_error, kern, scratch, stderr, write};

/// A regression CSV of `n` rows and 5 features.
fn regression(dir: &Path, n: usize) {
    let data = kern::synthetic::friedman1(n, 0.5, 5);
    let mut csv = String::new();
    for i in 0..n {
        let fields: Vec<String> = data.x.row(i).values()[..5].iter().map(|v| v.to_string()).collect();
        csv.push_str(&format!("{},{}\n", fields.join(","), data.y[i]));
    }
    write(dir, "reg.csv", csv);
}

/// `kern fit reg.csv` with Falkon solved to `iterations` steps, then `extra`.
fn fit_args<'a>(iterations: &'a str, model: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["fit", "reg.csv", "--task", "krr", "--approx", "falkon", "--components", "300"];
    args.extend(["-g", "0.5", "--alpha", "1e-6", "--tol", "0", "--max-iter", iterations, "-q", "-o", model]);
    args.extend(extra);
    args
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn a_killed_fit_resumed_writes_the_uninterrupted_model() {
    let dir = scratch();
    let d = dir.path();
    regression(d, 40_000);
    // K_nM (92 MiB) computed at every step, not held: seconds per fit.
    let cap = ["--max-memory", "32M"];
    let whole = kern(d, &fit_args("40", "whole.model", &cap));
    assert!(whole.status.success(), "{}", stderr(&whole));

    let mut args = fit_args("40", "m.model", &cap);
    args.extend(["--checkpoint", "run.ckpt", "--checkpoint-every", "1"]);
    let mut child =
        Command::new(env!("CARGO_BIN_EXE_kern")).args(&args).current_dir(d).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    while !d.join("run.ckpt").exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "no checkpoint after a minute");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the fit ended before it was killed; make it longer");
    assert!(!d.join("m.model").exists(), "no model file from a killed fit");
    let checkpoint = kern::train::decode_checkpoint(&read(d, "run.ckpt"), Path::new("run.ckpt")).unwrap();
    assert!(checkpoint.iterations() < 40, "killed mid-fit: {} iterations", checkpoint.iterations());

    let resumed = kern(d, &fit_args("40", "m.model", &["--max-memory", "32M", "--resume", "run.ckpt"]));
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(read(d, "m.model") == read(d, "whole.model"), "the resumed model differs from the uninterrupted one");
}

#[test]
fn a_fit_stopped_at_its_limit_goes_on_from_its_checkpoint() {
    let dir = scratch();
    let d = dir.path();
    regression(d, 3000);
    assert!(kern(d, &fit_args("30", "whole.model", &[])).status.success());
    let first = kern(d, &fit_args("12", "part.model", &["--checkpoint", "c.ckpt", "--checkpoint-every", "4"]));
    assert!(first.status.success(), "{}", stderr(&first));
    let state = kern::train::decode_checkpoint(&read(d, "c.ckpt"), Path::new("c.ckpt")).unwrap();
    assert_eq!(state.iterations(), 12);
    // Threads do not change the bits: resumed at one thread.
    let more = kern(d, &fit_args("30", "more.model", &["--resume", "c.ckpt", "--threads", "1"]));
    assert!(more.status.success(), "{}", stderr(&more));
    assert!(read(d, "more.model") == read(d, "whole.model"));
    // The resumed run kept checkpointing into the file it resumed, every 5
    // iterations (the default).
    let state = kern::train::decode_checkpoint(&read(d, "c.ckpt"), Path::new("c.ckpt")).unwrap();
    assert_eq!(state.iterations(), 30);
}

#[test]
fn checkpoints_of_other_problems_and_other_files_are_refused() {
    let dir = scratch();
    let d = dir.path();
    regression(d, 1000);
    assert!(kern(d, &fit_args("5", "a.model", &["--checkpoint", "c.ckpt"])).status.success());
    // Other centres: another system.
    let mut other = fit_args("9", "b.model", &["--resume", "c.ckpt"]);
    other[7] = "200";
    assert_one_line_error(&kern(d, &other), &["c.ckpt", "another problem"]);
    write(d, "not.ckpt", "1,2,3\n");
    assert_one_line_error(
        &kern(d, &fit_args("9", "b.model", &["--resume", "not.ckpt"])),
        &["not.ckpt", "not a kern checkpoint"],
    );
    let svm = kern(d, &["fit", "reg.csv", "--task", "svr", "--checkpoint", "c.ckpt", "-o", "b.model"]);
    assert_one_line_error(&svm, &["--approx falkon"]);
    assert!(!d.join("b.model").exists());
}
