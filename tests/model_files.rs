//! Model files: round trips in both encodings, and one clear error for a
//! newer, truncated, corrupted or foreign file.

mod common;

use common::{scratch, write};
use faer::{Mat, Par};
use kern::io::Format;
use kern::model::{Estimator, FORMAT_VERSION, InputSchema, LinearHead, Model, load_model, save_model};
use kern::solvers::KernelRidge;
use kern::{Error, KernelRidgeModel, ModelErrorKind, VectorKernel, synthetic};

fn fitted() -> Model {
    let data = synthetic::friedman1(60, 0.5, 3);
    let y = Mat::from_fn(60, 1, |i, _| data.y[i]);
    let kernel = VectorKernel::Sum(vec![VectorKernel::Matern32 { lengthscale: 0.8 }, VectorKernel::Linear]);
    let m = KernelRidgeModel::fit(kernel, data.x, y.as_ref(), KernelRidge { alpha: 0.3 }, Par::Seq).unwrap();
    Model::new(10, InputSchema { format: Format::Libsvm, csv: None, scaling: None }, Estimator::KernelRidge(m))
}

/// Ridge on 20 Nyström features of the same data, its targets centred.
fn approx_fitted() -> Model {
    use kern::io::{Data, Inputs, Labels};
    use kern::train::{Approx, FitSpec, Task, fit};
    let data = synthetic::friedman1(60, 0.5, 3);
    let mut spec = FitSpec::new(Task::Krr);
    (spec.approx.method, spec.approx.components, spec.centre_targets) = (Approx::Nystroem, 20, true);
    let data = Data::new(Inputs::Vectors(data.x), Some(Labels::Numeric(data.y)));
    fit(&spec, data, Par::Seq).unwrap().model
}

fn kind(err: Error) -> ModelErrorKind {
    match err {
        Error::Model { kind, .. } => kind,
        other => panic!("expected a model error, got {other}"),
    }
}

