//! Vector arithmetic compiled for the CPU found at run time ([`dot`],
//! [`axpy`], any loop through [`dispatched`]), and a guard against AVX/SSE
//! transition penalties.
//!
//! The crates are built for the baseline x86-64 (two f64 lanes). A loop run
//! through [`dispatched`] is compiled again for AVX-512 and for AVX2, and the
//! copy the CPU can run is taken. Rust never fuses a multiply and an add, so
//! every copy does the same operations in the same order and gives the same
//! bits: results do not depend on the CPU.
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

/// The widest vector unit this CPU has: 3 for AVX-512 (with AVX2 and FMA),
/// 2 for AVX2 with FMA, 1 otherwise (detected once).
#[inline(always)]
pub fn level() -> u8 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::atomic::{AtomicU8, Ordering};
        static LEVEL: AtomicU8 = AtomicU8::new(0);
        let mut level = LEVEL.load(Ordering::Relaxed);
        if level == 0 {
            let avx2 = std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
            level = match (std::arch::is_x86_feature_detected!("avx512f"), avx2) {
                (true, true) => 3,
                (false, true) => 2,
                _ => 1,
            };
            LEVEL.store(level, Ordering::Relaxed);
        }
        level
    }
    #[cfg(not(target_arch = "x86_64"))]
    1
}

/// `body()` compiled for the widest vector unit of [`level`]. `body` should
/// be a plain loop, which is inlined into each copy.
///
/// ```
/// let (x, mut y) = ([1.0f32, 2.0], [0.5, 0.25]);
/// kern_kernels::simd::dispatched(|| y.iter_mut().zip(x).for_each(|(y, x)| *y += 2.0 * f64::from(x)));
/// assert_eq!(y, [2.5, 4.25]);
/// ```
#[inline(always)]
pub fn dispatched<R>(body: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: each copy runs only where the CPU has its features.
        match level() {
            3 => return unsafe { with_avx512(body) },
            2 => return unsafe { with_avx2(body) },
            _ => {}
        }
    }
    body()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn with_avx512<R>(body: impl FnOnce() -> R) -> R {
    body()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn with_avx2<R>(body: impl FnOnce() -> R) -> R {
    body()
}
