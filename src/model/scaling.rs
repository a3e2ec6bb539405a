//! Feature scaling fitted on the training data and stored in the model, so
//! that prediction applies the very same map (svm-scale's job, but never
//! forgotten at predict time).

use kern_kernels::{DataSet, DenseMatrix, SparseMatrix, Storage};
use kern_solvers::collective::{Alone, Collective};
use serde::{Deserialize, Serialize};

/// The largest magnitude per feature of `(feature, |value|)` pairs, by feature.
fn largest_per_feature(mut seen: Vec<(u32, f64)>) -> Vec<(u32, f64)> {
    seen.sort_by_key(|&(j, _)| j);
    seen.chunk_by(|a, b| a.0 == b.0).map(|group| (group[0].0, group.iter().map(|g| g.1).fold(0.0, f64::max))).collect()
}

/// A per-feature map fitted on training samples.
///
/// Dense data is mapped onto `[−1, 1]` feature by feature (svm-scale's
/// default); sparse data is divided by each feature's largest magnitude,
/// which keeps zeros zero, and so keeps the data sparse (and the map the
/// size of the features seen, whatever the width the file claims).
///
/// ```
/// use kern::model::Scaling;
/// use kern_kernels::{DataSet, DenseMatrix};
///
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0, 10.0], vec![4.0, 30.0]]).unwrap());
/// let scaling = Scaling::fit(&x);
/// let scaled = scaling.apply(&x);
/// assert_eq!(scaled.row(0).values(), &[-1.0, -1.0]);
/// assert_eq!(scaled.row(1).values(), &[1.0, 1.0]);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Scaling {
    /// `x' = (x − offset) · factor` for every feature: the training range
    /// onto `[−1, 1]` (a constant feature maps to 0).
    UnitRange { offset: Vec<f64>, factor: Vec<f64> },
    /// `x' = x · factor` for the listed `features` (ascending, 0-based), the
    /// others (all zero in training) unchanged; `n_features` is the width.
    MaxAbs { n_features: usize, features: Vec<u32>, factor: Vec<f64> },
}

impl Scaling {
    /// Fits the map on training samples `x`.
    pub fn fit(x: &DataSet) -> Self {
        Self::fit_shared(x, &Alone)
    }

    /// Fits the map on the samples of every process of `collective`, each
    /// holding its share `x` (at one width): the ranges of all shares.
    pub fn fit_shared(x: &DataSet, collective: &dyn Collective) -> Self {
        let d = x.n_features();
        match x.storage() {
            Storage::Dense(m) => {
                let (mut lo, mut hi) = (vec![f64::INFINITY; d], vec![f64::NEG_INFINITY; d]);
                for i in 0..m.n_rows() {
                    for (j, &v) in m.row(i).iter().enumerate() {
                        lo[j] = lo[j].min(v);
                        hi[j] = hi[j].max(v);
                    }
                }
                collective.reduce(&mut lo, f64::min);
                collective.reduce(&mut hi, f64::max);
                let offset =
                    lo.iter().zip(&hi).map(|(l, h)| if l.is_finite() { l / 2.0 + h / 2.0 } else { 0.0 }).collect();
                let factor = lo.iter().zip(&hi).map(|(l, h)| positive_or_one(2.0 / (h - l))).collect();
                Scaling::UnitRange { offset, factor }
            }
            Storage::Sparse(m) => {
                // (feature, |value|) of every stored value of every share,
                // then the largest per feature: memory as the values, not the width.
                let mut seen: Vec<(u32, f64)> = Vec::with_capacity(m.nnz());
                for i in 0..m.n_rows() {
                    let (idx, val) = m.row(i);
                    seen.extend(idx.iter().zip(val).map(|(&j, &v)| (j, v.abs())));
                }
                let mut largest = largest_per_feature(seen);
                if collective.size() > 1 {
                    let bytes: Vec<u8> =
                        largest.iter().flat_map(|&(j, v)| j.to_le_bytes().into_iter().chain(v.to_le_bytes())).collect();
                    largest = largest_per_feature(
                        collective
                            .all_gather_bytes(&bytes)
                            .iter()
                            .flat_map(|part| {
                                part.chunks_exact(12).map(|c| {
                                    let j = u32::from_le_bytes(c[..4].try_into().expect("4 bytes"));
                                    (j, f64::from_le_bytes(c[4..].try_into().expect("8 bytes")))
                                })
                            })
                            .collect(),
                    );
                }
                let features = largest.iter().map(|&(j, _)| j).collect();
                let factor = largest.iter().map(|&(_, v)| positive_or_one(1.0 / v)).collect();
                Scaling::MaxAbs { n_features: d, features, factor }
            }
        }
    }

