//! Radial kernels `s · κ(r²)`, `r² = Σ_f w_f (x_f − y_f)²`, contracted over
//! whole blocks by matrix products: what the sparse GP's gradients need of
//! `K(X, Z)` on dense data, without a loop over features per pair.
//!
//! With `A = W ⊙ κ'(R²)` (`κ' = dκ/dr²`) for a block of rows `X` and points
//! `Z`, `Σ_ij A_ij (x_if − z_jf)² = Σ_i x_if² (A1)_i − 2 Σ_i x_if (AZ)_if +
//! Σ_j z_jf² (Aᵀ1)_j`, so the derivatives in every ARD lengthscale take one
//! product `AZ`; those in the first argument, `Σ_i G_mi ∂k(z_m, x_i)/∂z_m =
//! 2 w ⊙ (z_m (Bᵀ1)_m − (BᵀX)_m)` with `B = G ⊙ κ'`, take one product `BᵀX`.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

use super::VectorKernel;
use super::exp::exp;
use crate::data::DataSet;

/// A radial kernel's parts: `scale · κ(Σ_f w_f Δ_f²)`.
pub(crate) struct Radial<'a> {
    scale: f64,
    /// `w_f` (`1/ℓ_f²`) for ARD kernels; `None`: every weight 1.
    weights: Option<Vec<f64>>,
    /// The unscaled kernel, whose profile gives `κ`.
    profile: &'a VectorKernel,
}

impl VectorKernel {
    /// The kernel as `s · κ(r²)` when it is radial (RBF, Matérn, rational
    /// quadratic, their ARD forms), scaled or not.
    pub(crate) fn radial(&self) -> Option<Radial<'_>> {
        use VectorKernel::*;
        match self {
            Scaled { scale, kernel } => kernel.radial().map(|r| Radial { scale: scale * r.scale, ..r }),
            Rbf { .. } | Matern32 { .. } | Matern52 { .. } | RationalQuadratic { .. } => {
                Some(Radial { scale: 1.0, weights: None, profile: self })
            }
            ArdRbf { lengthscales } | ArdMatern32 { lengthscales } | ArdMatern52 { lengthscales } => {
                Some(Radial { scale: 1.0, weights: Some(super::ard_weights(lengthscales)), profile: self })
            }
            _ => None,
        }
    }
}

