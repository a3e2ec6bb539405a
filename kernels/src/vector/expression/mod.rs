//! Kernel expressions: the text form of a vector kernel, written as
//! scikit-learn's kernel algebra is, e.g.
//! `2500*rbf(ls=50) + 4*rbf(ls=100)*periodic(ls=1,p=1!) + white(0.01)`.
//!
//! Terms are kernels by their command-line names with named parameters,
//! joined by `+` and `*` (parentheses group); a number multiplying a term is
//! its amplitude, a number alone a constant; a value ending in `!` is held
//! when a GP fits the others. `white(v)` is the noise variance, so it may
//! only be added at the top level. ARD kernels take one lengthscale per
//! feature as a list: `ard_matern32(ls=[0.5, 2, 10!])`. [`std::fmt::Display`] writes a kernel in
//! the same syntax.

use std::str::FromStr;

use thiserror::Error;

use super::VectorKernel;

mod print;

/// A parsed kernel expression: the kernel, which of its hyperparameters are
/// fitted, and the white-noise term.
#[derive(Clone, Debug, PartialEq)]
pub struct Expression {
    /// The covariance without the white-noise term.
    pub kernel: VectorKernel,
    /// One flag per [`VectorKernel::hyperparameters`] entry: false when held (`!`).
    pub fit: Vec<bool>,
    /// `white(v)`: the noise variance `v`, and whether it is fitted.
    pub white: Option<(f64, bool)>,
}

/// Why a kernel expression could not be read: the 1-based column and what was wrong.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("kernel expression, column {column}: {message}")]
pub struct ExpressionError {
    /// 1-based character position of the fault.
    pub column: usize,
    /// What was expected or wrong there.
    pub message: String,
}

impl FromStr for Expression {
    type Err = ExpressionError;

    /// ```
    /// use kern_kernels::{Expression, VectorKernel};
    /// let e: Expression = "2*rbf(ls=0.5) + 0.1*periodic(ls=1, p=3!) + white(0.01)".parse().unwrap();
    /// assert_eq!(e.white, Some((0.01, true)));
    /// assert_eq!(e.fit, [true, true, true, true, false]); // p is held
    /// let names: Vec<String> = e.kernel.hyperparameters().into_iter().map(|h| h.name).collect();
    /// assert_eq!(names[4], "sum.1.periodic.period");
    /// assert!("rbf(ls=1) + ".parse::<Expression>().unwrap_err().to_string().contains("column 13"));
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut parser = Parser { chars: text.chars().collect(), at: 0 };
        let (node, white) = parser.sum(true)?;
        parser.skip_space();
        if parser.at < parser.chars.len() {
            return Err(parser.error(format!("unexpected '{}'", parser.chars[parser.at])));
        }
        let Some(node) = node else {
            return Err(ExpressionError { column: 1, message: "needs a kernel term besides white(..)".into() });
        };
        debug_assert_eq!(node.fit.len(), node.kernel.n_hyperparameters());
        Ok(Expression { kernel: node.kernel, fit: node.fit, white })
    }
}

/// A kernel with the fit flags of its hyperparameters, as parsed so far.
struct Node {
    kernel: VectorKernel,
    fit: Vec<bool>,
}

/// One factor of a product.
enum Factor {
    Number { value: f64, fit: bool },
    Kernel(Node),
    White { value: f64, fit: bool, column: usize },
}

/// A sum's kernel (none when it is white noise alone) and its white term.
type SumParts = (Option<Node>, Option<(f64, bool)>);

/// An argument: its name and column when named, and its value.
type Argument = (Option<(String, usize)>, Value);

/// A value as written: the number, whether it is held, where it starts.
#[derive(Clone, Copy)]
struct Value {
    number: f64,
    held: bool,
    column: usize,
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn error(&self, message: String) -> ExpressionError {
        ExpressionError { column: self.at + 1, message }
    }

    fn skip_space(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    /// Consumes `c` (after spaces) if it is next.
    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        let found = self.chars.get(self.at) == Some(&c);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), ExpressionError> {
        if self.eat(c) {
            Ok(())
        } else {
            let found = self.chars.get(self.at).map_or("the end".to_string(), |c| format!("'{c}'"));
            Err(self.error(format!("expected {what}, found {found}")))
        }
    }