    /// Which map, in words.
    pub fn describe(&self) -> &'static str {
        match self {
            Scaling::UnitRange { .. } => "mapped onto [-1, 1]",
            Scaling::MaxAbs { .. } => "divided by their largest magnitude",
        }
    }

    /// Number of features the map was fitted on.
    pub fn n_features(&self) -> usize {
        match self {
            Scaling::UnitRange { factor, .. } => factor.len(),
            Scaling::MaxAbs { n_features, .. } => *n_features,
        }
    }

    /// Whether the map is well formed: matching lengths, finite offsets,
    /// positive finite factors, features ascending within the width.
    pub fn is_valid(&self) -> bool {
        let factors_ok = |f: &[f64]| f.iter().all(|f| f.is_finite() && *f > 0.0);
        match self {
            Scaling::UnitRange { offset, factor } => {
                offset.len() == factor.len() && offset.iter().all(|o| o.is_finite()) && factors_ok(factor)
            }
            Scaling::MaxAbs { n_features, features, factor } => {
                features.len() == factor.len()
                    && features.windows(2).all(|w| w[0] < w[1])
                    && features.last().is_none_or(|&j| (j as usize) < *n_features)
                    && factors_ok(factor)
            }
        }
    }

    /// The factor and offset of feature `j` (1 and 0 where the map leaves it).
    fn of(&self, j: usize) -> (f64, f64) {
        match self {
            Scaling::UnitRange { offset, factor } => {
                (factor.get(j).copied().unwrap_or(1.0), offset.get(j).copied().unwrap_or(0.0))
            }
            Scaling::MaxAbs { features, factor, .. } => {
                (u32::try_from(j).ok().and_then(|j| features.binary_search(&j).ok()).map_or(1.0, |k| factor[k]), 0.0)
            }
        }
    }

    /// Applies the map to `x`. Sparse rows stay sparse under [`Scaling::MaxAbs`].
    pub fn apply(&self, x: &DataSet) -> DataSet {
        let d = x.n_features();
        match (self, x.storage()) {
            (Scaling::MaxAbs { .. }, Storage::Sparse(m)) => {
                let mut out = SparseMatrix::with_cols(d);
                let mut values = Vec::new();
                for i in 0..m.n_rows() {
                    let (idx, val) = m.row(i);
                    values.clear();
                    values.extend(idx.iter().zip(val).map(|(&j, &v)| v * self.of(j as usize).0));
                    out.push_row(idx, &values).expect("the rows of a valid matrix, rescaled");
                }
                DataSet::from(out)
            }
            _ => {
                // Dense rows, or an offset that would fill sparse ones in.
                let dense = x.to_dense();
                let Storage::Dense(m) = dense.storage() else { unreachable!("made dense") };
                let maps: Vec<(f64, f64)> = (0..d).map(|j| self.of(j)).collect();
                let values = m.values().iter().enumerate().map(|(k, &v)| (v - maps[k % d].1) * maps[k % d].0).collect();
                DataSet::from(DenseMatrix::new(m.n_rows(), d, values).expect("finite values, rescaled"))
            }
        }
    }
}

/// `f` when it is a positive finite number, else 1 (a constant feature).
fn positive_or_one(f: f64) -> f64 {
    if f.is_finite() && f > 0.0 { f } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_maps_onto_the_unit_box_and_constants_to_zero() {
        let rows = vec![vec![1.0, 5.0, -3.0], vec![3.0, 5.0, 9.0], vec![2.0, 5.0, 0.0]];
        let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
        let s = Scaling::fit(&x);
        assert!(s.is_valid());
        let y = s.apply(&x);
        for j in 0..3 {
            let col: Vec<f64> = (0..3).map(|i| y.row(i).value_at(j)).collect();
            let (lo, hi) = col.iter().fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            if j == 1 {
                assert_eq!((lo, hi), (0.0, 0.0));
            } else {
                assert!((lo + 1.0).abs() < 1e-12 && (hi - 1.0).abs() < 1e-12, "{col:?}");
            }
        }
        // A new sample maps by the same affine map (so beyond the box).
        let z = DataSet::from(DenseMatrix::from_rows(&[vec![5.0, 5.0, 21.0]]).unwrap());
        assert_eq!(s.apply(&z).row(0).values(), &[3.0, 0.0, 3.0]);
    }

    #[test]
    fn sparse_stays_sparse_and_keeps_zeros() {
        let mut m = SparseMatrix::with_cols(4);
        m.push_row(&[0, 2], &[2.0, -8.0]).unwrap();
        m.push_row(&[2], &[4.0]).unwrap();
        let x = DataSet::from(m);
        let s = Scaling::fit(&x);
        let y = s.apply(&x);
        assert!(y.is_sparse());
        assert_eq!(y.stored_values(), 3);
        assert_eq!((y.row(0).value_at(0), y.row(0).value_at(2), y.row(1).value_at(2)), (1.0, -1.0, 0.5));
        assert_eq!(s, Scaling::MaxAbs { n_features: 4, features: vec![0, 2], factor: vec![0.5, 0.125] });
        // A claimed width far beyond the data costs nothing.
        let mut wide = SparseMatrix::with_cols(4_000_000_000);
        wide.push_row(&[3_999_999_999], &[4.0]).unwrap();
        let s = Scaling::fit(&DataSet::from(wide));
        assert!(s.is_valid() && s.n_features() == 4_000_000_000);
    }
}
