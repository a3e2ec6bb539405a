//! The CPU emulation of a GPU tile: the same gather, first pass and
//! element-wise formula, in f32 or f64 arithmetic. It runs the pipeline on
//! machines without a GPU (the schedule's tests) and is the reference the
//! CUDA tiles are checked against beside the exact CPU kernels.

use kern_kernels::{DataSet, Row};

use crate::GpuError;
use crate::Precision;
use crate::plan::Tile;
use crate::spec::{FirstPass, TileKernel};
use crate::stream::TileBackend;

/// A [`TileBackend`] that computes each tile on the CPU when it is launched,
/// and keeps a log of launches and finishes for tests of the schedule.
///
/// ```
/// use faer::Mat;
/// use kern_gpu::{HostBackend, Precision, TileKernel, TilePlan, compute_block};
/// use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
/// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0], vec![3.0]]).unwrap());
/// let rbf = TileKernel::from_vector(&VectorKernel::Rbf { gamma: 0.5 }).unwrap();
/// let rows = [0, 1, 2];
/// let mut backend = HostBackend::new(rbf, Precision::F64, &x, &rows, &x, &rows);
/// let plan = TilePlan::new(3, 3, 1, 8, 1 << 20, true).unwrap();
/// let mut k = Mat::zeros(3, 3);
/// compute_block(&mut backend, &plan, k.as_mut()).unwrap();
/// assert!((k[(0, 1)] - (-0.5f64).exp()).abs() < 1e-15);
/// ```
pub struct HostBackend<'a> {
    kernel: TileKernel,
    precision: Precision,
    a: &'a DataSet,
    rows: &'a [usize],
    b: &'a DataSet,
    cols: &'a [usize],
    slots: [Vec<f64>; 2],
    /// The tile each slot holds until it is finished.
    in_slot: [Option<usize>; 2],
    /// `(launched, slot, tile index)` in call order.
    pub log: Vec<(bool, usize, usize)>,
}

impl<'a> HostBackend<'a> {
    /// Tiles of `K(a[rows], b[cols])` for `kernel` in `precision`.
    pub fn new(
        kernel: TileKernel,
        precision: Precision,
        a: &'a DataSet,
        rows: &'a [usize],
        b: &'a DataSet,
        cols: &'a [usize],
    ) -> Self {
        Self {
            kernel,
            precision,
            a,
            rows,
            b,
            cols,
            slots: [Vec::new(), Vec::new()],
            in_slot: [None; 2],
            log: Vec::new(),
        }
    }

    fn round(&self, v: f64) -> f64 {
        match self.precision {
            Precision::F32 => v as f32 as f64,
            Precision::F64 => v,
        }
    }

    /// A sample's values densified and rounded, as the device holds them.
    fn dense(&self, data: &DataSet, i: usize, d: usize) -> Vec<f64> {
        let mut v = vec![0.0; d];
        match data.row(i) {
            Row::Dense(values) => v[..values.len()].copy_from_slice(values),
            Row::Sparse(idx, values) => idx.iter().zip(values).for_each(|(&k, &x)| v[k as usize] = x),
        }
        v.iter().map(|&x| self.round(x)).collect()
    }
}

impl TileBackend for HostBackend<'_> {
    fn launch(&mut self, slot: usize, tile: &Tile) -> Result<(), GpuError> {
        assert!(self.in_slot[slot].is_none(), "slot {slot} launched before its tile was finished");
        let d = self.a.n_features().max(self.b.n_features());
        let a: Vec<Vec<f64>> = self.rows[tile.rows.clone()].iter().map(|&i| self.dense(self.a, i, d)).collect();
        let b: Vec<Vec<f64>> = self.cols[tile.cols.clone()].iter().map(|&j| self.dense(self.b, j, d)).collect();
        // Accumulate in the tile's precision, as cuBLAS and the L1 kernel do.
        let sum = |terms: &mut dyn Iterator<Item = f64>| terms.fold(0.0, |s, t| self.round(s + self.round(t)));
        let norms =
            |rows: &[Vec<f64>]| -> Vec<f64> { rows.iter().map(|r| sum(&mut r.iter().map(|x| x * x))).collect() };
        let (na, nb) = (norms(&a), norms(&b));
        let mut out = Vec::with_capacity(a.len() * b.len());
        let same = std::ptr::eq(self.a, self.b);
        let (ia, ib) = (&self.rows[tile.rows.clone()], &self.cols[tile.cols.clone()]);
        for ((y, ny), j) in b.iter().zip(&nb).zip(ib) {
            for ((x, nx), i) in a.iter().zip(&na).zip(ia) {
                let v = match self.kernel.first_pass() {
                    FirstPass::InnerProduct => sum(&mut x.iter().zip(y).map(|(p, q)| p * q)),
                    FirstPass::L1Distance => sum(&mut x.iter().zip(y).map(|(p, q)| (p - q).abs())),
                    FirstPass::SquaredDistance => sum(&mut x.iter().zip(y).map(|(p, q)| (p - q) * (p - q))),
                };
                out.push(self.round(self.kernel.apply_pair(v, *nx, *ny, same && i == j)));
            }
        }
        self.slots[slot] = out;
        self.in_slot[slot] = Some(tile.index);
        self.log.push((true, slot, tile.index));
        Ok(())
    }

    fn finish(&mut self, slot: usize) -> Result<&[f64], GpuError> {
        let index = self.in_slot[slot].take().unwrap_or_else(|| panic!("slot {slot} finished twice"));
        self.log.push((false, slot, index));
        Ok(&self.slots[slot])
    }
}
