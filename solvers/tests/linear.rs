//! Linear models on feature maps: Nyström with every sample as a landmark
//! gives exact kernel ridge, and a linear SVM on random features classifies
//! as well as the kernel SVM it approximates.

use faer::{Mat, MatRef, Par};
use kern_approx::{FeatureMap, Landmarks, Nystroem, RandomFourierFeatures, SplitMix64};
use kern_kernels::{DataSet, DenseMatrix, VectorKernel};
use kern_solvers::linear::{LinearSvm, LinearSvmLoss, LinearSvmModel, primal_ridge};
use kern_solvers::{KernelRidge, KernelRidgeModel};

fn regression(n: usize, seed: u64) -> (DataSet, Mat<f64>) {
    let mut rng = SplitMix64::new(seed);
    let rows: Vec<Vec<f64>> = (0..n).map(|_| (0..3).map(|_| 2.0 * rng.uniform() - 1.0).collect()).collect();
    let y = Mat::from_fn(n, 1, |i, _| (3.0 * rows[i][0]).sin() + rows[i][1] * rows[i][2]);
    (DataSet::from(DenseMatrix::from_rows(&rows).unwrap()), y)
}

#[test]
fn nystroem_with_every_sample_as_landmark_is_exact_kernel_ridge() {
    let (x, y) = regression(120, 1);
    let (test, _) = regression(30, 2);
    let kernel = VectorKernel::Rbf { gamma: 3.0 };
    let alpha = 0.1;
    let exact = KernelRidgeModel::fit(kernel.clone(), x.clone(), y.as_ref(), KernelRidge { alpha }, Par::Seq).unwrap();
    let map = Nystroem::fit(&kernel, &x, 120, Landmarks::Uniform, 0, Par::Seq).unwrap();
    assert_eq!(map.rank, 120, "a well-conditioned K keeps every eigenvalue");
    let beta = primal_ridge(map.transform(&x, Par::Seq).unwrap().as_ref(), y.as_ref(), alpha, Par::Seq).unwrap();
    let ours = map.transform(&test, Par::Seq).unwrap() * &beta;
    let reference = exact.predict(&test, Par::Seq);
    let err = (&ours - &reference).norm_max() / reference.norm_max();
    assert!(err < 1e-8, "{err}");
}

/// Two interleaved half-moons (a fixed generator), classes 0 and 1.
fn moons(n: usize, seed: u64) -> (DataSet, Vec<usize>) {
    let mut rng = SplitMix64::new(seed);
    let mut rows = Vec::new();
    let mut classes = Vec::new();
    for i in 0..n {
        let c = i % 2;
        let t = std::f64::consts::PI * rng.uniform();
        let (x, y) = if c == 0 { (t.cos(), t.sin()) } else { (1.0 - t.cos(), 0.5 - t.sin()) };
        rows.push(vec![x + 0.1 * rng.normal(), y + 0.1 * rng.normal()]);
        classes.push(c);
    }
    (DataSet::from(DenseMatrix::from_rows(&rows).unwrap()), classes)
}

