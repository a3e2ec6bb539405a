//! `--auto` for GP regression. The hyperparameters are the marginal
//! likelihood's, searched from the median-heuristic start: the optimiser
//! accepts only steps that raise the evidence, so the fit never ends below
//! its start's. Beside it, on the same samples, the exact leave-one-out R²
//! of the fitted covariance, of the start's and of a linear baseline
//! (Smola's rule), as kernel ridge reports them: a GP's posterior mean is
//! kernel ridge with α = σ², so its leave-one-out residuals are ridge's.

use faer::Mat;
use kern_kernels::{DataSet, Par, VectorKernel};
use serde_json::json;

use super::baseline::paired_difference;
use super::ridge::{GAMMA_SEARCH_MAX, Loo, ScoredBy, leave_one_out, linear_loo, report_linear_baseline};
use super::robust::report_residual_tails;
use super::search::sample_rows;
use super::{Choices, Weighed};
use crate::error::Result;
use crate::model::Estimator;
use crate::select::mean_and_std;
use crate::train::{Alpha, FitSpec, Notices};

/// Samples a sparse GP's leave-one-out check scores.
const SPARSE_CHECK_MAX: usize = 1_000;

/// What the check needs, taken before the fit: a seeded subsample of the
/// scaled samples (leave-one-out costs one n³ eigendecomposition per
/// covariance), their targets and weights, and the GP's start.
pub(super) struct Check {
    x: DataSet,
    y: Vec<f64>,
    weights: Option<Vec<f64>>,
    /// The start's covariance and noise variance (of normalised targets).
    start: (VectorKernel, f64),
    /// Samples the GP is fitted on.
    n: usize,
}

/// What the check found: whether the linear model is to be kept.
pub(super) struct Verdict {
    pub keep_linear: bool,
}

impl Check {
    /// The check of the GP `spec` fits to `data` at the scaled samples `x`
    /// (a sparse GP when `sparse`).
    pub(super) fn new(spec: &FitSpec, x: &DataSet, data: Weighed<'_, [f64]>, sparse: bool) -> Result<Self> {
        let start = spec.gp_start(x.n_features())?;
        // Leave-one-out holds about three m × m matrices: within --max-memory.
        // A sparse GP is checked on fewer: each of its three n³ decompositions
        // would cost about what its whole fit does.
        let within_cap = ((spec.memory_cap() / 24) as f64).sqrt() as usize;
        let most = if sparse { SPARSE_CHECK_MAX } else { GAMMA_SEARCH_MAX };
        let rows = sample_rows(x.n_samples(), most.min(within_cap).max(2), spec.seed);
        let pick = |v: &[f64]| -> Vec<f64> {
            match &rows {
                Some(rows) => rows.iter().map(|&i| v[i]).collect(),
                None => v.to_vec(),
            }
        };
        let xs = match &rows {
            Some(rows) => x.select(rows),
            None => x.clone(),
        };
        let (y, weights) = (pick(data.targets), data.weights.map(pick));
        Ok(Self { x: xs, y, weights, start, n: x.n_samples() })
    }

    /// Scores the fitted GP `estimator`, its start and the linear baseline
    /// by leave-one-out on the check's samples, and reports them; the
    /// linear model is kept when `prefer_simple` and it is as good within
    /// noise. Estimators other than GP regression's pass unchecked, and a
    /// check that fails is reported, never failing the fit it checks.
    pub(super) fn report(
        &self,
        estimator: &Estimator,
        prefer_simple: bool,
        par: Par,
        notices: &Notices,
        choices: &mut Choices,
    ) -> Verdict {
        let (kernel, noise, y_mean, y_scale) = match estimator {
            Estimator::Gp(m) => (&m.kernel, m.noise, m.y_mean, m.y_scale),
            Estimator::Sgpr(m) => (&m.kernel, m.noise, m.y_mean, m.y_scale),
            _ => return Verdict { keep_linear: false },
        };
        match self.measure(kernel, noise, (y_mean, y_scale), par) {
            Ok(measured) => self.say(&measured, prefer_simple, notices, choices),
            Err(e) => {
                choices.said.push(format!("no leave-one-out check of the GP: {e}"));
                Verdict { keep_linear: false }
            }
        }
    }

    /// Leave-one-out of the fitted covariance (α = σ²), of the start's and
    /// of the linear baseline, on the targets normalised as the GP's.
    fn measure(&self, kernel: &VectorKernel, noise: f64, (y_mean, y_scale): (f64, f64), par: Par) -> Result<Measured> {
        let y = Mat::from_fn(self.y.len(), 1, |i, _| (self.y[i] - y_mean) / y_scale);
        let w = self.weights.as_deref();
        let loo = |k: &VectorKernel, alpha| leave_one_out(k, alpha, &self.x, &y, w, par);
        let fitted = loo(kernel, Alpha::Value(noise))?;
        let start = loo(&self.start.0, Alpha::Value(self.start.1))?;
        let linear = linear_loo(&self.x, &y, Alpha::Auto, w, par)?;
        let (_, sd) = mean_and_std(y.col_as_slice(0));
        Ok(Measured { fitted, start, linear, sd })
    }

    /// The report of what [`Check::measure`] found.
    fn say(&self, measured: &Measured, prefer_simple: bool, notices: &Notices, choices: &mut Choices) -> Verdict {
        let Measured { fitted, start, linear, sd } = measured;
        let r2 = |mse: f64| if *sd > 0.0 { 1.0 - mse / (sd * sd) } else { 0.0 };
        let m = self.x.n_samples();
        let on =
            if m < self.n { format!("a random {m} of the {} samples", self.n) } else { format!("the {m} samples") };
        choices.note(
            "loo_r2",
            json!(r2(fitted.mse)),
            format!(
                "R² by exact leave-one-out on {on} at the fitted hyperparameters {:.4} (at the start {:.4})",
                r2(fitted.mse),
                r2(start.mse)
            ),
        );
        choices.json.insert("start_loo_r2".into(), json!(r2(start.mse)));
        choices.json.insert("loo_samples".into(), json!(m));
        let then = " this GP's Gaussian noise model assumes away; kernel ridge under --auto (--task krr) fits Huber's loss then";
        report_residual_tails(&fitted.residuals, "leave-one-out", then, choices);
        let (worse, noise_sd) = paired_difference(&start.squared, &fitted.squared);
        if worse > noise_sd {
            notices.push(format!(
                "kern fit --auto: warning: the GP's start predicts left-out samples better than the hyperparameters of \
                 the highest marginal likelihood (leave-one-out R² {:.4} against {:.4}); the fitted GP is kept: \
                 give --gamma or a kernel expression to hold the width",
                r2(start.mse),
                r2(fitted.mse)
            ));
        }
        let keep_linear =
            report_linear_baseline(fitted, linear, r2, ("GP's", ScoredBy::LeaveOneOut), prefer_simple, choices);
        Verdict { keep_linear }
    }
}

/// What leave-one-out measured: the fitted GP, its start, the linear
/// baseline, and the standard deviation of the targets they predicted.
struct Measured {
    fitted: Loo,
    start: Loo,
    linear: Loo,
    sd: f64,
}
