//! `Svc`, `Svr` and `OneClassSvm`: LIBSVM's five problems by kern's SMO.

use std::marker::PhantomData;

use kern_kernels::{DataSet, Par, VectorKernel};
use kern_solvers::{SolverError, SvmModel};
use linfa::dataset::{AsSingleTargets, DatasetBase, Label, Records};
use linfa::traits::{Fit, PredictInplace};
use linfa::{Float, ParamGuard};
use ndarray::{Array1, Array2, ArrayBase, Data, Ix2};

use super::{
    as_f64, cast, check_kernel, coded_targets, default_par, fit_records, kernel_builder, to_dataset, to_f64,
    to_test_set,
};
use crate::error::{Error, Result};
use crate::model::Estimator;
use crate::train::{ClassOrder, FitSpec, Targets, Task, code_classes, svm_params};

/// The solver options every SVM builder shares.
macro_rules! smo_builder {
    () => {
        /// Stop when the maximal violating pair's gap is below this (1e-3, LIBSVM's `-e`).
        pub fn tol(mut self, tol: F) -> Self {
            self.0.spec.svm.tol = to_f64(tol);
            self
        }

        /// Shrinking on (the default) or off.
        pub fn shrinking(mut self, shrinking: bool) -> Self {
            self.0.spec.svm.shrinking = shrinking;
            self
        }

        /// Kernel-row cache in MiB (by default room for the rows of one
        /// shrinking interval, from 100 MiB to a thirty-second of the memory cap).
        pub fn cache_mb(mut self, mb: f64) -> Self {
            self.0.spec.svm.cache_mb = Some(mb);
            self
        }

        /// Newton steps on the free variables between SMO iterations (on);
        /// off follows LIBSVM's iterates exactly.
        pub fn newton(mut self, newton: bool) -> Self {
            self.0.spec.svm.newton = newton;
            self
        }

        /// Solve by working sets of `q` variables instead of LIBSVM's pairs
        /// (C-SVC, ε-SVR, one-class): faster where many samples end as
        /// support vectors, slower where few do.
        pub fn working_set(mut self, q: usize) -> Self {
            self.0.spec.svm.working_set = Some(q);
            self
        }

        /// Iteration limit per binary problem [default: `max(10⁷, 100 n)`].
        pub fn max_iter(mut self, max_iter: u64) -> Self {
            self.0.spec.svm.max_iter = Some(max_iter);
            self
        }

        /// Where kernel rows are computed ([`Device::cpu`](crate::linfa::Device::cpu) by default).
        pub fn device(mut self, device: $crate::linfa::Device) -> Self {
            self.0.spec.device = device;
            self
        }

        /// Seed of the probability folds (0).
        pub fn seed(mut self, seed: u64) -> Self {
            self.0.spec.seed = seed;
            self
        }
    };
}

/// The hyperparameters of a [`Svc`], checked when it is fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct SvcParams<F, L>(SvcValid<F, L>);

/// Checked [`SvcParams`].
#[derive(Clone, Debug, PartialEq)]
pub struct SvcValid<F, L> {
    pub(super) spec: FitSpec,
    /// linfa-svm's per-class costs `(C₊, C₋)` for two classes.
    pub(super) pos_neg: Option<(f64, f64)>,
    pub(super) par: Par,
    pub(super) marker: PhantomData<(F, L)>,
}

/// A fitted support vector classifier (C-SVC, or ν-SVC when `nu` is set),
/// one-vs-one over any number of classes of any linfa [`Label`].
///
/// ```
/// use linfa::prelude::*;
/// use ndarray::{Array1, Array2};
///
/// // Three classes on a line.
/// let x = Array2::from_shape_fn((30, 1), |(i, _)| i as f64 / 10.0);
/// let y: Array1<usize> = (0..30).map(|i| i / 10).collect();
/// let model = kern::Svc::params().gamma(10.0).c(100.0).fit(&Dataset::new(x.clone(), y.clone()))?;
/// assert_eq!(model.predict(&x), y);
/// assert_eq!(model.classes(), &[0, 1, 2]);
/// # Ok::<(), kern::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Svc<F, L> {
    model: SvmModel<VectorKernel, DataSet>,
    classes: Vec<L>,
    par: Par,
    marker: PhantomData<F>,
}

impl<F: Float, L: Label> Svc<F, L> {
    /// A C-SVC with C = 1 and an RBF kernel of gamma `1/n_features`, as LIBSVM's defaults.
    pub fn params() -> SvcParams<F, L> {
        SvcParams(SvcValid { spec: FitSpec::new(Task::Svc), pos_neg: None, par: default_par(), marker: PhantomData })
    }

