//! The LibSVM and CSV readers: what they accept, and an error that names the
//! file, the line and the field for everything they reject.

mod common;

use common::{scratch, write};
use kern::io::{Format, LabelCol, Labels, ReadOptions, read_data};
use kern::{Error, Row, Storage};

fn opts() -> ReadOptions<'static> {
    ReadOptions { require_labels: true, ..Default::default() }
}

fn read_err(name: &str, content: &str, options: &ReadOptions<'_>) -> String {
    let dir = scratch();
    let path = write(dir.path(), name, content);
    let err = read_data(&path, options).expect_err("should be rejected").to_string();
    assert!(err.contains(name), "error {err:?} does not name the file");
    err
}

#[test]
fn libsvm_reads_labels_comments_qid_and_sparse_rows() {
    let dir = scratch();
    let text = "# a comment line\n+1 1:0.5 3:-2 # trailing comment\n\n-1 qid:7 2:1e-3\n2.5 4:0\n";
    let path = write(dir.path(), "a.libsvm", text);
    let data = read_data(&path, &opts()).unwrap();
    assert_eq!(data.format, Format::Libsvm);
    assert_eq!((data.x.n_samples(), data.x.n_features()), (3, 4));
    assert_eq!(data.labels, Some(Labels::Numeric(vec![1.0, -1.0, 2.5])));
    let dense: Vec<Vec<f64>> = (0..3)
        .map(|i| {
            let mut v = vec![0.0; 4];
            data.x.row(i).zip_with(&Row::Dense(&[0.0; 4]), |j, x, _| v[j] = x);
            v
        })
        .collect();
    assert_eq!(dense, vec![vec![0.5, 0.0, -2.0, 0.0], vec![0.0, 1e-3, 0.0, 0.0], vec![0.0; 4]]);
}

#[test]
fn libsvm_width_is_the_largest_index_unless_given() {
    let dir = scratch();
    let path = write(dir.path(), "w.txt", "1 2:1\n0 5:1\n");
    assert_eq!(read_data(&path, &opts()).unwrap().x.n_features(), 5);
    let wide = ReadOptions { n_features: Some(9), ..opts() };
    assert_eq!(read_data(&path, &wide).unwrap().x.n_features(), 9);
    let narrow = ReadOptions { n_features: Some(4), ..opts() };
    let err = read_data(&path, &narrow).unwrap_err().to_string();
    assert!(err.contains("w.txt:2:") && err.contains("field 2") && err.contains("beyond the 4 features"), "{err}");
}

#[test]
fn libsvm_huge_index_is_a_small_sparse_row_not_a_huge_allocation() {
    let dir = scratch();
    let path = write(dir.path(), "big.libsvm", "1 1:1 4000000000:2\n-1 2:1\n");
    let data = read_data(&path, &opts()).unwrap();
    assert_eq!(data.x.n_features(), 4_000_000_000);
    assert!(matches!(data.x.storage(), Storage::Sparse(_)));
    assert_eq!(data.x.stored_values(), 3);
    let err = read_err("toobig.libsvm", "1 5000000000:1\n", &opts());
    assert!(err.contains(":1:") && err.contains("field 2"), "{err}");
}

#[test]
fn libsvm_dense_enough_data_is_stored_dense() {
    let dir = scratch();
    let path = write(dir.path(), "d.libsvm", "1 1:1 2:2 3:3\n0 1:4 3:6\n");
    assert!(matches!(read_data(&path, &opts()).unwrap().x.storage(), Storage::Dense(_)));
}

