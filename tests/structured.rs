//! Sequences and graphs end to end: the FASTA, sequence-CSV and TU readers
//! (and their errors), and fit → model file → predict / cv with string and
//! graph kernels, against the library.

mod common;

use common::{
    assert_one_line_error, fasta, json, kern, lcg, motif_sequences, rings_and_chains, scratch, shared_data, write,
    write_tu,
};
use kern::io::{SequenceOptions, read_sequences, read_sequences_bytes, read_tu};
use kern::{GraphKernel, Graphs, Par, Sequences, StringKernel};

#[test]
fn fasta_headers_give_labels_and_lines_join() {
    let text = b">a label=EI extra\nacgt\nAC GT\n\n>b IE\nTTTT\n;comment\n";
    let d = read_sequences_bytes("x.fa".as_ref(), text, None, &SequenceOptions::default()).unwrap();
    assert_eq!((d.x.get(0), d.x.get(1)), (&b"acgtACGT"[..], &b"TTTT"[..]));
    let kern::io::Labels::Text { classes, codes, .. } = d.labels.unwrap() else { panic!("text labels") };
    assert_eq!((classes, codes), (vec!["EI".to_string(), "IE".to_string()], vec![0, 1]));
    let folded = SequenceOptions { fold_case: true, ..Default::default() };
    let d = read_sequences_bytes("x.fa".as_ref(), text, None, &folded).unwrap();
    assert_eq!(d.x.get(0), b"ACGTACGT");
    // Long labels are kept whole: two that differ only at the end are two classes.
    let long = format!(">a {}x\nAC\n>b {}y\nGT\n", "L".repeat(50), "L".repeat(50));
    let d = read_sequences_bytes("x.fa".as_ref(), long.as_bytes(), None, &SequenceOptions::default()).unwrap();
    let kern::io::Labels::Text { classes, .. } = d.labels.unwrap() else { panic!("text labels") };
    assert_eq!(classes.len(), 2);
    assert_eq!(classes[0].len(), 51);
    // Headers with one token only: no labels.
    let d = read_sequences_bytes("x.fa".as_ref(), b">a\nAC\n>b\nGT\n", None, &SequenceOptions::default()).unwrap();
    assert!(d.labels.is_none());
}

#[test]
fn sequence_csv_with_and_without_a_header() {
    let with = b"label,instance_name,sequence\nEI,  A-1,   ACGTAC\nN ,  B-2 ,  ggtt  \n";
    let d = read_sequences_bytes("s.csv".as_ref(), with, None, &SequenceOptions::default()).unwrap();
    assert_eq!((d.x.len(), d.x.get(1)), (2, &b"ggtt"[..]));
    assert_eq!(d.labels.unwrap().len(), 2);
    // UCI promoters: label, name, tabs then the sequence; no header.
    let without = b"+,S10,\t\ttactagcaat\n-,867,\t\tatatgaacgt\n";
    let d =
        read_sequences_bytes("p.data".as_ref(), without, Some(kern::io::Format::SeqCsv), &Default::default()).unwrap();
    assert_eq!(d.x.get(0), b"tactagcaat");
    let kern::io::Labels::Text { classes, .. } = d.labels.unwrap() else { panic!("text labels") };
    assert_eq!(classes, vec!["+", "-"]);
    // Chosen columns.
    let opts = SequenceOptions { seq_col: Some("instance_name".into()), label_col: Some("2".into()), fold_case: false };
    let d = read_sequences_bytes("s.csv".as_ref(), with, None, &opts).unwrap();
    assert_eq!(d.x.get(0), b"A-1");
}

