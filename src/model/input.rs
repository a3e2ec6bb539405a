//! Reading new data the way a model's training data was read.

use std::path::Path;

use kern_kernels::{DataSet, SparseMatrix};

use super::{Estimator, Model, Origin};
use crate::error::Result;
use crate::io::{
    Data, InputOptions, Inputs, ReadOptions, SampleKind, SequenceOptions, read_data, read_inputs, read_sequences,
    sequence_format,
};

impl Model {
    /// Reads `path` as the model's training data was read: the same CSV
    /// layout and width, the same sequence columns (`options` may name the
    /// format and columns anew). A model from LIBSVM accepts any width, as
    /// svm-predict does: it widens to the data's.
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
        let read = ReadOptions {
            format: options.format,
            label_col: options.label_col.clone(),
            n_features: if from_libsvm { None } else { Some(self.n_features) },
            schema: self.input.csv.as_ref(),
            require_labels: false,
            precomputed: self.kernel().contains_precomputed(),
            weight_col: None,
            share: options.share,
            shards: options.shards,
        };
        let mut loaded = read_data(path, &read)?;
        if from_libsvm {
            let width = loaded.x.n_features().max(self.n_features);
            loaded.x = loaded.x.with_n_features(width).expect("widening");
            if let Estimator::Svm { model, .. } = &mut self.estimator {
                // Widen in place: take the support vectors out rather than copy them.
                let svs = std::mem::replace(&mut model.support_vectors, DataSet::from(SparseMatrix::with_cols(0)));
                model.support_vectors = svs.with_n_features(width).expect("widening");
            }
        }
        let mut data = Data::new(Inputs::Vectors(loaded.x), loaded.labels);
        (data.file, data.format, data.csv) = (path.to_path_buf(), loaded.format, loaded.csv);
        Ok(data)
    }
}
