//! Predictions of a GP classifier (Rasmussen & Williams algorithm 3.2): the
//! latent mean and variance at test points, and class probabilities that
//! average the logistic function over the latent's Gaussian.

use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, Par};
use kern_kernels::{DataSet, Kernel, Samples, gram_matrix};

use super::GpcModel;
use super::laplace::{factor_b, sigmoid};
use crate::gp::GpError;

/// Test rows per block of `K(test, train)`.
const CHUNK: usize = 1024;
/// Simpson step of [`expected_sigmoid`] (its error is below 1e-8).
const STEP: f64 = 0.05;

impl GpcModel {
    /// The latent means at `test`, one column per latent function (class 1
    /// against 0 for two classes): positive means favour that class.
    pub fn decision_function(&self, test: &DataSet, par: Par) -> Mat<f64> {
        let columns: Vec<Vec<f64>> =
            self.latent.iter().map(|l| latent_mean(&l.kernel, &self.train, &l.a, test, par)).collect();
        Mat::from_fn(test.n_samples(), columns.len(), |r, c| columns[c][r])
    }

    /// Class probabilities at `test`: one row per sample, one column per class.
    pub fn predict_proba(&self, test: &DataSet, par: Par) -> Result<Mat<f64>, GpError> {
        let moments = self
            .latent
            .iter()
            .map(|l| latent_moments(&l.kernel, &self.train, &l.a, &l.sqrt_w, test, par))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(class_probabilities(&moments, self.n_classes))
    }

    /// The most probable class at each test sample. Two classes need only the
    /// latent mean's sign; more compare probabilities.
    pub fn predict(&self, test: &DataSet, par: Par) -> Result<Vec<usize>, GpError> {
        if self.latent.len() == 1 {
            let f = self.decision_function(test, par);
            return Ok((0..f.nrows()).map(|r| usize::from(f[(r, 0)] > 0.0)).collect());
        }
        Ok(most_probable(&self.predict_proba(test, par)?))
    }
}

/// Each row's most probable column (the first on ties).
pub(crate) fn most_probable(p: &Mat<f64>) -> Vec<usize> {
    (0..p.nrows()).map(|r| (0..p.ncols()).fold(0, |best, c| if p[(r, c)] > p[(r, best)] { c } else { best })).collect()
}

/// Class probabilities from the latent moments: one latent function gives
/// class 1 against 0; several, one class each against the rest, normalised.
pub(crate) fn class_probabilities(moments: &[(Vec<f64>, Vec<f64>)], n_classes: usize) -> Mat<f64> {
    let n_test = moments.first().map_or(0, |m| m.0.len());
    let p = Mat::from_fn(n_test, moments.len(), |r, c| expected_sigmoid(moments[c].0[r], moments[c].1[r]));
    if moments.len() == 1 {
        Mat::from_fn(n_test, 2, |r, c| if c == 1 { p[(r, 0)] } else { 1.0 - p[(r, 0)] })
    } else {
        Mat::from_fn(n_test, n_classes, |r, c| {
            let total: f64 = (0..n_classes).map(|k| p[(r, k)]).sum();
            p[(r, c)] / total
        })
    }
}

/// The latent mean `K(test, X) a` of a latent function with weights `a`.
pub(crate) fn latent_mean<K: Kernel<S> + ?Sized, S: Samples + ?Sized>(
    kernel: &K,
    train: &S,
    a: &[f64],
    test: &S,
    par: Par,
) -> Vec<f64> {
    let n_test = test.len();
    let all: Vec<usize> = (0..train.len()).collect();
    let mut out = Vec::with_capacity(n_test);
    for start in (0..n_test).step_by(CHUNK) {
        let rows: Vec<usize> = (start..(start + CHUNK).min(n_test)).collect();
        let mut k = Mat::zeros(rows.len(), all.len());
        kernel.block(test, &rows, train, &all, k.as_mut(), par);
        out.extend((0..k.nrows()).map(|r| (0..k.ncols()).map(|j| k[(r, j)] * a[j]).sum::<f64>()));
    }
    out
}

