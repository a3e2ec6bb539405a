//! What the page's controls set, and the kernel they describe.

use kern::VectorKernel;
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
    /// The kernel the settings describe (validated by the solvers).
    pub fn vector_kernel(&self) -> VectorKernel {
        let lengthscale = 1.0 / (2.0 * self.gamma).sqrt();
        match self.kernel {
            KernelName::Rbf => VectorKernel::Rbf { gamma: self.gamma },
            KernelName::Laplacian => VectorKernel::Laplacian { gamma: self.gamma },
            KernelName::Poly => VectorKernel::Polynomial { gamma: self.gamma, coef0: self.coef0, degree: self.degree },
            KernelName::Linear => VectorKernel::Linear,
            KernelName::Sigmoid => VectorKernel::Sigmoid { gamma: self.gamma, coef0: self.coef0 },
            KernelName::Matern12 => VectorKernel::Matern12 { lengthscale },
            KernelName::Matern32 => VectorKernel::Matern32 { lengthscale },
            KernelName::Matern52 => VectorKernel::Matern52 { lengthscale },
        }
    }

    /// Input dimension: points in the plane for classification, a line for regression.
    pub fn dims(&self) -> usize {
        if self.task == Task::Svc { 2 } else { 1 }
    }
}
