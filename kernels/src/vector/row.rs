//! One kernel row of a distance kernel (RBF, Matérn) against many samples,
//! fused: each chunk of the row goes from inner products to kernel values
//! while it sits in the L1 cache, with no tile buffer and no separate passes
//! over the row. SMO asks for such rows tens of thousands of times. Dense
//! data and sparse data (through the inverted index) both take it, over all
//! the samples or over a copy of some ([`super::columns`]); the
//! arithmetic is the tiled path's, step for step, so the values are the same
//! to the last bit.

use std::cell::RefCell;

use faer::Par;

use super::VectorKernel;
use super::block::Panel;
use super::exp::exp;
use super::indexed::{NARROW, feature_major_dots};
use super::pass::{ROUNDING, dots_of_rows};
use crate::data::{CscIndex, DataSet, DenseMatrix, Storage};
#[cfg(target_arch = "x86_64")]
use crate::simd::level;

/// Columns turned into kernel values at a time (in L1 with their inputs).
const CHUNK: usize = 256;

thread_local! {
    /// Inner products of the row with every sample, reused from row to row.
    static ALL_DOTS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// `out[c] = k(a[row], b[cols[c]])` for a distance kernel, with `b` dense
/// and at least as wide as `a`, or both sparse; false (and `out` untouched)
/// for any other kernel or data, which the tiled path computes.
pub(super) fn fused_row(
    kernel: &VectorKernel,
    a: &DataSet,
    row: usize,
    b: &DataSet,
    cols: &[usize],
    out: &mut [f64],
    par: Par,
) -> bool {
    let Some(source) = Source::new(a, row, b, cols.len()) else { return false };
    source.apply(kernel, Columns::Listed(cols), out, par)
}

/// How the row's inner products with the samples are formed.
enum Products<'a> {
    /// Dense `b`: a dot product per column, or, for narrow data (as the
    /// tiled path decides), every sample at once through a feature-major copy.
    Dense { m: &'a DenseMatrix, few: Panel<'a>, all: Option<FeatureMajor<'a>> },
    /// A row-major copy of dense samples: a dot product per column, read
    /// in order, four columns at a time.
    Rows { y: &'a [f64], copy: RowMajor<'a> },
    /// Sparse rows: every sample at once (from sample `first` of the index
    /// on), through `b`'s inverted index, as the tiled path computes them.
    Inverted { csc: &'a CscIndex, idx: &'a [u32], val: &'a [f64], first: usize },
}

/// Samples feature by feature: feature `k` of sample `i` at `k · n + i`;
/// the products computed up front are those of samples `first..`.
#[derive(Clone, Copy)]
pub(super) struct FeatureMajor<'a> {
    pub(super) fm: &'a [f64],
    pub(super) n: usize,
    pub(super) first: usize,
}

/// Samples one after another, `d` features each; the products computed up
/// front are those of samples `first..`.
#[derive(Clone, Copy)]
pub(super) struct RowMajor<'a> {
    pub(super) values: &'a [f64],
    pub(super) d: usize,
    pub(super) first: usize,
}

