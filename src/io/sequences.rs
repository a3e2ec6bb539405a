//! Reading sequences: FASTA (the label is `label=X` in the header, else its
//! last token) and sequence CSV (a header naming a `sequence` column, or no
//! header: the label first and the sequence last, as UCI's promoters).

use std::path::Path;

use kern_kernels::Sequences;
use serde::{Deserialize, Serialize};

use super::{Format, LabelBuilder, Labels, for_each_line};
use crate::error::{DataErrorKind, Error, ParseErrorKind, Result};

/// How to read sequences; a model stores it so that `kern predict` reads
/// new sequences the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    /// The sequence CSV's sequence column: a header name or a 0-based index
    /// (default: the column named `sequence`, else the last).
    pub seq_col: Option<String>,
    /// The label column (default: one named label, class, target or y, else
    /// the first of a file without a header).
    pub label_col: Option<String>,
    /// Upper-case every letter (DNA and protein files mix cases).
    pub fold_case: bool,
}

/// Sequences read from a file.
#[derive(Clone, Debug)]
pub struct LoadedSequences {
    /// The sequences.
    pub x: Sequences,
    /// Their labels, when the file has them.
    pub labels: Option<Labels>,
    /// [`Format::Fasta`] or [`Format::SeqCsv`].
    pub format: Format,
}

/// Reads a FASTA or sequence-CSV file (`format`, else detected: FASTA when
/// the first non-blank character is `>`).
///
/// ```
/// use kern::io::{read_sequences_bytes, SequenceOptions};
/// let fasta = b">s1 label=+\nACGT\nAC\n>s2 -\nGGTT\n";
/// let data = read_sequences_bytes("mem.fa".as_ref(), fasta, None, &SequenceOptions::default())?;
/// assert_eq!(data.x.get(0), b"ACGTAC");
/// assert_eq!(data.labels.unwrap().len(), 2);
/// # Ok::<(), kern::Error>(())
/// ```
pub fn read_sequences_bytes(
    path: &Path,
    bytes: &[u8],
    format: Option<Format>,
    options: &SequenceOptions,
) -> Result<LoadedSequences> {
    let fasta = match format {
        Some(Format::Fasta) => true,
        Some(Format::SeqCsv) => false,
        Some(other) => return Err(Error::Usage(format!("{} is not a sequence format", other.name()))),
        None => {
            let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            matches!(ext.as_deref(), Some("fa" | "fasta" | "fna" | "faa" | "ffn" | "fas"))
                || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'>')
        }
    };
    if fasta { read_fasta(path, bytes, options) } else { read_seq_csv(path, bytes, options) }
}

/// [`read_sequences_bytes`] on a file.
pub fn read_sequences(path: &Path, format: Option<Format>, options: &SequenceOptions) -> Result<LoadedSequences> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io { file: path.to_path_buf(), source })?;
    read_sequences_bytes(path, &bytes, format, options)
}

fn clean(seq: &[u8], fold_case: bool, out: &mut Vec<u8>) {
    out.extend(
        seq.iter().filter(|b| !b.is_ascii_whitespace()).map(|&b| if fold_case { b.to_ascii_uppercase() } else { b }),
    );
}

fn read_fasta(path: &Path, bytes: &[u8], options: &SequenceOptions) -> Result<LoadedSequences> {
    let parse = |line, kind| Error::Parse { file: path.to_path_buf(), line, kind };
    let mut x = Sequences::default();
    let mut labels = LabelBuilder::new();
    let (mut labelled, mut unlabelled) = (None::<usize>, None::<usize>);
    let mut current: Option<(usize, Vec<u8>)> = None;
    let finish = |x: &mut Sequences, record: Option<(usize, Vec<u8>)>| match record {
        Some((line, seq)) if seq.is_empty() => Err(parse(line, ParseErrorKind::EmptySequence)),
        Some((_, seq)) => {
            x.push(&seq);
            Ok(())
        }
        None => Ok(()),
    };
    for_each_line(path, bytes, |line, raw| {
        let text = raw.trim_ascii();
        if text.is_empty() || text.starts_with(b";") {
            return Ok(());
        }
        if let Some(header) = text.strip_prefix(b">") {
            finish(&mut x, current.take())?;
            let header = std::str::from_utf8(header).map_err(|_| parse(line, ParseErrorKind::NotUtf8))?;
            let tokens: Vec<&str> = header.split_ascii_whitespace().collect();
            let label = tokens.iter().find_map(|t| t.strip_prefix("label=")).or(if tokens.len() >= 2 {
                tokens.last().copied()
            } else {
                None
            });
            match label {
                Some(l) => {
                    labels.push(l, line);
                    labelled.get_or_insert(line);
                }
                None => {
                    unlabelled.get_or_insert(line);
                }
            }
            if let (Some(a), Some(b)) = (labelled, unlabelled) {
                return Err(parse(a.max(b), ParseErrorKind::MixedFastaLabels));
            }
            current = Some((line, Vec::new()));
            return Ok(());
        }
        match &mut current {
            Some((_, seq)) => {
                clean(text, options.fold_case, seq);
                Ok(())
            }
            None => Err(parse(line, ParseErrorKind::SequenceBeforeHeader)),
        }
    })?;
    finish(&mut x, current.take())?;
    if x.is_empty() {
        return Err(Error::Data { file: path.to_path_buf(), kind: DataErrorKind::Empty });
    }
    Ok(LoadedSequences { x, labels: labelled.map(|_| labels.finish()), format: Format::Fasta })
}

