//! GPs on a fixed kernel up to scale (`c K + σ² I`), checked against the
//! general GP code, which fits the same covariance through Cholesky
//! factorisations and L-BFGS on analytic gradients: the same likelihood at
//! the same point, the same optimum, the same predictions.

use faer::Par;
use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
use kern_solvers::gp::{
    FixedGpModel, FixedGpcModel, FixedKernelGp, GaussianProcess, GaussianProcessClassifier, GpModel, GpcModel,
    log_marginal_likelihood,
};

/// A fixed LCG in [0, 1).
fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Points in 2-d, a smooth noisy target, and classes from its sign.
fn problem(n: usize, seed: u64) -> (DataSet, Vec<f64>, Vec<usize>) {
    let mut u = lcg(seed);
    let rows: Vec<Vec<f64>> = (0..n).map(|_| vec![4.0 * u() - 2.0, 4.0 * u() - 2.0]).collect();
    let y: Vec<f64> = rows.iter().map(|r| 3.0 * (1.5 * r[0]).sin() + r[1] + 0.8 * (u() - 0.5)).collect();
    let classes = y.iter().map(|&v| usize::from(v + 0.9 * (u() - 0.5) > 0.0)).collect();
    (DataSet::from(DenseMatrix::from_rows(&rows).unwrap()), y, classes)
}

const BASE: VectorKernel = VectorKernel::Rbf { gamma: 0.7 };

fn scaled(c: f64) -> VectorKernel {
    VectorKernel::Scaled { scale: c, kernel: Box::new(BASE) }
}

/// The log marginal likelihood of the normalised targets under `c K + s I`, by the general code.
fn general_lml(x: &DataSet, yn: &[f64], c: f64, s: f64) -> f64 {
    log_marginal_likelihood(&scaled(c), s, x, yn, false, Par::Seq).unwrap().log_marginal_likelihood
}

