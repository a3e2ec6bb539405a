//! Kernels on vectors: the textbook formulas, their algebra, and their Gram
//! blocks through one GEMM per tile.

mod block;
mod columns;
mod exp;
mod expression;
mod gradient;
mod hyper;
mod indexed;
mod input_gradient;
mod inverted;
pub(crate) mod pass;
mod precomputed;
mod radial;
mod row;
mod tile;

pub use expression::{Expression, ExpressionError};
pub use hyper::Hyperparameter;
pub use precomputed::{check_precomputed_ids, check_precomputed_ids_up_to, precomputed_ids_only};
pub use radial::Contractions;

use serde::{Deserialize, Serialize};

use crate::data::{DataSet, Row};
use crate::error::KernelError;

/// A kernel on real vectors.
///
/// Conventions follow LIBSVM where LIBSVM has the kernel (`gamma`, `coef0`,
/// `degree`) and Rasmussen & Williams otherwise (Matérn and ARD lengthscales).
///
/// ```
/// use kern_kernels::VectorKernel;
/// // 2 × RBF + linear, cosine-normalised.
/// let k = VectorKernel::Normalized(Box::new(VectorKernel::Sum(vec![
///     VectorKernel::Scaled { scale: 2.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }) },
///     VectorKernel::Linear,
/// ])));
/// assert!(k.validate(3).is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum VectorKernel {
    /// `⟨x, y⟩`.
    Linear,
    /// `(γ⟨x, y⟩ + c₀)^degree`.
    Polynomial { gamma: f64, coef0: f64, degree: u32 },
    /// `exp(−γ‖x − y‖²)`.
    Rbf { gamma: f64 },
    /// `exp(−γ‖x − y‖₁)`.
    Laplacian { gamma: f64 },
    /// `tanh(γ⟨x, y⟩ + c₀)`; not positive semi-definite in general.
    Sigmoid { gamma: f64, coef0: f64 },
    /// Matérn ν = 1/2: `exp(−r/ℓ)` with `r = ‖x − y‖`.
    Matern12 { lengthscale: f64 },
    /// Matérn ν = 3/2: `(1 + √3 r/ℓ) exp(−√3 r/ℓ)`.
    Matern32 { lengthscale: f64 },
    /// Matérn ν = 5/2: `(1 + √5 r/ℓ + 5r²/(3ℓ²)) exp(−√5 r/ℓ)`.
    Matern52 { lengthscale: f64 },
    /// RBF with one lengthscale per feature (ARD): `exp(−½ Σ_j (x_j − y_j)²/ℓ_j²)`.
    ArdRbf { lengthscales: Vec<f64> },
    /// `Σ_t k_t(x, y)`.
    Sum(Vec<VectorKernel>),
    /// `Π_t k_t(x, y)`.
    Product(Vec<VectorKernel>),
    /// `s · k(x, y)` with `s > 0`.
    Scaled { scale: f64, kernel: Box<VectorKernel> },
    /// Cosine normalisation `k(x, y) / √(k(x, x) k(y, y))` (0 where that is 0).
    Normalized(Box<VectorKernel>),
    /// Kernel values computed by the user (LIBSVM's `-t 4`): a sample is
    /// `(id, K(x, x₁), …, K(x, x_L))` and `k(x, y) = x[id(y)]`; see
    /// [`check_precomputed_ids`].
    Precomputed,
    /// Periodic: `exp(−2 Σ_j sin²(π |x_j − y_j| / p) / ℓ²)`, lengthscale `ℓ`
    /// and period `p`. On one feature this is scikit-learn's `ExpSineSquared`;
    /// on several it sums over features (GPyTorch's `PeriodicKernel`), which
    /// stays positive semi-definite where `sin²(π‖x − y‖/p)` does not.
    Periodic { lengthscale: f64, period: f64 },
    /// Rational quadratic: `(1 + r²/(2αℓ²))^(−α)`, a scale mixture of RBFs
    /// (the RBF as `α → ∞`).
    RationalQuadratic { lengthscale: f64, alpha: f64 },
    /// Dot product (scikit-learn's `DotProduct`): `σ₀² + ⟨x, y⟩`.
    DotProduct { sigma0: f64 },
    /// The constant `c` for every pair (an offset term of a sum).
    Constant { value: f64 },
    // New variants go last: model files store the variant's index.
    /// Matérn ν = 3/2 with one lengthscale per feature (ARD): `(1 + √3 r) exp(−√3 r)`
    /// with `r² = Σ_j (x_j − y_j)²/ℓ_j²`.
    ArdMatern32 { lengthscales: Vec<f64> },
    /// Matérn ν = 5/2 with one lengthscale per feature (ARD): `(1 + √5 r + 5r²/3) exp(−√5 r)`
    /// with `r² = Σ_j (x_j − y_j)²/ℓ_j²`.
    ArdMatern52 { lengthscales: Vec<f64> },
}

