//! The posterior on more inducing points than the fit
//! ([`super::SparseGaussianProcess::posterior_components`]).
//!
//! The hyperparameters are learnt on `M` inducing points at `O(n M²)` an
//! evaluation; one more pass at `M' > M` (the fit's points, then `M' − M`
//! samples drawn by k-means++ in the fitted kernel) gives the posterior, the kernel kept and the
//! noise re-fitted by the same bound in `σ²` alone. The noise because the
//! bound's penalty `tr(K − Q)/(2σ²)` raises `σ²` to cover what `M` points
//! leave unexplained: with `M'` less is left, and the wider posterior's
//! intervals would otherwise be too wide for its better mean. Adding
//! inducing points never lowers the bound (Titsias 2009), so the widened
//! model's bound is at least the fit's.
//!
//! In `σ²` alone, with `B' = A Aᵀ` and `R = tr(K_ff − Q)`, the bound is
//! `F(σ²) = −n/2 log 2π − ½ log|B' + σ²I| − (n − M')/2 log σ²
//!          − (yᵀy + R − (Ay)ᵀ(B' + σ²I)⁻¹ A y) / (2σ²)`,
//! `O(M')` an evaluation once `B'` is reduced to tridiagonal form
//! (`O(M'³)`, once; [`Tridiagonal`]).

use faer::Par;
use kern_approx::nystroem::more_kmeans_seeds;
use kern_kernels::{DataSet, DenseMatrix, VectorKernel};

use super::bound::{Sums, Value};
use crate::gp::GpError;
use crate::linalg::Tridiagonal;

/// Points of the first, global scan of `log σ²` over its bounds.
const SCAN: usize = 512;
/// Golden-section steps between the scan's neighbours of its best.
const GOLDEN_STEPS: usize = 80;

/// The fit's inducing points `z` followed by `components − M` samples of
/// `x` drawn by k-means++ in the fitted kernel's feature space (seeded,
/// in batches: [`more_kmeans_seeds`]) beyond `z`; every sample when
/// `components ≥ n`. Where the fit leaves the most unexplained, not where
/// the samples are densest: a higher bound than uniform draws on every set
/// tried (elevators, pol, bike and five generated ones; docs/gp.md). Dense when `z` is
/// learnt, else in `x`'s storage.
pub(super) fn widened_points(
    kernel: &VectorKernel,
    (z, taken): (&DataSet, &[usize]),
    x: &DataSet,
    components: usize,
    seed: u64,
    par: Par,
) -> DataSet {
    let n = x.n_samples();
    let extra: Vec<usize> = if components >= n {
        let mut used = vec![false; n];
        taken.iter().for_each(|&i| used[i] = true);
        (0..n).filter(|&i| !used[i]).collect()
    } else {
        more_kmeans_seeds(kernel, x, z, components.saturating_sub(z.n_samples()), seed, par)
    };
    if taken.len() == z.n_samples() {
        // z is x's rows `taken`: select them and the extra ones together.
        return x.select(&taken.iter().copied().chain(extra).collect::<Vec<_>>());
    }
    let (z, more) = (z.to_dense(), x.select(&extra).to_dense());
    let d = x.n_features();
    let mut values = Vec::with_capacity((z.n_samples() + extra.len()) * d);
    for set in [&z, &more] {
        (0..set.n_samples()).for_each(|i| values.extend_from_slice(set.row(i).values()));
    }
    DataSet::from(DenseMatrix::new(z.n_samples() + more.n_samples(), d, values).expect("rows of d values"))
}

/// The bound's pass at the inducing points `z` with `kernel`, at the noise
/// variance within `log_bounds` (natural logs) that maximises it, or at
/// `noise` when the noise is held (`log_bounds` `None`).
pub(super) fn posterior_at(
    kernel: &VectorKernel,
    noise: f64,
    log_bounds: Option<(f64, f64)>,
    data: (&DataSet, &[f64]),
    z: &DataSet,
    jitter: f64,
    par: Par,
) -> Result<Value, GpError> {
    let sums = Sums::new(kernel, data.0, data.1, z, jitter, par)?;
    let noise = log_bounds.and_then(|bounds| best_noise(&sums, bounds, par)).unwrap_or(noise);
    Value::at_noise(sums, noise, par)
}

/// The noise variance that maximises the bound of a pass's `sums`, its log
/// within `(lo, hi)`: a scan of [`SCAN`] points, then golden sections around
/// the best; `None` when no noise in the bounds gives a positive-definite `B`.
fn best_noise(sums: &Sums, (lo, hi): (f64, f64), par: Par) -> Option<f64> {
    let (bp, ay, yy, residual, n) = sums.noise_profile();
    let reduced = Tridiagonal::new(bp, ay, par);
    let (m, nf) = (ay.len() as f64, n as f64);
    let bound = |t: f64| {
        let s = t.exp();
        // Below 0 only by rounding, B' is a Gram matrix: a tiny σ² can meet that.
        let Some((log_det, explained)) = reduced.shifted(s) else { return f64::NEG_INFINITY };
        -0.5 * log_det - 0.5 * (nf - m) * t - (yy + residual - explained) / (2.0 * s)
    };
    let step = (hi - lo) / (SCAN - 1) as f64;
    let at = |k: usize| lo + step * k as f64;
    let best = (0..SCAN).map(|k| (k, bound(at(k)))).fold((0, f64::NEG_INFINITY), |b, v| if v.1 > b.1 { v } else { b });
    if best.1 == f64::NEG_INFINITY {
        return None;
    }
    let (mut a, mut b) = (at(best.0.saturating_sub(1)), at((best.0 + 1).min(SCAN - 1)));
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..GOLDEN_STEPS {
        let (p, q) = (b - ratio * (b - a), a + ratio * (b - a));
        if bound(p) >= bound(q) {
            b = q;
        } else {
            a = p;
        }
    }
    let t = 0.5 * (a + b);
    Some(if bound(t) >= best.1 { t } else { at(best.0) }.exp())
}
