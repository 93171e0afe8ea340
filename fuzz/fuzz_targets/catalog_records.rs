#![no_main]
//! Fuzz target: see `kindred_fuzz::catalog_records`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kindred_fuzz::catalog_records(data));
