//! Delimited text: a header line when the first row looks like one, a label
//! column chosen by name or index, numeric features.

use std::io::BufRead;
use std::path::Path;

use kern_kernels::{DataSet, DenseMatrix};
use serde::{Deserialize, Serialize};

use super::weights::check_weight;
use super::{Format, LabelBuilder, LabelCol, Loaded, ReadOptions, parse_number};
use crate::error::{DataErrorKind, Error, ParseErrorKind, Result};

/// How the columns of a training CSV were laid out, stored in the model so
/// that `kern predict` reads new files the same way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CsvSchema {
    /// Column names, when the file has a header.
    pub header: Option<Vec<String>>,
    /// The label column.
    pub label: Option<usize>,
    /// Number of columns, label included.
    pub n_columns: usize,
    /// The field separator.
    pub delimiter: u8,
}

impl CsvSchema {
    /// Names of the feature columns, in order, when the file had a header.
    pub fn feature_names(&self) -> Option<Vec<&str>> {
        let header = self.header.as_ref()?;
        Some(header.iter().enumerate().filter(|&(j, _)| Some(j) != self.label).map(|(_, h)| h.as_str()).collect())
    }
}

/// Column names recognised as the label when `--label-col` is not given.
const LABEL_NAMES: [&str; 4] = ["label", "target", "class", "y"];

/// Picks the separator that occurs most on the first data line.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let text = String::from_utf8_lossy(head);
    let line = text.lines().find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')).unwrap_or("");
    [b',', b';', b'\t'].into_iter().max_by_key(|&d| line.bytes().filter(|&b| b == d).count()).unwrap_or(b',')
}

fn is_number(field: &str) -> bool {
    field.parse::<f64>().is_ok()
}

/// Reads delimited text; with `borrowed_first`, the first line is the
/// file's, put before a share of its lines: a header is read as usual, a
/// first row is not kept.
pub(super) fn read(
    path: &Path,
    mut reader: impl BufRead,
    options: &ReadOptions<'_>,
    borrowed_first: bool,
) -> Result<Loaded> {
    let file = || path.to_path_buf();
    let io_err = |source| Error::Io { file: file(), source };
    let delimiter = match options.schema {
        Some(s) => s.delimiter,
        None => sniff_delimiter(reader.fill_buf().map_err(io_err)?),
    };
    let mut csv = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .comment(Some(b'#'))
        .delimiter(delimiter)
        .from_reader(reader);
    let mut records = csv.records().map(|r| {
        r.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            match e.into_kind() {
                ::csv::ErrorKind::Io(source) => Error::Io { file: file(), source },
                _ => Error::Parse { file: file(), line, kind: ParseErrorKind::NotUtf8 },
            }
        })
    });
    let line_of = |r: &::csv::StringRecord| r.position().map_or(0, |p| p.line() as usize);

    let Some(first) = records.next().transpose()? else {
        return Err(Error::Data { file: file(), kind: DataErrorKind::Empty });
    };
    let second = records.next().transpose()?;
    let fields = |r: &::csv::StringRecord| -> Vec<String> {
        r.iter().map(|f| f.trim_start_matches('\u{feff}').to_string()).collect()
    };
    let row1 = fields(&first);
    let has_header = row1.iter().all(|f| !is_number(f))
        || second.as_ref().is_some_and(|r2| row1.iter().zip(r2.iter()).any(|(a, b)| !is_number(a) && is_number(b)));
    let header = has_header.then_some(row1);
    let n_columns = first.len();

    let (mut feature_cols, label_col) = choose_columns(path, header.as_deref(), n_columns, options)?;
    let weight_col = weight_column(path, header.as_deref(), n_columns, options, label_col)?;
    feature_cols.retain(|&j| Some(j) != weight_col);
    if feature_cols.is_empty() {
        return Err(Error::Data { file: file(), kind: DataErrorKind::NoFeatures });
    }
    if let Some(expected) = options.n_features
        && feature_cols.len() != expected
    {
        return Err(Error::Data {
            file: file(),
            kind: DataErrorKind::WidthMismatch { got: feature_cols.len(), expected },
        });
    }
    if options.require_labels && label_col.is_none() {
        return Err(Error::Data { file: file(), kind: DataErrorKind::NoLabels });
    }

    let data_rows =
        (!has_header && !borrowed_first).then_some(Ok(first)).into_iter().chain(second.map(Ok)).chain(records);
    let mut values = Vec::new();
    let mut labels = LabelBuilder::new();
    let mut weights = Vec::new();
    let mut n_rows = 0;
    for record in data_rows {
        let record = record?;
        let line = line_of(&record);
        let parse_err = |kind| Error::Parse { file: file(), line, kind };
        if record.len() != n_columns {
            return Err(parse_err(ParseErrorKind::Ragged { expected: n_columns, got: record.len() }));
        }
        for &j in &feature_cols {
            values.push(parse_number(&record[j], j + 1).map_err(parse_err)?);
        }
        if let Some(j) = label_col {
            if record[j].is_empty() {
                return Err(parse_err(ParseErrorKind::Missing { field: j + 1 }));
            }
            labels.push(&record[j], line);
        }
        if let Some(j) = weight_col {
            weights.push(check_weight(&record[j], j + 1).map_err(parse_err)?);
        }
        n_rows += 1;
    }
    if n_rows == 0 {
        let kind = if has_header { DataErrorKind::HeaderOnly } else { DataErrorKind::Empty };
        return Err(Error::Data { file: file(), kind });
    }
    let x = DataSet::from(
        DenseMatrix::new(n_rows, feature_cols.len(), values).expect("finite values of equal-length rows"),
    );
    let schema = without_column(CsvSchema { header, label: label_col, n_columns, delimiter }, weight_col);
    let labels = label_col.map(|_| labels.finish());
    let weights = weight_col.map(|_| weights);
    Ok(Loaded { x, labels, format: Format::Csv, csv: Some(schema), weights })
}

