//! Derivatives of vector kernels with respect to the log of each
//! hyperparameter (in the order of [`VectorKernel::hyperparameters`]), pair
//! by pair, so that marginal-likelihood gradients never hold `∂K/∂ log θ`
//! as matrices: [`VectorKernel::gradient_traces`] contracts them with a
//! weight matrix as it goes, in O(n²) time and O(p) memory.

use faer::{Mat, MatRef, Par};
use rayon::prelude::*;

use super::{VectorKernel, exp};
use crate::data::{DataSet, Row};

/// Columns per task of [`VectorKernel::gradient_traces`]: fixed, so that the
/// sums are added in the same order whatever the thread count.
const COLUMNS_PER_TASK: usize = 16;

impl VectorKernel {
    /// `k(x, y)`, with `∂k/∂ log θ_t` written to `grad[t]`
    /// (`grad.len() == self.n_hyperparameters()`).
    ///
    /// ```
    /// use kern_kernels::{DenseMatrix, DataSet, VectorKernel};
    /// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![2.0]]).unwrap());
    /// let k = VectorKernel::Rbf { gamma: 0.25 };
    /// let mut grad = [0.0];
    /// let value = k.value_and_gradient(&x.row(0), &x.row(1), &mut grad);
    /// assert!((value - (-1.0f64).exp()).abs() < 1e-15);
    /// assert!((grad[0] + value).abs() < 1e-15); // ∂/∂ log γ = −γ d² k
    /// ```
    pub fn value_and_gradient(&self, x: &Row<'_>, y: &Row<'_>, grad: &mut [f64]) -> f64 {
        use VectorKernel::*;
        const SQRT3: f64 = 1.732_050_807_568_877_2;
        const SQRT5: f64 = 2.236_067_977_499_79;
        debug_assert_eq!(grad.len(), self.n_hyperparameters());
        match self {
            Linear | Precomputed => self.eval_rows(x, y),
            Polynomial { gamma, coef0, degree } => {
                let (s, d) = (x.dot(y), *degree as i32);
                let base = gamma * s + coef0;
                let slope = f64::from(d) * base.powi(d - 1);
                grad[0] = slope * gamma * s;
                if *coef0 > 0.0 {
                    grad[1] = slope * coef0;
                }
                base.powi(d)
            }
            Sigmoid { gamma, coef0 } => {
                let s = x.dot(y);
                let k = (gamma * s + coef0).tanh();
                grad[0] = (1.0 - k * k) * gamma * s;
                if *coef0 > 0.0 {
                    grad[1] = (1.0 - k * k) * coef0;
                }
                k
            }
            Rbf { gamma } => {
                let d2 = x.sq_distance(y);
                let k = exp::exp(-gamma * d2);
                grad[0] = -gamma * d2 * k;
                k
            }
            Laplacian { gamma } => {
                let l1 = x.l1_distance(y);
                let k = exp::exp(-gamma * l1);
                grad[0] = -gamma * l1 * k;
                k
            }
            // ∂k/∂ log ℓ = −s ∂k/∂s with s the scaled distance.
            Matern12 { lengthscale } => {
                let s = x.sq_distance(y).sqrt() / lengthscale;
                let k = exp::exp(-s);
                grad[0] = s * k;
                k
            }
            Matern32 { lengthscale } => {
                let s = SQRT3 * x.sq_distance(y).sqrt() / lengthscale;
                let e = exp::exp(-s);
                grad[0] = s * s * e;
                (1.0 + s) * e
            }
            Matern52 { lengthscale } => {
                let s = SQRT5 * x.sq_distance(y).sqrt() / lengthscale;
                let e = exp::exp(-s);
                grad[0] = s * s * (1.0 + s) / 3.0 * e;
                (1.0 + s + s * s / 3.0) * e
            }
            // With u_f = Δ_f/ℓ_f and s = √ν' r (ν' = 3, 5), ∂k/∂ log ℓ_f = u_f² times
            // k (RBF), 3 e^{−s} (ν = 3/2) or 5/3 (1 + s) e^{−s} (ν = 5/2).
            ArdRbf { lengthscales } | ArdMatern32 { lengthscales } | ArdMatern52 { lengthscales } => {
                grad.iter_mut().for_each(|g| *g = 0.0);
                let mut r2 = 0.0;
                x.zip_with(y, |f, a, b| {
                    let u = (a - b) / lengthscales[f];
                    grad[f] = u * u;
                    r2 += u * u;
                });
                let (k, factor) = match self {
                    ArdRbf { .. } => {
                        let k = exp::exp(-0.5 * r2);
                        (k, k)
                    }
                    ArdMatern32 { .. } => {
                        let s = SQRT3 * r2.sqrt();
                        let e = exp::exp(-s);
                        ((1.0 + s) * e, 3.0 * e)
                    }
                    _ => {
                        let s = SQRT5 * r2.sqrt();
                        let e = exp::exp(-s);
                        ((1.0 + s + s * s / 3.0) * e, 5.0 / 3.0 * (1.0 + s) * e)
                    }
                };
                grad.iter_mut().for_each(|g| *g *= factor);
                k
            }
            Periodic { lengthscale, period } => {
                // k = exp(−2 S / ℓ²), S = Σ_j sin² a_j, a_j = π |Δ_j| / p;
                // ∂S/∂ log p = −Σ_j a_j sin 2a_j.
                let (mut s, mut ds) = (0.0, 0.0);
                x.zip_with(y, |_, u, v| {
                    let a = std::f64::consts::PI * (u - v).abs() / period;
                    let (sin, cos) = a.sin_cos();
                    s += sin * sin;
                    ds += 2.0 * a * sin * cos;
                });
                let l2 = lengthscale * lengthscale;
                let k = exp::exp(-2.0 * s / l2);
                grad[0] = 4.0 * s / l2 * k;
                grad[1] = 2.0 * ds / l2 * k;
                k
            }
            RationalQuadratic { lengthscale, alpha } => {
                // k = b^(−α), b = 1 + r²/(2αℓ²).
                let d2 = x.sq_distance(y);
                let l2 = lengthscale * lengthscale;
                let b = 1.0 + d2 / (2.0 * alpha * l2);
                let k = b.powf(-alpha);
                grad[0] = k * d2 / (l2 * b);
                grad[1] = k * (-alpha * b.ln() + d2 / (2.0 * l2 * b));
                k
            }
            DotProduct { sigma0 } => {
                grad[0] = 2.0 * sigma0 * sigma0;
                sigma0 * sigma0 + x.dot(y)
            }
            Constant { value } => {
                grad[0] = *value;
                *value
            }
            Sum(terms) => {
                let mut rest = grad;
                let mut k = 0.0;
                for term in terms {
                    let (g, tail) = rest.split_at_mut(term.n_hyperparameters());
                    k += term.value_and_gradient(x, y, g);
                    rest = tail;
                }
                k
            }
            Product(terms) => {
                let mut values = Vec::with_capacity(terms.len());
                let mut rest = &mut *grad;
                for term in terms {
                    let (g, tail) = rest.split_at_mut(term.n_hyperparameters());
                    values.push(term.value_and_gradient(x, y, g));
                    rest = tail;
                }
                // ∂(Π k_s) = ∂k_t Π_{s≠t} k_s.
                let mut rest = grad;
                for (t, term) in terms.iter().enumerate() {
                    let (g, tail) = rest.split_at_mut(term.n_hyperparameters());
                    let others: f64 = values.iter().enumerate().filter(|&(s, _)| s != t).map(|(_, v)| v).product();
                    g.iter_mut().for_each(|g| *g *= others);
                    rest = tail;
                }
                values.iter().product()
            }
            Scaled { scale, kernel } => {
                let (first, rest) = grad.split_first_mut().expect("a scale has a hyperparameter");
                let k = scale * kernel.value_and_gradient(x, y, rest);
                rest.iter_mut().for_each(|g| *g *= scale);
                *first = k;
                k
            }
            Normalized(kernel) => {
                // k̃ = k / √(k_xx k_yy):
                // ∂k̃ = ∂k / √(k_xx k_yy) − ½ k̃ (∂k_xx / k_xx + ∂k_yy / k_yy).
                let p = grad.len();
                let (mut gxx, mut gyy) = (vec![0.0; p], vec![0.0; p]);
                let kxy = kernel.value_and_gradient(x, y, grad);
                let kxx = kernel.value_and_gradient(x, x, &mut gxx);
                let kyy = kernel.value_and_gradient(y, y, &mut gyy);
                let norm = (kxx * kyy).sqrt();
                if norm > 0.0 {
                    let k = kxy / norm;
                    for t in 0..p {
                        grad[t] = grad[t] / norm - 0.5 * k * (gxx[t] / kxx + gyy[t] / kyy);
                    }
                    k
                } else {
                    grad.iter_mut().for_each(|g| *g = 0.0);
                    0.0
                }
            }
        }
    }

