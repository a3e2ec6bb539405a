//! Gaussian processes whose covariance is a fixed kernel up to scale,
//! `c · K + σ² I`: for kernels with no continuous hyperparameters of their
//! own (string and graph kernels, or a precomputed Gram matrix), on samples
//! of any kind. Only the amplitude `c` and, for regression, the noise `σ²`
//! are fitted by the (approximate) marginal likelihood:
//!
//! - regression takes one eigendecomposition `K = U Λ Uᵀ`, after which the
//!   log marginal likelihood at any `(c, σ²)` costs O(n), and the best
//!   amplitude for a noise-to-amplitude ratio has a closed form, so the
//!   search is one-dimensional ([`regress`]);
//! - classification (Laplace) searches `log c` in one dimension, each point
//!   one Newton solve warm-started from the last ([`classify`]).

mod classify;
mod regress;
mod search;

pub use classify::{FixedGpcModel, FixedLatent};
pub use regress::FixedGpModel;
pub use search::maximize_on_interval;

use faer::{MatMut, Par};
use kern_kernels::{Kernel, Samples};
use serde::{Deserialize, Serialize};

use super::GpError;

/// What to fit of `c · K + σ² I`, and within which bounds.
///
/// ```
/// use kern_solvers::gp::FixedKernelGp;
/// assert!(FixedKernelGp::default().validate().is_ok());
/// assert!(FixedKernelGp { amplitude: Some(-1.0), ..Default::default() }.validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedKernelGp {
    /// The amplitude `c`; `None`: fitted.
    pub amplitude: Option<f64>,
    /// The noise variance `σ²` (regression only); `None`: fitted.
    pub noise: Option<f64>,
    /// Centre and scale the targets (regression; scikit-learn's `normalize_y=True`).
    pub normalize_y: bool,
    /// Bounds of every fitted parameter (scikit-learn's default `(1e-5, 1e5)`).
    pub bounds: (f64, f64),
}

impl Default for FixedKernelGp {
    /// Amplitude and noise fitted, targets normalised.
    fn default() -> Self {
        Self { amplitude: None, noise: None, normalize_y: true, bounds: (1e-5, 1e5) }
    }
}

impl FixedKernelGp {
    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), GpError> {
        if let Some(c) = self.amplitude.filter(|c| !(c.is_finite() && *c > 0.0)) {
            return Err(GpError::InvalidParameter { name: "amplitude", value: c, reason: "must be > 0 and finite" });
        }
        if let Some(s) = self.noise.filter(|s| !(s.is_finite() && *s >= 0.0)) {
            return Err(GpError::InvalidParameter { name: "noise", value: s, reason: "must be ≥ 0 and finite" });
        }
        let (lo, hi) = self.bounds;
        if !(lo > 0.0 && hi > lo && hi.is_finite()) {
            return Err(GpError::InvalidParameter {
                name: "bounds", value: lo, reason: "need 0 < lower < upper < ∞"
            });
        }
        Ok(())
    }
}

/// `c · k(a, b)` for a kernel `k` held by reference: how the fitted
/// covariance is evaluated without copying the kernel.
///
/// ```
/// use kern_kernels::{DataSet, DenseMatrix, Kernel, VectorKernel};
/// use kern_solvers::gp::Amplified;
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0]]).unwrap());
/// let k = VectorKernel::Rbf { gamma: 1.0 };
/// let scaled = Amplified { amplitude: 3.0, kernel: &k };
/// assert_eq!(scaled.eval(&x, 0, &x, 1), 3.0 * k.eval(&x, 0, &x, 1));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Amplified<'a, K: ?Sized> {
    /// The factor `c`.
    pub amplitude: f64,
    /// The kernel `k`.
    pub kernel: &'a K,
}

impl<K: Kernel<S> + ?Sized, S: Samples + ?Sized> Kernel<S> for Amplified<'_, K> {
    fn eval(&self, a: &S, i: usize, b: &S, j: usize) -> f64 {
        self.amplitude * self.kernel.eval(a, i, b, j)
    }

    fn block(&self, a: &S, rows: &[usize], b: &S, cols: &[usize], mut out: MatMut<'_, f64>, par: Par) {
        self.kernel.block(a, rows, b, cols, out.as_mut(), par);
        for j in 0..out.ncols() {
            out.as_mut().col_mut(j).iter_mut().for_each(|v| *v *= self.amplitude);
        }
    }

    fn diagonal(&self, a: &S, rows: &[usize], out: &mut [f64]) {
        self.kernel.diagonal(a, rows, out);
        out.iter_mut().for_each(|v| *v *= self.amplitude);
    }
}
