//! The SMO solver on generated problems of every LIBSVM type: the returned
//! point satisfies the KKT conditions (checked with a gradient recomputed
//! here in f64 from the kernel), with and without shrinking, at any thread
//! count.

use faer::Par;
use kern_kernels::{DataSet, DenseMatrix, ExactGram, Row, VectorKernel};
use kern_solvers::smo::{CacheBudget, DualProblem, SmoOptions, SmoSolution, Variant, solve};
use kern_solvers::{SvmKind, SvmParams, train_classifier};

fn lcg(seed: &mut u64) -> f64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ((*seed >> 11) as f64) / ((1u64 << 53) as f64)
}

/// Two overlapping blobs in 3-D (labels ±1) and a noisy regression target.
fn blobs(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>) {
    let mut s = seed;
    let mut rows = Vec::new();
    let (mut labels, mut targets) = (Vec::new(), Vec::new());
    for i in 0..n {
        let y = if i % 3 == 0 { -1.0 } else { 1.0 };
        let row: Vec<f64> = (0..3).map(|j| y * 0.6 * (j as f64 - 0.5) + 2.0 * lcg(&mut s) - 1.0).collect();
        targets.push(row[0].sin() + row[1] * row[2] + 0.1 * (lcg(&mut s) - 0.5));
        rows.push(row);
        labels.push(y);
    }
    (rows, labels, targets)
}

fn options(shrinking: bool) -> SmoOptions {
    // A cache of a few rows only, so that eviction and recomputation happen.
    SmoOptions {
        tol: 1e-3,
        shrinking,
        cache: CacheBudget::Bytes(20 * 200 * 4),
        max_iter: None,
        newton: true,
        working_set: None,
    }
}

/// Checks the KKT conditions of `sol` for `problem` with an independent
/// gradient; `groups` lists the equality constraints' variable sets.
fn assert_kkt(
    name: &str,
    rows: &[Vec<f64>],
    kernel: &VectorKernel,
    problem: &DualProblem,
    sol: &SmoSolution,
    variant: Variant,
) {
    let l = problem.y.len();
    let k = |s: usize, t: usize| {
        kernel.eval_rows(&Row::Dense(&rows[problem.sample[s]]), &Row::Dense(&rows[problem.sample[t]]))
    };
    let g: Vec<f64> = (0..l)
        .map(|s| problem.p[s] + (0..l).map(|t| problem.y[s] * problem.y[t] * k(s, t) * sol.alpha[t]).sum::<f64>())
        .collect();
    // f32 kernel rows in the solver: allow their rounding on top of tol.
    let slack = 1e-4 * (1.0 + sol.alpha.iter().map(|a| a.abs()).sum::<f64>());
    for s in 0..l {
        assert!(
            sol.alpha[s] >= 0.0 && sol.alpha[s] <= problem.c[s],
            "{name}: alpha[{s}] = {} outside [0, {}]",
            sol.alpha[s],
            problem.c[s]
        );
        assert!((g[s] - sol.gradient[s]).abs() <= slack, "{name}: reported gradient {} vs {}", sol.gradient[s], g[s]);
    }
    let sums =
        |pred: &dyn Fn(usize) -> bool, a: &[f64]| (0..l).filter(|&s| pred(s)).map(|s| problem.y[s] * a[s]).sum::<f64>();
    let groups: Vec<Box<dyn Fn(usize) -> bool>> = match variant {
        Variant::Standard => vec![Box::new(|_| true)],
        Variant::Nu => vec![Box::new(|s| problem.y[s] > 0.0), Box::new(|s| problem.y[s] < 0.0)],
    };
    for group in &groups {
        let (before, after) = (sums(group, &problem.alpha), sums(group, &sol.alpha));
        assert!(
            (before - after).abs() < 1e-9 * (1.0 + before.abs()),
            "{name}: equality constraint moved {before} -> {after}"
        );
        // Maximal violation within the group: m(α) − M(α) ≤ tol.
        let up = |s: usize| if problem.y[s] > 0.0 { sol.alpha[s] < problem.c[s] } else { sol.alpha[s] > 0.0 };
        let low = |s: usize| if problem.y[s] > 0.0 { sol.alpha[s] > 0.0 } else { sol.alpha[s] < problem.c[s] };
        let m = (0..l).filter(|&s| group(s) && up(s)).map(|s| -problem.y[s] * g[s]).fold(f64::NEG_INFINITY, f64::max);
        let big_m = (0..l).filter(|&s| group(s) && low(s)).map(|s| -problem.y[s] * g[s]).fold(f64::INFINITY, f64::min);
        assert!(m - big_m <= 1e-3 + slack, "{name}: KKT violation {}", m - big_m);
    }
    let objective = 0.5 * (0..l).map(|s| sol.alpha[s] * (g[s] - problem.p[s])).sum::<f64>()
        + (0..l).map(|s| problem.p[s] * sol.alpha[s]).sum::<f64>();
    assert!(
        (objective - sol.objective).abs() <= 1e-6 * objective.abs().max(1.0) + slack,
        "{name}: objective {} vs {objective}",
        sol.objective
    );
}

