//! Benchmarks: placeholder until the bench binary lands.
fn main() {}
