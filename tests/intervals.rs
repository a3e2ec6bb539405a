//! Prediction intervals for every regressor: at level 0.9 they hold between
//! 89 % and 93 % of held-out targets, averaged over 20 seeded splits of a
//! generated regression problem; and the command line writes and reports them.

mod common;

use common::{assert_one_line_error, json, kern, scratch, write};
use kern::io::{Data, Inputs, Labels};
use kern::train::{Alpha, Approx, FitSpec, Task, fit};
use kern::{DataSet, DenseMatrix, Par};

/// `y = sin(3 x₁) + x₂² + 0.3 ε` on `[-1, 1]³`, Gaussian ε, from a seeded generator.
fn problem(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut u = common::lcg(seed);
    let mut normal = move || {
        // Box-Muller.
        let (a, b) = (u().max(1e-300), u());
        (
            (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos(),
            (2.0 * u() - 1.0, 2.0 * u() - 1.0, 2.0 * u() - 1.0),
        )
    };
    let mut rows = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let (e, (a, b, c)) = normal();
        rows.push(vec![a, b, c]);
        y.push((3.0 * a).sin() + b * b + 0.3 * e);
    }
    (rows, y)
}

fn data(rows: &[Vec<f64>], y: &[f64]) -> Data {
    let x = DataSet::from(DenseMatrix::from_rows(rows).unwrap());
    Data::new(Inputs::Vectors(x), Some(Labels::Numeric(y.to_vec())))
}

/// Each regressor: its name and spec (split-conformal ones hold half out).
fn regressors() -> Vec<(&'static str, FitSpec)> {
    let base = |task: Task| {
        let mut spec = FitSpec::new(task);
        spec.kernel.gamma = Some(1.0);
        spec
    };
    let calibrated = |mut spec: FitSpec| {
        spec.conformal = Some(0.5);
        spec
    };
    let approx = |task: Task, method: Approx, m: usize| {
        let mut spec = base(task);
        (spec.approx.method, spec.approx.components, spec.alpha) = (method, m, Alpha::Value(1e-3));
        calibrated(spec)
    };
    let mut svr = base(Task::Svr);
    svr.svm.c = 4.0;
    let mut krr = base(Task::Krr);
    krr.alpha = Alpha::Value(0.1);
    let mut gp = base(Task::Gp);
    gp.gp.restarts = Some(0);
    vec![
        ("svr", calibrated(svr)),
        ("nusvr", calibrated(base(Task::Nusvr))),
        ("krr (jackknife+)", krr),
        ("gp (gaussian)", gp),
        ("falkon", approx(Task::Krr, Approx::Falkon, 100)),
        ("nystroem ridge", approx(Task::Krr, Approx::Nystroem, 100)),
        ("rff svr", approx(Task::Svr, Approx::Rff, 200)),
    ]
}

#[test]
fn intervals_at_90_percent_cover_89_to_93_percent_of_new_targets() {
    let splits = 20;
    for (name, spec) in regressors() {
        let mut covered = 0.0;
        for split in 0..splits {
            let (rows, y) = problem(1600, 100 + split);
            let mut spec = spec.clone();
            spec.seed = split;
            let model = fit(&spec, data(&rows[..600], &y[..600]), Par::Seq).unwrap().model;
            let test = Inputs::Vectors(DataSet::from(DenseMatrix::from_rows(&rows[600..]).unwrap()));
            let intervals = model.predict_interval(&test, 0.9, Par::Seq).unwrap();
            covered += intervals.coverage(&y[600..]);
        }
        let coverage = covered / splits as f64;
        eprintln!("{name}: {:.2} % of new targets inside the 90 % intervals", 100.0 * coverage);
        assert!((0.89..=0.93).contains(&coverage), "{name}: {:.2} % covered", 100.0 * coverage);
    }
}

#[test]
fn the_command_line_writes_intervals_and_reports_their_method_and_coverage() {
    let dir = scratch();
    let libsvm = |rows: &[Vec<f64>], y: &[f64]| -> String {
        rows.iter().zip(y).map(|(r, y)| format!("{y:?} 1:{:?} 2:{:?} 3:{:?}\n", r[0], r[1], r[2])).collect()
    };
    let (rows, y) = problem(500, 7);
    write(dir.path(), "train.txt", libsvm(&rows[..300], &y[..300]));
    write(dir.path(), "test.txt", libsvm(&rows[300..], &y[300..]));
    let fit =
        |args: &[&str]| json(&kern(dir.path(), &[&["fit", "train.txt", "-g", "1", "--json", "-q"], args].concat()));
    fit(&["--task", "svr", "--conformal", "0.3", "-o", "svr.model"]);
    let report =
        json(&kern(dir.path(), &["predict", "svr.model", "test.txt", "--interval", "0.8", "-o", "p.txt", "--json"]));
    assert_eq!(report["interval"]["method"], "split-conformal");
    assert_eq!(report["interval"]["level"], 0.8);
    let text = std::fs::read_to_string(dir.path().join("p.txt")).unwrap();
    let mut inside = 0;
    for (line, t) in text.lines().zip(&y[300..]) {
        let v: Vec<f64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
        assert_eq!(v.len(), 3, "prediction lower upper: {line}");
        assert!(v[1] <= v[0] && v[0] <= v[2]);
        // Split-conformal intervals have one width.
        assert!(((v[2] - v[1]) - report["interval"]["mean_width"].as_f64().unwrap()).abs() < 1e-9);
        inside += usize::from(v[1] <= *t && *t <= v[2]);
    }
    assert_eq!(report["interval"]["coverage"].as_f64().unwrap(), inside as f64 / 200.0);
    fit(&["--task", "krr", "--alpha", "0.1", "-o", "krr.model"]);
    let report =
        json(&kern(dir.path(), &["predict", "krr.model", "test.txt", "--interval", "0.9", "-o", "k.txt", "--json"]));
    assert_eq!(report["interval"]["method"], "jackknife+");
    // Models without intervals, and bad levels, are one-line errors.
    fit(&["--task", "svr", "-o", "plain.model"]);
    let predict = |model: &str, level: &str| kern(dir.path(), &["predict", model, "test.txt", "--interval", level]);
    assert_one_line_error(&predict("plain.model", "0.9"), &["plain.model", "--conformal SHARE"]);
    assert_one_line_error(&predict("krr.model", "1.5"), &["--interval 1.5", "between 0 and 1"]);
    let conformal = |args: &[&str]| kern(dir.path(), &[&["fit", "train.txt", "-o", "x.model"], args].concat());
    assert_one_line_error(&conformal(&["--task", "krr", "--conformal", "0.3"]), &["--conformal", "jackknife+"]);
    assert_one_line_error(&conformal(&["--task", "svr", "--conformal", "1"]), &["--conformal 1", "between 0 and 1"]);
    assert_one_line_error(&conformal(&["--task", "svc", "--conformal", "0.2"]), &["--conformal", "regressors"]);
}
