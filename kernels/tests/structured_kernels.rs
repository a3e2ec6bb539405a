//! String and graph kernels against brute-force references written here
//! (explicit enumeration of k-mers, subsequences, subtrees, paths, walks),
//! and the properties of their Gram matrices.

mod common;

use std::collections::HashMap;

use common::Rng;
use faer::{Mat, Par, Side};
use kern_kernels::{Graph, GraphKernel, Graphs, Kernel, Sequences, StringKernel, gram_matrix};

/// A kernel beside its brute-force reference.
type StringCase = (StringKernel, Box<dyn Fn(&[u8], &[u8]) -> f64>);
type GraphCase = (GraphKernel, Box<dyn Fn(&Graph, &Graph) -> f64>);

fn random_dna(rng: &mut Rng, len: usize, alphabet: &[u8]) -> Vec<u8> {
    (0..len).map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize]).collect()
}

fn random_strings(seed: u64, n: usize, lo: usize, hi: usize, alphabet: &[u8]) -> Sequences {
    let mut rng = Rng::new(seed);
    Sequences::new((0..n).map(|_| {
        let len = lo + (rng.next_u64() % (hi - lo + 1) as u64) as usize;
        random_dna(&mut rng, len, alphabet)
    }))
}

fn hamming(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

/// Every string of length k over `alphabet`.
fn all_strings(alphabet: &[u8], k: usize) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    for _ in 0..k {
        out = out.iter().flat_map(|p| alphabet.iter().map(move |&c| [p.clone(), vec![c]].concat())).collect();
    }
    out
}

fn spectrum_brute(x: &[u8], y: &[u8], k: usize) -> f64 {
    if x.len() < k || y.len() < k {
        return 0.0;
    }
    let mut n = 0;
    for a in x.windows(k) {
        for b in y.windows(k) {
            n += (a == b) as usize;
        }
    }
    n as f64
}

/// `Σ_c φ_c(x) φ_c(y)` over every c ∈ Σ^k, `φ_c` = k-mers within distance m of c.
fn mismatch_brute(x: &[u8], y: &[u8], k: usize, m: usize, alphabet: &[u8]) -> f64 {
    let phi = |s: &[u8], c: &[u8]| if s.len() < k { 0 } else { s.windows(k).filter(|w| hamming(w, c) <= m).count() };
    all_strings(alphabet, k).iter().map(|c| (phi(x, c) * phi(y, c)) as f64).sum()
}

/// The weighted-degree formula term by term.
fn wd_brute(x: &[u8], y: &[u8], d: usize, shift: usize) -> f64 {
    let mut total = 0.0;
    for k in 1..=d {
        let beta = 2.0 * (d - k + 1) as f64 / (d * (d + 1)) as f64;
        let sub = |s: &[u8], at: usize| if at + k <= s.len() { Some(s[at..at + k].to_vec()) } else { None };
        for l in 0..x.len().max(y.len()) {
            for s in 0..=shift {
                let delta = 1.0 / (2.0 * (s as f64 + 1.0));
                let eq =
                    |a: Option<Vec<u8>>, b: Option<Vec<u8>>| matches!((a, b), (Some(a), Some(b)) if a == b) as usize;
                let mu = eq(sub(x, l + s), sub(y, l)) + eq(sub(x, l), sub(y, l + s));
                total += beta * delta * mu as f64;
            }
        }
    }
    total
}

/// Index tuples of length k, ascending.
fn combinations(len: usize, k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    if len < k {
        return Vec::new();
    }
    let mut out = combinations(len - 1, k);
    for mut c in combinations(len - 1, k - 1) {
        c.push(len - 1);
        out.push(c);
    }
    out
}

fn ssk_brute(s: &[u8], t: &[u8], k: usize, lambda: f64) -> f64 {
    let (cs, ct) = (combinations(s.len(), k), combinations(t.len(), k));
    let mut total = 0.0;
    for i in &cs {
        for j in &ct {
            if i.iter().zip(j).all(|(&a, &b)| s[a] == t[b]) {
                let span = (i[k - 1] - i[0] + 1) + (j[k - 1] - j[0] + 1);
                total += lambda.powi(span as i32);
            }
        }
    }
    total
}

fn raw_gram<S: kern_kernels::Samples>(
    k: &impl Kernel<S>,
    s: &S,
    f: impl Fn(usize, usize) -> f64,
) -> (Mat<f64>, Mat<f64>) {
    let n = s.len();
    (gram_matrix(k, s, Par::Seq), Mat::from_fn(n, n, f))
}

