//! Sample weights in the SVMs and kernel ridge: an integer weight is the
//! same sample repeated that many times, for every LIBSVM problem (the dual
//! objective and decision values of the two fits agree), and bad weights
//! are refused.

use faer::{Mat, Par};
use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
use kern_solvers::{
    KernelRidge, KernelRidgeModel, SmoOptions, SolverError, SvmKind, SvmModel, SvmParams, train_classifier,
    train_one_class, train_regressor,
};

/// Samples in 2-D, three classes, a smooth target, and weights in {1, 2, 3}.
struct Problem {
    rows: Vec<Vec<f64>>,
    classes: Vec<usize>,
    target: Vec<f64>,
    weights: Vec<f64>,
}

fn problem(n: usize) -> Problem {
    let mut state = 0x5EED_u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut p = Problem { rows: Vec::new(), classes: Vec::new(), target: Vec::new(), weights: Vec::new() };
    for i in 0..n {
        let class = i % 3;
        let row = vec![class as f64 * 0.7 + 1.5 * uniform(), (class == 1) as u8 as f64 + 1.5 * uniform()];
        p.target.push((2.0 * row[0]).sin() + row[1] + 0.1 * uniform());
        p.rows.push(row);
        p.classes.push(class);
        p.weights.push(1.0 + (3.0 * uniform()).floor());
    }
    p
}

impl Problem {
    /// Row i repeated `weights[i]` times: the samples, and which row each is.
    fn repeated(&self) -> (DataSet, Vec<usize>) {
        let source: Vec<usize> = (0..self.rows.len()).flat_map(|i| vec![i; self.weights[i] as usize]).collect();
        let rows: Vec<Vec<f64>> = source.iter().map(|&i| self.rows[i].clone()).collect();
        (dataset(&rows), source)
    }
}

fn dataset(rows: &[Vec<f64>]) -> DataSet {
    DataSet::from(DenseMatrix::from_rows(rows).unwrap())
}

fn params(kind: SvmKind, weights: Vec<f64>) -> SvmParams {
    let smo = SmoOptions { tol: 1e-10, ..SmoOptions::default() };
    SvmParams { smo, sample_weights: weights, ..SvmParams::new(kind) }
}

/// The two models have the same dual objective and decision values (1e-6,
/// relative to their size) on a grid of test points.
fn assert_same(name: &str, weighted: &SvmModel<VectorKernel, DataSet>, repeated: &SvmModel<VectorKernel, DataSet>) {
    for (a, b) in weighted.pairs.iter().zip(&repeated.pairs) {
        let scale = 1.0 + a.objective.abs();
        assert!(
            (a.objective - b.objective).abs() < 1e-6 * scale,
            "{name}: objective {} vs {}",
            a.objective,
            b.objective
        );
    }
    let grid: Vec<Vec<f64>> = (0..49).map(|k| vec![(k % 7) as f64 * 0.4, (k / 7) as f64 * 0.4]).collect();
    let test = dataset(&grid);
    let (a, b) = (weighted.decision_values(&test, Par::Seq), repeated.decision_values(&test, Par::Seq));
    for i in 0..a.nrows() {
        for j in 0..a.ncols() {
            let scale = 1.0 + a[(i, j)].abs();
            assert!(
                (a[(i, j)] - b[(i, j)]).abs() < 1e-6 * scale,
                "{name}: decision value {} vs {}",
                a[(i, j)],
                b[(i, j)]
            );
        }
    }
}

