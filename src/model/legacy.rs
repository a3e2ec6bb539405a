//! The layouts of older binary model files, read and turned into today's
//! [`Model`]. Postcard stores no field names, so each old layout is spelt out:
//! format 1 lacks [`super::InputSchema::scaling`]; formats 1 and 2 lack
//! [`GpModel::weights`], [`KernelRidgeModel::weights`] and
//! [`Model::calibration`]; format 3 lacks [`SgprModel::dense_mean`]; formats
//! 3 to 5 lack [`SgprModel::widened`] (4 and 5 differ in variants added at
//! the end only, which postcard reads alike); formats 1 to 6 lack
//! [`KernelRidgeModel::target_mean`], [`FalkonModel::target_mean`] and the
//! ridge head's ([`LinearHead::Ridge`]).

use kern_kernels::{DataSet, GraphKernel, Graphs, Sequences, StringKernel, VectorKernel};
use kern_solvers::falkon::FalkonModel;
use kern_solvers::gp::{FeatureGpModel, FeatureGpcModel, FixedGpModel, FixedGpcModel, GpcModel, SgprModel, Widening};
use kern_solvers::linear::{LinearSvmModel, LinearSvrModel};
use kern_solvers::{GpModel, KernelRidge, KernelRidgeModel, SvmModel};
use serde::Deserialize;

use super::{ApproxMap, Calibration, Estimator, InputSchema, LinearHead, Machine, Model, Origin};
use crate::io::{CsvSchema, Format, SequenceOptions};

/// Format 1.
#[derive(Deserialize)]
pub(super) struct ModelV1 {
    format_version: u32,
    kern_version: String,
    n_features: usize,
    input: InputSchemaV1,
    estimator: EstimatorV2,
    origin: Origin,
}

#[derive(Deserialize)]
struct InputSchemaV1 {
    format: Format,
    csv: Option<CsvSchema>,
}

/// Format 2.
#[derive(Deserialize)]
pub(super) struct ModelV2 {
    format_version: u32,
    kern_version: String,
    n_features: usize,
    input: InputSchema,
    estimator: EstimatorV2,
    origin: Origin,
}

/// [`Estimator`] in the same variant order, its GP without sample weights.
#[derive(Deserialize)]
enum EstimatorV2 {
    KernelRidge(KernelRidgeV2<VectorKernel, DataSet>),
    Svm { model: SvmModel<VectorKernel, DataSet>, classes: Vec<String> },
    Gp(GpModelV2),
    Gpc { model: GpcModel, classes: Vec<String> },
    Approx { kernel: VectorKernel, map: ApproxMap, head: LinearHeadV6 },
    Falkon { model: FalkonModelV6, classes: Vec<String> },
    Sequences { machine: MachineV2<StringKernel, Sequences>, read: SequenceOptions },
    Graphs(MachineV2<GraphKernel, Graphs>),
}

/// [`Machine`] in the same variant order, its kernel ridge `R` of its day.
#[derive(Deserialize)]
enum MachineOld<K, S, R> {
    Svm { model: SvmModel<K, S>, classes: Vec<String> },
    KernelRidge(R),
    Gp(FixedGpModel<K, S>),
    Gpc { model: FixedGpcModel<K, S>, classes: Vec<String> },
}

/// Formats 1 and 2: kernel ridge without weights.
type MachineV2<K, S> = MachineOld<K, S, KernelRidgeV2<K, S>>;

/// Formats 3 to 6: kernel ridge without its targets' mean.
type MachineV6<K, S> = MachineOld<K, S, KernelRidgeV6<K, S>>;

/// [`KernelRidgeModel`] before sample weights.
#[derive(Deserialize)]
struct KernelRidgeV2<K, S> {
    kernel: K,
    train: S,
    params: KernelRidge,
    dual_coef: Vec<f64>,
    n_targets: usize,
}

/// [`KernelRidgeModel`] before its targets' mean.
#[derive(Deserialize)]
struct KernelRidgeV6<K, S> {
    kernel: K,
    train: S,
    params: KernelRidge,
    dual_coef: Vec<f64>,
    n_targets: usize,
    weights: Vec<f64>,
}

impl<K, S> From<KernelRidgeV2<K, S>> for KernelRidgeModel<K, S> {
    fn from(m: KernelRidgeV2<K, S>) -> Self {
        let KernelRidgeV2 { kernel, train, params, dual_coef, n_targets } = m;
        KernelRidgeV6 { kernel, train, params, dual_coef, n_targets, weights: Vec::new() }.into()
    }
}

impl<K, S> From<KernelRidgeV6<K, S>> for KernelRidgeModel<K, S> {
    fn from(m: KernelRidgeV6<K, S>) -> Self {
        let KernelRidgeV6 { kernel, train, params, dual_coef, n_targets, weights } = m;
        KernelRidgeModel { kernel, train, params, dual_coef, n_targets, weights, target_mean: Vec::new() }
    }
}

