//! What a task learns from the labels: classes (coded in one order, LIBSVM's
//! or sorted), real values, or nothing (one-class).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use kern_solvers::collective::Collective;

use super::Task;
use crate::error::{DataErrorKind, Error, Result};
use crate::io::Labels;

/// What the labels are for a task.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// Class names (in the model's class order) and each sample's class.
    Classes { names: Vec<String>, codes: Vec<usize> },
    /// Real targets.
    Values(Vec<f64>),
    /// None needed (one-class).
    Unlabelled,
}

/// The order of a classifier's classes, which fixes the sign of binary
/// decision values and the order of class pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassOrder {
    /// LIBSVM's: the order of first appearance, except that a binary problem
    /// labelled −1/+1 puts +1 first.
    Libsvm,
    /// Sorted, as linfa and scikit-learn order them.
    Sorted,
}

impl Targets {
    /// The targets `task` needs from `labels` (read from `file`), classes in
    /// LIBSVM's order.
    pub fn new(task: Task, labels: Option<&Labels>, file: &Path) -> Result<Self> {
        let labels = || labels.ok_or_else(|| Error::Data { file: file.to_path_buf(), kind: DataErrorKind::NoLabels });
        Ok(match task {
            Task::Gp if labels().is_ok_and(are_classes) => Targets::classes(labels()?, file)?,
            Task::Krr | Task::Svr | Task::Nusvr | Task::Gp => Targets::Values(labels()?.numeric(file)?.to_vec()),
            Task::Svc | Task::Nusvc | Task::Gpc => Targets::classes(labels()?, file)?,
            Task::Oneclass => Targets::Unlabelled,
        })
    }

    /// [`new`](Self::new) on this process's share of the labels of all
    /// processes in `collective`: classes in the order of first appearance
    /// over the shares in rank order (the order of the whole file).
    pub fn shared(task: Task, labels: Option<&Labels>, file: &Path, collective: &dyn Collective) -> Result<Self> {
        let local = Self::new(task, labels, file);
        let (own, codes) = match (&local, labels) {
            (
                Ok(Targets::Classes { .. }) | Err(Error::Data { kind: DataErrorKind::OneClass { .. }, .. }),
                Some(labels),
            ) => class_codes(labels),
            _ => return local,
        };
        let text = own.join("\n");
        let mut names: Vec<String> = Vec::new();
        for part in collective.all_gather_bytes(text.as_bytes()) {
            for name in String::from_utf8_lossy(&part).split('\n') {
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        }
        let global: Vec<usize> = own.iter().map(|n| names.iter().position(|g| g == n).expect("gathered")).collect();
        Self::from_codes(names, codes.iter().map(|&c| global[c]).collect(), file)
    }

    /// Class targets in LIBSVM's order (at least two classes).
    fn classes(labels: &Labels, file: &Path) -> Result<Self> {
        let (names, codes) = class_codes(labels);
        Self::from_codes(names, codes, file)
    }

    /// Classes in the order of first appearance, LIBSVM's −1/+1 swap applied.
    fn from_codes(mut names: Vec<String>, mut codes: Vec<usize>, file: &Path) -> Result<Self> {
        if names.len() == 2 && names[0] == "-1" && names[1] == "1" {
            names.swap(0, 1);
            codes.iter_mut().for_each(|c| *c = 1 - *c);
        }
        if names.len() < 2 {
            let label = names.pop().unwrap_or_default();
            return Err(Error::Data { file: file.to_path_buf(), kind: DataErrorKind::OneClass { label } });
        }
        Ok(Targets::Classes { names, codes })
    }

    /// The targets of the samples at `rows`.
    pub fn select(&self, rows: &[usize]) -> Self {
        match self {
            Targets::Classes { names, codes } => {
                Targets::Classes { names: names.clone(), codes: rows.iter().map(|&i| codes[i]).collect() }
            }
            Targets::Values(v) => Targets::Values(rows.iter().map(|&i| v[i]).collect()),
            Targets::Unlabelled => Targets::Unlabelled,
        }
    }

    /// Each sample's class code (classification only).
    pub fn codes(&self) -> Option<&[usize]> {
        match self {
            Targets::Classes { codes, .. } => Some(codes),
            _ => None,
        }
    }
}

/// The distinct class names in order of first appearance and each label's index among them.
fn class_codes(labels: &Labels) -> (Vec<String>, Vec<usize>) {
    match labels {
        Labels::Numeric(values) => code_classes(values.iter().map(f64::to_string), ClassOrder::Libsvm),
        Labels::Text { classes, codes, .. } => (classes.clone(), codes.iter().map(|&c| c as usize).collect()),
    }
}

/// The distinct labels in `order` (first appearance for
/// [`ClassOrder::Libsvm`]; the −1/+1 swap is for the caller that knows the
/// labels are numbers) and each label's index among them.
///
/// ```
/// use kern::train::{ClassOrder, code_classes};
/// let (classes, codes) = code_classes(["b", "a", "b", "c"], ClassOrder::Libsvm);
/// assert_eq!((classes, codes), (vec!["b", "a", "c"], vec![0, 1, 0, 2]));
/// let (classes, codes) = code_classes(["b", "a", "b", "c"], ClassOrder::Sorted);
/// assert_eq!((classes, codes), (vec!["a", "b", "c"], vec![1, 0, 1, 2]));
/// ```
pub fn code_classes<L: Ord + Clone + std::hash::Hash>(
    labels: impl IntoIterator<Item = L>,
    order: ClassOrder,
) -> (Vec<L>, Vec<usize>) {
    match order {
        ClassOrder::Libsvm => {
            let mut names: Vec<L> = Vec::new();
            let mut index = HashMap::new();
            let codes = labels
                .into_iter()
                .map(|l| {
                    *index.entry(l).or_insert_with_key(|l| {
                        names.push(l.clone());
                        names.len() - 1
                    })
                })
                .collect();
            (names, codes)
        }
        ClassOrder::Sorted => {
            let labels: Vec<L> = labels.into_iter().collect();
            let names: Vec<L> = labels.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
            let codes = labels.iter().map(|l| names.binary_search(l).expect("a seen label")).collect();
            (names, codes)
        }
    }
}

/// Whether `--task gp` should classify: text labels, or exactly two values
/// (a regression on two values is rarely meant).
pub fn are_classes(labels: &Labels) -> bool {
    match labels {
        Labels::Text { .. } => true,
        Labels::Numeric(v) => {
            let first = v.first().copied();
            let second = v.iter().copied().find(|x| Some(*x) != first);
            second.is_some_and(|s| v.iter().all(|x| Some(*x) == first || *x == s))
        }
    }
}

/// The canonical name of a label: numbers in Rust's shortest form (so `1.0`
/// and `+1` are the class `1`), text as it is.
pub fn label_name(text_or_number: &str) -> String {
    match text_or_number.parse::<f64>() {
        Ok(v) if v.is_finite() => v.to_string(),
        _ => text_or_number.to_string(),
    }
}

/// Each label's canonical class name.
pub fn label_names(labels: &Labels) -> Vec<String> {
    match labels {
        Labels::Numeric(v) => v.iter().map(|x| x.to_string()).collect(),
        Labels::Text { classes, codes, .. } => codes.iter().map(|&c| label_name(&classes[c as usize])).collect(),
    }
}
