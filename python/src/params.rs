//! An estimator's keyword parameters as the engine's `FitSpec` (the
//! Python side has resolved scikit-learn's conventions: `gamma` is a
//! number, `class_weight` one weight per class code).

use pyo3::prelude::*;
use pyo3::types::PyDict;

use kern::Expression;
use kern::train::{Alpha, Approx, FitSpec, KernelName, Sampling, Task};

use super::value_error;

/// The task of a name the estimators use.
fn task(name: &str) -> PyResult<Task> {
    Ok(match name {
        "svc" => Task::Svc,
        "nusvc" => Task::Nusvc,
        "oneclass" => Task::Oneclass,
        "svr" => Task::Svr,
        "nusvr" => Task::Nusvr,
        "krr" => Task::Krr,
        "gp" => Task::Gp,
        "gpc" => Task::Gpc,
        other => return Err(value_error(format!("unknown task {other:?}"))),
    })
}

/// The vector kernel of a scikit-learn kernel name (and kern's own).
fn kernel(name: &str) -> PyResult<KernelName> {
    Ok(match name {
        "rbf" => KernelName::Rbf,
        "linear" => KernelName::Linear,
        "poly" => KernelName::Poly,
        "sigmoid" => KernelName::Sigmoid,
        "laplacian" => KernelName::Laplacian,
        "matern12" => KernelName::Matern12,
        "matern32" => KernelName::Matern32,
        "matern52" => KernelName::Matern52,
        "precomputed" => KernelName::Precomputed,
        "spectrum" => KernelName::Spectrum,
        "mismatch" => KernelName::Mismatch,
        "wd" => KernelName::Wd,
        "ssk" => KernelName::Ssk,
        "wl" => KernelName::Wl,
        "sp" => KernelName::Sp,
        "rw" => KernelName::Rw,
        other => {
            return Err(value_error(format!(
                "kernel {other:?} is not one of 'rbf', 'linear', 'poly', 'sigmoid', 'laplacian', 'matern12', 'matern32', 'matern52' (vectors), 'spectrum', 'mismatch', 'wd', 'ssk' (strings), 'wl', 'sp', 'rw' (graphs)"
            )));
        }
    })
}

/// `params[key]` when present and not `None`.
fn get<'py, T: for<'a> FromPyObject<'a, 'py, Error = PyErr>>(
    params: &Bound<'py, PyDict>,
    key: &str,
) -> PyResult<Option<T>> {
    match params.get_item(key)? {
        Some(v) if !v.is_none() => v.extract().map(Some).map_err(|e| value_error(format!("{key}: {e}"))),
        _ => Ok(None),
    }
}