/// The `--weight-col` column, by name or index; never the label column.
fn weight_column(
    path: &Path,
    header: Option<&[String]>,
    n_columns: usize,
    options: &ReadOptions<'_>,
    label: Option<usize>,
) -> Result<Option<usize>> {
    let Some(col) = &options.weight_col else { return Ok(None) };
    let available =
        || header.map_or_else(|| format!("0..{} (no header)", n_columns.saturating_sub(1)), |h| h.join(", "));
    let j = match col {
        LabelCol::Index(j) if *j < n_columns => Some(*j),
        LabelCol::Index(_) => None,
        LabelCol::Name(name) => header.and_then(|h| h.iter().position(|c| c.eq_ignore_ascii_case(name))),
    };
    let column = match col {
        LabelCol::Index(j) => j.to_string(),
        LabelCol::Name(n) => n.clone(),
    };
    let Some(j) = j else {
        let kind = DataErrorKind::NoSuchColumn { column, available: available() };
        return Err(Error::Data { file: path.to_path_buf(), kind });
    };
    if Some(j) == label {
        return Err(Error::Data { file: path.to_path_buf(), kind: DataErrorKind::WeightIsLabel { column: j } });
    }
    Ok(Some(j))
}

/// The layout a model keeps: the features and the label, without the
/// weight column (new data to predict need not carry weights).
fn without_column(schema: CsvSchema, column: Option<usize>) -> CsvSchema {
    let Some(w) = column else { return schema };
    let header = schema.header.map(|h| h.into_iter().enumerate().filter(|&(j, _)| j != w).map(|(_, c)| c).collect());
    let label = schema.label.map(|l| if l > w { l - 1 } else { l });
    CsvSchema { header, label, n_columns: schema.n_columns - 1, delimiter: schema.delimiter }
}

/// Decides which columns are features and which one is the label.
fn choose_columns(
    path: &Path,
    header: Option<&[String]>,
    n_columns: usize,
    options: &ReadOptions<'_>,
) -> Result<(Vec<usize>, Option<usize>)> {
    let no_such = |column: String| Error::Data {
        file: path.to_path_buf(),
        kind: DataErrorKind::NoSuchColumn {
            column,
            available: header
                .map_or_else(|| format!("0..{} (no header)", n_columns.saturating_sub(1)), |h| h.join(", ")),
        },
    };
    let find = |name: &str| {
        header.and_then(|h| {
            h.iter().position(|c| c == name).or_else(|| h.iter().position(|c| c.eq_ignore_ascii_case(name)))
        })
    };
    let others = |label: Option<usize>| (0..n_columns).filter(|&j| Some(j) != label).collect::<Vec<_>>();

    if let Some(schema) = options.schema {
        // Predict time: match the training layout, by name when both files have a header.
        if let (Some(train_header), Some(_)) = (&schema.header, header)
            && let Some(train_features) = schema.feature_names()
            && let Some(cols) = train_features.iter().map(|f| find(f)).collect::<Option<Vec<_>>>()
        {
            let label = schema.label.and_then(|l| find(&train_header[l]));
            return Ok((cols, label));
        }
        return match schema.label {
            Some(l) if n_columns == schema.n_columns => Ok((others(Some(l)), Some(l))),
            Some(_) if n_columns + 1 == schema.n_columns => Ok((others(None), None)),
            None if n_columns == schema.n_columns => Ok((others(None), None)),
            _ => Err(Error::Data {
                file: path.to_path_buf(),
                kind: DataErrorKind::WidthMismatch {
                    got: n_columns,
                    expected: schema.n_columns - usize::from(schema.label.is_some()),
                },
            }),
        };
    }
    // A model trained on LibSVM data predicting a CSV: with no --label-col,
    // a file exactly as wide as the model has no label column.
    if let (Some(n), None) = (options.n_features, &options.label_col) {
        if n_columns == n {
            return Ok((others(None), None));
        }
        if n.checked_add(1) != Some(n_columns) {
            return Err(Error::Data {
                file: path.to_path_buf(),
                kind: DataErrorKind::ColumnMismatch { got: n_columns, n_features: n },
            });
        }
    }
    let label = match &options.label_col {
        Some(LabelCol::Index(j)) if *j < n_columns => *j,
        Some(LabelCol::Index(j)) => return Err(no_such(j.to_string())),
        Some(LabelCol::Name(name)) => find(name).ok_or_else(|| no_such(name.clone()))?,
        None => LABEL_NAMES.iter().find_map(|n| find(n)).unwrap_or(n_columns - 1),
    };
    Ok((others(Some(label)), Some(label)))
}
