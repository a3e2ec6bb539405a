//! Gaussian processes: the log marginal likelihood against a direct O(n³)
//! formula, every analytic gradient against central finite differences, and
//! the posterior's invariants.

use faer::Par;
use kern_kernels::{DataSet, DenseMatrix, Kernel, VectorKernel};
use kern_solvers::gp::{GaussianProcess, GpModel, log_marginal_likelihood, sample_prior};

/// Points in 3-d and a smooth target (a fixed LCG).
fn problem(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut s = seed;
    let mut u = || {
        s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let x: Vec<Vec<f64>> = (0..n).map(|_| (0..3).map(|_| 2.0 * u() - 1.0).collect()).collect();
    let y = x.iter().map(|r| (2.0 * r[0]).sin() + r[1] * r[2] + 0.1 * (u() - 0.5)).collect();
    (x, y)
}

fn data(x: &[Vec<f64>]) -> DataSet {
    DataSet::from(DenseMatrix::from_rows(x).unwrap())
}

/// `log N(y; 0, A)` by Gaussian elimination with partial pivoting: the
/// determinant from the pivots, `yᵀA⁻¹y` from the solve.
fn direct_lml(a: Vec<Vec<f64>>, y: &[f64]) -> f64 {
    let n = y.len();
    let mut m: Vec<Vec<f64>> = a
        .into_iter()
        .zip(y)
        .map(|(mut r, &v)| {
            r.push(v);
            r
        })
        .collect();
    let mut log_det = 0.0;
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| m[i][c].abs().total_cmp(&m[j][c].abs())).unwrap();
        m.swap(c, p);
        log_det += m[c][c].abs().ln();
        for r in c + 1..n {
            let f = m[r][c] / m[c][c];
            for k in c..=n {
                m[r][k] -= f * m[c][k];
            }
        }
    }
    let mut sol = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| m[r][k] * sol[k]).sum();
        sol[r] = (m[r][n] - s) / m[r][r];
    }
    let fit: f64 = y.iter().zip(&sol).map(|(a, b)| a * b).sum();
    -0.5 * fit - 0.5 * log_det - 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln()
}

/// Every kernel with a noise that keeps `K + σ² I` positive definite (the
/// sigmoid kernel is not PSD by itself).
fn kernels() -> Vec<(VectorKernel, f64)> {
    use VectorKernel::*;
    let rbf = || Box::new(Rbf { gamma: 0.7 });
    vec![
        Rbf { gamma: 0.7 },
        Laplacian { gamma: 0.4 },
        Matern12 { lengthscale: 0.8 },
        Matern32 { lengthscale: 1.3 },
        Matern52 { lengthscale: 0.9 },
        ArdRbf { lengthscales: vec![0.5, 1.5, 2.0] },
        ArdMatern32 { lengthscales: vec![0.8, 1.2, 2.5] },
        ArdMatern52 { lengthscales: vec![1.1, 0.6, 1.9] },
        Polynomial { gamma: 0.3, coef0: 1.2, degree: 3 },
        Sigmoid { gamma: 0.2, coef0: 0.5 },
        Linear,
        Scaled { scale: 2.5, kernel: rbf() },
        Sum(vec![Scaled { scale: 1.5, kernel: rbf() }, Matern32 { lengthscale: 0.6 }, Linear]),
        Product(vec![Rbf { gamma: 0.3 }, Polynomial { gamma: 0.5, coef0: 1.0, degree: 2 }, Laplacian { gamma: 0.2 }]),
        Normalized(Box::new(Sum(vec![Rbf { gamma: 0.5 }, Scaled { scale: 0.3, kernel: Box::new(Linear) }]))),
        Periodic { lengthscale: 0.8, period: 1.7 },
        RationalQuadratic { lengthscale: 0.9, alpha: 0.6 },
        DotProduct { sigma0: 0.7 },
        Sum(vec![
            Scaled {
                scale: 4.0,
                kernel: Box::new(Product(vec![Rbf { gamma: 0.7 }, Periodic { lengthscale: 1.1, period: 2.3 }])),
            },
            Scaled { scale: 0.25, kernel: Box::new(RationalQuadratic { lengthscale: 1.2, alpha: 2.0 }) },
            Constant { value: 0.3 },
        ]),
    ]
    .into_iter()
    .map(|k| {
        let noise = if matches!(k, Sigmoid { .. }) { 3.0 } else { 0.05 };
        (k, noise)
    })
    .collect()
}

