//! The background thread that owns the [`Library`]: every slow operation (import, search, thumbnail
//! decoding, info) runs here, so the UI thread never blocks. Commands go in over a channel, events
//! come back over another, and the UI is asked to repaint after each event.

use eframe::egui;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::aspect::Weights;
use crate::board::{Board, BoardId, BoardSummary, Placement};
use crate::catalog::{Artwork, ArtworkId, Status};
use crate::colour::Swatch;
use crate::decode;
use crate::duplicates::DuplicateGroup;
use crate::error::Error;
use crate::import::{ImportSummary, Phase, Progress};
use crate::library::{Info, KeptOnly, Library, LibraryOptions, SearchResults, Trash};
use crate::map::CollectionMap;
use crate::query::Query;
use crate::watch::{Changes, DEBOUNCE, FolderWatcher};

use super::app::file_name;

mod duplicates;
mod jobs;
mod thumbnails;

use jobs::Jobs;

/// Longest side of the preview decoded for a query file that is not in the library.
const PREVIEW_SIDE: u32 = 320;
/// Minimum time between two progress events (phase changes are always sent).
const PROGRESS_EVERY: Duration = Duration::from_millis(50);
/// How long changes in the folders wait when another process holds the library's write lock.
const RETRY_CHANGES: Duration = Duration::from_secs(2);

/// What an image texture shows: a library artwork's thumbnail or a query file's preview.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThumbKey {
    /// Catalog thumbnail of an artwork.
    Artwork(ArtworkId),
    /// Preview of an image file outside the library.
    File(PathBuf),
}

/// A thumbnail and the cache epoch it was asked in ([`Command::LoadThumbnail`]).
type ThumbRequest = (ThumbKey, u64);

/// A request to the worker.
#[derive(Debug)]
pub enum Command {
    /// Import files and folders (cancel with [`WorkerHandle::cancel_job`]).
    Import {
        /// Files or folders.
        roots: Vec<PathBuf>,
        /// Its id ([`WorkerHandle::job_id`]).
        id: u64,
    },
    /// Keep the searches that follow to a folder (`None`: the whole library).
    SearchIn(Option<PathBuf>),
    /// Import every folder the library follows again (cancel with [`WorkerHandle::cancel_job`]).
    Rescan {
        /// Its id ([`WorkerHandle::job_id`]).
        id: u64,
    },
    /// Stop following a folder ([`Library::stop_following`]): no more rescans or watching of it;
    /// its artworks stay in the library.
    StopFollowing(PathBuf),
    /// Run a search; only the newest pending search is run.
    Search {
        /// Identifies the answer.
        token: u64,
        /// What to search with.
        query: Query,
        /// Aspect weights.
        weights: Weights,
        /// Number of results.
        k: usize,
    },
    /// Decode a thumbnail (catalog JPEG, or a preview of a file) to RGBA.
    LoadThumbnail {
        /// What it shows.
        key: ThumbKey,
        /// The cache's epoch when asked ([`super::thumbs::ThumbCache`]), sent back with it.
        epoch: u64,
    },
    /// List the searchable artworks.
    ListArtworks,
    /// Counts, model, runtime and index state.
    Info,
    /// The files that could not be read, with the reason.
    Failures,
    /// Path, dimensions, file size, date and palette of an artwork.
    Details(ArtworkId),
    /// "More like this board": the board's artworks as one query ([`Library::board_query`]).
    SearchBoard {
        /// Identifies the answer.
        token: u64,
        /// The board.
        board: BoardId,
        /// Aspect weights.
        weights: Weights,
        /// Number of results.
        k: usize,
    },
    /// List the boards.
    Boards,
    /// A board and its artworks.
    LoadBoard(BoardId),
    /// Change boards; the worker answers with the boards, the changed board and what was done.
    ChangeBoard(BoardChange),
    /// The collection map for these weights: the saved one, or laid out now and saved.
    Map {
        /// What the artworks are compared by.
        weights: Weights,
    },
    /// Find the groups of copies ([`Library::duplicates`]).
    FindDuplicates,
    /// "Keep only this one": move `others` to `trash`, then list the groups again.
    KeepOnly {
        /// The artwork kept.
        keep: ArtworkId,
        /// The other members of its group.
        others: Vec<ArtworkId>,
        /// Where they go (the system trash; tests record instead).
        trash: Arc<dyn Trash>,
    },
}

