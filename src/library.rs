//! A library: one directory holding the catalog (source of truth) and derived index files. This is
//! the API the CLI and the GUI share: open, import, search, info.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::error::{Error, IoContext, Result};
use crate::catalog::{Artwork, ArtworkId, Catalog, Counts, Status};
use crate::embed::LazyEmbedder;
use crate::aspect::{Aspect, Weights};
use crate::vectors::{ArtworkFeatures, Embedding};
use crate::import::{self, ImportContext, ImportSummary, Phase, Progress};
use crate::index::{ExactIndex, HnswIndex, HnswParams, Metric, Representation, Storage, VectorIndex};
use crate::model::{self, ModelId};
use crate::runtime;
use crate::query::{Query, blend_vectors};
use crate::search::{self, AspectIndexes, Hit};

/// Below this many artworks the exact index is used (no index files at all).
pub const EXACT_BELOW: usize = 2_000;
/// Embeddings read from the catalog per index insertion batch when (re)building.
const BUILD_CHUNK: usize = 2_048;
/// Version of `index/state.json`. 1: f16 vectors, usearch's cosine kernel (no record of either);
/// 2: each aspect's representation recorded (`hnsw_representation`).
const INDEX_FORMAT: u32 = 2;

/// Which index implementation a library uses.
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

/// Options for opening a library.
#[derive(Clone, Copy, Debug, Default)]
pub struct LibraryOptions {
    /// Index implementation.
    pub index: IndexKind,
    /// HNSW parameters.
    pub hnsw: HnswParams,
}

/// Results of one query.
#[derive(Clone, Debug, Serialize)]
pub struct SearchResults {
    /// The artwork the query is, when it is in the library.
    pub query_id: Option<ArtworkId>,
    /// Best first.
    pub hits: Vec<Hit>,
}

/// What a query searches with.
#[derive(Clone, Debug)]
pub struct QueryFeatures {
    /// The vectors (and the palette shown beside the query).
    pub features: ArtworkFeatures,
    /// Library artworks the query is made of, excluded from its results.
    pub members: Vec<ArtworkId>,
}

/// State of the search index, for `kindred info` and the status bar.
#[derive(Clone, Debug, Serialize)]
pub struct IndexInfo {
    /// "exact" or "hnsw".
    pub kind: &'static str,
    /// Vectors per aspect.
    pub vectors: usize,
    /// "loaded", "built", or "rebuilt: <why>".
    pub state: String,
}

/// Everything `kindred info` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Info {
    /// Library directory.
    pub library: PathBuf,
    /// True when the directory cannot be written (search only).
    pub read_only: bool,
    /// Catalog file.
    pub catalog: PathBuf,
    /// Artwork counts.
    pub counts: Counts,
    /// Model id vectors are tagged with.
    pub model: String,
    /// sha256 of the model.
    pub model_sha256: String,
    /// ONNX Runtime version, or why it could not be loaded.
    pub runtime: String,
    /// Where ONNX Runtime was loaded from.
    pub runtime_path: Option<PathBuf>,
    /// Distance metric.
    pub metric: Metric,
    /// Index state.
    pub index: IndexInfo,
}

struct Loaded {
    aspects: AspectIndexes,
    kind: &'static str,
    generation: u64,
    state: String,
}

/// An open library.
pub struct Library {
    dir: PathBuf,
    catalog: Catalog,
    model: ModelId,
    options: LibraryOptions,
    index: Option<Loaded>,
    embedder: LazyEmbedder,
    /// Something the user should hear about once (e.g. a damaged index was rebuilt).
    notice: Option<String>,
    /// The directory cannot be written: search only, indexes kept in memory.
    read_only: bool,
    /// Features of the last query file, keyed by (path, size, mtime): re-ranking the same query
    /// (another aspect, a weight slider) neither decodes nor runs the model again.
    last_query: Option<(PathBuf, u64, i64, ArtworkFeatures)>,
}

impl Library {
    /// The default library directory: the OS data dir (e.g. `~/.local/share/kindred`).
    pub fn default_dir() -> Result<PathBuf> {
        directories::ProjectDirs::from("", "", "kindred")
            .map(|d| d.data_dir().to_path_buf())
            .ok_or_else(|| Error::Usage("no home directory to keep the library in; pass --library DIR".into()))
    }

