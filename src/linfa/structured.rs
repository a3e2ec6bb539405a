//! Sequences and graphs as linfa records, so that string- and graph-kernel
//! estimators fit on a linfa `DatasetBase` as vector ones do.
//!
//! ```
//! use linfa::prelude::*;
//! use kern::linfa::SequenceRecords;
//! use ndarray::array;
//!
//! let x = SequenceRecords::new(["GATTACA", "GATTAGA", "CCCGCGC", "CGCGCCC"]);
//! let dataset = DatasetBase::new(x, array![true, true, false, false]);
//! let model = kern::Svc::params().kernel(kern::KernelKind::Spectrum).k(2).c(10.0).fit(&dataset)?;
//! assert_eq!(model.predict(&SequenceRecords::new(["TTACAGA", "GCGCGCC"])), array![true, false]);
//! # Ok::<(), kern::Error>(())
//! ```
//!
//! The builders' kernel is named with `.kernel(..)`: spectrum, mismatch, wd
//! or ssk for sequences, wl, sp or rw for graphs, with their parameters from
//! `.k(..)`, `.mismatches(..)`, `.alphabet(..)`, `.degree(..)`, `.shift(..)`,
//! `.lambda(..)`, `.wl_rounds(..)` and `.normalize(..)` (the `kern` CLI's
//! `--k`, `--m`, ... with the same defaults). [`Svc`](crate::Svc),
//! [`Svr`](crate::Svr) and [`KernelRidge`](crate::KernelRidge) take these
//! records; they compute on the CPU.

use faer::Mat;
use kern_kernels::{Graph, GraphKernel, Graphs, Kernel, Par, Sequences, StringKernel};
use kern_solvers::{KernelRidgeModel, SvmModel};
use linfa::dataset::{AsSingleTargets, DatasetBase, Label, Records};
use linfa::traits::{Fit, Predict, PredictInplace};
use ndarray::Array1;

use super::ridge::KernelRidgeValid;
use super::svm::{SvcValid, SvrValid, class_targets};
use crate::error::{Error, Result};
use crate::model::Machine;
use crate::train::{FitSpec, Learnable, Notices, Targets};

/// Byte sequences (DNA, protein, text) as linfa records.
#[derive(Clone, Debug, PartialEq)]
pub struct SequenceRecords(Sequences);

impl SequenceRecords {
    /// The records `items`, one sequence each.
    ///
    /// ```
    /// let x = kern::linfa::SequenceRecords::new(["ACGT", "GGA"]);
    /// assert_eq!(linfa::dataset::Records::nsamples(&x), 2);
    /// ```
    pub fn new<T: AsRef<[u8]>>(items: impl IntoIterator<Item = T>) -> Self {
        Self(Sequences::new(items))
    }

    /// The sequences.
    pub fn sequences(&self) -> &Sequences {
        &self.0
    }
}

impl From<Sequences> for SequenceRecords {
    fn from(sequences: Sequences) -> Self {
        Self(sequences)
    }
}

impl Records for SequenceRecords {
    type Elem = u8;

    fn nsamples(&self) -> usize {
        self.0.len()
    }

    /// One sequence per record.
    fn nfeatures(&self) -> usize {
        1
    }
}

/// Node-labelled graphs as linfa records.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphRecords(Graphs);

impl GraphRecords {
    /// The records `graphs`, one graph each.
    ///
    /// ```
    /// use kern::kernels::Graph;
    /// let triangle = Graph::new(vec![0, 0, 1], &[(0, 1, None), (1, 2, None), (2, 0, None)])?;
    /// let x = kern::linfa::GraphRecords::new(vec![triangle]);
    /// assert_eq!(linfa::dataset::Records::nsamples(&x), 1);
    /// # Ok::<(), String>(())
    /// ```
    pub fn new(graphs: Vec<Graph>) -> Self {
        Self(Graphs::new(graphs))
    }

    /// The graphs.
    pub fn graphs(&self) -> &Graphs {
        &self.0
    }
}

impl From<Graphs> for GraphRecords {
    fn from(graphs: Graphs) -> Self {
        Self(graphs)
    }
}

impl Records for GraphRecords {
    type Elem = i64;

    fn nsamples(&self) -> usize {
        self.0.len()
    }

