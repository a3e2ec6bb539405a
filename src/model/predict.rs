//! Prediction, written once for every model kind: vectors, sequences and
//! graphs; exact machines, GPs, feature maps and Falkon.

use std::borrow::Cow;

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef};
use kern_kernels::{DataSet, Kernel, Par, Samples};
use kern_solvers::{SolverError, SvmModel};
use rayon::prelude::*;

use super::{ApproxMap, Estimator, LinearHead, Machine, Model};
use crate::error::{Error, Result};
use crate::io::Inputs;

/// Predicted values (regression, one-class ±1; a GP's mean and standard
/// deviation as two columns) or class names (with class probabilities when
/// the model has them).
#[derive(Clone, Debug, PartialEq)]
pub enum Prediction {
    /// One row per sample.
    Values(Mat<f64>),
    /// One name per sample, and the probabilities (columns in the model's class order).
    Classes(Vec<String>, Option<Mat<f64>>),
}

impl Prediction {
    /// Number of samples predicted.
    pub fn len(&self) -> usize {
        match self {
            Prediction::Values(v) => v.nrows(),
            Prediction::Classes(names, _) => names.len(),
        }
    }

    /// Whether nothing was predicted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The predictions of the samples `rows`.
    pub fn rows(&self, rows: std::ops::Range<usize>) -> Prediction {
        match self {
            Prediction::Values(v) => Prediction::Values(v.subrows(rows.start, rows.len()).to_owned()),
            Prediction::Classes(names, proba) => Prediction::Classes(
                names[rows.clone()].to_vec(),
                proba.as_ref().map(|p| p.subrows(rows.start, rows.len()).to_owned()),
            ),
        }
    }
}

/// Predictions are formed in blocks of rows that start at multiples of
/// this (Falkon's 256, feature maps' 512): rows predicted at the same
/// position modulo it, in a block of the same height, get the same bits.
pub const ROW_BLOCK: usize = 512;

impl Model {
    /// What the model predicts for `x` (samples of the kind it was trained
    /// on; vectors are scaled as the training data was).
    ///
    /// ```
    /// use kern::io::{Data, Inputs, Labels};
    /// use kern::model::Prediction;
    /// use kern::train::{FitSpec, Task, fit};
    /// use kern::{DataSet, DenseMatrix, Par};
    ///
    /// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0], vec![2.0]]).unwrap());
    /// let data = Data::new(Inputs::Vectors(x.clone()), Some(Labels::Numeric(vec![0.0, 1.0, 4.0])));
    /// let model = fit(&FitSpec::new(Task::Krr), data, Par::Seq)?.model;
    /// let Prediction::Values(y) = model.predict(&Inputs::Vectors(x), Par::Seq)? else { unreachable!() };
    /// assert_eq!(y.nrows(), 3);
    /// # Ok::<(), kern::Error>(())
    /// ```
    pub fn predict(&self, x: &Inputs, par: Par) -> Result<Prediction> {
        match (&self.estimator, x) {
            (Estimator::Sequences { machine, .. }, Inputs::Sequences(x)) => predict_machine(machine, x, par),
            (Estimator::Graphs(machine), Inputs::Graphs(x)) => {
                machine.kernel().check(x)?;
                predict_machine(machine, x, par)
            }
            (Estimator::Sequences { .. } | Estimator::Graphs(_), _) | (_, Inputs::Sequences(_) | Inputs::Graphs(_)) => {
                Err(self.wrong_samples(x))
            }
            (estimator, Inputs::Vectors(x)) => predict_estimator(estimator, &self.scaled(x), par),
        }
    }

    /// A GP regression's posterior mean and the standard deviation of a new
    /// observation (noise included), as two columns.
    pub fn predict_std(&self, x: &Inputs, par: Par) -> Result<Prediction> {
        let (mean, std) = match (&self.estimator, x) {
            (Estimator::Gp(m), Inputs::Vectors(x)) => {
                let p = m.predict(&self.scaled(x), par).map_err(SolverError::from)?;
                (p.mean, p.std_with_noise)
            }
            (Estimator::Sgpr(m), Inputs::Vectors(x)) => {
                let p = m.predict(&self.scaled(x), par);
                (p.mean, p.std_with_noise)
            }
            (Estimator::FeatureGp(m), Inputs::Vectors(x)) => {
                let p = m.predict(&self.scaled(x), par).map_err(SolverError::from)?;
                (p.mean, p.std_with_noise)
            }
            (Estimator::Sequences { machine: Machine::Gp(m), .. }, Inputs::Sequences(x)) => {
                let p = m.predict(x, par).map_err(SolverError::from)?;
                (p.mean, p.std_with_noise)
            }
            (Estimator::Graphs(Machine::Gp(m)), Inputs::Graphs(x)) => {
                m.kernel.check(x)?;
                let p = m.predict(x, par).map_err(SolverError::from)?;
                (p.mean, p.std_with_noise)
            }
            _ => return Err(Error::Usage("--std needs a GP regression model (fit with --task gp)".into())),
        };
        Ok(Prediction::Values(Mat::from_fn(mean.len(), 2, |i, c| if c == 0 { mean[i] } else { std[i] })))
    }

