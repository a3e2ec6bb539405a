//! Every size set by an option is checked: the memory plan refuses a fit
//! over `--max-memory` in one line, and a fit it lets through stays within
//! the cap (peak resident memory, measured); counts that only cost time have
//! limits; `--threads` beyond the cores is capped; two writers of one model
//! file leave one whole model.

mod common;

use std::path::Path;
use std::process::Command;

use common::{assert_one_line_error, kern, lcg, scratch, stderr, write};

/// `n` rows of 10 dense features in LibSVM format: two classes (labels ±1).
fn blobs(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|i| {
            let class = if i % 2 == 0 { 1.0 } else { -1.0 };
            let features: Vec<String> = (1..=10).map(|j| format!("{j}:{:.4}", u() + class * 0.3)).collect();
            format!("{class} {}\n", features.join(" "))
        })
        .collect()
}

/// GNU time, which reports a child's peak resident memory. (The peak a
/// process inherits from its parent at fork survives exec, so kern's own
/// must be read by a small parent, not by this large test process.)
const TIME: &str = "/usr/bin/time";

/// Runs kern under GNU time: its exit status, peak resident memory (bytes)
/// and stderr without time's line.
fn run_measured(dir: &Path, args: &[&str]) -> (i32, u64, String) {
    let out = Command::new(TIME)
        .args(["-f", "peak %M"])
        .arg(env!("CARGO_BIN_EXE_kern"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run kern under time");
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    let (peak, rest): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.starts_with("peak "));
    let kib: u64 = peak.last().and_then(|l| l[5..].trim().parse().ok()).expect("time's peak line");
    let rest: Vec<&str> = rest.into_iter().filter(|l| !l.starts_with("Command exited")).collect();
    (out.status.code().unwrap_or(-1), kib * 1024, rest.join("\n"))
}

#[test]
fn fits_the_plan_lets_through_stay_within_the_cap_and_the_others_are_refused() {
    const CAP: u64 = 32 << 20;
    if !Path::new(TIME).exists() {
        eprintln!("skipping: {TIME} (Debian's package time) measures peak memory and is absent");
        return;
    }
    let dir = scratch();
    for n in [400, 480, 800, 1000, 1300, 1500, 2000, 3000] {
        write(dir.path(), &format!("b{n}"), blobs(n, n as u64));
    }
    // The process with its data and nothing fitted to speak of.
    let (_, base, _) =
        run_measured(dir.path(), &["fit", "b3000", "--max-iter", "1", "--cache-mb", "1", "-o", "base.model"]);
    // (data, options, whether the plan lets it through the 32 MiB cap)
    let cases: [(&str, &[&str], bool); 14] = [
        ("b1300", &["--task", "krr"], true),
        ("b1500", &["--task", "krr"], false),
        ("b800", &["--task", "krr", "--alpha", "auto"], true),
        ("b1000", &["--task", "krr", "--alpha", "auto"], false),
        ("b400", &["--task", "gp", "--restarts", "1", "--threads", "2"], true),
        ("b480", &["--task", "gp", "--restarts", "1", "--threads", "2"], false),
        ("b400", &["--task", "gpc", "--restarts", "1", "--threads", "2"], true),
        ("b3000", &["--task", "svc", "--cache-mb", "16"], true),
        ("b3000", &["--task", "svr", "--cache-mb", "16"], true),
        ("b3000", &["--task", "svc", "--cache-mb", "64"], false),
        ("b3000", &["--task", "krr", "--approx", "rff", "--components", "500"], true),
        ("b2000", &["--task", "svc", "--approx", "nystroem", "--components", "400"], true),
        ("b3000", &["--task", "krr", "--approx", "falkon", "--components", "800"], true),
        ("b1500", &["--task", "svc", "--folds", "5"], true),
    ];
    for (data, options, fits) in cases {
        let mut args = vec![if options.contains(&"--folds") { "cv" } else { "fit" }, data, "--max-memory", "32M"];
        args.extend_from_slice(options);
        if args[0] == "fit" {
            args.extend(["-o", "m.model"]);
        }
        let (code, peak, err) = run_measured(dir.path(), &args);
        if fits {
            assert_eq!(code, 0, "{args:?}: {err}");
            assert!(peak <= CAP + base, "{args:?}: peak {} MiB over the cap + {} MiB", peak >> 20, base >> 20);
        } else {
            assert!(code == 1 && err.contains("--max-memory") && err.lines().count() == 1, "{args:?}: {err}");
        }
    }
}

#[test]
fn sizes_and_counts_set_by_options_are_one_line_refusals() {
    let dir = scratch();
    write(dir.path(), "b", blobs(270, 1));
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["--approx", "rff", "--components", "4000000000", "--task", "krr"],
            &["--components 4000000000", "--max-memory"],
        ),
        (&["--approx", "nystroem", "--components", "4000000000", "--task", "krr"], &["fit"]),
        (&["--task", "gp", "--restarts", "100000000"], &["--restarts", "1000"]),
        (&["--max-iter", "100000000000"], &["--max-iter"]),
        (&["--task", "krr", "--max-memory", "10"], &["--max-memory", "approximate"]),
        (&["--task", "gp", "--max-memory", "100K"], &["--task gp", "--max-memory"]),
    ];
    for (options, needles) in cases {
        let _ = std::fs::remove_file(dir.path().join("m.model"));
        let mut args = vec!["fit", "b", "-o", "m.model"];
        args.extend_from_slice(options);
        let out = kern(dir.path(), &args);
        if options.contains(&"nystroem") {
            // Nyström holds at most n landmarks: 4e9 components is 270 of them.
            assert!(out.status.success(), "{args:?}: {}", stderr(&out));
            continue;
        }
        assert_one_line_error(&out, needles);
        assert!(!dir.path().join("m.model").exists(), "{args:?} wrote a model");
    }
    // A thread count beyond the cores is capped, with a notice, not a hang.
    let out = kern(dir.path(), &["fit", "b", "--threads", "100000", "-o", "t.model"]);
    assert!(out.status.success() && stderr(&out).contains("--threads 100000"), "{}", stderr(&out));
}

#[test]
fn two_writers_of_one_model_file_leave_one_whole_model() {
    let dir = scratch();
    write(dir.path(), "b", blobs(1500, 2));
    for _ in 0..3 {
        let spawn = |c: &str| {
            Command::new(env!("CARGO_BIN_EXE_kern"))
                .args(["fit", "b", "-c", c, "-g", "0.1", "-o", "same.model", "-q"])
                .current_dir(dir.path())
                .spawn()
                .expect("start kern")
        };
        let (mut a, mut b) = (spawn("1"), spawn("10"));
        assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
        let model = kern::model::load_model(&dir.path().join("same.model")).expect("a whole, loadable model");
        let kern::model::Estimator::Svm { model, .. } = model.estimator else { panic!("an SVM") };
        let c = match model.kind {
            kern::solvers::SvmKind::CSvc { c } => c,
            other => panic!("{other:?}"),
        };
        assert!(c == 1.0 || c == 10.0, "one writer's model, not a mix: C = {c}");
        let names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
        assert!(names.iter().all(|n| !n.starts_with(".kern-")), "temporary files left: {names:?}");
    }
}
