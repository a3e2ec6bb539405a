//! Predictions of a fitted GP: the posterior mean, variance with and
//! without the noise, intervals, and seeded samples from prior and posterior.

use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, Par};
use kern_kernels::{DataSet, Kernel, Samples, VectorKernel, cross_gram, gram_matrix};

use super::GpError;
use super::fit::GpModel;
use super::lml::{Factor, Noise, factor};
use crate::rng::SplitMix64;

/// Test rows per block of `K(test, train)`.
const CHUNK: usize = 1024;

/// The posterior at some test points, in the units of the original targets.
#[derive(Clone, Debug, PartialEq)]
pub struct GpPrediction {
    /// Posterior mean.
    pub mean: Vec<f64>,
    /// Standard deviation of the latent function.
    pub std: Vec<f64>,
    /// Standard deviation of a new observation (latent plus noise).
    pub std_with_noise: Vec<f64>,
}

impl GpPrediction {
    /// The central interval holding `level` (e.g. 0.95) of a new observation.
    pub fn interval(&self, level: f64) -> Vec<(f64, f64)> {
        let z = normal_quantile(0.5 + level / 2.0);
        self.mean.iter().zip(&self.std_with_noise).map(|(m, s)| (m - z * s, m + z * s)).collect()
    }
}

impl GpModel {
    /// The posterior mean at `test`.
    pub fn predict_mean(&self, test: &DataSet, par: Par) -> Vec<f64> {
        self.posterior().mean(test, par)
    }

    /// Mean and standard deviations at `test` (refactors `K + σ² I` once).
    pub fn predict(&self, test: &DataSet, par: Par) -> Result<GpPrediction, GpError> {
        self.posterior().predict(test, par)
    }

    /// `n_samples` draws of the latent function at `test` from the posterior
    /// (one column each), seeded.
    pub fn sample_posterior(&self, test: &DataSet, n_samples: usize, seed: u64, par: Par) -> Result<Mat<f64>, GpError> {
        Ok(self.predict_and_sample(test, n_samples, seed, par)?.1)
    }

    /// [`GpModel::predict`] and [`GpModel::sample_posterior`] from one
    /// factorisation of `K + σ² I`: the latent variances are the diagonal of
    /// the posterior covariance the draws come from. It holds that
    /// `test × test` covariance, so it suits a plotting grid, not a test set.
    pub fn predict_and_sample(
        &self,
        test: &DataSet,
        n_samples: usize,
        seed: u64,
        par: Par,
    ) -> Result<(GpPrediction, Mat<f64>), GpError> {
        let f = self.posterior().factor(par)?;
        let k = cross_gram(&self.kernel, test, &self.train, par);
        let mut v = k.transpose().to_owned();
        solve_lower_triangular_in_place(f.l.as_ref(), v.as_mut(), Par::Seq);
        kern_kernels::simd::clear_upper_state();
        // Σ = K(test, test) − vᵀ v.
        let mut cov = gram_matrix(&self.kernel, test, par);
        faer::linalg::matmul::matmul(cov.as_mut(), faer::Accum::Add, v.transpose(), v.as_ref(), -1.0, Par::Seq);
        kern_kernels::simd::clear_upper_state();
        let variance: Vec<f64> = (0..cov.nrows()).map(|i| cov[(i, i)].max(0.0)).collect();
        let mean: Vec<f64> = (0..k.nrows())
            .map(|r| self.y_mean + self.y_scale * (0..k.ncols()).map(|j| k[(r, j)] * self.alpha[j]).sum::<f64>())
            .collect();
        let mut draws = draw(cov, n_samples, seed, par)?;
        for c in 0..n_samples {
            for (i, m) in mean.iter().enumerate() {
                draws[(i, c)] = m + self.y_scale * draws[(i, c)];
            }
        }
        let prediction = GpPrediction {
            std: variance.iter().map(|v| self.y_scale * v.sqrt()).collect(),
            std_with_noise: variance.iter().map(|v| self.y_scale * (v + self.noise).sqrt()).collect(),
            mean,
        };
        Ok((prediction, draws))
    }

    fn posterior(&self) -> Posterior<'_, VectorKernel, DataSet> {
        Posterior {
            kernel: &self.kernel,
            train: &self.train,
            alpha: &self.alpha,
            noise: self.noise,
            weights: (!self.weights.is_empty()).then_some(&self.weights[..]),
            jitter: self.jitter,
            y_mean: self.y_mean,
            y_scale: self.y_scale,
        }
    }
}

/// A fitted GP regression's posterior, for a kernel on samples of any kind:
/// the covariance, the training samples and `α = (K + σ² I)⁻¹ y`.
pub(crate) struct Posterior<'a, K: ?Sized, S: ?Sized> {
    pub kernel: &'a K,
    pub train: &'a S,
    pub alpha: &'a [f64],
    pub noise: f64,
    /// Sample weights: sample `i`'s noise is `noise / weights[i]`.
    pub weights: Option<&'a [f64]>,
    pub jitter: f64,
    pub y_mean: f64,
    pub y_scale: f64,
}