    /// `product (+ product)*`; a white term is allowed only at the top.
    fn sum(&mut self, top: bool) -> Result<SumParts, ExpressionError> {
        let (mut terms, mut white) = (Vec::new(), None);
        loop {
            match self.product()? {
                Factor::White { value, fit, column } => {
                    let misplaced = if !top {
                        Some("white(..) is the noise term: add it at the top level, outside parentheses")
                    } else if white.is_some() {
                        Some("one white(..) term at most: it is the noise variance")
                    } else {
                        None
                    };
                    if let Some(message) = misplaced {
                        return Err(ExpressionError { column, message: message.into() });
                    }
                    white = Some((value, fit));
                }
                Factor::Number { value, fit } => {
                    terms.push(Node { kernel: VectorKernel::Constant { value }, fit: vec![fit] })
                }
                Factor::Kernel(node) => terms.push(node),
            }
            if !self.eat('+') {
                break;
            }
        }
        let node = match terms.len() {
            0 => None,
            1 => terms.pop(),
            _ => Some(combine(terms, true)),
        };
        Ok((node, white))
    }

    /// `factor (* factor)*`: numbers multiply into one amplitude.
    fn product(&mut self) -> Result<Factor, ExpressionError> {
        let (mut scale, mut scale_fit, mut numbers) = (1.0, true, 0);
        let mut kernels = Vec::new();
        let mut white = None;
        loop {
            match self.factor()? {
                Factor::Number { value, fit } => {
                    scale *= value;
                    scale_fit &= fit;
                    numbers += 1;
                }
                Factor::Kernel(node) => kernels.push(node),
                w @ Factor::White { .. } => white = Some(w),
            }
            if !self.eat('*') {
                break;
            }
        }
        if let Some(w @ Factor::White { column, .. }) = white {
            if numbers + kernels.len() > 0 {
                let message = "white(..) is the noise term: it may be added, not multiplied".into();
                return Err(ExpressionError { column, message });
            }
            return Ok(w);
        }
        if kernels.is_empty() {
            return Ok(Factor::Number { value: scale, fit: scale_fit });
        }
        let node = if kernels.len() == 1 { kernels.pop().expect("one") } else { combine(kernels, false) };
        if numbers == 0 {
            return Ok(Factor::Kernel(node));
        }
        let mut fit = vec![scale_fit];
        fit.extend(node.fit);
        Ok(Factor::Kernel(Node { kernel: VectorKernel::Scaled { scale, kernel: Box::new(node.kernel) }, fit }))
    }

    /// A number, a kernel term, or a parenthesised sum.
    fn factor(&mut self) -> Result<Factor, ExpressionError> {
        self.skip_space();
        let column = self.at + 1;
        match self.chars.get(self.at) {
            Some('(') => {
                self.at += 1;
                let (node, _) = self.sum(false)?;
                self.expect(')', "')'")?;
                let node = node.ok_or(ExpressionError { column, message: "empty parentheses".into() })?;
                Ok(Factor::Kernel(node))
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = self.word();
                if matches!(name.as_str(), "ard" | "ard_matern32" | "ard_matern52") {
                    return self.ard_term(&name);
                }
                let args = if self.eat('(') { self.arguments()? } else { Vec::new() };
                term(&name, &args, column)
            }
            Some(_) => {
                let mut v = self.value()?;
                // `0.5**2`, as scikit-learn prints an amplitude.
                self.skip_space();
                if self.chars[self.at..].starts_with(&['*', '*']) {
                    self.at += 2;
                    let power = self.value()?;
                    v = Value { number: v.number.powf(power.number), held: v.held || power.held, column };
                }
                if !(v.number.is_finite() && v.number > 0.0) {
                    let message = format!("an amplitude must be positive and finite, not {}", v.number);
                    return Err(ExpressionError { column, message });
                }
                Ok(Factor::Number { value: v.number, fit: !v.held })
            }
            None => Err(self.error("expected a kernel term or a number, found the end".into())),
        }
    }

