//! LIBSVM's model file format (`svm-train` output): read, so that `kern
//! predict` uses models trained by LIBSVM, and written, so that `svm-predict`
//! uses models trained by kern.
//!
//! ```text
//! svm_type c_svc          kernel_type rbf          gamma 0.5
//! nr_class 2              total_sv 3               rho 0.42
//! label 1 -1              nr_sv 2 1                SV
//! <coef_1> ... <coef_{k-1}> index:value ...
//! ```

use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;

use kern_kernels::{DataSet, SparseMatrix, VectorKernel};
use kern_solvers::{PairInfo, SvmKind, SvmModel};

use super::{Estimator, InputSchema, Model, Origin};
use crate::error::{Error, ModelErrorKind, ParseErrorKind, Result};
use crate::io::{Format, parse_number};

/// Whether `bytes` start like a LIBSVM model file.
pub(crate) fn looks_like_libsvm(bytes: &[u8]) -> bool {
    bytes.starts_with(b"svm_type ")
}

/// Reads a LIBSVM model file.
pub(crate) fn read_libsvm_model(path: &Path, bytes: &[u8]) -> Result<Model> {
    let err = |line: usize, what: String| Error::Model {
        file: path.to_path_buf(),
        kind: ModelErrorKind::Malformed(format!("LIBSVM model file, line {line}: {what}")),
    };
    let (mut svm_type, mut kernel_type) = (None, None);
    let (mut degree, mut gamma, mut coef0) = (3u32, None, 0.0);
    let (mut nr_class, mut total_sv) = (None, None);
    let (mut rho, mut labels, mut nr_sv) = (Vec::new(), Vec::new(), Vec::new());
    let (mut prob_a, mut prob_b) = (Vec::new(), Vec::new());
    let mut lines = bytes.lines().enumerate();
    let mut header_done = false;
    for (no, line) in lines.by_ref() {
        let line_no = no + 1;
        let line = line.map_err(|source| Error::Io { file: path.to_path_buf(), source })?;
        let mut tokens = line.split_ascii_whitespace();
        let Some(key) = tokens.next() else { continue };
        let rest: Vec<&str> = tokens.collect();
        let nums = |rest: &[&str]| -> Result<Vec<f64>> {
            rest.iter()
                .enumerate()
                .map(|(k, t)| {
                    parse_number(t, k + 2).map_err(|kind| Error::Parse {
                        file: path.to_path_buf(),
                        line: line_no,
                        kind,
                    })
                })
                .collect()
        };
        let one = |rest: &[&str]| -> Result<f64> {
            let v = nums(rest)?;
            if v.len() == 1 { Ok(v[0]) } else { Err(err(line_no, format!("{key} expects one number"))) }
        };
        match key {
            "svm_type" => svm_type = rest.first().map(|s| s.to_string()),
            "kernel_type" => kernel_type = rest.first().map(|s| s.to_string()),
            "degree" => degree = one(&rest)? as u32,
            "gamma" => gamma = Some(one(&rest)?),
            "coef0" => coef0 = one(&rest)?,
            "nr_class" => nr_class = Some(one(&rest)? as usize),
            "total_sv" => total_sv = Some(one(&rest)? as usize),
            "rho" => rho = nums(&rest)?,
            "label" => labels = nums(&rest)?,
            "nr_sv" => nr_sv = nums(&rest)?.into_iter().map(|v| v as usize).collect(),
            "probA" => prob_a = nums(&rest)?,
            "probB" => prob_b = nums(&rest)?,
            "prob_density_marks" => {}
            "SV" => {
                header_done = true;
                break;
            }
            other => return Err(err(line_no, format!("unknown LIBSVM model key {other}"))),
        }
    }
    let missing = |what: &str| Error::Model {
        file: path.to_path_buf(),
        kind: ModelErrorKind::Malformed(format!("LIBSVM model file without {what}")),
    };
    if !header_done {
        return Err(missing("an SV section"));
    }
    let nr_class = nr_class.ok_or_else(|| missing("nr_class"))?;
    let total_sv = total_sv.ok_or_else(|| missing("total_sv"))?;
    let kind = match svm_type.as_deref() {
        // LIBSVM does not store C, nu or epsilon; kern keeps LIBSVM's defaults.
        Some("c_svc") => SvmKind::CSvc { c: 1.0 },
        Some("nu_svc") => SvmKind::NuSvc { nu: 0.5 },
        Some("one_class") => SvmKind::OneClass { nu: 0.5 },
        Some("epsilon_svr") => SvmKind::EpsilonSvr { c: 1.0, epsilon: 0.1 },
        Some("nu_svr") => SvmKind::NuSvr { c: 1.0, nu: 0.5 },
        other => return Err(missing(&format!("a known svm_type (found {other:?})"))),
    };
    let gamma_or = |what: &str| gamma.ok_or_else(|| missing(&format!("gamma for the {what} kernel")));
    let kernel = match kernel_type.as_deref() {
        Some("linear") => VectorKernel::Linear,
        Some("polynomial") => VectorKernel::Polynomial { gamma: gamma_or("polynomial")?, coef0, degree },
        Some("rbf") => VectorKernel::Rbf { gamma: gamma_or("rbf")? },
        Some("sigmoid") => VectorKernel::Sigmoid { gamma: gamma_or("sigmoid")?, coef0 },
        Some("precomputed") => VectorKernel::Precomputed,
        other => return Err(missing(&format!("a vector kernel kern supports (found {other:?})"))),
    };
    // nr_class comes from the file: a huge one must be an error, not an overflow.
    let n_pairs =
        if kind.is_classifier() { nr_class.checked_mul(nr_class.saturating_sub(1)).map(|p| p / 2) } else { Some(1) };
    if n_pairs != Some(rho.len())
        || (kind.is_classifier()
            && (labels.len() != nr_class
                || nr_sv.len() != nr_class
                || nr_sv.iter().try_fold(0usize, |a, &b| a.checked_add(b)) != Some(total_sv)))
    {
        return Err(missing("rho, label and nr_sv lines consistent with nr_class and total_sv"));
    }
    let n_coef = nr_class.saturating_sub(1).max(1);
    let mut sv_coef = vec![Vec::with_capacity(total_sv.min(1 << 20)); n_coef];
    let mut svs = SparseMatrix::with_cols(usize::try_from(1u64 << 32).unwrap_or(usize::MAX));
    // Support vectors of a precomputed kernel are `0:i` (their sample number).
    let base = u64::from(kernel != VectorKernel::Precomputed);
    let (mut idx, mut val) = (Vec::new(), Vec::new());
    for (no, line) in lines {
        let line_no = no + 1;
        let line = line.map_err(|source| Error::Io { file: path.to_path_buf(), source })?;
        let tokens: Vec<&str> = line.split_ascii_whitespace().collect();
        if tokens.is_empty() {
            continue;
        }
        if tokens.len() < n_coef {
            return Err(err(line_no, "support vector line with too few coefficients".into()));
        }
        let parse_err = |kind| Error::Parse { file: path.to_path_buf(), line: line_no, kind };
        for (k, t) in tokens[..n_coef].iter().enumerate() {
            sv_coef[k].push(parse_number(t, k + 1).map_err(parse_err)?);
        }
        idx.clear();
        val.clear();
        for (k, t) in tokens[n_coef..].iter().enumerate() {
            let field = n_coef + k + 1;
            let (i, v) =
                t.split_once(':').ok_or_else(|| parse_err(ParseErrorKind::NotAPair { field, text: t.to_string() }))?;
            let i: u64 = i
                .parse()
                .ok()
                .filter(|&i| (base..(1u64 << 32) + base).contains(&i))
                .ok_or_else(|| parse_err(ParseErrorKind::BadIndex { field, text: i.to_string() }))?;
            if idx.last().is_some_and(|&p: &u32| u64::from(p) + base >= i) {
                return Err(parse_err(ParseErrorKind::IndexNotAscending {
                    field,
                    index: i,
                    previous: u64::from(*idx.last().expect("checked")) + base,
                }));
            }
            idx.push((i - base) as u32);
            val.push(parse_number(v, field).map_err(parse_err)?);
        }
        svs.push_row(&idx, &val).expect("indices checked ascending and finite");
    }
    if svs.n_rows() != total_sv {
        return Err(Error::Model {
            file: path.to_path_buf(),
            kind: ModelErrorKind::Malformed(format!(
                "LIBSVM model file: total_sv says {total_sv} support vectors, found {}",
                svs.n_rows()
            )),
        });
    }
    svs.fit_n_cols();
    let n_features = svs.n_cols();
    let pairs = rho
        .iter()
        .map(|&rho| PairInfo { rho, objective: 0.0, iterations: 0, n_sv: total_sv, n_bsv: 0, reached_max_iter: false })
        .collect();
    let classes = if kind.is_classifier() { labels.iter().map(|l| l.to_string()).collect() } else { Vec::new() };
    let model = SvmModel {
        kernel,
        kind,
        support_vectors: DataSet::from(svs),
        sv_indices: (0..total_sv).collect(),
        n_classes: if kind.is_classifier() { nr_class } else { 2 },
        n_support: if kind.is_classifier() { nr_sv } else { Vec::new() },
        sv_coef,
        pairs,
        prob_a: if kind.is_classifier() { prob_a.clone() } else { Vec::new() },
        prob_b: if kind.is_classifier() { prob_b } else { Vec::new() },
        laplace_scale: if kind.is_classifier() { None } else { prob_a.first().copied() },
    };
    let mut m = Model::new(
        n_features,
        InputSchema { format: Format::Libsvm, csv: None, scaling: None },
        Estimator::Svm { model, classes },
    );
    m.origin = Origin::Libsvm;
    Ok(m)
}

