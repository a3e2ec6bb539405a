//! The geometric random-walk kernel (Gärtner et al. 2003; Vishwanathan et al.
//! 2010): `k(G, H) = 1ᵀ (I − λ W×)⁻¹ 1 = Σ_k λ^k 1ᵀ W×^k 1`, counting the
//! common walks of every length, where W× is the adjacency of the product
//! graph on node pairs of equal label (edges of equal label when both graphs
//! have edge labels). The system is solved by conjugate gradients, with W×
//! applied from the two adjacency lists without forming it.

use super::Graph;

/// Stops when the residual is this small relative to the right-hand side.
const CG_TOL: f64 = 1e-10;

/// `k(G, H)`; `λ` must be below `1 / (Δ_G Δ_H)` (the largest degrees) so
/// that `I − λW×` is positive definite and the series converges.
pub(crate) fn random_walk(g: &Graph, h: &Graph, lambda: f64) -> f64 {
    // Index of each label-matched node pair (the product graph's nodes).
    let (ng, nh) = (g.n_nodes(), h.n_nodes());
    let mut pairs = Vec::new();
    for u in 0..ng {
        for v in 0..nh {
            if g.label(u) == h.label(v) {
                pairs.push((u, v));
            }
        }
    }
    let index = PairIndex::new(&pairs, ng, nh);
    if pairs.is_empty() {
        return 0.0;
    }
    let edge_labels = g.has_edge_labels() && h.has_edge_labels();
    // (I − λW×) x.
    let apply = |x: &[f64], out: &mut [f64]| {
        for (p, &(u, v)) in pairs.iter().enumerate() {
            let mut s = 0.0;
            let (gu, hv) = (g.neighbours(u), h.neighbours(v));
            let (gl, hl) = (g.edge_labels(u).unwrap_or(&[]), h.edge_labels(v).unwrap_or(&[]));
            for (a, &u2) in gu.iter().enumerate() {
                for (b, &v2) in hv.iter().enumerate() {
                    let q = index.get(u2 as usize, v2 as usize);
                    if q != u32::MAX && (!edge_labels || gl[a] == hl[b]) {
                        s += x[q as usize];
                    }
                }
            }
            out[p] = x[p] - lambda * s;
        }
    };
    let m = pairs.len();
    let mut x = vec![0.0; m];
    let mut r = vec![1.0; m];
    let mut p = r.clone();
    let mut ap = vec![0.0; m];
    let mut rr: f64 = m as f64;
    let stop = CG_TOL * CG_TOL * m as f64;
    for _ in 0..(10 * m).max(100) {
        apply(&p, &mut ap);
        let pap: f64 = p.iter().zip(&ap).map(|(a, b)| a * b).sum();
        if pap <= 0.0 {
            break; // not positive definite: λ too large (checked at fit)
        }
        let alpha = rr / pap;
        x.iter_mut().zip(&p).for_each(|(x, p)| *x += alpha * p);
        r.iter_mut().zip(&ap).for_each(|(r, a)| *r -= alpha * a);
        let rr_new: f64 = r.iter().map(|v| v * v).sum();
        if rr_new <= stop {
            break;
        }
        let beta = rr_new / rr;
        p.iter_mut().zip(&r).for_each(|(p, r)| *p = r + beta * *p);
        rr = rr_new;
    }
    x.iter().sum()
}

/// Where each node pair sits among the product graph's nodes: a dense table
/// for graphs of ordinary size, a hash map when `n_G × n_H` is large.
enum PairIndex {
    Dense { table: Vec<u32>, nh: usize },
    Sparse(std::collections::HashMap<(usize, usize), u32>),
}

impl PairIndex {
    fn new(pairs: &[(usize, usize)], ng: usize, nh: usize) -> Self {
        if ng.saturating_mul(nh) <= 1 << 22 {
            let mut table = vec![u32::MAX; ng * nh];
            pairs.iter().enumerate().for_each(|(p, &(u, v))| table[u * nh + v] = p as u32);
            PairIndex::Dense { table, nh }
        } else {
            PairIndex::Sparse(pairs.iter().enumerate().map(|(p, &uv)| (uv, p as u32)).collect())
        }
    }

    /// The pair's index, `u32::MAX` when its labels differ.
    fn get(&self, u: usize, v: usize) -> u32 {
        match self {
            PairIndex::Dense { table, nh } => table[u * nh + v],
            PairIndex::Sparse(map) => map.get(&(u, v)).copied().unwrap_or(u32::MAX),
        }
    }
}
