//! Grid axes: a numeric option of a fit and the values it takes, a list
//! (`c=0.1,1,10`) or a geometric range `A..B:F` (from A towards B
//! multiplying by F, B included when reached). Numbers may be written
//! `2^k`, as in LIBSVM's grid.py.

use crate::error::{Error, Result};
use crate::train::{Alpha, FitSpec};

/// Values one axis may take at most (a guard against `1e-300..1e300:1.0001`).
pub const MAX_VALUES: usize = 10_000;
/// Points a grid may have at most.
pub const MAX_POINTS: usize = 100_000;

/// A numeric option a grid ranges over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    C,
    Gamma,
    Nu,
    Epsilon,
    Alpha,
    Noise,
    Amplitude,
    Coef0,
    Lengthscale,
    Lambda,
    Degree,
    K,
    M,
    H,
    Shift,
}

impl Param {
    /// Every option, in the order they are listed.
    pub const ALL: [Param; 15] = [
        Param::C,
        Param::Gamma,
        Param::Nu,
        Param::Epsilon,
        Param::Alpha,
        Param::Noise,
        Param::Amplitude,
        Param::Coef0,
        Param::Lengthscale,
        Param::Lambda,
        Param::Degree,
        Param::K,
        Param::M,
        Param::H,
        Param::Shift,
    ];

    /// Its name, as `--grid` and the CLI's options spell it.
    pub fn name(self) -> &'static str {
        match self {
            Param::C => "c",
            Param::Gamma => "gamma",
            Param::Nu => "nu",
            Param::Epsilon => "epsilon",
            Param::Alpha => "alpha",
            Param::Noise => "noise",
            Param::Amplitude => "amplitude",
            Param::Coef0 => "coef0",
            Param::Lengthscale => "lengthscale",
            Param::Lambda => "lambda",
            Param::Degree => "degree",
            Param::K => "k",
            Param::M => "m",
            Param::H => "h",
            Param::Shift => "shift",
        }
    }

    /// The option named `name` (also `g` for gamma, `p` and `eps` for epsilon).
    pub fn parse(name: &str) -> Option<Param> {
        let name = name.trim().to_ascii_lowercase();
        let name = match name.as_str() {
            "g" => "gamma",
            "p" | "eps" => "epsilon",
            other => other,
        };
        Param::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether it takes whole numbers.
    pub fn integer(self) -> bool {
        matches!(self, Param::Degree | Param::K | Param::M | Param::H | Param::Shift)
    }

    /// Sets it on `spec` (a whole number for [`Param::integer`] options).
    pub fn set(self, spec: &mut FitSpec, value: f64) {
        let k = &mut spec.kernel;
        match self {
            Param::C => spec.svm.c = value,
            Param::Gamma => k.gamma = Some(value),
            Param::Nu => spec.svm.nu = value,
            Param::Epsilon => spec.svm.epsilon = value,
            Param::Alpha => spec.alpha = Alpha::Value(value),
            Param::Noise => spec.gp.noise = Some(value),
            Param::Amplitude => spec.gp.amplitude = Some(value),
            Param::Coef0 => k.coef0 = value,
            Param::Lengthscale => k.lengthscale = Some(value),
            Param::Lambda => k.lambda = Some(value),
            Param::Degree => k.degree = value as u32,
            Param::K => k.k = Some(value as usize),
            Param::M => k.mismatches = value as usize,
            Param::H => k.wl_rounds = value as usize,
            Param::Shift => k.shift = value as usize,
        }
    }
}

/// One axis of a grid: an option and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub param: Param,
    pub values: Vec<f64>,
}

/// Parses `NAME=SPEC`.
///
/// ```
/// use kern::select::{Param, parse_axis};
/// let c = parse_axis("c=2^-5..2^15:4").unwrap();
/// assert_eq!((c.param, c.values.len(), c.values[0]), (Param::C, 11, 1.0 / 32.0));
/// assert_eq!(parse_axis("gamma=0.5,1,2").unwrap().values, [0.5, 1.0, 2.0]);
/// assert!(parse_axis("c=1..0:2").is_err());
/// ```
pub fn parse_axis(text: &str) -> std::result::Result<Axis, String> {
    let (name, spec) = text.split_once('=').ok_or_else(|| format!("--grid {text}: expected NAME=SPEC"))?;
    let param = Param::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Param::ALL.iter().map(|p| p.name()).collect();
        format!("--grid {text}: unknown option {:?} (one of {})", name.trim().to_ascii_lowercase(), names.join(", "))
    })?;
    let bad = |why: &str| format!("--grid {text}: {why}");
    let values = if let Some((range, factor)) = spec.split_once(':') {
        let (a, b) = range.split_once("..").ok_or_else(|| bad("a range is A..B:F"))?;
        let (a, b, f) =
            (number(a).map_err(|e| bad(&e))?, number(b).map_err(|e| bad(&e))?, number(factor).map_err(|e| bad(&e))?);
        geometric(a, b, f).map_err(|e| bad(&e))?
    } else {
        spec.split(',').map(|v| number(v).map_err(|e| bad(&e))).collect::<std::result::Result<Vec<_>, _>>()?
    };
    if values.is_empty() || values.len() > MAX_VALUES {
        return Err(bad(&format!("between 1 and {MAX_VALUES} values")));
    }
    if param.integer() && values.iter().any(|v| v.fract() != 0.0 || *v < 0.0) {
        return Err(bad("this option takes whole numbers ≥ 0"));
    }
    Ok(Axis { param, values })
}

