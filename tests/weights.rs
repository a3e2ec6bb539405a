//! Per-sample weights end to end: the SVMs and kernel ridge fitted with
//! weights in {0, 0.5, 1, 3} agree with scikit-learn's `sample_weight` fits
//! (fixtures written by benches/make_weights_fixture.py), through the
//! library and `kern fit --weights` / `--weight-col`, and bad weights are
//! one clear error line.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_one_line_error, kern, scratch, stderr, write};
use kern::io::{Data, Inputs, ReadOptions, read_data, read_weights};
use kern::model::{Estimator, Prediction};
use kern::train::{Alpha, FitSpec, Task, fit};
use kern::{DataSet, Par};

fn fixture(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/weights")).join(name)
}

fn expected() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("expected.json")).unwrap()).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// The fixture's training data with its weights, and its test samples.
fn weighted(name: &str) -> (Data, DataSet) {
    let train = read_data(&fixture(&format!("{name}.train")), &ReadOptions::default()).unwrap();
    let mut data = Data::new(Inputs::Vectors(train.x), train.labels);
    data.weights = Some(read_weights(&fixture("weights.txt"), Some(data.x.len())).unwrap());
    let test = read_data(&fixture(&format!("{name}.test")), &ReadOptions { n_features: Some(4), ..Default::default() });
    (data, test.unwrap().x)
}

fn spec(task: Task, e: &serde_json::Value) -> FitSpec {
    let mut spec = FitSpec::new(task);
    spec.kernel.gamma = Some(e["gamma"].as_f64().unwrap());
    spec.svm.tol = e["tol"].as_f64().unwrap();
    spec
}

fn assert_close(name: &str, ours: &[f64], theirs: &[f64], tol: f64) {
    assert_eq!(ours.len(), theirs.len(), "{name}");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!((a - b).abs() <= tol * (1.0 + b.abs()), "{name}: sample {i}: kern {a} vs scikit-learn {b}");
    }
}

#[test]
fn weighted_classifiers_match_scikit_learn() {
    let e = expected();
    for (task, name) in [(Task::Svc, "svc"), (Task::Nusvc, "nusvc")] {
        let (data, test) = weighted("classes");
        let mut spec = spec(task, &e);
        (spec.svm.c, spec.svm.nu) = (2.0, 0.3);
        let model = fit(&spec, data, Par::Seq).unwrap().model;
        let Estimator::Svm { model: svm, classes } = &model.estimator else { panic!("{name}: not an SVM") };
        for (class, count) in classes.iter().zip(&svm.n_support) {
            let theirs = e[name]["n_support"][class].as_u64().unwrap() as usize;
            assert_eq!(*count, theirs, "{name}: support vectors of class {class}");
        }
        let Prediction::Classes(predicted, _) = model.predict(&Inputs::Vectors(test), Par::Seq).unwrap() else {
            panic!("{name}: no classes")
        };
        let theirs: Vec<String> = e[name]["predict"].as_array().unwrap().iter().map(|v| v.to_string()).collect();
        assert_eq!(predicted, theirs, "{name}: predictions");
    }
}

#[test]
fn weighted_one_class_and_regressors_match_scikit_learn() {
    let e = expected();
    let (data, test) = weighted("classes");
    let mut one = spec(Task::Oneclass, &e);
    one.svm.nu = 0.2;
    let model = fit(&one, Data { labels: None, ..data }, Par::Seq).unwrap().model;
    let Estimator::Svm { model: svm, .. } = &model.estimator else { panic!("not an SVM") };
    assert_eq!(svm.n_sv() as u64, e["oneclass"]["n_support"].as_u64().unwrap());
    let ours: Vec<f64> = svm.decision_values(&test, Par::Seq).col(0).iter().copied().collect();
    assert_close("oneclass", &ours, &floats(&e["oneclass"]["decision"]), 1e-5);

    for (task, name) in [(Task::Svr, "svr"), (Task::Nusvr, "nusvr")] {
        let (data, test) = weighted("values");
        let mut spec = spec(task, &e);
        (spec.svm.c, spec.svm.epsilon, spec.svm.nu) = (2.0, 0.1, 0.4);
        let model = fit(&spec, data, Par::Seq).unwrap().model;
        let Estimator::Svm { model: svm, .. } = &model.estimator else { panic!("{name}: not an SVM") };
        assert_eq!(svm.n_sv() as u64, e[name]["n_support"].as_u64().unwrap(), "{name}: support vectors");
        assert_close(name, &svm.predict_values(&test, Par::Seq), &floats(&e[name]["predict"]), 1e-5);
    }
}