    /// `(ls=[v, v, …])` after an ARD kernel's name: its lengthscales.
    fn ard_term(&mut self, name: &str) -> Result<Factor, ExpressionError> {
        self.expect('(', &format!("'(' after {name}"))?;
        self.skip_space();
        let key_column = self.at + 1;
        let key = self.word();
        if !matches!(key.as_str(), "ls" | "lengthscale" | "lengthscales") {
            let message = format!("{name} takes ls=[one lengthscale per feature]");
            return Err(ExpressionError { column: key_column, message });
        }
        self.expect('=', &format!("'=' after {key}"))?;
        self.expect('[', "'[' before the lengthscales")?;
        let mut values = Vec::new();
        loop {
            let v = self.value()?;
            if let Some(need) = out_of_domain(name, "ls", v) {
                return Err(ExpressionError { column: v.column, message: format!("{name}: ls = {} {need}", v.number) });
            }
            values.push(v);
            if self.eat(']') {
                break;
            }
            self.expect(',', "',' or ']'")?;
        }
        self.expect(')', "')'")?;
        let lengthscales: Vec<f64> = values.iter().map(|v| v.number).collect();
        let kernel = match name {
            "ard" => VectorKernel::ArdRbf { lengthscales },
            "ard_matern32" => VectorKernel::ArdMatern32 { lengthscales },
            _ => VectorKernel::ArdMatern52 { lengthscales },
        };
        let fit = values.iter().map(|v| !v.held).collect();
        Ok(Factor::Kernel(Node { kernel, fit }))
    }

    fn word(&mut self) -> String {
        let start = self.at;
        while self.chars.get(self.at).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    /// `[name =] value (, [name =] value)* )`, after the opening parenthesis;
    /// each name with its column.
    fn arguments(&mut self) -> Result<Vec<Argument>, ExpressionError> {
        let mut args = Vec::new();
        if self.eat(')') {
            return Ok(args);
        }
        loop {
            self.skip_space();
            let name = if self.chars.get(self.at).is_some_and(|c| c.is_ascii_alphabetic()) {
                let column = self.at + 1;
                let name = self.word();
                self.expect('=', &format!("'=' after {name}"))?;
                Some((name, column))
            } else {
                None
            };
            args.push((name, self.value()?));
            if self.eat(')') {
                return Ok(args);
            }
            self.expect(',', "',' or ')'")?;
        }
    }

    /// A number, then `!` when held.
    fn value(&mut self) -> Result<Value, ExpressionError> {
        self.skip_space();
        let column = self.at + 1;
        let start = self.at;
        while self.chars.get(self.at).is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')) {
            // A sign only at the start or after an exponent.
            let c = self.chars[self.at];
            if matches!(c, '-' | '+') && self.at > start && !matches!(self.chars[self.at - 1], 'e' | 'E') {
                break;
            }
            self.at += 1;
        }
        let text: String = self.chars[start..self.at].iter().collect();
        let number = text.parse::<f64>().map_err(|_| ExpressionError {
            column,
            message: if text.is_empty() { "expected a number".into() } else { format!("'{text}' is not a number") },
        })?;
        let held = self.eat('!');
        Ok(Value { number, held, column })
    }
}

/// A sum (or product) of nodes, nested sums (products) flattened: the
/// hyperparameters keep their depth-first order.
fn combine(nodes: Vec<Node>, sum: bool) -> Node {
    let (mut kernels, mut fit) = (Vec::new(), Vec::new());
    for node in nodes {
        fit.extend(node.fit);
        match node.kernel {
            VectorKernel::Sum(inner) if sum => kernels.extend(inner),
            VectorKernel::Product(inner) if !sum => kernels.extend(inner),
            k => kernels.push(k),
        }
    }
    Node { kernel: if sum { VectorKernel::Sum(kernels) } else { VectorKernel::Product(kernels) }, fit }
}

/// Each kernel's parameters: the names each is accepted by (the first is
/// the one printed) and its default (scikit-learn's, 1, where it has one).
fn parameters(name: &str) -> Option<&'static [(&'static [&'static str], f64)]> {
    Some(match name {
        "linear" => &[],
        "rbf" => &[(&["ls", "lengthscale", "gamma"], 1.0)],
        "laplacian" => &[(&["gamma"], 1.0)],
        "matern12" | "matern32" | "matern52" => &[(&["ls", "lengthscale"], 1.0)],
        "poly" => &[(&["gamma"], 1.0), (&["coef0"], 0.0), (&["degree"], 3.0)],
        "sigmoid" => &[(&["gamma"], 1.0), (&["coef0"], 0.0)],
        "periodic" => &[(&["ls", "lengthscale"], 1.0), (&["p", "period"], 1.0)],
        "rq" => &[(&["ls", "lengthscale"], 1.0), (&["a", "alpha"], 1.0)],
        "dot" => &[(&["sigma0"], 1.0)],
        "const" => &[(&["c", "value"], 1.0)],
        "white" => &[(&["noise"], 1.0)],
        _ => return None,
    })
}

