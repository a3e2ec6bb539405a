//! Kernel expressions written back as text: the kernel, `!` after held
//! values, then the white-noise term.

use std::fmt;

use super::Expression;
use crate::vector::VectorKernel;

impl fmt::Display for Expression {
    /// The kernel, then ` + white(v)`; held values end in `!`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held: Vec<bool> = self.fit.iter().map(|fit| !fit).collect();
        write_kernel(f, &self.kernel, &mut Marks { held: &held, at: 0 })?;
        match self.white {
            Some((v, fitted)) => write!(f, " + white({v}{})", if fitted { "" } else { "!" }),
            None => Ok(()),
        }
    }
}

impl fmt::Display for VectorKernel {
    /// The kernel expression: `2*rbf(gamma=0.5) + linear`, `matern32(ls=1.5)`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_kernel(f, self, &mut Marks { held: &[], at: 0 })
    }
}

/// Held flags in hyperparameter order, consumed as the printer walks the kernel.
struct Marks<'a> {
    held: &'a [bool],
    at: usize,
}

impl Marks<'_> {
    /// `!` when the next hyperparameter is held.
    fn next(&mut self) -> &'static str {
        let held = self.held.get(self.at).copied().unwrap_or(false);
        self.at += 1;
        if held { "!" } else { "" }
    }
}

fn write_kernel(f: &mut fmt::Formatter<'_>, k: &VectorKernel, m: &mut Marks<'_>) -> fmt::Result {
    use VectorKernel::*;
    match k {
        Linear | Precomputed => write!(f, "{}", k.name()),
        Polynomial { gamma, coef0, degree } => {
            write!(f, "poly(gamma={gamma}{}, coef0={coef0}", m.next())?;
            let held = if *coef0 > 0.0 { m.next() } else { "" };
            write!(f, "{held}, degree={degree})")
        }
        Sigmoid { gamma, coef0 } => {
            write!(f, "sigmoid(gamma={gamma}{}, coef0={coef0}", m.next())?;
            let held = if *coef0 > 0.0 { m.next() } else { "" };
            write!(f, "{held})")
        }
        Rbf { gamma } | Laplacian { gamma } => write!(f, "{}(gamma={gamma}{})", k.name(), m.next()),
        Matern12 { lengthscale } | Matern32 { lengthscale } | Matern52 { lengthscale } => {
            write!(f, "{}(ls={lengthscale}{})", k.name(), m.next())
        }
        ArdRbf { lengthscales } | ArdMatern32 { lengthscales } | ArdMatern52 { lengthscales } => {
            write!(f, "{}(ls=[", k.name())?;
            for (j, l) in lengthscales.iter().enumerate() {
                write!(f, "{}{l}{}", if j > 0 { ", " } else { "" }, m.next())?;
            }
            write!(f, "])")
        }
        Periodic { lengthscale, period } => write!(f, "periodic(ls={lengthscale}{}, p={period}{})", m.next(), m.next()),
        RationalQuadratic { lengthscale, alpha } => {
            write!(f, "rq(ls={lengthscale}{}, a={alpha}{})", m.next(), m.next())
        }
        DotProduct { sigma0 } => write!(f, "dot(sigma0={sigma0}{})", m.next()),
        Constant { value } => write!(f, "const({value}{})", m.next()),
        Sum(terms) => {
            for (t, term) in terms.iter().enumerate() {
                f.write_str(if t > 0 { " + " } else { "" })?;
                write_kernel(f, term, m)?;
            }
            Ok(())
        }
        Product(terms) => {
            for (t, term) in terms.iter().enumerate() {
                f.write_str(if t > 0 { "*" } else { "" })?;
                write_factor(f, term, m)?;
            }
            Ok(())
        }
        Scaled { scale, kernel } => {
            write!(f, "{scale}{}*", m.next())?;
            write_factor(f, kernel, m)
        }
        Normalized(kernel) => {
            f.write_str("normalized(")?;
            write_kernel(f, kernel, m)?;
            f.write_str(")")
        }
    }
}

/// A kernel as a factor of a product: a sum in parentheses.
fn write_factor(f: &mut fmt::Formatter<'_>, k: &VectorKernel, m: &mut Marks<'_>) -> fmt::Result {
    if matches!(k, VectorKernel::Sum(_)) {
        f.write_str("(")?;
        write_kernel(f, k, m)?;
        f.write_str(")")
    } else {
        write_kernel(f, k, m)
    }
}
