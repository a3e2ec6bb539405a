//! The `kern` binary end to end: fit → model file → predict gives the same
//! numbers as the library; reports and errors follow the CLI contract.

mod common;

use common::{assert_one_line_error, kern, scratch, stderr, stdout, write};
use faer::{Mat, Par};
use kern::io::{ReadOptions, read_data};
use kern::solvers::KernelRidge;
use kern::{KernelRidgeModel, VectorKernel, synthetic};

/// Friedman #1 as a LibSVM file (full precision) and as a CSV with a header.
fn write_friedman(dir: &std::path::Path, n: usize, seed: u64) -> (std::path::PathBuf, std::path::PathBuf, Vec<f64>) {
    let data = synthetic::friedman1(n, 0.5, seed);
    let mut libsvm = String::new();
    let mut csv = String::from("x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,target\n");
    for i in 0..n {
        let kern::Row::Dense(row) = data.x.row(i) else { unreachable!() };
        libsvm.push_str(&data.y[i].to_string());
        for (j, v) in row.iter().enumerate() {
            libsvm.push_str(&format!(" {}:{v}", j + 1));
            csv.push_str(&format!("{v},"));
        }
        libsvm.push('\n');
        csv.push_str(&format!("{}\n", data.y[i]));
    }
    let a = write(dir, &format!("f{seed}.libsvm"), libsvm);
    let b = write(dir, &format!("f{seed}.csv"), csv);
    (a, b, data.y)
}

#[test]
fn fit_then_predict_gives_the_library_numbers() {
    let dir = scratch();
    let (train, _, _) = write_friedman(dir.path(), 300, 1);
    let (test, _, test_y) = write_friedman(dir.path(), 120, 2);
    let fit = kern(
        dir.path(),
        &[
            "fit",
            "f1.libsvm",
            "--task",
            "krr",
            "--kernel",
            "matern52",
            "--lengthscale",
            "0.9",
            "--alpha",
            "0.05",
            "-o",
            "m.model",
            "--json",
        ],
    );
    assert!(fit.status.success(), "{}", stderr(&fit));
    let report: serde_json::Value = serde_json::from_str(stdout(&fit).trim()).unwrap();
    assert_eq!(report["task"], "krr");
    assert_eq!(report["kernel"], "matern52");
    assert_eq!(report["n_samples"], 300);
    assert_eq!(report["n_features"], 10);
    assert!(report["fit_seconds"].as_f64().unwrap() >= 0.0);

    let pred = kern(dir.path(), &["predict", "m.model", "f2.libsvm"]);
    assert!(pred.status.success(), "{}", stderr(&pred));
    let got: Vec<f64> = stdout(&pred).lines().map(|l| l.parse().unwrap()).collect();

    // The same fit through the library.
    let opts = ReadOptions { require_labels: true, ..Default::default() };
    let tr = read_data(&train, &opts).unwrap();
    let te = read_data(&test, &ReadOptions { n_features: Some(10), ..opts }).unwrap();
    let y = tr.labels.unwrap().numeric(&train).unwrap().to_vec();
    let y = Mat::from_fn(y.len(), 1, |i, _| y[i]);
    let model = KernelRidgeModel::fit(
        VectorKernel::Matern52 { lengthscale: 0.9 },
        tr.x,
        y.as_ref(),
        KernelRidge { alpha: 0.05 },
        Par::Seq,
    )
    .unwrap();
    let want = model.predict(&te.x, Par::Seq);
    assert_eq!(got.len(), 120);
    for (i, g) in got.iter().enumerate() {
        assert!(
            (g - want[(i, 0)]).abs() <= 1e-12 * want[(i, 0)].abs().max(1.0),
            "row {i}: cli {g} library {}",
            want[(i, 0)]
        );
    }
    // Metrics go to stderr, and --json gives them on stdout.
    assert!(stderr(&pred).contains("mse ="), "{}", stderr(&pred));
    let pj = kern(dir.path(), &["predict", "m.model", "f2.libsvm", "-o", "p.txt", "--json"]);
    assert!(pj.status.success(), "{}", stderr(&pj));
    let report: serde_json::Value = serde_json::from_str(stdout(&pj).trim()).unwrap();
    let mse = test_y.iter().zip(&got).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / 120.0;
    assert_eq!(report["n"], 120);
    assert!((report["mse"].as_f64().unwrap() - mse).abs() < 1e-9 * mse);
    assert!(report["r2"].as_f64().unwrap() > 0.5);
    assert_eq!(std::fs::read_to_string(dir.path().join("p.txt")).unwrap(), stdout(&pred));
}