#[test]
fn libsvm_errors_name_file_line_and_field() {
    let cases: &[(&str, &[&str])] = &[
        ("1 1:1\n1 0:3\n", &[":2:", "field 2", "start at 1"]),
        ("1 1:1 3:2 2:5\n", &[":1:", "field 4", "strictly ascending"]),
        ("1 1:1 1:2\n", &[":1:", "field 3", "does not come after 1"]),
        ("1 1:abc\n", &[":1:", "field 2", "not a number"]),
        ("1 1:nan\n", &[":1:", "field 2", "not a finite number"]),
        ("1 1:inf\n", &[":1:", "field 2", "not a finite number"]),
        ("1 1:\n", &[":1:", "field 2", "empty"]),
        ("1 x:1\n", &[":1:", "field 2", "not an integer"]),
        ("1 -3:1\n", &[":1:", "field 2", "not an integer"]),
        ("1 1:2 7\n", &[":1:", "field 3", "index:value"]),
        ("cat 1:2\n", &[":1:", "field 1", "not a number"]),
        ("1 1:1\n2:1\n", &[":2:", "no label"]),
        ("1 1:1\n2 2:1\n1 3:1 2:", &[":3:", "field 3"]),
    ];
    for (content, needles) in cases {
        let err = read_err("bad.libsvm", content, &opts());
        for n in *needles {
            assert!(err.contains(n), "{content:?}: error {err:?} lacks {n:?}");
        }
    }
    let err = read_err("empty.libsvm", "", &opts());
    assert!(err.contains("no data rows"), "{err}");
    let err = read_err("comments.libsvm", "# nothing\n\n", &opts());
    assert!(err.contains("no data rows"), "{err}");
}

#[test]
fn libsvm_rejects_bytes_that_are_not_utf8() {
    let dir = scratch();
    let path = write(dir.path(), "bin.libsvm", b"1 1:1\n\xff\xfe 2:1\n");
    let err = read_data(&path, &opts()).unwrap_err().to_string();
    assert!(err.contains("bin.libsvm:2:") && err.contains("UTF-8"), "{err}");
}

#[test]
fn csv_detects_header_label_column_and_string_classes() {
    let dir = scratch();
    let path = write(dir.path(), "iris.csv", "sepal,petal,Class\n1.0,2.0,setosa\n3, 4 ,versicolor\n5,6,setosa\n");
    let data = read_data(&path, &opts()).unwrap();
    assert_eq!((data.x.n_samples(), data.x.n_features()), (3, 2));
    let Some(Labels::Text { classes, codes, first_text }) = data.labels else { panic!("text labels") };
    assert_eq!(classes, ["setosa", "versicolor"]);
    assert_eq!(codes, [0, 1, 0]);
    assert_eq!(first_text, (2, "setosa".to_string()));
    let schema = data.csv.unwrap();
    assert_eq!(schema.label, Some(2));
    assert_eq!(schema.feature_names().unwrap(), ["sepal", "petal"]);
}

#[test]
fn csv_without_header_takes_the_last_column_and_label_col_overrides() {
    let dir = scratch();
    let path = write(dir.path(), "plain.csv", "1,2,3\n4,5,6\n");
    let data = read_data(&path, &opts()).unwrap();
    assert!(data.csv.as_ref().unwrap().header.is_none());
    assert_eq!(data.labels, Some(Labels::Numeric(vec![3.0, 6.0])));
    let first = ReadOptions { label_col: Some(LabelCol::Index(0)), ..opts() };
    let data = read_data(&path, &first).unwrap();
    assert_eq!(data.labels, Some(Labels::Numeric(vec![1.0, 4.0])));
    let Storage::Dense(m) = data.x.storage() else { panic!("dense") };
    assert_eq!(m.values(), &[2.0, 3.0, 5.0, 6.0]);

    let named = write(dir.path(), "named.csv", "a;target;b\n1;10;2\n3;30;4\n");
    let data = read_data(&named, &opts()).unwrap();
    assert_eq!(data.labels, Some(Labels::Numeric(vec![10.0, 30.0])));
    let by_name = ReadOptions { label_col: Some(LabelCol::Name("b".into())), ..opts() };
    assert_eq!(read_data(&named, &by_name).unwrap().labels, Some(Labels::Numeric(vec![2.0, 4.0])));
}

