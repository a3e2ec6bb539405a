//! One kernel row of a distance kernel (RBF, Matérn) against many dense
//! samples, fused: each chunk of the row goes from inner products to kernel
//! values while it sits in the L1 cache, with no tile buffer and no
//! separate passes over the row. SMO asks for such rows tens of thousands
//! of times. The arithmetic is the tiled path's, step for step, so the
//! values are the same to the last bit.

use std::cell::RefCell;

use faer::Par;

use super::VectorKernel;
use super::block::Panel;
use super::exp::exp;
use super::indexed::{NARROW, feature_major_dots};
#[cfg(target_arch = "x86_64")]
use super::pass::level;
use super::pass::{ROUNDING, dot};
use crate::data::{DataSet, DenseMatrix, Storage};

/// Columns turned into kernel values at a time (in L1 with their inputs).
const CHUNK: usize = 256;
/// Columns from which a second thread helps with a row: below, the
/// hand-off costs more than half the row.
const HELP_FROM: usize = 20_000;

thread_local! {
    /// Inner products of the row with every sample, reused from row to row.
    static ALL_DOTS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// `out[c] = k(a[row], b[cols[c]])` for a distance kernel and dense `b` at
/// least as wide as `a`; false (and `out` untouched) for any other kernel
/// or data, which the tiled path computes.
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
    let Storage::Dense(m) = b.storage() else { return false };
    if m.n_cols() < a.n_features() {
        return false;
    }
    let source = Source::new(a, row, b, cols.len());
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

/// The row and how its inner products are formed.
struct Source<'a> {
    b: &'a DataSet,
    few: Panel<'a>,
    d: usize,
    /// The row's own index when `a` and `b` are the same data.
    itself: Option<usize>,
    /// Through the feature-major copy, all samples at once (narrow data,
    /// as the tiled path decides).
    all_dots: bool,
}

impl<'a> Source<'a> {
    fn new(a: &'a DataSet, row: usize, b: &'a DataSet, n_cols: usize) -> Self {
        let d = b.n_features();
        let all_dots = d <= NARROW && n_cols * 8 >= b.n_samples();
        Source { b, few: Panel::gather(a, &[row], d), d, itself: std::ptr::eq(a, b).then_some(row), all_dots }
    }

    /// `out[c] = f(‖a[row] − b[cols[c]]‖²)`; on two threads when `par`
    /// allows and the row is long enough to pay for the hand-off.
    fn fill(&self, cols: &[usize], out: &mut [f64], par: Par, f: impl Fn(f64) -> f64 + Copy + Sync) {
        let Storage::Dense(m) = self.b.storage() else { unreachable!("dense data only") };
        let (y, ny, norms, n) =
            (&self.few.values[..self.d], self.few.sq_norms[0], self.b.sq_norms(), self.b.n_samples());
        let split = !crate::is_sequential(par) && cols.len() >= HELP_FROM;
        ALL_DOTS.with(|all| {
            let mut all = all.borrow_mut();
            if self.all_dots {
                let fm = self.b.feature_major().expect("dense data");
                all.clear();
                all.resize(n, 0.0);
                let (lo, hi) = all.split_at_mut(if split { n / 2 } else { n });
                let first = lo.len();
                both(split, || feature_major_dots(lo, 0, y, fm, n), || feature_major_dots(hi, first, y, fm, n));
            }
            let all = if self.all_dots { Some(&all[..]) } else { None };
            let chunk = Chunk { m, y, ny, norms, all, itself: self.itself };
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

/// What one chunk of the row needs.
struct Chunk<'a> {
    m: &'a DenseMatrix,
    y: &'a [f64],
    ny: f64,
    norms: &'a [f64],
    all: Option<&'a [f64]>,
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
            let v = match self.all {
                Some(all) => all[j],
                None => dot(self.m.row(j), self.y),
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

    use crate::data::{DataSet, DenseMatrix};
    use crate::kernel::Kernel;
    use crate::vector::VectorKernel;

    /// A fused row equals, bit for bit, the first row of a two-row block
    /// (which takes the tiled path), for each distance kernel, narrow and
    /// wide data, all columns or a scattered subset, one thread or two.
    #[test]
    fn a_fused_row_equals_the_tiled_path_to_the_bit() {
        let mut state = 7u64;
        let mut uniform = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let kernels = [
            VectorKernel::Rbf { gamma: 2.0 },
            VectorKernel::Matern12 { lengthscale: 0.7 },
            VectorKernel::Matern32 { lengthscale: 0.7 },
            VectorKernel::Matern52 { lengthscale: 0.7 },
        ];
        for d in [5, 40] {
            let n = 24_000;
            let x = DataSet::from(DenseMatrix::new(n, d, (0..n * d).map(|_| uniform()).collect()).unwrap());
            let every: Vec<usize> = (0..n).collect();
            let scattered: Vec<usize> = (0..n).filter(|i| i % 3 != 1).rev().collect();
            for kernel in &kernels {
                for cols in [&every, &scattered] {
                    for par in [Par::Seq, Par::rayon(2)] {
                        let (row, other) = (cols[17], cols[5]);
                        let mut fused = Mat::zeros(1, cols.len());
                        kernel.block(&x, &[row], &x, cols, fused.as_mut(), par);
                        let mut tiled = Mat::zeros(2, cols.len());
                        kernel.block(&x, &[row, other], &x, cols, tiled.as_mut(), par);
                        for c in 0..cols.len() {
                            assert_eq!(
                                fused[(0, c)].to_bits(),
                                tiled[(0, c)].to_bits(),
                                "{kernel:?} d = {d}, column {c}"
                            );
                        }
                        assert_eq!(fused[(0, 17)], 1.0, "a sample with itself");
                    }
                }
            }
        }
    }
}