#[test]
fn the_log_marginal_likelihood_is_the_gaussian_density_of_the_targets() {
    let (x, y) = problem(40, 1);
    let d = data(&x);
    for (kernel, noise) in kernels() {
        let a: Vec<Vec<f64>> = (0..40)
            .map(|i| (0..40).map(|j| kernel.eval(&d, i, &d, j) + if i == j { noise } else { 0.0 }).collect())
            .collect();
        let want = direct_lml(a, &y);
        let got = log_marginal_likelihood(&kernel, noise, &d, &y, false, Par::Seq).unwrap();
        assert_eq!(got.jitter, 0.0);
        let got = got.log_marginal_likelihood;
        assert!((got - want).abs() <= 1e-9 * want.abs(), "{kernel}: {got} vs {want}");
    }
}

#[test]
fn every_gradient_matches_central_differences() {
    let (x, y) = problem(30, 2);
    let d = data(&x);
    for (kernel, noise) in kernels() {
        let e = log_marginal_likelihood(&kernel, noise, &d, &y, true, Par::Seq).unwrap();
        let mut theta: Vec<f64> = kernel.hyperparameters().iter().map(|h| h.value).collect();
        theta.push(noise);
        assert_eq!(e.gradient.len(), theta.len(), "{kernel}");
        for k in 0..theta.len() {
            let at = |delta: f64| {
                let mut t = theta.clone();
                t[k] *= delta.exp();
                let (kern, nz) = (kernel.with_hyperparameters(&t[..t.len() - 1]), t[t.len() - 1]);
                log_marginal_likelihood(&kern, nz, &d, &y, false, Par::Seq).unwrap().log_marginal_likelihood
            };
            let h = 1e-5;
            let fd = (at(h) - at(-h)) / (2.0 * h);
            let g = e.gradient[k];
            assert!((g - fd).abs() <= 1e-6 * g.abs().max(1.0), "{kernel}, parameter {k}: analytic {g} vs {fd}");
        }
    }
}

#[test]
fn with_tiny_noise_the_posterior_interpolates_and_variances_stay_non_negative() {
    let (x, y) = problem(50, 3);
    let (xt, _) = problem(30, 4);
    let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 1.0 }) };
    let mut params = GaussianProcess::new(kernel, 1e-8);
    params.fit = vec![false, false, false];
    let gp = GpModel::fit(&params, data(&x), &y, Par::Seq).unwrap();
    let at_train = gp.predict(&data(&x), Par::Seq).unwrap();
    for (m, t) in at_train.mean.iter().zip(&y) {
        assert!((m - t).abs() < 1e-4, "{m} vs {t}");
    }
    assert!(at_train.std.iter().all(|&s| (0.0..1e-2).contains(&s)));
    let elsewhere = gp.predict(&data(&xt), Par::Seq).unwrap();
    assert!(elsewhere.std.iter().zip(&elsewhere.std_with_noise).all(|(&s, &sn)| s >= 0.0 && sn >= s));
    let mean = gp.predict_mean(&data(&xt), Par::Seq);
    assert_eq!(mean, elsewhere.mean);
    for ((lo, hi), m) in elsewhere.interval(0.95).iter().zip(&mean) {
        assert!(lo <= m && m <= hi);
    }
}

