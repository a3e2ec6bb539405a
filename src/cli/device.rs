//! `--device gpu`: the GPU opened once per run, the kernel that computes
//! blocks on it, and one-line notices when work stays on the CPU.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use kern_gpu::{DeviceKernel, Gpu, GpuOptions, Precision};
use kern_kernels::VectorKernel;

use super::TrainArgs;
use super::args::{DeviceArg, PrecisionArg};

/// The GPU of this run, opened at first use: `cv` and `grid` fit many
/// times, and a CUDA context takes a fraction of a second to make.
static GPU: OnceLock<Result<Gpu, String>> = OnceLock::new();

/// `kernel` computing its large blocks on the GPU, when `--device gpu` asks
/// for it and one can be used; `None` (after a notice saying why) otherwise.
pub(crate) fn device_kernel(t: &TrainArgs, kernel: &VectorKernel) -> Option<DeviceKernel> {
    if t.device.device == DeviceArg::Cpu {
        return None;
    }
    let precision = match t.device.precision {
        PrecisionArg::F32 => Precision::F32,
        PrecisionArg::F64 => Precision::F64,
    };
    let options = GpuOptions { ordinal: 0, memory_mib: t.device.gpu_memory, precision };
    let gpu = GPU.get_or_init(|| Gpu::open(&options).map_err(|why| why.to_string()));
    let opened = match gpu {
        Ok(gpu) => DeviceKernel::new(kernel.clone(), gpu.clone().with_precision(precision)).map_err(|e| e.to_string()),
        Err(why) => Err(why.clone()),
    };
    match opened {
        Ok(k) => Some(k),
        Err(why) => {
            notice(format!("--device gpu: {why}; computing on the CPU"));
            None
        }
    }
}

/// Says that `what` runs on the CPU although `--device gpu` was asked for.
pub(crate) fn cpu_only(t: &TrainArgs, what: &str) {
    if t.device.device == DeviceArg::Gpu {
        notice(format!("--device gpu: {what} computes on the CPU"));
    }
}

/// Passes on why a GPU fit fell back to the CPU half-way, if it did.
pub(crate) fn report(kernel: &DeviceKernel) {
    if let Some(why) = kernel.notice() {
        notice(why);
    }
}

/// One line on stderr, once per run however many fits say it.
fn notice(line: String) {
    static SAID: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let said = SAID.get_or_init(Mutex::default);
    if said.lock().map(|mut s| s.insert(line.clone())).unwrap_or(true) {
        eprintln!("kern: notice: {line}");
    }
}