fn assert_close(got: &Mat<f64>, want: &Mat<f64>, tol: f64, what: &str) {
    for i in 0..got.nrows() {
        for j in 0..got.ncols() {
            let (g, w) = (got[(i, j)], want[(i, j)]);
            assert!((g - w).abs() <= tol * w.abs().max(1.0), "{what} ({i}, {j}): {g} vs {w}");
        }
    }
}

/// Unit diagonal (for non-empty samples), exact symmetry, no eigenvalue below −1e-10.
fn assert_normalised_psd(k: &Mat<f64>, what: &str) {
    let n = k.nrows();
    for i in 0..n {
        assert!((k[(i, i)] - 1.0).abs() < 1e-12, "{what}: diagonal {i} is {}", k[(i, i)]);
        for j in 0..n {
            assert_eq!(k[(i, j)], k[(j, i)], "{what}: not symmetric at ({i}, {j})");
        }
    }
    let eig = k.self_adjoint_eigen(Side::Lower).unwrap();
    let min = (0..n).map(|i| eig.S()[i]).fold(f64::INFINITY, f64::min);
    assert!(min > -1e-10, "{what}: eigenvalue {min}");
}

/// The normalised Gram from the unnormalised one.
fn normalise(k: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(k.nrows(), k.ncols(), |i, j| k[(i, j)] / (k[(i, i)] * k[(j, j)]).sqrt())
}

#[test]
fn string_kernels_equal_their_brute_force_definitions() {
    let dna = b"ACGT";
    let s = random_strings(1, 14, 6, 12, dna);
    let kernels: Vec<StringCase> = vec![
        (StringKernel::Spectrum { k: 3, normalize: false }, Box::new(|x, y| spectrum_brute(x, y, 3))),
        (StringKernel::Spectrum { k: 1, normalize: false }, Box::new(|x, y| spectrum_brute(x, y, 1))),
        (StringKernel::Spectrum { k: 9, normalize: false }, Box::new(|x, y| spectrum_brute(x, y, 9))),
        (
            StringKernel::Mismatch { k: 3, m: 1, alphabet: dna.to_vec(), normalize: false },
            Box::new(|x, y| mismatch_brute(x, y, 3, 1, b"ACGT")),
        ),
        (
            StringKernel::Mismatch { k: 4, m: 2, alphabet: dna.to_vec(), normalize: false },
            Box::new(|x, y| mismatch_brute(x, y, 4, 2, b"ACGT")),
        ),
        (StringKernel::WeightedDegree { degree: 3, shift: 0, normalize: false }, Box::new(|x, y| wd_brute(x, y, 3, 0))),
        (StringKernel::WeightedDegree { degree: 4, shift: 2, normalize: false }, Box::new(|x, y| wd_brute(x, y, 4, 2))),
        (StringKernel::Subsequence { k: 3, lambda: 0.6, normalize: false }, Box::new(|x, y| ssk_brute(x, y, 3, 0.6))),
        (StringKernel::Subsequence { k: 1, lambda: 0.9, normalize: false }, Box::new(|x, y| ssk_brute(x, y, 1, 0.9))),
    ];
    for (kernel, brute) in &kernels {
        kernel.validate().unwrap();
        let (got, want) = raw_gram(kernel, &s, |i, j| brute(s.get(i), s.get(j)));
        assert_close(&got, &want, 1e-12, &kernel.to_string());
        // Blocks of other rows and columns, and eval, agree with the Gram.
        let (rows, cols) = ([3, 0, 7], [1, 1, 13, 4]);
        let mut block = Mat::zeros(3, 4);
        kernel.block(&s, &rows, &s, &cols, block.as_mut(), Par::rayon(2));
        for (r, &i) in rows.iter().enumerate() {
            for (c, &j) in cols.iter().enumerate() {
                assert!((block[(r, c)] - got[(i, j)]).abs() < 1e-12 * got[(i, j)].abs().max(1.0));
                assert!((kernel.eval(&s, i, &s, j) - got[(i, j)]).abs() < 1e-12);
            }
        }
    }
}

