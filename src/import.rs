//! Importing folders: walk, detect what changed, decode and prepare in parallel, embed in batches,
//! commit in small transactions. A crash or cancel loses at most the batch in flight; the next run
//! resumes because unchanged files (same size and mtime) are skipped.

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant, UNIX_EPOCH};

use crossbeam_channel::{Receiver, bounded};
use serde::Serialize;

use crate::catalog::{ArtworkId, Catalog, FileState, NewArtwork, Status, Writer};
use crate::decode::{self, DecodeError, ReadError};
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
    #[serde(serialize_with = "crate::pathtext::lossy_option")]
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
    #[serde(serialize_with = "crate::pathtext::lossy_pairs")]
    pub errors: Vec<(PathBuf, String)>,
    /// Artworks whose vectors changed (to add to the index).
    #[serde(skip)]
    pub changed_ids: Vec<ArtworkId>,
    /// Artworks that left the searchable set (to remove from the index).
    #[serde(skip)]
    pub removed_ids: Vec<ArtworkId>,
}

impl ImportSummary {
    /// Files whose state changed: added, embedded again, moved, gone or failed.
    pub fn changed(&self) -> usize {
        self.added + self.updated + self.moved + self.missing + self.failed
    }
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
            // A missing artwork found again (restored from the trash) is looked at: it comes back.
            Some(s)
                if s.size == *size
                    && s.mtime_ns == *mtime_ns
                    && s.status != Status::Missing
                    && (s.embedded || s.status == Status::Failed) =>
            {
                summary.unchanged += 1
            }
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
    // Where each catalogued artwork was: content found again whose old path is gone, even outside
    // the imported roots, is a move, not a second artwork beside a "missing" one.
    let path_of: HashMap<ArtworkId, &PathBuf> = known.iter().map(|(p, s)| (s.id, p)).collect();
    let gone = |id: ArtworkId| {
        path_of.get(&id).is_some_and(|p| matches!(std::fs::symlink_metadata(p), Err(e) if e.kind() == std::io::ErrorKind::NotFound))
    };
    let mut relinked: HashSet<ArtworkId> = HashSet::new();

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
                    let moved = sources.iter().copied().find(|&id| vanished.contains(&id) || (!relinked.contains(&id) && gone(id)));
                    if let Some(id) = moved {
                        relinked.insert(id);
                    }
                    store_known(&mut writer, file, &hash, &sources, moved, &mut vanished, &mut summary)?;
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
        // Entries reached through a symbolic link are catalogued under their real path, so a folder
        // reached twice (directly and through a link) is catalogued once.
        let mut linked: Vec<PathBuf> = Vec::new();
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().as_encoded_bytes().starts_with(b"."));
        for entry in walker {
            if let Ok(e) = &entry
                && e.path_is_symlink()
            {
                linked.push(e.path().to_path_buf());
            }
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let real = if linked.iter().any(|l| e.path().starts_with(l)) {
                        std::fs::canonicalize(e.path())
                    } else {
                        Ok(e.path().to_path_buf())
                    };
                    match real.and_then(|p| Ok((e.metadata()?, p))) {
                        Ok((m, path)) => {
                            if unique.insert(path.clone()) {
                                files.push((path, m.len(), mtime_ns(&m)));
                            }
                        }
                        Err(err) => errors.push((e.path().to_path_buf(), format!("cannot read: {err}"))),
                    }
                }
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
    let budget = std::sync::Arc::new(Budget::new(decode::MAX_ALLOC));
    let (tx, rx) = bounded(BATCH * 2);
    let next = std::sync::Arc::new(AtomicUsize::new(0));
    let todo = std::sync::Arc::new(todo.into_iter().map(|c| std::sync::Mutex::new(Some(c))).collect::<Vec<_>>());
    for _ in 0..threads {
        let (tx, next, todo, budget) = (tx.clone(), next.clone(), todo.clone(), budget.clone());
        scope.spawn(move || {
            while !cancel.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = todo.get(i) else { break };
                let Some(file) = slot.lock().ok().and_then(|mut s| s.take()) else { continue };
                if tx.send(process(file, by_hash, &budget)).is_err() {
                    break;
                }
            }
        });
    }
    rx
}

