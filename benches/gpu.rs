//! GPU figures in one run (needs `--features cuda` and an NVIDIA GPU):
//!
//! 1. the RBF Gram tile for n = 32,768, d = 128 in f32 beside cuBLAS sgemm of
//!    the same shape (target: the tile within 1.25× of the bare sgemm);
//! 2. Falkon on a generated 1,000,000 × 28 problem with M = 20,000 centres on
//!    the GPU beside the CPU path (target: under 10 s on one H100), with the
//!    time of one `K_nMᵀ K_nM w` product on the device (CG does one per step;
//!    the rest is the preconditioner, on the CPU);
//! 3. SMO's kernel rows: two rows of `K(X, X)` for 32,768 × 123 samples on
//!    the GPU (as a `--device gpu` fit asks for them) beside the CPU.
//!
//! `benches/gpu/run.sh` runs this after the GPU tests, then times a9a SVMs
//! with `--device gpu` beside the CPU. Environment: `KERN_BENCH_N` (Falkon's
//! n, default 1,000,000), `KERN_BENCH_M` (default 20,000), `KERN_BENCH_SKIP_CPU=1`.

use std::time::Instant;

use faer::{Mat, Par};
use kern_gpu::{DeviceKernel, Gpu, GpuOptions, Precision, TileKernel};
use kern_kernels::{BlockProduct, DataSet, DenseMatrix, Kernel, VectorKernel};
use kern_solvers::falkon::{Falkon, FalkonModel};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `n` samples of `d` uniform features and `y = sin(Σ x) + noise`.
fn problem(n: usize, d: usize, seed: u64) -> (DataSet, Mat<f64>) {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut u = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let values: Vec<f64> = (0..n * d).map(|_| u() * 2.0 - 1.0).collect();
    let y = Mat::from_fn(n, 1, |i, _| values[i * d..(i + 1) * d].iter().sum::<f64>().sin());
    let y = Mat::from_fn(n, 1, |i, _| y[(i, 0)] + 0.1 * (u() - 0.5));
    (DataSet::from(DenseMatrix::new(n, d, values).expect("a dense matrix")), y)
}

fn main() {
    let gpu = match Gpu::open(&GpuOptions::default()) {
        Ok(gpu) => gpu,
        Err(why) => {
            eprintln!("benches/gpu: no GPU to measure: {why}");
            std::process::exit(2);
        }
    };
    println!("device: {}", gpu.describe());
    println!();
    println!("| what | GPU | beside | ratio |");
    println!("|---|---|---|---|");

    // 1. The RBF tile against sgemm, n = 32,768, d = 128, f32.
    let rbf = TileKernel::from_vector(&VectorKernel::Rbf { gamma: 1.0 / 128.0 }).expect("rbf has a tile");
    let (gemm, tile) = gpu.time_gram(&rbf, 32_768, 128, 5).expect("the Gram probe");
    println!(
        "| RBF Gram n = 32,768, d = 128, f32 (on the device) | {:.2} ms | sgemm {:.2} ms | {:.2}× (target ≤ 1.25×) |",
        tile * 1e3,
        gemm * 1e3,
        tile / gemm
    );

    smo_rows(&gpu);

    // 2. Falkon, 1M × 28, M = 20,000.
    let (n, m) = (env("KERN_BENCH_N", 1_000_000), env("KERN_BENCH_M", 20_000));
    let (x, y) = problem(n, 28, 1);
    let (test_x, test_y) = problem(10_000, 28, 2);
    let kernel = VectorKernel::Rbf { gamma: 1.0 / 28.0 };
    let centers: Vec<usize> = (0..m).map(|i| i * (n / m)).collect();
    let params =
        Falkon { alpha: 1e-6 * n as f64, max_iter: 20, tol: 1e-10, settle: 0.0, hold_bytes: 0, centre_targets: false };
    let on_gpu = DeviceKernel::new(kernel.clone(), gpu.clone().with_precision(Precision::F32)).expect("a GPU kernel");
    let started = Instant::now();
    let model =
        FalkonModel::fit_with_blocks(&params, &kernel, &on_gpu, &x, y.as_ref(), x.select(&centers), Par::rayon(0))
            .expect("Falkon on the GPU");
    let gpu_seconds = started.elapsed().as_secs_f64();
    if let Some(why) = on_gpu.notice() {
        eprintln!("benches/gpu: {why}");
    }
    let mse = |model: &FalkonModel| {
        let f = model.predict(&test_x, Par::rayon(0));
        (0..test_x.n_samples()).map(|i| (f[(i, 0)] - test_y[(i, 0)]).powi(2)).sum::<f64>() / test_x.n_samples() as f64
    };
    let gpu_mse = mse(&model);
    let w = Mat::from_fn(m, 1, |i, _| (i % 7) as f64 - 3.0);
    let centers_set = x.select(&centers);
    let mut product_seconds = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        on_gpu.block_product(&x, &centers_set, BlockProduct::GramTimes(w.as_ref())).expect("a GPU product");
        product_seconds.push(started.elapsed().as_secs_f64());
    }
    product_seconds.sort_by(f64::total_cmp);
    println!(
        "| of which: one K_nMᵀ K_nM w (n = {n}, M = {m}) on the device | {:.3} s (× {} CG steps) | | |",
        product_seconds[1],
        model.iterations + 1
    );
    preconditioner_pieces(&kernel, &centers_set);
    if std::env::var("KERN_BENCH_SKIP_CPU").is_ok_and(|v| v == "1") {
        println!(
            "| Falkon n = {n}, d = 28, M = {m}, 20 CG iterations | {gpu_seconds:.2} s, test MSE {gpu_mse:.4} | CPU skipped | (target < 10 s) |"
        );
    } else {
        let started = Instant::now();
        let cpu = FalkonModel::fit(&params, &kernel, &x, y.as_ref(), x.select(&centers), Par::rayon(0))
            .expect("Falkon on the CPU");
        let cpu_seconds = started.elapsed().as_secs_f64();
        println!(
            "| Falkon n = {n}, d = 28, M = {m}, 20 CG iterations | {gpu_seconds:.2} s, test MSE {gpu_mse:.4} | CPU {cpu_seconds:.2} s, test MSE {:.4} | {:.1}× faster (target < 10 s) |",
            mse(&cpu),
            cpu_seconds / gpu_seconds
        );
    }
}

