//! Fitting on rows shared among processes (`mpirun -np P kern fit`): each
//! process holds a share of the samples and they agree, through a
//! [`Collective`], on what a single process would have read from all of
//! them: the width and storage, the scaling, the classes, the sample
//! numbering. Falkon and ridge on features then sum their products over the
//! processes; every process ends with the same model, which equals the
//! single-process model to round-off (the centres are the same rows).

use std::time::Instant;

use kern_approx::nystroem::uniform_sample;
use kern_kernels::{DataSet, DenseMatrix, Par, SparseMatrix, Storage, VectorKernel};
use kern_solvers::collective::{Alone, Collective};
use kern_solvers::falkon::BLOCK as FALKON_BLOCK;

use super::approx::{approx_error, landmarks};
use super::{Approx, FitSpec, Fitted, Loss, Notices, Sampling, Targets, Task, fit};
use crate::error::{Error, Result};
use crate::io::{DENSE_FRACTION, Data, Inputs};
use crate::model::{InputSchema, Model, Scaling};

/// Where this process's rows sit among all processes' rows.
#[derive(Clone, Copy)]
pub struct Shares<'a> {
    /// The processes.
    pub collective: &'a dyn Collective,
    /// The number of this process's first row among all rows.
    pub offset: usize,
    /// Rows over all processes.
    pub total: usize,
}

impl Shares<'static> {
    /// Every row in this process.
    pub fn alone(n: usize) -> Self {
        Shares { collective: &Alone, offset: 0, total: n }
    }
}

impl<'a> Shares<'a> {
    /// Numbers this process's `n` rows after those of the processes before it.
    pub fn count(collective: &'a dyn Collective, n: usize) -> Self {
        let counts = collective.all_gather_counts(n);
        Shares { collective, offset: counts[..collective.rank()].iter().sum(), total: counts.iter().sum() }
    }

    /// The numbers (ascending, or in the sampler's order) of `m` rows chosen
    /// among all rows by `spec`'s sampler, and those rows, on every process.
    pub(crate) fn choose_rows(
        &self,
        spec: &FitSpec,
        kernel: &VectorKernel,
        x: &DataSet,
        m: usize,
        par: Par,
    ) -> Result<(Vec<usize>, DataSet)> {
        if self.collective.size() == 1 {
            let indices = landmarks(spec).choose(kernel, x, m, spec.seed, par).map_err(approx_error)?;
            let rows = x.select(&indices);
            return Ok((indices, rows));
        }
        if spec.approx.sampling != Sampling::Uniform {
            return Err(Error::Usage(
                "--sampling greedy|leverage reads every row in one process: processes sharing the rows draw centres uniformly (leave out --sampling)".into(),
            ));
        }
        let indices = uniform_sample(self.total, m, spec.seed);
        let mine: Vec<usize> = indices
            .iter()
            .filter(|&&i| (self.offset..self.offset + x.n_samples()).contains(&i))
            .map(|&i| i - self.offset)
            .collect();
        let parts = self.collective.all_gather_bytes(&encode_rows(&x.select(&mine)));
        let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        Ok((indices, decode_rows(None, &parts, x.n_features(), x.is_sparse())))
    }
}

/// Fits `spec` on this process's share `data` of the rows of all processes
/// in `collective`; one process alone is [`fit`].
pub fn fit_shared(spec: &FitSpec, data: Data, par: Par, collective: &dyn Collective) -> Result<Fitted> {
    if collective.size() == 1 {
        return fit(spec, data, par);
    }
    check_shareable(spec)?;
    super::checkpoint::check_checkpointing(spec)?;
    super::check_centring(spec)?;
    if !matches!(data.x, Inputs::Vectors(_)) {
        return Err(Error::Usage("strings and graphs need every sample in one process: run without mpirun".into()));
    }
    let notices = Notices::default();
    let started = Instant::now();
    // Samples of weight 0 are left out, as one process leaves them out,
    // before the rows are numbered.
    let data = match &data.weights {
        Some(w) if w.contains(&0.0) => data.select(&(0..w.len()).filter(|&i| w[i] > 0.0).collect::<Vec<_>>()),
        _ => data,
    };
    let Data { x, labels, file, format, csv, weights, .. } = data;
    let Inputs::Vectors(x) = x else { unreachable!("checked: vectors") };
    let x = agree_storage(x, collective)?;
    let scaling = spec.scale.then(|| Scaling::fit_shared(&x, collective));
    let x = match &scaling {
        Some(s) => s.apply(&x),
        None => x,
    };
    let d = x.n_features();
    let kernel = spec.vector_kernel(d)?;
    let targets = Targets::shared(spec.task, labels.as_ref(), &file, collective)?;
    // Falkon sums over blocks of rows: whole blocks in each process make
    // the sums, and so the model, the bits of one process's fit.
    let (x, targets, weights) = match spec.approx.method {
        Approx::Falkon => align_blocks(x, targets, weights, collective, FALKON_BLOCK),
        _ => (x, targets, weights),
    };
    let shares = Shares::count(collective, x.n_samples());
    let estimator = super::approx::fit_approx(spec, &kernel, &x, &targets, weights.as_deref(), par, &notices, shares)?;
    let model = Model::new(d, InputSchema { format, csv, scaling }, estimator);
    Ok(Fitted { model, n_samples: shares.total, seconds: started.elapsed().as_secs_f64(), notices: notices.lines() })
}