impl<K, S, R: Into<KernelRidgeModel<K, S>>> From<MachineOld<K, S, R>> for Machine<K, S> {
    fn from(m: MachineOld<K, S, R>) -> Self {
        match m {
            MachineOld::Svm { model, classes } => Machine::Svm { model, classes },
            MachineOld::KernelRidge(m) => Machine::KernelRidge(m.into()),
            MachineOld::Gp(m) => Machine::Gp(m),
            MachineOld::Gpc { model, classes } => Machine::Gpc { model, classes },
        }
    }
}

/// [`LinearHead`] in the same variant order, its ridge without the
/// targets' mean (formats 1 to 6).
#[derive(Deserialize)]
enum LinearHeadV6 {
    Ridge { coef: Vec<f64>, n_targets: usize, alpha: f64 },
    Svm { model: LinearSvmModel, classes: Vec<String> },
    Svr { model: LinearSvrModel },
    RidgeClassifier { coef: Vec<f64>, n_targets: usize, alpha: f64, classes: Vec<String> },
}

impl From<LinearHeadV6> for LinearHead {
    fn from(h: LinearHeadV6) -> Self {
        match h {
            LinearHeadV6::Ridge { coef, n_targets, alpha } => {
                LinearHead::Ridge { coef, n_targets, alpha, target_mean: Vec::new() }
            }
            LinearHeadV6::Svm { model, classes } => LinearHead::Svm { model, classes },
            LinearHeadV6::Svr { model } => LinearHead::Svr { model },
            LinearHeadV6::RidgeClassifier { coef, n_targets, alpha, classes } => {
                LinearHead::RidgeClassifier { coef, n_targets, alpha, classes }
            }
        }
    }
}

/// [`FalkonModel`] before its targets' mean (formats 1 to 6).
#[derive(Deserialize)]
pub(super) struct FalkonModelV6 {
    kernel: VectorKernel,
    centers: DataSet,
    coef: Vec<f64>,
    n_targets: usize,
    iterations: usize,
    relative_residuals: Vec<f64>,
}

impl From<FalkonModelV6> for FalkonModel {
    fn from(m: FalkonModelV6) -> Self {
        let FalkonModelV6 { kernel, centers, coef, n_targets, iterations, relative_residuals } = m;
        FalkonModel {
            kernel,
            centers,
            coef,
            n_targets,
            iterations,
            relative_residuals,
            target_mean: Vec::new(),
            stopped_because: None,
        }
    }
}

/// [`GpModel`] before sample weights.
#[derive(Deserialize)]
struct GpModelV2 {
    kernel: VectorKernel,
    noise: f64,
    train: DataSet,
    alpha: Vec<f64>,
    y_mean: f64,
    y_scale: f64,
    log_marginal_likelihood: f64,
    jitter: f64,
    evaluations: usize,
}

impl From<EstimatorV2> for Estimator {
    fn from(e: EstimatorV2) -> Self {
        match e {
            EstimatorV2::KernelRidge(m) => Estimator::KernelRidge(m.into()),
            EstimatorV2::Svm { model, classes } => Estimator::Svm { model, classes },
            EstimatorV2::Gp(m) => Estimator::Gp(GpModel {
                kernel: m.kernel,
                noise: m.noise,
                train: m.train,
                alpha: m.alpha,
                y_mean: m.y_mean,
                y_scale: m.y_scale,
                log_marginal_likelihood: m.log_marginal_likelihood,
                jitter: m.jitter,
                evaluations: m.evaluations,
                weights: Vec::new(),
            }),
            EstimatorV2::Gpc { model, classes } => Estimator::Gpc { model, classes },
            EstimatorV2::Approx { kernel, map, head } => Estimator::Approx { kernel, map, head: head.into() },
            EstimatorV2::Falkon { model, classes } => Estimator::Falkon { model: model.into(), classes },
            EstimatorV2::Sequences { machine, read } => Estimator::Sequences { machine: machine.into(), read },
            EstimatorV2::Graphs(machine) => Estimator::Graphs(machine.into()),
        }
    }
}

impl From<ModelV1> for Model {
    fn from(m: ModelV1) -> Self {
        let input = InputSchema { format: m.input.format, csv: m.input.csv, scaling: None };
        let v2 = ModelV2 {
            format_version: m.format_version,
            kern_version: m.kern_version,
            n_features: m.n_features,
            input,
            estimator: m.estimator,
            origin: m.origin,
        };
        v2.into()
    }
}

impl From<ModelV2> for Model {
    fn from(m: ModelV2) -> Self {
        Model {
            format_version: m.format_version,
            kern_version: m.kern_version,
            n_features: m.n_features,
            input: m.input,
            estimator: m.estimator.into(),
            origin: m.origin,
            calibration: None,
        }
    }
}

