//! A collection of byte strings (DNA, protein, text), stored end to end.

use serde::{Deserialize, Serialize};

use crate::kernel::Samples;
use crate::structured::Memo;

/// Byte strings, one per sample, with a memo of what kernels derive from
/// them (k-mer spectra, self-similarities).
///
/// ```
/// use kern_kernels::Sequences;
/// let s = Sequences::new(["ACGT", "GATTACA"]);
/// assert_eq!(s.get(1), b"GATTACA");
/// assert_eq!(s.select(&[1, 1]).len(), 2);
/// ```
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(try_from = "SequencesRepr", into = "SequencesRepr")]
pub struct Sequences {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    pub(crate) memo: Memo,
}

impl Sequences {
    /// The strings of `items`, in order.
    pub fn new<T: AsRef<[u8]>>(items: impl IntoIterator<Item = T>) -> Self {
        let mut s = Self::default();
        for item in items {
            s.push(item.as_ref());
        }
        s
    }

    /// Appends one string.
    pub fn push(&mut self, seq: &[u8]) {
        self.bytes.extend_from_slice(seq);
        self.ends.push(self.bytes.len());
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        Samples::len(self)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        Samples::len(self) == 0
    }

    /// The `i`-th string.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// The strings at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Self {
        Self::new(rows.iter().map(|&i| self.get(i)))
    }

    /// Every string, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.ends.len()).map(|i| self.get(i))
    }

    /// The distinct bytes of all strings, ascending (a mismatch kernel's
    /// alphabet when none is given).
    pub fn alphabet(&self) -> Vec<u8> {
        let mut seen = [false; 256];
        self.bytes.iter().for_each(|&b| seen[b as usize] = true);
        (0..=255u8).filter(|&b| seen[b as usize]).collect()
    }
}

impl Samples for Sequences {
    fn len(&self) -> usize {
        self.ends.len()
    }
}

impl PartialEq for Sequences {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes && self.ends == other.ends
    }
}

/// The stored form, checked on reading (a model file may be corrupt).
#[derive(Serialize, Deserialize)]
struct SequencesRepr {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl TryFrom<SequencesRepr> for Sequences {
    type Error = String;
    fn try_from(r: SequencesRepr) -> Result<Self, String> {
        let ascending = r.ends.windows(2).all(|w| w[0] <= w[1]);
        if !ascending
            || r.ends.last().is_some_and(|&e| e != r.bytes.len())
            || (r.ends.is_empty() && !r.bytes.is_empty())
        {
            return Err("sequence boundaries are inconsistent".into());
        }
        Ok(Self { bytes: r.bytes, ends: r.ends, memo: Memo::default() })
    }
}

impl From<Sequences> for SequencesRepr {
    fn from(s: Sequences) -> Self {
        Self { bytes: s.bytes, ends: s.ends }
    }
}
