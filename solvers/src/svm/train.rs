//! Setting up LIBSVM's dual problems and assembling the model.

use kern_kernels::{Kernel, Samples};

use kern_kernels::GramProvider;

use super::model::{PairInfo, SvmModel};
use super::probability::{laplace_scale, sigmoid_train};
use super::{SvmKind, SvmParams};
use crate::SolverError;
use crate::rng::SplitMix64;
use crate::smo::{DualProblem, SmoSolution, Variant, solve};

type Select<S> = fn(&S, &[usize]) -> S;

/// Trains a C-SVC or ν-SVC, one-vs-one, on `classes` (codes `0..n_classes`
/// in LIBSVM's class order). `select` copies the samples at given indices
/// (the support vectors kept in the model).
pub fn train_classifier<K: Kernel<S> + Clone, S: Samples>(
    kernel: &K,
    x: &S,
    classes: &[usize],
    n_classes: usize,
    params: &SvmParams,
    select: Select<S>,
    par: kern_kernels::Par,
) -> Result<SvmModel<K, S>, SolverError> {
    params.validate()?;
    check_len(x, classes.len())?;
    check_weights(params, classes.len())?;
    if n_classes < 2 {
        return Err(SolverError::OneClassOnly);
    }
    if !params.class_weights.is_empty() && params.class_weights.len() != n_classes {
        return Err(SolverError::DimensionMismatch {
            what: "class weights",
            expected: n_classes,
            got: params.class_weights.len(),
        });
    }
    let members: Vec<Vec<usize>> =
        (0..n_classes).map(|k| (0..classes.len()).filter(|&i| classes[i] == k).collect()).collect();
    if let Some(k) = members.iter().position(Vec::is_empty) {
        return Err(SolverError::EmptyClass { class: k });
    }
    let weight = |k: usize| params.class_weights.get(k).copied().unwrap_or(1.0);
    let gram = kern_kernels::ExactGram::new(kernel, x, par);

    // Per pair (a, b), in LIBSVM's order, the coefficients y_t α_t of class
    // a's members followed by class b's.
    let n_pairs = n_classes * (n_classes - 1) / 2;
    check_warm_start(params, &members)?;
    let mut pair_coef: Vec<Vec<f64>> = Vec::with_capacity(n_pairs);
    let mut pairs = Vec::with_capacity(n_pairs);
    let mut prob = (Vec::new(), Vec::new());
    for a in 0..n_classes {
        for b in a + 1..n_classes {
            let (pa, pb) = (&members[a], &members[b]);
            let (ca, cb) = match params.kind {
                SvmKind::CSvc { c } => (c * weight(a), c * weight(b)),
                _ => (1.0, 1.0),
            };
            if let SvmKind::NuSvc { nu } = params.kind {
                let (na, nb) = (total_weight(params, pa), total_weight(params, pb));
                if nu * (na + nb) / 2.0 > na.min(nb) {
                    return Err(SolverError::InfeasibleNu { nu });
                }
            }
            if params.probability {
                let (pa_, pb_) = pair_probability(&gram, pa, pb, ca, cb, params, (a * n_classes + b) as u64);
                prob.0.push(pa_);
                prob.1.push(pb_);
            }
            let warm = params.warm_start.get(pairs.len()).map(Vec::as_slice);
            let (coef, info) = solve_pair(&gram, pa, pb, ca, cb, warm, params);
            pair_coef.push(coef);
            pairs.push(info);
        }
    }
    let mut model = SvmModel::one_vs_one(kernel.clone(), x, params.kind, &members, &pair_coef, pairs, select);
    (model.prob_a, model.prob_b) = prob;
    Ok(model)
}

/// A warm start must be a C-SVC's, with one vector per pair of the pair's size.
fn check_warm_start(params: &SvmParams, members: &[Vec<usize>]) -> Result<(), SolverError> {
    let w = &params.warm_start;
    if w.is_empty() {
        return Ok(());
    }
    if !matches!(params.kind, SvmKind::CSvc { .. }) {
        return Err(SolverError::InvalidParameter { name: "warm start", value: 0.0, reason: "applies to C-SVC only" });
    }
    let k = members.len();
    let sizes = (0..k).flat_map(|a| (a + 1..k).map(move |b| (a, b))).map(|(a, b)| members[a].len() + members[b].len());
    let expected: Vec<usize> = sizes.collect();
    let got: Vec<usize> = w.iter().map(Vec::len).collect();
    if expected != got {
        let total = |v: &[usize]| v.iter().sum();
        return Err(SolverError::DimensionMismatch {
            what: "warm start",
            expected: total(&expected),
            got: total(&got),
        });
    }
    Ok(())
}

