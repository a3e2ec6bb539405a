//! `kern grid`: every point scores what `kern cv` scores at that point
//! (though the grid shares one Gram matrix per kernel setting and one
//! eigendecomposition per fold for all ridge penalties), the same at any
//! thread count; `--refit` trains the best point; bad specs are one error line.

mod common;

use std::path::Path;

use common::{assert_one_line_error, json, kern, lcg, scratch, write};

/// Two interleaved noisy rings in 2-d (LibSVM text), labels ±1.
fn rings(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|i| {
            let label = if i % 2 == 0 { 1 } else { -1 };
            let radius = if label == 1 { 1.0 } else { 2.0 } + 0.6 * (u() - 0.5);
            let angle = 2.0 * std::f64::consts::PI * u();
            format!("{label} 1:{:.6} 2:{:.6}\n", radius * angle.cos(), radius * angle.sin())
        })
        .collect()
}

/// A smooth target of 3 features with noise (LibSVM text).
fn smooth(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|_| {
            let x: Vec<f64> = (0..3).map(|_| 2.0 * u() - 1.0).collect();
            let y = (3.0 * x[0]).sin() + x[1] * x[2] + 0.2 * (u() - 0.5);
            format!("{y:.6} 1:{:.6} 2:{:.6} 3:{:.6}\n", x[0], x[1], x[2])
        })
        .collect()
}

fn points(report: &serde_json::Value) -> &Vec<serde_json::Value> {
    report["points"].as_array().unwrap()
}

