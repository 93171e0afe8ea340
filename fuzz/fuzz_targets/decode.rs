#![no_main]
//! Fuzz target: see `kindred_fuzz::decode_and_prepare`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kindred_fuzz::decode_and_prepare(data));