    /// `K(X, X)` and the matrices `∂K/∂ log θ_t`, one per hyperparameter.
    ///
    /// Holds `p + 1` matrices of `n × n`: for inspection and tests. Marginal
    /// likelihoods want [`VectorKernel::gradient_traces`].
    pub fn gram_with_gradients(&self, x: &DataSet) -> (Mat<f64>, Vec<Mat<f64>>) {
        let (n, p) = (x.n_samples(), self.n_hyperparameters());
        let mut k = Mat::zeros(n, n);
        let mut grads = vec![Mat::zeros(n, n); p];
        let mut g = vec![0.0; p];
        for j in 0..n {
            for i in j..n {
                let v = self.value_and_gradient(&x.row(i), &x.row(j), &mut g);
                (k[(i, j)], k[(j, i)]) = (v, v);
                for (m, &gt) in grads.iter_mut().zip(&g) {
                    (m[(i, j)], m[(j, i)]) = (gt, gt);
                }
            }
        }
        (k, grads)
    }

    /// `Σ_ij W_ij ∂K_ij/∂ log θ_t` for each hyperparameter `t`, with `W`
    /// symmetric and given by its lower triangle (`w[(i, j)]`, `i ≥ j`; the
    /// upper triangle is not read).
    ///
    /// This is `tr(W ∂K/∂ log θ_t)`, the core of the marginal likelihood's
    /// gradient. The sum is the same at any thread count.
    ///
    /// ```
    /// use faer::{Mat, Par};
    /// use kern_kernels::{DenseMatrix, DataSet, VectorKernel};
    /// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0], vec![3.0]]).unwrap());
    /// let k = VectorKernel::Scaled { scale: 2.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }) };
    /// let w = Mat::from_fn(3, 3, |i, j| (i + j) as f64);
    /// let traces = k.gradient_traces(&x, w.as_ref(), Par::Seq);
    /// let (_, grads) = k.gram_with_gradients(&x);
    /// for (t, g) in traces.iter().zip(&grads) {
    ///     let direct: f64 = (0..3).flat_map(|i| (0..3).map(move |j| (i, j))).map(|(i, j)| w[(i, j)] * g[(i, j)]).sum();
    ///     assert!((t - direct).abs() < 1e-12);
    /// }
    /// ```
    pub fn gradient_traces(&self, x: &DataSet, w: MatRef<'_, f64>, par: Par) -> Vec<f64> {
        let (n, p) = (x.n_samples(), self.n_hyperparameters());
        assert_eq!((w.nrows(), w.ncols()), (n, n), "W must be n × n");
        if let Some(trace) = self.radial_trace(x, w, par) {
            return vec![trace];
        }
        // Scaled and ARD radial kernels: by block products, several times
        // faster than their pairs one by one.
        if let Some(traces) = super::radial::gram_traces(self, x, w, par) {
            return traces;
        }
        let columns = |task: usize| {
            let mut sums = vec![0.0; p];
            let mut g = vec![0.0; p];
            for j in task * COLUMNS_PER_TASK..((task + 1) * COLUMNS_PER_TASK).min(n) {
                let xj = x.row(j);
                for i in j..n {
                    self.value_and_gradient(&x.row(i), &xj, &mut g);
                    // Off-diagonal pairs stand for (i, j) and (j, i).
                    let weight = if i == j { w[(i, j)] } else { 2.0 * w[(i, j)] };
                    sums.iter_mut().zip(&g).for_each(|(s, g)| *s += weight * g);
                }
            }
            sums
        };
        let tasks = n.div_ceil(COLUMNS_PER_TASK);
        let parts: Vec<Vec<f64>> = if crate::is_sequential(par) {
            (0..tasks).map(columns).collect()
        } else {
            (0..tasks).into_par_iter().map(columns).collect()
        };
        parts.iter().fold(vec![0.0; p], |mut total, part| {
            total.iter_mut().zip(part).for_each(|(t, s)| *t += s);
            total
        })
    }

