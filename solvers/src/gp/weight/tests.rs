//! The chain rule through each feature family against central differences,
//! and the fitted models on generated data.

use faer::Par;
use kern_approx::Landmarks;
use kern_kernels::{DataSet, DenseMatrix, VectorKernel};

use super::basis::{Basis, FeatureKind};
use super::evidence::evidence;
use super::laplace::{weight_gradient, weight_mode};
use super::{FeatureGpModel, FeatureGpcModel, FeatureSpace};
use crate::gp::{GaussianProcess, GaussianProcessClassifier};
use crate::rng::SplitMix64;

fn data(n: usize, d: usize, seed: u64) -> (DataSet, Vec<f64>) {
    let mut rng = SplitMix64::new(seed);
    let rows: Vec<Vec<f64>> = (0..n).map(|_| (0..d).map(|_| rng.normal()).collect()).collect();
    let y = rows.iter().map(|r| r[0].sin() + 0.5 * r[d - 1] + 0.2 * rng.normal()).collect();
    (DataSet::from(DenseMatrix::from_rows(&rows).unwrap()), y)
}

fn scaled(scale: f64, k: VectorKernel) -> VectorKernel {
    VectorKernel::Scaled { scale, kernel: Box::new(k) }
}

const FOURIER: FeatureKind = FeatureKind::Fourier { orthogonal: false };
const NYSTROEM: FeatureKind = FeatureKind::Nystroem { landmarks: Landmarks::Uniform };

fn cases() -> Vec<(FeatureKind, VectorKernel)> {
    vec![
        (FOURIER, scaled(1.7, VectorKernel::Rbf { gamma: 0.3 })),
        (FOURIER, scaled(0.6, VectorKernel::Matern32 { lengthscale: 1.4 })),
        (FOURIER, VectorKernel::Laplacian { gamma: 0.5 }),
        (NYSTROEM, scaled(1.3, VectorKernel::Matern52 { lengthscale: 0.9 })),
        (NYSTROEM, scaled(0.8, VectorKernel::ArdRbf { lengthscales: vec![0.7, 1.6, 2.2] })),
    ]
}

/// `∂/∂ log θ` of `objective(Φ(θ))` by the basis's chain rule and by
/// central differences (the features drawn once, at the first kernel).
fn check_chain(objective: impl Fn(&faer::Mat<f64>, bool) -> (f64, faer::Mat<f64>), what: &str) {
    let (x, _) = data(50, 3, 1);
    for (kind, kernel) in cases() {
        let basis = Basis::new(kind, &kernel, &x, 12, 7, Par::Seq).unwrap();
        let values: Vec<f64> = kernel.hyperparameters().iter().map(|h| h.value).collect();
        let at = |t: usize, step: f64| {
            let mut v = values.clone();
            v[t] *= step.exp();
            let phi = basis.features(&kernel.with_hyperparameters(&v), &x, Par::Seq).unwrap().phi;
            objective(&phi, false).0
        };
        let features = basis.features(&kernel, &x, Par::Seq).unwrap();
        let g = objective(&features.phi, true).1;
        let analytic = basis.chain(&kernel, &x, &features, &g, Par::Seq);
        assert_eq!(analytic.len(), values.len());
        let h = 1e-5;
        for (t, a) in analytic.iter().enumerate() {
            let fd = (at(t, h) - at(t, -h)) / (2.0 * h);
            assert!((a - fd).abs() < 1e-5 * fd.abs().max(1.0), "{what} {kernel:?} parameter {t}: {a} vs {fd}");
        }
    }
}

#[test]
fn the_evidence_gradient_in_the_hyperparameters_matches_central_differences() {
    let (_, y) = data(50, 3, 1);
    check_chain(
        |phi, gradient| {
            let e = evidence(phi.as_ref(), &y, 0.2, Par::Seq).unwrap();
            let value = e.log_marginal_likelihood;
            (value, if gradient { e.gradient(phi.as_ref(), &y, Par::Seq).0 } else { faer::Mat::zeros(0, 0) })
        },
        "regression",
    );
}

#[test]
fn the_laplace_gradient_in_the_hyperparameters_matches_central_differences() {
    let (_, y) = data(50, 3, 1);
    let labels: Vec<f64> = y.iter().map(|v| if *v > 0.0 { 1.0 } else { -1.0 }).collect();
    check_chain(
        |phi, gradient| {
            let mode = weight_mode(phi.as_ref(), &labels, None, Par::Seq).unwrap();
            let g =
                if gradient { weight_gradient(phi.as_ref(), &labels, &mode, Par::Seq) } else { faer::Mat::zeros(0, 0) };
            (mode.log_marginal_likelihood, g)
        },
        "classification",
    );
}

