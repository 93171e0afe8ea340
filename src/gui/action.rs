//! What the user asked for during a frame. Panels, keys, drops and paste only push [`Action`]s;
//! [`KindredApp::apply`] carries them out after the frame, so drawing never mutates what it draws.

use std::path::PathBuf;

use super::app::{COPY_MAX_SIDE, KindredApp, RESULTS_K};
use super::board_view::BoardView;
use super::boards::Picker;
use super::import::{ImportAsk, RunningImport};
use super::lightbox::{Item, Lightbox, Source, Zoom};
use super::loader::{Purpose, Request};
use super::results::ClickHow;
use super::results::Step;
use super::settings::AspectMode;
use super::state::{QueryView, SearchFailure, SearchState, View};
use super::trail::TrailEntry;
use super::worker::BoardChange;
use super::worker::Command;
use crate::board::{BoardId, FAVOURITES, Placement};
use crate::catalog::ArtworkId;

/// One user request.
#[derive(Debug)]
pub enum Action {
    /// Starts a new trail with this query (a library tile).
    Query(TrailEntry),
    /// Pushes a query on the trail (a result, a drop, a paste).
    Hop(TrailEntry),
    /// Goes back one query, to the library when the trail empties.
    Back,
    /// Goes back to the trail entry at this index.
    BackTo(usize),
    /// Goes forward again to the query Back left (Alt+Right).
    Forward,
    /// Leaves the query for the whole library.
    ShowLibrary,
    /// An aspect button.
    SetAspect(AspectMode),
    /// The weight sliders (which edit the settings directly) moved: re-rank.
    WeightsChanged,
    /// The composer changed: search with its composition (re-ranking a composed query in place).
    Compose,
    /// Opens the composer.
    OpenComposer,
    /// Asks for more results of the current query, keeping the place and the selection.
    ShowMore,
    /// Moves the keyboard selection in the grid shown.
    Select(Step),
    /// Selects this tile of the grid shown.
    SelectIndex(usize),
    /// Shows or folds the copies of the picture at this tile of the results.
    ToggleCopies(usize),
    /// A click on this tile of the grid shown: alone, or Ctrl/Shift for several.
    Click {
        /// The tile.
        index: usize,
        /// With which modifier.
        how: ClickHow,
    },
    /// Opens a board.
    OpenBoard(BoardId),
    /// F: adds the selection (or what the lightbox shows) to Favourites.
    Favourite,
    /// B: opens the board picker for the selection (or what the lightbox shows).
    PickBoard,
    /// Closes the board picker.
    ClosePicker,
    /// Adds artworks to a board.
    AddToBoard {
        /// The board.
        board: BoardId,
        /// The artworks.
        artworks: Vec<ArtworkId>,
    },
    /// Makes a board with these artworks.
    NewBoard {
        /// Its name.
        name: String,
        /// The artworks.
        artworks: Vec<ArtworkId>,
    },
    /// Takes artworks off a board.
    RemoveFromBoard {
        /// The board.
        board: BoardId,
        /// The artworks.
        artworks: Vec<ArtworkId>,
    },
    /// Renames a board.
    RenameBoard {
        /// The board.
        board: BoardId,
        /// The new name.
        name: String,
    },
    /// Deletes a board (never its artworks).
    DeleteBoard(BoardId),
    /// Saves places on a board's canvas.
    PlaceOnBoard {
        /// The board.
        board: BoardId,
        /// Artworks and their places.
        places: Vec<(ArtworkId, Placement)>,
    },
    /// "More like this board".
    MoreLikeBoard(BoardId),
    /// Copies a board's files to a folder, with a contact sheet if asked.
    ExportBoard {
        /// The board.
        board: BoardId,
        /// The folder (made if needed).
        dir: PathBuf,
        /// A contact sheet PNG goes with the files.
        sheet: bool,
    },
    /// Closes the board's export row.
    CancelExport,
    /// The compact window kept on top of others (for painting beside the board), or back.
    CompactOnTop(bool),
    /// Finds the kindred of the selection (Enter): a hop from the results, a query from the library.
    HopToSelected,
    /// Opens the lightbox on this list at this index.
    OpenLightbox(Source, usize),
    /// Opens the lightbox on the selection (Space).
    LookAtSelected,
    /// Closes the lightbox; the grid selects what it showed last.
    CloseLightbox,
    /// Steps through the lightbox's list.
    LightboxStep(isize),
    /// Sets the lightbox's zoom.
    LightboxZoom(Zoom),
    /// Finds the kindred of what the lightbox shows (Enter).
    LightboxFindKindred,
    /// Puts an image file's pixels on the clipboard.
    CopyImage(PathBuf),
    /// Puts a file on the clipboard as a `text/uri-list`.
    CopyFile(PathBuf),
    /// Ctrl+C: copies what the lightbox shows, else the selection (its file with Shift).
    CopyCurrent {
        /// The file rather than the pixels.
        file: bool,
    },
    /// An image pasted from the clipboard: kept in the library's folder, then the query.
    PasteImage(std::sync::Arc<eframe::egui::ColorImage>),
    /// Imports files and folders in the background.
    StartImport(Vec<PathBuf>),
    /// Keeps searches to a folder (and its subfolders), or `None`: the whole library.
    SearchIn(Option<PathBuf>),
    /// Shows the Duplicates view, looking for copies (again).
    ShowDuplicates,
    /// Draws more groups of copies.
    MoreDuplicates,
    /// "Keep only this one": asks to confirm keeping this member of this group.
    AskKeepOnly {
        /// The group, in the Duplicates view's order.
        group: usize,
        /// The member kept.
        keep: usize,
    },
    /// Confirmed: moves the others of the group to the trash.
    KeepOnly,
    /// Not confirmed.
    CancelKeepOnly,
    /// Opens the board picker for these artworks.
    PickBoardFor(Vec<ArtworkId>),
    /// Imports every folder the library follows again (new, changed, moved, deleted files).
    Rescan,
    /// Stops following a folder (a root of the folder tree); its artworks stay.
    StopFollowing(PathBuf),
    /// Opens the "Import a folder" window (a path field, Browse…, Import).
    PickFolder,
    /// Browse… in that window: the system's folder dialog, where there is one.
    BrowseFolder,
    /// Import in that window: the folder typed or pasted in its path field.
    ImportTyped,
    /// Closes that window.
    CloseImportAsk,
    /// Stops the running import after its current batch.
    CancelImport,
    /// Hides the last import's summary.
    CloseImportSummary,
    /// Opens the Library info window (model, runtime, index, files that couldn't be read).
    ShowLibraryInfo,
    /// Shows a message in the banner.
    Banner(String),
    /// Hides the banner.
    DismissBanner,
    /// Opens a file with the default application.
    Open(PathBuf),
    /// Shows a file in its folder.
    Reveal(PathBuf),
    /// Copies a file's path to the clipboard.
    CopyPath(PathBuf),
    /// Opens the collection map over the view, or closes it.
    ToggleMap,
}

