//! One precision's compiled kernels, streams, resident data and the two
//! tile slots, and the [`TileBackend`] that runs a block's tiles on them.

use std::sync::Arc;

use cudarc::cublas::sys::cublasOperation_t;
use cudarc::cublas::{CudaBlas, Gemm, GemmConfig};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DeviceRepr, LaunchConfig, PinnedHostSlice, PushKernelArg,
    ValidAsZeroBits,
};
use cudarc::nvrtc::{CompileOptions, compile_ptx_with_opts};
use faer::{MatMut, MatRef};
use kern_kernels::{BlockProduct, DataSet};

use super::cuda_error;
use super::resident::{DataKey, Resident, epilogue_config, grid, to_i32, write_dense_row};
use crate::GpuError;
use crate::device::DeviceOps;
use crate::plan::{Tile, TilePlan};
use crate::spec::{FirstPass, TileKernel, cuda_source};
use crate::stream::{TileBackend, compute_block, run_tiles};

/// f32 or f64 on the device.
pub(crate) trait Scalar: DeviceRepr + ValidAsZeroBits + Copy + Default + Send + Sync + 'static {
    const DOUBLE: bool;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
}

impl Scalar for f32 {
    const DOUBLE: bool = false;
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Scalar for f64 {
    const DOUBLE: bool = true;
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
}

pub(super) struct Functions {
    pub(super) epilogue: CudaFunction,
    pub(super) distance: CudaFunction,
    pub(super) gather: CudaFunction,
    pub(super) row_norms: CudaFunction,
}

/// Device buffers of one in-flight tile: both sides' samples, norms and
/// index lists, the output tile, and pinned host buffers for the copies.
struct Slot<T> {
    capacity: (usize, usize, usize),
    idx: [CudaSlice<i32>; 2],
    values: [CudaSlice<T>; 2],
    norms: [CudaSlice<T>; 2],
    k: CudaSlice<T>,
    k_host: PinnedHostSlice<T>,
    stage: PinnedHostSlice<T>,
    stage_idx: PinnedHostSlice<i32>,
    out: Vec<f64>,
    shape: (usize, usize),
}

pub(super) struct Engine<T> {
    ctx: Arc<CudaContext>,
    pub(super) streams: [Arc<CudaStream>; 2],
    pub(super) blas: [CudaBlas; 2],
    pub(super) functions: Functions,
    /// Oldest first.
    pub(super) resident: Vec<Resident<T>>,
    slots: [Option<Slot<T>>; 2],
}

impl<T: Scalar> Engine<T>
where
    CudaBlas: Gemm<T>,
{
    /// Compiles the kernels for `T` (NVRTC, once per process and precision)
    /// and makes the two streams.
    pub(super) fn new(ctx: &Arc<CudaContext>) -> Result<Self, GpuError> {
        let options = CompileOptions { name: Some("kern_tiles.cu".into()), ..Default::default() };
        let ptx = compile_ptx_with_opts(cuda_source(T::DOUBLE), options).map_err(cuda_error("NVRTC compilation"))?;
        let module = ctx.load_module(ptx).map_err(cuda_error("module load"))?;
        let function = |name: &str| module.load_function(name).map_err(cuda_error("kernel lookup"));
        let functions = Functions {
            epilogue: function("kern_epilogue")?,
            distance: function("kern_distance")?,
            gather: function("kern_gather")?,
            row_norms: function("kern_row_norms")?,
        };
        let streams = [
            ctx.new_stream().map_err(cuda_error("stream creation"))?,
            ctx.new_stream().map_err(cuda_error("stream creation"))?,
        ];
        let blas = [
            CudaBlas::new(streams[0].clone()).map_err(cuda_error("cuBLAS"))?,
            CudaBlas::new(streams[1].clone()).map_err(cuda_error("cuBLAS"))?,
        ];
        Ok(Self { ctx: ctx.clone(), streams, blas, functions, resident: Vec::new(), slots: [None, None] })
    }

    /// Frees the tile slots (a product sizes its own buffers).
    pub(super) fn drop_slots(&mut self) {
        self.slots = [None, None];
    }

    pub(super) fn find(&self, data: &DataSet, d: usize) -> Option<usize> {
        self.resident.iter().position(|r| r.key.matches(data, d))
    }

    /// The index of `data` among the resident sets, uploading it (and
    /// evicting the oldest) when it fits in `cap` bytes; `None` when it does not.
    pub(super) fn make_resident(&mut self, data: &DataSet, d: usize, cap: usize) -> Result<Option<usize>, GpuError> {
        if let Some(i) = self.find(data, d) {
            return Ok(Some(i));
        }
        let bytes = Resident::<T>::bytes(data.n_samples(), d);
        if bytes > cap {
            return Ok(None);
        }
        while !self.resident.is_empty() && held_bytes(&self.resident) + bytes > cap {
            self.resident.remove(0);
        }
        // The slots are sized after residency is settled.
        self.slots = [None, None];
        let resident = Resident::upload(&self.streams[0], &self.functions.row_norms, data, DataKey::of(data, d))?;
        self.resident.push(resident);
        Ok(Some(self.resident.len() - 1))
    }

    fn ensure_slots(&mut self, plan: &TilePlan) -> Result<(), GpuError> {
        let need = (plan.tile_rows, plan.tile_cols, plan.d);
        let fits = |s: &Option<Slot<T>>| {
            s.as_ref().is_some_and(|s| need.0 <= s.capacity.0 && need.1 <= s.capacity.1 && need.2 == s.capacity.2)
        };
        if fits(&self.slots[0]) && fits(&self.slots[1]) {
            return Ok(());
        }
        self.slots = [None, None];
        for slot in 0..2 {
            self.slots[slot] = Some(self.new_slot(slot, need)?);
        }
        Ok(())
    }

    fn new_slot(&self, slot: usize, (tr, tc, d): (usize, usize, usize)) -> Result<Slot<T>, GpuError> {
        let stream = &self.streams[slot];
        let zeros = |n: usize| stream.alloc_zeros::<T>(n.max(1)).map_err(cuda_error("allocation"));
        let indices = |n: usize| stream.alloc_zeros::<i32>(n.max(1)).map_err(cuda_error("allocation"));
        // SAFETY: pinned buffers are written before they are read. The output
        // buffer is read by the CPU, so it is not write-combined.
        let (k_host, stage, stage_idx) = unsafe {
            (
                self.ctx.alloc_pinned_with_flags::<T>(tr * tc, 0).map_err(cuda_error("pinned allocation"))?,
                self.ctx.alloc_pinned::<T>((tr + tc) * d).map_err(cuda_error("pinned allocation"))?,
                self.ctx.alloc_pinned::<i32>(tr + tc).map_err(cuda_error("pinned allocation"))?,
            )
        };
        Ok(Slot {
            capacity: (tr, tc, d),
            idx: [indices(tr)?, indices(tc)?],
            values: [zeros(tr * d)?, zeros(tc * d)?],
            norms: [zeros(tr)?, zeros(tc)?],
            k: zeros(tr * tc)?,
            k_host,
            stage,
            stage_idx,
            out: Vec::with_capacity(tr * tc),
            shape: (0, 0),
        })
    }
}

/// Device bytes the resident data sets take.
pub(super) fn held_bytes<T>(resident: &[Resident<T>]) -> usize {
    resident.iter().map(|r| r.values.len() + r.norms.len()).sum::<usize>() * size_of::<T>()
}

/// One side of a block: samples `idx` of `data`, on the device or not.
struct Side<'a> {
    data: &'a DataSet,
    idx: &'a [usize],
    resident: Option<usize>,
}

