//! What string and graph kernels share: a per-collection memo of derived data
//! (feature maps, self-similarities), sparse feature vectors with their dot
//! products, a stable 64-bit hash for feature ids, and cosine normalisation.

mod features;
mod memo;

pub(crate) use features::{FeatureRows, feature_block, mix, mix_all};
pub(crate) use memo::Memo;

use faer::{MatMut, Par};

use crate::gram::tiles::fill_tiles;

/// `out[(r, c)] = k(a_r, b_c) / sqrt(k(a_r, a_r) k(b_c, b_c))` for a kernel
/// with no explicit feature map, given each side's self-similarities
/// (`None` leaves `k` unnormalised). A zero self-similarity (an empty string)
/// gives 0, as the cosine of a zero vector is taken to be.
pub(crate) fn pairwise_block(
    rows: &[usize],
    cols: &[usize],
    diagonals: Option<(&[f64], &[f64])>,
    symmetric: bool,
    out: MatMut<'_, f64>,
    par: Par,
    k: impl Fn(usize, usize) -> f64 + Sync,
) {
    fill_tiles(out, symmetric, par, |rr, cc, tile| {
        for (c, &j) in cols[cc].iter().enumerate() {
            for (r, &i) in rows[rr.clone()].iter().enumerate() {
                tile[(r, c)] = match diagonals {
                    None => k(i, j),
                    Some((da, db)) => cosine(k(i, j), da[i], db[j]),
                };
            }
        }
    });
}

/// `out[r] = k(a_r, a_r)` from the unnormalised self-similarities `raw`:
/// 1 when normalised, or 0 for a sample with nothing to compare (a string
/// shorter than k, a graph without paths).
pub(crate) fn diagonal_of(raw: impl Iterator<Item = f64>, normalize: bool, out: &mut [f64]) {
    out.iter_mut().zip(raw).for_each(|(o, v)| {
        *o = if !normalize {
            v
        } else if v > 0.0 {
            1.0
        } else {
            0.0
        }
    });
}

/// `k / sqrt(kaa · kbb)`, 0 when either self-similarity is 0.
pub(crate) fn cosine(k: f64, kaa: f64, kbb: f64) -> f64 {
    let d = (kaa * kbb).sqrt();
    if d > 0.0 { k / d } else { 0.0 }
}
