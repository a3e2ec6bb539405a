//! What the SVM search says: the point chosen and its score, where the
//! score came from, the start beside it, the check on disjoint samples,
//! and the linear baseline.

use serde_json::json;

use super::Choices;
use super::search::{Check, at_point};
use super::tune::{Outcome, Point};
use crate::select::{CvScore, Metric, unscored_said};
use crate::train::{FitSpec, Notices};

/// A score as the report says it: the metric (and accuracy beside it), or MSE and R².
pub(super) fn describe(score: &CvScore, metric: Metric) -> String {
    match score {
        CvScore::Accuracy { accuracy, .. } if metric == Metric::Accuracy => {
            format!("accuracy {:.2} %", 100.0 * accuracy)
        }
        CvScore::Accuracy { accuracy, .. } => {
            format!("{} {:.4}, accuracy {:.2} %", metric.name(), score.key_by(metric), 100.0 * accuracy)
        }
        CvScore::Error { mae, mse, r2, .. } if metric == Metric::AbsoluteError => {
            format!("mae {mae:.4e}, mse {mse:.4e}, R² {r2:.4}")
        }
        CvScore::Error { mse, r2, .. } => format!("mse {mse:.4e}, R² {r2:.4}"),
    }
}

/// The point as the report says it: C and gamma.
pub(super) fn point_name(p: &Point) -> String {
    let mut said = Vec::new();
    if let Some(c) = p.log2c {
        said.push(format!("C {}", c.exp2()));
    }
    if let Some(g) = p.log2g {
        said.push(format!("gamma {:.4e}", g.exp2()));
    }
    said.join(" and ")
}

/// Sets the outcome's best point on `spec` and reports it, with the start
/// and the check; warns when the model chosen predicts one class.
pub(super) fn apply_outcome(
    spec: &mut FitSpec,
    outcome: &Outcome,
    check: Option<&Check>,
    n: usize,
    choices: &mut Choices,
    notices: &Notices,
) {
    let metric = outcome.metric;
    let (point, score) = outcome.best();
    *spec = at_point(spec, point);
    if point.log2c.is_some() {
        choices.json.insert("c".into(), json!(spec.svm.c));
    }
    if let (Some(_), Some(gamma)) = (point.log2g, spec.kernel.gamma) {
        choices.json.insert("gamma".into(), json!(gamma));
    }
    match score {
        CvScore::Accuracy { accuracy, .. } => {
            choices.json.insert("cv_accuracy".into(), json!(accuracy));
        }
        CvScore::Error { mse, r2, mae, .. } => {
            choices.json.insert("cv_mse".into(), json!(mse));
            choices.json.insert("cv_r2".into(), json!(r2));
            choices.json.insert("cv_mae".into(), json!(mae));
        }
    }
    choices.json.insert("metric".into(), json!(score.metric_name(metric)));
    choices.json.insert("cv_score".into(), json!(score.key_by(metric)));
    choices.json.insert("search_points".into(), json!(outcome.tried.len()));
    choices.json.insert("search_folds".into(), json!(outcome.folds));
    choices.json.insert("search_samples".into(), json!(outcome.samples));
    let (start, start_score) = outcome.start();
    choices.json.insert("start_score".into(), json!(start_score.key_by(metric)));
    let mut on = if outcome.samples < n {
        format!(" on a random {} of the {n} samples", outcome.samples)
    } else {
        String::new()
    };
    if outcome.unscored > 0 {
        choices.json.insert("search_unscored".into(), json!(outcome.unscored));
        on += &unscored_said(outcome.unscored);
    }
    choices.said.push(format!(
        "{} by {}-fold cross-validation over {} points{on} ({}; the start, {}, {})",
        point_name(point),
        outcome.folds,
        outcome.tried.len(),
        describe(score, metric),
        point_name(start),
        describe(start_score, metric),
    ));
    if let Some(check) = check {
        let (_, chosen) = check.scores.iter().find(|(k, _)| *k == outcome.best).expect("the best was checked");
        choices.json.insert("check_samples".into(), json!(check.samples));
        choices.json.insert("check_score".into(), json!(chosen.key_by(metric)));
        let others: Vec<String> = check
            .scores
            .iter()
            .filter(|(k, _)| *k != outcome.best)
            .map(|(k, s)| format!("{} {}", point_name(&outcome.tried[*k].0), describe(s, metric)))
            .collect();
        choices.said.push(format!(
            "checked on {} other samples: {} ({}; beside {})",
            check.samples,
            describe(chosen, metric),
            point_name(point),
            others.join(", ")
        ));
    }
    if score.predicts_one_class() {
        notices.push(format!(
            "kern fit --auto: warning: the best model measured predicts one class only ({}); \
             no point searched scored higher: try --auto-metric balanced-accuracy",
            describe(score, metric)
        ));
    }
}

/// Reports the linear baseline beside the kernel model's cross-validated
/// score; `kept` when it replaced the kernel model.
pub(super) fn baseline(linear: &Outcome, kernel_score: &CvScore, as_good: bool, kept: bool, choices: &mut Choices) {
    let metric = linear.metric;
    let (point, score) = linear.best();
    choices.json.insert(
        "baseline".into(),
        json!({
            "kernel": "linear",
            "c": point.log2c.map(f64::exp2),
            "cv_score": score.key_by(metric),
            "as_good_within_noise": as_good,
            "kept": kept,
        }),
    );
    let verdict = super::baseline::verdict(as_good, kept);
    choices.said.push(format!(
        "linear baseline{} {} beside the kernel's {}: {verdict}",
        point.log2c.map_or(String::new(), |c| format!(" at C {}", c.exp2())),
        describe(score, metric),
        describe(kernel_score, metric),
    ));
}
