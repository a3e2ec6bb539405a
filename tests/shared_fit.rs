//! Fits on shares of the rows (what `mpirun -np P kern fit` runs), with
//! threads standing in for the processes: each reads its share of a file
//! and fits with `kern::train::fit_shared`. Every share must end with the
//! same model, equal to the single-process model (Nyström and random-feature
//! ridge to 1e-9; Falkon, whose sums run over the same blocks of rows in the
//! same order at any P, bit for bit), and the same P must give the same
//! model bytes.

mod common;

use std::path::Path;
use std::sync::{Arc, Barrier, Mutex};

use common::{scratch, write};
use kern::io::{Data, Inputs, ReadOptions, Share, read_data};
use kern::model::{Estimator, LinearHead, Model, Prediction, Scaling, encode_model};
use kern::solvers::collective::{Alone, Collective};
use kern::train::{Alpha, Approx, FitSpec, Loss, Task, fit, fit_shared};
use kern::{DataSet, Par};

/// Processes simulated by threads: a gather writes each part into a slot,
/// waits for all, reads them all, and waits again before the slots are reused.
struct Threads {
    rank: usize,
    slots: Arc<Mutex<Vec<Vec<u8>>>>,
    barrier: Arc<Barrier>,
}

impl Collective for Threads {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.slots.lock().unwrap().len()
    }
    fn all_gather_bytes(&self, local: &[u8]) -> Vec<Vec<u8>> {
        self.slots.lock().unwrap()[self.rank] = local.to_vec();
        self.barrier.wait();
        let parts = self.slots.lock().unwrap().clone();
        self.barrier.wait();
        parts
    }
    fn broadcast(&self, values: &mut [f64], root: usize) {
        let parts = self.all_gather_f64(values);
        values.copy_from_slice(&parts[root]);
    }
}