impl VectorKernel {
    /// Checks every parameter, for data with `n_features` features.
    pub fn validate(&self, n_features: usize) -> Result<(), KernelError> {
        use VectorKernel::*;
        fn positive(name: &'static str, value: f64) -> Result<(), KernelError> {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(KernelError::InvalidParameter { name, value, reason: "must be positive and finite" })
            }
        }
        fn finite(name: &'static str, value: f64) -> Result<(), KernelError> {
            if value.is_finite() {
                Ok(())
            } else {
                Err(KernelError::InvalidParameter { name, value, reason: "must be finite" })
            }
        }
        let nested =
            |k: &VectorKernel| if k.contains_precomputed() { Err(KernelError::NestedPrecomputed) } else { Ok(()) };
        match self {
            Linear | Precomputed => Ok(()),
            Polynomial { gamma, coef0, degree } => {
                positive("gamma", *gamma)?;
                finite("coef0", *coef0)?;
                if *degree == 0 {
                    return Err(KernelError::InvalidParameter {
                        name: "degree",
                        value: 0.0,
                        reason: "must be at least 1",
                    });
                }
                Ok(())
            }
            Rbf { gamma } | Laplacian { gamma } => positive("gamma", *gamma),
            Sigmoid { gamma, coef0 } => {
                positive("gamma", *gamma)?;
                finite("coef0", *coef0)
            }
            Matern12 { lengthscale } | Matern32 { lengthscale } | Matern52 { lengthscale } => {
                positive("lengthscale", *lengthscale)
            }
            ArdRbf { lengthscales } | ArdMatern32 { lengthscales } | ArdMatern52 { lengthscales } => {
                if lengthscales.len() != n_features {
                    return Err(KernelError::LengthscaleCount { expected: n_features, got: lengthscales.len() });
                }
                lengthscales.iter().try_for_each(|&l| positive("lengthscale", l))
            }
            Sum(terms) | Product(terms) => {
                if terms.is_empty() {
                    return Err(KernelError::EmptyComposite(if matches!(self, Sum(_)) { "sum" } else { "product" }));
                }
                terms.iter().try_for_each(|t| nested(t).and_then(|()| t.validate(n_features)))
            }
            Scaled { scale, kernel } => {
                positive("scale", *scale)?;
                nested(kernel)?;
                kernel.validate(n_features)
            }
            Normalized(kernel) => nested(kernel).and_then(|()| kernel.validate(n_features)),
            Periodic { lengthscale, period } => {
                positive("lengthscale", *lengthscale)?;
                positive("period", *period)
            }
            RationalQuadratic { lengthscale, alpha } => {
                positive("lengthscale", *lengthscale)?;
                positive("alpha", *alpha)
            }
            DotProduct { sigma0 } => positive("sigma0", *sigma0),
            Constant { value } => positive("constant", *value),
        }
    }

    /// Whether the kernel is, or holds, [`VectorKernel::Precomputed`].
    pub fn contains_precomputed(&self) -> bool {
        use VectorKernel::*;
        match self {
            Precomputed => true,
            Sum(t) | Product(t) => t.iter().any(Self::contains_precomputed),
            Scaled { kernel, .. } | Normalized(kernel) => kernel.contains_precomputed(),
            _ => false,
        }
    }

    /// Whether the kernel holds a parameter per feature (ARD lengthscales):
    /// it is fixed to the width it was fitted at.
    ///
    /// ```
    /// use kern_kernels::VectorKernel;
    /// assert!(!VectorKernel::Rbf { gamma: 0.5 }.has_feature_parameters());
    /// let ard = VectorKernel::ArdRbf { lengthscales: vec![1.0, 2.0] };
    /// assert!(VectorKernel::Sum(vec![VectorKernel::Linear, ard]).has_feature_parameters());
    /// ```
    pub fn has_feature_parameters(&self) -> bool {
        use VectorKernel::*;
        match self {
            ArdRbf { .. } | ArdMatern32 { .. } | ArdMatern52 { .. } => true,
            Sum(t) | Product(t) => t.iter().any(Self::has_feature_parameters),
            Scaled { kernel, .. } | Normalized(kernel) => kernel.has_feature_parameters(),
            _ => false,
        }
    }

    /// `k(x, y)` by the textbook formula, from the two rows directly.
    pub fn eval_rows(&self, x: &Row<'_>, y: &Row<'_>) -> f64 {
        use VectorKernel::*;
        match self {
            Linear | Polynomial { .. } | Sigmoid { .. } | DotProduct { .. } => self.of_dot(x.dot(y)),
            Rbf { .. } | Matern12 { .. } | Matern32 { .. } | Matern52 { .. } | RationalQuadratic { .. } => {
                self.of_sq_distance(x.sq_distance(y))
            }
            Periodic { lengthscale, period } => {
                exp::exp(-2.0 * periodic_sum(x, y, *period) / (lengthscale * lengthscale))
            }
            Constant { value } => *value,
            Laplacian { gamma } => exp::exp(-gamma * x.l1_distance(y)),
            ArdRbf { lengthscales } | ArdMatern32 { lengthscales } | ArdMatern52 { lengthscales } => {
                self.ard_profile(x.weighted_sq_distance(y, &ard_weights(lengthscales)))
            }
            Sum(terms) => terms.iter().map(|t| t.eval_rows(x, y)).sum(),
            Product(terms) => terms.iter().map(|t| t.eval_rows(x, y)).product(),
            Scaled { scale, kernel } => scale * kernel.eval_rows(x, y),
            Normalized(kernel) => {
                let norm = (kernel.eval_rows(x, x) * kernel.eval_rows(y, y)).sqrt();
                if norm > 0.0 { kernel.eval_rows(x, y) / norm } else { 0.0 }
            }
            Precomputed => precomputed::value(x, y),
        }
    }

    /// The kernel value from `⟨x, y⟩`, for dot-product kernels.
    #[inline]
    pub(crate) fn of_dot(&self, dot: f64) -> f64 {
        match *self {
            VectorKernel::Linear => dot,
            VectorKernel::Polynomial { gamma, coef0, degree } => powi(gamma * dot + coef0, degree),
            VectorKernel::Sigmoid { gamma, coef0 } => (gamma * dot + coef0).tanh(),
            VectorKernel::DotProduct { sigma0 } => sigma0 * sigma0 + dot,
            _ => unreachable!("not a dot-product kernel"),
        }
    }

    /// The kernel value from `‖x − y‖²`, for radial kernels.
    #[inline]
    pub(crate) fn of_sq_distance(&self, d2: f64) -> f64 {
        const SQRT3: f64 = 1.732_050_807_568_877_2;
        const SQRT5: f64 = 2.236_067_977_499_79;
        match *self {
            VectorKernel::Rbf { gamma } => exp::exp(-gamma * d2),
            VectorKernel::Matern12 { lengthscale } => exp::exp(-d2.sqrt() / lengthscale),
            VectorKernel::Matern32 { lengthscale } => {
                let s = SQRT3 * d2.sqrt() / lengthscale;
                (1.0 + s) * exp::exp(-s)
            }
            VectorKernel::Matern52 { lengthscale } => {
                let s = SQRT5 * d2.sqrt() / lengthscale;
                (1.0 + s + s * s / 3.0) * exp::exp(-s)
            }
            VectorKernel::RationalQuadratic { lengthscale, alpha } => {
                (1.0 + d2 / (2.0 * alpha * lengthscale * lengthscale)).powf(-alpha)
            }
            _ => unreachable!("not a radial kernel"),
        }
    }

    /// An ARD kernel's value at the scaled squared distance
    /// `r² = Σ_j (x_j − y_j)²/ℓ_j²`.
    pub(crate) fn ard_profile(&self, r2: f64) -> f64 {
        match self {
            VectorKernel::ArdRbf { .. } => exp::exp(-0.5 * r2),
            VectorKernel::ArdMatern32 { .. } => VectorKernel::Matern32 { lengthscale: 1.0 }.of_sq_distance(r2),
            VectorKernel::ArdMatern52 { .. } => VectorKernel::Matern52 { lengthscale: 1.0 }.of_sq_distance(r2),
            _ => unreachable!("not an ARD kernel"),
        }
    }

    /// The kernel's command-line name (`rbf`, `poly`, `matern32`, ...).
    pub fn name(&self) -> &'static str {
        use VectorKernel::*;
        match self {
            Linear => "linear",
            Polynomial { .. } => "poly",
            Rbf { .. } => "rbf",
            Laplacian { .. } => "laplacian",
            Sigmoid { .. } => "sigmoid",
            Matern12 { .. } => "matern12",
            Matern32 { .. } => "matern32",
            Matern52 { .. } => "matern52",
            ArdRbf { .. } => "ard",
            ArdMatern32 { .. } => "ard_matern32",
            ArdMatern52 { .. } => "ard_matern52",
            Sum(_) => "sum",
            Product(_) => "product",
            Scaled { .. } => "scaled",
            Normalized(_) => "normalized",
            Precomputed => "precomputed",
            Periodic { .. } => "periodic",
            RationalQuadratic { .. } => "rq",
            DotProduct { .. } => "dot",
            Constant { .. } => "const",
        }
    }

    /// Whether the kernel's values follow from inner products and squared
    /// norms alone (so a kernel row can come from an inverted index).
    pub(crate) fn uses_inner_products_only(&self) -> bool {
        use VectorKernel::*;
        match self {
            Linear
            | Polynomial { .. }
            | Sigmoid { .. }
            | Rbf { .. }
            | Matern12 { .. }
            | Matern32 { .. }
            | Matern52 { .. }
            | RationalQuadratic { .. }
            | DotProduct { .. }
            | Constant { .. } => true,
            Laplacian { .. } | ArdRbf { .. } | ArdMatern32 { .. } | ArdMatern52 { .. } => false,
            Periodic { .. } | Precomputed => false,
            Sum(t) | Product(t) => t.iter().all(Self::uses_inner_products_only),
            Scaled { kernel, .. } | Normalized(kernel) => kernel.uses_inner_products_only(),
        }
    }

    /// Whether `k(x, x)` is the same for every `x` (so normalisation is cheap
    /// and the diagonal needs no data).
    pub fn is_stationary(&self) -> bool {
        use VectorKernel::*;
        match self {
            Rbf { .. } | Laplacian { .. } | Matern12 { .. } | Matern32 { .. } | Matern52 { .. } => true,
            ArdRbf { .. } | ArdMatern32 { .. } | ArdMatern52 { .. } => true,
            Periodic { .. } | RationalQuadratic { .. } | Constant { .. } | Normalized(_) => true,
            Linear | Polynomial { .. } | Sigmoid { .. } | DotProduct { .. } | Precomputed => false,
            Sum(t) | Product(t) => t.iter().all(Self::is_stationary),
            Scaled { kernel, .. } => kernel.is_stationary(),
        }
    }
}

