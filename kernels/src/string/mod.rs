//! String kernels on byte sequences: spectrum, mismatch, weighted degree and
//! the subsequence kernel, each cosine-normalised unless asked otherwise.

mod sequences;
mod spectrum;
mod subsequence;
mod weighted_degree;

pub use sequences::Sequences;

use std::fmt;
use std::sync::Arc;

use faer::{MatMut, Par};
use serde::{Deserialize, Serialize};

use crate::error::KernelError;
use crate::kernel::Kernel;
use crate::structured::{FeatureRows, cosine, diagonal_of, feature_block, pairwise_block};

/// Most neighbours one k-mer may have under a mismatch kernel: bounds the
/// feature map's size whatever the parameters.
pub const MAX_MISMATCH_BALL: u64 = 100_000;

/// A kernel on byte strings.
///
/// ```
/// use faer::Par;
/// use kern_kernels::{gram_matrix, Sequences, StringKernel};
/// let s = Sequences::new(["GATTACA", "GATTACA", "CCCCCCC"]);
/// let k = gram_matrix(&StringKernel::spectrum(3), &s, Par::Seq);
/// assert!((k[(0, 1)] - 1.0).abs() < 1e-12); // cosine-normalised
/// assert_eq!(k[(0, 2)], 0.0); // no 3-mer in common
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StringKernel {
    /// Counts of shared k-mers (Leslie et al. 2002).
    Spectrum { k: usize, normalize: bool },
    /// Shared k-mers up to `m` mismatches, letters substituted from `alphabet`.
    Mismatch { k: usize, m: usize, alphabet: Vec<u8>, normalize: bool },
    /// k-mers (k ≤ `degree`) matching at the same positions, or up to
    /// `shift` positions apart.
    WeightedDegree { degree: usize, shift: usize, normalize: bool },
    /// Common subsequences of length `k`, gaps decayed by `lambda`.
    Subsequence { k: usize, lambda: f64, normalize: bool },
}

impl StringKernel {
    /// The normalised spectrum kernel of k-mers.
    pub fn spectrum(k: usize) -> Self {
        StringKernel::Spectrum { k, normalize: true }
    }

    /// Whether values are cosine-normalised.
    pub fn normalized(&self) -> bool {
        match self {
            StringKernel::Spectrum { normalize, .. }
            | StringKernel::Mismatch { normalize, .. }
            | StringKernel::WeightedDegree { normalize, .. }
            | StringKernel::Subsequence { normalize, .. } => *normalize,
        }
    }

