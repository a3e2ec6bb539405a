//! Data for the GPU tests: seeded, of awkward shapes.
#![allow(dead_code)]

use faer::Mat;
use kern_kernels::{DataSet, DenseMatrix, Kernel, Par, SparseMatrix, VectorKernel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n × d` values uniform in [−1, 1), scaled so that ‖x‖² ≈ d/3.
pub fn dense(n: usize, d: usize, seed: u64) -> DataSet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let values = (0..n * d).map(|_| (rng.next_u32() as f64 / u32::MAX as f64) * 2.0 - 1.0).collect();
    DataSet::from(DenseMatrix::new(n, d, values).unwrap())
}

/// `n` sparse rows of `d` features, about a tenth of them set.
pub fn sparse(n: usize, d: usize, seed: u64) -> DataSet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut m = SparseMatrix::with_cols(d);
    for _ in 0..n {
        let (mut idx, mut val) = (Vec::new(), Vec::new());
        for j in 0..d {
            if rng.next_u32() % 10 == 0 {
                idx.push(j as u32);
                val.push(rng.next_u32() as f64 / u32::MAX as f64);
            }
        }
        m.push_row(&idx, &val).unwrap();
    }
    DataSet::from(m)
}

/// The eight vector kernels with a GPU tile, scaled to the data's width.
pub fn kernels(d: usize) -> Vec<VectorKernel> {
    let gamma = 1.0 / d as f64;
    let lengthscale = (d as f64 / 2.0).sqrt();
    vec![
        VectorKernel::Linear,
        VectorKernel::Polynomial { gamma, coef0: 1.0, degree: 3 },
        VectorKernel::Sigmoid { gamma, coef0: 0.5 },
        VectorKernel::Rbf { gamma },
        VectorKernel::Laplacian { gamma },
        VectorKernel::Matern12 { lengthscale },
        VectorKernel::Matern32 { lengthscale },
        VectorKernel::Scaled { scale: 2.5, kernel: Box::new(VectorKernel::Matern52 { lengthscale }) },
    ]
}

/// The CPU block, pair by pair (`eval` sums differences directly: the
/// reference without the norm expansion's round-off).
pub fn cpu_block(k: &VectorKernel, a: &DataSet, rows: &[usize], b: &DataSet, cols: &[usize]) -> Mat<f64> {
    Mat::from_fn(rows.len(), cols.len(), |r, c| k.eval(a, rows[r], b, cols[c]))
}

/// The CPU block as the solvers get it (tiles through one GEMM each).
pub fn cpu_tiles(k: &VectorKernel, a: &DataSet, rows: &[usize], b: &DataSet, cols: &[usize]) -> Mat<f64> {
    let mut out = Mat::zeros(rows.len(), cols.len());
    k.block(a, rows, b, cols, out.as_mut(), Par::Seq);
    out
}

/// max |x − y| / max |y|: the error relative to the block's scale.
pub fn relative_error(x: &Mat<f64>, y: &Mat<f64>) -> f64 {
    assert_eq!((x.nrows(), x.ncols()), (y.nrows(), y.ncols()));
    let (mut diff, mut scale) = (0.0f64, f64::MIN_POSITIVE);
    for j in 0..y.ncols() {
        for i in 0..y.nrows() {
            diff = diff.max((x[(i, j)] - y[(i, j)]).abs());
            scale = scale.max(y[(i, j)].abs());
        }
    }
    diff / scale
}

/// Every row and column of `rows` shuffled a little: a gather, not a range.
pub fn scattered(n: usize, step: usize) -> Vec<usize> {
    (0..n).map(|i| (i * step + 7) % n).collect()
}
