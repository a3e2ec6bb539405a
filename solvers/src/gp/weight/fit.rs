//! Fitting weight-space GPs: features drawn once at the starting kernel,
//! the hyperparameters by L-BFGS-B on the evidence from the GP's starts
//! (on a seeded sample of rows when asked), then the posterior on every
//! row with the map at the fitted kernel.

use std::borrow::Cow;

use faer::Par;
use kern_approx::ApproxMap;
use kern_kernels::{DataSet, VectorKernel};
use serde::{Deserialize, Serialize};

use super::basis::{Basis, FeatureKind, Features};
use super::evidence::{Evidence, evidence};
use super::laplace::{WeightMode, weight_gradient, weight_mode};
use crate::gp::classify::check_classes;
use crate::gp::fit::mean_and_scale;
use crate::gp::optimize::{Stop, best_start_to, log_bounds, random_starts};
use crate::gp::sparse::fit_subset;
use crate::gp::{GaussianProcess, GaussianProcessClassifier, GpError};
use crate::linalg::pack_lower;
use crate::linear::FeatureGp;

/// Which features a weight-space GP is fitted on, how many, and on how
/// many rows its hyperparameters are learnt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpace {
    /// Random Fourier or Nyström features.
    pub kind: FeatureKind,
    /// `M`, the number of features.
    pub components: usize,
    /// Learn the hyperparameters on a seeded sample of this many rows
    /// (each evaluation costs `O(n M²)`); the posterior uses every row. `None`: every row.
    pub fit_samples: Option<usize>,
}

/// GP regression on an approximate feature map, its hyperparameters
/// learnt by the evidence on those features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureGpModel {
    /// The covariance at the fitted hyperparameters.
    pub kernel: VectorKernel,
    /// The fitted noise variance σ² (of the normalised targets).
    pub noise: f64,
    /// The feature map at the fitted kernel.
    pub map: ApproxMap,
    /// The weights' posterior mean `(ΦᵀΦ + σ²I)⁻¹ Φᵀ y`.
    pub weights: Vec<f64>,
    /// The Cholesky factor of `ΦᵀΦ + σ²I`, packed ([`crate::linalg::pack_lower`]).
    pub factor: Vec<f64>,
    /// Targets are `y_mean + y_scale · (what the GP models)`.
    pub y_mean: f64,
    pub y_scale: f64,
    /// The evidence at the fit, on every row (of the normalised targets).
    pub log_marginal_likelihood: f64,
    /// Evidence evaluations spent on the fit.
    pub evaluations: usize,
}

/// Checks shared by both tasks.
fn check(space: &FeatureSpace, x: &DataSet, targets: usize) -> Result<(), GpError> {
    if targets != x.n_samples() {
        return Err(GpError::DimensionMismatch { what: "targets", expected: x.n_samples(), got: targets });
    }
    if space.components == 0 {
        return Err(GpError::InvalidParameter { name: "components", value: 0.0, reason: "need at least one feature" });
    }
    Ok(())
}

/// The log-parameters a fit moves: the indices of the free ones, their
/// bounds and the starts (the given values, then seeded restarts).
struct Search {
    free: Vec<usize>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    starts: Vec<Vec<f64>>,
}

impl Search {
    fn new(theta: &[f64], fit: &[bool], bounds: &[(f64, f64)], restarts: usize, seed: u64) -> Self {
        let free: Vec<usize> = (0..theta.len()).filter(|&i| fit.is_empty() || fit[i]).collect();
        let (lower, upper): (Vec<f64>, Vec<f64>) = free.iter().map(|&i| bounds[i]).unzip();
        let first =
            free.iter().map(|&i| theta[i].max(f64::MIN_POSITIVE).ln().clamp(bounds[i].0, bounds[i].1)).collect();
        let starts = random_starts(first, restarts, seed, &lower, &upper);
        Self { free, lower, upper, starts }
    }

    /// `theta` with the free values at `exp(v)`.
    fn at(&self, theta: &[f64], v: &[f64]) -> Vec<f64> {
        let mut t = theta.to_vec();
        self.free.iter().zip(v).for_each(|(&i, &vi)| t[i] = vi.exp());
        t
    }
}