/// Two kernel rows at a time against the whole training set, as SMO asks.
fn smo_rows(gpu: &Gpu) {
    let (n, d) = (32_768, 123);
    let (x, _) = problem(n, d, 3);
    let kernel = VectorKernel::Rbf { gamma: 0.05 };
    let on_gpu = DeviceKernel::new(kernel.clone(), gpu.clone().with_precision(Precision::F32)).expect("a GPU kernel");
    let all: Vec<usize> = (0..n).collect();
    let mut out = Mat::zeros(2, n);
    let time = |k: &dyn Kernel<DataSet>, out: &mut Mat<f64>| {
        let calls = 400;
        let started = Instant::now();
        for c in 0..calls {
            let rows = [(c * 7919) % n, (c * 104_729 + 1) % n];
            k.block(&x, &rows, &x, &all, out.as_mut(), Par::rayon(0));
        }
        started.elapsed().as_secs_f64() / calls as f64
    };
    time(&on_gpu, &mut out); // uploads x and compiles the kernels
    let gpu_seconds = time(&on_gpu, &mut out);
    let cpu_seconds = time(&kernel, &mut out);
    println!(
        "| SMO kernel rows: 2 × {n}, d = {d}, f32 | {:.0} µs per pair | CPU {:.0} µs ({} threads) | {:.2}× |",
        gpu_seconds * 1e6,
        cpu_seconds * 1e6,
        rayon::current_num_threads(),
        cpu_seconds / gpu_seconds
    );
}

/// Where the rest of a Falkon fit goes: its preconditioner's pieces on the CPU.
fn preconditioner_pieces(kernel: &VectorKernel, centers: &DataSet) {
    use kern_solvers::linalg::{cholesky, solve_lower_in_place, solve_lower_transpose_in_place};
    let m = centers.n_samples();
    let par = Par::rayon(0);
    let clock = Instant::now();
    let mut t = kern_kernels::gram_matrix(kernel, centers, par);
    let gram = clock.elapsed().as_secs_f64();
    for i in 0..m {
        t[(i, i)] += 1e-9;
    }
    let clock = Instant::now();
    cholesky(t.as_mut(), par).expect("K_MM factors");
    let factor = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    let _ = kern_solvers::linalg::lauum(t.as_ref(), 1.0, par);
    let lauum = clock.elapsed().as_secs_f64();
    let mut v = Mat::from_fn(m, 1, |i, _| (i % 5) as f64);
    let clock = Instant::now();
    for _ in 0..2 {
        solve_lower_in_place(t.as_ref(), v.as_mut(), par);
        solve_lower_transpose_in_place(t.as_ref(), v.as_mut(), par);
    }
    let solves = clock.elapsed().as_secs_f64();
    println!(
        "| of which, on the CPU ({} threads), M = {m}: K_MM {gram:.2} s, each Cholesky {factor:.2} s, L_Tᵀ L_T {lauum:.2} s, one CG step's 4 solves {solves:.3} s | | | |",
        rayon::current_num_threads()
    );
}
