//! A kernel method by way of a linear one: kern's Nyström transformer maps
//! the records to 300 features whose inner products approximate an RBF
//! kernel, then linfa-linear's ordinary least squares fits on them, beside
//! exact RBF kernel ridge on the raw records (an n × n system) for
//! comparison.
//!
//! `cargo run --release --example linfa_pipeline`

use linfa::prelude::*;
use ndarray::{Array1, Array2};

fn main() -> Result<(), kern::Error> {
    let (train, test) = (friedman(10_000, 1), friedman(2000, 2));

    let started = std::time::Instant::now();
    let map = kern::Nystroem::params().gamma(0.1).components(300).seed(0).fit(&train)?;
    let features = map.transform(train.clone());
    let linear = linfa_linear::LinearRegression::new().fit(&features).expect("a full-rank least-squares problem");
    let pred = linear.predict(&map.transform(test.records()));
    println!(
        "Nyström ({} features) + linfa-linear least squares: R² {:.4}, MSE {:.4} in {:.2} s",
        map.n_components(),
        pred.r2(test.targets())?,
        pred.mean_squared_error(test.targets())?,
        started.elapsed().as_secs_f64()
    );

    let started = std::time::Instant::now();
    let exact = kern::KernelRidge::params().gamma(0.1).alpha(1e-2).fit(&train)?;
    let pred = exact.predict(test.records());
    println!(
        "exact RBF kernel ridge: R² {:.4}, MSE {:.4} in {:.2} s",
        pred.r2(test.targets())?,
        pred.mean_squared_error(test.targets())?,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Friedman's first regression problem (10 inputs on [0, 1], 5 used), noise 0.5.
fn friedman(n: usize, seed: u64) -> DatasetBase<Array2<f64>, Array1<f64>> {
    let mut rng = kern::approx::SplitMix64::new(seed);
    let x = Array2::from_shape_fn((n, 10), |_| rng.uniform());
    let y: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|r| {
            10.0 * (std::f64::consts::PI * r[0] * r[1]).sin()
                + 20.0 * (r[2] - 0.5).powi(2)
                + 10.0 * r[3]
                + 5.0 * r[4]
                + 0.5 * rng.normal()
        })
        .collect();
    Dataset::new(x, y)
}