#[test]
fn a_linear_svm_on_random_features_separates_two_moons() {
    let (x, classes) = moons(600, 3);
    let (test, truth) = moons(400, 4);
    let kernel = VectorKernel::Rbf { gamma: 2.0 };
    let map = RandomFourierFeatures::new(&kernel, 2, 400, false, 5).unwrap();
    let phi = map.transform(&x, Par::Seq).unwrap();
    let phi_test = map.transform(&test, Par::Seq).unwrap();
    for loss in [LinearSvmLoss::Hinge, LinearSvmLoss::SquaredHinge] {
        let params = LinearSvm { c: 10.0, loss, ..LinearSvm::default() };
        let model = LinearSvmModel::fit(&params, phi.as_ref(), &classes, 2).unwrap();
        let predicted = model.predict(phi_test.as_ref());
        let accuracy = predicted.iter().zip(&truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64;
        // The moons are not linearly separable (a linear SVM on x gets ~88 %); RBF features get them all but the noise.
        assert!(accuracy > 0.97, "{loss:?}: {accuracy}");
        assert_eq!(model, LinearSvmModel::fit(&params, phi.as_ref(), &classes, 2).unwrap(), "seeded");
    }
}

#[test]
fn one_against_the_rest_covers_three_classes() {
    let mut rng = SplitMix64::new(7);
    let centres = [(-2.0, 0.0), (2.0, 0.0), (0.0, 3.0)];
    let rows: Vec<Vec<f64>> =
        (0..300).map(|i| vec![centres[i % 3].0 + 0.5 * rng.normal(), centres[i % 3].1 + 0.5 * rng.normal()]).collect();
    let classes: Vec<usize> = (0..300).map(|i| i % 3).collect();
    let phi = Mat::from_fn(300, 2, |i, j| rows[i][j]);
    let model = LinearSvmModel::fit(&LinearSvm::default(), phi.as_ref(), &classes, 3).unwrap();
    assert_eq!(model.weights.len(), 3);
    let predicted = model.predict(phi.as_ref());
    let accuracy = predicted.iter().zip(&classes).filter(|(a, b)| a == b).count() as f64 / 300.0;
    assert!(accuracy > 0.97, "{accuracy}");
}

#[test]
fn falkon_with_every_sample_as_centre_is_exact_kernel_ridge() {
    use kern_solvers::falkon::{Falkon, FalkonModel};
    let (x, y) = regression(150, 5);
    let (test, _) = regression(40, 6);
    let kernel = VectorKernel::Matern52 { lengthscale: 0.7 };
    let alpha = 0.05;
    let y2 = Mat::from_fn(150, 2, |i, c| if c == 0 { y[(i, 0)] } else { 1.0 - y[(i, 0)] * y[(i, 0)] });
    let exact = KernelRidgeModel::fit(kernel.clone(), x.clone(), y2.as_ref(), KernelRidge { alpha }, Par::Seq).unwrap();
    let params = Falkon { alpha, max_iter: 500, tol: 1e-13, settle: 0.0, hold_bytes: 0, centre_targets: false };
    for par in [Par::Seq, Par::rayon(2)] {
        let model = FalkonModel::fit(&params, &kernel, &x, y2.as_ref(), x.clone(), par).unwrap();
        let ours = model.predict(&test, par);
        let reference = exact.predict(&test, Par::Seq);
        let err = (&ours - &reference).norm_max() / reference.norm_max();
        assert!(err < 1e-6, "{err} after {} iterations", model.iterations);
    }
    let a = FalkonModel::fit(&params, &kernel, &x, y2.as_ref(), x.clone(), Par::Seq).unwrap();
    let b = FalkonModel::fit(&params, &kernel, &x, y2.as_ref(), x.clone(), Par::rayon(2)).unwrap();
    assert_eq!(a, b, "the same model at any thread count");
}

#[test]
fn falkon_is_the_same_bits_in_thread_pools_of_any_size() {
    use kern_approx::nystroem::uniform_sample;
    use kern_solvers::falkon::{Falkon, FalkonModel};
    // Blocks big enough that faer's own products would split their sums
    // over the pool's threads.
    let (x, y) = regression(2000, 3);
    let kernel = VectorKernel::Rbf { gamma: 1.0 };
    let centres = x.select(&uniform_sample(2000, 400, 2));
    let params = Falkon { alpha: 1e-3, max_iter: 100, tol: 1e-9, settle: 1e-3, hold_bytes: 0, centre_targets: false };
    let fit_in = |threads: usize, par: Par| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| FalkonModel::fit(&params, &kernel, &x, y.as_ref(), centres.clone(), par).unwrap())
    };
    let a = fit_in(1, Par::Seq);
    for (threads, par) in [(4, Par::Seq), (4, Par::rayon(4)), (2, Par::rayon(2))] {
        assert!(a == fit_in(threads, par), "another model in a pool of {threads} threads, {par:?}");
    }
}

