//! Shrinking: variables at a bound whose gradient says they will stay there
//! leave the active set, so that rows and gradient updates cover fewer
//! variables. Once the violation is within 10 · tol, the active set is
//! restored once (un-shrink) and the gradient of the shrunk variables rebuilt.

use super::Variant;
use super::solver::{Bound, Solver};

impl Solver<'_> {
    /// The maximal violations over the active set: for the standard variant
    /// `[m_up, m_low, _, _]`; for ν, per class `[m_up+, m_low+, m_low−, m_up−]`
    /// (LIBSVM's Gmax1..Gmax4).
    fn violations(&self) -> [f64; 4] {
        let mut m = [f64::NEG_INFINITY; 4];
        for t in 0..self.active_size {
            let (g, pos) = (self.g[t], self.y[t] > 0.0);
            match self.variant {
                Variant::Standard => {
                    if !self.is_upper(t) {
                        let k = usize::from(!pos);
                        m[k] = m[k].max(-g);
                    }
                    if !self.is_lower(t) {
                        let k = usize::from(pos);
                        m[k] = m[k].max(g);
                    }
                }
                Variant::Nu => {
                    if !self.is_upper(t) {
                        let k = if pos { 0 } else { 3 };
                        m[k] = m[k].max(-g);
                    }
                    if !self.is_lower(t) {
                        let k = if pos { 1 } else { 2 };
                        m[k] = m[k].max(g);
                    }
                }
            }
        }
        m
    }

    /// Whether variable `t` is at a bound it will not leave.
    fn be_shrunk(&self, t: usize, m: &[f64; 4]) -> bool {
        let (g, pos) = (self.g[t], self.y[t] > 0.0);
        match (self.status[t], self.variant) {
            (Bound::Upper, Variant::Standard) => -g > if pos { m[0] } else { m[1] },
            (Bound::Lower, Variant::Standard) => g > if pos { m[1] } else { m[0] },
            (Bound::Upper, Variant::Nu) => -g > if pos { m[0] } else { m[3] },
            (Bound::Lower, Variant::Nu) => g > if pos { m[1] } else { m[2] },
            (Bound::Free, _) => false,
        }
    }

    pub(super) fn do_shrinking(&mut self) {
        let m = self.violations();
        let gap = match self.variant {
            Variant::Standard => m[0] + m[1],
            Variant::Nu => (m[0] + m[1]).max(m[2] + m[3]),
        };
        if !self.unshrunk && gap <= 10.0 * self.tol {
            self.unshrunk = true;
            self.unshrink_all();
        }
        let mut t = 0;
        while t < self.active_size {
            if self.be_shrunk(t, &m) {
                self.active_size -= 1;
                while self.active_size > t {
                    if !self.be_shrunk(self.active_size, &m) {
                        self.swap_index(t, self.active_size);
                        break;
                    }
                    self.active_size -= 1;
                }
            }
            t += 1;
        }
    }

    /// Makes every variable active again, with its gradient rebuilt.
    pub(super) fn unshrink_all(&mut self) {
        if self.active_size < self.l() {
            self.reconstruct_gradient();
            self.active_size = self.l();
        }
    }

    /// Rebuilds `G` for the inactive variables from `G_bar` and the free ones.
    fn reconstruct_gradient(&mut self) {
        let l = self.l();
        let n = self.active_size;
        for t in n..l {
            self.g[t] = self.g_bar[t] + self.p[t];
        }
        let n_free = (0..n).filter(|&t| self.status[t] == Bound::Free).count();
        let mut row = std::mem::take(&mut self.qi);
        // Whichever side needs fewer kernel entries: rows of the inactive
        // variables over the active set, or rows of the free ones over all.
        if n_free * l > 2 * n * (l - n) {
            for t in n..l {
                self.q.row(t, n, &mut row);
                let extra: f64 =
                    (0..n).filter(|&s| self.status[s] == Bound::Free).map(|s| self.alpha[s] * row[s]).sum();
                self.g[t] += extra;
            }
        } else {
            for s in 0..n {
                if self.status[s] == Bound::Free {
                    self.q.row(s, l, &mut row);
                    let a = self.alpha[s];
                    for t in n..l {
                        self.g[t] += a * row[t];
                    }
                }
            }
        }
        self.qi = row;
    }
}