    /// The classes, in the order of the model's codes (sorted).
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// The underlying kern model (support vectors, dual coefficients, ρ per pair).
    pub fn model(&self) -> &SvmModel<VectorKernel, DataSet> {
        &self.model
    }

    /// The decision value of each class pair (LIBSVM's order) at each record.
    pub fn decision_function<D: Data<Elem = F>>(&self, x: &ArrayBase<D, Ix2>) -> Array2<F> {
        let values = self.model.decision_values(&to_test_set(x, self.n_features()), self.par);
        Array2::from_shape_fn((values.nrows(), values.ncols()), |(i, j)| cast(values[(i, j)]))
    }

    /// Class probabilities (columns in [`Svc::classes`] order), when fitted with `probability(true)`.
    pub fn predict_proba<D: Data<Elem = F>>(&self, x: &ArrayBase<D, Ix2>) -> Option<Array2<F>> {
        let p = self.model.predict_proba(&to_test_set(x, self.n_features()), self.par)?;
        Some(Array2::from_shape_fn((p.nrows(), p.ncols()), |(i, j)| cast(p[(i, j)])))
    }

    /// Number of support vectors.
    pub fn n_support(&self) -> usize {
        self.model.n_sv()
    }

    fn n_features(&self) -> usize {
        self.model.support_vectors.n_features()
    }
}

impl<F: Float, L> SvcParams<F, L> {
    kernel_builder!();
    smo_builder!();

    /// Cost C of a C-SVC (1).
    pub fn c(mut self, c: F) -> Self {
        self.0.spec.task = Task::Svc;
        self.0.spec.svm.c = to_f64(c);
        self.0.pos_neg = None;
        self
    }

    /// Train a ν-SVC with this ν ∈ (0, 1] instead of a C-SVC.
    pub fn nu(mut self, nu: F) -> Self {
        self.0.spec.task = Task::Nusvc;
        self.0.spec.svm.nu = to_f64(nu);
        self.0.pos_neg = None;
        self
    }

    /// Two classes: cost `c_pos` for the greater label (`true` of bools),
    /// `c_neg` for the other, as linfa-svm's `pos_neg_weights`.
    pub fn pos_neg_weights(mut self, c_pos: F, c_neg: F) -> Self {
        self.0.spec.task = Task::Svc;
        self.0.spec.svm.c = 1.0;
        self.0.pos_neg = Some((to_f64(c_pos), to_f64(c_neg)));
        self
    }

    /// linfa-svm's Gaussian kernel `exp(−‖x − y‖² / eps)`: an RBF kernel with gamma `1/eps`.
    pub fn gaussian_kernel(self, eps: F) -> Self {
        self.kernel(crate::KernelKind::Rbf).gamma(F::one() / eps)
    }

    /// linfa-svm's name for the stopping tolerance ([`SvcParams::tol`]).
    pub fn eps(self, eps: F) -> Self {
        self.tol(eps)
    }

    /// Fit Platt-scaled probabilities on internal 5-fold cross-validation (off).
    pub fn probability(mut self, probability: bool) -> Self {
        self.0.spec.svm.probability = probability;
        self
    }
}

