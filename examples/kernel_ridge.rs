//! Kernel ridge regression from Rust: fit on generated data, predict held-out
//! points, and write and read back a model file.
//!
//! `cargo run --release --example kernel_ridge`

use faer::Mat;
use kern::io::Format;
use kern::model::{Estimator, InputSchema, Model, load_model, save_model};
use kern::solvers::KernelRidge;
use kern::{KernelRidgeModel, Par, VectorKernel, synthetic};

fn main() -> Result<(), kern::Error> {
    let train = synthetic::friedman1(1500, 1.0, 1);
    let test = synthetic::friedman1(500, 1.0, 2);
    let y = Mat::from_fn(train.y.len(), 1, |i, _| train.y[i]);

    let kernel = VectorKernel::Matern52 { lengthscale: 1.0 };
    let model = KernelRidgeModel::fit(kernel, train.x, y.as_ref(), KernelRidge { alpha: 0.02 }, Par::rayon(0))?;
    let pred = model.predict(&test.x, Par::rayon(0));
    let mse = (0..500).map(|i| (pred[(i, 0)] - test.y[i]).powi(2)).sum::<f64>() / 500.0;
    println!("held-out MSE {mse:.3} (noise variance 1.0)");

    let path = std::env::temp_dir().join("kern-example.json");
    let file =
        Model::new(10, InputSchema { format: Format::Csv, csv: None, scaling: None }, Estimator::KernelRidge(model));
    save_model(&file, &path)?;
    assert_eq!(load_model(&path)?, file);
    println!("model written to and read back from {}", path.display());
    Ok(())
}