    /// `Σ_ij W_ij ∂k(a_{rows_i}, b_j)/∂ log θ_t` for each hyperparameter
    /// `t`: the contraction of a cross block's derivatives with a weight
    /// matrix `W` (`rows.len() × b.n_samples()`), as the sparse GP's bound
    /// needs for `K(X, Z)`. The sum is the same at any thread count.
    ///
    /// ```
    /// use faer::{Mat, Par};
    /// use kern_kernels::{DenseMatrix, DataSet, VectorKernel};
    /// let a = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0], vec![3.0]]).unwrap());
    /// let b = DataSet::from(DenseMatrix::from_rows(&[vec![0.5], vec![2.0]]).unwrap());
    /// let k = VectorKernel::Rbf { gamma: 0.5 };
    /// let w = Mat::from_fn(2, 2, |i, j| (i + 2 * j) as f64);
    /// let t = k.cross_gradient_traces(&a, &[2, 0], &b, w.as_ref(), Par::Seq);
    /// let mut g = [0.0];
    /// let mut direct = 0.0;
    /// for (i, &r) in [2, 0].iter().enumerate() {
    ///     for j in 0..2 {
    ///         k.value_and_gradient(&a.row(r), &b.row(j), &mut g);
    ///         direct += w[(i, j)] * g[0];
    ///     }
    /// }
    /// assert!((t[0] - direct).abs() < 1e-12);
    /// ```
    pub fn cross_gradient_traces(
        &self,
        a: &DataSet,
        rows: &[usize],
        b: &DataSet,
        w: MatRef<'_, f64>,
        par: Par,
    ) -> Vec<f64> {
        assert_eq!((w.nrows(), w.ncols()), (rows.len(), b.n_samples()), "W must be rows × b");
        // Radial kernels on dense data: by matrix products (one thread).
        super::radial::cross_traces(self, a, rows, b, w)
            .unwrap_or_else(|| self.cross_gradient_traces_pairwise(a, rows, b, w, par))
    }