impl FeatureGpModel {
    /// Fits GP regression of `y` at `x` on the features `space` asks for.
    ///
    /// ```
    /// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
    /// use kern_solvers::gp::{FeatureGpModel, FeatureKind, FeatureSpace, GaussianProcess};
    /// let rows: Vec<Vec<f64>> = (0..200).map(|i| vec![i as f64 / 20.0]).collect();
    /// let y: Vec<f64> = rows.iter().map(|r| r[0].sin()).collect();
    /// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    /// let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }) };
    /// let space = FeatureSpace { kind: FeatureKind::Fourier { orthogonal: false }, components: 100, fit_samples: None };
    /// let gp = FeatureGpModel::fit(&GaussianProcess::new(kernel, 0.1), &space, &x, &y, Par::Seq).unwrap();
    /// let fit = gp.predict(&x, Par::Seq).unwrap();
    /// let worst = fit.mean.iter().zip(&y).map(|(m, t)| (m - t).abs()).fold(0.0, f64::max);
    /// assert!(worst < 0.1, "{worst}");
    /// ```
    pub fn fit(gp: &GaussianProcess, space: &FeatureSpace, x: &DataSet, y: &[f64], par: Par) -> Result<Self, GpError> {
        gp.validate(x.n_features())?;
        check(space, x, y.len())?;
        if let Some(index) = y.iter().position(|v| !v.is_finite()) {
            return Err(GpError::NonFiniteTarget { index });
        }
        let (y_mean, y_scale) = if gp.normalize_y { mean_and_scale(y, None) } else { (0.0, 1.0) };
        let yn: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_scale).collect();
        let subset = fit_subset(x.n_samples(), space.fit_samples, gp.seed);
        let (xs, ys) = match &subset {
            Some(rows) => (Cow::Owned(x.select(rows)), Cow::Owned(rows.iter().map(|&i| yn[i]).collect())),
            None => (Cow::Borrowed(x), Cow::Borrowed(&yn[..])),
        };
        let basis = Basis::new(space.kind, &gp.kernel, &xs, space.components, gp.seed, par)?;
        let (theta, evaluations) = maximise_evidence(gp, &basis, &xs, &ys, par)?;
        let last = theta.len() - 1;
        let kernel = gp.kernel.with_hyperparameters(&theta[..last]);
        let noise = theta[last];
        let map = basis.map_at(&kernel, par)?;
        let phi = map.feature_map().transform(x, par)?;
        let log_marginal_likelihood = evidence(phi.as_ref(), &yn, noise, par)?.log_marginal_likelihood;
        let posterior = FeatureGp::fit(phi.as_ref(), &yn, noise, par)
            .map_err(|_| GpError::NotPositiveDefinite { jitter: noise, mean_diagonal: 1.0 })?;
        Ok(Self {
            kernel,
            noise,
            map,
            weights: posterior.weights,
            factor: pack_lower(&posterior.factor),
            y_mean,
            y_scale,
            log_marginal_likelihood,
            evaluations: evaluations + 1,
        })
    }

    /// The fitted covariance as a kernel expression, the noise as its `white(..)` term.
    pub fn expression(&self) -> kern_kernels::Expression {
        crate::gp::fitted_expression(&self.kernel, self.noise)
    }

    /// The fitted hyperparameters by name (kernel ones, then `noise`).
    pub fn hyperparameters(&self) -> Vec<(String, f64)> {
        crate::gp::named_hyperparameters(&self.kernel, self.noise)
    }
}

