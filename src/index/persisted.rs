//! The on-disk format of a library's saved HNSW index (`index/`): one usearch file per aspect and
//! `state.json`, which records what they were built from and their checksums. Nothing is loaded
//! that does not match: a mismatch or damage means a rebuild from the catalog, never a crash.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{HnswIndex, HnswParams, Metric, Representation, Storage};
use crate::aspect::{Aspect, PerAspect};
use crate::error::{Error, IoContext, Result};
use crate::model::ModelId;

/// Version of `index/state.json`. 1: f16 vectors, usearch's cosine kernel (no record of either);
/// 2: each aspect's representation recorded (`hnsw_representation`).
pub const INDEX_FORMAT: u32 = 2;

/// Contents of `index/state.json`: what the index files were built from, and their checksums.
#[derive(Serialize, Deserialize)]
struct IndexState {
    format: u32,
    model: String,
    metric: Metric,
    generation: u64,
    /// How each aspect's file holds its vectors, in `Aspect::ALL` order (absent before format 2).
    #[serde(default)]
    representations: Vec<Representation>,
    /// blake3 of each aspect's file, in `Aspect::ALL` order.
    files: Vec<String>,
}

/// How the HNSW index of `aspect` holds its vectors under `metric`. Cosine (the default) is served
/// as inner product over unit vectors (one reduction per distance instead of three). Colour is
/// held in f32: in f16, rounding moves a colour histogram's length by more than the distances
/// between near-identical ones, and recall@10 on real colour vectors fell to 0.85; texture and
/// shape keep their recall in f16 and are faster in it (BENCHMARKS.md, "Index: Kindred vs
/// Faiss"). Other metrics: f16 with the metric's own kernel.
pub fn hnsw_representation(aspect: Aspect, metric: Metric) -> Representation {
    match (metric, aspect) {
        (Metric::Cosine, Aspect::Colour) => Representation::unit_ip(Storage::F32),
        (Metric::Cosine, Aspect::Texture | Aspect::Shape) => Representation::unit_ip(Storage::F16),
        _ => Representation::metric(Storage::F16),
    }
}

fn unusable(why: String) -> Error {
    Error::Index(why)
}

/// Checks a saved HNSW index in `dir` (a library's `index/`) the way the library does before
/// loading it: parses `state.json`, checks its format, model, metric, each aspect's vector
/// representation (against [`hnsw_representation`]) and catalog generation, and verifies each
/// aspect file against its blake3 checksum. Returns the verified files in [`Aspect::ALL`] order.
/// Any error ([`Error::Index`], saying why) means the index is rebuilt from the catalog; only
/// files that pass reach the (C++) usearch loader.
pub fn verify_saved_index(dir: &Path, model: &ModelId, metric: Metric, generation: u64) -> Result<Vec<PathBuf>> {
    let text = fs::read_to_string(dir.join("state.json")).map_err(|e| unusable(format!("no saved index: {e}")))?;
    let state: IndexState = serde_json::from_str(&text).map_err(|e| unusable(format!("unreadable index state: {e}")))?;
    if state.format != INDEX_FORMAT {
        return Err(unusable(format!(
            "saved index has format {}, this version uses format {INDEX_FORMAT} (vector representation per aspect)",
            state.format
        )));
    }
    if state.model != model.as_str() || state.metric != metric {
        return Err(unusable("saved index is for another model or metric".into()));
    }
    if state.representations.len() != Aspect::ALL.len() {
        return Err(unusable(format!(
            "saved index records {} vector representations, expected {}",
            state.representations.len(),
            Aspect::ALL.len()
        )));
    }
    for (aspect, saved) in Aspect::ALL.iter().zip(&state.representations) {
        let wanted = hnsw_representation(*aspect, metric);
        if *saved != wanted {
            return Err(unusable(format!("saved {aspect} index holds {saved} vectors, this version uses {wanted}")));
        }
    }
    if state.generation != generation {
        return Err(unusable("saved index is older than the catalog".into()));
    }
    // One file per aspect, or the index would silently lack an aspect (fuzz target index_state).
    if state.files.len() != Aspect::ALL.len() {
        return Err(unusable(format!("saved index lists {} files, expected {}", state.files.len(), Aspect::ALL.len())));
    }
    let mut files = Vec::new();
    for (aspect, expected) in Aspect::ALL.iter().zip(&state.files) {
        let path = dir.join(format!("{aspect}.usearch"));
        let bytes = fs::read(&path).map_err(|e| unusable(format!("cannot read {}: {e}", path.display())))?;
        if blake3::hash(&bytes).to_hex().as_str() != expected {
            return Err(unusable(format!("{} is damaged (checksum mismatch)", path.display())));
        }
        files.push(path);
    }
    Ok(files)
}

/// Loads the saved index in `dir` if [`verify_saved_index`] accepts it for this model, metric and
/// catalog generation; the error says why not.
pub fn load(dir: &Path, model: &ModelId, metric: Metric, generation: u64, params: HnswParams) -> Result<PerAspect<HnswIndex>> {
    let files = verify_saved_index(dir, model, metric, generation)?;
    PerAspect::try_from_fn(|a| HnswIndex::load(&files[a as usize], a.dim(), metric, hnsw_representation(a, metric), params))
}

/// Saves the index files, then `state.json` with their checksums, each through a temporary file
/// renamed into place: a crash in between leaves a checksum mismatch, i.e. a rebuild.
pub fn save(dir: &Path, model: &ModelId, metric: Metric, generation: u64, indexes: &PerAspect<HnswIndex>) -> Result<()> {
    fs::create_dir_all(dir).on_path("cannot create", dir)?;
    let mut files = Vec::new();
    for (aspect, index) in indexes.iter() {
        let (tmp, path) = (dir.join(format!("{aspect}.usearch.tmp")), dir.join(format!("{aspect}.usearch")));
        index.save(&tmp)?;
        files.push(blake3::hash(&fs::read(&tmp).on_path("cannot read", &tmp)?).to_hex().to_string());
        fs::rename(&tmp, &path).on_path("cannot replace", &path)?;
    }
    let state = IndexState {
        format: INDEX_FORMAT,
        model: model.to_string(),
        metric,
        generation,
        representations: indexes.iter().map(|(_, index)| index.representation()).collect(),
        files,
    };
    let (tmp, path) = (dir.join("state.json.tmp"), dir.join("state.json"));
    let json = serde_json::to_vec_pretty(&state).map_err(|e| Error::Index(format!("cannot encode index state: {e}")))?;
    fs::write(&tmp, json).on_path("cannot write", &tmp)?;
    fs::rename(&tmp, &path).on_path("cannot replace", &path)
}