/// A copy of some samples, and the first of them a row's products start at.
#[derive(Clone, Copy)]
pub(super) enum Copied<'a> {
    FeatureMajor(FeatureMajor<'a>),
    RowMajor(RowMajor<'a>),
    Inverted(&'a CscIndex, usize),
}

/// The row and how its inner products are formed.
pub(super) struct Source<'a> {
    products: Products<'a>,
    /// Products computed up front (`Dots::All`), when they are.
    count: usize,
    /// `‖x‖²` of the columns, indexed as `cols` index.
    norms: &'a [f64],
    /// `‖a[row]‖²`.
    ny: f64,
    /// The row's own column, when it is one of them.
    itself: Option<usize>,
}

impl<'a> Source<'a> {
    fn new(a: &'a DataSet, row: usize, b: &'a DataSet, n_cols: usize) -> Option<Self> {
        let n = b.n_samples();
        let products = match (a.storage(), b.storage()) {
            (Storage::Sparse(sa), Storage::Sparse(_)) => {
                let (idx, val) = sa.row(row);
                Products::Inverted { csc: b.csc()?, idx, val, first: 0 }
            }
            (_, Storage::Dense(m)) if m.n_cols() >= a.n_features() => {
                let d = m.n_cols();
                let all = (d <= NARROW && all_products_pay(n_cols, n)).then(|| FeatureMajor {
                    fm: b.feature_major().expect("dense data"),
                    n,
                    first: 0,
                });
                Products::Dense { m, few: Panel::gather(a, &[row], d), all }
            }
            _ => return None,
        };
        let itself = std::ptr::eq(a, b).then_some(row);
        Some(Source { products, count: n, norms: b.sq_norms(), ny: a.sq_norms()[row], itself })
    }

    /// Row `row` of `data` against the samples of a copy (their norms
    /// `norms`, the row's own position among them `itself`): feature-major
    /// or row-major when dense, an inverted index when sparse.
    pub(super) fn copied(
        (data, row): (&'a DataSet, usize),
        copy: Copied<'a>,
        (norms, itself): (&'a [f64], Option<usize>),
    ) -> Self {
        let products = match (data.storage(), copy) {
            (Storage::Dense(m), Copied::FeatureMajor(copy)) => {
                let few = Panel { values: m.row(row).into(), sq_norms: (&[][..]).into() };
                Products::Dense { m, few, all: Some(copy) }
            }
            (Storage::Dense(m), Copied::RowMajor(copy)) => Products::Rows { y: m.row(row), copy },
            (Storage::Sparse(m), Copied::Inverted(csc, first)) => {
                let (idx, val) = m.row(row);
                Products::Inverted { csc, idx, val, first }
            }
            _ => unreachable!("a copy of the data's own storage"),
        };
        Source { products, count: norms.len(), norms, ny: data.sq_norms()[row], itself }
    }

    /// `out[c] = k(a[row], b[cols[c]])` by `kernel`'s formula; false for a
    /// kernel that is not a distance kernel ([`fuses`]).
    pub(super) fn apply(&self, kernel: &VectorKernel, cols: Columns<'_>, out: &mut [f64], par: Par) -> bool {
        const SQRT3: f64 = 1.732_050_807_568_877_2;
        const SQRT5: f64 = 2.236_067_977_499_79;
        match *kernel {
            VectorKernel::Rbf { gamma } => self.fill(&cols, out, par, |d2| exp(-gamma * d2)),
            VectorKernel::Matern12 { lengthscale } => {
                let inv = 1.0 / lengthscale;
                self.fill(&cols, out, par, |d2| exp(-d2.sqrt() * inv));
            }
            VectorKernel::Matern32 { lengthscale } => {
                let scale = SQRT3 / lengthscale;
                self.fill(&cols, out, par, |d2| {
                    let s = scale * d2.sqrt();
                    (1.0 + s) * exp(-s)
                });
            }
            VectorKernel::Matern52 { lengthscale } => {
                let scale = SQRT5 / lengthscale;
                self.fill(&cols, out, par, |d2| {
                    let s = scale * d2.sqrt();
                    (1.0 + s + s * s / 3.0) * exp(-s)
                });
            }
            _ => return false,
        }
        true
    }

    /// `out[c] = f(‖a[row] − b[cols[c]]‖²)`; in two halves on two threads
    /// when `par` allows (see [`row_par`](super::block::row_par)).
    fn fill(&self, cols: &Columns<'_>, out: &mut [f64], par: Par, f: impl Fn(f64) -> f64 + Copy + Sync) {
        let (n, split) = (self.count, !crate::is_sequential(par));
        let half = if split { cols.len().div_ceil(2 * CHUNK) * CHUNK } else { cols.len() };
        if let (Columns::Run(run), Products::Dense { .. } | Products::Rows { .. }) = (cols, &self.products) {
            // A dense copy's columns in order: products and formula chunk by
            // chunk, both in L1, and one hand-off per row. (An inverted
            // index would search its columns again for every chunk.)
            let (o0, o1) = out.split_at_mut(half);
            let mid = run.start + half;
            both(split, || self.fill_run(run.start..mid, o0, f), || self.fill_run(mid..run.end, o1, f));
            return;
        }
        ALL_DOTS.with(|all| {
            let mut all = all.borrow_mut();
            let dots = match &self.products {
                Products::Dense { m, few, all: None } => Dots::Rows(m, &few.values[..m.n_cols()]),
                _ => {
                    all.clear();
                    all.resize(n, 0.0);
                    let (lo, hi) = all.split_at_mut(if split { n / 2 } else { n });
                    let first = lo.len();
                    both(split, || self.all_products(lo, 0), || self.all_products(hi, first));
                    Dots::All(&all[..])
                }
            };
            let chunk = Chunk { dots, ny: self.ny, norms: self.norms, itself: self.itself };
            let run = |cols: Columns<'_>, out: &mut [f64]| {
                for (k, o) in out.chunks_mut(CHUNK).enumerate() {
                    chunk.fill_dispatched(cols.sub(k * CHUNK, k * CHUNK + o.len()), o, f);
                }
            };
            let (len, (o0, o1)) = (cols.len(), out.split_at_mut(half));
            both(split, || run(cols.sub(0, half), o0), || run(cols.sub(half, len), o1));
        });
    }

    /// [`fill`](Self::fill) of the positions `run`, chunk by chunk.
    fn fill_run(&self, run: std::ops::Range<usize>, out: &mut [f64], f: impl Fn(f64) -> f64 + Copy) {
        let mut dots = [0.0; CHUNK];
        for (k, o) in out.chunks_mut(CHUNK).enumerate() {
            let start = run.start + k * CHUNK;
            let dots = &mut dots[..o.len()];
            dots.fill(0.0);
            self.all_products(dots, start);
            let itself = self.itself.and_then(|i| i.checked_sub(start)).filter(|&i| i < o.len());
            let norms = &self.norms[start..start + o.len()];
            let chunk = Chunk { dots: Dots::All(dots), ny: self.ny, norms, itself };
            chunk.fill_dispatched(Columns::Run(0..o.len()), o, f);
        }
    }

    /// `dots[i]` = the product with sample `first + i` of those computed
    /// up front (`dots` holds zeros).
    fn all_products(&self, dots: &mut [f64], first: usize) {
        match &self.products {
            Products::Dense { m, few, all: Some(c) } => {
                feature_major_dots(dots, c.first + first, &few.values[..m.n_cols()], c.fm, c.n);
            }
            Products::Dense { all: None, .. } => unreachable!("products per column"),
            Products::Rows { y, copy } => {
                let (d, start) = (copy.d, copy.first + first);
                dots_of_rows(dots, |i| &copy.values[(start + i) * d..(start + i + 1) * d], y);
            }
            Products::Inverted { csc, idx, val, first: at } => {
                csc.accumulate(idx, val, at + first..at + first + dots.len(), dots);
            }
        }
    }
}

/// Whether rows of `kernel` are computed here: the kernels of a squared
/// distance whose formula [`Source::apply`] knows.
pub(super) fn fuses(kernel: &VectorKernel) -> bool {
    matches!(
        kernel,
        VectorKernel::Rbf { .. }
            | VectorKernel::Matern12 { .. }
            | VectorKernel::Matern32 { .. }
            | VectorKernel::Matern52 { .. }
    )
}

/// Whether computing the products with all `n` samples of narrow data, as
/// long AXPYs, pays for a row of `n_cols` of them (the tiled path's rule).
pub(super) fn all_products_pay(n_cols: usize, n: usize) -> bool {
    n_cols * 8 >= n
}

/// Runs `a` and `b`, on two threads when `split`.
fn both(split: bool, a: impl FnOnce() + Send, b: impl FnOnce() + Send) {
    if split {
        rayon::join(a, b);
    } else {
        a();
        b();
    }
}

/// The columns of a row: listed by sample, or a run of positions read in
/// order (a copy's columns, [`super::columns`]).
#[derive(Clone, Debug)]
pub(super) enum Columns<'a> {
    Listed(&'a [usize]),
    Run(std::ops::Range<usize>),
}

impl Columns<'_> {
    fn len(&self) -> usize {
        match self {
            Columns::Listed(cols) => cols.len(),
            Columns::Run(run) => run.len(),
        }
    }

    /// Columns `start..end` of these.
    fn sub(&self, start: usize, end: usize) -> Self {
        match self {
            Columns::Listed(cols) => Columns::Listed(&cols[start..end]),
            Columns::Run(run) => Columns::Run(run.start + start..run.start + end),
        }
    }
}

/// Where a chunk reads the row's inner products from.
#[derive(Clone, Copy)]
enum Dots<'a> {
    /// Computed for every sample up front.
    All(&'a [f64]),
    /// Computed here, from each column's dense row and the row `y`.
    Rows(&'a DenseMatrix, &'a [f64]),
}

/// What one chunk of the row needs.
struct Chunk<'a> {
    dots: Dots<'a>,
    ny: f64,
    norms: &'a [f64],
    itself: Option<usize>,
}

