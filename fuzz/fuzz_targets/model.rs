//! The model loader on arbitrary bytes (kern's binary and JSON encodings,
//! LIBSVM models): an error or a model, never a panic.
#![no_main]

use kern::model::decode_model;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(model) = decode_model("fuzz.model".as_ref(), bytes) {
        // A model that loads describes itself.
        let _ = (model.task(), model.n_features);
    }
});
