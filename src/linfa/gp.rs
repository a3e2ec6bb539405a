//! `GaussianProcess` (regression) and `GaussianProcessClassifier` (Laplace).

use std::marker::PhantomData;

use kern_kernels::Par;
use kern_solvers::GpModel;
use kern_solvers::gp::{FeatureGpModel, FeatureGpcModel, GpcModel, SgprModel};
use linfa::dataset::{AsSingleTargets, DatasetBase, Label, Records};
use linfa::traits::{Fit, PredictInplace};
use linfa::{Float, ParamGuard};
use ndarray::{Array1, Array2, ArrayBase, Data, Ix2};

use super::svm::class_targets;
use super::{as_f64, cast, check_kernel, default_par, fit_records, kernel_builder, to_dataset, to_f64, to_test_set};
use crate::error::{Error, Result};
use crate::model::Estimator;
use crate::train::{Approx, FitSpec, Sampling, Targets, Task};

/// The fitting options both GP estimators share: a named kernel's gamma or
/// lengthscale is held when given and fitted (from `1/n_features`) when not;
/// a kernel given whole has every hyperparameter fitted from its values.
macro_rules! gp_builder {
    () => {
        /// The kernel's amplitude (its variance); given: held, else fitted from 1.
        pub fn amplitude(mut self, amplitude: F) -> Self {
            self.0.spec.gp.amplitude = Some(to_f64(amplitude));
            self
        }

        /// The covariance written whole as a kernel expression (scikit-learn's
        /// kernel algebra): its amplitudes are its own, values marked `!` are
        /// held, `white(..)` is the noise; replaces the kernel, amplitude and
        /// width options.
        pub fn expression(mut self, expression: &$crate::Expression) -> Self {
            self.0.spec.set_expression(expression);
            self
        }

        /// Random restarts of the hyperparameter search after the first
        /// start (5 for an exact GP, none for an approximate one).
        pub fn restarts(mut self, restarts: usize) -> Self {
            self.0.spec.gp.restarts = Some(restarts);
            self
        }

        /// Seed of the restarts' start points (0).
        pub fn seed(mut self, seed: u64) -> Self {
            self.0.spec.seed = seed;
            self
        }

        /// A GP in weight space on `m` random Fourier (`Approx::Rff`) or
        /// Nyström (`Approx::Nystroem`) features, its hyperparameters learnt
        /// by its own evidence on them: `O(n m²)` per evaluation. `Approx::None`
        /// returns to the exact GP.
        pub fn features(mut self, method: Approx, m: usize) -> Self {
            self.0.spec.approx.method = method;
            self.0.spec.approx.components = m;
            self
        }

        /// How Nyström features or a sparse GP's inducing points are chosen
        /// among the samples (uniformly by default).
        pub fn inducing(mut self, sampling: Sampling) -> Self {
            self.0.spec.approx.sampling = sampling;
            self
        }

        /// An approximate GP learns its hyperparameters on a seeded sample of
        /// `rows` rows (50,000; 0: every row), then forms its posterior on all of them.
        pub fn fit_samples(mut self, rows: usize) -> Self {
            self.0.spec.gp.fit_samples = Some(rows).filter(|&n| n > 0);
            self
        }
    };
}

/// Checks a GP's hyperparameters before the data is seen.
fn check_gp(spec: &FitSpec) -> Result<()> {
    check_kernel(spec)?;
    for (name, value) in [("amplitude", spec.gp.amplitude), ("noise", spec.gp.noise)] {
        if let Some(v) = value.filter(|v| !(v.is_finite() && *v > 0.0)) {
            let reason = "must be positive and finite";
            return Err(kern_solvers::SolverError::InvalidParameter { name, value: v, reason }.into());
        }
    }
    Ok(())
}

/// The hyperparameters of a [`GaussianProcess`], checked when it is fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianProcessParams<F>(GaussianProcessValid<F>);

/// Checked [`GaussianProcessParams`].
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianProcessValid<F> {
    spec: FitSpec,
    par: Par,
    marker: PhantomData<F>,
}

