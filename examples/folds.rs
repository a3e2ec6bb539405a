//! The folds `kern cv --folds K --seed S` deals a classifier on a data file,
//! one fold number per line in the data's order: to score another system on
//! exactly kern's folds (benches/cv_compare.py does, with scikit-learn's
//! `PredefinedSplit`).
//!
//! `cargo run --release --example folds -- DATA K [SEED]`

use kern::io::{InputOptions, read_inputs};
use kern::select::assign_folds;
use kern::train::{Targets, Task};

fn main() -> Result<(), kern::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || kern::Error::Usage("usage: folds DATA K [SEED]".into());
    let path = std::path::Path::new(args.first().ok_or_else(usage)?);
    let k: usize = args.get(1).and_then(|k| k.parse().ok()).ok_or_else(usage)?;
    let seed: u64 = args.get(2).map_or(Ok(0), |s| s.parse().map_err(|_| usage()))?;
    let data = read_inputs(path, &InputOptions { require_labels: true, ..Default::default() }, None)?;
    let targets = Targets::new(Task::Svc, data.labels.as_ref(), path)?;
    for fold in assign_folds(&targets, data.x.len(), k, seed) {
        println!("{fold}");
    }
    Ok(())
}
