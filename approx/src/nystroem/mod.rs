//! The Nyström method (Williams & Seeger 2001): with landmarks `L` drawn
//! from the data, `φ(x) = K(x, L) K(L, L)^(−1/2)` gives
//! `φ(X) φ(X)ᵀ = K(X, L) K(L, L)⁺ K(L, X) ≈ K(X, X)`. The inverse square root
//! comes from an eigendecomposition of `K(L, L)`; eigenvalues below `1e-12`
//! of the largest are dropped (their directions carry only rounding), so the
//! map may have fewer features than landmarks.

mod landmarks;

pub use landmarks::{Landmarks, greedy_pivoted_cholesky, more_kmeans_seeds, uniform_sample};

use faer::{Mat, MatMut, MatRef, Par};
use kern_kernels::{BlockProduct, DataSet, Kernel, VectorKernel, gram_matrix};
use serde::{Deserialize, Serialize};

use crate::ApproxError;
use crate::features::FeatureMap;

/// Eigenvalues of `K(L, L)` below this fraction of the largest are dropped.
const CUTOFF: f64 = 1e-12;

/// A fitted Nyström feature map.
///
/// ```
/// use kern_approx::{FeatureMap, Landmarks, Nystroem};
/// use kern_kernels::{DataSet, DenseMatrix, Kernel, Par, VectorKernel};
/// let rows: Vec<Vec<f64>> = (0..50).map(|i| vec![(i as f64 / 7.0).sin(), i as f64 / 50.0]).collect();
/// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
/// let kernel = VectorKernel::Rbf { gamma: 1.0 };
/// // Landmarks chosen until the residual trace is below 1e-10 of the trace.
/// let map = Nystroem::fit(&kernel, &x, 50, Landmarks::Greedy { tolerance: 1e-10 }, 0, Par::Seq).unwrap();
/// let phi = map.transform(&x, Par::Seq).unwrap();
/// let approx: f64 = (0..phi.ncols()).map(|j| phi[(3, j)] * phi[(9, j)]).sum();
/// assert!((approx - kernel.eval(&x, 3, &x, 9)).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Nystroem {
    /// The kernel approximated.
    pub kernel: VectorKernel,
    /// The landmark samples.
    pub landmarks: DataSet,
    /// Their rows in the data the map was fitted on.
    pub landmark_indices: Vec<usize>,
    /// `U Λ^(−1/2)` of the kept eigenpairs of `K(L, L)` (`M × rank`, column-major).
    pub projection: Vec<f64>,
    /// Features of the map (eigenvalues kept).
    pub rank: usize,
}

impl Nystroem {
    /// Chooses at most `components` landmarks of `x` by `method` (seeded)
    /// and builds the map.
    pub fn fit(
        kernel: &VectorKernel,
        x: &DataSet,
        components: usize,
        method: Landmarks,
        seed: u64,
        par: Par,
    ) -> Result<Self, ApproxError> {
        if x.n_samples() == 0 {
            return Err(ApproxError::Empty);
        }
        if components == 0 {
            return Err(ApproxError::InvalidParameter {
                name: "components",
                value: 0.0,
                reason: "need at least one landmark",
            });
        }
        let indices = method.choose(kernel, x, components.min(x.n_samples()), seed, par)?;
        Self::from_landmarks(kernel, x.select(&indices), indices, par)
    }

    /// The map for given landmarks (`indices` records where they came from).
    pub fn from_landmarks(
        kernel: &VectorKernel,
        landmarks: DataSet,
        indices: Vec<usize>,
        par: Par,
    ) -> Result<Self, ApproxError> {
        let m = landmarks.n_samples();
        let k = gram_matrix(kernel, &landmarks, par);
        let (values, vectors) = kern_kernels::self_adjoint_eigen(k.as_ref(), par).ok_or(ApproxError::Degenerate)?;
        let largest = values.iter().copied().fold(0.0, f64::max);
        let kept: Vec<usize> = (0..m).filter(|&i| values[i] > CUTOFF * largest).collect();
        if kept.is_empty() || !largest.is_finite() {
            return Err(ApproxError::Degenerate);
        }
        let mut projection = Vec::with_capacity(m * kept.len());
        for &c in &kept {
            let scale = 1.0 / values[c].sqrt();
            projection.extend((0..m).map(|r| vectors[(r, c)] * scale));
        }
        Ok(Self { kernel: kernel.clone(), landmarks, landmark_indices: indices, projection, rank: kept.len() })
    }

    /// `φ(x)` with `K(x, L)` computed by `blocks`, the same kernel computed
    /// elsewhere: a `kern_gpu::DeviceKernel` forms `K(x, L) U Λ^(−1/2)` on
    /// the GPU without `K(x, L)` crossing the bus. Where `blocks` has no such
    /// path, [`FeatureMap::transform`].
    pub fn transform_with(&self, blocks: &dyn Kernel<DataSet>, x: &DataSet, par: Par) -> Result<Mat<f64>, ApproxError> {
        if x.n_features() > self.n_features() {
            return Err(ApproxError::Width { expected: self.n_features(), got: x.n_features() });
        }
        match blocks.block_product(x, &self.landmarks, BlockProduct::Times(self.projection_matrix())) {
            Some(phi) => Ok(phi),
            None => self.transform(x, par),
        }
    }

    /// `U Λ^(−1/2)` as a matrix (`M × rank`).
    pub fn projection_matrix(&self) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.projection, self.landmarks.n_samples(), self.rank)
    }
}

impl FeatureMap for Nystroem {
    fn n_components(&self) -> usize {
        self.rank
    }

    fn n_features(&self) -> usize {
        self.landmarks.n_features()
    }

    fn transform_block(&self, x: &DataSet, start: usize, out: MatMut<'_, f64>) {
        let rows: Vec<usize> = (start..start + out.nrows()).collect();
        let all: Vec<usize> = (0..self.landmarks.n_samples()).collect();
        let mut k = Mat::zeros(rows.len(), all.len());
        self.kernel.block(x, &rows, &self.landmarks, &all, k.as_mut(), Par::Seq);
        let p = self.projection_matrix();
        faer::linalg::matmul::matmul(out, faer::Accum::Replace, k.as_ref(), p, 1.0, Par::Seq);
    }
}
