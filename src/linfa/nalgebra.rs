//! nalgebra input (feature `nalgebra`): `DMatrix` records and `DVector`
//! targets for every linfa estimator, converted to ndarray at the boundary.
//!
//! ```
//! use kern::linfa::nalgebra::{FitMatrix, PredictMatrix};
//! use nalgebra::{DMatrix, DVector};
//!
//! let x = DMatrix::from_fn(40, 1, |i, _| i as f64 / 8.0);
//! let y = DVector::from_fn(40, |i, _| (i as f64 / 8.0).sin());
//! let model = kern::KernelRidge::params().gamma(1.0).alpha(1e-3).fit_matrix(&x, &y)?;
//! let fitted: DVector<f64> = model.predict_matrix(&x);
//! assert!((fitted - y).amax() < 0.05);
//! # Ok::<(), kern::Error>(())
//! ```

use linfa::DatasetBase;
use linfa::traits::{Fit, PredictInplace, Transformer};
use nalgebra::{DMatrix, DVector, Scalar};
use ndarray::{Array1, Array2};

use crate::error::{Error, Result};

/// A `DMatrix` (column-major) as an `Array2` (one record per row).
pub fn to_array2<F: Scalar + Copy>(x: &DMatrix<F>) -> Array2<F> {
    Array2::from_shape_fn(x.shape(), |(i, j)| x[(i, j)])
}

/// An `Array2` as a `DMatrix`.
pub fn to_dmatrix<F: Scalar + Copy>(x: &Array2<F>) -> DMatrix<F> {
    DMatrix::from_fn(x.nrows(), x.ncols(), |i, j| x[[i, j]])
}

/// Fitting on a `DMatrix` of records and a `DVector` of targets.
pub trait FitMatrix<F, T> {
    /// The fitted model.
    type Object;
    /// Fits on records `x` (one per row) and targets `y`.
    fn fit_matrix(&self, x: &DMatrix<F>, y: &DVector<T>) -> Result<Self::Object>;
}

impl<P, F: Scalar + Copy, T: Scalar> FitMatrix<F, T> for P
where
    P: Fit<Array2<F>, Array1<T>, Error>,
{
    type Object = P::Object;

    fn fit_matrix(&self, x: &DMatrix<F>, y: &DVector<T>) -> Result<P::Object> {
        if x.nrows() != y.len() {
            return Err(Error::Usage(format!("{} records but {} targets", x.nrows(), y.len())));
        }
        let targets: Array1<T> = y.iter().cloned().collect();
        self.fit(&DatasetBase::new(to_array2(x), targets))
    }
}

/// Fitting on a `DMatrix` of records alone (one-class SVM, feature maps).
pub trait FitRecords<F> {
    /// The fitted model.
    type Object;
    /// Fits on records `x` (one per row).
    fn fit_records(&self, x: &DMatrix<F>) -> Result<Self::Object>;
}

impl<P, F: Scalar + Copy> FitRecords<F> for P
where
    P: Fit<Array2<F>, (), Error>,
{
    type Object = P::Object;

    fn fit_records(&self, x: &DMatrix<F>) -> Result<P::Object> {
        self.fit(&DatasetBase::new(to_array2(x), ()))
    }
}

/// Predicting a `DVector` from a `DMatrix` of records.
pub trait PredictMatrix<F, T> {
    /// One prediction per row of `x`.
    fn predict_matrix(&self, x: &DMatrix<F>) -> DVector<T>;
}

impl<M, F: Scalar + Copy, T: Scalar> PredictMatrix<F, T> for M
where
    M: PredictInplace<Array2<F>, Array1<T>>,
{
    fn predict_matrix(&self, x: &DMatrix<F>) -> DVector<T> {
        let x = to_array2(x);
        let mut y = self.default_target(&x);
        self.predict_inplace(&x, &mut y);
        DVector::from_iterator(y.len(), y)
    }
}

/// Mapping a `DMatrix` of records to a `DMatrix` of features.
pub trait TransformMatrix<F> {
    /// `φ(x)`, one row per row of `x`.
    fn transform_matrix(&self, x: &DMatrix<F>) -> DMatrix<F>;
}

impl<M, F: Scalar + Copy> TransformMatrix<F> for M
where
    M: for<'a> Transformer<&'a Array2<F>, Array2<F>>,
{
    fn transform_matrix(&self, x: &DMatrix<F>) -> DMatrix<F> {
        to_dmatrix(&self.transform(&to_array2(x)))
    }
}
