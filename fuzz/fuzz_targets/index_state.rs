#![no_main]
//! Fuzz target: see `kindred_fuzz::index_state`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kindred_fuzz::index_state(data));
