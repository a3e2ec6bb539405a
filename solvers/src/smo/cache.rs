//! An LRU cache of rows of `Q` bounded in bytes (LIBSVM's `Cache`).
//!
//! Rows are stored in f32, as LIBSVM stores its `Qfloat`s: twice the rows for
//! the same memory, and the same rounding as LIBSVM's solver sees. A row is
//! kept in the variables' current (shrinking-permuted) order and holds a
//! prefix: the columns of the active set it was asked for. Shrunk rows are
//! short, so more of them fit, and a row asked for more columns later (after
//! an un-shrink) computes only the missing tail.
//!
//! A shrinking pass swaps many variables in a row. Each swap moves two rows
//! at once, but its column swap is only logged: a row takes the swaps logged
//! since it was last read when it is next read, while it is in the CPU's
//! cache. Rows that are never read again (most of them, once the active set
//! has shrunk) never pay for the swaps at all, where LIBSVM's way visits
//! every cached row at every swap. The rows read end up the same.

const NONE: usize = usize::MAX;

/// Rows `Q[s, 0..len_s]` of `l` variables within a budget of f32 elements.
pub(crate) struct RowCache {
    rows: Vec<Vec<f32>>,
    prev: Vec<usize>,
    next: Vec<usize>,
    /// Most recently used row, or NONE.
    head: usize,
    /// Least recently used row, or NONE.
    tail: usize,
    /// Elements held by all rows.
    used: usize,
    budget: usize,
    /// Column swaps `(s, t)`, `s < t`, in the order they happened.
    log: Vec<(usize, usize)>,
    /// Per row, how much of the log its columns have taken.
    synced: Vec<usize>,
}

impl RowCache {
    /// A cache for rows of `l` variables within `bytes` (at least two full rows).
    pub(crate) fn new(l: usize, bytes: usize) -> Self {
        let budget = (bytes / std::mem::size_of::<f32>()).max(2 * l);
        Self {
            rows: (0..l).map(|_| Vec::new()).collect(),
            prev: vec![NONE; l],
            next: vec![NONE; l],
            head: NONE,
            tail: NONE,
            used: 0,
            budget,
            log: Vec::new(),
            synced: vec![0; l],
        }
    }

    /// Row `s` grown to at least `len` columns (evicting least recently used
    /// rows to make room, never `s` itself), and the first column that still
    /// has to be computed: `len` when the cached prefix already covers it.
    pub(crate) fn get_data(&mut self, s: usize, len: usize) -> (&mut [f32], usize) {
        self.sync(s);
        let held = self.rows[s].len();
        if held > 0 {
            self.unlink(s);
        }
        let start = held.min(len);
        if held < len {
            let more = len - held;
            while self.used + more > self.budget && self.tail != NONE {
                let victim = self.tail;
                self.drop_row(victim);
            }
            // Exactly: a doubling reserve would hold up to twice the budget.
            self.rows[s].reserve_exact(more);
            self.rows[s].resize(len, 0.0);
            self.used += more;
        }
        self.link_front(s);
        (&mut self.rows[s][..len], start)
    }

    /// Row `s` as held, without touching its recency: for reading a row
    /// that [`RowCache::get_data`] has just brought in.
    pub(crate) fn peek(&self, s: usize) -> &[f32] {
        debug_assert!(self.synced[s] == self.log.len(), "row not synced");
        &self.rows[s]
    }

    /// Whether row `s` holds at least `len` columns (after the logged swaps).
    pub(crate) fn holds(&mut self, s: usize, len: usize) -> bool {
        self.sync(s);
        self.rows[s].len() >= len
    }

    /// Variables `s` and `t` trade places: their rows now, and their columns
    /// in every cached row when that row is next read.
    pub(crate) fn swap_index(&mut self, s: usize, t: usize) {
        if s == t {
            return;
        }
        let (s, t) = (s.min(t), s.max(t));
        let (held_s, held_t) = (!self.rows[s].is_empty(), !self.rows[t].is_empty());
        if held_s {
            self.unlink(s);
        }
        if held_t {
            self.unlink(t);
        }
        self.rows.swap(s, t);
        self.synced.swap(s, t);
        // Relinked in LIBSVM's order: the row now at `t` ends most recent.
        if held_t {
            self.link_front(s);
        }
        if held_s {
            self.link_front(t);
        }
        self.log.push((s, t));
        // Keep the log bounded: past a few swaps per variable, bring every
        // held row up to date and start it afresh.
        if self.log.len() > 4 * self.rows.len() + 64 {
            let mut h = self.head;
            while h != NONE {
                let next = self.next[h];
                self.sync(h);
                h = next;
            }
            self.log.clear();
            self.synced.iter_mut().for_each(|p| *p = 0);
        }
    }

    /// Applies the swaps logged since row `s` was last synced to its columns;
    /// a row holding one of two swapped columns but not the other is dropped.
    fn sync(&mut self, s: usize) {
        let from = std::mem::replace(&mut self.synced[s], self.log.len());
        let row = &mut self.rows[s];
        let len = row.len();
        if len == 0 {
            return;
        }
        for &(a, b) in &self.log[from..] {
            if len > b {
                row.swap(a, b);
            } else if len > a {
                self.drop_row(s);
                return;
            }
        }
    }

