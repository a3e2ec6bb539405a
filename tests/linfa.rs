//! The linfa estimators: the same models as kern's own API, the same
//! predictions as linfa-svm, f32 and f64 in agreement, and linfa's tools
//! (folds, cross-validation, confusion matrices, regression metrics).
#![cfg(feature = "linfa")]

use faer::Mat;
use kern::approx::{FeatureMap, Landmarks, SplitMix64};
use kern::solvers::gp::{GaussianProcessClassifier as GpcSolver, GpcModel};
use kern::solvers::{GaussianProcess as GpSolver, GpModel, KernelRidge as KrrSolver, SvmKind, SvmParams};
use kern::{DataSet, DenseMatrix, KernelKind, KernelRidgeModel, Par, VectorKernel};
use linfa::prelude::*;
use ndarray::{Array1, Array2};

/// Two noisy interleaved half-moons: records, labels.
fn moons(n: usize, seed: u64) -> (Array2<f64>, Array1<bool>) {
    let mut rng = SplitMix64::new(seed);
    let mut x = Array2::zeros((n, 2));
    let mut y = Array1::from_elem(n, false);
    for i in 0..n {
        let t = std::f64::consts::PI * rng.uniform();
        let (a, b) = if i % 2 == 0 { (t.cos(), t.sin()) } else { (1.0 - t.cos(), 0.5 - t.sin()) };
        x[[i, 0]] = a + 0.15 * rng.normal();
        x[[i, 1]] = b + 0.15 * rng.normal();
        y[i] = i % 2 == 1;
    }
    (x, y)
}

/// Three Gaussian blobs labelled "a", "b", "c".
fn blobs(n: usize, seed: u64) -> (Array2<f64>, Array1<String>) {
    let mut rng = SplitMix64::new(seed);
    let centres = [(-2.0, 0.0), (2.0, 0.0), (0.0, 3.0)];
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        let c = centres[i % 3];
        (if j == 0 { c.0 } else { c.1 }) + 0.8 * rng.normal()
    });
    let y = (0..n).map(|i| ["a", "b", "c"][i % 3].to_string()).collect();
    (x, y)
}

/// A smooth function of three inputs plus noise.
fn regression(n: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = SplitMix64::new(seed);
    let x = Array2::from_shape_fn((n, 3), |_| 2.0 * rng.uniform() - 1.0);
    let y = (0..n).map(|i| (3.0 * x[[i, 0]]).sin() + x[[i, 1]] * x[[i, 2]] + 0.05 * rng.normal()).collect();
    (x, y)
}

fn dataset_of(x: &Array2<f64>) -> DataSet {
    let rows: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
    DataSet::from(DenseMatrix::from_rows(&rows).unwrap())
}

#[test]
fn svc_through_linfa_is_svc_through_kern() {
    let (x, y) = blobs(240, 1);
    let (test, _) = blobs(90, 2);
    let model = kern::Svc::params().gamma(0.5).c(3.0).par(Par::Seq).fit(&Dataset::new(x.clone(), y.clone())).unwrap();
    assert_eq!(model.classes(), ["a", "b", "c"]);
    // kern's own API on the same problem: codes in sorted class order.
    let codes: Vec<usize> = y.iter().map(|l| (l.as_bytes()[0] - b'a') as usize).collect();
    let own = kern::solvers::train_classifier(
        &VectorKernel::Rbf { gamma: 0.5 },
        &dataset_of(&x),
        &codes,
        3,
        &SvmParams::new(SvmKind::CSvc { c: 3.0 }),
        DataSet::select,
        Par::Seq,
    )
    .unwrap();
    assert_eq!(model.model(), &own);
    let ours: Vec<String> = model.predict(&test).to_vec();
    let theirs: Vec<String> =
        own.predict_classes(&dataset_of(&test), Par::Seq).into_iter().map(|c| ["a", "b", "c"][c].to_string()).collect();
    assert_eq!(ours, theirs);
    // The same with ν and probabilities.
    let nu = kern::Svc::params().nu(0.3).gamma(0.5).probability(true).fit(&Dataset::new(x.clone(), y)).unwrap();
    let p = nu.predict_proba(&test).unwrap();
    assert_eq!(p.dim(), (90, 3));
    assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-9));
}

