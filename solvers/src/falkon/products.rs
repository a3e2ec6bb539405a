//! Products with `K_nM`, the kernel between the samples and the centres, in
//! row blocks: computed afresh for each product (memory `O(M)` per block),
//! or computed once and held when the fit may spend `n M` values on them,
//! which turns a conjugate-gradient step from `n M d` kernel work into two
//! passes over memory.
//!
//! Blocks are numbered across all processes sharing the rows, and the sums
//! `K_nMᵀ v` over them are added along one tree of block numbers
//! ([`tree_sum`]): the same bits alone, at any thread count, and on any
//! number of processes whose shares start at multiples of [`BLOCK`].

use std::ops::Range;

use faer::{Accum, Mat, MatMut, MatRef, Par};
use kern_kernels::{BlockProduct, DataSet, Kernel};
use rayon::prelude::*;

use crate::collective::{Collective, sum_matrix, tree_sum};

/// Rows of `K_nM` in a block: fixed, so the sums are the same at any
/// thread count; processes sharing the rows hold whole blocks.
pub const BLOCK: usize = 256;

/// `K_nM` products, block by block.
pub(super) struct KnmProducts<'a> {
    kernel: &'a dyn Kernel<DataSet>,
    x: &'a DataSet,
    centers: &'a DataSet,
    par: Par,
    /// Every block of `K_nM`, column-major, when held.
    held: Option<Vec<Vec<f64>>>,
    /// Sample weights `W` in `K_nMᵀ W K_nM` (none: `W = I`).
    weights: Option<&'a [f64]>,
    /// The numbers of this process's blocks among all processes' blocks.
    numbered: Range<usize>,
    /// Blocks over all processes.
    total_blocks: usize,
}

impl<'a> KnmProducts<'a> {
    /// Products that compute each block when they need it.
    pub(super) fn new(kernel: &'a dyn Kernel<DataSet>, x: &'a DataSet, centers: &'a DataSet, par: Par) -> Self {
        let blocks = x.n_samples().div_ceil(BLOCK);
        Self { kernel, x, centers, par, held: None, weights: None, numbered: 0..blocks, total_blocks: blocks }
    }

    /// Products whose blocks are numbered from `first` among `total` blocks
    /// shared by processes.
    pub(super) fn numbered(mut self, first: usize, total: usize) -> Self {
        self.numbered = first..first + self.blocks();
        self.total_blocks = total;
        self
    }

    /// Products whose Gram is `K_nMᵀ W K_nM`, `W` the sample weights.
    pub(super) fn weighted(mut self, weights: Option<&'a [f64]>) -> Self {
        self.weights = weights;
        self
    }

    /// Computes every block once and holds it, when `K_nM` fits in `max_bytes`.
    pub(super) fn hold_within(mut self, max_bytes: u64) -> Self {
        let bytes = (self.x.n_samples() as u64).saturating_mul(self.centers.n_samples() as u64).saturating_mul(8);
        if bytes > max_bytes {
            return self;
        }
        // Zeroed by the allocator (fresh pages, no second pass of zeros).
        let compute = |b: usize| {
            let rows = self.rows(b).len();
            let mut values = vec![0.0; rows * self.centers.n_samples()];
            let out = MatMut::from_column_major_slice_mut(&mut values, rows, self.centers.n_samples());
            self.block_into(b, out);
            values
        };
        let blocks = if kern_kernels::is_sequential(self.par) {
            (0..self.blocks()).map(compute).collect()
        } else {
            (0..self.blocks()).into_par_iter().map(compute).collect()
        };
        self.held = Some(blocks);
        self
    }

    fn blocks(&self) -> usize {
        self.x.n_samples().div_ceil(BLOCK)
    }

    /// The samples of block `b`.
    fn rows(&self, b: usize) -> std::ops::Range<usize> {
        b * BLOCK..((b + 1) * BLOCK).min(self.x.n_samples())
    }

    /// `out ← K(X_b, C)` for block `b`.
    fn block_into(&self, b: usize, out: MatMut<'_, f64>) {
        let rows: Vec<usize> = self.rows(b).collect();
        let cols: Vec<usize> = (0..self.centers.n_samples()).collect();
        self.kernel.block(self.x, &rows, self.centers, &cols, out, Par::Seq);
    }