/// What processes sharing the rows can fit: Falkon, and ridge on Nyström
/// or random features, on vectors.
pub fn check_shareable(spec: &FitSpec) -> Result<()> {
    let why = match (spec.approx.method, spec.task, spec.approx.loss) {
        _ if spec.precomputed() => Some("a precomputed kernel"),
        _ if spec.conformal.is_some() => Some("--conformal"),
        (Approx::Falkon, Task::Krr | Task::Svc, _) => None,
        (Approx::Nystroem | Approx::Rff, Task::Krr, _) => None,
        (Approx::Nystroem | Approx::Rff, Task::Svc, Some(Loss::Squared)) => None,
        (Approx::Nystroem | Approx::Rff, Task::Svc | Task::Svr, _) => {
            Some("a linear SVM on features (--loss squared fits ridge classification, which shares)")
        }
        _ => Some("this task and approximation"),
    };
    match why {
        None => Ok(()),
        Some(what) => Err(Error::Usage(format!(
            "processes sharing the rows fit --approx falkon (krr, svc) and --approx nystroem|rff with --task krr or --loss squared; {what} needs every row in one process: run without mpirun"
        ))),
    }
}

/// Every share at the widest share's width, and dense when all rows together
/// would be read dense (a CSV, or LibSVM rows at least 30 % filled).
fn agree_storage(x: DataSet, collective: &dyn Collective) -> Result<DataSet> {
    let mut width = [x.n_features() as f64];
    collective.reduce(&mut width, f64::max);
    let x = x.with_n_features(width[0] as usize).expect("widening");
    // Dense rows stay where they are: only sparse ones are copied dense.
    let dense = |x: DataSet| if x.is_sparse() { x.to_dense() } else { x };
    if !collective.all_ok(x.is_sparse()) {
        return Ok(dense(x));
    }
    let mut filled = [x.stored_values() as f64, x.n_samples() as f64 * x.n_features() as f64];
    collective.sum(&mut filled);
    Ok(if filled[0] >= DENSE_FRACTION * filled[1] { dense(x) } else { x })
}

/// The rows of `x` as bytes: dense values, or per row its count, indices and values.
fn encode_rows(x: &DataSet) -> Vec<u8> {
    let mut bytes = Vec::new();
    for i in 0..x.n_samples() {
        let row = x.row(i);
        match row {
            kern_kernels::Row::Dense(values) => bytes.extend(values.iter().flat_map(|v| v.to_le_bytes())),
            kern_kernels::Row::Sparse(idx, values) => {
                bytes.extend((idx.len() as u32).to_le_bytes());
                bytes.extend(idx.iter().flat_map(|j| j.to_le_bytes()));
                bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
            }
        }
    }
    bytes
}