#[test]
fn an_integer_weight_is_the_sample_repeated_in_every_svm() {
    let p = problem(90);
    let x = dataset(&p.rows);
    let (xr, source) = p.repeated();
    let kernel = VectorKernel::Rbf { gamma: 0.8 };
    let ones = Vec::new();
    for kind in [SvmKind::CSvc { c: 1.5 }, SvmKind::NuSvc { nu: 0.3 }] {
        let classes_r: Vec<usize> = source.iter().map(|&i| p.classes[i]).collect();
        let w =
            train_classifier(&kernel, &x, &p.classes, 3, &params(kind, p.weights.clone()), DataSet::select, Par::Seq);
        let r = train_classifier(&kernel, &xr, &classes_r, 3, &params(kind, ones.clone()), DataSet::select, Par::Seq);
        assert_same(kind.name(), &w.unwrap(), &r.unwrap());
    }
    let kind = SvmKind::OneClass { nu: 0.2 };
    let w = train_one_class(&kernel, &x, &params(kind, p.weights.clone()), DataSet::select, Par::Seq).unwrap();
    let r = train_one_class(&kernel, &xr, &params(kind, ones.clone()), DataSet::select, Par::Seq).unwrap();
    assert_same("oneclass", &w, &r);
    let target_r: Vec<f64> = source.iter().map(|&i| p.target[i]).collect();
    for kind in [SvmKind::EpsilonSvr { c: 2.0, epsilon: 0.1 }, SvmKind::NuSvr { c: 2.0, nu: 0.4 }] {
        let w = train_regressor(&kernel, &x, &p.target, &params(kind, p.weights.clone()), DataSet::select, Par::Seq);
        let r = train_regressor(&kernel, &xr, &target_r, &params(kind, ones.clone()), DataSet::select, Par::Seq);
        assert_same(kind.name(), &w.unwrap(), &r.unwrap());
    }
}

#[test]
fn weighted_kernel_ridge_is_the_sample_repeated_and_chooses_alpha_by_weighted_loo() {
    let p = problem(60);
    let (x, (xr, source)) = (dataset(&p.rows), p.repeated());
    let kernel = VectorKernel::Rbf { gamma: 0.8 };
    let y = Mat::from_fn(60, 1, |i, _| p.target[i]);
    let yr = Mat::from_fn(source.len(), 1, |i, _| p.target[source[i]]);
    let alpha = KernelRidge { alpha: 0.05 };
    let w = KernelRidgeModel::fit_weighted(kernel.clone(), x.clone(), y.as_ref(), Some(&p.weights), alpha, Par::Seq);
    let r = KernelRidgeModel::fit(kernel.clone(), xr, yr.as_ref(), alpha, Par::Seq).unwrap();
    let (a, b) = (w.unwrap().predict(&x, Par::Seq), r.predict(&x, Par::Seq));
    for i in 0..60 {
        assert!((a[(i, 0)] - b[(i, 0)]).abs() < 1e-9, "ridge: {} vs {}", a[(i, 0)], b[(i, 0)]);
    }
    // Weights of 1 are no weights, to the last digits.
    let ones = vec![1.0; 60];
    let (auto_w, chosen_w) =
        KernelRidgeModel::fit_auto_weighted(kernel.clone(), x.clone(), y.as_ref(), Some(&ones), Par::Seq).unwrap();
    let (auto, chosen) = KernelRidgeModel::fit_auto(kernel.clone(), x.clone(), y.as_ref(), Par::Seq).unwrap();
    assert_eq!(chosen_w.alpha, chosen.alpha);
    assert!((auto_w.dual_coef[0] - auto.dual_coef[0]).abs() < 1e-12 * (1.0 + auto.dual_coef[0].abs()));
    // Weighted leave-one-out: the chosen α's error is Σ w r² / n over the
    // exact leave-one-out residuals of the weighted fit, recomputed here by refits.
    let (_, chosen) =
        KernelRidgeModel::fit_auto_weighted(kernel.clone(), x.clone(), y.as_ref(), Some(&p.weights), Par::Seq).unwrap();
    let mut loo = 0.0;
    for i in 0..60 {
        let keep: Vec<usize> = (0..60).filter(|&j| j != i).collect();
        let yk = Mat::from_fn(59, 1, |r, _| p.target[keep[r]]);
        let wk: Vec<f64> = keep.iter().map(|&j| p.weights[j]).collect();
        let params = KernelRidge { alpha: chosen.alpha };
        let m =
            KernelRidgeModel::fit_weighted(kernel.clone(), x.select(&keep), yk.as_ref(), Some(&wk), params, Par::Seq)
                .unwrap();
        let r = p.target[i] - m.predict(&x.select(&[i]), Par::Seq)[(0, 0)];
        loo += p.weights[i] * r * r / 60.0;
    }
    assert!((loo - chosen.loo_mse).abs() < 1e-6 * loo, "weighted LOO {loo} vs the path's {}", chosen.loo_mse);
}

