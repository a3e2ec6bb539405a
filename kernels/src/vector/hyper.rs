//! Hyperparameters of vector kernels for marginal-likelihood fitting: the
//! positive parameters of a kernel (and of every term of a composite), by
//! name and in a fixed order ([`super::gradient`] differentiates in that order).
//!
//! Parameters that may be zero or negative (a polynomial's or sigmoid's
//! `coef0` at or below 0) are fixed: they have no log.

use super::VectorKernel;

/// One positive hyperparameter: its name (`rbf.gamma`, `sum.0.scale`, ...) and value.
#[derive(Clone, Debug, PartialEq)]
pub struct Hyperparameter {
    /// Dotted path of the parameter in the kernel.
    pub name: String,
    /// Its current value (> 0).
    pub value: f64,
}

impl VectorKernel {
    /// Every positive parameter, depth first.
    ///
    /// ```
    /// use kern_kernels::VectorKernel;
    /// let k = VectorKernel::Scaled { scale: 2.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }) };
    /// let names: Vec<String> = k.hyperparameters().into_iter().map(|h| h.name).collect();
    /// assert_eq!(names, ["scale", "rbf.gamma"]);
    /// assert_eq!(k.with_hyperparameters(&[3.0, 0.25]).hyperparameters()[1].value, 0.25);
    /// ```
    pub fn hyperparameters(&self) -> Vec<Hyperparameter> {
        let mut out = Vec::new();
        self.collect_hyperparameters("", &mut out);
        out
    }

    /// Bounds of each hyperparameter (in the order of
    /// [`VectorKernel::hyperparameters`]) when lengthscales, amplitudes and
    /// the like lie within `(lo, hi)`, as scikit-learn bounds them: a
    /// width given as γ is bounded through its lengthscale (the RBF's
    /// γ = 1/(2ℓ²) within `[1/(2hi²), 1/(2lo²)]`, the Laplacian's γ = 1/ℓ
    /// within `[1/hi, 1/lo]`); every other one within `(lo, hi)`.
    ///
    /// ```
    /// use kern_kernels::VectorKernel;
    /// let k = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }) };
    /// assert_eq!(k.hyperparameter_bounds((1e-2, 1e2)), [(1e-2, 1e2), (0.5e-4, 0.5e4)]);
    /// ```
    pub fn hyperparameter_bounds(&self, (lo, hi): (f64, f64)) -> Vec<(f64, f64)> {
        let is = |name: &str, kind: &str| name == kind || name.ends_with(&format!(".{kind}"));
        self.hyperparameters()
            .iter()
            .map(|h| {
                if is(&h.name, "rbf.gamma") {
                    (0.5 / (hi * hi), 0.5 / (lo * lo))
                } else if is(&h.name, "laplacian.gamma") {
                    (1.0 / hi, 1.0 / lo)
                } else {
                    (lo, hi)
                }
            })
            .collect()
    }

    /// `self.hyperparameters().len()`, without building the names.
    pub fn n_hyperparameters(&self) -> usize {
        use VectorKernel::*;
        match self {
            Linear | Precomputed => 0,
            Polynomial { coef0, .. } | Sigmoid { coef0, .. } => 1 + usize::from(*coef0 > 0.0),
            Rbf { .. } | Laplacian { .. } | Matern12 { .. } | Matern32 { .. } | Matern52 { .. } => 1,
            DotProduct { .. } | Constant { .. } => 1,
            Periodic { .. } | RationalQuadratic { .. } => 2,
            ArdRbf { lengthscales } | ArdMatern32 { lengthscales } | ArdMatern52 { lengthscales } => lengthscales.len(),
            Sum(terms) | Product(terms) => terms.iter().map(VectorKernel::n_hyperparameters).sum(),
            Scaled { kernel, .. } => 1 + kernel.n_hyperparameters(),
            Normalized(kernel) => kernel.n_hyperparameters(),
        }
    }

    fn collect_hyperparameters(&self, prefix: &str, out: &mut Vec<Hyperparameter>) {
        use VectorKernel::*;
        let mut push = |name: &str, value: f64| out.push(Hyperparameter { name: format!("{prefix}{name}"), value });
        match self {
            Linear | Precomputed => {}
            Polynomial { gamma, coef0, .. } | Sigmoid { gamma, coef0 } => {
                let kind = self.name();
                push(&format!("{kind}.gamma"), *gamma);
                if *coef0 > 0.0 {
                    push(&format!("{kind}.coef0"), *coef0);
                }
            }
            Rbf { gamma } | Laplacian { gamma } => push(&format!("{}.gamma", self.name()), *gamma),
            Matern12 { lengthscale } | Matern32 { lengthscale } | Matern52 { lengthscale } => {
                push(&format!("{}.lengthscale", self.name()), *lengthscale)
            }
            ArdRbf { lengthscales } | ArdMatern32 { lengthscales } | ArdMatern52 { lengthscales } => {
                for (j, &l) in lengthscales.iter().enumerate() {
                    push(&format!("{}.lengthscale.{j}", self.name()), l);
                }
            }
            Sum(terms) | Product(terms) => {
                for (t, term) in terms.iter().enumerate() {
                    term.collect_hyperparameters(&format!("{prefix}{}.{t}.", self.name()), out);
                }
            }
            Scaled { scale, kernel } => {
                push("scale", *scale);
                kernel.collect_hyperparameters(prefix, out);
            }
            Normalized(kernel) => kernel.collect_hyperparameters(&format!("{prefix}normalized."), out),
            Periodic { lengthscale, period } => {
                push("periodic.lengthscale", *lengthscale);
                push("periodic.period", *period);
            }
            RationalQuadratic { lengthscale, alpha } => {
                push("rq.lengthscale", *lengthscale);
                push("rq.alpha", *alpha);
            }
            DotProduct { sigma0 } => push("dot.sigma0", *sigma0),
            Constant { value } => push("const.value", *value),
        }
    }

