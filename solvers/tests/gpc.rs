//! GP classification (Laplace): fitting raises the approximate evidence and
//! separates the classes, probabilities are probabilities, fits are
//! reproducible at any thread count, and the predictive integral agrees
//! with brute-force quadrature. (The mode, the evidence formula and every
//! gradient are checked against direct formulas in the module's unit tests.)

use faer::Par;
use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
use kern_solvers::gp::{GaussianProcessClassifier, GpcModel, expected_sigmoid};

/// `per_class` points around each of `centres` (2-d) with unit spread (a fixed LCG).
fn blobs(centres: &[[f64; 2]], per_class: usize, seed: u64) -> (DataSet, Vec<usize>) {
    let mut s = seed;
    let mut u = || {
        s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut rows = Vec::new();
    let mut classes = Vec::new();
    for (c, centre) in centres.iter().enumerate() {
        for _ in 0..per_class {
            // Box–Muller.
            let (a, b) = (u().max(1e-300), u());
            let r = (-2.0 * a.ln()).sqrt();
            let t = 2.0 * std::f64::consts::PI * b;
            rows.push(vec![centre[0] + r * t.cos(), centre[1] + r * t.sin()]);
            classes.push(c);
        }
    }
    (DataSet::from(DenseMatrix::from_rows(&rows).unwrap()), classes)
}

fn params(restarts: usize) -> GaussianProcessClassifier {
    let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }) };
    let mut p = GaussianProcessClassifier::new(kernel);
    p.restarts = restarts;
    p.seed = 3;
    p
}

fn accuracy(predicted: &[usize], truth: &[usize]) -> f64 {
    predicted.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
}

#[test]
fn a_binary_fit_raises_the_evidence_and_separates_two_blobs() {
    let (x, classes) = blobs(&[[-1.5, 0.0], [1.5, 0.0]], 60, 1);
    let mut fixed = params(0);
    fixed.fit = vec![false, false];
    let start = GpcModel::fit(&fixed, x.clone(), &classes, 2, Par::Seq).unwrap();
    let model = GpcModel::fit(&params(2), x.clone(), &classes, 2, Par::Seq).unwrap();
    assert!(model.log_marginal_likelihood() > start.log_marginal_likelihood());
    // Blobs 3 apart with unit spread: the Bayes rate is Φ(−1.5) ≈ 6.7 % error.
    let predicted = model.predict(&x, Par::Seq).unwrap();
    assert!(accuracy(&predicted, &classes) > 0.88, "{}", accuracy(&predicted, &classes));
    let p = model.predict_proba(&x, Par::Seq).unwrap();
    let f = model.decision_function(&x, Par::Seq);
    for r in 0..p.nrows() {
        assert!(p[(r, 1)] > 0.0 && p[(r, 1)] < 1.0);
        assert!((p[(r, 0)] + p[(r, 1)] - 1.0).abs() < 1e-12);
        // The averaged probability sits on the same side of ½ as the mean.
        assert_eq!(p[(r, 1)] > 0.5, f[(r, 0)] > 0.0);
        assert_eq!(predicted[r], usize::from(f[(r, 0)] > 0.0));
    }
    // Far from the data the probability returns to ½.
    let far = DataSet::from(DenseMatrix::from_rows(&[vec![0.0, 60.0]]).unwrap());
    assert!((model.predict_proba(&far, Par::Seq).unwrap()[(0, 1)] - 0.5).abs() < 1e-6);
}

#[test]
fn three_classes_take_one_latent_each_and_probabilities_sum_to_one() {
    let (x, classes) = blobs(&[[-2.0, 0.0], [2.0, 0.0], [0.0, 3.0]], 40, 2);
    let model = GpcModel::fit(&params(1), x.clone(), &classes, 3, Par::Seq).unwrap();
    assert_eq!(model.latent.len(), 3);
    let p = model.predict_proba(&x, Par::Seq).unwrap();
    for r in 0..p.nrows() {
        let total: f64 = (0..3).map(|c| p[(r, c)]).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
    let predicted = model.predict(&x, Par::Seq).unwrap();
    assert!(accuracy(&predicted, &classes) > 0.85, "{}", accuracy(&predicted, &classes));
}

#[test]
fn the_same_seed_gives_the_same_model_at_any_thread_count() {
    let (x, classes) = blobs(&[[-1.0, 0.0], [1.0, 0.5]], 40, 3);
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let a = one.install(|| GpcModel::fit(&params(2), x.clone(), &classes, 2, Par::rayon(1)).unwrap());
    let b = two.install(|| GpcModel::fit(&params(2), x.clone(), &classes, 2, Par::rayon(2)).unwrap());
    assert_eq!(a, b);
}

#[test]
fn the_predictive_integral_matches_brute_force_quadrature() {
    for &(mean, var) in &[(0.3, 0.01), (-1.2, 0.8), (2.0, 1.0), (0.7, 4.0), (-3.0, 50.0), (5.0, 900.0), (40.0, 0.5)] {
        // A plain Riemann sum over ±12 standard deviations, 2·10⁶ points.
        let s: f64 = f64::sqrt(var);
        let m = 2_000_000;
        let h = 24.0 * s / m as f64;
        let brute: f64 = (0..=m)
            .map(|i| {
                let z = mean - 12.0 * s + i as f64 * h;
                let t = (z - mean) / s;
                let density = (-0.5 * t * t).exp() / (s * (2.0 * std::f64::consts::PI).sqrt());
                density / (1.0 + (-z).exp())
            })
            .sum::<f64>()
            * h;
        let got = expected_sigmoid(mean, var);
        assert!((got - brute).abs() < 1e-7, "E[σ(N({mean}, {var}))]: {got} vs {brute}");
    }
}

#[test]
fn a_looser_relative_decrease_ends_the_amplitudes_climb_on_separable_classes() {
    // Blobs 8 apart: nearly separable, so the evidence keeps rising with
    // the amplitude by ever smaller steps.
    let (x, classes) = blobs(&[[-4.0, 0.0], [4.0, 0.0]], 40, 5);
    let mut p = params(0);
    let tight = GpcModel::fit(&p, x.clone(), &classes, 2, Par::Seq).unwrap();
    p.relative_decrease = 1e-5;
    let loose = GpcModel::fit(&p, x.clone(), &classes, 2, Par::Seq).unwrap();
    let (a, b) = (loose.latent[0].evaluations, tight.latent[0].evaluations);
    assert!(a < b, "{a} evaluations against {b}");
    // Short of the longer search's evidence by at most 1e-3 of it, and the same predictions.
    let (la, lb) = (loose.log_marginal_likelihood(), tight.log_marginal_likelihood());
    assert!(la <= lb + 1e-9 && lb - la < 1e-3 * lb.abs(), "{la} against {lb}");
    assert_eq!(loose.predict(&x, Par::Seq).unwrap(), tight.predict(&x, Par::Seq).unwrap());
    for bad in [0.0, 1.0, f64::NAN] {
        p.relative_decrease = bad;
        assert!(GpcModel::fit(&p, x.clone(), &classes, 2, Par::Seq).is_err(), "{bad}");
    }
}
