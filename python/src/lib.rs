//! `kern._kern`: the engine as the Python estimators (python/kern) call it.
//! A fit turns its keyword parameters into a `FitSpec` and calls
//! `kern::train`; predictions and attributes read the fitted model. Nothing
//! here trains or predicts on its own.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use kern::io::{Data, Format, Inputs, Labels};
use kern::kernels::SparseMatrix;
use kern::model::{
    ApproxMap, Estimator, InputSchema, Model, Prediction, decode_model, encode_model, load_model, predict_estimator,
    save_model,
};
use kern::train::{Notices, Targets, Task, feature_map, fit_vectors, label_name};
use kern::{DataSet, DenseMatrix, Par};

mod params;
mod structured;

/// kern's one-line message as a `ValueError`.
fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Samples from Python: a C-contiguous 2-D float64 array, or the parts of a
/// CSR matrix with sorted, unique column indices.
#[derive(FromPyObject)]
enum Matrix<'py> {
    Dense(PyReadonlyArray2<'py, f64>),
    Csr((PyReadonlyArray1<'py, f64>, PyReadonlyArray1<'py, i64>, PyReadonlyArray1<'py, i64>, usize)),
}

impl Matrix<'_> {
    /// The samples, read at the width `d` a model was fitted on (narrower
    /// sparse rows are padded with zeros; wider ones are an error).
    fn at_width(&self, d: usize) -> PyResult<DataSet> {
        let x = self.to_dataset()?;
        if x.n_features() > d {
            return Err(value_error(format!("X has {} features, but the model was fitted on {d}", x.n_features())));
        }
        x.with_n_features(d).map_err(value_error)
    }

    fn to_dataset(&self) -> PyResult<DataSet> {
        match self {
            Matrix::Dense(a) => {
                let shape = a.shape();
                let values = a.as_slice().map_err(|_| value_error("X must be C-contiguous"))?.to_vec();
                Ok(DataSet::from(DenseMatrix::new(shape[0], shape[1], values).map_err(value_error)?))
            }
            Matrix::Csr((data, indices, indptr, n_cols)) => {
                let (data, indices, indptr) = (slice(data)?, slice(indices)?, slice(indptr)?);
                let mut m = SparseMatrix::with_cols(*n_cols);
                for r in 0..indptr.len().saturating_sub(1) {
                    let range = usize::try_from(indptr[r]).ok().zip(usize::try_from(indptr[r + 1]).ok());
                    let Some((a, b)) = range.filter(|(a, b)| a <= b && *b <= data.len().min(indices.len())) else {
                        return Err(value_error("X: CSR row pointers out of range"));
                    };
                    let cols = indices[a..b].iter().map(|&j| u32::try_from(j)).collect::<Result<Vec<u32>, _>>();
                    m.push_row(&cols.map_err(|_| value_error("X: a column index out of range"))?, &data[a..b])
                        .map_err(value_error)?;
                }
                Ok(DataSet::from(m))
            }
        }
    }
}

fn slice<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    a.as_slice().map_err(|_| value_error("arrays must be contiguous"))
}

/// Runs `f` with `threads` threads (0: all cores), the GIL released.
fn detached<T: Send>(py: Python<'_>, threads: usize, f: impl FnOnce(Par) -> T + Send) -> PyResult<T> {
    py.detach(|| match threads {
        0 => Ok(f(Par::rayon(0))),
        n => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(|| f(Par::rayon(n))))
            .map_err(|e| PyRuntimeError::new_err(e.to_string())),
    })
}

