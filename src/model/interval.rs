//! Prediction intervals for every regressor: a GP's Gaussian ones, exact
//! kernel ridge's jackknife+ from its leave-one-out fits (no calibration
//! data needed), and split-conformal ones from the absolute residuals on a
//! share of the training data held out at fit time (`kern fit --conformal`).

use faer::Mat;
use kern_kernels::Par;
use kern_solvers::gp::GpPrediction;
use kern_solvers::{PredictionIntervals, SolverError, upper_rank};
use serde::{Deserialize, Serialize};

use super::{Estimator, Machine, Model, Prediction};
use crate::error::{Error, Result};
use crate::io::Inputs;

/// Split-conformal calibration: the absolute residuals of the fitted model
/// on a held-out share of the training data, in ascending order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// `|y − ŷ|` on the calibration samples, ascending.
    pub residuals: Vec<f64>,
    /// The share of the training data held out (the model is fitted on the rest).
    pub share: f64,
    /// The seed of the split.
    pub seed: u64,
}

impl Calibration {
    /// From the residuals in any order.
    pub fn new(mut residuals: Vec<f64>, share: f64, seed: u64) -> Self {
        residuals.iter_mut().for_each(|r| *r = r.abs());
        residuals.sort_by(f64::total_cmp);
        Self { residuals, share, seed }
    }

    /// The half width of an interval at `level`: the `⌈level (n+1)⌉`-th
    /// smallest residual, infinite when that rank exceeds `n` (too few
    /// calibration samples for the level).
    ///
    /// ```
    /// use kern::model::Calibration;
    /// let c = Calibration::new((1..=19).map(f64::from).collect(), 0.2, 0);
    /// assert_eq!(c.half_width(0.9), 18.0);
    /// assert_eq!(c.half_width(0.99), f64::INFINITY);
    /// ```
    pub fn half_width(&self, level: f64) -> f64 {
        upper_rank(1.0 - level, self.residuals.len()).map_or(f64::INFINITY, |k| self.residuals[k - 1])
    }
}

/// Predictions with the bounds of their intervals (`n × n_targets` each),
/// and the method that made them.
#[derive(Clone, Debug, PartialEq)]
pub struct Intervals {
    pub prediction: Mat<f64>,
    pub lower: Mat<f64>,
    pub upper: Mat<f64>,
    /// `gaussian`, `jackknife+` or `split-conformal`.
    pub method: &'static str,
}

impl Intervals {
    /// One row per sample: prediction, lower, upper, for each target in turn.
    pub fn columns(&self) -> Prediction {
        let t = self.prediction.ncols();
        Prediction::Values(Mat::from_fn(self.prediction.nrows(), 3 * t, |i, c| {
            [&self.prediction, &self.lower, &self.upper][c % 3][(i, c / 3)]
        }))
    }

    /// The intervals of the samples `rows`.
    pub fn rows(&self, rows: std::ops::Range<usize>) -> Self {
        let take = |m: &Mat<f64>| m.subrows(rows.start, rows.len()).to_owned();
        Intervals {
            prediction: take(&self.prediction),
            lower: take(&self.lower),
            upper: take(&self.upper),
            method: self.method,
        }
    }

    /// The mean width of the first target's intervals (infinite when a
    /// calibration too small for the level leaves them unbounded).
    pub fn mean_width(&self) -> f64 {
        let n = self.lower.nrows().max(1) as f64;
        (0..self.lower.nrows()).map(|i| self.upper[(i, 0)] - self.lower[(i, 0)]).sum::<f64>() / n
    }

    /// The share of `y` (the first target's) inside its interval.
    pub fn coverage(&self, y: &[f64]) -> f64 {
        let inside = y.iter().enumerate().filter(|&(i, v)| self.lower[(i, 0)] <= *v && *v <= self.upper[(i, 0)]);
        inside.count() as f64 / y.len().max(1) as f64
    }

    fn gaussian(p: GpPrediction, level: f64) -> Self {
        let bounds = p.interval(level);
        let column = |v: Vec<f64>| Mat::from_fn(v.len(), 1, |i, _| v[i]);
        Intervals {
            lower: column(bounds.iter().map(|b| b.0).collect()),
            upper: column(bounds.iter().map(|b| b.1).collect()),
            prediction: column(p.mean),
            method: "gaussian",
        }
    }

