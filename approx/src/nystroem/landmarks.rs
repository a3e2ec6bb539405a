//! Choosing Nyström landmarks: uniformly at random, by greedy pivoted
//! Cholesky (the sample with the largest residual variance next, until the
//! residual trace is small), by approximate ridge leverage scores, or by
//! k-means++ seeding in the kernel's feature space.

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
    /// k-means++ seeding (Arthur & Vassilvitskii 2007) in the kernel's
    /// feature space: each next landmark drawn with probability proportional
    /// to its squared feature-space distance to the nearest one chosen,
    /// `k(x, x) + k(c, c) − 2k(x, c)`. Spread out like greedy, random like
    /// uniform; `O(n M)` kernel values, `O(n)` memory.
    KMeans,
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
            Landmarks::KMeans => Ok(kmeans_plus_plus(kernel, x, m, seed, par)),
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

/// k-means++ seeding in feature space: up to `m` distinct samples (fewer
/// when every remaining sample coincides with a chosen one), ascending.
///
/// ```
/// use kern_approx::Landmarks;
/// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
/// // Two tight clusters far apart: two landmarks take one from each.
/// let rows: Vec<Vec<f64>> = (0..40).map(|i| vec![if i < 20 { 0.0 } else { 50.0 } + i as f64 * 1e-3]).collect();
/// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
/// let k = VectorKernel::Rbf { gamma: 1.0 };
/// let chosen = Landmarks::KMeans.choose(&k, &x, 2, 7, Par::Seq).unwrap();
/// assert!(chosen[0] < 20 && chosen[1] >= 20);
/// ```
fn kmeans_plus_plus(kernel: &VectorKernel, x: &DataSet, m: usize, seed: u64, par: Par) -> Vec<usize> {
    let n = x.n_samples();
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let mut rng = SplitMix64::new(seed ^ KMEANS_SEED);
    let first = rng.below(n);
    let mut seeding = Seeding::new(kernel, x);
    seeding.nearer(x, &[first], par);
    seeding.nearest[first] = 0.0;
    let mut chosen = vec![first];
    chosen.extend(seeding.draw(m.min(n) - 1, 1, &mut rng, par));
    chosen.sort_unstable();
    chosen
}

/// Mixed into the seed of k-means++ draws.
const KMEANS_SEED: u64 = 0x4B4D_4541_4E53_2B2B;

/// Rounds of [`more_kmeans_seeds`]: its draws come in this many batches.
const SEED_ROUNDS: usize = 16;

/// `count` more k-means++ seeds among the samples of `x` beyond the points
/// `seeds` (any points: samples or not), drawn in 16 batches
/// as k-means‖ draws them (Bahmani et al. 2012): each batch with
/// probability proportional to the squared feature-space distance to the
/// nearest seed so far. Fewer when every other sample coincides with a
/// seed; in the order drawn. A batch is one `n × b` kernel block where
/// k-means++ is `b` kernel columns one after another.
///
/// ```
/// use kern_approx::nystroem::more_kmeans_seeds;
/// use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};
/// // Two tight clusters far apart: a seed in one draws the next from the other.
/// let rows: Vec<Vec<f64>> = (0..40).map(|i| vec![if i < 20 { 0.0 } else { 50.0 } + i as f64 * 1e-3]).collect();
/// let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
/// let seed = DataSet::from(DenseMatrix::from_rows(&[vec![0.01]]).unwrap());
/// let more = more_kmeans_seeds(&VectorKernel::Rbf { gamma: 1.0 }, &x, &seed, 1, 7, Par::Seq);
/// assert!(more.len() == 1 && more[0] >= 20);
/// ```
pub fn more_kmeans_seeds(
    kernel: &VectorKernel,
    x: &DataSet,
    seeds: &DataSet,
    count: usize,
    seed: u64,
    par: Par,
) -> Vec<usize> {
    let (n, count) = (x.n_samples(), count.min(x.n_samples()));
    let mut rng = SplitMix64::new(seed ^ KMEANS_SEED);
    let mut seeding = Seeding::new(kernel, x);
    let all: Vec<usize> = (0..seeds.n_samples()).collect();
    all.chunks(SEED_BLOCK).for_each(|block| seeding.nearer(seeds, block, par));
    let mut chosen = Vec::with_capacity(count);
    if seeds.n_samples() == 0 && count > 0 {
        // No seed yet: the first is uniform, as in k-means++.
        chosen.push(rng.below(n));
        seeding.nearer(x, &chosen, par);
        seeding.nearest[chosen[0]] = 0.0;
    }
    let batch = count.div_ceil(SEED_ROUNDS).max(1);
    chosen.extend(seeding.draw(count - chosen.len(), batch, &mut rng, par));
    chosen
}

/// Seeds per kernel block when distances to many known seeds are taken.
const SEED_BLOCK: usize = 256;
/// Kernel values per block of seeding's distances (8 MiB).
const BLOCK_VALUES: usize = 1 << 20;

/// k-means++ seeding's state: each sample's squared feature-space distance
/// to its nearest seed.
struct Seeding<'a> {
    kernel: &'a VectorKernel,
    x: &'a DataSet,
    /// `k(x, x)` of every sample.
    diagonal: Vec<f64>,
    nearest: Vec<f64>,
}