/// Fits `task` on `x`: `y` holds class codes, indices into `classes`
/// (classifiers), or values (regressors), nothing for one-class; `weights`,
/// when given, are positive (the caller leaves out samples of weight zero).
/// `params["class_weight"]` holds one weight per class.
#[pyfunction]
#[pyo3(signature = (task, x, y, classes, weights, params, threads))]
#[allow(clippy::too_many_arguments)]
fn fit(
    py: Python<'_>,
    task: &str,
    x: Matrix<'_>,
    y: Option<PyReadonlyArray1<'_, f64>>,
    classes: Vec<String>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    params: &Bound<'_, PyDict>,
    threads: usize,
) -> PyResult<Fitted> {
    let (spec, targets) = targets(task, y, classes, params)?;
    let x = x.to_dataset()?;
    if spec.precomputed() {
        kern::check_precomputed_ids(&x).map_err(value_error)?;
    }

    let weights = weights.as_ref().map(slice).transpose()?.map(<[f64]>::to_vec);
    let d = x.n_features();
    if let (Some(_), Targets::Values(y)) = (spec.conformal, &targets) {
        // Split-conformal: the engine holds the calibration share out.
        let mut data = Data::new(Inputs::Vectors(x), Some(Labels::Numeric(y.clone())));
        data.weights = weights;
        let fitted = detached(py, threads, |par| kern::train::fit(&spec, data, par))?.map_err(value_error)?;
        return Ok(Fitted { model: fitted.model });
    }
    let estimator = detached(py, threads, |par| {
        let kernel = spec.vector_kernel(d)?;
        fit_vectors(&spec, &kernel, x, &targets, weights.as_deref(), par, &Notices::default())
    })?
    .map_err(value_error)?;
    let input = InputSchema { format: Format::Libsvm, csv: None, scaling: None };
    Ok(Fitted { model: Model::new(d, input, estimator) })
}

/// The spec of `task` and its targets: class codes into `classes`
/// (classifiers), values (regressors), none (one-class).
fn targets(
    task: &str,
    y: Option<PyReadonlyArray1<'_, f64>>,
    classes: Vec<String>,
    params: &Bound<'_, PyDict>,
) -> PyResult<(kern::train::FitSpec, Targets)> {
    // Class names as the engine writes them in model files.
    let names: Vec<String> = classes.iter().map(|c| label_name(c)).collect();
    let spec = params::fit_spec(task, params, &names)?;
    let y = y.as_ref().map(slice).transpose()?;
    let targets = match (spec.task, y) {
        (Task::Oneclass, _) => Targets::Unlabelled,
        (Task::Svc | Task::Nusvc | Task::Gpc, Some(y)) => {
            Targets::Classes { names, codes: y.iter().map(|&c| c as usize).collect() }
        }
        (_, Some(y)) => Targets::Values(y.to_vec()),
        (_, None) => return Err(value_error("y is required")),
    };
    Ok((spec, targets))
}

/// A fitted kern model.
#[pyclass(module = "kern._kern", frozen)]
struct Fitted {
    pub(crate) model: Model,
}

impl Fitted {
    fn gp(&self) -> PyResult<&kern::solvers::GpModel> {
        match &self.model.estimator {
            Estimator::Gp(model) => Ok(model),
            _ => Err(value_error("not a Gaussian process")),
        }
    }

    fn svm(&self) -> PyResult<&kern::solvers::SvmModel<kern::VectorKernel, DataSet>> {
        match &self.model.estimator {
            Estimator::Svm { model, .. } => Ok(model),
            _ => Err(value_error("not an SVM")),
        }
    }

    fn samples(&self, x: &Matrix<'_>) -> PyResult<DataSet> {
        x.at_width(self.model.n_features)
    }
}

/// A row-major `rows × cols` array.
fn array2<'py>(py: Python<'py>, rows: usize, cols: usize, values: Vec<f64>) -> PyResult<Bound<'py, PyArray2<f64>>> {
    PyArray1::from_vec(py, values).reshape([rows, cols])
}

fn mat_array<'py>(py: Python<'py>, m: &faer::Mat<f64>) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let values = (0..m.nrows()).flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)])).collect();
    array2(py, m.nrows(), m.ncols(), values)
}

