//! Per-sample weights as they are read: `--weights FILE` (one number per
//! line, in the data's order) or a CSV column (`--weight-col`).

use std::io::BufRead;
use std::path::Path;

use crate::error::{DataErrorKind, Error, ParseErrorKind, Result};

/// Reads a weight, field `field` of its line: a non-negative, finite number.
pub fn check_weight(text: &str, field: usize) -> std::result::Result<f64, ParseErrorKind> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(w) if w.is_finite() && w >= 0.0 => Ok(w),
        Ok(_) => Err(ParseErrorKind::BadWeight { field, text: text.to_string() }),
        Err(_) if text.is_empty() => Err(ParseErrorKind::Missing { field }),
        Err(_) => Err(ParseErrorKind::NotANumber { field, text: text.to_string() }),
    }
}

/// Reads a weights file: one non-negative number per line, `n` lines when
/// `n` is given (the samples they weigh).
///
/// ```no_run
/// let w = kern::io::read_weights("weights.txt".as_ref(), Some(270))?;
/// assert_eq!(w.len(), 270);
/// # Ok::<(), kern::Error>(())
/// ```
pub fn read_weights(path: &Path, n: Option<usize>) -> Result<Vec<f64>> {
    read_weight_lines(path, n, 0..usize::MAX)
}

/// The weights on lines `rows` (0-based) of a file that must hold `n` lines
/// when given: the rows one process of several holds. Only those lines are
/// parsed and kept; the rest are counted.
pub fn read_weight_lines(path: &Path, n: Option<usize>, rows: std::ops::Range<usize>) -> Result<Vec<f64>> {
    let io_err = |source| Error::Io { file: path.to_path_buf(), source };
    let reader = std::io::BufReader::new(std::fs::File::open(path).map_err(io_err)?);
    let (mut weights, mut lines) = (Vec::new(), 0);
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => {
                Error::Parse { file: path.to_path_buf(), line: i + 1, kind: ParseErrorKind::NotUtf8 }
            }
            _ => io_err(e),
        })?;
        lines += 1;
        // Past the samples, only count: a long file is an error, not an allocation.
        if n.is_some_and(|n| lines > n) || !rows.contains(&i) {
            continue;
        }
        let w = check_weight(&line, 1).map_err(|kind| Error::Parse { file: path.to_path_buf(), line: i + 1, kind })?;
        weights.push(w);
    }
    if let Some(expected) = n
        && lines != expected
    {
        let kind = DataErrorKind::CountMismatch { what: "weights (lines)", got: lines, expected };
        return Err(Error::Data { file: path.to_path_buf(), kind });
    }
    Ok(weights)
}