/// 95 % intervals of a fitted regression cover 93-97 % of held-out targets.
#[test]
fn intervals_are_calibrated_on_held_out_data() {
    let (x, y) = data(3000, 2, 4);
    let train: Vec<usize> = (0..2000).collect();
    let test: Vec<usize> = (2000..3000).collect();
    let ytr: Vec<f64> = train.iter().map(|&i| y[i]).collect();
    for kind in [FOURIER, NYSTROEM] {
        let space = FeatureSpace { kind, components: 150, fit_samples: None };
        let gp = GaussianProcess::new(scaled(1.0, VectorKernel::Rbf { gamma: 0.5 }), 0.1);
        let model = FeatureGpModel::fit(&gp, &space, &x.select(&train), &ytr, Par::Seq).unwrap();
        let p = model.predict(&x.select(&test), Par::Seq).unwrap();
        let z = crate::gp::normal_quantile(0.975);
        let covered =
            test.iter().enumerate().filter(|&(r, &i)| (y[i] - p.mean[r]).abs() <= z * p.std_with_noise[r]).count();
        let rate = covered as f64 / test.len() as f64;
        assert!((0.93..=0.97).contains(&rate), "{kind:?}: coverage {rate}");
        assert!((model.noise.sqrt() * model.y_scale - 0.2).abs() < 0.03, "{kind:?}: noise {}", model.noise);
    }
}

/// Three classes: probabilities sum to one, and the accuracy is that of
/// the exact Laplace GP classifier within two points.
#[test]
fn classifies_three_classes_as_the_exact_classifier_does() {
    let mut rng = SplitMix64::new(8);
    let rows: Vec<Vec<f64>> = (0..600).map(|_| vec![rng.normal(), rng.normal()]).collect();
    let classes: Vec<usize> = rows
        .iter()
        .map(|r| {
            let a = r[1].atan2(r[0]) + 0.3 * rng.normal();
            ((a + std::f64::consts::PI) / (2.0 * std::f64::consts::PI / 3.0)) as usize % 3
        })
        .collect();
    let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    let (train, test): (Vec<usize>, Vec<usize>) = (0..600).partition(|i| i % 3 != 0);
    let ctr: Vec<usize> = train.iter().map(|&i| classes[i]).collect();
    let mut params = GaussianProcessClassifier::new(scaled(1.0, VectorKernel::Rbf { gamma: 1.0 }));
    params.restarts = 0;
    let accuracy = |predicted: Vec<usize>| {
        test.iter().zip(&predicted).filter(|&(&i, &p)| classes[i] == p).count() as f64 / test.len() as f64
    };
    let exact = crate::gp::GpcModel::fit(&params, x.select(&train), &ctr, 3, Par::Seq).unwrap();
    let exact_accuracy = accuracy(exact.predict(&x.select(&test), Par::Seq).unwrap());
    for kind in [FOURIER, NYSTROEM] {
        let space = FeatureSpace { kind, components: 100, fit_samples: None };
        let model = FeatureGpcModel::fit(&params, &space, &x.select(&train), &ctr, 3, Par::Seq).unwrap();
        let proba = model.predict_proba(&x.select(&test), Par::Seq).unwrap();
        for r in 0..proba.nrows() {
            let total: f64 = (0..3).map(|c| proba[(r, c)]).sum();
            assert!((total - 1.0).abs() < 1e-12 && (0..3).all(|c| (0.0..=1.0).contains(&proba[(r, c)])));
        }
        let ours = accuracy(model.predict(&x.select(&test), Par::Seq).unwrap());
        assert!(ours >= exact_accuracy - 0.02, "{kind:?}: {ours} vs exact {exact_accuracy}");
    }
}

/// The same seed gives the same model in pools of 1 and 2 threads.
#[test]
fn the_same_model_at_one_and_two_threads() {
    let (x, y) = data(2500, 3, 6);
    let labels: Vec<usize> = y.iter().map(|v| usize::from(*v > 0.0)).collect();
    for kind in [FOURIER, NYSTROEM] {
        let space = FeatureSpace { kind, components: 40, fit_samples: Some(1500) };
        let mut gp = GaussianProcess::new(scaled(1.0, VectorKernel::Matern32 { lengthscale: 1.0 }), 0.1);
        gp.restarts = 1;
        let mut gpc = GaussianProcessClassifier::new(gp.kernel.clone());
        gpc.restarts = 1;
        let fit = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let par = Par::rayon(threads);
                let r = FeatureGpModel::fit(&gp, &space, &x, &y, par).unwrap();
                let c = FeatureGpcModel::fit(&gpc, &space, &x, &labels, 2, par).unwrap();
                (r, c)
            })
        };
        assert_eq!(fit(1), fit(2), "{kind:?}");
    }
}