/// The memory the decode workers of one import may hold at once for the files they decode (file
/// bytes, pixels, the copies made on the way): [`decode::MAX_ALLOC`], one image's limit, shared.
/// A worker reserves what the header says its file needs ([`decode::probe`]) before reading it,
/// and waits while the others hold too much: however many workers and whatever the files, the
/// decoders never hold more than the budget.
struct Budget {
    total: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// Bytes held from a [`Budget`] until dropped.
struct Reservation<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    fn new(total: u64) -> Self {
        Self { total, used: Mutex::new(0), freed: Condvar::new() }
    }

    /// Waits until `bytes` fit beside what the other workers hold (at once if they hold nothing),
    /// then holds them.
    fn reserve(&self, bytes: u64) -> Reservation<'_> {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        while *used > 0 && *used + bytes > self.total {
            used = self.freed.wait(used).unwrap_or_else(PoisonError::into_inner);
        }
        *used += bytes;
        Reservation { budget: self, bytes }
    }

    #[cfg(test)]
    fn used(&self) -> u64 {
        *self.used.lock().unwrap()
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(PoisonError::into_inner);
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

/// Reads, hashes, sniffs, decodes and prepares one file. Only a regular file is opened; one named
/// or sniffed as an image is checked from its size and header against the limits, then read
/// whole (never more than [`decode::MAX_FILE`]) and decoded while its memory is reserved from
/// `budget`.
fn process(file: Candidate, by_hash: &HashMap<[u8; 32], Vec<ArtworkId>>, budget: &Budget) -> Outcome {
    let read_failed = |file, e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => Outcome::Vanished { file },
        _ => Outcome::Failed { error: format!("cannot read: {e}"), file, retry: true },
    };
    let refused = |file, e: DecodeError| Outcome::Failed { error: e.to_string(), file, retry: false };
    let (mut f, len) = match decode::open_file(&file.path) {
        Ok(opened) => opened,
        Err(ReadError::Io(e)) => return read_failed(file, e),
        Err(ReadError::Refused(e)) => return refused(file, e),
    };
    let mut head = vec![0u8; decode::SNIFF_LEN];
    let n = match read_up_to(&mut f, &mut head) {
        Ok(n) => n,
        Err(e) => return read_failed(file, e),
    };
    // A file named as an image that does not decode is reported; any other one is skipped. TGA
    // has no signature and ICO's is four bytes: content that only looks like one counts when the
    // file is named as an image.
    let named_image = file.path.extension().and_then(|e| e.to_str()).is_some_and(decode::is_image_extension);
    let format = match decode::sniff(&head[..n]) {
        Ok(decode::Format::Tga | decode::Format::Ico) if !named_image => return Outcome::Skipped,
        Ok(format) => format,
        Err(_) if !named_image => return Outcome::Skipped,
        Err(e) => return refused(file, e),
    };
    if len > decode::MAX_FILE {
        return refused(file, DecodeError::FileTooLarge { size: len });
    }
    if let Err(e) = f.seek(SeekFrom::Start(0)) {
        return read_failed(file, e);
    }
    let plan = match decode::probe(BufReader::new(&mut f), format, len) {
        Ok(plan) => plan,
        Err(e) => return refused(file, e),
    };
    let _held = budget.reserve(len + plan.need);
    if let Err(e) = f.seek(SeekFrom::Start(0)) {
        return read_failed(file, e);
    }
    let bytes = match decode::read_rest(&mut f, len, Vec::new()) {
        Ok(bytes) => bytes,
        Err(ReadError::Io(e)) => return read_failed(file, e),
        Err(ReadError::Refused(e)) => return refused(file, e),
    };
    let hash = *blake3::hash(&bytes).as_bytes();
    if let Some(sources) = by_hash.get(&hash) {
        return Outcome::Known { file, hash, sources: sources.clone() };
    }
    match preprocess::decode_for_prepare(&bytes) {
        Ok(decoded) => {
            let format = decoded.format.name();
            Outcome::Prepared { file, hash, format, prepared: Box::new(preprocess::prepare(decoded, true)) }
        }
        Err(e) => refused(file, e),
    }
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

/// Content seen before: re-link `moved` (an artwork of that content whose file is gone) or copy
/// vectors from a duplicate.
fn store_known(
    writer: &mut Writer<'_>,
    file: Candidate,
    hash: &[u8; 32],
    sources: &[ArtworkId],
    moved: Option<ArtworkId>,
    vanished: &mut HashSet<ArtworkId>,
    summary: &mut ImportSummary,
) -> Result<()> {
    if let Some(moved) = moved {
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
        if prev.status == Status::Missing {
            // Back at its path with its content (restored from the trash): searchable again.
            writer.restore(prev.id, &file.path, file.size, file.mtime_ns)?;
            summary.updated += 1;
            summary.changed_ids.push(prev.id);
            return Ok(());
        }
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
    use std::os::unix::fs::FileExt;

    #[test]
    fn a_file_gone_before_reading_is_vanished_not_failed() {
        let dir = tempfile::tempdir().unwrap();
        let file = Candidate { path: dir.path().join("gone.png"), size: 10, mtime_ns: 1, previous: None };
        let budget = Budget::new(decode::MAX_ALLOC);
        assert!(matches!(process(file, &HashMap::new(), &budget), Outcome::Vanished { .. }));
        let dir_as_file = Candidate { path: dir.path().to_path_buf(), size: 10, mtime_ns: 1, previous: None };
        assert!(matches!(process(dir_as_file, &HashMap::new(), &budget), Outcome::Failed { .. }));
    }

    /// Workers never hold more than the budget together: a reservation that does not fit waits
    /// for others to be released; one alone always proceeds.
    #[test]
    fn the_budget_is_shared_between_workers() {
        let budget = Budget::new(100);
        let peak = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for i in 0..8u64 {
                let (budget, peak) = (&budget, &peak);
                s.spawn(move || {
                    for _ in 0..50 {
                        let _held = budget.reserve(30 + i * 5);
                        peak.fetch_max(budget.used() as usize, Ordering::SeqCst);
                        std::thread::yield_now();
                    }
                });
            }
        });
        let peak = peak.load(Ordering::SeqCst);
        assert!((60..=100).contains(&peak), "peak {peak}");
        assert_eq!(budget.used(), 0);
        let alone = budget.reserve(150);
        assert_eq!(budget.used(), 150, "a reservation alone is never refused (the probe caps it)");
        drop(alone);
    }

    /// A FIFO named like an image is refused without opening it (opening would block), a file
    /// over the size limit is refused from its size, before reading; neither is retried.
    #[test]
    fn a_fifo_and_a_huge_file_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.png");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let huge = dir.path().join("huge.jpg");
        let f = std::fs::File::create(&huge).unwrap();
        f.write_all_at(&[0xFF, 0xD8, 0xFF, 0xE0], 0).unwrap();
        f.set_len(decode::MAX_FILE + 1).unwrap();
        let budget = Budget::new(decode::MAX_ALLOC);
        for (path, reason) in [(fifo, "not a regular file (a FIFO)"), (huge, "file too large")] {
            let file = Candidate { path, size: 0, mtime_ns: 1, previous: None };
            match process(file, &HashMap::new(), &budget) {
                Outcome::Failed { error, retry, .. } => assert!(error.contains(reason) && !retry, "{error}"),
                _ => panic!("refused"),
            }
        }
    }
}
