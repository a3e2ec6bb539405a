//! kern: scalable kernel methods.
//!
//! One engine, many faces. The engine: [`io`] reads data files (LibSVM,
//! CSV, FASTA, sequence CSV, TU graph folders), [`train`] turns a typed
//! description of a fit into a model, [`select`] cross-validates, searches
//! grids and chooses (`--auto`), [`model`] predicts, reports and keeps model
//! files. The faces call it: the `kern` command line ([`cli`], feature
//! `cli`), the linfa estimators ([`linfa`], feature `linfa`), and the
//! browser demo (the `kern-web` crate).
//!
//! ```
//! use kern::solvers::KernelRidge;
//! use kern::{DataSet, DenseMatrix, KernelRidgeModel, Par, VectorKernel};
//! use faer::Mat;
//!
//! let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![0.5], vec![1.0]]).unwrap());
//! let y = Mat::from_fn(3, 1, |i, _| i as f64);
//! let model = KernelRidgeModel::fit(VectorKernel::Rbf { gamma: 1.0 }, x.clone(), y.as_ref(), KernelRidge { alpha: 0.1 }, Par::Seq)?;
//! let predictions = model.predict(&x, Par::Seq);
//! assert_eq!(predictions.nrows(), 3);
//! # Ok::<(), kern::SolverError>(())
//! ```

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "mpi")]
pub mod dist;
mod error;
pub mod io;
pub mod model;
pub mod select;
pub mod synthetic;
pub mod train;

pub use error::{DataErrorKind, Error, ModelErrorKind, ParseErrorKind, Result, human_bytes};
pub use kern_kernels::{
    DataSet, DenseMatrix, ExactGram, Expression, ExpressionError, GramProvider, Graph, GraphKernel, Graphs, Kernel,
    KernelError, Par, Row, Samples, Sequences, SparseMatrix, Storage, StringKernel, VectorKernel,
    check_precomputed_ids, cross_gram, gram_matrix, precomputed_ids_only,
};
pub use kern_solvers::{KernelRidgeModel, SolverError};

/// The crates behind the facade, whole.
pub use {kern_approx as approx, kern_gpu as gpu, kern_kernels as kernels, kern_solvers as solvers};

#[cfg(feature = "linfa")]
pub mod linfa;
#[cfg(feature = "linfa")]
pub use linfa::{
    GaussianProcess, GaussianProcessClassifier, KernelRidge, Nystroem, OneClassSvm, RandomFourierFeatures, Svc, Svr,
};

/// A kernel by name, for the estimators' `.kernel(..)`.
pub use train::KernelName as KernelKind;

/// The README's and the reference's Rust snippets, compiled and run as doctests.
#[cfg(doctest)]
mod doc_pages {
    #[doc = include_str!("../README.md")]
    pub struct Readme;
    #[doc = include_str!("../docs/rust.md")]
    pub struct Rust;
    #[doc = include_str!("../docs/selection.md")]
    pub struct Selection;
}
