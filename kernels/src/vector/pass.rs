//! Element-wise passes over a tile, compiled for AVX-512 and AVX2 as well as
//! the baseline, and picked at run time: the passes are pure arithmetic (see
//! [`super::exp`]), so each version vectorises to its full width.

use faer::Mat;

use crate::simd::dispatched;
#[cfg(target_arch = "x86_64")]
use crate::simd::level;

/// `x ← f(x)` for every element of `out`.
#[inline(always)]
pub(crate) fn map_in_place(out: &mut Mat<f64>, f: impl Fn(f64) -> f64 + Copy) {
    for c in 0..out.ncols() {
        let col = out.col_as_slice_mut(c);
        dispatched(|| {
            for v in col {
                *v = f(*v);
            }
        });
    }
}

/// Relative size of the rounding error of `‖a‖² + ‖b‖² − 2⟨a, b⟩`.
pub(super) const ROUNDING: f64 = 8.0 * f64::EPSILON;

/// Turns inner products into squared distances in place:
/// `x_rc ← ‖a_r‖² + ‖b_c‖² − 2 x_rc`, set to 0 when within the formula's
/// rounding error of `‖a_r‖² + ‖b_c‖²` (identical points get an exact 0).
#[inline(always)]
pub(crate) fn dot_to_sq_distance(out: &mut Mat<f64>, na: &[f64], nb: &[f64]) {
    for (c, &nc) in nb.iter().enumerate() {
        let col = out.col_as_slice_mut(c);
        dispatched(|| {
            for (v, &nr) in col.iter_mut().zip(na) {
                let d2 = nr + nc - 2.0 * *v;
                *v = if d2 > ROUNDING * (nr + nc) { d2 } else { 0.0 };
            }
        });
    }
}

/// `out[r, c] = ⟨a_r, b_c⟩` for row-major `a` (m × d) and `b` (n × d), by
/// direct dot products: faster than a GEMM call when `n` is a handful.
pub(crate) fn dots_into(out: &mut Mat<f64>, a: &[f64], b: &[f64], d: usize) {
    dots_into_rows(out, |r| &a[r * d..(r + 1) * d], b, d);
}

/// [`dots_into`] with the left rows given by `row_a(r)` (rows read in place).
pub(crate) fn dots_into_rows<'x>(out: &mut Mat<f64>, row_a: impl Fn(usize) -> &'x [f64] + Copy, b: &[f64], d: usize) {
    for c in 0..out.ncols() {
        dots_of_rows(out.col_as_slice_mut(c), row_a, &b[c * d..(c + 1) * d]);
    }
}

/// `⟨x, y⟩` compiled for the widest vector unit this CPU has, for callers
/// outside a dispatched pass (a coordinate step of a linear solver).
pub(crate) fn dot_dispatched(x: &[f64], y: &[f64]) -> f64 {
    dispatched(|| dot(x, y))
}

/// `y ← y + a x`, compiled for the widest vector unit this CPU has.
pub(crate) fn axpy_dispatched(a: f64, x: &[f64], y: &mut [f64]) {
    dispatched(|| y.iter_mut().zip(x).for_each(|(y, x)| *y += a * x));
}

/// `⟨x, y⟩` with eight independent partial sums, so that it vectorises.
#[inline(always)]
pub(super) fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let (x_tail, y_tail) = (xc.remainder(), yc.remainder());
    for (xs, ys) in xc.zip(yc) {
        for k in 0..8 {
            acc[k] += xs[k] * ys[k];
        }
    }
    dot_sum(&acc, x_tail, y_tail)
}

