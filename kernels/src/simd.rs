//! A guard against AVX/SSE transition penalties.
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
