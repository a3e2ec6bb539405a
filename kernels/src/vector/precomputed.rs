//! LIBSVM's precomputed kernel (`-t 4`): a sample is a row of kernel values
//! against the training samples, `x = (id, K(x, x₁), …, K(x, x_L))`, column 0
//! holding a training sample's 1-based serial number. Then
//! `k(x, y) = x[id(y)]`: whatever kernel the user computed, read back.

use faer::MatMut;

use crate::data::{DataSet, Row};
use crate::error::KernelError;

/// `x[id(y)]`: `x`'s kernel value against the training sample `y` stands for.
pub(crate) fn value(x: &Row<'_>, y: &Row<'_>) -> f64 {
    x.value_at(y.value_at(0) as usize)
}

/// `out[(r, c)] = a[rows[r]][id(b[cols[c]])]`.
pub(crate) fn block(a: &DataSet, rows: &[usize], b: &DataSet, cols: &[usize], mut out: MatMut<'_, f64>) {
    let ids: Vec<usize> = cols.iter().map(|&j| b.row(j).value_at(0) as usize).collect();
    for (r, &i) in rows.iter().enumerate() {
        let x = a.row(i);
        for (c, &id) in ids.iter().enumerate() {
            out[(r, c)] = x.value_at(id);
        }
    }
}

/// Checks that every sample's column 0 is a serial number `1..=L`, where the
/// `L = n_features − 1` other columns are its kernel values.
///
/// ```
/// use kern_kernels::{DataSet, DenseMatrix, check_precomputed_ids};
/// // Two samples: id, K(x, x₁), K(x, x₂).
/// let k = DataSet::from(DenseMatrix::from_rows(&[vec![1.0, 4.0, 2.0], vec![2.0, 2.0, 9.0]]).unwrap());
/// assert!(check_precomputed_ids(&k).is_ok());
/// let bad = DataSet::from(DenseMatrix::from_rows(&[vec![3.0, 4.0, 2.0]]).unwrap());
/// assert!(check_precomputed_ids(&bad).is_err());
/// ```
pub fn check_precomputed_ids(data: &DataSet) -> Result<(), KernelError> {
    check_precomputed_ids_up_to(data, data.n_features().saturating_sub(1))
}

/// Checks that every sample's column 0 is a serial number `1..=max` (a
/// model's kept samples, whose rows hold the number only).
pub fn check_precomputed_ids_up_to(data: &DataSet, max: usize) -> Result<(), KernelError> {
    for row in 0..data.n_samples() {
        let id = data.row(row).value_at(0);
        if !(id >= 1.0 && id <= max as f64 && id.fract() == 0.0) {
            return Err(KernelError::PrecomputedId { row, value: id, max });
        }
    }
    Ok(())
}

/// Column 0 (the serial numbers) of every sample: all a model needs to keep
/// of its support vectors under a precomputed kernel.
pub fn precomputed_ids_only(data: &DataSet) -> DataSet {
    let ids: Vec<f64> = (0..data.n_samples()).map(|i| data.row(i).value_at(0)).collect();
    DataSet::from(crate::data::DenseMatrix::new(ids.len(), 1, ids).expect("one value per row"))
}
