//! The FASTA and sequence-CSV readers on arbitrary bytes, then a spectrum
//! Gram on what they read: an error or data, never a panic.
#![no_main]

use kern::io::{Format, SequenceOptions, read_sequences_bytes};
use kern::{Par, StringKernel, gram_matrix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for format in [Some(Format::Fasta), Some(Format::SeqCsv), None] {
        for fold_case in [false, true] {
            let options = SequenceOptions { fold_case, ..Default::default() };
            if let Ok(data) = read_sequences_bytes("fuzz".as_ref(), bytes, format, &options) {
                assert!(data.x.iter().all(|s| !s.is_empty()));
                if data.x.len() <= 64 {
                    let k = gram_matrix(&StringKernel::spectrum(2), &data.x, Par::Seq);
                    assert!((0..data.x.len()).all(|i| k[(i, i)].is_finite()));
                }
            }
        }
    }
});
