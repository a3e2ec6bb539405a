//! The matrix `Q` of the dual problem, row by row, from a Gram provider.
//!
//! Variables may be permuted (shrinking moves active variables to the front)
//! and may map several to one sample (ε-SVR has two per sample):
//! `Q[s, t] = sign[s] · sign[t] · K[sample[s], sample[t]]`.

use faer::Mat;
use kern_kernels::GramProvider;

use super::cache::RowCache;

pub(crate) struct QMatrix<'a> {
    gram: &'a dyn GramProvider,
    /// The sample behind each (permuted) variable.
    sample: Vec<usize>,
    /// ±1 per (permuted) variable.
    sign: Vec<f64>,
    /// `Q[s, s]`, permuted with the variables.
    diag: Vec<f64>,
    cache: RowCache,
    /// Scratch for computing a kernel row.
    block: Mat<f64>,
    cols: Vec<usize>,
}

impl<'a> QMatrix<'a> {
    /// `Q` for variables `(sample[s], sign[s])`, caching kernel rows in `cache_bytes`.
    pub(crate) fn new(gram: &'a dyn GramProvider, sample: Vec<usize>, sign: Vec<f64>, cache_bytes: usize) -> Self {
        let n = gram.n();
        let mut k_diag = vec![0.0; n];
        let all: Vec<usize> = (0..n).collect();
        gram.diagonal(&all, &mut k_diag);
        let diag = sample.iter().map(|&i| k_diag[i]).collect();
        Self {
            gram,
            sample,
            sign,
            diag,
            cache: RowCache::new(n, cache_bytes),
            block: Mat::zeros(0, 0),
            cols: Vec::new(),
        }
    }

    /// Number of variables.
    pub(crate) fn len(&self) -> usize {
        self.sample.len()
    }

    /// `Q[s, s]` for every variable.
    pub(crate) fn diag(&self) -> &[f64] {
        &self.diag
    }

    /// Swaps variables `s` and `t` (a shrinking step).
    pub(crate) fn swap(&mut self, s: usize, t: usize) {
        self.sample.swap(s, t);
        self.sign.swap(s, t);
        self.diag.swap(s, t);
    }

    /// The active set grew back: partial kernel rows are stale.
    pub(crate) fn unshrink(&mut self) {
        self.cache.new_generation();
    }

    /// Writes `Q[s, 0..len]` into `out` (resized to `len`).
    pub(crate) fn row(&mut self, s: usize, len: usize, out: &mut Vec<f64>) {
        let i = self.sample[s];
        let complete = len == self.len();
        if self.cache.get(i, complete).is_none() {
            self.compute_kernel_row(i, len, complete);
        }
        let k = self.cache.get(i, complete).expect("just computed");
        let si = self.sign[s];
        out.clear();
        out.extend(self.sample[..len].iter().zip(&self.sign[..len]).map(|(&j, &sj)| si * sj * f64::from(k[j])));
    }

    /// Computes `K[i, sample[0..len]]` and caches it.
    fn compute_kernel_row(&mut self, i: usize, len: usize, complete: bool) {
        // Each sample once (ε-SVR lists every sample twice).
        self.cols.clear();
        if complete {
            self.cols.extend(0..self.gram.n());
        } else {
            self.cols.extend_from_slice(&self.sample[..len]);
            self.cols.sort_unstable();
            self.cols.dedup();
        }
        if (self.block.nrows(), self.block.ncols()) != (1, self.cols.len()) {
            self.block = Mat::zeros(1, self.cols.len());
        }
        self.gram.block(&[i], &self.cols, self.block.as_mut());
        let complete = complete || self.cols.len() == self.gram.n();
        let row = self.cache.insert(i, complete);
        for (c, &j) in self.cols.iter().enumerate() {
            row[j] = self.block[(0, c)] as f32;
        }
    }
}
