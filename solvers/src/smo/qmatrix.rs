//! The matrix `Q` of the dual problem, row by row, from a Gram provider.
//!
//! Variables may be permuted (shrinking moves active variables to the front)
//! and may map several to one sample (ε-SVR has two per sample):
//! `Q[s, t] = sign[s] · sign[t] · K[sample[s], sample[t]]`. Rows are cached
//! in the variables' current order, so reading one is a straight copy.
//! Kernel rows cover the problem's own samples only (a one-vs-one pair is a
//! fraction of the data), indexed locally.

use faer::MatMut;
use kern_kernels::{ColumnView, GramProvider, Par};

use super::cache::RowCache;
use super::chunks::for_each_chunk;

pub(crate) struct QMatrix<'a> {
    gram: &'a dyn GramProvider,
    /// The problem's distinct samples, ascending: local index `m` is `members[m]`.
    members: Vec<usize>,
    /// The local sample behind each (permuted) variable.
    local: Vec<usize>,
    /// ±1 per (permuted) variable.
    sign: Vec<f64>,
    /// `Q[s, s]`, permuted with the variables.
    diag: Vec<f64>,
    cache: RowCache,
    par: Par,
    /// Scratch for computing a kernel row (grown, never shrunk, so that the
    /// iterations allocate nothing once it holds a whole row).
    block: Vec<f64>,
    /// The distinct samples a kernel row is computed for, global and local.
    cols: Vec<usize>,
    cols_local: Vec<usize>,
    /// Where each local sample sits in `cols` when samples repeat (ε-SVR's
    /// twins share a slot).
    slot: Vec<usize>,
    /// Kernel rows over the active variables' samples, in their order.
    active: Active<'a>,
}

/// A provider's view of the columns of the first `len` variables
/// ([`GramProvider::columns`]): rows computed from a copy of just those
/// samples, in the variables' order.
enum Active<'a> {
    /// To be made when next needed (none yet, or the variables moved).
    Stale,
    /// The provider has none (or samples repeat), so never again.
    Unavailable,
    View(Box<dyn ColumnView + 'a>, usize),
}

impl<'a> QMatrix<'a> {
    /// `Q` for variables `(sample[s], sign[s])`, caching rows in `cache_bytes`.
    pub(crate) fn new(gram: &'a dyn GramProvider, sample: Vec<usize>, sign: Vec<f64>, cache_bytes: usize) -> Self {
        let (members, local) = distinct_samples(&sample);
        let mut k_diag = vec![0.0; members.len()];
        gram.diagonal(&members, &mut k_diag);
        let diag = local.iter().map(|&m| k_diag[m]).collect();
        let (n, l) = (members.len(), local.len());
        Self {
            gram,
            members,
            cache: RowCache::new(local.len(), cache_bytes),
            local,
            sign,
            diag,
            par: gram.row_par(n),
            block: Vec::new(),
            cols: Vec::new(),
            cols_local: Vec::new(),
            slot: if n < l { vec![usize::MAX; n] } else { Vec::new() },
            active: if n < l { Active::Unavailable } else { Active::Stale },
        }
    }

    /// `Q[s, s]` for every variable.
    pub(crate) fn diag(&self) -> &[f64] {
        &self.diag
    }

    /// Swaps variables `s` and `t` (a shrinking step).
    pub(crate) fn swap(&mut self, s: usize, t: usize) {
        self.local.swap(s, t);
        self.sign.swap(s, t);
        self.diag.swap(s, t);
        self.cache.swap_index(s, t);
        if let Active::View(..) = self.active {
            self.active = Active::Stale;
        }
    }

    /// Whether `Q[s, 0..len]` is in the cache (reading it computes nothing).
    pub(crate) fn is_cached(&mut self, s: usize, len: usize) -> bool {
        self.cache.holds(s, len)
    }

    /// `Q[s, 0..len]` as cached (in f32, LIBSVM's `Qfloat`), and the diagonal.
    pub(crate) fn row_f32(&mut self, s: usize, len: usize) -> (&[f32], &[f64]) {
        self.fetch(s, len);
        (&self.cache.peek(s)[..len], &self.diag)
    }