/// A fitted GP regression: covariance `amplitude × kernel + noise · I`, its
/// hyperparameters maximising the log marginal likelihood (multi-start
/// L-BFGS-B, as scikit-learn's `GaussianProcessRegressor` with a
/// `ConstantKernel * kernel + WhiteKernel`).
///
/// ```
/// use linfa::prelude::*;
/// use ndarray::{Array1, Array2};
///
/// let x = Array2::from_shape_fn((30, 1), |(i, _)| i as f64 / 5.0);
/// let y: Array1<f64> = x.column(0).mapv(f64::sin);
/// let gp = kern::GaussianProcess::params().restarts(1).fit(&Dataset::new(x.clone(), y.clone()))?;
/// assert!(gp.predict(&x).r2(&y)? > 0.999);
/// let std = gp.predict_std(&x); // error bars of a new observation
/// assert!(std.iter().all(|&s| s > 0.0 && s < 0.1));
/// # Ok::<(), kern::Error>(())
/// ```
///
/// With `.components(M)` it is a sparse GP on `M` inducing points
/// (Titsias' collapsed bound), for data too large for the exact one:
///
/// ```
/// use linfa::prelude::*;
/// use ndarray::{Array1, Array2};
///
/// let x = Array2::from_shape_fn((2000, 2), |(i, j)| if j == 0 { (i % 50) as f64 / 12.5 } else { (i / 50) as f64 / 10.0 });
/// // A smooth function plus a little noise (a deterministic stand-in).
/// let noise = |i: usize| 0.1 * ((i as f64 * 0.377).fract() - 0.5);
/// let y: Array1<f64> = x.rows().into_iter().enumerate().map(|(i, r)| r[0].sin() + 0.5 * r[1].cos() + noise(i)).collect();
/// let gp = kern::GaussianProcess::params().kernel(kern::KernelKind::Matern32).ard(true)
///     .components(40).inducing(kern::train::Sampling::Kmeans).restarts(0).fit(&Dataset::new(x.clone(), y.clone()))?;
/// assert!(gp.predict(&x).r2(&y)? > 0.98);
/// assert!(matches!(gp.model(), kern::linfa::GpFit::Sparse(m) if m.inducing.n_samples() == 40));
/// // The same fit with its posterior on 200 inducing points, the noise re-fitted.
/// let wide = kern::GaussianProcess::params().kernel(kern::KernelKind::Matern32).ard(true).components(40)
///     .posterior_components(200).inducing(kern::train::Sampling::Kmeans).restarts(0).fit(&Dataset::new(x.clone(), y.clone()))?;
/// assert!(matches!(wide.model(), kern::linfa::GpFit::Sparse(m) if m.inducing.n_samples() == 200 && m.widened.is_some()));
/// # Ok::<(), kern::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianProcess<F> {
    model: GpFit,
    par: Par,
    marker: PhantomData<F>,
}

/// A fitted GP regression: exact, or sparse on inducing points.
#[derive(Clone, Debug, PartialEq)]
pub enum GpFit {
    /// The exact GP (the default).
    Exact(GpModel),
    /// The sparse GP of `.components(M)`.
    Sparse(SgprModel),
    /// The GP on features of `.features(method, M)`.
    Features(FeatureGpModel),
}

impl<F: Float> GaussianProcess<F> {
    /// An RBF kernel with amplitude, lengthscale and noise fitted, targets
    /// normalised, five restarts (none with `.components(M)`).
    pub fn params() -> GaussianProcessParams<F> {
        GaussianProcessParams(GaussianProcessValid {
            spec: FitSpec::new(Task::Gp),
            par: default_par(),
            marker: PhantomData,
        })
    }

    /// The standard deviation of a new observation (latent plus noise) at each record.
    pub fn predict_std<D: Data<Elem = F>>(&self, x: &ArrayBase<D, Ix2>) -> Array1<F> {
        let p = self.posterior(x);
        p.std_with_noise.into_iter().map(cast).collect()
    }

    /// The posterior mean and the standard deviation of a new observation at each record.
    pub fn predict_mean_std<D: Data<Elem = F>>(&self, x: &ArrayBase<D, Ix2>) -> (Array1<F>, Array1<F>) {
        let p = self.posterior(x);
        (p.mean.into_iter().map(cast).collect(), p.std_with_noise.into_iter().map(cast).collect())
    }

