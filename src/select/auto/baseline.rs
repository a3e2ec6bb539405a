//! Smola's rule, start with a linear model: the same task with the linear
//! kernel on the same scaled features, samples and folds, its C searched
//! over a range where linear models on data in [-1, 1] saturate; and
//! whether the kernel model beats it by more than the noise.

use kern_kernels::{DataSet, Par, VectorKernel};

use super::search::{Sample, at_point};
use super::tune::{Outcome, Space};
use crate::error::Result;
use crate::select::{CvScore, Metric, mean_and_std};
use crate::train::{FitSpec, KernelName, Notices};

/// log2 C of the linear baseline's search: beyond 2^3 linear SMO slows by orders
/// of magnitude (C = 2^7 took 30 s where 2^3 took 0.3 s on 5,000 samples)
/// while accuracy on data in [-1, 1] has long saturated.
const LINEAR_C: (i32, i32) = (-5, 3);

/// `spec` with the linear kernel (in place of a kernel expression too).
pub(super) fn linear(spec: &FitSpec) -> FitSpec {
    let mut linear = spec.clone();
    linear.kernel.name = KernelName::Linear;
    linear.kernel.gamma = None;
    linear.kernel.lengthscale = None;
    linear.custom_kernel = None;
    linear.gp.ard = false;
    linear.gp.gamma_start = None;
    linear
}

/// `spec` with the kernel `linear + c`: a linear model whose intercept has
/// prior variance (ridge: inverse penalty) `c`, for tasks without a bias
/// term of their own (kernel ridge, GPs).
pub(super) fn linear_with_intercept(spec: &FitSpec, c: f64) -> FitSpec {
    let mut linear = linear(spec);
    linear.custom_kernel = Some(VectorKernel::Sum(vec![VectorKernel::Linear, VectorKernel::Constant { value: c }]));
    linear
}

/// The linear baseline's search on the kernel search's `sample`: C when
/// the kernel's `space` searched it (in its units), else the given C.
pub(super) fn search_linear(
    spec: &FitSpec,
    sample: &Sample<DataSet>,
    space: &Space,
    par: Par,
    notices: &Notices,
) -> Result<(FitSpec, Outcome)> {
    let spec = linear(spec);
    let linear_space = Space::new(space.log2c.map(|_| LINEAR_C), space.c_start, None, space.metric);
    let outcome = sample.search(&spec, linear_space, par, notices)?;
    let best = at_point(&spec, &outcome.best().0);
    Ok((best, outcome))
}

/// Whether `linear` scores as well as `kernel` (both on the same folds)
/// within one standard error of the difference: for classification the
/// binomial error of the kernel model's score over `n` samples, for
/// regression that of the paired per-fold differences of the squared (or,
/// under [`Metric::AbsoluteError`], absolute) error.
pub(super) fn as_good_within_noise(kernel: &CvScore, linear: &CvScore, metric: Metric, n: usize) -> bool {
    let (k, l) = (kernel.key_by(metric), linear.key_by(metric));
    let noise = match (kernel, linear) {
        (CvScore::Error { .. }, CvScore::Error { .. }) => {
            paired_difference(kernel.per_fold_by(metric), linear.per_fold_by(metric)).1
        }
        _ => (k.clamp(0.0, 1.0) * (1.0 - k.clamp(0.0, 1.0)) / n.max(1) as f64).sqrt(),
    };
    l >= k - noise
}

/// The mean of the paired differences `linear − kernel` and its standard error.
pub(super) fn paired_difference(kernel: &[f64], linear: &[f64]) -> (f64, f64) {
    let d: Vec<f64> = kernel.iter().zip(linear).map(|(k, l)| l - k).collect();
    let (mean, sd) = mean_and_std(&d);
    (mean, sd / (d.len().max(2) as f64 - 1.0).sqrt())
}

/// What the report says of the baseline.
pub(super) fn verdict(as_good: bool, kept: bool) -> &'static str {
    match (as_good, kept) {
        (true, true) => "as good within noise: the linear model is kept (--auto-prefer-simple)",
        (true, false) => "as good within noise: --auto-prefer-simple keeps the linear model",
        (false, _) => "the kernel model is better",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::Confusion;

    fn accuracy(a: f64) -> CvScore {
        CvScore::Accuracy { accuracy: a, correct: 0, per_fold: vec![a], confusion: Confusion::default() }
    }

    #[test]
    fn noise_is_one_standard_error() {
        // 1,000 samples at 90 %: one standard error is 0.95 points.
        assert!(as_good_within_noise(&accuracy(0.90), &accuracy(0.891), Metric::Accuracy, 1000));
        assert!(!as_good_within_noise(&accuracy(0.90), &accuracy(0.889), Metric::Accuracy, 1000));
        // Regression: per-fold MSE differences 0.1 ± 0.05 are beyond their standard error 0.025.
        let mse = |per_fold: Vec<f64>| {
            let mse = per_fold.iter().sum::<f64>() / 4.0;
            CvScore::Error {
                mse,
                r2: 0.0,
                mae: mse.sqrt(),
                per_fold_mae: per_fold.iter().map(|e| e.sqrt()).collect(),
                per_fold,
            }
        };
        let (kernel, linear) = (mse(vec![1.0, 1.0, 1.0, 1.0]), mse(vec![1.05, 1.15, 1.05, 1.15]));
        assert!(!as_good_within_noise(&kernel, &linear, Metric::Accuracy, 100));
        let noisy = mse(vec![0.5, 1.5, 0.6, 1.8]);
        assert!(as_good_within_noise(&kernel, &noisy, Metric::Accuracy, 100));
    }
}
