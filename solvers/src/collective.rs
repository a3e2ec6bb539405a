//! The processes a fit's rows are shared among: each holds a share of the
//! samples, and a solver sums its partial products over all of them.
//!
//! Sums are formed in rank order from every process's part (an all-gather,
//! then additions in a fixed order), so every process holds the same bits
//! and a fit is deterministic for a given number of processes. A solver
//! that runs alone uses [`Alone`], whose sums are the values themselves.
//!
//! ```
//! use kern_solvers::collective::{Alone, Collective};
//! let mut v = vec![1.0, 2.0];
//! Alone.sum(&mut v);
//! assert_eq!(v, [1.0, 2.0]);
//! assert_eq!(Alone.sum_count(7), 7);
//! ```

use faer::Mat;

/// The processes of one fit; implemented over MPI by the `kern` crate's
/// `dist` layer.
pub trait Collective {
    /// This process's number, `0..size()`.
    fn rank(&self) -> usize;

    /// How many processes share the fit.
    fn size(&self) -> usize;

    /// Every process's `local` bytes, in rank order.
    fn all_gather_bytes(&self, local: &[u8]) -> Vec<Vec<u8>>;

    /// `values` as held by `root`, on every process (the lengths agree).
    fn broadcast(&self, values: &mut [f64], root: usize);

    /// `values ← Σ_processes values`, added in rank order.
    fn sum(&self, values: &mut [f64]) {
        self.reduce(values, |a, b| a + b);
    }

    /// `values ← op(…op(op(values₀, values₁), values₂)…)` element by
    /// element over the processes in rank order (`f64::min`, `f64::max`, `+`).
    fn reduce(&self, values: &mut [f64], op: fn(f64, f64) -> f64) {
        if self.size() == 1 {
            return;
        }
        for (rank, part) in self.all_gather_f64(values).iter().enumerate() {
            for (v, &theirs) in values.iter_mut().zip(part) {
                *v = if rank == 0 { theirs } else { op(*v, theirs) };
            }
        }
    }

    /// Every process's `local` numbers, in rank order.
    fn all_gather_f64(&self, local: &[f64]) -> Vec<Vec<f64>> {
        let bytes: Vec<u8> = local.iter().flat_map(|v| v.to_le_bytes()).collect();
        let parts = self.all_gather_bytes(&bytes);
        let numbers =
            |b: &[u8]| b.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
        parts.iter().map(|b| numbers(b)).collect()
    }

    /// `Σ_processes count`.
    fn sum_count(&self, count: u64) -> u64 {
        if self.size() == 1 {
            return count;
        }
        self.all_gather_bytes(&count.to_le_bytes())
            .iter()
            .map(|b| u64::from_le_bytes(b[..8].try_into().expect("8 bytes")))
            .sum()
    }

    /// Whether every process says `ok` (all must call it).
    fn all_ok(&self, ok: bool) -> bool {
        if self.size() == 1 {
            return ok;
        }
        self.all_gather_bytes(&[u8::from(ok)]).iter().all(|b| b == &[1])
    }
}

/// `a ← Σ_processes a`, one collective for the whole matrix.
pub fn sum_matrix(collective: &dyn Collective, a: &mut Mat<f64>) {
    if collective.size() == 1 {
        return;
    }
    let (rows, cols) = (a.nrows(), a.ncols());
    let mut values: Vec<f64> = (0..cols).flat_map(|j| a.col_as_slice(j).to_vec()).collect();
    collective.sum(&mut values);
    for j in 0..cols {
        a.col_as_slice_mut(j).copy_from_slice(&values[j * rows..(j + 1) * rows]);
    }
}

/// One process alone: every collective is the identity.
#[derive(Clone, Copy, Debug, Default)]
pub struct Alone;

impl Collective for Alone {
    fn rank(&self) -> usize {
        0
    }

    fn size(&self) -> usize {
        1
    }

    fn all_gather_bytes(&self, local: &[u8]) -> Vec<Vec<u8>> {
        vec![local.to_vec()]
    }

    fn broadcast(&self, _values: &mut [f64], _root: usize) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three processes simulated in one: each "rank" sees the same gathered parts.
    struct Simulated {
        parts: Vec<Vec<f64>>,
        rank: usize,
    }

    impl Collective for Simulated {
        fn rank(&self) -> usize {
            self.rank
        }
        fn size(&self) -> usize {
            self.parts.len()
        }
        fn all_gather_bytes(&self, _local: &[u8]) -> Vec<Vec<u8>> {
            self.parts.iter().map(|p| p.iter().flat_map(|v| v.to_le_bytes()).collect()).collect()
        }
        fn broadcast(&self, values: &mut [f64], root: usize) {
            values.copy_from_slice(&self.parts[root]);
        }
    }

    #[test]
    fn sums_are_added_in_rank_order_on_every_rank() {
        // 1e16 + 1 − 1e16 depends on the order: rank order gives 0 + 1 rounding away.
        let parts = vec![vec![1e16, 1.0], vec![1.0, 2.0], vec![-1e16, 3.0]];
        let expected = [(1e16 + 1.0) + -1e16, 6.0];
        for rank in 0..3 {
            let c = Simulated { parts: parts.clone(), rank };
            let mut v = parts[rank].clone();
            c.sum(&mut v);
            assert_eq!(v, expected);
        }
    }
}
