//! The one place an [`FitSpec`] becomes the solvers' [`SvmParams`].

use kern_solvers::{CacheBudget, SmoOptions, SvmKind, SvmParams};

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
    if let Some(mb) = s.cache_mb
        && !(mb.is_finite() && mb > 0.0)
    {
        return Err(Error::Usage(format!("--cache-mb {mb} must be positive")));
    }
    let smo = SmoOptions {
        tol: s.tol,
        shrinking: s.shrinking,
        cache: cache_budget(spec),
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

/// What `spec`'s SVM may hold in its kernel-row cache: `--cache-mb`, or by
/// default room for one shrinking interval's rows, at least LIBSVM's 100 MiB
/// and at most a thirty-second of the memory cap (several fits may run at once).
pub fn cache_budget(spec: &FitSpec) -> CacheBudget {
    match spec.svm.cache_mb {
        Some(mb) => CacheBudget::Bytes((mb.max(0.0) * (1 << 20) as f64) as usize),
        None => CacheBudget::Interval { max: usize::try_from(spec.memory_cap() / 32).unwrap_or(usize::MAX) },
    }
}

/// The bytes `spec`'s SVM caches on `n` samples, at most: its budget, or
/// all of `Q` in f32 where that is less.
pub fn cache_bytes(spec: &FitSpec, n: usize) -> u64 {
    let all_of_q = (n as u64).saturating_mul(n as u64).saturating_mul(4);
    (cache_budget(spec).bytes(n) as u64).min(all_of_q)
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

#[cfg(test)]
mod tests {
    use kern_solvers::CacheBudget;

    use super::{cache_bytes, svm_params};
    use crate::train::{FitSpec, Task};

    /// By default the cache holds one shrinking interval's rows (2 min(n,
    /// 1000) rows of n f32 values), from LIBSVM's 100 MiB up to a
    /// thirty-second of the memory cap, and never more than all of Q;
    /// `--cache-mb` is taken as given.
    #[test]
    fn the_cache_follows_the_problem_within_the_cap() {
        let mut spec = FitSpec::new(Task::Svc);
        spec.max_memory = Some(32 << 30);
        assert_eq!(cache_bytes(&spec, 50_000), 8 * 1000 * 50_000);
        assert_eq!(cache_bytes(&spec, 20_000), 8 * 1000 * 20_000);
        assert_eq!(cache_bytes(&spec, 10_000), 100 << 20);
        assert_eq!(cache_bytes(&spec, 3_000), 3_000 * 3_000 * 4);
        assert_eq!(cache_bytes(&spec, 1_000_000), 1 << 30);
        assert_eq!(svm_params(&spec, &[]).unwrap().smo.cache, CacheBudget::Interval { max: 1 << 30 });
        spec.max_memory = Some(1 << 30);
        assert_eq!(cache_bytes(&spec, 1_000_000), 100 << 20);
        spec.svm.cache_mb = Some(16.0);
        assert_eq!(cache_bytes(&spec, 50_000), 16 << 20);
        assert_eq!(svm_params(&spec, &[]).unwrap().smo.cache, CacheBudget::Bytes(16 << 20));
        spec.svm.cache_mb = Some(-1.0);
        assert!(svm_params(&spec, &[]).is_err());
    }
}