/// Solves the binary problem class a (y = +1, bound `ca`) against class b
/// (y = −1, bound `cb`): coefficients `y_t α_t` of a's members then b's.
fn solve_pair(
    gram: &dyn GramProvider,
    pa: &[usize],
    pb: &[usize],
    ca: f64,
    cb: f64,
    warm: Option<&[f64]>,
    params: &SvmParams,
) -> (Vec<f64>, PairInfo) {
    let sample: Vec<usize> = pa.iter().chain(pb).copied().collect();
    let y: Vec<f64> = pa.iter().map(|_| 1.0).chain(pb.iter().map(|_| -1.0)).collect();
    let l = y.len();
    let (problem, variant) = match params.kind {
        SvmKind::CSvc { .. } => {
            let cs: Vec<f64> =
                sample.iter().zip(&y).map(|(&i, &s)| weight(params, i) * if s > 0.0 { ca } else { cb }).collect();
            let alpha = match warm {
                Some(w) => w.iter().zip(&cs).map(|(a, c)| a.clamp(0.0, *c)).collect(),
                None => vec![0.0; l],
            };
            (DualProblem { sample, y: y.clone(), p: vec![-1.0; l], c: cs, alpha }, Variant::Standard)
        }
        SvmKind::NuSvc { nu } => {
            // Each side starts with ν Σ w / 2 spread greedily under the bounds w_i.
            let c: Vec<f64> = sample.iter().map(|&i| weight(params, i)).collect();
            let half = nu * c.iter().sum::<f64>() / 2.0;
            let (mut sum_pos, mut sum_neg) = (half, half);
            let alpha = y
                .iter()
                .zip(&c)
                .map(|(&s, &bound)| {
                    let sum = if s > 0.0 { &mut sum_pos } else { &mut sum_neg };
                    let a = sum.min(bound);
                    *sum -= a;
                    a
                })
                .collect();
            (DualProblem { sample, y: y.clone(), p: vec![0.0; l], c, alpha }, Variant::Nu)
        }
        _ => unreachable!("not a classifier"),
    };
    let upper = problem.c.clone();
    let sol = solve(gram, problem, variant, &params.smo);
    finish_classifier(&sol, &y, &upper, params.kind)
}

