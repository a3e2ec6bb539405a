//! Each vector kernel against its textbook formula, dense against sparse rows,
//! the GEMM tile path against pairwise evaluation, and Gram invariants.

mod common;

use common::{Rng, all_kernels, close, dense, random_rows, sparse};
use faer::linalg::cholesky::llt::factor::{LltParams, LltRegularization, cholesky_in_place, cholesky_in_place_scratch};
use faer::{Mat, Par};
use kern_kernels::{DataSet, Kernel, KernelError, Row, TILE, VectorKernel, cross_gram, gram_matrix};

/// The textbook formula of each base kernel, written out independently of the
/// library (explicit loops over features).
fn textbook(kernel: &VectorKernel, x: &[f64], y: &[f64]) -> f64 {
    use VectorKernel::*;
    let dot: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
    let d2: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
    let l1: f64 = x.iter().zip(y).map(|(a, b)| (a - b).abs()).sum();
    let r = d2.sqrt();
    match kernel {
        Linear => dot,
        Polynomial { gamma, coef0, degree } => (gamma * dot + coef0).powf(*degree as f64),
        Rbf { gamma } => (-gamma * d2).exp(),
        Laplacian { gamma } => (-gamma * l1).exp(),
        Sigmoid { gamma, coef0 } => (gamma * dot + coef0).tanh(),
        Matern12 { lengthscale } => (-r / lengthscale).exp(),
        Matern32 { lengthscale } => {
            let s = 3f64.sqrt() * r / lengthscale;
            (1.0 + s) * (-s).exp()
        }
        Matern52 { lengthscale } => {
            let s = 5f64.sqrt() * r / lengthscale;
            (1.0 + s + 5.0 * d2 / (3.0 * lengthscale * lengthscale)) * (-s).exp()
        }
        ArdRbf { lengthscales } => {
            let q: f64 = x.iter().zip(y).zip(lengthscales).map(|((a, b), l)| ((a - b) / l).powi(2)).sum();
            (-0.5 * q).exp()
        }
        ArdMatern32 { lengthscales } | ArdMatern52 { lengthscales } => {
            let q: f64 = x.iter().zip(y).zip(lengthscales).map(|((a, b), l)| ((a - b) / l).powi(2)).sum();
            let nu32 = matches!(kernel, ArdMatern32 { .. });
            let s = if nu32 { 3f64 } else { 5f64 }.sqrt() * q.sqrt();
            if nu32 { (1.0 + s) * (-s).exp() } else { (1.0 + s + s * s / 3.0) * (-s).exp() }
        }
        Sum(t) => t.iter().map(|k| textbook(k, x, y)).sum(),
        Product(t) => t.iter().map(|k| textbook(k, x, y)).product(),
        Scaled { scale, kernel } => scale * textbook(kernel, x, y),
        Normalized(k) => textbook(k, x, y) / (textbook(k, x, x) * textbook(k, y, y)).sqrt(),
        // x's value in the column y's number names.
        Precomputed => x[y[0] as usize],
        Periodic { lengthscale, period } => {
            let s: f64 =
                x.iter().zip(y).map(|(a, b)| (std::f64::consts::PI * (a - b).abs() / period).sin().powi(2)).sum();
            (-2.0 * s / (lengthscale * lengthscale)).exp()
        }
        RationalQuadratic { lengthscale, alpha } => (1.0 + d2 / (2.0 * alpha * lengthscale * lengthscale)).powf(-alpha),
        DotProduct { sigma0 } => sigma0 * sigma0 + dot,
        Constant { value } => *value,
    }
}

#[test]
fn every_kernel_equals_its_textbook_formula() {
    let mut rng = Rng::new(1);
    let d = 7;
    let rows = random_rows(&mut rng, 40, d, 0.0);
    for (name, k) in all_kernels(d) {
        k.validate(d).unwrap();
        for i in 0..rows.len() {
            for j in 0..rows.len() {
                let got = k.eval_rows(&Row::Dense(&rows[i]), &Row::Dense(&rows[j]));
                let want = textbook(&k, &rows[i], &rows[j]);
                assert!(close(got, want, 1e-12, 1e-300), "{name}: k(x{i}, x{j}) = {got}, textbook {want}");
            }
        }
    }
}

