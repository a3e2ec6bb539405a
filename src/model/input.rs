//! Reading new data the way a model's training data was read.

use std::path::Path;

use kern_kernels::{DataSet, SparseMatrix, VectorKernel};

use super::{Estimator, Model, Origin};
use crate::error::Result;
use crate::io::Format;
use crate::io::{
    Data, InputOptions, Inputs, ReadOptions, SampleKind, SequenceOptions, read_data, read_inputs, read_sequences,
    sequence_format,
};

impl Model {
    /// Reads `path` as the model's training data was read: the same CSV
    /// layout and width, the same sequence columns (`options` may name the
    /// format and columns anew). A model from LIBSVM accepts any width, as
    /// svm-predict does: it widens to the data's. So does a kern model
    /// trained on LibSVM-format data whose estimator [`Estimator::widens`],
    /// for LibSVM-format data: a feature index beyond the training file's is
    /// a feature that was zero in every training sample.
    pub fn read_inputs(&mut self, path: &Path, options: &InputOptions) -> Result<Data> {
        match &self.estimator {
            Estimator::Sequences { read, .. } => {
                // Columns named on the command line override the training file's.
                let given = options.sequences();
                let read = SequenceOptions {
                    seq_col: given.seq_col.or_else(|| read.seq_col.clone()),
                    label_col: given.label_col.or_else(|| read.label_col.clone()),
                    fold_case: read.fold_case,
                };
                let loaded = read_sequences(path, sequence_format(path, options.format)?, &read)?;
                let mut data = Data::new(Inputs::Sequences(loaded.x), loaded.labels);
                (data.file, data.format, data.sequences) = (path.to_path_buf(), loaded.format, read);
                Ok(data)
            }
            Estimator::Graphs(_) => read_inputs(path, options, Some(SampleKind::Graphs)),
            _ => self.read_vectors(path, options),
        }
    }

    fn read_vectors(&mut self, path: &Path, options: &InputOptions) -> Result<Data> {
        let from_libsvm = self.origin == Origin::Libsvm;
        let widens = self.input.format == Format::Libsvm && self.estimator.widens();
        let read = ReadOptions {
            format: options.format,
            label_col: options.label_col.clone(),
            n_features: if from_libsvm { None } else { Some(self.n_features) },
            widen: widens,
            schema: self.input.csv.as_ref(),
            require_labels: false,
            precomputed: self.kernel().contains_precomputed(),
            weight_col: None,
            share: options.share,
            shards: options.shards,
        };
        let mut loaded = read_data(path, &read)?;
        if from_libsvm || widens {
            let width = loaded.x.n_features().max(self.n_features);
            loaded.x = loaded.x.with_n_features(width).expect("widening");
            self.estimator.widen(width);
        }
        let mut data = Data::new(Inputs::Vectors(loaded.x), loaded.labels);
        (data.file, data.format, data.csv) = (path.to_path_buf(), loaded.format, loaded.csv);
        Ok(data)
    }
}

impl Estimator {
    /// Whether the estimator can read a feature it was not trained on as
    /// one that was zero in every training sample: it keeps training
    /// samples (support vectors, the training set, centres or inducing
    /// points) and its kernels hold no parameter per feature. A linear model
    /// on random Fourier or Nyström features does not: its map was built at
    /// the training width.
    pub fn widens(&self) -> bool {
        let plain = |k: &VectorKernel| !k.has_feature_parameters() && !k.contains_precomputed();
        match self {
            Estimator::Svm { model, .. } => plain(&model.kernel),
            Estimator::KernelRidge(m) => plain(&m.kernel),
            Estimator::Gp(m) => plain(&m.kernel),
            Estimator::Gpc { model, .. } => model.latent.iter().all(|l| plain(&l.kernel)),
            Estimator::Falkon { model, .. } => plain(&model.kernel),
            Estimator::Sgpr(m) => plain(&m.kernel),
            _ => false,
        }
    }

    /// Pads the kept samples with zero features up to `width` (at least
    /// theirs), for an estimator that [`Estimator::widens`].
    pub(crate) fn widen(&mut self, width: usize) {
        let samples = match self {
            Estimator::Svm { model, .. } => &mut model.support_vectors,
            Estimator::KernelRidge(m) => &mut m.train,
            Estimator::Gp(m) => &mut m.train,
            Estimator::Gpc { model, .. } => &mut model.train,
            Estimator::Falkon { model, .. } => &mut model.centers,
            Estimator::Sgpr(m) => &mut m.inducing,
            _ => return,
        };
        // Take the samples out rather than copy them.
        let taken = std::mem::replace(samples, DataSet::from(SparseMatrix::with_cols(0)));
        *samples = taken.with_n_features(width).expect("widening");
    }
}