#[test]
fn malformed_sequence_files_are_refused_with_file_and_line() {
    let dir = scratch();
    let cases: [(&str, &str, &[&str]); 6] = [
        ("empty.fa", ">a x\n\n>b y\nACGT\n", &["empty.fa:1:", "empty"]),
        ("before.fa", "ACGT\n>a x\nAC\n", &["before.fa:1:", "before the first"]),
        ("mixed.fa", ">a x\nAC\n>b\nGT\n", &["mixed.fa:3:", "label"]),
        ("ragged.csv", "label,sequence\n+,ACGT\n-,AC,GT\n", &["ragged.csv:3:", "3 fields"]),
        ("blank.csv", "label,sequence\n+,ACGT\n-,   \n", &["blank.csv:3:", "empty"]),
        ("nocol.csv", "label,sequence\n+,ACGT\n-,ACGA\n", &["nocol.csv", "dna"]),
    ];
    for (name, text, needles) in cases {
        let path = write(dir.path(), name, text);
        let mut args = vec!["fit", path.to_str().unwrap(), "--kernel", "spectrum", "--k", "2"];
        if name == "nocol.csv" {
            args.extend(["--seq-col", "dna"]);
        }
        assert_one_line_error(&kern(dir.path(), &args), needles);
        assert!(!dir.path().join(format!("{name}.model")).exists());
    }
}

#[test]
fn string_kernel_svm_fit_then_predict_matches_the_library() {
    let dir = scratch();
    let (train, test) = (motif_sequences(120, 1), motif_sequences(80, 2));
    let train_path = write(dir.path(), "train.fa", fasta(&train));
    let test_path = write(dir.path(), "test.fa", fasta(&test));
    let fit = kern(
        dir.path(),
        &["fit", "train.fa", "--kernel", "spectrum", "--k", "4", "-c", "10", "-o", "m.model", "--json"],
    );
    assert!(fit.status.success(), "{}", common::stderr(&fit));
    let report = json(&fit);
    assert_eq!(report["kernel"], "spectrum");
    let pred = kern(dir.path(), &["predict", "m.model", "test.fa", "-o", "p.txt", "--json"]);
    assert!(pred.status.success(), "{}", common::stderr(&pred));
    assert!(json(&pred)["accuracy"].as_f64().unwrap() > 0.85, "the motif is learnable");
    let cli: Vec<String> =
        std::fs::read_to_string(dir.path().join("p.txt")).unwrap().lines().map(String::from).collect();

    // The same fit through the library.
    let x = read_sequences(&train_path, None, &SequenceOptions::default()).unwrap();
    let codes: Vec<usize> = train.iter().map(|(_, l)| (l == "neg") as usize).collect();
    let mut params = kern::solvers::SvmParams::new(kern::solvers::SvmKind::CSvc { c: 10.0 });
    params.smo.tol = 1e-3;
    let kernel = StringKernel::Spectrum { k: 4, normalize: true };
    let model =
        kern::solvers::train_classifier(&kernel, &x.x, &codes, 2, &params, Sequences::select, Par::Seq).unwrap();
    let t = read_sequences(&test_path, None, &SequenceOptions::default()).unwrap();
    let lib: Vec<String> =
        model.predict_classes(&t.x, Par::Seq).into_iter().map(|c| ["pos", "neg"][c].to_string()).collect();
    assert_eq!(cli, lib);

    // The model knows what it holds.
    let info = kern(dir.path(), &["info", "m.model", "--json"]);
    assert_eq!(json(&info)["kernel"], "spectrum");
    assert_eq!(json(&info)["input_format"], "fasta");
}

