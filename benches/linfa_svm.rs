//! kern's `Svc` against linfa-svm through the same linfa calls: Gaussian
//! kernel exp(−‖x − y‖²/eps) with eps = 10 (gamma 0.1), C = 10, eps = 1e-3,
//! shrinking on, on a generated 10-feature problem of 2,000, 5,000 and
//! 10,000 samples. Each configuration runs in its own process so that its
//! peak resident memory is its own, and fits three times there: the table
//! gives the median fit times, their ratio, the peaks and the held-out
//! accuracies. linfa-svm 0.8.1 with shrinking on
//! can panic (an index of −1 in its working-set selection); when it does,
//! its fit is rerun with shrinking off (its default) and marked `*`.
//!
//! `cargo bench --bench linfa_svm [-- N ...]`

use std::process::Command;
use std::time::Instant;

use linfa::prelude::*;
use ndarray::{Array1, Array2};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if let [child_mark, which, n] = &args[..]
        && child_mark == "--child"
        && let Ok(n) = n.parse::<usize>()
    {
        return child(which, n);
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![2000, 5000, 10_000] } else { sizes };
    println!(
        "{:>7} {:>12} {:>13} {:>12} {:>9} {:>11} {:>11} {:>10}  accuracy linfa / kern",
        "n", "linfa-svm s", "kern 1 thr s", "kern all s", "speed-up", "linfa MiB", "kern MiB", "memory"
    );
    for n in sizes {
        let run = |which: &str| -> Option<Vec<f64>> {
            let out = Command::new(std::env::current_exe().unwrap())
                .args(["--child", which, &n.to_string()])
                .output()
                .expect("the bench runs itself");
            if !out.status.success() {
                let stderr = String::from_utf8_lossy(&out.stderr);
                eprintln!("{which} at n = {n} failed: {}", stderr.lines().find(|l| !l.is_empty()).unwrap_or(""));
                return None;
            }
            Some(String::from_utf8(out.stdout).unwrap().split_whitespace().map(|v| v.parse().unwrap()).collect())
        };
        let (linfa, mark) = match run("linfa") {
            Some(r) => (r, ' '),
            None => (run("linfa-noshrink").expect("linfa-svm without shrinking"), '*'),
        };
        let (kern1, kern) = (run("kern1").expect("kern fits"), run("kern").expect("kern fits"));
        println!(
            "{n:>7} {:>11.2}{mark} {:>13.2} {:>12.2} {:>8.1}x {:>11.0} {:>11.0} {:>9.1}x  {:.4} / {:.4}",
            linfa[0],
            kern1[0],
            kern[0],
            linfa[0] / kern1[0],
            linfa[1] / 1024.0,
            kern1[1] / 1024.0,
            linfa[1] / kern1[1],
            linfa[2],
            kern1[2]
        );
    }
}

/// Three fits: prints `median_seconds peak_kib accuracy`.
fn child(which: &str, n: usize) {
    let train = problem(n, 1);
    let test = problem(2000, 2);
    let mut runs: Vec<(f64, f64)> = (0..3).map(|_| fit(which, &train, &test)).collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (seconds, accuracy) = runs[1];
    println!("{seconds} {} {accuracy}", peak_kib());
}

/// One fit: its seconds and test accuracy.
fn fit(which: &str, train: &Problem, test: &Problem) -> (f64, f64) {
    let started = Instant::now();
    let predicted = match which {
        "linfa" | "linfa-noshrink" => {
            let model = linfa_svm::Svm::<f64, bool>::params()
                .gaussian_kernel(10.0)
                .pos_neg_weights(10.0, 10.0)
                .eps(1e-3)
                .shrinking(which == "linfa")
                .fit(train)
                .unwrap();
            let seconds = started.elapsed().as_secs_f64();
            (model.predict(test), seconds)
        }
        _ => {
            let par = if which == "kern1" { kern::Par::Seq } else { kern::Par::rayon(0) };
            let model = kern::Svc::<f64, bool>::params()
                .gaussian_kernel(10.0)
                .pos_neg_weights(10.0, 10.0)
                .eps(1e-3)
                .shrinking(true)
                .par(par)
                .fit(train)
                .unwrap();
            let seconds = started.elapsed().as_secs_f64();
            (model.predict(test), seconds)
        }
    };
    let (labels, seconds) = predicted;
    (seconds, labels.iter().zip(test.targets()).filter(|(a, b)| a == b).count() as f64 / 2000.0)
}

type Problem = DatasetBase<Array2<f64>, Array1<bool>>;

/// A seeded nonlinear problem in 10 dimensions with label noise.
fn problem(n: usize, seed: u64) -> Problem {
    let mut rng = kern::approx::SplitMix64::new(seed);
    let x = Array2::from_shape_fn((n, 10), |_| 2.0 * rng.uniform() - 1.0);
    let y: Array1<bool> = x
        .rows()
        .into_iter()
        .map(|r| (3.0 * r[0]).sin() + r[1] * r[2] - 0.5 * r[3] * r[3] + 0.3 * r[4] + 0.3 * rng.normal() > 0.0)
        .collect();
    Dataset::new(x, y)
}

/// The process's peak resident set (VmHWM) in KiB.
fn peak_kib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN)
}