    /// `x` as the estimator sees it: scaled when the model scales.
    pub(super) fn scaled<'a>(&self, x: &'a DataSet) -> Cow<'a, DataSet> {
        match &self.input.scaling {
            Some(scaling) => Cow::Owned(scaling.apply(x)),
            None => Cow::Borrowed(x),
        }
    }

    fn wrong_samples(&self, x: &Inputs) -> Error {
        let takes = match &self.estimator {
            Estimator::Sequences { .. } => "sequences",
            Estimator::Graphs(_) => "graphs",
            _ => "vectors",
        };
        Error::Usage(format!("this model takes {takes}, not {}", x.kind().name()))
    }
}

/// What a model on vectors predicts for `x` (already scaled).
pub fn predict_estimator(estimator: &Estimator, x: &DataSet, par: Par) -> Result<Prediction> {
    Ok(match estimator {
        Estimator::KernelRidge(m) => Prediction::Values(m.predict(x, par)),
        Estimator::Gp(m) => {
            let mean = m.predict_mean(x, par);
            Prediction::Values(Mat::from_fn(x.n_samples(), 1, |i, _| mean[i]))
        }
        Estimator::Sgpr(m) => {
            let mean = m.predict_mean(x, par);
            Prediction::Values(Mat::from_fn(x.n_samples(), 1, |i, _| mean[i]))
        }
        Estimator::FeatureGp(m) => {
            let mean = m.predict(x, par).map_err(SolverError::from)?.mean;
            Prediction::Values(Mat::from_fn(x.n_samples(), 1, |i, _| mean[i]))
        }
        Estimator::Svm { model, classes } => svm_prediction(model, classes, x, par),
        Estimator::Approx { map, head, .. } => predict_approx(map, head, x, par)?,
        Estimator::Falkon { model, classes } => scores_prediction(model.predict(x, par), classes),
        // Probabilities always: beyond two classes the label needs them.
        Estimator::Gpc { model, classes } => {
            most_probable(model.predict_proba(x, par).map_err(SolverError::from)?, classes)
        }
        Estimator::FeatureGpc { model, classes } => {
            most_probable(model.predict_proba(x, par).map_err(SolverError::from)?, classes)
        }
        Estimator::Sequences { .. } | Estimator::Graphs(_) => {
            return Err(Error::Usage("this model takes sequences or graphs, not vectors".into()));
        }
    })
}

/// What a machine on samples of any kind predicts for `x`.
pub fn predict_machine<K: Kernel<S>, S: Samples>(machine: &Machine<K, S>, x: &S, par: Par) -> Result<Prediction> {
    Ok(match machine {
        Machine::Svm { model, classes } => svm_prediction(model, classes, x, par),
        Machine::KernelRidge(m) => Prediction::Values(m.predict(x, par)),
        Machine::Gp(m) => {
            let mean = m.predict_mean(x, par);
            Prediction::Values(Mat::from_fn(x.len(), 1, |i, _| mean[i]))
        }
        Machine::Gpc { model, classes } => {
            most_probable(model.predict_proba(x, par).map_err(SolverError::from)?, classes)
        }
    })
}

/// What an SVM predicts for `x`: class names (with probabilities when
/// fitted), or values (regression, one-class ±1).
pub fn svm_prediction<K: Kernel<S>, S: Samples>(
    model: &SvmModel<K, S>,
    classes: &[String],
    x: &S,
    par: Par,
) -> Prediction {
    if !model.kind.is_classifier() {
        let values = model.predict_values(x, par);
        return Prediction::Values(Mat::from_fn(x.len(), 1, |i, _| values[i]));
    }
    match model.predict_proba(x, par) {
        // With probabilities, the label is the most probable class (the first on ties).
        Some(proba) => most_probable(proba, classes),
        None => {
            Prediction::Classes(model.predict_classes(x, par).into_iter().map(|c| classes[c].clone()).collect(), None)
        }
    }
}