    fn drop_row(&mut self, s: usize) {
        self.unlink(s);
        self.used -= self.rows[s].len();
        self.rows[s] = Vec::new();
    }

    fn unlink(&mut self, i: usize) {
        let (p, q) = (self.prev[i], self.next[i]);
        if p != NONE {
            self.next[p] = q;
        } else if self.head == i {
            self.head = q;
        }
        if q != NONE {
            self.prev[q] = p;
        } else if self.tail == i {
            self.tail = p;
        }
        self.prev[i] = NONE;
        self.next[i] = NONE;
    }

    fn link_front(&mut self, i: usize) {
        self.prev[i] = NONE;
        self.next[i] = self.head;
        if self.head != NONE {
            self.prev[self.head] = i;
        }
        self.head = i;
        if self.tail == NONE {
            self.tail = i;
        }
    }

    /// Number of rows held.
    #[cfg(test)]
    fn n_rows(&mut self) -> usize {
        (0..self.rows.len()).for_each(|s| self.sync(s));
        self.rows.iter().filter(|r| !r.is_empty()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::RowCache;

    #[test]
    fn evicts_the_least_recently_used_row_within_its_budget() {
        let mut cache = RowCache::new(10, 3 * 10 * 4);
        for s in 0..3 {
            let (row, start) = cache.get_data(s, 10);
            assert_eq!(start, 0);
            row[0] = s as f32;
        }
        assert_eq!(cache.get_data(0, 10).1, 10, "row 0 is cached; 1 is now the least recent");
        cache.get_data(5, 10).0[0] = 5.0;
        assert_eq!(cache.n_rows(), 3);
        assert_eq!(cache.get_data(1, 10).1, 0, "row 1 was evicted");
        assert_eq!(cache.get_data(5, 10).0[0], 5.0);
    }

    #[test]
    fn short_rows_grow_by_their_missing_tail() {
        let mut cache = RowCache::new(8, 1 << 20);
        assert_eq!(cache.get_data(2, 4).1, 0);
        assert_eq!(cache.get_data(2, 3).1, 3, "a prefix serves shorter requests");
        assert_eq!(cache.get_data(2, 8).1, 4, "only columns 4.. are missing");
        assert_eq!(cache.used, 8);
    }

    #[test]
    fn swapping_moves_rows_and_columns_and_drops_rows_too_short() {
        let mut cache = RowCache::new(6, 1 << 20);
        cache.get_data(0, 6).0.copy_from_slice(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        cache.get_data(4, 3).0.copy_from_slice(&[40.0, 41.0, 42.0]);
        cache.get_data(5, 6).0.copy_from_slice(&[50.0, 51.0, 52.0, 53.0, 54.0, 55.0]);
        cache.swap_index(1, 4);
        // Row 0 (all columns) has columns 1 and 4 swapped; the row of variable
        // 4 is now the row of 1, but holds column 1 and not 4: dropped.
        assert_eq!(cache.get_data(0, 6), (&mut [0.0, 4.0, 2.0, 3.0, 1.0, 5.0][..], 6));
        assert_eq!(cache.get_data(1, 3).1, 0);
        assert_eq!(cache.get_data(5, 6).0, &[50.0, 54.0, 52.0, 53.0, 51.0, 55.0]);
    }

    #[test]
    fn deferred_swaps_leave_every_row_as_swapping_a_full_matrix_does() {
        // Q[i][j] = 100 i + j, rows cached with assorted prefixes; then a
        // shrinking-like run of swaps, checked against permuting Q itself.
        let l = 12;
        let mut q: Vec<Vec<f32>> = (0..l).map(|i| (0..l).map(|j| (100 * i + j) as f32).collect()).collect();
        let mut cache = RowCache::new(l, 1 << 20);
        let lens = [12, 9, 12, 4, 12, 7, 12, 12, 2, 12, 11, 12];
        for (i, &len) in lens.iter().enumerate() {
            cache.get_data(i, len).0.copy_from_slice(&q[i][..len]);
        }
        let mut held: Vec<Option<usize>> = lens.iter().map(|&len| Some(len)).collect();
        for (s, t) in [(0, 11), (3, 10), (5, 9), (1, 8), (2, 7), (5, 6), (0, 3)] {
            cache.swap_index(s, t);
            q.swap(s, t);
            q.iter_mut().for_each(|row| row.swap(s, t));
            held.swap(s, t);
            // A prefix that covers one column and not the other is gone.
            held.iter_mut().for_each(|h| {
                if h.is_some_and(|len| len > s && len <= t) {
                    *h = None;
                }
            });
        }
        for i in 0..l {
            let (row, start) = cache.get_data(i, l);
            match held[i] {
                Some(len) => {
                    assert_eq!(start, len, "row {i}");
                    assert_eq!(&row[..len], &q[i][..len], "row {i}");
                }
                None => assert_eq!(start, 0, "row {i} was dropped"),
            }
        }
    }
}