#[pymethods]
impl Fitted {
    /// Class codes (classifiers, by one-vs-one voting on the decision
    /// values), or predicted values.
    #[pyo3(signature = (x, threads = 0))]
    fn predict<'py>(&self, py: Python<'py>, x: Matrix<'_>, threads: usize) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let x = self.samples(&x)?;
        let values: Vec<f64> = match &self.model.estimator {
            Estimator::Svm { model, .. } if model.kind.is_classifier() => {
                detached(py, threads, |par| model.predict_classes(&x, par))?.into_iter().map(|c| c as f64).collect()
            }
            Estimator::Svm { model, .. } => detached(py, threads, |par| model.predict_values(&x, par))?,
            Estimator::KernelRidge(m) => {
                detached(py, threads, |par| m.predict(&x, par).col(0).iter().copied().collect())?
            }
            other => match detached(py, threads, |par| predict_estimator(other, &x, par))?.map_err(value_error)? {
                Prediction::Values(m) => m.col(0).iter().copied().collect(),
                Prediction::Classes(names, _) => {
                    let code = |name: &String| other.classes().iter().position(|c| c == name).unwrap_or(0) as f64;
                    names.iter().map(code).collect()
                }
            },
        };
        Ok(PyArray1::from_vec(py, values))
    }

    /// Class codes or values for sequences or graphs.
    #[pyo3(signature = (x, threads = 0))]
    fn predict_structured<'py>(
        &self,
        py: Python<'py>,
        x: structured::Structured,
        threads: usize,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        structured::predict(&self.model, py, x, threads)
    }

    /// An SVM's decision values for sequences or graphs.
    #[pyo3(signature = (x, threads = 0))]
    fn decision_structured<'py>(
        &self,
        py: Python<'py>,
        x: structured::Structured,
        threads: usize,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        structured::decision_values(&self.model, py, x, threads)
    }

    /// A string or graph SVM's support indices, dual coefficients, rho and
    /// support vectors per class.
    fn structured_svm(&self) -> PyResult<structured::SvmParts> {
        structured::svm_parts(&self.model).ok_or_else(|| value_error("not an SVM on sequences or graphs"))
    }

    /// Predictions with intervals meant to hold a new target with
    /// probability `level`: (prediction, lower, upper), the first target's.
    #[pyo3(signature = (x, level, threads = 0))]
    #[allow(clippy::type_complexity)]
    fn predict_interval<'py>(
        &self,
        py: Python<'py>,
        x: Matrix<'_>,
        level: f64,
        threads: usize,
    ) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>)> {
        let x = Inputs::Vectors(self.samples(&x)?);
        let i = detached(py, threads, |par| self.model.predict_interval(&x, level, par))?.map_err(value_error)?;
        let first = |m: &faer::Mat<f64>| PyArray1::from_vec(py, m.col(0).iter().copied().collect());
        Ok((first(&i.prediction), first(&i.lower), first(&i.upper)))
    }

    /// A GP's mean, latent standard deviation and that of a new observation.
    #[pyo3(signature = (x, threads = 0))]
    #[allow(clippy::type_complexity)]
    fn predict_gp<'py>(
        &self,
        py: Python<'py>,
        x: Matrix<'_>,
        threads: usize,
    ) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>)> {
        let x = self.samples(&x)?;
        let p = match &self.model.estimator {
            Estimator::Sgpr(sparse) => detached(py, threads, |par| sparse.predict(&x, par))?,
            Estimator::FeatureGp(gp) => detached(py, threads, |par| gp.predict(&x, par))?.map_err(value_error)?,
            _ => {
                let gp = self.gp()?;
                detached(py, threads, |par| gp.predict(&x, par))?.map_err(value_error)?
            }
        };
        Ok((PyArray1::from_vec(py, p.mean), PyArray1::from_vec(py, p.std), PyArray1::from_vec(py, p.std_with_noise)))
    }

    /// `n_samples` seeded draws of a GP's latent function at `x` (`n × n_samples`).
    #[pyo3(signature = (x, n_samples, seed, threads = 0))]
    fn sample_gp<'py>(
        &self,
        py: Python<'py>,
        x: Matrix<'_>,
        n_samples: usize,
        seed: u64,
        threads: usize,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (gp, x) = (self.gp()?, self.samples(&x)?);
        let draws = detached(py, threads, |par| gp.sample_posterior(&x, n_samples, seed, par))?.map_err(value_error)?;
        mat_array(py, &draws)
    }

    /// A GP's log marginal likelihood, noise and fitted hyperparameters.
    fn gp_attributes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        if let Estimator::Sgpr(sparse) = &self.model.estimator {
            // The sparse GP's bound stands for its log marginal likelihood.
            out.set_item("log_marginal_likelihood", sparse.elbo)?;
            out.set_item("noise", sparse.noise)?;
            out.set_item("hyperparameters", sparse.hyperparameters())?;
            out.set_item("kernel", sparse.expression().to_string())?;
            let z = &sparse.inducing;
            let values = (0..z.n_samples()).flat_map(|i| (0..z.n_features()).map(move |j| z.row(i).value_at(j)));
            out.set_item("inducing_points", array2(py, z.n_samples(), z.n_features(), values.collect())?)?;
            return Ok(out);
        }
        if let Estimator::FeatureGp(gp) = &self.model.estimator {
            out.set_item("log_marginal_likelihood", gp.log_marginal_likelihood)?;
            out.set_item("noise", gp.noise)?;
            out.set_item("hyperparameters", gp.hyperparameters())?;
            out.set_item("kernel", gp.expression().to_string())?;
            return Ok(out);
        }
        let gp = self.gp()?;
        out.set_item("log_marginal_likelihood", gp.log_marginal_likelihood)?;
        out.set_item("noise", gp.noise)?;
        out.set_item("hyperparameters", gp.hyperparameters())?;
        out.set_item("kernel", gp.expression().to_string())?;
        Ok(out)
    }

    /// Decision values, `n × pairs` (LIBSVM's sign: positive for a pair's first class).
    #[pyo3(signature = (x, threads = 0))]
    fn decision_values<'py>(
        &self,
        py: Python<'py>,
        x: Matrix<'_>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (svm, x) = (self.svm()?, self.samples(&x)?);
        let m = detached(py, threads, |par| svm.decision_values(&x, par))?;
        mat_array(py, &m)
    }

    /// Class probabilities (`n × classes`): an SVM's when fitted with them,
    /// a GP classifier's.
    #[pyo3(signature = (x, threads = 0))]
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        x: Matrix<'_>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = self.samples(&x)?;
        let proba = match &self.model.estimator {
            Estimator::Svm { model, .. } => detached(py, threads, |par| model.predict_proba(&x, par))?,
            other => match detached(py, threads, |par| predict_estimator(other, &x, par))?.map_err(value_error)? {
                Prediction::Classes(_, proba) => proba,
                Prediction::Values(_) => None,
            },
        };
        match proba {
            Some(p) => mat_array(py, &p),
            None => Err(value_error("predict_proba needs a classifier with probabilities (SVMs: probability=True)")),
        }
    }

    /// A GP classifier's approximate log marginal likelihood (summed over
    /// its one-vs-rest latent GPs).
    fn gpc_log_marginal_likelihood(&self) -> PyResult<f64> {
        match &self.model.estimator {
            Estimator::Gpc { model, .. } => Ok(model.log_marginal_likelihood()),
            Estimator::FeatureGpc { model, .. } => Ok(model.log_marginal_likelihood()),
            _ => Err(value_error("not a GP classifier")),
        }
    }

    /// The SVM's parts as scikit-learn names them (LIBSVM's signs).
    fn svm_attributes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let svm = self.svm()?;
        let out = PyDict::new(py);
        let sv = &svm.support_vectors;
        let (n_sv, d) = (sv.n_samples(), self.model.n_features);
        let dense: Vec<f64> = (0..n_sv).flat_map(|i| (0..d).map(move |j| sv.row(i).value_at(j))).collect();
        out.set_item("support", svm.sv_indices.clone())?;
        out.set_item("support_vectors", array2(py, n_sv, d, dense)?)?;
        let coef: Vec<f64> = svm.sv_coef.iter().flatten().copied().collect();
        out.set_item("dual_coef", array2(py, svm.sv_coef.len(), n_sv, coef)?)?;
        out.set_item("rho", svm.pairs.iter().map(|p| p.rho).collect::<Vec<_>>())?;
        out.set_item("n_support", svm.n_support.clone())?;
        out.set_item("n_iter", svm.pairs.iter().map(|p| p.iterations).collect::<Vec<_>>())?;
        out.set_item("reached_max_iter", svm.pairs.iter().any(|p| p.reached_max_iter))?;
        out.set_item("prob_a", svm.prob_a.clone())?;
        out.set_item("prob_b", svm.prob_b.clone())?;
        Ok(out)
    }

    /// Kernel ridge's dual coefficients.
    fn ridge_dual_coef<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        match &self.model.estimator {
            Estimator::KernelRidge(m) => Ok(PyArray1::from_vec(py, m.dual_coef.clone())),
            _ => Err(value_error("not kernel ridge")),
        }
    }

    /// The mean kernel ridge (exact or Falkon's) took out of its one target
    /// before the fit and adds to every prediction; 0 when fitted as given.
    fn ridge_target_mean(&self) -> PyResult<f64> {
        let means = match &self.model.estimator {
            Estimator::KernelRidge(m) => &m.target_mean,
            Estimator::Falkon { model, .. } => &model.target_mean,
            _ => return Err(value_error("not kernel ridge")),
        };
        Ok(means.first().copied().unwrap_or(0.0))
    }

    /// Iterations the solver took: Falkon's conjugate-gradient steps.
    fn falkon_iterations(&self) -> PyResult<usize> {
        match &self.model.estimator {
            Estimator::Falkon { model, .. } => Ok(model.iterations),
            _ => Err(value_error("not Falkon")),
        }
    }

    /// The α kernel ridge was fitted at.
    fn ridge_alpha(&self) -> PyResult<f64> {
        match &self.model.estimator {
            Estimator::KernelRidge(m) => Ok(m.params.alpha),
            _ => Err(value_error("not kernel ridge")),
        }
    }

    #[getter]
    fn n_features(&self) -> usize {
        self.model.n_features
    }

    /// The task (`svc`, `krr`, ...) and the classes of a classifier.
    #[getter]
    fn task(&self) -> &'static str {
        self.model.task()
    }

    /// The model as the bytes of a binary model file.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &encode_model(&self.model).map_err(value_error)?))
    }

    /// Pickles as the bytes of a binary model file.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_bytes = slf.get_type().getattr("from_bytes")?;
        Ok((from_bytes, (slf.get().to_bytes(slf.py())?,)))
    }

    #[staticmethod]
    fn from_bytes(bytes: &[u8]) -> PyResult<Self> {
        Ok(Self { model: decode_model("<pickle>".as_ref(), bytes).map_err(value_error)? })
    }

    /// Writes a model file that `kern predict` reads.
    fn save(&self, path: std::path::PathBuf) -> PyResult<()> {
        save_model(&self.model, &path).map_err(value_error)
    }

    /// Reads a model file written by `kern fit` (or a LIBSVM model file).
    #[staticmethod]
    fn load(path: std::path::PathBuf) -> PyResult<Self> {
        Ok(Self { model: load_model(&path).map_err(value_error)? })
    }

    /// The class names a model read from a file holds (classifiers).
    fn class_names(&self) -> Vec<String> {
        match &self.model.estimator {
            Estimator::Svm { classes, .. } => classes.clone(),
            _ => Vec::new(),
        }
    }
}

