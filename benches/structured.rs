//! String and graph kernels on the reference data (../shared/data): the time
//! of each Gram matrix (one thread, median of three), and C-SVC accuracy by
//! 10-fold cross-validation: C chosen by an inner 5-fold CV on each training
//! part for the TU graphs (as GraKeL's reported figures), C = 1 for the
//! strings (as the README's spectrum figures). Prints one JSON object per
//! line for benches/structured_compare.py.
//!   cargo bench --bench structured [-- REPEATS]

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use faer::{Mat, Par};
use kern::io::{Labels, SequenceOptions, read_sequences, read_tu};
use kern::solvers::{SvmKind, SvmParams, train_classifier};
use kern::{GraphKernel, Kernel, Samples, StringKernel, gram_matrix};

/// Samples that are indices into one precomputed Gram matrix: every fit of
/// the cross-validation reads the same matrix.
#[derive(Clone)]
struct Indices {
    ids: Vec<usize>,
    gram: Arc<Mat<f64>>,
}

impl Samples for Indices {
    fn len(&self) -> usize {
        self.ids.len()
    }
}

#[derive(Clone)]
struct Lookup;

impl Kernel<Indices> for Lookup {
    fn eval(&self, a: &Indices, i: usize, b: &Indices, j: usize) -> f64 {
        a.gram[(a.ids[i], b.ids[j])]
    }
}

fn select(s: &Indices, rows: &[usize]) -> Indices {
    Indices { ids: rows.iter().map(|&r| s.ids[r]).collect(), gram: s.gram.clone() }
}

fn median_seconds(mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..3)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[1]
}

fn codes(labels: &Labels) -> (Vec<usize>, usize) {
    match labels {
        Labels::Numeric(v) => {
            let mut names: Vec<String> = Vec::new();
            let codes = v
                .iter()
                .map(|x| {
                    let s = x.to_string();
                    names.iter().position(|n| *n == s).unwrap_or_else(|| {
                        names.push(s);
                        names.len() - 1
                    })
                })
                .collect();
            (codes, names.len())
        }
        Labels::Text { classes, codes, .. } => (codes.iter().map(|&c| c as usize).collect(), classes.len()),
    }
}

/// Stratified folds, seeded (a fixed shuffle per class, dealt round robin).
fn folds(y: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let classes = y.iter().max().map_or(0, |m| m + 1);
    let mut fold = vec![0; y.len()];
    let mut deal = 0;
    for c in 0..classes {
        let mut members: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c).collect();
        for i in (1..members.len()).rev() {
            members.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        for i in members {
            fold[i] = deal % k;
            deal += 1;
        }
    }
    fold
}

/// Accuracy of a C-SVC on `test` after training on `train` (indices into the Gram).
fn accuracy(gram: &Arc<Mat<f64>>, y: &[usize], n_classes: usize, train: &[usize], test: &[usize], c: f64) -> f64 {
    let x = Indices { ids: train.to_vec(), gram: gram.clone() };
    let ty: Vec<usize> = train.iter().map(|&i| y[i]).collect();
    let params = SvmParams::new(SvmKind::CSvc { c });
    let model = train_classifier(&Lookup, &x, &ty, n_classes, &params, select, Par::Seq).expect("fit");
    let t = Indices { ids: test.to_vec(), gram: gram.clone() };
    let pred = model.predict_classes(&t, Par::Seq);
    test.iter().zip(pred).filter(|&(&i, p)| y[i] == p).count() as f64 / test.len() as f64
}

/// 10-fold CV accuracy (%), C by inner 5-fold CV over 10^-3..10^3 when `inner`.
fn cross_validate(gram: &Arc<Mat<f64>>, y: &[usize], n_classes: usize, inner: bool, seed: u64) -> f64 {
    let outer = folds(y, 10, seed);
    let mut total = 0.0;
    for f in 0..10 {
        let (test, train): (Vec<usize>, Vec<usize>) = (0..y.len()).partition(|&i| outer[i] == f);
        let c = if inner {
            let ty: Vec<usize> = train.iter().map(|&i| y[i]).collect();
            let inner_folds = folds(&ty, 5, seed + 100 + f as u64);
            let score = |c: f64| -> f64 {
                (0..5)
                    .map(|g| {
                        let (te, tr): (Vec<usize>, Vec<usize>) = (0..train.len()).partition(|&k| inner_folds[k] == g);
                        let te: Vec<usize> = te.into_iter().map(|k| train[k]).collect();
                        let tr: Vec<usize> = tr.into_iter().map(|k| train[k]).collect();
                        accuracy(gram, y, n_classes, &tr, &te, c)
                    })
                    .sum()
            };
            let grid = [1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3];
            grid.iter()
                .copied()
                .fold((f64::NEG_INFINITY, 1.0), |(best, bc), c| {
                    let s = score(c);
                    if s > best { (s, c) } else { (best, bc) }
                })
                .1
        } else {
            1.0
        };
        total += accuracy(gram, y, n_classes, &train, &test, c);
    }
    100.0 * total / 10.0
}

fn main() {
    let repeats: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(3);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if !data.exists() {
        eprintln!("skipping: {} is absent", data.display());
        return;
    }
    for name in ["MUTAG", "PTC_MR", "ENZYMES"] {
        let d = read_tu(&data.join("tu").join(name)).expect("read");
        let (y, n_classes) = codes(d.labels.as_ref().expect("labels"));
        for (label, kernel) in [
            ("wl", GraphKernel::WeisfeilerLehman { h: 5, normalize: true }),
            ("sp", GraphKernel::ShortestPath { normalize: true }),
        ] {
            // A fresh collection each time: no memoised feature map carries over.
            let seconds = median_seconds(|| {
                let fresh = d.x.clone();
                std::hint::black_box(gram_matrix(&kernel, &fresh, Par::Seq));
            });
            let gram = Arc::new(gram_matrix(&kernel, &d.x, Par::Seq));
            let accs: Vec<f64> = (0..repeats).map(|r| cross_validate(&gram, &y, n_classes, true, r)).collect();
            let mean = accs.iter().sum::<f64>() / accs.len() as f64;
            let std = (accs.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / accs.len() as f64).sqrt();
            println!(
                "{{\"data\":\"{name}\",\"kernel\":\"{label}\",\"gram_seconds\":{seconds},\"accuracy\":{mean},\"accuracy_std\":{std},\"repeats\":{repeats}}}"
            );
        }
    }
    for (file, ks) in [("uci_promoters.data", [3, 4, 5]), ("uci_splice.csv", [3, 4, 5])] {
        let d = read_sequences(&data.join("strings").join(file), None, &SequenceOptions::default()).expect("read");
        let (y, n_classes) = codes(d.labels.as_ref().expect("labels"));
        for k in ks {
            let kernel = StringKernel::Spectrum { k, normalize: true };
            let seconds = median_seconds(|| {
                let fresh = d.x.clone();
                std::hint::black_box(gram_matrix(&kernel, &fresh, Par::Seq));
            });
            let gram = Arc::new(gram_matrix(&kernel, &d.x, Par::Seq));
            let accuracy = cross_validate(&gram, &y, n_classes, false, 0);
            println!(
                "{{\"data\":\"{file}\",\"kernel\":\"spectrum k={k}\",\"gram_seconds\":{seconds},\"accuracy\":{accuracy}}}"
            );
        }
    }
}
