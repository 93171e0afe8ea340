//! Importing folders: walk, detect what changed, decode and prepare in parallel, embed in batches,
//! commit in small transactions. A crash or cancel loses at most the batch in flight; the next run
//! resumes because unchanged files (same size and mtime) are skipped.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use crossbeam_channel::{Receiver, bounded};
use serde::Serialize;

use crate::catalog::{ArtworkId, Catalog, FileState, NewArtwork, Status, Writer};
use crate::decode::{self, DecodeError};
use crate::embed::LazyEmbedder;
use crate::error::{IoContext, Result};
use crate::model::ModelId;
use crate::preprocess::{self, Prepared};
use crate::vectors::{ArtworkFeatures, Embedding};

/// Images embedded per model call.
pub const BATCH: usize = 8;
/// Files written per catalog transaction (at most this much work is lost by a crash).
const COMMIT_EVERY: usize = 32;
/// Stored as the mtime of a file that could not be read: no real file has it (pre-epoch times are
/// recorded as 0), so the next import reads the file again.
const RETRY_MTIME: i64 = -1;
/// File extensions that promise an image: such a file that does not decode is reported.
const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "jpe", "png", "webp", "gif", "bmp", "tif", "tiff"];

/// Stage of an import, for progress displays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Walking folders.
    Scanning,
    /// Decoding and embedding files.
    Embedding,
    /// Updating the search index.
    Indexing,
    /// Done (or cancelled).
    Finished,
}

/// A progress report, sent often during an import.
#[derive(Clone, Debug, Serialize)]
pub struct Progress {
    /// Current stage.
    pub phase: Phase,
    /// Files processed so far (of those that needed work).
    pub done: usize,
    /// Files that need work.
    pub total: usize,
    /// Files that failed so far.
    pub failed: usize,
    /// Processing rate, files per second.
    pub rate: f64,
    /// Estimated time left.
    pub eta: Option<Duration>,
    /// The file most recently finished.
    pub current: Option<PathBuf>,
}

impl Progress {
    /// A report for a stage without per-file counts.
    pub fn phase(phase: Phase) -> Self {
        Self { phase, done: 0, total: 0, failed: 0, rate: 0.0, eta: None, current: None }
    }
}

/// What an import did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportSummary {
    /// New artworks catalogued.
    pub added: usize,
    /// Changed files (or vectors from another model) embedded again.
    pub updated: usize,
    /// Files skipped because nothing changed.
    pub unchanged: usize,
    /// Files found at a new path by content hash (vectors kept).
    pub moved: usize,
    /// Catalogued files no longer found.
    pub missing: usize,
    /// Files that could not be read or decoded this run.
    pub failed: usize,
    /// True if the import was cancelled before finishing.
    pub cancelled: bool,
    /// Each failure: path and reason (files, unreadable folders, symlink loops).
    pub errors: Vec<(PathBuf, String)>,
    /// Artworks whose vectors changed (to add to the index).
    #[serde(skip)]
    pub changed_ids: Vec<ArtworkId>,
    /// Artworks that left the searchable set (to remove from the index).
    #[serde(skip)]
    pub removed_ids: Vec<ArtworkId>,
}

/// A file found by the walk that needs work.
struct Candidate {
    path: PathBuf,
    size: u64,
    mtime_ns: i64,
    previous: Option<FileState>,
}

/// Result of the parallel stage for one file.
enum Outcome {
    /// Decoded and prepared; needs the model.
    Prepared { file: Candidate, hash: [u8; 32], format: &'static str, prepared: Box<Prepared> },
    /// Content already embedded under another artwork.
    Known { file: Candidate, hash: [u8; 32], sources: Vec<ArtworkId> },
    /// Not an image and not named like one: ignored.
    Skipped,
    /// Listed by the walk, gone by the time it was read.
    Vanished { file: Candidate },
    /// Unreadable or undecodable.
    Failed {
        /// The file.
        file: Candidate,
        /// Why, for the user.
        error: String,
        /// A read error (not the content's fault): try again on the next import.
        retry: bool,
    },
}

/// Everything an import needs from the library.
pub struct ImportContext<'a> {
    /// Catalog to write to.
    pub catalog: &'a mut Catalog,
    /// Model in use (vectors from other models are redone).
    pub model: &'a ModelId,
    /// Loaded on first need: an import with nothing to embed never loads the model.
    pub embedder: &'a mut LazyEmbedder,
    /// Set to stop after the batch in flight.
    pub cancel: &'a AtomicBool,
    /// Receives progress reports.
    pub progress: &'a mut dyn FnMut(&Progress),
}

