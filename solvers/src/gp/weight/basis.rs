//! The features a weight-space GP is fitted on, as functions of the
//! kernel's hyperparameters, and the chain rule from `∂L/∂Φ` to `∂L/∂ log θ`.
//!
//! - **Random Fourier features** are drawn once, at the starting kernel;
//!   a kernel `s · k` with another width scales every frequency by the same
//!   factor `ρ` (`√(γ/γ₀)` for the RBF, `γ/γ₀` for the Laplacian, `ℓ₀/ℓ` for
//!   Matérn). With `U = X W` and `φ = √(2s/D) cos(U + b)`,
//!   `∂Φ/∂ log s = Φ/2` and `∂Φ/∂ log h = −p √(2s/D) sin(U + b) ⊙ U` for a
//!   width `h` with `ρ ∝ h^p`.
//! - **Nyström features** keep their landmarks `Z`: `Φ = K_xz L⁻ᵀ` with
//!   `K_zz = L Lᵀ`. Both objectives depend on `Φ Φᵀ` alone, so
//!   `⟨∂L/∂Φ, dΦ⟩ = ⟨G L⁻¹, dK_xz⟩ − ½ ⟨L⁻ᵀ sym(Gᵀ Φ) L⁻¹, dK_zz⟩`,
//!   contracted pair by pair with `∂k/∂ log θ` as the sparse GP's bound is.

use faer::{Mat, Par};
use kern_approx::{ApproxMap, FeatureMap, Landmarks, Nystroem, RandomFourierFeatures};
use kern_kernels::{DataSet, Kernel, VectorKernel, gram_matrix};
use serde::{Deserialize, Serialize};

use crate::gp::GpError;
use crate::gp::lml::{Noise, factor};
use crate::gp::sparse::{in_waves, sandwich};
use crate::linalg::{solve_lower_in_place, solve_lower_transpose_in_place, transpose_times};

/// Which features a weight-space GP is fitted on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum FeatureKind {
    /// Random Fourier features (RBF, Laplacian and Matérn kernels, scaled
    /// or not); `orthogonal` draws their directions in orthogonal blocks.
    Fourier { orthogonal: bool },
    /// Nyström features on landmarks chosen among the samples.
    Nystroem { landmarks: Landmarks },
}

/// A feature family fixed at the start of a fit.
pub(crate) enum Basis {
    Fourier { draw: RandomFourierFeatures, start: VectorKernel },
    Nystroem { landmarks: DataSet, indices: Vec<usize> },
}

/// The features at one kernel, with what the chain rule needs.
pub(crate) struct Features {
    pub phi: Mat<f64>,
    /// Nyström: `L` of `K_zz` (with the jitter it needed).
    l: Option<Mat<f64>>,
}

/// `s · k` as `(s, k)`; a kernel that is not scaled has `s = 1`.
fn split(kernel: &VectorKernel) -> (f64, &VectorKernel) {
    match kernel {
        VectorKernel::Scaled { scale, kernel } => (*scale, kernel),
        k => (1.0, k),
    }
}

/// The base kernel's width and the power `p` with frequencies `∝ width^p`.
fn width(base: &VectorKernel) -> Option<(f64, f64)> {
    match *base {
        VectorKernel::Rbf { gamma } => Some((gamma, 0.5)),
        VectorKernel::Laplacian { gamma } => Some((gamma, 1.0)),
        VectorKernel::Matern12 { lengthscale }
        | VectorKernel::Matern32 { lengthscale }
        | VectorKernel::Matern52 { lengthscale } => Some((lengthscale, -1.0)),
        _ => None,
    }
}

impl Basis {
    /// Draws `components` features of `kind` for `kernel` on the samples `x`, seeded.
    pub(crate) fn new(
        kind: FeatureKind,
        kernel: &VectorKernel,
        x: &DataSet,
        components: usize,
        seed: u64,
        par: Par,
    ) -> Result<Self, GpError> {
        match kind {
            FeatureKind::Fourier { orthogonal } => {
                let base = split(kernel).1;
                if width(base).is_none() {
                    return Err(GpError::Features(kern_approx::ApproxError::UnsupportedKernel {
                        method: "a GP on random features",
                        kernel: base.name(),
                        hint: "it learns the width of rbf, laplacian and matern kernels (scaled or not); --approx nystroem takes any kernel on vectors",
                    }));
                }
                let draw = RandomFourierFeatures::new(kernel, x.n_features(), components, orthogonal, seed)?;
                Ok(Basis::Fourier { draw, start: kernel.clone() })
            }
            FeatureKind::Nystroem { landmarks } => {
                let indices = landmarks.choose(kernel, x, components.min(x.n_samples()), seed, par)?;
                Ok(Basis::Nystroem { landmarks: x.select(&indices), indices })
            }
        }
    }