    /// Rows `Q[i, 0..len]` and `Q[j, 0..len]` together, as cached. The cache
    /// holds at least two full rows, and `i` is the most recent when `j` is
    /// brought in, so fetching `j` never evicts `i`.
    pub(crate) fn rows_f32(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]) {
        self.fetch(i, len);
        self.fetch(j, len);
        (&self.cache.peek(i)[..len], &self.cache.peek(j)[..len])
    }

    /// Brings `Q[s, 0..len]` into the cache, computing what it lacks.
    fn fetch(&mut self, s: usize, len: usize) -> &mut [f32] {
        let (row, start) = self.cache.get_data(s, len);
        if start == len {
            return row;
        }
        // A new view after the variables moved, or after unshrinking made
        // the active set longer than the view.
        let remake = match &self.active {
            Active::Stale => true,
            Active::View(_, covered) => len > *covered,
            Active::Unavailable => false,
        };
        if remake {
            let cols: Vec<usize> = self.local[..len].iter().map(|&m| self.members[m]).collect();
            self.active = self.gram.columns(&cols).map_or(Active::Unavailable, |v| Active::View(v, len));
        }
        let ids = (&self.members[..], &self.local[..], &self.sign[..]);
        match &self.active {
            Active::View(view, _) => view_tail(view.as_ref(), ids, s, start..len, &mut self.block, row),
            _ => compute_tail(
                self.gram,
                ids,
                s,
                start..len,
                (&mut self.block, &mut self.cols, &mut self.cols_local, &mut self.slot),
                row,
            ),
        }
        row
    }

    /// Writes `Q[s, 0..len]` into `out` (resized to `len`).
    pub(crate) fn row(&mut self, s: usize, len: usize, out: &mut Vec<f64>) {
        let par = self.par;
        let row = self.fetch(s, len);
        out.resize(len, 0.0);
        for_each_chunk(par, out, |start, chunk| {
            let q = &row[start..start + chunk.len()];
            chunk.iter_mut().zip(q).for_each(|(o, &q)| *o = f64::from(q));
        });
    }
}

/// The distinct samples behind the variables, ascending, and the index
/// among them of each variable's sample.
pub(crate) fn distinct_samples(sample: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut members = sample.to_vec();
    members.sort_unstable();
    members.dedup();
    let local = sample.iter().map(|s| members.binary_search(s).expect("a member")).collect();
    (members, local)
}

/// `row[t] = Q[s, t]` for `t` in `tail`, from `view`'s kernel row over the
/// active variables' samples.
fn view_tail(
    view: &dyn ColumnView,
    (members, local, sign): (&[usize], &[usize], &[f64]),
    s: usize,
    tail: std::ops::Range<usize>,
    block: &mut Vec<f64>,
    row: &mut [f32],
) {
    let k = scratch(block, tail.len());
    view.row(members[local[s]], tail.clone(), k);
    signed_row(row, sign, s, tail, k);
}

/// The first `len` values of `block`, grown to hold them.
fn scratch(block: &mut Vec<f64>, len: usize) -> &mut [f64] {
    if block.len() < len {
        block.resize(len, 0.0);
    }
    &mut block[..len]
}

/// `row[t] = sign[s] · sign[t] · k[t − tail.start]` in f32 for `t` in `tail`.
fn signed_row(row: &mut [f32], sign: &[f64], s: usize, tail: std::ops::Range<usize>, k: &[f64]) {
    let si = sign[s];
    // ±K rounded to f32 is exactly ±(K rounded to f32): LIBSVM's Qfloat.
    for ((q, &st), &k) in row[tail.clone()].iter_mut().zip(&sign[tail]).zip(k) {
        *q = (si * st * k) as f32;
    }
}

/// `row[t] = Q[s, t]` for `t` in `tail`, from one kernel row over the distinct
/// samples of those variables.
fn compute_tail(
    gram: &dyn GramProvider,
    (members, local, sign): (&[usize], &[usize], &[f64]),
    s: usize,
    tail: std::ops::Range<usize>,
    (block, cols, cols_local, slot): (&mut Vec<f64>, &mut Vec<usize>, &mut Vec<usize>, &mut [usize]),
    row: &mut [f32],
) {
    let repeats = members.len() < local.len();
    let cols: &[usize] = if repeats {
        cols_local.clear();
        for &j in &local[tail.clone()] {
            if slot[j] == usize::MAX {
                slot[j] = cols_local.len();
                cols_local.push(j);
            }
        }
        cols.clear();
        cols.extend(cols_local.iter().map(|&j| members[j]));
        cols
    } else if members.len() == gram.n() {
        // Every sample is a member (`members[m] = m`): the variables'
        // samples are the columns, read in place.
        &local[tail.clone()]
    } else {
        cols.clear();
        cols.extend(local[tail.clone()].iter().map(|&j| members[j]));
        cols
    };
    let k = scratch(block, cols.len());
    gram.block(&[members[local[s]]], cols, MatMut::from_row_major_slice_mut(k, 1, cols.len()));
    let k = &*k;
    if repeats {
        for t in tail {
            row[t] = (sign[s] * sign[t] * k[slot[local[t]]]) as f32;
        }
        cols_local.iter().for_each(|&j| slot[j] = usize::MAX);
    } else {
        signed_row(row, sign, s, tail, k);
    }
}
