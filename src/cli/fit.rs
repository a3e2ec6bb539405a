//! `kern fit`: read, fit, write the model atomically, report.

use std::time::Instant;

use faer::Mat;
use kern_kernels::Par;
use kern_solvers::{KernelRidge, KernelRidgeModel};
use serde_json::json;

use super::args::{TaskArg, default_max_memory, default_model_path};
use super::{FitArgs, print_json};
use crate::error::{DataErrorKind, Error, Result};
use crate::io::{ReadOptions, read_data};
use crate::model::{Estimator, InputSchema, Model, save_model};

pub(super) fn run(args: &FitArgs, par: Par) -> Result<()> {
    let options = ReadOptions {
        format: args.data.format.map(Into::into),
        label_col: args.data.label_col.clone(),
        n_features: args.data.n_features,
        schema: None,
        require_labels: true,
    };
    let data = read_data(&args.train, &options)?;
    let labels =
        data.labels.as_ref().ok_or_else(|| Error::Data { file: args.train.clone(), kind: DataErrorKind::NoLabels })?;
    let (n, d) = (data.x.n_samples(), data.x.n_features());
    let kernel = args.kernel.build(d)?;
    let output = args.output.clone().unwrap_or_else(|| default_model_path(&args.train));

    let started = Instant::now();
    let estimator = match args.task {
        TaskArg::Krr => {
            let y = labels.numeric(&args.train)?;
            let params = KernelRidge { alpha: args.alpha };
            params.validate()?;
            check_memory(n, args.max_memory)?;
            let y = Mat::from_fn(n, 1, |i, _| y[i]);
            Estimator::KernelRidge(KernelRidgeModel::fit(kernel.clone(), data.x, y.as_ref(), params, par)?)
        }
    };
    let fit_seconds = started.elapsed().as_secs_f64();
    let model = Model::new(d, InputSchema { format: data.format, csv: data.csv }, estimator);
    save_model(&model, &output)?;

    if !args.run.quiet {
        eprintln!(
            "kern fit: {} with {kernel} on {n} samples × {d} features in {fit_seconds:.3} s; model written to {}",
            model.task(),
            output.display()
        );
    }
    if args.run.json {
        let mut report = json!({
            "task": model.task(),
            "kernel": kernel.name(),
            "kernel_params": kernel,
            "n_samples": n,
            "n_features": d,
            "fit_seconds": fit_seconds,
            "model": output,
        });
        match &model.estimator {
            Estimator::KernelRidge(m) => report["alpha"] = json!(m.params.alpha),
        }
        print_json(&report);
    }
    Ok(())
}

/// Refuses an exact `n × n` kernel matrix larger than `--max-memory`.
pub(super) fn check_memory(n: usize, max_memory: Option<u64>) -> Result<()> {
    let limit = max_memory.unwrap_or_else(default_max_memory);
    let needed = (n as u64).saturating_mul(n as u64).saturating_mul(8);
    if needed > limit { Err(Error::TooLarge { n, needed, limit }) } else { Ok(()) }
}
