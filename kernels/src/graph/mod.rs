//! Graph kernels on node-labelled graphs: Weisfeiler-Lehman subtree,
//! shortest path and geometric random walk, each cosine-normalised unless
//! asked otherwise.

mod graphs;
mod random_walk;
mod shortest_path;
mod weisfeiler_lehman;

pub use graphs::{Graph, Graphs};

use std::fmt;
use std::sync::Arc;

use faer::{MatMut, Par};
use serde::{Deserialize, Serialize};

use crate::error::KernelError;
use crate::kernel::Kernel;
use crate::structured::{FeatureRows, cosine, diagonal_of, feature_block, pairwise_block};

/// Weisfeiler-Lehman rounds at most.
pub const MAX_WL_ROUNDS: usize = 100;

/// A kernel on labelled graphs.
///
/// ```
/// use faer::Par;
/// use kern_kernels::{gram_matrix, Graph, GraphKernel, Graphs};
/// let triangle = Graph::new(vec![1, 1, 1], &[(0, 1, None), (1, 2, None), (2, 0, None)]).unwrap();
/// let path = Graph::new(vec![1, 1, 1], &[(0, 1, None), (1, 2, None)]).unwrap();
/// let g = Graphs::new(vec![triangle.clone(), path, triangle]);
/// let k = gram_matrix(&GraphKernel::WeisfeilerLehman { h: 3, normalize: true }, &g, Par::Seq);
/// assert!((k[(0, 2)] - 1.0).abs() < 1e-12);
/// assert!(k[(0, 1)] < 1.0);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum GraphKernel {
    /// Subtree patterns of `h` relabelling rounds.
    WeisfeilerLehman { h: usize, normalize: bool },
    /// Shortest-path lengths between node pairs, by their end labels.
    ShortestPath { normalize: bool },
    /// Common walks of every length, weighted `lambda^length`.
    RandomWalk { lambda: f64, normalize: bool },
}

impl GraphKernel {
    /// Whether values are cosine-normalised.
    pub fn normalized(&self) -> bool {
        match self {
            GraphKernel::WeisfeilerLehman { normalize, .. }
            | GraphKernel::ShortestPath { normalize }
            | GraphKernel::RandomWalk { normalize, .. } => *normalize,
        }
    }

    /// Its command-line name.
    pub fn name(&self) -> &'static str {
        match self {
            GraphKernel::WeisfeilerLehman { .. } => "wl",
            GraphKernel::ShortestPath { .. } => "sp",
            GraphKernel::RandomWalk { .. } => "rw",
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), KernelError> {
        match self {
            GraphKernel::RandomWalk { lambda, .. } if !(*lambda > 0.0 && lambda.is_finite()) => {
                Err(KernelError::InvalidParameter { name: "lambda", value: *lambda, reason: "must be positive" })
            }
            // Each round adds a feature per node: time and memory grow with h.
            GraphKernel::WeisfeilerLehman { h, .. } if *h > MAX_WL_ROUNDS => Err(KernelError::InvalidParameter {
                name: "h",
                value: *h as f64,
                reason: "must be at most 100 (each round adds a feature per node; 1 to 10 is usual)",
            }),
            _ => Ok(()),
        }
    }

    /// Checks that the kernel is defined on `graphs`: the random walk's
    /// series converges only when `λ Δ² < 1` (Δ the largest degree), which
    /// holds for any pair of these graphs if it holds for the largest.
    pub fn check(&self, graphs: &Graphs) -> Result<(), KernelError> {
        self.validate()?;
        if let GraphKernel::RandomWalk { lambda, .. } = self {
            let delta = graphs.iter().map(Graph::max_degree).max().unwrap_or(0) as f64;
            if lambda * delta * delta >= 1.0 {
                return Err(KernelError::InvalidParameter {
                    name: "lambda",
                    value: *lambda,
                    reason: "must be below 1 / (largest degree)² for the walk series to converge",
                });
            }
        }
        Ok(())
    }

    /// The unnormalised value on two graphs.
    pub fn raw(&self, g: &Graph, h: &Graph) -> f64 {
        match self {
            GraphKernel::RandomWalk { lambda, .. } => random_walk::random_walk(g, h, *lambda),
            _ => {
                let f = FeatureRows::build(2, Par::Seq, |i, out| self.features(if i == 0 { g } else { h }, out));
                f.dot(0, &f, 1)
            }
        }
    }

    fn features(&self, g: &Graph, out: &mut Vec<u64>) {
        match self {
            GraphKernel::WeisfeilerLehman { h, .. } => weisfeiler_lehman::wl_features(g, *h, out),
            GraphKernel::ShortestPath { .. } => shortest_path::shortest_path_features(g, out),
            GraphKernel::RandomWalk { .. } => unreachable!("no explicit feature map"),
        }
    }

    fn feature_rows(&self, s: &Graphs, par: Par) -> Arc<FeatureRows> {
        s.memo.features(self, s.len(), par, |i, out| self.features(s.get(i), out))
    }

    fn self_similarities(&self, s: &Graphs, par: Par) -> Arc<Vec<f64>> {
        s.memo.self_similarities(self, s.len(), par, |i| self.raw(s.get(i), s.get(i)))
    }
}

impl fmt::Display for GraphKernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphKernel::WeisfeilerLehman { h, .. } => write!(f, "wl(h={h})"),
            GraphKernel::ShortestPath { .. } => write!(f, "sp"),
            GraphKernel::RandomWalk { lambda, .. } => write!(f, "rw(lambda={lambda})"),
        }?;
        if !self.normalized() {
            write!(f, " unnormalised")?;
        }
        Ok(())
    }
}

impl Kernel<Graphs> for GraphKernel {
    fn eval(&self, a: &Graphs, i: usize, b: &Graphs, j: usize) -> f64 {
        let k = self.raw(a.get(i), b.get(j));
        if self.normalized() { cosine(k, self.raw(a.get(i), a.get(i)), self.raw(b.get(j), b.get(j))) } else { k }
    }

    fn block(&self, a: &Graphs, rows: &[usize], b: &Graphs, cols: &[usize], out: MatMut<'_, f64>, par: Par) {
        let symmetric = std::ptr::eq(a, b) && rows == cols;
        if let GraphKernel::RandomWalk { lambda, .. } = self {
            let diagonals = self.normalized().then(|| (self.self_similarities(a, par), self.self_similarities(b, par)));
            let k = |i: usize, j: usize| random_walk::random_walk(a.get(i), b.get(j), *lambda);
            let d = diagonals.as_ref().map(|(x, y)| (x.as_slice(), y.as_slice()));
            return pairwise_block(rows, cols, d, symmetric, out, par, k);
        }
        let (fa, fb) = (self.feature_rows(a, par), self.feature_rows(b, par));
        feature_block(&fa, rows, &fb, cols, self.normalized(), symmetric, out, par);
    }

    fn diagonal(&self, a: &Graphs, rows: &[usize], out: &mut [f64]) {
        if let GraphKernel::RandomWalk { .. } = self {
            let d = self.self_similarities(a, Par::Seq);
            diagonal_of(rows.iter().map(|&i| d[i]), self.normalized(), out);
        } else {
            let f = self.feature_rows(a, Par::Seq);
            diagonal_of(rows.iter().map(|&i| f.sq_norm(i)), self.normalized(), out);
        }
    }
}
