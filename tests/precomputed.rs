//! LIBSVM's precomputed kernel (`-t 4`, rows `label 0:i 1:K(xi,x1) ...`):
//! training on the Gram matrix of a kernel gives the model that training on
//! the vectors with that kernel gives.

mod common;

use common::{assert_one_line_error, json, kern, scratch, stderr, write};
use kern::{DataSet, DenseMatrix, Par, VectorKernel, cross_gram, gram_matrix};

/// Two noisy classes in 3-d (a fixed LCG, so the data never changes).
fn blobs(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut state = seed;
    let mut uniform = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let label = if i % 2 == 0 { 1.0 } else { -1.0 };
        x.push((0..3).map(|_| 0.6 * label + 2.0 * uniform() - 1.0).collect());
        y.push(label + 0.3 * uniform());
    }
    (x, y)
}

fn vector_file(x: &[Vec<f64>], y: &[f64]) -> String {
    x.iter()
        .zip(y)
        .map(|(row, label)| {
            let feats: Vec<String> = row.iter().enumerate().map(|(j, v)| format!("{}:{v:?}", j + 1)).collect();
            format!("{label:?} {}\n", feats.join(" "))
        })
        .collect()
}

/// `label 0:i 1:K(x, x1) ... L:K(x, xL)`; `i` counts from 1 (test rows too:
/// LIBSVM ignores their column 0).
fn precomputed_file(k: &faer::Mat<f64>, y: &[f64]) -> String {
    (0..k.nrows())
        .map(|i| {
            let vals: Vec<String> = (0..k.ncols()).map(|j| format!("{}:{:?}", j + 1, k[(i, j)])).collect();
            format!("{:?} 0:{} {}\n", y[i], i + 1, vals.join(" "))
        })
        .collect()
}

#[test]
fn a_gram_matrix_trains_the_model_its_kernel_trains() {
    let dir = scratch();
    let (xtr, ytr) = blobs(150, 7);
    let (xte, yte) = blobs(60, 99);
    let kernel = VectorKernel::Rbf { gamma: 0.5 };
    let dtr = DataSet::from(DenseMatrix::from_rows(&xtr).unwrap());
    let dte = DataSet::from(DenseMatrix::from_rows(&xte).unwrap());
    let ktr = gram_matrix(&kernel, &dtr, Par::Seq);
    let kte = cross_gram(&kernel, &dte, &dtr, Par::Seq);
    let class = |y: &[f64]| y.iter().map(|v| v.signum()).collect::<Vec<_>>();
    for (task, ytr, yte) in [("svc", class(&ytr), class(&yte)), ("svr", ytr.clone(), yte.clone())] {
        write(dir.path(), "tr.vec", vector_file(&xtr, &ytr));
        write(dir.path(), "te.vec", vector_file(&xte, &yte));
        write(dir.path(), "tr.pre", precomputed_file(&ktr, &ytr));
        write(dir.path(), "te.pre", precomputed_file(&kte, &yte));
        let common = ["--task", task, "-c", "2", "--json"];
        let by_vectors =
            json(&kern(dir.path(), &[&["fit", "tr.vec", "-g", "0.5", "-o", "v.model"][..], &common].concat()));
        let by_gram = json(&kern(
            dir.path(),
            &[&["fit", "tr.pre", "--kernel", "precomputed", "-o", "p.model"][..], &common].concat(),
        ));
        assert_eq!(by_gram["kernel"], "precomputed");
        for key in ["n_support", "iterations", "n_bounded_support"] {
            assert_eq!(by_vectors[key], by_gram[key], "{task}: {key}");
        }
        for key in ["rho", "objective"] {
            let (a, b) = (by_vectors[key].as_f64().unwrap(), by_gram[key].as_f64().unwrap());
            assert!((a - b).abs() <= 1e-12 * (1.0 + a.abs()), "{task}: {key} {a} vs {b}");
        }
        json(&kern(dir.path(), &["predict", "v.model", "te.vec", "-o", "v.out", "--json"]));
        json(&kern(dir.path(), &["predict", "p.model", "te.pre", "-o", "p.out", "--json"]));
        // Exported to LIBSVM's format (support vectors as `0:i`) and read back.
        let export = kern(dir.path(), &["export", "p.model", "--to", "libsvm", "-o", "p.libsvm"]);
        assert!(export.status.success(), "{}", stderr(&export));
        let sv_text = std::fs::read_to_string(dir.path().join("p.libsvm")).unwrap();
        assert!(sv_text.contains("kernel_type precomputed"));
        let sv_lines: Vec<&str> = sv_text.lines().skip_while(|l| *l != "SV").skip(1).collect();
        assert!(sv_lines.iter().all(|l| l.split_whitespace().last().unwrap().starts_with("0:")));
        json(&kern(dir.path(), &["predict", "p.libsvm", "te.pre", "-o", "l.out", "--json"]));
        let read = |name: &str| -> Vec<f64> {
            let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
            text.lines().map(|l| l.parse().unwrap()).collect()
        };
        let (v, p, l) = (read("v.out"), read("p.out"), read("l.out"));
        assert_eq!(v.len(), 60);
        for ((a, b), c) in v.iter().zip(&p).zip(&l) {
            assert!((a - b).abs() <= 1e-9 * (1.0 + a.abs()), "{task}: {a} vs {b}");
            assert!((b - c).abs() <= 1e-9 * (1.0 + b.abs()), "{task}: exported {c} vs {b}");
        }
    }
}

#[test]
fn rows_without_a_sample_number_are_refused() {
    let dir = scratch();
    write(dir.path(), "bad.pre", "1 0:1 1:1.0 2:0.5\n-1 0:7 1:0.5 2:1.0\n");
    let out = kern(dir.path(), &["fit", "bad.pre", "--kernel", "precomputed"]);
    assert_one_line_error(&out, &["bad.pre", "sample 2", "0:i", "found 7"]);
    assert!(!dir.path().join("bad.pre.model").exists());
    // Index 0 in an ordinary LibSVM file points at the option that reads it.
    let out = kern(dir.path(), &["fit", "bad.pre"]);
    assert_one_line_error(&out, &["bad.pre:1", "field 2", "--kernel precomputed"]);
    // A precomputed kernel cannot hide inside a composite.
    let nested = VectorKernel::Sum(vec![VectorKernel::Precomputed, VectorKernel::Linear]);
    assert!(nested.validate(3).is_err());
}