#[test]
fn zero_negative_or_missing_weights_are_refused() {
    let p = problem(30);
    let x = dataset(&p.rows);
    let kernel = VectorKernel::Rbf { gamma: 0.8 };
    let fit = |weights: Vec<f64>| {
        train_classifier(
            &kernel,
            &x,
            &p.classes,
            3,
            &params(SvmKind::CSvc { c: 1.0 }, weights),
            DataSet::select,
            Par::Seq,
        )
    };
    let mut zero = vec![1.0; 30];
    zero[4] = 0.0;
    assert!(matches!(fit(zero), Err(SolverError::InvalidParameter { name: "sample weight", .. })));
    assert!(matches!(fit(vec![1.0; 29]), Err(SolverError::DimensionMismatch { what: "sample weights", .. })));
    let y = Mat::from_fn(30, 1, |i, _| p.target[i]);
    let nan = [vec![1.0; 29], vec![f64::NAN]].concat();
    let ridge = KernelRidgeModel::fit_weighted(kernel, x, y.as_ref(), Some(&nan), KernelRidge::default(), Par::Seq);
    assert!(matches!(ridge, Err(SolverError::InvalidParameter { name: "sample weight", .. })));
}

/// The rows of `p` as a feature matrix (`n × 2`), for the linear models.
fn features(rows: &[Vec<f64>]) -> Mat<f64> {
    Mat::from_fn(rows.len(), 2, |i, j| rows[i][j])
}

#[test]
fn linear_models_on_features_take_weights_as_repeated_samples() {
    use kern_solvers::linear::{LinearSvm, LinearSvmLoss, LinearSvmModel, LinearSvr, LinearSvrModel};
    let p = problem(120);
    let (phi, (_, source)) = (features(&p.rows), p.repeated());
    let phi_r = Mat::from_fn(source.len(), 2, |i, j| p.rows[source[i]][j]);
    let classes_r: Vec<usize> = source.iter().map(|&i| p.classes[i]).collect();
    let target_r: Vec<f64> = source.iter().map(|&i| p.target[i]).collect();
    let close = |a: &[f64], b: &[f64], what: &str| {
        a.iter().zip(b).for_each(|(x, y)| assert!((x - y).abs() < 1e-6 * (1.0 + y.abs()), "{what}: {x} vs {y}"));
    };
    for loss in [LinearSvmLoss::Hinge, LinearSvmLoss::SquaredHinge] {
        let params = LinearSvm { c: 0.8, loss, tol: 1e-10, max_iter: 100_000, ..LinearSvm::default() };
        let w = LinearSvmModel::fit_weighted(&params, phi.as_ref(), &p.classes, 3, Some(&p.weights)).unwrap();
        let r = LinearSvmModel::fit(&params, phi_r.as_ref(), &classes_r, 3).unwrap();
        assert!(w.converged && r.converged);
        for k in 0..3 {
            close(&w.weights[k], &r.weights[k], "linear SVM w");
            close(&w.intercepts[k..k + 1], &r.intercepts[k..k + 1], "linear SVM intercept");
        }
        let params = LinearSvr { c: 0.8, epsilon: 0.05, loss, tol: 1e-10, max_iter: 100_000, ..LinearSvr::default() };
        let w = LinearSvrModel::fit_weighted(&params, phi.as_ref(), &p.target, Some(&p.weights)).unwrap();
        let r = LinearSvrModel::fit(&params, phi_r.as_ref(), &target_r).unwrap();
        assert!(w.converged && r.converged);
        close(&w.weights, &r.weights, "linear SVR w");
        close(&[w.intercept], &[r.intercept], "linear SVR intercept");
    }
    let bad = LinearSvmModel::fit_weighted(&LinearSvm::default(), phi.as_ref(), &p.classes, 3, Some(&p.weights[1..]));
    assert!(matches!(bad, Err(SolverError::DimensionMismatch { what: "sample weights", .. })));
}

