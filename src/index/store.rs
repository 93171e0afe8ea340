//! The life cycle of a library's search index: which backend it runs with, loading the saved
//! one when it is fresh, building (and saving) it from the catalog when not, and bringing it up
//! to date after an import. [`crate::Library`] calls it in one line per operation; what the user
//! should hear about (a rebuild, a failed save) is queued as notices, never printed.

use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize, Serializer};

use super::{AspectIndexes, Backend, HnswParams, Metric, PerBackend, persisted};
use crate::catalog::{ArtworkId, Catalog};
use crate::error::{Error, Result};
use crate::import::ImportSummary;
use crate::model::ModelId;
use crate::vectors::Embedding;

/// Below this many artworks the exact index is used (no index files at all).
pub const EXACT_BELOW: usize = 2_000;
/// Embeddings read from the catalog per index insertion batch when (re)building.
pub const BUILD_CHUNK: usize = 2_048;

/// Which index implementation a library uses (the user's option; the one chosen is a [`Backend`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexKind {
    /// Exact for small libraries, HNSW from `EXACT_BELOW` artworks on.
    #[default]
    Auto,
    /// Always brute force.
    Exact,
    /// Always HNSW.
    Hnsw,
}

/// Where the index in memory comes from. Shown as `loaded`, `built`, `rebuilt: <why>`, `updated`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Read from the saved files.
    Loaded,
    /// Built from the catalog (the exact backend, which is never saved).
    Built,
    /// Built from the catalog because the saved index could not be used, and why.
    Rebuilt(String),
    /// Brought up to date incrementally after an import.
    Updated,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Loaded => f.write_str("loaded"),
            Origin::Built => f.write_str("built"),
            Origin::Rebuilt(why) => write!(f, "rebuilt: {why}"),
            Origin::Updated => f.write_str("updated"),
        }
    }
}

/// Serialised as its display text, as `kindred info --json` has always shown it.
impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// State of the search index, for `kindred info` and the status bar.
#[derive(Clone, Debug, Serialize)]
pub struct IndexInfo {
    /// The backend (`"exact"` or `"hnsw"` in JSON).
    pub kind: Backend,
    /// Vectors per aspect.
    pub vectors: usize,
    /// Where the index comes from (its display text in JSON).
    pub state: Origin,
}

/// The index in memory, and the catalog generation it reflects.
struct Loaded {
    aspects: AspectIndexes,
    generation: u64,
    origin: Origin,
}

/// A library's search index: the indexes in memory, where they are saved, and notices for the user.
pub struct IndexStore {
    /// The library's `index/` directory.
    dir: PathBuf,
    kind: IndexKind,
    params: HnswParams,
    /// Nothing is saved: the indexes are kept in memory for the session.
    read_only: bool,
    current: Option<Loaded>,
    notices: VecDeque<String>,
}

impl IndexStore {
    /// A store for the index saved in `dir` (nothing is read until it is needed).
    pub fn new(dir: PathBuf, kind: IndexKind, params: HnswParams, read_only: bool) -> Self {
        Self { dir, kind, params, read_only, current: None, notices: VecDeque::new() }
    }

    /// Forgets the index in memory (the metric changed): it is loaded or rebuilt on next use.
    pub fn invalidate(&mut self) {
        self.current = None;
    }

    /// Takes the oldest pending notice, if any: each is reported once.
    pub fn take_notice(&mut self) -> Option<String> {
        self.notices.pop_front()
    }

    /// The indexes for the catalog as it is: those in memory if fresh, else the saved ones if they
    /// match, else rebuilt from the catalog (and saved if HNSW).
    pub fn ensure(&mut self, catalog: &Catalog, model: &ModelId, metric: Metric) -> Result<&AspectIndexes> {
        let generation = catalog.generation()?;
        // Hot path (every search): the backend only changes when the catalog does, so an index at
        // the current generation and metric is used without counting artworks.
        let fresh = self.current.as_ref().is_some_and(|l| l.generation == generation && l.aspects.metric == metric);
        if !fresh {
            let loaded = match self.wanted(catalog, model)? {
                Backend::Exact => self.build(catalog, model, metric, Backend::Exact, Origin::Built)?,
                Backend::Hnsw => match self.load(model, metric, generation) {
                    Ok(loaded) => loaded,
                    Err(e) => {
                        let why = reason(&e);
                        let loaded = self.build(catalog, model, metric, Backend::Hnsw, Origin::Rebuilt(why.clone()))?;
                        if self.dir.join("state.json").exists() {
                            self.notices.push_back(format!("search index rebuilt from the catalog ({why})"));
                        }
                        self.save(model, &loaded);
                        loaded
                    }
                },
            };
            self.current = Some(loaded);
        }
        Ok(&self.current.as_ref().expect("index ensured").aspects)
    }

    /// The index's backend, size and origin (loading or building it first).
    pub fn info(&mut self, catalog: &Catalog, model: &ModelId, metric: Metric) -> Result<IndexInfo> {
        let vectors = self.ensure(catalog, model, metric)?.len();
        let loaded = self.current.as_ref().expect("index ensured");
        Ok(IndexInfo { kind: loaded.aspects.backend(), vectors, state: loaded.origin.clone() })
    }