#[test]
fn regressors_through_linfa_are_the_kern_models() {
    let (x, y) = regression(150, 3);
    let (test, _) = regression(60, 4);
    let data = Dataset::new(x.clone(), y.clone());
    let xs = dataset_of(&x);
    let ts = dataset_of(&test);
    let kernel = VectorKernel::Matern52 { lengthscale: 0.8 };

    let svr = kern::Svr::params()
        .kernel(KernelKind::Matern52)
        .lengthscale(0.8)
        .c(5.0)
        .epsilon(0.05)
        .par(Par::Seq)
        .fit(&data)
        .unwrap();
    let own = kern::solvers::train_regressor(
        &kernel,
        &xs,
        y.as_slice().unwrap(),
        &SvmParams::new(SvmKind::EpsilonSvr { c: 5.0, epsilon: 0.05 }),
        DataSet::select,
        Par::Seq,
    )
    .unwrap();
    assert_eq!(svr.model(), &own);
    assert_eq!(svr.predict(&test).to_vec(), own.predict_values(&ts, Par::Seq));

    let krr = kern::KernelRidge::params().vector_kernel(kernel.clone()).alpha(0.1).par(Par::Seq).fit(&data).unwrap();
    let y_mat = Mat::from_fn(150, 1, |i, _| y[i]);
    let own =
        KernelRidgeModel::fit(kernel.clone(), xs.clone(), y_mat.as_ref(), KrrSolver { alpha: 0.1 }, Par::Seq).unwrap();
    assert_eq!(krr.model(), &own);
    let reference = own.predict(&ts, Par::Seq);
    assert!(krr.predict(&test).iter().enumerate().all(|(i, &v)| v == reference[(i, 0)]));

    let gp = kern::GaussianProcess::params().gamma(2.0).restarts(1).seed(3).par(Par::Seq).fit(&data).unwrap();
    let mut params =
        GpSolver::new(VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 2.0 }) }, 1.0);
    params.fit = vec![true, false, true]; // amplitude and noise fitted, the given gamma held
    params.restarts = 1;
    params.seed = 3;
    let own = GpModel::fit(&params, xs.clone(), y.as_slice().unwrap(), Par::Seq).unwrap();
    assert_eq!(gp.model(), &kern::linfa::GpFit::Exact(own.clone()));
    let (mean, std) = gp.predict_mean_std(&test);
    let reference = own.predict(&ts, Par::Seq).unwrap();
    assert_eq!((mean.to_vec(), std.to_vec()), (reference.mean, reference.std_with_noise));
    assert_eq!(gp.predict(&test), mean);
}

#[test]
fn one_class_and_gp_classification_through_linfa_are_the_kern_models() {
    let (x, y) = moons(120, 5);
    let (test, _) = moons(50, 6);
    let ocsvm =
        kern::OneClassSvm::params().nu(0.2).gamma(1.0).par(Par::Seq).fit(&DatasetBase::from(x.clone())).unwrap();
    let own = kern::solvers::train_one_class(
        &VectorKernel::Rbf { gamma: 1.0 },
        &dataset_of(&x),
        &SvmParams::new(SvmKind::OneClass { nu: 0.2 }),
        DataSet::select,
        Par::Seq,
    )
    .unwrap();
    assert_eq!(ocsvm.model(), &own);
    let inside: Vec<bool> = own.predict_values(&dataset_of(&test), Par::Seq).into_iter().map(|v| v > 0.0).collect();
    assert_eq!(ocsvm.predict(&test).to_vec(), inside);

    let gpc =
        kern::GaussianProcessClassifier::params().restarts(0).par(Par::Seq).fit(&Dataset::new(x.clone(), y.clone()));
    let gpc = gpc.unwrap();
    let mut params = GpcSolver::new(VectorKernel::Scaled {
        scale: 1.0,
        kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }), // 1 / n_features
    });
    params.restarts = 0;
    let codes: Vec<usize> = y.iter().map(|&b| usize::from(b)).collect();
    let own = GpcModel::fit(&params, dataset_of(&x), &codes, 2, Par::Seq).unwrap();
    assert_eq!(gpc.model(), &kern::linfa::GpcFit::Exact(Box::new(own.clone())));
    let labels: Vec<bool> = own.predict(&dataset_of(&test), Par::Seq).unwrap().into_iter().map(|c| c == 1).collect();
    assert_eq!(gpc.predict(&test).to_vec(), labels);
    let p = own.predict_proba(&dataset_of(&test), Par::Seq).unwrap();
    let ours = gpc.predict_proba(&test);
    assert!((0..50).all(|i| ours[[i, 1]] == p[(i, 1)]));
}