/// Why `value` is out of the domain of parameter `param` of kernel `name`.
fn out_of_domain(name: &str, param: &str, v: Value) -> Option<&'static str> {
    let x = v.number;
    match (name, param) {
        ("poly" | "sigmoid", "coef0") => (!x.is_finite()).then_some("must be finite"),
        ("poly", "degree") => (!((1.0..=64.0).contains(&x) && x.fract() == 0.0) || v.held)
            .then_some("must be a whole number from 1 to 64 (never fitted, so no '!')"),
        ("white", _) => (!(x.is_finite() && x >= 0.0)).then_some("must be >= 0 and finite"),
        _ => (!(x.is_finite() && x > 0.0)).then_some("must be positive and finite"),
    }
}

/// The kernel `name(args)`, or white noise.
fn term(name: &str, args: &[Argument], column: usize) -> Result<Factor, ExpressionError> {
    use VectorKernel::*;
    let params = parameters(name).ok_or_else(|| ExpressionError {
        column,
        message: format!(
            "unknown kernel '{name}' (linear, rbf, laplacian, matern12, matern32, matern52, ard, ard_matern32, ard_matern52, poly, sigmoid, periodic, rq, dot, const, white)"
        ),
    })?;
    let mut values: Vec<Option<Value>> = vec![None; params.len()];
    let mut rbf_by_gamma = false;
    for (k, (key, v)) in args.iter().enumerate() {
        let (p, at) = match key {
            Some((key, at)) => match params.iter().position(|(names, _)| names.contains(&key.as_str())) {
                Some(p) => {
                    rbf_by_gamma |= key == "gamma";
                    (p, *at)
                }
                None => {
                    let known: Vec<&str> = params.iter().map(|(names, _)| names[0]).collect();
                    let message = format!("{name} has no parameter '{key}' (it takes: {})", known.join(", "));
                    return Err(ExpressionError { column: *at, message });
                }
            },
            None if k < params.len() => (k, v.column),
            None => {
                let message = format!("{name} takes {} parameter(s)", params.len());
                return Err(ExpressionError { column: v.column, message });
            }
        };
        let param = params[p].0[0];
        if values[p].is_some() {
            return Err(ExpressionError { column: at, message: format!("{name}: {param} is given twice") });
        }
        if let Some(need) = out_of_domain(name, param, *v) {
            return Err(ExpressionError {
                column: v.column,
                message: format!("{name}: {param} = {} {need}", v.number),
            });
        }
        values[p] = Some(*v);
    }
    let value = |p: usize| values[p].map_or(params[p].1, |v| v.number);
    let fit = |p: usize| values[p].is_none_or(|v| !v.held);
    let node = |kernel: VectorKernel, fit: Vec<bool>| Ok(Factor::Kernel(Node { kernel, fit }));
    match name {
        "white" => Ok(Factor::White { value: value(0), fit: fit(0), column }),
        "linear" => node(Linear, vec![]),
        "rbf" => {
            // gamma = 1 / (2 ls²): the RBF of lengthscale ls.
            let gamma = if rbf_by_gamma { value(0) } else { 1.0 / (2.0 * value(0) * value(0)) };
            node(Rbf { gamma }, vec![fit(0)])
        }
        "laplacian" => node(Laplacian { gamma: value(0) }, vec![fit(0)]),
        "matern12" => node(Matern12 { lengthscale: value(0) }, vec![fit(0)]),
        "matern32" => node(Matern32 { lengthscale: value(0) }, vec![fit(0)]),
        "matern52" => node(Matern52 { lengthscale: value(0) }, vec![fit(0)]),
        "poly" | "sigmoid" => {
            let (gamma, coef0) = (value(0), value(1));
            // coef0 is a hyperparameter only when positive (it has a log).
            let flags = if coef0 > 0.0 { vec![fit(0), fit(1)] } else { vec![fit(0)] };
            let kernel = if name == "poly" {
                Polynomial { gamma, coef0, degree: value(2) as u32 }
            } else {
                Sigmoid { gamma, coef0 }
            };
            node(kernel, flags)
        }
        "periodic" => node(Periodic { lengthscale: value(0), period: value(1) }, vec![fit(0), fit(1)]),
        "rq" => node(RationalQuadratic { lengthscale: value(0), alpha: value(1) }, vec![fit(0), fit(1)]),
        "dot" => node(DotProduct { sigma0: value(0) }, vec![fit(0)]),
        "const" => node(Constant { value: value(0) }, vec![fit(0)]),
        _ => unreachable!("parameters() knows every name"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Expression {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn column(text: &str) -> usize {
        text.parse::<Expression>().expect_err(text).column
    }

    #[test]
    fn the_co2_kernel_parses_with_its_structure_and_held_period() {
        let e = parse(
            "2500*rbf(ls=50) + 4*rbf(ls=100)*periodic(ls=1,p=1!) + 0.25*rq(ls=1,a=1) + 0.01*rbf(ls=0.1) + white(0.01)",
        );
        let VectorKernel::Sum(terms) = &e.kernel else { panic!("a sum: {:?}", e.kernel) };
        assert_eq!(terms.len(), 4);
        assert_eq!(
            terms[0],
            VectorKernel::Scaled { scale: 2500.0, kernel: Box::new(VectorKernel::Rbf { gamma: 1.0 / 5000.0 }) }
        );
        let VectorKernel::Scaled { scale, kernel } = &terms[1] else { panic!() };
        assert_eq!(*scale, 4.0);
        assert!(matches!(**kernel, VectorKernel::Product(ref f) if f.len() == 2));
        assert_eq!(e.white, Some((0.01, true)));
        let names: Vec<String> = e.kernel.hyperparameters().into_iter().map(|h| h.name).collect();
        let held: Vec<&String> = names.iter().zip(&e.fit).filter(|(_, f)| !**f).map(|(n, _)| n).collect();
        assert_eq!(held, ["sum.1.product.1.periodic.period"]);
        assert_eq!(e.fit.len(), 11);
    }

    #[test]
    fn printing_and_parsing_round_trip_with_held_marks() {
        for text in [
            "2*rbf(gamma=0.5) + linear",
            "3!*matern32(ls=1.5)*(rq(ls=2, a=0.5!) + const(1))",
            "poly(gamma=0.5, coef0=1!, degree=2) + dot(sigma0=0.3) + white(0.1!)",
            "periodic(ls=1, p=7!)*laplacian(gamma=2)",
            "0.5*ard(ls=[1, 2.5!, 3]) + ard_matern32(ls=[0.25]) + ard_matern52(ls=[4e-3, 1e5]) + white(0.01)",
        ] {
            let e = parse(text);
            let printed = e.to_string();
            let again = parse(&printed);
            assert_eq!(again, e, "{text} -> {printed}");
        }
    }

    #[test]
    fn numbers_are_amplitudes_or_constants() {
        assert_eq!(
            parse("2*3*rbf(gamma=1)").kernel,
            VectorKernel::Scaled { scale: 6.0, kernel: Box::new(VectorKernel::Rbf { gamma: 1.0 }) }
        );
        assert_eq!(
            parse("rbf(gamma=1) + 0.5").kernel,
            VectorKernel::Sum(vec![VectorKernel::Rbf { gamma: 1.0 }, VectorKernel::Constant { value: 0.5 }])
        );
        assert_eq!(parse("white(0.2) + linear").white, Some((0.2, true)));
        assert_eq!(parse("rbf").kernel, VectorKernel::Rbf { gamma: 0.5 });
    }

    #[test]
    fn a_bad_expression_names_the_column() {
        assert_eq!(column("rbf(ls=1) +"), 12);
        assert_eq!(column("rbf(ls=-1)"), 8);
        assert_eq!(column("rbf(ls=1"), 9);
        assert_eq!(column("rbff(ls=1)"), 1);
        assert_eq!(column("rbf(p=1)"), 5);
        assert_eq!(column("2*white(0.1)"), 3);
        assert_eq!(column("(rbf + white(0.1))"), 8);
        assert_eq!(column("rbf(ls=1) rbf"), 11);
        assert_eq!(column("white(1)"), 1);
        assert_eq!(column("poly(degree=2.5)"), 13);
        assert_eq!(column("0*rbf"), 1);
        assert_eq!(column("rq(ls=1, ls=2)"), 10);
        assert_eq!(column("ard(ls=[1, -2])"), 12);
        assert_eq!(column("ard(ls=[1 2])"), 11);
        assert_eq!(column("ard_matern32(gamma=[1])"), 14);
        assert_eq!(
            parse("0.5**2*rbf").kernel,
            VectorKernel::Scaled { scale: 0.25, kernel: Box::new(VectorKernel::Rbf { gamma: 0.5 }) }
        );
        let message = "periodic(ls=1, q=2)".parse::<Expression>().unwrap_err().to_string();
        assert!(message.contains("column 16") && message.contains("ls, p"), "{message}");
    }
}
