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

/// Turns inner products into squared distances in place:
/// `x_rc ← ‖a_r‖² + ‖b_c‖² − 2 x_rc`, set to 0 when within the formula's
/// rounding error of `‖a_r‖² + ‖b_c‖²` (identical points get an exact 0).
#[inline(always)]
pub(crate) fn dot_to_sq_distance(out: &mut Mat<f64>, na: &[f64], nb: &[f64]) {
    /// Relative size of the rounding error of `‖a‖² + ‖b‖² − 2⟨a, b⟩`.
    const ROUNDING: f64 = 8.0 * f64::EPSILON;
    for (c, &nc) in nb.iter().enumerate() {
        dispatch(out.col_as_slice_mut(c), |col| {
            for (v, &nr) in col.iter_mut().zip(na) {
                let d2 = nr + nc - 2.0 * *v;
                *v = if d2 > ROUNDING * (nr + nc) { d2 } else { 0.0 };
            }
        });
    }
}

/// Runs `body(col)` compiled for the widest vector unit this CPU has.
#[inline(always)]
fn dispatch(col: &mut [f64], body: impl Fn(&mut [f64])) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::atomic::{AtomicU8, Ordering};
        static LEVEL: AtomicU8 = AtomicU8::new(0);
        let mut level = LEVEL.load(Ordering::Relaxed);
        if level == 0 {
            level = if std::arch::is_x86_feature_detected!("avx512f") {
                3
            } else if std::arch::is_x86_feature_detected!("avx2") {
                2
            } else {
                1
            };
            LEVEL.store(level, Ordering::Relaxed);
        }
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
#[target_feature(enable = "avx2")]
fn with_avx2(col: &mut [f64], body: impl Fn(&mut [f64])) {
    body(col)
}