impl Chunk<'_> {
    /// [`fill`](Self::fill) compiled for the widest vector unit this CPU has.
    /// Not through `simd::dispatched`: a closure this large is not inlined
    /// into the wide copy, and ran at baseline width (a9a: 39 % of the fit).
    fn fill_dispatched(&self, cols: Columns<'_>, out: &mut [f64], f: impl Fn(f64) -> f64 + Copy) {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: each variant runs only where the CPU has its features.
            match level() {
                3 => return unsafe { self.fill_avx512(cols, out, f) },
                2 => return unsafe { self.fill_avx2(cols, out, f) },
                _ => {}
            }
        }
        self.fill(cols, out, f)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn fill_avx512(&self, cols: Columns<'_>, out: &mut [f64], f: impl Fn(f64) -> f64 + Copy) {
        self.fill(cols, out, f)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn fill_avx2(&self, cols: Columns<'_>, out: &mut [f64], f: impl Fn(f64) -> f64 + Copy) {
        self.fill(cols, out, f)
    }

    /// Squared distances (exactly 0 for the row's own sample, as the
    /// tiled path makes them), then the kernel's formula over them.
    #[inline(always)]
    fn fill(&self, cols: Columns<'_>, out: &mut [f64], f: impl Fn(f64) -> f64 + Copy) {
        let ny = self.ny;
        let sq_distance = |v: f64, nr: f64| {
            let d2 = nr + ny - 2.0 * v;
            if d2 > ROUNDING * (nr + ny) { d2 } else { 0.0 }
        };
        match (cols, self.dots) {
            (Columns::Listed(cols), Dots::All(all)) => {
                for (o, &j) in out.iter_mut().zip(cols) {
                    *o = if self.itself != Some(j) { sq_distance(all[j], self.norms[j]) } else { 0.0 };
                }
            }
            (Columns::Listed(cols), Dots::Rows(m, y)) => {
                for (out, cols) in out.chunks_mut(CHUNK).zip(cols.chunks(CHUNK)) {
                    let mut dots = [0.0; CHUNK];
                    dots_of_rows(&mut dots[..cols.len()], |c| m.row(cols[c]), y);
                    for ((o, &j), &v) in out.iter_mut().zip(cols).zip(&dots) {
                        *o = if self.itself != Some(j) { sq_distance(v, self.norms[j]) } else { 0.0 };
                    }
                }
            }
            (Columns::Run(run), Dots::All(all)) => {
                // In order: contiguous loads, no index per column.
                let (all, norms) = (&all[run.clone()], &self.norms[run.clone()]);
                for ((o, &v), &nr) in out.iter_mut().zip(all).zip(norms) {
                    *o = sq_distance(v, nr);
                }
                if let Some(i) = self.itself.filter(|i| run.contains(i)) {
                    out[i - run.start] = 0.0;
                }
            }
            (Columns::Run(_), Dots::Rows(..)) => unreachable!("a run reads products computed up front"),
        }
        out.iter_mut().for_each(|o| *o = f(*o));
    }
}

