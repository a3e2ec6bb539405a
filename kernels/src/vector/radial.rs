//! Radial kernels `s · κ(r²)`, `r² = Σ_f w_f (x_f − y_f)²`, contracted over
//! whole blocks by matrix products: what the sparse GP's gradients need of
//! `K(X, Z)` on dense data, without a loop over features per pair.
//!
//! With `A = W ⊙ κ'(R²)` (`κ' = dκ/dr²`) for a block of rows `X` and points
//! `Z`, `Σ_ij A_ij (x_if − z_jf)² = Σ_i x_if² (A1)_i − 2 Σ_i x_if (AZ)_if +
//! Σ_j z_jf² (Aᵀ1)_j`, so the derivatives in every ARD lengthscale take one
//! product `AZ` (a one-width kernel's, their sum); those in the first
//! argument, `Σ_i G_mi ∂k(z_m, x_i)/∂z_m = 2 w ⊙ (z_m (Bᵀ1)_m − (BᵀX)_m)`
//! with `B = G ⊙ κ'`, take one product `BᵀX`. The block's values and slopes
//! come from one product for the distances, so a caller that needs `K`
//! itself (the sparse GP's `G = K C`) makes the block once.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};

use super::VectorKernel;
use super::exp::exp;
use super::pass::ROUNDING;
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
    /// so that it vectorises (inlined into each dispatched copy).
    #[inline(always)]
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

    /// [`Radial::column`] compiled for the widest vector unit this CPU has
    /// (explicit copies: a closure through `simd::dispatched` is too large to
    /// be inlined into the wide copy, and ran at baseline width).
    fn column_dispatched(&self, k: &mut [f64], dk: &mut [f64], na: &[f64], nj: f64) {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: each copy runs only where the CPU has its features.
            match crate::simd::level() {
                3 => return unsafe { self.column_avx512(k, dk, na, nj) },
                2 => return unsafe { self.column_avx2(k, dk, na, nj) },
                _ => {}
            }
        }
        self.column(k, dk, na, nj)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn column_avx512(&self, k: &mut [f64], dk: &mut [f64], na: &[f64], nj: f64) {
        self.column(k, dk, na, nj)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn column_avx2(&self, k: &mut [f64], dk: &mut [f64], na: &[f64], nj: f64) {
        self.column(k, dk, na, nj)
    }

    /// A column of inner products `k` (against a point of weighted squared
    /// norm `nj`) into the kernel's values `s κ`, and `κ'` into `dk`.
    #[inline(always)]
    fn column(&self, k: &mut [f64], dk: &mut [f64], na: &[f64], nj: f64) {
        // The Gram tiles' rule: identical points get an exact 0.
        k.iter_mut().zip(na).for_each(|(v, &ni)| {
            let d2 = ni + nj - 2.0 * *v;
            *v = if d2 > ROUNDING * (ni + nj) { d2 } else { 0.0 };
        });
        self.profile_column(k, dk);
        if self.scale != 1.0 {
            k.iter_mut().for_each(|v| *v *= self.scale);
        }
    }

    /// Whether every parameter of the kernel is a width (or the amplitude):
    /// then [`Radial::contractions`] gives every trace.
    fn widths_only(&self) -> bool {
        self.weights.is_some()
            || matches!(
                self.profile,
                VectorKernel::Rbf { .. } | VectorKernel::Matern32 { .. } | VectorKernel::Matern52 { .. }
            )
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

    /// The kernel's values `s κ` of every pair of `a` and `b` rows into
    /// `values`, and `κ'` into `slopes` (`a.nrows() × b.nrows()` each): the
    /// distances from one product, then each column's profile in a loop
    /// that vectorises.
    fn values_and_slopes(&self, a: &Rows, b: &Rows, mut values: MatMut<'_, f64>, mut slopes: MatMut<'_, f64>) {
        let ((a, na), (b, nb)) = (a, b);
        let bw = Mat::from_fn(b.nrows(), b.ncols(), |j, f| self.weight(f) * b[(j, f)]);
        matmul(values.as_mut(), Accum::Replace, a.as_ref(), bw.transpose(), 1.0, Par::Seq);
        for (j, &nj) in nb.iter().enumerate() {
            let k = values.as_mut().col_mut(j).try_as_col_major_mut().expect("a column-major block").as_slice_mut();
            let dk = slopes.as_mut().col_mut(j).try_as_col_major_mut().expect("a column-major block").as_slice_mut();
            self.column_dispatched(k, dk, na, nj);
        }
    }

    /// The contractions of a block with weights `w`, from its `values` and
    /// `slopes` (overwritten by `w ⊙ κ'`): `Σ_ij W_ij ∂k_ij/∂ log θ`
    /// per hyperparameter (`None` for a radial kernel whose parameter is not
    /// a width), and with `input` `Σ_i W_im ∂k(b_m, a_i)/∂b_m` (`b.nrows() × d`).
    fn contractions(
        &self,
        kernel: &VectorKernel,
        (a, b): (&Rows, &Rows),
        w: MatRef<'_, f64>,
        values: MatRef<'_, f64>,
        mut slopes: MatMut<'_, f64>,
        input: bool,
    ) -> Contractions {
        let ((x, _), (z, _)) = (a, b);
        let (r, m, d) = (x.nrows(), z.nrows(), x.ncols());
        // Σ W ⊙ s κ (the amplitude's trace), then A = W ⊙ κ' in place of
        // the slopes, and its row and column sums.
        let (mut kw, mut row_sums, mut col_sums) = (0.0, vec![0.0; r], vec![0.0; m]);
        for j in 0..m {
            let aj = slopes.as_mut().col_mut(j).try_as_col_major_mut().expect("a column-major block").as_slice_mut();
            let (wj, vj) = (column(w, j), column(values, j));
            kw += wj.iter().zip(vj).map(|(w, v)| w * v).sum::<f64>();
            aj.iter_mut().zip(wj).for_each(|(a, w)| *a *= w);
            row_sums.iter_mut().zip(aj.iter()).for_each(|(t, a)| *t += a);
            col_sums[j] = aj.iter().sum();
        }
        let a_mat = slopes.as_ref();
        // Σ_ij A_ij (x_if − z_jf)² = Σ_i x_if (x_if (A1)_i − 2 (AZ)_if) + Σ_j z_jf² (Aᵀ1)_j.
        let mut az = Mat::zeros(r, d);
        matmul(az.as_mut(), Accum::Replace, a_mat, z.as_ref(), 1.0, Par::Seq);
        let spread: Vec<f64> = (0..d)
            .map(|f| {
                let xx: f64 = (0..r).map(|i| x[(i, f)] * (x[(i, f)] * row_sums[i] - 2.0 * az[(i, f)])).sum();
                let zz: f64 = (0..m).map(|j| z[(j, f)] * z[(j, f)] * col_sums[j]).sum();
                xx + zz
            })
            .collect();
        let s = self.scale;
        let mut traces = Vec::with_capacity(kernel.n_hyperparameters());
        if matches!(kernel, VectorKernel::Scaled { .. }) {
            // ∂(s κ)/∂ log s = s κ.
            traces.push(kw);
        }
        let widths = if self.weights.is_some() {
            // ∂r²/∂ log ℓ_f = −2 w_f Δ_f².
            traces.extend(spread.iter().enumerate().map(|(f, t)| -2.0 * self.weight(f) * s * t));
            true
        } else {
            // One width: `∂k/∂ log γ = r² s κ'` (rbf), `∂k/∂ log ℓ = −2 r² s κ'` (Matérn).
            let factor = match self.profile {
                VectorKernel::Rbf { .. } => Some(1.0),
                VectorKernel::Matern32 { .. } | VectorKernel::Matern52 { .. } => Some(-2.0),
                _ => None,
            };
            factor.map(|factor| traces.push(factor * s * spread.iter().sum::<f64>())).is_some()
        };
        // ∂k/∂z_mf = 2 s κ' w_f (z_mf − x_if): 2 s w_f (z_mf (Aᵀ1)_m − (AᵀX)_mf).
        let input_gradient = input.then(|| {
            let mut atx = Mat::zeros(m, d);
            matmul(atx.as_mut(), Accum::Replace, a_mat.transpose(), x.as_ref(), 1.0, Par::Seq);
            (0..m)
                .flat_map(|j| (0..d).map(move |f| (j, f)))
                .map(|(j, f)| 2.0 * s * self.weight(f) * (z[(j, f)] * col_sums[j] - atx[(j, f)]))
                .collect()
        });
        Contractions { traces: widths.then_some(traces), input_gradient }
    }
}

/// Rows of a dense data set as a matrix, with their weighted squared norms.
type Rows = (Mat<f64>, Vec<f64>);

/// Column `j` of a column-major block.
fn column<'m>(block: MatRef<'m, f64>, j: usize) -> &'m [f64] {
    block.col(j).try_as_col_major().expect("a column-major block").as_slice()
}

