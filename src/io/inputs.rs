//! Data of any kind: vectors (LibSVM, CSV), sequences (FASTA, sequence CSV)
//! or graphs (a TU folder), read as the kernel asks or as the file holds.

use std::path::{Path, PathBuf};

use kern_kernels::{DataSet, Graphs, Sequences};

use super::{CsvSchema, Format, LabelCol, Labels, ReadOptions, SequenceOptions, read_data, read_sequences, read_tu};
use crate::error::{Error, Result};

/// The kind of sample a kernel takes and a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleKind {
    /// Feature vectors (dense or sparse rows).
    Vectors,
    /// Byte strings.
    Sequences,
    /// Labelled graphs.
    Graphs,
}

impl SampleKind {
    /// In words, plural.
    pub fn name(self) -> &'static str {
        match self {
            SampleKind::Vectors => "vectors",
            SampleKind::Sequences => "sequences",
            SampleKind::Graphs => "graphs",
        }
    }
}

/// Samples of one kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Inputs {
    /// Feature vectors.
    Vectors(DataSet),
    /// Byte strings.
    Sequences(Sequences),
    /// Labelled graphs.
    Graphs(Graphs),
}

impl Inputs {
    /// Number of samples.
    pub fn len(&self) -> usize {
        match self {
            Inputs::Vectors(x) => x.n_samples(),
            Inputs::Sequences(x) => x.len(),
            Inputs::Graphs(x) => x.len(),
        }
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The samples at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Self {
        match self {
            Inputs::Vectors(x) => Inputs::Vectors(x.select(rows)),
            Inputs::Sequences(x) => Inputs::Sequences(x.select(rows)),
            Inputs::Graphs(x) => Inputs::Graphs(x.select(rows)),
        }
    }

    /// Their kind.
    pub fn kind(&self) -> SampleKind {
        match self {
            Inputs::Vectors(_) => SampleKind::Vectors,
            Inputs::Sequences(_) => SampleKind::Sequences,
            Inputs::Graphs(_) => SampleKind::Graphs,
        }
    }

    /// The number of features of vectors (0 for sequences and graphs).
    pub fn n_features(&self) -> usize {
        match self {
            Inputs::Vectors(x) => x.n_features(),
            _ => 0,
        }
    }
}

/// Data to learn from: samples, their labels, and how they were read (a
/// model keeps the layout, so new data is read the same way).
#[derive(Clone, Debug)]
pub struct Data {
    /// The samples.
    pub x: Inputs,
    /// Their labels, when there are any.
    pub labels: Option<Labels>,
    /// Where they came from, for error messages.
    pub file: PathBuf,
    /// The format they were read as.
    pub format: Format,
    /// For CSV, the layout of the columns.
    pub csv: Option<CsvSchema>,
    /// For sequences, how they were read.
    pub sequences: SequenceOptions,
    /// A non-negative weight per sample (`--weights`, `--weight-col`);
    /// `None`: all 1.
    pub weights: Option<Vec<f64>>,
}

impl Data {
    /// Samples held in memory (no file), with their labels.
    ///
    /// ```
    /// use kern::io::{Data, Inputs, Labels};
    /// use kern::{DataSet, DenseMatrix};
    /// let x = DataSet::from(DenseMatrix::from_rows(&[vec![0.0], vec![1.0]]).unwrap());
    /// let data = Data::new(Inputs::Vectors(x), Some(Labels::Numeric(vec![0.0, 1.0])));
    /// assert_eq!(data.x.len(), 2);
    /// ```
    pub fn new(x: Inputs, labels: Option<Labels>) -> Self {
        let format = match x.kind() {
            SampleKind::Vectors => Format::Libsvm,
            SampleKind::Sequences => Format::Fasta,
            SampleKind::Graphs => Format::Tu,
        };
        let file = PathBuf::from("<memory>");
        Self { x, labels, file, format, csv: None, sequences: SequenceOptions::default(), weights: None }
    }

    /// The samples at `rows`, with their labels and weights.
    pub fn select(&self, rows: &[usize]) -> Self {
        Data {
            x: self.x.select(rows),
            labels: self.labels.as_ref().map(|l| l.select(rows)),
            weights: self.weights.as_ref().map(|w| rows.iter().map(|&i| w[i]).collect()),
            file: self.file.clone(),
            format: self.format,
            csv: self.csv.clone(),
            sequences: self.sequences.clone(),
        }
    }

