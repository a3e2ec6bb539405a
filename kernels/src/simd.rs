//! Vector arithmetic compiled for the CPU found at run time ([`dot`],
//! [`axpy`]), and a guard against AVX/SSE transition penalties.
//!
//! faer's GEMM microkernels use AVX-512 and can return with the upper halves
//! of the vector registers dirty; glibc's `exp`, `tanh` and friends are
//! SSE-encoded, and on Intel cores each of their instructions then pays a
//! transition penalty: measured here, `exp` went from 6 ns to 227 ns per call
//! after one GEMM. `vzeroupper` after each GEMM restores full speed.

/// Clears the upper halves of the AVX registers (a no-op elsewhere).
#[inline]
pub fn clear_upper_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX, checked just above.
        unsafe { zero_upper() }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn zero_upper() {
    std::arch::x86_64::_mm256_zeroupper();
}

/// `⟨x, y⟩` over the shorter of the two, with eight partial sums (so the
/// result may differ from a left-to-right sum in the last bits).
///
/// ```
/// assert_eq!(kern_kernels::simd::dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
/// ```
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    crate::vector::pass::dot_dispatched(&x[..n], &y[..n])
}

/// `y ← y + a x` over the shorter of the two.
///
/// ```
/// let mut y = [1.0, 1.0];
/// kern_kernels::simd::axpy(2.0, &[1.0, 3.0], &mut y);
/// assert_eq!(y, [3.0, 7.0]);
/// ```
pub fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    crate::vector::pass::axpy_dispatched(a, &x[..n], &mut y[..n]);
}
