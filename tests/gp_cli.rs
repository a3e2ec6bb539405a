//! `--task gp` and `--alpha auto` end to end.

mod common;

use common::{assert_one_line_error, kern, scratch, stderr, stdout, write};

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_str(stdout(out).trim()).expect("one JSON object on stdout")
}

/// A smooth 2-d target with a little noise (a fixed LCG).
fn regression_file(n: usize, seed: u64) -> String {
    let mut s = seed;
    let mut u = || {
        s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let (a, b) = (4.0 * u() - 2.0, 4.0 * u() - 2.0);
            let y = a.sin() * 3.0 + 0.5 * b + 0.05 * (u() - 0.5);
            format!("{y:?} 1:{a:?} 2:{b:?}\n")
        })
        .collect()
}

#[test]
fn gp_fits_its_hyperparameters_and_predicts_mean_and_std() {
    let dir = scratch();
    write(dir.path(), "train.txt", regression_file(80, 1));
    write(dir.path(), "test.txt", regression_file(40, 2));
    let fit =
        json(&kern(dir.path(), &["fit", "train.txt", "--task", "gp", "--restarts", "2", "-o", "gp.model", "--json"]));
    assert_eq!(fit["task"], "gp");
    let h = &fit["hyperparameters"];
    for key in ["scale", "rbf.gamma", "noise"] {
        assert!(h[key].as_f64().unwrap() > 0.0, "{key} in {h}");
    }
    assert!(fit["log_marginal_likelihood"].as_f64().unwrap().is_finite());
    // Low noise is found: the data is a smooth function plus ±0.025.
    assert!(h["noise"].as_f64().unwrap() < 0.05, "{h}");
    let pred = json(&kern(dir.path(), &["predict", "gp.model", "test.txt", "--std", "-o", "p.txt", "--json"]));
    assert!(pred["r2"].as_f64().unwrap() > 0.95, "{pred}");
    let text = std::fs::read_to_string(dir.path().join("p.txt")).unwrap();
    for line in text.lines() {
        let v: Vec<f64> = line.split(' ').map(|t| t.parse().unwrap()).collect();
        assert_eq!(v.len(), 2);
        assert!(v[1] > 0.0);
    }
    // A hyperparameter given on the command line is held.
    let held = json(&kern(
        dir.path(),
        &["fit", "train.txt", "--task", "gp", "-g", "0.3", "--restarts", "0", "-o", "g.model", "--json"],
    ));
    assert_eq!(held["hyperparameters"]["rbf.gamma"], 0.3);
    // --std needs a GP.
    let krr =
        json(&kern(dir.path(), &["fit", "train.txt", "--task", "krr", "--alpha", "auto", "-o", "k.model", "--json"]));
    assert_eq!(krr["alpha_selection"], "leave-one-out");
    assert!(krr["alpha"].as_f64().unwrap() > 0.0);
    let out = kern(dir.path(), &["predict", "k.model", "test.txt", "--std"]);
    assert_one_line_error(&out, &["k.model", "--std", "--task gp"]);
}
