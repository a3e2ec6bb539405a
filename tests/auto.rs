//! `kern fit --auto` and `kern fit DATA` alone: the choices beat LIBSVM's
//! defaults on held-out data, the scaling travels in the model, options
//! given are held, and the task follows the labels.

mod common;

use common::{assert_one_line_error, json, kern, lcg, scratch, stderr, write};

/// Two noisy rings in features 1 and 2, measured in thousands, plus three
/// features of noise in [0, 1): LIBSVM's default gamma = 1/5 sees every
/// pair of samples as far apart, so only scaling (and a width to match)
/// lets an RBF machine find the rings.
fn badly_scaled_rings(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|i| {
            let label = if i % 2 == 0 { 1 } else { -1 };
            let radius = if label == 1 { 1.0 } else { 2.0 } + 0.5 * (u() - 0.5);
            let angle = 2.0 * std::f64::consts::PI * u();
            let (a, b) = (1000.0 * radius * angle.cos(), 1000.0 * radius * angle.sin());
            format!("{label} 1:{a:.3} 2:{b:.3} 3:{:.4} 4:{:.4} 5:{:.4}\n", u(), u(), u())
        })
        .collect()
}

/// A smooth function of one feature given in hundreds, with noise.
fn badly_scaled_curve(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|_| {
            let x = 2.0 * u() - 1.0;
            let y = (3.0 * x).sin() + 0.1 * (u() - 0.5);
            format!("{y:.6} 1:{:.4} 2:{:.4}\n", 100.0 * x, u())
        })
        .collect()
}

fn accuracy(dir: &std::path::Path, model: &str, data: &str) -> f64 {
    let out = kern(dir, &["predict", model, data, "-o", "p.txt", "--json"]);
    json(&out)["accuracy"].as_f64().unwrap()
}

fn mse(dir: &std::path::Path, model: &str, data: &str) -> f64 {
    let out = kern(dir, &["predict", model, data, "-o", "p.txt", "--json"]);
    json(&out)["mse"].as_f64().unwrap()
}

#[test]
fn auto_beats_the_defaults_on_held_out_data_and_in_cross_validation() {
    let dir = scratch();
    let d = dir.path();
    write(d, "train.txt", badly_scaled_rings(300, 1));
    write(d, "test.txt", badly_scaled_rings(300, 2));

    let defaults = json(&kern(d, &["cv", "train.txt", "--folds", "5", "--json", "-q"]));
    let auto = json(&kern(d, &["fit", "--auto", "train.txt", "-o", "auto.model", "--json", "-q"]));
    let chosen = &auto["auto"];
    assert_eq!(chosen["task"], "svc");
    assert_eq!(chosen["search_folds"], 5);
    // The same seeded, stratified folds: the search's best against the defaults'.
    let (cv_auto, cv_default) = (chosen["cv_accuracy"].as_f64().unwrap(), defaults["accuracy"].as_f64().unwrap());
    assert!(cv_auto > cv_default + 0.2, "cv: auto {cv_auto} vs default {cv_default}");

    // Held out, so the search's own selection cannot flatter it.
    kern(d, &["fit", "train.txt", "--task", "svc", "-o", "default.model", "-q"]);
    let (held_auto, held_default) = (accuracy(d, "auto.model", "test.txt"), accuracy(d, "default.model", "test.txt"));
    assert!(held_auto > 0.9, "auto {held_auto}");
    assert!(held_auto > held_default + 0.2, "held out: auto {held_auto} vs default {held_default}");
}

#[test]
fn ridge_auto_picks_gamma_and_alpha_by_leave_one_out() {
    let dir = scratch();
    let d = dir.path();
    write(d, "train.txt", badly_scaled_curve(200, 3));
    write(d, "test.txt", badly_scaled_curve(200, 4));
    // `kern fit DATA` alone: real-valued labels make it kernel ridge.
    let auto = json(&kern(d, &["fit", "train.txt", "-o", "auto.model", "--json", "-q"]));
    assert_eq!(auto["task"], "krr");
    assert_eq!(auto["auto"]["task"], "krr");
    assert_eq!(auto["alpha_selection"], "leave-one-out");
    assert!(auto["auto"]["loo_mse"].as_f64().unwrap() < 0.01, "{auto}");
    assert_eq!(auto["auto"]["residuals"]["heavy_tailed"], false, "{auto}");
    kern(d, &["fit", "train.txt", "--task", "krr", "-o", "default.model", "-q"]);
    let (a, b) = (mse(d, "auto.model", "test.txt"), mse(d, "default.model", "test.txt"));
    // The noise variance is 0.01 / 12: auto comes close to it, the defaults do not.
    assert!(a < 0.005 && a * 10.0 < b, "mse auto {a} vs default {b}");
}