    /// [`VectorKernel::cross_gradient_traces`] pair by pair.
    pub(crate) fn cross_gradient_traces_pairwise(
        &self,
        a: &DataSet,
        rows: &[usize],
        b: &DataSet,
        w: MatRef<'_, f64>,
        par: Par,
    ) -> Vec<f64> {
        let p = self.n_hyperparameters();
        let task = |t: usize| {
            let (mut sums, mut g) = (vec![0.0; p], vec![0.0; p]);
            for i in t * COLUMNS_PER_TASK..((t + 1) * COLUMNS_PER_TASK).min(rows.len()) {
                let x = a.row(rows[i]);
                for j in 0..b.n_samples() {
                    self.value_and_gradient(&x, &b.row(j), &mut g);
                    sums.iter_mut().zip(&g).for_each(|(s, g)| *s += w[(i, j)] * g);
                }
            }
            sums
        };
        let tasks = rows.len().div_ceil(COLUMNS_PER_TASK);
        let parts: Vec<Vec<f64>> = if crate::is_sequential(par) {
            (0..tasks).map(task).collect()
        } else {
            (0..tasks).into_par_iter().map(task).collect()
        };
        parts.iter().fold(vec![0.0; p], |mut total, part| {
            total.iter_mut().zip(part).for_each(|(t, s)| *t += s);
            total
        })
    }

