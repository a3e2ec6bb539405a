//! Fitting a sparse GP: inducing points chosen among the samples (the
//! Nyström landmark rules), then the kernel's hyperparameters and the noise
//! by maximising the collapsed bound, as exact GPs maximise their likelihood.

use faer::{Mat, Par};
use std::borrow::Cow;

use kern_approx::Landmarks;
use kern_approx::nystroem::uniform_sample;
use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
use serde::{Deserialize, Serialize};

use super::bound::{Gradient, Posterior, Value};
use super::widen::{posterior_at, widened_points};
use crate::gp::fit::mean_and_scale;
use crate::gp::optimize::{Stop, best_start_to, log_bounds, random_starts};
use crate::gp::{GaussianProcess, GpError};
use crate::linalg::{pack_lower, unpack_lower};

/// A sparse GP's options: the GP's (kernel, noise, which to fit, restarts,
/// bounds), the number of inducing points and how they are chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SparseGaussianProcess {
    /// The kernel, noise, fit flags, restarts, seed, bounds and iterations.
    pub gp: GaussianProcess,
    /// The number of inducing points `M`.
    pub components: usize,
    /// How the inducing points are chosen among the samples.
    pub inducing: Landmarks,
    /// Move the inducing points off the samples to maximise the bound too
    /// (`M × d` more variables; the points are then held dense).
    #[serde(default)]
    pub learn_inducing: bool,
    /// Learn the hyperparameters (and inducing points) on a seeded uniform
    /// sample of this many rows, then form the posterior on all of them:
    /// each evaluation of the bound costs `O(n M²)`. `None`: every row.
    #[serde(default)]
    pub fit_samples: Option<usize>,
    /// `K_uu`'s diagonal jitter relative to the samples' mean variance
    /// (`tr K_ff / n`), part of the model ([`INDUCING_JITTER`] by default,
    /// GPflow's 1e-6; 0: Titsias' bound exactly). It bounds `K_uu`'s
    /// condition number by about `M / jitter` for a stationary kernel: a
    /// wide kernel of large amplitude makes `K_uu` nearly singular, and
    /// there the gradient, a sum of terms that large, keeps no correct
    /// digit while the bound still rises along the ridge.
    #[serde(default = "inducing_jitter")]
    pub jitter: f64,
    /// The posterior on this many inducing points (`M' > M`): the fit's `M`,
    /// then samples drawn by k-means++ in the fitted kernel's feature space;
    /// the kernel kept and the noise re-fitted
    /// by the bound (unless held). One more pass, `O(n M'²)`, for a mean
    /// and intervals closer to the exact GP's. `None`: the fit's `M`.
    #[serde(default)]
    pub posterior_components: Option<usize>,
}

/// [`SparseGaussianProcess::jitter`]'s default.
pub const INDUCING_JITTER: f64 = 1e-6;

fn inducing_jitter() -> f64 {
    INDUCING_JITTER
}

/// Mixed into the seed of the samples a posterior is widened with.
const WIDEN_SEED: u64 = 0x5B5E_7F17_0000_0002;

/// Mixed into the seed of the rows a bound is maximised on.
const SUBSET_SEED: u64 = 0x5B5E_7F17_0000_0001;

/// The seeded uniform sample of `fit_samples` of `n` rows that a sparse
/// GP's hyperparameters are learnt on ([`SparseGaussianProcess::fit_samples`],
/// [`crate::gp::GaussianProcess::seed`]); `None`: every row.
///
/// ```
/// let rows = kern_solvers::gp::fit_subset(100, Some(10), 7).unwrap();
/// assert_eq!(rows.len(), 10);
/// assert_eq!(kern_solvers::gp::fit_subset(100, Some(100), 7), None);
/// ```
pub fn fit_subset(n: usize, fit_samples: Option<usize>, seed: u64) -> Option<Vec<usize>> {
    fit_samples.filter(|&s| s < n).map(|s| uniform_sample(n, s.max(1), seed ^ SUBSET_SEED))
}

/// A fitted sparse GP regression (Titsias 2009).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SgprModel {
    /// The covariance at the fitted hyperparameters.
    pub kernel: VectorKernel,
    /// The fitted noise variance σ² (of the normalised targets).
    pub noise: f64,
    /// The inducing points `Z`.
    pub inducing: DataSet,
    /// The posterior mean is `k(x, Z) · mean`.
    pub mean: Vec<f64>,
    /// The Cholesky factors of `K_uu` and of `B = I + L⁻¹ K_uf K_fu L⁻ᵀ / σ²`,
    /// each the lower triangle column by column: the latent variance is
    /// `k(x, x) − ‖L⁻¹ k(Z, x)‖² + ‖L_B⁻¹ L⁻¹ k(Z, x)‖²`.
    pub factors: [Vec<f64>; 2],
    /// Targets are `y_mean + y_scale · (what the GP models)`.
    pub y_mean: f64,
    pub y_scale: f64,
    /// The collapsed bound at the fit (of the normalised targets).
    pub elbo: f64,
    /// Diagonal jitter `K_uu` needed.
    pub jitter: f64,
    /// Bound evaluations spent on the fit.
    pub evaluations: usize,
    /// The posterior mean from many centres (Falkon's on the learnt
    /// hyperparameters), in place of `k(x, Z) · mean` when present: formats
    /// 4 and 5 wrote it; kern now widens the posterior instead ([`Self::widened`])
    /// and reads it only from such files.
    #[serde(default)]
    pub dense_mean: Option<Box<crate::falkon::FalkonModel>>,
    /// The variational fit's inducing points and noise when the posterior
    /// is on more ([`SparseGaussianProcess::posterior_components`]): the
    /// model's `inducing`, `noise` and `elbo` are the wider posterior's.
    #[serde(default)]
    pub widened: Option<Widening>,
}

