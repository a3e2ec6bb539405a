//! The seam: a vector kernel whose large blocks are computed on the GPU.
//! Every solver that is generic over `Kernel<DataSet>` runs on the GPU
//! through it, with no solver code forked.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use faer::{Mat, MatMut, Par};
use kern_kernels::{BlockProduct, DataSet, Kernel, VectorKernel};

use crate::spec::TileKernel;
use crate::{Gpu, GpuError, GpuOptions, Precision};

/// Blocks smaller than this many entries stay on the CPU: a launch, two
/// copies and a synchronisation cost more than computing them there.
pub const MIN_GPU_ENTRIES: usize = 1 << 12;

/// Data wider than this stays on the CPU: the device holds samples densely,
/// and very wide data is sparse (news20 has 1.3 million features).
pub const MAX_GPU_FEATURES: usize = 1 << 16;

/// Whether a block of `entries` values on samples of `d` features is worth
/// the GPU.
fn worth_it(entries: usize, d: usize) -> bool {
    entries >= MIN_GPU_ENTRIES && d <= MAX_GPU_FEATURES
}

/// A [`VectorKernel`] that computes its blocks on a [`Gpu`] when it has one,
/// the block is large enough and the kernel has a GPU tile; on the CPU
/// otherwise. A GPU failure mid-fit sends the rest of the fit to the CPU and
/// leaves a [`notice`](DeviceKernel::notice).
///
/// ```
/// use faer::{Mat, Par};
/// use kern_gpu::{DeviceKernel, GpuOptions};
/// use kern_kernels::{DataSet, DenseMatrix, Kernel, VectorKernel};
/// // Without a GPU (or without the `cuda` feature) this is the CPU kernel.
/// let (k, notice) = DeviceKernel::open(VectorKernel::Rbf { gamma: 0.5 }, &GpuOptions::default());
/// assert_eq!(notice.is_some(), !k.on_gpu());
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0]]).unwrap());
/// let mut out = Mat::zeros(2, 2);
/// k.block(&x, &[0, 1], &x, &[0, 1], out.as_mut(), Par::Seq);
/// assert!((out[(0, 1)] - (-0.5f64).exp()).abs() < 1e-6);
/// ```
#[derive(Clone, Debug)]
pub struct DeviceKernel {
    kernel: VectorKernel,
    gpu: Option<(Gpu, TileKernel)>,
    state: Arc<State>,
}

#[derive(Debug, Default)]
struct State {
    failed: AtomicBool,
    notice: OnceLock<String>,
    gpu_blocks: AtomicUsize,
}

impl DeviceKernel {
    /// `kernel` on the CPU.
    pub fn cpu(kernel: VectorKernel) -> Self {
        Self { kernel, gpu: None, state: Arc::default() }
    }

    /// `kernel` on `gpu`, or the reason it cannot run there.
    pub fn new(kernel: VectorKernel, gpu: Gpu) -> Result<Self, GpuError> {
        let tile = TileKernel::from_vector(&kernel)?;
        Ok(Self { kernel, gpu: Some((gpu, tile)), state: Arc::default() })
    }

    /// Opens the GPU for `kernel`; when that fails, the CPU kernel and a
    /// one-line notice that says why.
    pub fn open(kernel: VectorKernel, options: &GpuOptions) -> (Self, Option<String>) {
        match Gpu::open(options).and_then(|gpu| Self::new(kernel.clone(), gpu)) {
            Ok(k) => (k, None),
            Err(why) => (Self::cpu(kernel), Some(format!("--device gpu: {why}; computing on the CPU"))),
        }
    }

    /// Whether blocks go to the GPU (until a failure sends them back).
    pub fn on_gpu(&self) -> bool {
        self.gpu.is_some() && !self.state.failed.load(Ordering::Relaxed)
    }

    /// The GPU and its description, when there is one.
    pub fn gpu(&self) -> Option<&Gpu> {
        self.gpu.as_ref().map(|(g, _)| g)
    }

    /// The kernel itself (what a model stores).
    pub fn kernel(&self) -> &VectorKernel {
        &self.kernel
    }

    /// Why the GPU stopped being used mid-fit, if it did.
    pub fn notice(&self) -> Option<String> {
        self.state.notice.get().map(|why| format!("--device gpu: {why}; the rest was computed on the CPU"))
    }

    /// `run` on the GPU when there is one, the block of `entries` values on
    /// `a` and `b` is worth it, and no earlier call failed; `None` means the
    /// caller computes on the CPU. A failure is kept for [`notice`](Self::notice).
    fn try_gpu<R>(
        &self,
        entries: usize,
        a: &DataSet,
        b: &DataSet,
        run: impl FnOnce(&Gpu, &TileKernel) -> Result<R, GpuError>,
    ) -> Option<R> {
        let (gpu, tile) = self.gpu.as_ref().filter(|_| self.on_gpu())?;
        if !worth_it(entries, a.n_features().max(b.n_features())) {
            return None;
        }
        match run(gpu, tile) {
            Ok(result) => {
                self.state.gpu_blocks.fetch_add(1, Ordering::Relaxed);
                Some(result)
            }
            Err(why) => {
                self.state.failed.store(true, Ordering::Relaxed);
                let _ = self.state.notice.set(why.to_string());
                None
            }
        }
    }

    /// How many blocks the GPU computed.
    pub fn gpu_blocks(&self) -> usize {
        self.state.gpu_blocks.load(Ordering::Relaxed)
    }
}

impl Kernel<DataSet> for DeviceKernel {
    fn eval(&self, a: &DataSet, i: usize, b: &DataSet, j: usize) -> f64 {
        self.kernel.eval(a, i, b, j)
    }

    fn block(&self, a: &DataSet, rows: &[usize], b: &DataSet, cols: &[usize], mut out: MatMut<'_, f64>, par: Par) {
        let entries = rows.len().saturating_mul(cols.len());
        let on_gpu = self.try_gpu(entries, a, b, |gpu, tile| gpu.block(tile, a, rows, b, cols, out.as_mut()));
        if on_gpu.is_none() {
            self.kernel.block(a, rows, b, cols, out, par);
        }
    }

    fn diagonal(&self, a: &DataSet, rows: &[usize], out: &mut [f64]) {
        self.kernel.diagonal(a, rows, out);
    }

    fn unit_roundoff(&self) -> f64 {
        match self.gpu() {
            Some(gpu) if gpu.precision() == Precision::F32 => f32::EPSILON as f64 / 2.0,
            _ => f64::EPSILON / 2.0,
        }
    }

    fn block_product(&self, a: &DataSet, b: &DataSet, product: BlockProduct<'_>) -> Option<Mat<f64>> {
        let entries = a.n_samples().saturating_mul(b.n_samples());
        self.try_gpu(entries, a, b, |gpu, tile| gpu.product(tile, a, b, product))
    }
}