/// What was last put on the clipboard (tests read it: under Xvfb the system clipboard cannot be
/// read back reliably).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Copied {
    /// An image's pixels, through egui's `copy_image`.
    Image {
        /// The file they came from.
        path: PathBuf,
        /// Width and height.
        size: [usize; 2],
    },
    /// Files, as the `text/uri-list` payload.
    Files {
        /// `file:///…` lines, each ending in CR LF.
        uri_list: String,
        /// True when the system clipboard took it as files; false when it fell back to text.
        as_files: bool,
    },
}

/// The `text/uri-list` payload for files (RFC 2483): one percent-encoded `file://` URI per line,
/// each ending in CR LF.
pub fn uri_list(paths: &[PathBuf]) -> String {
    let mut out = String::new();
    for path in paths {
        out.push_str("file://");
        for &b in path.as_os_str().as_encoded_bytes() {
            if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,=:@".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// Inner size of the compact window kept on top, points.
const COMPACT_SIZE: [f32; 2] = [520.0, 400.0];

/// Folder of the library directory where pasted images are kept.
pub const PASTED_DIR: &str = "pasted";
/// Pasted images kept; older ones are removed when a new one is pasted.
const PASTED_KEPT: usize = 50;

/// Writes a pasted image as "Pasted image (2 Dec 2026 16.40.12).png" in `dir` (created), and
/// removes all but the newest [`PASTED_KEPT`] pasted images there.
pub fn save_pasted(dir: &std::path::Path, image: &eframe::egui::ColorImage, now: std::time::SystemTime) -> anyhow::Result<PathBuf> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_srgba_unmultiplied()).collect();
    let img = image::RgbaImage::from_raw(w as u32, h as u32, rgba).ok_or_else(|| anyhow::anyhow!("empty image"))?;
    std::fs::create_dir_all(dir)?;
    let secs = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let (hh, mm, ss) = (secs.rem_euclid(86_400) / 3600, secs.rem_euclid(3600) / 60, secs.rem_euclid(60));
    let stamp = format!("{} {hh:02}.{mm:02}.{ss:02}", crate::readable::date(secs));
    let mut path = dir.join(format!("Pasted image ({stamp}).png"));
    for n in 2.. {
        if !path.exists() {
            break;
        }
        path = dir.join(format!("Pasted image ({stamp}) {n}.png"));
    }
    img.save(&path)?;
    // Clean up: the oldest pasted images go.
    let mut pasted: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("Pasted image ("))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    pasted.sort();
    let excess = pasted.len().saturating_sub(PASTED_KEPT);
    for (_, old) in pasted.into_iter().take(excess) {
        let _ = std::fs::remove_file(old);
    }
    Ok(path)
}