#[test]
fn ridge_auto_beyond_two_thousand_samples_picks_gamma_on_a_subsample_and_alpha_on_all() {
    let dir = scratch();
    let d = dir.path();
    write(d, "train.txt", badly_scaled_curve(2300, 5));
    write(d, "test.txt", badly_scaled_curve(400, 6));
    let auto = json(&kern(d, &["fit", "train.txt", "-o", "auto.model", "--json", "-q"]));
    assert_eq!(auto["task"], "krr");
    assert_eq!(auto["auto"]["gamma_search_samples"], 2000, "{auto}");
    assert_eq!(auto["auto"]["baseline"]["samples"], 2000);
    // A sine is far from linear: the kernel model wins, and comes close to the noise variance held out.
    assert_eq!(auto["auto"]["baseline"]["as_good_within_noise"], false);
    let a = mse(d, "auto.model", "test.txt");
    assert!(a < 0.002, "held-out mse {a}");
}

#[test]
fn fit_alone_chooses_the_task_from_the_labels_and_given_options_are_held() {
    let dir = scratch();
    let d = dir.path();
    write(d, "rings.txt", badly_scaled_rings(120, 5));
    let alone = json(&kern(d, &["fit", "rings.txt", "-o", "m.model", "--json", "-q"]));
    assert_eq!(alone["task"], "svc");
    assert!(alone["auto"]["c"].is_number() && alone["auto"]["gamma"].is_number(), "{alone}");

    // A model option given turns the implied --auto off: LIBSVM's defaults.
    let plain = json(&kern(d, &["fit", "rings.txt", "-c", "1", "-o", "p.model", "--json", "-q"]));
    assert!(plain.get("auto").is_none(), "{plain}");
    assert_eq!(plain["kernel_params"]["Rbf"]["gamma"], 0.2);

    // With --auto, a given C is held and only gamma is searched.
    let held = json(&kern(d, &["fit", "--auto", "rings.txt", "-c", "10", "-o", "h.model", "--json", "-q"]));
    assert!(held["auto"].get("c").is_none(), "{held}");
    assert!(held["auto"]["gamma"].is_number());
    let info = json(&kern(d, &["info", "h.model", "--json"]));
    assert_eq!(info["params"]["svm"]["CSvc"]["c"], 10.0);
    assert_eq!(info["scaling"], "mapped onto [-1, 1]");

    // Several integer labels are classes; labels that are real numbers are a regression.
    let three: String = badly_scaled_rings(90, 6)
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{}{}\n", i % 3, &l[l.find(' ').unwrap()..]))
        .collect();
    write(d, "three.txt", three);
    assert_eq!(json(&kern(d, &["fit", "three.txt", "-o", "t.model", "--json", "-q"]))["task"], "svc");

    // The summary line says what was chosen.
    let out = kern(d, &["fit", "rings.txt", "-o", "m.model"]);
    assert!(stderr(&out).contains("kern fit --auto: task svc"), "{}", stderr(&out));
}