/// Latent mean and variance at `test` of a latent function with weights `a`
/// and `√W` at the mode (refactors `B` once).
pub(crate) fn latent_moments<K: Kernel<S> + ?Sized, S: Samples + ?Sized>(
    kernel: &K,
    train: &S,
    a: &[f64],
    sqrt_w: &[f64],
    test: &S,
    par: Par,
) -> Result<(Vec<f64>, Vec<f64>), GpError> {
    let l = factor_b(&gram_matrix(kernel, train, par), sqrt_w, par)?;
    let n_test = test.len();
    let mut diag = vec![0.0; n_test];
    kernel.diagonal(test, &(0..n_test).collect::<Vec<_>>(), &mut diag);
    let all: Vec<usize> = (0..train.len()).collect();
    let (mut mean, mut var) = (Vec::with_capacity(n_test), Vec::with_capacity(n_test));
    for start in (0..n_test).step_by(CHUNK) {
        let rows: Vec<usize> = (start..(start + CHUNK).min(n_test)).collect();
        let mut k = Mat::zeros(rows.len(), all.len());
        kernel.block(test, &rows, train, &all, k.as_mut(), par);
        // v = L⁻¹ √W k(X, x*): the variance is k(x*, x*) − ‖v‖².
        let mut v = Mat::from_fn(k.ncols(), k.nrows(), |i, r| sqrt_w[i] * k[(r, i)]);
        solve_lower_triangular_in_place(l.as_ref(), v.as_mut(), Par::Seq);
        kern_kernels::simd::clear_upper_state();
        for r in 0..k.nrows() {
            mean.push((0..k.ncols()).map(|j| k[(r, j)] * a[j]).sum());
            let explained: f64 = v.col(r).iter().map(|v| v * v).sum();
            var.push((diag[start + r] - explained).max(0.0));
        }
    }
    Ok((mean, var))
}

/// `E[σ(Z)]` for `Z ~ N(mean, var)` and the logistic σ: the predictive
/// probability of R&W eq. 3.25, by Simpson's rule on whichever form has the
/// smoother integrand: `∫ σ(μ + s t) φ(t) dt` when `s < 1`, and otherwise
/// `P(L < Z) = ∫ Φ((μ − l) / s) σ'(l) dl` with `L` logistic.
///
/// ```
/// use kern_solvers::gp::expected_sigmoid;
/// assert_eq!(expected_sigmoid(0.0, 4.0), 0.5); // symmetric
/// assert!((expected_sigmoid(2.0, 0.0) - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-15);
/// assert!(expected_sigmoid(2.0, 9.0) < expected_sigmoid(2.0, 0.0)); // uncertainty pulls to ½
/// ```
pub fn expected_sigmoid(mean: f64, var: f64) -> f64 {
    let s = var.max(0.0).sqrt();
    if s == 0.0 {
        return sigmoid(mean);
    }
    if mean == 0.0 {
        return 0.5;
    }
    let phi = |t: f64| (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = |t: f64| 0.5 * libm::erfc(-t / std::f64::consts::SQRT_2);
    if s < 1.0 {
        simpson(|t| sigmoid(mean + s * t) * phi(t), -9.0, 9.0)
    } else {
        simpson(
            |l| {
                let p = sigmoid(l);
                cdf((mean - l) / s) * p * (1.0 - p)
            },
            -40.0,
            40.0,
        )
        .clamp(0.0, 1.0)
    }
}

/// Composite Simpson's rule over `[a, b]` with steps near [`STEP`].
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let intervals = (((b - a) / STEP).ceil() as usize).next_multiple_of(2);
    let h = (b - a) / intervals as f64;
    let inner: f64 = (1..intervals).map(|i| f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 }).sum();
    (f(a) + f(b) + inner) * h / 3.0
}
