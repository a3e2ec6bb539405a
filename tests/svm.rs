//! SVMs end to end: LIBSVM's published answers on the reference data, and
//! the CLI on generated data with string class labels.

mod common;

use common::{assert_one_line_error, json, kern, scratch, shared_data, stderr, stdout, write};

/// LIBSVM 3.37, `svm-train -c 1 -g 0.0769231 heart_scale`: 162 iterations,
/// nSV = 132 (107 bounded), obj = −100.877288, rho = 0.424462, training
/// accuracy 86.6667 % (234/270).
#[test]
fn heart_scale_matches_libsvm() {
    let Some(data) = shared_data("libsvm") else { return };
    let dir = scratch();
    let heart = data.join("heart_scale");
    let heart = heart.to_str().unwrap();
    let fit = json(&kern(dir.path(), &["fit", heart, "-c", "1", "-g", "0.0769231", "-o", "h.model", "--json"]));
    assert_eq!(fit["task"], "svc");
    assert_eq!(fit["n_support"], 132);
    assert_eq!(fit["n_bounded_support"], 107);
    assert_eq!(fit["iterations"], 162);
    let rho = fit["rho"].as_f64().unwrap();
    let obj = fit["objective"].as_f64().unwrap();
    assert!((rho - 0.424462).abs() < 1e-4, "rho {rho}");
    assert!((obj + 100.877288).abs() < 1e-5 * 100.877288, "objective {obj}");
    assert_eq!(fit["classes"], serde_json::json!(["1", "-1"]));
    let pred = json(&kern(dir.path(), &["predict", "h.model", heart, "-o", "p.txt", "--json"]));
    assert!((pred["accuracy"].as_f64().unwrap() - 234.0 / 270.0).abs() < 1e-12);
    let labels = std::fs::read_to_string(dir.path().join("p.txt")).unwrap();
    assert!(labels.lines().all(|l| l == "1" || l == "-1"));
}

/// LIBSVM, `svm-train -s 3 -c 1 -g 0.125 -p 0.1` on the first 3,000 rows of
/// abalone_scale, tested on the last 1,177: MSE 4.557.
#[test]
fn abalone_epsilon_svr_matches_libsvm() {
    let Some(data) = shared_data("libsvm") else { return };
    let dir = scratch();
    let text = std::fs::read_to_string(data.join("abalone_scale")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4177);
    write(dir.path(), "train.libsvm", lines[..3000].join("\n") + "\n");
    write(dir.path(), "test.libsvm", lines[3000..].join("\n") + "\n");
    let fit = json(&kern(
        dir.path(),
        &[
            "fit",
            "train.libsvm",
            "--task",
            "svr",
            "-c",
            "1",
            "-g",
            "0.125",
            "--epsilon",
            "0.1",
            "-o",
            "a.model",
            "--json",
        ],
    ));
    assert_eq!(fit["task"], "svr");
    let pred = json(&kern(dir.path(), &["predict", "a.model", "test.libsvm", "-o", "p.txt", "--json"]));
    let mse = pred["mse"].as_f64().unwrap();
    assert!((mse - 4.557).abs() < 0.01 * 4.557, "test MSE {mse}");
}

