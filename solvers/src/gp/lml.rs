//! The log marginal likelihood of GP regression and its gradient with
//! respect to the log of every hyperparameter (Rasmussen & Williams, 2006,
//! eqs. 2.30 and 5.9):
//!
//! `log p(y | X, θ) = −½ yᵀ A⁻¹ y − ½ log |A| − n/2 log 2π`, `A = K + σ² I`,
//! `∂/∂θ_k = ½ tr((α αᵀ − A⁻¹) ∂A/∂θ_k)`, `α = A⁻¹ y`.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::{Mat, Par};
use kern_kernels::{DataSet, VectorKernel, gram_matrix};

use super::GpError;
use crate::linalg::{cholesky, cholesky_solve};

/// Jitter added to the diagonal when `K + σ² I` does not factor, as a
/// fraction of the mean diagonal: tried from the first, ×10 each time, up to the last.
const JITTER_START: f64 = 1e-10;
const JITTER_LIMIT: f64 = 1e-2;

/// The Cholesky factor of `K + (σ² + jitter) I`, and the jitter it took.
pub(crate) struct Factor {
    /// Lower triangle holds `L`.
    pub l: Mat<f64>,
    pub jitter: f64,
}

/// Factors `k + noise · I`, escalating a diagonal jitter when needed.
pub(crate) fn factor(mut k: Mat<f64>, noise: f64, par: Par) -> Result<Factor, GpError> {
    let n = k.nrows();
    for i in 0..n {
        k[(i, i)] += noise;
    }
    let mean_diag = (0..n).map(|i| k[(i, i)]).sum::<f64>() / n.max(1) as f64;
    let mut jitter = 0.0;
    loop {
        let mut a = k.clone();
        for i in 0..n {
            a[(i, i)] += jitter;
        }
        if cholesky(a.as_mut(), par).is_ok() {
            return Ok(Factor { l: a, jitter });
        }
        jitter = if jitter == 0.0 { JITTER_START * mean_diag.abs().max(f64::MIN_POSITIVE) } else { jitter * 10.0 };
        if jitter.is_nan() || jitter > JITTER_LIMIT * mean_diag.abs() {
            return Err(GpError::NotPositiveDefinite { jitter: jitter / 10.0, mean_diagonal: mean_diag });
        }
    }
}

/// The log marginal likelihood at one point, and its gradient.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// `log p(y | X, θ)`.
    pub log_marginal_likelihood: f64,
    /// `∂/∂ log θ` for the kernel's hyperparameters, then the noise variance.
    pub gradient: Vec<f64>,
    /// Diagonal jitter the factorisation needed.
    pub jitter: f64,
}

/// The log marginal likelihood of targets `y` under a GP with `kernel` and
/// noise variance `noise`, with its gradient when `with_gradient`.
///
/// ```
/// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
/// use kern_solvers::gp::log_marginal_likelihood;
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0]]).unwrap());
/// let e = log_marginal_likelihood(&VectorKernel::Rbf { gamma: 0.5 }, 0.1, &x, &[0.5, -0.5], true, Par::Seq).unwrap();
/// assert_eq!(e.gradient.len(), 2); // gamma, then the noise
/// ```
pub fn log_marginal_likelihood(
    kernel: &VectorKernel,
    noise: f64,
    x: &DataSet,
    y: &[f64],
    with_gradient: bool,
    par: Par,
) -> Result<Evaluation, GpError> {
    evaluate(kernel, noise, x, y, with_gradient, par).map(|(e, _)| e)
}

/// [`log_marginal_likelihood`], and the weights `α = (K + σ² I)⁻¹ y` it solved for.
pub(crate) fn evaluate(
    kernel: &VectorKernel,
    noise: f64,
    x: &DataSet,
    y: &[f64],
    with_gradient: bool,
    par: Par,
) -> Result<(Evaluation, Vec<f64>), GpError> {
    let n = x.n_samples();
    let (k, grads) =
        if with_gradient { kernel.gram_with_gradients(x, par) } else { (gram_matrix(kernel, x, par), Vec::new()) };
    let f = factor(k, noise, par)?;
    let mut alpha = Mat::from_fn(n, 1, |i, _| y[i]);
    cholesky_solve(f.l.as_ref(), alpha.as_mut());
    let data_fit: f64 = (0..n).map(|i| y[i] * alpha[(i, 0)]).sum();
    let log_det: f64 = (0..n).map(|i| f.l[(i, i)].ln()).sum::<f64>() * 2.0;
    let lml = -0.5 * data_fit - 0.5 * log_det - 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
    let mut gradient = Vec::new();
    if with_gradient {
        let inv = inverse(&f.l, par);
        // W = α αᵀ − A⁻¹; ∂ = ½ Σ_ij W_ij ∂A_ij (A⁻¹ holds its lower triangle).
        let w = |i: usize, j: usize| alpha[(i, 0)] * alpha[(j, 0)] - if i >= j { inv[(i, j)] } else { inv[(j, i)] };
        for g in &grads {
            let mut s = 0.0;
            for j in 0..n {
                for i in 0..n {
                    s += w(i, j) * g[(i, j)];
                }
            }
            gradient.push(0.5 * s);
        }
        let trace: f64 = (0..n).map(|i| w(i, i)).sum();
        gradient.push(0.5 * noise * trace);
    }
    let alpha = (0..n).map(|i| alpha[(i, 0)]).collect();
    Ok((Evaluation { log_marginal_likelihood: lml, gradient, jitter: f.jitter }, alpha))
}

/// The lower triangle of `(L Lᵀ)⁻¹`.
fn inverse(l: &Mat<f64>, par: Par) -> Mat<f64> {
    use faer::linalg::cholesky::llt::inverse as llt;
    let n = l.nrows();
    let mut out = Mat::zeros(n, n);
    let mut mem = MemBuffer::new(llt::inverse_scratch::<f64>(n, par));
    llt::inverse(out.as_mut(), l.as_ref(), par, MemStack::new(&mut mem));
    kern_kernels::simd::clear_upper_state();
    out
}
