//! Prediction: `K(test, train) a` (plus the targets' means, when centred),
//! in row chunks so that memory stays `O(chunk · n_train)` whatever the
//! number of test samples.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use kern_kernels::{Kernel, Samples};

use super::KernelRidgeModel;

/// Test rows per chunk of `K(test, train)`.
const CHUNK: usize = 2048;

impl<K: Kernel<S>, S: Samples> KernelRidgeModel<K, S> {
    /// Predicts every target for every sample of `test`: an `n_test × n_targets` matrix.
    pub fn predict(&self, test: &S, par: Par) -> Mat<f64> {
        let n_test = test.len();
        let cols: Vec<usize> = (0..self.train.len()).collect();
        let mut out = Mat::zeros(n_test, self.n_targets);
        for start in (0..n_test).step_by(CHUNK) {
            let rows: Vec<usize> = (start..(start + CHUNK).min(n_test)).collect();
            let mut k = Mat::zeros(rows.len(), cols.len());
            self.kernel.block(test, &rows, &self.train, &cols, k.as_mut(), par);
            matmul(out.as_mut().subrows_mut(start, rows.len()), Accum::Replace, k.as_ref(), self.dual(), 1.0, par);
            kern_kernels::simd::clear_upper_state();
        }
        super::add_target_means(out.as_mut(), &self.target_mean);
        out
    }
}