#[test]
fn falkon_with_few_centres_solves_nystroem_kernel_ridge() {
    use kern_approx::nystroem::uniform_sample;
    use kern_solvers::falkon::{Falkon, FalkonModel};
    let (x, y) = regression(3000, 7);
    let (test, truth) = regression(500, 8);
    let kernel = VectorKernel::Rbf { gamma: 2.0 };
    let indices = uniform_sample(3000, 300, 1);
    let alpha = 1e-2;
    let params = Falkon { alpha, max_iter: 300, tol: 1e-12, settle: 0.0, hold_bytes: 0, centre_targets: false };
    let model = FalkonModel::fit(&params, &kernel, &x, y.as_ref(), x.select(&indices), Par::rayon(2)).unwrap();
    // The same problem solved directly: ridge on the Nyström features of the same centres.
    let map = Nystroem::from_landmarks(&kernel, x.select(&indices), indices, Par::Seq).unwrap();
    let beta = primal_ridge(map.transform(&x, Par::Seq).unwrap().as_ref(), y.as_ref(), alpha, Par::Seq).unwrap();
    let direct = map.transform(&test, Par::Seq).unwrap() * &beta;
    let pred = model.predict(&test, Par::Seq);
    let err = (&pred - &direct).norm_max() / direct.norm_max();
    assert!(err < 1e-6, "{err} after {} iterations, residual {:?}", model.iterations, model.relative_residuals);
    let mse: f64 = (0..500).map(|i| (pred[(i, 0)] - truth[(i, 0)]).powi(2)).sum::<f64>() / 500.0;
    assert!(mse < 1e-3, "{mse}");
}

#[test]
fn falkon_holding_k_nm_fits_the_same_model() {
    use kern_approx::nystroem::uniform_sample;
    use kern_solvers::falkon::{Falkon, FalkonModel};
    let (x, y) = regression(1000, 11);
    let kernel = VectorKernel::Rbf { gamma: 2.0 };
    let centres = x.select(&uniform_sample(1000, 100, 3));
    for par in [Par::Seq, Par::rayon(2)] {
        let computed = Falkon { alpha: 1e-3, hold_bytes: 0, ..Falkon::default() };
        let held = Falkon { hold_bytes: u64::MAX, ..computed.clone() };
        let a = FalkonModel::fit(&computed, &kernel, &x, y.as_ref(), centres.clone(), par).unwrap();
        let b = FalkonModel::fit(&held, &kernel, &x, y.as_ref(), centres.clone(), par).unwrap();
        assert_eq!(a, b, "holding K_nM changes nothing but the time");
    }
}

#[test]
fn falkon_stops_once_its_steps_settle_near_the_solution() {
    use kern_approx::nystroem::uniform_sample;
    use kern_solvers::falkon::{Falkon, FalkonModel, SETTLE, Stopped};
    let (x, y) = regression(3000, 12);
    let kernel = VectorKernel::Rbf { gamma: 2.0 };
    let centres = x.select(&uniform_sample(3000, 300, 4));
    let fit = |params: &Falkon| FalkonModel::fit(params, &kernel, &x, y.as_ref(), centres.clone(), Par::Seq).unwrap();
    // A small penalty, so that CG needs many steps to converge.
    let exact =
        fit(&Falkon { alpha: 1e-2, max_iter: 1000, tol: 1e-12, settle: 0.0, hold_bytes: 0, centre_targets: false });
    assert_eq!(exact.stopped_because, Some(Stopped::Residual));
    let settled = fit(&Falkon { alpha: 1e-2, ..Falkon::default() });
    assert_eq!(settled.stopped_because, Some(Stopped::Settled));
    assert!(settled.iterations < exact.iterations, "{} vs {}", settled.iterations, exact.iterations);
    // The fitted values' remaining change is of the order of the last steps.
    let (a, b) = (settled.predict(&x, Par::Seq), exact.predict(&x, Par::Seq));
    let change = (&a - &b).norm_l2() / b.norm_l2();
    assert!(change < 3.0 * SETTLE, "{change} after {} iterations", settled.iterations);
    let limited = fit(&Falkon { alpha: 1e-2, max_iter: 2, ..Falkon::default() });
    assert_eq!((limited.stopped_because, limited.iterations), (Some(Stopped::IterationLimit), 2));
}

/// A kernel whose blocks are rounded to f32, as a GPU's single-precision
/// tiles are: Falkon must keep its preconditioner from magnifying that.
struct SingleBlocks(VectorKernel);