/// A change to boards, made by the worker through the library's board API.
#[derive(Debug, Clone)]
pub enum BoardChange {
    /// Adds artworks to a board.
    Add {
        /// The board.
        board: BoardId,
        /// The artworks.
        artworks: Vec<ArtworkId>,
    },
    /// Makes a board and adds artworks to it.
    Create {
        /// Its name.
        name: String,
        /// The artworks.
        artworks: Vec<ArtworkId>,
    },
    /// Takes artworks off a board.
    Remove {
        /// The board.
        board: BoardId,
        /// The artworks.
        artworks: Vec<ArtworkId>,
    },
    /// Copies a board's files to a folder (never moving them), with a contact sheet if asked.
    Export {
        /// The board.
        board: BoardId,
        /// The folder.
        dir: PathBuf,
        /// A contact sheet PNG in the folder too.
        sheet: bool,
    },
    /// Renames a board.
    Rename {
        /// The board.
        board: BoardId,
        /// The new name.
        name: String,
    },
    /// Deletes a board.
    Delete(BoardId),
    /// Saves places on a board's canvas.
    Place {
        /// The board.
        board: BoardId,
        /// Artworks and their places.
        places: Vec<(ArtworkId, Placement)>,
    },
}

/// Path, dimensions, file size, date and palette of something shown in the detail panel.
#[derive(Clone, Debug)]
pub struct Details {
    /// File path.
    pub path: PathBuf,
    /// Pixel size, when known.
    pub size: Option<[u32; 2]>,
    /// File size in bytes, when known.
    pub bytes: Option<u64>,
    /// Last modification, seconds since 1970, when known.
    pub modified: Option<i64>,
    /// Dominant colours.
    pub palette: Vec<Swatch>,
}

/// A long job of the worker, which the app shows with progress and a Cancel (other requests wait
/// for it: the worker does one thing at a time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Job {
    /// An import the user started.
    #[default]
    Import,
    /// A rescan of every folder the library follows: Rescan, the catch-up when the library is
    /// opened, or after file-system events were lost.
    Rescan,
    /// Importing the changes the file-system watcher reported.
    Changes,
}

/// An answer from the worker.
#[derive(Debug)]
pub enum Event {
    /// A job started: one the app asked for, or one the worker started itself, told by its id.
    Started {
        /// What it does.
        job: Job,
        /// Its id, which a Cancel names.
        id: u64,
    },
    /// The changes in the folders wait: another process holds the library (tried again soon).
    Postponed,
    /// Import progress.
    Progress(Progress),
    /// An import finished (possibly cancelled).
    ImportDone(ImportSummary),
    /// A rescan or the watcher's changes were imported (or cancelled), whether or not anything
    /// changed.
    FoldersChanged(ImportSummary),
    /// An import could not run (e.g. another process is importing); the reason, in one line.
    ImportFailed(String),
    /// Search results.
    Results {
        /// Token of the search command.
        token: u64,
        /// The results.
        results: SearchResults,
    },
    /// A query could not be run.
    QueryFailed {
        /// Token of the search command.
        token: u64,
        /// The query file, when the query was a file.
        path: Option<PathBuf>,
        /// Why, in one line.
        reason: String,
        /// The file could not be decoded as an image.
        not_an_image: bool,
    },
    /// A decoded thumbnail.
    Thumbnail {
        /// What it shows.
        key: ThumbKey,
        /// The epoch of its request; `None` when sent unasked (a query file's preview).
        epoch: Option<u64>,
        /// Width and height.
        size: [usize; 2],
        /// RGBA pixels, unmultiplied.
        rgba: Vec<u8>,
    },
    /// Details of an artwork or a query file.
    Details {
        /// What they describe.
        key: ThumbKey,
        /// The details.
        details: Details,
    },
    /// The searchable artworks, by path.
    Artworks(Vec<Artwork>),
    /// Library information.
    Info(Box<Info>),
    /// The files that could not be read, with the reason.
    Failures(Vec<(PathBuf, String)>),
    /// The boards, Favourites first.
    Boards(Vec<BoardSummary>),
    /// A board and its artworks.
    Board(Board),
    /// A board change was made; what to tell the user (e.g. "Added 2 to Favourites").
    BoardChanged(String),
    /// The collection map asked for with these weights, or why it could not be made.
    Map {
        /// The weights asked for.
        weights: Weights,
        /// The map.
        map: Result<Box<CollectionMap>, String>,
    },
    /// The groups of copies, best member first, or why they could not be found.
    Duplicates(Result<Vec<DuplicateGroup>, String>),
    /// What "keep only this one" did.
    KeptOnly(KeptOnly),
    /// Something failed.
    Error(String),
    /// Something the user should know once, e.g. the library is read-only or the search index was
    /// rebuilt from the catalog.
    Notice(String),
}