    /// Opens (creating if needed) the library in `dir`.
    pub fn open(dir: &Path, options: LibraryOptions) -> Result<Self> {
        fs::create_dir_all(dir).on_path("cannot create library directory", dir)?;
        let path = dir.join("catalog.sqlite");
        let (catalog, read_only) = if path.exists() && !dir_writable(dir) {
            (Catalog::open_read_only(&path)?, true)
        } else {
            (Catalog::open(&path)?, false)
        };
        let notice = read_only.then(|| format!("library {} is read-only: searching works, importing does not", dir.display()));
        Ok(Self { dir: dir.to_path_buf(), catalog, model: ModelId::current(), options, index: None, embedder: LazyEmbedder::default(), notice, read_only, last_query: None })
    }

    /// Library directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The catalog (read access for views).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Model id in use.
    pub fn model(&self) -> &ModelId {
        &self.model
    }

    /// Distance metric of this library.
    pub fn metric(&self) -> Result<Metric> {
        match self.catalog.meta("metric")? {
            None => Ok(Metric::default()),
            Some(m) => m.parse().map_err(|e| Error::CorruptRecord(format!("catalog metric: {e}"))),
        }
    }

    /// Changes the metric; indexes are rebuilt on next use.
    pub fn set_metric(&mut self, metric: Metric) -> Result<()> {
        if self.metric()? != metric {
            self.catalog.set_meta("metric", metric.name())?;
            self.index = None;
        }
        Ok(())
    }

    /// Imports files and folders, reporting progress; `cancel` stops after the batch in flight.
    pub fn import(&mut self, roots: &[PathBuf], cancel: &AtomicBool, progress: &mut dyn FnMut(&Progress)) -> Result<ImportSummary> {
        let _lock = self.write_lock()?;
        let generation = self.catalog.generation()?;
        let ctx = ImportContext { catalog: &mut self.catalog, model: &self.model, embedder: &mut self.embedder, cancel, progress };
        let summary = import::import(roots, ctx)?;
        progress(&Progress::phase(Phase::Indexing));
        self.update_index(generation, &summary)?;
        progress(&Progress::phase(Phase::Finished));
        Ok(summary)
    }

    /// Searches with a library artwork, an image file, or several images blended into one query.
    pub fn search(&mut self, query: &Query, weights: &Weights, k: usize) -> Result<SearchResults> {
        weights.validate()?;
        let resolved = self.query_features(query)?;
        let metric = self.metric()?;
        self.ensure_index(metric)?;
        let loaded = self.index.as_ref().expect("index ensured");
        let hits = search::nearest(&self.catalog, &self.model, &loaded.aspects, &resolved.features.embedding, &resolved.members, weights, k)?;
        let query_id = match query {
            Query::Blend(_) => None,
            _ => resolved.members.first().copied(),
        };
        Ok(SearchResults { query_id, hits })
    }

    /// The vectors a query searches with, and the library artworks it is made of. A blend's vector
    /// per aspect is its members' weighted mean direction ([`crate::query::blend_vectors`]).
    pub fn query_features(&mut self, query: &Query) -> Result<QueryFeatures> {
        query.validate()?;
        let Query::Blend(parts) = query else {
            let (features, id) = self.image_features(query)?;
            return Ok(QueryFeatures { features, members: id.into_iter().collect() });
        };
        let mut images = Vec::with_capacity(parts.len());
        for part in parts {
            images.push((part.weights, self.image_features(&part.image)?));
        }
        let embedding = Embedding::from_fn(|a| blend_vectors(images.iter().map(|(w, (f, _))| (w[a], f.embedding[a].as_slice())), a.dim()));
        // Shown beside the query: the palette of the first image that pulls.
        let palette = images.iter().find(|(w, _)| w.iter().any(|(_, x)| *x > 0.0)).map(|(_, (f, _))| f.palette.clone()).unwrap_or_default();
        let mut members: Vec<ArtworkId> = images.iter().filter_map(|(_, (_, id))| *id).collect();
        members.sort_unstable();
        members.dedup();
        Ok(QueryFeatures { features: ArtworkFeatures { embedding, palette }, members })
    }