    /// Its command-line name.
    pub fn name(&self) -> &'static str {
        match self {
            StringKernel::Spectrum { .. } => "spectrum",
            StringKernel::Mismatch { .. } => "mismatch",
            StringKernel::WeightedDegree { .. } => "wd",
            StringKernel::Subsequence { .. } => "ssk",
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), KernelError> {
        let invalid = |name, value: f64, reason| Err(KernelError::InvalidParameter { name, value, reason });
        match self {
            StringKernel::Spectrum { k, .. } if *k == 0 => invalid("k", 0.0, "must be at least 1"),
            StringKernel::Mismatch { k, m, alphabet, .. } => {
                if *k == 0 {
                    invalid("k", 0.0, "must be at least 1")
                } else if m >= k {
                    invalid("m", *m as f64, "must be smaller than k")
                } else if alphabet.is_empty() {
                    invalid("alphabet", 0.0, "must hold at least one letter")
                } else if spectrum::ball_size(*k, *m, alphabet.len()) > MAX_MISMATCH_BALL {
                    invalid("m", *m as f64, "gives more than 100,000 neighbours per k-mer; lower m or k")
                } else {
                    Ok(())
                }
            }
            StringKernel::WeightedDegree { degree, .. } if *degree == 0 => invalid("degree", 0.0, "must be at least 1"),
            StringKernel::Subsequence { k, lambda, .. } => {
                if *k == 0 {
                    invalid("k", 0.0, "must be at least 1")
                } else if !(*lambda > 0.0 && *lambda <= 1.0) {
                    invalid("lambda", *lambda, "must be in (0, 1]")
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// The unnormalised value on two strings.
    ///
    /// ```
    /// use kern_kernels::StringKernel;
    /// let k = StringKernel::Spectrum { k: 2, normalize: false };
    /// assert_eq!(k.raw(b"AAA", b"AA"), 2.0); // "AA" twice × once
    /// ```
    pub fn raw(&self, x: &[u8], y: &[u8]) -> f64 {
        match self {
            StringKernel::Spectrum { .. } | StringKernel::Mismatch { .. } => {
                let f = FeatureRows::build(2, Par::Seq, |i, out| self.features(if i == 0 { x } else { y }, out));
                f.dot(0, &f, 1)
            }
            StringKernel::WeightedDegree { degree, shift, .. } => {
                weighted_degree::weighted_degree(x, y, *degree, *shift, &weighted_degree::run_weights(*degree))
            }
            StringKernel::Subsequence { k, lambda, .. } => subsequence::subsequence(x, y, *k, *lambda),
        }
    }

    /// The feature ids of `seq` under a kernel with an explicit sparse map.
    fn features(&self, seq: &[u8], out: &mut Vec<u64>) {
        match self {
            StringKernel::Spectrum { k, .. } => spectrum::spectrum_features(seq, *k, out),
            StringKernel::Mismatch { k, m, alphabet, .. } => spectrum::mismatch_features(seq, *k, *m, alphabet, out),
            _ => unreachable!("no explicit feature map"),
        }
    }

    fn has_feature_map(&self) -> bool {
        matches!(self, StringKernel::Spectrum { .. } | StringKernel::Mismatch { .. })
    }

    fn feature_rows(&self, s: &Sequences, par: Par) -> Arc<FeatureRows> {
        s.memo.features(self, s.len(), par, |i, out| self.features(s.get(i), out))
    }

    /// `k(x, x)` of every string, unnormalised.
    fn self_similarities(&self, s: &Sequences, par: Par) -> Arc<Vec<f64>> {
        s.memo.self_similarities(self, s.len(), par, |i| self.raw(s.get(i), s.get(i)))
    }

    fn pair(&self, x: &[u8], y: &[u8], b: &[f64]) -> f64 {
        match self {
            StringKernel::WeightedDegree { degree, shift, .. } => {
                weighted_degree::weighted_degree(x, y, *degree, *shift, b)
            }
            StringKernel::Subsequence { k, lambda, .. } => subsequence::subsequence(x, y, *k, *lambda),
            _ => unreachable!("feature-map kernels are computed from their features"),
        }
    }
}

impl fmt::Display for StringKernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StringKernel::Spectrum { k, .. } => write!(f, "spectrum(k={k})"),
            StringKernel::Mismatch { k, m, alphabet, .. } => {
                write!(f, "mismatch(k={k}, m={m}, alphabet={})", String::from_utf8_lossy(alphabet))
            }
            StringKernel::WeightedDegree { degree, shift, .. } => write!(f, "wd(degree={degree}, shift={shift})"),
            StringKernel::Subsequence { k, lambda, .. } => write!(f, "ssk(k={k}, lambda={lambda})"),
        }?;
        if !self.normalized() {
            write!(f, " unnormalised")?;
        }
        Ok(())
    }
}

impl Kernel<Sequences> for StringKernel {
    fn eval(&self, a: &Sequences, i: usize, b: &Sequences, j: usize) -> f64 {
        let k = self.raw(a.get(i), b.get(j));
        if self.normalized() { cosine(k, self.raw(a.get(i), a.get(i)), self.raw(b.get(j), b.get(j))) } else { k }
    }

    fn block(&self, a: &Sequences, rows: &[usize], b: &Sequences, cols: &[usize], out: MatMut<'_, f64>, par: Par) {
        let symmetric = std::ptr::eq(a, b) && rows == cols;
        if self.has_feature_map() {
            let (fa, fb) = (self.feature_rows(a, par), self.feature_rows(b, par));
            return feature_block(&fa, rows, &fb, cols, self.normalized(), symmetric, out, par);
        }
        let diagonals = self.normalized().then(|| (self.self_similarities(a, par), self.self_similarities(b, par)));
        let weights = match self {
            StringKernel::WeightedDegree { degree, .. } => weighted_degree::run_weights(*degree),
            _ => Vec::new(),
        };
        let k = |i: usize, j: usize| self.pair(a.get(i), b.get(j), &weights);
        pairwise_block(
            rows,
            cols,
            diagonals.as_ref().map(|(x, y)| (x.as_slice(), y.as_slice())),
            symmetric,
            out,
            par,
            k,
        );
    }

    fn diagonal(&self, a: &Sequences, rows: &[usize], out: &mut [f64]) {
        if self.has_feature_map() {
            let f = self.feature_rows(a, Par::Seq);
            diagonal_of(rows.iter().map(|&i| f.sq_norm(i)), self.normalized(), out);
        } else {
            let d = self.self_similarities(a, Par::Seq);
            diagonal_of(rows.iter().map(|&i| d[i]), self.normalized(), out);
        }
    }
}
