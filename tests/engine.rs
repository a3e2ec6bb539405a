//! One engine under every face: `kern cv` is a one-point `kern grid`, fold
//! by fold, on vectors, sequences and graphs, at any thread count; `--auto`
//! through the Rust API writes the bytes `kern fit DATA` writes; the CLI and
//! the library deal the same folds whatever the labels; model files written
//! before the engine existed still load and predict the same.

mod common;

use std::path::Path;

use common::{fasta, json, kern, lcg, motif_sequences, rings_and_chains, scratch, stderr, write, write_tu};
use kern::io::{InputOptions, Labels, read_inputs};
use kern::select::{AutoSpec, assign_folds, fit_auto, stratified_kfold};
use kern::train::{FitSpec, Targets, Task};

/// Two noisy rings in the plane, labelled −1 (listed first) and +1.
fn rings_csv(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    let mut text = String::from("label,x,y\n");
    for i in 0..n {
        let (label, r) = if i % 2 == 0 { (-1, 1.5) } else { (1, 0.5) };
        let a = u() * std::f64::consts::TAU;
        text.push_str(&format!("{label},{},{}\n", r * a.cos() + 0.3 * (u() - 0.5), r * a.sin() + 0.3 * (u() - 0.5)));
    }
    text
}

/// A noisy sine.
fn curve_csv(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    let mut text = String::from("y,x\n");
    for i in 0..n {
        let x = -2.0 + 4.0 * i as f64 / n as f64;
        text.push_str(&format!("{},{x}\n", (2.0 * x).sin() + 0.2 * (u() - 0.5)));
    }
    text
}

