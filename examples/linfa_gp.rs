//! Gaussian-process regression through linfa, with error bars: fit a noisy
//! sine, print the posterior mean ± 2 standard deviations on a grid that
//! runs past the data (where the band widens), and the fitted
//! hyperparameters.
//!
//! `cargo run --release --example linfa_gp`

use linfa::prelude::*;
use ndarray::{Array1, Array2};

fn main() -> Result<(), kern::Error> {
    let mut rng = kern::approx::SplitMix64::new(3);
    let n = 60;
    let x = Array2::from_shape_fn((n, 1), |_| 6.0 * rng.uniform());
    let y: Array1<f64> = x.column(0).iter().map(|&t| t.sin() + 0.1 * rng.normal()).collect();

    let gp = kern::GaussianProcess::params().kernel(kern::KernelKind::Matern52).restarts(3).fit(&Dataset::new(x, y))?;
    println!("log marginal likelihood {:.3}", gp.log_marginal_likelihood());
    for (name, value) in gp.hyperparameters() {
        println!("  {name} = {value:.4}");
    }

    let grid = Array2::from_shape_fn((17, 1), |(i, _)| -1.0 + 0.5 * i as f64);
    let (mean, std) = gp.predict_mean_std(&grid);
    println!("{:>6} {:>8} {:>18} {:>8}", "x", "sin x", "mean ± 2 std", "std");
    for i in 0..grid.nrows() {
        let t = grid[[i, 0]];
        println!("{t:>6.2} {:>8.3} {:>8.3} ± {:<7.3} {:>8.3}", t.sin(), mean[i], 2.0 * std[i], std[i]);
    }
    Ok(())
}
