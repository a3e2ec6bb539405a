//! Falkon's preconditioner: two Cholesky factors that make the Nyström
//! system's conditioning nearly independent of `n` and `λ`.

use faer::{Mat, MatMut, MatRef, Par};
use kern_kernels::{DataSet, Kernel, gram_matrix};

use crate::SolverError;
use crate::collective::Collective;
use crate::linalg::{cholesky, lauum, solve_lower_in_place, solve_lower_transpose_in_place};

/// The largest jitter tried on K_MM's diagonal, relative to its mean.
const JITTER_LIMIT: f64 = 1e-6;
/// The preconditioner's jitter per centre when `K_nM` is in f32 (Falkon's
/// `pc_epsilon` for float32).
pub(super) const SINGLE_JITTER: f64 = 1e-5;

const T_HINT: &str = "the centres' kernel matrix is singular: use fewer or distinct centres";
const A_HINT: &str = "the preconditioner did not factor: increase alpha";

/// Falkon's preconditioner: `T = chol(K_MM)ᵀ` and `A = chol(T Tᵀ / M + λ I)ᵀ`,
/// stored as their lower-triangular transposes.
pub(super) struct Preconditioner {
    /// `L_T` with `K_MM + εI = L_T L_Tᵀ` (`T = L_Tᵀ`).
    t: Mat<f64>,
    /// `L_A` with `T Tᵀ / M + λ I = L_A L_Aᵀ` (`A = L_Aᵀ`).
    a: Mat<f64>,
    /// For the solves: memory-bound, and the same at any thread count.
    par: Par,
}

impl Preconditioner {
    /// `relative_jitter`: the first jitter per centre, relative to the mean diagonal.
    pub(super) fn new(
        kernel: &dyn Kernel<DataSet>,
        centers: &DataSet,
        lambda: f64,
        relative_jitter: f64,
        par: Par,
    ) -> Result<Self, SolverError> {
        let m = centers.n_samples();
        // A relative jitter of a few ulps of the mean diagonal, as Falkon, for
        // centres that are duplicates or nearly so; a smooth kernel on many
        // centres can be singular to working precision, so the jitter grows
        // tenfold until K_MM factors (it only shapes the preconditioner: CG
        // still solves the system with the exact K_MM).
        let mut t = gram_matrix(kernel, centers, par);
        let mean_diagonal = (0..m).map(|i| t[(i, i)]).sum::<f64>() / m as f64;
        let mut jitter = m as f64 * relative_jitter * mean_diagonal;
        loop {
            for i in 0..m {
                t[(i, i)] += jitter;
            }
            match cholesky(t.as_mut(), par) {
                Ok(()) => break,
                Err(pivot) if jitter >= JITTER_LIMIT * mean_diagonal => {
                    return Err(SolverError::NotPositiveDefinite { pivot, hint: T_HINT });
                }
                Err(_) => {
                    jitter *= 10.0;
                    t = gram_matrix(kernel, centers, par);
                }
            }
        }
        // T Tᵀ = L_Tᵀ L_T; Cholesky reads its lower half only.
        let mut a = lauum(t.as_ref(), 1.0 / m as f64, par);
        for i in 0..m {
            a[(i, i)] += lambda;
        }
        cholesky(a.as_mut(), par).map_err(|pivot| SolverError::NotPositiveDefinite { pivot, hint: A_HINT })?;
        Ok(Self { t, a, par })
    }

    /// [`new`](Self::new) factorised once, by process 0, and broadcast: every
    /// process then holds the same factors (or the same error).
    pub(super) fn shared(
        kernel: &dyn Kernel<DataSet>,
        centers: &DataSet,
        lambda: f64,
        relative_jitter: f64,
        par: Par,
        collective: &dyn Collective,
    ) -> Result<Self, SolverError> {
        if collective.size() == 1 {
            return Self::new(kernel, centers, lambda, relative_jitter, par);
        }
        let m = centers.n_samples();
        let built = (collective.rank() == 0).then(|| Self::new(kernel, centers, lambda, relative_jitter, par));
        // [status, pivot]: 0 factored, 1 K_MM did not, 2 the second factor did not.
        let mut status = match &built {
            Some(Err(SolverError::NotPositiveDefinite { pivot, hint })) => {
                [1.0 + f64::from(u8::from(*hint == A_HINT)), *pivot as f64]
            }
            Some(Err(_)) => [1.0, 0.0],
            _ => [0.0, 0.0],
        };
        collective.broadcast(&mut status, 0);
        if status[0] != 0.0 {
            if let Some(Err(e)) = built {
                return Err(e);
            }
            let hint = if status[0] == 2.0 { A_HINT } else { T_HINT };
            return Err(SolverError::NotPositiveDefinite { pivot: status[1] as usize, hint });
        }
        let mut pre = match built {
            Some(Ok(pre)) => pre,
            _ => Self { t: Mat::zeros(m, m), a: Mat::zeros(m, m), par },
        };
        for factor in [&mut pre.t, &mut pre.a] {
            for j in 0..m {
                collective.broadcast(factor.col_as_slice_mut(j), 0);
            }
        }
        Ok(pre)
    }

    /// `v ← A⁻¹ v = L_A⁻ᵀ v`.
    pub(super) fn solve_a(&self, v: MatMut<'_, f64>) {
        solve_lower_transpose_in_place(self.a.as_ref(), v, self.par);
    }

    /// `v ← T⁻¹ v = L_T⁻ᵀ v`.
    pub(super) fn solve_t(&self, v: MatMut<'_, f64>) {
        solve_lower_transpose_in_place(self.t.as_ref(), v, self.par);
    }

    /// `c ← A⁻ᵀ (scale · T⁻ᵀ c + λ v)` (the `λ v` term when given).
    pub(super) fn apply_transpose(&self, mut c: MatMut<'_, f64>, scale: f64, plus: Option<(f64, MatRef<'_, f64>)>) {
        solve_lower_in_place(self.t.as_ref(), c.as_mut(), self.par);
        for j in 0..c.ncols() {
            for i in 0..c.nrows() {
                c[(i, j)] *= scale;
                if let Some((lambda, v)) = plus {
                    c[(i, j)] += lambda * v[(i, j)];
                }
            }
        }
        solve_lower_in_place(self.a.as_ref(), c, self.par);
    }
}