#[test]
fn dense_and_sparse_rows_give_the_same_values() {
    let mut rng = Rng::new(2);
    let d = 12;
    let rows = random_rows(&mut rng, 60, d, 0.6);
    let (xd, xs) = (dense(&rows), sparse(&rows, d));
    assert!(xs.is_sparse() && !xd.is_sparse());
    let idx: Vec<usize> = (0..rows.len()).collect();
    for (name, k) in all_kernels(d) {
        let mut kd = Mat::zeros(idx.len(), idx.len());
        let mut ks = Mat::zeros(idx.len(), idx.len());
        k.block(&xd, &idx, &xd, &idx, kd.as_mut(), Par::Seq);
        k.block(&xs, &idx, &xs, &idx, ks.as_mut(), Par::Seq);
        for i in 0..idx.len() {
            for j in 0..idx.len() {
                assert!(
                    close(kd[(i, j)], ks[(i, j)], 1e-12, 1e-12),
                    "{name} ({i}, {j}): dense {} sparse {}",
                    kd[(i, j)],
                    ks[(i, j)]
                );
                let pair = k.eval(&xs, i, &xd, j);
                assert!(close(pair, kd[(i, j)], 1e-10, 1e-12), "{name}: mixed sparse/dense pair");
            }
        }
        // A mixed block (sparse rows against dense columns) densifies one side.
        let mut km = Mat::zeros(idx.len(), idx.len());
        k.block(&xs, &idx, &xd, &idx, km.as_mut(), Par::Seq);
        assert!(
            (0..idx.len()).all(|i| (0..idx.len()).all(|j| close(km[(i, j)], kd[(i, j)], 1e-10, 1e-12))),
            "{name}: mixed block"
        );
    }
}

/// The tiled GEMM path (and the sparse scatter path) against pairwise
/// evaluation, on blocks larger than one tile with arbitrary index sets.
#[test]
fn gemm_blocks_equal_pairwise_evaluation() {
    let mut rng = Rng::new(3);
    let d = 9;
    let n = TILE + 77;
    let rows = random_rows(&mut rng, n, d, 0.3);
    let rows_idx: Vec<usize> = (0..n).rev().step_by(1).collect();
    let cols_idx: Vec<usize> = (0..n).filter(|j| j % 3 != 1).collect();
    for x in [dense(&rows), sparse(&rows, d)] {
        for (name, k) in all_kernels(d) {
            let mut block = Mat::zeros(rows_idx.len(), cols_idx.len());
            k.block(&x, &rows_idx, &x, &cols_idx, block.as_mut(), Par::rayon(2));
            for (r, &i) in rows_idx.iter().enumerate() {
                for (c, &j) in cols_idx.iter().enumerate() {
                    let want = k.eval_rows(&x.row(i), &x.row(j));
                    assert!(
                        close(block[(r, c)], want, 1e-10, 1e-10),
                        "{name} sparse={} ({i}, {j}): block {} pairwise {want}",
                        x.is_sparse(),
                        block[(r, c)]
                    );
                }
            }
        }
    }
}