/// Three classes named by strings, in a CSV: names come back on output,
/// class weights are accepted by name, and every task runs from the CLI.
#[test]
fn cli_trains_every_svm_task_on_generated_data() {
    let dir = scratch();
    let mut csv = String::from("a,b,species\n");
    let mut reg = String::new();
    let mut s = 7u64;
    let mut next = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..240 {
        let (name, cx, cy) = [("setosa", 0.0, 0.0), ("versicolor", 3.0, 0.0), ("virginica", 0.0, 3.0)][i % 3];
        let (x, y) = (cx + next(), cy + next());
        csv.push_str(&format!("{x},{y},{name}\n"));
        reg.push_str(&format!("{} 1:{x} 2:{y}\n", x.sin() + y));
    }
    write(dir.path(), "iris.csv", &csv);
    write(dir.path(), "reg.libsvm", &reg);

    let fit = json(&kern(
        dir.path(),
        &["fit", "iris.csv", "-g", "1", "--class-weight", "virginica=2", "-o", "m.model", "--json"],
    ));
    assert_eq!(fit["classes"], serde_json::json!(["setosa", "versicolor", "virginica"]));
    assert_eq!(fit["rho"].as_array().map(Vec::len), Some(3), "one rho per class pair");
    let pred = kern(dir.path(), &["predict", "m.model", "iris.csv"]);
    assert!(pred.status.success(), "{}", stderr(&pred));
    let names: Vec<String> = stdout(&pred).lines().map(str::to_string).collect();
    let truth: Vec<&str> = csv.lines().skip(1).map(|l| l.rsplit(',').next().unwrap()).collect();
    assert_eq!(names, truth, "well-separated classes are all classified right");
    assert!(stderr(&pred).contains("accuracy = 100.0000 %"), "{}", stderr(&pred));

    let nu =
        json(&kern(dir.path(), &["fit", "iris.csv", "--task", "nusvc", "--nu", "0.3", "-o", "nu.model", "--json"]));
    assert_eq!(nu["task"], "nusvc");
    let one = json(&kern(
        dir.path(),
        &["fit", "reg.libsvm", "--task", "oneclass", "--nu", "0.1", "-o", "one.model", "--json"],
    ));
    let n_sv = one["n_support"].as_u64().unwrap();
    assert!((24..=60).contains(&n_sv), "one-class with nu = 0.1 keeps about 10 % as SVs, got {n_sv}");
    for task in ["svr", "nusvr"] {
        let fit =
            json(&kern(dir.path(), &["fit", "reg.libsvm", "--task", task, "-c", "10", "-o", "r.model", "--json"]));
        assert_eq!(fit["task"], task);
        let pred = json(&kern(dir.path(), &["predict", "r.model", "reg.libsvm", "-o", "r.txt", "--json"]));
        assert!(pred["r2"].as_f64().unwrap() > 0.95, "{task}: {pred}");
    }

    // Errors.
    write(dir.path(), "single.csv", "a,b,y\n1,2,x\n3,4,x\n");
    assert_one_line_error(
        &kern(dir.path(), &["fit", "single.csv", "-o", "x.model"]),
        &["single.csv", "every label is"],
    );
    assert_one_line_error(
        &kern(dir.path(), &["fit", "iris.csv", "--class-weight", "rose=2", "-o", "x.model"]),
        &["no class \"rose\""],
    );
    assert_one_line_error(
        &kern(dir.path(), &["fit", "iris.csv", "--task", "nusvc", "--nu", "1.5", "-o", "x.model"]),
        &["nu"],
    );
    assert_one_line_error(&kern(dir.path(), &["fit", "iris.csv", "-c", "0", "-o", "x.model"]), &["C = 0"]);
    assert!(!dir.path().join("x.model").exists());
}

/// LIBSVM, `svm-train -c 1 -g 0.05 a9a`: nSV = 11,620, test accuracy on
/// a9a.t 85.087 %.
#[test]
fn a9a_matches_libsvm() {
    let Some(data) = shared_data("libsvm") else { return };
    let dir = scratch();
    let (train, test) = (data.join("a9a"), data.join("a9a.t"));
    let fit =
        json(&kern(dir.path(), &["fit", train.to_str().unwrap(), "-c", "1", "-g", "0.05", "-o", "a.model", "--json"]));
    let n_sv = fit["n_support"].as_f64().unwrap();
    assert!((n_sv - 11620.0).abs() <= 0.005 * 11620.0, "nSV {n_sv}");
    let pred = json(&kern(dir.path(), &["predict", "a.model", test.to_str().unwrap(), "-o", "p.txt", "--json"]));
    let accuracy = 100.0 * pred["accuracy"].as_f64().unwrap();
    assert!((accuracy - 85.087).abs() <= 0.1, "test accuracy {accuracy} %");
}

/// Working sets of 1024 variables (`--working-set`): LIBSVM's objective to
/// its tolerance, nSV within 0.5 % and test accuracy within 0.1 point of
/// LIBSVM's; a ν task or a set under 2 is one error line.
#[test]
fn a9a_by_working_sets_matches_libsvm() {
    let Some(data) = shared_data("libsvm") else { return };
    let dir = scratch();
    let (train, test) = (data.join("a9a"), data.join("a9a.t"));
    let train = train.to_str().unwrap();
    let args = ["fit", train, "-c", "1", "-g", "0.05", "-o", "a.model", "--json", "--working-set", "1024"];
    let fit = json(&kern(dir.path(), &args));
    let n_sv = fit["n_support"].as_f64().unwrap();
    assert!((n_sv - 11620.0).abs() <= 0.005 * 11620.0, "nSV {n_sv}");
    // LIBSVM (libsvm-official 3.x, svm_train -c 1 -g 0.05): obj = -10725.850795.
    let objective = fit["objective"].as_f64().unwrap();
    assert!((objective + 10725.850795).abs() <= 1e-6 * 10725.850795, "objective {objective}");
    let pred = json(&kern(dir.path(), &["predict", "a.model", test.to_str().unwrap(), "-o", "p.txt", "--json"]));
    let accuracy = 100.0 * pred["accuracy"].as_f64().unwrap();
    assert!((accuracy - 85.087).abs() <= 0.1, "test accuracy {accuracy} %");
    let nu = kern(dir.path(), &["fit", train, "--task", "nusvc", "--working-set", "64", "-o", "n.model"]);
    assert_one_line_error(&nu, &["working set", "nusvc"]);
    let one = kern(dir.path(), &["fit", train, "--working-set", "1", "-o", "o.model"]);
    assert_one_line_error(&one, &["working set", "at least 2"]);
    assert!(!dir.path().join("n.model").exists() && !dir.path().join("o.model").exists());
}

