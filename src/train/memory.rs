//! One memory plan per fit: before anything is allocated, what a fit will
//! hold at its peak, from its options and the data's shape, against the
//! memory cap (`--max-memory`, by default half the machine). A fit over the
//! cap is refused in one line that names the option, the size it implies
//! and the cap, and says what to change. The plan counts the dominant terms
//! (kernel matrices, factors, feature matrices, caches), not every vector.
//! What the cap leaves beside the plan ([`spare_bytes`]) a solver may fill
//! with what it would otherwise recompute.

use super::{Alpha, Approx, FitSpec, Sampling, Task};
use crate::error::{Error, Result};
use crate::io::SampleKind;

/// Most GP restarts: each is a whole optimisation, and the starts are held.
pub const MAX_RESTARTS: usize = 1_000;
/// Most iterations of an iterative solver (LIBSVM's own limit is
/// max(10⁷, 100 n)).
pub const MAX_ITERATIONS: u64 = 1_000_000_000;

/// What a fit trains on, as far as its memory goes.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Samples.
    pub n: usize,
    /// Features of vectors (0 for sequences and graphs).
    pub d: usize,
    /// The bytes the samples take (a copy per SVM class pair, per fold).
    pub data_bytes: u64,
    /// Their kind.
    pub kind: SampleKind,
    /// Threads that may each hold their own working set.
    pub threads: usize,
}

/// One thing a fit holds, and what sets its size.
#[derive(Clone, Debug, PartialEq)]
pub struct Need {
    /// What it is, in words.
    pub what: String,
    /// The option that sets its size, with its value.
    pub option: String,
    /// Its bytes.
    pub bytes: u64,
    /// What to change to shrink it.
    pub hint: &'static str,
}

impl Shape {
    /// The shape of vectors `x`, fitted with parallelism `par`.
    pub fn of_vectors(x: &kern_kernels::DataSet, par: kern_kernels::Par) -> Self {
        let per_value = if x.is_sparse() { 12 } else { 8 };
        Shape {
            n: x.n_samples(),
            d: x.n_features(),
            data_bytes: (x.stored_values() as u64).saturating_mul(per_value),
            kind: SampleKind::Vectors,
            threads: par.degree().max(1),
        }
    }

    /// The shape of `n` sequences or graphs, fitted with parallelism `par`
    /// (their feature maps are sized by the data, not by an option).
    pub fn of_structured(n: usize, kind: SampleKind, par: kern_kernels::Par) -> Self {
        Shape { n, d: 0, data_bytes: 0, kind, threads: par.degree().max(1) }
    }
}

/// The dominant allocations of `spec` on data of `shape`.
pub fn plan(spec: &FitSpec, shape: Shape) -> Vec<Need> {
    match spec.approx.method {
        Approx::None => exact_needs(spec, shape),
        _ => approx_needs(spec, shape),
    }
}

fn need(what: String, option: &str, bytes: u64, hint: &'static str) -> Need {
    Need { what, option: option.to_string(), bytes, hint }
}

fn f64s(count: u64) -> u64 {
    count.saturating_mul(8)
}

