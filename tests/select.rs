//! `kern::select` from Rust: the same folds and the same per-fold scores as
//! `kern cv` on the command line, folds that keep class ratios, and a grid
//! search whose best is the best mean.

mod common;

use common::{json, kern, lcg, scratch, write};
use kern::select::linfa::{CvScores, accuracy, cross_validate, grid_search, neg_mean_squared_error};
use kern::select::{kfold, stratified_kfold};
use kern::{KernelRidge, Svc};
use linfa::Dataset;
use ndarray::{Array1, Array2};

/// Two noisy blobs in 3-d with labels 0 and 1 (70 and 50 samples, interleaved).
fn blobs() -> (Array2<f64>, Array1<usize>) {
    let mut u = lcg(11);
    let y: Array1<usize> = (0..120).map(|i| usize::from(i % 12 >= 7)).collect();
    let x = Array2::from_shape_fn((120, 3), |(i, j)| 1.5 * y[i] as f64 * (j as f64 - 1.0) + 2.0 * (u() - 0.5));
    (x, y)
}

fn csv(x: &Array2<f64>, y: impl Fn(usize) -> String) -> String {
    let mut text = String::from("label,a,b,c\n");
    for i in 0..x.nrows() {
        text.push_str(&format!("{},{},{},{}\n", y(i), x[(i, 0)], x[(i, 1)], x[(i, 2)]));
    }
    text
}

#[test]
fn cross_validation_matches_kern_cv_fold_by_fold() {
    let (x, y) = blobs();
    let dir = scratch();
    write(dir.path(), "blobs.csv", csv(&x, |i| y[i].to_string()));
    let cli = json(&kern(
        dir.path(),
        &["cv", "blobs.csv", "--label-col", "label", "-c", "2", "-g", "0.5", "--folds", "5", "--seed", "3", "--json"],
    ));
    let data = Dataset::new(x, y);
    let folds = stratified_kfold(data.targets().as_slice().unwrap(), 5, 3);
    let ours: CvScores = cross_validate(&Svc::params().c(2.0).gamma(0.5), &data, &folds, accuracy).unwrap();
    let theirs: Vec<f64> = cli["accuracy_per_fold"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(ours.per_fold, theirs);
    let mean = theirs.iter().sum::<f64>() / 5.0;
    assert!((ours.mean - mean).abs() < 1e-12);
}

#[test]
fn ridge_cross_validation_matches_kern_cv() {
    let (x, _) = blobs();
    let y: Array1<f64> = x.rows().into_iter().map(|r| (2.0 * r[0]).sin() + r[1] * r[2]).collect();
    let dir = scratch();
    write(dir.path(), "r.csv", csv(&x, |i| y[i].to_string()));
    let cli = json(&kern(
        dir.path(),
        &[
            "cv",
            "r.csv",
            "--label-col",
            "label",
            "--task",
            "krr",
            "-g",
            "0.3",
            "--alpha",
            "0.01",
            "--folds",
            "4",
            "--json",
        ],
    ));
    let data = Dataset::new(x, y);
    let ours =
        cross_validate(&KernelRidge::params().gamma(0.3).alpha(0.01), &data, &kfold(120, 4, 0), neg_mean_squared_error)
            .unwrap();
    let theirs = cli["mse_per_fold"].as_array().unwrap();
    for (a, b) in ours.per_fold.iter().zip(theirs) {
        assert!((-a - b.as_f64().unwrap()).abs() < 1e-9, "{a} vs {b}");
    }
}

#[test]
fn folds_are_balanced_seeded_and_stratified() {
    let labels: Vec<char> = (0..103).map(|i| if i % 4 == 0 { 'x' } else { 'y' }).collect();
    let folds = stratified_kfold(&labels, 5, 1);
    for f in 0..5 {
        let xs = (0..103).filter(|&i| folds[i] == f && labels[i] == 'x').count() as f64;
        let ys = (0..103).filter(|&i| folds[i] == f && labels[i] == 'y').count() as f64;
        assert!((xs - 26.0 / 5.0).abs() <= 1.0 && (ys - 77.0 / 5.0).abs() <= 1.0, "fold {f}: {xs} {ys}");
    }
    assert_eq!(folds, stratified_kfold(&labels, 5, 1));
    assert_ne!(folds, stratified_kfold(&labels, 5, 2));
    let plain = kfold(103, 5, 1);
    assert!((0..5).all(|f| (20..=21).contains(&plain.iter().filter(|&&g| g == f).count())));
}

#[test]
fn grid_search_scores_each_candidate_as_cross_validate_and_picks_the_best_mean() {
    let (x, y) = blobs();
    let data = Dataset::new(x, y);
    let folds = stratified_kfold(data.targets().as_slice().unwrap(), 4, 0);
    let gammas = [1e-4, 0.1, 1.0, 100.0];
    let candidates: Vec<_> = gammas.iter().map(|&g| Svc::params().c(1.0).gamma(g)).collect();
    let search = grid_search(&candidates, &data, &folds, accuracy).unwrap();
    for (c, s) in candidates.iter().zip(&search.scores) {
        assert_eq!(*s, cross_validate(c, &data, &folds, accuracy).unwrap());
    }
    let best = search.scores.iter().map(|s| s.mean).fold(f64::MIN, f64::max);
    assert_eq!(search.scores[search.best].mean, best);
    assert!(search.scores[search.best].mean > search.scores[0].mean);
    // Folds that do not fit the data are an error, not a panic.
    assert!(grid_search(&candidates, &data, &folds[1..], accuracy).is_err());
    assert!(cross_validate(&candidates[0], &data, &vec![0; 120], accuracy).is_err());
}
