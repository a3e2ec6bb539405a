//! Products with a whole block kept on the device: Falkon's `K_nM w`,
//! `K_nMᵀ v` and `K_nMᵀ K_nM w` without `K_nM` ever crossing the bus. Row
//! tiles of `K_nM` are formed (GEMM, element-wise pass) and multiplied in
//! place; only the `m × t` or `n × t` result comes back.

use cudarc::cublas::sys::cublasOperation_t;
use cudarc::cublas::{CudaBlas, Gemm, GemmConfig};
use cudarc::driver::{CudaSlice, LaunchConfig, PushKernelArg};
use faer::Mat;
use kern_kernels::{BlockProduct, DataSet};

use super::cuda_error;
use super::engine::{Engine, Scalar, held_bytes};
use super::resident::{Resident, epilogue_config, grid, to_i32, write_dense_row};
use crate::GpuError;
use crate::spec::{FirstPass, TileKernel};

/// Row tiles of at most this many rows: 16,384 × 20,000 f32 is 1.3 GB.
const MAX_ROWS: usize = 16_384;

pub(super) fn gemm_config<T: Scalar>(
    trans: (bool, bool),
    (m, n, k): (usize, usize, usize),
    (lda, ldb, ldc): (usize, usize, usize),
    accumulate: bool,
) -> Result<GemmConfig<T>, GpuError> {
    let op = |t: bool| if t { cublasOperation_t::CUBLAS_OP_T } else { cublasOperation_t::CUBLAS_OP_N };
    Ok(GemmConfig {
        transa: op(trans.0),
        transb: op(trans.1),
        m: to_i32(m)?,
        n: to_i32(n)?,
        k: to_i32(k)?,
        alpha: T::from_f64(1.0),
        lda: to_i32(lda)?,
        ldb: to_i32(ldb)?,
        beta: T::from_f64(if accumulate { 1.0 } else { 0.0 }),
        ldc: to_i32(ldc)?,
    })
}