#[test]
fn csv_models_read_csv_with_or_without_the_label_and_json_models_work() {
    let dir = scratch();
    write_friedman(dir.path(), 200, 3);
    let fit =
        kern(dir.path(), &["fit", "f3.csv", "--task", "krr", "-g", "0.5", "--alpha", "0.1", "-o", "m.json", "-q"]);
    assert!(fit.status.success(), "{}", stderr(&fit));
    assert!(stderr(&fit).is_empty(), "--quiet printed {}", stderr(&fit));
    let with = kern(dir.path(), &["predict", "m.json", "f3.csv"]);
    assert!(with.status.success(), "{}", stderr(&with));
    // The same rows without the label column and with the columns shuffled:
    // matched by name.
    let text = std::fs::read_to_string(dir.path().join("f3.csv")).unwrap();
    let shuffled: String = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let mut g = vec![f[9]];
            g.extend(&f[..9]);
            g.join(",") + "\n"
        })
        .collect();
    write(dir.path(), "nolabel.csv", shuffled);
    let without = kern(dir.path(), &["predict", "m.json", "nolabel.csv"]);
    assert!(without.status.success(), "{}", stderr(&without));
    assert_eq!(stdout(&with), stdout(&without));
    assert!(!stderr(&without).contains("mse"), "no labels, no metrics");
    let info = kern(dir.path(), &["info", "m.json"]);
    assert!(stdout(&info).contains("krr") && stdout(&info).contains("x1, x2"), "{}", stdout(&info));
    let info = kern(dir.path(), &["info", "m.json", "--json"]);
    let v: serde_json::Value = serde_json::from_str(stdout(&info).trim()).unwrap();
    assert_eq!(
        (v["n_train"].as_u64(), v["n_features"].as_u64(), v["kernel"].as_str()),
        (Some(200), Some(10), Some("rbf"))
    );
}

