//! `--approx rff|nystroem` end to end: fit, write, read back, predict.

mod common;

use common::{assert_one_line_error, json, kern, lcg, scratch, stdout, write};

/// Two noisy circles (inner class 1, outer class -1): not linearly separable.
fn circles(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|i| {
            let (label, r) = if i % 2 == 0 { (1, 0.5) } else { (-1, 1.5) };
            let t = std::f64::consts::TAU * u();
            let (a, b) = (r * t.cos() + 0.1 * (u() - 0.5), r * t.sin() + 0.1 * (u() - 0.5));
            format!("{label} 1:{a:?} 2:{b:?}\n")
        })
        .collect()
}

fn curve(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|_| {
            let a = 6.0 * u() - 3.0;
            format!("{:?} 1:{a:?}\n", a.sin() + 0.01 * (u() - 0.5))
        })
        .collect()
}

#[test]
fn svc_and_krr_on_random_and_nystroem_features() {
    let dir = scratch();
    write(dir.path(), "train.txt", circles(400, 1));
    write(dir.path(), "test.txt", circles(200, 2));
    for (approx, extra) in [("rff", vec![]), ("rff", vec!["--orthogonal"]), ("nystroem", vec!["--landmarks", "greedy"])]
    {
        let mut args = vec!["fit", "train.txt", "-g", "1", "-c", "10", "--approx", approx, "--components", "200"];
        args.extend(extra.iter());
        args.extend(["-o", "m.model", "--json"]);
        let fit = json(&kern(dir.path(), &args));
        assert_eq!(fit["approx"], approx);
        assert_eq!(fit["task"], "svc");
        let pred = json(&kern(dir.path(), &["predict", "m.model", "test.txt", "-o", "p.txt", "--json"]));
        assert!(pred["accuracy"].as_f64().unwrap() > 0.97, "{approx} {extra:?}: {pred}");
    }
    write(dir.path(), "curve.txt", curve(300, 3));
    write(dir.path(), "curve_test.txt", curve(100, 4));
    for approx in ["rff", "nystroem"] {
        let fit = json(&kern(
            dir.path(),
            &[
                "fit",
                "curve.txt",
                "--task",
                "krr",
                "-g",
                "1",
                "--alpha",
                "1e-3",
                "--approx",
                approx,
                "-o",
                "r.model",
                "--json",
            ],
        ));
        assert_eq!(fit["alpha"], 1e-3);
        let pred = json(&kern(dir.path(), &["predict", "r.model", "curve_test.txt", "-o", "p.txt", "--json"]));
        assert!(pred["r2"].as_f64().unwrap() > 0.99, "{approx}: {pred}");
    }
    // A JSON model file reads back the same; cross-validation takes the same path.
    json(&kern(dir.path(), &["fit", "curve.txt", "--task", "krr", "--approx", "nystroem", "-o", "r.json", "--json"]));
    let a = kern(dir.path(), &["predict", "r.json", "curve_test.txt"]);
    json(&kern(dir.path(), &["fit", "curve.txt", "--task", "krr", "--approx", "nystroem", "-o", "r2.model", "--json"]));
    let b = kern(dir.path(), &["predict", "r2.model", "curve_test.txt"]);
    assert_eq!(stdout(&a), stdout(&b));
    let cv = json(&kern(dir.path(), &["cv", "train.txt", "--approx", "rff", "-g", "1", "--folds", "3", "--json"]));
    assert!(cv["accuracy"].as_f64().unwrap() > 0.9, "{cv}");
    // Falkon: regression, and classification by ±1 targets.
    let fit = json(&kern(
        dir.path(),
        &[
            "fit",
            "curve.txt",
            "--task",
            "krr",
            "-g",
            "1",
            "--alpha",
            "1e-3",
            "--approx",
            "falkon",
            "--components",
            "50",
            "-o",
            "f.model",
            "--json",
        ],
    ));
    assert_eq!(fit["approx"], "falkon");
    assert!(fit["iterations"].as_u64().unwrap() >= 1);
    let pred = json(&kern(dir.path(), &["predict", "f.model", "curve_test.txt", "-o", "p.txt", "--json"]));
    assert!(pred["r2"].as_f64().unwrap() > 0.99, "falkon: {pred}");
    json(&kern(
        dir.path(),
        &[
            "fit",
            "train.txt",
            "-g",
            "1",
            "--alpha",
            "0.1",
            "--approx",
            "falkon",
            "--components",
            "100",
            "-o",
            "fc.model",
            "--json",
        ],
    ));
    let pred = json(&kern(dir.path(), &["predict", "fc.model", "test.txt", "-o", "p.txt", "--json"]));
    assert!(pred["accuracy"].as_f64().unwrap() > 0.97, "falkon svc: {pred}");
    let info = kern(dir.path(), &["info", "fc.model"]);
    assert!(info.status.success() && stdout(&info).contains("Falkon"), "{}", stdout(&info));
    let info = kern(dir.path(), &["info", "r.model"]);
    assert!(info.status.success() && stdout(&info).contains("features"), "{}", stdout(&info));
}

