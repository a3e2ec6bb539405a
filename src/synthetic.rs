//! Seeded synthetic data sets, for `kern demo`, examples, tests and
//! benchmarks. The same seed gives the same data on every machine.

use kern_kernels::{DataSet, DenseMatrix};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A regression problem: inputs, noisy targets, and the noise-free function.
#[derive(Clone, Debug)]
pub struct Regression {
    /// The inputs.
    pub x: DataSet,
    /// Observed targets (function plus noise).
    pub y: Vec<f64>,
    /// The noise-free function at each input.
    pub f: Vec<f64>,
}

/// A seeded random generator (ChaCha8: portable and stable across versions).
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: the log is finite
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Friedman's first regression problem (Friedman 1991): ten features uniform
/// on [0, 1], of which only five matter,
/// `f(x) = 10 sin(π x₁ x₂) + 20 (x₃ − ½)² + 10 x₄ + 5 x₅`, observed with
/// Gaussian noise of standard deviation `noise`.
///
/// ```
/// let data = kern::synthetic::friedman1(100, 1.0, 7);
/// assert_eq!((data.x.n_samples(), data.x.n_features()), (100, 10));
/// ```
pub fn friedman1(n: usize, noise: f64, seed: u64) -> Regression {
    let mut rng = rng(seed);
    let mut values = Vec::with_capacity(n * 10);
    let (mut y, mut f) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let x: Vec<f64> = (0..10).map(|_| rng.random::<f64>()).collect();
        let fx =
            10.0 * (std::f64::consts::PI * x[0] * x[1]).sin() + 20.0 * (x[2] - 0.5).powi(2) + 10.0 * x[3] + 5.0 * x[4];
        values.extend_from_slice(&x);
        f.push(fx);
        y.push(fx + noise * normal(&mut rng));
    }
    Regression { x: DataSet::from(DenseMatrix::new(n, 10, values).expect("finite values")), y, f }
}

/// `n` points uniform in `[-1, 1]^d` (a dense data set).
pub fn uniform(n: usize, d: usize, seed: u64) -> DataSet {
    let mut rng = rng(seed);
    let values = (0..n * d).map(|_| 2.0 * rng.random::<f64>() - 1.0).collect();
    DataSet::from(DenseMatrix::new(n, d, values).expect("finite values"))
}