fn problems(labels: &[f64], targets: &[f64]) -> Vec<(&'static str, DualProblem, Variant)> {
    let l = labels.len();
    let nu = 0.4;
    let (mut sp, mut sn) = (nu * l as f64 / 2.0, nu * l as f64 / 2.0);
    let nu_alpha = labels
        .iter()
        .map(|&y| {
            let s = if y > 0.0 { &mut sp } else { &mut sn };
            let a = s.min(1.0);
            *s -= a;
            a
        })
        .collect();
    let n1 = (nu * l as f64) as usize;
    let one_alpha = (0..l)
        .map(|i| {
            if i < n1 {
                1.0
            } else if i == n1 {
                nu * l as f64 - n1 as f64
            } else {
                0.0
            }
        })
        .collect();
    let both: Vec<usize> = (0..l).chain(0..l).collect();
    let signs: Vec<f64> = (0..2 * l).map(|t| if t < l { 1.0 } else { -1.0 }).collect();
    let (c, eps, c_svr) = (2.0, 0.01, 50.0);
    let mut sum = c * nu * l as f64 / 2.0;
    let mut nusvr_alpha = vec![0.0; 2 * l];
    for i in 0..l {
        let a = sum.min(c);
        nusvr_alpha[i] = a;
        nusvr_alpha[i + l] = a;
        sum -= a;
    }
    vec![
        (
            "c-svc (weighted)",
            DualProblem {
                sample: (0..l).collect(),
                y: labels.to_vec(),
                p: vec![-1.0; l],
                c: labels.iter().map(|&y| if y > 0.0 { 1.0 } else { 3.0 }).collect(),
                alpha: vec![0.0; l],
            },
            Variant::Standard,
        ),
        (
            "nu-svc",
            DualProblem {
                sample: (0..l).collect(),
                y: labels.to_vec(),
                p: vec![0.0; l],
                c: vec![1.0; l],
                alpha: nu_alpha,
            },
            Variant::Nu,
        ),
        (
            "one-class",
            DualProblem {
                sample: (0..l).collect(),
                y: vec![1.0; l],
                p: vec![0.0; l],
                c: vec![1.0; l],
                alpha: one_alpha,
            },
            Variant::Standard,
        ),
        (
            "eps-svr",
            DualProblem {
                sample: both.clone(),
                y: signs.clone(),
                p: (0..2 * l).map(|t| if t < l { eps - targets[t] } else { eps + targets[t - l] }).collect(),
                c: vec![c_svr; 2 * l],
                alpha: vec![0.0; 2 * l],
            },
            Variant::Standard,
        ),
        (
            "nu-svr",
            DualProblem {
                sample: both,
                y: signs,
                p: (0..2 * l).map(|t| if t < l { -targets[t] } else { targets[t - l] }).collect(),
                c: vec![c; 2 * l],
                alpha: nusvr_alpha,
            },
            Variant::Nu,
        ),
    ]
}

#[test]
fn every_problem_type_satisfies_kkt_with_and_without_shrinking() {
    let (rows, labels, targets) = blobs(200, 1);
    let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    let kernel = VectorKernel::Rbf { gamma: 4.0 };
    let gram = ExactGram::new(&kernel, &x, Par::Seq);
    for (name, problem, variant) in problems(&labels, &targets) {
        let with = solve(&gram, problem.clone(), variant, &options(true));
        let without = solve(&gram, problem.clone(), variant, &options(false));
        // Long enough for shrinking (first tried after min(l, 1000) + 1 iterations).
        let l = problem.y.len();
        assert!(!with.reached_max_iter && with.iterations > l as u64 + 1, "{name}: {} iterations", with.iterations);
        assert_kkt(name, &rows, &kernel, &problem, &with, variant);
        assert_kkt(name, &rows, &kernel, &problem, &without, variant);
        // Both stop within tol of the same optimum.
        assert!(
            (with.objective - without.objective).abs() <= 1e-3 * without.objective.abs().max(1.0),
            "{name}: {} vs {}",
            with.objective,
            without.objective
        );
    }
}

