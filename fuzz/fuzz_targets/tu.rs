//! The TU graph reader on arbitrary files (the input split at 0xFF bytes,
//! which no text file holds: the graph indicator, the edges, then the
//! optional node, edge and graph labels), then WL, shortest-path and
//! random-walk Grams on what it read: an error or graphs, never a panic.
#![no_main]

use kern::io::{TuFiles, read_tu_bytes};
use kern::{GraphKernel, Par, gram_matrix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let parts: Vec<&[u8]> = bytes.split(|&b| b == 0xFF).collect();
    let files = TuFiles {
        graph_indicator: parts[0],
        a: parts.get(1).copied().unwrap_or_default(),
        node_labels: parts.get(2).copied(),
        edge_labels: parts.get(3).copied(),
        graph_labels: parts.get(4).copied(),
    };
    let Ok(data) = read_tu_bytes("fuzz".as_ref(), "DS", &files) else { return };
    assert!(data.x.iter().all(|g| g.n_nodes() > 0));
    if data.x.len() > 32 {
        return;
    }
    let degree = data.x.iter().map(|g| g.max_degree()).max().unwrap_or(1).max(1) as f64;
    for kernel in [
        GraphKernel::WeisfeilerLehman { h: 2, normalize: true },
        GraphKernel::ShortestPath { normalize: true },
        GraphKernel::RandomWalk { lambda: 0.5 / (degree * degree), normalize: false },
    ] {
        if kernel.check(&data.x).is_ok() {
            let k = gram_matrix(&kernel, &data.x, Par::Seq);
            assert!((0..data.x.len()).all(|i| k[(i, i)].is_finite()));
        }
    }
});