/// [`dot`]'s last step, from its eight partial sums and the tail past them.
#[inline(always)]
fn dot_sum(acc: &[f64; 8], x_tail: &[f64], y_tail: &[f64]) -> f64 {
    let tail: f64 = x_tail.iter().zip(y_tail).map(|(a, b)| a * b).sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `dots[i] = dot(row(i), y)`. With AVX2, four samples at a time
/// share each load of `y` and run four independent sums, each in [`dot`]'s
/// order, so the values are `dot`'s to the bit. (Compiled as written,
/// `dot` pairs its lanes for the final sums and shuffles at every step.)
pub(super) fn dots_of_rows<'x>(dots: &mut [f64], row: impl Fn(usize) -> &'x [f64], y: &[f64]) {
    #[allow(unused_mut)]
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    {
        if level() >= 2 {
            for (g, out) in dots.chunks_exact_mut(4).enumerate() {
                let x = [row(4 * g), row(4 * g + 1), row(4 * g + 2), row(4 * g + 3)];
                // SAFETY: levels 2 and 3 have AVX2 and FMA.
                unsafe { dot4_avx2(out, x, y) }
            }
            done = dots.len() / 4 * 4;
        }
    }
    for (i, o) in dots.iter_mut().enumerate().skip(done) {
        *o = dot(row(i), y);
    }
}

/// `out[j] = dot(x[j], y)` for four samples, each sum in eight lanes held as
/// two vectors of four. (AVX-512 machines take it too: its intrinsics are
/// newer than the crate's minimum Rust.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot4_avx2(out: &mut [f64], x: [&[f64]; 4], y: &[f64]) {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_setzero_pd, _mm256_storeu_pd,
    };
    let d = y.len();
    let full = d / 8 * 8;
    assert!(x.iter().all(|x| x.len() == d) && out.len() == 4);
    let mut acc: [[__m256d; 2]; 4] = [[_mm256_setzero_pd(); 2]; 4];
    for c in (0..full).step_by(8) {
        // SAFETY: c + 8 ≤ d, so each load stays within `y` and `x[j]`.
        unsafe {
            let y_lo = _mm256_loadu_pd(y.as_ptr().add(c));
            let y_hi = _mm256_loadu_pd(y.as_ptr().add(c + 4));
            for ([lo, hi], x) in acc.iter_mut().zip(x) {
                let at = x.as_ptr().add(c);
                *lo = _mm256_add_pd(*lo, _mm256_mul_pd(_mm256_loadu_pd(at), y_lo));
                *hi = _mm256_add_pd(*hi, _mm256_mul_pd(_mm256_loadu_pd(at.add(4)), y_hi));
            }
        }
    }
    for ((o, [lo, hi]), x) in out.iter_mut().zip(acc).zip(x) {
        let mut lanes = [0.0; 8];
        // SAFETY: `lanes` holds eight values.
        unsafe {
            _mm256_storeu_pd(lanes.as_mut_ptr(), lo);
            _mm256_storeu_pd(lanes.as_mut_ptr().add(4), hi);
        }
        *o = dot_sum(&lanes, &x[full..], &y[full..]);
    }
}

#[cfg(test)]
mod tests {
    use super::{dot, dots_of_rows};

    /// Four products at a time give each product [`dot`]'s value to the
    /// bit: widths below, at and past a lane of eight with tails of every
    /// length, and counts that leave one to three samples over.
    #[test]
    fn dots_of_rows_equal_dot_to_the_bit() {
        let mut uniform = crate::vector::uniform(3);
        for d in [1, 5, 8, 9, 16, 23, 45, 100] {
            for n in [0, 1, 3, 4, 6, 11] {
                let rows: Vec<f64> = (0..n * d).map(|_| uniform() * 1e3).collect();
                let y: Vec<f64> = (0..d).map(|_| uniform()).collect();
                let mut dots = vec![f64::NAN; n];
                dots_of_rows(&mut dots, |i| &rows[i * d..(i + 1) * d], &y);
                for (i, v) in dots.iter().enumerate() {
                    assert_eq!(v.to_bits(), dot(&rows[i * d..(i + 1) * d], &y).to_bits(), "d = {d}, sample {i} of {n}");
                }
            }
        }
    }
}
