//! `kern fit DATA` (`--auto`) and `kern cv` on shapes of data the benchmarks
//! lack: more features than samples, a class with one sample, gross
//! errors in the targets.

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

/// A curve `x²` (a second feature irrelevant, noise 0.1) with a share of
/// its targets moved by `off(u)`: `n` training rows, and the clean curve
/// on a grid of 101 points as the test.
fn curve_with_errors(n: usize, seed: u64, off: impl Fn(f64, f64) -> f64) -> (String, String) {
    let mut u = lcg(seed);
    let train = (0..n)
        .map(|_| {
            let x = 2.0 * u() - 1.0;
            let moved = off(u(), u());
            format!("{:.5} 1:{x:.5} 2:{:.5}\n", x * x + 0.2 * (u() - 0.5) + moved, u())
        })
        .collect();
    let test = (0..=100).map(|i| -1.0 + i as f64 / 50.0).map(|x| format!("{:.5} 1:{x:.5} 2:0.5\n", x * x)).collect();
    (train, test)
}

/// 3 % of the targets off by ±50.
fn off_by_50(a: f64, b: f64) -> f64 {
    if a < 0.03 { if b < 0.5 { 50.0 } else { -50.0 } } else { 0.0 }
}

/// A scratch folder holding `curve_with_errors`' `train.txt` and `test.txt`.
fn curve_folder(n: usize, seed: u64, off: impl Fn(f64, f64) -> f64) -> tempfile::TempDir {
    let dir = scratch();
    let (train, test) = curve_with_errors(n, seed, off);
    write(dir.path(), "train.txt", train);
    write(dir.path(), "test.txt", test);
    dir
}

