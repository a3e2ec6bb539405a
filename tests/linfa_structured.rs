//! Sequences and graphs as linfa records: the string- and graph-kernel
//! estimators fitted through linfa give the models kern's solvers give on
//! the same samples, and learn what the generated labels encode.
#![cfg(feature = "linfa")]

use faer::Mat;
use kern::approx::SplitMix64;
use kern::kernels::{Graph, GraphKernel, Graphs, Sequences, StringKernel};
use kern::linfa::{GraphRecords, SequenceRecords};
use kern::solvers::{KernelRidge as KrrSolver, SvmKind, SvmParams};
use kern::{KernelKind, KernelRidgeModel, Par};
use linfa::prelude::*;
use ndarray::Array1;

/// Random DNA of length 30; odd records carry the motif GATTACA.
fn dna(n: usize, seed: u64) -> (Vec<String>, Array1<bool>) {
    let mut rng = SplitMix64::new(seed);
    let seqs = (0..n)
        .map(|i| {
            let mut s: Vec<u8> = (0..30).map(|_| b"ACGT"[(rng.uniform() * 4.0) as usize % 4]).collect();
            if i % 2 == 1 {
                let at = (rng.uniform() * 23.0) as usize;
                s[at..at + 7].copy_from_slice(b"GATTACA");
            }
            String::from_utf8(s).unwrap()
        })
        .collect();
    (seqs, (0..n).map(|i| i % 2 == 1).collect())
}

/// How often `pattern` occurs in `s` (overlaps counted).
fn count(s: &str, pattern: &str) -> f64 {
    s.as_bytes().windows(pattern.len()).filter(|w| *w == pattern.as_bytes()).count() as f64
}

/// Labelled graphs of 6 to 11 nodes: rings (class 1) and paths (class 0),
/// node labels drawn from {0, 1, 2}.
fn rings_and_paths(n: usize, seed: u64) -> (Vec<Graph>, Array1<usize>) {
    let mut rng = SplitMix64::new(seed);
    let graphs = (0..n)
        .map(|i| {
            let m = 6 + (rng.uniform() * 6.0) as usize % 6;
            let labels: Vec<i64> = (0..m).map(|_| (rng.uniform() * 3.0) as i64 % 3).collect();
            let mut edges: Vec<(usize, usize, Option<i64>)> = (0..m - 1).map(|v| (v, v + 1, None)).collect();
            if i % 2 == 1 {
                edges.push((m - 1, 0, None));
            }
            Graph::new(labels, &edges).unwrap()
        })
        .collect();
    (graphs, (0..n).map(|i| i % 2).collect())
}

#[test]
fn a_string_kernel_svc_through_linfa_is_kern_svc_on_the_sequences() {
    let (train, y) = dna(80, 1);
    let (test, y_test) = dna(40, 2);
    let records = SequenceRecords::new(&train);
    let model = kern::Svc::params()
        .kernel(KernelKind::Spectrum)
        .k(4)
        .c(10.0)
        .par(Par::Seq)
        .fit(&DatasetBase::new(records.clone(), y.clone()))
        .unwrap();
    assert_eq!(model.classes(), [false, true]);
    // kern's solver on the same sequences: codes in sorted class order.
    let codes: Vec<usize> = y.iter().map(|&b| usize::from(b)).collect();
    let kernel = StringKernel::Spectrum { k: 4, normalize: true };
    let params = SvmParams::new(SvmKind::CSvc { c: 10.0 });
    let direct =
        kern::solvers::train_classifier(&kernel, records.sequences(), &codes, 2, &params, Sequences::select, Par::Seq)
            .unwrap();
    assert!(model.model() == &direct, "linfa and kern fitted different models");
    let predicted = model.predict(&SequenceRecords::new(&test));
    let direct_codes = direct.predict_classes(&Sequences::new(&test), Par::Seq);
    assert!(predicted.iter().zip(&direct_codes).all(|(&p, &c)| usize::from(p) == c));
    let accuracy = predicted.iter().zip(&y_test).filter(|(a, b)| a == b).count() as f64 / 40.0;
    assert!(accuracy >= 0.9, "the motif is learnt: held-out accuracy {accuracy}");
}