    /// The fitted log marginal likelihood (of the normalised targets); for
    /// a sparse GP its lower bound (the ELBO).
    pub fn log_marginal_likelihood(&self) -> f64 {
        match &self.model {
            GpFit::Exact(m) => m.log_marginal_likelihood,
            GpFit::Sparse(m) => m.elbo,
            GpFit::Features(m) => m.log_marginal_likelihood,
        }
    }

    /// The fitted hyperparameters by name.
    pub fn hyperparameters(&self) -> Vec<(String, f64)> {
        match &self.model {
            GpFit::Exact(m) => m.hyperparameters(),
            GpFit::Sparse(m) => m.hyperparameters(),
            GpFit::Features(m) => m.hyperparameters(),
        }
    }

    /// The underlying kern model.
    pub fn model(&self) -> &GpFit {
        &self.model
    }

    fn n_features(&self) -> usize {
        match &self.model {
            GpFit::Exact(m) => m.train.n_features(),
            GpFit::Sparse(m) => m.inducing.n_features(),
            GpFit::Features(m) => m.map.feature_map().n_features(),
        }
    }

    fn posterior<D: Data<Elem = F>>(&self, x: &ArrayBase<D, Ix2>) -> kern_solvers::gp::GpPrediction {
        let test = to_test_set(x, self.n_features());
        match &self.model {
            GpFit::Exact(m) => m.predict(&test, self.par).expect("the fitted factorisation succeeds again"),
            GpFit::Sparse(m) => m.predict(&test, self.par),
            GpFit::Features(m) => m.predict(&test, self.par).expect("the fitted map's width"),
        }
    }
}

impl<F: Float> GaussianProcessParams<F> {
    kernel_builder!();
    gp_builder!();

    /// The noise variance σ²; given: held, else fitted from 1.
    pub fn noise(mut self, noise: F) -> Self {
        self.0.spec.gp.noise = Some(to_f64(noise));
        self
    }

    /// Centre and scale the targets (on, as scikit-learn's `normalize_y=True`).
    pub fn normalize_y(mut self, normalize: bool) -> Self {
        self.0.spec.gp.normalize_y = normalize;
        self
    }

    /// A sparse GP on `m` inducing points (Titsias' collapsed bound,
    /// `O(n m²)` per evaluation) instead of the exact GP; 0 returns to the exact GP.
    pub fn components(mut self, m: usize) -> Self {
        self.0.spec.approx.method = if m == 0 { Approx::None } else { Approx::Sgpr };
        self.0.spec.approx.components = m;
        self
    }

    /// A sparse GP moves its inducing points to maximise its bound too.
    pub fn learn_inducing(mut self, learn: bool) -> Self {
        self.0.spec.gp.learn_inducing = learn;
        self
    }

    /// A sparse GP's posterior (mean and variances) on `m` inducing points:
    /// the fit's, then samples drawn uniformly (every sample when `m ≥ n`),
    /// the kernel kept and the noise re-fitted by the bound. Closer to the
    /// exact GP at one more pass, `O(n m²)`.
    pub fn posterior_components(mut self, m: usize) -> Self {
        self.0.spec.gp.posterior_components = Some(m);
        self
    }

    /// The former name of [`Self::posterior_components`], which now widens
    /// the variances with the mean.
    #[deprecated(note = "use posterior_components")]
    pub fn mean_components(self, m: usize) -> Self {
        self.posterior_components(m)
    }

    /// One lengthscale per feature, each fitted (rbf, matern32 and matern52).
    pub fn ard(mut self, ard: bool) -> Self {
        self.0.spec.gp.ard = ard;
        self
    }
}

