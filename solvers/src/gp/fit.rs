//! Fitting GP regression: hyperparameters from several starts, then the
//! posterior weights at the best.

use faer::Par;
use kern_kernels::{DataSet, VectorKernel};
use serde::{Deserialize, Serialize};

use super::lml::{Factored, Noise, ProfiledAmplitude, evaluate};
use super::optimize::{Stop, best_start_to, log_bounds, minimize_box_to, random_starts};
use super::{GaussianProcess, GpError};

/// A fitted GP regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GpModel {
    /// The covariance at the fitted hyperparameters.
    pub kernel: VectorKernel,
    /// The fitted noise variance σ² (of the normalised targets).
    pub noise: f64,
    /// The training samples.
    pub train: DataSet,
    /// `(K + σ² I)⁻¹ y` for the normalised targets.
    pub alpha: Vec<f64>,
    /// Targets are `y_mean + y_scale · (what the GP models)`.
    pub y_mean: f64,
    pub y_scale: f64,
    /// The log marginal likelihood of the targets the GP models (normalised
    /// ones with `normalize_y`, as scikit-learn reports it).
    pub log_marginal_likelihood: f64,
    /// Diagonal jitter the factorisation needed at the fitted hyperparameters.
    pub jitter: f64,
    /// Log-marginal-likelihood evaluations spent on the fit.
    pub evaluations: usize,
    /// Sample weights: sample `i`'s noise variance is `noise / weights[i]`.
    /// Empty: every weight 1. Format 3 on.
    #[serde(default)]
    pub weights: Vec<f64>,
}

impl GpModel {
    /// Fits a GP to targets `y` at samples `x`.
    ///
    /// ```
    /// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
    /// use kern_solvers::gp::{GaussianProcess, GpModel};
    /// let rows: Vec<Vec<f64>> = (0..20).map(|i| vec![i as f64 / 4.0]).collect();
    /// let y: Vec<f64> = rows.iter().map(|r| r[0].sin()).collect();
    /// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    /// let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }) };
    /// let gp = GpModel::fit(&GaussianProcess::new(kernel, 0.1), x, &y, Par::Seq).unwrap();
    /// assert!(gp.noise < 0.01); // a sine has no noise
    /// ```
    pub fn fit(params: &GaussianProcess, x: DataSet, y: &[f64], par: Par) -> Result<Self, GpError> {
        Self::fit_weighted(params, x, y, None, par)
    }

    /// [`GpModel::fit`] with sample weights: sample `i`'s noise variance is
    /// `σ²/w_i`, so an integer weight counts as that many observations of
    /// the same target (scikit-learn's per-sample `alpha`). Weights must be
    /// positive and finite (leave samples of weight zero out before).
    ///
    /// ```
    /// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
    /// use kern_solvers::gp::{GaussianProcess, GpModel};
    /// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![0.0], vec![3.0]]).unwrap());
    /// let mut params = GaussianProcess::new(VectorKernel::Rbf { gamma: 0.5 }, 0.5);
    /// params.fit = vec![false, false];
    /// // Weight 2 on one copy of the sample at 0 weighs it as both copies.
    /// let twice = GpModel::fit_weighted(&params, x.select(&[0, 2]), &[1.0, -1.0], Some(&[2.0, 1.0]), Par::Seq).unwrap();
    /// let copies = GpModel::fit(&params, x, &[1.0, 1.0, -1.0], Par::Seq).unwrap();
    /// assert!((twice.log_marginal_likelihood - copies.log_marginal_likelihood).abs() > 0.0); // different data sizes
    /// let at = DataSet::from(DenseMatrix::from_rows(&[vec![1.0]]).unwrap());
    /// assert!((twice.predict_mean(&at, Par::Seq)[0] - copies.predict_mean(&at, Par::Seq)[0]).abs() < 1e-12);
    /// ```
    pub fn fit_weighted(
        params: &GaussianProcess,
        x: DataSet,
        y: &[f64],
        weights: Option<&[f64]>,
        par: Par,
    ) -> Result<Self, GpError> {
        params.validate(x.n_features())?;
        let n = x.n_samples();
        if y.len() != n {
            return Err(GpError::DimensionMismatch { what: "targets", expected: n, got: y.len() });
        }
        if let Some(w) = weights {
            crate::weights::check_gp_weights(w, n)?;
        }
        if let Some(index) = y.iter().position(|v| !v.is_finite()) {
            return Err(GpError::NonFiniteTarget { index });
        }
        let (y_mean, y_scale) = if params.normalize_y { mean_and_scale(y, weights) } else { (0.0, 1.0) };
        let yn: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_scale).collect();

