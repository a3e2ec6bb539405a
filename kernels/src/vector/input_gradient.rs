//! Derivatives of vector kernels with respect to their first argument,
//! `∂k(z, x)/∂z`: what learning a sparse GP's inducing locations needs.
//!
//! Radial kernels are `k = κ(Δ)` with `Δ = z − x`, so `∂k/∂z_j` is a
//! multiple of `Δ_j` (of `sign Δ_j` for the Laplacian); the inner-product
//! kernels' derivatives are multiples of `x_j`.

use faer::MatRef;

use super::{VectorKernel, exp};
use crate::data::{DataSet, Row};

impl VectorKernel {
    /// Whether [`VectorKernel::value_and_input_gradient`] knows this kernel:
    /// every vector kernel but normalised and precomputed ones.
    pub fn has_input_gradient(&self) -> bool {
        use VectorKernel::*;
        match self {
            Normalized(_) | Precomputed => false,
            Sum(terms) | Product(terms) => terms.iter().all(Self::has_input_gradient),
            Scaled { kernel, .. } => kernel.has_input_gradient(),
            _ => true,
        }
    }

    /// `k(z, x)`, with `∂k(z, x)/∂z_j` written to `grad[j]` for every
    /// feature (`grad.len()` at least the number of features).
    ///
    /// # Panics
    /// When [`VectorKernel::has_input_gradient`] is false.
    ///
    /// ```
    /// use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
    /// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0, 1.0], vec![2.0, 1.0]]).unwrap());
    /// let k = VectorKernel::Rbf { gamma: 0.25 };
    /// let mut grad = [0.0; 2];
    /// let value = k.value_and_input_gradient(&x.row(0), &x.row(1), &mut grad);
    /// assert!((grad[0] - 2.0 * 0.25 * 2.0 * value).abs() < 1e-15); // −2γ (z − x) k
    /// assert_eq!(grad[1], 0.0);
    /// ```
    pub fn value_and_input_gradient(&self, z: &Row<'_>, x: &Row<'_>, grad: &mut [f64]) -> f64 {
        use VectorKernel::*;
        grad.iter_mut().for_each(|g| *g = 0.0);
        match self {
            Linear | Polynomial { .. } | Sigmoid { .. } | DotProduct { .. } | Constant { .. } => {
                self.inner_product_gradient(z, x, grad)
            }
            Rbf { .. } | Matern12 { .. } | Matern32 { .. } | Matern52 { .. } | RationalQuadratic { .. } => {
                let d2 = z.sq_distance(x);
                let (k, slope) = self.radial_slope(d2);
                z.zip_with(x, |j, a, b| grad[j] = slope * (a - b));
                k
            }
            ArdRbf { lengthscales } | ArdMatern32 { lengthscales } | ArdMatern52 { lengthscales } => {
                let w = super::ard_weights(lengthscales);
                let (k, slope) = self.ard_slope(z.weighted_sq_distance(x, &w));
                z.zip_with(x, |j, a, b| grad[j] = slope * w[j] * (a - b));
                k
            }
            Laplacian { gamma } => {
                let k = exp::exp(-gamma * z.l1_distance(x));
                z.zip_with(x, |j, a, b| grad[j] = -gamma * k * (a - b).signum() * f64::from(u8::from(a != b)));
                k
            }
            Periodic { lengthscale, period } => {
                // k = exp(−2 S/ℓ²), S = Σ_j sin²(π Δ_j / p): ∂S/∂z_j = (π/p) sin(2π Δ_j / p).
                let k = self.eval_rows(z, x);
                let c = -2.0 * k / (lengthscale * lengthscale) * std::f64::consts::PI / period;
                z.zip_with(x, |j, a, b| grad[j] = c * (2.0 * std::f64::consts::PI * (a - b) / period).sin());
                k
            }
            Scaled { scale, kernel } => {
                let k = kernel.value_and_input_gradient(z, x, grad);
                grad.iter_mut().for_each(|g| *g *= scale);
                scale * k
            }
            Sum(terms) => {
                let mut part = vec![0.0; grad.len()];
                let mut k = 0.0;
                for term in terms {
                    k += term.value_and_input_gradient(z, x, &mut part);
                    grad.iter_mut().zip(&part).for_each(|(g, p)| *g += p);
                }
                k
            }
            Product(terms) => {
                // ∂(Π k_t) = Σ_t ∂k_t Π_{s≠t} k_s.
                let mut parts = vec![vec![0.0; grad.len()]; terms.len()];
                let values: Vec<f64> =
                    terms.iter().zip(&mut parts).map(|(t, p)| t.value_and_input_gradient(z, x, p)).collect();
                for (t, part) in parts.iter().enumerate() {
                    let others: f64 = values.iter().enumerate().filter(|&(s, _)| s != t).map(|(_, v)| v).product();
                    grad.iter_mut().zip(part).for_each(|(g, p)| *g += others * p);
                }
                values.iter().product()
            }
            Normalized(_) | Precomputed => unreachable!("no input gradient for the {} kernel", self.name()),
        }
    }

