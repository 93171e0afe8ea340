//! Replays every input the fuzzers found (tests/data/fuzz-regressions/<target>/) and the seed
//! corpora (fuzz/seeds/<target>/) through the same harness functions the cargo-fuzz targets call
//! (fuzz/src/lib.rs, included here), so plain `cargo test` guards each fix without cargo-fuzz.

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};

/// Files in `dir` (none if it does not exist), sorted.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file() && !p.ends_with("README.md")).collect();
    files.sort();
    files
}

/// Runs `harness` on every regression and seed input of `target`; reports all that panic.
fn replay(target: &str, harness: fn(&[u8]), want_regressions: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let regressions = inputs(&root.join("tests/data/fuzz-regressions").join(target));
    let seeds = inputs(&root.join("fuzz/seeds").join(target));
    assert!(!seeds.is_empty(), "no seed inputs in fuzz/seeds/{target}");
    assert_eq!(regressions.len(), want_regressions, "regression inputs of {target}: {regressions:?}");
    let failures: Vec<String> = regressions
        .iter()
        .chain(&seeds)
        .filter_map(|path| {
            let bytes = std::fs::read(path).unwrap();
            std::panic::catch_unwind(|| harness(&bytes)).err().map(|e| {
                let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
                format!("{}: {}", path.display(), msg.unwrap_or_default())
            })
        })
        .collect();
    assert!(failures.is_empty(), "{target} inputs that fail:\n{}", failures.join("\n"));
}

#[test]
fn decode_inputs_never_crash() {
    replay("decode", harness::decode_and_prepare, 2);
}

#[test]
fn index_state_inputs_never_crash() {
    replay("index_state", harness::index_state, 1);
}

#[test]
fn catalog_record_inputs_never_crash() {
    replay("catalog_records", harness::catalog_records, 2);
}
