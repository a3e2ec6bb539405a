//! What the page's controls set, and the kernel they describe.

use kern::train::{Alpha, FitSpec, KernelName as Kernel, Task as KernTask};
use wasm_bindgen::prelude::wasm_bindgen;

/// The learning problem.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// C-SVC on points of classes A and B in the plane.
    Svc,
    /// Kernel ridge regression of a 1-D curve.
    Krr,
    /// Gaussian-process regression of a 1-D curve.
    Gp,
}

/// The vector kernels, as `kern fit --kernel` names them.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelName {
    Rbf,
    Laplacian,
    Poly,
    Linear,
    Sigmoid,
    Matern12,
    Matern32,
    Matern52,
}

/// An approximation of the kernel by `components` explicit features.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApproxName {
    Rff,
    Nystroem,
}

/// Every setting of a fit. Defaults are `kern fit`'s (LIBSVM's C = 1,
/// tolerance 1e-3), with gamma 1 for the demo's unit-square coordinates.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub task: Task,
    pub kernel: KernelName,
    /// The kernel's γ; Matérn kernels take the lengthscale `1/√(2γ)`, the
    /// RBF's at the same γ.
    pub gamma: f64,
    /// Polynomial degree.
    pub degree: u32,
    /// Polynomial and sigmoid offset.
    pub coef0: f64,
    /// SVM cost.
    pub c: f64,
    /// Kernel ridge's regularisation.
    pub alpha: f64,
    /// GP noise variance (of the normalised targets).
    pub noise: f64,
    /// GP: fit the amplitude, kernel parameters and noise by marginal
    /// likelihood, starting from the settings (otherwise all are held).
    pub optimize: bool,
    /// Features of the approximation.
    pub components: u32,
    /// Seed of the random features or landmarks.
    pub seed: u32,
}

#[wasm_bindgen]
impl Settings {
    /// The defaults.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Settings {
        Settings {
            task: Task::Svc,
            kernel: KernelName::Rbf,
            gamma: 1.0,
            degree: 3,
            coef0: 1.0,
            c: 1.0,
            alpha: 1e-2,
            noise: 1e-2,
            optimize: false,
            components: 50,
            seed: 0,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::new()
    }
}

impl Settings {
    /// The fit the settings describe, as `kern fit` options would: a GP's
    /// hyperparameters held at the settings, or fitted starting from them.
    pub fn spec(&self) -> FitSpec {
        let mut spec = FitSpec::new(match self.task {
            Task::Svc => KernTask::Svc,
            Task::Krr => KernTask::Krr,
            Task::Gp => KernTask::Gp,
        });
        spec.kernel.name = match self.kernel {
            KernelName::Rbf => Kernel::Rbf,
            KernelName::Laplacian => Kernel::Laplacian,
            KernelName::Poly => Kernel::Poly,
            KernelName::Linear => Kernel::Linear,
            KernelName::Sigmoid => Kernel::Sigmoid,
            KernelName::Matern12 => Kernel::Matern12,
            KernelName::Matern32 => Kernel::Matern32,
            KernelName::Matern52 => Kernel::Matern52,
        };
        (spec.kernel.degree, spec.kernel.coef0) = (self.degree, self.coef0);
        (spec.svm.c, spec.alpha) = (self.c, Alpha::Value(self.alpha));
        (spec.approx.components, spec.seed) = (self.components as usize, u64::from(self.seed));
        spec.gp.restarts = Some(0);
        if self.task == Task::Gp && self.optimize {
            (spec.gp.gamma_start, spec.gp.noise_start) = (Some(self.gamma), Some(self.noise));
        } else {
            spec.kernel.gamma = Some(self.gamma);
            (spec.gp.amplitude, spec.gp.noise) = (Some(1.0), Some(self.noise));
        }
        spec
    }

    /// Input dimension: points in the plane for classification, a line for regression.
    pub fn dims(&self) -> usize {
        if self.task == Task::Svc { 2 } else { 1 }
    }
}