#[test]
fn feature_maps_through_linfa_are_the_kern_maps() {
    let (x, _) = regression(200, 7);
    let kernel = VectorKernel::Rbf { gamma: 0.7 };
    let data = DatasetBase::from(x.clone());
    let ny = kern::Nystroem::params().gamma(0.7).components(40).seed(2).par(Par::Seq).fit(&data).unwrap();
    let own = kern::approx::Nystroem::fit(&kernel, &dataset_of(&x), 40, Landmarks::Uniform, 2, Par::Seq).unwrap();
    assert_eq!(ny.map(), &own);
    let phi = own.transform(&dataset_of(&x), Par::Seq).unwrap();
    let ours = ny.transform(&x);
    assert!(ours.indexed_iter().all(|((i, j), &v)| v == phi[(i, j)]));

    let rff = kern::RandomFourierFeatures::params().gamma(0.7).components(64).seed(9).fit(&data).unwrap();
    let own = kern::approx::RandomFourierFeatures::new(&kernel, 3, 64, false, 9).unwrap();
    assert_eq!(rff.map(), &own);
    let phi = own.transform(&dataset_of(&x), Par::Seq).unwrap();
    assert!(rff.transform(&x).indexed_iter().all(|((i, j), &v)| v == phi[(i, j)]));
    // A dataset keeps its targets through the map.
    let mapped = rff.transform(Dataset::new(x.clone(), Array1::<f64>::zeros(200)));
    assert_eq!((mapped.records().dim(), mapped.targets().len()), ((200, 64), 200));
}

#[test]
fn kern_svc_and_linfa_svm_agree_on_every_prediction() {
    use linfa_svm::Svm;
    let (x, y) = moons(400, 11);
    let (test, _) = moons(300, 12);
    let data = Dataset::new(x.clone(), y.clone());
    // linfa-svm's Gaussian kernel is exp(−‖x − y‖² / eps): gamma = 1 / eps.
    let theirs =
        Svm::<f64, bool>::params().gaussian_kernel(0.5).pos_neg_weights(10.0, 10.0).eps(1e-3).fit(&data).unwrap();
    let ours = kern::Svc::params().gamma(2.0).c(10.0).tol(1e-3).fit(&data).unwrap();
    assert_eq!(ours.predict(&test), theirs.predict(&test));
    assert_eq!(ours.predict(&x), theirs.predict(&x));
    // linfa-svm's own builder names, with unequal class costs.
    let theirs = Svm::<f64, bool>::params().gaussian_kernel(0.3).pos_neg_weights(20.0, 2.0).fit(&data).unwrap();
    let ours = kern::Svc::<f64, bool>::params().gaussian_kernel(0.3).pos_neg_weights(20.0, 2.0).fit(&data).unwrap();
    assert_eq!(ours.predict(&test), theirs.predict(&test));
    let positives = ours.predict(&test).iter().filter(|&&p| p).count();
    assert!(positives > 100 && positives < 200, "{positives} of 300");
}

#[test]
fn f32_and_f64_fits_agree() {
    let (x, y) = moons(300, 13);
    let (test, _) = moons(200, 14);
    let x32 = x.mapv(|v| v as f32);
    let test32 = test.mapv(|v| v as f32);
    let a = kern::Svc::params().gamma(2.0).c(5.0).fit(&Dataset::new(x.clone(), y.clone())).unwrap();
    let b = kern::Svc::params().gamma(2.0).c(5.0).fit(&Dataset::new(x32.clone(), y.clone())).unwrap();
    assert_eq!(a.predict(&test), b.predict(&test32));

    let (x, y) = regression(200, 15);
    let (test, _) = regression(100, 16);
    let (x32, y32, test32) = (x.mapv(|v| v as f32), y.mapv(|v| v as f32), test.mapv(|v| v as f32));
    let a = kern::KernelRidge::params().gamma(1.0).alpha(0.1).fit(&Dataset::new(x.clone(), y.clone())).unwrap();
    let b = kern::KernelRidge::params().gamma(1.0).alpha(0.1).fit(&Dataset::new(x32.clone(), y32.clone())).unwrap();
    let (pa, pb) = (a.predict(&test), b.predict(&test32));
    let scale = pa.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let worst = pa.iter().zip(&pb).map(|(a, &b)| (a - b as f64).abs()).fold(0.0, f64::max);
    assert!(worst / scale < 1e-4, "{worst} of {scale}");
    // SMO stops within its tolerance of the optimum, and records rounded to
    // f32 take it along another path: a tight tolerance makes both optima agree.
    let a = kern::Svr::params().gamma(1.0).c(3.0).tol(1e-7).fit(&Dataset::new(x, y)).unwrap();
    let b = kern::Svr::params().gamma(1.0).c(3.0).tol(1e-7).fit(&Dataset::new(x32, y32)).unwrap();
    let (pa, pb) = (a.predict(&test), b.predict(&test32));
    let worst = pa.iter().zip(&pb).map(|(a, &b)| (a - b as f64).abs()).fold(0.0, f64::max);
    assert!(worst / scale < 1e-4, "{worst} of {scale}");
}