impl Radial<'_> {
    /// `κ` in place of `r²` in `k`, and `κ'` into `dk`: one loop per kind,
    /// so that it vectorises.
    fn profile_column(&self, k: &mut [f64], dk: &mut [f64]) {
        use VectorKernel::*;
        const SQRT3: f64 = 1.732_050_807_568_877_2;
        const SQRT5: f64 = 2.236_067_977_499_79;
        let each = |f: &dyn Fn(f64) -> (f64, f64), k: &mut [f64], dk: &mut [f64]| {
            k.iter_mut().zip(dk).for_each(|(k, dk)| (*k, *dk) = f(*k));
        };
        match *self.profile {
            // κ(r²) for ARD kernels, κ(d²) with the lengthscale inside for the others.
            ArdRbf { .. } | Rbf { .. } => {
                let gamma = if let Rbf { gamma } = *self.profile { gamma } else { 0.5 };
                k.iter_mut().zip(dk).for_each(|(k, dk)| {
                    let e = exp(-gamma * *k);
                    (*k, *dk) = (e, -gamma * e);
                })
            }
            ArdMatern32 { .. } | Matern32 { .. } => {
                let inv = match *self.profile {
                    Matern32 { lengthscale } => 1.0 / lengthscale,
                    _ => 1.0,
                };
                k.iter_mut().zip(dk).for_each(|(k, dk)| {
                    let s = SQRT3 * inv * k.sqrt();
                    let e = exp(-s);
                    (*k, *dk) = ((1.0 + s) * e, -1.5 * inv * inv * e);
                })
            }
            ArdMatern52 { .. } | Matern52 { .. } => {
                let inv = match *self.profile {
                    Matern52 { lengthscale } => 1.0 / lengthscale,
                    _ => 1.0,
                };
                k.iter_mut().zip(dk).for_each(|(k, dk)| {
                    let s = SQRT5 * inv * k.sqrt();
                    let e = exp(-s);
                    (*k, *dk) = ((1.0 + s + s * s / 3.0) * e, -5.0 / 6.0 * inv * inv * (1.0 + s) * e);
                })
            }
            _ => each(
                &|d2| {
                    let (k, c) = self.profile.radial_slope(d2);
                    (k, 0.5 * c)
                },
                k,
                dk,
            ),
        }
    }

    fn weight(&self, f: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[f])
    }

    /// `x` (rows `rows` of a dense data set) as a matrix, and each row's
    /// weighted squared norm.
    fn rows(&self, x: &DataSet, rows: &[usize]) -> (Mat<f64>, Vec<f64>) {
        let d = x.n_features();
        let m = Mat::from_fn(rows.len(), d, |i, f| x.row(rows[i]).value_at(f));
        let norms = (0..rows.len()).map(|i| (0..d).map(|f| self.weight(f) * m[(i, f)] * m[(i, f)]).sum()).collect();
        (m, norms)
    }

    /// `f(j, r², κ, κ')` for each column `j` of the pairs of `a` and `b`
    /// rows: a column's distances from one product, then its profile in a
    /// loop that vectorises.
    fn columns(
        &self,
        a: &(Mat<f64>, Vec<f64>),
        b: &(Mat<f64>, Vec<f64>),
        mut f: impl FnMut(usize, &[f64], &[f64], &[f64]),
    ) {
        let ((a, na), (b, nb)) = (a, b);
        let bw = Mat::from_fn(b.nrows(), b.ncols(), |j, f| self.weight(f) * b[(j, f)]);
        let mut cross = Mat::zeros(a.nrows(), b.nrows());
        matmul(cross.as_mut(), Accum::Replace, a.as_ref(), bw.transpose(), 1.0, Par::Seq);
        let (mut k, mut dk) = (vec![0.0; a.nrows()], vec![0.0; a.nrows()]);
        for j in 0..b.nrows() {
            let d2 = cross.col_as_slice_mut(j);
            d2.iter_mut().zip(na).for_each(|(v, ni)| *v = (ni + nb[j] - 2.0 * *v).max(0.0));
            k.copy_from_slice(d2);
            self.profile_column(&mut k, &mut dk);
            f(j, d2, &k, &dk);
        }
    }

    /// `(κ, κ')` of every pair of `a` and `b` rows, `a.nrows() × b.nrows()`.
    fn pairs(&self, a: &(Mat<f64>, Vec<f64>), b: &(Mat<f64>, Vec<f64>)) -> (Mat<f64>, Mat<f64>) {
        let (mut kappa, mut slope) = (Mat::zeros(a.0.nrows(), b.0.nrows()), Mat::zeros(a.0.nrows(), b.0.nrows()));
        self.columns(a, b, |j, _, k, dk| {
            kappa.col_as_slice_mut(j).copy_from_slice(k);
            slope.col_as_slice_mut(j).copy_from_slice(dk);
        });
        (kappa, slope)
    }

    /// `(Σ_ij W_ij κ_ij, Σ_ij W_ij κ'_ij r²_ij)` of a one-width kernel
    /// (`r²` the squared distance).
    fn isotropic_sums(&self, a: &(Mat<f64>, Vec<f64>), b: &(Mat<f64>, Vec<f64>), w: MatRef<'_, f64>) -> (f64, f64) {
        let (mut kw, mut slope_w) = (0.0, 0.0);
        self.columns(a, b, |j, d2, k, dk| {
            for (i, ((ki, dki), ri)) in k.iter().zip(dk).zip(d2).enumerate() {
                kw += w[(i, j)] * ki;
                slope_w += w[(i, j)] * dki * ri;
            }
        });
        (kw, slope_w)
    }
}