/// The hyperparameters (kernel's, then the noise) that maximise the
/// evidence on `basis`'s features of `xs`, from the GP's start and its
/// restarts; and the evaluations spent.
fn maximise_evidence(
    gp: &GaussianProcess,
    basis: &Basis,
    xs: &DataSet,
    ys: &[f64],
    par: Par,
) -> Result<(Vec<f64>, usize), GpError> {
    let mut theta: Vec<f64> = gp.kernel.hyperparameters().iter().map(|h| h.value).collect();
    theta.push(gp.noise);
    let last = theta.len() - 1;
    let search = Search::new(&theta, &gp.fit, &log_bounds(&gp.kernel, gp.bounds, true), gp.restarts, gp.seed);
    let mut evaluations = 0;
    if !search.free.is_empty() {
        let (search, start) = (&search, &theta);
        // A value-only call keeps its features and factor for a gradient
        // call at the same point (a line search's accepted step).
        let objective = || {
            let mut cache: Option<(Vec<f64>, Features, Evidence)> = None;
            move |v: &[f64], want_gradient: bool| {
                let t = search.at(start, v);
                let kernel = gp.kernel.with_hyperparameters(&t[..last]);
                let (features, e) = match cache.take() {
                    Some((point, features, e)) if point == v => (features, e),
                    _ => {
                        let features = basis.features(&kernel, xs, par).ok()?;
                        let e = evidence(features.phi.as_ref(), ys, t[last], par).ok()?;
                        (features, e)
                    }
                };
                let value = -e.log_marginal_likelihood;
                if !want_gradient {
                    cache = Some((v.to_vec(), features, e));
                    return Some((value, Vec::new()));
                }
                let (d_phi, d_log_noise) = e.gradient(features.phi.as_ref(), ys, par);
                let mut g = basis.chain(&kernel, xs, &features, &d_phi, par);
                g.push(d_log_noise);
                Some((value, search.free.iter().map(|&i| -g[i]).collect()))
            }
        };
        let (best, spent) =
            best_start_to(objective, &search.starts, &search.lower, &search.upper, gp.max_iter, Stop::BOUND)?;
        theta = search.at(start, &best.x);
        evaluations = spent;
    }
    Ok((theta, evaluations))
}

/// One latent function of a classifier on features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureLatent {
    /// The covariance at the fitted hyperparameters.
    pub kernel: VectorKernel,
    /// The feature map at the fitted kernel.
    pub map: ApproxMap,
    /// The weights' posterior mode `ŵ`: the latent mean is `φ(x)ᵀ ŵ`.
    pub weights: Vec<f64>,
    /// The Cholesky factor of `B = I + Φᵀ W Φ` at the mode, packed: the
    /// weights' covariance is `B⁻¹`.
    pub factor: Vec<f64>,
    /// The Laplace approximation of `log p(y | X, θ)`, on every row.
    pub log_marginal_likelihood: f64,
    /// Evaluations of it spent on the fit.
    pub evaluations: usize,
}

/// GP classification on an approximate feature map (the Laplace
/// approximation in weight space), over classes `0..n_classes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureGpcModel {
    /// Number of classes.
    pub n_classes: usize,
    /// Class 1 against class 0 for two classes; class `c` against the rest otherwise.
    pub latent: Vec<FeatureLatent>,
}