/// An exact kernel: its matrix and factors, or the SVM's cache.
fn exact_needs(spec: &FitSpec, shape: Shape) -> Vec<Need> {
    let n = shape.n as u64;
    let exact =
        "approximate it (--approx falkon or nystroem --components M), train on fewer samples, or raise --max-memory";
    match spec.task {
        Task::Krr => {
            // Measured: K in f64, its f32 factor and workspace, 13 bytes per
            // entry of K; leave-one-out's eigendecomposition, 43.
            let per_entry = if spec.alpha == Alpha::Auto { 48 } else { 16 };
            let what = format!("an exact fit on {n} samples: the {n} × {n} kernel matrix and its factors");
            vec![need(what, "--task krr", n.saturating_mul(n).saturating_mul(per_entry), exact)]
        }
        Task::Gp | Task::Gpc => {
            // K, its factor, its inverse and the optimiser's workspace
            // (measured: 58 bytes per entry of K for one start, up to 80 each
            // for two at once, as their allocations interleave), per start
            // running at once; on strings and graphs one eigendecomposition.
            let per_entry = if shape.kind == SampleKind::Vectors { 96 } else { 48 };
            // `--task gp` on classes is not told apart here: counted with
            // regression's restarts, the more.
            let parallel = (spec.gp_restarts(spec.task == Task::Gpc) as u64 + 1).min(shape.threads.max(1) as u64);
            let what = format!("a GP on {n} samples: {n} × {n} matrices for {parallel} start(s) at once");
            let bytes = n.saturating_mul(n).saturating_mul(per_entry * parallel);
            vec![need(what, &format!("--task {}", spec.task.name()), bytes, exact)]
        }
        _ => {
            let cache = super::cache_bytes(spec, shape.n);
            let option = match spec.svm.cache_mb {
                Some(mb) => format!("--cache-mb {mb}"),
                None => "--cache-mb (default)".to_string(),
            };
            // Copies per class pair and probability fold, the active
            // samples' copy SMO's rows read, and SMO's per-variable state
            // (an SVR has two variables a sample).
            let state = shape.data_bytes.saturating_mul(3).saturating_add(n.saturating_mul(64));
            vec![
                need("the SVM's kernel-row cache".into(), &option, cache, "lower --cache-mb"),
                need(
                    "copies of the training samples and the solver's state".into(),
                    "the training data",
                    state,
                    "train on fewer samples, or raise --max-memory",
                ),
            ]
        }
    }
}

/// A feature map and its linear model, or Falkon.
fn approx_needs(spec: &FitSpec, shape: Shape) -> Vec<Need> {
    let (n, m) = (shape.n as u64, spec.approx.components.min(shape.n.max(1)) as u64);
    let components = format!("--components {}", spec.approx.components);
    let row_bytes = shape.data_bytes / n.max(1);
    let fewer = "lower --components, or raise --max-memory";
    let mut needs = Vec::new();
    if matches!(spec.task, Task::Gp | Task::Gpc) && matches!(spec.approx.method, Approx::Rff | Approx::Nystroem) {
        // Φ, ∂L/∂Φ, Φ B⁻¹ and a copy, on the rows the hyperparameters are
        // learnt on, for every start running at once.
        let rows = spec.gp.fit_samples.map_or(n, |s| (s as u64).min(n));
        let parallel = (spec.gp_restarts(spec.task == Task::Gpc) as u64 + 1).min(shape.threads.max(1) as u64);
        let what = format!("the evidence's {rows} × {m} matrices for {parallel} start(s) at once");
        needs.push(need(what, &components, f64s(rows.saturating_mul(m)).saturating_mul(4 * parallel), fewer));
    }
    match spec.approx.method {
        Approx::Rff => {
            // Φ and the linear model's copy of it.
            let m = spec.approx.components as u64;
            let what = format!("the {n} × {m} feature matrix");
            needs.push(need(what, &components, f64s(n.saturating_mul(m)).saturating_mul(2), fewer));
            let what = format!("{m} random directions of {} features", shape.d);
            needs.push(need(what, &components, f64s(m.saturating_mul(shape.d as u64)), fewer));
            if spec.task == Task::Krr || spec.approx.loss == Some(super::Loss::Squared) {
                let what = format!("the primal ridge's {m} × {m} matrices");
                needs.push(need(what, &components, f64s(m.saturating_mul(m)).saturating_mul(4), fewer));
            }
        }
        Approx::Nystroem => {
            // K(X, L), Φ and the linear model's copy of it.
            let what = format!("the {n} × {m} feature matrix");
            needs.push(need(what, &components, f64s(n.saturating_mul(m)).saturating_mul(3), fewer));
            // K(L, L), its eigenvectors and workspace (a primal ridge's are no larger).
            let what = format!("{m} landmarks and {m} × {m} matrices");
            let bytes = f64s(m.saturating_mul(m)).saturating_mul(4).saturating_add(m.saturating_mul(row_bytes));
            needs.push(need(what, &components, bytes, fewer));
            if spec.approx.sampling == Sampling::Greedy {
                let what = format!("the greedy landmarks' {n} × {m} factor");
                needs.push(need(what, "--landmarks greedy", f64s(n.saturating_mul(m)), fewer));
            }
        }
        Approx::Sgpr => {
            let what = format!("{m} inducing points and the bound's {m} × {m} matrices");
            let bytes = f64s(m.saturating_mul(m)).saturating_mul(8).saturating_add(m.saturating_mul(row_bytes));
            needs.push(need(what, &components, bytes, fewer));
            let what = format!("8 row blocks of K(X, Z) and their {m} × {m} sums");
            let blocks = f64s(1024 * m + m.saturating_mul(m)).saturating_mul(8);
            needs.push(need(what, &components, blocks, fewer));
            if let Some(wide) = spec.gp.posterior_components {
                // The bound's matrices and its blocks at M', and B''s eigenvectors.
                let c = (wide as u64).min(n);
                let what = format!("the posterior's {c} inducing points, {c} × {c} matrices and row blocks");
                let blocks = f64s(1024 * c).saturating_mul(3 * shape.threads.max(1) as u64 + 8);
                let bytes = f64s(c.saturating_mul(c)).saturating_mul(16).saturating_add(c.saturating_mul(row_bytes));
                needs.push(need(what, "--posterior-components", bytes.saturating_add(blocks), fewer));
            }
            if spec.gp.learn_inducing {
                // Dense locations, their gradient per wave and L-BFGS's 20 saved differences.
                let what = format!("{m} × {} learnt inducing locations, with the optimiser's copies", shape.d);
                let bytes = f64s(m.saturating_mul(shape.d as u64)).saturating_mul(32);
                needs.push(need(what, "--learn-inducing", bytes, fewer));
            }
        }
        Approx::Falkon | Approx::None => {
            let what = format!("Falkon's {m} centres and {m} × {m} matrices (K_MM and the preconditioner's factors)");
            let bytes = f64s(m.saturating_mul(m)).saturating_mul(4).saturating_add(m.saturating_mul(row_bytes));
            needs.push(need(what, &components, bytes, fewer));
            let what = format!("{} row blocks of K_nM, 256 × {m} each", shape.threads);
            let blocks = f64s(256 * m).saturating_mul(2 * shape.threads.max(1) as u64);
            needs.push(need(what, &components, blocks, fewer));
        }
    }
    needs
}