#[test]
fn approximations_refuse_what_they_cannot_do() {
    let dir = scratch();
    write(dir.path(), "train.txt", circles(50, 1));
    let out = kern(dir.path(), &["fit", "train.txt", "--task", "oneclass", "--approx", "rff", "-o", "m.model"]);
    assert_one_line_error(&out, &["--approx", "krr, svc, svr, gp or gpc"]);
    let out = kern(dir.path(), &["fit", "train.txt", "--approx", "falkon", "--loss", "hinge", "-o", "m.model"]);
    assert_one_line_error(&out, &["--loss"]);
    let out =
        kern(dir.path(), &["fit", "train.txt", "--task", "krr", "--approx", "rff", "--loss", "hinge", "-o", "m.model"]);
    assert_one_line_error(&out, &["--loss", "krr"]);
    let out = kern(dir.path(), &["fit", "train.txt", "--kernel", "poly", "--approx", "rff", "-o", "m.model"]);
    assert_one_line_error(&out, &["random Fourier features", "nystroem"]);
    let out = kern(dir.path(), &["fit", "train.txt", "--approx", "nystroem", "--components", "0", "-o", "m.model"]);
    assert_one_line_error(&out, &["components"]);
    let out =
        kern(dir.path(), &["fit", "train.txt", "--task", "krr", "--alpha", "auto", "--approx", "rff", "-o", "m.model"]);
    assert_one_line_error(&out, &["--alpha auto"]);
    assert!(!dir.path().join("m.model").exists());
}

/// Three Gaussian blobs labelled 1, 2 and 3.
fn blobs(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    let centres = [(1, -2.0, 0.0), (2, 2.0, 0.0), (3, 0.0, 3.0)];
    (0..n)
        .map(|i| {
            let (label, x, y) = centres[i % 3];
            format!("{label} 1:{:?} 2:{:?}\n", x + 2.0 * (u() - 0.5), y + 2.0 * (u() - 0.5))
        })
        .collect()
}

#[test]
fn svr_and_ridge_classification_on_features() {
    let dir = scratch();
    write(dir.path(), "curve.txt", curve(300, 5));
    write(dir.path(), "curve_test.txt", curve(200, 6));
    // The exact epsilon-SVR, and the linear SVR on Nyström features with every sample a landmark.
    let base = ["fit", "curve.txt", "--task", "svr", "-g", "1", "-c", "10", "--epsilon", "0.01"];
    json(&kern(dir.path(), &[&base[..], &["-o", "exact.model", "--json"]].concat()));
    let exact = stdout(&kern(dir.path(), &["predict", "exact.model", "curve_test.txt"]));
    for (loss, expected) in [(None, "hinge"), (Some("squared-hinge"), "squared-hinge")] {
        let mut args = base.to_vec();
        args.extend(["--approx", "nystroem", "--components", "300", "-o", "s.model", "--json"]);
        if let Some(loss) = loss {
            args.extend(["--loss", loss]);
        }
        let fit = json(&kern(dir.path(), &args));
        assert_eq!((fit["task"].as_str(), fit["loss"].as_str()), (Some("svr"), Some(expected)));
        assert_eq!(fit["converged"], true, "{fit}");
        let pred = json(&kern(dir.path(), &["predict", "s.model", "curve_test.txt", "-o", "p.txt", "--json"]));
        assert!(pred["r2"].as_f64().unwrap() > 0.99, "{loss:?}: {pred}");
        if loss.is_none() {
            // The same loss and C on (nearly) the same kernel: only the regularised intercept differs.
            let ours = std::fs::read_to_string(dir.path().join("p.txt")).unwrap();
            for (a, b) in ours.lines().zip(exact.lines()) {
                let (a, b): (f64, f64) = (a.parse().unwrap(), b.parse().unwrap());
                assert!((a - b).abs() < 0.01, "{a} against the exact SVR's {b}");
            }
        }
    }
    // Ridge classification (least squares on ±1 targets), three classes.
    write(dir.path(), "blobs.txt", blobs(300, 7));
    write(dir.path(), "blobs_test.txt", blobs(150, 8));
    for approx in ["rff", "nystroem"] {
        let fit = json(&kern(
            dir.path(),
            &[
                "fit",
                "blobs.txt",
                "-g",
                "0.5",
                "--alpha",
                "0.1",
                "--approx",
                approx,
                "--components",
                "100",
                "--loss",
                "squared",
                "-o",
                "r.model",
                "--json",
            ],
        ));
        assert_eq!((fit["task"].as_str(), fit["loss"].as_str()), (Some("svc"), Some("squared")));
        assert_eq!(fit["classes"], serde_json::json!(["1", "2", "3"]));
        let pred = json(&kern(dir.path(), &["predict", "r.model", "blobs_test.txt", "-o", "p.txt", "--json"]));
        assert!(pred["accuracy"].as_f64().unwrap() > 0.95, "{approx}: {pred}");
        let info = kern(dir.path(), &["info", "r.model"]);
        assert!(stdout(&info).contains("ridge classification"), "{}", stdout(&info));
    }
}