/// `kern cv` at one point, as JSON.
fn cv_at(dir: &Path, file: &str, extra: &[&str], params: &serde_json::Value) -> serde_json::Value {
    let mut args: Vec<String> = ["cv", file, "--json"].iter().map(|s| s.to_string()).collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    for (name, value) in params.as_object().unwrap() {
        args.push(format!("--{}", if name == "c" { "c" } else { name }));
        args.push(value.as_f64().unwrap().to_string());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = kern(dir, &refs);
    assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
    json(&out)
}

#[test]
fn every_svm_point_scores_what_cv_scores_there() {
    let dir = scratch();
    write(dir.path(), "rings.txt", rings(160, 3));
    let grid = kern(
        dir.path(),
        &["grid", "rings.txt", "--folds", "4", "--grid", "c=2^-1..2^5:8", "--grid", "gamma=0.1,1,4", "--json"],
    );
    assert!(grid.status.success(), "{}", common::stderr(&grid));
    let report = json(&grid);
    assert_eq!(report["n_points"], 9);
    let mut best = 0.0f64;
    for point in points(&report) {
        let cv = cv_at(dir.path(), "rings.txt", &["--folds", "4"], &point["params"]);
        assert_eq!(point["accuracy"], cv["accuracy"], "{}", point["params"]);
        assert_eq!(point["accuracy_per_fold"], cv["accuracy_per_fold"]);
        best = best.max(point["accuracy"].as_f64().unwrap());
    }
    assert_eq!(report["best_accuracy"].as_f64().unwrap(), best);
    assert!(best > 0.9, "rings are separable by an RBF: {best}");
    // The same at one and at two threads.
    let one = kern(
        dir.path(),
        &["grid", "rings.txt", "--folds", "4", "--grid", "c=2^-1..2^5:8", "--grid", "gamma=0.1,1,4", "--json"]
            .iter()
            .chain(&["--threads", "1"])
            .copied()
            .collect::<Vec<_>>(),
    );
    assert_eq!(points(&json(&one)), points(&report));
}

#[test]
fn every_ridge_point_scores_what_cv_scores_there() {
    let dir = scratch();
    write(dir.path(), "smooth.txt", smooth(120, 5));
    let grid = kern(
        dir.path(),
        &[
            "grid",
            "smooth.txt",
            "--task",
            "krr",
            "--folds",
            "4",
            "--grid",
            "alpha=1e-3,0.1,10",
            "--grid",
            "g=0.5,2",
            "--json",
        ],
    );
    assert!(grid.status.success(), "{}", common::stderr(&grid));
    let report = json(&grid);
    for point in points(&report) {
        let cv = cv_at(dir.path(), "smooth.txt", &["--task", "krr", "--folds", "4"], &point["params"]);
        let (a, b) = (point["mse"].as_f64().unwrap(), cv["mse"].as_f64().unwrap());
        // One eigendecomposition for all alphas against one Cholesky each.
        assert!((a - b).abs() <= 1e-8 * b, "{}: {a} vs {b}", point["params"]);
    }
    let best = points(&report).iter().map(|p| p["mse"].as_f64().unwrap()).fold(f64::INFINITY, f64::min);
    assert_eq!(report["best_mse"].as_f64().unwrap(), best);
    assert!(report["best_r2"].as_f64().unwrap() > 0.8);
}

#[test]
fn refit_trains_the_best_point_on_all_the_data() {
    let dir = scratch();
    write(dir.path(), "rings.txt", rings(120, 8));
    let grid = kern(
        dir.path(),
        &["grid", "rings.txt", "--grid", "c=0.5,8", "--grid", "gamma=0.2,2", "--refit", "-o", "best.model", "--json"],
    );
    assert!(grid.status.success(), "{}", common::stderr(&grid));
    let report = json(&grid);
    assert_eq!(report["model"], "best.model");
    let (c, g) = (report["best_params"]["c"].as_f64().unwrap(), report["best_params"]["gamma"].as_f64().unwrap());
    let fit = kern(dir.path(), &["fit", "rings.txt", "-c", &c.to_string(), "-g", &g.to_string(), "-o", "direct.model"]);
    assert!(fit.status.success());
    let predict = |model: &str| {
        let out = kern(dir.path(), &["predict", model, "rings.txt"]);
        assert!(out.status.success(), "{}", common::stderr(&out));
        common::stdout(&out)
    };
    assert_eq!(predict("best.model"), predict("direct.model"));
}

#[test]
fn sequences_take_a_grid_over_k_and_c() {
    let dir = scratch();
    let mut u = lcg(4);
    let fasta: String = (0..60)
        .map(|i| {
            let mut s: Vec<u8> = (0..30).map(|_| b"ACGT"[(u() * 4.0) as usize % 4]).collect();
            if i % 2 == 0 {
                let at = (u() * 20.0) as usize;
                s[at..at + 6].copy_from_slice(b"GATTAC");
            }
            format!(">s{i} {}\n{}\n", i % 2, String::from_utf8(s).unwrap())
        })
        .collect();
    write(dir.path(), "d.fa", fasta);
    let out = kern(
        dir.path(),
        &["grid", "d.fa", "--kernel", "spectrum", "--grid", "k=3,5", "--grid", "c=1,10", "--folds", "3", "--json"],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let report = json(&out);
    assert_eq!(points(&report).len(), 4);
    for point in points(&report) {
        let cv = cv_at(
            dir.path(),
            "d.fa",
            &["--kernel", "spectrum", "--folds", "3"],
            &serde_json::json!({ "k": point["params"]["k"], "c": point["params"]["c"] }),
        );
        assert_eq!(point["accuracy"], cv["accuracy"]);
    }
}

#[test]
fn bad_grids_are_one_error_line() {
    let dir = scratch();
    write(dir.path(), "rings.txt", rings(40, 1));
    for (spec, needles) in [
        ("c=1..0.5:2", &["--grid c=1..0.5:2", "never goes"][..]),
        ("tau=1,2", &["unknown option", "tau"]),
        ("degree=2.5", &["whole numbers"]),
        ("c=", &["not a number"]),
        ("c=1e-300..1e300:1.0001", &["values"]),
    ] {
        let out = kern(dir.path(), &["grid", "rings.txt", "--grid", spec]);
        assert_one_line_error(&out, needles);
    }
    let twice = kern(dir.path(), &["grid", "rings.txt", "--grid", "c=1", "--grid", "c=2"]);
    assert_one_line_error(&twice, &["twice"]);
    let huge = kern(dir.path(), &["grid", "rings.txt", "--grid", "c=1..1e9:1.01", "--grid", "gamma=1..1e9:1.01"]);
    assert_one_line_error(&huge, &["more than"]);
    let folds = kern(dir.path(), &["grid", "rings.txt", "--grid", "c=1", "--folds", "1"]);
    assert_one_line_error(&folds, &["--folds 1"]);
}

#[test]
fn progress_is_silent_when_stderr_is_not_a_terminal() {
    let dir = scratch();
    write(dir.path(), "rings.txt", rings(60, 2));
    for args in [
        &["grid", "rings.txt", "--grid", "c=1,2"][..],
        &["cv", "rings.txt", "--folds", "3"],
        &["fit", "rings.txt", "--task", "svc", "-o", "m.model"],
    ] {
        let out = kern(dir.path(), args);
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
        let err = common::stderr(&out);
        // The summary line alone: no bar, no carriage returns or escapes.
        assert_eq!(err.lines().count(), 1, "{args:?}: {err:?}");
        assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{args:?}: {err:?}");
        let mut quiet = args.to_vec();
        quiet.push("--quiet");
        assert!(common::stderr(&kern(dir.path(), &quiet)).is_empty(), "{args:?} --quiet");
    }
}