/// `Σ_ij W_ij ∂k(a_{rows_i}, b_j)/∂ log θ_t` for a radial kernel on dense
/// data by matrix products; `None` for other kernels and for sparse data.
pub(crate) fn cross_traces(
    kernel: &VectorKernel,
    a: &DataSet,
    rows: &[usize],
    b: &DataSet,
    w: MatRef<'_, f64>,
) -> Option<Vec<f64>> {
    let radial = kernel.radial()?;
    if a.is_sparse() || b.is_sparse() {
        return None;
    }
    let (xa, xb) = (radial.rows(a, rows), radial.rows(b, &(0..b.n_samples()).collect::<Vec<_>>()));
    let s = radial.scale;
    let mut traces = Vec::with_capacity(kernel.n_hyperparameters());
    if radial.weights.is_none() {
        // One width: `∂k/∂ log γ = r² s κ'` (rbf), `∂k/∂ log ℓ = −2 r² s κ'` (Matérn).
        let factor = match radial.profile {
            VectorKernel::Rbf { .. } => 1.0,
            VectorKernel::Matern32 { .. } | VectorKernel::Matern52 { .. } => -2.0,
            _ => return None,
        };
        let (kw, slope_w) = radial.isotropic_sums(&xa, &xb, w);
        if matches!(kernel, VectorKernel::Scaled { .. }) {
            traces.push(kw * s);
        }
        traces.push(factor * s * slope_w);
        return Some(traces);
    }
    let (k, slope) = radial.pairs(&xa, &xb);
    if matches!(kernel, VectorKernel::Scaled { .. }) {
        // ∂(s κ)/∂ log s = s κ.
        traces
            .push((0..k.ncols()).map(|j| (0..k.nrows()).map(|i| w[(i, j)] * k[(i, j)]).sum::<f64>()).sum::<f64>() * s);
    }
    let a_mat = Mat::from_fn(k.nrows(), k.ncols(), |i, j| w[(i, j)] * slope[(i, j)]);
    // ∂r²/∂ log ℓ_f = −2 w_f Δ_f².
    let ((x, _), (z, _)) = (&xa, &xb);
    let mut az = Mat::zeros(x.nrows(), x.ncols());
    matmul(az.as_mut(), Accum::Replace, a_mat.as_ref(), z.as_ref(), 1.0, Par::Seq);
    let row_sums: Vec<f64> = (0..x.nrows()).map(|i| (0..z.nrows()).map(|j| a_mat[(i, j)]).sum()).collect();
    let col_sums: Vec<f64> = (0..z.nrows()).map(|j| (0..x.nrows()).map(|i| a_mat[(i, j)]).sum()).collect();
    for f in 0..x.ncols() {
        let xx: f64 = (0..x.nrows()).map(|i| x[(i, f)] * (x[(i, f)] * row_sums[i] - 2.0 * az[(i, f)])).sum();
        let zz: f64 = (0..z.nrows()).map(|j| z[(j, f)] * z[(j, f)] * col_sums[j]).sum();
        traces.push(-2.0 * radial.weight(f) * s * (xx + zz));
    }
    Some(traces)
}