#[test]
fn every_string_kernel_runs_every_task_family() {
    let dir = scratch();
    let data = motif_sequences(60, 3);
    write(dir.path(), "d.fa", fasta(&data));
    let numeric: String = data
        .iter()
        .enumerate()
        .map(|(i, (s, l))| format!(">r{i} {}\n{s}\n", if l == "pos" { 1.5 } else { -0.5 }))
        .collect();
    write(dir.path(), "r.fa", numeric);
    for kernel in [
        &["spectrum"][..],
        &["mismatch", "--k", "4"],
        &["wd", "--degree", "5", "--shift", "1"],
        &["ssk", "--k", "2", "--lambda", "0.7"],
    ] {
        for (file, task) in [("d.fa", "svc"), ("r.fa", "krr"), ("r.fa", "svr"), ("d.fa", "oneclass")] {
            let mut args = vec!["cv", file, "--folds", "3", "--task", task, "--kernel"];
            args.extend_from_slice(kernel);
            if task == "oneclass" {
                args[0] = "fit";
                args.drain(2..4);
                args.extend(["-o", "one.model"]);
            }
            let out = kern(dir.path(), &args);
            assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
        }
    }
    // GP classification; WD compares positions, so only the spectrum finds a motif that moves.
    for (kernel, least) in [("spectrum", 0.7), ("wd", 0.0)] {
        let out = kern(dir.path(), &["cv", "d.fa", "--folds", "3", "--task", "gp", "--kernel", kernel, "--json"]);
        assert!(out.status.success(), "{kernel}: {}", common::stderr(&out));
        assert!(json(&out)["accuracy"].as_f64().unwrap() >= least, "{kernel}: GP classification learns the motif");
    }
    let approx = kern(dir.path(), &["fit", "r.fa", "--task", "gp", "--kernel", "spectrum", "--approx", "rff"]);
    assert_one_line_error(&approx, &["--approx"]);
}

/// Random DNA whose target counts the dinucleotide GA (plus noise): linear
/// in the unnormalised 2-spectrum.
fn counted_sequences(n: usize, seed: u64) -> (String, Vec<f64>) {
    let mut u = lcg(seed);
    let mut text = String::new();
    let mut y = Vec::new();
    for i in 0..n {
        let s: Vec<u8> = (0..30).map(|_| b"ACGT"[(u() * 4.0) as usize % 4]).collect();
        let target = s.windows(2).filter(|w| w == b"GA").count() as f64 + 0.1 * (u() - 0.5);
        text.push_str(&format!(">s{i} {target}\n{}\n", String::from_utf8(s).unwrap()));
        y.push(target);
    }
    (text, y)
}

#[test]
fn gp_regression_on_sequences_predicts_with_uncertainty_as_the_library_does() {
    let dir = scratch();
    let (train, y) = counted_sequences(150, 7);
    let (test, truth) = counted_sequences(60, 8);
    let train_path = write(dir.path(), "train.fa", train);
    let test_path = write(dir.path(), "test.fa", test);
    let fit = kern(
        dir.path(),
        &["fit", "train.fa", "--task", "gp", "--kernel", "spectrum", "--k", "2", "--no-normalize", "--json"],
    );
    assert!(fit.status.success(), "{}", common::stderr(&fit));
    let report = json(&fit);
    assert_eq!(report["task"], "gp");
    let noise = report["hyperparameters"]["noise"].as_f64().unwrap();
    let amplitude = report["hyperparameters"]["amplitude"].as_f64().unwrap();
    let pred = kern(dir.path(), &["predict", "train.fa.model", "test.fa", "--std", "-o", "p.txt", "--json"]);
    assert!(pred.status.success(), "{}", common::stderr(&pred));
    assert!(json(&pred)["r2"].as_f64().unwrap() > 0.95, "the count is linear in the 2-spectrum");
    let rows: Vec<Vec<f64>> = std::fs::read_to_string(dir.path().join("p.txt"))
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 60);
    // About 95 % of new targets fall within two predictive standard deviations.
    let inside = rows.iter().zip(&truth).filter(|(r, t)| (r[0] - *t).abs() <= 2.0 * r[1]).count();
    assert!(inside >= 50, "{inside} of 60 within ±2σ");

    // The same fit through the library.
    let x = read_sequences(&train_path, None, &SequenceOptions::default()).unwrap().x;
    let kernel = StringKernel::Spectrum { k: 2, normalize: false };
    let model = kern::solvers::gp::FixedGpModel::fit(kernel, x, &y, &Default::default(), Par::Seq).unwrap();
    assert!((model.noise - noise).abs() <= 1e-9 * noise && (model.amplitude - amplitude).abs() <= 1e-9 * amplitude);
    let t = read_sequences(&test_path, None, &SequenceOptions::default()).unwrap().x;
    let p = model.predict(&t, Par::Seq).unwrap();
    for (row, (m, s)) in rows.iter().zip(p.mean.iter().zip(&p.std_with_noise)) {
        assert!((row[0] - m).abs() <= 1e-9 * m.abs().max(1.0) && (row[1] - s).abs() <= 1e-9 * s.max(1.0));
    }
    // The same model takes given hyperparameters.
    let held = kern(
        dir.path(),
        &["fit", "train.fa", "--task", "gp", "--kernel", "spectrum", "--amplitude", "2", "--noise", "0.5", "--json"],
    );
    assert_eq!(json(&held)["hyperparameters"]["noise"], 0.5);
    assert_eq!(json(&held)["hyperparameters"]["amplitude"], 2.0);
    // --std needs a GP regression.
    let svm = kern(dir.path(), &["fit", "train.fa", "--task", "svr", "--kernel", "spectrum", "-o", "svr.model"]);
    assert!(svm.status.success());
    let std = kern(dir.path(), &["predict", "svr.model", "test.fa", "--std"]);
    assert_one_line_error(&std, &["svr.model", "--std"]);
}