#[test]
fn weighted_kernel_ridge_matches_scikit_learn() {
    let e = expected();
    let (data, test) = weighted("values");
    let mut spec = spec(Task::Krr, &e);
    spec.alpha = Alpha::Value(0.1);
    let model = fit(&spec, data, Par::Seq).unwrap().model;
    let Estimator::KernelRidge(krr) = &model.estimator else { panic!("not kernel ridge") };
    // scikit-learn keeps a coefficient of 0 for each sample of weight 0.
    let theirs: Vec<f64> = floats(&e["krr"]["dual_coef"]).into_iter().filter(|&c| c != 0.0).collect();
    assert_close("krr dual coefficients", &krr.dual_coef, &theirs, 1e-8);
    let Prediction::Values(p) = model.predict(&Inputs::Vectors(test), Par::Seq).unwrap() else { panic!() };
    let ours: Vec<f64> = p.col(0).iter().copied().collect();
    assert_close("krr predictions", &ours, &floats(&e["krr"]["predict"]), 1e-8);
}

#[test]
fn weighted_gp_regression_matches_scikit_learn_s_per_sample_noise() {
    let e = expected();
    let (data, test) = weighted("values");
    let mut spec = spec(Task::Gp, &e);
    spec.gp.amplitude = e["gp"]["amplitude"].as_f64();
    spec.gp.noise = e["gp"]["noise"].as_f64();
    spec.gp.normalize_y = false;
    let model = fit(&spec, data, Par::Seq).unwrap().model;
    let Estimator::Gp(gp) = &model.estimator else { panic!("not a GP") };
    let p = gp.predict(&test, Par::Seq).unwrap();
    assert_close("gp mean", &p.mean, &floats(&e["gp"]["predict"]), 1e-8);
    assert_close("gp latent std", &p.std, &floats(&e["gp"]["std"]), 1e-7);
}

/// The fixture's classes as a CSV with a header and a weight column.
fn weighted_csv(dir: &Path) -> PathBuf {
    let weights = std::fs::read_to_string(fixture("weights.txt")).unwrap();
    let train = std::fs::read_to_string(fixture("classes.train")).unwrap();
    let mut csv = String::from("w,a,b,c,d,label\n");
    for (line, w) in train.lines().zip(weights.lines()) {
        let mut fields = line.split_whitespace();
        let label = fields.next().unwrap();
        let values: Vec<&str> = fields.map(|f| f.split_once(':').unwrap().1).collect();
        csv.push_str(&format!("{w},{},{label}\n", values.join(",")));
    }
    write(dir, "train.csv", csv)
}