    /// The random features at `kernel`: the draw with its frequencies rescaled.
    fn fourier_at(draw: &RandomFourierFeatures, start: &VectorKernel, kernel: &VectorKernel) -> RandomFourierFeatures {
        let ((s, base), (_, base0)) = (split(kernel), split(start));
        let ((h, p), (h0, _)) = (width(base).expect("checked at the draw"), width(base0).expect("checked at the draw"));
        let rho = (h / h0).powf(p);
        let mut map = draw.clone();
        map.frequencies.iter_mut().for_each(|w| *w *= rho);
        map.amplitude = (2.0 * s / map.phases.len() as f64).sqrt();
        map
    }

    /// The features of `x` at `kernel`.
    pub(crate) fn features(&self, kernel: &VectorKernel, x: &DataSet, par: Par) -> Result<Features, GpError> {
        match self {
            Basis::Fourier { draw, start } => {
                let phi = Self::fourier_at(draw, start, kernel).transform(x, par)?;
                Ok(Features { phi, l: None })
            }
            Basis::Nystroem { landmarks, .. } => {
                let l = factor(|| gram_matrix(kernel, landmarks, par), Noise::uniform(0.0), par)?.l;
                let all: Vec<usize> = (0..x.n_samples()).collect();
                // Φᵀ = L⁻¹ K_zx.
                let cols: Vec<usize> = (0..landmarks.n_samples()).collect();
                let mut k = Mat::zeros(all.len(), cols.len());
                kernel.block(x, &all, landmarks, &cols, k.as_mut(), par);
                let mut t = k.transpose().to_owned();
                solve_lower_in_place(l.as_ref(), t.as_mut(), par);
                Ok(Features { phi: t.transpose().to_owned(), l: Some(l) })
            }
        }
    }

    /// `⟨G, ∂Φ/∂ log θ⟩` for every hyperparameter `θ` of `kernel`, with
    /// `features` this basis's features of `x` at `kernel`.
    pub(crate) fn chain(
        &self,
        kernel: &VectorKernel,
        x: &DataSet,
        features: &Features,
        g: &Mat<f64>,
        par: Par,
    ) -> Vec<f64> {
        match self {
            Basis::Fourier { draw, start } => {
                let map = Self::fourier_at(draw, start, kernel);
                let u = map.projections(x, par).expect("the width was checked by transform");
                let (_, p) = width(split(kernel).1).expect("checked at the draw");
                let phi = &features.phi;
                let (mut scale, mut width) = (0.0, 0.0);
                for j in 0..phi.ncols() {
                    let b = map.phases[j];
                    for i in 0..phi.nrows() {
                        scale += 0.5 * phi[(i, j)] * g[(i, j)];
                        width -= p * map.amplitude * (u[(i, j)] + b).sin() * u[(i, j)] * g[(i, j)];
                    }
                }
                if matches!(kernel, VectorKernel::Scaled { .. }) { vec![scale, width] } else { vec![width] }
            }
            Basis::Nystroem { landmarks, .. } => {
                let l = features.l.as_ref().expect("Nyström features keep their factor");
                let m = landmarks.n_samples();
                let h = transpose_times(g.as_ref(), features.phi.as_ref(), par);
                let h = Mat::from_fn(m, m, |i, j| -0.25 * (h[(i, j)] + h[(j, i)]));
                let mut gradient = kernel.gradient_traces(landmarks, sandwich(l, h, par).as_ref(), par);
                // (G L⁻¹)ᵀ = L⁻ᵀ Gᵀ, contracted block by block in a fixed order.
                let mut gt = g.transpose().to_owned();
                solve_lower_transpose_in_place(l.as_ref(), gt.as_mut(), par);
                let block = |rows: &[usize]| {
                    let a = Mat::from_fn(rows.len(), m, |r, j| gt[(j, rows[r])]);
                    kernel.cross_gradient_traces(x, rows, landmarks, a.as_ref(), Par::Seq)
                };
                let cross = in_waves(x.n_samples(), par, block, vec![0.0; gradient.len()], |t, part| {
                    t.iter_mut().zip(&part).for_each(|(t, v)| *t += v)
                });
                gradient.iter_mut().zip(&cross).for_each(|(g, c)| *g += c);
                gradient
            }
        }
    }

    /// The map a model stores, at the fitted `kernel`.
    pub(crate) fn map_at(&self, kernel: &VectorKernel, par: Par) -> Result<ApproxMap, GpError> {
        Ok(match self {
            Basis::Fourier { draw, start } => ApproxMap::Rff(Self::fourier_at(draw, start, kernel)),
            Basis::Nystroem { landmarks, indices } => ApproxMap::Nystroem(Box::new(Nystroem::from_landmarks(
                kernel,
                landmarks.clone(),
                indices.clone(),
                par,
            )?)),
        })
    }
}
