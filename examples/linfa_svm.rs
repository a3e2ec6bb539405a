//! linfa-svm's classification example with kern as a drop-in replacement:
//! the same builder calls (`pos_neg_weights`, `gaussian_kernel`) on
//! `kern::Svc` instead of `linfa_svm::Svm`, then linfa's confusion matrix.
//! linfa-svm's example reads the wine-quality data from linfa-datasets; this
//! one reads heart_scale from ../shared/data when it is there, and otherwise
//! generates a two-moons problem.
//!
//! `cargo run --release --example linfa_svm`

use linfa::prelude::*;
use ndarray::{Array1, Array2};

fn main() -> Result<(), kern::Error> {
    let (records, targets) = heart_scale().unwrap_or_else(moons);
    // Both data sets interleave their classes, so the first 90 % train without a shuffle.
    let (train, valid) = Dataset::new(records, targets).split_with_ratio(0.9);
    println!("fit an SVM with {} training and {} validation samples", train.nsamples(), valid.nsamples());

    // linfa-svm: `Svm::<_, bool>::params().pos_neg_weights(..).gaussian_kernel(..)`.
    let model = kern::Svc::<_, bool>::params().pos_neg_weights(5.0, 5.0).gaussian_kernel(10.0).fit(&train)?;
    println!("{} support vectors", model.n_support());

    let pred = model.predict(&valid);
    let cm = pred.confusion_matrix(&valid)?;
    println!("{cm:?}");
    println!("accuracy {}, MCC {}", cm.accuracy(), cm.mcc());
    Ok(())
}

/// heart_scale (13 features, labels ±1) as records and `label > 0`.
fn heart_scale() -> Option<(Array2<f64>, Array1<bool>)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/libsvm/heart_scale");
    let text = std::fs::read_to_string(path).ok()?;
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split_whitespace();
        labels.push(fields.next()?.parse::<f64>().ok()? > 0.0);
        let mut row = vec![0.0; 13];
        for pair in fields {
            let (index, value) = pair.split_once(':')?;
            row[index.parse::<usize>().ok()? - 1] = value.parse().ok()?;
        }
        rows.extend(row);
    }
    Some((Array2::from_shape_vec((labels.len(), 13), rows).ok()?, Array1::from(labels)))
}

/// Two noisy half-moons, when heart_scale is absent.
fn moons() -> (Array2<f64>, Array1<bool>) {
    let mut rng = kern::approx::SplitMix64::new(1);
    let n = 600;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        let t = std::f64::consts::PI * ((i * 7919) % n) as f64 / n as f64;
        let v = match (i % 2, j) {
            (0, 0) => t.cos(),
            (0, _) => t.sin(),
            (_, 0) => 1.0 - t.cos(),
            _ => 0.5 - t.sin(),
        };
        v + 0.15 * rng.normal()
    });
    (x, (0..n).map(|i| i % 2 == 1).collect())
}