/// Runs `work(rank, collective)` on `p` threads; their results in rank order.
fn on_threads<T: Send>(p: usize, work: impl Fn(&dyn Collective) -> T + Sync) -> Vec<T> {
    let slots = Arc::new(Mutex::new(vec![Vec::new(); p]));
    let barrier = Arc::new(Barrier::new(p));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..p)
            .map(|rank| {
                let me = Threads { rank, slots: slots.clone(), barrier: barrier.clone() };
                let work = &work;
                s.spawn(move || work(&me))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn read_share(path: &Path, share: Share) -> Data {
    let options = ReadOptions { require_labels: true, share: Some(share), ..Default::default() };
    let loaded = read_data(path, &options).unwrap();
    let mut data = Data::new(Inputs::Vectors(loaded.x), loaded.labels);
    (data.format, data.csv, data.weights) = (loaded.format, loaded.csv, loaded.weights);
    data
}

/// The models of P processes fitting `spec` on their shares of `path`.
fn shared_models(path: &Path, spec: &FitSpec, p: usize) -> Vec<Model> {
    on_threads(p, |c| {
        let data = read_share(path, Share { index: c.rank(), count: p });
        fit_shared(spec, data, Par::Seq, c).unwrap().model
    })
}

fn single_model(path: &Path, spec: &FitSpec) -> Model {
    fit(spec, read_share(path, Share::WHOLE), Par::Seq).unwrap().model
}

/// The predicted values of a regression at `x`, else the coefficients of
/// a classifier (its decision values are linear in them).
fn values(model: &Model, x: &DataSet) -> Vec<f64> {
    match (model.predict(&Inputs::Vectors(x.clone()), Par::Seq).unwrap(), &model.estimator) {
        (Prediction::Values(v), _) => (0..v.nrows()).map(|i| v[(i, 0)]).collect(),
        (_, Estimator::Falkon { model, .. }) => model.coef.clone(),
        (_, Estimator::Approx { head: LinearHead::RidgeClassifier { coef, .. }, .. }) => coef.clone(),
        _ => unreachable!("the classifiers fitted here"),
    }
}

fn max_relative_difference(a: &[f64], b: &[f64]) -> f64 {
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).map(|(x, y)| (x - y).abs() / scale).fold(0.0, f64::max)
}

/// A dense CSV regression with a header (n × 4) and a sparse three-class LibSVM file.
fn data_files(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let reg = kern::synthetic::friedman1(1500, 0.3, 7);
    let mut csv = String::from("a,b,c,d,e,target\n");
    for i in 0..reg.x.n_samples() {
        let row: Vec<String> = reg.x.row(i).values().iter().map(|v| format!("{v}")).collect();
        csv.push_str(&format!("{},{}\n", row[..5].join(","), reg.y[i]));
    }
    let mut rng = kern::synthetic::rng(11);
    let mut libsvm = String::new();
    for i in 0..1200 {
        let class = ["7", "-1", "2"][i % 3];
        libsvm.push_str(class);
        for j in 0..40 {
            let v = kern::synthetic::normal(&mut rng) + if j % 3 == i % 3 { 1.5 } else { 0.0 };
            if (i * 7 + j * 13) % 5 == 0 {
                libsvm.push_str(&format!(" {}:{v:.6}", j + 1));
            }
        }
        libsvm.push('\n');
    }
    (write(dir, "reg.csv", csv), write(dir, "classes.libsvm", libsvm))
}

fn approx_spec(task: Task, method: Approx, components: usize) -> FitSpec {
    let mut spec = FitSpec::new(task);
    spec.kernel.gamma = Some(0.1);
    spec.approx.method = method;
    spec.approx.components = components;
    spec.alpha = Alpha::Value(1e-2);
    spec.scale = true;
    spec
}

#[test]
fn ridge_on_features_equals_the_single_process_fit_at_every_p() {
    let dir = scratch();
    let (reg, classes) = data_files(dir.path());
    let mut ridge_classifier = approx_spec(Task::Svc, Approx::Rff, 150);
    ridge_classifier.approx.loss = Some(Loss::Squared);
    let cases = [(reg.clone(), approx_spec(Task::Krr, Approx::Nystroem, 200)), (classes.clone(), ridge_classifier)];
    for (path, spec) in &cases {
        let single = single_model(path, spec);
        let x = read_share(path, Share::WHOLE);
        let Inputs::Vectors(x) = x.x else { unreachable!() };
        let expected = values(&single, &x);
        for p in [2, 3] {
            let models = shared_models(path, spec, p);
            let bytes = encode_model(&models[0]).unwrap();
            assert!(models.iter().all(|m| encode_model(m).unwrap() == bytes), "every process holds one model");
            assert_eq!(models[0].estimator.classes(), single.estimator.classes(), "classes in the file's order");
            let difference = max_relative_difference(&expected, &values(&models[0], &x));
            assert!(difference < 1e-9, "{}: P = {p} differs by {difference:e}", path.display());
            let again = shared_models(path, spec, p);
            assert_eq!(encode_model(&again[0]).unwrap(), bytes, "the same P gives the same model bytes");
        }
    }
}

#[test]
fn falkon_on_shares_is_the_single_process_model_bit_for_bit() {
    let dir = scratch();
    let (reg, classes) = data_files(dir.path());
    for (path, task) in [(reg, Task::Krr), (classes, Task::Svc)] {
        // The default stopping rule, where rounding differences would show:
        // the conjugate gradient amplifies them.
        let spec = approx_spec(task, Approx::Falkon, 120);
        let single = encode_model(&single_model(&path, &spec)).unwrap();
        // 7 processes on 5 or 6 blocks of rows: some hold no whole block.
        for p in [2, 3, 7] {
            let models = shared_models(&path, &spec, p);
            for (rank, model) in models.iter().enumerate() {
                assert!(encode_model(model).unwrap() == single, "{}: P = {p}, process {rank}", path.display());
            }
        }
    }
}

#[test]
fn shared_scaling_equals_scaling_fitted_on_all_rows() {
    let dir = scratch();
    let (reg, classes) = data_files(dir.path());
    for path in [reg, classes] {
        let Inputs::Vectors(all) = read_share(&path, Share::WHOLE).x else { unreachable!() };
        let expected = Scaling::fit(&all);
        let scalings = on_threads(3, |c| {
            let Inputs::Vectors(x) = read_share(&path, Share { index: c.rank(), count: 3 }).x else { unreachable!() };
            let x = x.with_n_features(all.n_features()).unwrap();
            let x = if all.is_sparse() { x } else { x.to_dense() };
            Scaling::fit_shared(&x, c)
        });
        assert!(scalings.iter().all(|s| *s == expected), "{}", path.display());
        assert_eq!(Scaling::fit_shared(&all, &Alone), expected);
    }
}

#[test]
fn a_bad_line_in_a_share_is_named_by_its_line_in_the_whole_file() {
    let dir = scratch();
    let mut text = String::from("x,y,label\n");
    (0..40).for_each(|i| text.push_str(&format!("{i},{},{}\n", i * 2, i % 2)));
    text.push_str("1,oops,0\n");
    let path = write(dir.path(), "bad.csv", text);
    let error = read_data(&path, &ReadOptions { share: Some(Share { index: 2, count: 3 }), ..Default::default() })
        .unwrap_err()
        .to_string();
    assert!(error.contains("bad.csv:42:"), "{error}");
    let empty = read_data(&path, &ReadOptions { share: Some(Share { index: 50, count: 60 }), ..Default::default() });
    assert!(empty.unwrap_err().to_string().contains("share 50 of 60 holds no lines"));
}

/// `path`'s lines after its header split into `parts` files
/// `part-0.csv`... in `dir`, each with the header.
fn split_csv(dir: &Path, path: &Path, parts: usize) -> std::path::PathBuf {
    let text = std::fs::read_to_string(path).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    for k in 0..parts {
        let mine = &rows[k * rows.len() / parts..(k + 1) * rows.len() / parts];
        write(dir, &format!("part-{k}.csv"), format!("{header}\n{}\n", mine.join("\n")));
    }
    dir.join("part-*.csv")
}

#[test]
fn shards_read_as_the_whole_file_and_fit_its_model_on_any_p() {
    let dir = scratch();
    let (reg, _) = data_files(dir.path());
    let pattern = split_csv(dir.path(), &reg, 4);
    let sharded = ReadOptions { require_labels: true, shards: true, ..Default::default() };
    let whole = read_data(&reg, &ReadOptions { require_labels: true, ..Default::default() }).unwrap();
    let all = read_data(&pattern, &sharded).unwrap();
    assert_eq!((all.x, all.labels, all.csv), (whole.x, whole.labels, whole.csv));
    // Process 1 of 3 reads whole files: the second of four.
    let second = read_data(&pattern, &ReadOptions { share: Some(Share { index: 1, count: 3 }), ..sharded.clone() });
    let part = read_data(&dir.path().join("part-1.csv"), &ReadOptions { require_labels: true, ..Default::default() });
    assert_eq!(second.unwrap().x, part.unwrap().x);
    // Falkon on the shards is the whole file's model, bit for bit.
    let spec = approx_spec(Task::Krr, Approx::Falkon, 120);
    let single = encode_model(&single_model(&reg, &spec)).unwrap();
    let models = on_threads(2, |c| {
        let loaded =
            read_data(&pattern, &ReadOptions { share: Some(Share { index: c.rank(), count: 2 }), ..sharded.clone() });
        let loaded = loaded.unwrap();
        let mut data = Data::new(Inputs::Vectors(loaded.x), loaded.labels);
        (data.format, data.csv) = (loaded.format, loaded.csv);
        encode_model(&fit_shared(&spec, data, Par::Seq, c).unwrap().model).unwrap()
    });
    assert!(models.iter().all(|m| *m == single), "sharded fit differs from the whole file's");
    let five = read_data(&pattern, &ReadOptions { share: Some(Share { index: 0, count: 5 }), ..sharded });
    assert!(five.unwrap_err().to_string().contains("4 files for 5 processes"));
}
