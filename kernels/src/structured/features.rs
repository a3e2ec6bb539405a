//! Sparse feature vectors keyed by 64-bit feature ids (k-mers, WL labels,
//! shortest-path triplets), and the blocks of their dot products.

use faer::{MatMut, Par};
use rayon::prelude::*;

use crate::gram::tiles::fill_tiles;

/// One sparse vector per sample: ids ascending, with their counts, and the
/// squared norm of each vector. Each id also has its rank among all the ids
/// of the collection (`local`), so that products within the collection are
/// a scatter and a gather rather than a merge.
#[derive(Debug, Default)]
pub(crate) struct FeatureRows {
    ends: Vec<usize>,
    ids: Vec<u64>,
    local: Vec<u32>,
    n_distinct: usize,
    counts: Vec<f64>,
    sq_norms: Vec<f64>,
}

impl FeatureRows {
    /// The vectors of `n` samples whose features (ids with repetitions, any
    /// order) `emit(i, &mut ids)` pushes.
    pub(crate) fn build(n: usize, par: Par, emit: impl Fn(usize, &mut Vec<u64>) + Sync) -> Self {
        let one = |i: usize| {
            let mut raw = Vec::new();
            emit(i, &mut raw);
            raw.sort_unstable();
            let mut ids = Vec::new();
            let mut counts: Vec<f64> = Vec::new();
            for id in raw {
                if ids.last() == Some(&id) {
                    *counts.last_mut().expect("pushed with the id") += 1.0;
                } else {
                    ids.push(id);
                    counts.push(1.0);
                }
            }
            (ids, counts)
        };
        let rows: Vec<(Vec<u64>, Vec<f64>)> = if crate::is_sequential(par) {
            (0..n).map(one).collect()
        } else {
            (0..n).into_par_iter().map(one).collect()
        };
        let mut out = FeatureRows::default();
        for (ids, counts) in rows {
            out.sq_norms.push(counts.iter().map(|c| c * c).sum());
            out.ids.extend_from_slice(&ids);
            out.counts.extend_from_slice(&counts);
            out.ends.push(out.ids.len());
        }
        let mut distinct = out.ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        out.local =
            out.ids.iter().map(|id| distinct.binary_search(id).expect("an id of the collection") as u32).collect();
        out.n_distinct = distinct.len();
        out
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        (if i == 0 { 0 } else { self.ends[i - 1] })..self.ends[i]
    }

    fn row(&self, i: usize) -> (&[u64], &[f64]) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (&self.ids[start..self.ends[i]], &self.counts[start..self.ends[i]])
    }

    /// `‖φ_i‖²`.
    pub(crate) fn sq_norm(&self, i: usize) -> f64 {
        self.sq_norms[i]
    }

    /// `⟨φ_i, other.φ_j⟩` by merging the two sorted id lists.
    pub(crate) fn dot(&self, i: usize, other: &FeatureRows, j: usize) -> f64 {
        let ((ia, ca), (ib, cb)) = (self.row(i), other.row(j));
        let (mut p, mut q, mut sum) = (0, 0, 0.0);
        while p < ia.len() && q < ib.len() {
            match ia[p].cmp(&ib[q]) {
                std::cmp::Ordering::Less => p += 1,
                std::cmp::Ordering::Greater => q += 1,
                std::cmp::Ordering::Equal => {
                    sum += ca[p] * cb[q];
                    p += 1;
                    q += 1;
                }
            }
        }
        sum
    }
}