impl<F> ParamGuard for GaussianProcessParams<F> {
    type Checked = GaussianProcessValid<F>;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        check_gp(&self.0.spec)?;
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl<F: Float, D: Data<Elem = F>, T: AsSingleTargets<Elem = F>> Fit<ArrayBase<D, Ix2>, T, Error>
    for GaussianProcessValid<F>
{
    type Object = GaussianProcess<F>;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<GaussianProcess<F>> {
        let x = to_dataset(dataset.records())?;
        let targets = Targets::Values(as_f64(dataset.as_single_targets()));
        let model = match fit_records(&self.spec, x, &targets, dataset.weights(), self.par)? {
            Estimator::Gp(model) => GpFit::Exact(model),
            Estimator::Sgpr(model) => GpFit::Sparse(model),
            Estimator::FeatureGp(model) => GpFit::Features(model),
            _ => unreachable!("a GP regression fits a GP"),
        };
        Ok(GaussianProcess { model, par: self.par, marker: PhantomData })
    }
}

impl<F: Float, D: Data<Elem = F>> PredictInplace<ArrayBase<D, Ix2>, Array1<F>> for GaussianProcess<F> {
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<F>) {
        assert_eq!(x.nrows(), y.len(), "one target per record");
        let test = to_test_set(x, self.n_features());
        let mean = match &self.model {
            GpFit::Exact(m) => m.predict_mean(&test, self.par),
            GpFit::Sparse(m) => m.predict_mean(&test, self.par),
            GpFit::Features(m) => m.predict(&test, self.par).expect("the fitted map's width").mean,
        };
        y.iter_mut().zip(mean).for_each(|(y, m)| *y = cast(m));
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<F> {
        Array1::zeros(x.nsamples())
    }
}

/// The hyperparameters of a [`GaussianProcessClassifier`], checked when it is fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianProcessClassifierParams<F, L>(GaussianProcessClassifierValid<F, L>);

/// Checked [`GaussianProcessClassifierParams`].
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianProcessClassifierValid<F, L> {
    spec: FitSpec,
    par: Par,
    marker: PhantomData<(F, L)>,
}

/// A fitted GP classifier: the logistic likelihood with the Laplace
/// approximation (Rasmussen & Williams ch. 3), hyperparameters by the
/// approximate marginal likelihood, one class against the rest beyond two
/// (as scikit-learn's `GaussianProcessClassifier`).
///
/// ```
/// use linfa::prelude::*;
/// use ndarray::{Array1, Array2};
///
/// let x = Array2::from_shape_fn((40, 1), |(i, _)| i as f64 / 10.0);
/// let y: Array1<bool> = (0..40).map(|i| i >= 20).collect();
/// let gpc = kern::GaussianProcessClassifier::params().restarts(1).fit(&Dataset::new(x.clone(), y.clone()))?;
/// assert_eq!(gpc.predict(&x), y);
/// let p = gpc.predict_proba(&x); // columns in classes() order: false, true
/// assert!(p[[0, 0]] > 0.5 && p[[39, 1]] > 0.5);
/// # Ok::<(), kern::Error>(())
/// ```
///
/// With `.features(Approx::Nystroem, M)` (or `Approx::Rff`) it is the
/// Laplace approximation on `M` features, `O(n M²)`, for data too large for
/// the exact one:
///
/// ```
/// use linfa::prelude::*;
/// use ndarray::{Array1, Array2};
///
/// let x = Array2::from_shape_fn((3000, 2), |(i, j)| ((i * (7 + 5 * j)) % 101) as f64 / 25.0 - 2.0);
/// let y: Array1<bool> = x.rows().into_iter().map(|r| r[0] * r[0] + r[1] * r[1] < 2.0).collect();
/// let gpc = kern::GaussianProcessClassifier::params()
///     .features(kern::train::Approx::Nystroem, 60).restarts(0).fit(&Dataset::new(x.clone(), y.clone()))?;
/// let accuracy = gpc.predict(&x).iter().zip(&y).filter(|(p, t)| p == t).count() as f64 / 3000.0;
/// assert!(accuracy > 0.97, "{accuracy}");
/// assert!(matches!(gpc.model(), kern::linfa::GpcFit::Features(_)));
/// # Ok::<(), kern::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianProcessClassifier<F, L> {
    model: GpcFit,
    classes: Vec<L>,
    par: Par,
    marker: PhantomData<F>,
}