        // θ = (kernel hyperparameters, noise); the fitted ones move in log space.
        let mut theta: Vec<f64> = params.kernel.hyperparameters().iter().map(|h| h.value).collect();
        theta.push(params.noise);
        let fit: Vec<bool> = if params.fit.is_empty() { vec![true; theta.len()] } else { params.fit.clone() };
        let free: Vec<usize> = (0..theta.len()).filter(|&i| fit[i]).collect();
        let bounds = log_bounds(&params.kernel, params.bounds, true);
        let (lower, upper): (Vec<f64>, Vec<f64>) = free.iter().map(|&i| bounds[i]).unzip();
        let clamped = |theta: &[f64]| -> Vec<f64> {
            free.iter().map(|&i| theta[i].max(f64::MIN_POSITIVE).ln().clamp(bounds[i].0, bounds[i].1)).collect()
        };
        let mut evaluations = 0;
        if !free.is_empty() {
            let mut starts = random_starts(clamped(&theta), params.restarts, params.seed, &lower, &upper);
            let last = theta.len() - 1;
            if let (VectorKernel::Scaled { kernel: base, .. }, true, true) = (&params.kernel, fit[0], fit[last]) {
                // Amplitude × base + noise: the amplitude has a closed form
                // given the rest, so the starts search one dimension fewer.
                let problem = Problem { x: &x, y: &yn, weights };
                let (best, spent) = fit_profiled(base, &theta, &free, &starts, &bounds, problem, params, par)?;
                evaluations += spent;
                theta = best;
                // A last run over every parameter from there, within the
                // bounds as given (it stops at once when nothing moves).
                starts = vec![clamped(&theta)];
            }
            let at = |z: &[f64]| {
                let mut t = theta.clone();
                for (&i, &zi) in free.iter().zip(z) {
                    t[i] = zi.exp();
                }
                t
            };
            let point = |z: &[f64]| {
                let t = at(z);
                (params.kernel.with_hyperparameters(&t[..last]), t[last])
            };
            let select = |g: &[f64]| free.iter().map(|&i| g[i]).collect();
            let problem = Problem { x: &x, y: &yn, weights };
            let objective = || cached_objective(&point, &select, problem, None, par);
            let stop = Stop::relative(params.relative_decrease);
            let (mut best, spent) = best_start_to(objective, &starts, &lower, &upper, params.max_iter, stop)?;
            evaluations += spent;
            // The default tolerances (scipy's) stop ~1e-8 short of the
            // optimum; a few more steps from the best point close the gap.
            let polish = params.relative_decrease <= Stop::DEFAULT.relative_decrease;
            if polish
                && let Some(polished) =
                    minimize_box_to(objective(), &best.x, &lower, &upper, params.max_iter, Stop::POLISH)
                && polished.f <= best.f
            {
                evaluations += polished.evaluations;
                best = polished;
            }
            theta = at(&best.x);
        }
        let kernel = params.kernel.with_hyperparameters(&theta[..theta.len() - 1]);
        let noise = theta[theta.len() - 1];
        let (e, alpha, _) = evaluate(&kernel, Noise { variance: noise, weights }, &x, &yn, false, None, par)?;
        Ok(Self {
            kernel,
            noise,
            train: x,
            alpha,
            y_mean,
            y_scale,
            log_marginal_likelihood: e.log_marginal_likelihood,
            jitter: e.jitter,
            evaluations: evaluations + 1,
            weights: weights.map(<[f64]>::to_vec).unwrap_or_default(),
        })
    }

    /// The fitted covariance as a kernel expression, the noise as its
    /// `white(..)` term (both in the units of the targets the GP models).
    ///
    /// ```
    /// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
    /// use kern_solvers::gp::{GaussianProcess, GpModel};
    /// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0], vec![2.0]]).unwrap());
    /// let mut params = GaussianProcess::new(VectorKernel::Rbf { gamma: 0.5 }, 0.25);
    /// params.fit = vec![false, false];
    /// let gp = GpModel::fit(&params, x, &[0.0, 1.0, 0.0], Par::Seq).unwrap();
    /// assert_eq!(gp.expression().to_string(), "rbf(gamma=0.5) + white(0.25)");
    /// ```
    pub fn expression(&self) -> kern_kernels::Expression {
        crate::gp::fitted_expression(&self.kernel, self.noise)
    }

    /// The fitted hyperparameters by name (kernel ones, then `noise`).
    pub fn hyperparameters(&self) -> Vec<(String, f64)> {
        crate::gp::named_hyperparameters(&self.kernel, self.noise)
    }
}

/// The data a GP is fitted to: samples, (normalised) targets, sample weights.
#[derive(Clone, Copy)]
struct Problem<'a> {
    x: &'a DataSet,
    y: &'a [f64],
    weights: Option<&'a [f64]>,
}