/// The UI side of the worker.
pub struct WorkerHandle {
    commands: Option<Sender<Command>>,
    events: Receiver<Event>,
    /// Job ids and which one a Cancel is for.
    jobs: Arc<Jobs>,
    ctx: Arc<OnceLock<egui::Context>>,
    thread: Option<JoinHandle<()>>,
    /// Thumbnail requests, answered beside the worker ([`thumbnails`]); `None` in unit tests.
    thumbs: Option<(Sender<ThumbRequest>, JoinHandle<()>)>,
}

impl WorkerHandle {
    /// Starts the worker on the library in `dir` (opened on the worker thread).
    pub fn spawn(dir: PathBuf, options: LibraryOptions) -> Self {
        let (commands, command_rx) = unbounded();
        let (event_tx, events) = unbounded();
        let jobs = Arc::new(Jobs::default());
        let ctx: Arc<OnceLock<egui::Context>> = Arc::new(OnceLock::new());
        let worker =
            Worker { events: event_tx, jobs: jobs.clone(), ctx: ctx.clone(), previewed: Default::default(), within: Default::default() };
        let (keys, key_rx) = unbounded();
        let (catalog, events_tx, ctx_ref, worker_tx) = (dir.join("catalog.sqlite"), worker.events.clone(), ctx.clone(), commands.clone());
        let closing = jobs.clone();
        let thumbs = std::thread::Builder::new()
            .name("kindred-thumbnails".into())
            .spawn(move || thumbnails::serve(catalog, key_rx, events_tx, ctx_ref, worker_tx, &closing))
            .expect("spawn the thumbnail thread");
        let thread = std::thread::Builder::new()
            .name("kindred-worker".into())
            .spawn(move || worker.run(&dir, options, command_rx))
            .expect("spawn the worker thread");
        Self { commands: Some(commands), events, jobs, ctx, thread: Some(thread), thumbs: Some((keys, thumbs)) }
    }

    /// A handle with no thread behind it: commands go to `commands` (unit tests).
    #[cfg(test)]
    pub(super) fn detached(commands: Sender<Command>) -> Self {
        let (_, events) = unbounded();
        let jobs = Arc::new(Jobs::default());
        Self { commands: Some(commands), events, jobs, ctx: Arc::new(OnceLock::new()), thread: None, thumbs: None }
    }

    /// Gives the worker the context to wake the UI with (first frame).
    pub fn set_context(&self, ctx: &egui::Context) {
        let _ = self.ctx.set(ctx.clone());
    }

    /// Sends a command (ignored if the worker has stopped); thumbnails go to their own thread.
    pub fn send(&self, command: Command) {
        let command = match (command, &self.thumbs) {
            (Command::LoadThumbnail { key, epoch }, Some((keys, _))) => match keys.send((key, epoch)) {
                Ok(()) => return,
                Err(back) => Command::LoadThumbnail { key: back.0.0, epoch: back.0.1 },
            },
            (command, _) => command,
        };
        if let Some(tx) = &self.commands {
            let _ = tx.send(command);
        }
    }

