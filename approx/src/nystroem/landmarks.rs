//! Choosing Nyström landmarks: uniformly at random, by greedy pivoted
//! Cholesky (the sample with the largest residual variance next, until the
//! residual trace is small), or by approximate ridge leverage scores.

use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, Par};
use kern_kernels::{DataSet, Kernel, VectorKernel, gram_matrix};
use serde::{Deserialize, Serialize};

use crate::{ApproxError, SplitMix64};

/// How to choose landmarks.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Landmarks {
    /// `M` distinct samples uniformly at random.
    Uniform,
    /// Greedy pivoted Cholesky: stops at `M` landmarks or when the residual
    /// trace `tr(K − K̃)` falls below `tolerance · tr(K)`. Holds an `n × M`
    /// factor while it runs.
    Greedy { tolerance: f64 },
    /// Sampling proportional to ridge leverage scores at `lambda` (`None`:
    /// 1e-3 of the mean diagonal), estimated from a uniform sketch of
    /// `2M` samples (Alaoui & Mahoney 2015).
    Leverage { lambda: Option<f64> },
}

impl Landmarks {
    /// The indices of `m` landmarks of `x`, ascending for the random
    /// methods, in pivot order for `Greedy` (fewer when it meets its tolerance).
    pub fn choose(
        self,
        kernel: &VectorKernel,
        x: &DataSet,
        m: usize,
        seed: u64,
        par: Par,
    ) -> Result<Vec<usize>, ApproxError> {
        match self {
            Landmarks::Uniform => Ok(uniform_sample(x.n_samples(), m, seed)),
            Landmarks::Greedy { tolerance } => {
                if !(tolerance.is_finite() && tolerance >= 0.0) {
                    return Err(ApproxError::InvalidParameter {
                        name: "tolerance",
                        value: tolerance,
                        reason: "must be ≥ 0 and finite",
                    });
                }
                Ok(greedy_pivoted_cholesky(kernel, x, m, tolerance, par).0)
            }
            Landmarks::Leverage { lambda } => leverage_sample(kernel, x, m, lambda, seed, par),
        }
    }
}

/// `m` distinct indices of `0..n`, uniformly at random (a partial
/// Fisher–Yates shuffle), in ascending order.
pub fn uniform_sample(n: usize, m: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in 0..m.min(n) {
        let j = i + rng.below(n - i);
        order.swap(i, j);
    }
    order.truncate(m.min(n));
    order.sort_unstable();
    order
}

/// Greedy pivoted Cholesky of `K(X, X)`: the pivots in the order chosen,
/// and the residual trace `tr(K − L Lᵀ)` before the first and after each
/// pivot (non-increasing). Stops after `m` pivots or when the residual trace
/// is at most `tolerance` times the trace.
///
/// ```
/// use kern_approx::nystroem::greedy_pivoted_cholesky;
/// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
/// let rows: Vec<Vec<f64>> = (0..30).map(|i| vec![i as f64 / 10.0]).collect();
/// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
/// let (pivots, traces) = greedy_pivoted_cholesky(&VectorKernel::Rbf { gamma: 1.0 }, &x, 30, 1e-8, Par::Seq);
/// assert!(pivots.len() < 30 && *traces.last().unwrap() <= 1e-8 * traces[0]);
/// ```
pub fn greedy_pivoted_cholesky(
    kernel: &VectorKernel,
    x: &DataSet,
    m: usize,
    tolerance: f64,
    par: Par,
) -> (Vec<usize>, Vec<f64>) {
    let n = x.n_samples();
    let all: Vec<usize> = (0..n).collect();
    let mut residual = vec![0.0; n];
    kernel.diagonal(x, &all, &mut residual);
    let total: f64 = residual.iter().sum();
    let mut traces = vec![total];
    let mut pivots = Vec::new();
    let mut factor: Vec<Vec<f64>> = Vec::new();
    let mut column = Mat::zeros(n, 1);
    while pivots.len() < m.min(n) && *traces.last().expect("one trace") > tolerance * total {
        // The largest residual variance; the first on ties.
        let p = (0..n).fold(0, |b, i| if residual[i] > residual[b] { i } else { b });
        if residual[p] <= 0.0 {
            break;
        }
        kernel.block(x, &all, x, &[p], column.as_mut(), par);
        let pivot = residual[p].sqrt();
        let mut l: Vec<f64> = (0..n).map(|i| column[(i, 0)]).collect();
        for f in &factor {
            let fp = f[p];
            l.iter_mut().zip(f).for_each(|(l, f)| *l -= f * fp);
        }
        l.iter_mut().for_each(|v| *v /= pivot);
        for (r, v) in residual.iter_mut().zip(&l) {
            *r = (*r - v * v).max(0.0);
        }
        residual[p] = 0.0;
        pivots.push(p);
        factor.push(l);
        traces.push(residual.iter().sum());
    }
    (pivots, traces)
}

