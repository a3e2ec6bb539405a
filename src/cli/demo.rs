//! `kern demo`: the main job, end to end, on data generated in code.

use std::time::Instant;

use faer::Mat;
use kern_kernels::{Par, VectorKernel};
use kern_solvers::{KernelRidge, KernelRidgeModel};
use serde_json::json;

use super::predict::{mean_squared_error, r2_score};
use super::{DemoArgs, print_json};
use crate::error::Result;
use crate::synthetic::friedman1;

const SEED: u64 = 42;
const N_TRAIN: usize = 2000;
const N_TEST: usize = 1000;
const NOISE: f64 = 1.0;

pub(super) fn run(args: &DemoArgs, par: Par) -> Result<()> {
    let train = friedman1(N_TRAIN, NOISE, SEED);
    let test = friedman1(N_TEST, NOISE, SEED + 1);
    let kernel = VectorKernel::Rbf { gamma: 0.5 };
    let params = KernelRidge { alpha: 0.01 };

    let started = Instant::now();
    let y = Mat::from_fn(N_TRAIN, 1, |i, _| train.y[i]);
    let model = KernelRidgeModel::fit(kernel.clone(), train.x, y.as_ref(), params, par)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let pred = model.predict(&test.x, par);
    let predict_seconds = started.elapsed().as_secs_f64();
    let pred: Vec<f64> = (0..N_TEST).map(|i| pred[(i, 0)]).collect();

    let mse = mean_squared_error(&test.y, &pred);
    let r2 = r2_score(&test.y, &pred);
    let mean = train.y.iter().sum::<f64>() / N_TRAIN as f64;
    let baseline = mean_squared_error(&test.y, &vec![mean; N_TEST]);
    let noise_floor = mean_squared_error(&test.y, &test.f);

    if args.run.json {
        print_json(&json!({
            "task": "krr", "kernel": kernel.name(), "n_samples": N_TRAIN, "n_features": 10,
            "fit_seconds": fit_seconds, "n_test": N_TEST, "mse": mse, "r2": r2,
            "baseline_mse": baseline, "noise_mse": noise_floor,
        }));
        return Ok(());
    }
    println!("kern demo: kernel ridge regression on Friedman's problem #1 (seed {SEED})");
    println!("  data      {N_TRAIN} training and {N_TEST} held-out points, 10 features of which 5 matter,");
    println!("            y = 10 sin(pi x1 x2) + 20 (x3 - 1/2)^2 + 10 x4 + 5 x5 + noise (sd {NOISE})");
    println!("  model     {kernel}, alpha = {}", params.alpha);
    println!("  fit       {fit_seconds:.3} s ({N_TRAIN} x {N_TRAIN} kernel matrix, one Cholesky factorisation)");
    println!("  predict   {predict_seconds:.3} s for {N_TEST} held-out points");
    println!("  held-out  MSE {mse:.3}, R^2 {r2:.3}");
    println!("            (the noise alone costs MSE {noise_floor:.3}; predicting the mean costs {baseline:.3})");
    Ok(())
}
