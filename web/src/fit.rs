//! The page's fits: its points and settings become kern's typed description
//! of a fit ([`Settings::spec`]) and [`kern::train`] fits them, exactly as
//! `kern fit` does for the same data and options. The one model of the
//! page's own is the GP on features beside the exact GP.

use faer::Mat;
use kern::io::Labels;
use kern::model::{ApproxMap, Estimator, LinearHead, Prediction, predict_estimator};
use kern::solvers::linear::FeatureGp;
use kern::train::{Approx, Notices, Targets, Task, feature_map, fit_vectors, label_name};
use kern::{DataSet, DenseMatrix, Par};

use crate::settings::{ApproxName, Settings};

/// Why a fit failed, in words the page shows.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Kern(#[from] kern::Error),
    #[error(transparent)]
    Solver(#[from] kern::SolverError),
    #[error(transparent)]
    Gp(#[from] kern::solvers::GpError),
    #[error(transparent)]
    Approx(#[from] kern::approx::ApproxError),
    #[error(transparent)]
    Data(#[from] kern::kernels::DataError),
}

/// Class A is `0`, class B is `1`; decision values are positive on B's side.
pub const CLASS_B: f64 = 1.0;

/// A GP's posterior at some points: the mean, the latent standard
/// deviation, and draws one after another.
#[derive(Debug)]
pub struct Band {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    pub draws: Vec<f64>,
}

/// A fitted model of one of the page's tasks.
// One or two live at a time: boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Fitted {
    /// What `kern fit` fits: an exact SVC, ridge or GP, or a linear model on
    /// features. `b_first`: class B was seen first, so LIBSVM's positive
    /// side is B's.
    Kern { estimator: Estimator, b_first: bool },
    /// A GP on the features with the exact GP's hyperparameters, on its
    /// normalised targets.
    ApproxGp { map: ApproxMap, gp: FeatureGp, y_mean: f64, y_scale: f64 },
}

/// `n` points of `dims` coordinates, row after row.
pub fn points(xs: &[f64], dims: usize) -> Result<DataSet, WebError> {
    if xs.len() % dims != 0 {
        return Err(WebError::Input(format!("{} coordinates do not make points of {dims}", xs.len())));
    }
    if let Some(v) = xs.iter().find(|v| !v.is_finite()) {
        return Err(WebError::Input(format!("coordinate {v} is not finite")));
    }
    Ok(DataSet::from(DenseMatrix::new(xs.len() / dims, dims, xs.to_vec())?))
}

/// Fits the exact model of `s.task` to points `xs` with targets `ys`
/// (classes 0 and 1 for svc, values otherwise).
pub fn fit_exact(s: &Settings, xs: &[f64], ys: &[f64]) -> Result<Fitted, WebError> {
    fit(s, s.spec(), xs, ys)
}

/// The approximation of `exact` by `method` at `s.components` features:
/// the same kernel and hyperparameters (a GP's fitted ones), on the same data.
pub fn fit_approx(
    exact: &Fitted,
    method: ApproxName,
    s: &Settings,
    xs: &[f64],
    ys: &[f64],
) -> Result<Fitted, WebError> {
    let mut spec = s.spec();
    spec.approx.method = match method {
        ApproxName::Rff => Approx::Rff,
        ApproxName::Nystroem => Approx::Nystroem,
    };
    match exact {
        Fitted::Kern { estimator: Estimator::Gp(gp), .. } => {
            let x = points(xs, s.dims())?;
            check_targets(x.n_samples(), ys)?;
            let map = feature_map(&spec, &gp.kernel, &x, Par::Seq)?;
            let phi = map.feature_map().transform(&x, Par::Seq)?;
            let yn: Vec<f64> = ys.iter().map(|v| (v - gp.y_mean) / gp.y_scale).collect();
            let feature_gp = FeatureGp::fit(phi.as_ref(), &yn, gp.noise.max(1e-10), Par::Seq)?;
            Ok(Fitted::ApproxGp { map, gp: feature_gp, y_mean: gp.y_mean, y_scale: gp.y_scale })
        }
        Fitted::Kern { .. } => fit(s, spec, xs, ys),
        Fitted::ApproxGp { .. } => Err(WebError::Input("approximate the exact model, not an approximation".into())),
    }
}

/// Fits `spec` to the page's points through kern's engine.
fn fit(s: &Settings, spec: kern::train::FitSpec, xs: &[f64], ys: &[f64]) -> Result<Fitted, WebError> {
    let x = points(xs, s.dims())?;
    check_targets(x.n_samples(), ys)?;
    let (targets, b_first) = match spec.task {
        Task::Svc => class_targets(ys)?,
        _ => (Targets::Values(ys.to_vec()), false),
    };
    let kernel = spec.vector_kernel(x.n_features())?;
    let estimator = fit_vectors(&spec, &kernel, x, &targets, None, Par::Seq, &Notices::default())?;
    Ok(Fitted::Kern { estimator, b_first })
}

/// The classes as `kern fit` codes them from a file (LIBSVM's order of
/// first appearance), and whether class B came first.
fn class_targets(ys: &[f64]) -> Result<(Targets, bool), WebError> {
    if let Some(v) = ys.iter().find(|&&v| v != 0.0 && v != CLASS_B) {
        return Err(WebError::Input(format!("class {v}: the classes are 0 (A) and 1 (B)")));
    }
    if ys.iter().all(|&v| v == ys[0]) {
        return Err(WebError::Input("add points of both classes".into()));
    }
    let targets = Targets::new(Task::Svc, Some(&Labels::Numeric(ys.to_vec())), "points".as_ref())?;
    let b_first = matches!(&targets, Targets::Classes { names, .. } if names[0] == label_name("1"));
    Ok((targets, b_first))
}

fn check_targets(n: usize, ys: &[f64]) -> Result<(), WebError> {
    if ys.len() != n {
        return Err(WebError::Input(format!("{} targets for {n} points", ys.len())));
    }
    if n == 0 {
        return Err(WebError::Input("add some points".into()));
    }
    Ok(())
}

impl Fitted {
    /// Decision values (classification: positive on class B's side) or
    /// predicted means (regression) at `xs`.
    pub fn decision(&self, xs: &[f64]) -> Result<Vec<f64>, WebError> {
        let t = points(xs, self.dims())?;
        let par = Par::Seq;
        let oriented = |f: Mat<f64>, b_positive: bool| -> Vec<f64> {
            let sign = if b_positive { 1.0 } else { -1.0 };
            (0..f.nrows()).map(|i| sign * f[(i, 0)]).collect()
        };
        Ok(match self {
            Fitted::Kern { estimator: Estimator::Svm { model, .. }, b_first } => {
                oriented(model.decision_values(&t, par), *b_first)
            }
            // The linear SVM's binary decision is positive on the class coded
            // 1, LIBSVM's on the class coded 0.
            Fitted::Kern { estimator: Estimator::Approx { map, head: LinearHead::Svm { model, .. }, .. }, b_first } => {
                oriented(model.decision_function(features(map, &t)?.as_ref()), !*b_first)
            }
            Fitted::Kern { estimator: Estimator::Gp(model), .. } => model.predict_mean(&t, par),
            Fitted::Kern { estimator, .. } => match predict_estimator(estimator, &t, par)? {
                Prediction::Values(v) => v.col_as_slice(0).to_vec(),
                Prediction::Classes(..) => return Err(WebError::Input("a classifier without decision values".into())),
            },
            Fitted::ApproxGp { map, gp, y_mean, y_scale } => {
                let (mean, _) = gp.predict(features(map, &t)?.as_ref());
                mean.iter().map(|m| y_mean + y_scale * m).collect()
            }
        })
    }

    /// Classification: the fraction of `xs` whose predicted class is `ys`'s,
    /// as `kern predict` counts it.
    pub fn accuracy(&self, xs: &[f64], ys: &[f64]) -> Result<f64, WebError> {
        let t = points(xs, self.dims())?;
        check_targets(t.n_samples(), ys)?;
        let Fitted::Kern { estimator, .. } = self else {
            return Err(WebError::Input("accuracy is for classification".into()));
        };
        let Prediction::Classes(names, _) = predict_estimator(estimator, &t, Par::Seq)? else {
            return Err(WebError::Input("accuracy is for classification".into()));
        };
        let correct = names.iter().zip(ys).filter(|(name, y)| **name == y.to_string()).count();
        Ok(correct as f64 / ys.len() as f64)
    }

    /// Regression: the mean squared error of the predictions at `xs`.
    pub fn mse(&self, xs: &[f64], ys: &[f64]) -> Result<f64, WebError> {
        if self.dims() != 1 {
            return Err(WebError::Input("mean squared error is for regression".into()));
        }
        let predicted = self.decision(xs)?;
        check_targets(predicted.len(), ys)?;
        Ok(predicted.iter().zip(ys).map(|(p, y)| (p - y).powi(2)).sum::<f64>() / ys.len() as f64)
    }

    /// GPs: the posterior at `xs` with `count` seeded draws of the latent
    /// function (exact GPs only; an approximation takes `count = 0`), all
    /// from one factorisation.
    pub fn band(&self, xs: &[f64], count: usize, seed: u64) -> Result<Band, WebError> {
        let t = points(xs, self.dims())?;
        match self {
            Fitted::Kern { estimator: Estimator::Gp(model), .. } => {
                let (p, draws) = model.predict_and_sample(&t, count, seed, Par::Seq)?;
                let draws = (0..draws.ncols()).flat_map(|c| draws.col_as_slice(c).to_vec()).collect();
                Ok(Band { mean: p.mean, std: p.std, draws })
            }
            Fitted::ApproxGp { .. } if count > 0 => Err(WebError::Input("only the exact GP draws samples".into())),
            Fitted::ApproxGp { map, gp, y_mean, y_scale } => {
                let (mean, std) = gp.predict(features(map, &t)?.as_ref());
                Ok(Band {
                    mean: mean.iter().map(|m| y_mean + y_scale * m).collect(),
                    std: std.iter().map(|s| y_scale * s).collect(),
                    draws: Vec::new(),
                })
            }
            _ => Err(WebError::Input("only a GP has error bars".into())),
        }
    }

    /// Exact SVC: the number of support vectors.
    pub fn n_sv(&self) -> Option<usize> {
        match self {
            Fitted::Kern { estimator: Estimator::Svm { model, .. }, .. } => Some(model.n_sv()),
            _ => None,
        }
    }

    /// Support vectors: their indices among the training points (exact SVC).
    pub fn support(&self) -> Vec<u32> {
        match self {
            Fitted::Kern { estimator: Estimator::Svm { model, .. }, .. } => {
                model.sv_indices.iter().map(|&i| i as u32).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The GP's log marginal likelihood (of its normalised targets).
    pub fn log_marginal_likelihood(&self) -> Option<f64> {
        match self {
            Fitted::Kern { estimator: Estimator::Gp(model), .. } => Some(model.log_marginal_likelihood),
            _ => None,
        }
    }

    /// The hyperparameters in effect, for the page's figures.
    pub fn summary(&self) -> String {
        match self {
            Fitted::Kern { estimator: Estimator::Svm { model, .. }, .. } => {
                let info = &model.pairs[0];
                format!("{}, {} SV ({} at C), {} iterations", model.kernel, model.n_sv(), info.n_bsv, info.iterations)
            }
            Fitted::Kern { estimator: Estimator::KernelRidge(model), .. } => format!("{}", model.kernel),
            Fitted::Kern { estimator: Estimator::Gp(model), .. } => {
                let parts: Vec<String> =
                    model.hyperparameters().iter().map(|(name, v)| format!("{name} = {v:.4}")).collect();
                parts.join(", ")
            }
            Fitted::Kern { estimator: Estimator::Approx { map, .. }, .. } | Fitted::ApproxGp { map, .. } => {
                format!("{} with {} features", map.name(), map.feature_map().n_components())
            }
            Fitted::Kern { .. } => String::new(),
        }
    }

    fn dims(&self) -> usize {
        match self {
            Fitted::Kern { estimator: Estimator::Svm { .. }, .. }
            | Fitted::Kern { estimator: Estimator::Approx { head: LinearHead::Svm { .. }, .. }, .. } => 2,
            _ => 1,
        }
    }
}

/// `φ` of the samples `t`.
fn features(map: &ApproxMap, t: &DataSet) -> Result<Mat<f64>, WebError> {
    Ok(map.feature_map().transform(t, Par::Seq)?)
}
