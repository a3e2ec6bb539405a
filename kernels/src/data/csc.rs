//! A column-major (inverted) index of sparse rows: for each feature that
//! occurs, the samples where it is non-zero. A kernel row `X x` is then a sum
//! of a few sparse columns, one per non-zero of `x`, streamed in order.

use std::ops::Range;

use super::SparseMatrix;

/// Sparse rows indexed by feature. Only features that occur get a column, so
/// the index is sized by the non-zeros, never by the declared width.
#[derive(Clone, Debug)]
pub struct CscIndex {
    /// The features that occur, ascending.
    features: Vec<u32>,
    /// `colptr[p]..colptr[p + 1]` are the entries of `features[p]`.
    colptr: Vec<usize>,
    /// Sample of each entry, ascending within a column.
    samples: Vec<u32>,
    values: Vec<f64>,
}

impl CscIndex {
    /// Builds the index of `m` (a counting sort of its entries by feature).
    pub fn new(m: &SparseMatrix) -> Self {
        let mut entries: Vec<(u32, u32)> = Vec::with_capacity(m.nnz());
        for i in 0..m.n_rows() {
            let (idx, _) = m.row(i);
            entries.extend(idx.iter().map(|&k| (k, i as u32)));
        }
        let mut features: Vec<u32> = entries.iter().map(|&(k, _)| k).collect();
        features.sort_unstable();
        features.dedup();
        let mut counts = vec![0usize; features.len() + 1];
        for &(k, _) in &entries {
            counts[features.binary_search(&k).expect("collected above") + 1] += 1;
        }
        for p in 0..features.len() {
            counts[p + 1] += counts[p];
        }
        let colptr = counts.clone();
        let mut next = counts;
        let mut samples = vec![0u32; entries.len()];
        let mut values = vec![0.0; entries.len()];
        // Rows are visited in order, so samples come out ascending per column.
        for i in 0..m.n_rows() {
            let (idx, val) = m.row(i);
            for (&k, &v) in idx.iter().zip(val) {
                let p = features.binary_search(&k).expect("collected above");
                samples[next[p]] = i as u32;
                values[next[p]] = v;
                next[p] += 1;
            }
        }
        Self { features, colptr, samples, values }
    }

    /// `acc[j − range.start] += Σ_k w_k X[j, k]` for the samples `j` in
    /// `range`, where `(idx, w)` is a sparse vector.
    pub fn accumulate(&self, idx: &[u32], w: &[f64], range: Range<usize>, acc: &mut [f64]) {
        debug_assert_eq!(acc.len(), range.len());
        for (&k, &wk) in idx.iter().zip(w) {
            let Ok(p) = self.features.binary_search(&k) else { continue };
            let col = self.colptr[p]..self.colptr[p + 1];
            let samples = &self.samples[col.clone()];
            let values = &self.values[col];
            let lo = samples.partition_point(|&j| (j as usize) < range.start);
            let hi = samples.partition_point(|&j| (j as usize) < range.end);
            let acc = &mut acc[..range.len()];
            for (&j, &x) in samples[lo..hi].iter().zip(&values[lo..hi]) {
                let t = j as usize - range.start;
                debug_assert!(t < acc.len());
                // SAFETY: `lo..hi` holds exactly the samples in `range`
                // (partition points of a sorted column), so t < range.len().
                unsafe { *acc.get_unchecked_mut(t) += wk * x };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulating_a_row_gives_every_inner_product() {
        let mut m = SparseMatrix::with_cols(4_000_000_000);
        m.push_row(&[1, 5], &[2.0, -1.0]).unwrap();
        m.push_row(&[], &[]).unwrap();
        m.push_row(&[5, 3_999_999_999], &[3.0, 4.0]).unwrap();
        m.push_row(&[1], &[0.5]).unwrap();
        let csc = CscIndex::new(&m);
        let mut acc = vec![0.0; 4];
        csc.accumulate(&[1, 5, 3_999_999_999], &[1.0, 2.0, 1.0], 0..4, &mut acc);
        // Row 0: 2·1 − 1·2 = 0; row 1: 0; row 2: 3·2 + 4·1 = 10; row 3: 0.5·1.
        assert_eq!(acc, [0.0, 0.0, 10.0, 0.5]);
        let mut part = vec![0.0; 2];
        csc.accumulate(&[1, 5, 3_999_999_999], &[1.0, 2.0, 1.0], 2..4, &mut part);
        assert_eq!(part, [10.0, 0.5]);
    }
}