    /// `f(b, K(X_b, C))` for every block `b`, in block order (in parallel when allowed).
    fn map_blocks<T: Send>(&self, f: impl Fn(usize, MatRef<'_, f64>) -> T + Sync) -> Vec<T> {
        let m = self.centers.n_samples();
        let run = |b: usize| match &self.held {
            Some(blocks) => f(b, MatRef::from_column_major_slice(&blocks[b], self.rows(b).len(), m)),
            None => {
                let mut k = Mat::zeros(self.rows(b).len(), m);
                self.block_into(b, k.as_mut());
                f(b, k.as_ref())
            }
        };
        if kern_kernels::is_sequential(self.par) {
            (0..self.blocks()).map(run).collect()
        } else {
            (0..self.blocks()).into_par_iter().map(run).collect()
        }
    }

    /// `K_nMᵀ v` over all processes, for `v` with one row per local sample.
    pub(super) fn transpose_times(&self, v: MatRef<'_, f64>, collective: &dyn Collective) -> Mat<f64> {
        if let Some(product) = self.kernel.block_product(self.x, self.centers, BlockProduct::TransposeTimes(v)) {
            return summed_in_rank_order(product, collective);
        }
        self.sum_blocks(v.ncols(), collective, &|b, k| {
            let rows = v.subrows(b * BLOCK, k.nrows());
            let mut out = Mat::zeros(k.ncols(), v.ncols());
            faer::linalg::matmul::matmul(out.as_mut(), Accum::Replace, k.transpose(), rows, 1.0, Par::Seq);
            out
        })
    }

    /// `K_nMᵀ W K_nM w` over all processes: each block used twice while it is in cache.
    pub(super) fn gram_times(&self, w: MatRef<'_, f64>, collective: &dyn Collective) -> Mat<f64> {
        if self.weights.is_none()
            && let Some(product) = self.kernel.block_product(self.x, self.centers, BlockProduct::GramTimes(w))
        {
            return summed_in_rank_order(product, collective);
        }
        self.sum_blocks(w.ncols(), collective, &|b, k| {
            let mut z = times(k, w);
            if let Some(weights) = self.weights {
                let weights = &weights[b * BLOCK..b * BLOCK + k.nrows()];
                (0..z.ncols()).for_each(|c| (0..z.nrows()).for_each(|r| z[(r, c)] *= weights[r]));
            }
            let mut out = Mat::zeros(k.ncols(), w.ncols());
            faer::linalg::matmul::matmul(out.as_mut(), Accum::Replace, k.transpose(), z.as_ref(), 1.0, Par::Seq);
            out
        })
    }

    /// `Σ_b f(b, K(X_b, C))` (each `M × cols`) over every process's blocks,
    /// `b` the local block number, added along the tree of global numbers.
    fn sum_blocks(
        &self,
        cols: usize,
        collective: &dyn Collective,
        f: &(dyn Fn(usize, MatRef<'_, f64>) -> Mat<f64> + Sync),
    ) -> Mat<f64> {
        let m = self.centers.n_samples();
        let part = |global: usize| -> Vec<f64> {
            let b = global - self.numbered.start;
            let product = match &self.held {
                Some(blocks) => f(b, MatRef::from_column_major_slice(&blocks[b], self.rows(b).len(), m)),
                None => {
                    let mut k = Mat::zeros(self.rows(b).len(), m);
                    self.block_into(b, k.as_mut());
                    f(b, k.as_ref())
                }
            };
            (0..cols).flat_map(|c| product.col_as_slice(c).to_vec()).collect()
        };
        let parallel = !kern_kernels::is_sequential(self.par);
        let sum = tree_sum(collective, self.numbered.clone(), self.total_blocks, m * cols, parallel, &part);
        kern_kernels::simd::clear_upper_state();
        Mat::from_fn(m, cols, |i, c| sum[c * m + i])
    }

    /// `K_nM w`, one row per sample.
    pub(super) fn times(&self, w: MatRef<'_, f64>) -> Mat<f64> {
        if let Some(product) = self.kernel.block_product(self.x, self.centers, BlockProduct::Times(w)) {
            return product;
        }
        let parts = self.map_blocks(|_, k| times(k, w));
        let mut out = Mat::zeros(self.x.n_samples(), w.ncols());
        for (b, part) in parts.iter().enumerate() {
            out.as_mut().subrows_mut(b * BLOCK, part.nrows()).copy_from(part);
        }
        kern_kernels::simd::clear_upper_state();
        out
    }
}

/// `k w` on this thread: faer's `*` would split it over the pool's threads,
/// and its sums with them.
fn times(k: MatRef<'_, f64>, w: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(k.nrows(), w.ncols());
    faer::linalg::matmul::matmul(out.as_mut(), Accum::Replace, k, w, 1.0, Par::Seq);
    out
}

/// A device's whole local product, summed over the processes in rank order.
fn summed_in_rank_order(mut product: Mat<f64>, collective: &dyn Collective) -> Mat<f64> {
    sum_matrix(collective, &mut product);
    product
}