#[test]
fn builders_take_the_estimators_float_type() {
    // As linfa's own estimators: code written with `F`-typed hyperparameters ports.
    let (x, y) = moons(200, 21);
    let x32 = x.mapv(|v| v as f32);
    let p32 = kern::Svc::<f32, bool>::params().gamma(2.0f32).c(10.0f32).tol(1e-3f32);
    let p64 = kern::Svc::<f64, bool>::params().gamma(2.0f64).c(10.0f64).tol(1e-3f64);
    let a = p32.fit(&Dataset::new(x32.clone(), y.clone())).unwrap();
    let b = p64.fit(&Dataset::new(x.clone(), y.clone())).unwrap();
    assert_eq!(a.predict(&x32), b.predict(&x));
    let _ = kern::Svc::<f32, usize>::params().nu(0.5f32).coef0(1.0f32).pos_neg_weights(2.0f32, 1.0f32);
    let _ = kern::Svr::<f32>::params().c(1.0f32).epsilon(0.1f32).nu(0.3f32).lengthscale(1.0f32);
    let _ = kern::OneClassSvm::<f32>::params().nu(0.1f32).gamma(0.5f32);
    let _ = kern::KernelRidge::<f32>::params().alpha(0.5f32).gamma(0.5f32);
    let _ = kern::GaussianProcess::<f32>::params().noise(0.1f32).amplitude(1.0f32).lambda(0.5f32);
    let _ = kern::GaussianProcessClassifier::<f32, bool>::params().amplitude(1.0f32);
    let _ = kern::Nystroem::<f32>::params().gamma(0.5f32);
    let _ = kern::RandomFourierFeatures::<f32>::params().gamma(0.5f32);
}

#[test]
fn linfa_tools_work_on_kern_estimators() {
    let (x, y) = blobs(300, 17);
    // linfa's folds need labels that are Copy.
    let y: Array1<usize> = y.iter().map(|l| (l.as_bytes()[0] - b'a') as usize).collect();
    let mut data = Dataset::new(x, y);
    // Folds and a confusion matrix.
    for (train, valid) in data.fold(5) {
        let model = kern::Svc::params().gamma(0.5).fit(&train).unwrap();
        let cm = model.predict(&valid).confusion_matrix(&valid).unwrap();
        assert!(cm.accuracy() > 0.9, "{cm:?}");
    }
    // Cross-validation over two parameter sets.
    let params = [kern::Svc::params().gamma(0.5).c(1.0), kern::Svc::params().gamma(0.5).c(10.0)];
    let accuracies =
        data.cross_validate_single(4, &params, |pred, truth| Ok(pred.confusion_matrix(truth)?.accuracy())).unwrap();
    assert_eq!(accuracies.len(), 2);
    assert!(accuracies.iter().all(|&a| a > 0.9), "{accuracies}");
    // Regression metrics.
    let (x, y) = regression(200, 18);
    let (test, truth) = regression(100, 19);
    let gp = kern::GaussianProcess::params().restarts(1).fit(&Dataset::new(x, y)).unwrap();
    let pred = gp.predict(&test);
    assert!(pred.r2(&truth).unwrap() > 0.9);
    assert!(pred.mean_squared_error(&truth).unwrap() < 0.02);
}

#[test]
fn bad_parameters_and_records_are_errors_at_fit() {
    let (x, y) = moons(50, 20);
    let data = Dataset::new(x.clone(), y.clone());
    let err = kern::Svc::params().c(-1.0).fit(&data).unwrap_err();
    assert!(err.to_string().contains('C'), "{err}");
    let err = kern::Svc::params().nu(1.5).fit(&data).unwrap_err();
    assert!(err.to_string().contains("nu"), "{err}");
    assert!(kern::KernelRidge::params().alpha(0.0).fit(&Dataset::new(x.clone(), Array1::zeros(50))).is_err());
    assert!(kern::Svc::params().gamma(-2.0).fit(&data).is_err());
    assert!(kern::Nystroem::params().components(0).fit(&data).is_err());
    let err = kern::RandomFourierFeatures::params().kernel(KernelKind::Poly).fit(&data).unwrap_err();
    assert!(err.to_string().contains("random Fourier"), "{err}");
    // Sizes and counts from the builders meet the engine's memory plan and limits.
    let err = kern::RandomFourierFeatures::params().components(4_000_000_000).fit(&data).unwrap_err();
    assert!(err.to_string().contains("--max-memory"), "{err}");
    let regression = Dataset::new(x.clone(), Array1::zeros(50));
    let err = kern::GaussianProcess::params().restarts(100_000_000).fit(&regression).unwrap_err();
    assert!(err.to_string().contains("restarts"), "{err}");
    let err = kern::Svc::params().max_iter(u64::MAX).fit(&data).unwrap_err();
    assert!(err.to_string().contains("max-iter"), "{err}");
    let one_class = Dataset::new(x.clone(), Array1::from_elem(50, true));
    assert!(kern::Svc::params().fit(&one_class).is_err());
    let mut bad = x;
    bad[[3, 1]] = f64::NAN;
    let err = kern::Svc::params().fit(&Dataset::new(bad, y)).unwrap_err();
    assert!(err.to_string().contains("record 3 feature 1"), "{err}");
}

