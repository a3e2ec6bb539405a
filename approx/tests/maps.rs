//! Feature maps: random Fourier features converge to their kernels at the
//! Monte-Carlo rate, Nyström with greedy pivots is exact at full rank, and
//! landmark choices are reproducible.

use faer::Mat;
use kern_approx::nystroem::{greedy_pivoted_cholesky, uniform_sample};
use kern_approx::{FeatureMap, Landmarks, Nystroem, RandomFourierFeatures, SplitMix64};
use kern_kernels::{DataSet, DenseMatrix, Par, VectorKernel, gram_matrix};

fn points(n: usize, d: usize, seed: u64) -> DataSet {
    let mut rng = SplitMix64::new(seed);
    let rows: Vec<Vec<f64>> = (0..n).map(|_| (0..d).map(|_| 0.6 * rng.normal()).collect()).collect();
    DataSet::from(DenseMatrix::from_rows(&rows).unwrap())
}

fn max_error(phi: &Mat<f64>, k: &Mat<f64>) -> f64 {
    let approx = phi * phi.transpose();
    (&approx - k).norm_max()
}

#[test]
fn each_random_feature_map_converges_to_its_kernel() {
    let x = points(8, 3, 1);
    let rbf = VectorKernel::Rbf { gamma: 0.7 };
    let cases = [
        (rbf.clone(), false),
        (rbf.clone(), true),
        (VectorKernel::Scaled { scale: 2.5, kernel: Box::new(rbf) }, false),
        (VectorKernel::Laplacian { gamma: 0.4 }, false),
        (VectorKernel::Matern12 { lengthscale: 1.2 }, false),
        (VectorKernel::Matern32 { lengthscale: 0.9 }, false),
        (VectorKernel::Matern52 { lengthscale: 1.1 }, true),
    ];
    for (kernel, orthogonal) in cases {
        let k = gram_matrix(&kernel, &x, Par::Seq);
        let map = RandomFourierFeatures::new(&kernel, 3, 200_000, orthogonal, 11).unwrap();
        let phi = map.transform(&x, Par::Seq).unwrap();
        let scale = k.norm_max();
        let err = max_error(&phi, &k) / scale;
        // Monte-Carlo error ~ 1/√D ≈ 0.002; 0.015 leaves a wide margin.
        assert!(err < 0.015, "{kernel:?} (orthogonal {orthogonal}): {err}");
    }
}

#[test]
fn the_gram_error_falls_like_one_over_root_d() {
    let x = points(40, 4, 2);
    let kernel = VectorKernel::Rbf { gamma: 0.5 };
    let k = gram_matrix(&kernel, &x, Par::Seq);
    // Root-mean-square error over the Gram, averaged over seeds.
    let rms = |d: usize| -> f64 {
        (0..6)
            .map(|seed| {
                let map = RandomFourierFeatures::new(&kernel, 4, d, false, seed).unwrap();
                let e = &(map.transform(&x, Par::Seq).unwrap() * map.transform(&x, Par::Seq).unwrap().transpose()) - &k;
                e.norm_l2() / 40.0
            })
            .sum::<f64>()
            / 6.0
    };
    let errors: Vec<f64> = [100, 400, 1600, 6400].iter().map(|&d| rms(d)).collect();
    for pair in errors.windows(2) {
        // 4× the features: half the error, within a band for the randomness.
        let ratio = pair[0] / pair[1];
        assert!((1.5..2.7).contains(&ratio), "errors {errors:?}");
    }
}

#[test]
fn the_map_is_seeded_and_the_same_at_any_thread_count() {
    let x = points(1500, 5, 3);
    let kernel = VectorKernel::Matern32 { lengthscale: 1.0 };
    let map = RandomFourierFeatures::new(&kernel, 5, 64, false, 4).unwrap();
    let again = RandomFourierFeatures::new(&kernel, 5, 64, false, 4).unwrap();
    assert_eq!(map, again);
    assert_eq!(map.transform(&x, Par::Seq).unwrap(), map.transform(&x, Par::rayon(2)).unwrap());
    let nys = Nystroem::fit(&kernel, &x, 50, Landmarks::Leverage { lambda: None }, 9, Par::rayon(2)).unwrap();
    assert_eq!(nys, Nystroem::fit(&kernel, &x, 50, Landmarks::Leverage { lambda: None }, 9, Par::Seq).unwrap());
    assert_eq!(nys.transform(&x, Par::Seq).unwrap(), nys.transform(&x, Par::rayon(2)).unwrap());
}