impl<F: Float, L: Label> GaussianProcessClassifier<F, L> {
    /// An RBF kernel with amplitude and lengthscale fitted from one start,
    /// as scikit-learn's `GaussianProcessClassifier` ([`EXACT_GPC_RESTARTS`](crate::train::EXACT_GPC_RESTARTS)).
    pub fn params() -> GaussianProcessClassifierParams<F, L> {
        let spec = FitSpec::new(Task::Gpc);
        GaussianProcessClassifierParams(GaussianProcessClassifierValid {
            spec,
            par: default_par(),
            marker: PhantomData,
        })
    }

    /// The classes, in the order of the probability columns (sorted).
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// Class probabilities: one row per record, one column per class.
    pub fn predict_proba<D: Data<Elem = F>>(&self, x: &ArrayBase<D, Ix2>) -> Array2<F> {
        let test = to_test_set(x, self.n_features());
        let p = match &self.model {
            GpcFit::Exact(m) => m.predict_proba(&test, self.par),
            GpcFit::Features(m) => m.predict_proba(&test, self.par),
        }
        .expect("the fitted factorisation succeeds again");
        Array2::from_shape_fn((p.nrows(), p.ncols()), |(i, j)| cast(p[(i, j)]))
    }

    /// The summed approximate log marginal likelihood of the latent functions.
    pub fn log_marginal_likelihood(&self) -> f64 {
        match &self.model {
            GpcFit::Exact(m) => m.log_marginal_likelihood(),
            GpcFit::Features(m) => m.log_marginal_likelihood(),
        }
    }

    /// The underlying kern model.
    pub fn model(&self) -> &GpcFit {
        &self.model
    }

    fn n_features(&self) -> usize {
        match &self.model {
            GpcFit::Exact(m) => m.train.n_features(),
            GpcFit::Features(m) => m.latent[0].map.feature_map().n_features(),
        }
    }
}

/// A fitted GP classifier: exact, or on features.
#[derive(Clone, Debug, PartialEq)]
pub enum GpcFit {
    /// The exact Laplace GP classifier (the default).
    Exact(Box<GpcModel>),
    /// The weight-space classifier of `.features(method, M)`.
    Features(FeatureGpcModel),
}

impl<F: Float, L> GaussianProcessClassifierParams<F, L> {
    kernel_builder!();
    gp_builder!();
}

impl<F, L> ParamGuard for GaussianProcessClassifierParams<F, L> {
    type Checked = GaussianProcessClassifierValid<F, L>;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        check_gp(&self.0.spec)?;
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl<F: Float, L: Label, D: Data<Elem = F>, T: AsSingleTargets<Elem = L>> Fit<ArrayBase<D, Ix2>, T, Error>
    for GaussianProcessClassifierValid<F, L>
{
    type Object = GaussianProcessClassifier<F, L>;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<GaussianProcessClassifier<F, L>> {
        let x = to_dataset(dataset.records())?;
        let (classes, targets) = class_targets(dataset)?;
        let model = match fit_records(&self.spec, x, &targets, dataset.weights(), self.par)? {
            Estimator::Gpc { model, .. } => GpcFit::Exact(Box::new(model)),
            Estimator::FeatureGpc { model, .. } => GpcFit::Features(model),
            _ => unreachable!("a GP classification fits a GP classifier"),
        };
        Ok(GaussianProcessClassifier { model, classes, par: self.par, marker: PhantomData })
    }
}

impl<F: Float, L: Label, D: Data<Elem = F>> PredictInplace<ArrayBase<D, Ix2>, Array1<L>>
    for GaussianProcessClassifier<F, L>
{
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<L>) {
        assert_eq!(x.nrows(), y.len(), "one target per record");
        let test = to_test_set(x, self.n_features());
        let codes = match &self.model {
            GpcFit::Exact(m) => m.predict(&test, self.par),
            GpcFit::Features(m) => m.predict(&test, self.par),
        }
        .expect("the fitted factorisation succeeds again");
        y.iter_mut().zip(codes).for_each(|(y, c)| *y = self.classes[c].clone());
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<L> {
        Array1::default(x.nsamples())
    }
}