    /// An id for a job the app asks for (carried by [`Command::Import`] and [`Command::Rescan`]).
    pub fn job_id(&self) -> u64 {
        self.jobs.next_id()
    }

    /// Asks job `id` to stop after the batch in flight (what was done is kept): now if it runs,
    /// as it starts if it waits its turn, not at all if it ended (the next job runs on).
    pub fn cancel_job(&self, id: u64) {
        self.jobs.cancel(id);
    }

    /// The job state shared with the worker (unit tests play the worker's part).
    #[cfg(test)]
    pub(super) fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    /// Events received so far, without waiting.
    pub fn poll(&self) -> impl Iterator<Item = Event> + '_ {
        self.events.try_iter()
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        // No queued import or rescan starts after this; the running one stops.
        self.jobs.close();
        // The thumbnail thread ends when its channel closes, dropping its way to the worker.
        if let Some((keys, thread)) = self.thumbs.take() {
            drop(keys);
            let _ = thread.join();
        }
        self.commands = None; // the worker's loop ends when the channel closes
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker {
    events: Sender<Event>,
    jobs: Arc<Jobs>,
    ctx: Arc<OnceLock<egui::Context>>,
    /// The query file whose preview and details were sent last: re-ranking it sends nothing again.
    previewed: std::cell::RefCell<Option<PathBuf>>,
    /// Searches are kept to this folder ("only in folder …").
    within: std::cell::RefCell<Option<PathBuf>>,
}

impl Worker {
    /// The app is closing: no import, rescan or batch of changes starts any more.
    fn closing(&self) -> bool {
        self.jobs.is_closing()
    }

    /// Starts job `id` (a new id for a job the worker starts itself) and tells the app: cancelled
    /// from the start if a Cancel named it while it waited, or the app is closing.
    fn start_job(&self, job: Job, id: Option<u64>) {
        let id = id.unwrap_or_else(|| self.jobs.next_id());
        self.jobs.start(id);
        self.send(Event::Started { job, id });
    }

    fn send(&self, event: Event) {
        let _ = self.events.send(event);
        if let Some(ctx) = self.ctx.get() {
            ctx.request_repaint();
        }
    }

    fn run(self, dir: &Path, options: LibraryOptions, commands: Receiver<Command>) {
        let mut library = match Library::open(dir, options) {
            Ok(l) => Some(l),
            Err(e) => {
                self.send(Event::Error(format!("cannot open the library in {}: {}", dir.display(), one_line(&e))));
                None
            }
        };
        // The app follows the library's folders while open, after catching up with what changed
        // while it was closed (a rescan, once the first requests are answered).
        let mut watcher = library.as_ref().filter(|l| !l.is_read_only()).and_then(|lib| self.follow(lib, None));
        let has_roots = library.as_ref().and_then(|l| l.roots().ok()).is_some_and(|r| !r.is_empty());
        let mut pending = Changes { paths: Vec::new(), rescan: watcher.is_some() && has_roots };
        let never = crossbeam_channel::never();
        // The last attempt at the pending changes met another process's import: wait a little.
        let mut locked = false;
        loop {
            let changes = watcher.as_ref().map_or(&never, |w| w.changes());
            let wait = match (pending.is_empty(), locked) {
                (true, _) => Duration::from_secs(3600),
                (false, true) => RETRY_CHANGES,
                (false, false) => Duration::ZERO,
            };
            let first = crossbeam_channel::select! {
                recv(commands) -> command => match command {
                    Ok(command) => Some(command),
                    Err(_) => break,
                },
                recv(changes) -> c => {
                    if let (Ok(c), Some(w)) = (c, &watcher) {
                        pending.merge(c);
                        pending.merge(w.drain());
                    }
                    None
                },
                default(wait) => None,
            };
            let Some(first) = first else {
                if let Some(lib) = library.as_mut() {
                    locked = self.import_changes(lib, &mut pending);
                }
                continue;
            };
            // Coalesce: of the searches waiting, only the newest matters (slider drags).
            let mut batch: Vec<Command> = std::iter::once(first).chain(commands.try_iter()).collect();
            let roots_changed =
                batch.iter().any(|c| matches!(c, Command::Import { .. } | Command::Rescan { .. } | Command::StopFollowing(_)));
            if let Some(last) = batch.iter().rposition(|c| matches!(c, Command::Search { .. })) {
                let mut i = 0;
                batch.retain(|c| {
                    let keep = !matches!(c, Command::Search { .. }) || i == last;
                    i += 1;
                    keep
                });
            }
            // Closing: the commands still queued are answered (a board's saved places among them);
            // only imports and rescans are skipped (`closing`).
            for command in batch {
                match library.as_mut() {
                    Some(lib) => {
                        self.handle(lib, command);
                        while let Some(notice) = lib.take_notice() {
                            self.send(Event::Notice(notice));
                        }
                    }
                    None => self.send(Event::Error("the library could not be opened".into())),
                }
            }
            // An import may have added a root, Stop following removed one.
            if roots_changed && let Some(lib) = library.as_ref() {
                watcher = self.follow(lib, watcher);
            }
            if !pending.is_empty()
                && !locked
                && let Some(lib) = library.as_mut()
            {
                locked = self.import_changes(lib, &mut pending);
            }
        }
    }

