//! The on-disk format of a library's saved HNSW index (`index/`): one usearch file per aspect and
//! `state.json`, which records what they were built from and their checksums. Nothing is loaded
//! that does not match: a mismatch or damage means a rebuild from the catalog, never a crash.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// How old a leftover temporary file in `index/` must be to be taken for the remains of a save
/// that was killed: no save takes this long, so a younger one may belong to a save in flight.
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(3600);

/// A temporary name for `path` that no other save, in this process or another, ever uses:
/// `<name>.<pid>-<n>.tmp`. Saves of plain searches and of imports may run at once.
fn temp_path(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}-{}.tmp", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    path.with_file_name(name)
}

/// blake3 of a file, read in a stream.
fn hash_file(path: &Path) -> Result<String> {
    let mut file = fs::File::open(path).on_path("cannot read", path)?;
    let mut hasher = blake3::Hasher::new();
    std::io::copy(&mut file, &mut hasher).on_path("cannot read", path)?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// Whether `e` says the disk is full (or the user's quota used up).
fn disk_full(e: &Error) -> bool {
    const WORDS: [&str; 2] = ["No space left on device", "Disk quota exceeded"];
    match e {
        Error::Io { source, .. } => {
            source.kind() == std::io::ErrorKind::StorageFull || WORDS.iter().any(|w| source.to_string().contains(w))
        }
        Error::Index(why) => WORDS.iter().any(|w| why.contains(w)),
        _ => false,
    }
}

/// Whether the file system holding `dir` has no room left: a 64 KiB probe file cannot be written.
fn no_room(dir: &Path) -> bool {
    let probe = temp_path(&dir.join(".space-probe"));
    let full = matches!(fs::write(&probe, vec![0u8; 64 * 1024]), Err(e) if e.kind() == std::io::ErrorKind::StorageFull);
    let _ = fs::remove_file(&probe);
    full
}

/// Removes temporary files older than [`STALE_TEMP`] from `dir`: left by saves that were killed.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let stale =
            entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok()).is_some_and(|age| age > STALE_TEMP);
        if stale && entry.file_name().as_encoded_bytes().ends_with(b".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Saves the index files, then `state.json` with their checksums, each through a temporary file of
/// its own ([`temp_path`]) renamed into place. Each checksum is computed from the temporary file
/// after it was written, and nobody else writes that file: it covers the very bytes renamed into
/// place. `state.json` is renamed last. Concurrent saves (a search rebuilding while an import
/// saves) can therefore only leave files that disagree with `state.json`, i.e. a rebuild, never an
/// index that loads as current with other contents; a crash in between likewise. On failure the
/// temporary files are removed; a full disk is said plainly, naming the directory.
pub fn save(dir: &Path, model: &ModelId, metric: Metric, generation: u64, indexes: &PerAspect<HnswIndex>) -> Result<()> {
    fs::create_dir_all(dir).on_path("cannot create", dir)?;
    remove_stale_temps(dir);
    let mut temps = Vec::new();
    let result = write_and_rename(dir, model, metric, generation, indexes, &mut temps);
    // usearch reports a failed write without its reason: a probe write tells a full disk (before
    // the partial file is removed, which frees some room).
    let full = result.as_ref().err().is_some_and(|e| disk_full(e) || (matches!(e, Error::Index(_)) && no_room(dir)));
    if result.is_err() {
        for tmp in temps {
            let _ = fs::remove_file(tmp);
        }
    }
    result.map_err(|e| {
        if full {
            Error::Index(format!("the disk holding {} is full; free some space there (searches still work)", dir.display()))
        } else {
            e
        }
    })
}

fn write_and_rename(
    dir: &Path,
    model: &ModelId,
    metric: Metric,
    generation: u64,
    indexes: &PerAspect<HnswIndex>,
    temps: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut files = Vec::new();
    for (aspect, index) in indexes.iter() {
        let path = dir.join(format!("{aspect}.usearch"));
        let tmp = temp_path(&path);
        temps.push(tmp.clone());
        index.save(&tmp)?;
        files.push(hash_file(&tmp)?);
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
    let path = dir.join("state.json");
    let tmp = temp_path(&path);
    temps.push(tmp.clone());
    let json = serde_json::to_vec_pretty(&state).map_err(|e| Error::Index(format!("cannot encode index state: {e}")))?;
    fs::write(&tmp, json).on_path("cannot write", &tmp)?;
    fs::rename(&tmp, &path).on_path("cannot replace", &path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::VectorIndex;
    use crate::index::testing::synthetic_vectors;

    fn index_of(n: usize, metric: Metric) -> PerAspect<HnswIndex> {
        PerAspect::try_from_fn(|a| -> Result<HnswIndex> {
            let mut index = HnswIndex::new(a.dim(), metric, hnsw_representation(a, metric), HnswParams::default(), n)?;
            for (key, v) in synthetic_vectors(n, a.dim(), 2, n as u64).iter().enumerate() {
                index.add(key as u64, v)?;
            }
            Ok(index)
        })
        .unwrap()
    }

    fn temps_in(dir: &Path) -> Vec<PathBuf> {
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".tmp")).collect()
    }

    /// Two writers (an import and a search that rebuilt, say) save different indexes into one
    /// directory at once, over and over. Whatever `state.json` ends up saying, an index that
    /// verifies holds what that state promises (the generation is the vector count here): a
    /// checksum never covers bytes another writer put in a shared temporary file.
    #[test]
    fn concurrent_saves_never_leave_an_index_that_loads_with_other_contents() {
        let dir = tempfile::tempdir().unwrap();
        let (model, metric) = (ModelId::current(), Metric::Cosine);
        let (small, large) = (index_of(3, metric), index_of(40, metric));
        let mut loaded = 0;
        for round in 0..40 {
            std::thread::scope(|s| {
                for (n, index) in [(3u64, &small), (40, &large)] {
                    let model = &model;
                    let dir = dir.path();
                    s.spawn(move || {
                        for _ in 0..4 {
                            let _ = save(dir, model, metric, n, index);
                        }
                    });
                }
            });
            for n in [3u64, 40] {
                if let Ok(indexes) = load(dir.path(), &model, metric, n, HnswParams::default()) {
                    loaded += 1;
                    for (aspect, index) in indexes.iter() {
                        assert_eq!(index.len() as u64, n, "round {round}: {aspect} index loaded as generation {n} holds other vectors");
                    }
                }
            }
        }
        eprintln!("{loaded} of 80 checks found a loadable index");
        // Alone, a save always stands.
        save(dir.path(), &model, metric, 3, &small).unwrap();
        assert!(load(dir.path(), &model, metric, 3, HnswParams::default()).unwrap().iter().all(|(_, index)| index.len() == 3));
        assert_eq!(temps_in(dir.path()), Vec::<PathBuf>::new(), "no temporary file is left behind");
    }

    /// A failed save removes its temporary files; a full disk is named as such.
    #[test]
    fn a_failed_save_leaves_no_temporary_file_and_a_full_disk_is_said_plainly() {
        let dir = tempfile::tempdir().unwrap();
        let (model, metric) = (ModelId::current(), Metric::Cosine);
        let indexes = index_of(5, metric);
        // `state.json` as a non-empty directory: every index file is written, the last rename fails.
        fs::create_dir_all(dir.path().join("state.json/x")).unwrap();
        let e = save(dir.path(), &model, metric, 5, &indexes).unwrap_err();
        assert!(e.to_string().contains("cannot replace"), "{e}");
        assert_eq!(temps_in(dir.path()), Vec::<PathBuf>::new());
        let full = Error::io("cannot write", Path::new("x"), std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert!(disk_full(&full) && disk_full(&Error::Index("saving index x: No space left on device".into())));
        assert!(!disk_full(&Error::Index("saving index x: Permission denied".into())));
    }

    /// Temporary files of killed saves are removed once they are old; younger ones (a save in
    /// flight elsewhere) are left alone.
    #[test]
    fn stale_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let (old, young) = (dir.path().join("shape.usearch.1-0.tmp"), dir.path().join("shape.usearch.2-0.tmp"));
        fs::write(&old, b"left by a killed save").unwrap();
        fs::write(&young, b"a save in flight").unwrap();
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        fs::File::options().write(true).open(&old).unwrap().set_modified(two_hours_ago).unwrap();
        remove_stale_temps(dir.path());
        assert!(!old.exists() && young.exists());
    }
}