#[test]
fn csv_errors_name_file_line_and_field() {
    let cases: &[(&str, &[&str])] = &[
        ("a,b,y\n1,2,3\n4,5\n", &[":3:", "2 fields", "first row has 3"]),
        ("a,b,y\n1,2,3\n4,5,6,7\n", &[":3:", "4 fields"]),
        ("a,b,y\n1,,3\n", &[":2:", "field 2", "empty"]),
        ("a,b,y\n1,x,3\n", &[":2:", "field 2", "not a number"]),
        ("a,b,y\n1,NaN,3\n", &[":2:", "field 2", "not a finite"]),
        ("a,b,y\n1,-inf,3\n", &[":2:", "field 2", "not a finite"]),
        ("a,b,y\n1,2,\n", &[":2:", "field 3", "empty"]),
        ("a,b,y\n", &["header line but no data rows"]),
        ("", &["no data rows"]),
        ("y\n1\n", &["no feature columns"]),
    ];
    for (content, needles) in cases {
        let err = read_err("bad.csv", content, &opts());
        for n in *needles {
            assert!(err.contains(n), "{content:?}: error {err:?} lacks {n:?}");
        }
    }
    let missing = ReadOptions { label_col: Some(LabelCol::Name("price".into())), ..opts() };
    let err = read_err("cols.csv", "a,b\n1,2\n", &missing);
    assert!(err.contains("no column \"price\"") && err.contains("a, b"), "{err}");
    let out_of_range = ReadOptions { label_col: Some(LabelCol::Index(5)), ..opts() };
    assert!(read_err("cols.csv", "1,2\n", &out_of_range).contains("no column \"5\""));
}

#[test]
fn numeric_labels_among_class_names_are_canonical() {
    let dir = scratch();
    let path = write(dir.path(), "mixed.csv", "x,y\n1,1.0\n2,b\n3,1\n4,+1e0\n5,b\n");
    let Some(Labels::Text { classes, codes, .. }) = read_data(&path, &opts()).unwrap().labels else {
        panic!("classes")
    };
    assert_eq!(classes, ["1", "b"]);
    assert_eq!(codes, [0, 1, 0, 0, 1]);
}

#[test]
fn non_numeric_labels_are_an_error_only_where_numbers_are_needed() {
    let dir = scratch();
    let path = write(dir.path(), "cls.csv", "x,y\n1,2.5\n2,high\n3,1\n");
    let data = read_data(&path, &opts()).unwrap();
    let err = data.labels.unwrap().numeric(&path).unwrap_err();
    assert!(matches!(err, Error::Parse { line: 3, .. }), "{err}");
    assert!(err.to_string().contains("cls.csv:3:") && err.to_string().contains("\"high\""));
}

#[test]
fn missing_files_and_directories_are_io_errors() {
    let dir = scratch();
    let err = read_data(&dir.path().join("nope.csv"), &opts()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }) && err.to_string().contains("nope.csv"));
    let err = read_data(dir.path(), &opts()).unwrap_err();
    assert!(err.to_string().contains("directory"), "{err}");
}

#[test]
fn format_is_detected_from_content_when_the_name_says_nothing() {
    let dir = scratch();
    let libsvm = write(dir.path(), "data.txt", "# c\n1 1:2\n");
    assert_eq!(read_data(&libsvm, &opts()).unwrap().format, Format::Libsvm);
    let csv = write(dir.path(), "data.dat", "1,2\n3,4\n");
    assert_eq!(read_data(&csv, &opts()).unwrap().format, Format::Csv);
    let err = read_err("prose.dat", "hello world\n", &opts());
    assert!(err.contains("--format"), "{err}");
}

#[test]
fn shared_heart_scale_and_a9a_test_read_as_published() {
    let Some(dir) = common::shared_data("libsvm") else { return };
    let heart = read_data(&dir.join("heart_scale"), &opts()).unwrap();
    assert_eq!((heart.x.n_samples(), heart.x.n_features()), (270, 13));
    let Some(Labels::Numeric(y)) = heart.labels else { panic!("numeric labels") };
    assert_eq!((y.iter().filter(|&&v| v == 1.0).count(), y.iter().filter(|&&v| v == -1.0).count()), (120, 150));
    // a9a.t's first line ends in `123:0`: an explicit zero at the last index.
    let a9a = read_data(&dir.join("a9a.t"), &opts()).unwrap();
    assert_eq!((a9a.x.n_samples(), a9a.x.n_features()), (16_281, 123));
    assert!(a9a.x.is_sparse());
}