    /// Follows the library's roots with `watcher` (a new one if `None`); `None` when file-system
    /// notifications cannot be had (the app still works; Rescan catches up).
    fn follow(&self, lib: &Library, watcher: Option<FolderWatcher>) -> Option<FolderWatcher> {
        let mut watcher = match watcher {
            Some(w) => w,
            None => match FolderWatcher::new(DEBOUNCE) {
                Ok(w) => w,
                Err(e) => {
                    self.send(Event::Notice(format!("Folders are not followed while the app is open: {}", one_line(&e))));
                    return None;
                }
            },
        };
        let roots = lib.roots().unwrap_or_default();
        for (root, why) in watcher.follow(&roots) {
            self.send(Event::Notice(format!("Not following {}: {why}", root.display())));
        }
        Some(watcher)
    }

    /// Imports what changed in the folders (or rescans them all), with progress; kept for later
    /// (true) while another process imports.
    fn import_changes(&self, lib: &mut Library, pending: &mut Changes) -> bool {
        if self.closing() {
            return false;
        }
        self.start_job(if pending.rescan { Job::Rescan } else { Job::Changes }, None);
        let locked = match lib.follow_changes(pending, self.jobs.flag(), &mut self.progress()) {
            Ok(summary) => {
                *pending = Changes::default();
                self.send(Event::FoldersChanged(summary));
                false
            }
            Err(Error::Locked(_)) => {
                self.send(Event::Postponed);
                true
            }
            Err(e) => {
                *pending = Changes::default();
                self.send(Event::ImportFailed(format!("Cannot import the changes in your folders: {}", one_line(&e))));
                false
            }
        };
        while let Some(notice) = lib.take_notice() {
            self.send(Event::Notice(notice));
        }
        locked
    }

    /// Sends import progress, at most every [`PROGRESS_EVERY`] (phase changes and the end always).
    fn progress(&self) -> impl FnMut(&Progress) + '_ {
        let mut last: Option<(Instant, Phase)> = None;
        move |p: &Progress| {
            let due = last.is_none_or(|(t, phase)| phase != p.phase || t.elapsed() >= PROGRESS_EVERY || p.done == p.total);
            if due {
                last = Some((Instant::now(), p.phase));
                self.send(Event::Progress(p.clone()));
            }
        }
    }

