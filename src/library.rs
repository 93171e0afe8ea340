//! A library: one directory holding the catalog (source of truth) and derived index files. This is
//! the API the CLI and the GUI share: open, import, search, info.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use crate::aspect::{PerAspect, Weights};
use crate::calibration::{Calibration, Source};
use crate::catalog::{Artwork, ArtworkId, Catalog, Counts, OpenMode, Status};
use crate::duplicates;
use crate::embed::LazyEmbedder;
use crate::error::{Error, IoContext, Result};
use crate::import::{self, ImportContext, ImportSummary, Phase, Progress};
use crate::index::{HnswParams, IndexStore, Metric};
use crate::model::{self, ModelId};
use crate::query::{Query, QueryKind, blend_vectors};
use crate::runtime;
use crate::search::{self, Hit};
use crate::vectors::{ArtworkFeatures, Embedding};

pub use crate::index::{EXACT_BELOW, IndexInfo, IndexKind};

mod boards;
mod folders;
mod keep_only;
mod map;
mod steer;

pub use folders::{Folder, ROOT_NOT_FOUND, Unfollowed, folder_tree};
pub use keep_only::{KeptOnly, SystemTrash, Trash};

/// The catalog's file name in a library directory.
const CATALOG: &str = "catalog.sqlite";

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
    /// Picture or cut-out: what the preset `all` adapted to.
    pub kind: QueryKind,
    /// The weights the search used (the preset `all` adapts to the query's kind).
    pub weights: Weights,
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
    /// Aspects the query has something to compare by (a palette has colour only; a blend the
    /// aspects some image pulls towards): the others are off in the search.
    pub aspects: PerAspect<bool>,
}

/// Everything `kindred info` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Info {
    /// Library directory.
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub library: PathBuf,
    /// True when the directory cannot be written (search only).
    pub read_only: bool,
    /// True when other users of the computer can read or list the library (directory or catalog).
    pub readable_by_others: bool,
    /// Catalog file.
    #[serde(serialize_with = "crate::pathtext::lossy")]
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
    #[serde(serialize_with = "crate::pathtext::lossy_option")]
    pub runtime_path: Option<PathBuf>,
    /// Which rule of the runtime search order found it (`src/runtime.rs`).
    pub runtime_source: Option<runtime::RuntimeSource>,
    /// Distance metric.
    pub metric: Metric,
    /// The folders (and files) the library follows.
    #[serde(serialize_with = "crate::pathtext::lossy_vec")]
    pub roots: Vec<PathBuf>,
    /// Index state.
    pub index: IndexInfo,
}

/// An open library.
pub struct Library {
    dir: PathBuf,
    catalog: Catalog,
    model: ModelId,
    /// The search index: loaded, built or updated on demand.
    index: IndexStore,
    embedder: LazyEmbedder,
    /// What the user should hear about once (e.g. a read-only library), oldest first.
    notices: VecDeque<String>,
    /// The "readable by others" warning was queued (the app asks for `info` often: once is enough).
    warned_exposed: bool,
    /// The directory cannot be written: search only, indexes kept in memory.
    read_only: bool,
    /// Features of the last query file, keyed by (path, size, mtime): re-ranking the same query
    /// (another aspect, a weight slider) neither decodes nor runs the model again.
    last_query: Option<(PathBuf, u64, i64, ArtworkFeatures)>,
    /// The library's distribution of similarities scores are calibrated by, rebuilt on change.
    calibration: Option<Calibration>,
}

impl Library {
    /// The default library directory: the OS data dir (e.g. `~/.local/share/kindred`).
    pub fn default_dir() -> Result<PathBuf> {
        directories::ProjectDirs::from("", "", "kindred")
            .map(|d| d.data_dir().to_path_buf())
            .ok_or_else(|| Error::Usage("no home directory to keep the library in; pass --library DIR".into()))
    }

    /// Opens the library in `dir`, creating it if there is none (importing, the app): the directory
    /// and catalog are made private to the owner (0700, 0600). A `catalog.sqlite` that is not a
    /// Kindred catalog is refused, never written.
    pub fn open(dir: &Path, options: LibraryOptions) -> Result<Self> {
        create_private_dir(dir)?;
        Self::open_mode(dir, options, OpenMode::Create)
    }

    /// Opens the library in `dir`, which must exist (commands that only read: search, info):
    /// [`Error::NoLibrary`] when there is none, and nothing is created.
    pub fn open_existing(dir: &Path, options: LibraryOptions) -> Result<Self> {
        if !dir.join(CATALOG).is_file() {
            return Err(Error::NoLibrary(dir.to_path_buf()));
        }
        Self::open_mode(dir, options, OpenMode::Existing)
    }