#[test]
fn normalised_string_grams_have_unit_diagonal_and_are_psd() {
    let s = random_strings(2, 40, 20, 40, b"ACGT");
    for kernel in [
        StringKernel::Spectrum { k: 4, normalize: true },
        StringKernel::Mismatch { k: 5, m: 1, alphabet: b"ACGT".to_vec(), normalize: true },
        StringKernel::WeightedDegree { degree: 5, shift: 0, normalize: true },
        StringKernel::WeightedDegree { degree: 5, shift: 3, normalize: true },
        StringKernel::Subsequence { k: 3, lambda: 0.5, normalize: true },
    ] {
        let k = gram_matrix(&kernel, &s, Par::rayon(2));
        assert_normalised_psd(&k, &kernel.to_string());
        let raw = match &kernel {
            StringKernel::Spectrum { k, .. } => StringKernel::Spectrum { k: *k, normalize: false },
            StringKernel::Mismatch { k, m, alphabet, .. } => {
                StringKernel::Mismatch { k: *k, m: *m, alphabet: alphabet.clone(), normalize: false }
            }
            StringKernel::WeightedDegree { degree, shift, .. } => {
                StringKernel::WeightedDegree { degree: *degree, shift: *shift, normalize: false }
            }
            StringKernel::Subsequence { k, lambda, .. } => {
                StringKernel::Subsequence { k: *k, lambda: *lambda, normalize: false }
            }
        };
        assert_close(&k, &normalise(&gram_matrix(&raw, &s, Par::Seq)), 1e-12, "normalisation");
        let mut d = vec![0.0; 3];
        kernel.diagonal(&s, &[0, 5, 9], &mut d);
        assert_eq!(d, vec![1.0; 3]);
    }
}

#[test]
fn kernels_between_two_collections_match_pairs() {
    let (a, b) = (random_strings(3, 5, 8, 15, b"ACGT"), random_strings(4, 6, 8, 15, b"ACGT"));
    for kernel in [StringKernel::spectrum(3), StringKernel::Subsequence { k: 2, lambda: 0.7, normalize: true }] {
        let mut out = Mat::zeros(5, 6);
        kernel.block(&a, &[0, 1, 2, 3, 4], &b, &[0, 1, 2, 3, 4, 5], out.as_mut(), Par::Seq);
        for i in 0..5 {
            for j in 0..6 {
                let raw = kernel_raw(&kernel, a.get(i), b.get(j));
                let want =
                    raw / (kernel_raw(&kernel, a.get(i), a.get(i)) * kernel_raw(&kernel, b.get(j), b.get(j))).sqrt();
                assert!((out[(i, j)] - want).abs() < 1e-12);
            }
        }
    }
}

fn kernel_raw(k: &StringKernel, x: &[u8], y: &[u8]) -> f64 {
    k.raw(x, y)
}

#[test]
fn strings_too_short_for_a_kmer_have_zero_rows_not_nan() {
    let s = Sequences::new(["AC", "ACGTAC", ""]);
    let k = gram_matrix(&StringKernel::spectrum(3), &s, Par::Seq);
    assert_eq!(k[(0, 1)], 0.0);
    assert_eq!(k[(2, 2)], 0.0);
    assert!((k[(1, 1)] - 1.0).abs() < 1e-15);
}

#[test]
fn invalid_string_kernel_parameters_are_refused() {
    assert!(StringKernel::Spectrum { k: 0, normalize: true }.validate().is_err());
    assert!(StringKernel::Mismatch { k: 3, m: 3, alphabet: b"ACGT".to_vec(), normalize: true }.validate().is_err());
    let protein: Vec<u8> = (b'A'..=b'Z').collect();
    assert!(StringKernel::Mismatch { k: 12, m: 4, alphabet: protein, normalize: true }.validate().is_err());
    assert!(StringKernel::Subsequence { k: 2, lambda: 1.5, normalize: true }.validate().is_err());
}

// ---- graphs ----

fn random_graph(rng: &mut Rng, n: usize, p: f64, labels: u64, edge_labels: bool) -> Graph {
    let node: Vec<i64> = (0..n).map(|_| (rng.next_u64() % labels) as i64).collect();
    let mut edges = Vec::new();
    for u in 0..n {
        for v in u + 1..n {
            if rng.uniform() < p {
                edges.push((u, v, edge_labels.then(|| (rng.next_u64() % 2) as i64)));
            }
        }
    }
    Graph::new(node, &edges).unwrap()
}

