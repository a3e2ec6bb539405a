//! String and graph kernels from Python: a list of `bytes` (sequences) or of
//! `(node_labels, edges)` pairs (graphs) fitted and predicted through the
//! engine's `Learnable` samples.

use numpy::{PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use kern::io::{Inputs, SequenceOptions};
use kern::model::{Estimator, InputSchema, Machine, Model, Prediction};
use kern::train::{Learnable, Notices, Targets};
use kern::{Graph, Graphs, Sequences};

use super::{Fitted, detached, mat_array, slice, targets, value_error};

/// A graph as Python gives it: node labels and `(u, v)` edges.
type PyGraph = (Vec<i64>, Vec<(usize, usize)>);

/// Samples of a string or graph kernel, as Python gives them.
#[derive(FromPyObject)]
pub(crate) enum Structured {
    Sequences(Vec<Vec<u8>>),
    Graphs(Vec<PyGraph>),
}

impl Structured {
    fn inputs(self) -> PyResult<Inputs> {
        Ok(match self {
            Structured::Sequences(s) => Inputs::Sequences(Sequences::new(s)),
            Structured::Graphs(g) => {
                let graph = |(labels, edges): PyGraph| {
                    let edges: Vec<(usize, usize, Option<i64>)> =
                        edges.into_iter().map(|(u, v)| (u, v, None)).collect();
                    Graph::new(labels, &edges).map_err(value_error)
                };
                Inputs::Graphs(Graphs::new(g.into_iter().map(graph).collect::<PyResult<Vec<_>>>()?))
            }
        })
    }
}

/// Fits `spec`'s machine on samples of one kind.
fn fit_learnable<S: Learnable<Fitted = Machine<<S as Learnable>::Kernel, S>>>(
    spec: &kern::train::FitSpec,
    x: S,
    targets: &Targets,
    weights: Option<&[f64]>,
    par: kern::Par,
) -> kern::Result<Machine<S::Kernel, S>> {
    let kernel = S::kernel(spec, &x)?;
    S::fit(spec, &kernel, x, targets, weights, par, &Notices::default())
}

/// Fits `task` with a string or graph kernel (as [`super::fit`]).
#[pyfunction]
#[pyo3(signature = (task, x, y, classes, weights, params, threads))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_structured(
    py: Python<'_>,
    task: &str,
    x: Structured,
    y: Option<PyReadonlyArray1<'_, f64>>,
    classes: Vec<String>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    params: &Bound<'_, PyDict>,
    threads: usize,
) -> PyResult<Fitted> {
    let (spec, targets) = targets(task, y, classes, params)?;
    let weights = weights.as_ref().map(slice).transpose()?.map(<[f64]>::to_vec);
    let w = weights.as_deref();
    let estimator = match x.inputs()? {
        Inputs::Sequences(x) => detached(py, threads, |par| fit_learnable(&spec, x, &targets, w, par))?
            .map(|machine| Estimator::Sequences { machine, read: SequenceOptions::default() }),
        Inputs::Graphs(x) => {
            detached(py, threads, |par| fit_learnable(&spec, x, &targets, w, par))?.map(Estimator::Graphs)
        }
        Inputs::Vectors(_) => unreachable!("structured samples"),
    }
    .map_err(value_error)?;
    let input = InputSchema { format: kern::io::Format::Tu, csv: None, scaling: None };
    Ok(Fitted { model: Model::new(0, input, estimator) })
}

/// Predicted class codes or values for structured samples.
pub(crate) fn predict<'py>(
    model: &Model,
    py: Python<'py>,
    x: Structured,
    threads: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let x = x.inputs()?;
    let classes = model.estimator.classes().to_vec();
    let values = match detached(py, threads, |par| model.predict(&x, par))?.map_err(value_error)? {
        Prediction::Values(m) => m.col(0).iter().copied().collect(),
        Prediction::Classes(names, _) => {
            names.iter().map(|n| classes.iter().position(|c| c == n).unwrap_or(0) as f64).collect()
        }
    };
    Ok(PyArray1::from_vec(py, values))
}

/// An SVM's decision values (`n × pairs`) for structured samples.
pub(crate) fn decision_values<'py>(
    model: &Model,
    py: Python<'py>,
    x: Structured,
    threads: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let m = match (&model.estimator, x.inputs()?) {
        (Estimator::Sequences { machine: Machine::Svm { model, .. }, .. }, Inputs::Sequences(x)) => {
            detached(py, threads, |par| model.decision_values(&x, par))?
        }
        (Estimator::Graphs(Machine::Svm { model, .. }), Inputs::Graphs(x)) => {
            detached(py, threads, |par| model.decision_values(&x, par))?
        }
        _ => return Err(value_error("decision values need an SVM fitted on samples of this kind")),
    };
    mat_array(py, &m)
}

/// An SVM's support indices, dual coefficients, rho per pair and support
/// vectors per class, on structured samples.
pub(crate) type SvmParts = (Vec<usize>, Vec<Vec<f64>>, Vec<f64>, Vec<usize>);

fn parts<K, S>(m: &kern::solvers::SvmModel<K, S>) -> SvmParts {
    (m.sv_indices.clone(), m.sv_coef.clone(), m.pairs.iter().map(|p| p.rho).collect(), m.n_support.clone())
}

/// The parts of a structured SVM (`None` for any other model).
pub(crate) fn svm_parts(model: &Model) -> Option<SvmParts> {
    match &model.estimator {
        Estimator::Sequences { machine: Machine::Svm { model, .. }, .. } => Some(parts(model)),
        Estimator::Graphs(Machine::Svm { model, .. }) => Some(parts(model)),
        _ => None,
    }
}
