//! `--auto` for kernel ridge: gamma and α by exact leave-one-out error.

use faer::Mat;
use kern_kernels::{DataSet, ExactGram, Par};
use kern_solvers::LooPath;
use serde_json::json;

use super::Choices;
use crate::error::Result;
use crate::select::Param;
use crate::train::memory::{Shape, check_plan};
use crate::train::{Alpha, FitSpec};

/// Gamma (unless held: `g0` is `None`) by the exact leave-one-out error over
/// `g0 · 2^{-4, -2, 0, 2, 4}` then the neighbours of the best at one step;
/// α (unless held) by leave-one-out at that gamma.
pub(super) fn choose(
    spec: &mut FitSpec,
    x: &DataSet,
    y: &[f64],
    g0: Option<f64>,
    alpha_held: bool,
    par: Par,
    choices: &mut Choices,
) -> Result<()> {
    if !alpha_held {
        spec.alpha = Alpha::Auto;
    }
    let Some(g0) = g0 else {
        if !alpha_held {
            choices.note("alpha", json!("leave-one-out"), "alpha by exact leave-one-out".into());
        }
        return Ok(());
    };
    // One eigendecomposition of K per gamma: K and its eigenvectors.
    check_plan(&FitSpec { alpha: Alpha::Auto, ..spec.clone() }, Shape::of_vectors(x, par))?;
    let y = Mat::from_fn(y.len(), 1, |i, _| y[i]);
    // (log2 gamma offset, leave-one-out mse, the alpha it was at) of each gamma tried.
    let mut tried: Vec<(f64, f64, f64)> = Vec::new();
    let loo = |tried: &mut Vec<(f64, f64, f64)>, log2g: f64| -> Result<()> {
        if tried.iter().any(|p| p.0 == log2g) {
            return Ok(());
        }
        let mut p = spec.clone();
        Param::Gamma.set(&mut p, g0 * log2g.exp2());
        let path = LooPath::new(&ExactGram::new(&p.vector_kernel(x.n_features())?, x, par), y.as_ref(), par)?;
        let (alpha, mse) = match p.alpha {
            Alpha::Auto => {
                let selection = path.select()?;
                (selection.alpha, selection.loo_mse)
            }
            Alpha::Value(a) => {
                let mse = path.residuals(a).map_or(f64::INFINITY, |r| {
                    r.col_as_slice(0).iter().map(|v| v * v).sum::<f64>() / r.nrows().max(1) as f64
                });
                (a, mse)
            }
        };
        tried.push((log2g, if mse.is_finite() { mse } else { f64::INFINITY }, alpha));
        Ok(())
    };
    let best = |tried: &[(f64, f64, f64)]| {
        tried.iter().copied().reduce(|b, p| if p.1 < b.1 { p } else { b }).expect("gammas tried")
    };
    for offset in [-4.0, -2.0, 0.0, 2.0, 4.0] {
        loo(&mut tried, offset)?;
    }
    let centre = best(&tried).0;
    for offset in [centre - 1.0, centre + 1.0] {
        loo(&mut tried, offset)?;
    }
    let (log2g, mse, alpha) = best(&tried);
    let gamma = g0 * log2g.exp2();
    Param::Gamma.set(spec, gamma);
    // The alpha leave-one-out chose at this gamma: the final fit needs no second eigendecomposition.
    spec.alpha = Alpha::Value(alpha);
    let said = format!("gamma {gamma:.4e} by exact leave-one-out at alpha {alpha:.4e} (mse {mse:.4e})");
    choices.note("gamma", json!(gamma), said);
    if !alpha_held {
        choices.json.insert("alpha".into(), json!("leave-one-out"));
    }
    choices.json.insert("loo_mse".into(), json!(mse));
    Ok(())
}