impl<K: Kernel<S> + ?Sized, S: Samples + ?Sized> Posterior<'_, K, S> {
    /// The posterior mean at `test`, in the targets' units.
    pub fn mean(&self, test: &S, par: Par) -> Vec<f64> {
        let mut out = Vec::with_capacity(test.len());
        for start in (0..test.len()).step_by(CHUNK) {
            let k = self.cross(test, start, par);
            for r in 0..k.nrows() {
                let f: f64 = (0..k.ncols()).map(|j| k[(r, j)] * self.alpha[j]).sum();
                out.push(self.y_mean + self.y_scale * f);
            }
        }
        out
    }

    /// The factor of `K + diag(σ²/w_i) + jitter · I`, as the fit had it.
    fn factor(&self, par: Par) -> Result<Factor, GpError> {
        let k = || {
            let mut k = gram_matrix(self.kernel, self.train, par);
            for i in 0..k.nrows() {
                k[(i, i)] += self.jitter;
            }
            k
        };
        factor(k, Noise { variance: self.noise, weights: self.weights }, par)
    }

    /// Mean and standard deviations at `test` (refactors `K + σ² I` once).
    pub fn predict(&self, test: &S, par: Par) -> Result<GpPrediction, GpError> {
        let f = self.factor(par)?;
        let n_test = test.len();
        let mut diag = vec![0.0; n_test];
        let all: Vec<usize> = (0..n_test).collect();
        self.kernel.diagonal(test, &all, &mut diag);
        let mut out = GpPrediction { mean: Vec::new(), std: Vec::new(), std_with_noise: Vec::new() };
        for start in (0..n_test).step_by(CHUNK) {
            let k = self.cross(test, start, par);
            // v = L⁻¹ K(train, test): the variance is k(x, x) − ‖v‖².
            let mut v = k.transpose().to_owned();
            solve_lower_triangular_in_place(f.l.as_ref(), v.as_mut(), Par::Seq);
            kern_kernels::simd::clear_upper_state();
            for r in 0..k.nrows() {
                let mean: f64 = (0..k.ncols()).map(|j| k[(r, j)] * self.alpha[j]).sum();
                let explained: f64 = (0..v.nrows()).map(|i| v[(i, r)] * v[(i, r)]).sum();
                let var = (diag[start + r] - explained).max(0.0);
                out.mean.push(self.y_mean + self.y_scale * mean);
                out.std.push(self.y_scale * var.sqrt());
                out.std_with_noise.push(self.y_scale * (var + self.noise).sqrt());
            }
        }
        Ok(out)
    }

    /// `K(test[start..start + CHUNK], train)`.
    fn cross(&self, test: &S, start: usize, par: Par) -> Mat<f64> {
        let rows: Vec<usize> = (start..(start + CHUNK).min(test.len())).collect();
        let cols: Vec<usize> = (0..self.train.len()).collect();
        let mut k = Mat::zeros(rows.len(), cols.len());
        self.kernel.block(test, &rows, self.train, &cols, k.as_mut(), par);
        k
    }
}

/// `n_samples` draws from the GP prior with `kernel` at `x` (one column each), seeded.
pub fn sample_prior(
    kernel: &VectorKernel,
    x: &DataSet,
    n_samples: usize,
    seed: u64,
    par: Par,
) -> Result<Mat<f64>, GpError> {
    draw(gram_matrix(kernel, x, par), n_samples, seed, par)
}

/// `F z` for `Σ = F Fᵀ` and standard normal `z`.
fn draw(cov: Mat<f64>, n_samples: usize, seed: u64, par: Par) -> Result<Mat<f64>, GpError> {
    let n = cov.nrows();
    let mut rng = SplitMix64::new(seed);
    let z = Mat::from_fn(n, n_samples, |_, _| rng.normal());
    // A factor F with F Fᵀ = cov: Cholesky's, or, when the covariance is
    // singular to working precision (a posterior at test points packed
    // closer than the lengthscale), U √Λ with round-off's negative
    // eigenvalues clipped to zero.
    let root = match factor(|| cov.clone(), Noise::uniform(0.0), par) {
        Ok(f) => Mat::from_fn(n, n, |i, k| if k <= i { f.l[(i, k)] } else { 0.0 }),
        Err(_) => {
            let mean_diagonal = (0..n).map(|i| cov[(i, i)]).sum::<f64>() / n.max(1) as f64;
            let (values, u) = kern_kernels::self_adjoint_eigen(cov.as_ref(), par)
                .ok_or(GpError::NotPositiveDefinite { jitter: 0.0, mean_diagonal })?;
            Mat::from_fn(n, n, |i, k| u[(i, k)] * values[k].max(0.0).sqrt())
        }
    };
    let mut out = Mat::zeros(n, n_samples);
    faer::linalg::matmul::matmul(out.as_mut(), faer::Accum::Replace, root.as_ref(), z.as_ref(), 1.0, Par::Seq);
    kern_kernels::simd::clear_upper_state();
    Ok(out)
}

/// The standard normal quantile (Acklam's rational approximation, relative
/// error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "a probability strictly between 0 and 1");
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let tail = |q: f64| {
        let q = (-2.0 * q.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail(p)
    } else if p > 1.0 - 0.02425 {
        -tail(1.0 - p)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn normal_quantiles_match_tables() {
        assert!((super::normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((super::normal_quantile(0.5)).abs() < 1e-12);
        assert!((super::normal_quantile(0.001) + 3.090_232_306_167_813_5).abs() < 1e-8);
    }
}
