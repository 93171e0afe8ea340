//! Fuzz harnesses for Kindred: each takes arbitrary bytes, feeds them to the library's own entry
//! points and panics if an invariant the rest of the library relies on is broken. The fuzz targets
//! (`fuzz_targets/*.rs`) call these, and so does `tests/fuzz_regressions.rs` (which includes this
//! file), so every saved crash input is replayed by a plain `cargo test`.
//!
//! Errors are fine (damaged input is expected); panics, aborts, leaks, out-of-memory and timeouts
//! are findings.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kindred::Aspect;
use kindred::catalog::{decode_palette, decode_thumbnail, decode_vector};
use kindred::index::{Metric, Representation, Storage, hnsw_representation, verify_saved_index};
use kindred::model::ModelId;
use kindred::preprocess::{INPUT_LEN, decode_for_prepare, prepare};

/// (a) An image file as the importer sees it: decode (large JPEGs reduced), then derive model
/// input, colour features and thumbnail.
pub fn decode_and_prepare(data: &[u8]) {
    let Ok(decoded) = decode_for_prepare(data) else { return };
    let (width, height) = (decoded.width(), decoded.height());
    assert!(width > 0 && height > 0, "decoded an empty image");
    let prepared = prepare(decoded, true);
    assert_eq!((prepared.width, prepared.height), (width, height));
    assert_eq!(prepared.tensor.len(), INPUT_LEN);
    assert!(prepared.tensor.iter().all(|x| x.is_finite()), "non-finite model input");
    assert!(prepared.colour.histogram.iter().all(|x| x.is_finite()), "non-finite colour histogram");
    assert!(prepared.colour.palette.iter().all(|s| (0.0..=1.0).contains(&s.weight)), "palette weight out of [0, 1]");
    assert!(prepared.thumbnail.is_some_and(|t| !t.is_empty()), "no thumbnail");
}

/// Model, metric and catalog generation the saved index must match.
pub const INDEX_MODEL: &str = "fuzz-model@000000000000";
/// Catalog generation the saved index must match.
pub const INDEX_GENERATION: u64 = 7;

/// (b) A library's saved index directory (`index/state.json` + one checksummed usearch file per
/// aspect), checked the way the library checks it before loading.
///
/// Input: the first byte chooses how the rest is read.
/// - even: raw mode. The rest, split at NUL bytes, is `state.json`, then the colour, texture and
///   shape files (absent parts are absent files).
/// - odd: structured mode, so the fuzzer reaches the checks after parsing: the state is built from
///   the bytes (format and which vector representations are recorded, metric, generation, how many
///   files are listed, which checksums are right), then the file bodies follow.
pub fn index_state(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let dir = scratch_dir();
    for name in ["state.json", "colour.usearch", "texture.usearch", "shape.usearch"] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    let model = ModelId::from_key(INDEX_MODEL);
    if mode % 2 == 0 {
        let mut parts = rest.splitn(4, |&b| b == 0);
        for name in ["state.json", "colour.usearch", "texture.usearch", "shape.usearch"] {
            if let Some(part) = parts.next() {
                std::fs::write(dir.join(name), part).expect("write scratch file");
            }
        }
    } else {
        let byte = |i: usize| rest.get(i).copied().unwrap_or(0);
        // 1: the old format (no representations), 2: the current one, 3: a future one.
        let format = 1 + u32::from(byte(0) % 3);
        let listed_as = |rs: &[Representation]| Some(rs.iter().map(|r| representation_json(*r)).collect::<Vec<_>>());
        let current = Aspect::ALL.map(|a| hnsw_representation(a, Metric::Cosine));
        let representations = match (byte(0) / 3) % 4 {
            0 => listed_as(&current),
            1 => None,
            2 => listed_as(&[Representation::metric(Storage::F16); 3]),
            _ => listed_as(&current[..2]),
        };
        let representations = representations.map_or(String::new(), |r| format!(r#""representations":[{}],"#, r.join(",")));
        let metric = ["cosine", "euclidean", "manhattan", "innerproduct", "hamming"][usize::from(byte(1) % 5)];
        let generation = if byte(2) % 4 == 0 { u64::from(byte(2)) } else { INDEX_GENERATION };
        let listed = usize::from(byte(3) % 6);
        let right = byte(4);
        let bodies: Vec<&[u8]> = rest.get(5..).unwrap_or_default().splitn(3, |&b| b == 0).collect();
        let mut sums = Vec::new();
        for i in 0..listed {
            let body = bodies.get(i % 3).copied().unwrap_or_default();
            if i < 3 {
                std::fs::write(dir.join(format!("{}.usearch", Aspect::ALL[i])), body).expect("write scratch file");
            }
            let sum = if right & (1 << i) != 0 { blake3::hash(body).to_hex().to_string() } else { "0".repeat(64) };
            sums.push(format!("\"{sum}\""));
        }
        let state = format!(
            r#"{{"format":{format},"model":"{INDEX_MODEL}","metric":"{metric}","generation":{generation},{representations}"files":[{}]}}"#,
            sums.join(",")
        );
        std::fs::write(dir.join("state.json"), state).expect("write scratch file");
    }
    if let Ok(files) = verify_saved_index(dir, &model, Metric::Cosine, INDEX_GENERATION) {
        // What the library goes on to do: one usearch file per aspect, each one checksummed.
        assert_eq!(files.len(), Aspect::ALL.len(), "a saved index was accepted without a file for every aspect");
        for (aspect, path) in Aspect::ALL.iter().zip(&files) {
            assert_eq!(path, &dir.join(format!("{aspect}.usearch")));
        }
    }
}

/// `r` as `state.json` records it (the serde names, which `Representation::name` also uses).
fn representation_json(r: Representation) -> String {
    format!(r#"{{"storage":"{}","kernel":"{}"}}"#, r.storage.name(), r.kernel.name())
}

/// One scratch directory per process (the fuzzer runs inputs one after another).
fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kindred-fuzz-index-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create scratch directory");
        dir
    })
}

/// (c) What the catalog decodes from SQLite rows: vector blobs, palette JSON, thumbnail JPEGs.
/// The first byte chooses the decoder, the rest is the stored value.
pub fn catalog_records(data: &[u8]) {
    let Some((&which, blob)) = data.split_first() else { return };
    match which % 3 {
        0 => {
            let dims = [0, 1, 3, Aspect::Colour.dim(), Aspect::Texture.dim(), Aspect::Shape.dim()];
            for dim in dims {
                if let Ok(v) = decode_vector(blob, dim) {
                    assert_eq!(v.len(), dim);
                    assert!(v.iter().all(|x| x.is_finite()));
                    let back: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                    assert_eq!(back, blob, "vector does not round-trip");
                }
            }
        }
        1 => {
            let Ok(json) = std::str::from_utf8(blob) else { return };
            if let Ok(palette) = decode_palette(json) {
                for s in &palette {
                    assert!((0.0..=1.0).contains(&s.weight), "swatch weight {} outside [0, 1]", s.weight);
                }
            }
        }
        _ => {
            if let Ok(rgba) = decode_thumbnail(blob) {
                assert_eq!(rgba.len(), rgba.width() as usize * rgba.height() as usize * 4);
            }
        }
    }
}
