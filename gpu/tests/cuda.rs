//! GPU tiles against the CPU. Built with `--features cuda`; each test skips
//! with a message when no CUDA device can be opened.
#![cfg(feature = "cuda")]

mod common;

use common::{cpu_block, dense, kernels, relative_error, scattered, sparse};
use faer::Mat;
use kern_gpu::{DeviceKernel, Gpu, GpuOptions, Precision, TileKernel};
use kern_kernels::{DataSet, Kernel, Par, VectorKernel};

fn open(precision: Precision, memory_mib: Option<f64>) -> Option<Gpu> {
    match Gpu::open(&GpuOptions { ordinal: 0, wrap_ordinal: false, memory_mib, precision }) {
        Ok(gpu) => Some(gpu),
        // benches/gpu/run.sh sets KERN_REQUIRE_GPU: there a skip is a failure.
        Err(why) if std::env::var_os("KERN_REQUIRE_GPU").is_some() => panic!("no GPU: {why}"),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn on_gpu(gpu: &Gpu, k: &VectorKernel, a: &DataSet, rows: &[usize], b: &DataSet, cols: &[usize]) -> Mat<f64> {
    let mut out = Mat::zeros(rows.len(), cols.len());
    gpu.block(&TileKernel::from_vector(k).unwrap(), a, rows, b, cols, out.as_mut()).unwrap();
    out
}

#[test]
fn gpu_tiles_equal_cpu_tiles_on_awkward_shapes() {
    for (precision, tol) in [(Precision::F32, 1e-5), (Precision::F64, 1e-12)] {
        let Some(gpu) = open(precision, None) else { return };
        let shapes =
            [(dense(5000, 1, 2), "d = 1"), (dense(531, 1000, 3), "d = 1000"), (sparse(3000, 123, 4), "sparse")];
        for (x, what) in &shapes {
            let n = x.n_samples();
            let rows = scattered(n, 3);
            let cols: Vec<usize> = (0..n).step_by(2).collect();
            let y = dense(777, x.n_features(), 9);
            let other: Vec<usize> = (0..777).collect();
            for kernel in kernels(x.n_features()) {
                let cases: [(&DataSet, &[usize], &DataSet, &[usize]); 4] =
                    [(x, &rows, x, &cols), (x, &rows, x, &rows), (x, &rows, &y, &other), (x, &rows[..2], x, &rows)];
                for (a, r, b, c) in cases {
                    let got = on_gpu(&gpu, &kernel, a, r, b, c);
                    let e = relative_error(&got, &cpu_block(&kernel, a, r, b, c));
                    assert!(e < tol, "{what} {kernel:?} {precision:?} {}×{}: error {e:e}", r.len(), c.len());
                }
            }
        }
    }
}

#[test]
fn streaming_through_a_small_budget_gives_the_same_matrix() {
    let (Some(big), Some(small)) = (open(Precision::F32, None), open(Precision::F32, Some(24.0))) else { return };
    let x = dense(6000, 300, 5);
    let rows: Vec<usize> = (0..6000).collect();
    for kernel in kernels(300) {
        let whole = on_gpu(&big, &kernel, &x, &rows, &x, &rows);
        let streamed = on_gpu(&small, &kernel, &x, &rows, &x, &rows);
        assert_eq!(whole, streamed, "{kernel:?}");
    }
}

#[test]
fn k_of_x_x_streams_for_60000_samples() {
    let Some(gpu) = open(Precision::F32, None) else { return };
    let x = dense(60_000, 28, 6);
    let kernel = VectorKernel::Rbf { gamma: 0.05 };
    let all: Vec<usize> = (0..60_000).collect();
    let mut sums = vec![0.0; 60_000];
    let mut tiles = 0;
    gpu.stream(&TileKernel::from_vector(&kernel).unwrap(), &x, &all, &x, &all, &mut |tile, values| {
        tiles += 1;
        for (r, i) in tile.rows.clone().enumerate() {
            sums[i] += (0..values.ncols()).map(|c| values[(r, c)]).sum::<f64>();
        }
    })
    .unwrap();
    assert!(tiles > 1);
    for i in [0, 27_777, 59_999] {
        let exact: f64 = (0..60_000).map(|j| kernel.eval(&x, i, &x, j)).sum();
        assert!((sums[i] - exact).abs() < 1e-4 * exact, "row {i}: {} vs {exact}", sums[i]);
    }
}

#[test]
fn the_device_kernel_gives_the_cpu_blocks_through_the_kernel_trait() {
    let Some(gpu) = open(Precision::F64, None) else { return };
    let x = dense(3000, 20, 7);
    let kernel = VectorKernel::Rbf { gamma: 0.1 };
    let k = DeviceKernel::new(kernel.clone(), gpu).unwrap();
    let rows: Vec<usize> = (0..3000).collect();
    let mut got = Mat::zeros(3000, 3000);
    k.block(&x, &rows, &x, &rows, got.as_mut(), Par::Seq);
    assert!(k.gpu_blocks() >= 1, "the block went to the GPU");
    assert!(relative_error(&got, &cpu_block(&kernel, &x, &rows, &x, &rows)) < 1e-12);
}

#[test]
fn falkon_products_on_the_device_equal_the_cpu_products() {
    use kern_kernels::BlockProduct;
    let x = dense(20_000, 28, 11);
    let centers = dense(1_500, 28, 12);
    let w = Mat::from_fn(1_500, 2, |i, j| ((i * 7 + j * 3) % 11) as f64 / 11.0 - 0.5);
    let v = Mat::from_fn(20_000, 2, |i, j| ((i * 5 + j) % 13) as f64 / 13.0 - 0.5);
    for (precision, tol) in [(Precision::F64, 1e-10), (Precision::F32, 1e-4)] {
        // The default budget keeps both sets on the device; 40 MiB streams x in row tiles.
        for memory in [None, Some(40.0)] {
            let Some(gpu) = open(precision, memory) else { return };
            for kernel in kernels(28) {
                let k = DeviceKernel::new(kernel.clone(), gpu.clone()).unwrap();
                let all: Vec<usize> = (0..20_000).collect();
                let cols: Vec<usize> = (0..1_500).collect();
                let mut knm = Mat::zeros(20_000, 1_500);
                kernel.block(&x, &all, &centers, &cols, knm.as_mut(), Par::rayon(0));
                let expected = [&knm * &w, knm.transpose() * &v, knm.transpose() * (&knm * &w)];
                let products = [
                    BlockProduct::Times(w.as_ref()),
                    BlockProduct::TransposeTimes(v.as_ref()),
                    BlockProduct::GramTimes(w.as_ref()),
                ];
                for (want, product) in expected.iter().zip(products) {
                    let got = k.block_product(&x, &centers, product).expect("computed on the GPU");
                    let e = relative_error(&got, want);
                    assert!(e < tol, "{kernel:?} {precision:?} {memory:?} {product:?}: error {e:e}");
                }
            }
        }
    }
}