impl KindredApp {
    /// Carries out one action.
    pub(super) fn apply(&mut self, action: Action) {
        match action {
            Action::Query(entry) => {
                self.lightbox = None;
                self.forward.clear();
                self.view = View::Query(QueryView::new(entry));
                self.run_search();
            }
            Action::Hop(entry) => {
                self.lightbox = None;
                self.forward.clear();
                match &mut self.view {
                    View::Query(q) => q.trail.push(entry),
                    View::Library | View::Board(_) | View::Duplicates(_) => self.view = View::Query(QueryView::new(entry)),
                }
                self.run_search();
            }
            Action::Compose => {
                let Some(entry) = self.composer.entry() else { return };
                self.lightbox = None;
                match &mut self.view {
                    View::Query(q) if q.current().composed => {
                        if let Some(last) = q.trail.last_mut() {
                            *last = entry;
                        }
                    }
                    View::Query(q) => q.trail.push(entry),
                    View::Library | View::Board(_) | View::Duplicates(_) => self.view = View::Query(QueryView::new(entry)),
                }
                self.run_search();
            }
            Action::OpenComposer => self.composer.open = true,
            Action::Back => {
                if let View::Query(q) = &mut self.view {
                    self.forward.extend(q.trail.pop());
                    if q.trail.is_empty() {
                        self.view = View::Library;
                    } else {
                        self.run_search();
                    }
                }
            }
            Action::BackTo(index) => {
                if let View::Query(q) = &mut self.view
                    && index + 1 < q.trail.len()
                {
                    self.forward.extend(q.trail.drain(index + 1..).rev());
                    self.run_search();
                }
            }
            Action::Forward => {
                if let Some(entry) = self.forward.pop() {
                    match &mut self.view {
                        View::Query(q) => q.trail.push(entry),
                        View::Library | View::Board(_) | View::Duplicates(_) => self.view = View::Query(QueryView::new(entry)),
                    }
                    self.run_search();
                }
            }
            Action::ShowLibrary => {
                self.lightbox = None;
                self.view = View::Library;
            }
            Action::SetAspect(mode) => {
                self.settings.set_aspect(mode);
                self.run_search();
            }
            Action::WeightsChanged => {
                self.settings.aspect = AspectMode::Custom;
                self.run_search();
            }
            Action::ShowMore => {
                if let View::Query(q) = &mut self.view {
                    // Tiles may move (a picture gains a copy): the selection and marks follow
                    // their artworks into the longer results.
                    let id = |i: &usize| q.hits().get(*i).map(|h| h.id);
                    q.keep = Some((q.results.selected.as_ref().and_then(id), q.results.marked.iter().filter_map(id).collect()));
                    q.k += RESULTS_K;
                    self.search(false);
                }
            }
            Action::Select(step) => match &mut self.view {
                View::Query(q) => {
                    let n = q.hits().len();
                    q.results.step(step, n);
                }
                View::Library => {
                    let n = self.library.shown().len();
                    self.library.nav.step(step, n);
                }
                View::Board(b) => {
                    let n = b.items().len();
                    b.nav.step(step, n);
                }
                View::Duplicates(_) => {}
            },
            Action::SelectIndex(i) => self.apply(Action::Click { index: i, how: ClickHow::Only }),
            Action::Click { index, how } => match &mut self.view {
                View::Query(q) => q.results.click(index, how),
                View::Library => self.library.nav.click(index, how),
                View::Board(b) => b.nav.click(index, how),
                View::Duplicates(_) => {}
            },
            Action::ToggleCopies(i) => {
                if let View::Query(q) = &mut self.view
                    && let SearchState::Ready(ranked) = &mut q.search
                {
                    q.results.selected = ranked.toggle(i, q.results.selected);
                    // Tiles moved: artworks marked with Ctrl/Shift-click would now be others.
                    q.results.marked.clear();
                    q.unfolded = ranked.unfolded().clone();
                }
            }
            Action::OpenBoard(id) => {
                self.lightbox = None;
                self.view = View::Board(BoardView::new(id));
                self.worker.send(Command::LoadBoard(id));
            }
            Action::Favourite => {
                let artworks = self.chosen_artworks();
                if !artworks.is_empty() {
                    self.worker.send(Command::ChangeBoard(BoardChange::Add { board: FAVOURITES, artworks }));
                }
            }
            Action::PickBoard => {
                let artworks = self.chosen_artworks();
                if !artworks.is_empty() {
                    self.boards.picker = Some(Picker { artworks, new_name: String::new() });
                }
            }
            Action::ClosePicker => self.boards.picker = None,
            Action::AddToBoard { board, artworks } => {
                self.boards.picker = None;
                self.worker.send(Command::ChangeBoard(BoardChange::Add { board, artworks }));
            }
            Action::NewBoard { name, artworks } => {
                self.boards.picker = None;
                self.worker.send(Command::ChangeBoard(BoardChange::Create { name, artworks }));
            }
            Action::RemoveFromBoard { board, artworks } => {
                if let View::Board(b) = &mut self.view {
                    b.nav.reset();
                    b.canvas.selected = None;
                }
                self.worker.send(Command::ChangeBoard(BoardChange::Remove { board, artworks }));
            }
            Action::RenameBoard { board, name } => {
                if let View::Board(b) = &mut self.view {
                    b.rename = None;
                }
                self.worker.send(Command::ChangeBoard(BoardChange::Rename { board, name }));
            }
            Action::DeleteBoard(board) => {
                self.view = View::Library;
                self.worker.send(Command::ChangeBoard(BoardChange::Delete(board)));
            }
            Action::ExportBoard { board, dir, sheet } => {
                if let View::Board(b) = &mut self.view {
                    b.export = None;
                }
                self.worker.send(Command::ChangeBoard(BoardChange::Export { board, dir, sheet }));
            }
            Action::CancelExport => {
                if let View::Board(b) = &mut self.view {
                    b.export = None;
                }
            }
            Action::PlaceOnBoard { board, places } => self.worker.send(Command::ChangeBoard(BoardChange::Place { board, places })),
            Action::MoreLikeBoard(board) => {
                if let View::Board(b) = &self.view
                    && let Some(first) = b.items().first()
                {
                    let name = b.board.as_ref().map_or(String::new(), |b| b.summary.name.clone());
                    let entry = TrailEntry::board(board, &name, first.artwork.id, &first.artwork.path);
                    self.apply(Action::Query(entry));
                }
            }
            Action::CompactOnTop(on) => {
                if let Some(ctx) = &self.ctx
                    && on != self.compact
                {
                    use eframe::egui::{ViewportCommand, WindowLevel, vec2};
                    // Small beside a painting app; back to the size it had when leaving.
                    let size = if on {
                        self.size_before_compact = ctx.input(|i| i.viewport().inner_rect).map(|r| r.size());
                        Some(vec2(COMPACT_SIZE[0], COMPACT_SIZE[1]))
                    } else {
                        self.size_before_compact.take()
                    };
                    if let Some(size) = size {
                        ctx.send_viewport_cmd(ViewportCommand::InnerSize(size));
                    }
                    let level = if on { WindowLevel::AlwaysOnTop } else { WindowLevel::Normal };
                    ctx.send_viewport_cmd(ViewportCommand::WindowLevel(level));
                }
                self.compact = on;
            }
            Action::HopToSelected => match &self.view {
                View::Query(q) => {
                    if let Some(hit) = q.selected_hit() {
                        let entry = TrailEntry::artwork(hit.id, &hit.path);
                        self.apply(Action::Hop(entry));
                    }
                }
                View::Library => {
                    if let Some(a) = self.library.selected() {
                        let entry = TrailEntry::artwork(a.id, &a.path);
                        self.apply(Action::Query(entry));
                    }
                }
                View::Board(b) => {
                    if let Some(item) = b.shown_selection().and_then(|i| b.items().get(i)) {
                        let entry = TrailEntry::artwork(item.artwork.id, &item.artwork.path);
                        self.apply(Action::Query(entry));
                    }
                }
                View::Duplicates(_) => {}
            },
            Action::OpenLightbox(source, index) => {
                let items: Vec<Item> = match (source, &self.view) {
                    (Source::Results, View::Query(q)) => q.hits().iter().map(|h| Item { id: Some(h.id), path: h.path.clone() }).collect(),
                    (Source::Library, View::Library) => {
                        self.library.shown().map(|a| Item { id: Some(a.id), path: a.path.clone() }).collect()
                    }
                    (Source::Query, View::Query(q)) => vec![q.current().item()],
                    (Source::Board, View::Board(b)) => {
                        b.items().iter().map(|i| Item { id: Some(i.artwork.id), path: i.artwork.path.clone() }).collect()
                    }
                    _ => Vec::new(),
                };
                if index < items.len() {
                    self.lightbox = Some(Lightbox::new(items, index, source));
                }
            }
            Action::LookAtSelected => {
                let (source, selected) = match &self.view {
                    View::Query(q) => (Source::Results, q.results.selected),
                    View::Library => (Source::Library, self.library.nav.selected),
                    View::Board(b) => (Source::Board, b.shown_selection()),
                    View::Duplicates(_) => (Source::Library, None),
                };
                if let Some(i) = selected {
                    self.apply(Action::OpenLightbox(source, i));
                }
            }
            Action::CloseLightbox => {
                if let Some(lightbox) = self.lightbox.take() {
                    match (lightbox.source, &mut self.view) {
                        (Source::Results, View::Query(q)) => q.results.select(lightbox.index),
                        (Source::Library, View::Library) => self.library.nav.select(lightbox.index),
                        (Source::Board, View::Board(b)) => b.nav.select(lightbox.index),
                        _ => {}
                    }
                }
            }
            Action::LightboxStep(by) => {
                if let Some(lightbox) = &mut self.lightbox {
                    lightbox.step(by);
                }
            }
            Action::LightboxZoom(zoom) => {
                if let Some(lightbox) = &mut self.lightbox {
                    lightbox.set_zoom(zoom);
                }
            }
            Action::LightboxFindKindred => {
                if let Some(lightbox) = &self.lightbox {
                    let entry = lightbox.item().entry();
                    self.apply(Action::Hop(entry));
                }
            }
            Action::CopyImage(path) => {
                self.load_tokens += 1;
                self.copy_token = self.load_tokens;
                self.loader.send(Request { token: self.copy_token, path, max_side: COPY_MAX_SIDE, purpose: Purpose::Copy });
            }
            Action::CopyFile(path) => self.copy_files(vec![path]),
            Action::CopyCurrent { file } => {
                let path = match (&self.lightbox, &mut self.view) {
                    (Some(lightbox), _) => Some(lightbox.item().path.clone()),
                    // The map hides the view's selection: nothing of it is copied.
                    (None, _) if self.map.is_some() => None,
                    (None, View::Query(q)) => q.selected_hit().map(|h| h.path.clone()),
                    (None, View::Library) => self.library.selected().map(|a| a.path.clone()),
                    (None, View::Board(b)) => b.shown_selection().and_then(|i| b.items().get(i)).map(|i| i.artwork.path.clone()),
                    (None, View::Duplicates(_)) => None,
                };
                if let Some(path) = path {
                    self.apply(if file { Action::CopyFile(path) } else { Action::CopyImage(path) });
                }
            }
            Action::PasteImage(image) => match save_pasted(&self.library_dir.join(PASTED_DIR), &image, std::time::SystemTime::now()) {
                Ok(path) => self.apply(Action::Hop(TrailEntry::file(path))),
                Err(e) => self.banner = Some(format!("Could not keep the pasted image: {e}")),
            },
            Action::StartImport(roots) => match self.import.running.as_ref().map(|r| r.job) {
                Some(super::worker::Job::Import) => {
                    self.banner = Some("An import is already running; wait for it to finish or cancel it.".into());
                }
                Some(_) if self.import.queued.is_some() => {
                    self.banner = Some("An import already waits for the rescan of your folders to end.".into());
                }
                // The worker's own rescan or changes: the import follows them (and shows when it starts).
                Some(_) => {
                    self.banner = Some("The import starts when the rescan of your folders ends (or Cancel it).".into());
                    let id = self.worker.job_id();
                    self.import.queued = Some(RunningImport::asked(super::worker::Job::Import, id));
                    self.worker.send(Command::Import { roots, id });
                }
                None => {
                    let id = self.worker.job_id();
                    self.import.running = Some(RunningImport::asked(super::worker::Job::Import, id));
                    self.worker.send(Command::Import { roots, id });
                }
            },
            Action::ShowDuplicates
            | Action::MoreDuplicates
            | Action::AskKeepOnly { .. }
            | Action::KeepOnly
            | Action::CancelKeepOnly
            | Action::PickBoardFor(_) => self.apply_duplicates(action),
            Action::SearchIn(folder) => {
                self.scope.within = folder.clone();
                self.worker.send(Command::SearchIn(folder));
                self.run_search();
            }
            Action::Rescan => {
                if self.import.is_running() {
                    self.banner = Some("An import is already running; wait for it to finish or cancel it.".into());
                } else {
                    let id = self.worker.job_id();
                    self.import.running = Some(RunningImport::asked(super::worker::Job::Rescan, id));
                    self.worker.send(Command::Rescan { id });
                }
            }
            Action::StopFollowing(folder) => self.worker.send(Command::StopFollowing(folder)),
            Action::PickFolder => self.import.ask = Some(ImportAsk::default()),
            Action::BrowseFolder => {
                // Where no dialog can be shown (no portal, no zenity) this returns nothing, as for a
                // cancelled dialog: the window says so, and the path field stays.
                let picked = rfd::FileDialog::new().set_title("Import a folder into Kindred").pick_folder();
                if let Some(ask) = &mut self.import.ask {
                    match picked {
                        Some(dir) => ask.path = dir.display().to_string(),
                        None => {
                            ask.problem =
                                Some("No folder was chosen (no file dialog may be available here): type or paste its path.".into())
                        }
                    }
                }
            }
            Action::ImportTyped => {
                if let Some(ask) = &mut self.import.ask {
                    let typed = ask.path.trim();
                    let dir = PathBuf::from(typed.strip_prefix("file://").unwrap_or(typed));
                    if dir.is_dir() {
                        self.import.ask = None;
                        self.apply(Action::StartImport(vec![dir]));
                    } else if typed.is_empty() {
                        ask.problem = Some("Type or paste the path of a folder.".into());
                    } else {
                        ask.problem = Some(format!("There is no folder at {}.", dir.display()));
                    }
                }
            }
            Action::CloseImportAsk => self.import.ask = None,
            // The job shown, by its id: never one that started after it.
            Action::CancelImport => {
                if let Some(running) = &mut self.import.running {
                    self.worker.cancel_job(running.id);
                    running.cancelling = true;
                }
            }
            Action::CloseImportSummary => self.import.last = None,
            Action::ShowLibraryInfo => self.status.open_info(&self.worker),
            Action::Banner(msg) => self.banner = Some(msg),
            Action::DismissBanner => self.banner = None,
            Action::Open(path) => {
                if let Err(e) = opener::open(&path) {
                    self.banner = Some(format!("Cannot open {}: {e}", path.display()));
                }
            }
            Action::Reveal(path) => {
                if let Err(e) = opener::reveal(&path) {
                    self.banner = Some(format!("Cannot show {} in its folder: {e}", path.display()));
                }
            }
            Action::CopyPath(path) => {
                if let Some(ctx) = &self.ctx {
                    ctx.copy_text(path.display().to_string());
                }
            }
            Action::ToggleMap => {
                self.map = match self.map.take() {
                    Some(_) => None,
                    None => Some(super::map_view::MapView::open(&self.worker)),
                }
            }
        }
    }

