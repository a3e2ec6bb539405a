//! The one device dispatch: a kernel that computes its large blocks on the
//! GPU when the fit asks for one and it opens, the CPU otherwise; and the
//! notices that say where work stayed on the CPU.

use std::sync::{Mutex, OnceLock};

use kern_gpu::{DeviceKernel, Gpu, GpuOptions};
use kern_kernels::VectorKernel;

use super::Device;

/// Lines for the user, each kept once however many fits say it (the CLI
/// prints them as `kern: notice: …`).
#[derive(Debug, Default)]
pub struct Notices(Mutex<Vec<String>>);

impl Notices {
    /// Adds `line` unless it is already there.
    pub fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !lines.contains(&line) {
            lines.push(line);
        }
    }

    /// The lines so far, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// `kernel` computing its large blocks on the GPU, when `device` asks for
/// one and it can be used; `None` (after a notice saying why) otherwise.
pub fn on_device(device: &Device, kernel: &VectorKernel, notices: &Notices) -> Option<DeviceKernel> {
    let gpu = match device {
        Device::Cpu => return None,
        Device::Opened(gpu) => Ok(gpu.clone()),
        Device::Gpu(options) => open(options),
    };
    match gpu.and_then(|gpu| DeviceKernel::new(kernel.clone(), gpu).map_err(|e| e.to_string())) {
        Ok(k) => Some(k),
        Err(why) => {
            notices.push(format!("--device gpu: {why}; computing on the CPU"));
            None
        }
    }
}

/// The GPU of `options`, opened at first use: cross-validation fits many
/// times, and a CUDA context takes a fraction of a second to make.
fn open(options: &GpuOptions) -> Result<Gpu, String> {
    type Opened = Vec<(GpuOptions, Result<Gpu, String>)>;
    static OPENED: OnceLock<Mutex<Opened>> = OnceLock::new();
    // One context per device and memory cap; the precision is per kernel.
    let key = GpuOptions { precision: Default::default(), ..options.clone() };
    let mut opened = OPENED.get_or_init(Mutex::default).lock().unwrap_or_else(|e| e.into_inner());
    let gpu = match opened.iter().find(|(k, _)| *k == key) {
        Some((_, gpu)) => gpu.clone(),
        None => {
            let gpu = Gpu::open(&key).map_err(|why| why.to_string());
            opened.push((key, gpu.clone()));
            gpu
        }
    };
    gpu.map(|g| g.with_precision(options.precision))
}

/// Says that `what` runs on the CPU although a GPU was asked for.
pub fn cpu_only(device: &Device, what: &str, notices: &Notices) {
    if device.wants_gpu() {
        notices.push(format!("--device gpu: {what} computes on the CPU"));
    }
}

/// Passes on why a GPU fit fell back to the CPU half-way, if it did.
pub fn report(kernel: &DeviceKernel, notices: &Notices) {
    if let Some(why) = kernel.notice() {
        notices.push(why);
    }
}