/// `−log p(y | X, θ)` for the optimiser at log-parameters `z`: `point(z)`
/// gives the kernel and noise, `select` picks the gradient's free entries.
/// A value-only call keeps its factorisation for a gradient call at the
/// same point, so a line search pays the inverse only for points it keeps.
fn cached_objective<'a>(
    point: &'a (impl Fn(&[f64]) -> (VectorKernel, f64) + Sync),
    select: &'a (impl Fn(&[f64]) -> Vec<f64> + Sync),
    problem: Problem<'a>,
    profile: Option<ProfiledAmplitude>,
    par: Par,
) -> impl FnMut(&[f64], bool) -> Option<(f64, Vec<f64>)> + 'a {
    let Problem { x, y, weights } = problem;
    let mut cache: Option<(Vec<f64>, Factored)> = None;
    move |z: &[f64], want_gradient: bool| {
        let (kernel, variance) = point(z);
        let noise = Noise { variance, weights };
        let f = match cache.take() {
            Some((at, f)) if at == z => f,
            _ => Factored::new(&kernel, noise, x, y, profile, par).ok()?,
        };
        let value = -f.log_marginal_likelihood;
        if !want_gradient {
            cache = Some((z.to_vec(), f));
            return Some((value, Vec::new()));
        }
        let gradient = f.gradient(&kernel, x, noise, par);
        Some((value, select(&gradient).into_iter().map(|g| -g).collect()))
    }
}

/// The fit of `amplitude × base + noise` with the amplitude profiled out:
/// the search runs over the free base parameters and `log(noise /
/// amplitude)`, from the same starts (their amplitude and noise give the
/// ratio). Returns the full θ at the best point (amplitude and noise put
/// back within the bounds) and the evaluations spent.
#[allow(clippy::too_many_arguments)]
fn fit_profiled(
    base: &VectorKernel,
    theta: &[f64],
    free: &[usize],
    starts: &[Vec<f64>],
    bounds: &[(f64, f64)],
    problem: Problem<'_>,
    params: &GaussianProcess,
    par: Par,
) -> Result<(Vec<f64>, usize), GpError> {
    let last = theta.len() - 1;
    // `free` holds 0 (amplitude) first and `last` (noise) last.
    let inner = &free[1..free.len() - 1];
    let profile = Some(ProfiledAmplitude { bounds: params.bounds });
    // The ratio noise/amplitude ranges over [lo − hi, hi − lo].
    let (lo, hi) = (params.bounds.0.ln(), params.bounds.1.ln());
    let base_at = |z: &[f64]| {
        let mut t = theta[1..last].to_vec();
        for (&i, &zi) in inner.iter().zip(z) {
            t[i - 1] = zi.exp();
        }
        base.with_hyperparameters(&t)
    };
    let ratio_starts: Vec<Vec<f64>> = starts
        .iter()
        .map(|z| {
            let mut s = z[1..z.len() - 1].to_vec();
            s.push((z[z.len() - 1] - z[0]).clamp(lo - hi, hi - lo));
            s
        })
        .collect();
    let point = |z: &[f64]| (base_at(z), z[z.len() - 1].exp());
    let select = |g: &[f64]| {
        let mut out: Vec<f64> = inner.iter().map(|&i| g[i - 1]).collect();
        out.push(g[g.len() - 1]);
        out
    };
    let objective = || cached_objective(&point, &select, problem, profile, par);
    let (mut lower, mut upper): (Vec<f64>, Vec<f64>) = inner.iter().map(|&i| bounds[i]).unzip();
    lower.push(lo - hi);
    upper.push(hi - lo);
    let stop = Stop::relative(params.relative_decrease);
    let (best, mut evaluations) = best_start_to(objective, &ratio_starts, &lower, &upper, params.max_iter, stop)?;
    let z = &best.x;
    let ratio = z[z.len() - 1].exp();
    let kernel = base_at(z);
    let noise = Noise { variance: ratio, weights: problem.weights };
    let (_, _, amplitude) = evaluate(&kernel, noise, problem.x, problem.y, false, profile, par)?;
    evaluations += 1;
    let mut out = theta.to_vec();
    out[0] = amplitude;
    out[1..last].copy_from_slice(&kernel.hyperparameters().iter().map(|h| h.value).collect::<Vec<_>>());
    out[last] = (ratio * amplitude).clamp(params.bounds.0, params.bounds.1);
    Ok((out, evaluations))
}

/// Mean and standard deviation, weighted when `weights` are given (1 when
/// the targets are constant).
pub(crate) fn mean_and_scale(y: &[f64], weights: Option<&[f64]>) -> (f64, f64) {
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let total: f64 = (0..y.len()).map(w).sum::<f64>().max(f64::MIN_POSITIVE);
    let mean = y.iter().enumerate().map(|(i, v)| w(i) * v).sum::<f64>() / total;
    let sd = (y.iter().enumerate().map(|(i, v)| w(i) * (v - mean) * (v - mean)).sum::<f64>() / total).sqrt();
    (mean, if sd > 0.0 { sd } else { 1.0 })
}
