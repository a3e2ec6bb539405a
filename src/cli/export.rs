//! `kern export`: an SVM as a LIBSVM model file.

use super::{ExportArgs, ExportFormat};
use crate::error::{Error, Result};
use crate::model::{load_model, write_atomically, write_libsvm_model};

pub(super) fn run(args: &ExportArgs) -> Result<()> {
    let model = load_model(&args.model)?;
    let text = match args.to {
        ExportFormat::Libsvm => {
            write_libsvm_model(&model).map_err(|why| Error::Usage(format!("{}: {why}", args.model.display())))?
        }
    };
    write_atomically(&args.output, text.as_bytes())
}