impl FeatureGpcModel {
    /// Fits a classifier to `classes` (each below `n_classes`) on the
    /// features `space` asks for, one set of hyperparameters per latent function.
    ///
    /// ```
    /// use kern_approx::Landmarks;
    /// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
    /// use kern_solvers::gp::{FeatureGpcModel, FeatureKind, FeatureSpace, GaussianProcessClassifier};
    /// let rows: Vec<Vec<f64>> = (0..80).map(|i| vec![i as f64 / 20.0]).collect();
    /// let classes: Vec<usize> = (0..80).map(|i| usize::from(i >= 40)).collect();
    /// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    /// let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 1.0 }) };
    /// let space = FeatureSpace { kind: FeatureKind::Nystroem { landmarks: Landmarks::Uniform }, components: 20, fit_samples: None };
    /// let model = FeatureGpcModel::fit(&GaussianProcessClassifier::new(kernel), &space, &x, &classes, 2, Par::Seq).unwrap();
    /// assert_eq!(model.predict(&x, Par::Seq).unwrap(), classes);
    /// ```
    pub fn fit(
        params: &GaussianProcessClassifier,
        space: &FeatureSpace,
        x: &DataSet,
        classes: &[usize],
        n_classes: usize,
        par: Par,
    ) -> Result<Self, GpError> {
        params.validate(x.n_features())?;
        check(space, x, classes.len())?;
        check_classes(classes, n_classes)?;
        let subset = fit_subset(x.n_samples(), space.fit_samples, params.seed);
        let xs = subset.as_ref().map_or(Cow::Borrowed(x), |rows| Cow::Owned(x.select(rows)));
        let basis = Basis::new(space.kind, &params.kernel, &xs, space.components, params.seed, par)?;
        let targets = |positive: usize, rows: Option<&Vec<usize>>| -> Vec<f64> {
            let sign = |c: usize| if c == positive { 1.0 } else { -1.0 };
            rows.map_or_else(
                || classes.iter().map(|&c| sign(c)).collect(),
                |r| r.iter().map(|&i| sign(classes[i])).collect(),
            )
        };
        let positives: Vec<usize> = if n_classes == 2 { vec![1] } else { (0..n_classes).collect() };
        let latent = positives
            .into_iter()
            .map(|c| {
                let sample = (xs.as_ref(), targets(c, subset.as_ref()));
                fit_latent(params, &basis, sample, (x, &targets(c, None)), par)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { n_classes, latent })
    }

    /// The summed approximate log marginal likelihood of the latent functions.
    pub fn log_marginal_likelihood(&self) -> f64 {
        self.latent.iter().map(|l| l.log_marginal_likelihood).sum()
    }
}

/// One binary latent function (targets ±1): hyperparameters on `sample`,
/// each evaluation warm-started from its start's last mode, then the mode
/// on every row of `all`.
fn fit_latent(
    params: &GaussianProcessClassifier,
    basis: &Basis,
    sample: (&DataSet, Vec<f64>),
    all: (&DataSet, &[f64]),
    par: Par,
) -> Result<FeatureLatent, GpError> {
    let mut theta: Vec<f64> = params.kernel.hyperparameters().iter().map(|h| h.value).collect();
    let bounds = log_bounds(&params.kernel, params.bounds, false);
    let search = Search::new(&theta, &params.fit, &bounds, params.restarts, params.seed);
    let mut evaluations = 0;
    if !search.free.is_empty() {
        let (search, start, (xs, ys)) = (&search, &theta, (sample.0, &sample.1[..]));
        // Each start warm-starts Newton from its last mode, and a
        // value-only call keeps its mode for a gradient call at the same point.
        let objective = || {
            let mut last: Option<(Vec<f64>, Features, WeightMode)> = None;
            move |v: &[f64], want_gradient: bool| {
                let kernel = params.kernel.with_hyperparameters(&search.at(start, v));
                let (features, mode) = match last.take() {
                    Some((point, features, mode)) if point == v => (features, mode),
                    previous => {
                        let warm = previous.map(|(_, _, mode)| mode.w);
                        let features = basis.features(&kernel, xs, par).ok()?;
                        let mode = weight_mode(features.phi.as_ref(), ys, warm.as_deref(), par).ok()?;
                        (features, mode)
                    }
                };
                let mut gradient = Vec::new();
                if want_gradient {
                    let g = weight_gradient(features.phi.as_ref(), ys, &mode, par);
                    let chained = basis.chain(&kernel, xs, &features, &g, par);
                    gradient = search.free.iter().map(|&i| -chained[i]).collect();
                }
                let value = -mode.log_marginal_likelihood;
                last = Some((v.to_vec(), features, mode));
                Some((value, gradient))
            }
        };
        let (best, spent) =
            best_start_to(objective, &search.starts, &search.lower, &search.upper, params.max_iter, Stop::BOUND)?;
        theta = search.at(start, &best.x);
        evaluations = spent;
    }
    let kernel = params.kernel.with_hyperparameters(&theta);
    let map = basis.map_at(&kernel, par)?;
    let phi = map.feature_map().transform(all.0, par)?;
    let mode = weight_mode(phi.as_ref(), all.1, None, par)?;
    Ok(FeatureLatent {
        kernel,
        map,
        weights: mode.w,
        factor: pack_lower(&mode.l_b),
        log_marginal_likelihood: mode.log_marginal_likelihood,
        evaluations: evaluations + 1,
    })
}