struct CudaTiles<'e, 'a, T> {
    engine: &'e mut Engine<T>,
    kernel: TileKernel,
    sides: [Side<'a>; 2],
    d: usize,
}

impl<T: Scalar> TileBackend for CudaTiles<'_, '_, T>
where
    CudaBlas: Gemm<T>,
{
    fn launch(&mut self, slot: usize, tile: &Tile) -> Result<(), GpuError> {
        let Engine { streams, blas, functions, resident, slots, .. } = &mut *self.engine;
        let stream = &streams[slot];
        let s = slots[slot].as_mut().expect("slots are sized before tiles run");
        let d = self.d;
        let width = to_i32(d)?;
        let ranges = [tile.rows.clone(), tile.cols.clone()];
        let counts = [tile.rows.len(), tile.cols.len()];
        {
            let stage_idx = s.stage_idx.as_mut_slice().map_err(cuda_error("pinned access"))?;
            let stage = s.stage.as_mut_slice().map_err(cuda_error("pinned access"))?;
            let (mut idx_at, mut value_at) = (0, 0);
            for side in 0..2 {
                let Side { data, idx, resident: on_device } = &self.sides[side];
                let ids = &idx[ranges[side].clone()];
                let count = to_i32(ids.len())?;
                match on_device {
                    Some(r) => {
                        // Send the indices; the device gathers rows and norms.
                        let held = &resident[*r];
                        let dst = &mut stage_idx[idx_at..idx_at + ids.len()];
                        for (o, &i) in dst.iter_mut().zip(ids) {
                            *o = to_i32(i)?;
                        }
                        stream.memcpy_htod(&*dst, &mut s.idx[side]).map_err(cuda_error("copy to device"))?;
                        idx_at += ids.len();
                        let mut launch = stream.launch_builder(&functions.gather);
                        launch.arg(&held.values).arg(&held.norms).arg(&s.idx[side]).arg(&count).arg(&width);
                        launch.arg(&mut s.values[side]).arg(&mut s.norms[side]);
                        // SAFETY: kern_gather reads `count` indices below n and writes count × d values.
                        unsafe { launch.launch(grid(ids.len(), 128)) }.map_err(cuda_error("gather"))?;
                    }
                    None => {
                        // Densify on the host into pinned memory; norms on the
                        // device. The indices go too, to spot self-pairs.
                        let dst = &mut stage_idx[idx_at..idx_at + ids.len()];
                        for (o, &i) in dst.iter_mut().zip(ids) {
                            *o = to_i32(i)?;
                        }
                        stream.memcpy_htod(&*dst, &mut s.idx[side]).map_err(cuda_error("copy to device"))?;
                        idx_at += ids.len();
                        let dst = &mut stage[value_at * d..(value_at + ids.len()) * d];
                        for (row, &i) in dst.chunks_exact_mut(d).zip(ids) {
                            write_dense_row(data, i, row, T::from_f64);
                        }
                        stream.memcpy_htod(&*dst, &mut s.values[side]).map_err(cuda_error("copy to device"))?;
                        value_at += ids.len();
                        let mut launch = stream.launch_builder(&functions.row_norms);
                        launch.arg(&s.values[side]).arg(&count).arg(&width).arg(&mut s.norms[side]);
                        // SAFETY: kern_row_norms reads count × d values and writes count norms.
                        unsafe { launch.launch(grid(ids.len(), 256)) }.map_err(cuda_error("row norms"))?;
                    }
                }
            }
        }
        let (rows, cols) = (to_i32(counts[0])?, to_i32(counts[1])?);
        match self.kernel.first_pass() {
            FirstPass::InnerProduct => {
                // Row-major samples are column-major d × count matrices:
                // K = Aᵀ B, column-major rows × cols.
                let config = GemmConfig {
                    transa: cublasOperation_t::CUBLAS_OP_T,
                    transb: cublasOperation_t::CUBLAS_OP_N,
                    m: rows,
                    n: cols,
                    k: width,
                    alpha: T::from_f64(1.0),
                    lda: width,
                    ldb: width,
                    beta: T::from_f64(0.0),
                    ldc: rows,
                };
                // SAFETY: the buffers hold at least rows × d, cols × d and rows × cols values.
                unsafe { blas[slot].gemm(config, &s.values[0], &s.values[1], &mut s.k) }.map_err(cuda_error("GEMM"))?;
            }
            pass @ (FirstPass::L1Distance | FirstPass::SquaredDistance) => {
                let squared = i32::from(pass == FirstPass::SquaredDistance);
                let config = LaunchConfig {
                    grid_dim: (counts[1].div_ceil(16) as u32, counts[0].div_ceil(16) as u32, 1),
                    block_dim: (16, 16, 1),
                    shared_mem_bytes: 0,
                };
                let mut launch = stream.launch_builder(&functions.distance);
                launch.arg(&s.values[0]).arg(&s.values[1]).arg(&rows).arg(&cols).arg(&width).arg(&squared);
                launch.arg(&mut s.k);
                // SAFETY: kern_distance reads rows × d and cols × d values and writes rows × cols.
                unsafe { launch.launch(config) }.map_err(cuda_error("distances"))?;
            }
        }
        let k = &self.kernel;
        let (gamma, coef0, scale) = (T::from_f64(k.gamma), T::from_f64(k.coef0), T::from_f64(k.scale));
        let total = counts[0] * counts[1];
        let mut launch = stream.launch_builder(&functions.epilogue);
        let same = i32::from(std::ptr::eq(self.sides[0].data, self.sides[1].data));
        launch.arg(&mut s.k).arg(&s.norms[0]).arg(&s.norms[1]).arg(&s.idx[0]).arg(&s.idx[1]);
        launch.arg(&same).arg(&rows).arg(&cols);
        launch.arg(&k.kind).arg(&gamma).arg(&coef0).arg(&k.degree).arg(&scale);
        let config = epilogue_config(counts[0], counts[1]);
        // SAFETY: kern_epilogue rewrites rows × cols values in place.
        unsafe { launch.launch(config) }.map_err(cuda_error("element-wise pass"))?;
        let host = s.k_host.as_mut_slice().map_err(cuda_error("pinned access"))?;
        stream.memcpy_dtoh(&s.k.slice(0..total), &mut host[..total]).map_err(cuda_error("copy to host"))?;
        s.shape = (counts[0], counts[1]);
        Ok(())
    }

    fn finish(&mut self, slot: usize) -> Result<&[f64], GpuError> {
        self.engine.streams[slot].synchronize().map_err(cuda_error("stream"))?;
        let s = self.engine.slots[slot].as_mut().expect("slots are sized before tiles run");
        let total = s.shape.0 * s.shape.1;
        let host = s.k_host.as_slice().map_err(cuda_error("pinned access"))?;
        s.out.clear();
        s.out.extend(host[..total].iter().map(|v| v.to_f64()));
        Ok(&s.out)
    }
}

impl<T: Scalar> DeviceOps for Engine<T>
where
    CudaBlas: Gemm<T>,
{
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
    ) -> Result<(), GpuError> {
        let d = a.n_features().max(b.n_features()).max(1);
        // Only a block written to `out` mirrors its upper tiles; a sink is
        // handed every tile of the block.
        let symmetric = out.is_some() && std::ptr::eq(a, b) && rows == cols;
        // The long side stays on the device when it takes at most half the
        // budget (SMO asks for rows of the same training set thousands of times).
        let b_resident = self.make_resident(b, d, budget / 2)?;
        let a_resident = if std::ptr::eq(a, b) { b_resident } else { self.find(a, d) };
        let held = held_bytes(&self.resident);
        let plan = TilePlan::new(rows.len(), cols.len(), d, size_of::<T>(), budget.saturating_sub(held), symmetric)?;
        self.ensure_slots(&plan)?;
        let mut tiles = CudaTiles {
            engine: self,
            kernel: *kernel,
            sides: [
                Side { data: a, idx: rows, resident: a_resident },
                Side { data: b, idx: cols, resident: b_resident },
            ],
            d,
        };
        match out {
            Some(out) => compute_block(&mut tiles, &plan, out),
            None => run_tiles(&mut tiles, &plan, sink),
        }
    }

    fn product(
        &mut self,
        budget: usize,
        kernel: &TileKernel,
        a: &DataSet,
        b: &DataSet,
        product: BlockProduct<'_>,
    ) -> Result<faer::Mat<f64>, GpuError> {
        self.block_product(budget, kernel, a, b, product)
    }

    fn time_gram(&mut self, kernel: &TileKernel, n: usize, d: usize, repeats: usize) -> Result<(f64, f64), GpuError> {
        self.time_whole_tile(kernel, n, d, repeats)
    }
}