/// What the sparse GP's gradient takes of one block of `K(X, Z)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Contractions {
    /// `Σ_ij W_ij ∂k(x_i, z_j)/∂ log θ_t` per hyperparameter; `None` for a
    /// radial kernel whose parameter is not a width (rational quadratic's α).
    pub traces: Option<Vec<f64>>,
    /// `Σ_i W_im ∂k(z_m, x_i)/∂z_m`, `M × d` row by row, when asked for.
    pub input_gradient: Option<Vec<f64>>,
}

impl VectorKernel {
    /// `K(a[a_rows], b[b_rows])` into `values` and each pair's slope `dκ/dr²`
    /// into `slopes` (`a_rows.len() × b_rows.len()`, column-major), for a radial
    /// kernel (RBF, Matérn, rational quadratic, their ARD forms, scaled or
    /// not) on dense data: one product for the distances serves the block
    /// and, through [`VectorKernel::radial_contractions`], every derivative.
    /// `false`, with nothing written, for other kernels or sparse data.
    ///
    /// ```
    /// use faer::Mat;
    /// use kern_kernels::{DataSet, DenseMatrix, Kernel, Par, VectorKernel};
    /// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0, 1.0], vec![2.0, 0.5]]).unwrap());
    /// let z = x.select(&[1]);
    /// let k = VectorKernel::ArdRbf { lengthscales: vec![1.0, 2.0] };
    /// let (mut values, mut slopes) = (Mat::zeros(2, 1), Mat::zeros(2, 1));
    /// assert!(k.radial_values_and_slopes((&x, &[0, 1]), (&z, &[0]), values.as_mut(), slopes.as_mut()));
    /// let mut direct = Mat::zeros(2, 1);
    /// k.block(&x, &[0, 1], &z, &[0], direct.as_mut(), Par::Seq);
    /// assert!((values[(0, 0)] - direct[(0, 0)]).abs() < 1e-15 && values[(1, 0)] == 1.0);
    /// assert_eq!(slopes[(1, 0)], -0.5); // κ(r²) = exp(−r²/2) at r = 0
    /// ```
    pub fn radial_values_and_slopes(
        &self,
        (a, a_rows): (&DataSet, &[usize]),
        (b, b_rows): (&DataSet, &[usize]),
        values: MatMut<'_, f64>,
        slopes: MatMut<'_, f64>,
    ) -> bool {
        let Some(radial) = self.radial().filter(|_| !a.is_sparse() && !b.is_sparse()) else { return false };
        radial.values_and_slopes(&radial.rows(a, a_rows), &radial.rows(b, b_rows), values, slopes);
        true
    }

