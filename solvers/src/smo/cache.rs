//! An LRU cache of kernel rows bounded in bytes (LIBSVM's `Cache`).
//!
//! Rows are stored in f32, as LIBSVM stores its `Qfloat`s: twice the rows for
//! the same memory, and the same rounding as LIBSVM's solver sees. A row is
//! kept in the samples' original order, with the columns valid for the active
//! set it was computed for: active sets only shrink between two un-shrinks,
//! so a row of the current generation covers every later request of it.

const NONE: usize = usize::MAX;

struct Entry {
    data: Vec<f32>,
    /// Computed for every column (valid in any generation).
    complete: bool,
    /// The active-set generation the row was computed in.
    generation: u32,
}

/// Kernel rows `K[i, ·]` of `n` samples, at most `capacity` of them.
pub(crate) struct RowCache {
    entries: Vec<Option<Entry>>,
    prev: Vec<usize>,
    next: Vec<usize>,
    /// Most recently used row, or NONE.
    head: usize,
    /// Least recently used row, or NONE.
    tail: usize,
    len: usize,
    capacity: usize,
    generation: u32,
}

impl RowCache {
    /// A cache for rows of `n` samples within `bytes` (at least two rows).
    pub(crate) fn new(n: usize, bytes: usize) -> Self {
        let row_bytes = (n * std::mem::size_of::<f32>()).max(1);
        let capacity = (bytes / row_bytes).clamp(2, n.max(2));
        Self {
            entries: (0..n).map(|_| None).collect(),
            prev: vec![NONE; n],
            next: vec![NONE; n],
            head: NONE,
            tail: NONE,
            len: 0,
            capacity,
            generation: 0,
        }
    }

    /// Rows computed for a partial active set become stale (after an un-shrink).
    pub(crate) fn new_generation(&mut self) {
        self.generation += 1;
    }

    /// Row `i` if it is cached and covers the columns asked for: every column
    /// when `need_complete`, else the current active set.
    pub(crate) fn get(&mut self, i: usize, need_complete: bool) -> Option<&[f32]> {
        let valid =
            matches!(&self.entries[i], Some(e) if e.complete || (!need_complete && e.generation == self.generation));
        if !valid {
            return None;
        }
        self.touch(i);
        self.entries[i].as_ref().map(|e| e.data.as_slice())
    }

    /// A buffer for row `i` to be filled by the caller (evicting the least
    /// recently used row if the cache is full), marked valid for the current
    /// generation, and complete if `complete`.
    pub(crate) fn insert(&mut self, i: usize, complete: bool) -> &mut [f32] {
        let n = self.entries.len();
        let mut data = match self.entries[i].take() {
            Some(e) => {
                self.unlink(i);
                e.data
            }
            None if self.len < self.capacity => vec![0.0; n],
            None => {
                let victim = self.tail;
                self.unlink(victim);
                self.entries[victim].take().expect("linked rows are present").data
            }
        };
        data.resize(n, 0.0);
        self.entries[i] = Some(Entry { data, complete, generation: self.generation });
        self.link_front(i);
        &mut self.entries[i].as_mut().expect("just inserted").data
    }

    fn touch(&mut self, i: usize) {
        if self.head != i {
            self.unlink(i);
            self.link_front(i);
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
        self.len -= 1;
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
        self.len += 1;
    }

    /// Number of rows held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::RowCache;

    #[test]
    fn evicts_the_least_recently_used_row_within_its_budget() {
        let mut cache = RowCache::new(10, 3 * 10 * 4);
        for i in 0..3 {
            cache.insert(i, true)[0] = i as f32;
        }
        assert!(cache.get(0, true).is_some()); // 0 is now the most recent; 1 the least
        cache.insert(5, true)[0] = 5.0;
        assert_eq!(cache.len(), 3);
        assert!(cache.get(1, true).is_none());
        assert_eq!(cache.get(0, true).unwrap()[0], 0.0);
        assert_eq!(cache.get(5, true).unwrap()[0], 5.0);
    }

    #[test]
    fn partial_rows_serve_only_partial_requests_of_their_generation() {
        let mut cache = RowCache::new(4, 1 << 20);
        cache.insert(0, false);
        cache.insert(1, true);
        assert!(cache.get(0, false).is_some());
        assert!(cache.get(0, true).is_none(), "a partial row cannot serve a full request");
        cache.new_generation();
        assert!(cache.get(0, false).is_none());
        assert!(cache.get(1, true).is_some());
    }
}
