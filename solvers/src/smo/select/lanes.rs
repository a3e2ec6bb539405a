//! The two O(n) scans of working-set selection over a range of variables,
//! in AVX2 lanes where the CPU has them and as plain loops elsewhere.
//!
//! Both versions compute every candidate with the same operations in the
//! same order (no fused multiply-adds), and break ties towards the last
//! index as the sequential loop does, so they pick the same pair, bit for
//! bit: the iterates do not depend on the CPU. Membership of `I_up` and
//! `I_low` is read from α and C, which is what the bound status caches:
//! a variable is at its upper bound when `α ≥ C`, else at its lower bound
//! when `α ≤ 0`, so `I_up = {y > 0, α < C} ∪ {y < 0, α ≥ C or α > 0}` and
//! `I_low` is its mirror image (the `α ≥ C` term matters only when `C = 0`).

use std::ops::Range;

use super::super::solver::TAU;

/// The per-variable arrays a scan reads, in the active set's order.
#[derive(Clone, Copy)]
pub(crate) struct Vars<'a> {
    pub y: &'a [f64],
    pub g: &'a [f64],
    pub alpha: &'a [f64],
    pub c: &'a [f64],
}

/// `i` of the pair: the largest `−y_t G_t` over `t ∈ I_up` in `range` and
/// the last `t` that reaches it.
pub(crate) fn max_violator(v: Vars<'_>, range: Range<usize>) -> (f64, Option<usize>) {
    #[cfg(target_arch = "x86_64")]
    if kern_kernels::simd::level() >= 2 {
        // SAFETY: levels 2 and 3 have AVX2, checked just above.
        return unsafe { avx2::max_violator(v, range) };
    }
    max_violator_scalar(v, range, f64::NEG_INFINITY, None)
}

/// `j` of the pair, given `i`'s `−y_i G_i = gmax`: over `t ∈ I_low` in
/// `range`, the largest `y_t G_t` (`gmax2`), and the least second-order
/// decrease `−(gmax + y_t G_t)² / quad_t` with the last `t` that reaches it.
/// `pair` holds `(Q_ii, y_i)` and row `Q_i`; without it only `gmax2` is found.
pub(crate) fn best_partner(
    v: Vars<'_>,
    range: Range<usize>,
    gmax: f64,
    pair: Option<(f64, f64, &[f32])>,
    qd: &[f64],
) -> (f64, f64, Option<usize>) {
    #[cfg(target_arch = "x86_64")]
    if kern_kernels::simd::level() >= 2 {
        // SAFETY: levels 2 and 3 have AVX2, checked just above.
        return unsafe { avx2::best_partner(v, range, gmax, pair, qd) };
    }
    best_partner_scalar(v, range, gmax, pair, qd, (f64::NEG_INFINITY, f64::INFINITY, None))
}

/// Below the upper bound.
#[inline(always)]
fn below_upper(v: &Vars<'_>, t: usize) -> bool {
    v.alpha[t] < v.c[t]
}

/// Off the lower bound (an upper bound of 0 counts as upper).
#[inline(always)]
fn off_lower(v: &Vars<'_>, t: usize) -> bool {
    v.alpha[t] >= v.c[t] || v.alpha[t] > 0.0
}

#[inline(always)]
fn in_up(v: &Vars<'_>, t: usize) -> bool {
    if v.y[t] > 0.0 { below_upper(v, t) } else { off_lower(v, t) }
}

#[inline(always)]
fn in_low(v: &Vars<'_>, t: usize) -> bool {
    if v.y[t] > 0.0 { off_lower(v, t) } else { below_upper(v, t) }
}

/// The candidate's decrease, as the vector version computes it.
#[inline(always)]
fn decrease(qd_i: f64, y_i: f64, qd_t: f64, y_t: f64, q_it: f64, grad_diff: f64) -> f64 {
    let quad = qd_i + qd_t - 2.0 * y_i * y_t * q_it;
    -(grad_diff * grad_diff) / if quad > 0.0 { quad } else { TAU }
}

/// The scalar scan, continuing from `(gmax, i)`.
fn max_violator_scalar(v: Vars<'_>, range: Range<usize>, mut gmax: f64, mut i: Option<usize>) -> (f64, Option<usize>) {
    for t in range {
        let value = -v.y[t] * v.g[t];
        if in_up(&v, t) && value >= gmax {
            gmax = value;
            i = Some(t);
        }
    }
    (gmax, i)
}

