//! `--device gpu` end to end. Without a usable GPU (no `cuda` feature, no
//! driver, no device) kern says so in one line and fits on the CPU: the
//! model is the CPU's, byte for byte. With one, GPU-trained models predict
//! as the CPU's do.

mod common;

use common::{kern, lcg, scratch, stderr, stdout, write};

/// Two noisy circles in LIBSVM format, labels ±1, and a smooth target.
fn circles(n: usize, seed: u64, regression: bool) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|i| {
            let r = if i % 2 == 0 { 0.5 } else { 1.5 };
            let t = std::f64::consts::TAU * u();
            let (a, b) = (r * t.cos() + 0.2 * (u() - 0.5), r * t.sin() + 0.2 * (u() - 0.5));
            let label =
                if regression { format!("{:?}", (2.0 * a).sin() + b) } else { format!("{}", 1 - 2 * (i % 2) as i32) };
            format!("{label} 1:{a:?} 2:{b:?}\n")
        })
        .collect()
}

fn gpu_notice(err: &str) -> bool {
    err.contains("kern: notice: --device gpu:") && err.contains("computing on the CPU")
}

#[test]
fn without_a_gpu_the_cpu_fits_the_same_model_after_one_notice() {
    let dir = scratch();
    write(dir.path(), "c.txt", circles(600, 1, false));
    write(dir.path(), "r.txt", circles(600, 2, true));
    for (data, task) in [
        ("c.txt", vec!["--task", "svc"]),
        ("r.txt", vec!["--task", "krr"]),
        ("r.txt", vec!["--task", "krr", "--approx", "falkon", "--components", "50"]),
        ("c.txt", vec!["--task", "svc", "--approx", "nystroem", "--components", "50"]),
    ] {
        let mut cpu = vec!["fit", data, "-g", "2", "-o", "cpu.model"];
        cpu.extend(&task);
        let mut gpu = vec!["fit", data, "-g", "2", "-o", "gpu.model", "--device", "gpu", "--gpu-memory", "64"];
        gpu.extend(&task);
        let (c, g) = (kern(dir.path(), &cpu), kern(dir.path(), &gpu));
        assert!(c.status.success() && g.status.success(), "{}{}", stderr(&c), stderr(&g));
        let err = stderr(&g);
        if !gpu_notice(&err) {
            eprintln!("skipped: a GPU is in use here; tests/gpu.rs's GPU tests compare its models");
            return;
        }
        assert_eq!(err.lines().filter(|l| l.contains("notice")).count(), 1, "one notice: {err}");
        assert!(!err.contains("panicked"));
        let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
        assert_eq!(read("cpu.model"), read("gpu.model"), "{task:?}");
    }
}

