//! Sampling frequencies from a kernel's spectral density.

use kern_kernels::VectorKernel;

use crate::{ApproxError, SplitMix64};

/// The spectral density of a shift-invariant kernel.
#[derive(Clone, Copy, Debug)]
pub(super) enum Spectral {
    /// `N(0, 2γ I)`.
    Gaussian { gamma: f64 },
    /// Cauchy of scale `γ` per coordinate.
    Cauchy { gamma: f64 },
    /// Student t with `dof` (= 2ν) degrees of freedom and scale `1/ℓ`.
    StudentT { dof: u32, lengthscale: f64 },
}

impl Spectral {
    pub(super) fn of(kernel: &VectorKernel) -> Result<Self, ApproxError> {
        Ok(match *kernel {
            VectorKernel::Rbf { gamma } => Spectral::Gaussian { gamma },
            VectorKernel::Laplacian { gamma } => Spectral::Cauchy { gamma },
            VectorKernel::Matern12 { lengthscale } => Spectral::StudentT { dof: 1, lengthscale },
            VectorKernel::Matern32 { lengthscale } => Spectral::StudentT { dof: 3, lengthscale },
            VectorKernel::Matern52 { lengthscale } => Spectral::StudentT { dof: 5, lengthscale },
            ref other => {
                return Err(ApproxError::UnsupportedKernel {
                    method: "random Fourier features",
                    kernel: other.name(),
                    hint: "they need a shift-invariant kernel (rbf, laplacian, matern12/32/52); use --approx nystroem",
                });
            }
        })
    }

    /// Whether the density depends on `‖ω‖` alone.
    pub(super) fn is_radial(self) -> bool {
        !matches!(self, Spectral::Cauchy { .. })
    }

    /// One frequency into `out` (length d).
    fn draw(self, out: &mut [f64], rng: &mut SplitMix64) {
        match self {
            Spectral::Gaussian { gamma } => {
                let s = (2.0 * gamma).sqrt();
                out.iter_mut().for_each(|w| *w = s * rng.normal());
            }
            Spectral::Cauchy { gamma } => {
                out.iter_mut().for_each(|w| *w = gamma * (std::f64::consts::PI * (rng.uniform() - 0.5)).tan());
            }
            Spectral::StudentT { dof, lengthscale } => {
                out.iter_mut().for_each(|w| *w = rng.normal());
                let s = t_scale(dof, lengthscale, rng);
                out.iter_mut().for_each(|w| *w *= s);
            }
        }
    }

    /// The length of one frequency, for orthogonal directions.
    fn radius(self, d: usize, rng: &mut SplitMix64) -> f64 {
        let chi = (0..d).map(|_| rng.normal().powi(2)).sum::<f64>().sqrt();
        match self {
            Spectral::Gaussian { gamma } => (2.0 * gamma).sqrt() * chi,
            Spectral::StudentT { dof, lengthscale } => chi * t_scale(dof, lengthscale, rng),
            Spectral::Cauchy { .. } => unreachable!("not radial"),
        }
    }

    /// `components` frequencies of dimension `d` (`d × D`, column-major).
    pub(super) fn sample(self, d: usize, components: usize, rng: &mut SplitMix64) -> Vec<f64> {
        let mut w = vec![0.0; d * components];
        if d == 0 {
            return w;
        }
        for column in w.chunks_mut(d) {
            self.draw(column, rng);
        }
        w
    }

    /// Frequencies whose directions come in orthonormal blocks of `d`
    /// (Gram–Schmidt on Gaussian vectors, twice for accuracy), with radii
    /// drawn from the density's radial law.
    pub(super) fn sample_orthogonal(self, d: usize, components: usize, rng: &mut SplitMix64) -> Vec<f64> {
        let mut w = vec![0.0; d * components];
        if d == 0 {
            return w;
        }
        for block in w.chunks_mut(d * d) {
            let k = block.len() / d;
            for c in 0..k {
                let (done, rest) = block.split_at_mut(c * d);
                let v = &mut rest[..d];
                v.iter_mut().for_each(|x| *x = rng.normal());
                for _ in 0..2 {
                    for q in done.chunks(d) {
                        let dot: f64 = q.iter().zip(v.iter()).map(|(a, b)| a * b).sum();
                        v.iter_mut().zip(q).for_each(|(x, q)| *x -= dot * q);
                    }
                }
                let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                v.iter_mut().for_each(|x| *x /= norm);
            }
            for column in block.chunks_mut(d) {
                let r = self.radius(d, rng);
                column.iter_mut().for_each(|x| *x *= r);
            }
        }
        w
    }
}

/// The factor `√(dof / u) / ℓ`, `u ~ χ²(dof)`, that turns a standard normal
/// vector into a Student t frequency.
fn t_scale(dof: u32, lengthscale: f64, rng: &mut SplitMix64) -> f64 {
    let u: f64 = (0..dof).map(|_| rng.normal().powi(2)).sum();
    (f64::from(dof) / u).sqrt() / lengthscale
}
