//! Reading data files: LibSVM and CSV vectors, FASTA and sequence-CSV
//! sequences, TU graph folders, detected from the name or content.
//!
//! Every error names the file, the line and the field. No allocation is sized
//! by a number read from a file: widths come from what the file holds.

mod csv;
mod inputs;
mod libsvm;
mod sequences;
mod shards;
mod share;
mod tu;
mod weights;

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use kern_kernels::DataSet;
use serde::{Deserialize, Serialize};

pub use self::csv::CsvSchema;
pub(crate) use self::inputs::sequence_format;
pub use self::inputs::{Data, InputOptions, Inputs, SampleKind, read_inputs};
pub(crate) use self::libsvm::DENSE_FRACTION;
pub use self::sequences::{LoadedSequences, SequenceOptions, read_sequences, read_sequences_bytes};
pub use self::share::Share;
pub use self::tu::{LoadedGraphs, TuFiles, read_tu, read_tu_bytes};
pub use self::weights::{check_weight, read_weight_lines, read_weights};
use crate::error::{DataErrorKind, Error, ParseErrorKind, Result};

/// A data file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// label index:value ... (1-based indices; 0-based with --kernel precomputed)
    Libsvm,
    /// comma-, semicolon- or tab-separated values
    Csv,
    /// FASTA sequences; the label is label=X in the header, else its last token
    Fasta,
    /// sequences in a CSV column (--seq-col), labels in another (--label-col)
    #[cfg_attr(feature = "cli", value(name = "seqcsv"))]
    SeqCsv,
    /// a TU Dortmund graph data-set folder (DS_A.txt, DS_graph_indicator.txt, ...)
    Tu,
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Libsvm => "libsvm",
            Format::Csv => "csv",
            Format::Fasta => "fasta",
            Format::SeqCsv => "seqcsv",
            Format::Tu => "tu",
        }
    }
}

/// Which CSV column holds the label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelCol {
    /// A header name.
    Name(String),
    /// A 0-based column index.
    Index(usize),
}

impl std::str::FromStr for LabelCol {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(s.parse().map_or_else(|_| LabelCol::Name(s.to_string()), LabelCol::Index))
    }
}

/// How to read a data file.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions<'a> {
    /// The format; detected from the file name or content when `None`.
    pub format: Option<Format>,
    /// The CSV label column; by default a column named label, target, class or
    /// y, else the last.
    pub label_col: Option<LabelCol>,
    /// The width to read at: LibSVM indices beyond it are an error (unless
    /// [`ReadOptions::widen`]). `None`: the largest index in the file.
    pub n_features: Option<usize>,
    /// LibSVM indices beyond [`ReadOptions::n_features`] widen the data
    /// instead (a model that reads a feature it never saw as one that was
    /// zero in every training sample, as svm-predict does). A CSV's width
    /// is still `n_features`.
    pub widen: bool,
    /// At predict time, how the model's training CSV was laid out.
    pub schema: Option<&'a CsvSchema>,
    /// Whether a file without labels is an error.
    pub require_labels: bool,
    /// LibSVM rows of a precomputed kernel (`0:id 1:K(x,x₁) ...`): index 0
    /// is allowed and every index names its own column.
    pub precomputed: bool,
    /// The CSV column of per-sample weights (not a feature); none by default.
    pub weight_col: Option<LabelCol>,
    /// Read only this share of the lines (one process of several); LibSVM
    /// rows then stay sparse (the processes agree on the storage).
    pub share: Option<Share>,
    /// The path is a pattern of files holding the rows in name order
    /// (`--shards`); a share is then whole files.
    pub shards: bool,
}

/// The labels of a data file.
#[derive(Clone, Debug, PartialEq)]
pub enum Labels {
    /// Every label is a finite number.
    Numeric(Vec<f64>),
    /// At least one label is not a number: class names, coded in order of
    /// first appearance.
    Text {
        /// Distinct names in order of first appearance.
        classes: Vec<String>,
        /// Index into `classes`, one per row.
        codes: Vec<u32>,
        /// The first label that is not a number, and its line.
        first_text: (usize, String),
    },
}