    /// [`VectorKernel::gradient_traces`] for a radial kernel with one
    /// hyperparameter on dense data: the distances of a column first, then
    /// the derivative over them in a loop the compiler vectorises (the
    /// per-pair path spends most of its time waiting on `exp`). `None` for
    /// other kernels and for sparse data.
    fn radial_trace(&self, x: &DataSet, w: MatRef<'_, f64>, par: Par) -> Option<f64> {
        use VectorKernel::*;
        const SQRT3: f64 = 1.732_050_807_568_877_2;
        const SQRT5: f64 = 2.236_067_977_499_79;
        if x.is_sparse() || !matches!(self, Rbf { .. } | Matern12 { .. } | Matern32 { .. } | Matern52 { .. }) {
            return None;
        }
        let n = x.n_samples();
        let rows: Vec<&[f64]> = (0..n)
            .map(|i| match x.row(i) {
                Row::Dense(v) => v,
                Row::Sparse(..) => unreachable!("dense data"),
            })
            .collect();
        let columns = |task: usize| -> f64 {
            let mut d2 = vec![0.0; n];
            let mut total = 0.0;
            for j in task * COLUMNS_PER_TASK..((task + 1) * COLUMNS_PER_TASK).min(n) {
                let xj = rows[j];
                for (i, d) in (j..n).zip(d2.iter_mut()) {
                    *d = rows[i].iter().zip(xj).fold(0.0, |s, (a, b)| s + (a - b) * (a - b));
                }
                let d2 = &mut d2[..n - j];
                // d2 ← ∂k/∂ log θ, element-wise.
                match *self {
                    Rbf { gamma } => d2.iter_mut().for_each(|d| *d = -gamma * *d * exp::exp(-gamma * *d)),
                    Matern12 { lengthscale } => d2.iter_mut().for_each(|d| {
                        let s = d.sqrt() / lengthscale;
                        *d = s * exp::exp(-s)
                    }),
                    Matern32 { lengthscale } => d2.iter_mut().for_each(|d| {
                        let s = SQRT3 * d.sqrt() / lengthscale;
                        *d = s * s * exp::exp(-s)
                    }),
                    Matern52 { lengthscale } => d2.iter_mut().for_each(|d| {
                        let s = SQRT5 * d.sqrt() / lengthscale;
                        *d = s * s * (1.0 + s) / 3.0 * exp::exp(-s)
                    }),
                    _ => unreachable!("radial kernels only"),
                }
                let wj = &w.col(j).try_as_col_major().expect("W is column-major").as_slice()[j..];
                // Eight running sums in a fixed order: fast, and the same on any machine.
                let mut sums = [0.0; 8];
                for (k, (g, w)) in d2.iter().zip(wj).enumerate().skip(1) {
                    sums[k % 8] += 2.0 * w * g;
                }
                total += wj[0] * d2[0] + sums.iter().sum::<f64>();
            }
            total
        };
        let tasks = n.div_ceil(COLUMNS_PER_TASK);
        let parts: Vec<f64> = if crate::is_sequential(par) {
            (0..tasks).map(columns).collect()
        } else {
            (0..tasks).into_par_iter().map(columns).collect()
        };
        Some(parts.iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use faer::{Mat, Par};

    use crate::{DataSet, DenseMatrix, SparseMatrix, VectorKernel};

    /// `Σ_ij W_ij ∂K_ij` from the derivative matrices.
    fn direct(kernel: &VectorKernel, x: &DataSet, w: &Mat<f64>) -> Vec<f64> {
        let (_, grads) = kernel.gram_with_gradients(x);
        let n = x.n_samples();
        let sym = |i: usize, j: usize| if i >= j { w[(i, j)] } else { w[(j, i)] };
        grads
            .iter()
            .map(|g| (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| sym(i, j) * g[(i, j)]).sum())
            .collect()
    }

    #[test]
    fn traces_equal_the_derivative_matrices_dense_or_sparse_at_any_thread_count() {
        let n = 37; // not a multiple of the column blocks
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|i| (0..3).map(|f| (((i * 7 + f * 11) % 13) as f64 / 6.0 - 1.0) * f64::from(i % 4 != 0)).collect())
            .collect();
        let dense = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
        let mut sparse = SparseMatrix::with_cols(3);
        for r in &rows {
            let (idx, val): (Vec<u32>, Vec<f64>) =
                r.iter().enumerate().filter(|(_, v)| **v != 0.0).map(|(j, v)| (j as u32, *v)).unzip();
            sparse.push_row(&idx, &val).unwrap();
        }
        let sparse = DataSet::from(sparse);
        let w = Mat::from_fn(n, n, |i, j| ((i * 3 + j * 5) % 11) as f64 / 5.0 - 1.0);
        let kernels = [
            VectorKernel::Rbf { gamma: 0.7 },
            VectorKernel::Matern12 { lengthscale: 0.9 },
            VectorKernel::Matern32 { lengthscale: 1.1 },
            VectorKernel::Matern52 { lengthscale: 1.3 },
            VectorKernel::Scaled {
                scale: 2.0,
                kernel: Box::new(VectorKernel::Polynomial { gamma: 0.5, coef0: 1.0, degree: 3 }),
            },
        ];
        for kernel in &kernels {
            let reference = direct(kernel, &dense, &w);
            for x in [&dense, &sparse] {
                let seq = kernel.gradient_traces(x, w.as_ref(), Par::Seq);
                for (a, b) in seq.iter().zip(&reference) {
                    assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{kernel:?}: {a} vs {b}");
                }
                assert_eq!(seq, kernel.gradient_traces(x, w.as_ref(), Par::rayon(2)));
            }
        }
    }
}