/// Fits the feature map of `params` (`approx`: "nystroem" or "rff") on `x`.
#[pyfunction]
#[pyo3(signature = (x, params, threads))]
fn fit_map(py: Python<'_>, x: Matrix<'_>, params: &Bound<'_, PyDict>, threads: usize) -> PyResult<FittedMap> {
    let spec = params::fit_spec("krr", params, &[])?;
    let x = x.to_dataset()?;
    let map = detached(py, threads, |par| {
        let kernel = spec.vector_kernel(x.n_features())?;
        feature_map(&spec, &kernel, &x, par)
    })?
    .map_err(value_error)?;
    Ok(FittedMap { map })
}

/// A fitted feature map (Nyström or random Fourier features).
#[pyclass(module = "kern._kern", frozen)]
struct FittedMap {
    map: ApproxMap,
}

#[pymethods]
impl FittedMap {
    /// The features of `x`, `n × n_components`.
    #[pyo3(signature = (x, threads = 0))]
    fn transform<'py>(&self, py: Python<'py>, x: Matrix<'_>, threads: usize) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let map = self.map.feature_map();
        let x = x.at_width(map.n_features())?;
        let phi = detached(py, threads, |par| map.transform(&x, par))?.map_err(value_error)?;
        mat_array(py, &phi)
    }

    #[getter]
    fn n_components(&self) -> usize {
        self.map.feature_map().n_components()
    }

    /// Pickles as the map's JSON.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let json = serde_json::to_string(&slf.get().map).map_err(value_error)?;
        Ok((slf.get_type().getattr("from_json")?, (json,)))
    }

    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        Ok(Self { map: serde_json::from_str(json).map_err(value_error)? })
    }
}

/// The rows a fit with `conformal=share` learns from (the engine's seeded
/// split; the rest calibrate), ascending.
#[pyfunction]
fn fit_rows(n: usize, share: f64, seed: u64) -> Vec<usize> {
    kern::select::holdout(n, share, seed).0
}

#[pymodule]
fn _kern(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(fit_rows, m)?)?;
    m.add_function(wrap_pyfunction!(fit_map, m)?)?;
    m.add_function(wrap_pyfunction!(structured::fit_structured, m)?)?;
    m.add_class::<Fitted>()?;
    m.add_class::<FittedMap>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
