//! RBF Gram blocks against the bare GEMM of the same shape, in one run.
//!
//! `cargo bench --bench gram` — n = 4000 at d = 16 and d = 256. The GEMM
//! `X Xᵀ` (faer, all threads) is the floor: the whole RBF Gram (norms, GEMM
//! tiles, `exp` pass, symmetric mirror) should stay within 1.3× of it at
//! d = 256. All write into a preallocated 4000 × 4000 matrix. The symmetric
//! Gram computes the upper tiles only; `kern_rbf_cross` (K(X, Y) for two
//! different sets) computes every tile and shows the element-wise overhead.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use kern::{DataSet, Kernel, Storage, VectorKernel, synthetic};

fn gram_vs_gemm(c: &mut Criterion) {
    let n = 4000;
    let par = Par::rayon(0);
    let mut group = c.benchmark_group("rbf_gram_4000");
    group.sample_size(10);
    group.throughput(Throughput::Elements((n * n) as u64));
    for d in [16usize, 256] {
        let x: DataSet = synthetic::uniform(n, d, 7);
        let Storage::Dense(dense) = x.storage() else { unreachable!("uniform data is dense") };
        let idx: Vec<usize> = (0..n).collect();
        let mut out = Mat::<f64>::zeros(n, n);
        let kernel = VectorKernel::Rbf { gamma: 1.0 / d as f64 };
        group.bench_with_input(BenchmarkId::new("kern_rbf_gram", d), &d, |b, _| {
            b.iter(|| kernel.block(&x, &idx, &x, &idx, out.as_mut(), par));
        });
        // A block between two different sets: every tile computed, no mirror.
        let y: DataSet = synthetic::uniform(n, d, 8);
        group.bench_with_input(BenchmarkId::new("kern_rbf_cross", d), &d, |b, _| {
            b.iter(|| kernel.block(&x, &idx, &y, &idx, out.as_mut(), par));
        });
        let xm = MatRef::from_row_major_slice(dense.values(), n, d);
        group.bench_with_input(BenchmarkId::new("faer_gemm_xxt", d), &d, |b, _| {
            b.iter(|| matmul(out.as_mut(), Accum::Replace, xm, xm.transpose(), 1.0, par));
        });
    }
    group.finish();
}

criterion_group!(benches, gram_vs_gemm);
criterion_main!(benches);
