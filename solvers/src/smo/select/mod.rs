//! Working-set selection by second-order information (Fan, Chen & Lin 2005,
//! WSS 2): `i` is the maximal violator, `j` the variable whose pairing with
//! `i` decreases the objective most.

mod lanes;

use super::Variant;
use super::chunks::map_ranges;
use super::solver::{Solver, TAU};
use lanes::Vars;

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
        let vars = Vars { y: &self.y[..n], g: &self.g[..n], alpha: &self.alpha[..n], c: &self.c[..n] };
        // i = argmax { −y_t G_t : t ∈ I_up } (the last of equal ones).
        let (mut gmax, mut i) = (f64::NEG_INFINITY, None);
        map_ranges(
            self.par,
            n,
            |range| lanes::max_violator(vars, range),
            |(v, t)| {
                if t.is_some() && v >= gmax {
                    (gmax, i) = (v, t);
                }
            },
        );
        let (qi, qd) = match i {
            Some(i) => {
                let (qi, qd) = self.q.row_f32(i, n);
                (Some(qi), qd)
            }
            None => (None, self.q.diag()),
        };
        let pair = i.zip(qi).map(|(i, qi)| (qd[i], self.y[i], qi));
        // j = argmin of the decrease over t ∈ I_low (the last of equal ones).
        let (mut gmax2, mut best, mut j) = (f64::NEG_INFINITY, f64::INFINITY, None);
        map_ranges(
            self.par,
            n,
            |range| lanes::best_partner(vars, range, gmax, pair, qd),
            |(v2, b, t)| {
                gmax2 = gmax2.max(v2);
                if t.is_some() && b <= best {
                    (best, j) = (b, t);
                }
            },
        );
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
        if let Some(ip) = ip {
            self.q.row(ip, n, &mut qip);
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