#[test]
fn the_command_line_takes_a_weights_file_or_a_csv_column() {
    let dir = scratch();
    let d = dir.path();
    let train = fixture("classes.train");
    let (train, weights) = (train.to_str().unwrap(), fixture("weights.txt"));
    let args = ["-c", "2", "-g", "0.5", "--tol", "1e-10", "-q"];
    let by_file =
        kern(d, &[&["fit", train, "--weights", weights.to_str().unwrap(), "-o", "file.model"][..], &args].concat());
    assert!(by_file.status.success(), "{}", stderr(&by_file));
    let csv = weighted_csv(d);
    let by_col =
        kern(d, &[&["fit", csv.to_str().unwrap(), "--weight-col", "w", "-o", "col.model"][..], &args].concat());
    assert!(by_col.status.success(), "{}", stderr(&by_col));
    // The same fit either way; the CSV model predicts a file with or
    // without the weight column, by the header's names.
    let test: String = std::fs::read_to_string(fixture("classes.test")).unwrap();
    let rows: Vec<String> = test
        .lines()
        .map(|l| l.split_whitespace().skip(1).map(|f| f.split_once(':').unwrap().1).collect::<Vec<_>>().join(","))
        .collect();
    let plain = write(d, "test.csv", format!("a,b,c,d\n{}\n", rows.join("\n")));
    let with_w = write(
        d,
        "test_w.csv",
        format!(
            "a,w,b,c,d\n{}\n",
            rows.iter()
                .map(|r| {
                    let (a, rest) = r.split_once(',').unwrap();
                    format!("{a},7,{rest}")
                })
                .collect::<Vec<_>>()
                .join("\n")
        ),
    );
    let libsvm_test = fixture("classes.test");
    let predict = |model: &str, data: &Path| {
        let out = kern(d, &["predict", model, data.to_str().unwrap(), "-q"]);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let expected: Vec<String> =
        expected()["svc"]["predict"].as_array().unwrap().iter().map(|v| v.to_string()).collect();
    let from_file: Vec<String> = predict("file.model", &libsvm_test).lines().map(str::to_string).collect();
    assert_eq!(from_file, expected);
    assert_eq!(predict("col.model", &plain), predict("col.model", &with_w));
    assert_eq!(predict("col.model", &plain).lines().map(str::to_string).collect::<Vec<_>>(), expected);
}

#[test]
fn bad_weights_are_one_line_errors() {
    let dir = scratch();
    let d = dir.path();
    let train = write(d, "t.libsvm", "1 1:0\n-1 1:1\n1 1:0.2\n-1 1:0.9\n");
    let train = train.to_str().unwrap();
    let fit_with = |weights: &str, extra: &[&str]| {
        let w = write(d, "w.txt", weights);
        kern(d, &[&["fit", train, "--weights", w.to_str().unwrap(), "-c", "1"][..], extra].concat())
    };
    assert_one_line_error(&fit_with("1\n-2\n1\n1\n", &[]), &["w.txt:2:", "-2", "non-negative"]);
    assert_one_line_error(&fit_with("1\nnan\n1\n1\n", &[]), &["w.txt:2:", "non-negative"]);
    assert_one_line_error(&fit_with("1\n1\nheavy\n1\n", &[]), &["w.txt:3:", "not a number"]);
    assert_one_line_error(&fit_with("1\n1\n1\n", &[]), &["w.txt", "3 weights", "expected 4"]);
    assert_one_line_error(&fit_with("1\n1\n1\n1\n1\n1\n", &[]), &["w.txt", "6 weights", "expected 4"]);
    assert_one_line_error(&fit_with("0\n0\n0\n0\n", &[]), &["every sample weight is zero"]);
    assert_one_line_error(&fit_with("1\n1\n1\n1\n", &["--task", "gp"]), &["GP classification", "weights"]);
    assert_one_line_error(
        &kern(d, &["fit", train, "--weight-col", "0", "-c", "1"]),
        &["--weight-col", "LibSVM", "--weights"],
    );
    let csv = write(d, "t.csv", "a,w,label\n0,1,1\n1,-1,-1\n");
    assert_one_line_error(
        &kern(d, &["fit", csv.to_str().unwrap(), "--weight-col", "w", "-c", "1"]),
        &["t.csv:3:", "non-negative"],
    );
    assert_one_line_error(
        &kern(d, &["fit", csv.to_str().unwrap(), "--weight-col", "label", "-c", "1"]),
        &["t.csv", "both the label and the weight"],
    );
    assert_one_line_error(
        &kern(d, &["fit", csv.to_str().unwrap(), "--weight-col", "v", "-c", "1"]),
        &["t.csv", "no column \"v\""],
    );
}

#[test]
fn a_zero_weight_leaves_the_sample_out() {
    let dir = scratch();
    let d = dir.path();
    let all = write(d, "all.libsvm", "1 1:0\n-1 1:1\n1 1:0.2\n-1 1:0.9\n1 1:0.5\n");
    let kept = write(d, "kept.libsvm", "1 1:0\n-1 1:1\n-1 1:0.9\n1 1:0.5\n");
    let w = write(d, "w.txt", "1\n1\n0\n1\n1\n");
    let a = kern(
        d,
        &["fit", all.to_str().unwrap(), "--weights", w.to_str().unwrap(), "-c", "3", "-g", "2", "-o", "a.json", "-q"],
    );
    let b = kern(d, &["fit", kept.to_str().unwrap(), "-c", "3", "-g", "2", "-o", "b.json", "-q"]);
    assert!(a.status.success() && b.status.success(), "{}{}", stderr(&a), stderr(&b));
    // The same problem: the same model, support vectors, coefficients and all.
    let read = |p: &str| {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d.join(p)).unwrap()).unwrap();
        v["estimator"].clone()
    };
    assert!(read("a.json")["Svm"]["model"]["sv_coef"].is_array());
    assert_eq!(read("a.json"), read("b.json"));
}