    /// Features of one image, and its artwork id when it is in the library. A file in the library
    /// whose size and mtime are unchanged uses its stored vectors (no inference).
    fn image_features(&mut self, image: &Query) -> Result<(ArtworkFeatures, Option<ArtworkId>)> {
        let stored = |lib: &Self, id: ArtworkId| -> Result<Option<ArtworkFeatures>> {
            let embedding = lib.catalog.embeddings(&[id], &lib.model)?.remove(&id);
            Ok(match embedding {
                Some(embedding) => Some(ArtworkFeatures { embedding, palette: lib.catalog.palette(id)? }),
                None => None,
            })
        };
        match image {
            Query::Artwork(id) => {
                let f = stored(self, *id)?.ok_or_else(|| Error::Usage(format!("artwork {id} has no vectors from the current model")))?;
                Ok((f, Some(*id)))
            }
            Query::File(path) => {
                let abs = fs::canonicalize(path).on_path("cannot open query", path)?;
                let meta = fs::metadata(&abs).on_path("cannot open query", path)?;
                let catalogued = self.catalog.artwork_by_path(&abs)?;
                if let Some(a) = &catalogued
                    && a.status == Status::Ok
                    && a.size == meta.len()
                    && a.mtime_ns == import::mtime_ns(&meta)
                    && let Some(f) = stored(self, a.id)?
                {
                    return Ok((f, Some(a.id)));
                }
                let in_library = catalogued.map(|a| a.id);
                let (size, mtime_ns) = (meta.len(), import::mtime_ns(&meta));
                if let Some((p, s, m, f)) = &self.last_query
                    && *p == abs
                    && *s == size
                    && *m == mtime_ns
                {
                    return Ok((f.clone(), in_library));
                }
                let features = search::file_features(&abs, self.embedder.get()?)?;
                self.last_query = Some((abs, size, mtime_ns, features.clone()));
                Ok((features, in_library))
            }
            Query::Blend(_) => Err(Error::Usage("blended queries do not nest".into())),
        }
    }

    /// Counts, model, runtime, metric and index state.
    pub fn info(&mut self) -> Result<Info> {
        let metric = self.metric()?;
        self.ensure_index(metric)?;
        let loaded = self.index.as_ref().expect("index ensured");
        let (runtime, runtime_path) = match runtime::runtime() {
            Ok(r) => (r.version.clone(), Some(r.path.clone())),
            Err(e) => (format!("unavailable: {e:#}"), None),
        };
        Ok(Info {
            library: self.dir.clone(),
            read_only: self.read_only,
            catalog: self.catalog.path().to_path_buf(),
            counts: self.catalog.counts(&self.model)?,
            model: self.model.to_string(),
            model_sha256: model::expected_sha256().to_string(),
            runtime,
            runtime_path,
            metric,
            index: IndexInfo { kind: loaded.kind, vectors: loaded.aspects.get(Aspect::Shape).len(), state: loaded.state.clone() },
        })
    }

    /// Takes the pending notice, if any: each is reported once.
    pub fn take_notice(&mut self) -> Option<String> {
        self.notice.take()
    }

    /// Artworks that failed to import, with reasons.
    pub fn failures(&self) -> Result<Vec<Artwork>> {
        self.catalog.artworks_with_status(Status::Failed)
    }