#[test]
fn tu_folders_read_and_graph_kernels_classify_rings_from_chains() {
    let dir = scratch();
    let (train, train_y) = rings_and_chains(80, 4);
    let (test, test_y) = rings_and_chains(40, 5);
    write_tu(dir.path(), "TRAIN", &train, &train_y);
    write_tu(dir.path(), "TEST", &test, &test_y);
    let read = read_tu(&dir.path().join("TRAIN")).unwrap();
    assert_eq!(read.x.len(), 80);
    assert_eq!(read.x.get(0).n_nodes(), train[0].0.len());
    assert_eq!(read.x.get(0).neighbours(0).len(), 2, "a ring node has two neighbours (both directions kept once)");
    for kernel in [&["wl", "--h", "3"][..], &["sp"], &["rw"]] {
        let mut args = vec!["fit", "TRAIN", "-o", "g.model", "-c", "10", "--kernel"];
        args.extend_from_slice(kernel);
        let fit = kern(dir.path(), &args);
        assert!(fit.status.success(), "{kernel:?}: {}", common::stderr(&fit));
        let pred = kern(dir.path(), &["predict", "g.model", "TEST", "-o", "p.txt", "--json"]);
        assert!(pred.status.success(), "{}", common::stderr(&pred));
        let accuracy = json(&pred)["accuracy"].as_f64().unwrap();
        // A ring has no ends: WL and SP see it at once; so do walks (degree sequences).
        assert!(accuracy > 0.9, "{kernel:?}: accuracy {accuracy}");
    }
    // The model's predictions equal the library's.
    let model = kern::model::load_model(&dir.path().join("g.model")).unwrap();
    let kern::model::Estimator::Graphs(kern::model::Machine::Svm { model, .. }) = model.estimator else {
        panic!("a graph SVM")
    };
    let t = read_tu(&dir.path().join("TEST")).unwrap();
    let values = model.decision_values(&t.x, Par::Seq);
    assert_eq!(values.nrows(), 40);
    assert!(matches!(model.kernel, GraphKernel::RandomWalk { .. }));
    // Kernel ridge on graphs with numeric targets, and cv.
    let krr = kern(
        dir.path(),
        &["cv", "TRAIN", "--task", "krr", "--alpha", "auto", "--kernel", "wl", "--folds", "4", "--json"],
    );
    assert!(krr.status.success(), "{}", common::stderr(&krr));
    assert!(json(&krr)["r2"].as_f64().unwrap() > 0.5);
    // GP classification on graphs (±1 labels are classes), with probabilities.
    let gpc = kern(dir.path(), &["fit", "TRAIN", "--task", "gp", "--kernel", "wl", "--h", "3", "-o", "gp.model"]);
    assert!(gpc.status.success(), "{}", common::stderr(&gpc));
    let pred = kern(dir.path(), &["predict", "gp.model", "TEST", "--proba", "-o", "p.txt", "--json"]);
    assert!(pred.status.success(), "{}", common::stderr(&pred));
    assert!(json(&pred)["accuracy"].as_f64().unwrap() > 0.9);
    let text = std::fs::read_to_string(dir.path().join("p.txt")).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("labels "));
    for line in lines {
        let p: Vec<f64> = line.split_whitespace().skip(1).map(|v| v.parse().unwrap()).collect();
        assert!(p.len() == 2 && (p[0] + p[1] - 1.0).abs() < 1e-9, "{line}");
    }
    let info = kern(dir.path(), &["info", "gp.model", "--json"]);
    assert_eq!(json(&info)["task"], "gpc");
}

