//! The shortest-path kernel (Borgwardt & Kriegel 2005) with a delta kernel
//! on (label, label, length): every pair of connected nodes counted by its
//! end labels (unordered) and its shortest-path length, found by BFS.

use std::collections::VecDeque;

use crate::structured::mix_all;

use super::Graph;

/// Pushes one id per unordered pair of distinct connected nodes.
pub(crate) fn shortest_path_features(g: &Graph, out: &mut Vec<u64>) {
    let n = g.n_nodes();
    let mut dist = vec![usize::MAX; n];
    let mut queue = VecDeque::new();
    for s in 0..n {
        dist.iter_mut().for_each(|d| *d = usize::MAX);
        dist[s] = 0;
        queue.push_back(s);
        while let Some(v) = queue.pop_front() {
            for &u in g.neighbours(v) {
                let u = u as usize;
                if dist[u] == usize::MAX {
                    dist[u] = dist[v] + 1;
                    queue.push_back(u);
                }
            }
        }
        for (t, &d) in dist.iter().enumerate().skip(s + 1) {
            if d != usize::MAX {
                let (a, b) = (g.label(s).min(g.label(t)), g.label(s).max(g.label(t)));
                out.push(mix_all(0x5350, [a as u64, b as u64, d as u64]));
            }
        }
    }
}