/// `out[(r, c)] = ⟨φ_a[rows[r]], φ_b[cols[c]]⟩`, divided by both norms when
/// `normalize` (the cosine; 0 against an empty vector).
#[allow(clippy::too_many_arguments)]
pub(crate) fn feature_block(
    a: &FeatureRows,
    rows: &[usize],
    b: &FeatureRows,
    cols: &[usize],
    normalize: bool,
    symmetric: bool,
    out: MatMut<'_, f64>,
    par: Par,
) {
    let finish = |k: f64, i: usize, j: usize| if normalize { super::cosine(k, a.sq_norm(i), b.sq_norm(j)) } else { k };
    if !std::ptr::eq(a, b) {
        fill_tiles(out, symmetric, par, |rr, cc, tile| {
            for (c, &j) in cols[cc].iter().enumerate() {
                for (r, &i) in rows[rr.clone()].iter().enumerate() {
                    tile[(r, c)] = finish(a.dot(i, b, j), i, j);
                }
            }
        });
        return;
    }
    // Within one collection. A tile of many rows is accumulated feature by
    // feature through the columns' posting lists (cost Σ_f |posting_f|², small
    // when most features are rare, as WL's deeper labels are); a tile of few
    // rows (SMO's kernel rows) scatters each row into a dense vector over the
    // collection's distinct ids and gathers each column from it.
    fill_tiles(out, symmetric, par, |rr, cc, tile| {
        let (rows, cols) = (&rows[rr], &cols[cc]);
        if rows.len() >= 32 {
            posting_tile(a, rows, cols, tile);
            for (c, &j) in cols.iter().enumerate() {
                for (r, &i) in rows.iter().enumerate() {
                    tile[(r, c)] = finish(tile[(r, c)], i, j);
                }
            }
            return;
        }
        let mut dense = vec![0.0; a.n_distinct];
        for (r, &i) in rows.iter().enumerate() {
            let ri = a.range(i);
            a.local[ri.clone()].iter().zip(&a.counts[ri.clone()]).for_each(|(&l, &v)| dense[l as usize] = v);
            for (c, &j) in cols.iter().enumerate() {
                let rj = a.range(j);
                let k: f64 = a.local[rj.clone()].iter().zip(&a.counts[rj]).map(|(&l, &v)| v * dense[l as usize]).sum();
                tile[(r, c)] = finish(k, i, j);
            }
            a.local[ri].iter().for_each(|&l| dense[l as usize] = 0.0);
        }
    });
}

/// `tile[(r, c)] = ⟨φ_rows[r], φ_cols[c]⟩` by posting lists of the columns'
/// features (a counting sort by local id), in a fixed order.
fn posting_tile(a: &FeatureRows, rows: &[usize], cols: &[usize], tile: &mut faer::Mat<f64>) {
    let mut start = vec![0usize; a.n_distinct + 1];
    for &j in cols {
        a.local[a.range(j)].iter().for_each(|&l| start[l as usize + 1] += 1);
    }
    for l in 0..a.n_distinct {
        start[l + 1] += start[l];
    }
    let mut cursor = start.clone();
    let mut post = vec![(0u32, 0.0f64); start[a.n_distinct]];
    for (c, &j) in cols.iter().enumerate() {
        let rj = a.range(j);
        for (&l, &v) in a.local[rj.clone()].iter().zip(&a.counts[rj]) {
            post[cursor[l as usize]] = (c as u32, v);
            cursor[l as usize] += 1;
        }
    }
    // A row of the column-major tile is strided: accumulate it contiguously.
    let mut acc = vec![0.0; cols.len()];
    for (r, &i) in rows.iter().enumerate() {
        let ri = a.range(i);
        acc.fill(0.0);
        for (&l, &v) in a.local[ri.clone()].iter().zip(&a.counts[ri]) {
            for &(c, w) in &post[start[l as usize]..start[l as usize + 1]] {
                acc[c as usize] += v * w;
            }
        }
        tile.as_mut().row_mut(r).iter_mut().zip(&acc).for_each(|(t, &k)| *t = k);
    }
}

/// A stable 64-bit mix of two words (SplitMix64's finaliser over a
/// multiply-xor combination): the same on every platform and run, so feature
/// ids computed at fit time match those computed at predict time.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.rotate_left(23) ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// [`mix`] folded over `words`, starting from `seed`.
pub(crate) fn mix_all(seed: u64, words: impl IntoIterator<Item = u64>) -> u64 {
    words.into_iter().fold(seed, mix)
}
