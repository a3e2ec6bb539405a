//! `--task gp` and `--alpha auto` end to end.

mod common;

use common::{assert_one_line_error, json, kern, lcg, scratch, stdout, write};

/// A smooth 2-d target with a little noise (a fixed LCG).
fn regression_file(n: usize, seed: u64) -> String {
    target_file(n, seed, false)
}

/// `y = 3 sin a + b/2` plus a little noise at features `a`, `b` and, when
/// `irrelevant`, a third feature that does not matter.
fn target_file(n: usize, seed: u64, irrelevant: bool) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|_| {
            let (a, b) = (4.0 * u() - 2.0, 4.0 * u() - 2.0);
            let c = if irrelevant { format!(" 3:{:?}", 4.0 * u() - 2.0) } else { String::new() };
            let y = a.sin() * 3.0 + 0.5 * b + 0.05 * (u() - 0.5);
            format!("{y:?} 1:{a:?} 2:{b:?}{c}\n")
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

/// Points around `centres` (2-d, unit spread), labelled by their centre's name.
fn blob_file(centres: &[(&str, f64, f64)], per_class: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    let mut out = String::new();
    for _ in 0..per_class {
        for (name, cx, cy) in centres {
            let (a, b) = (u().max(1e-300), u());
            let r = (-2.0 * a.ln()).sqrt();
            let t = 2.0 * std::f64::consts::PI * b;
            out.push_str(&format!("{name} 1:{:?} 2:{:?}\n", cx + r * t.cos(), cy + r * t.sin()));
        }
    }
    out
}

#[test]
fn gp_on_two_label_values_classifies_with_probabilities() {
    let dir = scratch();
    let centres = [("+1", 1.5, 0.0), ("-1", -1.5, 0.0)];
    write(dir.path(), "train.txt", blob_file(&centres, 50, 3));
    write(dir.path(), "test.txt", blob_file(&centres, 50, 4));
    let fit =
        json(&kern(dir.path(), &["fit", "train.txt", "--task", "gp", "--restarts", "1", "-o", "c.model", "--json"]));
    assert_eq!(fit["task"], "gpc");
    assert_eq!(fit["classes"], serde_json::json!(["1", "-1"]));
    assert!(fit["log_marginal_likelihood"].as_f64().unwrap() < 0.0);
    assert!(fit["hyperparameters"]["rbf.gamma"].as_f64().unwrap() > 0.0, "{fit}");
    // Blobs 3 apart, unit spread: about 93 % is the best possible.
    let pred = json(&kern(dir.path(), &["predict", "c.model", "test.txt", "--proba", "-o", "p.txt", "--json"]));
    assert!(pred["accuracy"].as_f64().unwrap() > 0.85, "{pred}");
    let text = std::fs::read_to_string(dir.path().join("p.txt")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("labels 1 -1"));
    for line in lines {
        let fields: Vec<&str> = line.split(' ').collect();
        let p: Vec<f64> = fields[1..].iter().map(|t| t.parse().unwrap()).collect();
        assert!((p[0] + p[1] - 1.0).abs() < 1e-12);
        assert_eq!(fields[0], if p[0] > p[1] { "1" } else { "-1" }, "{line}");
    }
    // --std is for regression.
    let out = kern(dir.path(), &["predict", "c.model", "test.txt", "--std"]);
    assert_one_line_error(&out, &["--std", "GP"]);
    // Cross-validation takes the same path.
    let cv = json(&kern(dir.path(), &["cv", "train.txt", "--task", "gp", "--restarts", "0", "--folds", "3", "--json"]));
    assert!(cv["accuracy"].as_f64().unwrap() > 0.85, "{cv}");
}

#[test]
fn gpc_takes_several_classes_one_against_the_rest() {
    let dir = scratch();
    // Three numeric labels: `--task gp` would regress on them; gpc classifies.
    let centres = [("1", -2.0, 0.0), ("2", 2.0, 0.0), ("3", 0.0, 3.0)];
    write(dir.path(), "train.txt", blob_file(&centres, 30, 5));
    let fit =
        json(&kern(dir.path(), &["fit", "train.txt", "--task", "gpc", "--restarts", "0", "-o", "m.model", "--json"]));
    assert_eq!(fit["classes"], serde_json::json!(["1", "2", "3"]));
    assert_eq!(fit["hyperparameters"].as_array().map(Vec::len), Some(3), "one set per class: {fit}");
    let pred = json(&kern(dir.path(), &["predict", "m.model", "train.txt", "-o", "p.txt", "--json"]));
    assert!(pred["accuracy"].as_f64().unwrap() > 0.85, "{pred}");
    let info = kern(dir.path(), &["info", "m.model"]);
    assert!(info.status.success() && stdout(&info).contains("classification"), "{}", stdout(&info));
}

#[test]
fn sparse_gp_fits_on_inducing_points_and_predicts_with_intervals() {
    let dir = scratch();
    write(dir.path(), "train.txt", regression_file(400, 11));
    write(dir.path(), "test.txt", regression_file(200, 12));
    let fit = |m: &str, out: &str, more: &[&str]| {
        let args = [
            &["fit", "train.txt", "--task", "gp", "--approx", "sgpr", "--components", m, "-o", out, "--json"][..],
            more,
        ];
        json(&kern(dir.path(), &args.concat()))
    };
    let report = fit("40", "sgpr.model", &["--restarts", "1"]);
    assert_eq!(report["approx"], "sgpr");
    assert_eq!(report["components"], 40);
    assert!(report["elbo"].as_f64().unwrap().is_finite());
    let expression: kern::Expression = report["kernel_expression"].as_str().unwrap().parse().unwrap();
    assert!(expression.white.is_some());
    // The same model through JSON, and intervals that hold the targets.
    fit("40", "sgpr.json", &["--restarts", "1"]);
    let pred = |model: &str, extra: &[&str]| {
        json(&kern(dir.path(), &[&["predict", model, "test.txt", "-o", "p.txt", "--json"][..], extra].concat()))
    };
    let (binary, text) = (pred("sgpr.model", &["--interval", "0.95"]), pred("sgpr.json", &["--interval", "0.95"]));
    assert_eq!(binary, text);
    assert_eq!(binary["interval"]["method"], "gaussian");
    assert!(binary["r2"].as_f64().unwrap() > 0.95, "{binary}");
    assert!(binary["interval"]["coverage"].as_f64().unwrap() > 0.9, "{binary}");
    let std = pred("sgpr.model", &["--std"]);
    assert_eq!(std["r2"], binary["r2"]);
    // GP regression only.
    let out = kern(dir.path(), &["fit", "train.txt", "--task", "svr", "--approx", "sgpr", "-o", "x.model"]);
    assert_one_line_error(&out, &["--approx sgpr", "--task gp"]);
}

#[test]
fn restarts_default_to_five_for_exact_regression_and_none_for_classification_or_an_approximate_gp() {
    let dir = scratch();
    write(dir.path(), "train.txt", regression_file(150, 21));
    let model = |name: &str, more: &[&str]| {
        let args = [&["fit", "train.txt", "--task", "gp", "-o", name, "-q"][..], more].concat();
        kern(dir.path(), &args);
        std::fs::read(dir.path().join(name)).unwrap()
    };
    let sparse = ["--approx", "sgpr", "--components", "30"];
    assert_eq!(model("s.model", &sparse), model("s0.model", &[&sparse[..], &["--restarts", "0"]].concat()));
    assert_ne!(model("s1.model", &[&sparse[..], &["--restarts", "1"]].concat()), model("s0.model", &sparse));
    assert_eq!(model("e.model", &[]), model("e5.model", &["--restarts", "5"]));
    assert_ne!(model("e.model", &[]), model("e0.model", &["--restarts", "0"]));
    // Classification: one start, as scikit-learn's GaussianProcessClassifier;
    // a restart adds its evaluations.
    write(dir.path(), "classes.txt", blob_file(&[("+1", -1.0, 0.0), ("-1", 1.0, 0.5)], 40, 3));
    let classify = |name: &str, more: &[&str]| {
        let args = [&["fit", "classes.txt", "--task", "gp", "-o", name, "--json"][..], more].concat();
        let fit = json(&kern(dir.path(), &args));
        (std::fs::read(dir.path().join(name)).unwrap(), fit["evaluations"].as_u64().unwrap())
    };
    let (default, zero, one) = (
        classify("c.model", &[]),
        classify("c0.model", &["--restarts", "0"]),
        classify("c1.model", &["--restarts", "1"]),
    );
    assert_eq!(default, zero);
    assert!(one.1 > zero.1, "{} evaluations with a restart, {} without", one.1, zero.1);
}

/// The covariance `--auto` reports, after checking that it is the one of
/// its `count` candidates with the least held-out NLL.
fn chosen_by_held_out_nll(auto: &serde_json::Value, count: usize) -> String {
    let candidates = auto["covariance_candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), count, "{auto}");
    let nll = |c: &serde_json::Value| c["held_out_nll"].as_f64().unwrap();
    let best = candidates.iter().map(nll).fold(f64::INFINITY, f64::min);
    let chosen = candidates.iter().find(|c| nll(c) == best).unwrap();
    assert_eq!(auto["covariance"], chosen["kernel"], "{auto}");
    chosen["kernel"].as_str().unwrap().to_string()
}

#[test]
fn auto_fits_a_sparse_gp_above_two_thousand_samples_its_covariance_chosen_by_held_out_samples() {
    let dir = scratch();
    // y = 3 sin a + b/2: a third feature that does not matter.
    write(dir.path(), "big.txt", target_file(5_200, 13, true));
    write(dir.path(), "test.txt", target_file(1_000, 14, true));
    let fit = json(&kern(dir.path(), &["fit", "big.txt", "--task", "gp", "--auto", "-o", "b.model", "--json"]));
    let auto = &fit["auto"];
    assert_eq!(auto["approx"], "sgpr", "{fit}");
    // 256 inducing points on 2,000 rows; the posterior on 2,048, its pass affordable at 5,200 rows.
    assert_eq!(fit["fit_components"].as_u64(), Some(256), "{fit}");
    assert_eq!((fit["components"].as_u64(), auto["posterior_components"].as_u64()), (Some(2048), Some(2048)));
    // Two families, each with one width and per feature, and per feature from the better one-width optimum.
    assert!(chosen_by_held_out_nll(auto, 5).starts_with("ard"), "the irrelevant feature: {auto}");
    let test_mse = |model: &str| {
        let p = json(&kern(dir.path(), &["predict", model, "test.txt", "-o", "p.txt", "--json"]));
        p["mse"].as_f64().unwrap()
    };
    // Beside the one-width RBF on the same rows and inducing points (the previous default).
    let one_width = [
        "fit",
        "big.txt",
        "--task",
        "gp",
        "--scale",
        "--approx",
        "sgpr",
        "--components",
        "256",
        "--landmarks",
        "kmeans",
        "--fit-samples",
        "2000",
        "--posterior-components",
        "2048",
        "-o",
        "one.model",
        "-q",
    ];
    assert!(kern(dir.path(), &one_width).status.success());
    let (chosen_mse, one_mse) = (test_mse("b.model"), test_mse("one.model"));
    assert!(chosen_mse < one_mse, "chosen {chosen_mse} against one width {one_mse}");
    assert!(chosen_mse < 0.01, "{chosen_mse}");
    // A kernel given is kept: its one-width and per-feature candidates alone.
    let args = ["fit", "big.txt", "--task", "gp", "--auto", "--kernel", "matern32", "-o", "m.model", "--json"];
    let held = json(&kern(dir.path(), &args));
    let kernels: Vec<&str> = held["auto"]["covariance_candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kernel"].as_str().unwrap())
        .collect();
    assert_eq!(kernels.len(), 3, "{held}");
    assert!(kernels.iter().all(|k| k.ends_with("matern32")), "{kernels:?}");
}

#[test]
fn auto_chooses_the_exact_gps_covariance_by_held_out_samples_from_two_hundred_samples() {
    let dir = scratch();
    // y = 3 sin a + b/2 and an irrelevant third feature, on 600 rows: exact.
    write(dir.path(), "train.txt", target_file(600, 17, true));
    write(dir.path(), "test.txt", target_file(1_000, 18, true));
    let fit = json(&kern(dir.path(), &["fit", "train.txt", "--task", "gp", "--auto", "-o", "e.model", "--json"]));
    let auto = &fit["auto"];
    assert!(auto.get("approx").is_none() && fit.get("elbo").is_none(), "an exact GP: {fit}");
    assert_eq!(fit["n_samples"], 600, "{fit}");
    assert!(chosen_by_held_out_nll(auto, 5).starts_with("ard"), "the irrelevant feature: {auto}");
    // The third lengthscale, of the feature that does not matter, is the longest.
    let h = &fit["hyperparameters"];
    let ls = |j: usize| {
        let key = h.as_object().unwrap().keys().find(|k| k.ends_with(&format!("lengthscale.{j}"))).unwrap();
        h[key].as_f64().unwrap()
    };
    assert!(ls(2) > 3.0 * ls(0).max(ls(1)), "{h}");
    // Better than the previous default, one-width RBF with five restarts, on the same rows.
    let args = ["fit", "train.txt", "--task", "gp", "--scale", "-o", "one.model", "-q"];
    assert!(kern(dir.path(), &args).status.success());
    let test_mse = |model: &str| {
        let p = json(&kern(dir.path(), &["predict", model, "test.txt", "-o", "p.txt", "--json"]));
        p["mse"].as_f64().unwrap()
    };
    let (chosen_mse, one_mse) = (test_mse("e.model"), test_mse("one.model"));
    assert!(chosen_mse < one_mse, "chosen {chosen_mse} against one width {one_mse}");
    // Below 200 samples the one-width RBF is kept: too few held out to choose.
    write(dir.path(), "small.txt", target_file(150, 19, true));
    let small = json(&kern(dir.path(), &["fit", "small.txt", "--task", "gp", "--auto", "-o", "s.model", "--json"]));
    assert!(small["auto"].get("covariance_candidates").is_none(), "{small}");
    assert!(small["hyperparameters"].get("rbf.gamma").is_some(), "{small}");
}

#[test]
fn auto_learns_a_sparse_gp_on_half_the_samples_below_four_thousand() {
    let dir = scratch();
    write(dir.path(), "mid.txt", target_file(2_400, 15, false));
    write(dir.path(), "test.txt", target_file(500, 16, false));
    let fit = json(&kern(dir.path(), &["fit", "mid.txt", "--task", "gp", "--auto", "-o", "m.model", "--json"]));
    let auto = &fit["auto"];
    assert_eq!((auto["approx"].as_str(), auto["fit_samples"].as_u64()), (Some("sgpr"), Some(1_200)), "{fit}");
    assert_eq!(fit["components"].as_u64(), Some(2_048), "{fit}");
    let pred = json(&kern(dir.path(), &["predict", "m.model", "test.txt", "-o", "p.txt", "--json"]));
    assert!(pred["r2"].as_f64().unwrap() > 0.999, "{pred}");
}

#[test]
fn auto_classifies_exactly_from_one_start_up_to_a_thousand_samples_on_nystroem_features_above() {
    let dir = scratch();
    let rows = angle_classes(1_001, 35);
    write(dir.path(), "big.csv", rows.clone());
    let first = |n: usize| rows.lines().take(n).map(|l| format!("{l}\n")).collect::<String>();
    write(dir.path(), "mid.csv", first(1_000));
    write(dir.path(), "small.csv", first(300));
    write(dir.path(), "test.csv", angle_classes(600, 36));
    let fit = json(&kern(dir.path(), &["fit", "big.csv", "--task", "gpc", "--auto", "-o", "b.model", "--json"]));
    assert_eq!(fit["auto"]["approx"], "nystroem", "{fit}");
    assert!((1..=512).contains(&fit["components"].as_u64().unwrap()), "{fit}");
    let pred = json(&kern(dir.path(), &["predict", "b.model", "test.csv", "-o", "p.txt", "--json"]));
    assert!(pred["accuracy"].as_f64().unwrap() > 0.9, "{pred}");
    let mid = json(&kern(dir.path(), &["fit", "mid.csv", "--task", "gpc", "--auto", "-o", "m.model", "--json"]));
    assert!(mid["auto"].get("approx").is_none() && mid.get("components").is_none(), "exact: {mid}");
    // One start (three latent functions): as accurate on new samples as
    // five restarts more, within a point.
    let small = |extra: &[&str], model: &str| {
        let mut args = vec!["fit", "small.csv", "--task", "gpc", "--auto", "-o", model, "--json"];
        args.extend_from_slice(extra);
        json(&kern(dir.path(), &args));
        let pred = json(&kern(dir.path(), &["predict", model, "test.csv", "-o", "p.txt", "--json"]));
        pred["accuracy"].as_f64().unwrap()
    };
    let (one, six) = (small(&[], "one.model"), small(&["--restarts", "5"], "six.model"));
    assert!(one > 0.9 && one >= six - 0.01, "one start {one}, six {six}");
}

#[test]
fn sparse_gp_with_ard_learnt_inducing_points_and_a_wider_posterior() {
    let dir = scratch();
    write(dir.path(), "train.txt", target_file(400, 21, true));
    write(dir.path(), "test.txt", target_file(200, 22, true));
    let args = [
        "fit",
        "train.txt",
        "--task",
        "gp",
        "--approx",
        "sgpr",
        "--components",
        "25",
        "--kernel",
        "matern32",
        "--ard",
        "--inducing",
        "kmeans",
        "--learn-inducing",
        "--posterior-components",
        "400",
        "--restarts",
        "0",
        "-o",
        "a.model",
        "--json",
    ];
    let fit = json(&kern(dir.path(), &args));
    let h = &fit["hyperparameters"];
    let ls = |j: usize| h[format!("ard_matern32.lengthscale.{j}")].as_f64().unwrap();
    // The irrelevant feature gets the longest lengthscale by far.
    assert!(ls(2) > 5.0 * ls(0).max(ls(1)), "{h}");
    // The 25 learnt points, then every sample (400 ≥ n): the posterior's.
    assert_eq!((fit["components"].as_u64(), fit["fit_components"].as_u64()), (Some(425), Some(25)), "{fit}");
    assert!(fit["fit_noise"].as_f64().unwrap() > 0.0, "{fit}");
    let pred = json(&kern(dir.path(), &["predict", "a.model", "test.txt", "--std", "-o", "p.txt", "--json"]));
    assert!(pred["r2"].as_f64().unwrap() > 0.99, "{pred}");
    let info = stdout(&kern(dir.path(), &["info", "a.model"]));
    assert!(
        info.contains("425 points, the hyperparameters fitted on 25") && info.contains("ard_matern32(ls=["),
        "{info}"
    );
    // The fitted expression is a kernel the command line takes back: kernel
    // ridge on it with the posterior's noise as alpha is its mean (every
    // sample an inducing point: the exact GP's).
    let text = fit["kernel_expression"].as_str().unwrap();
    let (kernel, noise) = text.rsplit_once(" + white(").unwrap();
    let alpha = noise.trim_end_matches(')');
    let krr = ["fit", "train.txt", "--task", "krr", "--kernel", kernel, "--alpha", alpha, "-o", "k.model", "--json"];
    assert!(kern(dir.path(), &krr).status.success());
    let ridge = json(&kern(dir.path(), &["predict", "k.model", "test.txt", "-o", "k.txt", "--json"]));
    assert!((ridge["r2"].as_f64().unwrap() - pred["r2"].as_f64().unwrap()).abs() < 1e-3, "{ridge} vs {pred}");
    // Options that belong to GPs, or to the sparse GP, are refused elsewhere.
    for (args, words) in [
        (&["fit", "train.txt", "--ard", "-o", "x.model"][..], &["--ard", "--task svc"][..]),
        (&["fit", "train.txt", "--task", "gp", "--ard", "--kernel", "poly", "-o", "x.model"], &["--ard", "poly"]),
        (&["fit", "train.txt", "--task", "gp", "--learn-inducing", "-o", "x.model"], &["--learn-inducing", "sgpr"]),
        (
            &["fit", "train.txt", "--task", "gp", "--posterior-components", "9", "-o", "x.model"],
            &["--posterior-components"],
        ),
        // The option's former name is taken as an alias.
        (
            &["fit", "train.txt", "--task", "gp", "--approx", "sgpr", "--mean-components", "0", "-o", "x.model"],
            &["--posterior-components", "at least 1"],
        ),
    ] {
        assert_one_line_error(&kern(dir.path(), args), words);
    }
    assert!(!dir.path().join("x.model").exists());
}

/// Three classes by the angle of a point, with label noise near the borders.
fn angle_classes(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|_| {
            let (a, b) = (4.0 * u() - 2.0, 4.0 * u() - 2.0);
            let angle = f64::atan2(b, a) + 0.3 * (u() - 0.5) + std::f64::consts::PI;
            let class = ["east", "north", "west"][(angle / (2.0 * std::f64::consts::PI / 3.0)) as usize % 3];
            format!("{a:?},{b:?},{class}\n")
        })
        .collect()
}