    /// The artworks F and B act on: what the lightbox shows, else the grid's chosen tiles (the
    /// selection with the Ctrl/Shift-clicked ones).
    fn chosen_artworks(&mut self) -> Vec<ArtworkId> {
        if let Some(lightbox) = &self.lightbox {
            return lightbox.item().id.into_iter().collect();
        }
        // Over the map, only what it shows can be chosen (nothing, with no lasso): the grid under
        // it is hidden.
        if let Some(map) = &self.map {
            return map.selection().to_vec();
        }
        match &mut self.view {
            View::Query(q) => {
                let hits = q.hits();
                q.results.chosen().into_iter().filter_map(|i| hits.get(i)).map(|h| h.id).collect()
            }
            View::Library => {
                let chosen = self.library.nav.chosen();
                chosen.into_iter().filter_map(|i| self.library.shown_at(i).map(|a| a.id)).collect()
            }
            View::Board(b) => b.chosen(),
            View::Duplicates(_) => Vec::new(),
        }
    }

    /// Puts files on the system clipboard as a `text/uri-list` (what file managers, Krita, GIMP and
    /// PureRef paste as files); where no clipboard can take files, the same list as text.
    fn copy_files(&mut self, paths: Vec<PathBuf>) {
        let uri_list = uri_list(&paths);
        if self.clipboard.is_none() {
            self.clipboard = arboard::Clipboard::new().ok();
        }
        // The clipboard object stays alive in the app: on X11 it serves the selection.
        let as_files = self.clipboard.as_mut().is_some_and(|c| c.set().file_list(&paths[..]).is_ok());
        if !as_files && let Some(ctx) = &self.ctx {
            ctx.copy_text(uri_list.clone());
        }
        self.copied = Some(Copied::Files { uri_list, as_files });
    }