#[test]
fn approximations_take_weights_on_the_command_line() {
    let dir = scratch();
    let d = dir.path();
    // Random features depend on the width and the seed only, so ridge on
    // them with integer weights equals ridge on the repeated rows.
    let rows: Vec<(f64, f64, f64)> = (0..60)
        .map(|i| (i as f64 / 30.0, (i as f64 * 0.7).sin(), (i as f64 / 30.0).cos() + 0.1 * (i % 3) as f64))
        .collect();
    let weights: Vec<usize> = (0..60).map(|i| 1 + i % 3).collect();
    let line = |r: &(f64, f64, f64)| format!("{} 1:{} 2:{}\n", r.2, r.0, r.1);
    let once: String = rows.iter().map(line).collect();
    let repeated: String = rows.iter().zip(&weights).map(|(r, &w)| line(r).repeat(w)).collect();
    let w: String = weights.iter().map(|w| format!("{w}\n")).collect();
    let (once, repeated, w) = (write(d, "once.libsvm", once), write(d, "rep.libsvm", repeated), write(d, "w.txt", w));
    let args = ["--task", "krr", "--approx", "rff", "--components", "40", "--alpha", "0.01", "-g", "0.5", "-q"];
    let a = kern(
        d,
        &[&["fit", once.to_str().unwrap(), "--weights", w.to_str().unwrap(), "-o", "a.model"][..], &args].concat(),
    );
    let b = kern(d, &[&["fit", repeated.to_str().unwrap(), "-o", "b.model"][..], &args].concat());
    assert!(a.status.success() && b.status.success(), "{}{}", stderr(&a), stderr(&b));
    let predict = |model: &str| -> Vec<f64> {
        let out = kern(d, &["predict", model, once.to_str().unwrap(), "-q"]);
        String::from_utf8(out.stdout).unwrap().lines().map(|l| l.parse().unwrap()).collect()
    };
    let (pa, pb) = (predict("a.model"), predict("b.model"));
    assert_eq!(pa.len(), 60);
    pa.iter().zip(&pb).for_each(|(x, y)| assert!((x - y).abs() < 1e-8 * (1.0 + y.abs()), "{x} vs {y}"));
    // Nyström with a linear SVM and Falkon take them too.
    let classes = write(
        d,
        "c.libsvm",
        rows.iter().enumerate().map(|(i, r)| format!("{} 1:{} 2:{}\n", i % 2, r.0, r.1)).collect::<String>(),
    );
    for approx in [
        &["--approx", "nystroem", "--components", "20"][..],
        &["--approx", "falkon", "--components", "20", "--alpha", "1e-3"],
    ] {
        let out = kern(
            d,
            &[
                &["fit", classes.to_str().unwrap(), "--weights", w.to_str().unwrap(), "-c", "1", "-q", "-o", "c.model"]
                    [..],
                approx,
            ]
            .concat(),
        );
        assert!(out.status.success(), "{approx:?}: {}", stderr(&out));
    }
}