impl kern_kernels::Kernel<DataSet> for SingleBlocks {
    fn eval(&self, a: &DataSet, i: usize, b: &DataSet, j: usize) -> f64 {
        self.0.eval(a, i, b, j) as f32 as f64
    }
    fn block(
        &self,
        a: &DataSet,
        rows: &[usize],
        b: &DataSet,
        cols: &[usize],
        mut out: faer::MatMut<'_, f64>,
        par: Par,
    ) {
        self.0.block(a, rows, b, cols, out.as_mut(), par);
        for j in 0..out.ncols() {
            for i in 0..out.nrows() {
                out[(i, j)] = out[(i, j)] as f32 as f64;
            }
        }
    }
    fn unit_roundoff(&self) -> f64 {
        f32::EPSILON as f64 / 2.0
    }
    /// The products in f32 arithmetic, as cuBLAS's sgemm forms them.
    fn block_product(&self, a: &DataSet, b: &DataSet, product: kern_kernels::BlockProduct<'_>) -> Option<Mat<f64>> {
        use kern_kernels::BlockProduct;
        let (rows, cols): (Vec<usize>, Vec<usize>) = ((0..a.n_samples()).collect(), (0..b.n_samples()).collect());
        let mut k = Mat::zeros(rows.len(), cols.len());
        self.0.block(a, &rows, b, &cols, k.as_mut(), Par::Seq);
        let k = Mat::<f32>::from_fn(k.nrows(), k.ncols(), |i, j| k[(i, j)] as f32);
        let single = |m: faer::MatRef<'_, f64>| Mat::<f32>::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)] as f32);
        let out = match product {
            BlockProduct::Times(w) => &k * single(w),
            BlockProduct::TransposeTimes(v) => k.transpose() * single(v),
            BlockProduct::GramTimes(w) => k.transpose() * (&k * single(w)),
        };
        Some(Mat::from_fn(out.nrows(), out.ncols(), |i, j| out[(i, j)] as f64))
    }
}

#[test]
fn falkon_on_single_precision_blocks_predicts_as_in_double() {
    use kern_approx::nystroem::uniform_sample;
    use kern_solvers::falkon::{Falkon, FalkonModel};
    // A smooth kernel on 2-D data: K_MM is singular far below f32's rounding.
    let mut rng = SplitMix64::new(17);
    let values: Vec<f64> = (0..2 * 3000).map(|_| 3.0 * rng.uniform() - 1.5).collect();
    let y = Mat::from_fn(3000, 1, |i, _| (2.0 * values[2 * i]).sin() + values[2 * i + 1]);
    let x = DataSet::from(DenseMatrix::new(3000, 2, values).unwrap());
    let kernel = VectorKernel::Rbf { gamma: 2.0 };
    let centres = x.select(&uniform_sample(3000, 300, 2));
    let params = Falkon { alpha: 0.1, ..Falkon::default() };
    let double = FalkonModel::fit(&params, &kernel, &x, y.as_ref(), centres.clone(), Par::rayon(2)).unwrap();
    let single = FalkonModel::fit_with_blocks(
        &params,
        &kernel,
        &SingleBlocks(kernel.clone()),
        &x,
        y.as_ref(),
        centres,
        Par::rayon(2),
    )
    .unwrap();
    let (a, b) = (double.predict(&x, Par::Seq), single.predict(&x, Par::Seq));
    let worst = (&a - &b).norm_max();
    // f32 products perturb this ill-conditioned system (λ = alpha / n = 3e-5):
    // predictions move by 0.006 to 0.09 of a scale of 2.45, depending on the
    // draw (0.046 for this one). With f64's jitter in the preconditioner
    // instead, T⁻¹ magnifies the rounding and they move by 2.4.
    assert!(
        worst < 0.15,
        "f32 blocks move predictions by {worst:e} (scale {:.2}); {} iterations, residuals {:?}",
        a.norm_max(),
        single.iterations,
        single.relative_residuals.last()
    );
}