/// The mean squared error of `model`'s predictions of the clean curve.
fn clean_mse(d: &std::path::Path, model: &str) -> f64 {
    let o = kern(d, &["predict", model, "test.txt", "-o", "p.txt", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: Vec<f64> = std::fs::read_to_string(d.join("p.txt")).unwrap().lines().map(|l| l.parse().unwrap()).collect();
    p.iter().enumerate().map(|(i, p)| (p - (-1.0 + i as f64 / 50.0f64).powi(2)).powi(2)).sum::<f64>() / p.len() as f64
}

/// 3 % of the targets off by ±50: the squared loss's leave-one-out
/// residuals are heavy-tailed, so `--auto` fits Huber's loss, and the
/// clean curve comes out within the noise (the squared loss, with
/// `--auto-robust never`, bends towards the far-off samples: R² −0.11 on
/// such a curve before Huber's loss).
#[test]
fn gross_errors_in_the_targets_are_fitted_with_hubers_loss() {
    let dir = curve_folder(400, 31, off_by_50);
    let d = dir.path();
    let o = kern(d, &["fit", "train.txt", "-o", "huber.model", "--json"]);
    let auto = &json(&o)["auto"];
    assert_eq!(auto["residuals"]["heavy_tailed"], true, "{auto}");
    let robust = &auto["robust"];
    assert_eq!(robust["loss"], "huber", "{auto}");
    assert_eq!(robust["settled"], true, "{robust}");
    assert!(robust["downweighted"].as_u64().unwrap() >= 8, "{robust}"); // 3 % of 400 at least
    // The typical residual comes down to the noise's (0.2 × uniform: sd 0.058).
    assert!(robust["typical"].as_f64().unwrap() < 0.1, "{robust}");
    assert!(stderr(&o).contains("Huber's loss"), "{}", stderr(&o));
    let huber = clean_mse(d, "huber.model");
    assert!(huber < 0.003, "{huber}"); // the noise's variance is 0.0033

    let o = kern(d, &["fit", "train.txt", "-o", "squared.model", "--json", "--auto-robust", "never"]);
    let auto = &json(&o)["auto"];
    assert!(auto.get("robust").is_none(), "{auto}");
    assert!(stderr(&o).contains("the leave-one-out residuals are heavy-tailed"), "{}", stderr(&o));
    let squared = clean_mse(d, "squared.model");
    assert!(squared > 10.0 * huber, "squared loss {squared}, Huber's {huber}");
}

/// `--auto --task svr` on the same errors: ε from the targets' typical
/// deviation, not their standard deviation (which the errors inflate), and
/// C and gamma by the mean absolute error, which the errors do not dominate.
#[test]
fn the_svr_search_measures_far_off_targets_robustly() {
    let dir = curve_folder(400, 31, off_by_50);
    let d = dir.path();
    let o = kern(d, &["fit", "train.txt", "-o", "svr.model", "--auto", "--task", "svr", "--json"]);
    let auto = &json(&o)["auto"];
    assert_eq!(auto["metric"], "mae", "{auto}");
    assert!(auto["cv_mae"].as_f64().unwrap() < auto["cv_mse"].as_f64().unwrap(), "{auto}");
    // The curve's values spread over [0, 1]: ε about a tenth of that, where
    // the targets' std (about 9) would give 0.9.
    assert!(auto["epsilon"].as_f64().unwrap() < 0.1, "{auto}");
    let mse = clean_mse(d, "svr.model");
    assert!(mse < 0.005, "{mse}");
    let o = kern(d, &["fit", "train.txt", "-o", "svc.model", "--auto-metric", "mae", "--task", "svc"]);
    common::assert_one_line_error(&o, &["--auto-metric mae scores regression"]);
}

/// An SVR's solution scales with its targets at C, ε and SMO's tolerance
/// scaled alike, so `--auto` searches C in units of the targets' spread
/// and scales the tolerance: on targets 2⁻¹³ times the curve's (a power of
/// two, so every product is exact) it makes the same choices, 2⁻¹³ times
/// smaller, and the same predictions. At LIBSVM's absolute tolerance,
/// targets of size 1e-4 once stopped SMO at its start: test R² −0.06.
#[test]
fn the_svr_search_is_the_same_on_targets_of_any_scale() {
    let dir = scratch();
    let d = dir.path();
    let scale = (-13.0f64).exp2();
    let mut u = lcg(23);
    let (mut big, mut small, mut test) = (String::new(), String::new(), String::new());
    for _ in 0..300 {
        let (x, other) = (2.0 * u() - 1.0, u());
        let y = x * x + 0.2 * (u() - 0.5);
        big.push_str(&format!("{y} 1:{x} 2:{other}\n"));
        small.push_str(&format!("{} 1:{x} 2:{other}\n", y * scale));
    }
    for i in 0..=100 {
        test.push_str(&format!("0 1:{} 2:0.5\n", -1.0 + f64::from(i) / 50.0));
    }
    write(d, "big.txt", big);
    write(d, "small.txt", small);
    write(d, "test.txt", test);
    let fit = |name: &str| -> (serde_json::Value, Vec<f64>) {
        let model = format!("{name}.model");
        let o = kern(d, &["fit", &format!("{name}.txt"), "-o", &model, "--auto", "--task", "svr", "--json"]);
        let auto = json(&o)["auto"].clone();
        let o = kern(d, &["predict", &model, "test.txt", "-o", "p.txt", "-q"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let p = std::fs::read_to_string(d.join("p.txt")).unwrap().lines().map(|l| l.parse().unwrap()).collect();
        (auto, p)
    };
    let ((big, p), (small, q)) = (fit("big"), fit("small"));
    let at = |a: &serde_json::Value, key: &str| a[key].as_f64().unwrap_or_else(|| panic!("{key} in {a}"));
    for key in ["c", "c_unit", "epsilon", "tol"] {
        assert_eq!(at(&small, key), at(&big, key) * scale, "{key}: {small} beside {big}");
    }
    assert_eq!(at(&small, "gamma"), at(&big, "gamma"), "{small}");
    let drift = p.iter().zip(&q).map(|(p, q)| (q / scale - p).abs()).fold(0.0, f64::max);
    assert!(drift < 1e-9, "{drift}");
    let mse = p.iter().enumerate().map(|(i, p)| (p - (-1.0 + i as f64 / 50.0f64).powi(2)).powi(2)).sum::<f64>() / 101.0;
    assert!(mse < 0.005, "{mse}");
}

/// Cauchy noise (scale 0.03) on the curve: too few far-off targets for
/// the rule on the targets, but kernel ridge's leave-one-out residuals at
/// the median gamma are heavy-tailed, so the SVR search scores the mean
/// absolute error; `--auto-robust never` keeps the squared error.
#[test]
fn heavy_tailed_noise_seen_in_the_residuals_turns_the_svr_search_robust() {
    let dir = curve_folder(400, 17, |a, _| 0.03 * (std::f64::consts::PI * (a - 0.5)).tan());
    let d = dir.path();
    let o = kern(d, &["fit", "train.txt", "-o", "svr.model", "--auto", "--task", "svr", "--json"]);
    let auto = &json(&o)["auto"];
    assert_eq!(auto["metric"], "mae", "{auto}");
    assert!(stderr(&o).contains("leave-one-out residuals at the median gamma are heavy-tailed"), "{}", stderr(&o));
    let robust = clean_mse(d, "svr.model");
    assert!(robust < 0.005, "{robust}");
    let o = kern(d, &["fit", "train.txt", "-o", "never.model", "--task", "svr", "--auto-robust", "never", "--json"]);
    assert_eq!(json(&o)["auto"]["metric"], "mse", "{}", stderr(&o));
}

/// One-sided errors (10 % of the targets +5) shift the whole fit: measured
/// about their median, they are still found, and Huber's loss recovers
/// the curve; on clean targets `--auto-robust always` changes little.
#[test]
fn one_sided_errors_are_found_and_clean_data_keeps_its_fit() {
    let dir = curve_folder(300, 5, |a, _| if a < 0.1 { 5.0 } else { 0.0 });
    let d = dir.path();
    let o = kern(d, &["fit", "train.txt", "-o", "m.model", "--json"]);
    assert_eq!(json(&o)["auto"]["robust"]["loss"], "huber", "{}", stderr(&o));
    let mse = clean_mse(d, "m.model");
    assert!(mse < 0.005, "{mse}");

    let (clean, _) = curve_with_errors(300, 6, |_, _| 0.0);
    write(d, "train.txt", clean);
    let o = kern(d, &["fit", "train.txt", "-o", "plain.model", "--json"]);
    assert!(json(&o)["auto"].get("robust").is_none(), "{}", stderr(&o));
    let plain = clean_mse(d, "plain.model");
    let o = kern(d, &["fit", "train.txt", "-o", "always.model", "--json", "--auto-robust", "always"]);
    assert_eq!(json(&o)["auto"]["robust"]["loss"], "huber", "{}", stderr(&o));
    let always = clean_mse(d, "always.model");
    assert!(always < 1.5 * plain + 1e-4, "Huber's {always} against the squared loss's {plain}");
}

/// Beyond 10,000 samples (Falkon) the same errors are found on the
/// gamma subsample, and Huber's weights weigh every Falkon fit.
#[test]
fn falkon_fits_hubers_loss_too() {
    let dir = curve_folder(10_200, 41, off_by_50);
    let d = dir.path();
    let o = kern(d, &["fit", "train.txt", "-o", "m.model", "--json"]);
    let auto = &json(&o)["auto"];
    assert_eq!(auto["approx"], "falkon", "{auto}");
    assert_eq!(auto["robust"]["loss"], "huber", "{auto}");
    assert!(auto["robust"]["downweighted"].as_u64().unwrap() >= 200, "{auto}"); // 3 % of 10,200: 306
    let mse = clean_mse(d, "m.model");
    assert!(mse < 0.003, "{mse}");
}

/// Kernel ridge has no intercept and shrinks towards zero: before `--auto`
/// centred the targets, this curve moved to 10⁶ came out at test R² 0.91
/// (α at its floor, gamma a thirtieth of the median's) and at 10⁹ far below
/// zero. Centred, the fit moves with the targets.
#[test]
fn targets_far_from_zero_are_fitted_as_well_as_targets_near_it() {
    let shift = 1e9;
    let (near, far) = (curve_folder(400, 51, |_, _| 0.0), curve_folder(400, 51, |_, _| shift));
    let o = kern(far.path(), &["fit", "train.txt", "-o", "m.model", "--json"]);
    let report = json(&o);
    assert!((report["target_mean"].as_f64().unwrap() / shift - 1.0).abs() < 1e-8, "{report}");
    let predictions = |d: &std::path::Path| -> Vec<f64> {
        let o = kern(d, &["predict", "m.model", "test.txt", "-o", "p.txt", "-q"]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(d.join("p.txt")).unwrap().lines().map(|l| l.parse().unwrap()).collect()
    };
    let mse = |p: &[f64]| {
        let curve = |i: usize| (-1.0 + i as f64 / 50.0f64).powi(2);
        p.iter().enumerate().map(|(i, p)| (p - shift - curve(i)).powi(2)).sum::<f64>() / p.len() as f64
    };
    let far_mse = mse(&predictions(far.path()));
    assert!(far_mse < 0.003, "{far_mse}"); // the noise's variance is 0.0033
    let o = kern(near.path(), &["fit", "train.txt", "-o", "m.model", "--json", "-q"]);
    assert_eq!(json(&o)["alpha"], report["alpha"], "the same search about the mean");

    // Given by hand, kernel ridge (exact, or on Nyström features) takes
    // --centre-targets; the fit moves with the targets.
    let fixed = ["fit", "train.txt", "-o", "m.model", "--task", "krr", "--gamma", "2", "--alpha", "0.01", "-q"];
    for approx in [&[][..], &["--approx", "nystroem", "--components", "100"]] {
        for d in [near.path(), far.path()] {
            assert!(kern(d, &[&fixed[..], approx, &["--centre-targets"]].concat()).status.success());
        }
        let (a, b) = (predictions(near.path()), predictions(far.path()));
        let drift = a.iter().zip(&b).map(|(a, b)| (b - shift - a).abs()).fold(0.0, f64::max);
        assert!(drift < 1e-4, "{approx:?}: {drift}");
    }
    assert!(kern(far.path(), &fixed).status.success());
    let uncentred = mse(&predictions(far.path()));
    assert!(uncentred > 100.0 * far_mse, "uncentred {uncentred}");
    let o = kern(far.path(), &["fit", "train.txt", "--task", "svr", "--centre-targets"]);
    common::assert_one_line_error(&o, &["--centre-targets", "kernel ridge", "svr"]);
    let o = kern(far.path(), &["fit", "train.txt", "--task", "gp", "--centre-targets"]);
    common::assert_one_line_error(&o, &["--centre-targets", "--normalize-y"]);
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