fn read_seq_csv(path: &Path, bytes: &[u8], options: &SequenceOptions) -> Result<LoadedSequences> {
    let parse = |line, kind| Error::Parse { file: path.to_path_buf(), line, kind };
    let first = bytes.split(|&b| b == b'\n').map(|l| l.trim_ascii()).find(|l| !l.is_empty());
    let Some(first) = first else {
        return Err(Error::Data { file: path.to_path_buf(), kind: DataErrorKind::Empty });
    };
    let delimiter = [b',', b'\t', b';'].into_iter().find(|d| first.contains(d)).unwrap_or(b',');
    let split = |l: &[u8]| -> Vec<Vec<u8>> { l.split(|&b| b == delimiter).map(|f| f.trim_ascii().to_vec()).collect() };
    let head: Vec<String> = split(first).iter().map(|f| String::from_utf8_lossy(f).to_ascii_lowercase()).collect();
    let find = |names: &[&str]| head.iter().position(|h| names.contains(&h.as_str()));
    let (seq_names, label_names) = (["sequence", "seq"], ["label", "class", "target", "y"]);
    let given_name =
        |w: &Option<String>| w.as_deref().filter(|w| w.parse::<usize>().is_err()).map(str::to_ascii_lowercase);
    let has_header =
        [given_name(&options.seq_col), given_name(&options.label_col)].iter().flatten().any(|n| head.contains(n))
            || find(&seq_names).is_some()
            || find(&label_names).is_some();
    let width = head.len();
    let no_such = |column: &str| Error::Data {
        file: path.to_path_buf(),
        kind: DataErrorKind::NoSuchColumn {
            column: column.to_string(),
            available: if has_header { head.join(", ") } else { format!("{width} columns without a header") },
        },
    };
    // A column given by index or by header name; else the default name, or
    // (without a header) the fallback position.
    let resolve = |wanted: &Option<String>, defaults: &[&str], fallback: Option<usize>| -> Result<Option<usize>> {
        match wanted.as_deref() {
            Some(w) => match w.parse::<usize>() {
                Ok(i) if i < width => Ok(Some(i)),
                Ok(_) => Err(no_such(w)),
                Err(_) => head.iter().position(|h| *h == w.to_ascii_lowercase()).map(Some).ok_or_else(|| no_such(w)),
            },
            None if has_header => Ok(find(defaults)),
            None => Ok(fallback),
        }
    };
    let seq_col = resolve(&options.seq_col, &seq_names, Some(width - 1))?.ok_or_else(|| no_such("sequence"))?;
    let label_col =
        resolve(&options.label_col, &label_names, (width > 1 && seq_col != 0).then_some(0))?.filter(|&l| l != seq_col);

    let mut x = Sequences::default();
    let mut labels = LabelBuilder::new();
    let mut skipped_header = !has_header;
    let mut seq = Vec::new();
    for_each_line(path, bytes, |line, raw| {
        let text = raw.trim_ascii();
        if text.is_empty() {
            return Ok(());
        }
        if !skipped_header {
            skipped_header = true;
            return Ok(());
        }
        let fields = split(text);
        if fields.len() != width {
            return Err(parse(line, ParseErrorKind::Ragged { expected: width, got: fields.len() }));
        }
        seq.clear();
        clean(&fields[seq_col], options.fold_case, &mut seq);
        if seq.is_empty() {
            return Err(parse(line, ParseErrorKind::EmptySequence));
        }
        x.push(&seq);
        if let Some(l) = label_col {
            let label = std::str::from_utf8(&fields[l]).map_err(|_| parse(line, ParseErrorKind::NotUtf8))?;
            if label.is_empty() {
                return Err(parse(line, ParseErrorKind::Missing { field: l + 1 }));
            }
            labels.push(label, line);
        }
        Ok(())
    })?;
    if x.is_empty() {
        let kind = if has_header { DataErrorKind::HeaderOnly } else { DataErrorKind::Empty };
        return Err(Error::Data { file: path.to_path_buf(), kind });
    }
    Ok(LoadedSequences { x, labels: label_col.map(|_| labels.finish()), format: Format::SeqCsv })
}
