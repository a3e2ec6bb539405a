//! GP classification by the Laplace approximation (Rasmussen & Williams
//! 2006, ch. 3 and 5.5): a latent GP squashed by the logistic function, its
//! kernel hyperparameters fitted by maximising the approximate marginal
//! likelihood. Two classes take one latent function; more take one per
//! class against the rest, with probabilities normalised (as scikit-learn's
//! `GaussianProcessClassifier` does).

mod laplace;
mod predict;

pub(crate) use laplace::{MAX_NEWTON, log_sigmoid, mode, sigmoid};
pub use predict::expected_sigmoid;
pub(crate) use predict::{class_probabilities, latent_mean, latent_moments, most_probable};

use faer::Par;
use kern_kernels::{DataSet, VectorKernel};
use serde::{Deserialize, Serialize};

use super::GpError;
use super::optimize::{Stop, best_start_to, check_relative_decrease, log_bounds, random_starts};
use laplace::laplace;

/// GP classification's kernel and how to fit it.
///
/// ```
/// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
/// use kern_solvers::gp::{GaussianProcessClassifier, GpcModel};
/// let rows: Vec<Vec<f64>> = (0..40).map(|i| vec![i as f64 / 10.0]).collect();
/// let classes: Vec<usize> = (0..40).map(|i| usize::from(i >= 20)).collect();
/// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
/// let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 1.0 }) };
/// let model = GpcModel::fit(&GaussianProcessClassifier::new(kernel), x.clone(), &classes, 2, Par::Seq).unwrap();
/// assert_eq!(model.predict(&x, Par::Seq).unwrap(), classes);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GaussianProcessClassifier {
    /// The latent covariance (typically `Scaled { amplitude, base }`); its
    /// hyperparameters are the starting point of the fit.
    pub kernel: VectorKernel,
    /// Which kernel hyperparameters to fit ([`VectorKernel::hyperparameters`]). Empty: all.
    pub fit: Vec<bool>,
    /// Random restarts after the first start.
    pub restarts: usize,
    /// Seed of the restarts' start points.
    pub seed: u64,
    /// Bounds of every fitted hyperparameter.
    pub bounds: (f64, f64),
    /// L-BFGS-B iterations per start.
    pub max_iter: usize,
    /// The exact fit's search stops when a step gains less than this
    /// fraction of the log marginal likelihood: scipy's `factr · ε` (about
    /// 2.2e-9) by default. On nearly separable classes the likelihood keeps
    /// rising with the amplitude by ever smaller steps, so a larger value
    /// (1e-5) ends searches that scipy's would carry on for hundreds of
    /// evaluations. A fit on features stops at 1e-5 whatever this says.
    pub relative_decrease: f64,
}

impl GaussianProcessClassifier {
    /// Every hyperparameter of `kernel` fitted, five restarts.
    pub fn new(kernel: VectorKernel) -> Self {
        Self {
            kernel,
            fit: Vec::new(),
            restarts: 5,
            seed: 0,
            bounds: (1e-5, 1e5),
            max_iter: 200,
            relative_decrease: Stop::DEFAULT.relative_decrease,
        }
    }

    /// Checks every parameter for data with `n_features` features.
    pub fn validate(&self, n_features: usize) -> Result<(), GpError> {
        self.kernel.validate(n_features)?;
        let (lo, hi) = self.bounds;
        if !(lo > 0.0 && hi > lo && hi.is_finite()) {
            return Err(GpError::InvalidParameter {
                name: "bounds", value: lo, reason: "need 0 < lower < upper < ∞"
            });
        }
        check_relative_decrease(self.relative_decrease)?;
        let expected = self.kernel.n_hyperparameters();
        if !self.fit.is_empty() && self.fit.len() != expected {
            return Err(GpError::DimensionMismatch { what: "fit flags", expected, got: self.fit.len() });
        }
        Ok(())
    }
}

/// One latent function: a class against the others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatentGp {
    /// The covariance at the fitted hyperparameters.
    pub kernel: VectorKernel,
    /// `∇ log p(y | f̂)` at the mode: the latent mean is `K(x, X)` times this.
    pub a: Vec<f64>,
    /// `√W` at the mode, for predictive variances.
    pub sqrt_w: Vec<f64>,
    /// The Laplace approximation of `log p(y | X, θ)`.
    pub log_marginal_likelihood: f64,
    /// Evaluations of it spent on the fit.
    pub evaluations: usize,
}