    /// `Σ_i G_im ∂k(z_m, x_{rows_i})/∂z_m` for every point `z_m` of `z`:
    /// `M × d`, row by row, with `G` `rows.len() × M`. Radial kernels on
    /// dense data go by matrix products, others pair by pair.
    ///
    /// # Panics
    /// When [`VectorKernel::has_input_gradient`] is false.
    ///
    /// ```
    /// use faer::Mat;
    /// use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
    /// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![2.0]]).unwrap());
    /// let z = DataSet::from(DenseMatrix::from_rows(&[vec![1.0]]).unwrap());
    /// let k = VectorKernel::Rbf { gamma: 0.5 };
    /// let g = Mat::from_fn(2, 1, |_, _| 1.0);
    /// // Halfway between the two rows, the pulls cancel.
    /// assert!(k.cross_input_gradient(&z, &x, &[0, 1], g.as_ref())[0].abs() < 1e-15);
    /// ```
    pub fn cross_input_gradient(&self, z: &DataSet, x: &DataSet, rows: &[usize], g: MatRef<'_, f64>) -> Vec<f64> {
        assert_eq!((g.nrows(), g.ncols()), (rows.len(), z.n_samples()), "G must be rows × M");
        if let Some(out) = super::radial::cross_input_gradient(self, z, x, rows, g) {
            return out;
        }
        let d = z.n_features();
        let (mut out, mut dz) = (vec![0.0; z.n_samples() * d], vec![0.0; d]);
        for (i, &r) in rows.iter().enumerate() {
            for (m, out) in out.chunks_exact_mut(d.max(1)).enumerate() {
                self.value_and_input_gradient(&z.row(m), &x.row(r), &mut dz);
                out.iter_mut().zip(&dz).for_each(|(o, v)| *o += g[(i, m)] * v);
            }
        }
        out
    }

    /// The inner-product kernels: `k = f(⟨z, x⟩)`, `∂k/∂z_j = f'(⟨z, x⟩) x_j`.
    fn inner_product_gradient(&self, z: &Row<'_>, x: &Row<'_>, grad: &mut [f64]) -> f64 {
        use VectorKernel::*;
        let s = z.dot(x);
        let (k, slope) = match *self {
            Linear => (s, 1.0),
            DotProduct { sigma0 } => (sigma0 * sigma0 + s, 1.0),
            Constant { value } => (value, 0.0),
            Polynomial { gamma, coef0, degree } => {
                let (base, d) = (gamma * s + coef0, degree as i32);
                (base.powi(d), f64::from(d) * base.powi(d - 1) * gamma)
            }
            Sigmoid { gamma, coef0 } => {
                let k = (gamma * s + coef0).tanh();
                (k, (1.0 - k * k) * gamma)
            }
            _ => unreachable!("not an inner-product kernel"),
        };
        z.zip_with(x, |j, _, b| grad[j] = slope * b);
        k
    }

    /// A one-lengthscale radial kernel at squared distance `d2`: `k` and
    /// `c` with `∂k/∂z_j = c Δ_j`.
    pub(crate) fn radial_slope(&self, d2: f64) -> (f64, f64) {
        use VectorKernel::*;
        const SQRT3: f64 = 1.732_050_807_568_877_2;
        const SQRT5: f64 = 2.236_067_977_499_79;
        match *self {
            Rbf { gamma } => {
                let k = exp::exp(-gamma * d2);
                (k, -2.0 * gamma * k)
            }
            Matern12 { lengthscale } => {
                let r = d2.sqrt();
                let k = exp::exp(-r / lengthscale);
                // Not differentiable at r = 0; 0 there (a subgradient).
                (k, if r > 0.0 { -k / (lengthscale * r) } else { 0.0 })
            }
            Matern32 { lengthscale } => {
                let s = SQRT3 * d2.sqrt() / lengthscale;
                let e = exp::exp(-s);
                ((1.0 + s) * e, -3.0 * e / (lengthscale * lengthscale))
            }
            Matern52 { lengthscale } => {
                let s = SQRT5 * d2.sqrt() / lengthscale;
                let e = exp::exp(-s);
                ((1.0 + s + s * s / 3.0) * e, -5.0 / 3.0 * (1.0 + s) * e / (lengthscale * lengthscale))
            }
            RationalQuadratic { lengthscale, alpha } => {
                let l2 = lengthscale * lengthscale;
                let b = 1.0 + d2 / (2.0 * alpha * l2);
                let k = b.powf(-alpha);
                (k, -k / (b * l2))
            }
            _ => unreachable!("not a one-lengthscale radial kernel"),
        }
    }

