//! The processes a fit's rows are shared among: each holds a share of the
//! samples, and a solver sums its partial products over all of them.
//!
//! Sums are formed in rank order from every process's part (an all-gather,
//! then additions in a fixed order), so every process holds the same bits
//! and a fit is deterministic for a given number of processes. Sums over
//! row blocks numbered across all processes ([`tree_sum`]) go further: they
//! are added along one binary tree over the block numbers, so they are the
//! same bits at any number of processes and threads, alone included. A
//! solver that runs alone uses [`Alone`], whose sums are the values
//! themselves.
//!
//! ```
//! use kern_solvers::collective::{Alone, Collective};
//! let mut v = vec![1.0, 2.0];
//! Alone.sum(&mut v);
//! assert_eq!(v, [1.0, 2.0]);
//! assert_eq!(Alone.sum_count(7), 7);
//! ```

use std::collections::HashMap;
use std::ops::Range;

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
        self.all_gather_counts(count as usize).iter().sum::<usize>() as u64
    }

    /// Every process's `count`, in rank order.
    fn all_gather_counts(&self, count: usize) -> Vec<usize> {
        let parts = self.all_gather_bytes(&(count as u64).to_le_bytes());
        parts.iter().map(|b| u64::from_le_bytes(b[..8].try_into().expect("8 bytes")) as usize).collect()
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

/// `Σ_b part(b)` over the blocks `0..total` numbered across all processes,
/// where this process holds `mine` (processes hold consecutive ranges, in
/// rank order, together `0..total`); each part has `len` values.
///
/// The parts are added along a fixed binary tree over the block numbers:
/// each process adds the largest subtrees inside its range (in parallel when
/// `parallel`), all exchange those subtrees' sums, and every process adds
/// the rest of the tree. A node's sum never depends on where, or on how many
/// threads, it was formed, so every process count gives the same bits.
///
/// ```
/// use kern_solvers::collective::{Alone, tree_sum};
/// let part = |b: usize| vec![b as f64, 1.0];
/// assert_eq!(tree_sum(&Alone, 0..4, 4, 2, false, &part), [6.0, 4.0]);
/// ```
pub fn tree_sum(
    collective: &dyn Collective,
    mine: Range<usize>,
    total: usize,
    len: usize,
    parallel: bool,
    part: &(dyn Fn(usize) -> Vec<f64> + Sync),
) -> Vec<f64> {
    if total == 0 {
        return vec![0.0; len];
    }
    if collective.size() == 1 {
        return subtree_sum(0, total, parallel, part);
    }
    let bytes = subtrees_posted(&mine, total, parallel, part);
    let mut formed: HashMap<(usize, usize), Vec<f64>> = HashMap::new();
    let record = 16 + 8 * len;
    for part in collective.all_gather_bytes(&bytes) {
        for node in part.chunks_exact(record) {
            let at = |k: usize| u64::from_le_bytes(node[k..k + 8].try_into().expect("8 bytes")) as usize;
            let values = node[16..].chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")));
            formed.insert((at(0), at(8)), values.collect());
        }
    }
    combine(0, total, &mut formed, len)
}

/// The largest subtrees inside `mine` and their sums, as bytes: each its
/// first and end block (u64) and its values.
fn subtrees_posted(
    mine: &Range<usize>,
    total: usize,
    parallel: bool,
    part: &(dyn Fn(usize) -> Vec<f64> + Sync),
) -> Vec<u8> {
    let mut nodes = Vec::new();
    subtrees_within(0, total, mine, &mut nodes);
    let mut bytes = Vec::new();
    for (lo, hi) in nodes {
        bytes.extend((lo as u64).to_le_bytes());
        bytes.extend((hi as u64).to_le_bytes());
        bytes.extend(subtree_sum(lo, hi, parallel, part).iter().flat_map(|v| v.to_le_bytes()));
    }
    bytes
}

/// Where the tree splits the blocks `lo..hi` (`hi - lo >= 2`).
fn split(lo: usize, hi: usize) -> usize {
    lo + (hi - lo) / 2
}

/// The sum of the parts of blocks `lo..hi`, along the tree.
fn subtree_sum(lo: usize, hi: usize, parallel: bool, part: &(dyn Fn(usize) -> Vec<f64> + Sync)) -> Vec<f64> {
    if hi - lo == 1 {
        return part(lo);
    }
    let mid = split(lo, hi);
    let (left, right) = if parallel {
        rayon::join(|| subtree_sum(lo, mid, true, part), || subtree_sum(mid, hi, true, part))
    } else {
        (subtree_sum(lo, mid, false, part), subtree_sum(mid, hi, false, part))
    };
    add(left, &right)
}

fn add(mut left: Vec<f64>, right: &[f64]) -> Vec<f64> {
    left.iter_mut().zip(right).for_each(|(l, r)| *l += r);
    left
}

/// The largest subtrees of `lo..hi` inside `mine`, left to right.
fn subtrees_within(lo: usize, hi: usize, mine: &Range<usize>, out: &mut Vec<(usize, usize)>) {
    if hi <= mine.start || lo >= mine.end {
        return;
    }
    if mine.start <= lo && hi <= mine.end {
        out.push((lo, hi));
        return;
    }
    let mid = split(lo, hi);
    subtrees_within(lo, mid, mine, out);
    subtrees_within(mid, hi, mine, out);
}

/// The sum of blocks `lo..hi` from the subtrees the processes formed.
fn combine(lo: usize, hi: usize, formed: &mut HashMap<(usize, usize), Vec<f64>>, len: usize) -> Vec<f64> {
    if let Some(values) = formed.remove(&(lo, hi)) {
        return values;
    }
    if hi - lo <= 1 {
        // Unreachable when the ranges cover the blocks; a missing leaf adds nothing.
        return vec![0.0; len];
    }
    let mid = split(lo, hi);
    let left = combine(lo, mid, formed, len);
    add(left, &combine(mid, hi, formed, len))
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

    /// Ranks that really gather: each contributes its bytes to a shared board.
    struct Board {
        parts: std::sync::Mutex<Vec<Vec<u8>>>,
    }

    struct OnBoard<'a> {
        board: &'a Board,
        rank: usize,
        size: usize,
    }

    impl Collective for OnBoard<'_> {
        fn rank(&self) -> usize {
            self.rank
        }
        fn size(&self) -> usize {
            self.size
        }
        fn all_gather_bytes(&self, local: &[u8]) -> Vec<Vec<u8>> {
            self.board.parts.lock().unwrap()[self.rank] = local.to_vec();
            self.board.parts.lock().unwrap().clone()
        }
        fn broadcast(&self, _values: &mut [f64], _root: usize) {}
    }

    #[test]
    fn tree_sums_are_the_same_bits_at_any_split_and_thread_count() {
        // Parts of very different sizes, so any change of order shows in the bits.
        let part = |b: usize| vec![(b as f64 * 0.37).sin() * 10f64.powi((b % 7) as i32 * 3), 1.0 / (b + 1) as f64];
        let total = 37;
        let alone = tree_sum(&Alone, 0..total, total, 2, false, &part);
        assert_eq!(alone, tree_sum(&Alone, 0..total, total, 2, true, &part));
        let sequential: Vec<f64> = (0..total).map(part).fold(vec![0.0; 2], |a, p| add(a, &p));
        assert!((alone[1] - sequential[1]).abs() <= 1e-14 * sequential[1].abs());
        for cuts in [vec![0, 20, 37], vec![0, 1, 2, 37], vec![0, 5, 5, 30, 37], vec![0, 9, 18, 27, 36, 37]] {
            let size = cuts.len() - 1;
            let board = Board { parts: std::sync::Mutex::new(vec![Vec::new(); size]) };
            // Every rank posts before any combines: post all, then combine each.
            for rank in 0..size {
                let c = OnBoard { board: &board, rank, size };
                let _ = c.all_gather_bytes(&subtrees_posted(&(cuts[rank]..cuts[rank + 1]), total, false, &part));
            }
            for rank in 0..size {
                let mine = cuts[rank]..cuts[rank + 1];
                let c = OnBoard { board: &board, rank, size };
                assert_eq!(tree_sum(&c, mine, total, 2, rank % 2 == 0, &part), alone, "cuts {cuts:?}");
            }
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
