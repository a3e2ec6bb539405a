//! Random Fourier features (Rahimi & Recht 2007): for a shift-invariant
//! kernel `k(x − y) = E_ω[cos(ωᵀ(x − y))]` with `ω` drawn from the kernel's
//! spectral density, `φ(x) = √(2/D) cos(Wᵀx + b)` with `D` frequencies and
//! uniform phases satisfies `E[φ(x)ᵀφ(y)] = k(x, y)`.
//!
//! Spectral densities: RBF `exp(−γ‖δ‖²)` has `ω ~ N(0, 2γ I)`; Laplacian
//! `exp(−γ‖δ‖₁)` a Cauchy of scale `γ` per coordinate; Matérn ν with
//! lengthscale ℓ a multivariate Student t with `2ν` degrees of freedom and
//! scale `1/ℓ`. Orthogonal random features (Yu et al. 2016) draw directions
//! in orthogonal blocks and radii from the same law, for the radial kernels.

mod sample;

use faer::{MatMut, MatRef};
use kern_kernels::{DataSet, Row, VectorKernel};
use serde::{Deserialize, Serialize};

use crate::features::{FeatureMap, dense_block};
use crate::{ApproxError, SplitMix64};

/// A fitted random Fourier feature map.
///
/// ```
/// use kern_approx::{FeatureMap, RandomFourierFeatures};
/// use kern_kernels::{DataSet, DenseMatrix, Kernel, Par, VectorKernel};
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0, 1.0], vec![0.5, 0.2]]).unwrap());
/// let kernel = VectorKernel::Rbf { gamma: 0.5 };
/// let map = RandomFourierFeatures::new(&kernel, 2, 20_000, false, 7).unwrap();
/// let phi = map.transform(&x, Par::Seq).unwrap();
/// let approx: f64 = (0..20_000).map(|j| phi[(0, j)] * phi[(1, j)]).sum();
/// assert!((approx - kernel.eval(&x, 0, &x, 1)).abs() < 0.03);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomFourierFeatures {
    /// Input features `d`.
    pub n_features: usize,
    /// `W`, one frequency per column (`d × D`, column-major).
    pub frequencies: Vec<f64>,
    /// `b`, uniform on `[0, 2π)`.
    pub phases: Vec<f64>,
    /// `√(2 s / D)`, with `s` the kernel's scale (1 unless `Scaled`).
    pub amplitude: f64,
}

impl RandomFourierFeatures {
    /// Draws `components` features of `kernel` (RBF, Laplacian, Matérn, or a
    /// positive scaling of one) for `n_features`-dimensional data, seeded;
    /// `orthogonal` draws directions in orthogonal blocks (radial kernels only).
    pub fn new(
        kernel: &VectorKernel,
        n_features: usize,
        components: usize,
        orthogonal: bool,
        seed: u64,
    ) -> Result<Self, ApproxError> {
        if components == 0 {
            return Err(ApproxError::InvalidParameter {
                name: "components",
                value: 0.0,
                reason: "need at least one feature",
            });
        }
        // The frequencies are `n_features × components` values: refuse what
        // no memory holds rather than abort on the allocation.
        if n_features.checked_mul(components).is_none_or(|v| v > isize::MAX as usize / 8) {
            return Err(ApproxError::InvalidParameter {
                name: "components",
                value: components as f64,
                reason: "times the number of features is more values than memory holds",
            });
        }
        let (scale, base) = match kernel {
            VectorKernel::Scaled { scale, kernel } => (*scale, kernel.as_ref()),
            k => (1.0, k),
        };
        let law = sample::Spectral::of(base)?;
        if orthogonal && !law.is_radial() {
            return Err(ApproxError::UnsupportedKernel {
                method: "orthogonal random features",
                kernel: base.name(),
                hint: "its spectral density is not radial: leave out --orthogonal",
            });
        }
        let mut rng = SplitMix64::new(seed);
        let frequencies = if orthogonal {
            law.sample_orthogonal(n_features, components, &mut rng)
        } else {
            law.sample(n_features, components, &mut rng)
        };
        let phases = (0..components).map(|_| std::f64::consts::TAU * rng.uniform()).collect();
        Ok(Self { n_features, frequencies, phases, amplitude: (2.0 * scale / components as f64).sqrt() })
    }

    /// `X W`, the projections the features are cosines of before their
    /// phases (`n × D`): what derivatives in the frequencies' scale need.
    pub fn projections(&self, x: &DataSet, par: faer::Par) -> Result<faer::Mat<f64>, ApproxError> {
        Projections(self).transform(x, par)
    }

    /// `Wᵀx` of the samples `start..start + out.nrows()` of `x`.
    fn project_block(&self, x: &DataSet, start: usize, mut out: MatMut<'_, f64>) {
        let (rows, w) = (out.nrows(), self.frequency_matrix());
        if x.is_sparse() {
            // Wᵀx from the non-zeros of each row.
            for r in 0..rows {
                if let Row::Sparse(idx, val) = x.row(start + r) {
                    for c in 0..w.ncols() {
                        out[(r, c)] = idx.iter().zip(val).map(|(&f, v)| v * w[(f as usize, c)]).sum();
                    }
                }
            }
        } else {
            let block = dense_block(x, start, rows);
            let w = w.subrows(0, block.ncols());
            faer::linalg::matmul::matmul(out.as_mut(), faer::Accum::Replace, block.as_ref(), w, 1.0, faer::Par::Seq);
            // The cosines that follow are glibc's SSE code: after faer's AVX
            // kernels each would pay a transition penalty (140 ns, not 11).
            kern_kernels::simd::clear_upper_state();
        }
    }

    /// `W` as a matrix (`d × D`).
    pub fn frequency_matrix(&self) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.frequencies, self.n_features, self.phases.len())
    }
}

impl FeatureMap for RandomFourierFeatures {
    fn n_components(&self) -> usize {
        self.phases.len()
    }

    fn n_features(&self) -> usize {
        self.n_features
    }

    fn transform_block(&self, x: &DataSet, start: usize, mut out: MatMut<'_, f64>) {
        self.project_block(x, start, out.as_mut());
        let rows = out.nrows();
        for c in 0..out.ncols() {
            let b = self.phases[c];
            for r in 0..rows {
                out[(r, c)] = self.amplitude * (out[(r, c)] + b).cos();
            }
        }
    }
}

/// The map `x ↦ Wᵀx`, to reuse [`FeatureMap::transform`]'s blocks.
struct Projections<'a>(&'a RandomFourierFeatures);

impl FeatureMap for Projections<'_> {
    fn n_components(&self) -> usize {
        self.0.n_components()
    }

    fn n_features(&self) -> usize {
        self.0.n_features
    }

    fn transform_block(&self, x: &DataSet, start: usize, out: MatMut<'_, f64>) {
        self.0.project_block(x, start, out);
    }
}