#[test]
fn falkon_takes_weights_as_repeated_samples() {
    use kern_solvers::falkon::{Falkon, FalkonData, FalkonModel};
    let p = problem(150);
    let (x, (xr, source)) = (dataset(&p.rows), p.repeated());
    let kernel = VectorKernel::Rbf { gamma: 0.8 };
    let y = Mat::from_fn(150, 1, |i, _| p.target[i]);
    let yr = Mat::from_fn(source.len(), 1, |i, _| p.target[source[i]]);
    let centres = x.select(&(0..150).step_by(5).collect::<Vec<_>>());
    // Run to convergence, so that the two solve the same system to its end.
    let params = Falkon { alpha: 1e-2, max_iter: 500, tol: 1e-13, settle: 0.0, hold_bytes: 0, centre_targets: false };
    let data = FalkonData { x: &x, y: y.as_ref(), weights: Some(&p.weights) };
    let w = FalkonModel::fit_data(&params, &kernel, &kernel, data, centres.clone(), Par::rayon(2)).unwrap();
    let r = FalkonModel::fit(&params, &kernel, &xr, yr.as_ref(), centres, Par::Seq).unwrap();
    let (a, b) = (w.predict(&x, Par::Seq), r.predict(&x, Par::Seq));
    for i in 0..150 {
        assert!((a[(i, 0)] - b[(i, 0)]).abs() < 1e-6, "Falkon: {} vs {}", a[(i, 0)], b[(i, 0)]);
    }
}

#[test]
fn a_gp_weight_is_the_sample_repeated_at_fixed_hyperparameters() {
    use kern_solvers::gp::{GaussianProcess, GpModel};
    let p = problem(45);
    let (x, (xr, source)) = (dataset(&p.rows), p.repeated());
    let kernel = VectorKernel::Scaled { scale: 1.5, kernel: Box::new(VectorKernel::Rbf { gamma: 0.8 }) };
    let mut params = GaussianProcess::new(kernel, 0.2);
    params.fit = vec![false; 3];
    // Targets normalised by their weighted mean and deviation: those of the repeated rows.
    let w = GpModel::fit_weighted(&params, x.clone(), &p.target, Some(&p.weights), Par::Seq).unwrap();
    let yr: Vec<f64> = source.iter().map(|&i| p.target[i]).collect();
    let r = GpModel::fit(&params, xr, &yr, Par::Seq).unwrap();
    assert!((w.y_mean - r.y_mean).abs() < 1e-12 && (w.y_scale - r.y_scale).abs() < 1e-12);
    let grid: Vec<Vec<f64>> = (0..25).map(|i| vec![(i % 5) as f64 * 0.7, (i / 5) as f64 * 0.5]).collect();
    let test = dataset(&grid);
    let (a, b) = (w.predict(&test, Par::Seq).unwrap(), r.predict(&test, Par::Seq).unwrap());
    for i in 0..grid.len() {
        assert!((a.mean[i] - b.mean[i]).abs() < 1e-8, "mean {} vs {}", a.mean[i], b.mean[i]);
        assert!((a.std[i] - b.std[i]).abs() < 1e-8, "std {} vs {}", a.std[i], b.std[i]);
        assert!((a.std_with_noise[i] - b.std_with_noise[i]).abs() < 1e-8);
    }
    // Fitted from there, the weighted fit ends where its gradient vanishes.
    let mut free = params.clone();
    free.fit = Vec::new();
    free.restarts = 1;
    let fitted = GpModel::fit_weighted(&free, x, &p.target, Some(&p.weights), Par::Seq).unwrap();
    assert!(fitted.log_marginal_likelihood > w.log_marginal_likelihood);
    assert_eq!(fitted.weights, p.weights);
    // A zero, negative or missing weight is refused.
    for bad in [vec![0.0; 45], vec![-1.0; 45], vec![1.0; 44]] {
        assert!(GpModel::fit_weighted(&params, dataset(&p.rows), &p.target, Some(&bad), Par::Seq).is_err());
    }
}