impl<F, L> ParamGuard for SvcParams<F, L> {
    type Checked = SvcValid<F, L>;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        check_kernel(&self.0.spec)?;
        svm_params(&self.0.spec, &[])?;
        if let Some((c_pos, c_neg)) = self.0.pos_neg {
            for (name, c) in [("C₊", c_pos), ("C₋", c_neg)] {
                if !(c.is_finite() && c > 0.0) {
                    let reason = "must be positive and finite";
                    return Err(SolverError::InvalidParameter { name, value: c, reason }.into());
                }
            }
        }
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl<F, L> SvcValid<F, L> {
    /// The fit's description for `n_classes` classes coded `0..n_classes`
    /// (sorted, so code 1 of two is the greater label).
    pub(super) fn spec(&self, n_classes: usize) -> Result<FitSpec> {
        let mut spec = self.spec.clone();
        if let Some((c_pos, c_neg)) = self.pos_neg {
            if n_classes != 2 {
                return Err(Error::Usage(format!("pos_neg_weights needs two classes, not {n_classes}")));
            }
            spec.svm.class_weight = vec![("1".into(), c_pos), ("0".into(), c_neg)];
        }
        Ok(spec)
    }
}

/// The distinct labels, sorted, and each record's class targets.
pub(super) fn class_targets<R: Records, L: Label, T: AsSingleTargets<Elem = L>>(
    dataset: &DatasetBase<R, T>,
) -> Result<(Vec<L>, Targets)> {
    let (classes, codes) = code_classes(dataset.as_single_targets().iter().cloned(), ClassOrder::Sorted);
    let targets = coded_targets(codes, classes.len())?;
    Ok((classes, targets))
}

/// The SVM of a fitted estimator (an SVM spec fits one).
pub(super) fn svm_of(estimator: Estimator) -> SvmModel<VectorKernel, DataSet> {
    match estimator {
        Estimator::Svm { model, .. } => model,
        _ => unreachable!("an SVM task fits an SVM"),
    }
}

impl<F: Float, L: Label, D: Data<Elem = F>, T: AsSingleTargets<Elem = L>> Fit<ArrayBase<D, Ix2>, T, Error>
    for SvcValid<F, L>
{
    type Object = Svc<F, L>;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<Svc<F, L>> {
        let x = to_dataset(dataset.records())?;
        let (classes, targets) = class_targets(dataset)?;
        let model = svm_of(fit_records(&self.spec(classes.len())?, x, &targets, dataset.weights(), self.par)?);
        Ok(Svc { model, classes, par: self.par, marker: PhantomData })
    }
}

impl<F: Float, L: Label, D: Data<Elem = F>> PredictInplace<ArrayBase<D, Ix2>, Array1<L>> for Svc<F, L> {
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<L>) {
        assert_eq!(x.nrows(), y.len(), "one target per record");
        let codes = self.model.predict_classes(&to_test_set(x, self.n_features()), self.par);
        y.iter_mut().zip(codes).for_each(|(y, c)| *y = self.classes[c].clone());
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<L> {
        Array1::default(x.nsamples())
    }
}

/// The hyperparameters of a [`Svr`], checked when it is fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct SvrParams<F>(SvrValid<F>);

/// Checked [`SvrParams`].
#[derive(Clone, Debug, PartialEq)]
pub struct SvrValid<F> {
    pub(super) spec: FitSpec,
    pub(super) par: Par,
    pub(super) marker: PhantomData<F>,
}

/// A fitted support vector regressor (ε-SVR, or ν-SVR when `nu` is set).
///
/// ```
/// use linfa::prelude::*;
/// use ndarray::{Array1, Array2};
///
/// let x = Array2::from_shape_fn((40, 1), |(i, _)| i as f64 / 8.0);
/// let y: Array1<f64> = x.column(0).mapv(f64::sin);
/// let model = kern::Svr::params().gamma(1.0).c(10.0).epsilon(0.01).fit(&Dataset::new(x.clone(), y.clone()))?;
/// assert!(model.predict(&x).r2(&y)? > 0.99);
/// # Ok::<(), kern::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Svr<F> {
    model: SvmModel<VectorKernel, DataSet>,
    par: Par,
    marker: PhantomData<F>,
}

impl<F: Float> Svr<F> {
    /// An ε-SVR with C = 1, ε = 0.1 and an RBF kernel of gamma `1/n_features`, as LIBSVM's defaults.
    pub fn params() -> SvrParams<F> {
        SvrParams(SvrValid { spec: FitSpec::new(Task::Svr), par: default_par(), marker: PhantomData })
    }

    /// The underlying kern model.
    pub fn model(&self) -> &SvmModel<VectorKernel, DataSet> {
        &self.model
    }

    /// Number of support vectors.
    pub fn n_support(&self) -> usize {
        self.model.n_sv()
    }
}

impl<F: Float> SvrParams<F> {
    kernel_builder!();
    smo_builder!();

    /// Cost C (1).
    pub fn c(mut self, c: F) -> Self {
        self.0.spec.svm.c = to_f64(c);
        self
    }

    /// Half-width ε of the insensitive tube (0.1); makes it an ε-SVR.
    pub fn epsilon(mut self, epsilon: F) -> Self {
        self.0.spec.task = Task::Svr;
        self.0.spec.svm.epsilon = to_f64(epsilon);
        self
    }

    /// Train a ν-SVR with this ν ∈ (0, 1] (the tube's width is then fitted).
    pub fn nu(mut self, nu: F) -> Self {
        self.0.spec.task = Task::Nusvr;
        self.0.spec.svm.nu = to_f64(nu);
        self
    }

    /// The Laplace noise scale of the residuals (LIBSVM's `-b 1` for regression).
    pub fn probability(mut self, probability: bool) -> Self {
        self.0.spec.svm.probability = probability;
        self
    }
}

