//! The CUDA backend: cuBLAS GEMM (or the L1 kernel), then one fused
//! element-wise kernel compiled by NVRTC at first use, in two streams so that
//! copies overlap compute. Data sets used as the long side of blocks (SMO's
//! training set, Falkon's samples) stay on the device between calls.

mod engine;
mod probe;
mod products;
mod resident;

use std::sync::{Arc, Mutex};

use cudarc::driver::CudaContext;

use crate::device::DeviceOps;
use crate::{GpuError, GpuOptions, Precision};
use engine::Engine;

/// An opened device with its memory budget and its compiled engines.
pub(crate) struct CudaGpu {
    ctx: Arc<CudaContext>,
    name: String,
    budget: usize,
    engines: Mutex<Engines>,
}

#[derive(Default)]
struct Engines {
    single: Option<Engine<f32>>,
    double: Option<Engine<f64>>,
}

pub(crate) fn cuda_error<E: std::fmt::Debug>(what: &'static str) -> impl FnOnce(E) -> GpuError {
    move |e| GpuError::Cuda { what, message: format!("{e:?}") }
}

impl CudaGpu {
    pub(crate) fn open(options: &GpuOptions) -> Result<Self, GpuError> {
        // SAFETY: these only try to load the shared libraries.
        unsafe {
            if !cudarc::driver::sys::is_culib_present() {
                return Err(GpuError::MissingLibrary("libcuda"));
            }
            if !cudarc::cublas::sys::is_culib_present() {
                return Err(GpuError::MissingLibrary("libcublas"));
            }
            if !cudarc::nvrtc::sys::is_culib_present() {
                return Err(GpuError::MissingLibrary("libnvrtc"));
            }
        }
        let count = CudaContext::device_count().map_err(|e| GpuError::NoDevice(format!("{e:?}")))?;
        let count = count.max(0) as usize;
        let ordinal = if options.wrap_ordinal && count > 0 { options.ordinal % count } else { options.ordinal };
        if ordinal >= count {
            return Err(GpuError::NoDevice(format!("device {ordinal} asked for, {count} present")));
        }
        let ctx = CudaContext::new(ordinal).map_err(cuda_error("context creation"))?;
        let name = ctx.name().map_err(cuda_error("device query"))?;
        let (free, _) = ctx.mem_get_info().map_err(cuda_error("memory query"))?;
        // Leave a tenth of the free memory to cuBLAS's workspace and others.
        let budget = match options.memory_mib {
            Some(mib) => ((mib * (1u64 << 20) as f64) as usize).min(free),
            None => free / 10 * 9,
        };
        Ok(Self { ctx, name, budget, engines: Mutex::new(Engines::default()) })
    }

    pub(crate) fn describe(&self) -> String {
        format!("{} (device {}), {} MiB of GPU memory allowed", self.name, self.ctx.ordinal(), self.budget >> 20)
    }

    pub(crate) fn budget(&self) -> usize {
        self.budget
    }

    /// Runs `f` on the engine of `precision` (compiling it at first use)
    /// with the memory budget; one caller at a time.
    pub(crate) fn with_engine<R>(
        &self,
        precision: Precision,
        f: impl FnOnce(&mut dyn DeviceOps, usize) -> Result<R, GpuError>,
    ) -> Result<R, GpuError> {
        let mut engines = self.engines.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let engine: &mut dyn DeviceOps = match precision {
            Precision::F32 => {
                if engines.single.is_none() {
                    engines.single = Some(Engine::new(&self.ctx)?);
                }
                engines.single.as_mut().expect("just built")
            }
            Precision::F64 => {
                if engines.double.is_none() {
                    engines.double = Some(Engine::new(&self.ctx)?);
                }
                engines.double.as_mut().expect("just built")
            }
        };
        f(engine, self.budget)
    }
}
