//! GPU Gram tiles for kern, through cudarc.
//!
//! A block `K(A, B)` is cut into tiles that fit the GPU memory kern may take
//! ([`TilePlan`]); each tile is one cuBLAS GEMM `A Bᵀ` (or a tiled L1-distance
//! pass for the Laplacian kernel) followed by one fused element-wise kernel
//! compiled by NVRTC ([`TileKernel`]). Two tiles are in flight at a time, so
//! copies overlap compute ([`run_tiles`]). Data sets used again and again
//! (SMO's training set) stay on the device.
//!
//! Solvers reach it through the Gram-provider seam: a [`DeviceKernel`] is a
//! `Kernel<DataSet>` whose large blocks go to the GPU.
//!
//! Without the `cuda` feature (the default) [`Gpu::open`] says so and
//! everything runs on the CPU; with it, CUDA is loaded at run time, so the
//! same binary runs on machines without a driver. The schedule and the
//! formulas are tested on the CPU through [`HostBackend`].

#[cfg(feature = "cuda")]
mod cuda;
mod device;
mod error;
mod host;
mod kernel;
mod plan;
mod spec;
mod stream;

pub use device::{Gpu, GpuOptions, Precision};
pub use error::GpuError;
pub use host::HostBackend;
pub use kernel::{DeviceKernel, MAX_GPU_FEATURES, MIN_GPU_ENTRIES};
pub use plan::{MAX_TILE, MIN_TILE, Tile, TilePlan, slot_bytes};
pub use spec::{APPLY_SOURCE, FirstPass, KERNELS_SOURCE, TileKernel, cuda_source};
pub use stream::{TileBackend, compute_block, run_tiles};

/// Whether this build carries the CUDA backend.
///
/// ```
/// assert_eq!(kern_gpu::cuda_built(), cfg!(feature = "cuda"));
/// ```
pub fn cuda_built() -> bool {
    cfg!(feature = "cuda")
}