impl<T: Scalar> Engine<T>
where
    CudaBlas: Gemm<T>,
{
    pub(super) fn block_product(
        &mut self,
        budget: usize,
        kernel: &TileKernel,
        a: &DataSet,
        b: &DataSet,
        product: BlockProduct<'_>,
    ) -> Result<Mat<f64>, GpuError> {
        let d = a.n_features().max(b.n_features()).max(1);
        let (n, m) = (a.n_samples(), b.n_samples());
        let (rhs, out_rows) = match product {
            BlockProduct::Times(w) => (w, n),
            BlockProduct::TransposeTimes(v) => (v, m),
            BlockProduct::GramTimes(w) => (w, m),
        };
        let t = rhs.ncols();
        if n == 0 || m == 0 || t == 0 {
            return Ok(Mat::zeros(out_rows, t));
        }
        // Keep only the two sets this product reads: both on the device when
        // they fit in three quarters of the budget, else only `b` (the centres).
        self.resident.retain(|r| r.key.matches(a, d) || r.key.matches(b, d));
        self.drop_slots();
        let cap = budget / 4 * 3;
        let both = Resident::<T>::bytes(n, d) + Resident::<T>::bytes(m, d) <= cap;
        if !both {
            self.resident.retain(|r| r.key.matches(b, d));
        }
        let Some(b_at) = self.make_resident(b, d, cap)? else {
            let need = Resident::<T>::bytes(m, d) as f64 / (1u64 << 20) as f64;
            return Err(GpuError::Memory { need_mib: need, budget_mib: cap as f64 / (1u64 << 20) as f64 });
        };
        let a_at = if both { self.make_resident(a, d, cap)? } else { None };
        let size = size_of::<T>();
        let fixed = (2 * m * t + m) * (size + 4);
        let per_row = (d + 1 + m + 2 * t) * size + 4;
        let free = budget.saturating_sub(held_bytes(&self.resident) + fixed);
        let tr = (free / per_row).min(n).min(MAX_ROWS);
        if tr == 0 {
            let mib = |x: usize| x as f64 / (1u64 << 20) as f64;
            return Err(GpuError::Memory {
                need_mib: mib(held_bytes(&self.resident) + fixed + per_row),
                budget_mib: mib(budget),
            });
        }

        let Engine { streams, blas, functions, resident, .. } = &mut *self;
        let (stream, blas) = (&streams[0], &blas[0]);
        let alloc = |len: usize| stream.alloc_zeros::<T>(len.max(1)).map_err(cuda_error("allocation"));
        let (mut a_values, mut a_norms, mut k, mut z) = (alloc(tr * d)?, alloc(tr)?, alloc(tr * m)?, alloc(tr * t)?);
        let mut a_idx = stream.alloc_zeros::<i32>(tr).map_err(cuda_error("allocation"))?;
        let iota: Vec<i32> = (0..m).map(to_i32).collect::<Result<_, _>>()?;
        let b_idx = stream.clone_htod(&iota).map_err(cuda_error("copy to device"))?;
        // w goes to the device whole; v (TransposeTimes) a row tile at a time.
        let rhs_dev = match product {
            BlockProduct::TransposeTimes(_) => None,
            _ => {
                let host: Vec<T> = (0..t).flat_map(|c| (0..m).map(move |r| T::from_f64(rhs[(r, c)]))).collect();
                Some(stream.clone_htod(&host).map_err(cuda_error("copy to device"))?)
            }
        };
        let mut out_dev: CudaSlice<T> = alloc(m * t)?;
        let mut out = Mat::zeros(out_rows, t);
        let same = i32::from(std::ptr::eq(a, b));
        let held_b = &resident[b_at];
        let (width, cols) = (to_i32(d)?, to_i32(m)?);
        let mut stage: Vec<T> = Vec::new();
        let mut z_host: Vec<T> = vec![T::default(); tr * t];

        for r0 in (0..n).step_by(tr) {
            let rr = tr.min(n - r0);
            let rows = to_i32(rr)?;
            let idx: Vec<i32> = (r0..r0 + rr).map(to_i32).collect::<Result<_, _>>()?;
            stream.memcpy_htod(&idx, &mut a_idx).map_err(cuda_error("copy to device"))?;
            match a_at {
                Some(at) => {
                    let held = &resident[at];
                    let mut launch = stream.launch_builder(&functions.gather);
                    launch.arg(&held.values).arg(&held.norms).arg(&a_idx).arg(&rows).arg(&width);
                    launch.arg(&mut a_values).arg(&mut a_norms);
                    // SAFETY: kern_gather reads rr indices below n and writes rr × d values.
                    unsafe { launch.launch(grid(rr, 128)) }.map_err(cuda_error("gather"))?;
                }
                None => {
                    stage.clear();
                    stage.resize(rr * d, T::default());
                    for (row, i) in stage.chunks_exact_mut(d).zip(r0..) {
                        write_dense_row(a, i, row, T::from_f64);
                    }
                    stream.memcpy_htod(&stage, &mut a_values).map_err(cuda_error("copy to device"))?;
                    let mut launch = stream.launch_builder(&functions.row_norms);
                    launch.arg(&a_values).arg(&rows).arg(&width).arg(&mut a_norms);
                    // SAFETY: kern_row_norms reads rr × d values and writes rr norms.
                    unsafe { launch.launch(grid(rr, 256)) }.map_err(cuda_error("row norms"))?;
                }
            }
            // K_b = K(a[r0..r0 + rr], b), column-major rr × m.
            match kernel.first_pass() {
                FirstPass::InnerProduct => {
                    let config = gemm_config::<T>((true, false), (rr, m, d), (d, d, rr), false)?;
                    // SAFETY: rr × d, m × d and rr × m values are allocated.
                    unsafe { blas.gemm(config, &a_values, &held_b.values, &mut k) }.map_err(cuda_error("GEMM"))?;
                }
                pass => {
                    let squared = i32::from(pass == FirstPass::SquaredDistance);
                    let config = LaunchConfig {
                        grid_dim: (m.div_ceil(16) as u32, rr.div_ceil(16) as u32, 1),
                        block_dim: (16, 16, 1),
                        shared_mem_bytes: 0,
                    };
                    let mut launch = stream.launch_builder(&functions.distance);
                    launch.arg(&a_values).arg(&held_b.values).arg(&rows).arg(&cols).arg(&width).arg(&squared);
                    launch.arg(&mut k);
                    // SAFETY: kern_distance reads rr × d and m × d values and writes rr × m.
                    unsafe { launch.launch(config) }.map_err(cuda_error("distances"))?;
                }
            }
            let (gamma, coef0, scale) =
                (T::from_f64(kernel.gamma), T::from_f64(kernel.coef0), T::from_f64(kernel.scale));
            let mut launch = stream.launch_builder(&functions.epilogue);
            launch.arg(&mut k).arg(&a_norms).arg(&held_b.norms).arg(&a_idx).arg(&b_idx);
            launch.arg(&same).arg(&rows).arg(&cols);
            launch.arg(&kernel.kind).arg(&gamma).arg(&coef0).arg(&kernel.degree).arg(&scale);
            let config = epilogue_config(rr, m);
            // SAFETY: kern_epilogue rewrites rr × m values in place.
            unsafe { launch.launch(config) }.map_err(cuda_error("element-wise pass"))?;

            match product {
                BlockProduct::Times(_) | BlockProduct::GramTimes(_) => {
                    // z = K_b w (rr × t).
                    let w = rhs_dev.as_ref().expect("uploaded for Times and GramTimes");
                    let config = gemm_config::<T>((false, false), (rr, t, m), (rr, m, rr), false)?;
                    // SAFETY: rr × m, m × t and rr × t values are allocated.
                    unsafe { blas.gemm(config, &k, w, &mut z) }.map_err(cuda_error("GEMM"))?;
                }
                BlockProduct::TransposeTimes(v) => {
                    // z = v's rows of this tile, column-major rr × t.
                    stage.clear();
                    stage.extend((0..t).flat_map(|c| (r0..r0 + rr).map(move |r| T::from_f64(v[(r, c)]))));
                    stream.memcpy_htod(&stage, &mut z).map_err(cuda_error("copy to device"))?;
                }
            }
            match product {
                BlockProduct::Times(_) => {
                    stream
                        .memcpy_dtoh(&z.slice(0..rr * t), &mut z_host[..rr * t])
                        .map_err(cuda_error("copy to host"))?;
                    stream.synchronize().map_err(cuda_error("stream"))?;
                    for c in 0..t {
                        for r in 0..rr {
                            out[(r0 + r, c)] = z_host[r + c * rr].to_f64();
                        }
                    }
                }
                _ => {
                    // out += K_bᵀ z (m × t).
                    let config = gemm_config::<T>((true, false), (m, t, rr), (rr, rr, m), true)?;
                    // SAFETY: rr × m, rr × t and m × t values are allocated.
                    unsafe { blas.gemm(config, &k, &z, &mut out_dev) }.map_err(cuda_error("GEMM"))?;
                }
            }
        }
        if !matches!(product, BlockProduct::Times(_)) {
            let host = stream.clone_dtoh(&out_dev).map_err(cuda_error("copy to host"))?;
            stream.synchronize().map_err(cuda_error("stream"))?;
            for c in 0..t {
                for r in 0..m {
                    out[(r, c)] = host[r + c * m].to_f64();
                }
            }
        }
        Ok(out)
    }
}