/// `Σ_j sin²(π |x_j − y_j| / p)` over the features where either row is non-zero.
pub(crate) fn periodic_sum(x: &Row<'_>, y: &Row<'_>, period: f64) -> f64 {
    let mut s = 0.0;
    x.zip_with(y, |_, a, b| {
        let sin = (std::f64::consts::PI * (a - b).abs() / period).sin();
        s += sin * sin;
    });
    s
}

/// `x^n` by repeated squaring (exact for the small integer degrees in use).
#[inline]
fn powi(x: f64, n: u32) -> f64 {
    match n {
        1 => x,
        2 => x * x,
        3 => x * x * x,
        _ => x.powi(n as i32),
    }
}

impl crate::kernel::Kernel<DataSet> for VectorKernel {
    fn eval(&self, a: &DataSet, i: usize, b: &DataSet, j: usize) -> f64 {
        self.eval_rows(&a.row(i), &b.row(j))
    }

    fn block(
        &self,
        a: &DataSet,
        rows: &[usize],
        b: &DataSet,
        cols: &[usize],
        out: faer::MatMut<'_, f64>,
        par: faer::Par,
    ) {
        if let VectorKernel::Precomputed = self {
            precomputed::block(a, rows, b, cols, out);
        } else {
            block::vector_block(self, a, rows, b, cols, out, par);
        }
    }