    /// Brings the index up to date after an import that started at catalog generation `before`:
    /// incrementally when the index was fresh then, otherwise by loading or rebuilding it.
    pub fn update_after_import(
        &mut self,
        catalog: &Catalog,
        model: &ModelId,
        metric: Metric,
        before: u64,
        summary: &ImportSummary,
    ) -> Result<()> {
        let after = catalog.generation()?;
        if after == before && self.current.is_some() {
            return Ok(());
        }
        let want = self.wanted(catalog, model)?;
        let usable = |l: &Loaded| l.generation == before && l.aspects.backend() == want;
        if want == Backend::Hnsw && !self.current.as_ref().is_some_and(usable) {
            self.current = self.load(model, metric, before).ok();
        }
        let Some(loaded) = self.current.as_mut().filter(|l| usable(l)) else {
            self.current = None;
            return self.ensure(catalog, model, metric).map(drop);
        };
        for &id in &summary.removed_ids {
            loaded.aspects.remove(id)?;
        }
        for ids in summary.changed_ids.chunks(BUILD_CHUNK) {
            let chunk: Vec<(ArtworkId, Embedding)> = catalog.embeddings(ids, model)?.into_iter().collect();
            loaded.aspects.add_all(&chunk)?;
        }
        loaded.generation = after;
        loaded.origin = Origin::Updated;
        if want == Backend::Hnsw {
            let loaded = self.current.take().expect("present");
            self.save(model, &loaded);
            self.current = Some(loaded);
        }
        Ok(())
    }

    fn wanted(&self, catalog: &Catalog, model: &ModelId) -> Result<Backend> {
        Ok(match self.kind {
            IndexKind::Exact => Backend::Exact,
            IndexKind::Hnsw => Backend::Hnsw,
            IndexKind::Auto if (catalog.counts(model)?.ok as usize) < EXACT_BELOW => Backend::Exact,
            IndexKind::Auto => Backend::Hnsw,
        })
    }

    fn build(&self, catalog: &Catalog, model: &ModelId, metric: Metric, backend: Backend, origin: Origin) -> Result<Loaded> {
        let generation = catalog.generation()?;
        let capacity = catalog.counts(model)?.ok as usize;
        let mut aspects = AspectIndexes::new(backend, metric, self.params, capacity)?;
        let mut chunk = Vec::with_capacity(BUILD_CHUNK);
        catalog.for_each_embedding(model, |id, e| {
            chunk.push((id, e));
            if chunk.len() == BUILD_CHUNK {
                aspects.add_all(&std::mem::take(&mut chunk))?;
            }
            Ok(())
        })?;
        aspects.add_all(&chunk)?;
        Ok(Loaded { aspects, generation, origin })
    }

    fn load(&self, model: &ModelId, metric: Metric, generation: u64) -> Result<Loaded> {
        let indexes = persisted::load(&self.dir, model, metric, generation, self.params)?;
        Ok(Loaded { aspects: AspectIndexes { indexes: PerBackend::Hnsw(indexes), metric }, generation, origin: Origin::Loaded })
    }

    /// Saves an HNSW index. Failure (a full disk) is not an error, the index is only a cache: the
    /// user is told it will be rebuilt next time.
    fn save(&mut self, model: &ModelId, loaded: &Loaded) {
        let PerBackend::Hnsw(indexes) = &loaded.aspects.indexes else { return };
        if self.read_only {
            return; // kept in memory for this session
        }
        if let Err(e) = persisted::save(&self.dir, model, loaded.aspects.metric, loaded.generation, indexes) {
            self.notices.push_back(format!("index not saved (it will be rebuilt next time): {}", reason(&e)));
        }
    }
}

/// Why an index could not be loaded or saved, in one line: the message and its causes (an
/// [`Error::Index`] is its reason alone, without the "search index:" prefix).
fn reason(e: &Error) -> String {
    let mut text = match e {
        Error::Index(why) => why.clone(),
        e => e.to_string(),
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `kindred info` and its JSON show the enums as the strings they have always shown.
    #[test]
    fn info_shows_backend_and_origin_as_before() {
        let info = IndexInfo { kind: Backend::Hnsw, vectors: 65, state: Origin::Rebuilt("saved index is older than the catalog".into()) };
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "hnsw", "vectors": 65, "state": "rebuilt: saved index is older than the catalog"}));
        assert_eq!(format!("{} ({})", Backend::Exact, Origin::Built), "exact (built)");
        assert_eq!([Origin::Loaded, Origin::Updated].map(|o| o.to_string()), ["loaded", "updated"]);
    }

    /// A failed save prints nothing: it becomes a notice, taken once.
    #[test]
    fn a_failed_save_is_a_notice() {
        let tmp = tempfile::tempdir().unwrap();
        let catalog = Catalog::open(&tmp.path().join("catalog.sqlite")).unwrap();
        let blocked = tmp.path().join("index");
        std::fs::write(&blocked, b"a file where the index directory should be").unwrap();
        let mut store = IndexStore::new(blocked, IndexKind::Hnsw, HnswParams::default(), false);
        let info = store.info(&catalog, &ModelId::current(), Metric::Cosine).unwrap();
        assert_eq!((info.kind, info.vectors), (Backend::Hnsw, 0));
        assert!(matches!(info.state, Origin::Rebuilt(ref why) if why.starts_with("no saved index")), "{:?}", info.state);
        let notice = store.take_notice().expect("the failed save is reported");
        assert!(notice.starts_with("index not saved (it will be rebuilt next time): cannot create"), "{notice}");
        assert_eq!(store.take_notice(), None, "told once");
    }
}