    fn handle(&self, lib: &mut Library, command: Command) {
        match command {
            Command::Import { roots, id } => self.import(lib, Some(&roots), id),
            Command::Rescan { id } => self.import(lib, None, id),
            Command::StopFollowing(folder) => self.stop_following(lib, &folder),
            Command::SearchIn(folder) => *self.within.borrow_mut() = folder,
            Command::Search { token, query, weights, k } => self.search(lib, token, query, &weights, k),
            Command::LoadThumbnail { key, epoch } => self.send(thumbnails::thumbnail(Some(lib.catalog()), key, epoch)),
            Command::ListArtworks => match lib.catalog().artworks_with_status(Status::Ok) {
                Ok(list) => self.send(Event::Artworks(list)),
                Err(e) => self.send(Event::Error(format!("cannot list artworks: {}", one_line(&e)))),
            },
            Command::Info => match lib.info() {
                Ok(info) => self.send(Event::Info(Box::new(info))),
                Err(e) => self.send(Event::Error(format!("cannot read library info: {}", one_line(&e)))),
            },
            Command::Failures => match lib.failures() {
                Ok(list) => self.send(Event::Failures(list.into_iter().map(|a| (a.path, a.error.unwrap_or_default())).collect())),
                Err(e) => self.send(Event::Error(format!("cannot list the files that couldn't be read: {}", one_line(&e)))),
            },
            Command::SearchBoard { token, board, weights, k } => match lib.board_query(board) {
                Ok(query) => self.search(lib, token, query, &weights, k),
                Err(e) => self.send(Event::QueryFailed { token, path: None, reason: one_line(&e), not_an_image: false }),
            },
            Command::Boards => self.send_boards(lib),
            Command::LoadBoard(id) => match lib.board(id) {
                Ok(board) => self.send(Event::Board(board)),
                Err(e) => self.send(Event::Error(format!("cannot open the board: {}", one_line(&e)))),
            },
            Command::ChangeBoard(change) => self.change_board(lib, change),
            Command::Map { weights } => {
                let map = lib.map(&weights).map(Box::new).map_err(|e| one_line(&e));
                self.send(Event::Map { weights, map });
            }
            Command::FindDuplicates => self.duplicates(lib),
            Command::KeepOnly { keep, others, trash } => self.keep_only(lib, keep, &others, trash.as_ref()),
            Command::Details(id) => {
                let details = (|| -> crate::Result<Option<Details>> {
                    let Some(a) = lib.catalog().artwork(id)? else { return Ok(None) };
                    let size = a.width.zip(a.height).map(|(w, h)| [w, h]);
                    let (bytes, modified) = (Some(a.size), Some(a.mtime_ns.div_euclid(1_000_000_000)));
                    Ok(Some(Details { path: a.path, size, bytes, modified, palette: lib.catalog().palette(id)? }))
                })();
                match details {
                    Ok(Some(details)) => self.send(Event::Details { key: ThumbKey::Artwork(id), details }),
                    Ok(None) => {}
                    Err(e) => self.send(Event::Error(format!("cannot read artwork {id}: {}", one_line(&e)))),
                }
            }
        }
    }

    fn send_boards(&self, lib: &Library) {
        match lib.boards() {
            Ok(list) => self.send(Event::Boards(list)),
            Err(e) => self.send(Event::Error(format!("cannot list the boards: {}", one_line(&e)))),
        }
    }

