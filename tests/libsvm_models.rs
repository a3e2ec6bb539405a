//! LIBSVM model files: kern predicts what LIBSVM predicts from models
//! trained by LIBSVM (fixtures written by benches/make_libsvm_fixture.py), and
//! a kern model exported to LIBSVM's format predicts exactly as before.

mod common;

use std::path::Path;

use common::{assert_one_line_error, kern, scratch, stderr, stdout};

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/libsvm"))
}

fn numbers(text: &str) -> Vec<f64> {
    text.lines().map(|l| l.trim().parse().unwrap()).collect()
}

#[test]
fn kern_predicts_what_libsvm_predicts_from_its_own_model_files() {
    let dir = scratch();
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "model") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let regression = name.contains("svr");
        let data = fixtures().join(match (regression, name.contains("precomputed")) {
            (true, _) => "targets.txt",
            (false, true) => "classes_gram.txt",
            (false, false) => "classes.txt",
        });
        if name == "c_svc_rbf_prob" {
            // LIBSVM's `svm-predict -b 1` output: a labels line, then the label
            // (the most probable class) and each class's probability.
            let out = kern(dir.path(), &["predict", path.to_str().unwrap(), data.to_str().unwrap(), "--proba"]);
            assert!(out.status.success(), "{name}: {}", stderr(&out));
            let want = std::fs::read_to_string(path.with_extension("predictions")).unwrap();
            let (got, want) = (stdout(&out), want);
            assert_eq!(got.lines().next(), want.lines().next(), "labels line");
            for (g, w) in got.lines().zip(want.lines()).skip(1) {
                let (g, w) = (numbers(&g.replace(' ', "\n")), numbers(&w.replace(' ', "\n")));
                assert_eq!(g[0], w[0], "{name}: predicted label");
                for (a, b) in g[1..].iter().zip(&w[1..]) {
                    assert!((a - b).abs() < 1e-9, "{name}: probability {a} vs LIBSVM {b}");
                }
            }
            assert_eq!(got.lines().count(), want.lines().count());
            checked += 1;
            continue;
        }
        let out = kern(dir.path(), &["predict", path.to_str().unwrap(), data.to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let got = numbers(&stdout(&out));
        let want = numbers(&std::fs::read_to_string(path.with_extension("predictions")).unwrap());
        assert_eq!(got.len(), want.len(), "{name}");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            if regression {
                assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "{name} row {i}: kern {g}, LIBSVM {w}");
            } else {
                assert_eq!(g, w, "{name} row {i}");
            }
        }
        checked += 1;
    }
    // c_svc, one_class, epsilon_svr, nu_svr × linear, poly, rbf, sigmoid, and
    // c_svc and epsilon_svr with probability outputs, c_svc on a precomputed
    // Gram (LIBSVM's Python wrapper crashes predicting nu_svc, so none is
    // recorded).
    assert_eq!(checked, 19);
}

#[test]
fn exported_models_predict_exactly_as_the_kern_model() {
    let dir = scratch();
    let classes = fixtures().join("classes.txt");
    let targets = fixtures().join("targets.txt");
    let cases: [(&str, &Path, &[&str]); 5] = [
        ("svc", &classes, &["--task", "svc", "--kernel", "poly", "--degree", "2", "-g", "0.5", "--coef0", "1"]),
        ("svc-prob", &classes, &["--task", "svc", "--probability", "--seed", "4"]),
        ("nusvc", &classes, &["--task", "nusvc", "--nu", "0.3"]),
        ("oneclass", &classes, &["--task", "oneclass", "--nu", "0.2", "--kernel", "sigmoid", "-g", "0.05"]),
        ("svr", &targets, &["--task", "svr", "-c", "2", "--kernel", "linear"]),
    ];
    for (name, data, args) in cases {
        let data = data.to_str().unwrap();
        let mut fit = vec!["fit", data, "-o", "k.model", "-q"];
        fit.extend_from_slice(args);
        let o = kern(dir.path(), &fit);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let o = kern(dir.path(), &["export", "k.model", "--to", "libsvm", "-o", "k.libsvm"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let text = std::fs::read_to_string(dir.path().join("k.libsvm")).unwrap();
        assert!(text.starts_with("svm_type ") && text.contains("\nSV\n"), "{name}");
        let a = kern(dir.path(), &["predict", "k.model", data]);
        let b = kern(dir.path(), &["predict", "k.libsvm", data]);
        assert!(a.status.success() && b.status.success(), "{name}: {} {}", stderr(&a), stderr(&b));
        assert_eq!(stdout(&a), stdout(&b), "{name}: the exported model predicts differently");
        if name == "svc-prob" {
            let a = kern(dir.path(), &["predict", "k.model", data, "--proba"]);
            let b = kern(dir.path(), &["predict", "k.libsvm", data, "--proba"]);
            assert_eq!(stdout(&a), stdout(&b), "probabilities of the exported model");
        }
        let info = kern(dir.path(), &["info", "k.libsvm"]);
        assert!(info.status.success(), "{}", stderr(&info));
    }
}

#[test]
fn models_with_no_libsvm_equivalent_are_refused_with_a_reason() {
    let dir = scratch();
    let classes = fixtures().join("classes.txt");
    let data = classes.to_str().unwrap();
    let o = kern(dir.path(), &["fit", data, "--kernel", "matern32", "-o", "m.model", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_one_line_error(
        &kern(dir.path(), &["export", "m.model", "-o", "x.libsvm"]),
        &["matern32", "no LIBSVM equivalent"],
    );
    let o = kern(dir.path(), &["fit", data, "--task", "krr", "-o", "r.model", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_one_line_error(&kern(dir.path(), &["export", "r.model", "-o", "x.libsvm"]), &["not an SVM"]);
    std::fs::write(dir.path().join("cut.libsvm"), "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 2\ntotal_sv 3\nrho 0.1\nlabel 1 -1\nnr_sv 2 1\nSV\n1 1:0.5\n").unwrap();
    assert_one_line_error(
        &kern(dir.path(), &["predict", "cut.libsvm", data]),
        &["cut.libsvm", "total_sv says 3 support vectors, found 1"],
    );
    // A class count whose pair count overflows (found by the fuzzer).
    let huge = format!(
        "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 4{}\ntotal_sv 1\nrho 0\nlabel 1 -1\nnr_sv 1 0\nSV\n1 1:0.5\n",
        "9".repeat(120)
    );
    std::fs::write(dir.path().join("huge.libsvm"), huge).unwrap();
    assert_one_line_error(&kern(dir.path(), &["predict", "huge.libsvm", data]), &["huge.libsvm", "nr_class"]);
    assert!(!dir.path().join("x.libsvm").exists());
}
