//! A search's (point, fold) fits spread over the processes of a run
//! (`mpirun -np P kern cv|grid`): every process holds all the data, fits
//! the jobs `j` with `j mod P` its rank, and all gather every job's
//! predictions, so each scores exactly what one process alone scores.
//!
//! A failed job fails the search on every process alike: the first failed
//! job, in job order, is the error; the process that ran it returns its own
//! error, the others [`Error::Remote`] with its message.

use kern_solvers::collective::Collective;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::model::Prediction;
use faer::Mat;

/// The results of jobs `0..count`, each run by one process of `collective`
/// (in parallel when `parallel`), in job order on every process.
pub(super) fn spread<T: Send>(
    collective: &dyn Collective,
    count: usize,
    parallel: bool,
    job: &(dyn Fn(usize) -> Result<T> + Sync),
    wire: Wire<T>,
) -> Result<Vec<T>> {
    let (rank, size) = (collective.rank(), collective.size());
    let mine: Vec<usize> = (0..count).filter(|j| j % size == rank).collect();
    let run = |&j: &usize| job(j);
    let results: Vec<Result<T>> =
        if parallel { mine.par_iter().map(run).collect() } else { mine.iter().map(run).collect() };
    if size == 1 {
        return results.into_iter().collect();
    }
    let mut bytes = Vec::new();
    let mut own_error = None;
    for result in results {
        match result {
            Ok(value) => {
                bytes.push(0);
                (wire.encode)(&value, &mut bytes);
            }
            Err(e) => {
                bytes.push(1);
                put_bytes(&mut bytes, e.to_string().as_bytes());
                own_error.get_or_insert(e);
                break;
            }
        }
    }
    let parts = collective.all_gather_bytes(&bytes);
    let mut readers: Vec<Reader<'_>> = parts.iter().map(|p| Reader { bytes: p, at: 0 }).collect();
    let mut all = Vec::with_capacity(count);
    for j in 0..count {
        let from = j % size;
        let reader = &mut readers[from];
        if reader.byte() == 1 {
            let message = String::from_utf8_lossy(reader.bytes()).into_owned();
            return Err(match own_error {
                Some(e) if from == rank => e,
                _ => Error::Remote { rank: from, size, message },
            });
        }
        all.push((wire.decode)(reader));
    }
    Ok(all)
}

/// A step every process of `collective` reaches with its own `outcome`
/// (reading the data, say): all go on, or all stop with the failure of the
/// first process that failed (its own error there, [`Error::Remote`]
/// elsewhere), so none waits for a process that gave up.
pub fn agree<T>(collective: &dyn Collective, outcome: Result<T>) -> Result<T> {
    if collective.size() == 1 {
        return outcome;
    }
    let mut bytes = vec![u8::from(outcome.is_err())];
    if let Err(e) = &outcome {
        put_bytes(&mut bytes, e.to_string().as_bytes());
    }
    let parts = collective.all_gather_bytes(&bytes);
    let Some(rank) = parts.iter().position(|p| p[0] == 1) else { return outcome };
    match outcome {
        Err(e) if rank == collective.rank() => Err(e),
        _ => Err(Error::Remote {
            rank,
            size: collective.size(),
            message: String::from_utf8_lossy(Reader { bytes: &parts[rank], at: 1 }.bytes()).into_owned(),
        }),
    }
}

/// How a job's result crosses between processes.
pub(super) struct Wire<T> {
    pub encode: fn(&T, &mut Vec<u8>),
    pub decode: fn(&mut Reader<'_>) -> T,
}

/// Reads what [`Wire::encode`] wrote, in order.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> u8 {
        self.at += 1;
        self.bytes[self.at - 1]
    }

    fn count(&mut self) -> usize {
        self.at += 8;
        u64::from_le_bytes(self.bytes[self.at - 8..self.at].try_into().expect("8 bytes")) as usize
    }

    fn bytes(&mut self) -> &'a [u8] {
        let len = self.count();
        self.at += len;
        &self.bytes[self.at - len..self.at]
    }

    fn matrix(&mut self) -> Mat<f64> {
        let (rows, cols) = (self.count(), self.count());
        let values = self.bytes();
        let at = |k: usize| f64::from_le_bytes(values[8 * k..8 * k + 8].try_into().expect("8 bytes"));
        Mat::from_fn(rows, cols, |i, j| at(j * rows + i))
    }

    fn prediction(&mut self) -> Prediction {
        if self.byte() == 0 {
            return Prediction::Values(self.matrix());
        }
        let names = (0..self.count()).map(|_| String::from_utf8_lossy(self.bytes()).into_owned()).collect();
        let proba = (self.byte() == 1).then(|| self.matrix());
        Prediction::Classes(names, proba)
    }
}

fn put_count(out: &mut Vec<u8>, n: usize) {
    out.extend((n as u64).to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_count(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn put_matrix(out: &mut Vec<u8>, m: &Mat<f64>) {
    put_count(out, m.nrows());
    put_count(out, m.ncols());
    put_count(out, 8 * m.nrows() * m.ncols());
    (0..m.ncols()).for_each(|j| out.extend(m.col_as_slice(j).iter().flat_map(|v| v.to_le_bytes())));
}

fn put_prediction(out: &mut Vec<u8>, p: &Prediction) {
    match p {
        Prediction::Values(v) => {
            out.push(0);
            put_matrix(out, v);
        }
        Prediction::Classes(names, proba) => {
            out.push(1);
            put_count(out, names.len());
            names.iter().for_each(|n| put_bytes(out, n.as_bytes()));
            out.push(u8::from(proba.is_some()));
            if let Some(p) = proba {
                put_matrix(out, p);
            }
        }
    }
}

/// A fold's predictions.
pub(super) const PREDICTION: Wire<Prediction> =
    Wire { encode: |p, out| put_prediction(out, p), decode: |r| r.prediction() };

/// A fold's predictions and whether its SVM left every variable below C.
pub(super) const PREDICTION_AND_BOX: Wire<(Prediction, bool)> = Wire {
    encode: |(p, inactive), out| {
        put_prediction(out, p);
        out.push(u8::from(*inactive));
    },
    decode: |r| (r.prediction(), r.byte() == 1),
};

/// A fold's predictions at every penalty of a ridge path.
pub(super) const PREDICTIONS: Wire<Vec<Mat<f64>>> = Wire {
    encode: |ms, out| {
        put_count(out, ms.len());
        ms.iter().for_each(|m| put_matrix(out, m));
    },
    decode: |r| (0..r.count()).map(|_| r.matrix()).collect(),
};
