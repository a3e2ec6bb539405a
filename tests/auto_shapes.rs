//! `kern fit DATA` (`--auto`) and `kern cv` on shapes of data the benchmarks
//! lack: more features than samples, a class with one sample, gross
//! outliers in the targets.

mod common;

use common::{json, kern, lcg, scratch, stderr, write};

/// More features than samples, the target linear in the first plus noise
/// of variance 1/12: no model's leave-one-out error can be far below it.
/// The baseline once centred on every sample, the left-out one included,
/// and so predicted each left-out target exactly (R² 1).
#[test]
fn the_linear_baseline_on_wide_data_scores_left_out_samples_it_did_not_see() {
    let dir = scratch();
    let d = dir.path();
    let mut u = lcg(9);
    let rows: String = (0..120)
        .map(|_| {
            let x: Vec<f64> = (0..300).map(|_| u()).collect();
            let y = 2.0 * x[0] + (u() - 0.5);
            let features: Vec<String> = x.iter().enumerate().map(|(j, v)| format!("{}:{v:.5}", j + 1)).collect();
            format!("{y:.6} {}\n", features.join(" "))
        })
        .collect();
    write(d, "train.txt", rows);
    let auto = json(&kern(d, &["fit", "train.txt", "-o", "auto.model", "--json", "-q"]));
    let baseline = &auto["auto"]["baseline"];
    assert!(baseline["loo_mse"].as_f64().unwrap() > 0.5 / 12.0, "{baseline}");
    assert!(baseline["loo_r2"].as_f64().unwrap() < 0.9, "{baseline}");
}

/// A curve with 3 % of its targets off by ±50 (noise 0.1): kernel ridge's
/// squared loss follows those few, and the report says so.
#[test]
fn heavy_tailed_residuals_are_reported() {
    let dir = scratch();
    let d = dir.path();
    let mut u = lcg(31);
    let rows: String = (0..400)
        .map(|_| {
            let x = 2.0 * u() - 1.0;
            let off = if u() < 0.03 { if u() < 0.5 { 50.0 } else { -50.0 } } else { 0.0 };
            format!("{:.5} 1:{x:.5} 2:{:.5}\n", x * x + 0.2 * (u() - 0.5) + off, u())
        })
        .collect();
    write(d, "train.txt", rows);
    let o = kern(d, &["fit", "train.txt", "-o", "auto.model", "--json"]);
    let residuals = &json(&o)["auto"]["residuals"];
    assert_eq!(residuals["heavy_tailed"], true, "{residuals}");
    assert!(residuals["rms"].as_f64().unwrap() > 3.0 * residuals["typical"].as_f64().unwrap(), "{residuals}");
    assert!(stderr(&o).contains("the leave-one-out residuals are heavy-tailed"), "{}", stderr(&o));
}

/// Two classes in blobs four standard deviations apart, and one sample of
/// a third class far off.
fn blobs_and_a_stray(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    let mut normal = move || (-2.0 * u().max(1e-12).ln()).sqrt() * (2.0 * std::f64::consts::PI * u()).cos();
    let mut rows: Vec<String> =
        (0..n).map(|i| format!("{} 1:{:.4} 2:{:.4}\n", 1 + i % 2, 4.0 * (i % 2) as f64 + normal(), normal())).collect();
    rows.insert(n / 3, "3 1:20 2:20\n".into());
    rows.concat()
}

/// One sample of a class once stopped the search altogether ("too few
/// samples per class"), and so did a class the search's subsample missed;
/// `kern cv` refused it ("class 2 has no training samples"). Now the lone
/// sample is trained on in every fold and not scored, and an absent class
/// is left out of the search.
#[test]
fn a_class_with_one_sample_stops_neither_the_search_nor_cross_validation() {
    let dir = scratch();
    let d = dir.path();
    write(d, "small.txt", blobs_and_a_stray(200, 21));
    let o = kern(d, &["fit", "small.txt", "-o", "small.model", "--json"]);
    let auto = &json(&o)["auto"];
    assert_eq!(auto["search_folds"], 5, "{auto}");
    assert_eq!(auto["search_unscored"], 1, "{auto}");
    assert!(auto["cv_accuracy"].as_f64().unwrap() > 0.95, "{auto}");
    assert!(
        stderr(&o).contains("1 sample, its class's only one, trained on in every fold, not scored"),
        "{}",
        stderr(&o)
    );
    let cv = json(&kern(d, &["cv", "small.txt", "--folds", "5", "-c", "1", "--json", "-q"]));
    assert_eq!(cv["unscored"], 1, "{cv}");
    let per_fold: Vec<f64> = cv["accuracy_per_fold"].as_array().unwrap().iter().map(|a| a.as_f64().unwrap()).collect();
    // 200 scored samples in five folds of 40: the pooled accuracy is the folds' mean.
    let mean = per_fold.iter().sum::<f64>() / 5.0;
    assert!((cv["accuracy"].as_f64().unwrap() - mean).abs() < 1e-12, "{cv}");
    // Beyond the search's 5,000 samples the stray is in its subsample or not.
    write(d, "large.txt", blobs_and_a_stray(6_000, 22));
    let o = kern(d, &["fit", "large.txt", "-o", "large.model", "--json"]);
    let auto = &json(&o)["auto"];
    assert_eq!(auto["search_samples"], 5_000, "{auto}");
    assert!(auto["search_points"].as_u64().unwrap() > 20 && auto["cv_accuracy"].as_f64().unwrap() > 0.95, "{auto}");
}