/// A number, or `B^E` (`2^-5`).
fn number(text: &str) -> std::result::Result<f64, String> {
    let text = text.trim();
    let parse = |s: &str| s.trim().parse::<f64>().map_err(|_| format!("{s:?} is not a number"));
    let v = match text.split_once('^') {
        Some((base, exponent)) => parse(base)?.powf(parse(exponent)?),
        None => parse(text)?,
    };
    if v.is_finite() { Ok(v) } else { Err(format!("{text} is not finite")) }
}

/// `a, a f, a f², …` up to `b` (included within rounding).
fn geometric(a: f64, b: f64, f: f64) -> std::result::Result<Vec<f64>, String> {
    if !(a > 0.0 && b > 0.0 && f > 0.0) {
        return Err("a geometric range needs A, B and F > 0".into());
    }
    if a != b && (f == 1.0 || (b > a) != (f > 1.0)) {
        return Err(format!("multiplying by {f} never goes from {a} to {b}"));
    }
    if a == b {
        return Ok(vec![a]);
    }
    // In logs: b / a may overflow where the range itself is fine.
    let steps = ((b.ln() - a.ln()) / f.ln()).max(0.0);
    if steps.is_nan() || steps >= MAX_VALUES as f64 {
        return Err(format!("more than {MAX_VALUES} values"));
    }
    let count = (steps + 1e-9).floor() as usize + 1;
    // Powers, not repeated products: 2^-5..2^15:4 gives exact powers of two.
    Ok((0..count).map(|i| a * f.powi(i as i32)).collect())
}

/// Every combination of the axes' values (the first axis outermost), and
/// `base` at each.
pub fn grid_points(base: &FitSpec, axes: &[Axis]) -> Result<Vec<(Vec<f64>, FitSpec)>> {
    if let Some(twice) = axes.iter().enumerate().find(|(i, a)| axes[..*i].iter().any(|b| b.param == a.param)) {
        return Err(Error::Usage(format!("--grid names {} twice", twice.1.param.name())));
    }
    let count = axes.iter().try_fold(1usize, |n, a| n.checked_mul(a.values.len()).filter(|&n| n <= MAX_POINTS));
    let Some(count) = count else {
        return Err(Error::Usage(format!("the grid has more than {MAX_POINTS} points")));
    };
    Ok((0..count)
        .map(|mut i| {
            let mut values = vec![0.0; axes.len()];
            for (a, axis) in axes.iter().enumerate().rev() {
                values[a] = axis.values[i % axis.values.len()];
                i /= axis.values.len();
            }
            let mut spec = base.clone();
            axes.iter().zip(&values).for_each(|(axis, &v)| axis.param.set(&mut spec, v));
            (values, spec)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_lists_and_errors() {
        let g = parse_axis("gamma=2^3..2^-15:0.25").unwrap();
        assert_eq!(g.values.len(), 10);
        assert_eq!((g.values[0], g.values[9]), (8.0, 2f64.powi(-15)));
        assert_eq!(parse_axis("G=2^-15..2^3:4").unwrap().values.len(), 10);
        assert_eq!(parse_axis("c=1..1:3").unwrap().values, [1.0]);
        assert_eq!(parse_axis("c=1..10:3").unwrap().values, [1.0, 3.0, 9.0]);
        assert_eq!(parse_axis("k=3,4, 5").unwrap().values, [3.0, 4.0, 5.0]);
        for bad in [
            "c",
            "c=",
            "c=a",
            "x=1",
            "k=2.5",
            "c=0..1:2",
            "c=1..2:1",
            "c=2..1:2",
            "c=1..2",
            "c=1e-300..1e300:1.0001",
            "c=2^2000",
        ] {
            let err = parse_axis(bad).unwrap_err();
            assert!(err.starts_with(&format!("--grid {bad}")), "{bad}: {err}");
        }
    }

    #[test]
    fn every_option_parses_back_and_sets_what_it_names() {
        for p in Param::ALL {
            assert_eq!(Param::parse(p.name()), Some(p));
            let mut spec = FitSpec::default();
            p.set(&mut spec, 7.0);
            assert_ne!(spec, FitSpec::default(), "{} set nothing", p.name());
        }
        let axes = [parse_axis("c=1,2").unwrap(), parse_axis("g=3,4,5").unwrap()];
        let points = grid_points(&FitSpec::default(), &axes).unwrap();
        assert_eq!(points.len(), 6);
        assert_eq!(points[4].0, [2.0, 4.0]);
        assert_eq!((points[4].1.svm.c, points[4].1.kernel.gamma), (2.0, Some(4.0)));
        assert!(grid_points(&FitSpec::default(), &[axes[0].clone(), axes[0].clone()]).is_err());
    }
}