/// Formats 3 to 6: today's layout with the sparse GP `G` of its day, and
/// kernel ridge and Falkon without their targets' mean.
#[derive(Deserialize)]
pub(super) struct ModelV3<G = SgprModelV3> {
    format_version: u32,
    kern_version: String,
    n_features: usize,
    input: InputSchema,
    estimator: EstimatorV3<G>,
    origin: Origin,
    calibration: Option<Calibration>,
}

/// Formats 4 and 5.
pub(super) type ModelV5 = ModelV3<SgprModelV5>;

/// Format 6.
pub(super) type ModelV6 = ModelV3<SgprModelV6>;

/// [`Estimator`] in the same variant order (those of format 5 added at the
/// end), its sparse GP `G`.
#[derive(Deserialize)]
enum EstimatorV3<G> {
    KernelRidge(KernelRidgeV6<VectorKernel, DataSet>),
    Svm { model: SvmModel<VectorKernel, DataSet>, classes: Vec<String> },
    Gp(GpModel),
    Gpc { model: GpcModel, classes: Vec<String> },
    Approx { kernel: VectorKernel, map: ApproxMap, head: LinearHeadV6 },
    Falkon { model: FalkonModelV6, classes: Vec<String> },
    Sequences { machine: MachineV6<StringKernel, Sequences>, read: SequenceOptions },
    Graphs(MachineV6<GraphKernel, Graphs>),
    Sgpr(G),
    FeatureGp(FeatureGpModel),
    FeatureGpc { model: FeatureGpcModel, classes: Vec<String> },
}

/// [`SgprModel`] before its dense mean.
#[derive(Deserialize)]
pub(super) struct SgprModelV3 {
    kernel: VectorKernel,
    noise: f64,
    inducing: DataSet,
    mean: Vec<f64>,
    factors: [Vec<f64>; 2],
    y_mean: f64,
    y_scale: f64,
    elbo: f64,
    jitter: f64,
    evaluations: usize,
}

/// [`SgprModel`] before its fit record ([`SgprModel::widened`]): format 3's
/// fields, then the dense mean (postcard writes a nested struct's fields in
/// place, so the layouts are the same).
#[derive(Deserialize)]
pub(super) struct SgprModelV5 {
    base: SgprModelV3,
    dense_mean: Option<Box<FalkonModelV6>>,
}

/// [`SgprModel`] of format 6: its dense mean without the targets' mean.
#[derive(Deserialize)]
pub(super) struct SgprModelV6 {
    v5: SgprModelV5,
    widened: Option<Widening>,
}

impl From<SgprModelV6> for SgprModel {
    fn from(g: SgprModelV6) -> Self {
        SgprModel { widened: g.widened, ..g.v5.into() }
    }
}

impl From<SgprModelV3> for SgprModel {
    fn from(base: SgprModelV3) -> Self {
        SgprModelV5 { base, dense_mean: None }.into()
    }
}

impl From<SgprModelV5> for SgprModel {
    fn from(g: SgprModelV5) -> Self {
        let SgprModelV3 { kernel, noise, inducing, mean, factors, y_mean, y_scale, elbo, jitter, evaluations } = g.base;
        SgprModel {
            kernel,
            noise,
            inducing,
            mean,
            factors,
            y_mean,
            y_scale,
            elbo,
            jitter,
            evaluations,
            dense_mean: g.dense_mean.map(|m| Box::new((*m).into())),
            widened: None,
        }
    }
}

impl<G: Into<SgprModel>> From<ModelV3<G>> for Model {
    fn from(m: ModelV3<G>) -> Self {
        let estimator = match m.estimator {
            EstimatorV3::KernelRidge(m) => Estimator::KernelRidge(m.into()),
            EstimatorV3::Svm { model, classes } => Estimator::Svm { model, classes },
            EstimatorV3::Gp(m) => Estimator::Gp(m),
            EstimatorV3::Gpc { model, classes } => Estimator::Gpc { model, classes },
            EstimatorV3::Approx { kernel, map, head } => Estimator::Approx { kernel, map, head: head.into() },
            EstimatorV3::Falkon { model, classes } => Estimator::Falkon { model: model.into(), classes },
            EstimatorV3::Sequences { machine, read } => Estimator::Sequences { machine: machine.into(), read },
            EstimatorV3::Graphs(machine) => Estimator::Graphs(machine.into()),
            EstimatorV3::Sgpr(g) => Estimator::Sgpr(g.into()),
            EstimatorV3::FeatureGp(m) => Estimator::FeatureGp(m),
            EstimatorV3::FeatureGpc { model, classes } => Estimator::FeatureGpc { model, classes },
        };
        Model {
            format_version: m.format_version,
            kern_version: m.kern_version,
            n_features: m.n_features,
            input: m.input,
            estimator,
            origin: m.origin,
            calibration: m.calibration,
        }
    }
}
