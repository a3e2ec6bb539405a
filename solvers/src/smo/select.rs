//! Working-set selection by second-order information (Fan, Chen & Lin 2005,
//! WSS 2): `i` is the maximal violator, `j` the variable whose pairing with
//! `i` decreases the objective most.

use super::Variant;
use super::chunks::map_ranges;
use super::solver::{Bound, Solver, TAU};

impl Solver<'_> {
    /// The next pair to optimise, or `None` when the maximal violation is
    /// below tol on the active set.
    pub(super) fn select_working_set(&mut self) -> Option<(usize, usize)> {
        match self.variant {
            Variant::Standard => self.select_standard(),
            Variant::Nu => self.select_nu(),
        }
    }

    /// The objective decrease `−b²/a` of moving along a pair with gradient
    /// gap `b > 0` and curvature `a`.
    fn decrease(grad_diff: f64, quad: f64) -> f64 {
        -(grad_diff * grad_diff) / if quad > 0.0 { quad } else { TAU }
    }

    fn select_standard(&mut self) -> Option<(usize, usize)> {
        let n = self.active_size;
        let (y, g, status) = (&self.y[..n], &self.g[..n], &self.status[..n]);
        // i = argmax { −y_t G_t : t ∈ I_up } (the last of equal ones).
        let (mut gmax, mut i) = (f64::NEG_INFINITY, None);
        for (v, t) in map_ranges(self.par, n, |range| {
            let (mut gmax, mut i) = (f64::NEG_INFINITY, None);
            for t in range {
                let v = -y[t] * g[t];
                let in_up = if y[t] > 0.0 { status[t] != Bound::Upper } else { status[t] != Bound::Lower };
                if in_up && v >= gmax {
                    gmax = v;
                    i = Some(t);
                }
            }
            (gmax, i)
        }) {
            if t.is_some() && v >= gmax {
                (gmax, i) = (v, t);
            }
        }
        let mut qi = std::mem::take(&mut self.qi);
        self.qi_holds = None;
        if let Some(i) = i {
            self.q.row(i, n, &mut qi);
            self.qi_holds = Some((i, n));
        }
        let (y, g, status) = (&self.y[..n], &self.g[..n], &self.status[..n]);
        let qd = self.q.diag();
        // j = argmin of the decrease over t ∈ I_low (the last of equal ones).
        let (mut gmax2, mut best, mut j) = (f64::NEG_INFINITY, f64::INFINITY, None);
        for (v2, b, t) in map_ranges(self.par, n, |range| {
            let (mut gmax2, mut best, mut j) = (f64::NEG_INFINITY, f64::INFINITY, None);
            for t in range {
                let in_low = if y[t] > 0.0 { status[t] != Bound::Lower } else { status[t] != Bound::Upper };
                if !in_low {
                    continue;
                }
                let v = y[t] * g[t];
                gmax2 = gmax2.max(v);
                let grad_diff = gmax + v;
                if let Some(i) = i
                    && grad_diff > 0.0
                {
                    let quad = qd[i] + qd[t] - 2.0 * y[i] * y[t] * qi[t];
                    let obj = Self::decrease(grad_diff, quad);
                    if obj <= best {
                        best = obj;
                        j = Some(t);
                    }
                }
            }
            (gmax2, best, j)
        }) {
            gmax2 = gmax2.max(v2);
            if t.is_some() && b <= best {
                (best, j) = (b, t);
            }
        }
        self.qi = qi;
        if gmax + gmax2 < self.tol { None } else { Some((i?, j?)) }
    }

    fn select_nu(&mut self) -> Option<(usize, usize)> {
        let n = self.active_size;
        let (mut gmaxp, mut ip) = (f64::NEG_INFINITY, None);
        let (mut gmaxn, mut in_) = (f64::NEG_INFINITY, None);
        for t in 0..n {
            if self.y[t] > 0.0 {
                if !self.is_upper(t) && -self.g[t] >= gmaxp {
                    gmaxp = -self.g[t];
                    ip = Some(t);
                }
            } else if !self.is_lower(t) && self.g[t] >= gmaxn {
                gmaxn = self.g[t];
                in_ = Some(t);
            }
        }
        let mut qip = std::mem::take(&mut self.qi);
        let mut qin = std::mem::take(&mut self.qj);
        self.qi_holds = None;
        if let Some(ip) = ip {
            self.q.row(ip, n, &mut qip);
            self.qi_holds = Some((ip, n));
        }
        if let Some(in_) = in_ {
            self.q.row(in_, n, &mut qin);
        }
        let qd = self.q.diag();
        let (mut gmaxp2, mut gmaxn2) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        let (mut best, mut j) = (f64::INFINITY, None);
        for t in 0..n {
            let candidate = if self.y[t] > 0.0 {
                if self.is_lower(t) {
                    continue;
                }
                gmaxp2 = gmaxp2.max(self.g[t]);
                ip.map(|ip| (gmaxp + self.g[t], qd[ip] + qd[t] - 2.0 * qip[t]))
            } else {
                if self.is_upper(t) {
                    continue;
                }
                gmaxn2 = gmaxn2.max(-self.g[t]);
                in_.map(|i| (gmaxn - self.g[t], qd[i] + qd[t] - 2.0 * qin[t]))
            };
            if let Some((grad_diff, quad)) = candidate
                && grad_diff > 0.0
            {
                let obj = Self::decrease(grad_diff, quad);
                if obj <= best {
                    best = obj;
                    j = Some(t);
                }
            }
        }
        self.qi = qip;
        self.qj = qin;
        if (gmaxp + gmaxp2).max(gmaxn + gmaxn2) < self.tol {
            return None;
        }
        let j = j?;
        let i = if self.y[j] > 0.0 { ip } else { in_ };
        Some((i?, j))
    }
}
