//! A symmetric matrix reduced to tridiagonal form, `A = Q T Qᵀ`, for the
//! functions of `A + sI` that need only `T`: `log|A + sI|` and
//! `bᵀ(A + sI)⁻¹b`, `O(n)` each shift once `A` is reduced (`4n³/3` flops,
//! half an eigendecomposition's work with its vectors). `A` is first
//! reflected so that `b` lies along `e₁`, which the reduction leaves in
//! place (`Q e₁ = e₁`): `Qᵀb` is `±‖b‖ e₁` with no reflector applied to it,
//! the tridiagonal form Lanczos' method would build from `b`.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::tridiag::{tridiag_in_place, tridiag_in_place_scratch};
use faer::linalg::qr::no_pivoting::factor::recommended_block_size;
use faer::{Mat, MatRef, Par};

/// `T` of `A = Q T Qᵀ` and `Qᵀ b = c e₁` for one vector `b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Tridiagonal {
    /// `T`'s diagonal.
    pub diagonal: Vec<f64>,
    /// `T`'s first sub-diagonal (`n − 1` values).
    pub off_diagonal: Vec<f64>,
    /// `c` of `Qᵀ b = c e₁` (`|c| = ‖b‖`).
    pub first: f64,
}

impl Tridiagonal {
    /// Reduces the symmetric matrix whose lower triangle is `a` (Householder
    /// reflections, blocked as faer does) and rotates `b` with it.
    ///
    /// ```
    /// use faer::linalg::solvers::Solve;
    /// use kern_solvers::linalg::Tridiagonal;
    /// let a = faer::mat![[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 5.0]];
    /// let t = Tridiagonal::new(a.as_ref(), &[1.0, 2.0, 3.0], faer::Par::Seq);
    /// // log|A + I| and bᵀ(A + I)⁻¹b, as a Cholesky factor of A + I gives them.
    /// let (log_det, quadratic) = t.shifted(1.0).unwrap();
    /// let mut shifted = a.clone();
    /// (0..3).for_each(|i| shifted[(i, i)] += 1.0);
    /// let llt = shifted.llt(faer::Side::Lower).unwrap();
    /// let det_log: f64 = (0..3).map(|i| 2.0 * llt.L()[(i, i)].ln()).sum();
    /// let b = faer::mat![[1.0], [2.0], [3.0]];
    /// let quad = (b.transpose() * llt.solve(&b))[(0, 0)];
    /// assert!((log_det - det_log).abs() < 1e-12 && (quadratic - quad).abs() < 1e-12);
    /// ```
    pub fn new(a: MatRef<'_, f64>, b: &[f64], par: Par) -> Self {
        let n = a.nrows();
        assert!(a.ncols() == n && b.len() == n, "a square matrix and one value per row");
        if n == 0 {
            return Tridiagonal { diagonal: Vec::new(), off_diagonal: Vec::new(), first: 0.0 };
        }
        let mut t = Mat::from_fn(n, n, |i, j| if i >= j { a[(i, j)] } else { a[(j, i)] });
        let norm = b.iter().map(|v| v * v).sum::<f64>().sqrt();
        let first = if norm > 0.0 { reflect_onto_first_axis(&mut t, b, norm) } else { 0.0 };
        let block = recommended_block_size::<f64>(n, n);
        let mut householder = Mat::zeros(block, n - 1);
        let mut memory = MemBuffer::new(tridiag_in_place_scratch::<f64>(n, par, Default::default()));
        tridiag_in_place(t.as_mut(), householder.as_mut(), par, MemStack::new(&mut memory), Default::default());
        kern_kernels::simd::clear_upper_state();
        Tridiagonal {
            diagonal: (0..n).map(|i| t[(i, i)]).collect(),
            off_diagonal: (1..n).map(|i| t[(i, i - 1)]).collect(),
            first,
        }
    }