#[test]
fn falkon_resumed_from_any_checkpoint_reaches_the_uninterrupted_model() {
    use kern_approx::nystroem::uniform_sample;
    use kern_solvers::collective::Alone;
    use kern_solvers::falkon::{CgState, Checkpoints, Falkon, FalkonData, FalkonModel, Run};
    let (x, y) = regression(1500, 4);
    let kernel = VectorKernel::Rbf { gamma: 1.0 };
    let centres = x.select(&uniform_sample(1500, 200, 3));
    let params = Falkon { alpha: 1e-6, max_iter: 20, tol: 0.0, settle: 0.0, hold_bytes: 0, centre_targets: false };
    let saved = std::sync::Mutex::new(Vec::<CgState>::new());
    let save = |state: &CgState| {
        saved.lock().unwrap().push(state.clone());
        Ok(())
    };
    let fit = |y: MatRef<'_, f64>, checkpoints| {
        let data = FalkonData { x: &x, y, weights: None };
        let run = Run { collective: &Alone, checkpoints };
        FalkonModel::fit_shared(&params, &kernel, &kernel, data, centres.clone(), Par::Seq, run)
    };
    let whole = fit(y.as_ref(), Some(Checkpoints { every: 3, save: &save, resume: None })).unwrap();
    let states = saved.lock().unwrap().clone();
    assert_eq!(states.iter().map(CgState::iterations).collect::<Vec<_>>(), [3, 6, 9, 12, 15, 18]);
    for state in &states {
        let resumed = fit(y.as_ref(), Some(Checkpoints { every: 100, save: &save, resume: Some(state.clone()) }));
        assert!(resumed.unwrap() == whole, "resumed after {} iterations", state.iterations());
    }
    let other = Mat::from_fn(1500, 1, |i, _| y[(i, 0)] + 1.0);
    let refused = fit(other.as_ref(), Some(Checkpoints { every: 100, save: &save, resume: Some(states[0].clone()) }));
    assert!(matches!(refused, Err(kern_solvers::SolverError::CheckpointMismatch)));
}

#[test]
fn falkon_centres_targets_far_from_zero_and_the_fit_moves_with_them() {
    use kern_approx::nystroem::uniform_sample;
    use kern_solvers::falkon::{Falkon, FalkonData, FalkonModel};
    let (x, y) = regression(2000, 11);
    let (test, truth) = regression(300, 12);
    let kernel = VectorKernel::Rbf { gamma: 1.0 };
    let centres = x.select(&uniform_sample(2000, 200, 4));
    let weights: Vec<f64> = (0..2000).map(|i| 0.5 + (i % 3) as f64).collect();
    let shift = 1e6;
    let far = Mat::from_fn(2000, 1, |i, _| y[(i, 0)] + shift);
    let fit = |params: &Falkon, y: MatRef<'_, f64>| {
        let data = FalkonData { x: &x, y, weights: Some(&weights) };
        FalkonModel::fit_data(params, &kernel, &kernel, data, centres.clone(), Par::Seq).unwrap()
    };
    let error = |m: &FalkonModel, offset: f64| {
        let f = m.predict(&test, Par::Seq);
        (0..300).map(|i| (f[(i, 0)] - offset - truth[(i, 0)]).powi(2)).sum::<f64>() / 300.0
    };
    let centred = Falkon { alpha: 1e-3, max_iter: 500, tol: 1e-12, settle: 0.0, hold_bytes: 0, centre_targets: true };
    let (near, moved) = (fit(&centred, y.as_ref()), fit(&centred, far.as_ref()));
    // The weighted mean, and the same fit about it.
    let mean = (0..2000).map(|i| weights[i] * far[(i, 0)]).sum::<f64>() / weights.iter().sum::<f64>();
    assert!((moved.target_mean[0] - mean).abs() < 1e-6, "{:?} against {mean}", moved.target_mean);
    let (a, b) = (near.predict(&test, Par::Seq), moved.predict(&test, Par::Seq));
    let drift = (0..300).map(|i| (b[(i, 0)] - shift - a[(i, 0)]).abs()).fold(0.0, f64::max);
    assert!(drift < 1e-6, "{drift}");
    // Uncentred, the penalty pays for the offset.
    let plain = fit(&Falkon { centre_targets: false, ..centred }, far.as_ref());
    let (good, bad) = (error(&moved, shift), error(&plain, shift));
    assert!(good < 0.01 && bad > 10.0 * good, "test MSE centred {good}, uncentred {bad}");
}