    /// Makes a board change, then sends the boards, the changed board (unless deleted) and a
    /// message saying what was done; a refusal (read-only library, a taken name) is an error.
    fn change_board(&self, lib: &mut Library, change: BoardChange) {
        let name = |lib: &Library, id| lib.board(id).map(|b| b.summary.name);
        let done = (|| -> crate::Result<(Option<BoardId>, String)> {
            Ok(match change {
                BoardChange::Add { board, artworks } => {
                    let added = lib.add_to_board(board, &artworks)?;
                    let already = artworks.len() - added;
                    let note = if already > 0 { format!(" ({already} already there)") } else { String::new() };
                    (Some(board), format!("Added {} to {}{note}", count(added), name(lib, board)?))
                }
                BoardChange::Create { name: new, artworks } => {
                    let board = lib.create_board(&new)?;
                    let added = lib.add_to_board(board, &artworks)?;
                    (Some(board), format!("Made the board {} with {}", name(lib, board)?, count(added)))
                }
                BoardChange::Remove { board, artworks } => {
                    let removed = lib.remove_from_board(board, &artworks)?;
                    (Some(board), format!("Removed {} from {}", count(removed), name(lib, board)?))
                }
                BoardChange::Export { board, dir, sheet } => {
                    let summary = lib.export_board(board, &dir)?;
                    let mut message = format!("Copied {} of {} to {}", count(summary.copied.len()), name(lib, board)?, dir.display());
                    if !summary.skipped.is_empty() {
                        let missing: Vec<String> = summary.skipped.iter().map(|(p, why)| format!("{} ({why})", file_name(p))).collect();
                        message += &format!("; not copied: {}", missing.join(", "));
                    }
                    if sheet {
                        let sheet = lib.contact_sheet(board, &free_name(&dir, &format!("{} contact sheet", name(lib, board)?), "png"))?;
                        message += &format!("; contact sheet {}", file_name(&sheet.path));
                    }
                    (None, message)
                }
                BoardChange::Rename { board, name: new } => {
                    let old = name(lib, board)?;
                    lib.rename_board(board, &new)?;
                    (Some(board), format!("Renamed {old} to {}", name(lib, board)?))
                }
                BoardChange::Delete(board) => {
                    let old = name(lib, board)?;
                    lib.delete_board(board)?;
                    (None, format!("Deleted the board {old} (its artworks stay in the library)"))
                }
                BoardChange::Place { board, places } => {
                    lib.place_on_board(board, &places)?;
                    (None, String::new())
                }
            })
        })();
        match done {
            Ok((board, message)) => {
                self.send_boards(lib);
                if let Some(Ok(board)) = board.map(|b| lib.board(b)) {
                    self.send(Event::Board(board));
                }
                if !message.is_empty() {
                    self.send(Event::BoardChanged(message));
                }
            }
            Err(e) => self.send(Event::Error(one_line(&e))),
        }
    }

    /// Imports `roots`, or rescans every root the library follows, as job `id`.
    fn import(&self, lib: &mut Library, roots: Option<&[PathBuf]>, id: u64) {
        if self.closing() {
            return;
        }
        self.start_job(if roots.is_some() { Job::Import } else { Job::Rescan }, Some(id));
        let done = match roots {
            Some(roots) => lib.import(roots, self.jobs.flag(), &mut self.progress()),
            None => lib.rescan(self.jobs.flag(), &mut self.progress()),
        };
        match done {
            Ok(summary) => self.send(Event::ImportDone(summary)),
            Err(e) => self.send(Event::ImportFailed(format!("Import failed: {}", one_line(&e)))),
        }
    }

    /// Stops following `folder`, then sends the roots as they now are and says what that means
    /// (in that order: when the message shows, the folder tree is already up to date).
    fn stop_following(&self, lib: &mut Library, folder: &Path) {
        let done = lib.stop_following(folder);
        match lib.info() {
            Ok(info) => self.send(Event::Info(Box::new(info))),
            Err(e) => self.send(Event::Error(format!("cannot read library info: {}", one_line(&e)))),
        }
        match done {
            Ok(stopped) => self.send(Event::Notice(stopped.to_string())),
            Err(e) => self.send(Event::Error(format!("Cannot stop following {}: {}", folder.display(), one_line(&e)))),
        }
    }

