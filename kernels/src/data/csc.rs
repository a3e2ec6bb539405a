//! A column-major (inverted) index of sparse rows: for each feature that
//! occurs, the samples where it is non-zero. A kernel row `X x` is then a sum
//! of a few sparse columns, one per non-zero of `x`, streamed in order.
//!
//! A column where one value fills more than half of the samples (one-hot
//! data such as a9a is full of them) is stored complemented: that value, its
//! *mode*, counts for every sample, and the entries list only the samples that
//! differ, with `value − mode`. Streaming it then costs the minority, not the
//! majority. A column whose entries all hold one value (binary and one-hot
//! features, complemented or not) is streamed without reading its values.

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
    /// The entry's value, or its difference from the mode in a complemented column.
    values: Vec<f64>,
    /// What each column adds without its entries, and what they hold.
    columns: Vec<Column>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Column {
    /// The mode of a complemented column, 0 for a plain one.
    mode: f64,
    /// The value every entry holds, where they all hold one.
    uniform: Option<f64>,
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
        let mut next = counts.clone();
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
        Self::complement_majorities(m.n_rows(), features, counts, samples, values)
    }

    /// Rewrites every column where one value holds more than half of the
    /// `n` samples as that mode plus the samples that differ.
    fn complement_majorities(
        n: usize,
        features: Vec<u32>,
        colptr: Vec<usize>,
        samples: Vec<u32>,
        values: Vec<f64>,
    ) -> Self {
        let mut out = Self { features, colptr: vec![0], samples: Vec::new(), values: Vec::new(), columns: Vec::new() };
        for p in 0..out.features.len() {
            let col = colptr[p]..colptr[p + 1];
            let (s, v) = (&samples[col.clone()], &values[col]);
            match majority(v).filter(|&(_, count)| 2 * count > n) {
                Some((mode, _)) => {
                    let mut next = 0;
                    for j in 0..n as u32 {
                        let x = if s.get(next) == Some(&j) {
                            next += 1;
                            v[next - 1]
                        } else {
                            0.0
                        };
                        if x != mode {
                            out.samples.push(j);
                            out.values.push(x - mode);
                        }
                    }
                    out.columns.push(Column { mode, uniform: None });
                }
                None => {
                    out.samples.extend_from_slice(s);
                    out.values.extend_from_slice(v);
                    out.columns.push(Column { mode: 0.0, uniform: None });
                }
            }
            out.colptr.push(out.samples.len());
        }
        set_uniform(&mut out);
        out
    }

    /// The index of the samples `j` with `position_of[j]` set (not
    /// `usize::MAX`), sample `j` renumbered `position_of[j]`: every column
    /// keeps its mode, so a sample's products sum in the same order and come
    /// out the same to the bit.
    pub fn restricted(&self, position_of: &[usize]) -> Self {
        let mut out = Self {
            features: self.features.clone(),
            colptr: vec![0],
            samples: Vec::new(),
            values: Vec::new(),
            columns: self.columns.clone(),
        };
        let mut column: Vec<(u32, f64)> = Vec::new();
        for p in 0..self.features.len() {
            let col = self.colptr[p]..self.colptr[p + 1];
            column.clear();
            for (&j, &v) in self.samples[col.clone()].iter().zip(&self.values[col]) {
                if let Some(&at) = position_of.get(j as usize).filter(|&&at| at != usize::MAX) {
                    column.push((at as u32, v));
                }
            }
            column.sort_unstable_by_key(|&(at, _)| at);
            out.samples.extend(column.iter().map(|&(at, _)| at));
            out.values.extend(column.iter().map(|&(_, v)| v));
            out.colptr.push(out.samples.len());
        }
        set_uniform(&mut out);
        out
    }

    /// `acc[j − range.start] += Σ_k w_k X[j, k]` for the samples `j` in
    /// `range`, where `(idx, w)` is a sparse vector.
    pub fn accumulate(&self, idx: &[u32], w: &[f64], range: Range<usize>, acc: &mut [f64]) {
        debug_assert_eq!(acc.len(), range.len());
        // What the complemented columns give every sample.
        let mut base = 0.0;
        for (&k, &wk) in idx.iter().zip(w) {
            let Ok(p) = self.features.binary_search(&k) else { continue };
            base += wk * self.columns[p].mode;
            let col = self.colptr[p]..self.colptr[p + 1];
            let samples = &self.samples[col.clone()];
            let values = &self.values[col];
            let lo = samples.partition_point(|&j| (j as usize) < range.start);
            let hi = samples.partition_point(|&j| (j as usize) < range.end);
            let acc = &mut acc[..range.len()];
            // SAFETY (both loops): `lo..hi` holds exactly the samples in
            // `range` (partition points of a sorted column), so t < range.len().
            if let Some(x) = self.columns[p].uniform {
                // The same product for every entry: the values are not read.
                let v = wk * x;
                for &j in &samples[lo..hi] {
                    let t = j as usize - range.start;
                    debug_assert!(t < acc.len());
                    unsafe { *acc.get_unchecked_mut(t) += v };
                }
            } else {
                for (&j, &x) in samples[lo..hi].iter().zip(&values[lo..hi]) {
                    let t = j as usize - range.start;
                    debug_assert!(t < acc.len());
                    unsafe { *acc.get_unchecked_mut(t) += wk * x };
                }
            }
        }
        if base != 0.0 {
            acc[..range.len()].iter_mut().for_each(|a| *a += base);
        }
    }
}