/// The `FitSpec` of `task_name` with `params` (scikit-learn's names).
pub(crate) fn fit_spec(task_name: &str, params: &Bound<'_, PyDict>, classes: &[String]) -> PyResult<FitSpec> {
    let mut spec = FitSpec::new(task(task_name)?);
    if let Some(name) = get::<String>(params, "kernel")? {
        spec.kernel.name = kernel(&name)?;
    }
    spec.kernel.gamma = get(params, "gamma")?;
    spec.kernel.lengthscale = get(params, "lengthscale")?;
    if let Some(degree) = get::<i64>(params, "degree")? {
        spec.kernel.degree = u32::try_from(degree).map_err(|_| value_error("degree must be a non-negative integer"))?;
    }
    spec.kernel.coef0 = get(params, "coef0")?.unwrap_or(0.0);
    let k = &mut spec.kernel;
    k.k = get(params, "k")?;
    k.mismatches = get(params, "m")?.unwrap_or(k.mismatches);
    k.shift = get(params, "shift")?.unwrap_or(k.shift);
    k.wl_rounds = get(params, "h")?.unwrap_or(k.wl_rounds);
    k.lambda = get(params, "lambda")?;
    k.normalize = get(params, "normalize")?.unwrap_or(k.normalize);
    let s = &mut spec.svm;
    s.c = get(params, "C")?.unwrap_or(s.c);
    s.nu = get(params, "nu")?.unwrap_or(s.nu);
    s.epsilon = get(params, "epsilon")?.unwrap_or(s.epsilon);
    s.tol = get(params, "tol")?.unwrap_or(s.tol);
    s.cache_mb = get(params, "cache_size")?.or(s.cache_mb);
    s.shrinking = get(params, "shrinking")?.unwrap_or(s.shrinking);
    s.working_set = get(params, "working_set")?;
    s.probability = get(params, "probability")?.unwrap_or(false);
    // scikit-learn's max_iter = -1: no limit.
    s.max_iter = get::<i64>(params, "max_iter")?.and_then(|m| u64::try_from(m).ok()).filter(|&m| m > 0);
    let class_weight = get::<Vec<f64>>(params, "class_weight")?.unwrap_or_default();
    s.class_weight = classes.iter().cloned().zip(class_weight).collect();
    spec.seed = get(params, "seed")?.unwrap_or(0);
    spec.conformal = get(params, "conformal")?;
    spec.centre_targets = get(params, "centre_targets")?.unwrap_or(false);
    if let Some(alpha) = params.get_item("alpha")? {
        spec.alpha = match alpha.extract::<String>() {
            Ok(text) if text == "auto" => Alpha::Auto,
            Ok(text) => return Err(value_error(format!("alpha {text:?}: a positive number or 'auto'"))),
            Err(_) => Alpha::Value(alpha.extract().map_err(|e| value_error(format!("alpha: {e}")))?),
        };
    }
    approx(&mut spec, params)?;
    let gp = &mut spec.gp;
    gp.noise = get(params, "noise")?;
    gp.amplitude = get(params, "amplitude")?;
    gp.restarts = get(params, "restarts")?;
    gp.normalize_y = get(params, "normalize_y")?.unwrap_or(gp.normalize_y);
    gp.ard = get(params, "ard")?.unwrap_or(false);
    gp.learn_inducing = get(params, "learn_inducing")?.unwrap_or(false);
    gp.posterior_components = get(params, "posterior_components")?;
    if let Some(rows) = get::<usize>(params, "fit_samples")? {
        gp.fit_samples = Some(rows).filter(|&n| n > 0);
    }
    if let Some(text) = get::<String>(params, "kernel_expression")? {
        let e: Expression = text.parse().map_err(|e: kern::ExpressionError| value_error(e.to_string()))?;
        if e.white.is_some() && spec.gp.noise.is_some() {
            return Err(value_error("give the noise once: a white term in the kernel or alpha"));
        }
        spec.set_expression(&e);
    }
    spec.scale = false;
    Ok(spec)
}

/// The approximation: Falkon's centres, or a feature map's components.
fn approx(spec: &mut FitSpec, params: &Bound<'_, PyDict>) -> PyResult<()> {
    let a = &mut spec.approx;
    if let Some(method) = get::<String>(params, "approx")? {
        a.method = match method.as_str() {
            "falkon" => Approx::Falkon,
            "nystroem" => Approx::Nystroem,
            "rff" => Approx::Rff,
            "sgpr" => Approx::Sgpr,
            other => return Err(value_error(format!("unknown approximation {other:?}"))),
        };
    }
    a.components = get(params, "components")?.unwrap_or(a.components);
    if let Some(landmarks) = get::<String>(params, "landmarks")? {
        a.sampling = match landmarks.as_str() {
            "uniform" => Sampling::Uniform,
            "greedy" => Sampling::Greedy,
            "leverage" => Sampling::Leverage,
            "kmeans" => Sampling::Kmeans,
            other => {
                return Err(value_error(format!("landmarks {other:?}: 'uniform', 'greedy', 'leverage' or 'kmeans'")));
            }
        };
    }
    a.orthogonal = get(params, "orthogonal")?.unwrap_or(false);
    Ok(())
}