/// What the variational fit had before its posterior was widened.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Widening {
    /// Its inducing points `M`.
    pub components: usize,
    /// Its noise variance (of the normalised targets).
    pub noise: f64,
}

impl SgprModel {
    /// Fits a sparse GP to targets `y` at samples `x`.
    ///
    /// ```
    /// use kern_approx::Landmarks;
    /// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
    /// use kern_solvers::gp::{GaussianProcess, SgprModel, SparseGaussianProcess};
    /// let rows: Vec<Vec<f64>> = (0..200).map(|i| vec![i as f64 / 20.0]).collect();
    /// let y: Vec<f64> = rows.iter().map(|r| r[0].sin()).collect();
    /// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    /// let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }) };
    /// let params = SparseGaussianProcess { gp: GaussianProcess::new(kernel, 0.1), components: 30, inducing: Landmarks::Uniform, learn_inducing: false, fit_samples: None, jitter: kern_solvers::gp::INDUCING_JITTER, posterior_components: None };
    /// let gp = SgprModel::fit(&params, &x, &y, Par::Seq).unwrap();
    /// let mean = gp.predict_mean(&x, Par::Seq);
    /// let worst = mean.iter().zip(&y).map(|(m, t)| (m - t).abs()).fold(0.0, f64::max);
    /// assert!(worst < 0.1, "{worst}"); // a sine from 30 of its 200 points
    /// ```
    pub fn fit(params: &SparseGaussianProcess, x: &DataSet, y: &[f64], par: Par) -> Result<Self, GpError> {
        let gp = &params.gp;
        gp.validate(x.n_features())?;
        let n = x.n_samples();
        if y.len() != n {
            return Err(GpError::DimensionMismatch { what: "targets", expected: n, got: y.len() });
        }
        if let Some(index) = y.iter().position(|v| !v.is_finite()) {
            return Err(GpError::NonFiniteTarget { index });
        }
        if params.components == 0 {
            let reason = "need at least one inducing point";
            return Err(GpError::InvalidParameter { name: "components", value: 0.0, reason });
        }
        if params.learn_inducing && !gp.kernel.has_input_gradient() {
            let reason = "inducing locations are learnt with kernels differentiable in their inputs (not normalised or precomputed ones)";
            return Err(GpError::InvalidParameter { name: "learn_inducing", value: 1.0, reason });
        }
        let (y_mean, y_scale) = if gp.normalize_y { mean_and_scale(y, None) } else { (0.0, 1.0) };
        let yn: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_scale).collect();
        let subset = fit_subset(n, params.fit_samples, gp.seed);
        let (xs, ys) = match &subset {
            Some(rows) => (Cow::Owned(x.select(rows)), Cow::Owned(rows.iter().map(|&i| yn[i]).collect())),
            None => (Cow::Borrowed(x), Cow::Borrowed(&yn[..])),
        };
        let chosen = params
            .inducing
            .choose(&gp.kernel, &xs, params.components.min(xs.n_samples()), gp.seed, par)
            .map_err(|e| GpError::NoStart(format!("choosing inducing points: {e}")))?;
        // Learnt locations move off the samples: they are held dense.
        let z = if params.learn_inducing { xs.select(&chosen).to_dense() } else { xs.select(&chosen) };
        let (theta, z, evaluations) = maximise_bound(params, &xs, &ys, z, par)?;
        let last = theta.len() - 1;
        let kernel = gp.kernel.with_hyperparameters(&theta[..last]);
        let (value, z, widened) = match params.posterior_components.filter(|&w| w > z.n_samples()) {
            Some(wide) => {
                let taken: Vec<usize> = match (&subset, params.learn_inducing) {
                    (_, true) => Vec::new(),
                    (Some(rows), false) => chosen.iter().map(|&c| rows[c]).collect(),
                    (None, false) => chosen,
                };
                let wider = widened_points(&kernel, (&z, &taken), x, wide, gp.seed ^ WIDEN_SEED, par);
                let held = !gp.fit.get(last).copied().unwrap_or(true);
                let bounds = (!held).then(|| log_bounds(&gp.kernel, gp.bounds, true)[last]);
                let value = posterior_at(&kernel, theta[last], bounds, (x, &yn), &wider, params.jitter, par)?;
                let fit = Widening { components: z.n_samples(), noise: theta[last] };
                (value, wider, Some(fit))
            }
            None => (Value::new(&kernel, theta[last], x, &yn, &z, params.jitter, par)?, z, None),
        };
        let Posterior { mean, l, l_b } = value.posterior();
        Ok(Self {
            kernel,
            noise: value.noise(),
            inducing: z,
            mean,
            factors: [pack_lower(&l), pack_lower(&l_b)],
            y_mean,
            y_scale,
            elbo: value.elbo,
            jitter: value.jitter(),
            evaluations: evaluations + 1,
            dense_mean: None,
            widened,
        })
    }

    /// The two Cholesky factors as matrices (zeros above the diagonal).
    pub(crate) fn factor_matrices(&self) -> [Mat<f64>; 2] {
        let m = self.inducing.n_samples();
        self.factors.clone().map(|packed| unpack_lower(&packed, m).expect("a packed lower triangle (checked on load)"))
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

/// The hyperparameters (kernel's, then the noise) and inducing points that
/// maximise the collapsed bound, from the GP's start and its restarts; and
/// the bound evaluations spent. The optimiser's variables are
/// the logs of the free hyperparameters, then (when learnt) the inducing
/// points' coordinates row by row, unbounded.
fn maximise_bound(
    params: &SparseGaussianProcess,
    x: &DataSet,
    y: &[f64],
    z: DataSet,
    par: Par,
) -> Result<(Vec<f64>, DataSet, usize), GpError> {
    let gp = &params.gp;
    let mut theta: Vec<f64> = gp.kernel.hyperparameters().iter().map(|h| h.value).collect();
    theta.push(gp.noise);
    let last = theta.len() - 1;
    let fit: Vec<bool> = if gp.fit.is_empty() { vec![true; theta.len()] } else { gp.fit.clone() };
    let free: Vec<usize> = (0..theta.len()).filter(|&i| fit[i]).collect();
    let bounds = log_bounds(&gp.kernel, gp.bounds, true);
    let (m, d) = (z.n_samples(), z.n_features());
    let locations: Vec<f64> =
        if params.learn_inducing { (0..m).flat_map(|i| z.row(i).values().to_vec()).collect() } else { Vec::new() };
    let (mut lower, mut upper): (Vec<f64>, Vec<f64>) = free.iter().map(|&i| bounds[i]).unzip();
    let first: Vec<f64> =
        free.iter().map(|&i| theta[i].max(f64::MIN_POSITIVE).ln().clamp(bounds[i].0, bounds[i].1)).collect();
    let mut starts = random_starts(first, gp.restarts, gp.seed, &lower, &upper);
    starts.iter_mut().for_each(|s| s.extend_from_slice(&locations));
    lower.resize(lower.len() + locations.len(), f64::NEG_INFINITY);
    upper.resize(upper.len() + locations.len(), f64::INFINITY);
    let split = free.len();
    let at = |v: &[f64]| {
        let mut t = theta.clone();
        free.iter().zip(v).for_each(|(&i, &vi)| t[i] = vi.exp());
        t
    };
    let inducing_at = |v: &[f64]| -> std::borrow::Cow<'_, DataSet> {
        if params.learn_inducing {
            let values = v[split..].to_vec();
            std::borrow::Cow::Owned(DataSet::from(DenseMatrix::new(m, d, values).expect("M × d values")))
        } else {
            std::borrow::Cow::Borrowed(&z)
        }
    };
    let wanted = if params.learn_inducing { Gradient::AndInducing } else { Gradient::Hyperparameters };
    // A value-only call keeps its first pass for a gradient call at the
    // same point: a line search's accepted step costs two passes, not three.
    let (at, inducing_at, free) = (&at, &inducing_at, &free);
    let objective = || {
        let mut cache: Option<(Vec<f64>, Value)> = None;
        move |v: &[f64], want_gradient: bool| {
            let t = at(v);
            let kernel = gp.kernel.with_hyperparameters(&t[..last]);
            let z = inducing_at(v);
            let value = match cache.take() {
                Some((point, value)) if point == v => value,
                _ => Value::new(&kernel, t[last], x, y, &z, params.jitter, par).ok()?,
            };
            if !want_gradient {
                let elbo = value.elbo;
                cache = Some((v.to_vec(), value));
                return Some((-elbo, Vec::new()));
            }
            let b = value.finish(&kernel, x, y, &z, wanted == Gradient::AndInducing, par);
            let gradient = free.iter().map(|&i| -b.gradient[i]).chain(b.inducing_gradient.iter().map(|g| -g));
            Some((-b.elbo, gradient.collect()))
        }
    };
    if starts[0].is_empty() {
        return Ok((theta, z, 0));
    }
    // Looser than the exact GP's stop, and no polish: the bound's last
    // digits move neither predictions nor intervals (Stop::BOUND).
    let (best, evaluations) = best_start_to(objective, &starts, &lower, &upper, gp.max_iter, Stop::BOUND)?;
    let z = inducing_at(&best.x).into_owned();
    Ok((at(&best.x), z, evaluations))
}
