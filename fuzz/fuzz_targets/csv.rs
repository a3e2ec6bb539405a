//! The CSV reader on arbitrary bytes: an error or data, never a panic.
#![no_main]

use kern::io::{Format, ReadOptions, read_data_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for require_labels in [false, true] {
        let options = ReadOptions { format: Some(Format::Csv), require_labels, ..Default::default() };
        if let Ok(data) = read_data_bytes("fuzz.csv".as_ref(), bytes, &options) {
            assert_eq!(data.x.sq_norms().len(), data.x.n_samples());
        }
    }
    // Format detection from the content.
    let _ = read_data_bytes("fuzz".as_ref(), bytes, &ReadOptions::default());
});