/// A fitted GP classifier over classes `0..n_classes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpcModel {
    /// The training samples.
    pub train: DataSet,
    /// Number of classes.
    pub n_classes: usize,
    /// Class 1 against class 0 for two classes; class `c` against the rest otherwise.
    pub latent: Vec<LatentGp>,
}

impl GpcModel {
    /// Fits a classifier to `classes` (each below `n_classes`, at least two present).
    pub fn fit(
        params: &GaussianProcessClassifier,
        x: DataSet,
        classes: &[usize],
        n_classes: usize,
        par: Par,
    ) -> Result<Self, GpError> {
        params.validate(x.n_features())?;
        if classes.len() != x.n_samples() {
            return Err(GpError::DimensionMismatch { what: "labels", expected: x.n_samples(), got: classes.len() });
        }
        check_classes(classes, n_classes)?;
        let targets =
            |positive: usize| -> Vec<f64> { classes.iter().map(|&c| if c == positive { 1.0 } else { -1.0 }).collect() };
        let latent = if n_classes == 2 {
            vec![fit_latent(params, &x, &targets(1), par)?]
        } else {
            (0..n_classes).map(|c| fit_latent(params, &x, &targets(c), par)).collect::<Result<_, _>>()?
        };
        Ok(Self { train: x, n_classes, latent })
    }

    /// The summed approximate log marginal likelihood of the latent functions.
    pub fn log_marginal_likelihood(&self) -> f64 {
        self.latent.iter().map(|l| l.log_marginal_likelihood).sum()
    }
}

/// Checks class codes: at least two classes, every code below their number.
pub(crate) fn check_classes(classes: &[usize], n_classes: usize) -> Result<(), GpError> {
    if n_classes < 2 || classes.iter().any(|&c| c >= n_classes) {
        let reason = "need at least two classes, every label below their number";
        return Err(GpError::InvalidParameter { name: "classes", value: n_classes as f64, reason });
    }
    Ok(())
}

/// One binary latent GP (targets ±1): hyperparameters from several starts,
/// each evaluation warm-started from the previous mode of its start.
fn fit_latent(params: &GaussianProcessClassifier, x: &DataSet, y: &[f64], par: Par) -> Result<LatentGp, GpError> {
    let mut theta: Vec<f64> = params.kernel.hyperparameters().iter().map(|h| h.value).collect();
    let fit = if params.fit.is_empty() { vec![true; theta.len()] } else { params.fit.clone() };
    let free: Vec<usize> = (0..theta.len()).filter(|&i| fit[i]).collect();
    let mut evaluations = 0;
    if !free.is_empty() {
        let bounds = log_bounds(&params.kernel, params.bounds, false);
        let (lower, upper): (Vec<f64>, Vec<f64>) = free.iter().map(|&i| bounds[i]).unzip();
        let at = |z: &[f64]| {
            let mut t = theta.clone();
            for (&i, &zi) in free.iter().zip(z) {
                t[i] = zi.exp();
            }
            params.kernel.with_hyperparameters(&t)
        };
        let (at, free) = (&at, &free);
        let objective = || {
            let mut warm: Option<Vec<f64>> = None;
            // A line search's value-only trials skip the gradient's inverse;
            // the point it keeps is then solved again, warm, with it.
            move |z: &[f64], want_gradient: bool| {
                let l = laplace(&at(z), x, y, warm.as_deref(), want_gradient, par).ok()?;
                let gradient =
                    l.gradient.iter().enumerate().filter(|(i, _)| free.contains(i)).map(|(_, g)| -g).collect();
                warm = Some(l.a);
                Some((-l.log_marginal_likelihood, gradient))
            }
        };
        let first: Vec<f64> = free.iter().map(|&i| theta[i].ln().clamp(bounds[i].0, bounds[i].1)).collect();
        let starts = random_starts(first, params.restarts, params.seed, &lower, &upper);
        let stop = Stop::relative(params.relative_decrease);
        let (best, spent) = best_start_to(objective, &starts, &lower, &upper, params.max_iter, stop)?;
        evaluations = spent;
        for (&i, &zi) in free.iter().zip(&best.x) {
            theta[i] = zi.exp();
        }
    }
    let kernel = params.kernel.with_hyperparameters(&theta);
    let l = laplace(&kernel, x, y, None, false, par)?;
    Ok(LatentGp {
        kernel,
        a: l.a,
        sqrt_w: l.sqrt_w,
        log_marginal_likelihood: l.log_marginal_likelihood,
        evaluations: evaluations + 1,
    })
}