    fn jackknife(p: PredictionIntervals) -> Self {
        Intervals { prediction: p.prediction, lower: p.lower, upper: p.upper, method: "jackknife+" }
    }
}

impl Model {
    /// Predictions at `x` with intervals meant to hold a new target with
    /// probability `level`: split-conformal when the model was calibrated,
    /// else a GP's Gaussian intervals or exact kernel ridge's jackknife+.
    ///
    /// ```
    /// use kern::io::{Data, Inputs, Labels};
    /// use kern::train::{FitSpec, Task, fit};
    /// use kern::{DataSet, DenseMatrix, Par};
    ///
    /// let rows: Vec<Vec<f64>> = (0..60).map(|i| vec![i as f64 / 10.0]).collect();
    /// let y: Vec<f64> = (0..60).map(|i| (i as f64 / 10.0).sin() + 0.1 * ((i * 7 % 5) as f64 - 2.0)).collect();
    /// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    /// let model = fit(&FitSpec::new(Task::Krr), Data::new(Inputs::Vectors(x.clone()), Some(Labels::Numeric(y.clone()))), Par::Seq)?.model;
    /// let intervals = model.predict_interval(&Inputs::Vectors(x), 0.9, Par::Seq)?;
    /// assert_eq!(intervals.method, "jackknife+");
    /// assert!(intervals.coverage(&y) > 0.8);
    /// # Ok::<(), kern::Error>(())
    /// ```
    pub fn predict_interval(&self, x: &Inputs, level: f64, par: Par) -> Result<Intervals> {
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::Usage(format!("--interval {level}: the level must lie strictly between 0 and 1")));
        }
        if let Some(c) = &self.calibration {
            let Prediction::Values(v) = self.predict(x, par)? else {
                return Err(Error::Usage("a calibrated model predicts values".into()));
            };
            let h = c.half_width(level);
            let (lower, upper) = (
                Mat::from_fn(v.nrows(), v.ncols(), |i, t| v[(i, t)] - h),
                Mat::from_fn(v.nrows(), v.ncols(), |i, t| v[(i, t)] + h),
            );
            return Ok(Intervals { prediction: v, lower, upper, method: "split-conformal" });
        }
        let solver = |e: SolverError| Error::from(e);
        Ok(match (&self.estimator, x) {
            (Estimator::Gp(m), Inputs::Vectors(x)) => {
                Intervals::gaussian(m.predict(&self.scaled(x), par).map_err(SolverError::from)?, level)
            }
            (Estimator::Sgpr(m), Inputs::Vectors(x)) => Intervals::gaussian(m.predict(&self.scaled(x), par), level),
            (Estimator::FeatureGp(m), Inputs::Vectors(x)) => {
                Intervals::gaussian(m.predict(&self.scaled(x), par).map_err(SolverError::from)?, level)
            }
            (Estimator::Sequences { machine: Machine::Gp(m), .. }, Inputs::Sequences(x)) => {
                Intervals::gaussian(m.predict(x, par).map_err(SolverError::from)?, level)
            }
            (Estimator::Graphs(Machine::Gp(m)), Inputs::Graphs(x)) => {
                m.kernel.check(x)?;
                Intervals::gaussian(m.predict(x, par).map_err(SolverError::from)?, level)
            }
            (Estimator::KernelRidge(m), Inputs::Vectors(x)) => {
                Intervals::jackknife(m.jackknife_plus(&self.scaled(x), level, par).map_err(solver)?)
            }
            (Estimator::Sequences { machine: Machine::KernelRidge(m), .. }, Inputs::Sequences(x)) => {
                Intervals::jackknife(m.jackknife_plus(x, level, par).map_err(solver)?)
            }
            (Estimator::Graphs(Machine::KernelRidge(m)), Inputs::Graphs(x)) => {
                m.kernel.check(x)?;
                Intervals::jackknife(m.jackknife_plus(x, level, par).map_err(solver)?)
            }
            _ if matches!(self.task(), "svr" | "nusvr" | "krr") => {
                return Err(Error::Usage(format!(
                    "this {} model has no calibration for intervals: fit it with --conformal SHARE (split-conformal on a held-out share)",
                    self.task()
                )));
            }
            _ => {
                return Err(Error::Usage(format!(
                    "--interval is for regressors (svr, nusvr, krr, gp); this is a {} model",
                    self.task()
                )));
            }
        })
    }
}