    fn row_par(&self, samples: &DataSet, len: usize, par: faer::Par) -> faer::Par {
        block::row_par(samples, len, par)
    }

    fn columns<'s>(
        &'s self,
        a: &'s DataSet,
        cols: &[usize],
        par: faer::Par,
    ) -> Option<Box<dyn crate::ColumnView + 's>> {
        let view = columns::CopiedColumns::new(self, a, cols, par)?;
        Some(Box::new(view))
    }

    fn diagonal(&self, a: &DataSet, rows: &[usize], out: &mut [f64]) {
        for (o, &i) in out.iter_mut().zip(rows) {
            let x = a.row(i);
            *o = self.eval_rows(&x, &x);
        }
    }
}

/// Uniform numbers in [−½, ½) from a 64-bit LCG seeded with `seed`: test
/// data that needs no crate.
#[cfg(test)]
pub(crate) fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

/// The kernels of a squared distance that kernel rows compute fused (tests).
#[cfg(test)]
pub(crate) fn distance_kernels() -> [VectorKernel; 4] {
    [
        VectorKernel::Rbf { gamma: 2.0 },
        VectorKernel::Matern12 { lengthscale: 0.7 },
        VectorKernel::Matern32 { lengthscale: 0.7 },
        VectorKernel::Matern52 { lengthscale: 0.7 },
    ]
}

/// `1/ℓ_j²`: the weights of an ARD kernel's squared distance.
pub(crate) fn ard_weights(lengthscales: &[f64]) -> Vec<f64> {
    lengthscales.iter().map(|l| 1.0 / (l * l)).collect()
}