#[test]
fn string_kernel_regressors_through_linfa_are_kern_regressors() {
    let (train, _) = dna(90, 3);
    let y: Array1<f64> = train.iter().map(|s| count(s, "GA")).collect();
    let records = SequenceRecords::new(&train);
    let dataset = DatasetBase::new(records.clone(), y.clone());
    let kernel = StringKernel::Spectrum { k: 2, normalize: false };

    let svr = kern::Svr::params()
        .kernel(KernelKind::Spectrum)
        .k(2)
        .normalize(false)
        .c(10.0)
        .epsilon(0.05)
        .par(Par::Seq)
        .fit(&dataset)
        .unwrap();
    let params = SvmParams::new(SvmKind::EpsilonSvr { c: 10.0, epsilon: 0.05 });
    let direct = kern::solvers::train_regressor(
        &kernel,
        records.sequences(),
        y.as_slice().unwrap(),
        &params,
        Sequences::select,
        Par::Seq,
    )
    .unwrap();
    assert!(svr.svr() == Some(&direct));
    assert!(svr.predict(&records).r2(&y).unwrap() > 0.95, "GA counts are linear in 2-mer counts");

    let ridge = kern::KernelRidge::params()
        .kernel(KernelKind::Spectrum)
        .k(2)
        .normalize(false)
        .alpha(0.1)
        .par(Par::Seq)
        .fit(&dataset)
        .unwrap();
    let targets = Mat::from_fn(y.len(), 1, |i, _| y[i]);
    let direct = KernelRidgeModel::fit(
        kernel,
        records.sequences().clone(),
        targets.as_ref(),
        KrrSolver { alpha: 0.1 },
        Par::Seq,
    )
    .unwrap();
    assert!(ridge.kernel_ridge() == Some(&direct));
    let predicted = ridge.predict(&records);
    let expected = direct.predict(records.sequences(), Par::Seq);
    assert!((0..y.len()).all(|i| predicted[i] == expected[(i, 0)]));
}

#[test]
fn a_graph_kernel_svc_through_linfa_is_kern_svc_on_the_graphs() {
    let (train, y) = rings_and_paths(60, 4);
    let (test, y_test) = rings_and_paths(30, 5);
    let records = GraphRecords::new(train);
    let model = kern::Svc::params()
        .kernel(KernelKind::Wl)
        .wl_rounds(3)
        .c(10.0)
        .par(Par::Seq)
        .fit(&DatasetBase::new(records.clone(), y.clone()))
        .unwrap();
    let kernel = GraphKernel::WeisfeilerLehman { h: 3, normalize: true };
    let params = SvmParams::new(SvmKind::CSvc { c: 10.0 });
    let codes = y.to_vec();
    let direct =
        kern::solvers::train_classifier(&kernel, records.graphs(), &codes, 2, &params, Graphs::select, Par::Seq)
            .unwrap();
    assert!(model.model() == &direct);
    let predicted = model.predict(&GraphRecords::new(test));
    let accuracy = predicted.iter().zip(&y_test).filter(|(a, b)| a == b).count() as f64 / 30.0;
    assert!(accuracy >= 0.9, "rings and paths differ in their WL labels: held-out accuracy {accuracy}");
}

#[test]
fn a_kernel_that_does_not_take_the_records_is_an_error_at_fit() {
    let (train, y) = dna(10, 6);
    let sequences = DatasetBase::new(SequenceRecords::new(&train), y.clone());
    let err = kern::Svc::params().kernel(KernelKind::Rbf).fit(&sequences).unwrap_err();
    assert!(err.to_string().contains("rbf"), "{err}");
    let err = kern::Svc::params().kernel(KernelKind::Wl).fit(&sequences).unwrap_err();
    assert!(err.to_string().contains("does not take sequences"), "{err}");
    let err = kern::Svc::params().vector_kernel(kern::VectorKernel::Linear).fit(&sequences).unwrap_err();
    assert!(err.to_string().contains("takes vectors"), "{err}");
    let (graphs, labels) = rings_and_paths(10, 7);
    let graphs = DatasetBase::new(GraphRecords::new(graphs), labels);
    let err = kern::Svc::params().kernel(KernelKind::Spectrum).fit(&graphs).unwrap_err();
    assert!(err.to_string().contains("does not take graphs"), "{err}");
}