    /// One graph per record.
    fn nfeatures(&self) -> usize {
        1
    }
}

/// Records of structured samples: what they hold, learnt from as
/// [`Learnable`] samples. Implemented by [`SequenceRecords`] and [`GraphRecords`].
pub trait StructuredRecords: Records + private::Sealed {
    /// The kernels on the samples.
    type Kernel: Kernel<Self::Samples> + Clone + PartialEq + std::fmt::Debug;
    /// The samples the kernels take.
    type Samples: Learnable<Kernel = Self::Kernel, Fitted = Machine<Self::Kernel, Self::Samples>>
        + Clone
        + PartialEq
        + std::fmt::Debug;

    /// The samples.
    fn samples(&self) -> &Self::Samples;
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::SequenceRecords {}
    impl Sealed for super::GraphRecords {}
}

impl StructuredRecords for SequenceRecords {
    type Kernel = StringKernel;
    type Samples = Sequences;

    fn samples(&self) -> &Sequences {
        &self.0
    }
}

impl StructuredRecords for GraphRecords {
    type Kernel = GraphKernel;
    type Samples = Graphs;

    fn samples(&self) -> &Graphs {
        &self.0
    }
}

/// Fits `spec` on the records through the engine.
fn fit_structured<R: StructuredRecords>(
    spec: &FitSpec,
    records: &R,
    targets: &Targets,
    weights: Option<&[f32]>,
    par: Par,
) -> Result<Machine<R::Kernel, R::Samples>> {
    let all = records.samples();
    let (x, targets, weights) = match weights {
        None => (all.clone(), targets.clone(), None),
        Some(w) => match super::dataset_weights(w, kern_kernels::Samples::len(all))? {
            (Some(rows), kept) => (R::Samples::select(all, &rows), targets.select(&rows), Some(kept)),
            (None, kept) => (all.clone(), targets.clone(), Some(kept)),
        },
    };
    let kernel = R::Samples::kernel(spec, &x)?;
    R::Samples::fit(spec, &kernel, x, &targets, weights.as_deref(), par, &Notices::default())
}

/// An SVM classifier fitted on sequences or graphs ([`crate::Svc`] on
/// [`SequenceRecords`] or [`GraphRecords`]).
#[derive(Clone, Debug, PartialEq)]
pub struct StructuredSvc<R: StructuredRecords, L> {
    model: SvmModel<R::Kernel, R::Samples>,
    classes: Vec<L>,
    par: Par,
}

impl<R: StructuredRecords, L> StructuredSvc<R, L> {
    /// The classes, in the order of the model's codes (sorted).
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// The underlying kern model.
    pub fn model(&self) -> &SvmModel<R::Kernel, R::Samples> {
        &self.model
    }

    /// Class probabilities (columns in [`StructuredSvc::classes`] order), when fitted with `probability(true)`.
    pub fn predict_proba(&self, x: &R) -> Option<Mat<f64>> {
        self.model.predict_proba(x.samples(), self.par)
    }
}

/// A regressor fitted on sequences or graphs: [`crate::Svr`] or
/// [`crate::KernelRidge`] on [`SequenceRecords`] or [`GraphRecords`].
#[derive(Clone, Debug, PartialEq)]
pub struct StructuredRegressor<R: StructuredRecords> {
    model: RegressionModel<R::Kernel, R::Samples>,
    par: Par,
}

#[derive(Clone, Debug, PartialEq)]
enum RegressionModel<K, S> {
    Svr(SvmModel<K, S>),
    Ridge(KernelRidgeModel<K, S>),
}

impl<R: StructuredRecords> StructuredRegressor<R> {
    /// The SVR, when this is one.
    pub fn svr(&self) -> Option<&SvmModel<R::Kernel, R::Samples>> {
        match &self.model {
            RegressionModel::Svr(m) => Some(m),
            RegressionModel::Ridge(_) => None,
        }
    }

    /// The kernel ridge model, when this is one.
    pub fn kernel_ridge(&self) -> Option<&KernelRidgeModel<R::Kernel, R::Samples>> {
        match &self.model {
            RegressionModel::Ridge(m) => Some(m),
            RegressionModel::Svr(_) => None,
        }
    }
}