    /// An ARD kernel at scaled squared distance `r2`: `k` and `c` with
    /// `∂k/∂z_j = c Δ_j / ℓ_j²`.
    pub(crate) fn ard_slope(&self, r2: f64) -> (f64, f64) {
        use VectorKernel::*;
        match self {
            ArdRbf { .. } => {
                let k = exp::exp(-0.5 * r2);
                (k, -k)
            }
            ArdMatern32 { .. } => Matern32 { lengthscale: 1.0 }.radial_slope(r2),
            ArdMatern52 { .. } => Matern52 { lengthscale: 1.0 }.radial_slope(r2),
            _ => unreachable!("not an ARD kernel"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::data::{DataSet, DenseMatrix, SparseMatrix};
    use crate::vector::VectorKernel::{self, *};

    fn kernels() -> Vec<VectorKernel> {
        let ls = vec![0.7, 1.3, 2.0];
        vec![
            Linear,
            Polynomial { gamma: 0.4, coef0: 1.0, degree: 3 },
            Sigmoid { gamma: 0.3, coef0: 0.2 },
            DotProduct { sigma0: 0.5 },
            Constant { value: 2.0 },
            Rbf { gamma: 0.3 },
            Laplacian { gamma: 0.6 },
            Matern12 { lengthscale: 1.1 },
            Matern32 { lengthscale: 0.9 },
            Matern52 { lengthscale: 1.4 },
            RationalQuadratic { lengthscale: 1.2, alpha: 0.8 },
            Periodic { lengthscale: 1.5, period: 2.5 },
            ArdRbf { lengthscales: ls.clone() },
            ArdMatern32 { lengthscales: ls.clone() },
            ArdMatern52 { lengthscales: ls },
            Sum(vec![Rbf { gamma: 0.5 }, Linear]),
            Product(vec![Scaled { scale: 2.0, kernel: Box::new(Matern32 { lengthscale: 1.0 }) }, Rbf { gamma: 0.2 }]),
        ]
    }

    #[test]
    fn input_gradients_equal_central_differences_dense_or_sparse() {
        let z = vec![0.3, -1.2, 0.8];
        let x = vec![-0.4, 0.0, 1.9];
        let sparse = |row: &[f64]| {
            let mut m = SparseMatrix::with_cols(row.len());
            let nonzero: Vec<u32> = (0..row.len() as u32).filter(|&j| row[j as usize] != 0.0).collect();
            let values: Vec<f64> = nonzero.iter().map(|&j| row[j as usize]).collect();
            m.push_row(&nonzero, &values).unwrap();
            DataSet::from(m)
        };
        for k in kernels() {
            assert!(k.has_input_gradient());
            for other in [DataSet::from(DenseMatrix::from_rows(std::slice::from_ref(&x)).unwrap()), sparse(&x)] {
                let zs = DataSet::from(DenseMatrix::from_rows(std::slice::from_ref(&z)).unwrap());
                let mut grad = [0.0; 3];
                let value = k.value_and_input_gradient(&zs.row(0), &other.row(0), &mut grad);
                assert!((value - k.eval_rows(&zs.row(0), &other.row(0))).abs() < 1e-14, "{k:?}");
                for j in 0..3 {
                    let h = 1e-6;
                    let at = |d: f64| {
                        let mut moved = z.clone();
                        moved[j] += d;
                        let m = DataSet::from(DenseMatrix::from_rows(&[moved]).unwrap());
                        k.eval_rows(&m.row(0), &other.row(0))
                    };
                    let numeric = (at(h) - at(-h)) / (2.0 * h);
                    assert!(
                        (grad[j] - numeric).abs() < 1e-7 * (1.0 + numeric.abs()),
                        "{k:?} j={j}: {} vs {numeric}",
                        grad[j]
                    );
                }
            }
        }
        assert!(!VectorKernel::Normalized(Box::new(Rbf { gamma: 1.0 })).has_input_gradient());
    }
}