/// `kern cv`: pooled out-of-fold accuracy on separable classes, MSE for
/// regression, the same figures for the same seed at 1 and 2 threads.
#[test]
fn cross_validation_reports_held_out_figures() {
    let dir = scratch();
    let mut csv = String::from("a,b,kind\n");
    let mut reg = String::new();
    for i in 0..90 {
        let (name, c) = [("low", 0.0), ("mid", 4.0), ("high", 8.0)][i % 3];
        let (x, y) = (c + (i as f64 * 0.37).sin(), (i as f64 * 0.91).cos());
        csv.push_str(&format!("{x},{y},{name}\n"));
        reg.push_str(&format!("{} 1:{x} 2:{y}\n", 2.0 * x - y));
    }
    write(dir.path(), "k.csv", &csv);
    write(dir.path(), "r.libsvm", &reg);
    let run = |threads: &str| {
        json(&kern(dir.path(), &["cv", "k.csv", "--folds", "5", "--seed", "3", "--threads", threads, "--json"]))
    };
    let one = run("1");
    assert_eq!(one["folds"], 5);
    assert_eq!(one["accuracy"], 1.0, "{one}");
    assert_eq!(one["accuracy_per_fold"].as_array().map(Vec::len), Some(5));
    assert_eq!(one, run("2"));
    let r = json(&kern(
        dir.path(),
        &["cv", "r.libsvm", "--task", "krr", "--kernel", "linear", "--alpha", "1e-6", "--json"],
    ));
    assert!(r["mse"].as_f64().unwrap() < 1e-6 && r["r2"].as_f64().unwrap() > 0.999, "{r}");
    assert_one_line_error(&kern(dir.path(), &["cv", "k.csv", "--folds", "1"]), &["--folds 1"]);
    assert_one_line_error(&kern(dir.path(), &["cv", "r.libsvm", "--task", "oneclass"]), &["oneclass"]);
}

/// `--probability`: class probabilities sum to 1, the predicted label is the
/// most probable class, the same seed gives the same model, and a model
/// without them refuses `--proba`.
#[test]
fn probability_outputs_are_consistent() {
    let dir = scratch();
    let mut csv = String::from("a,b,kind\n");
    for i in 0..150 {
        let (name, c) = [("low", 0.0), ("mid", 1.5), ("high", 3.0)][i % 3];
        csv.push_str(&format!("{},{},{name}\n", c + (i as f64 * 0.37).sin(), (i as f64 * 0.91).cos()));
    }
    write(dir.path(), "k.csv", &csv);
    let fit = json(&kern(dir.path(), &["fit", "k.csv", "--probability", "--seed", "1", "-o", "p.model", "--json"]));
    assert_eq!(fit["prob_a"].as_array().map(Vec::len), Some(3), "one sigmoid per class pair");
    let again = json(&kern(dir.path(), &["fit", "k.csv", "--probability", "--seed", "1", "-o", "q.model", "--json"]));
    assert_eq!((&fit["prob_a"], &fit["prob_b"]), (&again["prob_a"], &again["prob_b"]));
    let out = kern(dir.path(), &["predict", "p.model", "k.csv", "--proba"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(' ').collect();
    assert_eq!(header, ["labels", "low", "mid", "high"]);
    for line in lines {
        let fields: Vec<&str> = line.split(' ').collect();
        let p: Vec<f64> = fields[1..].iter().map(|v| v.parse().unwrap()).collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9 && p.iter().all(|&v| (0.0..=1.0).contains(&v)), "{line}");
        let best = (0..3).fold(0, |b, c| if p[c] > p[b] { c } else { b });
        assert_eq!(fields[0], header[1 + best], "the label is the most probable class: {line}");
    }
    let plain = kern(dir.path(), &["fit", "k.csv", "-o", "n.model", "-q"]);
    assert!(plain.status.success());
    assert_one_line_error(&kern(dir.path(), &["predict", "n.model", "k.csv", "--proba"]), &["--probability"]);
    let reg: String = (0..100)
        .map(|i| format!("{} 1:{}\n", (i as f64 * 0.3).sin() + 0.1 * (i as f64 * 7.7).cos(), i as f64 * 0.3))
        .collect();
    write(dir.path(), "r.libsvm", reg);
    let svr =
        json(&kern(dir.path(), &["fit", "r.libsvm", "--task", "svr", "--probability", "-o", "s.model", "--json"]));
    assert!(svr["laplace_scale"].as_f64().unwrap() > 0.0, "{svr}");
}
