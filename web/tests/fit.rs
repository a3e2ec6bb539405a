//! The demo's fits, natively: orientation of the decision function, the
//! approximations converging to the exact models, and clear errors.

use kern_web::fit::{Fitted, fit_approx, fit_exact};
use kern_web::{ApproxName, KernelName, Settings, Task};

/// Two blobs: class A around (−0.5, 0), class B around (0.5, 0), listed
/// starting with `first` so both class orders are exercised.
fn blobs(first: f64) -> (Vec<f64>, Vec<f64>) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for k in 0..40 {
        let cls = if k % 2 == 0 { first } else { 1.0 - first };
        let centre = if cls == 1.0 { 0.5 } else { -0.5 };
        let (a, b) = ((k as f64 * 2.399).cos(), (k as f64 * 1.7).sin());
        xs.extend([centre + 0.2 * a, 0.3 * b]);
        ys.push(cls);
    }
    (xs, ys)
}

fn curve() -> (Vec<f64>, Vec<f64>) {
    let xs: Vec<f64> = (0..30).map(|k| -0.95 + 1.9 * k as f64 / 29.0).collect();
    let ys = xs.iter().enumerate().map(|(k, x)| (3.0 * x).sin() * 0.5 + 0.05 * ((k * 7 % 5) as f64 - 2.0)).collect();
    (xs, ys)
}

fn settings(task: Task) -> Settings {
    let mut s = Settings::new();
    s.task = task;
    s.gamma = 3.0;
    s
}

#[test]
fn decision_is_positive_on_class_b_whichever_class_comes_first() {
    for first in [0.0, 1.0] {
        let (xs, ys) = blobs(first);
        let s = settings(Task::Svc);
        let exact = fit_exact(&s, &xs, &ys).unwrap();
        let probes = [-0.5, 0.0, 0.5, 0.0];
        for model in [&exact, &fit_approx(&exact, ApproxName::Rff, &s, &xs, &ys).unwrap()] {
            let d = model.decision(&probes).unwrap();
            assert!(d[0] < 0.0 && d[1] > 0.0, "first class {first}: {d:?}");
            assert_eq!(model.accuracy(&xs, &ys).unwrap(), 1.0);
        }
        assert!(!exact.support().is_empty());
        // Training accuracy counts the sign of the decision function.
        let d = exact.decision(&xs).unwrap();
        let agree = d.iter().zip(&ys).filter(|(d, y)| (**d > 0.0) == (**y == 1.0)).count();
        assert_eq!(agree as f64 / ys.len() as f64, exact.accuracy(&xs, &ys).unwrap());
    }
}

#[test]
fn nystroem_on_every_point_is_exact_kernel_ridge() {
    let (xs, ys) = curve();
    let mut s = settings(Task::Krr);
    s.components = 1000; // clamped to the 30 points: every point a landmark
    for kernel in [KernelName::Rbf, KernelName::Laplacian, KernelName::Matern32] {
        s.kernel = kernel;
        let exact = fit_exact(&s, &xs, &ys).unwrap();
        let approx = fit_approx(&exact, ApproxName::Nystroem, &s, &xs, &ys).unwrap();
        let grid: Vec<f64> = (0..50).map(|k| -1.0 + k as f64 / 25.0).collect();
        let (a, b) = (exact.decision(&grid).unwrap(), approx.decision(&grid).unwrap());
        let worst = a.iter().zip(&b).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-6, "{kernel:?}: Nyström on all points differs by {worst}");
    }
}

#[test]
fn random_features_approach_the_exact_gp() {
    let (xs, ys) = curve();
    let mut s = settings(Task::Gp);
    let exact = fit_exact(&s, &xs, &ys).unwrap();
    let grid: Vec<f64> = (0..40).map(|k| -0.9 + k as f64 * 0.045).collect();
    let band = exact.band(&grid, 0, 0).unwrap();
    let (mean, std) = (band.mean, band.std);
    let decision = exact.decision(&grid).unwrap();
    assert!(mean.iter().zip(&decision).all(|(a, b)| (a - b).abs() < 1e-9), "the band's mean is the prediction");
    let mut gap = |m: u32| {
        s.components = m;
        let approx = fit_approx(&exact, ApproxName::Rff, &s, &xs, &ys).unwrap();
        let band = approx.band(&grid, 0, 0).unwrap();
        let (am, astd) = (band.mean, band.std);
        assert!(approx.band(&grid, 1, 0).is_err(), "an approximate GP draws no samples");
        let dm = am.iter().zip(&mean).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
        let ds = astd.iter().zip(&std).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
        (dm, ds)
    };
    let (few, many) = (gap(20), gap(2000));
    assert!(many.0 < few.0 && many.0 < 0.05, "mean gap {few:?} → {many:?}");
    assert!(many.1 < 0.05, "std gap {few:?} → {many:?}");
}