/// Rows regrouped so that every process but the last with rows holds whole
/// blocks of `block` rows of the global numbering, in the same order: the
/// rows a share holds before its first block boundary (fewer than `block`)
/// go to the process whose last block they complete, with their targets and
/// weights.
fn align_blocks(
    x: DataSet,
    targets: Targets,
    weights: Option<Vec<f64>>,
    collective: &dyn Collective,
    block: usize,
) -> (DataSet, Targets, Option<Vec<f64>>) {
    let (n, rank) = (x.n_samples(), collective.rank());
    let offset = Shares::count(collective, n).offset;
    let head = (offset.div_ceil(block) * block - offset).min(n);
    let target = |i: usize| match &targets {
        Targets::Classes { codes, .. } => codes[i] as f64,
        Targets::Values(v) => v[i],
        Targets::Unlabelled => 0.0,
    };
    let head_rows: Vec<usize> = (0..head).collect();
    let rows = encode_rows(&x.select(&head_rows));
    let mut message = vec![u8::from(head < n)];
    message.extend((head as u64).to_le_bytes());
    message.extend((rows.len() as u64).to_le_bytes());
    message.extend(rows);
    message.extend((0..head).flat_map(|i| target(i).to_le_bytes()));
    message.extend(weights.iter().flat_map(|w| w[..head].iter().flat_map(|v| v.to_le_bytes())));
    let parts = collective.all_gather_bytes(&message);
    let (mut moved_rows, mut moved_targets, mut moved_weights) = (Vec::new(), Vec::new(), Vec::new());
    if head < n {
        for part in &parts[rank + 1..] {
            let word = |k: usize| u64::from_le_bytes(part[k..k + 8].try_into().expect("8 bytes")) as usize;
            let (count, row_bytes) = (word(1), word(9));
            moved_rows.push(&part[17..17 + row_bytes]);
            let mut numbers =
                part[17 + row_bytes..].chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8")));
            moved_targets.extend(numbers.by_ref().take(count));
            moved_weights.extend(numbers);
            if part[0] == 1 {
                break;
            }
        }
    }
    let kept = head..n;
    let aligned = append_rows(x, kept.clone(), &moved_rows);
    let targets = match targets {
        Targets::Classes { names, codes } => Targets::Classes {
            names,
            codes: codes[kept.clone()].iter().copied().chain(moved_targets.iter().map(|&c| c as usize)).collect(),
        },
        Targets::Values(v) => Targets::Values(v[kept.clone()].iter().copied().chain(moved_targets).collect()),
        Targets::Unlabelled => Targets::Unlabelled,
    };
    let weights = weights.map(|w| w[kept].iter().copied().chain(moved_weights).collect());
    (aligned, targets, weights)
}

/// The rows `kept` of `x` followed by those of [`encode_rows`]'s `parts`;
/// dense values are moved within their own buffer, not copied whole.
fn append_rows(x: DataSet, kept: std::ops::Range<usize>, parts: &[&[u8]]) -> DataSet {
    let (d, sparse) = (x.n_features(), x.is_sparse());
    match x.into_storage() {
        Storage::Dense(m) => {
            let mut values = m.into_values();
            values.truncate(kept.end * d);
            values.drain(..kept.start * d);
            values.extend(
                parts.iter().flat_map(|p| p.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8")))),
            );
            let n = values.len().checked_div(d).unwrap_or(0);
            DataSet::from(DenseMatrix::new(n, d, values).expect("rows of a valid matrix"))
        }
        storage => decode_rows(Some((&DataSet::new(storage), kept)), parts, d, sparse),
    }
}

/// The rows `first` (rows of a data set, when given) followed by those of
/// [`encode_rows`]'s `parts`, in order, at width `d`.
fn decode_rows(first: Option<(&DataSet, std::ops::Range<usize>)>, parts: &[&[u8]], d: usize, sparse: bool) -> DataSet {
    let f64_at = |b: &[u8], k: usize| f64::from_le_bytes(b[8 * k..8 * k + 8].try_into().expect("8 bytes"));
    let first_rows = |visit: &mut dyn FnMut(kern_kernels::Row<'_>)| {
        if let Some((x, range)) = &first {
            range.clone().for_each(|i| visit(x.row(i)));
        }
    };
    if !sparse {
        let mut values = Vec::new();
        first_rows(&mut |row| values.extend_from_slice(row.values()));
        values
            .extend(parts.iter().flat_map(|p| p.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8")))));
        let n = values.len().checked_div(d).unwrap_or(0);
        return DataSet::from(DenseMatrix::new(n, d, values).expect("rows of valid matrices"));
    }
    let mut rows = SparseMatrix::with_cols(d);
    first_rows(&mut |row| {
        if let kern_kernels::Row::Sparse(idx, values) = row {
            rows.push_row(idx, values).expect("rows of a valid matrix");
        }
    });
    for part in parts {
        let mut at = 0;
        while at < part.len() {
            let nnz = u32::from_le_bytes(part[at..at + 4].try_into().expect("4 bytes")) as usize;
            let idx: Vec<u32> = part[at + 4..at + 4 + 4 * nnz]
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
                .collect();
            let values_at = &part[at + 4 + 4 * nnz..at + 4 + 12 * nnz];
            let values: Vec<f64> = (0..nnz).map(|k| f64_at(values_at, k)).collect();
            rows.push_row(&idx, &values).expect("rows of valid matrices");
            at += 4 + 12 * nnz;
        }
    }
    DataSet::from(rows)
}
