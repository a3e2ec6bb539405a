//! Fitting the page's points with kern's solvers, exactly as `kern fit` does
//! for the same data and options, and the approximations at `M` features.

use faer::{Mat, MatRef};
use kern::approx::{Landmarks, Nystroem, RandomFourierFeatures};
use kern::model::ApproxMap;
use kern::solvers::gp::{GaussianProcess, GpModel};
use kern::solvers::linear::{FeatureGp, LinearSvm, LinearSvmLoss, LinearSvmModel, primal_ridge};
use kern::solvers::{KernelRidge, SvmKind, SvmModel, SvmParams, train_classifier};
use kern::{DataSet, DenseMatrix, KernelRidgeModel, Par, VectorKernel};

use crate::settings::{ApproxName, Settings, Task};

/// Why a fit failed, in words the page shows.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    Input(String),
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
#[derive(Debug)]
pub enum Fitted {
    /// C-SVC; `b_first`: class B was seen first, so LIBSVM's positive side is B.
    Svc {
        model: SvmModel<VectorKernel, DataSet>,
        b_first: bool,
    },
    Krr(KernelRidgeModel<VectorKernel, DataSet>),
    Gp(GpModel),
    /// A linear SVM (squared hinge, as `kern fit --approx`) on the features.
    ApproxSvc {
        map: ApproxMap,
        model: LinearSvmModel,
        b_first: bool,
    },
    ApproxKrr {
        map: ApproxMap,
        coef: Vec<f64>,
    },
    /// A GP on the features with the exact GP's hyperparameters, on its
    /// normalised targets.
    ApproxGp {
        map: ApproxMap,
        gp: FeatureGp,
        y_mean: f64,
        y_scale: f64,
    },
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
    let x = points(xs, s.dims())?;
    check_targets(x.n_samples(), ys)?;
    let kernel = s.vector_kernel();
    let par = Par::Seq;
    Ok(match s.task {
        Task::Svc => {
            let (codes, b_first) = class_codes(ys)?;
            let params = SvmParams::new(SvmKind::CSvc { c: s.c });
            let model = train_classifier(&kernel, &x, &codes, 2, &params, DataSet::select, par)?;
            Fitted::Svc { model, b_first }
        }
        Task::Krr => {
            let y = MatRef::from_column_major_slice(ys, ys.len(), 1);
            Fitted::Krr(KernelRidgeModel::fit(kernel, x, y, KernelRidge { alpha: s.alpha }, par)?)
        }
        Task::Gp => {
            let covariance = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(kernel) };
            let mut params = GaussianProcess::new(covariance.clone(), s.noise);
            params.fit = vec![s.optimize; covariance.n_hyperparameters() + 1];
            params.restarts = 0;
            Fitted::Gp(GpModel::fit(&params, x, ys, par)?)
        }
    })
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
    let x = points(xs, s.dims())?;
    check_targets(x.n_samples(), ys)?;
    let par = Par::Seq;
    let kernel = match exact {
        Fitted::Gp(gp) => gp.kernel.clone(),
        _ => s.vector_kernel(),
    };
    let m = s.components as usize;
    let seed = u64::from(s.seed);
    let map = match method {
        ApproxName::Rff => ApproxMap::Rff(RandomFourierFeatures::new(&kernel, x.n_features(), m, false, seed)?),
        // Nyström landmarks are training points: no more than there are.
        ApproxName::Nystroem => ApproxMap::Nystroem(Box::new(Nystroem::fit(
            &kernel,
            &x,
            m.min(x.n_samples()),
            Landmarks::Uniform,
            seed,
            par,
        )?)),
    };
    let phi = map.feature_map().transform(&x, par)?;
    Ok(match exact {
        Fitted::Svc { b_first, .. } => {
            let (codes, _) = class_codes(ys)?;
            let params =
                LinearSvm { c: s.c, loss: LinearSvmLoss::SquaredHinge, tol: 1e-3, max_iter: 1000, bias: 1.0, seed };
            let model = LinearSvmModel::fit(&params, phi.as_ref(), &codes, 2)?;
            Fitted::ApproxSvc { map, model, b_first: *b_first }
        }
        Fitted::Krr(_) => {
            let y = MatRef::from_column_major_slice(ys, ys.len(), 1);
            let coef = primal_ridge(phi.as_ref(), y, s.alpha, par)?;
            Fitted::ApproxKrr { map, coef: coef.col_as_slice(0).to_vec() }
        }
        Fitted::Gp(gp) => {
            let yn: Vec<f64> = ys.iter().map(|v| (v - gp.y_mean) / gp.y_scale).collect();
            let feature_gp = FeatureGp::fit(phi.as_ref(), &yn, gp.noise.max(1e-10), par)?;
            Fitted::ApproxGp { map, gp: feature_gp, y_mean: gp.y_mean, y_scale: gp.y_scale }
        }
        _ => return Err(WebError::Input("approximate the exact model, not an approximation".into())),
    })
}