    /// Exclusive lock for writers: a second importer is refused with a clear message.
    fn write_lock(&self) -> Result<File> {
        if self.read_only {
            return Err(Error::ReadOnly { dir: self.dir.clone(), action: "import into it" });
        }
        let path = self.dir.join("lock");
        let file = File::options().create(true).truncate(false).write(true).open(&path).on_path("cannot create lock file", &path)?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(fs::TryLockError::WouldBlock) => Err(Error::Locked(self.dir.clone())),
            Err(fs::TryLockError::Error(e)) => Err(Error::io("cannot lock", &path, e)),
        }
    }

    fn index_dir(&self) -> PathBuf {
        self.dir.join("index")
    }

    /// Loads the index if fresh, otherwise rebuilds it from the catalog (and saves it if HNSW).
    fn ensure_index(&mut self, metric: Metric) -> anyhow::Result<()> {
        let generation = self.catalog.generation()?;
        // Hot path (every search): the kind only changes when the catalog does, so a loaded index
        // at the current generation and metric is used without counting artworks.
        if self.index.as_ref().is_some_and(|l| l.generation == generation && l.aspects.metric == metric) {
            return Ok(());
        }
        let want = self.wanted_kind()?;
        let loaded = match want {
            "exact" => self.build(metric, "exact", "built".into())?,
            _ => match self.load_hnsw(metric, generation) {
                Ok(l) => l,
                Err(why) => {
                    let l = self.build(metric, "hnsw", format!("rebuilt: {why:#}"))?;
                    if self.index_dir().join("state.json").exists() {
                        self.notice = Some(format!("search index rebuilt from the catalog ({why:#})"));
                    }
                    self.save_hnsw(&l);
                    l
                }
            },
        };
        self.index = Some(loaded);
        Ok(())
    }

    fn wanted_kind(&self) -> anyhow::Result<&'static str> {
        Ok(match self.options.index {
            IndexKind::Exact => "exact",
            IndexKind::Hnsw => "hnsw",
            IndexKind::Auto if (self.catalog.counts(&self.model)?.ok as usize) < EXACT_BELOW => "exact",
            IndexKind::Auto => "hnsw",
        })
    }

    fn new_indexes(&self, metric: Metric, kind: &str, capacity: usize) -> anyhow::Result<AspectIndexes> {
        let indexes = Aspect::ALL
            .iter()
            .map(|a| -> anyhow::Result<Box<dyn VectorIndex>> {
                Ok(match kind {
                    "exact" => Box::new(ExactIndex::new(a.dim(), metric)),
                    _ => Box::new(HnswIndex::new(a.dim(), metric, hnsw_representation(*a, metric), self.options.hnsw, capacity)?),
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(AspectIndexes { indexes, metric })
    }

    fn build(&self, metric: Metric, kind: &'static str, state: String) -> anyhow::Result<Loaded> {
        let generation = self.catalog.generation()?;
        let capacity = self.catalog.counts(&self.model)?.ok as usize;
        let mut aspects = self.new_indexes(metric, kind, capacity)?;
        let mut chunk = Vec::with_capacity(BUILD_CHUNK);
        self.catalog.for_each_embedding(&self.model, |id, e| {
            chunk.push((id, e));
            if chunk.len() == BUILD_CHUNK {
                add_all(&mut aspects, &std::mem::take(&mut chunk))?;
            }
            Ok(())
        })?;
        add_all(&mut aspects, &chunk)?;
        Ok(Loaded { aspects, kind, generation, state })
    }

    fn load_hnsw(&self, metric: Metric, generation: u64) -> anyhow::Result<Loaded> {
        let files = verify_saved_index(&self.index_dir(), &self.model, metric, generation)?;
        let mut indexes: Vec<Box<dyn VectorIndex>> = Vec::new();
        for (aspect, path) in Aspect::ALL.iter().zip(&files) {
            indexes.push(Box::new(HnswIndex::load(path, aspect.dim(), metric, hnsw_representation(*aspect, metric), self.options.hnsw)?));
        }
        Ok(Loaded { aspects: AspectIndexes { indexes, metric }, kind: "hnsw", generation, state: "loaded".into() })
    }

    /// Saves HNSW files then their checksums; a crash in between leaves a mismatch, i.e. a rebuild.
    /// Failure to save (read-only directory) is not an error: the index is only a cache.
    fn save_hnsw(&self, loaded: &Loaded) {
        if self.read_only {
            return; // kept in memory for this session
        }
        let result = (|| -> anyhow::Result<()> {
            let dir = self.index_dir();
            fs::create_dir_all(&dir)?;
            let (mut files, mut representations) = (Vec::new(), Vec::new());
            for (aspect, index) in Aspect::ALL.iter().zip(&loaded.aspects.indexes) {
                let hnsw = index_as_hnsw(index.as_ref()).context("not an HNSW index")?;
                representations.push(hnsw.representation());
                let (tmp, path) = (dir.join(format!("{aspect}.usearch.tmp")), dir.join(format!("{aspect}.usearch")));
                hnsw.save(&tmp)?;
                files.push(blake3::hash(&fs::read(&tmp)?).to_hex().to_string());
                fs::rename(&tmp, &path)?;
            }
            let state = IndexState {
                format: INDEX_FORMAT,
                model: self.model.to_string(),
                metric: loaded.aspects.metric,
                generation: loaded.generation,
                representations,
                files,
            };
            let tmp = dir.join("state.json.tmp");
            fs::write(&tmp, serde_json::to_vec_pretty(&state)?)?;
            fs::rename(&tmp, dir.join("state.json"))?;
            Ok(())
        })();
        if let Err(e) = result {
            eprintln!("kindred: index not saved (it will be rebuilt next time): {e:#}");
        }
    }

    /// Brings the index up to date after an import: incremental when it was fresh before.
    fn update_index(&mut self, before: u64, summary: &ImportSummary) -> anyhow::Result<()> {
        let after = self.catalog.generation()?;
        let metric = self.metric()?;
        if after == before && self.index.is_some() {
            return Ok(());
        }
        let want = self.wanted_kind()?;
        if self.index.as_ref().is_none_or(|l| l.generation != before || l.kind != want) && want == "hnsw" {
            self.index = self.load_hnsw(metric, before).ok();
        }
        let Some(loaded) = self.index.as_mut().filter(|l| l.generation == before && l.kind == want) else {
            self.index = None;
            return self.ensure_index(metric);
        };
        for &id in &summary.removed_ids {
            for index in &mut loaded.aspects.indexes {
                index.remove(id as u64)?;
            }
        }
        for ids in summary.changed_ids.chunks(BUILD_CHUNK) {
            let chunk: Vec<(ArtworkId, Embedding)> = self.catalog.embeddings(ids, &self.model)?.into_iter().collect();
            add_all(&mut loaded.aspects, &chunk)?;
        }
        loaded.generation = after;
        loaded.state = "updated".into();
        if want == "hnsw" {
            let loaded = self.index.take().expect("present");
            self.save_hnsw(&loaded);
            self.index = Some(loaded);
        }
        Ok(())
    }
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

/// Adds a chunk of embeddings to every aspect's index (HNSW inserts them in parallel).
fn add_all(aspects: &mut AspectIndexes, chunk: &[(ArtworkId, Embedding)]) -> anyhow::Result<()> {
    for (aspect, index) in Aspect::ALL.iter().zip(&mut aspects.indexes) {
        let items: Vec<(u64, &[f32])> = chunk.iter().map(|(id, e)| (*id as u64, e[*aspect].as_slice())).collect();
        index.add_batch(&items)?;
    }
    Ok(())
}

/// Whether a file can be created in `dir` (permissions alone do not tell: root, immutable flags,
/// read-only mounts).
fn dir_writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".kindred-probe-{}", std::process::id()));
    let ok = File::create(&probe).is_ok();
    let _ = fs::remove_file(&probe);
    ok
}

/// Checks a saved HNSW index in `dir` (a library's `index/`) the way [`Library`] does before
/// loading it: parses `state.json`, checks its format, model, metric, each aspect's vector
/// representation (against [`hnsw_representation`]) and catalog generation, and verifies each
/// aspect file against its blake3 checksum. Returns the verified files in [`Aspect::ALL`] order.
/// Any error means the index is rebuilt from the catalog; only files that pass reach the (C++)
/// usearch loader.
pub fn verify_saved_index(dir: &Path, model: &ModelId, metric: Metric, generation: u64) -> anyhow::Result<Vec<PathBuf>> {
    let text = fs::read_to_string(dir.join("state.json")).context("no saved index")?;
    let state: IndexState = serde_json::from_str(&text).context("unreadable index state")?;
    if state.format != INDEX_FORMAT {
        bail!("saved index has format {}, this version uses format {INDEX_FORMAT} (vector representation per aspect)", state.format);
    }
    if state.model != model.as_str() || state.metric != metric {
        bail!("saved index is for another model or metric");
    }
    if state.representations.len() != Aspect::ALL.len() {
        bail!("saved index records {} vector representations, expected {}", state.representations.len(), Aspect::ALL.len());
    }
    for (aspect, saved) in Aspect::ALL.iter().zip(&state.representations) {
        let wanted = hnsw_representation(*aspect, metric);
        if *saved != wanted {
            bail!("saved {aspect} index holds {saved} vectors, this version uses {wanted}");
        }
    }
    if state.generation != generation {
        bail!("saved index is older than the catalog");
    }
    // One file per aspect, or the index would silently lack an aspect (fuzz target index_state).
    if state.files.len() != Aspect::ALL.len() {
        bail!("saved index lists {} files, expected {}", state.files.len(), Aspect::ALL.len());
    }
    let mut files = Vec::new();
    for (aspect, expected) in Aspect::ALL.iter().zip(&state.files) {
        let path = dir.join(format!("{aspect}.usearch"));
        let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if blake3::hash(&bytes).to_hex().as_str() != expected {
            bail!("{} is damaged (checksum mismatch)", path.display());
        }
        files.push(path);
    }
    Ok(files)
}

fn index_as_hnsw(index: &dyn VectorIndex) -> Option<&HnswIndex> {
    index.as_any().downcast_ref::<HnswIndex>()
}

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
