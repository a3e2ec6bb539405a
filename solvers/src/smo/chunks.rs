//! The solver's O(n) loops (selection, gradient update, row gathers) split
//! into fixed chunks run in parallel. Chunk bounds never depend on the thread
//! count and partial results are combined in chunk order, so every result is
//! the one the sequential loop gives.

use std::ops::Range;

use kern_kernels::Par;
use rayon::prelude::*;

/// Variables per chunk.
const CHUNK: usize = 8192;

/// Variables below which no loop splits (fewer than two chunks).
pub(crate) const PARALLEL_LEN: usize = 2 * CHUNK;

/// `f` over consecutive ranges covering `0..len`, each result handed to
/// `take` in order (sequentially without allocating, in parallel when asked
/// for and there are at least [`PARALLEL_LEN`] variables).
pub(crate) fn map_ranges<R: Send>(par: Par, len: usize, f: impl Fn(Range<usize>) -> R + Sync, take: impl FnMut(R)) {
    let range = |c: usize| c * CHUNK..((c + 1) * CHUNK).min(len);
    let n_chunks = len.div_ceil(CHUNK);
    if matches!(par, Par::Seq) || len < PARALLEL_LEN {
        (0..n_chunks).map(range).map(f).for_each(take);
    } else {
        let results: Vec<R> = (0..n_chunks).into_par_iter().map(|c| f(range(c))).collect();
        results.into_iter().for_each(take);
    }
}

/// `f(start, chunk)` over consecutive chunks of `out`.
pub(crate) fn for_each_chunk<T: Send>(par: Par, out: &mut [T], f: impl Fn(usize, &mut [T]) + Sync) {
    if matches!(par, Par::Seq) || out.len() < PARALLEL_LEN {
        out.chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| f(c * CHUNK, chunk));
    } else {
        out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| f(c * CHUNK, chunk));
    }
}