    fn open_mode(dir: &Path, options: LibraryOptions, mode: OpenMode) -> Result<Self> {
        let path = dir.join(CATALOG);
        let (catalog, read_only) = if path.exists() && !dir_writable(dir) {
            (Catalog::open_read_only(&path)?, true)
        } else {
            (Catalog::open_with(&path, mode)?, false)
        };
        let notices =
            read_only.then(|| format!("library {} is read-only: searching works, importing does not", dir.display())).into_iter().collect();
        Ok(Self {
            dir: dir.to_path_buf(),
            catalog,
            model: ModelId::current(),
            index: IndexStore::new(dir.join("index"), options.index, options.hnsw, read_only),
            embedder: LazyEmbedder::default(),
            notices,
            warned_exposed: false,
            read_only,
            last_query: None,
            calibration: None,
        })
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
    /// Takes the write lock: refused ([`Error::Locked`]) while another process imports.
    pub fn set_metric(&mut self, metric: Metric) -> Result<()> {
        let _lock = self.write_lock()?;
        if self.metric()? != metric {
            self.catalog.set_meta("metric", metric.name())?;
            self.index.invalidate();
        }
        Ok(())
    }

    /// Imports files and folders, reporting progress; `cancel` stops after the batch in flight.
    /// The library remembers them as roots it follows ([`Library::rescan`], `kindred watch`).
    pub fn import(&mut self, roots: &[PathBuf], cancel: &AtomicBool, progress: &mut dyn FnMut(&Progress)) -> Result<ImportSummary> {
        self.import_with(roots, true, cancel, progress)
    }

    /// Imports without remembering the paths as roots (a rescan, a watched change).
    fn import_paths(&mut self, paths: &[PathBuf], cancel: &AtomicBool, progress: &mut dyn FnMut(&Progress)) -> Result<ImportSummary> {
        self.import_with(paths, false, cancel, progress)
    }

    fn import_with(
        &mut self,
        roots: &[PathBuf],
        remember: bool,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<ImportSummary> {
        let _lock = self.write_lock()?;
        let generation = self.catalog.generation()?;
        let ctx = ImportContext { catalog: &mut self.catalog, model: &self.model, embedder: &mut self.embedder, cancel, progress };
        let summary = import::import(roots, ctx)?;
        if remember {
            let canonical: Vec<PathBuf> = roots.iter().filter_map(|r| fs::canonicalize(r).ok()).collect();
            self.catalog.remember_roots(&canonical)?;
        }
        progress(&Progress::phase(Phase::Indexing));
        self.index.update_after_import(&self.catalog, &self.model, self.metric()?, generation, &summary)?;
        progress(&Progress::phase(Phase::Finished));
        Ok(summary)
    }

    /// Searches with a library artwork, an image file, or several images blended into one query.
    /// At most `k` hits, and never more than the library holds (`k` is capped before anything is
    /// allocated from it).
    pub fn search(&mut self, query: &Query, weights: &Weights, k: usize) -> Result<SearchResults> {
        weights.validate()?;
        let resolved = self.query_features(query)?;
        let metric = self.metric()?;
        let indexes = self.index.ensure(&self.catalog, &self.model, metric)?;
        let kind = QueryKind::of(resolved.features.transparent);
        // A cut-out's `all` turns colour off; a query with a source for some aspects only (a
        // palette, `--colour-from`) has chosen its aspects itself.
        let every_aspect = resolved.aspects.iter().all(|(_, has)| *has);
        let weights = steer::compared_aspects(if every_aspect { kind.weights(weights) } else { *weights }, resolved.aspects)?;
        let embedding = &resolved.features.embedding;
        // A shape push-away is compared as is (search::nearest says why).
        let mirror = !matches!(query, Query::Blend(parts) if parts.iter().any(|p| p.weights.shape < 0.0));
        let mut hits = search::nearest(&self.catalog, &self.model, indexes, embedding, kind, &resolved.members, &weights, k, mirror)?;
        let source = Source { generation: self.catalog.generation()?, metric };
        let calibration = match &mut self.calibration {
            Some(c) if c.source() == source => c,
            stale => stale.insert(Calibration::build(&self.catalog, &self.model, source)?),
        };
        steer::calibrate(&mut hits, calibration, &weights, kind);
        let query_id = match query {
            Query::Blend(_) => None,
            _ => resolved.members.first().copied(),
        };
        Ok(SearchResults { query_id, kind, weights, hits })
    }

    /// Folds repeated pictures among ranked hits into the best-ranked one (its `copies`, in rank
    /// order), by the library's one test of sameness ([`crate::duplicates::sameness`]): the same
    /// file in two folders, or a resized or re-encoded copy, takes one place in the results.
    pub fn collapse_copies(&self, hits: Vec<Hit>) -> Result<Vec<Hit>> {
        let ids: Vec<ArtworkId> = hits.iter().map(|h| h.id).collect();
        let embeddings = self.catalog.embeddings(&ids, &self.model)?;
        let hashes = self.catalog.hashes(&ids)?;
        let transparent = ids.iter().map(|&id| self.catalog.transparent(id)).collect::<Result<Vec<f32>>>()?;
        let groups = duplicates::group_copies(ids.len(), |a, b| {
            let looks = |i: usize| {
                Some(duplicates::Looks { hash: hashes.get(&ids[i]), embedding: embeddings.get(&ids[i])?, transparent: transparent[i] })
            };
            match (looks(a), looks(b)) {
                (Some(a), Some(b)) => duplicates::sameness(&a, &b).is_some(),
                _ => false,
            }
        });
        let mut hits: Vec<Option<Hit>> = hits.into_iter().map(Some).collect();
        Ok(groups
            .into_iter()
            .filter_map(|group| {
                let mut members = group.into_iter().filter_map(|i| hits[i].take());
                let mut first = members.next()?;
                first.copies.extend(members);
                Some(first)
            })
            .collect())
    }

    /// Every group of copies in the library (exact and near), largest first, best-quality member
    /// first ([`duplicates::find_groups`]); `min_shape`: the near-duplicate test's shape minimum
    /// (default [`duplicates::NEAR_DUPLICATE`]'s).
    pub fn duplicates(&mut self, min_shape: Option<f32>) -> Result<Vec<duplicates::DuplicateGroup>> {
        let min_shape = min_shape.or(duplicates::NEAR_DUPLICATE.shape).unwrap_or(1.0);
        if !(-1.0..=1.0).contains(&min_shape) {
            return Err(Error::Usage(format!("threshold {min_shape} is not a similarity between -1 and 1")));
        }
        let metric = self.metric()?;
        let indexes = self.index.ensure(&self.catalog, &self.model, metric)?;
        duplicates::find_groups(&self.catalog, &self.model, indexes, min_shape)
    }

    /// The vectors a query searches with, and the library artworks it is made of. A blend's vector
    /// per aspect is its members' weighted mean direction ([`crate::query::blend_vectors`]).
    pub fn query_features(&mut self, query: &Query) -> Result<QueryFeatures> {
        query.validate()?;
        let Query::Blend(parts) = query else {
            let (features, id) = self.image_features(query)?;
            let aspects = PerAspect::from_fn(|a| steer::has_vector(&features.embedding[a]));
            return Ok(QueryFeatures { features, members: id.into_iter().collect(), aspects });
        };
        let mut images = Vec::with_capacity(parts.len());
        for part in parts {
            images.push((part.weights, self.image_features(&part.image)?));
        }
        let embedding = Embedding::from_fn(|a| blend_vectors(images.iter().map(|(w, (f, _))| (w[a], f.embedding[a].as_slice())), a.dim()));
        // Shown beside the query: the palette of the first image that pulls.
        let pulls = |w: &PerAspect<f32>| w.iter().any(|(_, x)| *x > 0.0);
        let palette = images.iter().find(|(w, _)| pulls(w)).map(|(_, (f, _))| f.palette.clone()).unwrap_or_default();
        // A blend is the kind most of its pulling images are (the median share of transparency).
        let mut shares: Vec<f32> = images.iter().filter(|(w, _)| pulls(w)).map(|(_, (f, _))| f.transparent).collect();
        shares.sort_by(f32::total_cmp);
        // The lower median: a tie between pictures and cut-outs is a picture (colour stays on).
        let transparent = shares.get(shares.len().saturating_sub(1) / 2).copied().unwrap_or(0.0);
        let mut members: Vec<ArtworkId> = images.iter().filter_map(|(_, (_, id))| *id).collect();
        members.sort_unstable();
        members.dedup();
        let aspects = PerAspect::from_fn(|a| {
            images.iter().any(|(w, (f, _))| w[a] > 0.0 && steer::has_vector(&f.embedding[a])) && steer::has_vector(&embedding[a])
        });
        Ok(QueryFeatures { features: ArtworkFeatures { embedding, palette, transparent }, members, aspects })
    }

    /// Features of one image, and its artwork id when it is in the library. A file in the library
    /// whose size and mtime are unchanged uses its stored vectors (no inference).
    fn image_features(&mut self, image: &Query) -> Result<(ArtworkFeatures, Option<ArtworkId>)> {
        let stored = |lib: &Self, id: ArtworkId| -> Result<Option<ArtworkFeatures>> {
            let embedding = lib.catalog.embeddings(&[id], &lib.model)?.remove(&id);
            Ok(match embedding {
                Some(embedding) => {
                    Some(ArtworkFeatures { embedding, palette: lib.catalog.palette(id)?, transparent: lib.catalog.transparent(id)? })
                }
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
                // Read (a regular file of bounded size) before the model is loaded: a FIFO or a
                // device is refused at once.
                let bytes = search::read_query_file(&abs)?;
                let features = search::features_of(&abs, &bytes, self.embedder.get()?)?;
                self.last_query = Some((abs, size, mtime_ns, features.clone()));
                Ok((features, in_library))
            }
            Query::Palette(swatches) => Ok((steer::palette_features(swatches), None)),
            Query::Region { image, region } => self.region_features(image, region),
            Query::Blend(_) => Err(Error::Usage("blended queries do not nest".into())),
        }
    }

    /// Counts, model, runtime, metric and index state.
    pub fn info(&mut self) -> Result<Info> {
        let metric = self.metric()?;
        let index = self.index.info(&self.catalog, &self.model, metric)?;
        let (runtime, runtime_path, runtime_source) = match runtime::runtime() {
            Ok(r) => (r.version.clone(), Some(r.path.clone()), Some(r.source)),
            Err(e) => (format!("unavailable: {e:#}"), None, None),
        };
        let exposed = exposed_to_others(&self.dir, self.catalog.path());
        if let Some(what) = &exposed
            && !std::mem::replace(&mut self.warned_exposed, true)
        {
            self.notices.push_back(format!("warning: {what}; unreleased work should be private: `chmod -R go-rwx {}`", self.dir.display()));
        }
        Ok(Info {
            library: self.dir.clone(),
            read_only: self.read_only,
            readable_by_others: exposed.is_some(),
            catalog: self.catalog.path().to_path_buf(),
            counts: self.catalog.counts(&self.model)?,
            model: self.model.to_string(),
            model_sha256: model::expected_sha256().to_string(),
            runtime,
            runtime_path,
            runtime_source,
            metric,
            roots: self.catalog.roots()?,
            index,
        })
    }

    /// Takes the oldest pending notice, if any: each is reported once.
    pub fn take_notice(&mut self) -> Option<String> {
        self.notices.pop_front().or_else(|| self.index.take_notice())
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
        let mut options = File::options();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).on_path("cannot create lock file", &path)?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(fs::TryLockError::WouldBlock) => Err(Error::Locked(self.dir.clone())),
            Err(fs::TryLockError::Error(e)) => Err(Error::io("cannot lock", &path, e)),
        }
    }
}

/// Whether a file can be created in `dir` (permissions alone do not tell: root, immutable flags,
/// read-only mounts).
fn dir_writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".kindred-probe-{}", std::process::id()));
    let ok = File::create(&probe).is_ok();
    let _ = fs::remove_file(&probe);
    ok
}

/// Creates the library directory private to its owner (0700) if it does not exist; the folders
/// above it are made as `create_dir_all` makes them. An existing directory is left as it is
/// (`kindred info` warns when others can read it).
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).on_path("cannot create library directory", parent)?;
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(Error::io("cannot create library directory", dir, e)),
    }
}

/// What of the library other local users can read or list, if anything.
#[cfg(unix)]
fn exposed_to_others(dir: &Path, catalog: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).ok().map(|m| m.permissions().mode() & 0o777);
    let dir_mode = mode(dir)?;
    let catalog_mode = mode(catalog).unwrap_or(0);
    // Others reach the catalog through the directory (search bit) and read it (read bit).
    if dir_mode & 0o011 != 0 && catalog_mode & 0o044 != 0 {
        Some(format!(
            "library {} can be read by other users of this computer (directory {dir_mode:03o}, catalog {catalog_mode:03o})",
            dir.display()
        ))
    } else if dir_mode & 0o077 != 0 {
        Some(format!("other users of this computer have access to library {} (directory {dir_mode:03o})", dir.display()))
    } else {
        None
    }
}

#[cfg(not(unix))]
fn exposed_to_others(_dir: &Path, _catalog: &Path) -> Option<String> {
    None
}