fn random_graphs(seed: u64, count: usize, edge_labels: bool) -> Graphs {
    let mut rng = Rng::new(seed);
    Graphs::new(
        (0..count)
            .map(|_| {
                let n = 3 + (rng.next_u64() % 8) as usize;
                random_graph(&mut rng, n, 0.35, 3, edge_labels)
            })
            .collect(),
    )
}

/// WL by explicit subtree strings: a node's round-t label is the string
/// `label(neighbour strings, sorted)`; the kernel counts equal strings.
fn wl_brute(g: &Graph, h: &Graph, rounds: usize) -> f64 {
    let trees = |g: &Graph| -> Vec<HashMap<String, usize>> {
        let mut labels: Vec<String> = (0..g.n_nodes()).map(|v| g.label(v).to_string()).collect();
        let mut out = Vec::new();
        for round in 0..=rounds {
            if round > 0 {
                labels = (0..g.n_nodes())
                    .map(|v| {
                        let mut around: Vec<&String> = g.neighbours(v).iter().map(|&u| &labels[u as usize]).collect();
                        around.sort();
                        format!("{}({})", labels[v], around.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","))
                    })
                    .collect();
            }
            let mut counts = HashMap::new();
            labels.iter().for_each(|l| *counts.entry(l.clone()).or_insert(0) += 1);
            out.push(counts);
        }
        out
    };
    let (a, b) = (trees(g), trees(h));
    a.iter().zip(&b).map(|(x, y)| x.iter().map(|(l, c)| (c * y.get(l).unwrap_or(&0)) as f64).sum::<f64>()).sum()
}

fn distances(g: &Graph) -> Vec<Vec<usize>> {
    let n = g.n_nodes();
    let inf = usize::MAX / 4;
    let mut d = vec![vec![inf; n]; n];
    for v in 0..n {
        d[v][v] = 0;
        for &u in g.neighbours(v) {
            d[v][u as usize] = 1;
        }
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                d[i][j] = d[i][j].min(d[i][k] + d[k][j]);
            }
        }
    }
    d.iter().map(|r| r.iter().map(|&x| if x >= inf { usize::MAX } else { x }).collect()).collect()
}

fn sp_brute(g: &Graph, h: &Graph) -> f64 {
    let triplets = |g: &Graph| -> Vec<(i64, i64, usize)> {
        let d = distances(g);
        let mut out = Vec::new();
        for u in 0..g.n_nodes() {
            for v in u + 1..g.n_nodes() {
                if d[u][v] != usize::MAX {
                    let (a, b) = (g.label(u), g.label(v));
                    out.push((a.min(b), a.max(b), d[u][v]));
                }
            }
        }
        out
    };
    let (a, b) = (triplets(g), triplets(h));
    a.iter().map(|t| b.iter().filter(|s| *s == t).count() as f64).sum()
}

/// `Σ_k λ^k 1ᵀ W^k 1` with the product graph formed explicitly.
fn rw_brute(g: &Graph, h: &Graph, lambda: f64) -> f64 {
    let pairs: Vec<(usize, usize)> = (0..g.n_nodes())
        .flat_map(|u| (0..h.n_nodes()).map(move |v| (u, v)))
        .filter(|&(u, v)| g.label(u) == h.label(v))
        .collect();
    let edge = |g: &Graph, u: usize, v: usize| -> Option<i64> {
        let p = g.neighbours(u).iter().position(|&x| x as usize == v)?;
        Some(g.edge_labels(u).map_or(0, |l| l[p]))
    };
    let m = pairs.len();
    let w = Mat::from_fn(m, m, |p, q| {
        let ((u, v), (u2, v2)) = (pairs[p], pairs[q]);
        match (edge(g, u, u2), edge(h, v, v2)) {
            (Some(a), Some(b)) if a == b => 1.0,
            _ => 0.0,
        }
    });
    let mut walk = vec![1.0; m];
    let mut total: f64 = walk.iter().sum();
    // λ^k W^k 1, one power at a time (W^k alone would overflow).
    for _ in 1..400 {
        walk = (0..m).map(|p| lambda * (0..m).map(|q| w[(p, q)] * walk[q]).sum::<f64>()).collect();
        total += walk.iter().sum::<f64>();
    }
    total
}

