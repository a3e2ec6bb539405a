//! The host side of the GPU path, on the CPU: tile plans within budget, the
//! double-buffered schedule, and tiles (emulated in f32 and f64) against the
//! exact CPU kernels on awkward shapes.

mod common;

use common::{cpu_block, dense, kernels, relative_error, scattered, sparse};
use faer::Mat;
use kern_gpu::{GpuError, HostBackend, Precision, TileKernel, TilePlan, compute_block, run_tiles, slot_bytes};

fn emulated(
    k: &TileKernel,
    p: Precision,
    budget: usize,
    a: &kern_kernels::DataSet,
    rows: &[usize],
    b: &kern_kernels::DataSet,
    cols: &[usize],
) -> (Mat<f64>, TilePlan, Vec<(bool, usize, usize)>) {
    let d = a.n_features().max(b.n_features()).max(1);
    let symmetric = std::ptr::eq(a, b) && rows == cols;
    let plan = TilePlan::new(rows.len(), cols.len(), d, p.bytes(), budget, symmetric).unwrap();
    let mut backend = HostBackend::new(*k, p, a, rows, b, cols);
    let mut out = Mat::zeros(rows.len(), cols.len());
    compute_block(&mut backend, &plan, out.as_mut()).unwrap();
    (out, plan, backend.log)
}

#[test]
fn plans_stay_within_budget_and_cover_the_block_once() {
    for &(m, n, d, symmetric) in
        &[(1000, 1000, 1, true), (1000, 777, 1000, false), (3, 100_000, 50, false), (200_000, 200_000, 128, true)]
    {
        for budget in [1 << 20, 64 << 20, 8 << 30] {
            let Ok(plan) = TilePlan::new(m, n, d, 4, budget, symmetric) else {
                // Only a budget below two minimal slots may be refused.
                assert!(2 * slot_bytes(32.min(m), 32.min(n), d, 4) > budget / 2, "{m}×{n}×{d} refused at {budget}");
                continue;
            };
            assert!(plan.device_bytes() <= budget, "{plan:?} over {budget}");
            if m * n > 10_000_000 {
                continue;
            }
            let mut count = vec![0u8; m * n];
            for t in plan.tiles() {
                for j in t.cols.clone() {
                    for i in t.rows.clone() {
                        count[i + j * m] += 1;
                    }
                }
            }
            for j in 0..n {
                for i in 0..m {
                    let expected = u8::from(!symmetric || i <= j || i / plan.tile_rows == j / plan.tile_cols);
                    assert_eq!(count[i + j * m], expected, "entry ({i}, {j}) of {plan:?}");
                }
            }
        }
    }
}

#[test]
fn thin_blocks_get_long_tiles_and_tiny_budgets_are_refused() {
    let plan = TilePlan::new(2, 1_000_000, 123, 4, 1 << 30, false).unwrap();
    assert_eq!(plan.tile_rows, 2);
    assert_eq!(plan.tile_cols, 1_000_000, "SMO's two rows against a million columns in one tile");
    match TilePlan::new(1000, 1000, 100_000, 4, 1 << 20, false) {
        Err(GpuError::Memory { need_mib, budget_mib }) => assert!(need_mib > budget_mib),
        other => panic!("expected a memory error, got {other:?}"),
    }
}

#[test]
fn the_schedule_keeps_two_tiles_in_flight_and_finishes_each_once() {
    let x = dense(300, 5, 1);
    let rows: Vec<usize> = (0..300).collect();
    let k = TileKernel::from_vector(&kern_kernels::VectorKernel::Rbf { gamma: 0.2 }).unwrap();
    // 64 KiB forces 32 × 32 tiles: 55 upper tiles.
    let (_, plan, log) = emulated(&k, Precision::F64, 64 << 10, &x, &rows, &x, &rows);
    let n_tiles = plan.tiles().len();
    assert!(n_tiles > 20, "{plan:?}");
    let (mut in_flight, mut most) = (0i32, 0);
    let mut finished = vec![0; n_tiles];
    for &(launched, _, tile) in &log {
        in_flight += if launched { 1 } else { -1 };
        most = most.max(in_flight);
        if !launched {
            finished[tile] += 1;
        }
    }
    assert_eq!(most, 2, "double buffering");
    assert_eq!(in_flight, 0);
    assert!(finished.iter().all(|&f| f == 1));
    // Tile t is finished after tile t + 1 was launched: copies overlap compute.
    let position = |launched: bool, tile: usize| log.iter().position(|e| e.0 == launched && e.2 == tile).unwrap();
    for t in 0..n_tiles - 1 {
        assert!(position(false, t) > position(true, t + 1), "tile {t}");
    }
}