impl Labels {
    /// The labels as numbers, or an error naming the first that is not one.
    pub fn numeric(&self, file: &Path) -> Result<&[f64]> {
        match self {
            Labels::Numeric(v) => Ok(v),
            Labels::Text { first_text: (line, text), .. } => Err(Error::Parse {
                file: file.to_path_buf(),
                line: *line,
                kind: ParseErrorKind::LabelNotANumber { text: text.clone() },
            }),
        }
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        match self {
            Labels::Numeric(v) => v.len(),
            Labels::Text { codes, .. } => codes.len(),
        }
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The labels at `rows`, in that order (text classes recoded in order
    /// of first appearance among them).
    pub fn select(&self, rows: &[usize]) -> Self {
        match self {
            Labels::Numeric(v) => Labels::Numeric(rows.iter().map(|&i| v[i]).collect()),
            Labels::Text { classes, codes, first_text } => {
                let (kept, codes) =
                    crate::train::code_classes(rows.iter().map(|&i| codes[i]), crate::train::ClassOrder::Libsvm);
                let classes = kept.iter().map(|&c| classes[c as usize].clone()).collect();
                let codes = codes.into_iter().map(|c| c as u32).collect();
                Labels::Text { classes, codes, first_text: first_text.clone() }
            }
        }
    }
}

/// A data file, read.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The samples.
    pub x: DataSet,
    /// The labels, when the file has them.
    pub labels: Option<Labels>,
    /// The format it was read as.
    pub format: Format,
    /// For CSV, the layout of the columns.
    pub csv: Option<CsvSchema>,
    /// For CSV with a weight column, each row's weight.
    pub weights: Option<Vec<f64>>,
}

/// Reads a LibSVM or CSV data file.
///
/// ```no_run
/// use kern::io::{read_data, ReadOptions};
/// let data = read_data("heart_scale".as_ref(), &ReadOptions { require_labels: true, ..Default::default() })?;
/// println!("{} samples × {} features", data.x.n_samples(), data.x.n_features());
/// # Ok::<(), kern::Error>(())
/// ```
pub fn read_data(path: &Path, options: &ReadOptions<'_>) -> Result<Loaded> {
    if options.shards {
        return shards::read_shards(path, options);
    }
    let io_err = |source| Error::Io { file: path.to_path_buf(), source };
    if path.is_dir() {
        // A directory is a TU graph data set, which only graph kernels read.
        let why =
            "is a directory, not a vector data file (graphs in TU format need a graph kernel: --kernel wl, sp or rw)";
        return Err(io_err(std::io::Error::new(std::io::ErrorKind::IsADirectory, why)));
    }
    let file = File::open(path).map_err(io_err)?;
    if let Some(share) = options.share.filter(|s| *s != Share::WHOLE) {
        return read_share(path, file, share, options);
    }
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let format = match options.format {
        Some(f) => f,
        None => detect_format(path, &mut reader)?,
    };
    match format {
        Format::Libsvm => libsvm::read(path, reader, options),
        Format::Csv => csv::read(path, reader, options, false),
        other => Err(not_vectors(path, other)),
    }
}

/// [`read_data`] of the lines in `share`: a CSV's first line goes first
/// (its header, or a row that is then dropped), and errors name the line
/// of the whole file.
fn read_share(path: &Path, mut file: File, share: Share, options: &ReadOptions<'_>) -> Result<Loaded> {
    let format = match options.format {
        Some(f) => f,
        None => detect_format(path, &mut BufReader::new(&mut file))?,
    };
    let (start, end) = share::byte_range(path, &mut file, share)?;
    if start == end {
        let kind = DataErrorKind::EmptyShare { index: share.index, count: share.count };
        return Err(Error::Data { file: path.to_path_buf(), kind });
    }
    let first = match (format, start) {
        (Format::Csv, 1..) => Some(share::first_line(path, &mut file)?),
        _ => None,
    };
    let reader = share::range_reader(path, file, start, end)?;
    let read = match (format, &first) {
        (Format::Libsvm, _) => libsvm::read(path, reader, options),
        (Format::Csv, Some(line)) => csv::read(path, line.as_slice().chain(reader), options, true),
        (Format::Csv, None) => csv::read(path, reader, options, false),
        (other, _) => Err(not_vectors(path, other)),
    };
    // Line r of what was read is line r − 1 (r − 2 after a borrowed first
    // line) past the share's first.
    let borrowed = usize::from(first.is_some());
    let whole_file_line =
        |line: usize| -> Result<usize> { Ok(share::line_number_at(path, start)? + line.saturating_sub(1 + borrowed)) };
    match read {
        Err(Error::Parse { file, line, kind }) => Err(Error::Parse { line: whole_file_line(line)?, file, kind }),
        Err(e) => Err(e),
        Ok(mut loaded) => {
            if let Some(Labels::Text { first_text, .. }) = &mut loaded.labels {
                first_text.0 = whole_file_line(first_text.0)?;
            }
            Ok(loaded)
        }
    }
}

/// Reads data held in memory as [`read_data`] reads a file; `name` stands
/// for the file in errors and in detecting the format.
///
/// ```
/// use kern::io::{read_data_bytes, ReadOptions};
/// let data = read_data_bytes("mem.libsvm".as_ref(), b"1 1:0.5\n-1 2:2\n", &ReadOptions::default())?;
/// assert_eq!((data.x.n_samples(), data.x.n_features()), (2, 2));
/// # Ok::<(), kern::Error>(())
/// ```
pub fn read_data_bytes(name: &Path, bytes: &[u8], options: &ReadOptions<'_>) -> Result<Loaded> {
    let mut reader = bytes;
    let format = match options.format {
        Some(f) => f,
        None => detect_format(name, &mut reader)?,
    };
    match format {
        Format::Libsvm => libsvm::read(name, reader, options),
        Format::Csv => csv::read(name, reader, options, false),
        other => Err(not_vectors(name, other)),
    }
}

fn not_vectors(path: &Path, format: Format) -> Error {
    Error::Usage(format!(
        "{}: {} data holds sequences or graphs: give a string kernel (spectrum, mismatch, wd, ssk) or a graph kernel (wl, sp, rw)",
        path.display(),
        format.name()
    ))
}

/// Tells the format from the extension, else from the first data line.
fn detect_format(path: &Path, reader: &mut impl BufRead) -> Result<Format> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv" | "tsv") => return Ok(Format::Csv),
        Some("libsvm" | "svm" | "svmlight") => return Ok(Format::Libsvm),
        _ => {}
    }
    let head = reader.fill_buf().map_err(|source| Error::Io { file: path.to_path_buf(), source })?;
    let head = String::from_utf8_lossy(head);
    let line = head.lines().map(|l| l.split('#').next().unwrap_or("").trim()).find(|l| !l.is_empty());
    let Some(line) = line else {
        return Err(Error::Data { file: path.to_path_buf(), kind: DataErrorKind::Empty });
    };
    let tokens: Vec<&str> = line.split_ascii_whitespace().collect();
    let is_pair =
        |t: &&str| t.split_once(':').is_some_and(|(i, _)| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()));
    if tokens.iter().skip(1).any(is_pair) || tokens.first().is_some_and(is_pair) {
        Ok(Format::Libsvm)
    } else if line.contains([',', ';', '\t']) {
        Ok(Format::Csv)
    } else if tokens.len() == 1 && tokens[0].parse::<f64>().is_ok() {
        Ok(Format::Libsvm) // a label with no non-zero features
    } else {
        Err(Error::Data { file: path.to_path_buf(), kind: DataErrorKind::UnknownFormat })
    }
}

