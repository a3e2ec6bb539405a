//! Element-wise passes over a tile, compiled for AVX-512 and AVX2 as well as
//! the baseline, and picked at run time: the passes are pure arithmetic (see
//! [`super::exp`]), so each version vectorises to its full width.

use faer::Mat;

/// `x ← f(x)` for every element of `out`.
#[inline(always)]
pub(crate) fn map_in_place(out: &mut Mat<f64>, f: impl Fn(f64) -> f64 + Copy) {
    for c in 0..out.ncols() {
        dispatch(out.col_as_slice_mut(c), |col| {
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
        dispatch(out.col_as_slice_mut(c), |col| {
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
    let level = level();
    for c in 0..out.ncols() {
        let y = &b[c * d..(c + 1) * d];
        let col = out.col_as_slice_mut(c);
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: each variant runs only where the CPU has its features.
            match level {
                3 => unsafe { dots_avx512(col, row_a, y) },
                2 => unsafe { dots_avx2(col, row_a, y) },
                _ => dots_column(col, row_a, y),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = level;
            dots_column(col, row_a, y);
        }
    }
}

#[inline(always)]
fn dots_column<'x>(col: &mut [f64], row_a: impl Fn(usize) -> &'x [f64], y: &[f64]) {
    for (r, o) in col.iter_mut().enumerate() {
        *o = dot(row_a(r), y);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn dots_avx512<'x>(col: &mut [f64], row_a: impl Fn(usize) -> &'x [f64], y: &[f64]) {
    dots_column(col, row_a, y)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dots_avx2<'x>(col: &mut [f64], row_a: impl Fn(usize) -> &'x [f64], y: &[f64]) {
    dots_column(col, row_a, y)
}

/// `⟨x, y⟩` compiled for the widest vector unit this CPU has, for callers
/// outside a dispatched pass (a coordinate step of a linear solver).
pub(crate) fn dot_dispatched(x: &[f64], y: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        fn avx512(x: &[f64], y: &[f64]) -> f64 {
            dot(x, y)
        }
        #[target_feature(enable = "avx2,fma")]
        fn avx2(x: &[f64], y: &[f64]) -> f64 {
            dot(x, y)
        }
        // SAFETY: each variant runs only where the CPU has its features.
        match level() {
            3 => return unsafe { avx512(x, y) },
            2 => return unsafe { avx2(x, y) },
            _ => {}
        }
    }
    dot(x, y)
}

/// `y ← y + a x`, compiled for the widest vector unit this CPU has.
pub(crate) fn axpy_dispatched(a: f64, x: &[f64], y: &mut [f64]) {
    dispatch(y, |y| y.iter_mut().zip(x).for_each(|(y, x)| *y += a * x));
}

/// `⟨x, y⟩` with eight independent partial sums, so that it vectorises.
#[inline(always)]
pub(super) fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail: f64 = xc.remainder().iter().zip(yc.remainder()).map(|(a, b)| a * b).sum();
    for (xs, ys) in xc.zip(yc) {
        for k in 0..8 {
            acc[k] += xs[k] * ys[k];
        }
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// The widest vector unit this CPU has: 3 AVX-512, 2 AVX2, 1 baseline.
#[inline(always)]
pub(super) fn level() -> u8 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::atomic::{AtomicU8, Ordering};
        static LEVEL: AtomicU8 = AtomicU8::new(0);
        let mut level = LEVEL.load(Ordering::Relaxed);
        if level == 0 {
            level = if std::arch::is_x86_feature_detected!("avx512f") {
                3
            } else if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                2
            } else {
                1
            };
            LEVEL.store(level, Ordering::Relaxed);
        }
        level
    }
    #[cfg(not(target_arch = "x86_64"))]
    1
}

/// Runs `body(col)` compiled for the widest vector unit this CPU has.
#[inline(always)]
pub(crate) fn dispatch(col: &mut [f64], body: impl Fn(&mut [f64])) {
    #[cfg(target_arch = "x86_64")]
    {
        let level = level();
        // SAFETY: each variant runs only where the CPU has its features.
        match level {
            3 => return unsafe { with_avx512(col, body) },
            2 => return unsafe { with_avx2(col, body) },
            _ => {}
        }
    }
    body(col)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn with_avx512(col: &mut [f64], body: impl Fn(&mut [f64])) {
    body(col)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn with_avx2(col: &mut [f64], body: impl Fn(&mut [f64])) {
    body(col)
}