#[test]
fn the_scaling_travels_in_the_model_and_bars_libsvm_export() {
    let dir = scratch();
    let d = dir.path();
    // 25 features of which 5 or 6 are non-zero: the reader keeps the rows sparse.
    let sparse: String = badly_scaled_rings(200, 7)
        .lines()
        .enumerate()
        .map(|(i, l)| if i % 10 == 0 { format!("{l} 25:1\n") } else { format!("{l}\n") })
        .collect();
    write(d, "train.txt", sparse);
    // Dense CSV input is scaled onto [-1, 1]; the sparse LibSVM file by magnitude.
    let csv: String = std::iter::once("label,a,b,c,d,e\n".to_string())
        .chain(badly_scaled_rings(200, 7).lines().map(|l| {
            let mut it = l.split(' ');
            let label = it.next().unwrap().to_string();
            let v: Vec<&str> = it.map(|f| f.split(':').nth(1).unwrap()).collect();
            format!("{label},{}\n", v.join(","))
        }))
        .collect();
    write(d, "train.csv", csv);
    for (file, model, how) in [
        ("train.txt", "s.model", "divided by their largest magnitude"),
        ("train.csv", "c.model", "mapped onto [-1, 1]"),
    ] {
        let fit = json(&kern(d, &["fit", "--auto", file, "-o", model, "--json", "-q"]));
        assert_eq!(fit["auto"]["scaling"], how);
        // Training accuracy through `kern predict`: the stored map is applied, or it would be near chance.
        assert!(accuracy(d, model, file) > 0.9);
        assert_one_line_error(&kern(d, &["export", model, "--to", "libsvm", "-o", "x.txt"]), &[model, "scaling"]);
    }
    // A JSON model file holds the scaling too, and predicts the same.
    kern(d, &["fit", "--auto", "train.txt", "-o", "s.json", "-q"]);
    let a = kern(d, &["predict", "s.model", "train.txt"]);
    let b = kern(d, &["predict", "s.json", "train.txt"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn sequences_alone_get_a_string_kernel_and_c_by_search() {
    let dir = scratch();
    let d = dir.path();
    let mut u = lcg(9);
    let (mut fasta, mut csv) = (String::new(), String::from("label,name,sequence\n"));
    for i in 0..80 {
        let label = if i % 2 == 0 { "pos" } else { "neg" };
        let mut s: String = (0..40).map(|_| b"ACGT"[(u() * 4.0) as usize] as char).collect();
        if label == "pos" {
            let at = (u() * 30.0) as usize;
            s.replace_range(at..at + 6, "GATTAC");
        }
        fasta.push_str(&format!(">s{i} label={label}\n{s}\n"));
        csv.push_str(&format!("{label},s{i},{s}\n"));
    }
    write(d, "seqs.fa", fasta);
    write(d, "seqs.csv", csv);
    let fit = json(&kern(d, &["fit", "seqs.fa", "-o", "m.model", "--json", "-q"]));
    assert_eq!(fit["auto"]["kernel"], "spectrum");
    assert_eq!(fit["task"], "svc");
    assert!(fit["auto"]["cv_accuracy"].as_f64().unwrap() > 0.8, "{fit}");
    assert!(fit["auto"].get("scaling").is_none());
    // A CSV whose header names a sequence column holds sequences, not vectors: the same fit.
    let from_csv = json(&kern(d, &["fit", "seqs.csv", "-o", "c.model", "--json", "-q"]));
    assert_eq!(from_csv["auto"], fit["auto"]);
}

/// Two classes, about 7 % positives, 22 dense features that are smooth
/// functions of 3 latent ones (plus noise); positives lie within 0.3 of five
/// latent centres, so the RBF width that separates them is far narrower than
/// the median heuristic's, and small C predicts the majority class.
fn rare_bumps(n: usize, seed: u64) -> String {
    let mut fixed = lcg(1);
    let normal =
        |u: &mut dyn FnMut() -> f64| (-2.0 * (1.0 - u()).ln()).sqrt() * (2.0 * std::f64::consts::PI * u()).cos();
    let centres: Vec<[f64; 3]> = (0..5).map(|_| [0.0; 3].map(|_| 1.4 * fixed() - 0.7)).collect();
    let a: Vec<[f64; 3]> = (0..22).map(|_| [0.0; 3].map(|_| normal(&mut fixed))).collect();
    let b: Vec<f64> = (0..22).map(|_| 0.5 * normal(&mut fixed)).collect();
    let mut u = lcg(seed);
    let mut out = String::new();
    for _ in 0..n {
        let z = [0.0; 3].map(|_| 2.0 * u() - 1.0);
        let near = centres.iter().any(|c| (0..3).map(|k| (z[k] - c[k]).powi(2)).sum::<f64>() < 0.09);
        out.push_str(if near { "+1" } else { "-1" });
        for j in 0..22 {
            let v = (0..3).map(|k| a[j][k] * z[k]).sum::<f64>() + b[j];
            out.push_str(&format!(" {}:{:.4}", j + 1, v.tanh() + 0.02 * normal(&mut u)));
        }
        out.push('\n');
    }
    out
}

#[test]
fn auto_on_rare_positives_finds_what_the_whole_grid_py_grid_finds() {
    let dir = scratch();
    let d = dir.path();
    let train = rare_bumps(20_000, 2);
    write(d, "train.txt", &train);
    write(d, "test.txt", rare_bumps(4_000, 3));
    let fit = json(&kern(d, &["fit", "train.txt", "-o", "auto.model", "--json", "-q"]));
    let auto = &fit["auto"];
    assert_eq!(auto["search_samples"], 5000);
    assert_eq!(auto["check_samples"], 5000, "{auto}");
    // grid.py's whole default grid by `kern grid` on the search's rows: the same folds.
    let rows = kern::select::auto::search_rows(20_000, 0).unwrap();
    let lines: Vec<&str> = train.lines().collect();
    write(d, "sample.txt", rows.iter().map(|&i| format!("{}\n", lines[i])).collect::<String>());
    let grid = json(&kern(
        d,
        &["grid", "sample.txt", "--grid", "c=2^-5..2^15:4", "--grid", "gamma=2^3..2^-15:0.25", "--json", "-q"],
    ));
    let (searched, best) = (auto["cv_accuracy"].as_f64().unwrap(), grid["best_accuracy"].as_f64().unwrap());
    assert!(searched >= best - 0.005, "auto {searched} against grid.py's grid {best}: {auto}");
    assert!(auto["start_score"].as_f64().unwrap() <= auto["cv_score"].as_f64().unwrap());
    // Held out: far above the majority class's 93 %.
    let held = accuracy(d, "auto.model", "test.txt");
    assert!(held > 0.97, "held-out accuracy {held}");
}

#[test]
fn a_majority_class_model_is_a_warning_and_the_metric_and_the_baseline_are_options() {
    let dir = scratch();
    let d = dir.path();
    // Labels independent of the features, 5 % positives: nothing beats the majority.
    let mut u = lcg(4);
    let noise: String = (0..400)
        .map(|i| format!("{} 1:{:.4} 2:{:.4} 3:{:.4}\n", if i % 20 == 0 { 1 } else { -1 }, u(), u(), u()))
        .collect();
    write(d, "noise.txt", noise);
    let out = kern(d, &["fit", "noise.txt", "-o", "n.model"]);
    assert!(stderr(&out).contains("predicts one class only"), "{}", stderr(&out));
    // Balanced accuracy: a majority-class model scores 0.5, and the report names the metric.
    let balanced =
        json(&kern(d, &["fit", "noise.txt", "--auto-metric", "balanced-accuracy", "-o", "b.model", "--json", "-q"]));
    assert_eq!(balanced["auto"]["metric"], "balanced-accuracy");
    let score = balanced["auto"]["cv_score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score) && score != balanced["auto"]["cv_accuracy"].as_f64().unwrap(), "{balanced}");

    // Two separated blobs: the linear baseline is as good, and kept when asked.
    let blobs: String = (0..300)
        .map(|i| {
            let (label, shift) = if i % 2 == 0 { (1, 2.0) } else { (-1, -2.0) };
            format!("{label} 1:{:.4} 2:{:.4}\n", shift + u() - 0.5, u() - 0.5)
        })
        .collect();
    write(d, "blobs.txt", blobs);
    let plain = json(&kern(d, &["fit", "blobs.txt", "-o", "r.model", "--json", "-q"]));
    assert_eq!(plain["auto"]["baseline"]["as_good_within_noise"], true, "{plain}");
    assert_eq!(plain["kernel"], "rbf");
    let simple = json(&kern(d, &["fit", "blobs.txt", "--auto-prefer-simple", "-o", "l.model", "--json", "-q"]));
    assert_eq!(simple["auto"]["baseline"]["kept"], true, "{simple}");
    assert_eq!(json(&kern(d, &["info", "l.model", "--json"]))["kernel"], "linear");
    assert!(accuracy(d, "l.model", "blobs.txt") > 0.99);
}

/// Features in [-1, 1] with both ends taken (so `--auto`'s scaling leaves
/// them as they are), and a target `f(x)` with uniform noise.
fn unit_box_regression(n: usize, seed: u64, f: impl Fn(f64, f64) -> f64) -> (Vec<[f64; 2]>, Vec<f64>, String) {
    let mut u = lcg(seed);
    let x: Vec<[f64; 2]> =
        (0..n).map(|i| if i < 2 { [2.0 * i as f64 - 1.0; 2] } else { [2.0 * u() - 1.0, 2.0 * u() - 1.0] }).collect();
    let y: Vec<f64> = x.iter().map(|p| f(p[0], p[1]) + 0.2 * (u() - 0.5)).collect();
    let text = x.iter().zip(&y).map(|(p, y)| format!("{y:.17} 1:{:.17} 2:{:.17}\n", p[0], p[1])).collect();
    (x, y, text)
}

/// `K a = b` for symmetric positive definite `K` (row-major, `n × n`), by Cholesky.
fn spd_solve(k: &[f64], b: &[f64]) -> Vec<f64> {
    let n = b.len();
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let s: f64 = (0..j).map(|p| l[j * n + p] * l[j * n + p]).sum();
        l[j * n + j] = (k[j * n + j] - s).sqrt();
        for i in j + 1..n {
            let s: f64 = (0..j).map(|p| l[i * n + p] * l[j * n + p]).sum();
            l[i * n + j] = (k[i * n + j] - s) / l[j * n + j];
        }
    }
    let mut z = b.to_vec();
    for i in 0..n {
        z[i] = (z[i] - (0..i).map(|p| l[i * n + p] * z[p]).sum::<f64>()) / l[i * n + i];
    }
    for i in (0..n).rev() {
        z[i] = (z[i] - (i + 1..n).map(|p| l[p * n + i] * z[p]).sum::<f64>()) / l[i * n + i];
    }
    z
}

#[test]
fn gp_auto_reports_leave_one_out_r2_that_n_refits_reproduce_and_beats_the_linear_baseline() {
    let dir = scratch();
    let d = dir.path();
    let (x, y, text) = unit_box_regression(120, 21, |a, b| (3.0 * a).sin() + 0.5 * b);
    write(d, "train.txt", text);
    let out = json(&kern(d, &["fit", "--auto", "--task", "gp", "train.txt", "-o", "gp.model", "--json", "-q"]));
    let auto = &out["auto"];
    let h = &out["hyperparameters"];
    let (scale, gamma, noise) =
        (h["scale"].as_f64().unwrap(), h["rbf.gamma"].as_f64().unwrap(), h["noise"].as_f64().unwrap());
    // The oracle: each sample predicted by the GP posterior mean of the other
    // 119 at the fitted hyperparameters (normalising the targets scales every
    // residual alike, so R² is that of the centred targets).
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let k = |i: usize, j: usize| {
        let d2 = (x[i][0] - x[j][0]).powi(2) + (x[i][1] - x[j][1]).powi(2);
        scale * (-gamma * d2).exp() + if i == j { noise } else { 0.0 }
    };
    let squared: f64 = (0..n)
        .map(|i| {
            let rest: Vec<usize> = (0..n).filter(|&j| j != i).collect();
            let gram: Vec<f64> =
                rest.iter().flat_map(|&a| rest.iter().map(move |&b| (a, b))).map(|(a, b)| k(a, b)).collect();
            let targets: Vec<f64> = rest.iter().map(|&j| (y[j] - mean) / 1.0).collect();
            let a = spd_solve(&gram, &targets);
            let predicted: f64 = rest.iter().zip(&a).map(|(&j, a)| k(i, j) * a).sum();
            (y[i] - mean - predicted).powi(2)
        })
        .sum();
    let total: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let r2 = auto["loo_r2"].as_f64().unwrap();
    assert!((r2 - (1.0 - squared / total)).abs() < 1e-8, "reported {r2}, refits {}", 1.0 - squared / total);
    assert_eq!(auto["loo_samples"], 120);
    // A sine is far from linear; and the evidence's hyperparameters predict
    // left-out samples better than the start's (amplitude 1, noise 1).
    assert_eq!(auto["baseline"]["as_good_within_noise"], false, "{auto}");
    assert!(r2 > auto["baseline"]["loo_r2"].as_f64().unwrap() + 0.1, "{auto}");
    assert!(r2 > auto["start_loo_r2"].as_f64().unwrap(), "{auto}");
}

#[test]
fn gp_auto_keeps_a_linear_gp_when_asked_and_the_baseline_is_as_good() {
    let dir = scratch();
    let d = dir.path();
    let (_, _, text) = unit_box_regression(150, 22, |a, b| 2.0 * a - b);
    write(d, "train.txt", text);
    let args = ["fit", "--auto", "--task", "gp", "train.txt", "-o", "gp.model", "--json", "-q"];
    let plain = json(&kern(d, &args));
    assert_eq!(plain["auto"]["baseline"]["as_good_within_noise"], true, "{plain}");
    assert_eq!(plain["auto"]["baseline"]["kept"], false);
    assert!(plain["kernel_expression"].as_str().unwrap().contains("rbf"), "{plain}");
    let simple = json(&kern(d, &[&args[..], &["--auto-prefer-simple"]].concat()));
    assert_eq!(simple["auto"]["baseline"]["kept"], true, "{simple}");
    let expression = simple["kernel_expression"].as_str().unwrap();
    assert!(expression.contains("linear") && !expression.contains("rbf"), "{expression}");
}

#[test]
fn over_twenty_integer_labels_are_taken_as_values_and_the_report_says_how_to_classify() {
    let dir = scratch();
    let d = dir.path();
    // 30 integer labels, 6 samples each: class codes or counts, the file cannot say.
    let rows: String =
        (0..180).map(|i| format!("{} 1:{} 2:{}\n", i % 30, (i % 30) as f64 * 0.1, (i % 7) as f64)).collect();
    write(d, "train.txt", rows);
    let o = kern(d, &["fit", "train.txt", "-o", "auto.model"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = stderr(&o);
    assert!(
        report.contains("task krr (over 20 distinct integer labels, taken as values: --task svc classifies)"),
        "{report}"
    );
    let o = kern(d, &["fit", "train.txt", "--task", "svc", "-o", "svc.model"]);
    assert!(o.status.success() && !stderr(&o).contains("warning"), "{}", stderr(&o));
    // A model option turns --auto off: the task stays LIBSVM's default,
    // C-SVC, which makes 30 classes of the values, and kern fit says so.
    let o = kern(d, &["fit", "train.txt", "-c", "1", "-o", "svc.model"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: over 20 distinct integer labels: --task svc, the default (as LIBSVM's), makes a class of each value; --task krr or --task svr fits a regression"),
        "{}",
        stderr(&o)
    );
}

/// A surface that folds `folds` times across [-1, 1]² in features 1 and 2,
/// plus a bowl in feature 3, with noise of variance 0.01 / 12.
fn folded_surface(n: usize, folds: f64, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|_| {
            let x: [f64; 3] = std::array::from_fn(|_| 2.0 * u() - 1.0);
            let y = (folds * x[0] * x[1]).sin() + x[2] * x[2] + 0.1 * (u() - 0.5);
            format!("{y:.6} 1:{:.4} 2:{:.4} 3:{:.4}\n", x[0], x[1], x[2])
        })
        .collect()
}

/// A sine of each of eight features plus one interaction, with noise of
/// variance 0.01 / 12: 2,000 samples in eight dimensions choose a wider
/// kernel than many more support.
fn sum_of_sines(n: usize, seed: u64) -> String {
    let mut u = lcg(seed);
    (0..n)
        .map(|_| {
            let x: [f64; 8] = std::array::from_fn(|_| 2.0 * u() - 1.0);
            let y = x.iter().map(|v| (4.0 * v).sin()).sum::<f64>() + 2.0 * x[0] * x[1] + 0.1 * (u() - 0.5);
            let features: Vec<String> = x.iter().enumerate().map(|(j, v)| format!("{}:{v:.4}", j + 1)).collect();
            format!("{y:.6} {}\n", features.join(" "))
        })
        .collect()
}

#[test]
fn regression_beyond_ten_thousand_samples_is_falkon_with_alpha_chosen_on_held_out_samples() {
    let dir = scratch();
    let d = dir.path();
    write(d, "train.txt", badly_scaled_curve(10_500, 7));
    write(d, "test.txt", badly_scaled_curve(1_000, 8));
    let o = kern(d, &["fit", "train.txt", "-o", "auto.model", "--json"]);
    let auto = json(&o);
    assert_eq!(auto["task"], "krr");
    assert_eq!(auto["auto"]["approx"], "falkon", "{auto}");
    assert!(auto["auto"]["alpha"].as_f64().is_some_and(|a| a > 0.0), "{auto}");
    assert_eq!(auto["auto"]["held_out_samples"], 2_100);
    assert_eq!(auto["auto"]["gamma_search_samples"], 2000);
    // A smooth curve: 4,000 centres (tried, as 8,400 samples allow) do not
    // lower the held-out error by 5 %, so 2,000 stay.
    assert_eq!(auto["auto"]["components"], 2000, "{auto}");
    // The noise variance is 0.01 / 12: Falkon on 2,000 centres comes as close
    // to it held out as exact ridge does on fewer samples.
    let a = mse(d, "auto.model", "test.txt");
    assert!(a < 0.0009, "held-out mse {a}");
    let held_out = auto["auto"]["held_out_mse"].as_f64().unwrap();
    assert!(held_out < 0.0009, "{held_out}");
    // The linear baseline is scored on the same held-out samples: a sine is
    // far from linear.
    let baseline = &auto["auto"]["baseline"];
    assert_eq!(baseline["samples"], 2_100, "{baseline}");
    assert_eq!(baseline["kernel_held_out_mse"], auto["auto"]["held_out_mse"], "{baseline}");
    assert!(baseline["held_out_mse"].as_f64().unwrap() > 10.0 * held_out, "{baseline}");
    assert_eq!(baseline["as_good_within_noise"], false, "{baseline}");

    // Where the final fit stops at the iteration limit, so did the fits
    // that chose α: said so, not warned as an unscored model would be.
    let o = kern(d, &["fit", "train.txt", "--auto", "--max-iter", "3", "-o", "stopped.model"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("stopped at its iteration limit") && !stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn falkon_under_auto_takes_more_centres_and_a_narrower_kernel_where_the_data_folds() {
    let dir = scratch();
    let d = dir.path();
    write(d, "train.txt", folded_surface(10_500, 12.0, 9));
    write(d, "test.txt", folded_surface(2_000, 12.0, 10));
    let o = kern(d, &["fit", "train.txt", "-o", "auto.model", "--json"]);
    let auto = json(&o);
    assert_eq!(auto["auto"]["components"], 4000, "{auto}");
    let gamma = auto["auto"]["gamma"].as_f64().unwrap();
    let alpha = auto["auto"]["alpha"].as_f64().unwrap();
    let a = mse(d, "auto.model", "test.txt");
    // The same gamma and alpha on 2,000 centres does worse on unseen data.
    let (g, al) = (gamma.to_string(), alpha.to_string());
    let args = ["fit", "train.txt", "--task", "krr", "--scale", "--approx", "falkon", "--components", "2000"];
    let o = kern(d, &[&args[..], &["-g", &g, "--alpha", &al, "-o", "m2000.model", "-q"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let fewer = mse(d, "m2000.model", "test.txt");
    assert!(a < 0.9 * fewer, "4,000 centres {a}, 2,000 {fewer}");
}

#[test]
fn where_more_centres_do_not_fit_falkon_under_auto_tries_a_narrower_kernel_on_its_first_centres() {
    let dir = scratch();
    let d = dir.path();
    write(d, "train.txt", sum_of_sines(10_500, 11));
    write(d, "test.txt", sum_of_sines(2_000, 12));
    // 300 MiB holds Falkon's M × M matrices for 2,000 centres, not 4,000.
    let o = kern(d, &["fit", "train.txt", "--max-memory", "300M", "-o", "capped.model", "--json"]);
    let capped = json(&o);
    assert_eq!(capped["auto"]["components"], 2000, "{capped}");
    let (g, g0) = (capped["auto"]["gamma"].as_f64().unwrap(), capped["auto"]["subsample_gamma"].as_f64().unwrap());
    assert!((g / g0 - 4.0).abs() < 1e-9, "{capped}");
    // The subsample's width at the same α does worse on unseen data.
    let (al, g0) = (capped["auto"]["alpha"].as_f64().unwrap().to_string(), g0.to_string());
    let args = ["fit", "train.txt", "--task", "krr", "--scale", "--approx", "falkon", "--components", "2000"];
    let o = kern(d, &[&args[..], &["-g", &g0, "--alpha", &al, "-o", "wide.model", "-q"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let (narrow, wide) = (mse(d, "capped.model", "test.txt"), mse(d, "wide.model", "test.txt"));
    assert!(narrow < 0.5 * wide, "narrower {narrow}, subsample's width {wide}");
}
