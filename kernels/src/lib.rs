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
mod par;
pub mod simd;
mod string;
mod structured;
mod vector;

pub use data::{DataSet, DenseMatrix, Row, SparseMatrix, Storage};
pub use error::{DataError, KernelError};
pub use faer::Par;
pub use gram::tiles::{TILE, fill_tiles, fill_tiles_sized};
pub use gram::{ColumnView, ExactGram, GramProvider, GramRows, SharedGram, cross_gram, gram_matrix};
pub use graph::{Graph, GraphKernel, Graphs};
pub use kernel::{BlockProduct, Kernel, Samples};
pub use par::{is_sequential, par_threads, self_adjoint_eigen};
pub use string::{MAX_MISMATCH_BALL, Sequences, StringKernel};
pub use vector::{
    Contractions, Expression, ExpressionError, Hyperparameter, VectorKernel, check_precomputed_ids,
    check_precomputed_ids_up_to, precomputed_ids_only,
};