#[cfg(feature = "nalgebra")]
#[test]
fn nalgebra_matrices_give_the_same_models() {
    use kern::linfa::nalgebra::{FitMatrix, FitRecords, PredictMatrix, TransformMatrix, to_dmatrix};
    use nalgebra::DVector;
    let (x, y) = moons(200, 21);
    let (test, _) = moons(80, 22);
    let (xm, tm) = (to_dmatrix(&x), to_dmatrix(&test));
    let ym = DVector::from_iterator(200, y.iter().copied());
    let params = kern::Svc::params().gamma(2.0).c(3.0);
    let a = params.fit(&Dataset::new(x.clone(), y.clone())).unwrap();
    let b = params.fit_matrix(&xm, &ym).unwrap();
    assert_eq!(a, b);
    let predicted: DVector<bool> = b.predict_matrix(&tm);
    assert_eq!(predicted.as_slice(), a.predict(&test).as_slice().unwrap());
    let map = kern::Nystroem::params().components(30).fit_records(&xm).unwrap();
    let phi = map.transform_matrix(&tm);
    assert_eq!(to_dmatrix(&map.transform(&test)), phi);
    assert!(params.fit_matrix(&xm, &DVector::from_element(3, true)).is_err());
}

#[test]
fn a_data_sets_weights_are_honoured() {
    let (x, y) = regression(120, 5);
    let weights: Array1<f32> = (0..120).map(|i| [0.0, 0.5, 1.0, 3.0][i % 4]).collect();
    let data = Dataset::new(x.clone(), y.clone()).with_weights(weights.clone());
    let kept: Vec<usize> = (0..120).filter(|&i| weights[i] > 0.0).collect();
    let xs = dataset_of(&x).select(&kept);
    let yk: Vec<f64> = kept.iter().map(|&i| y[i]).collect();
    let wk: Vec<f64> = kept.iter().map(|&i| f64::from(weights[i])).collect();
    let kernel = VectorKernel::Rbf { gamma: 1.0 };

    // ε-SVR: each kept sample's C scaled by its weight; weight 0 left out.
    let svr = kern::Svr::params().gamma(1.0).c(2.0).epsilon(0.05).par(Par::Seq).fit(&data).unwrap();
    let params =
        SvmParams { sample_weights: wk.clone(), ..SvmParams::new(SvmKind::EpsilonSvr { c: 2.0, epsilon: 0.05 }) };
    let own = kern::solvers::train_regressor(&kernel, &xs, &yk, &params, DataSet::select, Par::Seq).unwrap();
    assert_eq!(svr.model(), &own);

    let krr = kern::KernelRidge::params().gamma(1.0).alpha(0.1).par(Par::Seq).fit(&data).unwrap();
    let y_mat = Mat::from_fn(kept.len(), 1, |i, _| yk[i]);
    let own = KernelRidgeModel::fit_weighted(
        kernel.clone(),
        xs.clone(),
        y_mat.as_ref(),
        Some(&wk),
        KrrSolver { alpha: 0.1 },
        Par::Seq,
    );
    assert_eq!(krr.model(), &own.unwrap());

    // A GP: each kept sample's noise divided by its weight.
    let gp = kern::GaussianProcess::params().gamma(1.0).restarts(0).par(Par::Seq).fit(&data).unwrap();
    let amplitude_rbf = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(kernel) };
    let mut params = GpSolver::new(amplitude_rbf, 1.0);
    (params.fit, params.restarts) = (vec![true, false, true], 0);
    let own = GpModel::fit_weighted(&params, xs, &yk, Some(&wk), Par::Seq).unwrap();
    assert_eq!(gp.model(), &kern::linfa::GpFit::Exact(own));
    let negative = Dataset::new(x, y).with_weights(Array1::from_elem(120, -1.0f32));
    assert!(kern::KernelRidge::params().gamma(1.0).par(Par::Seq).fit(&negative).is_err());
}
