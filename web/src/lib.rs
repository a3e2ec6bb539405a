//! kern in the browser: the demo page's bindings (wasm-bindgen).
//!
//! The page (`web/index.html`, `web/demo.js`) runs these in a worker: it
//! fits the clicked points with [`fn@fit`], asks the model for decision
//! values or means on a grid, and draws them. The fitting is
//! [`fit::fit_exact`], plain Rust that the native tests run too: the page's
//! settings become kern's typed description of a fit, and `kern::train`
//! fits it as `kern fit` would.
//!
//! ```
//! use kern_web::{Settings, Task, fit::fit_exact};
//! let mut s = Settings::new();
//! s.task = Task::Krr;
//! let xs = [-1.0, -0.5, 0.0, 0.5, 1.0];
//! let ys = [1.0, 0.25, 0.0, 0.25, 1.0];
//! let model = fit_exact(&s, &xs, &ys).unwrap();
//! assert!(model.mse(&xs, &ys).unwrap() < 0.01);
//! ```

pub mod fit;
mod settings;

pub use settings::{ApproxName, KernelName, Settings, Task};
use wasm_bindgen::prelude::*;

use fit::Fitted;

/// A fitted model, exact or approximate.
#[wasm_bindgen]
pub struct Model(Fitted);

/// Fits the exact model of `settings.task` to `xs` (x, y pairs for svc,
/// single x values otherwise) and targets `ys` (0 for class A, 1 for B, or
/// the curve's values).
#[wasm_bindgen]
pub fn fit(settings: &Settings, xs: &[f64], ys: &[f64]) -> Result<Model, JsError> {
    fit::fit_exact(settings, xs, ys).map(Model).map_err(js)
}

#[wasm_bindgen]
impl Model {
    /// The approximation of this model by `method` at `settings.components`
    /// features, with the same hyperparameters, on the same data.
    pub fn approximate(
        &self,
        method: ApproxName,
        settings: &Settings,
        xs: &[f64],
        ys: &[f64],
    ) -> Result<Model, JsError> {
        fit::fit_approx(&self.0, method, settings, xs, ys).map(Model).map_err(js)
    }

    /// Decision values (positive on class B's side) or predicted means at `xs`.
    pub fn decision(&self, xs: &[f64]) -> Result<Vec<f64>, JsError> {
        self.0.decision(xs).map_err(js)
    }

    /// GPs: the mean, the latent standard deviation and `count` posterior
    /// draws at `xs` (exact GPs; 0 for an approximation), concatenated:
    /// `t` means, `t` deviations, then the draws one after another.
    pub fn band(&self, xs: &[f64], count: u32, seed: u32) -> Result<Vec<f64>, JsError> {
        let band = self.0.band(xs, count as usize, u64::from(seed)).map_err(js)?;
        Ok([band.mean, band.std, band.draws].concat())
    }

    /// Classification accuracy on `xs`, `ys`.
    pub fn accuracy(&self, xs: &[f64], ys: &[f64]) -> Result<f64, JsError> {
        self.0.accuracy(xs, ys).map_err(js)
    }

    /// Regression mean squared error on `xs`, `ys`.
    pub fn mse(&self, xs: &[f64], ys: &[f64]) -> Result<f64, JsError> {
        self.0.mse(xs, ys).map_err(js)
    }

    /// Exact SVC: the training indices of the support vectors.
    pub fn support(&self) -> Vec<u32> {
        self.0.support()
    }

    /// Exact SVC: the number of support vectors (`undefined` otherwise).
    #[wasm_bindgen(js_name = nSv)]
    pub fn n_sv(&self) -> Option<u32> {
        self.0.n_sv().map(|n| n as u32)
    }

    /// Exact GPs: the log marginal likelihood (`undefined` otherwise).
    #[wasm_bindgen(js_name = logMarginalLikelihood)]
    pub fn log_marginal_likelihood(&self) -> Option<f64> {
        self.0.log_marginal_likelihood()
    }

    /// The kernel and hyperparameters in effect, in words.
    pub fn summary(&self) -> String {
        self.0.summary()
    }
}

fn js(e: fit::WebError) -> JsError {
    JsError::new(&e.to_string())
}
