//! Kernel functions and the Gram-provider seam of kern.
//!
//! A [`Kernel`] is evaluated on a set of [`Samples`]; solvers ask a
//! [`GramProvider`] for blocks of the kernel matrix rather than single pairs,
//! so that every provider (exact, cached, low-rank, GPU) can compute blocks
//! its own fastest way. Vector kernels compute dense blocks as one GEMM per
//! tile, `‖x‖² + ‖y‖² − 2 X Yᵀ`, followed by one element-wise pass.
//!
//! ```
//! use faer::Par;
//! use kern_kernels::{gram_matrix, DataSet, DenseMatrix, VectorKernel};
//!
//! let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0, 1.0], vec![1.0, 0.0]]).unwrap());
//! let k = gram_matrix(&VectorKernel::Rbf { gamma: 0.5 }, &x, Par::Seq);
//! assert_eq!(k[(0, 0)], 1.0);
//! assert!((k[(0, 1)] - (-1.0f64).exp()).abs() < 1e-15);
//! ```

mod data;
mod error;
mod gram;
mod graph;
mod kernel;
pub mod simd;
mod string;
mod structured;
mod vector;

pub use data::{DataSet, DenseMatrix, Row, SparseMatrix, Storage};
pub use error::{DataError, KernelError};
pub use faer::Par;

/// Whether `par` asks for one thread. Always true on wasm32, where faer is
/// built without rayon and there are no threads to ask for.
///
/// ```
/// assert!(kern_kernels::is_sequential(kern_kernels::Par::Seq));
/// ```
pub fn is_sequential(par: Par) -> bool {
    #[cfg(target_family = "wasm")]
    let _ = par;
    #[cfg(target_family = "wasm")]
    return true;
    #[cfg(not(target_family = "wasm"))]
    matches!(par, Par::Seq)
}

/// `threads` workers of the current rayon pool (0: every one), or one thread
/// where there are no threads (wasm32) or only one is asked for.
///
/// ```
/// assert!(kern_kernels::is_sequential(kern_kernels::par_threads(1)));
/// ```
pub fn par_threads(threads: usize) -> Par {
    #[cfg(target_family = "wasm")]
    let _ = threads;
    #[cfg(target_family = "wasm")]
    return Par::Seq;
    #[cfg(not(target_family = "wasm"))]
    if threads == 1 { Par::Seq } else { Par::rayon(threads) }
}
pub use gram::tiles::{TILE, fill_tiles, fill_tiles_sized};
pub use gram::{ExactGram, GramProvider, GramRows, SharedGram, cross_gram, gram_matrix};
pub use graph::{Graph, GraphKernel, Graphs};
pub use kernel::{Kernel, Samples};
pub use string::{MAX_MISMATCH_BALL, Sequences, StringKernel};
pub use vector::{
    Hyperparameter, VectorKernel, check_precomputed_ids, check_precomputed_ids_up_to, precomputed_ids_only,
};