/// Imports every image under `roots` (files or folders).
pub fn import(roots: &[PathBuf], ctx: ImportContext<'_>) -> Result<ImportSummary> {
    let ImportContext { catalog, model, embedder, cancel, progress } = ctx;
    let mut summary = ImportSummary::default();
    progress(&Progress::phase(Phase::Scanning));

    let roots: Vec<PathBuf> = roots.iter().map(|r| std::fs::canonicalize(r).on_path("cannot open", r)).collect::<Result<_>>()?;
    let known = catalog.file_states(model)?;
    let (found, walk_errors) = walk(&roots);

    let mut todo = Vec::new();
    for (path, size, mtime_ns) in &found {
        match known.get(path) {
            Some(s) if s.size == *size && s.mtime_ns == *mtime_ns && (s.embedded || s.status == Status::Failed) => summary.unchanged += 1,
            previous => todo.push(Candidate { path: path.clone(), size: *size, mtime_ns: *mtime_ns, previous: previous.copied() }),
        }
    }
    let seen: HashSet<&PathBuf> = found.iter().map(|(p, _, _)| p).collect();
    // Catalogued artworks under the imported roots that the walk did not find: moved or gone.
    // Not those under a path the walk could not read (an unreadable folder): they may well be
    // there still, and are kept as they are.
    let unreadable = |p: &Path| walk_errors.iter().any(|(e, _)| p.starts_with(e));
    let mut vanished: HashSet<ArtworkId> = known
        .iter()
        .filter(|(p, s)| s.status != Status::Missing && !seen.contains(p) && roots.iter().any(|r| p.starts_with(r)) && !unreadable(p))
        .map(|(_, s)| s.id)
        .collect();
    summary.errors.extend(walk_errors);

    let by_hash = catalog.embedded_by_hash(model)?;
    let total = todo.len();
    let started = Instant::now();
    let mut done = 0;
    let mut failed = 0;
    let report = |done: usize, failed: usize, current: Option<PathBuf>| {
        let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
        let eta = (rate > 0.0).then(|| Duration::from_secs_f64((total - done) as f64 / rate));
        Progress { phase: Phase::Embedding, done, total, failed, rate, eta, current }
    };
    progress(&report(0, 0, None));

    std::thread::scope(|scope| -> Result<()> {
        let rx = spawn_workers(scope, todo, &by_hash, cancel);
        let mut writer = catalog.writer()?;
        let mut pending = 0usize;
        let mut batch: Vec<Outcome> = Vec::with_capacity(BATCH);
        while let Ok(outcome) = rx.recv() {
            let mut current = None;
            match outcome {
                Outcome::Skipped => done += 1,
                Outcome::Vanished { file } => {
                    if let Some(prev) = file.previous.filter(|p| p.status != Status::Missing) {
                        writer.mark_missing(prev.id)?;
                        summary.removed_ids.push(prev.id);
                        summary.missing += 1;
                    }
                    (done, pending) = (done + 1, pending + 1);
                }
                Outcome::Failed { file, error, retry } => {
                    // A read error (permissions, I/O) may not last: recorded with an impossible
                    // mtime so the next import tries again. A decode error is final for this content.
                    let mtime_ns = if retry { RETRY_MTIME } else { file.mtime_ns };
                    let id = writer.put_failure(&file.path, file.size, mtime_ns, &error)?;
                    if file.previous.is_some_and(|p| p.embedded) {
                        summary.removed_ids.push(id);
                    }
                    failed += 1;
                    summary.errors.push((file.path.clone(), error));
                    current = Some(file.path);
                    (done, pending) = (done + 1, pending + 1);
                }
                Outcome::Known { file, hash, sources } => {
                    current = Some(file.path.clone());
                    store_known(&mut writer, file, &hash, &sources, &mut vanished, &mut summary)?;
                    (done, pending) = (done + 1, pending + 1);
                }
                prepared @ Outcome::Prepared { .. } => {
                    batch.push(prepared);
                    // Flush when full, or as soon as the decoders are not keeping up: never wait for a full batch.
                    if batch.len() >= BATCH || rx.is_empty() {
                        let n = batch.len();
                        current = embed_and_store(&mut writer, embedder, model, &mut batch, &mut summary)?;
                        (done, pending) = (done + n, pending + n);
                    }
                }
            }
            if pending >= COMMIT_EVERY {
                writer.commit()?;
                writer = catalog.writer()?;
                pending = 0;
            }
            if current.is_some() {
                progress(&report(done, failed, current));
            }
        }
        embed_and_store(&mut writer, embedder, model, &mut batch, &mut summary)?;
        summary.cancelled = cancel.load(Ordering::Relaxed);
        if !summary.cancelled {
            for id in vanished {
                writer.mark_missing(id)?;
                summary.removed_ids.push(id);
                summary.missing += 1;
            }
        }
        writer.commit()
    })?;
    summary.failed = failed;
    Ok(summary)
}