    /// The contractions of a block made by
    /// [`VectorKernel::radial_values_and_slopes`] with weights `w`
    /// (`rows.len() × z.n_samples()`; the slopes are overwritten): the gradient traces
    /// `Σ_ij W_ij ∂k(x_i, z_j)/∂ log θ` and, with `input`, the gradient in
    /// `z`, `Σ_i W_im ∂k(z_m, x_i)/∂z_m`. `None` where
    /// `radial_values_and_slopes` writes nothing.
    pub fn radial_contractions(
        &self,
        (x, rows): (&DataSet, &[usize]),
        z: &DataSet,
        w: MatRef<'_, f64>,
        (values, slopes): (MatRef<'_, f64>, MatMut<'_, f64>),
        input: bool,
    ) -> Option<Contractions> {
        let radial = self.radial().filter(|_| !x.is_sparse() && !z.is_sparse())?;
        let (a, b) = (radial.rows(x, rows), radial.rows(z, &(0..z.n_samples()).collect::<Vec<_>>()));
        Some(radial.contractions(self, (&a, &b), w, values, slopes, input))
    }

    /// The block's values, slopes and contractions with `w` in one call,
    /// for the callers that hold no scratch.
    fn radial_block_contractions(
        &self,
        (x, rows): (&DataSet, &[usize]),
        (z, points): (&DataSet, &[usize]),
        w: MatRef<'_, f64>,
        input: bool,
    ) -> Option<Contractions> {
        let radial = self.radial().filter(|_| !x.is_sparse() && !z.is_sparse())?;
        let (a, b) = (radial.rows(x, rows), radial.rows(z, points));
        let (mut values, mut slopes) = (Mat::zeros(rows.len(), points.len()), Mat::zeros(rows.len(), points.len()));
        radial.values_and_slopes(&a, &b, values.as_mut(), slopes.as_mut());
        Some(radial.contractions(self, (&a, &b), w, values.as_ref(), slopes.as_mut(), input))
    }
}

