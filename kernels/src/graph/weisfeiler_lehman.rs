//! The Weisfeiler-Lehman subtree kernel (Shervashidze et al. 2011): each
//! round relabels every node by its label and the sorted multiset of its
//! neighbours' labels; the features are the counts of every label of every
//! round, 0 to h.

use crate::structured::{mix, mix_all};

use super::Graph;

/// Pushes the label of every node at every round `0..=h`. Labels are 64-bit
/// hashes of (round, label, sorted neighbour labels), so the same subtree
/// gets the same id in any graph, at fit and at predict time, with no shared
/// dictionary.
pub(crate) fn wl_features(g: &Graph, h: usize, out: &mut Vec<u64>) {
    let n = g.n_nodes();
    let mut labels: Vec<u64> = (0..n).map(|v| mix(0, g.label(v) as u64)).collect();
    out.extend_from_slice(&labels);
    let mut next = vec![0u64; n];
    let mut around = Vec::new();
    for round in 1..=h {
        for (v, slot) in next.iter_mut().enumerate() {
            around.clear();
            around.extend(g.neighbours(v).iter().map(|&u| labels[u as usize]));
            around.sort_unstable();
            *slot = mix_all(mix(round as u64, labels[v]), around.iter().copied());
        }
        std::mem::swap(&mut labels, &mut next);
        out.extend_from_slice(&labels);
    }
}