/// Two noisy classes in 2-D as LibSVM lines, and the same without the rows
/// whose weight is 0 under `weights` (every third row).
fn noisy_classes(n: usize) -> (String, String, String) {
    let mut u = common::lcg(7);
    let (mut all, mut kept, mut weights) = (String::new(), String::new(), String::new());
    for i in 0..n {
        let label = if i % 2 == 0 { 1 } else { -1 };
        let line = format!("{label} 1:{:.6} 2:{:.6}\n", label as f64 * 0.4 + 2.0 * u() - 1.0, u() - 0.5);
        let w = if i % 3 == 0 { 0.0 } else { 1.0 + (i % 4) as f64 * 0.5 };
        all.push_str(&line);
        if w > 0.0 {
            kept.push_str(&line);
        }
        weights.push_str(&format!("{w}\n"));
    }
    (all, kept, weights)
}

#[test]
fn cross_validation_grid_and_auto_weigh_samples() {
    let dir = scratch();
    let d = dir.path();
    let (all, kept, weights) = noisy_classes(150);
    let (all, kept) = (write(d, "all.libsvm", all), write(d, "kept.libsvm", kept));
    let ones = write(d, "ones.txt", "1\n".repeat(150));
    let w = write(d, "w.txt", weights);
    let (all, kept, ones, w) =
        (all.to_str().unwrap(), kept.to_str().unwrap(), ones.to_str().unwrap(), w.to_str().unwrap());
    let run = |args: &[&str]| -> String {
        let out = kern(d, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    // The report without its timing.
    let report = |args: &[&str]| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(&run(args)).unwrap();
        v.as_object_mut().unwrap().remove("seconds");
        v
    };
    // Weights of 1 change nothing; weights of 0 are the rows left out.
    for cmd in
        [&["cv", "-c", "2", "--json", "-q"][..], &["grid", "--grid", "c=0.5,2", "--grid", "g=0.5,2", "--json", "-q"]]
    {
        let plain = report(&[&[cmd[0], all][..], &cmd[1..]].concat());
        assert_eq!(report(&[&[cmd[0], all, "--weights", ones][..], &cmd[1..]].concat()), plain, "{cmd:?}");
        let without = report(&[&[cmd[0], kept][..], &cmd[1..]].concat());
        let zeros = report(&[&[cmd[0], all, "--weights", w][..], &cmd[1..]].concat());
        assert_ne!(zeros, without, "{cmd:?}: the other weights must count");
        assert_eq!(zeros["n_samples"], 100, "{cmd:?}: {zeros}");
    }
    // --auto (implied by no model option) searches with the weights.
    run(&["fit", all, "-o", "plain.model", "-q"]);
    run(&["fit", all, "--weights", ones, "-o", "ones.model", "-q"]);
    assert_eq!(std::fs::read(d.join("plain.model")).unwrap(), std::fs::read(d.join("ones.model")).unwrap());
    let fitted = run(&["fit", all, "--weights", w, "-o", "w.model", "--json", "-q"]);
    assert!(fitted.contains("\"auto\""), "{fitted}");
    let krr = run(&["fit", all, "--auto", "--task", "krr", "--weights", w, "-o", "krr.model", "--json", "-q"]);
    assert!(krr.contains("loo_mse"), "{krr}");
}