#[test]
fn binary_and_json_round_trip_exactly() {
    let dir = scratch();
    let model = fitted();
    for name in ["m.model", "m.json", "m.JSON"] {
        let path = dir.path().join(name);
        save_model(&model, &path).unwrap();
        assert_eq!(load_model(&path).unwrap(), model, "{name}");
    }
    let json = std::fs::read_to_string(dir.path().join("m.json")).unwrap();
    assert!(json.starts_with('{') && json.contains(&format!("\"format_version\":{FORMAT_VERSION}")));
    // No temporary file is left beside the model.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn format_one_files_still_load() {
    // Format 1 is format 2 without the input's scaling: build one from a
    // format-2 file by dropping the `None` byte of `scaling` (postcard
    // stores no field names), then re-frame it as version 1.
    let dir = scratch();
    let model = fitted();
    let path = dir.path().join("m.model");
    save_model(&model, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut payload = without_target_mean(bytes[24..].to_vec());
    let head = postcard::to_stdvec(&(FORMAT_VERSION, model.kern_version.as_str(), model.n_features)).unwrap();
    // Then the format's variant (one byte), the CSV schema's None, the scaling's None.
    let at = head.len() + 2;
    assert_eq!((payload[at - 1], payload[at]), (0, 0));
    payload.remove(at);
    payload[0] = 1;
    let p = write(dir.path(), "v1.model", framed(1, &payload));
    let old = load_model(&p).unwrap();
    assert_eq!(old.format_version, 1);
    assert_eq!(Model { format_version: FORMAT_VERSION, ..old }, model);
}

/// Today's payload of [`fitted`] without kernel ridge's last field, its
/// targets' mean (empty: one byte), before the origin's byte and the
/// calibration's `None`: formats 1 to 6 lack it.
fn without_target_mean(mut payload: Vec<u8>) -> Vec<u8> {
    let at = payload.len() - 3;
    assert_eq!((u32::from(payload[0]), payload[at]), (FORMAT_VERSION, 0));
    payload.remove(at);
    payload
}

#[test]
fn format_four_and_six_files_still_load() {
    // Format 5 adds estimators (GPs on features) after the others and 6 a
    // sparse GP's fit record: a format-4 or 6 file of kernel ridge, or of
    // ridge on features, is today's payload of one fitted as given, without
    // the targets' mean.
    let dir = scratch();
    let Estimator::Approx { kernel, map, head: LinearHead::Ridge { coef, n_targets, alpha, .. } } =
        approx_fitted().estimator
    else {
        panic!("ridge on features")
    };
    let head = LinearHead::Ridge { coef, n_targets, alpha, target_mean: Vec::new() };
    let on_features = Model { estimator: Estimator::Approx { kernel, map, head }, ..fitted() };
    for model in [fitted(), on_features] {
        let path = dir.path().join("now.model");
        save_model(&model, &path).unwrap();
        for version in [4u8, 6] {
            let mut payload = without_target_mean(std::fs::read(&path).unwrap()[24..].to_vec());
            payload[0] = version;
            let old = load_model(&write(dir.path(), "old.model", framed(u32::from(version), &payload))).unwrap();
            assert_eq!(old.format_version, u32::from(version));
            assert_eq!(Model { format_version: FORMAT_VERSION, ..old }, model);
        }
    }
}

#[test]
fn a_targets_mean_is_added_to_every_prediction_and_checked() {
    use kern::io::Inputs;
    use kern::model::Prediction;
    let dir = scratch();
    let x = Inputs::Vectors(synthetic::friedman1(60, 0.5, 3).x);
    let values = |m: &Model| match m.predict(&x, Par::Seq).unwrap() {
        Prediction::Values(v) => v.col_as_slice(0).to_vec(),
        _ => panic!("regression"),
    };
    for model in [fitted(), approx_fitted()] {
        let path = dir.path().join("m.json");
        save_model(&model, &path).unwrap();
        let json = std::fs::read_to_string(&path).unwrap();
        let mean = json.find("\"target_mean\":[").expect("the field") + "\"target_mean\":[".len();
        let end = mean + json[mean..].find(']').unwrap();
        let given: f64 = json[mean..end].parse().unwrap_or(0.0);
        let moved = format!("{}{}{}", &json[..mean], given + 5.0, &json[end..]);
        let p = write(dir.path(), "moved.json", moved);
        let (before, after) = (values(&model), values(&load_model(&p).unwrap()));
        assert!(before.iter().zip(&after).all(|(b, a)| (a - b - 5.0).abs() < 1e-9), "{before:?} {after:?}");
        // One mean per target, finite.
        let two = format!("{}1.0,2.0{}", &json[..mean], &json[end..]);
        let p = write(dir.path(), "two.json", two);
        assert!(matches!(kind(load_model(&p).unwrap_err()), ModelErrorKind::Malformed(_)));
    }
}

/// A binary file of `version` around `payload`.
fn framed(version: u32, payload: &[u8]) -> Vec<u8> {
    let mut bytes = b"KERNMODL".to_vec();
    bytes.extend_from_slice(&version.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

#[test]
fn format_two_gp_files_still_load_with_unit_weights() {
    // Format 2 is today's format (a GP's layout is format 3's) without the GP's
    // sample weights, its last field: drop the empty vector's length byte
    // before the origin's byte.
    use kern::solvers::gp::{GaussianProcess, GpModel};
    let dir = scratch();
    let data = synthetic::friedman1(30, 0.5, 4);
    let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.2 }) };
    let gp = GpModel::fit(&GaussianProcess::new(kernel, 0.1), data.x, &data.y, Par::Seq).unwrap();
    let model = Model::new(10, InputSchema { format: Format::Libsvm, csv: None, scaling: None }, Estimator::Gp(gp));
    let path = dir.path().join("gp.model");
    save_model(&model, &path).unwrap();
    let mut payload = std::fs::read(&path).unwrap()[24..].to_vec();
    let weights_at = payload.len() - 2;
    assert_eq!((u32::from(payload[0]), payload[weights_at]), (FORMAT_VERSION, 0));
    payload.remove(weights_at);
    payload[0] = 2;
    let p = write(dir.path(), "v2.model", framed(2, &payload));
    let old = load_model(&p).unwrap();
    assert_eq!(old.format_version, 2);
    assert_eq!(Model { format_version: FORMAT_VERSION, ..old }, model);
}