    /// Runs the current query with the current weights, if a query is shown; its results open at
    /// the top.
    fn run_search(&mut self) {
        self.search(true);
    }

    /// Runs the current query; `fresh`: a new query or ranking, which opens at the top.
    fn search(&mut self, fresh: bool) {
        let View::Query(q) = &mut self.view else { return };
        if fresh {
            q.results.reset();
            q.k = RESULTS_K;
            q.unfolded.clear();
            q.keep = None;
        }
        q.search = if self.settings.weights.validate().is_err() {
            SearchState::Failed(SearchFailure::NoWeights)
        } else {
            self.search_tokens += 1;
            let token = self.search_tokens;
            let (weights, k) = (self.settings.weights, q.k);
            self.worker.send(match q.current().board {
                Some(board) => Command::SearchBoard { token, board, weights, k },
                None => Command::Search { token, query: q.current().query.clone(), weights, k },
            });
            SearchState::Searching { token }
        };
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use eframe::egui;

    use super::*;
    use crate::aspect::Weights;
    use crate::gui::worker::Event;
    use crate::library::SearchResults;
    use crate::search::Hit;

    fn artwork(id: i64) -> TrailEntry {
        TrailEntry::artwork(id, Path::new(&format!("/art/{id}.png")))
    }

    fn results(token: u64, ids: &[i64]) -> Event {
        let hits = ids
            .iter()
            .map(|&id| Hit {
                id,
                path: format!("/art/{id}.png").into(),
                score: 0.5,
                aspects: HashMap::new(),
                alike: 0.5,
                aspects_alike: HashMap::new(),
                missing: false,
                copies: Vec::new(),
            })
            .collect();
        Event::Results {
            token,
            results: SearchResults { query_id: None, kind: crate::QueryKind::Picture, weights: crate::Weights::ALL, hits },
        }
    }

    /// Tokens of the searches sent to the worker so far.
    fn searches(commands: &crossbeam_channel::Receiver<Command>) -> Vec<u64> {
        commands.try_iter().filter_map(|c| if let Command::Search { token, .. } = c { Some(token) } else { None }).collect()
    }

    #[test]
    fn a_late_answer_to_a_query_left_behind_is_dropped() {
        let (mut app, commands) = KindredApp::detached();
        let ctx = egui::Context::default();
        app.apply(Action::Query(artwork(1)));
        assert!(matches!(app.search_state(), SearchState::Searching { token: 1 }));
        assert!(app.hits().is_none(), "searching");
        app.apply(Action::ShowLibrary);
        assert!(matches!(app.search_state(), SearchState::Idle) && app.hits().is_none() && app.trail().is_empty());
        app.handle_event(&ctx, results(1, &[3]), &mut Vec::new());
        assert!(app.hits().is_none() && matches!(app.view(), View::Library), "no results land on the library");
        app.apply(Action::Query(artwork(2)));
        app.handle_event(&ctx, results(1, &[3]), &mut Vec::new());
        assert!(app.hits().is_none(), "the answer to the first query is not shown for the second");
        app.handle_event(&ctx, results(2, &[4, 5]), &mut Vec::new());
        assert_eq!(app.hits().unwrap().len(), 2);
        assert_eq!(searches(&commands), [1, 2]);
    }

    #[test]
    fn zero_weights_give_no_results_without_asking_the_worker() {
        let (mut app, commands) = KindredApp::detached();
        app.apply(Action::Query(artwork(1)));
        assert_eq!(searches(&commands), [1]);
        app.settings_mut().weights = Weights { colour: 0.0, texture: 0.0, shape: 0.0 };
        app.apply(Action::WeightsChanged);
        assert!(matches!(app.search_state(), SearchState::Failed(SearchFailure::NoWeights)));
        assert!(app.hits().is_some_and(|h| h.is_empty()), "no results, as after a failed search");
        assert_eq!(app.settings().aspect, AspectMode::Custom);
        assert!(searches(&commands).is_empty());
        app.apply(Action::SetAspect(AspectMode::All));
        assert!(matches!(app.search_state(), SearchState::Searching { token: 2 }), "{:?}", app.search_state());
    }

    #[test]
    fn a_file_that_is_not_an_image_leaves_the_trail_with_a_message() {
        let (mut app, commands) = KindredApp::detached();
        let ctx = egui::Context::default();
        app.apply(Action::Query(artwork(1)));
        let notes = Path::new("/tmp/notes.txt");
        app.apply(Action::Hop(TrailEntry::file(notes.to_path_buf())));
        assert_eq!(app.trail().len(), 2);
        let mut actions = Vec::new();
        let failed =
            Event::QueryFailed { token: 2, path: Some(notes.to_path_buf()), reason: "not a supported image".into(), not_an_image: true };
        app.handle_event(&ctx, failed, &mut actions);
        assert!(app.hits().is_some_and(|h| h.is_empty()), "a failed search has no results");
        assert_eq!(app.banner(), Some("Not an image Kindred can read: notes.txt (not a supported image)"));
        assert!(matches!(actions[..], [Action::Back]), "{actions:?}");
        for action in actions {
            app.apply(action);
        }
        assert_eq!(app.trail().len(), 1, "back to the query it was dropped on");
        assert!(matches!(app.search_state(), SearchState::Searching { token: 3 }), "which is searched again");
        assert_eq!(searches(&commands), [1, 2, 3]);
    }

    #[test]
    fn arrows_select_and_enter_hops_to_the_selection() {
        let (mut app, _commands) = KindredApp::detached();
        let ctx = egui::Context::default();
        app.apply(Action::Query(artwork(1)));
        app.apply(Action::HopToSelected);
        assert_eq!(app.trail().len(), 1, "nothing selected, nothing to hop to");
        app.handle_event(&ctx, results(1, &[7, 8, 9]), &mut Vec::new());
        app.apply(Action::Select(Step::Right));
        app.apply(Action::Select(Step::Right));
        app.apply(Action::HopToSelected);
        assert_eq!(app.trail().len(), 2);
        assert_eq!(app.trail()[1].name, "8.png");
        app.apply(Action::BackTo(0));
        assert_eq!(app.trail().len(), 1);
        app.apply(Action::Back);
        assert!(matches!(app.view(), View::Library));
    }

    #[test]
    fn a_file_list_is_percent_encoded_uris_one_per_line() {
        let list = uri_list(&[PathBuf::from("/art/Blue study #2.png"), PathBuf::from("/art/é.jpg")]);
        assert_eq!(list, "file:///art/Blue%20study%20%232.png\r\nfile:///art/%C3%A9.jpg\r\n");
    }

    #[test]
    fn pasted_images_are_named_by_time_and_the_oldest_are_cleaned_up() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(PASTED_DIR);
        let image = egui::ColorImage::new([2, 2], vec![egui::Color32::RED; 4]);
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_714_745_412); // 3 May 2024 14:10:12 UTC
        let first = save_pasted(&dir, &image, at).unwrap();
        assert_eq!(first.file_name().unwrap(), "Pasted image (3 May 2024 14.10.12).png");
        let second = save_pasted(&dir, &image, at).unwrap();
        assert_eq!(second.file_name().unwrap(), "Pasted image (3 May 2024 14.10.12) 2.png", "the same second gets a number");
        for n in 0..PASTED_KEPT + 5 {
            save_pasted(&dir, &image, at + std::time::Duration::from_secs(n as u64 + 1)).unwrap();
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), PASTED_KEPT, "only the newest are kept");
    }
}