/// Thin blocks (a few rows against many columns, as SMO asks) take other
/// paths: the transpose in tall tiles, for sparse data an inverted index,
/// and for narrow dense data products with every sample, then picked out
/// (when the columns are not a small subset).
#[test]
fn thin_blocks_equal_pairwise_evaluation() {
    let mut rng = Rng::new(9);
    let d = 11;
    let rows = random_rows(&mut rng, 5000, d, 0.7);
    let few = [4321usize, 7, 2500];
    // Shuffled columns including the rows themselves (self pairs), all of
    // them or a scattered few (a shrunk active set).
    let all: Vec<usize> = (0..5000).map(|j| (j * 7919) % 5000).collect();
    for (x, cols) in
        [dense(&rows), sparse(&rows, d)].into_iter().flat_map(|x| [(x.clone(), all.clone()), (x, all[..300].to_vec())])
    {
        for (name, k) in all_kernels(d) {
            for n_rows in 1..=few.len() {
                let mut block = Mat::zeros(n_rows, cols.len());
                k.block(&x, &few[..n_rows], &x, &cols, block.as_mut(), Par::rayon(2));
                for (r, &i) in few[..n_rows].iter().enumerate() {
                    for (c, &j) in cols.iter().enumerate() {
                        let want = k.eval_rows(&x.row(i), &x.row(j));
                        // A sample against itself is at distance exactly 0.
                        assert!(i != j || block[(r, c)] == want, "{name}: self pair {i}: {}", block[(r, c)]);
                        assert!(
                            close(block[(r, c)], want, 1e-10, 1e-10),
                            "{name} sparse={} ({i}, {j}): {} vs {want}",
                            x.is_sparse(),
                            block[(r, c)]
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn grams_are_symmetric_and_positive_semidefinite() {
    let mut rng = Rng::new(4);
    let d = 5;
    let rows = random_rows(&mut rng, TILE + 20, d, 0.2);
    for x in [dense(&rows), sparse(&rows, d)] {
        for (name, k) in all_kernels(d) {
            let gram = gram_matrix(&k, &x, Par::rayon(2));
            let n = gram.nrows();
            for i in 0..n {
                for j in 0..i {
                    assert_eq!(gram[(i, j)], gram[(j, i)], "{name}: not exactly symmetric at ({i}, {j})");
                }
            }
            // The sigmoid kernel is not PSD in general (Lin & Lin 2003): only symmetry holds.
            if name == "sigmoid" {
                continue;
            }
            let mut a = gram.clone();
            for i in 0..n {
                a[(i, i)] += 1e-10;
            }
            let mut mem =
                faer::dyn_stack::MemBuffer::new(cholesky_in_place_scratch::<f64>(n, Par::Seq, Default::default()));
            let stack = faer::dyn_stack::MemStack::new(&mut mem);
            let llt = cholesky_in_place(
                a.as_mut(),
                LltRegularization::default(),
                Par::Seq,
                stack,
                <LltParams as faer::Auto<f64>>::auto().into(),
            );
            assert!(llt.is_ok(), "{name}: K + 1e-10 I is not positive definite ({llt:?})");
        }
    }
}

#[test]
fn every_hyperparameter_gradient_matches_central_differences() {
    let mut rng = Rng::new(9);
    let d = 3;
    let rows = random_rows(&mut rng, 12, d, 0.0);
    for (name, k) in all_kernels(d) {
        let theta: Vec<f64> = k.hyperparameters().iter().map(|h| h.value).collect();
        let mut grad = vec![0.0; theta.len()];
        for i in 0..rows.len() {
            for j in 0..=i {
                let (x, y) = (Row::Dense(&rows[i]), Row::Dense(&rows[j]));
                k.value_and_gradient(&x, &y, &mut grad);
                for t in 0..theta.len() {
                    // ∂k/∂ log θ_t by a central difference in log θ_t.
                    let at = |h: f64| {
                        let mut moved = theta.clone();
                        moved[t] *= h.exp();
                        k.with_hyperparameters(&moved).eval_rows(&x, &y)
                    };
                    let h = 1e-5;
                    let fd = (at(h) - at(-h)) / (2.0 * h);
                    assert!(
                        (grad[t] - fd).abs() <= 1e-6 * grad[t].abs().max(1.0),
                        "{name}, parameter {t} at ({i}, {j}): analytic {} vs {fd}",
                        grad[t]
                    );
                }
            }
        }
    }
}

#[test]
fn stationary_kernels_have_unit_diagonal_and_normalized_kernels_too() {
    let mut rng = Rng::new(5);
    let d = 4;
    let x = dense(&random_rows(&mut rng, 50, d, 0.0));
    let idx: Vec<usize> = (0..50).collect();
    for (name, k) in all_kernels(d) {
        let mut diag = vec![0.0; idx.len()];
        k.diagonal(&x, &idx, &mut diag);
        let gram = gram_matrix(&k, &x, Par::Seq);
        for i in 0..idx.len() {
            assert!(close(diag[i], gram[(i, i)], 1e-14, 1e-300), "{name}: diagonal disagrees with the Gram");
            if k.is_stationary()
                && !matches!(
                    k,
                    VectorKernel::Sum(_)
                        | VectorKernel::Product(_)
                        | VectorKernel::Scaled { .. }
                        | VectorKernel::Constant { .. }
                )
            {
                assert!((diag[i] - 1.0).abs() < 1e-15, "{name}: k(x, x) = {}", diag[i]);
            }
        }
    }
}

#[test]
fn parallel_blocks_are_bit_identical_to_sequential_ones() {
    let mut rng = Rng::new(6);
    let rows = random_rows(&mut rng, 2 * TILE + 5, 33, 0.0);
    let x = dense(&rows);
    for (name, k) in all_kernels(33) {
        let seq = gram_matrix(&k, &x, Par::Seq);
        let par = gram_matrix(&k, &x, Par::rayon(2));
        assert!(seq == par, "{name}: thread count changed the Gram");
    }
}

#[test]
fn cross_gram_matches_pairs_and_handles_wider_test_sets() {
    let mut rng = Rng::new(7);
    let train = dense(&random_rows(&mut rng, 30, 3, 0.0));
    let test = sparse(&random_rows(&mut rng, 20, 3, 0.5), 3);
    let k = VectorKernel::Rbf { gamma: 0.9 };
    let kx = cross_gram(&k, &test, &train, Par::Seq);
    assert_eq!((kx.nrows(), kx.ncols()), (20, 30));
    for i in 0..20 {
        for j in 0..30 {
            assert!(close(kx[(i, j)], k.eval(&test, i, &train, j), 1e-12, 1e-12));
        }
    }
}

#[test]
fn very_wide_sparse_rows_use_merged_products() {
    // Past the scatter limit, products are merged pairwise; values must agree
    // with the narrow (scattered) computation of the same rows.
    let mut rng = Rng::new(8);
    let rows = random_rows(&mut rng, 40, 6, 0.4);
    let narrow = sparse(&rows, 6);
    let wide = DataSet::from({
        let mut m = kern_kernels::SparseMatrix::with_cols(4_000_000_000);
        for row in &rows {
            let idx: Vec<u32> = (0..6u32).filter(|&j| row[j as usize] != 0.0).map(|j| j * 700_000_000).collect();
            let val: Vec<f64> = idx.iter().map(|&j| row[(j / 700_000_000) as usize]).collect();
            m.push_row(&idx, &val).unwrap();
        }
        m
    });
    for (name, k) in all_kernels(6) {
        if matches!(
            k,
            VectorKernel::ArdRbf { .. } | VectorKernel::ArdMatern32 { .. } | VectorKernel::ArdMatern52 { .. }
        ) {
            continue; // ARD needs one lengthscale per feature.
        }
        let a = gram_matrix(&k, &narrow, Par::Seq);
        let b = gram_matrix(&k, &wide, Par::Seq);
        for i in 0..40 {
            for j in 0..40 {
                assert!(close(a[(i, j)], b[(i, j)], 1e-12, 1e-12), "{name} ({i}, {j})");
            }
        }
    }
}

#[test]
fn invalid_parameters_are_rejected() {
    use VectorKernel::*;
    assert!(matches!(Rbf { gamma: 0.0 }.validate(2), Err(KernelError::InvalidParameter { name: "gamma", .. })));
    assert!(matches!(Rbf { gamma: f64::NAN }.validate(2), Err(KernelError::InvalidParameter { .. })));
    assert!(matches!(
        Matern32 { lengthscale: -1.0 }.validate(2),
        Err(KernelError::InvalidParameter { name: "lengthscale", .. })
    ));
    assert!(matches!(
        Polynomial { gamma: 1.0, coef0: 0.0, degree: 0 }.validate(2),
        Err(KernelError::InvalidParameter { name: "degree", .. })
    ));
    assert_eq!(
        ArdRbf { lengthscales: vec![1.0] }.validate(2),
        Err(KernelError::LengthscaleCount { expected: 2, got: 1 })
    );
    assert_eq!(Sum(vec![]).validate(2), Err(KernelError::EmptyComposite("sum")));
    assert!(Scaled { scale: 0.0, kernel: Box::new(Linear) }.validate(2).is_err());
    assert!(Normalized(Box::new(Sum(vec![Linear, Rbf { gamma: -1.0 }]))).validate(2).is_err());
}

#[test]
fn precomputed_blocks_read_the_named_columns() {
    use kern_kernels::{DenseMatrix, SparseMatrix, check_precomputed_ids};
    // Rows (id, K(x, x1..x4)) of a symmetric matrix, ids out of order.
    let ids = [3.0, 1.0, 4.0, 2.0];
    let k = |a: usize, b: usize| 1.0 / (1.0 + (a as f64 - b as f64).abs()) + if a == b { 0.5 } else { 0.0 };
    let rows: Vec<Vec<f64>> =
        ids.iter().map(|&id| std::iter::once(id).chain((1..=4).map(|j| k(id as usize, j))).collect()).collect();
    let dense = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    let mut sparse = SparseMatrix::with_cols(5);
    for r in &rows {
        let idx: Vec<u32> = (0..5).collect();
        sparse.push_row(&idx, r).unwrap();
    }
    let sparse = DataSet::from(sparse);
    check_precomputed_ids(&dense).unwrap();
    let (sel_rows, sel_cols) = ([2usize, 0, 3], [1usize, 3, 0, 2]);
    for data in [&dense, &sparse] {
        let mut out = Mat::zeros(3, 4);
        VectorKernel::Precomputed.block(data, &sel_rows, data, &sel_cols, out.as_mut(), Par::Seq);
        let mut diag = vec![0.0; 3];
        VectorKernel::Precomputed.diagonal(data, &sel_rows, &mut diag);
        for (r, &i) in sel_rows.iter().enumerate() {
            for (c, &j) in sel_cols.iter().enumerate() {
                assert_eq!(out[(r, c)], textbook(&VectorKernel::Precomputed, &rows[i], &rows[j]));
                assert_eq!(out[(r, c)], k(ids[i] as usize, ids[j] as usize));
            }
            assert_eq!(diag[r], k(ids[i] as usize, ids[i] as usize));
        }
    }
}