    /// The same kernel with its positive parameters replaced, in the order of
    /// [`VectorKernel::hyperparameters`].
    ///
    /// # Panics
    /// If `values` does not hold one value per hyperparameter.
    pub fn with_hyperparameters(&self, values: &[f64]) -> VectorKernel {
        let mut rest = values;
        let k = self.replace_hyperparameters(&mut rest);
        assert!(rest.is_empty(), "more values than hyperparameters");
        k
    }

    /// The same kernel with its one lengthscale repeated for every one of
    /// `n_features` features (automatic relevance determination): the
    /// same function, now with a width per feature to fit. RBF, Matérn 3/2
    /// and 5/2, alone or scaled; `None` for any other kernel.
    ///
    /// ```
    /// use kern_kernels::{Row, VectorKernel};
    /// let k = VectorKernel::Scaled { scale: 2.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }) };
    /// let ard = k.per_feature(3).unwrap();
    /// let (x, y) = (Row::Dense(&[0.1, 0.5, -1.0]), Row::Dense(&[0.3, 0.2, 0.4]));
    /// assert!((ard.eval_rows(&x, &y) - k.eval_rows(&x, &y)).abs() < 1e-14);
    /// assert_eq!(ard.n_hyperparameters(), 4);
    /// ```
    pub fn per_feature(&self, n_features: usize) -> Option<VectorKernel> {
        use VectorKernel::*;
        let repeat = |l: f64| vec![l; n_features];
        Some(match self {
            Rbf { gamma } => ArdRbf { lengthscales: repeat(1.0 / (2.0 * gamma).sqrt()) },
            Matern32 { lengthscale } => ArdMatern32 { lengthscales: repeat(*lengthscale) },
            Matern52 { lengthscale } => ArdMatern52 { lengthscales: repeat(*lengthscale) },
            Scaled { scale, kernel } => Scaled { scale: *scale, kernel: Box::new(kernel.per_feature(n_features)?) },
            _ => return None,
        })
    }

    fn replace_hyperparameters(&self, rest: &mut &[f64]) -> VectorKernel {
        use VectorKernel::*;
        let mut take = || {
            let (v, tail) = rest.split_first().expect("one value per hyperparameter");
            *rest = tail;
            *v
        };
        match self {
            Linear | Precomputed => self.clone(),
            Polynomial { coef0, degree, .. } => {
                let gamma = take();
                let coef0 = if *coef0 > 0.0 { take() } else { *coef0 };
                Polynomial { gamma, coef0, degree: *degree }
            }
            Sigmoid { coef0, .. } => {
                let gamma = take();
                let coef0 = if *coef0 > 0.0 { take() } else { *coef0 };
                Sigmoid { gamma, coef0 }
            }
            Rbf { .. } => Rbf { gamma: take() },
            Laplacian { .. } => Laplacian { gamma: take() },
            Matern12 { .. } => Matern12 { lengthscale: take() },
            Matern32 { .. } => Matern32 { lengthscale: take() },
            Matern52 { .. } => Matern52 { lengthscale: take() },
            ArdRbf { lengthscales } => ArdRbf { lengthscales: lengthscales.iter().map(|_| take()).collect() },
            ArdMatern32 { lengthscales } => ArdMatern32 { lengthscales: lengthscales.iter().map(|_| take()).collect() },
            ArdMatern52 { lengthscales } => ArdMatern52 { lengthscales: lengthscales.iter().map(|_| take()).collect() },
            Sum(terms) => Sum(terms.iter().map(|t| t.replace_hyperparameters(rest)).collect()),
            Product(terms) => Product(terms.iter().map(|t| t.replace_hyperparameters(rest)).collect()),
            Scaled { kernel, .. } => {
                let scale = take();
                Scaled { scale, kernel: Box::new(kernel.replace_hyperparameters(rest)) }
            }
            Normalized(kernel) => Normalized(Box::new(kernel.replace_hyperparameters(rest))),
            Periodic { .. } => Periodic { lengthscale: take(), period: take() },
            RationalQuadratic { .. } => RationalQuadratic { lengthscale: take(), alpha: take() },
            DotProduct { .. } => DotProduct { sigma0: take() },
            Constant { .. } => Constant { value: take() },
        }
    }
}
