//! Split-conformal calibration at fit time (`kern fit --conformal SHARE`):
//! the model is fitted on all but a seeded share of the samples, and its
//! absolute residuals on that share, kept in the model, give intervals of
//! any level at predict time ([`crate::model::Model::predict_interval`]).

use super::{FitSpec, Notices, Targets, Task, fit_model};
use crate::error::{Error, Result};
use crate::io::Data;
use crate::model::{Calibration, Model, Prediction};
use crate::select::holdout;
use kern_kernels::Par;

/// Fits `spec` on `data` less a calibration share of `share`, and calibrates.
pub(crate) fn fit_calibrated(spec: &FitSpec, share: f64, data: Data, par: Par, notices: &Notices) -> Result<Model> {
    check(spec, share)?;
    let n = data.x.len();
    if n < 3 {
        return Err(Error::Usage(format!("--conformal needs at least 3 samples to split, not {n}")));
    }
    let (fit_rows, held_rows) = holdout(n, share, spec.seed);
    let inner = FitSpec { conformal: None, ..spec.clone() };
    let mut model = fit_model(&inner, data.select(&fit_rows), par, notices)?;
    let held = data.select(&held_rows);
    let Targets::Values(y) = Targets::new(spec.task, held.labels.as_ref(), &held.file)? else {
        unreachable!("a regression task has values")
    };
    let Prediction::Values(v) = model.predict(&held.x, par)? else { unreachable!("a regressor predicts values") };
    if v.ncols() != 1 {
        return Err(Error::Usage("--conformal calibrates one target; this data has several".into()));
    }
    let residuals = y.iter().enumerate().map(|(i, t)| t - v[(i, 0)]).collect();
    model.calibration = Some(Calibration::new(residuals, share, spec.seed));
    Ok(model)
}

/// The regressors that take a calibration share, and a share in (0, 1).
fn check(spec: &FitSpec, share: f64) -> Result<()> {
    if !(share > 0.0 && share < 1.0) {
        return Err(Error::Usage(format!(
            "--conformal {share}: the calibration share must lie strictly between 0 and 1"
        )));
    }
    let exact = spec.approx.method == super::Approx::None;
    match spec.task {
        Task::Svr | Task::Nusvr => Ok(()),
        Task::Krr if !exact => Ok(()),
        Task::Krr => Err(Error::Usage(
            "--conformal: exact kernel ridge has jackknife+ intervals from its exact leave-one-out fits, with no share held out (kern predict --interval)".into(),
        )),
        Task::Gp => Err(Error::Usage("--conformal: a GP has its own predictive intervals (kern predict --interval)".into())),
        task => Err(Error::Usage(format!("--conformal calibrates regressors (svr, nusvr, krr with --approx), not --task {}", task.name()))),
    }
}
