//! `--grid NAME=SPEC`: which option, and its values: a list (`c=0.1,1,10`)
//! or a geometric range `A..B:F` (from A towards B multiplying by F, B
//! included when reached). Numbers may be written `2^k`, as in LIBSVM's grid.

use crate::cli::TrainArgs;
use crate::cli::args::AlphaArg;

/// Values one axis may take at most (a guard against `1e-300..1e300:1.0001`).
pub const MAX_VALUES: usize = 10_000;

/// One axis of the grid: an option and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The option's name, as [`OPTIONS`] spells it.
    pub name: &'static str,
    pub values: Vec<f64>,
}

/// The options a grid may range over, and whether they take integers.
pub const OPTIONS: [(&str, bool); 15] = [
    ("c", false),
    ("gamma", false),
    ("nu", false),
    ("epsilon", false),
    ("alpha", false),
    ("noise", false),
    ("amplitude", false),
    ("coef0", false),
    ("lengthscale", false),
    ("lambda", false),
    ("degree", true),
    ("k", true),
    ("m", true),
    ("h", true),
    ("shift", true),
];

/// Parses `NAME=SPEC`.
///
/// ```
/// use kern::cli::grid::parse_axis;
/// let c = parse_axis("c=2^-5..2^15:4").unwrap();
/// assert_eq!(c.values.len(), 11);
/// assert_eq!(c.values[0], 1.0 / 32.0);
/// assert_eq!(parse_axis("gamma=0.5,1,2").unwrap().values, [0.5, 1.0, 2.0]);
/// assert!(parse_axis("c=1..0:2").is_err());
/// ```
pub fn parse_axis(text: &str) -> Result<Axis, String> {
    let (name, spec) = text.split_once('=').ok_or_else(|| format!("--grid {text}: expected NAME=SPEC"))?;
    let name = name.trim().to_ascii_lowercase();
    let name = match name.as_str() {
        "g" => "gamma".to_string(),
        "p" | "eps" => "epsilon".to_string(),
        _ => name,
    };
    let &(name, integer) = OPTIONS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        let names: Vec<&str> = OPTIONS.iter().map(|(n, _)| *n).collect();
        format!("--grid {text}: unknown option {name:?} (one of {})", names.join(", "))
    })?;
    let bad = |why: &str| format!("--grid {text}: {why}");
    let values = if let Some((range, factor)) = spec.split_once(':') {
        let (a, b) = range.split_once("..").ok_or_else(|| bad("a range is A..B:F"))?;
        let (a, b, f) =
            (number(a).map_err(|e| bad(&e))?, number(b).map_err(|e| bad(&e))?, number(factor).map_err(|e| bad(&e))?);
        geometric(a, b, f).map_err(|e| bad(&e))?
    } else {
        spec.split(',').map(|v| number(v).map_err(|e| bad(&e))).collect::<Result<Vec<_>, _>>()?
    };
    if values.is_empty() || values.len() > MAX_VALUES {
        return Err(bad(&format!("between 1 and {MAX_VALUES} values")));
    }
    if integer && values.iter().any(|v| v.fract() != 0.0 || *v < 0.0) {
        return Err(bad("this option takes whole numbers ≥ 0"));
    }
    Ok(Axis { name, values })
}

/// A number, or `B^E` (`2^-5`).
fn number(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let parse = |s: &str| s.trim().parse::<f64>().map_err(|_| format!("{s:?} is not a number"));
    let v = match text.split_once('^') {
        Some((base, exponent)) => parse(base)?.powf(parse(exponent)?),
        None => parse(text)?,
    };
    if v.is_finite() { Ok(v) } else { Err(format!("{text} is not finite")) }
}

/// `a, a f, a f², …` up to `b` (included within rounding).
fn geometric(a: f64, b: f64, f: f64) -> Result<Vec<f64>, String> {
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

/// Sets option `name` of `t` to `value` (checked by [`parse_axis`]).
pub fn set_option(t: &mut TrainArgs, name: &str, value: f64) {
    let k = &mut t.kernel;
    match name {
        "c" => t.svm.c = value,
        "gamma" => k.gamma = Some(value),
        "nu" => t.svm.nu = value,
        "epsilon" => t.svm.epsilon = value,
        "alpha" => t.alpha = AlphaArg::Value(value),
        "noise" => t.noise = Some(value),
        "amplitude" => t.amplitude = Some(value),
        "coef0" => k.coef0 = value,
        "lengthscale" => k.lengthscale = Some(value),
        "lambda" => k.lambda = Some(value),
        "degree" => k.degree = value as u32,
        "k" => k.kmer = Some(value as usize),
        "m" => k.mismatches = value as usize,
        "h" => k.wl_rounds = value as usize,
        "shift" => k.shift = value as usize,
        other => unreachable!("{other} is not a grid option"),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_axis;

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
}