#[cfg(test)]
mod tests {
    use faer::{Mat, Par};

    use crate::data::{DataSet, DenseMatrix, SparseMatrix};
    use crate::kernel::Kernel;

    /// A fused row equals, bit for bit, the first row of a two-row block
    /// (which takes the tiled path), for each distance kernel, on narrow and
    /// wide dense data and on sparse data, all columns or a scattered
    /// subset, one thread or two.
    #[test]
    fn a_fused_row_equals_the_tiled_path_to_the_bit() {
        let mut uniform = crate::vector::uniform(7);
        let n = 24_000;
        let mut sets = Vec::new();
        for d in [5, 40] {
            sets.push(DataSet::from(DenseMatrix::new(n, d, (0..n * d).map(|_| uniform()).collect()).unwrap()));
        }
        // One-hot-like sparse rows: feature 0 in about 80 % of them (a
        // complemented column of the inverted index), features 1..30 rare.
        let mut sparse = SparseMatrix::with_cols(30);
        for _ in 0..n {
            let (mut idx, mut val) = (Vec::new(), Vec::new());
            for k in 0..30u32 {
                let u = uniform() + 0.5;
                if (k == 0 && u < 0.8) || (k > 0 && u < 0.1) {
                    idx.push(k);
                    val.push(if k == 0 { 1.0 } else { uniform() });
                }
            }
            sparse.push_row(&idx, &val).unwrap();
        }
        sets.push(DataSet::from(sparse));
        let kernels = crate::vector::distance_kernels();
        let every: Vec<usize> = (0..n).collect();
        let scattered: Vec<usize> = (0..n).filter(|i| i % 3 != 1).rev().collect();
        for x in &sets {
            for kernel in &kernels {
                for cols in [&every, &scattered] {
                    for par in [Par::Seq, Par::rayon(2)] {
                        let (row, other) = (cols[17], cols[5]);
                        let mut fused = Mat::zeros(1, cols.len());
                        kernel.block(x, &[row], x, cols, fused.as_mut(), par);
                        let mut tiled = Mat::zeros(2, cols.len());
                        kernel.block(x, &[row, other], x, cols, tiled.as_mut(), par);
                        for c in 0..cols.len() {
                            assert_eq!(
                                fused[(0, c)].to_bits(),
                                tiled[(0, c)].to_bits(),
                                "{kernel:?} d = {}, column {c}",
                                x.n_features()
                            );
                        }
                        assert_eq!(fused[(0, 17)], 1.0, "a sample with itself");
                    }
                }
            }
        }
    }
}
