//! Why the GPU path was not taken or failed.

/// An error of the GPU path. Every one of them sends kern back to the CPU
/// with a one-line notice; none is fatal to a fit.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// This build has no CUDA backend.
    #[error("this kern was built without the `cuda` feature")]
    NotBuilt,
    /// A CUDA library could not be loaded.
    #[error("the CUDA library {0} could not be loaded (no NVIDIA driver or toolkit on this machine?)")]
    MissingLibrary(&'static str),
    /// The driver loaded but reports no usable device.
    #[error("no CUDA device: {0}")]
    NoDevice(String),
    /// The kernel has no GPU formula (composites, ARD, precomputed).
    #[error("the {0} kernel has no GPU tile")]
    UnsupportedKernel(String),
    /// Not even the smallest tile fits in the memory kern may take.
    #[error(
        "{need_mib:.1} MiB of GPU memory are needed for the smallest tile, {budget_mib:.1} MiB allowed (--gpu-memory)"
    )]
    Memory { need_mib: f64, budget_mib: f64 },
    /// A CUDA driver, cuBLAS or NVRTC call failed.
    #[error("CUDA {what} failed: {message}")]
    Cuda { what: &'static str, message: String },
}