/// The `Fit` impls of one records type: concrete per type, so that they can
/// never overlap the impls on arrays.
macro_rules! structured_fits {
    ($records:ty) => {
        impl<L: Label, T: AsSingleTargets<Elem = L>> Fit<$records, T, Error> for SvcValid<f64, L> {
            type Object = StructuredSvc<$records, L>;

            fn fit(&self, dataset: &DatasetBase<$records, T>) -> Result<Self::Object> {
                let (classes, targets) = class_targets(dataset)?;
                let spec = self.spec(classes.len())?;
                let Machine::Svm { model, .. } =
                    fit_structured(&spec, dataset.records(), &targets, dataset.weights(), self.par)?
                else {
                    unreachable!("an SVM task fits an SVM")
                };
                Ok(StructuredSvc { model, classes, par: self.par })
            }
        }

        impl<T: AsSingleTargets<Elem = f64>> Fit<$records, T, Error> for SvrValid<f64> {
            type Object = StructuredRegressor<$records>;

            fn fit(&self, dataset: &DatasetBase<$records, T>) -> Result<Self::Object> {
                let targets = Targets::Values(dataset.as_single_targets().iter().copied().collect());
                let Machine::Svm { model, .. } =
                    fit_structured(&self.spec, dataset.records(), &targets, dataset.weights(), self.par)?
                else {
                    unreachable!("an SVM task fits an SVM")
                };
                Ok(StructuredRegressor { model: RegressionModel::Svr(model), par: self.par })
            }
        }

        impl<T: AsSingleTargets<Elem = f64>> Fit<$records, T, Error> for KernelRidgeValid<f64> {
            type Object = StructuredRegressor<$records>;

            fn fit(&self, dataset: &DatasetBase<$records, T>) -> Result<Self::Object> {
                let targets = Targets::Values(dataset.as_single_targets().iter().copied().collect());
                let Machine::KernelRidge(model) =
                    fit_structured(&self.spec, dataset.records(), &targets, dataset.weights(), self.par)?
                else {
                    unreachable!("kernel ridge fits kernel ridge")
                };
                Ok(StructuredRegressor { model: RegressionModel::Ridge(model), par: self.par })
            }
        }
    };
}

structured_fits!(SequenceRecords);
structured_fits!(GraphRecords);

impl<R: StructuredRecords, L: Label> PredictInplace<R, Array1<L>> for StructuredSvc<R, L> {
    fn predict_inplace(&self, x: &R, y: &mut Array1<L>) {
        assert_eq!(x.nsamples(), y.len(), "one target per record");
        let codes = self.model.predict_classes(x.samples(), self.par);
        y.iter_mut().zip(codes).for_each(|(y, c)| *y = self.classes[c].clone());
    }

    fn default_target(&self, x: &R) -> Array1<L> {
        Array1::default(x.nsamples())
    }
}

impl<R: StructuredRecords> PredictInplace<R, Array1<f64>> for StructuredRegressor<R> {
    fn predict_inplace(&self, x: &R, y: &mut Array1<f64>) {
        assert_eq!(x.nsamples(), y.len(), "one target per record");
        let values = match &self.model {
            RegressionModel::Svr(m) => m.predict_values(x.samples(), self.par),
            RegressionModel::Ridge(m) => {
                let p = m.predict(x.samples(), self.par);
                (0..p.nrows()).map(|i| p[(i, 0)]).collect()
            }
        };
        y.iter_mut().zip(values).for_each(|(y, v)| *y = v);
    }

    fn default_target(&self, x: &R) -> Array1<f64> {
        Array1::zeros(x.nsamples())
    }
}

/// `model.predict(&records)`, as on arrays (linfa itself predicts on
/// `&DatasetBase` for other records).
impl<R: StructuredRecords, L: Label> Predict<&R, Array1<L>> for StructuredSvc<R, L> {
    fn predict(&self, x: &R) -> Array1<L> {
        let mut y = self.default_target(x);
        self.predict_inplace(x, &mut y);
        y
    }
}

/// `model.predict(&records)`, as on arrays.
impl<R: StructuredRecords> Predict<&R, Array1<f64>> for StructuredRegressor<R> {
    fn predict(&self, x: &R) -> Array1<f64> {
        let mut y = self.default_target(x);
        self.predict_inplace(x, &mut y);
        y
    }
}
