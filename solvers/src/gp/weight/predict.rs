//! Predictions of weight-space GPs: the features of the test samples at
//! the fitted kernel, then `O(M)` per mean and `O(M²)` per variance.

use faer::{Mat, MatRef, Par};
use kern_approx::ApproxMap;
use kern_kernels::DataSet;

use super::fit::{FeatureGpModel, FeatureGpcModel, FeatureLatent};
use crate::gp::classify::{class_probabilities, most_probable};
use crate::gp::{GpError, GpPrediction};
use crate::linalg::{solve_lower_in_place, times_by_rows, unpack_lower};
use crate::linear::FeatureGp;

/// A latent function's mean and variance at each test sample.
type Moments = (Vec<f64>, Vec<f64>);

/// `φ(test)`, refusing samples wider than the map.
fn features(map: &ApproxMap, test: &DataSet, par: Par) -> Result<Mat<f64>, GpError> {
    let expected = map.feature_map().n_features();
    if test.n_features() > expected {
        return Err(GpError::DimensionMismatch { what: "features of the samples", expected, got: test.n_features() });
    }
    Ok(map.feature_map().transform(test, par)?)
}

/// The packed factor of an `m × m` matrix (its length is checked on load).
fn factor(packed: &[f64], m: usize) -> Mat<f64> {
    unpack_lower(packed, m).expect("a packed lower triangle (checked on load)")
}

impl FeatureGpModel {
    /// Mean and standard deviations (latent, and of a new observation) at `test`.
    pub fn predict(&self, test: &DataSet, par: Par) -> Result<GpPrediction, GpError> {
        let phi = features(&self.map, test, par)?;
        let m = self.weights.len();
        let posterior = FeatureGp { weights: self.weights.clone(), factor: factor(&self.factor, m), noise: self.noise };
        let (mean, std) = posterior.predict(phi.as_ref());
        Ok(GpPrediction {
            mean: mean.iter().map(|f| self.y_mean + self.y_scale * f).collect(),
            std_with_noise: std.iter().map(|s| self.y_scale * (s * s + self.noise).sqrt()).collect(),
            std: std.iter().map(|s| self.y_scale * s).collect(),
        })
    }
}

impl FeatureLatent {
    /// The latent mean `φᵀ ŵ` and variance `φᵀ B⁻¹ φ` at `test`.
    pub fn moments(&self, test: &DataSet, par: Par) -> Result<(Vec<f64>, Vec<f64>), GpError> {
        let phi = features(&self.map, test, par)?;
        let m = self.weights.len();
        let w = MatRef::from_column_major_slice(&self.weights, m, 1);
        let mean = times_by_rows(phi.as_ref(), w, par);
        let mut v = phi.transpose().to_owned();
        solve_lower_in_place(factor(&self.factor, m).as_ref(), v.as_mut(), par);
        let var = (0..v.ncols()).map(|c| v.col(c).squared_norm_l2()).collect();
        Ok((mean.col(0).iter().copied().collect(), var))
    }
}

impl FeatureGpcModel {
    /// The latent means at `test`, one column per latent function (class 1
    /// against 0 for two classes): positive means favour that class.
    pub fn decision_function(&self, test: &DataSet, par: Par) -> Result<Mat<f64>, GpError> {
        let moments = self.all_moments(test, par)?;
        Ok(Mat::from_fn(test.n_samples(), moments.len(), |r, c| moments[c].0[r]))
    }

    /// Class probabilities at `test`: one row per sample, one column per
    /// class (the latent's Gaussian averaged through the logistic function).
    pub fn predict_proba(&self, test: &DataSet, par: Par) -> Result<Mat<f64>, GpError> {
        Ok(class_probabilities(&self.all_moments(test, par)?, self.n_classes))
    }

    /// The most probable class at each test sample (two classes: the latent mean's sign).
    pub fn predict(&self, test: &DataSet, par: Par) -> Result<Vec<usize>, GpError> {
        if self.latent.len() == 1 {
            let f = self.decision_function(test, par)?;
            return Ok((0..f.nrows()).map(|r| usize::from(f[(r, 0)] > 0.0)).collect());
        }
        Ok(most_probable(&self.predict_proba(test, par)?))
    }

    fn all_moments(&self, test: &DataSet, par: Par) -> Result<Vec<Moments>, GpError> {
        self.latent.iter().map(|l| l.moments(test, par)).collect()
    }
}