/// `m` landmarks drawn without replacement with probability proportional to
/// approximate ridge leverage scores
/// `ℓ_i ≈ (k_ii − K_iS (K_SS + λI)⁻¹ K_Si) / λ` from a uniform sketch `S`.
fn leverage_sample(
    kernel: &VectorKernel,
    x: &DataSet,
    m: usize,
    lambda: Option<f64>,
    seed: u64,
    par: Par,
) -> Result<Vec<usize>, ApproxError> {
    let n = x.n_samples();
    let all: Vec<usize> = (0..n).collect();
    let mut diag = vec![0.0; n];
    kernel.diagonal(x, &all, &mut diag);
    let lambda = lambda.unwrap_or(1e-3 * diag.iter().sum::<f64>() / n as f64);
    if !(lambda.is_finite() && lambda > 0.0) {
        return Err(ApproxError::InvalidParameter { name: "lambda", value: lambda, reason: "must be positive" });
    }
    let sketch = uniform_sample(n, (2 * m).min(n), seed);
    let s = sketch.len();
    let xs = x.select(&sketch);
    let mut kss = gram_matrix(kernel, &xs, par);
    for i in 0..s {
        kss[(i, i)] += lambda;
    }
    let mut chol = kss;
    {
        use faer::dyn_stack::{MemBuffer, MemStack};
        use faer::linalg::cholesky::llt::factor::cholesky_in_place;
        let mut mem = MemBuffer::new(faer::linalg::cholesky::llt::factor::cholesky_in_place_scratch::<f64>(
            s,
            par,
            Default::default(),
        ));
        cholesky_in_place(chol.as_mut(), Default::default(), par, MemStack::new(&mut mem), Default::default())
            .map_err(|_| ApproxError::Degenerate)?;
    }
    // V = L⁻¹ K(S, X), one column per sample, in blocks of samples.
    let mut scores = vec![0.0; n];
    for start in (0..n).step_by(4096) {
        let cols: Vec<usize> = (start..(start + 4096).min(n)).collect();
        let mut v = Mat::zeros(s, cols.len());
        kernel.block(&xs, &(0..s).collect::<Vec<_>>(), x, &cols, v.as_mut(), par);
        solve_lower_triangular_in_place(chol.as_ref(), v.as_mut(), Par::Seq);
        for (c, &i) in cols.iter().enumerate() {
            let explained: f64 = v.col(c).iter().map(|v| v * v).sum();
            scores[i] = ((diag[i] - explained) / lambda).max(0.0) + f64::MIN_POSITIVE;
        }
    }
    kern_kernels::simd::clear_upper_state();
    // Weighted sampling without replacement (Efraimidis & Spirakis): the m
    // largest keys u^(1/w); in logs, ln(u) / w.
    let mut rng = SplitMix64::new(seed ^ 0x5EED_1E7E_4A9E_0001);
    let mut keyed: Vec<(f64, usize)> = (0..n).map(|i| ((1.0 - rng.uniform()).ln() / scores[i], i)).collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut chosen: Vec<usize> = keyed.into_iter().take(m).map(|(_, i)| i).collect();
    chosen.sort_unstable();
    Ok(chosen)
}
