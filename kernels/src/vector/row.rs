//! One kernel row of a distance kernel (RBF, Matérn) against many samples,
//! fused: each chunk of the row goes from inner products to kernel values
//! while it sits in the L1 cache, with no tile buffer and no separate passes
//! over the row. SMO asks for such rows tens of thousands of times. Dense
//! data and sparse data (through the inverted index) both take it; the
//! arithmetic is the tiled path's, step for step, so the values are the same
//! to the last bit.

use std::cell::RefCell;

use faer::Par;

use super::VectorKernel;
use super::block::Panel;
use super::exp::exp;
use super::indexed::{NARROW, feature_major_dots};
#[cfg(target_arch = "x86_64")]
use super::pass::level;
use super::pass::{ROUNDING, dot};
use crate::data::{CscIndex, DataSet, DenseMatrix, Storage};

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
    const SQRT3: f64 = 1.732_050_807_568_877_2;
    const SQRT5: f64 = 2.236_067_977_499_79;
    let Some(source) = Source::new(a, row, b, cols.len()) else { return false };
    match *kernel {
        VectorKernel::Rbf { gamma } => source.fill(cols, out, par, |d2| exp(-gamma * d2)),
        VectorKernel::Matern12 { lengthscale } => {
            let inv = 1.0 / lengthscale;
            source.fill(cols, out, par, |d2| exp(-d2.sqrt() * inv));
        }
        VectorKernel::Matern32 { lengthscale } => {
            let scale = SQRT3 / lengthscale;
            source.fill(cols, out, par, |d2| {
                let s = scale * d2.sqrt();
                (1.0 + s) * exp(-s)
            });
        }
        VectorKernel::Matern52 { lengthscale } => {
            let scale = SQRT5 / lengthscale;
            source.fill(cols, out, par, |d2| {
                let s = scale * d2.sqrt();
                (1.0 + s + s * s / 3.0) * exp(-s)
            });
        }
        _ => return false,
    }
    true
}

/// How the row's inner products with the samples are formed.
enum Products<'a> {
    /// Dense `b`: a dot product per column, or, for narrow data (as the
    /// tiled path decides), every sample at once through the feature-major copy.
    Dense { m: &'a DenseMatrix, few: Panel<'a>, all_dots: bool },
    /// Sparse rows: every sample at once, through `b`'s inverted index (as
    /// the tiled path computes them).
    Inverted { csc: &'a CscIndex, idx: &'a [u32], val: &'a [f64] },
}

/// The row and how its inner products are formed.
struct Source<'a> {
    b: &'a DataSet,
    products: Products<'a>,
    /// `‖a[row]‖²`.
    ny: f64,
    /// The row's own index when `a` and `b` are the same data.
    itself: Option<usize>,
}

impl<'a> Source<'a> {
    fn new(a: &'a DataSet, row: usize, b: &'a DataSet, n_cols: usize) -> Option<Self> {
        let products = match (a.storage(), b.storage()) {
            (Storage::Sparse(sa), Storage::Sparse(_)) => {
                let (idx, val) = sa.row(row);
                Products::Inverted { csc: b.csc()?, idx, val }
            }
            (_, Storage::Dense(m)) if m.n_cols() >= a.n_features() => {
                let d = m.n_cols();
                let all_dots = d <= NARROW && n_cols * 8 >= b.n_samples();
                Products::Dense { m, few: Panel::gather(a, &[row], d), all_dots }
            }
            _ => return None,
        };
        Some(Source { b, products, ny: a.sq_norms()[row], itself: std::ptr::eq(a, b).then_some(row) })
    }