#[test]
fn malformed_tu_folders_are_refused_with_file_and_line() {
    let dir = scratch();
    let (graphs, labels) = rings_and_chains(4, 6);
    let cases: [(&str, &str, &str, &[&str]); 5] = [
        ("RAGGED", "A", "1, 2, 3\n", &["RAGGED_A.txt:1:", "3 fields"]),
        ("RANGE", "A", "1, 999\n", &["RANGE_A.txt:1:", "node 999"]),
        ("ACROSS", "A", "1, 13\n", &["ACROSS_A.txt:1:", "joins graph 1"]),
        ("COUNT", "node_labels", "1\n2\n", &["COUNT_node_labels.txt", "2 node labels"]),
        ("BADID", "graph_indicator", "x\n", &["BADID_graph_indicator.txt:1:", "\"x\""]),
    ];
    for (name, file, content, needles) in cases {
        write_tu(dir.path(), name, &graphs, &labels);
        std::fs::write(dir.path().join(name).join(format!("{name}_{file}.txt")), content).unwrap();
        let out = kern(dir.path(), &["fit", name, "--kernel", "wl"]);
        assert_one_line_error(&out, needles);
    }
    let not_tu = kern(dir.path(), &["fit", ".", "--kernel", "wl"]);
    assert_one_line_error(&not_tu, &["not a TU data-set folder"]);
    write_tu(dir.path(), "GOOD", &graphs, &labels);
    let too_big = kern(dir.path(), &["fit", "GOOD", "--kernel", "rw", "--lambda", "0.9"]);
    assert_one_line_error(&too_big, &["lambda"]);
}

#[test]
fn reference_data_reads_as_documented() {
    let Some(strings) = shared_data("strings") else { return };
    let splice = read_sequences(&strings.join("uci_splice.csv"), None, &SequenceOptions::default()).unwrap();
    assert_eq!(splice.x.len(), 3190);
    let kern::io::Labels::Text { classes, codes, .. } = splice.labels.unwrap() else { panic!("text labels") };
    assert_eq!(classes, vec!["EI", "IE", "N"]);
    assert_eq!(codes.iter().filter(|&&c| c == 2).count(), 1655);
    assert!(splice.x.iter().all(|s| s.len() == 60));
    let promoters = read_sequences(&strings.join("uci_promoters.data"), None, &SequenceOptions::default()).unwrap();
    assert_eq!(promoters.x.len(), 106);
    assert!(promoters.x.iter().all(|s| s.len() == 57));
    let Some(tu) = shared_data("tu") else { return };
    for (name, graphs, nodes) in [("MUTAG", 188, 3371), ("PTC_MR", 344, 4915), ("ENZYMES", 600, 19580)] {
        let d = read_tu(&tu.join(name)).unwrap();
        assert_eq!(d.x.len(), graphs);
        assert_eq!(d.x.iter().map(|g| g.n_nodes()).sum::<usize>(), nodes);
        assert_eq!(d.labels.unwrap().len(), graphs);
        let k = kern::gram_matrix(&GraphKernel::WeisfeilerLehman { h: 5, normalize: true }, &d.x, Par::Seq);
        assert!((0..graphs).all(|i| (k[(i, i)] - 1.0).abs() < 1e-12));
    }
    let _ = Graphs::default();
}