#[test]
fn fitting_raises_the_likelihood_and_is_reproducible() {
    let (x, y) = problem(60, 5);
    let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.1 }) };
    let mut params = GaussianProcess::new(kernel.clone(), 1.0);
    params.restarts = 3;
    params.seed = 11;
    let start = log_marginal_likelihood(&kernel, 1.0, &data(&x), &standardised(&y), false, Par::Seq).unwrap();
    let a = GpModel::fit(&params, data(&x), &y, Par::Seq).unwrap();
    assert!(a.log_marginal_likelihood > start.log_marginal_likelihood + 1.0);
    // The fitted point is a stationary point: the gradient of the free log-parameters is small.
    let e = log_marginal_likelihood(&a.kernel, a.noise, &data(&x), &standardised(&y), true, Par::Seq).unwrap();
    assert!(e.gradient.iter().all(|g| g.abs() < 1e-2), "{:?}", e.gradient);
    let b = GpModel::fit(&params, data(&x), &y, Par::rayon(2)).unwrap();
    assert_eq!(a, b, "same seed, any thread count: same model");
    // Samples: seeded, and the prior's empirical variance near k(x, x).
    let s1 = sample_prior(&a.kernel, &data(&x[..5]), 4000, 3, Par::Seq).unwrap();
    let s2 = sample_prior(&a.kernel, &data(&x[..5]), 4000, 3, Par::Seq).unwrap();
    assert_eq!(s1, s2);
    let var: f64 = (0..4000).map(|c| s1[(0, c)] * s1[(0, c)]).sum::<f64>() / 4000.0;
    let kxx = a.kernel.eval(&data(&x), 0, &data(&x), 0);
    assert!((var - kxx).abs() < 0.1 * kxx, "{var} vs {kxx}");
    let post = a.sample_posterior(&data(&x[..5]), 3, 9, Par::Seq).unwrap();
    assert_eq!(post, a.sample_posterior(&data(&x[..5]), 3, 9, Par::Seq).unwrap());
    // One factorisation for the band and the draws: the same band as `predict`.
    let (band, draws) = a.predict_and_sample(&data(&x[..5]), 3, 9, Par::Seq).unwrap();
    assert_eq!(draws, post);
    let p = a.predict(&data(&x[..5]), Par::Seq).unwrap();
    let close = |u: &[f64], v: &[f64]| u.iter().zip(v).all(|(u, v)| (u - v).abs() <= 1e-9 * (1.0 + v.abs()));
    assert!(close(&band.mean, &p.mean) && close(&band.std, &p.std), "{band:?} vs {p:?}");
    assert!(close(&band.std_with_noise, &p.std_with_noise));
}

fn standardised(y: &[f64]) -> Vec<f64> {
    let n = y.len() as f64;
    let m = y.iter().sum::<f64>() / n;
    let s = (y.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
    y.iter().map(|v| (v - m) / s).collect()
}

#[test]
fn a_looser_relative_decrease_stops_sooner_near_the_same_optimum() {
    let (x, y) = problem(200, 8);
    let base = VectorKernel::ArdRbf { lengthscales: vec![1.0; 3] };
    let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(base) };
    let mut params = GaussianProcess::new(kernel, 1.0);
    params.restarts = 0;
    let tight = GpModel::fit(&params, data(&x), &y, Par::Seq).unwrap();
    params.relative_decrease = 1e-5;
    let loose = GpModel::fit(&params, data(&x), &y, Par::Seq).unwrap();
    assert!(loose.evaluations < tight.evaluations, "{} against {}", loose.evaluations, tight.evaluations);
    // Short of the optimum by little: 1e-3 of the log marginal likelihood.
    let (a, b) = (loose.log_marginal_likelihood, tight.log_marginal_likelihood);
    assert!(a <= b + 1e-9 && b - a < 1e-3 * b.abs(), "{a} against {b}");
    for bad in [0.0, 1.0, f64::NAN] {
        params.relative_decrease = bad;
        assert!(GpModel::fit(&params, data(&x), &y, Par::Seq).is_err(), "{bad}");
    }
}