/// Marks the columns of `csc` whose entries all hold one value, bit for bit.
fn set_uniform(csc: &mut CscIndex) {
    for (p, column) in csc.columns.iter_mut().enumerate() {
        let v = &csc.values[csc.colptr[p]..csc.colptr[p + 1]];
        column.uniform = v.first().filter(|first| v.iter().all(|x| x.to_bits() == first.to_bits())).copied();
    }
}

/// The value held by more than half of `v`, with its count (Boyer–Moore vote, then a check).
fn majority(v: &[f64]) -> Option<(f64, usize)> {
    let mut candidate = *v.first()?;
    let mut lead = 0usize;
    for &x in v {
        if lead == 0 {
            candidate = x;
        }
        lead = if x == candidate { lead + 1 } else { lead - 1 };
    }
    let count = v.iter().filter(|&&x| x == candidate).count();
    (2 * count > v.len()).then_some((candidate, count))
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

    #[test]
    fn complemented_columns_give_the_same_inner_products() {
        // Feature 0 is 1.0 in most rows (complemented), feature 2 is 2.5 in
        // most but not all of its rows, feature 7 is rare (plain).
        let mut m = SparseMatrix::with_cols(8);
        let mut dense = Vec::new();
        for i in 0..40u32 {
            let mut row = vec![0.0; 8];
            if i % 5 != 0 {
                row[0] = 1.0;
            }
            if i % 7 != 0 {
                row[2] = if i % 11 == 0 { -3.0 } else { 2.5 };
            }
            if i % 9 == 0 {
                row[7] = 0.5 + f64::from(i);
            }
            let idx: Vec<u32> = (0..8).filter(|&k| row[k as usize] != 0.0).collect();
            let val: Vec<f64> = idx.iter().map(|&k| row[k as usize]).collect();
            m.push_row(&idx, &val).unwrap();
            dense.push(row);
        }
        let csc = CscIndex::new(&m);
        assert_eq!(csc.columns.iter().map(|c| c.mode).collect::<Vec<_>>(), [1.0, 2.5, 0.0]);
        let (idx, w) = ([0u32, 2, 7], [0.25, -1.5, 2.0]);
        let expected: Vec<f64> = dense.iter().map(|r| 0.25 * r[0] - 1.5 * r[2] + 2.0 * r[7]).collect();
        for range in [0..40, 13..29] {
            let mut acc = vec![0.0; range.len()];
            csc.accumulate(&idx, &w, range.clone(), &mut acc);
            for (a, e) in acc.iter().zip(&expected[range]) {
                assert!((a - e).abs() <= 1e-12 * (1.0 + e.abs()), "{a} vs {e}");
            }
        }
    }

    #[test]
    fn uniform_columns_give_the_general_paths_bits() {
        // One-hot-like rows: feature 0 in four rows of five (complemented,
        // every entry −1), features 1..=5 binary and rare, feature 6 real.
        let n = 500u32;
        let mut m = SparseMatrix::with_cols(7);
        for i in 0..n {
            let mut idx = vec![];
            if i % 5 != 0 {
                idx.push(0);
            }
            idx.push(1 + i % 5);
            if i % 3 == 0 {
                idx.push(6);
            }
            let val: Vec<f64> = idx.iter().map(|&k| if k == 6 { 0.1 + f64::from(i) / 7.0 } else { 1.0 }).collect();
            m.push_row(&idx, &val).unwrap();
        }
        let csc = CscIndex::new(&m);
        let uniform: Vec<Option<f64>> = csc.columns.iter().map(|c| c.uniform).collect();
        assert_eq!(uniform, [Some(-1.0), Some(1.0), Some(1.0), Some(1.0), Some(1.0), Some(1.0), None]);
        let odd: Vec<usize> = (0..n as usize).map(|j| if j % 2 == 1 { j / 2 } else { usize::MAX }).collect();
        let (idx, w) = ([0u32, 2, 3, 6], [0.3, -1.7, 1.0 / 3.0, 2.9]);
        for index in [csc.clone(), csc.restricted(&odd)] {
            let mut general = index.clone();
            general.columns.iter_mut().for_each(|c| c.uniform = None);
            let len = *index.samples.iter().max().unwrap() as usize + 1;
            for range in [0..len, 17..len - 5] {
                let (mut fast, mut slow) = (vec![0.0; range.len()], vec![0.0; range.len()]);
                index.accumulate(&idx, &w, range.clone(), &mut fast);
                general.accumulate(&idx, &w, range.clone(), &mut slow);
                assert!(fast.iter().zip(&slow).all(|(a, b)| a.to_bits() == b.to_bits()), "{range:?}");
            }
        }
    }
}