/// Rows per block of [`gram_traces`]: two blocks of `ROWS × n` values per thread.
const ROWS: usize = 128;

/// `Σ_ij W_ij ∂k(x_i, x_j)/∂ log θ_t` over every pair of `x`, `W`
/// symmetric and given by its lower triangle, for a radial kernel whose
/// parameters are widths (and the amplitude) on dense data, by block
/// products: rows in blocks of [`ROWS`] against the columns up to the block's
/// end, the strict lower triangle weighted twice, the blocks added in order
/// (the same sum at any thread count). `None` for other kernels and data.
pub(crate) fn gram_traces(kernel: &VectorKernel, x: &DataSet, w: MatRef<'_, f64>, par: Par) -> Option<Vec<f64>> {
    use rayon::prelude::*;
    if x.is_sparse() || !kernel.radial().is_some_and(|r| r.widths_only()) {
        return None;
    }
    let n = x.n_samples();
    let block = |start: usize| {
        let (end, rows): (usize, Vec<usize>) = ((start + ROWS).min(n), (start..(start + ROWS).min(n)).collect());
        let weights = Mat::from_fn(rows.len(), end, |i, j| match j.cmp(&(start + i)) {
            std::cmp::Ordering::Less => 2.0 * w[(start + i, j)],
            std::cmp::Ordering::Equal => w[(start + i, j)],
            std::cmp::Ordering::Greater => 0.0,
        });
        let columns: Vec<usize> = (0..end).collect();
        let part = kernel.radial_block_contractions((x, &rows), (x, &columns), weights.as_ref(), false);
        part.and_then(|c| c.traces).expect("a radial kernel of widths on dense data")
    };
    let starts: Vec<usize> = (0..n).step_by(ROWS).collect();
    let parts: Vec<Vec<f64>> = if crate::is_sequential(par) {
        starts.iter().map(|&s| block(s)).collect()
    } else {
        starts.par_iter().map(|&s| block(s)).collect()
    };
    Some(parts.iter().fold(vec![0.0; kernel.n_hyperparameters()], |mut total, part| {
        total.iter_mut().zip(part).for_each(|(t, v)| *t += v);
        total
    }))
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
    // Rational quadratic's α is not a width: known before the block is made.
    if !kernel.radial().is_some_and(|r| r.widths_only()) {
        return None;
    }
    let points: Vec<usize> = (0..b.n_samples()).collect();
    kernel.radial_block_contractions((a, rows), (b, &points), w, false)?.traces
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
    let points: Vec<usize> = (0..z.n_samples()).collect();
    kernel.radial_block_contractions((x, rows), (z, &points), g, true)?.input_gradient
}

#[cfg(test)]
mod tests {
    use faer::{Mat, Par};