#[test]
fn the_solution_does_not_depend_on_the_thread_count() {
    let (rows, labels, targets) = blobs(700, 2);
    let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    let kernel = VectorKernel::Matern32 { lengthscale: 0.7 };
    for (name, problem, variant) in problems(&labels, &targets) {
        let seq = solve(&ExactGram::new(&kernel, &x, Par::Seq), problem.clone(), variant, &options(true));
        let par = solve(&ExactGram::new(&kernel, &x, Par::rayon(2)), problem, variant, &options(true));
        assert!(seq == par, "{name}: threads changed the solution");
    }
}

#[test]
fn one_vs_one_follows_libsvm_layout_and_separates_well_separated_classes() {
    // Three well-separated clusters: every training point is classified right,
    // and the coefficients of each pair sum to zero (yᵀα = 0).
    let mut s = 9;
    let mut rows = Vec::new();
    let mut classes = Vec::new();
    for i in 0..150 {
        let k = i % 3;
        rows.push(vec![4.0 * k as f64 + lcg(&mut s), (k as f64 - 1.0) * 3.0 + lcg(&mut s)]);
        classes.push(k);
    }
    let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    let params = SvmParams::new(SvmKind::CSvc { c: 10.0 });
    let model =
        train_classifier(&VectorKernel::Rbf { gamma: 0.5 }, &x, &classes, 3, &params, DataSet::select, Par::Seq)
            .unwrap();
    assert_eq!(model.pairs.len(), 3);
    assert_eq!(model.sv_coef.len(), 2);
    assert_eq!(model.n_support.iter().sum::<usize>(), model.n_sv());
    // SVs grouped by class, in training order within a class.
    let sv_class: Vec<usize> = model.sv_indices.iter().map(|&i| classes[i]).collect();
    assert!(sv_class.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(model.predict_classes(&x, Par::Seq), classes);
    let start: Vec<usize> = model.n_support.iter().scan(0, |a, &n| Some(std::mem::replace(a, *a + n))).collect();
    let mut p = 0;
    for a in 0..3 {
        for b in a + 1..3 {
            let sum_a: f64 = (start[a]..start[a] + model.n_support[a]).map(|t| model.sv_coef[b - 1][t]).sum();
            let sum_b: f64 = (start[b]..start[b] + model.n_support[b]).map(|t| model.sv_coef[a][t]).sum();
            assert!((sum_a + sum_b).abs() < 1e-9, "pair {p}: coefficients sum to {}", sum_a + sum_b);
            p += 1;
        }
    }
}

#[test]
fn a_warm_start_along_c_reaches_the_cold_optimum_in_fewer_iterations() {
    // Three classes, so every one-vs-one pair is warm-started.
    let (rows, _, targets) = blobs(240, 17);
    let classes: Vec<usize> = targets
        .iter()
        .map(|&t| {
            if t < -0.3 {
                0
            } else if t < 0.4 {
                1
            } else {
                2
            }
        })
        .collect();
    let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    let kernel = VectorKernel::Rbf { gamma: 2.0 };
    let fit = |c: f64, warm: Vec<Vec<f64>>| {
        let mut params = SvmParams::new(SvmKind::CSvc { c });
        params.smo.tol = 1e-5;
        params.warm_start = warm;
        train_classifier(&kernel, &x, &classes, 3, &params, DataSet::select, Par::Seq).unwrap()
    };
    let small = fit(4.0, Vec::new());
    let alphas = small.pair_alphas(&classes);
    assert_eq!(alphas.len(), 3);
    // pair_alphas inverts the model's layout: Σ over a pair's α of class a equals class b's (Σ y α = 0).
    let sizes: Vec<usize> = (0..3).map(|k| classes.iter().filter(|&&c| c == k).count()).collect();
    for (p, (a, b)) in [(0, 1), (0, 2), (1, 2)].into_iter().enumerate() {
        let (pos, neg) = alphas[p].split_at(sizes[a]);
        assert_eq!(alphas[p].len(), sizes[a] + sizes[b]);
        let (sp, sn): (f64, f64) = (pos.iter().sum(), neg.iter().sum());
        assert!((sp - sn).abs() < 1e-9 * sp.max(1.0), "pair {p}: {sp} vs {sn}");
        assert!(alphas[p].iter().all(|&v| (0.0..=4.0 + 1e-12).contains(&v)));
    }
    // The solution at C = 4 is feasible at C = 64 (the box only widens).
    let (cold, warm) = (fit(64.0, Vec::new()), fit(64.0, alphas.clone()));
    for (c, w) in cold.pairs.iter().zip(&warm.pairs) {
        assert!((c.objective - w.objective).abs() <= 1e-4 * c.objective.abs(), "{} vs {}", c.objective, w.objective);
    }
    let total = |m: &kern_solvers::SvmModel<VectorKernel, DataSet>| m.pairs.iter().map(|p| p.iterations).sum::<u64>();
    assert!(total(&warm) < total(&cold), "warm {} vs cold {} iterations", total(&warm), total(&cold));
    assert_eq!(cold.predict_classes(&x, Par::Seq), warm.predict_classes(&x, Par::Seq));
    // A warm start of the wrong shape, or for another problem, is refused.
    let mut bad = SvmParams::new(SvmKind::CSvc { c: 1.0 });
    bad.warm_start = vec![vec![0.0; 3]];
    assert!(train_classifier(&kernel, &x, &classes, 3, &bad, DataSet::select, Par::Seq).is_err());
    bad.kind = SvmKind::NuSvc { nu: 0.3 };
    bad.warm_start = alphas;
    assert!(train_classifier(&kernel, &x, &classes, 3, &bad, DataSet::select, Par::Seq).is_err());
}

#[test]
fn newton_steps_reach_the_same_kkt_point_in_fewer_iterations() {
    // A large C with a narrow kernel leaves many variables free: SMO alone
    // zigzags among them for a long time, which is what the steps cut.
    let (rows, labels, targets) = blobs(300, 5);
    let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    let kernel = VectorKernel::Rbf { gamma: 0.5 };
    let gram = ExactGram::new(&kernel, &x, Par::Seq);
    let mut stepped = 0;
    for (name, mut problem, variant) in problems(&labels, &targets) {
        // Widen every box a hundredfold (still feasible: the start is unchanged).
        problem.c.iter_mut().for_each(|c| *c *= 100.0);
        let opts = |newton| SmoOptions {
            tol: 1e-3,
            shrinking: true,
            cache: CacheBudget::Bytes(64 << 20),
            max_iter: None,
            newton,
            working_set: None,
        };
        let plain = solve(&gram, problem.clone(), variant, &opts(false));
        let newton = solve(&gram, problem.clone(), variant, &opts(true));
        assert_eq!(plain.newton_steps, 0);
        assert_kkt(name, &rows, &kernel, &problem, &newton, variant);
        assert!(!newton.reached_max_iter, "{name}");
        // Both stop within tol of the optimum: a point whose maximal violation
        // is tol is within tol · Σα of the optimal objective.
        let bound = 1e-3 * plain.alpha.iter().chain(&newton.alpha).sum::<f64>() + 1e-9;
        assert!(
            (newton.objective - plain.objective).abs() <= bound,
            "{name}: {} vs {} (bound {bound})",
            newton.objective,
            plain.objective
        );
        if newton.newton_steps > 0 {
            stepped += 1;
            assert!(
                newton.iterations < plain.iterations,
                "{name}: {} iterations with {} steps, {} without",
                newton.iterations,
                newton.newton_steps,
                plain.iterations
            );
        }
    }
    assert!(stepped >= 3, "steps were taken in only {stepped} of the five problems");
}

/// Working sets of many variables stop at the same tolerance as LIBSVM's
/// pairs: KKT holds, the objective agrees to that tolerance, and the
/// result is the same at one thread and two; for every standard dual
/// (weighted C-SVC, one-class from a non-zero start, ε-SVR's twin variables).
#[test]
fn working_sets_reach_the_pairs_optimum() {
    let (rows, labels, targets) = blobs(300, 3);
    let x = DataSet::from(DenseMatrix::from_rows(&rows).unwrap());
    let kernel = VectorKernel::Rbf { gamma: 4.0 };
    for (name, problem, variant) in problems(&labels, &targets) {
        if variant != Variant::Standard {
            continue;
        }
        let pairs = solve(&ExactGram::new(&kernel, &x, Par::Seq), problem.clone(), variant, &options(true));
        for q in [2, 16, 64] {
            let batched = SmoOptions { working_set: Some(q), cache: CacheBudget::Bytes(1 << 20), ..options(true) };
            let seq = solve(&ExactGram::new(&kernel, &x, Par::Seq), problem.clone(), variant, &batched);
            let name = format!("{name}, working set {q}");
            assert!(!seq.reached_max_iter, "{name}: stopped by the iteration limit");
            assert_kkt(&name, &rows, &kernel, &problem, &seq, variant);
            assert!(
                (seq.objective - pairs.objective).abs() <= 1e-3 * pairs.objective.abs().max(1.0),
                "{name}: {} vs pairs {}",
                seq.objective,
                pairs.objective
            );
            let par = solve(&ExactGram::new(&kernel, &x, Par::rayon(2)), problem.clone(), variant, &batched);
            assert!(seq == par, "{name}: threads changed the solution");
        }
    }
}