#[test]
fn older_sparse_gp_files_still_load_and_a_widened_one_round_trips() {
    // Today's sparse GP ends with its dense mean and its fit record (each
    // `None`, one byte), before the origin's byte and the calibration's `None`.
    // Format 3 lacks both, formats 4 and 5 the fit record.
    use kern::solvers::falkon::{Falkon, FalkonModel};
    use kern::solvers::gp::{GaussianProcess, SgprModel, SparseGaussianProcess};
    let dir = scratch();
    let data = synthetic::friedman1(60, 0.5, 4);
    let kernel = VectorKernel::Scaled { scale: 1.0, kernel: Box::new(VectorKernel::Rbf { gamma: 0.2 }) };
    let params = SparseGaussianProcess {
        gp: GaussianProcess::new(kernel, 0.1),
        components: 10,
        inducing: kern::approx::Landmarks::Uniform,
        learn_inducing: false,
        fit_samples: None,
        jitter: kern::solvers::gp::INDUCING_JITTER,
        posterior_components: None,
    };
    let sparse = SgprModel::fit(&params, &data.x, &data.y, Par::Seq).unwrap();
    let schema = InputSchema { format: Format::Libsvm, csv: None, scaling: None };
    let model = Model::new(10, schema.clone(), Estimator::Sgpr(sparse.clone()));
    let path = dir.path().join("sgpr.model");
    save_model(&model, &path).unwrap();
    let today = std::fs::read(&path).unwrap()[24..].to_vec();
    let (dense_at, fit_at) = (today.len() - 4, today.len() - 3);
    assert_eq!((u32::from(today[0]), today[dense_at], today[fit_at]), (FORMAT_VERSION, 0, 0));
    for (version, dropped) in [(3u8, &[fit_at, dense_at][..]), (4, &[fit_at]), (5, &[fit_at])] {
        let mut payload = today.clone();
        for &at in dropped {
            payload.remove(at);
        }
        payload[0] = version;
        let old = load_model(&write(dir.path(), "old.model", framed(u32::from(version), &payload))).unwrap();
        assert_eq!(old.format_version, u32::from(version));
        assert_eq!(Model { format_version: FORMAT_VERSION, ..old }, model);
    }
    // A format 5 file with a dense mean (Falkon's, no longer fitted) predicts from it.
    let falkon = Falkon { alpha: sparse.noise, ..Falkon::default() };
    let targets = faer::MatRef::from_column_major_slice(&data.y, data.y.len(), 1);
    let dense = FalkonModel::fit(
        &falkon,
        &sparse.kernel,
        &data.x,
        targets,
        data.x.select(&(0..40).collect::<Vec<_>>()),
        Par::Seq,
    )
    .unwrap();
    let with_dense = SgprModel { dense_mean: Some(Box::new(dense.clone())), ..sparse.clone() };
    save_model(&Model::new(10, schema.clone(), Estimator::Sgpr(with_dense)), &path).unwrap();
    // Before format 7 its Falkon had no targets' mean (the byte before the fit record's).
    let mut payload = std::fs::read(&path).unwrap()[24..].to_vec();
    payload.drain(payload.len() - 4..payload.len() - 2);
    payload[0] = 5;
    let old = load_model(&write(dir.path(), "dense.model", framed(5, &payload))).unwrap();
    let Estimator::Sgpr(old) = old.estimator else { panic!("a sparse GP") };
    let expected = dense.predict(&data.x, Par::Seq);
    let got = old.predict_mean(&data.x, Par::Seq);
    assert!(got.iter().enumerate().all(|(i, g)| (g - (old.y_mean + old.y_scale * expected[(i, 0)])).abs() < 1e-12));
    // A widened posterior (format 6) round-trips with its fit record.
    let wide = SparseGaussianProcess { posterior_components: Some(30), ..params };
    let widened = SgprModel::fit(&wide, &data.x, &data.y, Par::Seq).unwrap();
    assert_eq!((widened.inducing.n_samples(), widened.widened.map(|w| w.components)), (30, Some(10)));
    let model = Model::new(10, schema, Estimator::Sgpr(widened));
    save_model(&model, &path).unwrap();
    assert_eq!(load_model(&path).unwrap(), model);
}

