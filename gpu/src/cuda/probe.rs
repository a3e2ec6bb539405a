//! The benchmark's probe: a whole Gram tile on the device against the bare
//! GEMM of the same shape, both timed on the device with nothing copied back.

use std::time::Instant;

use cudarc::cublas::{CudaBlas, Gemm};
use cudarc::driver::PushKernelArg;

use super::cuda_error;
use super::engine::{Engine, Scalar};
use super::products::gemm_config;
use super::resident::{epilogue_config, grid, to_i32};
use crate::GpuError;
use crate::spec::TileKernel;

impl<T: Scalar> Engine<T>
where
    CudaBlas: Gemm<T>,
{
    /// Median seconds of `X Xᵀ` alone and of the whole tile (GEMM, then the
    /// element-wise pass) for `n` random samples of `d` features.
    pub(super) fn time_whole_tile(
        &mut self,
        kernel: &TileKernel,
        n: usize,
        d: usize,
        repeats: usize,
    ) -> Result<(f64, f64), GpuError> {
        self.drop_slots();
        self.resident.clear();
        let Engine { streams, blas, functions, .. } = &mut *self;
        let (stream, blas) = (&streams[0], &blas[0]);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let host: Vec<T> = (0..n * d)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                T::from_f64((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
            })
            .collect();
        let x = stream.clone_htod(&host).map_err(cuda_error("copy to device"))?;
        let mut norms = stream.alloc_zeros::<T>(n).map_err(cuda_error("allocation"))?;
        let mut k = stream.alloc_zeros::<T>(n * n).map_err(cuda_error("allocation"))?;
        let idx = stream.alloc_zeros::<i32>(n).map_err(cuda_error("allocation"))?;
        let (rows, width) = (to_i32(n)?, to_i32(d)?);
        let mut launch = stream.launch_builder(&functions.row_norms);
        launch.arg(&x).arg(&rows).arg(&width).arg(&mut norms);
        // SAFETY: n × d values in, n norms out.
        unsafe { launch.launch(grid(n, 256)) }.map_err(cuda_error("row norms"))?;
        let config = gemm_config::<T>((true, false), (n, n, d), (d, d, n), false)?;
        let (gamma, coef0, scale) = (T::from_f64(kernel.gamma), T::from_f64(kernel.coef0), T::from_f64(kernel.scale));
        let same = 0i32;
        let mut time = |with_pass: bool| -> Result<f64, GpuError> {
            let mut runs = Vec::new();
            for _ in 0..repeats.max(1) + 1 {
                stream.synchronize().map_err(cuda_error("stream"))?;
                let started = Instant::now();
                // SAFETY: n × d inputs and n × n outputs are allocated.
                unsafe { blas.gemm(config, &x, &x, &mut k) }.map_err(cuda_error("GEMM"))?;
                if with_pass {
                    let mut launch = stream.launch_builder(&functions.epilogue);
                    launch.arg(&mut k).arg(&norms).arg(&norms).arg(&idx).arg(&idx).arg(&same).arg(&rows).arg(&rows);
                    launch.arg(&kernel.kind).arg(&gamma).arg(&coef0).arg(&kernel.degree).arg(&scale);
                    let config = epilogue_config(n, n);
                    // SAFETY: rewrites n × n values in place.
                    unsafe { launch.launch(config) }.map_err(cuda_error("element-wise pass"))?;
                }
                stream.synchronize().map_err(cuda_error("stream"))?;
                runs.push(started.elapsed().as_secs_f64());
            }
            // The first run warms cuBLAS's heuristics and the JIT.
            runs.remove(0);
            runs.sort_by(f64::total_cmp);
            Ok(runs[runs.len() / 2])
        };
        let gemm = time(false)?;
        let tile = time(true)?;
        Ok((gemm, tile))
    }
}
