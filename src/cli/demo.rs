//! `kern demo`: the main job, end to end, on data generated in code.

use std::time::Instant;

use kern_kernels::Par;
use serde_json::json;

use super::{DemoArgs, print_json};
use crate::error::Result;
use crate::io::{Data, Inputs, Labels};
use crate::model::Prediction;
use crate::select::{mean_squared_error, r2_score};
use crate::synthetic::friedman1;
use crate::train::{Alpha, FitSpec, Task, fit};

const SEED: u64 = 42;
const N_TRAIN: usize = 2000;
const N_TEST: usize = 1000;
const NOISE: f64 = 1.0;
const GAMMA: f64 = 0.5;
const ALPHA: f64 = 0.01;

pub(super) fn run(args: &DemoArgs, par: Par) -> Result<()> {
    let train = friedman1(N_TRAIN, NOISE, SEED);
    let test = friedman1(N_TEST, NOISE, SEED + 1);
    let mut spec = FitSpec::new(Task::Krr);
    spec.kernel.gamma = Some(GAMMA);
    spec.alpha = Alpha::Value(ALPHA);
    let mean = train.y.iter().sum::<f64>() / N_TRAIN as f64;
    let fitted = fit(&spec, Data::new(Inputs::Vectors(train.x), Some(Labels::Numeric(train.y))), par)?;
    let started = Instant::now();
    let Prediction::Values(pred) = fitted.model.predict(&Inputs::Vectors(test.x), par)? else {
        unreachable!("kernel ridge predicts values")
    };
    let predict_seconds = started.elapsed().as_secs_f64();
    let pred: Vec<f64> = (0..N_TEST).map(|i| pred[(i, 0)]).collect();

    let mse = mean_squared_error(&test.y, &pred);
    let r2 = r2_score(&test.y, &pred);
    let baseline = mean_squared_error(&test.y, &vec![mean; N_TEST]);
    let noise_floor = mean_squared_error(&test.y, &test.f);
    let (kernel, fit_seconds) = (fitted.model.kernel(), fitted.seconds);

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
    println!("  model     {kernel}, alpha = {ALPHA}");
    println!("  fit       {fit_seconds:.3} s ({N_TRAIN} x {N_TRAIN} kernel matrix, one Cholesky factorisation)");
    println!("  predict   {predict_seconds:.3} s for {N_TEST} held-out points");
    println!("  held-out  MSE {mse:.3}, R^2 {r2:.3}");
    println!("            (the noise alone costs MSE {noise_floor:.3}; predicting the mean costs {baseline:.3})");
    Ok(())
}