/// A score's per-fold values from a `--json` report.
fn per_fold(report: &serde_json::Value) -> Vec<f64> {
    let key = if report.get("accuracy_per_fold").is_some() { "accuracy_per_fold" } else { "mse_per_fold" };
    report[key].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

#[test]
fn cv_is_a_one_point_grid_fold_by_fold_on_every_kind_of_sample() {
    let dir = scratch();
    write(dir.path(), "rings.csv", rings_csv(80, 1));
    write(dir.path(), "curve.csv", curve_csv(60, 2));
    write(dir.path(), "motifs.fa", fasta(&motif_sequences(60, 3)));
    let (graphs, labels) = rings_and_chains(60, 4);
    write_tu(dir.path(), "GRAPHS", &graphs, &labels);
    // (data, the options of the point, the same point as a grid axis)
    let cases: [(&str, &[&str], &str); 5] = [
        ("rings.csv", &["-g", "0.5", "-c", "2"], "c=2"),
        ("rings.csv", &["--task", "nusvc", "-g", "0.5", "--nu", "0.3"], "nu=0.3"),
        ("curve.csv", &["--task", "krr", "-g", "2", "--alpha", "0.01"], "alpha=0.01"),
        ("motifs.fa", &["--kernel", "spectrum", "--k", "3", "-c", "1"], "c=1"),
        ("GRAPHS", &["--kernel", "wl", "--h", "3", "-c", "1"], "c=1"),
    ];
    for (data, options, axis) in cases {
        let mut seen: Option<Vec<f64>> = None;
        for threads in ["1", "2"] {
            let common = ["--folds", "4", "--seed", "5", "--threads", threads, "--json"];
            let mut cv_args = vec!["cv", data];
            cv_args.extend(options.iter().chain(&common));
            let cv = json(&kern(dir.path(), &cv_args));
            let mut grid_args = vec!["grid", data, "--grid", axis];
            grid_args.extend(options.iter().chain(&common));
            let grid = json(&kern(dir.path(), &grid_args));
            let (a, b) = (per_fold(&cv), per_fold(&grid["points"][0]));
            assert_eq!(a, b, "{data} {options:?} at {threads} threads: cv {a:?}, grid {b:?}");
            assert_eq!(a.len(), 4);
            // The same at any thread count.
            assert_eq!(seen.get_or_insert_with(|| a.clone()), &a, "{data} {options:?} at {threads} threads");
        }
    }
}

#[test]
fn the_cli_and_the_library_deal_the_same_folds_whatever_the_labels() {
    let dir = scratch();
    // −1 listed before +1 (LIBSVM codes +1 first), text labels, three classes.
    let files = [
        ("pm.csv", "label,x\n-1,0\n1,1\n-1,2\n-1,3\n1,4\n1,5\n-1,6\n1,7\n-1,8\n-1,9\n1,10\n-1,11\n"),
        ("text.csv", "label,x\ndog,0\ncat,1\ndog,2\nbird,3\ncat,4\ndog,5\nbird,6\ncat,7\ndog,8\ncat,9\nbird,10\n"),
    ];
    for (name, content) in files {
        let path = write(dir.path(), name, content);
        let data = read_inputs(&path, &InputOptions { require_labels: true, ..Default::default() }, None).unwrap();
        let labels = data.labels.as_ref().unwrap();
        let raw: Vec<String> = content.lines().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect();
        let targets = Targets::new(Task::Svc, Some(labels), &path).unwrap();
        for (k, seed) in [(3, 0), (4, 9)] {
            let cli = assign_folds(&targets, raw.len(), k, seed);
            assert_eq!(cli, stratified_kfold(&raw, k, seed), "{name} k={k} seed={seed}");
        }
    }
    assert!(matches!(
        Targets::new(Task::Svc, Some(&Labels::Numeric(vec![-1.0, 1.0])), Path::new("x")).unwrap(),
        Targets::Classes { names, .. } if names == ["1", "-1"]
    ));
}

#[test]
fn auto_through_the_library_writes_the_bytes_kern_fit_writes() {
    let dir = scratch();
    write(dir.path(), "rings.csv", rings_csv(120, 6));
    write(dir.path(), "curve.csv", curve_csv(80, 7));
    write(dir.path(), "motifs.fa", fasta(&motif_sequences(40, 8)));
    for data in ["rings.csv", "curve.csv", "motifs.fa"] {
        let out = kern(dir.path(), &["fit", data, "-o", "cli.model", "-q"]);
        assert!(out.status.success(), "{data}: {}", stderr(&out));
        let path = dir.path().join(data);
        let read = read_inputs(&path, &InputOptions::default(), None).unwrap();
        let (fitted, choices) = fit_auto(&FitSpec::default(), &AutoSpec::default(), read, kern::Par::rayon(0)).unwrap();
        assert!(!choices.said.is_empty());
        let lib = dir.path().join("lib.model");
        kern::model::save_model(&fitted.model, &lib).unwrap();
        let (a, b) = (std::fs::read(dir.path().join("cli.model")).unwrap(), std::fs::read(&lib).unwrap());
        assert!(a == b, "{data}: the library's --auto model differs from kern fit's");
    }
}

#[test]
fn model_files_written_before_the_engine_predict_as_they_did() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models");
    let dir = scratch();
    let cases: [(&str, &str, &[&str], &str); 12] = [
        ("svc.model", "rings.csv", &[], "svc.predictions"),
        ("svc.model", "rings.csv", &["--proba"], "svc.proba"),
        ("krr.model", "curve.csv", &[], "krr.predictions"),
        ("gp.model", "curve.csv", &[], "gp.predictions"),
        ("gp.model", "curve.csv", &["--std"], "gp.std"),
        ("nystroem.model", "rings.csv", &[], "nystroem.predictions"),
        ("falkon.model", "curve.csv", &[], "falkon.predictions"),
        ("spectrum.model", "motifs.fa", &[], "spectrum.predictions"),
        ("wl.model", "GRAPHS", &[], "wl.predictions"),
        ("auto.model", "rings.csv", &[], "auto.predictions"),
        ("svc.json", "rings.csv", &[], "svc_json.predictions"),
        ("svc.model", "rings.csv", &["--threads", "1"], "svc.predictions"),
    ];
    for (model, data, options, expected) in cases {
        let (model, data) = (fixtures.join(model), fixtures.join(data));
        let out = dir.path().join("p.txt");
        let mut args = vec!["predict", model.to_str().unwrap(), data.to_str().unwrap(), "-o", out.to_str().unwrap()];
        args.extend_from_slice(options);
        let run = kern(dir.path(), &args);
        assert!(run.status.success(), "{}: {}", model.display(), stderr(&run));
        let (got, want) =
            (std::fs::read_to_string(&out).unwrap(), std::fs::read_to_string(fixtures.join(expected)).unwrap());
        assert_eq!(got, want, "{} {options:?}", model.display());
    }
}
