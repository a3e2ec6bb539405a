//! The errors of the `kern` facade: every one names the file, and for parse
//! errors the line and the field, so the CLI can print it as one line.

use std::fmt;
use std::path::PathBuf;

use kern_kernels::KernelError;
use kern_solvers::SolverError;
use thiserror::Error;

/// Everything that can go wrong in kern, as one typed enum.
#[derive(Debug, Error)]
pub enum Error {
    /// A line of a data file is malformed.
    #[error("{}:{line}: {kind}", file.display())]
    Parse { file: PathBuf, line: usize, kind: ParseErrorKind },
    /// A data file is well-formed line by line but unusable as a whole.
    #[error("{}: {kind}", file.display())]
    Data { file: PathBuf, kind: DataErrorKind },
    /// A file cannot be read or written.
    #[error("{}: {source}", file.display())]
    Io { file: PathBuf, source: std::io::Error },
    /// A checkpoint file cannot be read or used.
    #[error("{}: {why}", file.display())]
    Checkpoint { file: PathBuf, why: String },
    /// A model file cannot be used.
    #[error("{}: {kind}", file.display())]
    Model { file: PathBuf, kind: ModelErrorKind },
    /// Invalid parameters or a failed solve.
    #[error(transparent)]
    Solver(#[from] SolverError),
    /// Invalid kernel parameters.
    #[error(transparent)]
    Kernel(#[from] KernelError),
    /// A kernel approximation that cannot be built as asked.
    #[error(transparent)]
    Approx(#[from] kern_approx::ApproxError),
    /// Samples that do not form a data set.
    #[error(transparent)]
    Samples(#[from] kern_kernels::DataError),
    /// An error from linfa's own machinery (datasets, metrics).
    #[cfg(feature = "linfa")]
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
    /// A fit would need more memory than allowed: `what` (the largest
    /// need, sized by `option`) brings the fit's plan to `needed` bytes.
    #[error(
        "{what} ({option}) brings the fit to {}, over the --max-memory limit of {}: {hint}",
        human_bytes(*needed),
        human_bytes(*limit)
    )]
    OverMemory { what: String, option: String, needed: u64, limit: u64, hint: &'static str },
    /// A command-line option that cannot be used as given.
    #[error("{0}")]
    Usage(String),
    /// An error that another process of the same run reports (the `kern`
    /// command prints nothing more for it).
    #[error("another process of this run failed")]
    Elsewhere,
    /// An error that another process of the same run met, by its message
    /// (a fit of a search spread over the processes).
    #[error("process {rank} of {size}: {message}")]
    Remote { rank: usize, size: usize, message: String },
}

/// `Result` with kern's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What is wrong with one line of a data file.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseErrorKind {
    /// A field that should be a number is not.
    NotANumber { field: usize, text: String },
    /// A NaN or infinite value.
    NotFinite { field: usize, text: String },
    /// An empty field.
    Missing { field: usize },
    /// A LibSVM feature token without `index:value`.
    NotAPair { field: usize, text: String },
    /// LibSVM indices start at 1.
    IndexZero { field: usize },
    /// A LibSVM index that is not a positive integer that fits.
    BadIndex { field: usize, text: String },
    /// LibSVM indices must be strictly ascending.
    IndexNotAscending { field: usize, index: u64, previous: u64 },
    /// A feature index beyond the width the model was trained on.
    IndexBeyondWidth { field: usize, index: u64, n_features: usize },
    /// A row with a different number of fields than the first.
    Ragged { expected: usize, got: usize },
    /// A line with no label where one is required.
    MissingLabel,
    /// A label that must be a number (regression) is not.
    LabelNotANumber { text: String },
    /// Bytes that are not UTF-8 text.
    NotUtf8,
    /// A sequence with no letters.
    EmptySequence,
    /// FASTA sequence letters before any `>` header.
    SequenceBeforeHeader,
    /// Some FASTA headers carry a label and others do not.
    MixedFastaLabels,
    /// A TU id that is not a positive integer.
    BadId { text: String },
    /// A TU edge naming a node beyond the graph indicator's.
    NodeOutOfRange { node: usize, n_nodes: usize },
    /// A TU edge between nodes of two graphs.
    EdgeAcrossGraphs { u: usize, v: usize, gu: usize, gv: usize },
    /// A sample weight that is negative, NaN or infinite.
    BadWeight { field: usize, text: String },
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParseErrorKind::*;
        match self {
            NotANumber { field, text } => write!(f, "field {field} ({text:?}) is not a number"),
            NotFinite { field, text } => {
                write!(f, "field {field} ({text:?}) is not a finite number")
            }
            Missing { field } => write!(f, "field {field} is empty"),
            NotAPair { field, text } => write!(f, "field {field} ({text:?}) is not index:value"),
            IndexZero { field } => write!(
                f,
                "field {field}: feature indices start at 1, found 0 (for LIBSVM's precomputed-kernel rows `0:i`, give --kernel precomputed)"
            ),
            BadIndex { field, text } => {
                write!(f, "field {field}: feature index {text:?} is not an integer from 1 to 4294967296")
            }
            IndexNotAscending { field, index, previous } => {
                write!(
                    f,
                    "field {field}: feature index {index} does not come after {previous} (indices must be strictly ascending)"
                )
            }
            IndexBeyondWidth { field, index, n_features } => {
                write!(
                    f,
                    "field {field}: feature index {index} is beyond the {n_features} features the model was trained on"
                )
            }
            Ragged { expected, got } => write!(f, "{got} fields, but the first row has {expected}"),
            MissingLabel => write!(f, "no label (the line starts with a feature)"),
            LabelNotANumber { text } => {
                write!(f, "label {text:?} is not a number, and this task needs numeric targets")
            }
            NotUtf8 => write!(f, "not valid UTF-8 text"),
            EmptySequence => write!(f, "the sequence is empty"),
            SequenceBeforeHeader => write!(f, "sequence letters before the first '>' header"),
            MixedFastaLabels => write!(
                f,
                "this header has no label but an earlier one has (or the reverse): give every record a label (last token or label=X) or none"
            ),
            BadId { text } => write!(f, "{text:?} is not a positive integer id"),
            NodeOutOfRange { node, n_nodes } => {
                write!(f, "node {node} is beyond the {n_nodes} nodes of the graph indicator")
            }
            EdgeAcrossGraphs { u, v, gu, gv } => {
                write!(f, "edge ({u}, {v}) joins graph {gu} to graph {gv}")
            }
            BadWeight { field, text } => {
                write!(f, "field {field}: weight {text:?} is not a non-negative, finite number")
            }
        }
    }
}

/// What is wrong with a data file as a whole.
#[derive(Debug, Clone, PartialEq)]
pub enum DataErrorKind {
    /// No data rows at all.
    Empty,
    /// A header but no rows.
    HeaderOnly,
    /// Labels are needed but the file has none.
    NoLabels,
    /// A `--label-col` that names no column.
    NoSuchColumn { column: String, available: String },
    /// Width different from the model's.
    WidthMismatch { got: usize, expected: usize },
    /// A CSV whose column count fits the model neither with nor without a label.
    ColumnMismatch { got: usize, n_features: usize },
    /// The format could not be told from the name or content.
    UnknownFormat,
    /// A CSV with only a label column.
    NoFeatures,
    /// A classifier's labels hold one class only.
    OneClass { label: String },
    /// Precomputed-kernel rows without valid sample numbers in column 0.
    PrecomputedIds(KernelError),
    /// A folder that is not a TU data set.
    NotTuFolder,
    /// A TU data set without a file it needs.
    MissingTuFile,
    /// A TU graph id with no nodes.
    GraphWithoutNodes { graph: usize },
    /// A TU file with the wrong number of lines.
    CountMismatch { what: &'static str, got: usize, expected: usize },
    /// A sample weight (1-based row) that is negative, NaN or infinite.
    BadWeight { row: usize, value: f64 },
    /// Every sample weight is zero.
    AllWeightsZero,
    /// A weight column that is also the label column.
    WeightIsLabel { column: usize },
    /// One process's share of a file holds no lines.
    EmptyShare { index: usize, count: usize },
}

impl fmt::Display for DataErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DataErrorKind::*;
        match self {
            Empty => write!(f, "no data rows"),
            HeaderOnly => write!(f, "a header line but no data rows"),
            NoLabels => write!(f, "no label column, and this command needs labels"),
            NoSuchColumn { column, available } => {
                write!(f, "no column {column:?} (columns: {available})")
            }
            WidthMismatch { got, expected } => {
                write!(f, "{got} features, but the model was trained on {expected}")
            }
            ColumnMismatch { got, n_features } => write!(
                f,
                "{got} columns, but the model takes {n_features} features ({n_features} columns without a label, {} with one)",
                n_features.saturating_add(1)
            ),
            UnknownFormat => write!(f, "cannot tell the format: name it with --format libsvm|csv|fasta|seqcsv|tu"),
            NoFeatures => write!(f, "no feature columns besides the label"),
            PrecomputedIds(e) => write!(f, "{e}"),
            OneClass { label } => {
                write!(f, "every label is {label}: nothing to tell apart (a classifier needs two classes at least)")
            }
            NotTuFolder => write!(f, "a directory, but not a TU data-set folder (it needs exactly one DS_A.txt)"),
            MissingTuFile => write!(f, "missing: a TU data set needs it"),
            GraphWithoutNodes { graph } => write!(f, "graph {graph} has no nodes"),
            CountMismatch { what, got, expected } => write!(f, "{got} {what}, expected {expected}"),
            BadWeight { row, value } => write!(f, "row {row}: weight {value} is not a non-negative, finite number"),
            AllWeightsZero => write!(f, "every sample weight is zero: nothing to learn from"),
            WeightIsLabel { column } => write!(f, "column {column} cannot be both the label and the weight"),
            EmptyShare { index, count } => {
                write!(f, "share {index} of {count} holds no lines: the file has fewer lines than processes; run fewer")
            }
        }
    }
}

/// What is wrong with a model file.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelErrorKind {
    /// Not a kern model file at all.
    NotAModel,
    /// Written by a newer kern.
    NewerVersion { found: u32, supported: u32 },
    /// Shorter than its header says.
    Truncated,
    /// The checksum does not match.
    Corrupted,
    /// The content does not decode as a model.
    Malformed(String),
}

impl fmt::Display for ModelErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ModelErrorKind::*;
        match self {
            NotAModel => write!(f, "not a kern model file"),
            NewerVersion { found, supported } => write!(
                f,
                "model file format version {found} was written by a newer kern (this kern {} reads versions up to {supported}): upgrade kern",
                env!("CARGO_PKG_VERSION")
            ),
            Truncated => write!(f, "model file is truncated"),
            Corrupted => write!(f, "model file is corrupted (checksum mismatch)"),
            Malformed(why) => write!(f, "model file is malformed: {why}"),
        }
    }
}

/// `1536` → `"1.5 KiB"`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}