impl<'a> Seeding<'a> {
    fn new(kernel: &'a VectorKernel, x: &'a DataSet) -> Self {
        let n = x.n_samples();
        let mut diagonal = vec![0.0; n];
        kernel.diagonal(x, &(0..n).collect::<Vec<_>>(), &mut diagonal);
        Seeding { kernel, x, diagonal, nearest: vec![f64::INFINITY; n] }
    }

    /// Takes the points `rows` of `points` as seeds: `k(x, x) + k(c, c) − 2k(x, c)`,
    /// by blocks of at most [`BLOCK_VALUES`] kernel values (memory `O(1)` in
    /// `n`; one seed at a time, every sample in one block up to that many).
    fn nearer(&mut self, points: &DataSet, rows: &[usize], par: Par) {
        let n = self.x.n_samples();
        let mut own = vec![0.0; rows.len()];
        self.kernel.diagonal(points, rows, &mut own);
        let samples: Vec<usize> = (0..n).collect();
        for (seeds, own) in rows.chunks(SEED_BLOCK).zip(own.chunks(SEED_BLOCK)) {
            let height = (BLOCK_VALUES / seeds.len()).max(1);
            for (part, start) in samples.chunks(height).zip((0..).step_by(height)) {
                let mut block = Mat::zeros(part.len(), seeds.len());
                self.kernel.block(self.x, part, points, seeds, block.as_mut(), par);
                for (j, c) in own.iter().enumerate() {
                    let nearest = &mut self.nearest[start..start + part.len()];
                    let diagonal = &self.diagonal[start..start + part.len()];
                    for (i, (nearest, d)) in nearest.iter_mut().zip(diagonal).enumerate() {
                        *nearest = nearest.min((d + c - 2.0 * block[(i, j)]).max(0.0));
                    }
                }
            }
        }
    }

    /// Up to `count` more seeds among the samples, `batch` at a time (k-means++ when 1).
    fn draw(&mut self, count: usize, batch: usize, rng: &mut SplitMix64, par: Par) -> Vec<usize> {
        let mut chosen = Vec::with_capacity(count);
        while chosen.len() < count {
            let drawn = draw_by_weight(&self.nearest, batch.min(count - chosen.len()), rng);
            if drawn.is_empty() {
                break;
            }
            chosen.extend_from_slice(&drawn);
            if chosen.len() < count {
                self.nearer(self.x, &drawn, par);
                // A seed's distance stays 0 once set (min never raises it).
                drawn.iter().for_each(|&c| self.nearest[c] = 0.0);
            }
        }
        chosen
    }
}

/// Up to `count` distinct indices drawn with probability proportional to
/// `weights` (with replacement, repeats dropped), in the order drawn; none
/// when every weight is 0 (or one is NaN).
fn draw_by_weight(weights: &[f64], count: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let mut running = 0.0;
    let sums: Vec<f64> = weights
        .iter()
        .map(|w| {
            running += w;
            running
        })
        .collect();
    let total = running;
    if total.is_nan() || total <= 0.0 {
        return Vec::new();
    }
    let last_positive = weights.iter().rposition(|&w| w > 0.0).expect("a positive weight");
    let mut drawn: Vec<usize> = Vec::with_capacity(count);
    for _ in 0..count {
        // The first index whose running sum passes u · total (a zero weight never does).
        let target = rng.uniform() * total;
        let i = sums.partition_point(|&s| s <= target).min(last_positive);
        if !drawn.contains(&i) {
            drawn.push(i);
        }
    }
    drawn
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

#[cfg(test)]
mod tests {
    use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel};

    use super::Landmarks;

    #[test]
    fn kmeans_plus_plus_gives_distinct_ascending_seeded_landmarks_and_stops_at_duplicates() {
        let rows: Vec<Vec<f64>> = (0..300).map(|i| vec![(i % 17) as f64 / 3.0, (i % 11) as f64 / 2.0]).collect();
        let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
        let k = VectorKernel::Matern32 { lengthscale: 1.0 };
        let a = Landmarks::KMeans.choose(&k, &x, 40, 3, Par::Seq).unwrap();
        assert_eq!(a.len(), 40);
        assert!(a.windows(2).all(|w| w[0] < w[1]), "ascending and distinct");
        assert_eq!(a, Landmarks::KMeans.choose(&k, &x, 40, 3, Par::rayon(2)).unwrap());
        assert_ne!(a, Landmarks::KMeans.choose(&k, &x, 40, 4, Par::Seq).unwrap());
        // 187 distinct rows (17 × 11): no two landmarks share a row.
        let all = Landmarks::KMeans.choose(&k, &x, 300, 3, Par::Seq).unwrap();
        assert_eq!(all.len(), 187);
        let mut seen: Vec<&Vec<f64>> = all.iter().map(|&i| &rows[i]).collect();
        seen.sort_by(|a, b| a.partial_cmp(b).unwrap());
        seen.dedup();
        assert_eq!(seen.len(), 187);
    }
}
