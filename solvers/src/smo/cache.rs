//! An LRU cache of rows of `Q` bounded in bytes (LIBSVM's `Cache`).
//!
//! Rows are stored in f32, as LIBSVM stores its `Qfloat`s: twice the rows for
//! the same memory, and the same rounding as LIBSVM's solver sees. A row is
//! kept in the variables' current (shrinking-permuted) order and holds a
//! prefix: the columns of the active set it was asked for. Shrunk rows are
//! short, so more of them fit, and a row asked for more columns later (after
//! an un-shrink) computes only the missing tail.

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
        }
    }

    /// Row `s` grown to at least `len` columns (evicting least recently used
    /// rows to make room, never `s` itself), and the first column that still
    /// has to be computed: `len` when the cached prefix already covers it.
    pub(crate) fn get_data(&mut self, s: usize, len: usize) -> (&mut [f32], usize) {
        let held = self.rows[s].len();
        if held > 0 {
            self.unlink(s);
        }
        let start = held.min(len);
        if held < len {
            let more = len - held;
            while self.used + more > self.budget && self.tail != NONE {
                let victim = self.tail;
                self.unlink(victim);
                self.used -= self.rows[victim].len();
                self.rows[victim] = Vec::new();
            }
            self.rows[s].resize(len, 0.0);
            self.used += more;
        }
        self.link_front(s);
        (&mut self.rows[s][..len], start)
    }

    /// Variables `s` and `t` trade places: their rows, and their columns in
    /// every cached row. A row holding one of the two columns but not the
    /// other is dropped.
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
        // Relinked in LIBSVM's order: the row now at `t` ends most recent.
        if held_t {
            self.link_front(s);
        }
        if held_s {
            self.link_front(t);
        }
        let mut h = self.head;
        while h != NONE {
            let next = self.next[h];
            let row = &mut self.rows[h];
            if row.len() > t {
                row.swap(s, t);
            } else if row.len() > s {
                self.unlink(h);
                self.used -= self.rows[h].len();
                self.rows[h] = Vec::new();
            }
            h = next;
        }
    }

    fn unlink(&mut self, i: usize) {
        let (p, q) = (self.prev[i], self.next[i]);
        if p != NONE {
            self.next[p] = q;
        } else {
            self.head = q;
        }
        if q != NONE {
            self.prev[q] = p;
        } else {
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
    fn n_rows(&self) -> usize {
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
}
