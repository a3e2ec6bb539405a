//! A kernel width from the data: the median heuristic.

use kern_kernels::DataSet;
use rand::seq::index::sample;

use crate::synthetic::rng;
use crate::train::KernelName;

/// Samples the distances are taken among (at most `m (m − 1) / 2` pairs).
const SAMPLE: usize = 1000;

/// The `gamma` the median heuristic gives `kernel` on `x`: one over the
/// median squared distance between samples (rbf), one over the median L1
/// distance (laplacian), the lengthscale equal to the median distance
/// (Matérn, as gamma = 1 / (2 l²)); the dot-product kernels keep LIBSVM's
/// 1 / n_features. `None` for kernels without a width (linear, precomputed).
/// At most 1,000 samples, drawn with `seed`, are compared.
pub fn median_gamma(kernel: KernelName, x: &DataSet, seed: u64) -> Option<f64> {
    let distance: fn(&kern_kernels::Row<'_>, &kern_kernels::Row<'_>) -> f64 = match kernel {
        KernelName::Rbf | KernelName::Matern12 | KernelName::Matern32 | KernelName::Matern52 => |a, b| a.sq_distance(b),
        KernelName::Laplacian => |a, b| a.l1_distance(b),
        KernelName::Poly | KernelName::Sigmoid => return Some(1.0 / x.n_features().max(1) as f64),
        _ => return None,
    };
    let n = x.n_samples();
    let rows: Vec<usize> = if n > SAMPLE { sample(&mut rng(seed), n, SAMPLE).into_vec() } else { (0..n).collect() };
    let mut d: Vec<f64> = Vec::with_capacity(rows.len() * rows.len().saturating_sub(1) / 2);
    for (k, &i) in rows.iter().enumerate() {
        for &j in &rows[..k] {
            d.push(distance(&x.row(i), &x.row(j)));
        }
    }
    // Duplicated samples say nothing about the width: the median of the others.
    d.retain(|v| *v > 0.0 && v.is_finite());
    if d.is_empty() {
        return Some(1.0 / x.n_features().max(1) as f64);
    }
    let mid = d.len() / 2;
    let median = *d.select_nth_unstable_by(mid, f64::total_cmp).1;
    Some(match kernel {
        KernelName::Matern12 | KernelName::Matern32 | KernelName::Matern52 => 1.0 / (2.0 * median),
        _ => 1.0 / median,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kern_kernels::DenseMatrix;

    #[test]
    fn the_median_of_squared_distances_sets_the_rbf_width() {
        // Points 0, 1, 3 on a line: squared distances 1, 4, 9; the median is 4.
        let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0], vec![3.0]]).unwrap());
        assert_eq!(median_gamma(KernelName::Rbf, &x, 0), Some(0.25));
        // L1 distances 1, 2, 3.
        assert_eq!(median_gamma(KernelName::Laplacian, &x, 0), Some(0.5));
        // Lengthscale 2: gamma 1/8.
        assert_eq!(median_gamma(KernelName::Matern32, &x, 0), Some(0.125));
        assert_eq!(median_gamma(KernelName::Linear, &x, 0), None);
    }
}