#[test]
fn greedy_pivoted_cholesky_s_residual_trace_falls_to_the_tolerance() {
    let x = points(300, 2, 5);
    let kernel = VectorKernel::Rbf { gamma: 1.0 };
    let (pivots, traces) = greedy_pivoted_cholesky(&kernel, &x, 300, 1e-6, Par::Seq);
    assert_eq!(traces.len(), pivots.len() + 1);
    assert!(traces.windows(2).all(|t| t[1] <= t[0]), "non-increasing");
    assert!(*traces.last().unwrap() <= 1e-6 * traces[0]);
    assert!(pivots.len() < 300, "a smooth kernel in 2-d needs far fewer than n pivots");
    // Distinct pivots; a cap of M stops at M.
    let mut sorted = pivots.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), pivots.len());
    let (capped, _) = greedy_pivoted_cholesky(&kernel, &x, 10, 0.0, Par::Seq);
    assert_eq!(capped, pivots[..10]);
    // The map on the greedy landmarks reproduces K to about the tolerance.
    let map = Nystroem::fit(&kernel, &x, 300, Landmarks::Greedy { tolerance: 1e-6 }, 0, Par::Seq).unwrap();
    let k = gram_matrix(&kernel, &x, Par::Seq);
    assert!(max_error(&map.transform(&x, Par::Seq).unwrap(), &k) < 1e-5);
}

#[test]
fn landmark_samples_are_distinct_sorted_and_seeded() {
    let u = uniform_sample(1000, 100, 3);
    assert_eq!(u.len(), 100);
    assert!(u.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(u, uniform_sample(1000, 100, 3));
    assert_ne!(u, uniform_sample(1000, 100, 4));
    assert_eq!(uniform_sample(5, 10, 0), vec![0, 1, 2, 3, 4]);
    let x = points(400, 3, 6);
    let kernel = VectorKernel::Rbf { gamma: 0.5 };
    let nys = Nystroem::fit(&kernel, &x, 40, Landmarks::Leverage { lambda: Some(1e-3) }, 1, Par::Seq).unwrap();
    assert_eq!(nys.landmark_indices.len(), 40);
    assert!(nys.landmark_indices.windows(2).all(|w| w[0] < w[1]));
}

/// `clusters` tight clusters of `size` points each, far apart on a line.
fn clusters(clusters: usize, size: usize) -> DataSet {
    let rows: Vec<Vec<f64>> =
        (0..clusters * size).map(|i| vec![(i / size) as f64 * 10.0 + (i % size) as f64 * 1e-3, 0.5]).collect();
    DataSet::from(DenseMatrix::from_rows(&rows).unwrap())
}

#[test]
fn more_kmeans_seeds_reach_the_clusters_the_seeds_miss_and_are_seeded() {
    use kern_approx::nystroem::more_kmeans_seeds;
    let kernel = VectorKernel::Rbf { gamma: 0.5 };
    let x = clusters(32, 10);
    let cluster = |i: &usize| i / 10;
    // One at a time (k-means++): the seed's cluster and each of the 7 others get one.
    let small = clusters(8, 10);
    let seeds = small.select(&[3]);
    let more = more_kmeans_seeds(&kernel, &small, &seeds, 7, 1, Par::Seq);
    let mut reached: Vec<usize> = more.iter().map(cluster).collect();
    reached.sort_unstable();
    assert_eq!(reached, (1..8).collect::<Vec<_>>(), "{more:?}");
    // In batches (k-means‖): distinct, never a seed, nearly every cluster;
    // uniform draws of 31 of these points reach about 20 of the 31.
    let more = more_kmeans_seeds(&kernel, &x, &x.select(&[0]), 31, 2, Par::Seq);
    assert_eq!(more.len(), 31);
    assert!(more.iter().all(|&i| i != 0) && (1..31).all(|k| !more[..k].contains(&more[k])));
    let mut reached: Vec<usize> = more.iter().map(cluster).filter(|&c| c != 0).collect();
    reached.sort_unstable();
    reached.dedup();
    assert!(reached.len() >= 28, "{} clusters reached", reached.len());
    assert_eq!(more, more_kmeans_seeds(&kernel, &x, &x.select(&[0]), 31, 2, Par::rayon(2)));
    assert_ne!(more, more_kmeans_seeds(&kernel, &x, &x.select(&[0]), 31, 3, Par::Seq));
    // No seeds: the first is drawn uniformly. Seeds everywhere: nothing left to draw.
    let none = DataSet::from(DenseMatrix::new(0, 2, Vec::new()).unwrap());
    assert_eq!(more_kmeans_seeds(&kernel, &small, &none, 8, 4, Par::Seq).len(), 8);
    assert!(more_kmeans_seeds(&kernel, &small, &small, 5, 4, Par::Seq).is_empty());
}
