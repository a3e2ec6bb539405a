//! GP classification (Laplace) with latent covariance `c · K` for a fixed
//! kernel `K`: the amplitude of each latent function maximises its
//! approximate marginal likelihood, searched in `log c`.

use faer::{Mat, Par};
use kern_kernels::{Kernel, Samples, gram_matrix};
use serde::{Deserialize, Serialize};

use super::search::maximize_on_interval;
use super::{Amplified, FixedKernelGp};
use crate::gp::GpError;
use crate::gp::classify::{class_probabilities, latent_mean, latent_moments, mode, most_probable};

/// Grid points of the search over `log c` (each a Newton solve).
const GRID: usize = 9;
/// Width in log units at which the search stops.
const TOL: f64 = 1e-2;

/// One latent function of a fixed-kernel GP classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedLatent {
    /// The fitted (or given) amplitude `c`.
    pub amplitude: f64,
    /// `∇ log p(y | f̂)` at the mode: the latent mean is `c K(x, X)` times this.
    pub a: Vec<f64>,
    /// `√W` at the mode, for predictive variances.
    pub sqrt_w: Vec<f64>,
    /// The Laplace approximation of `log p(y | X, c)`.
    pub log_marginal_likelihood: f64,
    /// Evaluations of it spent on the fit.
    pub evaluations: usize,
}

/// A fitted GP classifier with latent covariance `c · K` over classes
/// `0..n_classes`: class 1 against 0 for two classes, each class against
/// the rest otherwise (probabilities normalised), as [`super::super::GpcModel`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedGpcModel<K, S> {
    /// The kernel `K`, without the amplitude.
    pub kernel: K,
    /// The training samples.
    pub train: S,
    /// Number of classes.
    pub n_classes: usize,
    /// One latent function, or one per class.
    pub latent: Vec<FixedLatent>,
}

impl<K, S> FixedGpcModel<K, S> {
    /// The summed approximate log marginal likelihood of the latent functions.
    pub fn log_marginal_likelihood(&self) -> f64 {
        self.latent.iter().map(|l| l.log_marginal_likelihood).sum()
    }

    /// The same model with its kernel replaced by `f(kernel)`.
    pub fn map_kernel<K2>(self, f: impl FnOnce(K) -> K2) -> FixedGpcModel<K2, S> {
        FixedGpcModel { kernel: f(self.kernel), train: self.train, n_classes: self.n_classes, latent: self.latent }
    }
}

impl<K: Kernel<S>, S: Samples> FixedGpcModel<K, S> {
    /// Fits a classifier to `classes` (each below `n_classes`, at least two
    /// present); only `params.amplitude` and `params.bounds` apply.
    ///
    /// ```
    /// use kern_kernels::{Par, Sequences, StringKernel};
    /// use kern_solvers::gp::{FixedGpcModel, FixedKernelGp};
    /// let words = ["ACGTAC", "ACGTTT", "GGGCCA", "GGGCCT", "ACGAAC", "GGACCA"];
    /// let x = Sequences::new(words);
    /// let classes = [0, 0, 1, 1, 0, 1];
    /// let kernel = StringKernel::Spectrum { k: 2, normalize: true };
    /// let gpc = FixedGpcModel::fit(kernel, x.clone(), &classes, 2, &FixedKernelGp::default(), Par::Seq).unwrap();
    /// assert_eq!(gpc.predict(&x, Par::Seq).unwrap(), classes);
    /// ```
    pub fn fit(
        kernel: K,
        train: S,
        classes: &[usize],
        n_classes: usize,
        params: &FixedKernelGp,
        par: Par,
    ) -> Result<Self, GpError> {
        params.validate()?;
        if classes.len() != train.len() {
            return Err(GpError::DimensionMismatch { what: "labels", expected: train.len(), got: classes.len() });
        }
        crate::gp::classify::check_classes(classes, n_classes)?;
        let k = gram_matrix(&kernel, &train, par);
        let targets =
            |positive: usize| -> Vec<f64> { classes.iter().map(|&c| if c == positive { 1.0 } else { -1.0 }).collect() };
        let positives: Vec<usize> = if n_classes == 2 { vec![1] } else { (0..n_classes).collect() };
        let latent =
            positives.into_iter().map(|c| fit_latent(&k, &targets(c), params, par)).collect::<Result<_, _>>()?;
        Ok(Self { kernel, train, n_classes, latent })
    }

    /// The latent means at `test`, one column per latent function.
    pub fn decision_function(&self, test: &S, par: Par) -> Mat<f64> {
        let columns: Vec<Vec<f64>> =
            self.latent.iter().map(|l| latent_mean(&self.covariance(l), &self.train, &l.a, test, par)).collect();
        Mat::from_fn(test.len(), columns.len(), |r, c| columns[c][r])
    }

    /// Class probabilities at `test`: one row per sample, one column per class.
    pub fn predict_proba(&self, test: &S, par: Par) -> Result<Mat<f64>, GpError> {
        let moments = self
            .latent
            .iter()
            .map(|l| latent_moments(&self.covariance(l), &self.train, &l.a, &l.sqrt_w, test, par))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(class_probabilities(&moments, self.n_classes))
    }

    /// The most probable class at each test sample.
    pub fn predict(&self, test: &S, par: Par) -> Result<Vec<usize>, GpError> {
        if self.latent.len() == 1 {
            let f = self.decision_function(test, par);
            return Ok((0..f.nrows()).map(|r| usize::from(f[(r, 0)] > 0.0)).collect());
        }
        Ok(most_probable(&self.predict_proba(test, par)?))
    }

    fn covariance(&self, latent: &FixedLatent) -> Amplified<'_, K> {
        Amplified { amplitude: latent.amplitude, kernel: &self.kernel }
    }
}

/// One binary latent function (targets ±1) on the Gram matrix `k`.
fn fit_latent(k: &Mat<f64>, y: &[f64], params: &FixedKernelGp, par: Par) -> Result<FixedLatent, GpError> {
    let scaled = |c: f64| Mat::from_fn(k.nrows(), k.ncols(), |i, j| c * k[(i, j)]);
    let (amplitude, evaluations) = match params.amplitude {
        Some(c) => (c, 0),
        None => {
            // Each solve starts from the last mode: `a` barely moves with c.
            let mut warm: Option<Vec<f64>> = None;
            let evidence = |t: f64| match mode(&scaled(t.exp()), y, warm.as_deref(), par) {
                Ok(m) => {
                    warm = Some(m.a);
                    m.log_marginal_likelihood
                }
                Err(_) => f64::NEG_INFINITY,
            };
            let (lo, hi) = (params.bounds.0.ln(), params.bounds.1.ln());
            let (t, _, spent) = maximize_on_interval(evidence, lo, hi, GRID, TOL);
            (t.exp(), spent)
        }
    };
    let m = mode(&scaled(amplitude), y, None, par)?;
    Ok(FixedLatent {
        amplitude,
        a: m.a,
        sqrt_w: m.sqrt_w,
        log_marginal_likelihood: m.log_marginal_likelihood,
        evaluations: evaluations + 1,
    })
}