    /// The samples a fit learns from: those of positive weight (all
    /// without weights).
    pub fn n_weighed(&self) -> usize {
        self.weights.as_ref().map_or(self.x.len(), |w| w.iter().filter(|&&w| w > 0.0).count())
    }
}

/// How to read a data file of any kind.
#[derive(Clone, Debug, Default)]
pub struct InputOptions {
    /// The format; detected from the name or content when `None`.
    pub format: Option<Format>,
    /// The label column of a CSV or sequence CSV.
    pub label_col: Option<LabelCol>,
    /// The width of LibSVM vectors [default: the largest index].
    pub n_features: Option<usize>,
    /// The sequence column of a sequence CSV.
    pub seq_col: Option<String>,
    /// Upper-case sequence letters as they are read.
    pub fold_case: bool,
    /// Whether a file without labels is an error.
    pub require_labels: bool,
    /// LibSVM rows of a precomputed kernel (`0:id 1:K(x,x₁) ...`).
    pub precomputed: bool,
    /// The CSV column of per-sample weights, by header name or index.
    pub weight_col: Option<LabelCol>,
    /// Read only this share of a LibSVM or CSV file's lines.
    pub share: Option<super::Share>,
    /// The path is a pattern of LibSVM or CSV files holding the rows in
    /// name order (`--shards`).
    pub shards: bool,
}

impl InputOptions {
    /// How sequences are read.
    pub fn sequences(&self) -> SequenceOptions {
        SequenceOptions {
            seq_col: self.seq_col.clone(),
            label_col: self.label_col.as_ref().map(|c| match c {
                LabelCol::Name(n) => n.clone(),
                LabelCol::Index(i) => i.to_string(),
            }),
            fold_case: self.fold_case,
        }
    }
}

/// Reads `path` as samples of `kind`, or, without one, of the kind the file
/// holds: a folder or `--format tu` holds graphs, a FASTA file or `--format
/// fasta|seqcsv` sequences, anything else vectors.
///
/// ```no_run
/// use kern::io::{InputOptions, read_inputs};
/// let data = read_inputs("../shared/data/tu/MUTAG".as_ref(), &InputOptions::default(), None)?;
/// println!("{} {}", data.x.len(), data.x.kind().name());
/// # Ok::<(), kern::Error>(())
/// ```
pub fn read_inputs(path: &Path, options: &InputOptions, kind: Option<SampleKind>) -> Result<Data> {
    let kind = kind.unwrap_or_else(|| held_kind(path, options.format));
    if options.weight_col.is_some() && kind != SampleKind::Vectors {
        return Err(Error::Usage(format!(
            "--weight-col reads a CSV of vectors; weigh {} with --weights FILE",
            kind.name()
        )));
    }
    if options.shards && kind != SampleKind::Vectors {
        return Err(Error::Usage(format!("--shards reads LibSVM or CSV files of vectors, not {}", kind.name())));
    }
    let file = path.to_path_buf();
    match kind {
        SampleKind::Vectors => {
            let read = ReadOptions {
                format: options.format,
                label_col: options.label_col.clone(),
                n_features: options.n_features,
                widen: false,
                schema: None,
                require_labels: options.require_labels,
                precomputed: options.precomputed,
                weight_col: options.weight_col.clone(),
                share: options.share,
                shards: options.shards,
            };
            let data = read_data(path, &read)?;
            let sequences = SequenceOptions::default();
            let (x, labels, format, csv) = (Inputs::Vectors(data.x), data.labels, data.format, data.csv);
            Ok(Data { x, labels, file, format, csv, sequences, weights: data.weights })
        }
        SampleKind::Sequences => {
            let sequences = options.sequences();
            let data = read_sequences(path, sequence_format(path, options.format)?, &sequences)?;
            Ok(Data {
                x: Inputs::Sequences(data.x),
                labels: data.labels,
                file,
                format: data.format,
                csv: None,
                sequences,
                weights: None,
            })
        }
        SampleKind::Graphs => {
            graph_format(path, options.format)?;
            let data = read_tu(path)?;
            let sequences = SequenceOptions::default();
            let x = Inputs::Graphs(data.x);
            Ok(Data { x, labels: data.labels, file, format: Format::Tu, csv: None, sequences, weights: None })
        }
    }
}

/// The kind of samples at `path` read as `format`.
fn held_kind(path: &Path, format: Option<Format>) -> SampleKind {
    match format {
        Some(Format::Tu) => SampleKind::Graphs,
        Some(Format::Fasta | Format::SeqCsv) => SampleKind::Sequences,
        Some(Format::Libsvm | Format::Csv) => SampleKind::Vectors,
        None if path.is_dir() => SampleKind::Graphs,
        None if looks_like_sequences(path) => SampleKind::Sequences,
        None => SampleKind::Vectors,
    }
}

/// Whether the file holds sequences by its first bytes: a FASTA record
/// (`>` first), or a CSV header naming a `sequence` column (the sequence
/// CSV's default column), not vectors.
fn looks_like_sequences(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let Ok(read) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else { return false };
    let head = &head[..read];
    if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'>') {
        return true;
    }
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(first).split(',').any(|field| field.trim().eq_ignore_ascii_case("sequence"))
}

/// The sequence format `format` names (CSV read as sequence CSV).
pub(crate) fn sequence_format(path: &Path, format: Option<Format>) -> Result<Option<Format>> {
    match format {
        None => Ok(None),
        Some(Format::Fasta) => Ok(Some(Format::Fasta)),
        Some(Format::SeqCsv | Format::Csv) => Ok(Some(Format::SeqCsv)),
        Some(other) => Err(Error::Usage(format!(
            "{}: a string kernel reads sequences (--format fasta or seqcsv), not {}",
            path.display(),
            other.name()
        ))),
    }
}

/// Checks that graph data is asked for as a TU folder.
pub(crate) fn graph_format(path: &Path, format: Option<Format>) -> Result<()> {
    match format {
        None | Some(Format::Tu) => Ok(()),
        Some(other) => Err(Error::Usage(format!(
            "{}: a graph kernel reads a TU data-set folder (--format tu), not {}",
            path.display(),
            other.name()
        ))),
    }
}