/// Writes an SVM as a LIBSVM model file (the text `svm-predict` reads).
pub fn write_libsvm_model(model: &Model) -> std::result::Result<String, String> {
    let Estimator::Svm { model: m, classes } = &model.estimator else {
        return Err(format!("a {} model is not an SVM: LIBSVM model files hold SVMs only", model.task()));
    };
    if model.input.scaling.is_some() {
        return Err("the model scales its inputs (kern fit --auto) and a LIBSVM model file cannot hold the scaling: \
                    refit without --auto on data scaled beforehand"
            .into());
    }
    let mut out = String::new();
    let svm_type = match m.kind {
        SvmKind::CSvc { .. } => "c_svc",
        SvmKind::NuSvc { .. } => "nu_svc",
        SvmKind::OneClass { .. } => "one_class",
        SvmKind::EpsilonSvr { .. } => "epsilon_svr",
        SvmKind::NuSvr { .. } => "nu_svr",
    };
    let _ = writeln!(out, "svm_type {svm_type}");
    match &m.kernel {
        VectorKernel::Linear => out.push_str("kernel_type linear\n"),
        VectorKernel::Polynomial { gamma, coef0, degree } => {
            let _ = write!(out, "kernel_type polynomial\ndegree {degree}\ngamma {gamma:?}\ncoef0 {coef0:?}\n");
        }
        VectorKernel::Rbf { gamma } => {
            let _ = write!(out, "kernel_type rbf\ngamma {gamma:?}\n");
        }
        VectorKernel::Sigmoid { gamma, coef0 } => {
            let _ = write!(out, "kernel_type sigmoid\ngamma {gamma:?}\ncoef0 {coef0:?}\n");
        }
        VectorKernel::Precomputed => out.push_str("kernel_type precomputed\n"),
        other => {
            return Err(format!(
                "the {} kernel has no LIBSVM equivalent (LIBSVM has linear, poly, rbf, sigmoid, precomputed)",
                other.name()
            ));
        }
    }
    let _ = writeln!(out, "nr_class {}", m.n_classes);
    let _ = writeln!(out, "total_sv {}", m.n_sv());
    let rho: Vec<String> = m.pairs.iter().map(|p| format!("{:?}", p.rho)).collect();
    let _ = writeln!(out, "rho {}", rho.join(" "));
    if m.kind.is_classifier() {
        // LIBSVM's labels are integers.
        let labels: Option<Vec<i64>> = classes
            .iter()
            .map(|c| c.parse::<f64>().ok().filter(|v| v.fract() == 0.0 && v.abs() < 1e15).map(|v| v as i64))
            .collect();
        let labels = labels.ok_or_else(|| {
            format!("LIBSVM model files need integer class labels, and these are {}", classes.join(", "))
        })?;
        let labels: Vec<String> = labels.iter().map(i64::to_string).collect();
        let _ = writeln!(out, "label {}", labels.join(" "));
        if m.has_probabilities() {
            let list = |v: &[f64]| v.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(" ");
            let _ = writeln!(out, "probA {}\nprobB {}", list(&m.prob_a), list(&m.prob_b));
        }
        let nr_sv: Vec<String> = m.n_support.iter().map(usize::to_string).collect();
        let _ = writeln!(out, "nr_sv {}", nr_sv.join(" "));
    }
    if let Some(sigma) = m.laplace_scale {
        let _ = writeln!(out, "probA {sigma:?}");
    }
    out.push_str("SV\n");
    let base = usize::from(m.kernel != VectorKernel::Precomputed);
    for s in 0..m.n_sv() {
        for row in &m.sv_coef {
            let _ = write!(out, "{:?} ", row[s]);
        }
        m.support_vectors.row(s).zip_with(&kern_kernels::Row::Sparse(&[], &[]), |j, x, _| {
            if x != 0.0 || base == 0 {
                let _ = write!(out, "{}:{x:?} ", j + base);
            }
        });
        out.push('\n');
    }
    Ok(out)
}
