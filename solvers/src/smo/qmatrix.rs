//! The matrix `Q` of the dual problem, row by row, from a Gram provider.
//!
//! Variables may be permuted (shrinking moves active variables to the front)
//! and may map several to one sample (ε-SVR has two per sample):
//! `Q[s, t] = sign[s] · sign[t] · K[sample[s], sample[t]]`. Kernel rows cover
//! the problem's own samples only (a one-vs-one pair is a fraction of the
//! data), indexed locally.

use faer::Mat;
use kern_kernels::GramProvider;

use super::cache::RowCache;

pub(crate) struct QMatrix<'a> {
    gram: &'a dyn GramProvider,
    /// The problem's distinct samples, ascending: local index `m` is `members[m]`.
    members: Vec<usize>,
    /// The local sample behind each (permuted) variable.
    local: Vec<usize>,
    /// ±1 per (permuted) variable.
    sign: Vec<f64>,
    /// `Q[s, s]`, permuted with the variables.
    diag: Vec<f64>,
    cache: RowCache,
    /// Whether a sample stands behind several variables (ε- and ν-SVR).
    repeats: bool,
    /// Scratch for computing a kernel row, held as a column: a 1 × n faer
    /// matrix pads every element to its own cache line, its transpose does not.
    block: Mat<f64>,
    cols: Vec<usize>,
    cols_local: Vec<usize>,
    seen: Vec<bool>,
}

impl<'a> QMatrix<'a> {
    /// `Q` for variables `(sample[s], sign[s])`, caching kernel rows in `cache_bytes`.
    pub(crate) fn new(gram: &'a dyn GramProvider, sample: Vec<usize>, sign: Vec<f64>, cache_bytes: usize) -> Self {
        let mut members = sample.clone();
        members.sort_unstable();
        members.dedup();
        let local: Vec<usize> = sample.iter().map(|s| members.binary_search(s).expect("a member")).collect();
        let mut k_diag = vec![0.0; members.len()];
        gram.diagonal(&members, &mut k_diag);
        let diag = local.iter().map(|&m| k_diag[m]).collect();
        let repeats = sample.len() > members.len();
        let n = members.len();
        Self {
            gram,
            members,
            local,
            sign,
            diag,
            cache: RowCache::new(n, cache_bytes),
            repeats,
            block: Mat::zeros(0, 0),
            cols: Vec::new(),
            cols_local: Vec::new(),
            seen: if repeats { vec![false; n] } else { Vec::new() },
        }
    }

    /// Number of variables.
    pub(crate) fn len(&self) -> usize {
        self.local.len()
    }

    /// `Q[s, s]` for every variable.
    pub(crate) fn diag(&self) -> &[f64] {
        &self.diag
    }

    /// Swaps variables `s` and `t` (a shrinking step).
    pub(crate) fn swap(&mut self, s: usize, t: usize) {
        self.local.swap(s, t);
        self.sign.swap(s, t);
        self.diag.swap(s, t);
    }

    /// The active set grew back: partial kernel rows are stale.
    pub(crate) fn unshrink(&mut self) {
        self.cache.new_generation();
    }

    /// Writes `Q[s, 0..len]` into `out` (resized to `len`).
    pub(crate) fn row(&mut self, s: usize, len: usize, out: &mut Vec<f64>) {
        let m = self.local[s];
        let complete = len == self.len();
        if self.cache.get(m, complete).is_none() {
            self.compute_kernel_row(m, len, complete);
        }
        let k = self.cache.get(m, complete).expect("just computed");
        let si = self.sign[s];
        out.clear();
        out.extend(self.local[..len].iter().zip(&self.sign[..len]).map(|(&j, &sj)| si * sj * f64::from(k[j])));
    }

    /// Computes `K[members[m], ·]` over the samples of the first `len`
    /// variables (all of them when `complete`) and caches it.
    fn compute_kernel_row(&mut self, m: usize, len: usize, complete: bool) {
        let n = self.members.len();
        self.cols_local.clear();
        if complete {
            self.cols_local.extend(0..n);
        } else if self.repeats {
            // Each sample once (ε-SVR lists every sample twice).
            for &j in &self.local[..len] {
                if !std::mem::replace(&mut self.seen[j], true) {
                    self.cols_local.push(j);
                }
            }
            self.cols_local.iter().for_each(|&j| self.seen[j] = false);
        } else {
            self.cols_local.extend_from_slice(&self.local[..len]);
        }
        self.cols.clear();
        self.cols.extend(self.cols_local.iter().map(|&j| self.members[j]));
        if self.block.nrows() != self.cols.len() {
            self.block = Mat::zeros(self.cols.len(), 1);
        }
        self.gram.block(&[self.members[m]], &self.cols, self.block.as_mut().transpose_mut());
        let row = self.cache.insert(m, complete || self.cols_local.len() == n);
        for (&j, &k) in self.cols_local.iter().zip(self.block.col_as_slice(0)) {
            row[j] = k as f32;
        }
    }
}
