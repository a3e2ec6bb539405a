//! CUDA Gram tiles for kern.
//!
//! Built without the `cuda` feature (the default), this crate is a no-op:
//! every solver computes its Gram blocks on the CPU through
//! [`kern_kernels`]. The `cuda` feature will hold the cuBLAS/NVRTC tiles
//! behind the same Gram-provider seam.

/// Whether this build carries the CUDA backend.
///
/// ```
/// assert_eq!(kern_gpu::cuda_built(), cfg!(feature = "cuda"));
/// ```
pub fn cuda_built() -> bool {
    cfg!(feature = "cuda")
}