/// `Σ_i G_im ∂k(z_m, x_{rows_i})/∂z_m` for every inducing point `z_m`
/// (`M × d`, row by row) of a radial kernel on dense data by matrix
/// products; `None` for other kernels and for sparse data.
pub(crate) fn cross_input_gradient(
    kernel: &VectorKernel,
    z: &DataSet,
    x: &DataSet,
    rows: &[usize],
    g: MatRef<'_, f64>,
) -> Option<Vec<f64>> {
    let radial = kernel.radial()?;
    if x.is_sparse() || z.is_sparse() {
        return None;
    }
    let (xa, zb) = (radial.rows(x, rows), radial.rows(z, &(0..z.n_samples()).collect::<Vec<_>>()));
    let (_, slope) = radial.pairs(&xa, &zb);
    let ((x, _), (z, _)) = (&xa, &zb);
    // B = G ⊙ κ' (rows × M); ∂k/∂z_mf = 2 s κ' w_f (z_mf − x_if).
    let b = Mat::from_fn(slope.nrows(), slope.ncols(), |i, m| g[(i, m)] * slope[(i, m)]);
    let mut btx = Mat::zeros(z.nrows(), z.ncols());
    matmul(btx.as_mut(), Accum::Replace, b.transpose(), x.as_ref(), 1.0, Par::Seq);
    let d = z.ncols();
    let mut out = vec![0.0; z.nrows() * d];
    for m in 0..z.nrows() {
        let total: f64 = (0..b.nrows()).map(|i| b[(i, m)]).sum();
        for f in 0..d {
            out[m * d + f] = 2.0 * radial.scale * radial.weight(f) * (z[(m, f)] * total - btx[(m, f)]);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use faer::{Mat, Par};

    use super::{cross_input_gradient, cross_traces};
    use crate::data::{DataSet, DenseMatrix};
    use crate::vector::VectorKernel::{self, *};

    fn data(n: usize, d: usize, seed: u64) -> DataSet {
        let mut s = seed;
        let mut u = || {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let rows: Vec<Vec<f64>> = (0..n).map(|_| (0..d).map(|_| 3.0 * u() - 1.0).collect()).collect();
        DataSet::from(DenseMatrix::from_rows(&rows).unwrap())
    }

    #[test]
    fn block_products_equal_the_pairwise_sums() {
        let (x, z) = (data(37, 3, 1), data(9, 3, 2));
        let rows: Vec<usize> = (0..37).rev().step_by(2).collect();
        let w = Mat::from_fn(rows.len(), 9, |i, j| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
        let ls = vec![0.6, 1.7, 2.4];
        let scaled = |k: VectorKernel| Scaled { scale: 1.8, kernel: Box::new(k) };
        for kernel in [
            ArdRbf { lengthscales: ls.clone() },
            scaled(ArdMatern32 { lengthscales: ls.clone() }),
            scaled(ArdMatern52 { lengthscales: ls }),
            scaled(Rbf { gamma: 0.4 }),
            Matern32 { lengthscale: 0.9 },
            scaled(Matern52 { lengthscale: 1.3 }),
            scaled(RationalQuadratic { lengthscale: 1.1, alpha: 0.7 }),
        ] {
            let close = |a: &[f64], b: &[f64]| {
                a.iter().zip(b).all(|(a, b)| (a - b).abs() <= 1e-10 * (1.0 + a.abs().max(b.abs())))
            };
            if let Some(fast) = cross_traces(&kernel, &x, &rows, &z, w.as_ref()) {
                let slow = kernel.cross_gradient_traces_pairwise(&x, &rows, &z, w.as_ref(), Par::Seq);
                assert!(close(&fast, &slow), "{kernel}: {fast:?} vs {slow:?}");
            } else {
                // Rational quadratic's α is not a width: pair by pair.
                assert!(kernel.to_string().contains("rq("), "{kernel}: a width's kernel takes the fast path");
            }
            let fast = cross_input_gradient(&kernel, &z, &x, &rows, w.as_ref()).expect("radial");
            let mut slow = vec![0.0; 27];
            let mut dz = vec![0.0; 3];
            for (i, &r) in rows.iter().enumerate() {
                for m in 0..9 {
                    kernel.value_and_input_gradient(&z.row(m), &x.row(r), &mut dz);
                    (0..3).for_each(|f| slow[m * 3 + f] += w[(i, m)] * dz[f]);
                }
            }
            assert!(close(&fast, &slow), "{kernel}: {fast:?} vs {slow:?}");
        }
    }
}