    fn search(&self, lib: &mut Library, token: u64, query: Query, weights: &Weights, k: usize) {
        let path = match &query {
            Query::File(p) => Some(p.clone()),
            Query::Artwork(_) | Query::Blend(_) | Query::Palette(_) | Query::Region { .. } => None,
        };
        let failed = |e: Error| Event::QueryFailed {
            token,
            path: path.clone(),
            not_an_image: e.is_not_an_image(),
            reason: match &e {
                // The banner names the file; the reason is the decoder's.
                Error::Decode { source, .. } => source.to_string(),
                e => one_line(e),
            },
        };
        // The query's vectors first (the library keeps them, so the search below neither decodes
        // nor embeds again): a file that is not an image fails here, told apart by its error.
        let resolved = match lib.query_features(&query) {
            Ok(resolved) => resolved,
            Err(e) => return self.send(failed(e)),
        };
        // A file outside the library gets a preview and details, once per file.
        if let Some(p) = path.as_ref().filter(|p| self.previewed.borrow().as_ref() != Some(*p))
            && let Ok(preview) = preview(p)
        {
            self.send(Event::Thumbnail { key: ThumbKey::File(p.clone()), epoch: None, size: preview.size, rgba: preview.rgba });
            let (bytes, modified) = file_facts(p);
            let details = Details { path: p.clone(), size: preview.original, bytes, modified, palette: resolved.features.palette };
            self.send(Event::Details { key: ThumbKey::File(p.clone()), details });
            *self.previewed.borrow_mut() = Some(p.clone());
        }
        // Copies of one picture take one tile (unfolded on demand).
        let within = self.within.borrow().clone();
        let searched = match &within {
            Some(folder) => lib.search_in(&query, weights, k, folder),
            None => lib.search(&query, weights, k),
        };
        match searched.and_then(|r| Ok(SearchResults { hits: lib.collapse_copies(r.hits)?, ..r })) {
            Ok(results) => self.send(Event::Results { token, results }),
            Err(e) => self.send(failed(e)),
        }
    }
}

/// A small picture of a query file, for its tile and the detail panel.
struct Preview {
    /// RGBA pixels, unmultiplied.
    rgba: Vec<u8>,
    /// Width and height of `rgba`.
    size: [usize; 2],
    /// Pixel size of the file itself.
    original: Option<[u32; 2]>,
}

/// Decodes an image file into a small RGBA preview; the error is a one-line reason fit for the UI.
fn preview(path: &Path) -> Result<Preview, String> {
    // Regular files only, size-capped: a FIFO or a device never blocks the thread.
    let bytes = crate::search::read_query_file(path).map_err(|e| e.to_string())?;
    let decoded = decode::decode(&bytes).map_err(|e| e.to_string())?;
    let original = Some([decoded.width(), decoded.height()]);
    let small = decoded.image.thumbnail(PREVIEW_SIDE, PREVIEW_SIDE).to_rgba8();
    let size = [small.width() as usize, small.height() as usize];
    Ok(Preview { rgba: small.into_raw(), size, original })
}

/// File size and modification time (seconds since 1970) of a file, when it can be read.
fn file_facts(path: &Path) -> (Option<u64>, Option<i64>) {
    let Ok(meta) = std::fs::metadata(path) else { return (None, None) };
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_secs() as i64);
    (Some(meta.len()), modified)
}

/// An error and its causes on one line, for a banner.
fn one_line(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// "1 artwork", "3 artworks".
fn count(n: usize) -> String {
    if n == 1 { "1 artwork".into() } else { format!("{n} artworks") }
}

/// `dir/stem.ext`, or `dir/stem (2).ext`, `(3)`... if that exists: nothing is overwritten.
fn free_name(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let stem = stem.replace(['/', '\\'], "-");
    (1..)
        .map(|n| if n == 1 { dir.join(format!("{stem}.{ext}")) } else { dir.join(format!("{stem} ({n}).{ext}")) })
        .find(|p| !p.exists())
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closing the app (dropping the handle) starts no import still queued: each job clears the
    /// cancel flag as it starts, and that must not undo the close.
    #[test]
    fn closing_the_app_starts_no_queued_import() {
        let tmp = tempfile::tempdir().unwrap();
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
        let dir = tmp.path().join("library");
        let worker = WorkerHandle::spawn(dir.clone(), LibraryOptions::default());
        worker.send(Command::Import { roots: vec![samples], id: worker.job_id() });
        drop(worker);
        let Ok(mut lib) = Library::open_existing(&dir, LibraryOptions::default()) else {
            return; // closed before the library was even created: nothing ran
        };
        let counts = lib.info().unwrap().counts;
        // None, or one begun before the close and stopped after its batch in flight (65 samples
        // are three batches); before the fix the queued import ran to the end.
        assert!(counts.ok < 65, "{} artworks imported after the app closed", counts.ok);
    }
}
