//! The weighted-degree kernel (Rätsch & Sonnenburg 2004), with optional
//! shifts (Rätsch et al. 2005): matching k-mers at the same positions, k ≤ d,
//! weighted `β_k = 2(d − k + 1) / (d(d + 1))`; with shifts, k-mers matching
//! `s ≤ S` positions apart count `1 / (2(s + 1))` each way.

/// `B[r] = Σ_{k ≤ min(r, d)} β_k`: what a run of `r` matching letters from a
/// position contributes (every k-mer starting there, up to the degree).
pub(crate) fn run_weights(degree: usize) -> Vec<f64> {
    let d = degree as f64;
    let mut b = vec![0.0; degree + 1];
    for k in 1..=degree {
        b[k] = b[k - 1] + 2.0 * (d - k as f64 + 1.0) / (d * (d + 1.0));
    }
    b
}

/// `Σ_l B[run(l)]`, where `run(l)` is the number of equal letters of `x[l..]`
/// and `y[l..]` before the first difference (scanning from the right).
fn aligned(x: &[u8], y: &[u8], b: &[f64]) -> f64 {
    let d = b.len() - 1;
    let n = x.len().min(y.len());
    let (mut run, mut sum) = (0usize, 0.0);
    for l in (0..n).rev() {
        run = if x[l] == y[l] { run + 1 } else { 0 };
        sum += b[run.min(d)];
    }
    sum
}

/// `k(x, y)`: positions compared where both strings have them.
pub(crate) fn weighted_degree(x: &[u8], y: &[u8], degree: usize, shift: usize, b: &[f64]) -> f64 {
    debug_assert_eq!(b.len(), degree + 1);
    let mut k = aligned(x, y, b);
    for s in 1..=shift {
        let delta = 1.0 / (2.0 * (s as f64 + 1.0));
        // k-mers at l + s in one string against l in the other.
        if s < x.len() {
            k += delta * aligned(&x[s..], y, b);
        }
        if s < y.len() {
            k += delta * aligned(x, &y[s..], b);
        }
    }
    k
}
