//! The subsequence string kernel (Lodhi et al. 2002): every common
//! subsequence of length n, each occurrence weighted `λ^(span in s + span in t)`,
//! by the O(n |s| |t|) dynamic programme.

/// `K_n(s, t)`.
///
/// With prefixes of length `a` of `s` and `b` of `t`:
/// `K''_i(a, b) = λ K''_i(a, b−1) + [s_a = t_b] λ² K'_{i−1}(a−1, b−1)`,
/// `K'_i(a, b) = λ K'_i(a−1, b) + K''_i(a, b)`, with `K'_0 = 1`, and
/// `K_n = Σ_{s_a = t_b} λ² K'_{n−1}(a−1, b−1)`.
pub(crate) fn subsequence(s: &[u8], t: &[u8], n: usize, lambda: f64) -> f64 {
    let (ls, lt) = (s.len(), t.len());
    if n == 0 || ls < n || lt < n {
        return 0.0;
    }
    let w = lt + 1;
    // K'_{i−1} over all prefix pairs, row a, column b.
    let mut prev = vec![1.0; (ls + 1) * w];
    let mut next = vec![0.0; (ls + 1) * w];
    for _ in 1..n {
        next.iter_mut().for_each(|v| *v = 0.0);
        for a in 1..=ls {
            let mut kpp = 0.0;
            for b in 1..=lt {
                kpp *= lambda;
                if s[a - 1] == t[b - 1] {
                    kpp += lambda * lambda * prev[(a - 1) * w + (b - 1)];
                }
                next[a * w + b] = lambda * next[(a - 1) * w + b] + kpp;
            }
        }
        std::mem::swap(&mut prev, &mut next);
    }
    let mut k = 0.0;
    for a in 1..=ls {
        for b in 1..=lt {
            if s[a - 1] == t[b - 1] {
                k += lambda * lambda * prev[(a - 1) * w + (b - 1)];
            }
        }
    }
    k
}
