//! Reading and writing model files.
//!
//! Binary layout (little-endian): the 8 bytes `KERNMODL`, the format version
//! (u32), the payload length (u64), the payload's CRC-32 (u32), then the
//! payload: the [`Model`] in postcard. A path ending in `.json` gets JSON
//! instead. Either is written to a temporary file in the same directory and
//! renamed over the target, so a crash never leaves a partial model.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;

use super::{FORMAT_VERSION, Model, legacy};
use crate::error::{Error, ModelErrorKind, Result};

const MAGIC: &[u8; 8] = b"KERNMODL";
const HEADER_LEN: usize = 8 + 4 + 8 + 4;

/// Writes `model` to `path`: JSON when the name ends in `.json`, else binary.
pub fn save_model(model: &Model, path: &Path) -> Result<()> {
    let io_err = |source| Error::Io { file: path.to_path_buf(), source };
    let bytes = if is_json(path) {
        serde_json::to_vec(model).map_err(|e| io_err(std::io::Error::other(e)))?
    } else {
        encode_model(model).map_err(|e| io_err(std::io::Error::other(e)))?
    };
    write_atomically(path, &bytes)
}

/// The bytes of a binary model file (what [`decode_model`] reads back):
/// Python pickles a model as these.
pub fn encode_model(model: &Model) -> std::result::Result<Vec<u8>, postcard::Error> {
    let payload = postcard::to_stdvec(model)?;
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    Ok(bytes)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`: readers see the old file or the whole new one, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let io_err = |source| Error::Io { file: path.to_path_buf(), source };
    // A device or a pipe (`-o /dev/null`, a FIFO) is written in place:
    // renaming over it would replace the device node with a regular file.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::OpenOptions::new().write(true).open(path).and_then(|mut f| f.write_all(bytes)).map_err(io_err);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(".kern-{}-{}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    // create_new: never another process's file; the mode is an ordinary
    // file's (0666 less the umask), as any other tool would create.
    let written = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(io_err)
}

/// Reads a model written by [`save_model`] (either encoding, told from the content).
pub fn load_model(path: &Path) -> Result<Model> {
    if path.is_dir() {
        let source = std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory, not a model file");
        return Err(Error::Io { file: path.to_path_buf(), source });
    }
    let bytes = std::fs::read(path).map_err(|source| Error::Io { file: path.to_path_buf(), source })?;
    decode_model(path, &bytes)
}

/// Decodes the bytes of a model file (kern's binary or JSON encoding, or a
/// LIBSVM model); `path` names the file in errors.
pub fn decode_model(path: &Path, bytes: &[u8]) -> Result<Model> {
    let model_err = |kind| Error::Model { file: path.to_path_buf(), kind };
    if bytes.starts_with(MAGIC) {
        return decode_binary(bytes).map_err(model_err);
    }
    if super::libsvm::looks_like_libsvm(bytes) {
        return super::libsvm::read_libsvm_model(path, bytes);
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return decode_json(bytes).map_err(model_err);
    }
    if MAGIC.starts_with(&bytes[..bytes.len().min(MAGIC.len())]) && !bytes.is_empty() {
        return Err(model_err(ModelErrorKind::Truncated));
    }
    Err(model_err(ModelErrorKind::NotAModel))
}

fn decode_binary(bytes: &[u8]) -> std::result::Result<Model, ModelErrorKind> {
    if bytes.len() < HEADER_LEN {
        return Err(ModelErrorKind::Truncated);
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version > FORMAT_VERSION {
        return Err(ModelErrorKind::NewerVersion { found: version, supported: FORMAT_VERSION });
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let crc = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
    let payload = &bytes[HEADER_LEN..];
    if (payload.len() as u64) < len {
        return Err(ModelErrorKind::Truncated);
    }
    if payload.len() as u64 > len || crc32fast::hash(payload) != crc {
        return Err(ModelErrorKind::Corrupted);
    }
    let malformed = |e: postcard::Error| ModelErrorKind::Malformed(e.to_string());
    let model: Model = match version {
        1 => postcard::from_bytes::<legacy::ModelV1>(payload).map_err(malformed)?.into(),
        2 => postcard::from_bytes::<legacy::ModelV2>(payload).map_err(malformed)?.into(),
        3 => postcard::from_bytes::<legacy::ModelV3>(payload).map_err(malformed)?.into(),
        4 | 5 => postcard::from_bytes::<legacy::ModelV5>(payload).map_err(malformed)?.into(),
        6 => postcard::from_bytes::<legacy::ModelV6>(payload).map_err(malformed)?.into(),
        _ => postcard::from_bytes(payload).map_err(malformed)?,
    };
    check(model)
}

fn decode_json(bytes: &[u8]) -> std::result::Result<Model, ModelErrorKind> {
    #[derive(Deserialize)]
    struct Header {
        format_version: u32,
    }
    let header: Header = serde_json::from_slice(bytes).map_err(|e| {
        if cut_short(&e, bytes) { ModelErrorKind::Truncated } else { ModelErrorKind::Malformed(e.to_string()) }
    })?;
    if header.format_version > FORMAT_VERSION {
        return Err(ModelErrorKind::NewerVersion { found: header.format_version, supported: FORMAT_VERSION });
    }
    let model: Model = serde_json::from_slice(bytes).map_err(|e| ModelErrorKind::Malformed(e.to_string()))?;
    check(model)
}

/// Whether a JSON error is the input ending early: at end of input, or in a
/// number or literal that the end cut off (the last column of the last line).
fn cut_short(e: &serde_json::Error, bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end();
    let lines = text.lines().count().max(1);
    let last = text.lines().last().map_or(0, |l| l.chars().count());
    e.is_eof() || (e.line() == lines && e.column() >= last)
}

/// Checks what serde cannot: shapes that must agree.
fn check(model: Model) -> std::result::Result<Model, ModelErrorKind> {
    let malformed = |why: &str| Err(ModelErrorKind::Malformed(why.to_string()));
    // Under a precomputed kernel, kept samples are their numbers 1..n_features−1 only.
    let precomputed = model.kernel().contains_precomputed();
    if let Some(s) = &model.input.scaling
        && (!s.is_valid() || s.n_features() != model.n_features || precomputed)
    {
        return malformed("the feature scaling does not fit the model");
    }
    let width = if precomputed { 1 } else { model.n_features };
    let ids_ok = |x: &kern_kernels::DataSet| {
        !precomputed || kern_kernels::check_precomputed_ids_up_to(x, model.n_features.saturating_sub(1)).is_ok()
    };
    match &model.estimator {
        super::Estimator::KernelRidge(m) => {
            if m.train.n_features() != width || !ids_ok(&m.train) {
                return malformed("training samples and model disagree on the number of features");
            }
            if m.n_targets == 0
                || m.dual_coef.len() != m.train.n_samples() * m.n_targets
                || !means_ok(&m.target_mean, m.n_targets)
            {
                return malformed("dual coefficients do not match the training samples");
            }
            if m.kernel.validate(model.n_features).is_err() || m.params.validate().is_err() {
                return malformed("invalid kernel or solver parameters");
            }
        }
        super::Estimator::Gp(m) => {
            if m.train.n_features() != width || !ids_ok(&m.train) || m.alpha.len() != m.train.n_samples() {
                return malformed("GP training samples and weights disagree");
            }
            let finite = [m.noise, m.y_mean, m.y_scale, m.jitter].iter().all(|v| v.is_finite());
            if !finite || m.noise < 0.0 || m.y_scale <= 0.0 || m.kernel.validate(model.n_features).is_err() {
                return malformed("invalid GP parameters");
            }
        }
        super::Estimator::Sgpr(m) => {
            let size = m.inducing.n_samples();
            let packed = size * (size + 1) / 2;
            let shapes = m.inducing.n_features() == model.n_features
                && m.mean.len() == size
                && m.factors.iter().all(|f| f.len() == packed && f.iter().all(|v| v.is_finite()));
            let finite = [m.noise, m.y_mean, m.y_scale].iter().all(|v| v.is_finite());
            if !shapes || !finite || m.noise <= 0.0 || m.y_scale <= 0.0 || m.kernel.validate(model.n_features).is_err()
            {
                return malformed("invalid sparse GP");
            }
            if let Some(f) = &m.dense_mean
                && (f.n_targets != 1
                    || !f.target_mean.is_empty()
                    || f.centers.n_features() != model.n_features
                    || f.coef.len() != f.centers.n_samples()
                    || f.kernel != m.kernel)
            {
                return malformed("the sparse GP's dense mean does not fit the model");
            }
            if let Some(w) = &m.widened
                && (w.components == 0 || w.components > size || !(w.noise.is_finite() && w.noise > 0.0))
            {
                return malformed("the sparse GP's fit record does not fit the model");
            }
        }
        super::Estimator::Approx { kernel, map, head } => {
            let m = map.feature_map();
            let map_ok = map_ok(map, model.n_features);
            let head_ok = match head {
                super::LinearHead::Ridge { coef, n_targets, target_mean, .. } => {
                    *n_targets >= 1 && coef.len() == m.n_components() * n_targets && means_ok(target_mean, *n_targets)
                }
                super::LinearHead::Svm { model: s, classes } => {
                    let problems = if s.n_classes == 2 { 1 } else { s.n_classes };
                    s.n_classes >= 2
                        && classes.len() == s.n_classes
                        && s.weights.len() == problems
                        && s.intercepts.len() == problems
                        && s.weights.iter().all(|w| w.len() == m.n_components())
                }
                super::LinearHead::Svr { model: s } => {
                    s.weights.len() == m.n_components() && s.weights.iter().chain([&s.intercept]).all(|v| v.is_finite())
                }
                super::LinearHead::RidgeClassifier { coef, n_targets, classes, .. } => {
                    let columns = if classes.len() == 2 { 1 } else { classes.len() };
                    classes.len() >= 2 && *n_targets == columns && coef.len() == m.n_components() * n_targets
                }
            };
            if !map_ok || !head_ok || kernel.validate(model.n_features).is_err() {
                return malformed("feature map and linear model disagree");
            }
        }
        super::Estimator::Falkon { model: m, classes } => {
            let columns = match classes.len() {
                0 => m.n_targets,
                2 => 1,
                k => k,
            };
            if m.centers.n_features() != model.n_features
                || m.n_targets != columns
                || m.coef.len() != m.centers.n_samples() * m.n_targets
                || !m.coef.iter().all(|v| v.is_finite())
                || !means_ok(&m.target_mean, if classes.is_empty() { m.n_targets } else { 0 })
                || m.kernel.validate(model.n_features).is_err()
            {
                return malformed("Falkon centres, coefficients and classes disagree");
            }
        }
        super::Estimator::FeatureGp(m) => {
            let size = m.map.feature_map().n_components();
            let finite =
                [m.noise, m.y_mean, m.y_scale].iter().chain(&m.weights).chain(&m.factor).all(|v| v.is_finite());
            if !map_ok(&m.map, model.n_features)
                || m.weights.len() != size
                || m.factor.len() != size * (size + 1) / 2
                || !finite
                || m.noise <= 0.0
                || m.y_scale <= 0.0
                || m.kernel.validate(model.n_features).is_err()
            {
                return malformed("invalid GP on features");
            }
        }
        super::Estimator::FeatureGpc { model: m, classes } => {
            let latents = if m.n_classes == 2 { 1 } else { m.n_classes };
            let latent_ok = |l: &kern_solvers::gp::FeatureLatent| {
                let size = l.map.feature_map().n_components();
                map_ok(&l.map, model.n_features)
                    && l.weights.len() == size
                    && l.factor.len() == size * (size + 1) / 2
                    && l.weights.iter().chain(&l.factor).all(|v| v.is_finite())
                    && l.kernel.validate(model.n_features).is_ok()
            };
            if m.n_classes < 2
                || classes.len() != m.n_classes
                || m.latent.len() != latents
                || !m.latent.iter().all(latent_ok)
            {
                return malformed("invalid GP classifier on features");
            }
        }
        super::Estimator::Gpc { model: m, classes } => {
            let n = m.train.n_samples();
            let latents = if m.n_classes == 2 { 1 } else { m.n_classes };
            if m.train.n_features() != width
                || !ids_ok(&m.train)
                || m.n_classes < 2
                || classes.len() != m.n_classes
                || m.latent.len() != latents
                || m.latent.iter().any(|l| l.a.len() != n || l.sqrt_w.len() != n)
            {
                return malformed("GP classifier samples, weights and classes disagree");
            }
            let finite = m.latent.iter().all(|l| {
                l.a.iter().chain(&l.sqrt_w).all(|v| v.is_finite()) && l.sqrt_w.iter().all(|&v| (0.0..=0.5).contains(&v))
            });
            if !finite || m.latent.iter().any(|l| l.kernel.validate(model.n_features).is_err()) {
                return malformed("invalid GP classifier parameters");
            }
        }
        super::Estimator::Sequences { machine, .. } => {
            check_machine(machine, |k| k.validate().is_ok())?;
        }
        super::Estimator::Graphs(machine) => {
            check_machine(machine, |k| k.validate().is_ok())?;
        }
        super::Estimator::Svm { model: m, classes } => {
            let n_sv = m.support_vectors.n_samples();
            let rows = m.n_classes.saturating_sub(1);
            let pairs = if m.kind.is_classifier() { m.n_classes * rows / 2 } else { 1 };
            if m.support_vectors.n_features() != width
                || !ids_ok(&m.support_vectors)
                || m.sv_indices.len() != n_sv
                || m.sv_coef.len() != rows.max(1)
                || m.sv_coef.iter().any(|r| r.len() != n_sv)
                || m.pairs.len() != pairs
                || (m.kind.is_classifier()
                    && (m.n_classes < 2
                        || classes.len() != m.n_classes
                        || m.n_support.iter().sum::<usize>() != n_sv
                        || m.n_support.len() != m.n_classes))
            {
                return malformed("support vectors, coefficients and classes do not agree");
            }
            if m.kernel.validate(model.n_features).is_err() {
                return malformed("invalid kernel parameters");
            }
        }
    }
    Ok(model)
}

/// A regression's targets' means: none, or one finite mean per target.
fn means_ok(means: &[f64], n_targets: usize) -> bool {
    means.is_empty() || (means.len() == n_targets && means.iter().all(|m| m.is_finite()))
}

/// The shape checks of an SVM or ridge model on sequences or graphs.
fn check_machine<K, S: kern_kernels::Samples>(
    machine: &super::Machine<K, S>,
    kernel_ok: impl Fn(&K) -> bool,
) -> std::result::Result<(), ModelErrorKind> {
    let ok = match machine {
        super::Machine::Svm { model: m, classes } => {
            let n_sv = m.support_vectors.len();
            let rows = m.n_classes.saturating_sub(1);
            let pairs = if m.kind.is_classifier() { m.n_classes * rows / 2 } else { 1 };
            m.sv_indices.len() == n_sv
                && m.sv_coef.len() == rows.max(1)
                && m.sv_coef.iter().all(|r| r.len() == n_sv)
                && m.pairs.len() == pairs
                && (!m.kind.is_classifier()
                    || (m.n_classes >= 2
                        && classes.len() == m.n_classes
                        && m.n_support.iter().sum::<usize>() == n_sv
                        && m.n_support.len() == m.n_classes))
                && kernel_ok(&m.kernel)
        }
        super::Machine::KernelRidge(m) => {
            m.n_targets >= 1
                && m.dual_coef.len() == m.train.len() * m.n_targets
                && means_ok(&m.target_mean, m.n_targets)
                && m.params.validate().is_ok()
                && kernel_ok(&m.kernel)
        }
        super::Machine::Gp(m) => {
            m.alpha.len() == m.train.len()
                && [m.amplitude, m.noise, m.y_mean, m.y_scale, m.jitter].iter().all(|v| v.is_finite())
                && m.amplitude > 0.0
                && m.noise >= 0.0
                && m.jitter >= 0.0
                && m.y_scale > 0.0
                && m.alpha.iter().all(|v| v.is_finite())
                && kernel_ok(&m.kernel)
        }
        super::Machine::Gpc { model: m, classes } => {
            let n = m.train.len();
            m.n_classes >= 2
                && classes.len() == m.n_classes
                && m.latent.len() == if m.n_classes == 2 { 1 } else { m.n_classes }
                && m.latent.iter().all(|l| {
                    l.a.len() == n
                        && l.sqrt_w.len() == n
                        && l.amplitude.is_finite()
                        && l.amplitude > 0.0
                        && l.a.iter().all(|v| v.is_finite())
                        && l.sqrt_w.iter().all(|&v| (0.0..=0.5).contains(&v))
                })
                && kernel_ok(&m.kernel)
        }
    };
    if ok { Ok(()) } else { Err(ModelErrorKind::Malformed("samples, coefficients and kernel do not agree".into())) }
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Whether a stored feature map is whole: its sizes agree with each other
/// and with the model's width, and every value is finite.
fn map_ok(map: &super::ApproxMap, n_features: usize) -> bool {
    match map {
        super::ApproxMap::Rff(r) => {
            r.n_features == n_features
                && r.frequencies.len() == r.n_features * r.phases.len()
                && r.frequencies.iter().chain(&r.phases).chain([&r.amplitude]).all(|v| v.is_finite())
        }
        super::ApproxMap::Nystroem(n) => {
            n.landmarks.n_features() == n_features
                && n.projection.len() == n.landmarks.n_samples() * n.rank
                && n.projection.iter().all(|v| v.is_finite())
                && n.kernel.validate(n_features).is_ok()
        }
    }
}
