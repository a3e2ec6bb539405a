//! Fitting a sparse GP: inducing points chosen among the samples (the
//! Nyström landmark rules), then the kernel's hyperparameters and the noise
//! by maximising the collapsed bound, as exact GPs maximise their likelihood.

use faer::{Mat, Par};
use kern_approx::Landmarks;
use kern_kernels::{DataSet, VectorKernel};
use serde::{Deserialize, Serialize};

use super::bound::{Posterior, Value, evaluate};
use crate::gp::fit::mean_and_scale;
use crate::gp::optimize::{Stop, best_start, log_bounds, minimize_box_to, random_starts};
use crate::gp::{GaussianProcess, GpError};

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
    /// let params = SparseGaussianProcess { gp: GaussianProcess::new(kernel, 0.1), components: 30, inducing: Landmarks::Uniform };
    /// let gp = SgprModel::fit(&params, x.clone(), &y, Par::Seq).unwrap();
    /// let mean = gp.predict_mean(&x, Par::Seq);
    /// let worst = mean.iter().zip(&y).map(|(m, t)| (m - t).abs()).fold(0.0, f64::max);
    /// assert!(worst < 0.1, "{worst}"); // a sine from 30 of its 200 points
    /// ```
    pub fn fit(params: &SparseGaussianProcess, x: DataSet, y: &[f64], par: Par) -> Result<Self, GpError> {
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
        let (y_mean, y_scale) = if gp.normalize_y { mean_and_scale(y, None) } else { (0.0, 1.0) };
        let yn: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_scale).collect();
        let chosen = params
            .inducing
            .choose(&gp.kernel, &x, params.components.min(n), gp.seed, par)
            .map_err(|e| GpError::NoStart(format!("choosing inducing points: {e}")))?;
        let z = x.select(&chosen);

        let mut theta: Vec<f64> = gp.kernel.hyperparameters().iter().map(|h| h.value).collect();
        theta.push(gp.noise);
        let last = theta.len() - 1;
        let fit: Vec<bool> = if gp.fit.is_empty() { vec![true; theta.len()] } else { gp.fit.clone() };
        let free: Vec<usize> = (0..theta.len()).filter(|&i| fit[i]).collect();
        let bounds = log_bounds(&gp.kernel, gp.bounds, true);
        let (lower, upper): (Vec<f64>, Vec<f64>) = free.iter().map(|&i| bounds[i]).unzip();
        let at = |v: &[f64]| {
            let mut t = theta.clone();
            free.iter().zip(v).for_each(|(&i, &vi)| t[i] = vi.exp());
            t
        };
        // A value-only call keeps its first pass for a gradient call at the
        // same point: a line search's accepted step costs two passes, not three.
        let (at, xr, ynr, zr, free_ref) = (&at, &x, &yn, &z, &free);
        let objective = || {
            let mut cache: Option<(Vec<f64>, Value)> = None;
            move |v: &[f64], want_gradient: bool| {
                let t = at(v);
                let kernel = gp.kernel.with_hyperparameters(&t[..last]);
                let value = match cache.take() {
                    Some((point, value)) if point == v => value,
                    _ => Value::new(&kernel, t[last], xr, ynr, zr, par).ok()?,
                };
                if !want_gradient {
                    let elbo = value.elbo;
                    cache = Some((v.to_vec(), value));
                    return Some((-elbo, Vec::new()));
                }
                let (b, _) = value.finish(&kernel, xr, ynr, zr, par);
                Some((-b.elbo, free_ref.iter().map(|&i| -b.gradient[i]).collect()))
            }
        };
        let mut evaluations = 0;
        if !free.is_empty() {
            let first: Vec<f64> =
                free.iter().map(|&i| theta[i].max(f64::MIN_POSITIVE).ln().clamp(bounds[i].0, bounds[i].1)).collect();
            let starts = random_starts(first, gp.restarts, gp.seed, &lower, &upper);
            let (mut best, spent) = best_start(objective, &starts, &lower, &upper, gp.max_iter)?;
            evaluations += spent;
            if let Some(polished) = minimize_box_to(objective(), &best.x, &lower, &upper, gp.max_iter, Stop::POLISH)
                && polished.f <= best.f
            {
                evaluations += polished.evaluations;
                best = polished;
            }
            theta = at(&best.x);
        }
        let kernel = gp.kernel.with_hyperparameters(&theta[..last]);
        let noise = theta[last];
        let (bound, posterior) = evaluate(&kernel, noise, &x, &yn, &z, true, par)?;
        let Posterior { mean, l, l_b } = posterior.expect("asked for with the gradient");
        Ok(Self {
            kernel,
            noise,
            inducing: z,
            mean,
            factors: [packed(&l), packed(&l_b)],
            y_mean,
            y_scale,
            elbo: bound.elbo,
            jitter: bound.jitter,
            evaluations: evaluations + 1,
        })
    }

    /// The two Cholesky factors as matrices (zeros above the diagonal).
    pub(crate) fn factor_matrices(&self) -> [Mat<f64>; 2] {
        let m = self.inducing.n_samples();
        self.factors.clone().map(|packed| {
            let mut out = Mat::zeros(m, m);
            let mut values = packed.into_iter();
            for j in 0..m {
                for i in j..m {
                    out[(i, j)] = values.next().expect("a packed lower triangle");
                }
            }
            out
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

/// The lower triangle of `a`, column by column.
fn packed(a: &Mat<f64>) -> Vec<f64> {
    let m = a.nrows();
    (0..m).flat_map(|j| (j..m).map(move |i| (i, j))).map(|(i, j)| a[(i, j)]).collect()
}