/// Platt's `(A, B)` for one pair, fitted on 5-fold cross-validated decision
/// values (LIBSVM's `svm_binary_svc_probability`, with a seeded shuffle).
fn pair_probability(
    gram: &dyn GramProvider,
    pa: &[usize],
    pb: &[usize],
    ca: f64,
    cb: f64,
    params: &SvmParams,
    pair: u64,
) -> (f64, f64) {
    let all: Vec<(usize, bool)> = pa.iter().map(|&i| (i, true)).chain(pb.iter().map(|&i| (i, false))).collect();
    let l = all.len();
    let mut perm: Vec<usize> = (0..l).collect();
    // A seeded Fisher–Yates shuffle, so folds never depend on threads.
    let mut rng = SplitMix64::new(params.seed ^ pair.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    for i in (1..l).rev() {
        perm.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
    }
    let folds = 5.min(l);
    let mut dec = vec![0.0; l];
    for f in 0..folds {
        let (begin, end) = (f * l / folds, (f + 1) * l / folds);
        let train: Vec<(usize, bool)> = perm[..begin].iter().chain(&perm[end..]).map(|&t| all[t]).collect();
        let tp: Vec<usize> = train.iter().filter(|t| t.1).map(|t| t.0).collect();
        let tn: Vec<usize> = train.iter().filter(|t| !t.1).map(|t| t.0).collect();
        let held: Vec<usize> = perm[begin..end].iter().map(|&t| all[t].0).collect();
        let values: Vec<f64> = match (tp.is_empty(), tn.is_empty()) {
            (true, true) => vec![0.0; held.len()],
            (false, true) => vec![1.0; held.len()],
            (true, false) => vec![-1.0; held.len()],
            (false, false) => {
                let mut sub = params.clone();
                sub.probability = false;
                if let SvmKind::NuSvc { nu } = sub.kind {
                    // Keep ν feasible on the smaller training part.
                    let (wp, wn) = (total_weight(params, &tp), total_weight(params, &tn));
                    let cap = 2.0 * wp.min(wn) / (wp + wn);
                    sub.kind = SvmKind::NuSvc { nu: nu.min(cap) };
                }
                let (coef, info) = solve_pair(gram, &tp, &tn, ca, cb, None, &sub);
                let cols: Vec<usize> = tp.iter().chain(&tn).copied().collect();
                let mut k = faer::Mat::zeros(held.len(), cols.len());
                gram.block(&held, &cols, k.as_mut());
                (0..held.len()).map(|r| (0..cols.len()).map(|c| k[(r, c)] * coef[c]).sum::<f64>() - info.rho).collect()
            }
        };
        for (&t, v) in perm[begin..end].iter().zip(values) {
            dec[t] = v;
        }
    }
    let positive: Vec<bool> = all.iter().map(|t| t.1).collect();
    sigmoid_train(&dec, &positive)
}

/// The Laplace scale of ε/ν-SVR residuals on 5-fold cross-validation.
fn regression_scale<K: Kernel<S> + Clone, S: Samples>(
    kernel: &K,
    x: &S,
    y: &[f64],
    params: &SvmParams,
    select: Select<S>,
    par: kern_kernels::Par,
) -> Result<f64, SolverError> {
    let l = y.len();
    let folds = 5.min(l);
    let mut residuals = vec![0.0; l];
    let mut sub = params.clone();
    sub.probability = false;
    for f in 0..folds {
        let held: Vec<usize> = (0..l).filter(|i| i % folds == f).collect();
        let train: Vec<usize> = (0..l).filter(|i| i % folds != f).collect();
        if train.is_empty() || held.is_empty() {
            continue;
        }
        let xt = select(x, &train);
        let yt: Vec<f64> = train.iter().map(|&i| y[i]).collect();
        if !params.sample_weights.is_empty() {
            sub.sample_weights = train.iter().map(|&i| params.sample_weights[i]).collect();
        }
        let model = train_regressor(kernel, &xt, &yt, &sub, select, par)?;
        let pred = model.predict_values(&select(x, &held), par);
        for (&i, p) in held.iter().zip(pred) {
            residuals[i] = y[i] - p;
        }
    }
    Ok(laplace_scale(&residuals))
}

/// Turns a pair's solution into per-variable coefficients `y_t α_t` (scaled
/// for ν-SVC) and its report.
fn finish_classifier(sol: &SmoSolution, y: &[f64], upper: &[f64], kind: SvmKind) -> (Vec<f64>, PairInfo) {
    let (scale, rho, objective) = match kind {
        SvmKind::NuSvc { .. } => (1.0 / sol.r, sol.rho / sol.r, sol.objective / (sol.r * sol.r)),
        _ => (1.0, sol.rho, sol.objective),
    };
    let coef: Vec<f64> = sol.alpha.iter().zip(y).map(|(a, s)| a * s * scale).collect();
    let n_sv = sol.alpha.iter().filter(|&&a| a > 0.0).count();
    let n_bsv = sol.alpha.iter().zip(upper).filter(|&(&a, &c)| a >= c).count();
    (coef, PairInfo { rho, objective, iterations: sol.iterations, n_sv, n_bsv, reached_max_iter: sol.reached_max_iter })
}

/// Sample `i`'s weight (1 without weights).
fn weight(params: &SvmParams, i: usize) -> f64 {
    params.sample_weights.get(i).copied().unwrap_or(1.0)
}

/// The summed weight of `samples`.
fn total_weight(params: &SvmParams, samples: &[usize]) -> f64 {
    samples.iter().map(|&i| weight(params, i)).sum()
}

/// Weights, when given, come one per sample.
fn check_weights(params: &SvmParams, n: usize) -> Result<(), SolverError> {
    match params.sample_weights.is_empty() {
        true => Ok(()),
        false => crate::weights::check_sample_weights(&params.sample_weights, n),
    }
}

fn check_len<S: Samples>(x: &S, n: usize) -> Result<(), SolverError> {
    if x.len() == 0 {
        return Err(SolverError::Empty);
    }
    if x.len() != n {
        return Err(SolverError::DimensionMismatch { what: "number of labels", expected: x.len(), got: n });
    }
    Ok(())
}

/// Trains a one-class SVM (distribution support estimation).
pub fn train_one_class<K: Kernel<S> + Clone, S: Samples>(
    kernel: &K,
    x: &S,
    params: &SvmParams,
    select: Select<S>,
    par: kern_kernels::Par,
) -> Result<SvmModel<K, S>, SolverError> {
    params.validate()?;
    if x.len() == 0 {
        return Err(SolverError::Empty);
    }
    let SvmKind::OneClass { nu } = params.kind else { unreachable!("not a one-class SVM") };
    let l = x.len();
    check_weights(params, l)?;
    // Σ α = ν Σ w, filled greedily from the first sample under the bounds w_i.
    let c: Vec<f64> = (0..l).map(|i| weight(params, i)).collect();
    let mut left = nu * c.iter().sum::<f64>();
    let alpha: Vec<f64> = c
        .iter()
        .map(|&bound| {
            let a = left.min(bound);
            left -= a;
            a
        })
        .collect();
    let problem = DualProblem { sample: (0..l).collect(), y: vec![1.0; l], p: vec![0.0; l], c: c.clone(), alpha };
    let gram = kern_kernels::ExactGram::new(kernel, x, par);
    let sol = solve(&gram, problem, Variant::Standard, &params.smo);
    let n_bsv = sol.alpha.iter().zip(&c).filter(|&(&a, &bound)| a >= bound).count();
    let info = PairInfo {
        rho: sol.rho,
        objective: sol.objective,
        iterations: sol.iterations,
        n_sv: sol.alpha.iter().filter(|&&a| a > 0.0).count(),
        n_bsv,
        reached_max_iter: sol.reached_max_iter,
    };
    Ok(SvmModel::single(kernel.clone(), x, params.kind, &sol.alpha, info, select))
}

/// Trains an ε-SVR or ν-SVR on real targets `y`.
pub fn train_regressor<K: Kernel<S> + Clone, S: Samples>(
    kernel: &K,
    x: &S,
    y: &[f64],
    params: &SvmParams,
    select: Select<S>,
    par: kern_kernels::Par,
) -> Result<SvmModel<K, S>, SolverError> {
    params.validate()?;
    check_len(x, y.len())?;
    check_weights(params, y.len())?;
    if let Some(index) = y.iter().position(|v| !v.is_finite()) {
        return Err(SolverError::NonFiniteTarget { index });
    }
    let l = y.len();
    // Two variables per sample: α⁺ (y = +1) then α⁻ (y = −1).
    let sample: Vec<usize> = (0..l).chain(0..l).collect();
    let signs: Vec<f64> = (0..2 * l).map(|t| if t < l { 1.0 } else { -1.0 }).collect();
    // Both variables of sample i are bounded by C w_i.
    let bounds = |c: f64| -> Vec<f64> { sample.iter().map(|&i| c * weight(params, i)).collect() };
    let (problem, variant) = match params.kind {
        SvmKind::EpsilonSvr { c, epsilon } => {
            let p = (0..2 * l).map(|t| if t < l { epsilon - y[t] } else { epsilon + y[t - l] }).collect();
            let c = bounds(c);
            (DualProblem { sample, y: signs, p, c, alpha: vec![0.0; 2 * l] }, Variant::Standard)
        }
        SvmKind::NuSvr { c, nu } => {
            let c = bounds(c);
            let mut sum = nu * c[..l].iter().sum::<f64>() / 2.0;
            let mut alpha = vec![0.0; 2 * l];
            for i in 0..l {
                let a = sum.min(c[i]);
                alpha[i] = a;
                alpha[i + l] = a;
                sum -= a;
            }
            let p = (0..2 * l).map(|t| if t < l { -y[t] } else { y[t - l] }).collect();
            (DualProblem { sample, y: signs, p, c, alpha }, Variant::Nu)
        }
        _ => unreachable!("not a regressor"),
    };
    let upper = problem.c[..l].to_vec();
    let gram = kern_kernels::ExactGram::new(kernel, x, par);
    let sol = solve(&gram, problem, variant, &params.smo);
    let coef: Vec<f64> = (0..l).map(|i| sol.alpha[i] - sol.alpha[i + l]).collect();
    let scale = if params.probability { Some(regression_scale(kernel, x, y, params, select, par)?) } else { None };
    let info = PairInfo {
        rho: sol.rho,
        objective: sol.objective,
        iterations: sol.iterations,
        n_sv: coef.iter().filter(|&&a| a != 0.0).count(),
        n_bsv: coef.iter().zip(&upper).filter(|&(&a, &c)| a.abs() >= c).count(),
        reached_max_iter: sol.reached_max_iter,
    };
    let mut model = SvmModel::single(kernel.clone(), x, params.kind, &coef, info, select);
    model.laplace_scale = scale;
    Ok(model)
}
