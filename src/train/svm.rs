//! The one place an [`FitSpec`] becomes the solvers' [`SvmParams`].

use kern_solvers::{SmoOptions, SvmKind, SvmParams};

use super::{FitSpec, Task, label_name};
use crate::error::{Error, Result};

/// The SVM parameters of `spec`'s task, with its class weights for classes
/// `classes` (a classifier's names in the model's order; empty otherwise).
pub fn svm_params(spec: &FitSpec, classes: &[String]) -> Result<SvmParams> {
    let s = &spec.svm;
    let kind = match spec.task {
        Task::Svc => SvmKind::CSvc { c: s.c },
        Task::Nusvc => SvmKind::NuSvc { nu: s.nu },
        Task::Oneclass => SvmKind::OneClass { nu: s.nu },
        Task::Svr => SvmKind::EpsilonSvr { c: s.c, epsilon: s.epsilon },
        Task::Nusvr => SvmKind::NuSvr { c: s.c, nu: s.nu },
        other => return Err(Error::Usage(format!("--task {} is not an SVM", other.name()))),
    };
    if !(s.cache_mb.is_finite() && s.cache_mb > 0.0) {
        return Err(Error::Usage(format!("--cache-mb {} must be positive", s.cache_mb)));
    }
    let smo = SmoOptions {
        tol: s.tol,
        shrinking: s.shrinking,
        cache_bytes: (s.cache_mb * (1 << 20) as f64) as usize,
        max_iter: s.max_iter,
        newton: s.newton,
        working_set: s.working_set,
    };
    let mut params = SvmParams { smo, probability: s.probability, seed: spec.seed, ..SvmParams::new(kind) };
    if !s.class_weight.is_empty() {
        params.class_weights = class_weights(&s.class_weight, classes)?;
    }
    params.validate()?;
    Ok(params)
}

/// `LABEL=W` pairs as one weight per class (1 where not given).
fn class_weights(pairs: &[(String, f64)], classes: &[String]) -> Result<Vec<f64>> {
    let mut weights = vec![1.0; classes.len()];
    for (label, w) in pairs {
        let usage = |why: &str| Error::Usage(format!("--class-weight {label}={w}: {why}"));
        if classes.is_empty() {
            return Err(usage("class weights are for classifiers"));
        }
        if !(w.is_finite() && *w > 0.0) {
            return Err(usage("the weight must be positive"));
        }
        let name = label_name(label.trim());
        let k = classes
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| usage(&format!("no class {name:?} (classes: {})", classes.join(", "))))?;
        weights[k] = *w;
    }
    Ok(weights)
}