/// The scalar scan, continuing from `(gmax2, best, j)`.
fn best_partner_scalar(
    v: Vars<'_>,
    range: Range<usize>,
    gmax: f64,
    pair: Option<(f64, f64, &[f32])>,
    qd: &[f64],
    (mut gmax2, mut best, mut j): (f64, f64, Option<usize>),
) -> (f64, f64, Option<usize>) {
    for t in range {
        if !in_low(&v, t) {
            continue;
        }
        let value = v.y[t] * v.g[t];
        gmax2 = gmax2.max(value);
        let grad_diff = gmax + value;
        if let Some((qd_i, y_i, qi)) = pair
            && grad_diff > 0.0
        {
            let obj = decrease(qd_i, y_i, qd[t], v.y[t], f64::from(qi[t]), grad_diff);
            if obj <= best {
                best = obj;
                j = Some(t);
            }
        }
    }
    (gmax2, best, j)
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;
    use std::ops::Range;

    use super::{TAU, Vars, best_partner_scalar, max_violator_scalar};

    const LANES: usize = 4;

    /// Per lane, the best value and the last index reaching it: the lane
    /// results combined as the sequential loop would have.
    #[target_feature(enable = "avx2")]
    fn combine(best: __m256d, index: __m256d, larger_wins: bool) -> (f64, Option<usize>) {
        let (mut b, mut i) = ([0.0; LANES], [0.0; LANES]);
        // SAFETY: the arrays have four elements each.
        unsafe {
            _mm256_storeu_pd(b.as_mut_ptr(), best);
            _mm256_storeu_pd(i.as_mut_ptr(), index);
        }
        let mut out = (if larger_wins { f64::NEG_INFINITY } else { f64::INFINITY }, None::<usize>);
        for l in 0..LANES {
            if i[l] < 0.0 {
                continue;
            }
            let t = i[l] as usize;
            let better = if larger_wins { b[l] > out.0 } else { b[l] < out.0 };
            if out.1.is_none() || better || (b[l] == out.0 && t > out.1.unwrap_or(0)) {
                out = (b[l], Some(t));
            }
        }
        out
    }

    /// `if_pos` in the lanes where `y > 0`, `if_neg` elsewhere.
    #[target_feature(enable = "avx2")]
    fn by_sign(y_pos: __m256d, if_pos: __m256d, if_neg: __m256d) -> __m256d {
        _mm256_blendv_pd(if_neg, if_pos, y_pos)
    }

    /// Four variables from `t` on: `y`, `G`, which have `y > 0`, which are
    /// below their upper bound, and which are off their lower bound.
    struct Lanes {
        y: __m256d,
        g: __m256d,
        y_pos: __m256d,
        below_upper: __m256d,
        off_lower: __m256d,
    }

    #[target_feature(enable = "avx2")]
    fn lanes_at(v: Vars<'_>, t: usize) -> Lanes {
        let (y, g, a, c) = (load(v.y, t), load(v.g, t), load(v.alpha, t), load(v.c, t));
        let zero = _mm256_setzero_pd();
        Lanes {
            y,
            g,
            y_pos: _mm256_cmp_pd::<_CMP_GT_OQ>(y, zero),
            below_upper: _mm256_cmp_pd::<_CMP_LT_OQ>(a, c),
            off_lower: _mm256_or_pd(_mm256_cmp_pd::<_CMP_GE_OQ>(a, c), _mm256_cmp_pd::<_CMP_GT_OQ>(a, zero)),
        }
    }

    /// `s[t..t + 4]` in a register.
    #[target_feature(enable = "avx2")]
    fn load(s: &[f64], t: usize) -> __m256d {
        let s = &s[t..t + LANES];
        // SAFETY: `s` holds four elements.
        unsafe { _mm256_loadu_pd(s.as_ptr()) }
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn max_violator(v: Vars<'_>, range: Range<usize>) -> (f64, Option<usize>) {
        let (start, end) = (range.start, range.end);
        let whole = start + (end - start) / LANES * LANES;
        let mut best = _mm256_set1_pd(f64::NEG_INFINITY);
        let mut index = _mm256_set1_pd(-1.0);
        let mut at = _mm256_set_pd(start as f64 + 3.0, start as f64 + 2.0, start as f64 + 1.0, start as f64);
        let step = _mm256_set1_pd(LANES as f64);
        let mut t = start;
        while t < whole {
            let Lanes { y, g, y_pos, below_upper, off_lower } = lanes_at(v, t);
            // −y·g, as the scalar loop computes it.
            let value = _mm256_mul_pd(_mm256_xor_pd(y, _mm256_set1_pd(-0.0)), g);
            let member = by_sign(y_pos, below_upper, off_lower);
            let take = _mm256_and_pd(member, _mm256_cmp_pd::<_CMP_GE_OQ>(value, best));
            best = _mm256_blendv_pd(best, value, take);
            index = _mm256_blendv_pd(index, at, take);
            at = _mm256_add_pd(at, step);
            t += LANES;
        }
        let (gmax, i) = combine(best, index, true);
        max_violator_scalar(v, whole..end, gmax, i)
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn best_partner(
        v: Vars<'_>,
        range: Range<usize>,
        gmax: f64,
        pair: Option<(f64, f64, &[f32])>,
        qd: &[f64],
    ) -> (f64, f64, Option<usize>) {
        let (start, end) = (range.start, range.end);
        let whole = start + (end - start) / LANES * LANES;
        let zero = _mm256_setzero_pd();
        let gmax_v = _mm256_set1_pd(gmax);
        let mut gmax2 = _mm256_set1_pd(f64::NEG_INFINITY);
        let mut best = _mm256_set1_pd(f64::INFINITY);
        let mut index = _mm256_set1_pd(-1.0);
        let mut at = _mm256_set_pd(start as f64 + 3.0, start as f64 + 2.0, start as f64 + 1.0, start as f64);
        let step = _mm256_set1_pd(LANES as f64);
        let (qd_i, two_y_i, qi) = match pair {
            Some((qd_i, y_i, qi)) => (_mm256_set1_pd(qd_i), _mm256_set1_pd(2.0 * y_i), Some(qi)),
            None => (zero, zero, None),
        };
        let tau = _mm256_set1_pd(TAU);
        let neg = _mm256_set1_pd(-0.0);
        let mut t = start;
        while t < whole {
            let Lanes { y, g, y_pos, below_upper, off_lower } = lanes_at(v, t);
            let member = by_sign(y_pos, off_lower, below_upper);
            let value = _mm256_mul_pd(y, g);
            // f64::max: a lane outside I_low keeps its running maximum.
            gmax2 = _mm256_blendv_pd(gmax2, _mm256_max_pd(value, gmax2), member);
            if let Some(qi) = qi {
                let grad_diff = _mm256_add_pd(gmax_v, value);
                let live = _mm256_and_pd(member, _mm256_cmp_pd::<_CMP_GT_OQ>(grad_diff, zero));
                if _mm256_movemask_pd(live) != 0 {
                    // SAFETY: as above.
                    let (qd_t, q_it) = unsafe {
                        (_mm256_loadu_pd(qd.as_ptr().add(t)), _mm256_cvtps_pd(_mm_loadu_ps(qi.as_ptr().add(t))))
                    };
                    // qd_i + qd_t − ((2 y_i) y_t) q_it, in the scalar order.
                    let quad = _mm256_sub_pd(_mm256_add_pd(qd_i, qd_t), _mm256_mul_pd(_mm256_mul_pd(two_y_i, y), q_it));
                    let quad = _mm256_blendv_pd(tau, quad, _mm256_cmp_pd::<_CMP_GT_OQ>(quad, zero));
                    let obj = _mm256_div_pd(_mm256_xor_pd(_mm256_mul_pd(grad_diff, grad_diff), neg), quad);
                    let take = _mm256_and_pd(live, _mm256_cmp_pd::<_CMP_LE_OQ>(obj, best));
                    best = _mm256_blendv_pd(best, obj, take);
                    index = _mm256_blendv_pd(index, at, take);
                }
            }
            at = _mm256_add_pd(at, step);
            t += LANES;
        }
        let mut lanes = [0.0; LANES];
        // SAFETY: four elements.
        unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), gmax2) };
        let g2 = lanes.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
        let (b, j) = combine(best, index, false);
        best_partner_scalar(v, whole..end, gmax, pair, qd, (g2, b, j))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random variables with many ties, bound values and C = 0 entries.
    #[allow(clippy::type_complexity)]
    fn vars(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f32>) {
        let mut s = seed;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 33) as f64 / (1u64 << 31) as f64
        };
        let mut cols = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let c = if next() < 0.05 { 0.0 } else { 2.0 };
            let alpha = match (next() * 3.0) as u32 {
                0 => 0.0,
                1 => c,
                _ => c * next(),
            };
            cols.0.push(if next() < 0.5 { 1.0 } else { -1.0 });
            // Gradients on a coarse grid, so that values tie.
            cols.1.push((next() * 8.0).floor() / 4.0 - 1.0);
            cols.2.push(alpha);
            cols.3.push(c);
            cols.4.push(1.0 + (next() * 4.0).floor() / 4.0);
            cols.5.push(((next() * 8.0).floor() / 8.0) as f32);
        }
        cols
    }

    #[test]
    fn the_dispatched_scans_pick_what_the_scalar_loops_pick() {
        for (n, seed) in [(0, 1), (3, 2), (4, 3), (37, 4), (1000, 5), (1003, 6)] {
            let (y, g, alpha, c, qd, qi) = vars(n, seed);
            let v = Vars { y: &y, g: &g, alpha: &alpha, c: &c };
            for range in [0..n, n / 3..n, n / 2..n / 2 + n / 5] {
                let scalar = max_violator_scalar(v, range.clone(), f64::NEG_INFINITY, None);
                assert_eq!(max_violator(v, range.clone()), scalar, "n {n}, {range:?}");
                let (gmax, i) = scalar;
                for pair in [i.map(|i| (qd[i], y[i], &qi[..])), None] {
                    let start = (f64::NEG_INFINITY, f64::INFINITY, None);
                    let expected = best_partner_scalar(v, range.clone(), gmax, pair, &qd, start);
                    assert_eq!(best_partner(v, range.clone(), gmax, pair, &qd), expected, "n {n}, {range:?}");
                }
            }
        }
    }
}
