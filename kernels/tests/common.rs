//! Deterministic random data for the kernel tests.

#![allow(dead_code)]

use kern_kernels::{DataSet, DenseMatrix, SparseMatrix, VectorKernel};

/// SplitMix64: a tiny, fully specified generator, so test data never depends
/// on another crate's stream.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
}

/// `n × d` values in [-1, 1), about `zero_fraction` of them exactly zero.
pub fn random_rows(rng: &mut Rng, n: usize, d: usize, zero_fraction: f64) -> Vec<Vec<f64>> {
    (0..n)
        .map(|_| (0..d).map(|_| if rng.uniform() < zero_fraction { 0.0 } else { rng.range(-1.0, 1.0) }).collect())
        .collect()
}

pub fn dense(rows: &[Vec<f64>]) -> DataSet {
    DataSet::from(DenseMatrix::from_rows(rows).unwrap())
}

pub fn sparse(rows: &[Vec<f64>], d: usize) -> DataSet {
    let mut m = SparseMatrix::with_cols(d);
    for row in rows {
        let idx: Vec<u32> = (0..row.len()).filter(|&j| row[j] != 0.0).map(|j| j as u32).collect();
        let val: Vec<f64> = idx.iter().map(|&j| row[j as usize]).collect();
        m.push_row(&idx, &val).unwrap();
    }
    DataSet::from(m)
}

/// Every vector kernel, with parameters that keep values well away from
/// under/overflow for data in [-1, 1]^d.
pub fn all_kernels(d: usize) -> Vec<(&'static str, VectorKernel)> {
    use VectorKernel::*;
    let ard: Vec<f64> = (0..d).map(|j| 0.5 + 0.25 * j as f64).collect();
    vec![
        ("linear", Linear),
        ("poly", Polynomial { gamma: 0.3, coef0: 1.0, degree: 3 }),
        ("poly5", Polynomial { gamma: 0.5, coef0: 0.5, degree: 5 }),
        ("rbf", Rbf { gamma: 0.7 }),
        ("laplacian", Laplacian { gamma: 0.4 }),
        ("sigmoid", Sigmoid { gamma: 0.2, coef0: -0.1 }),
        ("matern12", Matern12 { lengthscale: 1.3 }),
        ("matern32", Matern32 { lengthscale: 0.9 }),
        ("matern52", Matern52 { lengthscale: 1.1 }),
        ("ard", ArdRbf { lengthscales: ard.clone() }),
        ("ard_matern32", ArdMatern32 { lengthscales: ard.clone() }),
        ("ard_matern52", ArdMatern52 { lengthscales: ard }),
        ("sum", Sum(vec![Rbf { gamma: 0.5 }, Scaled { scale: 0.3, kernel: Box::new(Linear) }])),
        ("product", Product(vec![Matern32 { lengthscale: 2.0 }, Polynomial { gamma: 1.0, coef0: 1.0, degree: 2 }])),
        ("scaled", Scaled { scale: 2.5, kernel: Box::new(Laplacian { gamma: 0.3 }) }),
        ("normalized", Normalized(Box::new(Polynomial { gamma: 1.0, coef0: 1.0, degree: 3 }))),
        ("periodic", Periodic { lengthscale: 0.8, period: 1.3 }),
        ("rq", RationalQuadratic { lengthscale: 0.9, alpha: 0.7 }),
        ("dot", DotProduct { sigma0: 0.6 }),
        ("const", Constant { value: 1.7 }),
        (
            "co2-like",
            Sum(vec![
                Scaled {
                    scale: 4.0,
                    kernel: Box::new(Product(vec![Rbf { gamma: 0.2 }, Periodic { lengthscale: 1.0, period: 0.9 }])),
                },
                Scaled { scale: 0.25, kernel: Box::new(RationalQuadratic { lengthscale: 1.2, alpha: 2.0 }) },
                Constant { value: 0.3 },
            ]),
        ),
    ]
}

/// `|a − b| ≤ tol · max(|a|, |b|, floor)`.
pub fn close(a: f64, b: f64, tol: f64, floor: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(floor)
}