/// A file found by [`walk`]: path, size, mtime in ns.
type Found = (PathBuf, u64, i64);
/// A path [`walk`] could not read, and why.
type Unreadable = (PathBuf, String);

/// Recursively lists files under `roots`. Hidden entries are skipped, symlinks followed with loop
/// detection; unreadable entries are reported, not fatal.
fn walk(roots: &[PathBuf]) -> (Vec<Found>, Vec<Unreadable>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut unique = HashSet::new();
    for root in roots {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().as_encoded_bytes().starts_with(b"."));
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => match e.metadata() {
                    Ok(m) => {
                        if unique.insert(e.path().to_path_buf()) {
                            files.push((e.path().to_path_buf(), m.len(), mtime_ns(&m)));
                        }
                    }
                    Err(err) => errors.push((e.path().to_path_buf(), format!("cannot read: {err}"))),
                },
                Ok(_) => {}
                Err(err) => {
                    let path = err.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
                    let reason = if err.loop_ancestor().is_some() {
                        "symlink loop: skipped".to_string()
                    } else {
                        let why = err.io_error().map_or_else(|| err.to_string(), |io| io.to_string());
                        let folder = err.path().is_some_and(|p| p.is_dir());
                        format!("cannot read{}: {why}", if folder { " folder (its contents were skipped)" } else { "" })
                    };
                    errors.push((path, reason));
                }
            }
        }
    }
    (files, errors)
}

/// Modification time in nanoseconds since the epoch (0 if unavailable).
pub fn mtime_ns(m: &std::fs::Metadata) -> i64 {
    m.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64)
}