    use super::{cross_input_gradient, cross_traces, gram_traces};
    use crate::data::{DataSet, DenseMatrix};
    use crate::kernel::Kernel;
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
            // The block's values are the kernel's, and one call gives both contractions.
            let (mut values, mut slopes) = (Mat::zeros(rows.len(), 9), Mat::zeros(rows.len(), 9));
            let points: Vec<usize> = (0..9).collect();
            assert!(kernel.radial_values_and_slopes((&x, &rows), (&z, &points), values.as_mut(), slopes.as_mut()));
            let mut direct = Mat::zeros(rows.len(), 9);
            kernel.block(&x, &rows, &z, &(0..9).collect::<Vec<_>>(), direct.as_mut(), Par::Seq);
            assert!((&values - &direct).norm_max() < 1e-14, "{kernel}");
            let both = kernel
                .radial_contractions((&x, &rows), &z, w.as_ref(), (values.as_ref(), slopes.as_mut()), true)
                .expect("radial, dense");
            assert_eq!(both.input_gradient.as_deref(), Some(&fast[..]), "{kernel}");
            assert_eq!(both.traces, cross_traces(&kernel, &x, &rows, &z, w.as_ref()), "{kernel}");
        }
        // Sparse data and kernels that are not radial take the pairwise paths.
        let mut rows_sparse = crate::data::SparseMatrix::with_cols(3);
        for i in 0..37 {
            let dense = x.row(i).values().to_vec();
            rows_sparse.push_row(&[0, 1, 2], &dense).unwrap();
        }
        let sparse = DataSet::from(rows_sparse);
        let (mut values, mut slopes) = (Mat::zeros(rows.len(), 9), Mat::zeros(rows.len(), 9));
        let points: Vec<usize> = (0..9).collect();
        let rbf = Rbf { gamma: 0.4 };
        assert!(!rbf.radial_values_and_slopes((&sparse, &rows), (&z, &points), values.as_mut(), slopes.as_mut()));
        let periodic = Periodic { lengthscale: 1.0, period: 2.0 };
        assert!(!periodic.radial_values_and_slopes((&x, &rows), (&z, &points), values.as_mut(), slopes.as_mut()));
        assert_eq!(values.norm_max(), 0.0, "nothing written");
    }

    #[test]
    fn gram_traces_read_the_lower_triangle_and_equal_the_pairwise_sums() {
        // More rows than a block, so that blocks meet off the diagonal.
        let x = data(300, 3, 5);
        // W's upper triangle holds garbage: only the lower one is read.
        let w = Mat::from_fn(300, 300, |i, j| if i >= j { ((i * 5 + j * 3) % 13) as f64 / 6.0 - 1.0 } else { 1e9 });
        let scaled = |k: VectorKernel| Scaled { scale: 0.7, kernel: Box::new(k) };
        for kernel in [
            scaled(ArdMatern52 { lengthscales: vec![0.4, 1.1, 2.0] }),
            ArdRbf { lengthscales: vec![0.9, 0.5, 1.5] },
            scaled(Rbf { gamma: 0.8 }),
            scaled(Matern32 { lengthscale: 0.6 }),
        ] {
            let p = kernel.n_hyperparameters();
            let (mut slow, mut g) = (vec![0.0; p], vec![0.0; p]);
            for i in 0..300 {
                for j in 0..300 {
                    kernel.value_and_gradient(&x.row(i), &x.row(j), &mut g);
                    let wij = if i >= j { w[(i, j)] } else { w[(j, i)] };
                    slow.iter_mut().zip(&g).for_each(|(t, v)| *t += wij * v);
                }
            }
            let fast = gram_traces(&kernel, &x, w.as_ref(), Par::Seq).expect("radial, dense");
            let close = fast.iter().zip(&slow).all(|(a, b)| (a - b).abs() <= 1e-9 * (1.0 + b.abs()));
            assert!(close, "{kernel}: {fast:?} vs {slow:?}");
            assert_eq!(kernel.gradient_traces(&x, w.as_ref(), Par::Seq), fast, "{kernel}: the public entry takes it");
            let threads = gram_traces(&kernel, &x, w.as_ref(), Par::rayon(2)).unwrap();
            assert_eq!(threads, fast, "{kernel}: the same sum at any thread count");
        }
        let rq = RationalQuadratic { lengthscale: 1.0, alpha: 2.0 };
        assert!(gram_traces(&rq, &x, w.as_ref(), Par::Seq).is_none(), "α is not a width");
    }
}
