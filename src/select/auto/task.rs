//! The task `--auto` fits, from the labels: classes, values, or none.

use serde_json::json;

use super::{Choices, EXACT_RIDGE_MAX};
use crate::io::{Labels, SampleKind};
use crate::train::{FitSpec, Task};

/// Sets the task from the labels (and, for regression, the samples' kind
/// and number: kernel ridge on vectors, Falkon's beyond
/// [`EXACT_RIDGE_MAX`]; ε-SVR on strings and graphs beyond it).
pub(super) fn choose_task(
    spec: &mut FitSpec,
    labels: Option<&Labels>,
    kind: SampleKind,
    n: usize,
    choices: &mut Choices,
) {
    let (task, why) = match labels {
        None => (Task::Oneclass, "no labels".to_string()),
        Some(Labels::Text { classes, .. }) => (Task::Svc, format!("{} text classes", classes.len())),
        Some(Labels::Numeric(v)) => match numeric_labels_as_classes(v) {
            Ok(k) => (Task::Svc, format!("{k} distinct label values: classes")),
            Err(kind_of_values) => {
                // Integer labels may be class codes (LIBSVM's letter has 26)
                // or counts (abalone's rings, 28 values): say which was assumed.
                let labels = kind_of_values.describe();
                let what = match kind_of_values {
                    ValueLabels::Real => labels.to_string(),
                    ValueLabels::ManyIntegers => format!("{labels}, taken as values: --task svc classifies"),
                    ValueLabels::FewPerInteger => format!("{labels}, taken as values"),
                };
                if n <= EXACT_RIDGE_MAX || (kind == SampleKind::Vectors && !spec.precomputed()) {
                    (Task::Krr, what)
                } else {
                    (Task::Svr, format!("{what}; {n} samples (> {EXACT_RIDGE_MAX} for exact ridge)"))
                }
            }
        },
    };
    spec.task = task;
    choices.note("task", json!(task.name()), format!("task {} ({why})", task.name()));
}

/// Numeric labels as `--auto` takes them: `Ok(k)`, `k` classes, for two
/// values or at most 20 integers with 5 samples a value on average; else
/// `Err` with what makes them values.
///
/// ```
/// use kern::select::auto::{ValueLabels, numeric_labels_as_classes};
/// assert_eq!(numeric_labels_as_classes(&[1.0, -1.0, 1.0, -1.0]), Ok(2));
/// assert_eq!(numeric_labels_as_classes(&[0.5, 1.25, 2.0]), Err(ValueLabels::Real));
/// ```
pub fn numeric_labels_as_classes(v: &[f64]) -> std::result::Result<usize, ValueLabels> {
    let mut distinct: Vec<f64> = Vec::new();
    for &y in v {
        if !distinct.contains(&y) {
            distinct.push(y);
            if distinct.len() > 20 {
                break;
            }
        }
    }
    let integers = v.iter().all(|y| y.fract() == 0.0);
    let k = distinct.len();
    match (integers, k) {
        (_, ..=2) => Ok(k),
        (true, ..=20) if v.len() >= 5 * k => Ok(k),
        (true, ..=20) => Err(ValueLabels::FewPerInteger),
        (true, _) => Err(ValueLabels::ManyIntegers),
        (false, _) => Err(ValueLabels::Real),
    }
}

/// Why numeric labels are taken as values ([`numeric_labels_as_classes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueLabels {
    /// Some are not integers.
    Real,
    /// Over 20 distinct integers.
    ManyIntegers,
    /// At most 20 integers, under 5 samples a value on average.
    FewPerInteger,
}

impl ValueLabels {
    /// What the labels are, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            ValueLabels::Real => "real-valued labels",
            ValueLabels::ManyIntegers => "over 20 distinct integer labels",
            ValueLabels::FewPerInteger => "integer labels with under 5 samples a value on average",
        }
    }
}