/// LIBSVM's class codes (order of first appearance, as `kern fit` reads a
/// file), and whether class B came first.
fn class_codes(ys: &[f64]) -> Result<(Vec<usize>, bool), WebError> {
    if let Some(v) = ys.iter().find(|&&v| v != 0.0 && v != CLASS_B) {
        return Err(WebError::Input(format!("class {v}: the classes are 0 (A) and 1 (B)")));
    }
    let first = ys.first().copied().unwrap_or(0.0);
    if ys.iter().all(|&v| v == first) {
        return Err(WebError::Input("add points of both classes".into()));
    }
    let codes = ys.iter().map(|&v| usize::from(v != first)).collect();
    Ok((codes, first == CLASS_B))
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
        let dims = self.dims();
        let t = points(xs, dims)?;
        let par = Par::Seq;
        let oriented = |f: Mat<f64>, b_first: bool| -> Vec<f64> {
            let sign = if b_first { 1.0 } else { -1.0 };
            (0..f.nrows()).map(|i| sign * f[(i, 0)]).collect()
        };
        Ok(match self {
            Fitted::Svc { model, b_first } => oriented(model.decision_values(&t, par), *b_first),
            Fitted::Krr(model) => model.predict(&t, par).col_as_slice(0).to_vec(),
            Fitted::Gp(model) => model.predict_mean(&t, par),
            Fitted::ApproxSvc { map, model, b_first } => {
                // The linear SVM's binary decision is positive on the class
                // coded 1, LIBSVM's on the class coded 0.
                oriented(model.decision_function(features(map, &t)?.as_ref()), !*b_first)
            }
            Fitted::ApproxKrr { map, coef } => {
                let phi = features(map, &t)?;
                (0..phi.nrows()).map(|i| (0..coef.len()).map(|j| phi[(i, j)] * coef[j]).sum()).collect()
            }
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
        let predicted: Vec<f64> = match self {
            Fitted::Svc { model, b_first } => {
                let b_code = usize::from(!*b_first);
                model.predict_classes(&t, Par::Seq).iter().map(|&c| f64::from(u8::from(c == b_code))).collect()
            }
            Fitted::ApproxSvc { map, model, b_first } => {
                let b_code = usize::from(!*b_first);
                let phi = features(map, &t)?;
                model.predict(phi.as_ref()).iter().map(|&c| f64::from(u8::from(c == b_code))).collect()
            }
            _ => return Err(WebError::Input("accuracy is for classification".into())),
        };
        let correct = predicted.iter().zip(ys).filter(|(p, y)| p == y).count();
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
            Fitted::Gp(model) => {
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
            Fitted::Svc { model, .. } => Some(model.n_sv()),
            _ => None,
        }
    }

    /// Support vectors: their indices among the training points (exact SVC).
    pub fn support(&self) -> Vec<u32> {
        match self {
            Fitted::Svc { model, .. } => model.sv_indices.iter().map(|&i| i as u32).collect(),
            _ => Vec::new(),
        }
    }

    /// The GP's log marginal likelihood (of its normalised targets).
    pub fn log_marginal_likelihood(&self) -> Option<f64> {
        match self {
            Fitted::Gp(model) => Some(model.log_marginal_likelihood),
            _ => None,
        }
    }

    /// The hyperparameters in effect, for the page's figures.
    pub fn summary(&self) -> String {
        match self {
            Fitted::Svc { model, .. } => {
                let info = &model.pairs[0];
                format!("{}, {} SV ({} at C), {} iterations", model.kernel, model.n_sv(), info.n_bsv, info.iterations)
            }
            Fitted::Krr(model) => format!("{}", model.kernel),
            Fitted::Gp(model) => {
                let parts: Vec<String> =
                    model.hyperparameters().iter().map(|(name, v)| format!("{name} = {v:.4}")).collect();
                parts.join(", ")
            }
            Fitted::ApproxSvc { map, .. } | Fitted::ApproxKrr { map, .. } | Fitted::ApproxGp { map, .. } => {
                format!("{} with {} features", map.name(), map.feature_map().n_components())
            }
        }
    }

    fn dims(&self) -> usize {
        match self {
            Fitted::Svc { .. } | Fitted::ApproxSvc { .. } => 2,
            _ => 1,
        }
    }
}

/// `φ` of the samples `t`.
fn features(map: &ApproxMap, t: &DataSet) -> Result<Mat<f64>, WebError> {
    Ok(map.feature_map().transform(t, Par::Seq)?)
}
