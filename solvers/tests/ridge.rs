//! Kernel ridge against a direct dense solve written here, independent of faer.

use faer::{Mat, Par};
use kern_kernels::{DataSet, DenseMatrix, Row, VectorKernel};
use kern_solvers::{KernelRidge, KernelRidgeModel, SolverError};

fn lcg(seed: &mut u64) -> f64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ((*seed >> 11) as f64) / ((1u64 << 53) as f64)
}

fn data(n: usize, d: usize, seed: u64) -> (Vec<Vec<f64>>, DataSet) {
    let mut s = seed;
    let rows: Vec<Vec<f64>> = (0..n).map(|_| (0..d).map(|_| 2.0 * lcg(&mut s) - 1.0).collect()).collect();
    let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    (rows, x)
}

/// Gaussian elimination with partial pivoting on `[A | B]`.
fn direct_solve(mut a: Vec<Vec<f64>>, mut b: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = a.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).unwrap();
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let f = a[row][col] / a[col][col];
            for k in col..n {
                a[row][k] -= f * a[col][k];
            }
            for t in 0..b[row].len() {
                b[row][t] -= f * b[col][t];
            }
        }
    }
    for col in (0..n).rev() {
        for t in 0..b[col].len() {
            let s: f64 = (col + 1..n).map(|k| a[col][k] * b[k][t]).sum();
            b[col][t] = (b[col][t] - s) / a[col][col];
        }
    }
    b
}

#[test]
fn predictions_equal_a_direct_solve_for_several_targets() {
    let (rows, x) = data(120, 4, 11);
    let (test_rows, test) = data(37, 4, 12);
    let kernel = VectorKernel::Sum(vec![VectorKernel::Rbf { gamma: 0.8 }, VectorKernel::Linear]);
    let alpha = 0.05;
    let y = Mat::from_fn(120, 3, |i, t| rows[i][0].sin() * (t + 1) as f64 + rows[i][1] * rows[i][2] - t as f64);

    let model = KernelRidgeModel::fit(kernel.clone(), x, y.as_ref(), KernelRidge { alpha }, Par::rayon(2)).unwrap();
    let pred = model.predict(&test, Par::rayon(2));

    let k = |a: &[f64], b: &[f64]| kernel.eval_rows(&Row::Dense(a), &Row::Dense(b));
    let a: Vec<Vec<f64>> = (0..120)
        .map(|i| (0..120).map(|j| k(&rows[i], &rows[j]) + if i == j { alpha } else { 0.0 }).collect())
        .collect();
    let b: Vec<Vec<f64>> = (0..120).map(|i| (0..3).map(|t| y[(i, t)]).collect()).collect();
    let dual = direct_solve(a, b);
    for (i, test_row) in test_rows.iter().enumerate() {
        for t in 0..3 {
            let want: f64 = (0..120).map(|j| k(test_row, &rows[j]) * dual[j][t]).sum();
            assert!(
                (pred[(i, t)] - want).abs() <= 1e-9 * want.abs().max(1.0),
                "test {i} target {t}: {} vs {want}",
                pred[(i, t)]
            );
        }
    }
    for j in 0..120 {
        for t in 0..3 {
            assert!((model.dual()[(j, t)] - dual[j][t]).abs() <= 1e-8 * dual[j][t].abs().max(1.0));
        }
    }
}

#[test]
fn chunked_prediction_equals_one_block() {
    let (_, x) = data(50, 3, 21);
    let (_, test) = data(5000, 3, 22);
    let y = Mat::from_fn(50, 1, |i, _| (i as f64).cos());
    let kernel = VectorKernel::Matern52 { lengthscale: 0.7 };
    let model =
        KernelRidgeModel::fit(kernel.clone(), x.clone(), y.as_ref(), KernelRidge { alpha: 0.1 }, Par::Seq).unwrap();
    let pred = model.predict(&test, Par::rayon(2));
    let k = kern_kernels::cross_gram(&kernel, &test, &x, Par::Seq);
    let want = &k * model.dual();
    for i in 0..5000 {
        assert!((pred[(i, 0)] - want[(i, 0)]).abs() < 1e-12 * want[(i, 0)].abs().max(1.0));
    }
}