impl<F> ParamGuard for SvrParams<F> {
    type Checked = SvrValid<F>;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        check_kernel(&self.0.spec)?;
        svm_params(&self.0.spec, &[])?;
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl<F: Float, D: Data<Elem = F>, T: AsSingleTargets<Elem = F>> Fit<ArrayBase<D, Ix2>, T, Error> for SvrValid<F> {
    type Object = Svr<F>;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<Svr<F>> {
        let x = to_dataset(dataset.records())?;
        let targets = Targets::Values(as_f64(dataset.as_single_targets()));
        let model = svm_of(fit_records(&self.spec, x, &targets, dataset.weights(), self.par)?);
        Ok(Svr { model, par: self.par, marker: PhantomData })
    }
}

impl<F: Float, D: Data<Elem = F>> PredictInplace<ArrayBase<D, Ix2>, Array1<F>> for Svr<F> {
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<F>) {
        assert_eq!(x.nrows(), y.len(), "one target per record");
        let test = to_test_set(x, self.model.support_vectors.n_features());
        y.iter_mut().zip(self.model.predict_values(&test, self.par)).for_each(|(y, v)| *y = cast(v));
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<F> {
        Array1::zeros(x.nsamples())
    }
}

/// The hyperparameters of a [`OneClassSvm`], checked when it is fitted.
#[derive(Clone, Debug, PartialEq)]
pub struct OneClassSvmParams<F>(OneClassSvmValid<F>);

/// Checked [`OneClassSvmParams`].
#[derive(Clone, Debug, PartialEq)]
pub struct OneClassSvmValid<F> {
    spec: FitSpec,
    par: Par,
    marker: PhantomData<F>,
}

/// A fitted one-class SVM (Schölkopf et al.): predicts `true` for records
/// inside the estimated support. Targets of the dataset are ignored.
///
/// ```
/// use linfa::prelude::*;
/// use ndarray::{Array2, array};
///
/// let x = Array2::from_shape_fn((50, 2), |(i, j)| ((i * 7 + j * 3) % 10) as f64 / 10.0);
/// let model = kern::OneClassSvm::params().nu(0.1).gamma(1.0).fit(&DatasetBase::from(x))?;
/// assert_eq!(model.predict(&array![[0.5, 0.5], [9.0, 9.0]]), array![true, false]);
/// # Ok::<(), kern::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct OneClassSvm<F> {
    model: SvmModel<VectorKernel, DataSet>,
    par: Par,
    marker: PhantomData<F>,
}

impl<F: Float> OneClassSvm<F> {
    /// ν = 0.5 and an RBF kernel of gamma `1/n_features`, as LIBSVM's defaults.
    pub fn params() -> OneClassSvmParams<F> {
        OneClassSvmParams(OneClassSvmValid {
            spec: FitSpec::new(Task::Oneclass),
            par: default_par(),
            marker: PhantomData,
        })
    }

    /// The decision value at each record (positive inside the support).
    pub fn decision_function<D: Data<Elem = F>>(&self, x: &ArrayBase<D, Ix2>) -> Array1<F> {
        let test = to_test_set(x, self.model.support_vectors.n_features());
        self.model.predict_values(&test, self.par).into_iter().map(cast).collect()
    }

    /// The underlying kern model.
    pub fn model(&self) -> &SvmModel<VectorKernel, DataSet> {
        &self.model
    }
}

impl<F: Float> OneClassSvmParams<F> {
    kernel_builder!();
    smo_builder!();

    /// ν ∈ (0, 1]: an upper bound on the fraction of outliers (0.5).
    pub fn nu(mut self, nu: F) -> Self {
        self.0.spec.svm.nu = to_f64(nu);
        self
    }
}

impl<F> ParamGuard for OneClassSvmParams<F> {
    type Checked = OneClassSvmValid<F>;
    type Error = Error;

    fn check_ref(&self) -> Result<&Self::Checked> {
        check_kernel(&self.0.spec)?;
        svm_params(&self.0.spec, &[])?;
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl<F: Float, D: Data<Elem = F>, T> Fit<ArrayBase<D, Ix2>, T, Error> for OneClassSvmValid<F> {
    type Object = OneClassSvm<F>;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<OneClassSvm<F>> {
        let x = to_dataset(dataset.records())?;
        let model = svm_of(fit_records(&self.spec, x, &Targets::Unlabelled, dataset.weights(), self.par)?);
        Ok(OneClassSvm { model, par: self.par, marker: PhantomData })
    }
}

impl<F: Float, D: Data<Elem = F>> PredictInplace<ArrayBase<D, Ix2>, Array1<bool>> for OneClassSvm<F> {
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<bool>) {
        assert_eq!(x.nrows(), y.len(), "one target per record");
        let values = self.decision_function(x);
        y.iter_mut().zip(values).for_each(|(y, v)| *y = v > F::zero());
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<bool> {
        Array1::default(x.nsamples())
    }
}