#[test]
fn models_trained_on_the_gpu_predict_as_the_cpu_models() {
    let dir = scratch();
    write(dir.path(), "c.txt", circles(6000, 3, false));
    write(dir.path(), "ct.txt", circles(2000, 4, false));
    write(dir.path(), "r.txt", circles(6000, 5, true));
    write(dir.path(), "rt.txt", circles(2000, 6, true));
    let fit = |data: &str, extra: &[&str], out: &str| {
        let mut args = vec!["fit", data, "-g", "2", "-c", "10", "-o", out];
        args.extend(extra);
        let o = kern(dir.path(), &args);
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    let predict = |model: &str, data: &str| -> Vec<f64> {
        let o = kern(dir.path(), &["predict", model, data]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o).lines().map(|l| l.parse().unwrap()).collect()
    };
    let probe = fit("c.txt", &["--task", "svc", "--device", "gpu"], "probe.model");
    if gpu_notice(&probe) {
        // benches/gpu/run.sh sets KERN_REQUIRE_GPU: there a skip is a failure.
        assert!(std::env::var_os("KERN_REQUIRE_GPU").is_none(), "no GPU: {probe}");
        eprintln!("skipped: no GPU here ({})", probe.trim());
        return;
    }
    for (task, data, test, extra) in [
        ("svc", "c.txt", "ct.txt", vec![]),
        ("svr", "r.txt", "rt.txt", vec![]),
        ("krr", "r.txt", "rt.txt", vec!["--alpha", "0.1"]),
        ("krr", "r.txt", "rt.txt", vec!["--approx", "falkon", "--components", "500", "--alpha", "0.1"]),
        ("krr", "r.txt", "rt.txt", vec!["--approx", "nystroem", "--components", "500", "--alpha", "0.1"]),
    ] {
        let mut base = vec!["--task", task];
        base.extend(&extra);
        fit(data, &base, "cpu.model");
        let cpu = predict("cpu.model", test);
        for precision in ["f64", "f32"] {
            let mut args = base.clone();
            args.extend(["--device", "gpu", "--precision", precision]);
            fit(data, &args, "gpu.model");
            let gpu = predict("gpu.model", test);
            if task == "svc" {
                let same = cpu.iter().zip(&gpu).filter(|(a, b)| a == b).count();
                // f64 tiles give the CPU's labels; f32 tiles may move a
                // point that sits on the boundary.
                let need = if precision == "f64" { cpu.len() } else { cpu.len() * 995 / 1000 };
                assert!(same >= need, "{task} {precision}: {same} of {} labels agree", cpu.len());
            } else {
                // SMO stops at a KKT gap of 1e-3 (eps), so f32 rounding that
                // changes its path moves SVR's predictions by a few times that.
                // Falkon and Nyström solve an ill-conditioned ridge system
                // (λ = alpha / n = 2e-5) from f32 products: on the CPU's f32
                // emulation (solvers/tests/linear.rs) predictions move by
                // 0.006 to 0.09 depending on the draw; this data passed on an H100.
                let tol = match (precision, task, extra.contains(&"--approx")) {
                    ("f64", _, _) => 1e-4,
                    (_, "svr", _) => 5e-3,
                    (_, "krr", true) => 5e-2,
                    _ => 1e-3,
                };
                let worst = cpu.iter().zip(&gpu).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
                assert!(worst < tol, "{task} {extra:?} {precision}: predictions differ by {worst:e}");
            }
        }
    }
}

/// The linfa estimators on a `Device`: the same models as on the CPU.
#[cfg(feature = "linfa")]
#[test]
fn linfa_estimators_fitted_on_a_gpu_predict_as_on_the_cpu() {
    use kern::gpu::{Gpu, GpuOptions, Precision};
    use kern::linfa::Device;
    use linfa::prelude::*;
    use ndarray::{Array1, Array2};

    let mut u = lcg(7);
    let x = Array2::from_shape_fn((5000, 2), |_| 4.0 * u() - 2.0);
    let labels: Array1<bool> = x.rows().into_iter().map(|r| r[0] * r[1] > 0.0).collect();
    let targets: Array1<f64> = x.rows().into_iter().map(|r| (2.0 * r[0]).sin() + r[1]).collect();
    let classes = Dataset::new(x.clone(), labels);
    let values = Dataset::new(x.clone(), targets);
    let svc = kern::Svc::<f64, bool>::params().gamma(2.0).c(10.0);
    let krr = kern::KernelRidge::<f64>::params().gamma(2.0).alpha(0.1);
    let cpu_labels = svc.clone().fit(&classes).unwrap().predict(&x);
    let cpu_values = krr.clone().fit(&values).unwrap().predict(&x);
    let device = match Gpu::open(&GpuOptions { precision: Precision::F64, ..GpuOptions::default() }) {
        Ok(gpu) => Device::gpu(gpu),
        Err(why) => {
            assert!(std::env::var_os("KERN_REQUIRE_GPU").is_none(), "no GPU: {why}");
            eprintln!("skipped: {why}");
            // Without one the CPU device is the plain estimator.
            assert_eq!(svc.clone().device(Device::cpu()).fit(&classes).unwrap().predict(&x), cpu_labels);
            return;
        }
    };
    assert_eq!(svc.device(device.clone()).fit(&classes).unwrap().predict(&x), cpu_labels);
    let gpu_values = krr.device(device).fit(&values).unwrap().predict(&x);
    let worst = cpu_values.iter().zip(&gpu_values).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-4, "kernel ridge predictions differ by {worst:e}");
}