#[test]
fn thread_count_does_not_change_the_model_file() {
    let dir = scratch();
    write_friedman(dir.path(), 600, 4);
    for t in ["1", "2"] {
        let o = kern(
            dir.path(),
            &["fit", "f4.libsvm", "--task", "krr", "--threads", t, "-o", &format!("t{t}.model"), "-q"],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(
        std::fs::read(dir.path().join("t1.model")).unwrap(),
        std::fs::read(dir.path().join("t2.model")).unwrap()
    );
}

#[test]
fn errors_are_one_line_with_a_nonzero_exit_and_no_model_file() {
    let dir = scratch();
    write(dir.path(), "bad.libsvm", "1 1:0.5\n-1 2:x\n");
    let o = kern(dir.path(), &["fit", "bad.libsvm", "--task", "krr", "-o", "m.model"]);
    assert_one_line_error(&o, &["bad.libsvm:2:", "field 2", "not a number"]);
    assert!(!dir.path().join("m.model").exists());

    write(dir.path(), "cls.csv", "a,b,label\n1,2,cat\n3,4,dog\n");
    let o = kern(dir.path(), &["fit", "cls.csv", "--task", "krr", "-o", "m.model"]);
    assert_one_line_error(&o, &["cls.csv:2:", "\"cat\"", "not a number"]);

    write(dir.path(), "ok.libsvm", "1 1:0.5 2:1\n-1 2:0.3\n0.5 1:1\n");
    let o = kern(dir.path(), &["fit", "ok.libsvm", "--task", "krr", "--alpha", "0", "-o", "m.model"]);
    assert_one_line_error(&o, &["alpha"]);
    let o = kern(dir.path(), &["fit", "ok.libsvm", "-g", "-1", "-o", "m.model"]);
    assert_one_line_error(&o, &["gamma"]);
    let o = kern(dir.path(), &["fit", "ok.libsvm", "--task", "krr", "--max-memory", "10", "-o", "m.model"]);
    assert_one_line_error(&o, &["--max-memory"]);
    let o = kern(dir.path(), &["fit", "missing.libsvm", "-o", "m.model"]);
    assert_one_line_error(&o, &["missing.libsvm"]);
    let o = kern(dir.path(), &["fit", ".", "--task", "svc", "-o", "m.model"]);
    assert_one_line_error(&o, &["directory"]);
    // Alone, a folder is taken for TU graphs (--auto picks the kernel).
    let o = kern(dir.path(), &["fit", ".", "-o", "m.model"]);
    assert_one_line_error(&o, &["not a TU data-set folder"]);
    assert!(!dir.path().join("m.model").exists());

    // Width differs from the model's at predict time, for a model that
    // cannot widen (random features were drawn for two).
    let rff = ["--task", "krr", "--approx", "rff", "--components", "8", "-o", "m.model", "-q"];
    let o = kern(dir.path(), &[&["fit", "ok.libsvm"][..], &rff].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    write(dir.path(), "wide.libsvm", "1 1:1 3:1\n");
    let o = kern(dir.path(), &["predict", "m.model", "wide.libsvm"]);
    assert_one_line_error(&o, &["wide.libsvm:1:", "field 3", "beyond the 2 features"]);
    write(dir.path(), "wide.csv", "1,2,3,4\n");
    let o = kern(dir.path(), &["predict", "m.model", "wide.csv"]);
    assert_one_line_error(&o, &["wide.csv", "4 columns, but the model takes 2 features"]);
    write(dir.path(), "notmodel", "hello");
    let o = kern(dir.path(), &["predict", "notmodel", "ok.libsvm"]);
    assert_one_line_error(&o, &["notmodel", "not a kern model file"]);
    let o = kern(dir.path(), &["predict", "m.model", "ok.libsvm", "--json"]);
    assert_one_line_error(&o, &["-o OUT"]);
}

#[test]
fn demo_fits_and_reports_on_held_out_points() {
    let dir = scratch();
    let o = kern(dir.path(), &["demo", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let (mse, noise, baseline) =
        (v["mse"].as_f64().unwrap(), v["noise_mse"].as_f64().unwrap(), v["baseline_mse"].as_f64().unwrap());
    // Far better than predicting the mean, and not better than the noise allows by luck.
    assert!(mse < 0.1 * baseline && mse > 0.8 * noise, "mse {mse}, noise {noise}, baseline {baseline}");
    assert!(v["r2"].as_f64().unwrap() > 0.9);
    let o = kern(dir.path(), &["demo"]);
    assert!(stdout(&o).contains("held-out"), "{}", stdout(&o));
}

/// Sparse binary rows in LibSVM format over features `1..=width`, about six
/// active each; the label says whether features 1-5 outnumber 6-10.
fn sparse_rows(n: usize, width: usize, seed: u64) -> String {
    let mut u = common::lcg(seed);
    let mut text = String::new();
    for _ in 0..n {
        let active: Vec<usize> = (1..=width).filter(|_| u() < 6.0 / width as f64).collect();
        let (a, b) =
            (active.iter().filter(|&&j| j <= 5).count(), active.iter().filter(|&&j| (6..=10).contains(&j)).count());
        text.push_str(if a > b { "1" } else { "-1" });
        active.iter().for_each(|j| text.push_str(&format!(" {j}:1")));
        text.push('\n');
    }
    text
}

#[test]
fn a_libsvm_feature_index_beyond_the_training_file_is_a_feature_zero_in_training() {
    // As LIBSVM's a1a (119 features) and a1a.t (123): the test file names
    // features no training row has. Predictions must equal those of the same
    // model trained on the file declared as wide (an explicit `40:0`).
    let dir = scratch();
    let train = sparse_rows(300, 36, 1);
    let first_end = train.find('\n').unwrap();
    write(dir.path(), "narrow.libsvm", &train);
    write(dir.path(), "declared.libsvm", format!("{} 40:0{}", &train[..first_end], &train[first_end..]));
    write(dir.path(), "test.libsvm", sparse_rows(100, 40, 2));
    let options: [&[&str]; 5] = [
        &[],
        &["-c", "4", "-g", "0.1"],
        &["--kernel", "linear"],
        &["--task", "krr", "--alpha", "0.5", "--kernel", "laplacian", "-g", "0.2"],
        &["--task", "gp", "--kernel", "matern32", "--lengthscale", "2"],
    ];
    for extra in options {
        let mut predictions = Vec::new();
        for file in ["narrow.libsvm", "declared.libsvm"] {
            let o = kern(dir.path(), &[&["fit", file, "-o", "m.model", "-q"][..], extra].concat());
            assert!(o.status.success(), "{extra:?}: {}", stderr(&o));
            let o = kern(dir.path(), &["predict", "m.model", "test.libsvm"]);
            assert!(o.status.success(), "{extra:?} {file}: {}", stderr(&o));
            predictions.push(stdout(&o));
        }
        assert_eq!(predictions[0].lines().count(), 100, "{extra:?}");
        assert_eq!(predictions[0], predictions[1], "{extra:?}");
    }
    // The test rows' extra features change an RBF's predictions: they count in the distance.
    let o = kern(dir.path(), &["fit", "narrow.libsvm", "--task", "krr", "-g", "0.5", "-o", "m.model", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cut: String = sparse_rows(100, 40, 2)
        .lines()
        .map(|l| {
            l.split(' ').filter(|f| f.split(':').next().and_then(|j| j.parse::<usize>().ok()).is_none_or(|j| j <= 36))
        })
        .map(|f| f.collect::<Vec<_>>().join(" ") + "\n")
        .collect();
    write(dir.path(), "cut.libsvm", cut);
    let (wide, cut) = (
        kern(dir.path(), &["predict", "m.model", "test.libsvm"]),
        kern(dir.path(), &["predict", "m.model", "cut.libsvm"]),
    );
    assert!(wide.status.success() && cut.status.success());
    assert_ne!(stdout(&wide), stdout(&cut));
}