/// Starts one decode worker per core; outcomes arrive on the returned channel.
fn spawn_workers<'s>(
    scope: &'s std::thread::Scope<'s, '_>,
    todo: Vec<Candidate>,
    by_hash: &'s HashMap<[u8; 32], Vec<ArtworkId>>,
    cancel: &'s AtomicBool,
) -> Receiver<Outcome> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (tx, rx) = bounded(BATCH * 2);
    let next = std::sync::Arc::new(AtomicUsize::new(0));
    let todo = std::sync::Arc::new(todo.into_iter().map(|c| std::sync::Mutex::new(Some(c))).collect::<Vec<_>>());
    for _ in 0..threads {
        let (tx, next, todo) = (tx.clone(), next.clone(), todo.clone());
        scope.spawn(move || {
            while !cancel.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = todo.get(i) else { break };
                let Some(file) = slot.lock().ok().and_then(|mut s| s.take()) else { continue };
                if tx.send(process(file, by_hash)).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// Reads, hashes, sniffs, decodes and prepares one file.
fn process(file: Candidate, by_hash: &HashMap<[u8; 32], Vec<ArtworkId>>) -> Outcome {
    let bytes = match read_image_file(&file.path) {
        Ok(Some(b)) => b,
        Ok(None) => return Outcome::Skipped,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Outcome::Vanished { file },
        Err(e) => return Outcome::Failed { error: format!("cannot read: {e}"), file, retry: true },
    };
    let hash = *blake3::hash(&bytes).as_bytes();
    if let Some(sources) = by_hash.get(&hash) {
        return Outcome::Known { file, hash, sources: sources.clone() };
    }
    match preprocess::decode_for_prepare(&bytes) {
        Ok(decoded) => {
            let format = decode::format_name(decoded.format);
            Outcome::Prepared { file, hash, format, prepared: Box::new(preprocess::prepare(decoded, true)) }
        }
        Err(e) => Outcome::Failed { error: e.to_string(), file, retry: false },
    }
}

/// Reads a file whose content or name says it is an image; `None` for other files.
fn read_image_file(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let mut f = std::fs::File::open(path)?;
    let mut head = [0u8; 64];
    let n = read_up_to(&mut f, &mut head)?;
    let named_image =
        path.extension().and_then(|e| e.to_str()).is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
    if !named_image && matches!(decode::sniff(&head[..n]), Err(DecodeError::Empty | DecodeError::NotAnImage)) {
        return Ok(None);
    }
    let mut bytes = head[..n].to_vec();
    f.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Content seen before: re-link a vanished artwork (a move) or copy vectors from a duplicate.
fn store_known(
    writer: &mut Writer<'_>,
    file: Candidate,
    hash: &[u8; 32],
    sources: &[ArtworkId],
    vanished: &mut HashSet<ArtworkId>,
    summary: &mut ImportSummary,
) -> Result<()> {
    if let Some(&moved) = sources.iter().find(|id| vanished.contains(id)) {
        vanished.remove(&moved);
        if let Some(prev) = file.previous {
            summary.removed_ids.push(prev.id); // the row at the new path is replaced
        }
        writer.move_artwork(moved, &file.path, file.size, file.mtime_ns)?;
        summary.moved += 1;
        summary.changed_ids.push(moved);
        return Ok(());
    }
    if let Some(prev) = file.previous.filter(|p| sources.contains(&p.id)) {
        // Same path, same content, new timestamp: nothing to recompute.
        writer.touch(prev.id, file.size, file.mtime_ns)?;
        summary.updated += 1;
        return Ok(());
    }
    let meta = NewArtwork { path: &file.path, size: file.size, mtime_ns: file.mtime_ns, hash, width: 0, height: 0, format: "" };
    let id = writer.put_artwork(&meta)?;
    writer.copy_derived(sources[0], id)?;
    count_stored(&file, summary);
    summary.changed_ids.push(id);
    Ok(())
}

/// Embeds the prepared files in `batch` (emptying it) and stores them; returns the last path.
fn embed_and_store(
    writer: &mut Writer<'_>,
    embedder: &mut LazyEmbedder,
    model: &ModelId,
    batch: &mut Vec<Outcome>,
    summary: &mut ImportSummary,
) -> Result<Option<PathBuf>> {
    if batch.is_empty() {
        return Ok(None);
    }
    let tensors: Vec<&[f32]> = batch
        .iter()
        .filter_map(|o| match o {
            Outcome::Prepared { prepared, .. } => Some(prepared.tensor.as_slice()),
            _ => None,
        })
        .collect();
    let vectors = embedder.get()?.embed(&tensors)?;
    let mut last = None;
    for (outcome, cnn) in batch.drain(..).zip(vectors) {
        let Outcome::Prepared { file, hash, format, prepared } = outcome else { continue };
        let meta = NewArtwork {
            path: &file.path,
            size: file.size,
            mtime_ns: file.mtime_ns,
            hash: &hash,
            width: prepared.width,
            height: prepared.height,
            format,
        };
        let id = writer.put_artwork(&meta)?;
        let features = ArtworkFeatures {
            embedding: Embedding::new(&prepared.colour, &cnn),
            palette: prepared.colour.palette.clone(),
            transparent: prepared.transparent,
        };
        writer.put_features(id, model, &features)?;
        if let Some(jpeg) = &prepared.thumbnail {
            writer.put_thumbnail(id, jpeg)?;
        }
        count_stored(&file, summary);
        summary.changed_ids.push(id);
        last = Some(file.path);
    }
    Ok(last)
}

fn count_stored(file: &Candidate, summary: &mut ImportSummary) {
    if file.previous.is_some() {
        summary.updated += 1;
    } else {
        summary.added += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_gone_before_reading_is_vanished_not_failed() {
        let dir = tempfile::tempdir().unwrap();
        let file = Candidate { path: dir.path().join("gone.png"), size: 10, mtime_ns: 1, previous: None };
        assert!(matches!(process(file, &HashMap::new()), Outcome::Vanished { .. }));
        let dir_as_file = Candidate { path: dir.path().to_path_buf(), size: 10, mtime_ns: 1, previous: None };
        assert!(matches!(process(dir_as_file, &HashMap::new()), Outcome::Failed { .. }));
    }
}
