//! The LibSVM / SVMlight text format: `label index:value index:value ...`.
//!
//! Indices are 1-based (0-based for precomputed-kernel rows, where index 0
//! holds the sample's number) and strictly ascending; `qid:` tokens are ignored; `#`
//! starts a comment; blank lines are skipped. Rows are stored sparse, and
//! densified when at least 30 % of the values are non-zero (the dense copy is
//! then at most about three times what the file holds).

use std::io::BufRead;
use std::path::Path;

use kern_kernels::{DataSet, SparseMatrix};

use super::{Format, LabelBuilder, Loaded, ReadOptions, for_each_line, parse_number, truncate};
use crate::error::{DataErrorKind, Error, ParseErrorKind, Result};

/// Most columns the `u32` column indices of the sparse rows can address.
const MAX_INDEX: u64 = 1 << 32;

/// Fraction of non-zeros above which rows are stored dense.
pub(crate) const DENSE_FRACTION: f64 = 0.3;

pub(super) fn read(path: &Path, reader: impl BufRead, options: &ReadOptions<'_>) -> Result<Loaded> {
    if options.weight_col.is_some() {
        return Err(crate::error::Error::Usage(format!(
            "--weight-col: {} is a LibSVM file, which has no columns: give the weights in a file of their own (--weights FILE)",
            path.display()
        )));
    }
    // Column of index i is i − base.
    let base = u64::from(!options.precomputed);
    let limit = options.n_features.filter(|_| !options.widen).map_or(MAX_INDEX, |n| n as u64);
    let mut rows = SparseMatrix::with_cols(MAX_INDEX as usize);
    let mut labels = LabelBuilder::new();
    let (mut labelled, mut unlabelled) = (0usize, None::<usize>);
    let mut indices: Vec<u32> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    // The width counts explicit zeros too (a9a.t's first line ends in `123:0`).
    let mut width = 0u64;
    for_each_line(path, reader, |line_no, bytes| {
        let parse_err = |kind| Error::Parse { file: path.to_path_buf(), line: line_no, kind };
        let text = std::str::from_utf8(bytes).map_err(|_| parse_err(ParseErrorKind::NotUtf8))?;
        let text = text.split('#').next().unwrap_or("");
        let mut tokens = text.split_ascii_whitespace().peekable();
        let Some(&first) = tokens.peek() else {
            return Ok(());
        };
        if first.contains(':') {
            if options.require_labels {
                return Err(parse_err(ParseErrorKind::MissingLabel));
            }
            unlabelled.get_or_insert(line_no);
        } else {
            tokens.next();
            parse_number(first, 1).map_err(parse_err)?;
            labels.push(first, line_no);
            labelled += 1;
        }
        indices.clear();
        values.clear();
        let mut previous = None::<u64>;
        for (k, token) in tokens.enumerate() {
            let field = k + 2;
            let Some((index, value)) = token.split_once(':') else {
                return Err(parse_err(ParseErrorKind::NotAPair { field, text: truncate(token) }));
            };
            if index == "qid" {
                continue;
            }
            let index: u64 = match index.parse() {
                Ok(0) if base == 1 => return Err(parse_err(ParseErrorKind::IndexZero { field })),
                Ok(i) if i < MAX_INDEX + base => i,
                _ => {
                    return Err(parse_err(ParseErrorKind::BadIndex { field, text: truncate(index) }));
                }
            };
            if let Some(previous) = previous.filter(|&p| index <= p) {
                return Err(parse_err(ParseErrorKind::IndexNotAscending { field, index, previous }));
            }
            if index + 1 - base > limit {
                return Err(parse_err(ParseErrorKind::IndexBeyondWidth {
                    field,
                    index,
                    n_features: options.n_features.unwrap_or(0),
                }));
            }
            previous = Some(index);
            width = width.max(index + 1 - base);
            indices.push((index - base) as u32);
            values.push(parse_number(value, field).map_err(parse_err)?);
        }
        rows.push_row(&indices, &values).expect("indices checked ascending, in range and finite");
        Ok(())
    })?;
    if rows.n_rows() == 0 {
        return Err(Error::Data { file: path.to_path_buf(), kind: DataErrorKind::Empty });
    }
    if let (Some(line), true) = (unlabelled, labelled > 0) {
        // Some rows have labels and some do not: the unlabelled one is the error.
        return Err(Error::Parse { file: path.to_path_buf(), line, kind: ParseErrorKind::MissingLabel });
    }
    rows.fit_n_cols();
    let width = options.n_features.map_or(width as usize, |n| if options.widen { n.max(width as usize) } else { n });
    rows.set_n_cols(width).expect("indices checked against the width");
    let n_cells = rows.n_rows() as f64 * rows.n_cols() as f64;
    let x = DataSet::from(rows);
    let shared = options.share.is_some_and(|s| s.count > 1);
    let x = if !shared && x.stored_values() as f64 >= DENSE_FRACTION * n_cells { x.to_dense() } else { x };
    let labels = (labelled > 0).then(|| labels.finish());
    Ok(Loaded { x, labels, format: Format::Libsvm, csv: None, weights: None })
}