/// Parses a field as a finite number.
pub fn parse_number(text: &str, field: usize) -> std::result::Result<f64, ParseErrorKind> {
    if text.is_empty() {
        return Err(ParseErrorKind::Missing { field });
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(ParseErrorKind::NotFinite { field, text: text.to_string() }),
        Err(_) => Err(ParseErrorKind::NotANumber { field, text: truncate(text) }),
    }
}

/// At most 40 characters of a field, for error messages.
pub(crate) fn truncate(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// Builds [`Labels`] from label texts: numbers while every label is one
/// (no per-row strings kept), class names from the first label that is not.
///
/// A numeric label's class name is its canonical form (`1.0` and `1` are the
/// same class `1`), so classes are the same whichever label comes first.
pub(crate) enum LabelBuilder {
    Numeric(Vec<f64>),
    Text {
        classes: Vec<String>,
        index: std::collections::HashMap<String, u32>,
        codes: Vec<u32>,
        first_text: (usize, String),
    },
}

impl LabelBuilder {
    pub(crate) fn new() -> Self {
        LabelBuilder::Numeric(Vec::new())
    }

    pub(crate) fn push(&mut self, text: &str, line: usize) {
        let value = text.parse::<f64>().ok().filter(|v| v.is_finite());
        if let (LabelBuilder::Numeric(values), None) = (&*self, value) {
            // First label that is not a number: switch to classes.
            let mut text_labels = LabelBuilder::Text {
                classes: Vec::new(),
                index: Default::default(),
                codes: Vec::with_capacity(values.len() + 1),
                first_text: (line, truncate(text)),
            };
            for v in values {
                text_labels.push_class(v.to_string());
            }
            *self = text_labels;
        }
        match (self, value) {
            (LabelBuilder::Numeric(values), Some(v)) => values.push(v),
            (this, v) => this.push_class(v.map_or_else(|| text.to_string(), |v| v.to_string())),
        }
    }

    fn push_class(&mut self, name: String) {
        let LabelBuilder::Text { classes, index, codes, .. } = self else { unreachable!("called in the text state") };
        let next = classes.len() as u32;
        let code = *index.entry(name).or_insert_with_key(|name| {
            classes.push(name.clone());
            next
        });
        codes.push(code);
    }

    pub(crate) fn finish(self) -> Labels {
        match self {
            LabelBuilder::Numeric(values) => Labels::Numeric(values),
            LabelBuilder::Text { classes, codes, first_text, .. } => Labels::Text { classes, codes, first_text },
        }
    }
}

/// Reads all of `reader` into lines of bytes, calling `f(line_number, bytes)`
/// for each; the buffer is reused, so memory stays one line.
pub(crate) fn for_each_line(
    path: &Path,
    mut reader: impl BufRead,
    mut f: impl FnMut(usize, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::with_capacity(256);
    let mut line = 0;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(|source| Error::Io { file: path.to_path_buf(), source })?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        f(line, &buf)?;
    }
}