#[test]
fn emulated_tiles_equal_the_cpu_kernels_on_awkward_shapes() {
    let shapes = [(dense(517, 1, 2), "d = 1"), (dense(131, 1000, 3), "d = 1000"), (sparse(300, 60, 4), "sparse")];
    for (x, what) in &shapes {
        let n = x.n_samples();
        let rows = scattered(n, 3);
        let cols: Vec<usize> = (0..n).step_by(2).collect();
        for kernel in kernels(x.n_features()) {
            let k = TileKernel::from_vector(&kernel).unwrap();
            let exact = cpu_block(&kernel, x, &rows, x, &cols);
            let gram = cpu_block(&kernel, x, &rows, x, &rows);
            for (p, tol) in [(Precision::F64, 1e-12), (Precision::F32, 1e-5)] {
                // A budget for 64 × 64 tiles: many tiles, n not a multiple of them.
                let budget = 2 * slot_bytes(64, 64, x.n_features(), p.bytes());
                let (got, plan, _) = emulated(&k, p, budget, x, &rows, x, &cols);
                assert!(plan.tiles().len() > 1, "{what}: one tile only");
                let e = relative_error(&got, &exact);
                assert!(e < tol, "{what} {kernel:?} {p:?}: error {e:e}");
                let (sym, _, _) = emulated(&k, p, budget, x, &rows, x, &rows);
                let e = relative_error(&sym, &gram);
                assert!(e < tol, "{what} {kernel:?} {p:?} symmetric: error {e:e}");
                assert!((0..n).all(|i| (0..n).all(|j| sym[(i, j)] == sym[(j, i)])), "exactly symmetric");
            }
        }
    }
}

#[test]
fn streaming_gives_the_same_matrix_as_one_tile() {
    let x = dense(400, 17, 5);
    let y = dense(250, 17, 6);
    let rows: Vec<usize> = (0..400).collect();
    let cols = scattered(250, 7);
    for kernel in kernels(17) {
        let k = TileKernel::from_vector(&kernel).unwrap();
        let (whole, plan, _) = emulated(&k, Precision::F32, 1 << 30, &x, &rows, &y, &cols);
        assert_eq!(plan.tiles().len(), 1);
        let (streamed, plan, _) = emulated(&k, Precision::F32, 48 << 10, &x, &rows, &y, &cols);
        assert!(plan.tiles().len() > 10);
        assert_eq!(whole, streamed, "{kernel:?}");
    }
    // A sink that keeps no matrix: row sums of K(X, X), streamed.
    let k = TileKernel::from_vector(&kern_kernels::VectorKernel::Rbf { gamma: 0.1 }).unwrap();
    let plan = TilePlan::new(400, 400, 17, 8, 48 << 10, false).unwrap();
    let mut backend = HostBackend::new(k, Precision::F64, &x, &rows, &x, &rows);
    let mut sums = vec![0.0; 400];
    run_tiles(&mut backend, &plan, |tile, values| {
        for (r, i) in tile.rows.clone().enumerate() {
            sums[i] += (0..values.ncols()).map(|c| values[(r, c)]).sum::<f64>();
        }
    })
    .unwrap();
    let exact = cpu_block(&kern_kernels::VectorKernel::Rbf { gamma: 0.1 }, &x, &rows, &x, &rows);
    for i in 0..400 {
        let s: f64 = (0..400).map(|j| exact[(i, j)]).sum();
        assert!((sums[i] - s).abs() < 1e-10 * s, "row {i}");
    }
}

#[test]
fn composite_kernels_have_no_tile() {
    use kern_kernels::VectorKernel::*;
    for k in [
        Sum(vec![Linear, Rbf { gamma: 1.0 }]),
        Normalized(Box::new(Linear)),
        ArdRbf { lengthscales: vec![1.0] },
        Precomputed,
    ] {
        assert!(matches!(TileKernel::from_vector(&k), Err(GpuError::UnsupportedKernel(_))), "{k:?}");
    }
}
