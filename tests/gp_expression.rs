//! GP kernel expressions end to end: the CLI's `--kernel EXPRESSION` and
//! `--normalize-y off`, linfa's `expression`, and their errors.

mod common;

use common::{assert_one_line_error, json, kern, lcg, scratch, stderr, write};
use kern::solvers::gp::log_marginal_likelihood;
use kern::{DataSet, DenseMatrix, Expression, Par};

/// A seasonal series: a slow trend plus a yearly cycle plus noise of
/// variance 0.04, time in years, targets centred.
fn seasonal(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut u = lcg(seed);
    let t: Vec<f64> = (0..n).map(|i| i as f64 / 12.0).collect();
    let mut y: Vec<f64> = t
        .iter()
        .map(|t| {
            0.3 * t
                + 0.02 * t * t
                + 1.5 * (2.0 * std::f64::consts::PI * t).sin()
                + 0.2 * 3f64.sqrt() * (2.0 * u() - 1.0)
        })
        .collect();
    let mean = y.iter().sum::<f64>() / n as f64;
    y.iter_mut().for_each(|v| *v -= mean);
    (t, y)
}

fn csv(t: &[f64], y: &[f64]) -> String {
    let mut text = String::from("t,y\n");
    for (t, y) in t.iter().zip(y) {
        text.push_str(&format!("{t:?},{y:?}\n"));
    }
    text
}

const START: &str = "4*rbf(ls=10) + 1*rbf(ls=10)*periodic(ls=1,p=1!) + white(0.1)";

#[test]
fn an_expression_is_fitted_from_its_values_with_held_ones_held() {
    let dir = scratch();
    let (t, y) = seasonal(120, 3);
    write(dir.path(), "train.csv", csv(&t[..96], &y[..96]));
    write(dir.path(), "test.csv", csv(&t[96..], &y[96..]));
    let args = ["fit", "train.csv", "--task", "gp", "--kernel", START, "--normalize-y", "off", "--restarts", "1"];
    let fit = json(&kern(dir.path(), &[&args[..], &["-o", "gp.model", "--json"]].concat()));
    let h = &fit["hyperparameters"];
    assert_eq!(h["sum.1.product.1.periodic.period"], 1.0, "{h}");
    // The fit is at least as likely as its start, by the same formula.
    let x = DataSet::from(DenseMatrix::from_rows(&t[..96].iter().map(|&v| vec![v]).collect::<Vec<_>>()).unwrap());
    let start: Expression = START.parse().unwrap();
    let at_start = log_marginal_likelihood(&start.kernel, 0.1, &x, &y[..96], false, Par::Seq).unwrap();
    let fitted = fit["log_marginal_likelihood"].as_f64().unwrap();
    assert!(fitted > at_start.log_marginal_likelihood + 1.0, "{fitted} vs start {}", at_start.log_marginal_likelihood);
    // Targets as given: the noise is in their units (true variance 0.04).
    let noise = h["noise"].as_f64().unwrap();
    assert!((0.015..0.1).contains(&noise), "noise {noise}");
    // The printed expression reads back as the fitted kernel and noise.
    let printed: Expression = fit["kernel_expression"].as_str().unwrap().parse().unwrap();
    let values: Vec<f64> = printed.kernel.hyperparameters().iter().map(|h| h.value).collect();
    let names: Vec<String> = printed.kernel.hyperparameters().into_iter().map(|h| h.name).collect();
    for (name, v) in names.iter().zip(&values) {
        assert_eq!(h[name].as_f64().unwrap(), *v, "{name}");
    }
    assert_eq!(printed.white, Some((noise, true)));
    // Two years past the training data, the cycle and trend carry on.
    let pred = json(&kern(dir.path(), &["predict", "gp.model", "test.csv", "--std", "-o", "p.txt", "--json"]));
    assert!(pred["r2"].as_f64().unwrap() > 0.9, "{pred}");
    // kern info shows the same expression.
    let info = kern(dir.path(), &["info", "gp.model"]);
    assert!(common::stdout(&info).contains(fit["kernel_expression"].as_str().unwrap()), "{}", stderr(&info));
}

#[test]
fn linfa_takes_an_expression_and_holds_its_marked_values() {
    use linfa::prelude::*;
    use ndarray::{Array1, Array2};
    let (t, y) = seasonal(96, 4);
    let x = Array2::from_shape_fn((96, 1), |(i, _)| t[i]);
    let data = Dataset::new(x.clone(), Array1::from(y.clone()));
    let e: Expression = "2*rbf(ls=5) + 1!*periodic(ls=1, p=1!) + white(0.1)".parse().unwrap();
    let gp = kern::GaussianProcess::params().expression(&e).restarts(0).normalize_y(false).fit(&data).unwrap();
    let h: std::collections::HashMap<String, f64> = gp.hyperparameters().into_iter().collect();
    assert_eq!(h["sum.1.scale"], 1.0);
    assert_eq!(h["sum.1.periodic.period"], 1.0);
    assert_ne!(h["sum.0.scale"], 2.0);
    assert!(gp.predict(&x).r2(&Array1::from(y)).unwrap() > 0.95);
}

#[test]
fn expressions_with_other_tasks_and_bad_expressions_are_one_line_errors() {
    let dir = scratch();
    let (t, y) = seasonal(40, 5);
    write(dir.path(), "d.csv", csv(&t, &y));
    let fit = |extra: &[&str]| kern(dir.path(), &[&["fit", "d.csv", "-o", "m.model"], extra].concat());
    assert_one_line_error(&fit(&["--task", "gp", "--kernel", "2*rbf(ls=1) + "]), &["--kernel", "column 15"]);
    assert_one_line_error(&fit(&["--task", "gp", "--kernel", "rbf(ls=1"]), &["column 9", "')'"]);
    assert_one_line_error(&fit(&["--task", "gp", "--kernel", "rbff"]), &["not a kernel", "matern32"]);
    assert_one_line_error(&fit(&["--task", "svr", "--kernel", "rbf + white(1)"]), &["white", "--task svr"]);
    assert_one_line_error(&fit(&["--task", "gp", "-g", "1", "--kernel", "2*rbf"]), &["-g/--gamma"]);
    assert_one_line_error(&fit(&["--task", "gp", "--kernel", "rbf + white(1)", "--noise", "1"]), &["noise once"]);
    assert_one_line_error(&fit(&["--auto", "--kernel", "2*rbf(ls=1)"]), &["--auto", "expression"]);
    assert_one_line_error(&fit(&["--task", "gp", "--normalize-y", "maybe"]), &["--normalize-y", "on or off"]);
    // A kernel algebra also serves the SVMs.
    let svr = json(&kern(
        dir.path(),
        &["fit", "d.csv", "--task", "svr", "--kernel", "2*rbf(gamma=0.5) + periodic(p=1)", "-o", "s.model", "--json"],
    ));
    assert_eq!(svr["kernel"], "sum");
}
