//! The LibSVM reader on arbitrary bytes: an error or data, never a panic or
//! an allocation sized by a number in the input.
#![no_main]

use kern::io::{Format, ReadOptions, read_data_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for require_labels in [false, true] {
        let options = ReadOptions { format: Some(Format::Libsvm), require_labels, ..Default::default() };
        if let Ok(data) = read_data_bytes("fuzz.libsvm".as_ref(), bytes, &options) {
            // What was read is usable: its rows and norms agree.
            assert_eq!(data.x.sq_norms().len(), data.x.n_samples());
        }
    }
});
