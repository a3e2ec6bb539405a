//! Data sets kept on the device between blocks, and the host-side densify
//! that feeds the device.

use std::sync::Arc;

use cudarc::driver::{CudaFunction, CudaSlice, CudaStream, LaunchConfig, PushKernelArg};
use kern_kernels::{DataSet, Row};

use super::cuda_error;
use super::engine::Scalar;
use crate::GpuError;

/// Identifies a data set without hashing all of it: its norms' address and
/// contents, its shape, and three sample rows. A new data set that reuses a
/// freed one's memory differs in one of them unless it is the same data.
#[derive(Clone, Debug)]
pub(super) struct DataKey {
    address: usize,
    n: usize,
    d: usize,
    norms: Vec<f64>,
    samples: Vec<f64>,
}

impl DataKey {
    pub(super) fn of(data: &DataSet, d: usize) -> Self {
        let n = data.n_samples();
        let mut samples = Vec::new();
        for i in [0, n / 2, n.saturating_sub(1)].into_iter().filter(|&i| i < n) {
            samples.extend(dense_row(data, i, d, |x| x));
        }
        Self { address: data.sq_norms().as_ptr() as usize, n, d, norms: data.sq_norms().to_vec(), samples }
    }

    /// Whether `data` (read `d` wide) is the data set this key was taken
    /// of. Allocates nothing: SMO asks this once per kernel row.
    pub(super) fn matches(&self, data: &DataSet, d: usize) -> bool {
        let n = data.n_samples();
        let rows = [0, n / 2, n.saturating_sub(1)].into_iter().filter(|&i| i < n);
        self.address == data.sq_norms().as_ptr() as usize
            && (self.n, self.d) == (n, d)
            && self.norms == data.sq_norms()
            && rows.zip(self.samples.chunks_exact(d.max(1))).all(|(i, stored)| row_equals(data, i, stored))
    }
}

/// Whether row `i` of `data`, densified, equals `stored`.
fn row_equals(data: &DataSet, i: usize, stored: &[f64]) -> bool {
    match data.row(i) {
        Row::Dense(values) => {
            values.len() <= stored.len()
                && stored[..values.len()] == *values
                && stored[values.len()..].iter().all(|&v| v == 0.0)
        }
        Row::Sparse(idx, values) => {
            let mut entries = idx.iter().zip(values).peekable();
            stored.iter().enumerate().all(|(k, &v)| match entries.peek() {
                Some(&(&j, &x)) if j as usize == k => {
                    entries.next();
                    v == x
                }
                _ => v == 0.0,
            })
        }
    }
}

/// Row `i` of `data`, `d` wide, converted by `convert`.
pub(super) fn dense_row<T: Copy + Default>(data: &DataSet, i: usize, d: usize, convert: impl Fn(f64) -> T) -> Vec<T> {
    let mut out = vec![T::default(); d];
    write_dense_row(data, i, &mut out, convert);
    out
}

/// Writes row `i` of `data` into `dst` (zeroed where the row has no value).
pub(super) fn write_dense_row<T: Copy + Default>(data: &DataSet, i: usize, dst: &mut [T], convert: impl Fn(f64) -> T) {
    dst.fill(T::default());
    match data.row(i) {
        Row::Dense(values) => dst.iter_mut().zip(values).for_each(|(o, &v)| *o = convert(v)),
        Row::Sparse(idx, values) => {
            for (&k, &v) in idx.iter().zip(values) {
                if let Some(o) = dst.get_mut(k as usize) {
                    *o = convert(v);
                }
            }
        }
    }
}

/// A data set on the device: `n × d` values row-major and squared norms
/// computed there once.
pub(super) struct Resident<T> {
    pub(super) key: DataKey,
    pub(super) values: CudaSlice<T>,
    pub(super) norms: CudaSlice<T>,
}

impl<T: Scalar> Resident<T> {
    pub(super) fn bytes(n: usize, d: usize) -> usize {
        n.saturating_mul(d + 1).saturating_mul(size_of::<T>())
    }

    pub(super) fn upload(
        stream: &Arc<CudaStream>,
        row_norms: &CudaFunction,
        data: &DataSet,
        key: DataKey,
    ) -> Result<Self, GpuError> {
        let (n, d) = (key.n, key.d);
        let mut host = vec![T::default(); n * d];
        for (i, dst) in host.chunks_exact_mut(d).enumerate() {
            write_dense_row(data, i, dst, T::from_f64);
        }
        let values = stream.clone_htod(&host).map_err(cuda_error("upload"))?;
        let mut norms = stream.alloc_zeros::<T>(n).map_err(cuda_error("allocation"))?;
        let (rows, width) = (to_i32(n)?, to_i32(d)?);
        let mut launch = stream.launch_builder(row_norms);
        launch.arg(&values).arg(&rows).arg(&width).arg(&mut norms);
        // SAFETY: kern_row_norms reads n × d values and writes n norms, as allocated.
        unsafe { launch.launch(grid(n, 256)) }.map_err(cuda_error("row norms"))?;
        stream.synchronize().map_err(cuda_error("upload"))?;
        Ok(Self { key, values, norms })
    }
}

/// A grid of one block (of `threads`) per item, capped by the grid limit;
/// the kernels loop over the rest.
pub(super) fn grid(items: usize, threads: u32) -> LaunchConfig {
    let blocks = items.clamp(1, 65_535) as u32;
    LaunchConfig { grid_dim: (blocks, 1, 1), block_dim: (threads, 1, 1), shared_mem_bytes: 0 }
}

/// `kern_epilogue`'s launch over a column-major `rows × cols` tile: blocks
/// of 256 threads covering up to 256 rows of as many columns as fill them.
pub(super) fn epilogue_config(rows: usize, cols: usize) -> LaunchConfig {
    let bx = rows.next_power_of_two().clamp(1, 256);
    let by = 256 / bx;
    let (gx, gy) = (rows.div_ceil(bx).max(1), cols.div_ceil(by).clamp(1, 65_535));
    LaunchConfig { grid_dim: (gx as u32, gy as u32, 1), block_dim: (bx as u32, by as u32, 1), shared_mem_bytes: 0 }
}

pub(super) fn to_i32(v: usize) -> Result<i32, GpuError> {
    i32::try_from(v).map_err(|_| GpuError::Cuda {
        what: "indexing",
        message: format!("{v} exceeds the 32-bit indices of the GPU kernels"),
    })
}

#[cfg(test)]
mod tests {
    use super::DataKey;
    use kern_kernels::{DataSet, DenseMatrix, SparseMatrix};

    #[test]
    fn a_key_matches_its_data_set_only() {
        let rows: Vec<Vec<f64>> = (0..5).map(|i| vec![i as f64, 1.0 - i as f64]).collect();
        let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
        let minus = DataSet::from(
            DenseMatrix::from_rows(&rows.iter().map(|r| vec![-r[0], -r[1]]).collect::<Vec<_>>()).unwrap(),
        );
        let key = DataKey::of(&x, 3);
        assert!(key.matches(&x, 3));
        assert!(!key.matches(&x, 2), "read at another width");
        assert!(!key.matches(&minus, 3), "another data set with the same norms");
        let mut m = SparseMatrix::with_cols(3);
        for r in &rows {
            m.push_row(&[0, 2], &[r[0], r[1]]).unwrap();
        }
        let sparse = DataSet::from(m);
        let key = DataKey::of(&sparse, 3);
        assert!(key.matches(&sparse, 3));
        assert!(!DataKey::of(&x, 3).matches(&sparse, 3));
    }
}