#[test]
fn graph_kernels_equal_their_brute_force_definitions() {
    for edge_labels in [false, true] {
        let g = random_graphs(5 + edge_labels as u64, 12, edge_labels);
        let delta = g.iter().map(Graph::max_degree).max().unwrap() as f64;
        let lambda = 0.5 / (delta * delta);
        let kernels: Vec<GraphCase> = vec![
            (GraphKernel::WeisfeilerLehman { h: 0, normalize: false }, Box::new(|a, b| wl_brute(a, b, 0))),
            (GraphKernel::WeisfeilerLehman { h: 3, normalize: false }, Box::new(|a, b| wl_brute(a, b, 3))),
            (GraphKernel::ShortestPath { normalize: false }, Box::new(sp_brute)),
            (GraphKernel::RandomWalk { lambda, normalize: false }, Box::new(move |a, b| rw_brute(a, b, lambda))),
        ];
        for (kernel, brute) in &kernels {
            kernel.check(&g).unwrap();
            let (got, want) = raw_gram(kernel, &g, |i, j| brute(g.get(i), g.get(j)));
            let tol = if matches!(kernel, GraphKernel::RandomWalk { .. }) { 1e-8 } else { 1e-12 };
            assert_close(&got, &want, tol, &format!("{kernel} edge labels {edge_labels}"));
        }
    }
}

#[test]
fn normalised_graph_grams_have_unit_diagonal_and_are_psd() {
    let g = random_graphs(7, 40, true);
    let delta = g.iter().map(Graph::max_degree).max().unwrap() as f64;
    for kernel in [
        GraphKernel::WeisfeilerLehman { h: 5, normalize: true },
        GraphKernel::ShortestPath { normalize: true },
        GraphKernel::RandomWalk { lambda: 0.9 / (delta * delta), normalize: true },
    ] {
        let k = gram_matrix(&kernel, &g, Par::rayon(2));
        // Graphs without edges have no shortest paths: skip their zero rows.
        let keep: Vec<usize> = (0..g.len()).filter(|&i| k[(i, i)] > 0.0).collect();
        let k = Mat::from_fn(keep.len(), keep.len(), |i, j| k[(keep[i], keep[j])]);
        assert_normalised_psd(&k, &kernel.to_string());
        assert_eq!(gram_matrix(&kernel, &g, Par::Seq), gram_matrix(&kernel, &g, Par::rayon(2)));
    }
}

#[test]
fn a_random_walk_lambda_too_large_for_the_graphs_is_refused() {
    let g = random_graphs(8, 5, false);
    let delta = g.iter().map(Graph::max_degree).max().unwrap() as f64;
    assert!(GraphKernel::RandomWalk { lambda: 1.0 / (delta * delta), normalize: true }.check(&g).is_err());
    assert!(GraphKernel::RandomWalk { lambda: 0.99 / (delta * delta), normalize: true }.check(&g).is_ok());
}

#[test]
fn graphs_reject_out_of_range_edges_and_survive_a_round_trip() {
    assert!(Graph::new(vec![0, 1], &[(0, 2, None)]).is_err());
    let g = random_graphs(9, 4, true);
    let text = serde_json::to_string(&g).unwrap();
    let back: Graphs = serde_json::from_str(&text).unwrap();
    assert_eq!(back, g);
    let s = random_strings(10, 4, 3, 9, b"ACGT");
    let back: Sequences = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
    let corrupt = r#"{"bytes":[65,67],"ends":[1,5]}"#;
    assert!(serde_json::from_str::<Sequences>(corrupt).is_err());
}

#[test]
fn large_feature_grams_agree_with_pairwise_products_across_tiles() {
    // 600 samples: several 256-wide tiles, reused tile buffers, both block paths.
    let s = random_strings(11, 600, 8, 30, b"ACGT");
    let kernel = StringKernel::Spectrum { k: 3, normalize: true };
    let full = gram_matrix(&kernel, &s, Par::rayon(2));
    let rows = [599, 0, 300];
    let all: Vec<usize> = (0..600).collect();
    let mut few = Mat::zeros(3, 600);
    kernel.block(&s, &rows, &s, &all, few.as_mut(), Par::Seq);
    for (r, &i) in rows.iter().enumerate() {
        for j in 0..600 {
            let want = kernel.raw(s.get(i), s.get(j))
                / (kernel.raw(s.get(i), s.get(i)) * kernel.raw(s.get(j), s.get(j))).sqrt();
            assert!((full[(i, j)] - want).abs() < 1e-12, "gram ({i}, {j})");
            assert!((few[(r, j)] - want).abs() < 1e-12, "row block ({i}, {j})");
        }
    }
    assert_eq!(full, gram_matrix(&kernel, &s, Par::Seq));
}