/// Refuses `spec` on data of `shape` when its plan exceeds the memory cap,
/// or when a count that costs only time is beyond reason.
pub fn check_plan(spec: &FitSpec, shape: Shape) -> Result<()> {
    if let Some(restarts) = spec.gp.restarts.filter(|&r| r > MAX_RESTARTS) {
        return Err(Error::Usage(format!(
            "--restarts {restarts}: at most {MAX_RESTARTS} (each restart is a whole optimisation from a random start)"
        )));
    }
    if let Some(max_iter) = spec.svm.max_iter.filter(|&m| m > MAX_ITERATIONS) {
        return Err(Error::Usage(format!(
            "--max-iter {max_iter}: at most {MAX_ITERATIONS} (LIBSVM's own limit is max(10^7, 100 n))"
        )));
    }
    let needs = plan(spec, shape);
    let total = total_bytes(&needs);
    let cap = spec.memory_cap();
    match needs.into_iter().max_by_key(|n| n.bytes) {
        Some(largest) if total > cap => Err(Error::OverMemory {
            what: largest.what,
            option: largest.option,
            needed: total,
            limit: cap,
            hint: largest.hint,
        }),
        _ => Ok(()),
    }
}

fn total_bytes(needs: &[Need]) -> u64 {
    needs.iter().fold(0u64, |t, n| t.saturating_add(n.bytes))
}

/// What the memory cap leaves beside `spec`'s plan on data of `shape`: room
/// a solver may fill with what it would otherwise recompute (Falkon's `K_nM`).
pub fn spare_bytes(spec: &FitSpec, shape: Shape) -> u64 {
    spec.memory_cap().saturating_sub(total_bytes(&plan(spec, shape)))
}