#[test]
fn gps_on_random_fourier_and_nystroem_features_regress_and_classify() {
    let dir = scratch();
    write(dir.path(), "train.txt", regression_file(1500, 31));
    write(dir.path(), "test.txt", regression_file(500, 32));
    for approx in ["rff", "nystroem"] {
        let model = format!("{approx}.model");
        let args = ["fit", "train.txt", "--task", "gp", "--approx", approx, "--components", "150", "--restarts", "0"];
        let fit = json(&kern(dir.path(), &[&args[..], &["-o", &model, "--json"]].concat()));
        assert_eq!((fit["approx"].as_str(), fit["task"].as_str()), (Some(approx), Some("gp")), "{fit}");
        assert!(
            fit["log_marginal_likelihood"].as_f64().unwrap().is_finite() && fit["hyperparameters"]["noise"].is_f64()
        );
        let pred =
            json(&kern(dir.path(), &["predict", &model, "test.txt", "--interval", "0.95", "-o", "p.txt", "--json"]));
        assert!(pred["r2"].as_f64().unwrap() > 0.99, "{approx}: {pred}");
        // The noise is uniform, ±0.025: a Gaussian 95 % interval holds nearly all of it.
        assert!(pred["interval"]["coverage"].as_f64().unwrap() > 0.9, "{approx}: {pred}");
        // The JSON model predicts the same, and `kern info` names the features.
        kern(dir.path(), &[&args[..], &["-o", "same.json"]].concat());
        let again = json(&kern(
            dir.path(),
            &["predict", "same.json", "test.txt", "--interval", "0.95", "-o", "q.txt", "--json"],
        ));
        assert_eq!(pred["r2"], again["r2"]);
        let info = stdout(&kern(dir.path(), &["info", &model]));
        assert!(info.contains(&format!("({approx})")) && info.contains("white("), "{info}");
    }
    write(dir.path(), "classes.csv", angle_classes(1200, 33));
    write(dir.path(), "new.csv", angle_classes(400, 34));
    for approx in ["nystroem", "rff"] {
        let args = [
            "fit",
            "classes.csv",
            "--task",
            "gpc",
            "--approx",
            approx,
            "--components",
            "80",
            "-o",
            "c.model",
            "--json",
        ];
        let fit = json(&kern(dir.path(), &args));
        assert_eq!(fit["classes"].as_array().unwrap().len(), 3);
        assert_eq!(fit["hyperparameters"].as_array().unwrap().len(), 3, "one latent per class: {fit}");
        let pred = json(&kern(dir.path(), &["predict", "c.model", "new.csv", "--proba", "-o", "p.txt", "--json"]));
        assert!(pred["accuracy"].as_f64().unwrap() > 0.9, "{approx}: {pred}");
        let text = std::fs::read_to_string(dir.path().join("p.txt")).unwrap();
        for line in text.lines().skip(1) {
            let p: Vec<f64> = line.split(' ').skip(1).map(|t| t.parse().unwrap()).collect();
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9 && p.iter().all(|v| (0.0..=1.0).contains(v)), "{line}");
        }
    }
    // Refused, one line each, no model written.
    for (args, words) in [
        (&["fit", "classes.csv", "--task", "gpc", "--approx", "sgpr", "-o", "x.model"][..], &["--approx sgpr"][..]),
        (&["fit", "train.txt", "--task", "gp", "--approx", "rff", "--kernel", "poly", "-o", "x.model"], &["rbf"]),
        (
            &["fit", "train.txt", "--task", "gp", "--approx", "rff", "--components", "0", "-o", "x.model"],
            &["components"],
        ),
        (
            &["fit", "train.txt", "--task", "gp", "--approx", "nystroem", "--learn-inducing", "-o", "x.model"],
            &["--learn-inducing", "sgpr"],
        ),
    ] {
        assert_one_line_error(&kern(dir.path(), args), words);
    }
    assert!(!dir.path().join("x.model").exists());
}