    /// `(log|A + sI|, bᵀ(A + sI)⁻¹b)` by `T + sI = L D Lᵀ` (`O(n)`);
    /// `None` when `A + sI` is not positive definite (a pivot not positive).
    pub fn shifted(&self, s: f64) -> Option<(f64, f64)> {
        let (mut log_det, mut quadratic) = (0.0, 0.0);
        // Pivots dᵢ = tᵢᵢ + s − eᵢ₋₁²/dᵢ₋₁; L's forward solve of c e₁ is
        // u₀ = c, uᵢ = −(eᵢ₋₁/dᵢ₋₁) uᵢ₋₁, and bᵀ(A + sI)⁻¹b = Σ uᵢ²/dᵢ.
        let (mut pivot, mut u) = (1.0, self.first);
        for (i, &t) in self.diagonal.iter().enumerate() {
            let e = if i == 0 { 0.0 } else { self.off_diagonal[i - 1] };
            let ratio = e / pivot;
            pivot = t + s - e * ratio;
            if !(pivot > 0.0 && pivot.is_finite()) {
                return None;
            }
            if i > 0 {
                u *= -ratio;
            }
            log_det += pivot.ln();
            quadratic += u * u / pivot;
        }
        Some((log_det, quadratic))
    }
}

/// `A ← P A P` (the lower triangle) for the Householder reflection `P` with
/// `P b = c e₁`, `|c| = ‖b‖ = norm`; returns `c`. `P A P = A − 2u pᵀ − 2p uᵀ
/// + 4(uᵀp) u uᵀ` with `p = A u`, `O(n²)`.
fn reflect_onto_first_axis(a: &mut Mat<f64>, b: &[f64], norm: f64) -> f64 {
    let n = b.len();
    // v = b + σ‖b‖e₁ with σ the sign of b₀: no cancellation in v₀.
    let sign = if b[0] < 0.0 { -1.0 } else { 1.0 };
    let mut u = b.to_vec();
    u[0] += sign * norm;
    let length = u.iter().map(|v| v * v).sum::<f64>().sqrt();
    u.iter_mut().for_each(|v| *v /= length);
    let mut p = Mat::zeros(n, 1);
    let column = MatRef::from_column_major_slice(&u, n, 1);
    faer::linalg::matmul::matmul(p.as_mut(), faer::Accum::Replace, a.as_ref(), column, 1.0, Par::Seq);
    let p: Vec<f64> = (0..n).map(|i| p[(i, 0)]).collect();
    let k: f64 = u.iter().zip(&p).map(|(u, p)| u * p).sum();
    for j in 0..n {
        for i in j..n {
            a[(i, j)] += -2.0 * (u[i] * p[j] + p[i] * u[j]) + 4.0 * k * u[i] * u[j];
        }
    }
    -sign * norm
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::linalg::solvers::Solve;

    /// A Gram matrix of rank `rank` (PSD, singular below `n`) and a vector.
    fn gram(n: usize, rank: usize) -> (Mat<f64>, Vec<f64>) {
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let g = Mat::from_fn(n, rank, |_, _| next());
        let b = (0..n).map(|_| next()).collect();
        (&g * g.transpose(), b)
    }

    #[test]
    fn log_determinant_and_quadratic_form_equal_a_cholesky_s_at_every_shift() {
        for (n, rank) in [(1, 1), (2, 2), (40, 40), (60, 25)] {
            let (a, b) = gram(n, rank);
            let reduced = Tridiagonal::new(a.as_ref(), &b, Par::Seq);
            assert_eq!(reduced, Tridiagonal::new(a.as_ref(), &b, Par::rayon(2)));
            for s in [1e-4, 0.3, 1.0, 1e3] {
                let mut shifted = a.clone();
                (0..n).for_each(|i| shifted[(i, i)] += s);
                let llt = shifted.llt(faer::Side::Lower).unwrap();
                let log_det: f64 = (0..n).map(|i| 2.0 * llt.L()[(i, i)].ln()).sum();
                let bm = Mat::from_fn(n, 1, |i, _| b[i]);
                let quadratic = (bm.transpose() * llt.solve(&bm))[(0, 0)];
                let (l, q) = reduced.shifted(s).unwrap();
                assert!((l - log_det).abs() <= 1e-9 * log_det.abs().max(1.0), "{n} {s}: {l} vs {log_det}");
                assert!((q - quadratic).abs() <= 1e-9 * quadratic.abs(), "{n} {s}: {q} vs {quadratic}");
            }
            // Shifted below its smallest eigenvalue, A + sI is not positive
            // definite: by more than the trace, or by a hair where A is singular.
            let trace: f64 = (0..n).map(|i| a[(i, i)]).sum();
            assert_eq!(reduced.shifted(-trace - 1.0), None);
            if rank < n {
                assert_eq!(reduced.shifted(-1e-6), None);
            }
        }
    }
}