#[test]
fn tiny_alpha_interpolates_the_training_targets() {
    let (rows, x) = data(40, 2, 31);
    let y = Mat::from_fn(40, 1, |i, _| rows[i][0] - 2.0 * rows[i][1]);
    let model = KernelRidgeModel::fit(
        VectorKernel::Rbf { gamma: 2.0 },
        x.clone(),
        y.as_ref(),
        KernelRidge { alpha: 1e-10 },
        Par::Seq,
    )
    .unwrap();
    let fitted = model.predict(&x, Par::Seq);
    for i in 0..40 {
        assert!((fitted[(i, 0)] - y[(i, 0)]).abs() < 1e-6, "row {i}");
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    let (_, x) = data(10, 2, 41);
    let y = Mat::from_fn(10, 1, |i, _| i as f64);
    let fit = |kernel, alpha, y: &Mat<f64>| {
        KernelRidgeModel::fit(kernel, x.clone(), y.as_ref(), KernelRidge { alpha }, Par::Seq)
    };
    assert!(matches!(fit(VectorKernel::Linear, 0.0, &y), Err(SolverError::InvalidParameter { name: "alpha", .. })));
    assert!(matches!(fit(VectorKernel::Linear, f64::INFINITY, &y), Err(SolverError::InvalidParameter { .. })));
    let short = Mat::from_fn(9, 1, |i, _| i as f64);
    assert!(matches!(fit(VectorKernel::Linear, 1.0, &short), Err(SolverError::DimensionMismatch { .. })));
    let mut nan = y.clone();
    nan[(3, 0)] = f64::NAN;
    assert_eq!(fit(VectorKernel::Linear, 1.0, &nan).unwrap_err(), SolverError::NonFiniteTarget { index: 3 });
    // tanh(10 ⟨x, y⟩ − 5) is strongly indefinite on this data.
    let sigmoid = VectorKernel::Sigmoid { gamma: 10.0, coef0: -5.0 };
    assert!(matches!(fit(sigmoid, 1e-6, &y), Err(SolverError::NotPositiveDefinite { .. })));
}

#[test]
fn leave_one_out_shortcut_equals_refitting_without_each_sample() {
    use kern_kernels::{DataSet, DenseMatrix, ExactGram, VectorKernel};
    use kern_solvers::{KernelRidge, KernelRidgeModel, LooPath};
    let n = 25;
    let rows: Vec<Vec<f64>> = (0..n).map(|i| vec![(i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()]).collect();
    let y = faer::Mat::from_fn(n, 2, |i, t| rows[i][0] * (t as f64 + 1.0) + 0.1 * (i % 3) as f64);
    let kernel = VectorKernel::Rbf { gamma: 0.8 };
    let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    let path = LooPath::new(&ExactGram::new(&kernel, &x, faer::Par::Seq), y.as_ref(), faer::Par::Seq).unwrap();
    for alpha in [1e-3, 0.1, 2.0] {
        let shortcut = path.residuals(alpha).unwrap();
        for i in 0..n {
            let keep: Vec<usize> = (0..n).filter(|&j| j != i).collect();
            let xi = DataSet::from(
                DenseMatrix::from_rows(&keep.iter().map(|&j| rows[j].clone()).collect::<Vec<_>>()).unwrap(),
            );
            let yi = faer::Mat::from_fn(n - 1, 2, |r, t| y[(keep[r], t)]);
            let m =
                KernelRidgeModel::fit(kernel.clone(), xi, yi.as_ref(), KernelRidge { alpha }, faer::Par::Seq).unwrap();
            let held = DataSet::from(DenseMatrix::from_rows(&[rows[i].clone()]).unwrap());
            let pred = m.predict(&held, faer::Par::Seq);
            for t in 0..2 {
                let brute = y[(i, t)] - pred[(0, t)];
                assert!(
                    (shortcut[(i, t)] - brute).abs() <= 1e-8 * brute.abs().max(1.0),
                    "alpha {alpha}, sample {i}: {} vs {brute}",
                    shortcut[(i, t)]
                );
            }
        }
    }
    let chosen = path.select().unwrap();
    assert!(chosen.grid.iter().all(|&(_, mse)| mse >= chosen.loo_mse));
    let (model, sel) = KernelRidgeModel::fit_auto(kernel.clone(), x, y.as_ref(), faer::Par::Seq).unwrap();
    assert_eq!(sel, chosen);
    assert_eq!(model.params.alpha, chosen.alpha);
}