#[test]
fn newer_truncated_corrupted_and_foreign_files_are_refused() {
    let dir = scratch();
    let path = dir.path().join("m.model");
    save_model(&fitted(), &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();

    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let p = write(dir.path(), "newer.model", &newer);
    let err = load_model(&p).unwrap_err();
    assert!(err.to_string().contains("newer.model") && err.to_string().contains("upgrade kern"), "{err}");
    assert_eq!(kind(err), ModelErrorKind::NewerVersion { found: FORMAT_VERSION + 1, supported: FORMAT_VERSION });

    for cut in [3, 20, bytes.len() / 2, bytes.len() - 1] {
        let p = write(dir.path(), "cut.model", &bytes[..cut]);
        assert_eq!(kind(load_model(&p).unwrap_err()), ModelErrorKind::Truncated, "cut at {cut}");
    }
    let mut flipped = bytes.clone();
    let mid = bytes.len() / 2;
    flipped[mid] ^= 0x40;
    let p = write(dir.path(), "flip.model", &flipped);
    assert_eq!(kind(load_model(&p).unwrap_err()), ModelErrorKind::Corrupted);

    let p = write(dir.path(), "data.model", "1 1:0.5\n");
    assert_eq!(kind(load_model(&p).unwrap_err()), ModelErrorKind::NotAModel);
    let p = write(dir.path(), "empty.model", "");
    assert_eq!(kind(load_model(&p).unwrap_err()), ModelErrorKind::NotAModel);
    assert!(matches!(load_model(dir.path()), Err(Error::Io { .. })));
    assert!(matches!(load_model(&dir.path().join("absent.model")), Err(Error::Io { .. })));
}

#[test]
fn json_models_are_checked_too() {
    let dir = scratch();
    let path = dir.path().join("m.json");
    save_model(&fitted(), &path).unwrap();
    let json = std::fs::read_to_string(&path).unwrap();

    let newer = json.replacen(&format!("\"format_version\":{FORMAT_VERSION}"), "\"format_version\":99", 1);
    let p = write(dir.path(), "newer.json", newer);
    assert!(matches!(kind(load_model(&p).unwrap_err()), ModelErrorKind::NewerVersion { found: 99, .. }));
    let p = write(dir.path(), "cut.json", &json[..json.len() / 2]);
    assert_eq!(kind(load_model(&p).unwrap_err()), ModelErrorKind::Truncated);
    let wrong = json.replacen("\"n_features\":10", "\"n_features\":11", 1);
    let p = write(dir.path(), "wrong.json", wrong);
    assert!(matches!(kind(load_model(&p).unwrap_err()), ModelErrorKind::Malformed(_)));
    let bad_kernel = json.replacen("\"lengthscale\":0.8", "\"lengthscale\":-0.8", 1);
    assert_ne!(bad_kernel, json);
    let p = write(dir.path(), "badkernel.json", bad_kernel);
    assert!(matches!(kind(load_model(&p).unwrap_err()), ModelErrorKind::Malformed(_)));
}

#[test]
fn string_and_graph_gp_models_round_trip_and_are_checked() {
    use kern::model::Machine;
    use kern::solvers::gp::{FixedGpModel, FixedGpcModel, FixedKernelGp};
    use kern::{Graph, GraphKernel, Graphs, Sequences, StringKernel};
    let dir = scratch();
    let x = Sequences::new(["ACGTAC", "ACGTTT", "GGGCCA", "GGGCCT", "ACGAAC"]);
    let y = [1.0, 0.8, -1.0, -0.7, 1.2];
    let gp =
        FixedGpModel::fit(StringKernel::Spectrum { k: 2, normalize: true }, x, &y, &FixedKernelGp::default(), Par::Seq)
            .unwrap();
    let read = kern::io::SequenceOptions::default();
    let input = InputSchema { format: Format::Fasta, csv: None, scaling: None };
    let strings = Model::new(0, input, Estimator::Sequences { machine: Machine::Gp(gp), read });
    let ring = |n: usize| Graph::new(vec![0; n], &(0..n).map(|i| (i, (i + 1) % n, None)).collect::<Vec<_>>()).unwrap();
    let chain = |n: usize| Graph::new(vec![0; n], &(0..n - 1).map(|i| (i, i + 1, None)).collect::<Vec<_>>()).unwrap();
    let graphs = Graphs::new(vec![ring(5), chain(5), ring(6), chain(6)]);
    let gpc = FixedGpcModel::fit(
        GraphKernel::WeisfeilerLehman { h: 2, normalize: true },
        graphs,
        &[0, 1, 0, 1],
        2,
        &FixedKernelGp::default(),
        Par::Seq,
    )
    .unwrap();
    let classes = vec!["ring".to_string(), "chain".to_string()];
    let input = InputSchema { format: Format::Tu, csv: None, scaling: None };
    let graphs = Model::new(0, input, Estimator::Graphs(Machine::Gpc { model: gpc, classes }));
    for (name, model) in [("s.json", strings), ("g.json", graphs)] {
        let path = dir.path().join(name);
        save_model(&model, &path).unwrap();
        assert_eq!(load_model(&path).unwrap(), model, "{name}");
        let bin = dir.path().join(format!("{name}.model"));
        save_model(&model, &bin).unwrap();
        assert_eq!(load_model(&bin).unwrap(), model, "{name}");
    }
    // Weights that disagree with the samples, and a negative amplitude, are refused.
    let json = std::fs::read_to_string(dir.path().join("s.json")).unwrap();
    let short = json.replacen("\"alpha\":[", "\"alpha\":[0.5,", 1);
    let amplitude = json.replacen("\"amplitude\":", "\"amplitude\":-", 1);
    let json = std::fs::read_to_string(dir.path().join("g.json")).unwrap();
    let classes = json.replacen("\"classes\":[\"ring\",\"chain\"]", "\"classes\":[\"ring\"]", 1);
    for (i, bad) in [short, amplitude, classes].into_iter().enumerate() {
        let p = write(dir.path(), &format!("bad{i}.json"), bad);
        assert!(matches!(kind(load_model(&p).unwrap_err()), ModelErrorKind::Malformed(_)), "case {i}");
    }
}