    /// `out[c] = f(‖a[row] − b[cols[c]]‖²)`; in two halves on two threads
    /// when `par` allows (see [`row_par`](super::block::row_par)).
    fn fill(&self, cols: &[usize], out: &mut [f64], par: Par, f: impl Fn(f64) -> f64 + Copy + Sync) {
        let (norms, n) = (self.b.sq_norms(), self.b.n_samples());
        let split = !crate::is_sequential(par);
        ALL_DOTS.with(|all| {
            let mut all = all.borrow_mut();
            let dots = match &self.products {
                Products::Dense { m, few, all_dots: false } => Dots::Rows(m, &few.values[..m.n_cols()]),
                _ => {
                    all.clear();
                    all.resize(n, 0.0);
                    let (lo, hi) = all.split_at_mut(if split { n / 2 } else { n });
                    let first = lo.len();
                    both(split, || self.all_products(lo, 0), || self.all_products(hi, first));
                    Dots::All(&all[..])
                }
            };
            let chunk = Chunk { dots, ny: self.ny, norms, itself: self.itself };
            let run = |cols: &[usize], out: &mut [f64]| {
                for (cols, o) in cols.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
                    chunk.fill_dispatched(cols, o, f);
                }
            };
            let half = if split { cols.len().div_ceil(2 * CHUNK) * CHUNK } else { cols.len() };
            let ((c0, c1), (o0, o1)) = (cols.split_at(half), out.split_at_mut(half));
            both(split, || run(c0, o0), || run(c1, o1));
        });
    }

    /// `dots[i] = ⟨a[row], b[first + i]⟩` (`dots` holds zeros).
    fn all_products(&self, dots: &mut [f64], first: usize) {
        match &self.products {
            Products::Dense { m, few, .. } => {
                let fm = self.b.feature_major().expect("dense data");
                feature_major_dots(dots, first, &few.values[..m.n_cols()], fm, self.b.n_samples());
            }
            Products::Inverted { csc, idx, val } => csc.accumulate(idx, val, first..first + dots.len(), dots),
        }
    }
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
    fn fill_dispatched(&self, cols: &[usize], out: &mut [f64], f: impl Fn(f64) -> f64 + Copy) {
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
    fn fill_avx512(&self, cols: &[usize], out: &mut [f64], f: impl Fn(f64) -> f64 + Copy) {
        self.fill(cols, out, f)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn fill_avx2(&self, cols: &[usize], out: &mut [f64], f: impl Fn(f64) -> f64 + Copy) {
        self.fill(cols, out, f)
    }

    /// Squared distances (exactly 0 for the row's own sample, as the
    /// tiled path makes them), then the kernel's formula over them.
    #[inline(always)]
    fn fill(&self, cols: &[usize], out: &mut [f64], f: impl Fn(f64) -> f64 + Copy) {
        for (o, &j) in out.iter_mut().zip(cols) {
            let v = match self.dots {
                Dots::All(all) => all[j],
                Dots::Rows(m, y) => dot(m.row(j), y),
            };
            let nr = self.norms[j];
            let d2 = nr + self.ny - 2.0 * v;
            *o = if self.itself != Some(j) && d2 > ROUNDING * (nr + self.ny) { d2 } else { 0.0 };
        }
        out.iter_mut().for_each(|o| *o = f(*o));
    }
}

#[cfg(test)]
mod tests {
    use faer::{Mat, Par};

    use crate::data::{DataSet, DenseMatrix, SparseMatrix};
    use crate::kernel::Kernel;
    use crate::vector::VectorKernel;

    /// A fused row equals, bit for bit, the first row of a two-row block
    /// (which takes the tiled path), for each distance kernel, on narrow and
    /// wide dense data and on sparse data, all columns or a scattered
    /// subset, one thread or two.
    #[test]
    fn a_fused_row_equals_the_tiled_path_to_the_bit() {
        let mut state = 7u64;
        let mut uniform = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
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
        let kernels = [
            VectorKernel::Rbf { gamma: 2.0 },
            VectorKernel::Matern12 { lengthscale: 0.7 },
            VectorKernel::Matern32 { lengthscale: 0.7 },
            VectorKernel::Matern52 { lengthscale: 0.7 },
        ];
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