fn normalised(y: &[f64]) -> Vec<f64> {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let sd = (y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
    y.iter().map(|v| (v - mean) / sd).collect()
}

#[test]
fn regression_finds_the_general_fit_s_optimum_and_predicts_the_same() {
    let (x, y, _) = problem(80, 5);
    let (test, _, _) = problem(30, 6);
    let fixed = FixedGpModel::fit(BASE, x.clone(), &y, &FixedKernelGp::default(), Par::Seq).unwrap();
    let mut params = GaussianProcess::new(scaled(1.0), 1.0);
    params.fit = vec![true, false, true]; // amplitude and noise, gamma held
    params.restarts = 3;
    let general = GpModel::fit(&params, x.clone(), &y, Par::Seq).unwrap();
    let h = general.hyperparameters();
    let (c, s) = (h[0].1, h[2].1);
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
    assert!(rel(fixed.amplitude, c) < 1e-3, "amplitude {} vs {c}", fixed.amplitude);
    assert!(rel(fixed.noise, s) < 1e-3, "noise {} vs {s}", fixed.noise);
    assert!(fixed.log_marginal_likelihood >= general.log_marginal_likelihood - 1e-7);
    // The reported likelihood is the general code's at the same point.
    let yn = normalised(&y);
    let at = general_lml(&x, &yn, fixed.amplitude, fixed.noise);
    assert!(rel(fixed.log_marginal_likelihood, at) < 1e-9, "{} vs {at}", fixed.log_marginal_likelihood);
    let (pf, pg) = (fixed.predict(&test, Par::Seq).unwrap(), general.predict(&test, Par::Seq).unwrap());
    for i in 0..30 {
        assert!((pf.mean[i] - pg.mean[i]).abs() < 1e-3, "mean {i}: {} vs {}", pf.mean[i], pg.mean[i]);
        assert!((pf.std_with_noise[i] - pg.std_with_noise[i]).abs() < 1e-3);
    }
    assert_eq!(fixed.predict_mean(&test, Par::Seq), pf.mean);
}

#[test]
fn each_free_parameter_is_at_a_maximum_of_the_likelihood() {
    let (x, y, _) = problem(60, 9);
    let yn = normalised(&y);
    let cases = [
        FixedKernelGp::default(),
        FixedKernelGp { amplitude: Some(2.0), ..Default::default() },
        FixedKernelGp { noise: Some(0.05), ..Default::default() },
    ];
    for params in cases {
        let m = FixedGpModel::fit(BASE, x.clone(), &y, &params, Par::Seq).unwrap();
        assert_eq!(params.amplitude.unwrap_or(m.amplitude), m.amplitude);
        assert_eq!(params.noise.unwrap_or(m.noise), m.noise);
        let best = general_lml(&x, &yn, m.amplitude, m.noise);
        for f in [0.98, 1.02] {
            let c = if params.amplitude.is_none() { m.amplitude * f } else { m.amplitude };
            let s = if params.noise.is_none() { m.noise * f } else { m.noise };
            assert!(general_lml(&x, &yn, c, s) < best, "{params:?} at ×{f}");
            if params.amplitude.is_none() && params.noise.is_none() {
                assert!(general_lml(&x, &yn, m.amplitude * f, m.noise) < best);
                assert!(general_lml(&x, &yn, m.amplitude, m.noise * f) < best);
            }
        }
    }
}

#[test]
fn a_singular_kernel_without_noise_is_solved_with_a_reported_jitter() {
    let (x, y, _) = problem(20, 2);
    // Every sample twice: K has rank at most 20.
    let rows: Vec<usize> = (0..20).chain(0..20).collect();
    let twice = x.select(&rows);
    let y2: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
    let params = FixedKernelGp { amplitude: Some(1.0), noise: Some(0.0), ..Default::default() };
    let m = FixedGpModel::fit(BASE, twice.clone(), &y2, &params, Par::Seq).unwrap();
    assert!(m.jitter > 0.0);
    let p = m.predict(&twice, Par::Seq).unwrap();
    for i in 0..40 {
        // Noise-free: the posterior passes through the targets.
        assert!((p.mean[i] - y2[i]).abs() < 1e-3, "{} vs {}", p.mean[i], y2[i]);
        assert!(p.std[i].is_finite());
    }
    let bad = FixedKernelGp { noise: Some(-1.0), ..Default::default() };
    assert!(FixedGpModel::fit(BASE, x.clone(), &y, &bad, Par::Seq).is_err());
    assert!(FixedGpModel::fit(BASE, x, &y[1..], &FixedKernelGp::default(), Par::Seq).is_err());
}

#[test]
fn classification_finds_the_general_fit_s_amplitude_and_probabilities() {
    let (x, _, classes) = problem(70, 12);
    let (test, _, _) = problem(25, 13);
    let fixed = FixedGpcModel::fit(BASE, x.clone(), &classes, 2, &FixedKernelGp::default(), Par::Seq).unwrap();
    let mut params = GaussianProcessClassifier::new(scaled(1.0));
    params.fit = vec![true, false];
    params.restarts = 2;
    let general = GpcModel::fit(&params, x.clone(), &classes, 2, Par::Seq).unwrap();
    let c = general.latent[0].kernel.hyperparameters()[0].value;
    let (a, b) = (fixed.log_marginal_likelihood(), general.log_marginal_likelihood());
    assert!((fixed.latent[0].amplitude - c).abs() < 0.02 * c, "amplitude {} vs {c}", fixed.latent[0].amplitude);
    assert!(a >= b - 1e-4 * b.abs(), "evidence {a} vs {b}");
    let (pf, pg) = (fixed.predict_proba(&test, Par::Seq).unwrap(), general.predict_proba(&test, Par::Seq).unwrap());
    for i in 0..25 {
        assert!((pf[(i, 1)] - pg[(i, 1)]).abs() < 5e-3, "{i}: {} vs {}", pf[(i, 1)], pg[(i, 1)]);
        assert!((pf[(i, 0)] + pf[(i, 1)] - 1.0).abs() < 1e-12);
    }
    // The label is the side of the latent mean.
    let f = fixed.decision_function(&test, Par::Seq);
    let labels = fixed.predict(&test, Par::Seq).unwrap();
    assert!((0..25).all(|i| labels[i] == usize::from(f[(i, 0)] > 0.0)));
}

#[test]
fn several_classes_take_one_latent_each_with_normalised_probabilities() {
    let (x, y, _) = problem(60, 21);
    let classes: Vec<usize> = y
        .iter()
        .map(|&v| {
            if v < -1.0 {
                0
            } else if v < 1.0 {
                1
            } else {
                2
            }
        })
        .collect();
    let params = FixedKernelGp { amplitude: Some(4.0), ..Default::default() };
    let m = FixedGpcModel::fit(BASE, x.clone(), &classes, 3, &params, Par::Seq).unwrap();
    assert_eq!(m.latent.len(), 3);
    assert!(m.latent.iter().all(|l| l.amplitude == 4.0));
    let p = m.predict_proba(&x, Par::Seq).unwrap();
    for i in 0..60 {
        let total: f64 = (0..3).map(|c| p[(i, c)]).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
    let right = m.predict(&x, Par::Seq).unwrap().iter().zip(&classes).filter(|(a, b)| a == b).count();
    assert!(right >= 48, "{right} of 60 training samples right");
    assert!(FixedGpcModel::fit(BASE, x, &classes, 2, &params, Par::Seq).is_err());
}