/// Each row's most probable class (the first on ties), with the probabilities.
pub fn most_probable(proba: Mat<f64>, classes: &[String]) -> Prediction {
    let labels = (0..proba.nrows())
        .map(|i| {
            let best = (0..classes.len()).fold(0, |b, c| if proba[(i, c)] > proba[(i, b)] { c } else { b });
            classes[best].clone()
        })
        .collect();
    Prediction::Classes(labels, Some(proba))
}

/// Least-squares classification targets: `+1` for the class and `−1` for
/// the rest, one column for two classes (class 1 positive), one per class
/// beyond; prediction reads scores of this coding back.
pub fn plus_minus_targets(n_classes: usize, codes: &[usize]) -> Mat<f64> {
    let columns = if n_classes == 2 { 1 } else { n_classes };
    let positive = |c: usize| if n_classes == 2 { 1 } else { c };
    Mat::from_fn(codes.len(), columns, |i, c| if codes[i] == positive(c) { 1.0 } else { -1.0 })
}

/// Scores of a least-squares model as values (regression, no classes) or
/// as the class of each row (see [`plus_minus_targets`]): the sign of the
/// one column, or the largest column (the first on ties).
fn scores_prediction(f: Mat<f64>, classes: &[String]) -> Prediction {
    if classes.is_empty() {
        return Prediction::Values(f);
    }
    let names = (0..f.nrows())
        .map(|i| {
            let c = if f.ncols() == 1 {
                usize::from(f[(i, 0)] > 0.0)
            } else {
                (0..f.ncols()).fold(0, |b, c| if f[(i, c)] > f[(i, b)] { c } else { b })
            };
            classes[c].clone()
        })
        .collect();
    Prediction::Classes(names, None)
}

/// Predictions of a linear model on approximate features.
fn predict_approx(map: &ApproxMap, head: &LinearHead, x: &DataSet, par: Par) -> Result<Prediction> {
    let phi = map.feature_map().transform(x, par).map_err(crate::train::approx_error)?;
    Ok(match head {
        LinearHead::Ridge { coef, n_targets, target_mean, .. } => {
            let mut f =
                times_by_blocks(phi.as_ref(), MatRef::from_column_major_slice(coef, phi.ncols(), *n_targets), par);
            kern_solvers::add_target_means(f.as_mut(), target_mean);
            Prediction::Values(f)
        }
        LinearHead::Svm { model, classes } => {
            Prediction::Classes(model.predict(phi.as_ref()).into_iter().map(|c| classes[c].clone()).collect(), None)
        }
        LinearHead::Svr { model } => {
            let f = model.predict(phi.as_ref());
            Prediction::Values(Mat::from_fn(f.len(), 1, |i, _| f[i]))
        }
        LinearHead::RidgeClassifier { coef, n_targets, classes, .. } => {
            let coef = MatRef::from_column_major_slice(coef, phi.ncols(), *n_targets);
            scores_prediction(times_by_blocks(phi.as_ref(), coef, par), classes)
        }
    })
}

/// `a b`, formed in blocks of [`ROW_BLOCK`] rows each multiplied alone: a
/// row's value never depends on the other rows or the thread count.
fn times_by_blocks(a: MatRef<'_, f64>, b: MatRef<'_, f64>, par: Par) -> Mat<f64> {
    let mut out = Mat::zeros(a.nrows(), b.ncols());
    let block = |k: usize| {
        let (start, rows) = (k * ROW_BLOCK, ROW_BLOCK.min(a.nrows() - k * ROW_BLOCK));
        let mut block = Mat::zeros(rows, b.ncols());
        matmul(block.as_mut(), Accum::Replace, a.subrows(start, rows), b, 1.0, Par::Seq);
        (start, block)
    };
    let count = a.nrows().div_ceil(ROW_BLOCK);
    let blocks: Vec<(usize, Mat<f64>)> = if kern_kernels::is_sequential(par) {
        (0..count).map(block).collect()
    } else {
        (0..count).into_par_iter().map(block).collect()
    };
    for (start, block) in blocks {
        out.as_mut().subrows_mut(start, block.nrows()).copy_from(&block);
    }
    out
}
