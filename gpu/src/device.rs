//! Opening the GPU: options, the fallback, and blocks computed on it.

use faer::{Mat, MatMut, MatRef};
use kern_kernels::{BlockProduct, DataSet};

use crate::GpuError;
use crate::plan::Tile;
use crate::spec::TileKernel;

/// The arithmetic of GPU tiles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precision {
    /// sgemm and float formulas: the GPU's fast path (relative error ~1e-6).
    #[default]
    F32,
    /// dgemm and double formulas, for agreement with the CPU to ~1e-12.
    F64,
}

impl Precision {
    /// Bytes per value.
    pub fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F64 => 8,
        }
    }
}

/// What `--device gpu` asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GpuOptions {
    /// CUDA device number.
    pub ordinal: usize,
    /// Open device `ordinal mod count` instead: processes of one machine
    /// each open their own GPU when `ordinal` is the local rank.
    pub wrap_ordinal: bool,
    /// The most GPU memory kern takes, in MiB [default: 90 % of what is free].
    pub memory_mib: Option<f64>,
    pub precision: Precision,
}

/// An opened GPU. Cheap to clone; blocks from several threads queue on it.
#[derive(Clone)]
pub struct Gpu {
    #[cfg(feature = "cuda")]
    inner: std::sync::Arc<crate::cuda::CudaGpu>,
    #[cfg(not(feature = "cuda"))]
    never: std::convert::Infallible,
    precision: Precision,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gpu({})", self.describe())
    }
}

impl Gpu {
    /// Opens the device, or says why not. Never panics: a missing driver, a
    /// missing device, or a CUDA library that misbehaves is an error.
    ///
    /// ```
    /// use kern_gpu::{Gpu, GpuOptions};
    /// match Gpu::open(&GpuOptions::default()) {
    ///     Ok(gpu) => println!("computing on {}", gpu.describe()),
    ///     Err(why) => println!("on the CPU: {why}"),
    /// }
    /// ```
    pub fn open(options: &GpuOptions) -> Result<Self, GpuError> {
        #[cfg(feature = "cuda")]
        {
            let opened = std::panic::catch_unwind(|| crate::cuda::CudaGpu::open(options))
                .unwrap_or_else(|panic| Err(panicked("device opening", panic)))?;
            Ok(Self { inner: std::sync::Arc::new(opened), precision: options.precision })
        }
        #[cfg(not(feature = "cuda"))]
        {
            let _ = options;
            Err(GpuError::NotBuilt)
        }
    }

    /// The device's name, number and memory budget.
    pub fn describe(&self) -> String {
        #[cfg(feature = "cuda")]
        return format!("{}, {:?}", self.inner.describe(), self.precision);
        #[cfg(not(feature = "cuda"))]
        match self.never {}
    }

    /// The GPU memory kern may take, in bytes.
    pub fn budget(&self) -> usize {
        #[cfg(feature = "cuda")]
        return self.inner.budget();
        #[cfg(not(feature = "cuda"))]
        match self.never {}
    }

    /// Whether `other` is a handle on the same opened device, in the same precision.
    pub fn same(&self, other: &Gpu) -> bool {
        #[cfg(feature = "cuda")]
        return std::sync::Arc::ptr_eq(&self.inner, &other.inner) && self.precision == other.precision;
        #[cfg(not(feature = "cuda"))]
        {
            let _ = other;
            match self.never {}
        }
    }

    /// The precision of this handle's tiles.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// This handle with tiles in `precision`.
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Fills `out` with `K(a[rows], b[cols])`, streamed in tiles that fit the budget.
    pub fn block(
        &self,
        kernel: &TileKernel,
        a: &DataSet,
        rows: &[usize],
        b: &DataSet,
        cols: &[usize],
        out: MatMut<'_, f64>,
    ) -> Result<(), GpuError> {
        self.on_device("a GPU block", |engine, budget| {
            engine.run(budget, kernel, a, rows, b, cols, Some(out), &mut |_, _| {})
        })
    }

    /// Hands every tile of `K(a[rows], b[cols])` to `sink` without keeping
    /// the matrix: `K(X, X)` for n = 200,000 goes through here. Every tile
    /// comes, the lower ones of a symmetric block too.
    pub fn stream(
        &self,
        kernel: &TileKernel,
        a: &DataSet,
        rows: &[usize],
        b: &DataSet,
        cols: &[usize],
        sink: &mut dyn FnMut(&Tile, MatRef<'_, f64>),
    ) -> Result<(), GpuError> {
        self.on_device("a GPU block", |engine, budget| engine.run(budget, kernel, a, rows, b, cols, None, sink))
    }

    /// `product` of the block `K(a, b)`, formed and multiplied on the device
    /// in row tiles: Falkon's `K_nM` products never cross the bus.
    pub fn product(
        &self,
        kernel: &TileKernel,
        a: &DataSet,
        b: &DataSet,
        product: BlockProduct<'_>,
    ) -> Result<Mat<f64>, GpuError> {
        self.on_device("a GPU product", |engine, budget| engine.product(budget, kernel, a, b, product))
    }

    /// The benchmark's probe: median seconds of a bare `n × n × d` GEMM and
    /// of the whole Gram tile of `kernel` (GEMM and element-wise pass) on
    /// `n` random samples, timed on the device with nothing copied back.
    pub fn time_gram(&self, kernel: &TileKernel, n: usize, d: usize, repeats: usize) -> Result<(f64, f64), GpuError> {
        self.on_device("the Gram probe", |engine, _| engine.time_gram(kernel, n, d, repeats))
    }

    /// Runs `f` on the device's engine; a failure or a panic in the CUDA
    /// bindings becomes an error.
    fn on_device<R>(
        &self,
        what: &'static str,
        f: impl FnOnce(&mut dyn DeviceOps, usize) -> Result<R, GpuError>,
    ) -> Result<R, GpuError> {
        #[cfg(feature = "cuda")]
        {
            let call = std::panic::AssertUnwindSafe(|| self.inner.with_engine(self.precision, f));
            std::panic::catch_unwind(call).unwrap_or_else(|panic| Err(panicked(what, panic)))
        }
        #[cfg(not(feature = "cuda"))]
        {
            let _ = (what, f);
            match self.never {}
        }
    }
}

/// What the device does, whatever its precision (the CUDA engines).
#[allow(clippy::too_many_arguments)]
pub(crate) trait DeviceOps {
    /// `K(a[rows], b[cols])` into `out`, or tile by tile into `sink`.
    fn run(
        &mut self,
        budget: usize,
        kernel: &TileKernel,
        a: &DataSet,
        rows: &[usize],
        b: &DataSet,
        cols: &[usize],
        out: Option<MatMut<'_, f64>>,
        sink: &mut dyn FnMut(&Tile, MatRef<'_, f64>),
    ) -> Result<(), GpuError>;

    /// `product` of `K(a, b)` with the block kept on the device.
    fn product(
        &mut self,
        budget: usize,
        kernel: &TileKernel,
        a: &DataSet,
        b: &DataSet,
        product: BlockProduct<'_>,
    ) -> Result<Mat<f64>, GpuError>;

    /// Seconds of a bare `n × n × d` GEMM and of the whole Gram tile.
    fn time_gram(&mut self, kernel: &TileKernel, n: usize, d: usize, repeats: usize) -> Result<(f64, f64), GpuError>;
}

#[cfg(feature = "cuda")]
fn panicked(what: &'static str, panic: Box<dyn std::any::Any + Send>) -> GpuError {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic in the CUDA bindings".into());
    GpuError::Cuda { what, message }
}