#[test]
fn gp_draws_on_a_packed_grid() {
    // 400 test points far closer than the lengthscale: the posterior
    // covariance is singular to working precision, and drawing still works.
    let (xs, ys) = curve();
    let exact = fit_exact(&settings(Task::Gp), &xs, &ys).unwrap();
    let grid: Vec<f64> = (0..400).map(|k| -1.0 + k as f64 / 200.0).collect();
    let band = exact.band(&grid, 3, 7).unwrap();
    let draws = band.draws;
    assert_eq!(draws.len(), 3 * 400);
    assert!(draws.iter().all(|v| v.is_finite()));
    // Near the data the draws stay within a few σ of the mean.
    let (mean, std) = (band.mean, band.std);
    let decision = exact.decision(&grid).unwrap();
    assert!(mean.iter().zip(&decision).all(|(a, b)| (a - b).abs() < 1e-9), "the band's mean is the prediction");
    for (i, d) in draws.iter().enumerate() {
        let k = i % 400;
        assert!((d - mean[k]).abs() <= 6.0 * std[k] + 1e-6, "draw {i}: {d} vs {} ± {}", mean[k], std[k]);
    }
    assert!(exact.log_marginal_likelihood().unwrap().is_finite());
}

#[test]
fn every_kernel_fits_every_task() {
    let (cx, cy) = blobs(0.0);
    let (rx, ry) = curve();
    for kernel in [
        KernelName::Rbf,
        KernelName::Laplacian,
        KernelName::Poly,
        KernelName::Linear,
        KernelName::Sigmoid,
        KernelName::Matern12,
        KernelName::Matern32,
        KernelName::Matern52,
    ] {
        for task in [Task::Svc, Task::Krr, Task::Gp] {
            let mut s = settings(task);
            s.kernel = kernel;
            s.gamma = 0.5;
            let (xs, ys) = if task == Task::Svc { (&cx, &cy) } else { (&rx, &ry) };
            let fitted = fit_exact(&s, xs, ys);
            if kernel == KernelName::Sigmoid && task != Task::Svc {
                // Not positive semi-definite: ridge and GPs say so (the page shows it).
                if let Err(e) = &fitted {
                    assert!(e.to_string().contains("positive"), "{task:?}: {e}");
                    continue;
                }
            }
            let model = fitted.unwrap_or_else(|e| panic!("{kernel:?} {task:?}: {e}"));
            assert!(model.decision(xs).unwrap().iter().all(|v| v.is_finite()), "{kernel:?} {task:?}");
            assert!(fit_approx(&model, ApproxName::Nystroem, &s, xs, ys).is_ok(), "{kernel:?} {task:?} Nyström");
        }
    }
}

#[test]
fn bad_input_is_one_clear_error() {
    let s = settings(Task::Svc);
    let message = |r: Result<Fitted, kern_web::fit::WebError>| r.unwrap_err().to_string();
    assert_eq!(message(fit_exact(&s, &[0.1, 0.2, 0.3, 0.4], &[0.0, 0.0])), "add points of both classes");
    assert_eq!(message(fit_exact(&s, &[], &[])), "add some points");
    assert!(message(fit_exact(&s, &[0.1, 0.2, 0.3], &[0.0])).contains("do not make points of 2"));
    assert!(message(fit_exact(&s, &[0.1, f64::NAN], &[0.0])).contains("not finite"));
    assert!(message(fit_exact(&s, &[0.1, 0.2, 0.3, 0.4], &[0.0, 2.0])).contains("classes are 0 (A) and 1 (B)"));
    let mut bad = settings(Task::Krr);
    bad.alpha = 0.0;
    assert!(message(fit_exact(&bad, &[0.1, 0.2], &[1.0, 2.0])).contains("alpha"));
    // Random features need a shift-invariant kernel.
    let mut poly = settings(Task::Krr);
    poly.kernel = KernelName::Poly;
    let exact = fit_exact(&poly, &[0.1, 0.2], &[1.0, 2.0]).unwrap();
    assert!(fit_approx(&exact, ApproxName::Rff, &poly, &[0.1, 0.2], &[1.0, 2.0]).is_err());
}
