//! Hyperparameters of vector kernels for marginal-likelihood fitting: the
//! positive parameters of a kernel (and of every term of a composite), and
//! the Gram matrix with its derivative with respect to the log of each.
//!
//! Parameters that may be zero or negative (a polynomial's or sigmoid's
//! `coef0` at or below 0) are fixed: they have no log.

use faer::{Mat, Par};

use super::VectorKernel;
use crate::data::DataSet;
use crate::gram::gram_matrix;

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
            ArdRbf { lengthscales } => {
                for (j, &l) in lengthscales.iter().enumerate() {
                    push(&format!("ard.lengthscale.{j}"), l);
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
            Sum(terms) => Sum(terms.iter().map(|t| t.replace_hyperparameters(rest)).collect()),
            Product(terms) => Product(terms.iter().map(|t| t.replace_hyperparameters(rest)).collect()),
            Scaled { kernel, .. } => {
                let scale = take();
                Scaled { scale, kernel: Box::new(kernel.replace_hyperparameters(rest)) }
            }
            Normalized(kernel) => Normalized(Box::new(kernel.replace_hyperparameters(rest))),
        }
    }

    /// `K(X, X)` and `∂K/∂ log θ` for each hyperparameter θ, in the order of
    /// [`VectorKernel::hyperparameters`].
    pub fn gram_with_gradients(&self, x: &DataSet, par: Par) -> (Mat<f64>, Vec<Mat<f64>>) {
        let mut pairs = Pairwise { x, par, dot: None, sq_distance: None };
        self.value_and_gradients(&mut pairs)
    }

    fn value_and_gradients(&self, p: &mut Pairwise<'_>) -> (Mat<f64>, Vec<Mat<f64>>) {
        use VectorKernel::*;
        const SQRT3: f64 = 1.732_050_807_568_877_2;
        const SQRT5: f64 = 2.236_067_977_499_79;
        let n = p.x.n_samples();
        let zip = |a: &Mat<f64>, b: &Mat<f64>, f: &dyn Fn(f64, f64) -> f64| {
            Mat::from_fn(n, n, |i, j| f(a[(i, j)], b[(i, j)]))
        };
        match self {
            Linear | Precomputed => (gram_matrix(self, p.x, p.par), Vec::new()),
            Polynomial { gamma, coef0, degree } => {
                let (g, c, d) = (*gamma, *coef0, *degree as i32);
                let k = gram_matrix(self, p.x, p.par);
                let dot = p.dot();
                let slope = |s: f64| f64::from(d) * (g * s + c).powi(d - 1);
                let mut grads = vec![Mat::from_fn(n, n, |i, j| slope(dot[(i, j)]) * g * dot[(i, j)])];
                if c > 0.0 {
                    grads.push(Mat::from_fn(n, n, |i, j| slope(dot[(i, j)]) * c));
                }
                (k, grads)
            }
            Sigmoid { gamma, coef0 } => {
                let (g, c) = (*gamma, *coef0);
                let k = gram_matrix(self, p.x, p.par);
                let dot = p.dot();
                let mut grads = vec![zip(&k, dot, &|k, s| (1.0 - k * k) * g * s)];
                if c > 0.0 {
                    grads.push(Mat::from_fn(n, n, |i, j| (1.0 - k[(i, j)] * k[(i, j)]) * c));
                }
                (k, grads)
            }
            Rbf { gamma } => {
                let g = *gamma;
                let k = gram_matrix(self, p.x, p.par);
                let grad = zip(&k, p.sq_distance(), &|k, d2| -g * d2 * k);
                (k, vec![grad])
            }
            Laplacian { gamma } => {
                let k = gram_matrix(self, p.x, p.par);
                let l1 = Mat::from_fn(n, n, |i, j| p.x.row(i).l1_distance(&p.x.row(j)));
                let g = *gamma;
                let grad = zip(&k, &l1, &|k, l1| -g * l1 * k);
                (k, vec![grad])
            }
            Matern12 { lengthscale } | Matern32 { lengthscale } | Matern52 { lengthscale } => {
                let k = gram_matrix(self, p.x, p.par);
                let l = *lengthscale;
                let d2 = p.sq_distance();
                // ∂k/∂ log ℓ = −s ∂k/∂s with s the scaled distance.
                let grad = match self {
                    Matern12 { .. } => zip(&k, d2, &|k, d2| d2.sqrt() / l * k),
                    Matern32 { .. } => Mat::from_fn(n, n, |i, j| {
                        let s = SQRT3 * d2[(i, j)].sqrt() / l;
                        s * s * super::exp::exp(-s)
                    }),
                    _ => Mat::from_fn(n, n, |i, j| {
                        let s = SQRT5 * d2[(i, j)].sqrt() / l;
                        s * s * (1.0 + s) / 3.0 * super::exp::exp(-s)
                    }),
                };
                (k, vec![grad])
            }
            ArdRbf { lengthscales } => {
                let k = gram_matrix(self, p.x, p.par);
                let grads = lengthscales
                    .iter()
                    .enumerate()
                    .map(|(f, &l)| {
                        Mat::from_fn(n, n, |i, j| {
                            let diff = (p.x.row(i).value_at(f) - p.x.row(j).value_at(f)) / l;
                            k[(i, j)] * diff * diff
                        })
                    })
                    .collect();
                (k, grads)
            }
            Sum(terms) => {
                let mut k = Mat::zeros(n, n);
                let mut grads = Vec::new();
                for term in terms {
                    let (kt, gt) = term.value_and_gradients(p);
                    k += &kt;
                    grads.extend(gt);
                }
                (k, grads)
            }
            Product(terms) => {
                let parts: Vec<(Mat<f64>, Vec<Mat<f64>>)> = terms.iter().map(|t| t.value_and_gradients(p)).collect();
                let k = Mat::from_fn(n, n, |i, j| parts.iter().map(|(kt, _)| kt[(i, j)]).product());
                let mut grads = Vec::new();
                for (t, (_, gt)) in parts.iter().enumerate() {
                    // ∂(Π k_s) = ∂k_t Π_{s≠t} k_s.
                    let others = Mat::from_fn(n, n, |i, j| {
                        parts.iter().enumerate().filter(|&(s, _)| s != t).map(|(_, (ks, _))| ks[(i, j)]).product()
                    });
                    grads.extend(gt.iter().map(|g| zip(g, &others, &|a, b| a * b)));
                }
                (k, grads)
            }
            Scaled { scale, kernel } => {
                let (kt, gt) = kernel.value_and_gradients(p);
                let k = &kt * faer::Scale(*scale);
                let mut grads = vec![k.clone()];
                grads.extend(gt.into_iter().map(|g| &g * faer::Scale(*scale)));
                (k, grads)
            }
            Normalized(kernel) => {
                // k̃ = k / √(k_ii k_jj):
                // ∂k̃ = ∂k / √(k_ii k_jj) − ½ k̃ (∂k_ii / k_ii + ∂k_jj / k_jj).
                let (kt, gt) = kernel.value_and_gradients(p);
                let d: Vec<f64> = (0..n).map(|i| kt[(i, i)]).collect();
                let norm = |i: usize, j: usize| (d[i] * d[j]).sqrt();
                let k = Mat::from_fn(n, n, |i, j| if norm(i, j) > 0.0 { kt[(i, j)] / norm(i, j) } else { 0.0 });
                let grads = gt
                    .iter()
                    .map(|g| {
                        Mat::from_fn(n, n, |i, j| {
                            if norm(i, j) > 0.0 {
                                g[(i, j)] / norm(i, j) - 0.5 * k[(i, j)] * (g[(i, i)] / d[i] + g[(j, j)] / d[j])
                            } else {
                                0.0
                            }
                        })
                    })
                    .collect();
                (k, grads)
            }
        }
    }
}

/// Pairwise quantities of the samples, computed once when first needed.
struct Pairwise<'a> {
    x: &'a DataSet,
    par: Par,
    dot: Option<Mat<f64>>,
    sq_distance: Option<Mat<f64>>,
}

impl Pairwise<'_> {
    fn dot(&mut self) -> &Mat<f64> {
        let (x, par) = (self.x, self.par);
        self.dot.get_or_insert_with(|| gram_matrix(&VectorKernel::Linear, x, par))
    }

    fn sq_distance(&mut self) -> &Mat<f64> {
        if self.sq_distance.is_none() {
            let norms = self.x.sq_norms().to_vec();
            let dot = self.dot();
            let n = norms.len();
            let d2 = Mat::from_fn(
                n,
                n,
                |i, j| if i == j { 0.0 } else { (norms[i] + norms[j] - 2.0 * dot[(i, j)]).max(0.0) },
            );
            self.sq_distance = Some(d2);
        }
        self.sq_distance.as_ref().expect("just computed")
    }
}
