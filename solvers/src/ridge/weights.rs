//! Sample weights in kernel ridge. Minimising `Σ w_i (y_i − f(x_i))² + α‖f‖²`
//! gives `(K + α W⁻¹) a = y`, scikit-learn's `KernelRidge` with
//! `sample_weight`. Scaling samples by `s_i = √w_i` turns it into the
//! unweighted problem on `S K S` and `S y` (coefficients `a = S d`), whose
//! leave-one-out residuals are `s_i r_i`: their mean square is the weighted
//! leave-one-out error, so choosing `α` needs nothing new.

use faer::{Mat, MatMut, MatRef, Par};
use kern_kernels::GramProvider;

/// The Gram matrix of the weighted problem, `S K S` with `s = √w`: kernel
/// ridge with weights is unweighted ridge on it (targets `S y`), so its
/// leave-one-out residuals, `√w_i r_i`, give the weighted leave-one-out error.
pub struct WeightedGram<'a> {
    gram: &'a dyn GramProvider,
    scale: Vec<f64>,
}

impl<'a> WeightedGram<'a> {
    /// The weighted problem's Gram matrix for positive `weights`.
    pub fn new(gram: &'a dyn GramProvider, weights: &[f64]) -> Self {
        Self { gram, scale: weights.iter().map(|w| w.sqrt()).collect() }
    }

    /// `S y`.
    pub fn scale_rows(&self, y: MatRef<'_, f64>) -> Mat<f64> {
        Mat::from_fn(y.nrows(), y.ncols(), |i, t| self.scale[i] * y[(i, t)])
    }
}

impl GramProvider for WeightedGram<'_> {
    fn n(&self) -> usize {
        self.gram.n()
    }

    fn block(&self, rows: &[usize], cols: &[usize], mut out: MatMut<'_, f64>) {
        self.gram.block(rows, cols, out.as_mut());
        for (c, &j) in cols.iter().enumerate() {
            for (r, &i) in rows.iter().enumerate() {
                out[(r, c)] *= self.scale[i] * self.scale[j];
            }
        }
    }

    fn diagonal(&self, rows: &[usize], out: &mut [f64]) {
        self.gram.diagonal(rows, out);
        for (v, &i) in out.iter_mut().zip(rows) {
            *v *= self.scale[i] * self.scale[i];
        }
    }

    fn par(&self) -> Par {
        self.gram.par()
    }
}
