//! The app: panels composed around the current [`View`]. Each frame applies the worker's answers,
//! turns input into [`Action`]s, lets every panel draw from its own state (pushing more actions),
//! then applies the actions (action.rs). Everything slow goes through the [`WorkerHandle`].

use eframe::egui;
use std::path::{Path, PathBuf};

use egui::{Color32, Id, Order};

use crate::import::{ImportSummary, Progress};
use crate::library::LibraryOptions;
use crate::search::Hit;

use super::action::{Action, Copied};
use super::boards::BoardsPanel;
use super::composer::{Composer, Member};
use super::detail::{DetailPanel, Subject};
use super::frame::Frame;
use super::import::ImportPanel;
use super::input::Keys;
use super::library::LibraryGrid;
use super::lightbox::{Lightbox, Source};
use super::loader::Loader;
use super::map_view::MapView;
use super::results::GridNav;
use super::scope::SearchScope;
use super::state::{SearchState, View};
use super::status_bar::StatusBar;
use super::thumbs::ThumbCache;
use super::worker::{Command, ThumbKey, WorkerHandle};
use super::{banner, input, top_bar};

pub use super::settings::{AspectMode, Settings};
pub use super::trail::TrailEntry;

/// Number of results asked for per query.
pub const RESULTS_K: usize = 48;
/// Longest side of an image put on the clipboard by "Copy image" (larger files are reduced).
pub const COPY_MAX_SIDE: u32 = 8192;

/// The Kindred desktop app.
pub struct KindredApp {
    pub(super) worker: WorkerHandle,
    /// The library's directory (pasted images are kept in it).
    pub(super) library_dir: PathBuf,
    pub(super) settings: Settings,
    pub(super) view: View,
    /// Tokens handed out to searches so far (answers to older ones are stale).
    pub(super) search_tokens: u64,
    pub(super) library: LibraryGrid,
    pub(super) import: ImportPanel,
    pub(super) detail: DetailPanel,
    pub(super) status: StatusBar,
    /// The folder searches are kept to.
    pub(super) scope: SearchScope,
    /// A dismissable message (e.g. a dropped file that is not an image).
    pub(super) banner: Option<String>,
    pub(super) thumbs: ThumbCache,
    /// Decodes at viewing size, beside the worker.
    pub(super) loader: Loader,
    /// Tokens handed out to loader requests so far.
    pub(super) load_tokens: u64,
    /// The lightbox, when open over the view.
    pub(super) lightbox: Option<Lightbox>,
    /// Queries Back left, the next Forward last.
    pub(super) forward: Vec<TrailEntry>,
    /// Token of the awaited "Copy image" decode.
    pub(super) copy_token: u64,
    /// What was last put on the clipboard.
    pub(super) copied: Option<Copied>,
    /// The system clipboard for files, once used (kept: on X11 it serves what was copied).
    pub(super) clipboard: Option<arboard::Clipboard>,
    /// The egui context, once the first frame has run (for the clipboard and repaints).
    pub(super) ctx: Option<egui::Context>,
    /// The boards list, the board picker (B) and the last change's message.
    pub(super) boards: BoardsPanel,
    /// The compact window kept on top (a board beside a painting app): only the board is shown.
    pub(super) compact: bool,
    /// The window's size before the compact mode, to go back to.
    pub(super) size_before_compact: Option<egui::Vec2>,
    /// The composer: a query from several images, a palette, "less like".
    pub composer: Composer,
    /// The collection map, when open over the view.
    pub(super) map: Option<MapView>,
    /// Where "keep only this one" sends files: the system trash unless a test says otherwise.
    pub(super) trash: std::sync::Arc<dyn crate::library::Trash>,
}

impl KindredApp {
    /// Opens the library in `dir` on a new worker thread, with default settings.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self::with_settings(dir, Settings::default(), LibraryOptions::default())
    }

    /// Opens the library in `dir`, restoring settings saved by a previous run.
    pub fn with_storage(dir: impl Into<PathBuf>, storage: Option<&dyn eframe::Storage>) -> Self {
        Self::with_settings(dir, Settings::load(storage), LibraryOptions::default())
    }

    /// Opens the library in `dir` with the given options (e.g. the index kind), default settings.
    pub fn with_options(dir: impl Into<PathBuf>, options: LibraryOptions) -> Self {
        Self::with_settings(dir, Settings::default(), options)
    }

    fn with_settings(dir: impl Into<PathBuf>, settings: Settings, options: LibraryOptions) -> Self {
        let dir = dir.into();
        Self::with_worker(WorkerHandle::spawn(dir.clone(), options), dir, settings)
    }

    /// An app whose commands go to a channel instead of a worker thread (unit tests).
    #[cfg(test)]
    pub(super) fn detached() -> (Self, crossbeam_channel::Receiver<Command>) {
        let (commands, receiver) = crossbeam_channel::unbounded();
        (Self::with_worker(WorkerHandle::detached(commands), std::env::temp_dir(), Settings::default()), receiver)
    }

    fn with_worker(worker: WorkerHandle, library_dir: PathBuf, settings: Settings) -> Self {
        worker.send(Command::ListArtworks);
        worker.send(Command::Info);
        worker.send(Command::Boards);
        Self {
            worker,
            library_dir,
            settings,
            view: View::Library,
            search_tokens: 0,
            library: LibraryGrid::default(),
            import: ImportPanel::default(),
            detail: DetailPanel::default(),
            status: StatusBar::default(),
            scope: SearchScope::default(),
            banner: None,
            thumbs: ThumbCache::default(),
            loader: Loader::spawn(),
            load_tokens: 0,
            lightbox: None,
            forward: Vec::new(),
            copy_token: 0,
            copied: None,
            clipboard: None,
            ctx: None,
            boards: BoardsPanel::default(),
            compact: false,
            size_before_compact: None,
            composer: Composer::default(),
            map: None,
            trash: std::sync::Arc::new(crate::library::SystemTrash),
        }
    }

    // ---- Read access for tests and embedders ----

    /// Current settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Settings, to change (they are saved by [`eframe::App::save`]).
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    /// Number of thumbnail textures held.
    pub fn thumbnails_cached(&self) -> usize {
        self.thumbs.len()
    }

    /// The view shown.
    pub fn view(&self) -> &View {
        &self.view
    }

    /// The trail of queries; the last is the current query (empty in the library).
    pub fn trail(&self) -> &[TrailEntry] {
        self.view.trail()
    }

    /// Where the current query's search stands ([`SearchState::Idle`] in the library).
    pub fn search_state(&self) -> &SearchState {
        match &self.view {
            View::Query(q) => &q.search,
            View::Library | View::Board(_) | View::Duplicates(_) => &SearchState::Idle,
        }
    }

    /// Results of the current query, best first: `None` while searching or with no query, empty
    /// when the search failed or every weight is zero.
    pub fn hits(&self) -> Option<&[Hit]> {
        match self.search_state() {
            SearchState::Idle | SearchState::Searching { .. } => None,
            SearchState::Ready(ranked) => Some(ranked.hits()),
            SearchState::Failed(_) => Some(&[]),
        }
    }

    /// The lightbox, when open.
    pub fn lightbox(&self) -> Option<&Lightbox> {
        self.lightbox.as_ref()
    }

    /// What was last put on the clipboard by Copy image / Copy file.
    pub fn copied(&self) -> Option<&Copied> {
        self.copied.as_ref()
    }

    /// Queries Forward would return to, the next last.
    pub fn forward_trail(&self) -> &[TrailEntry] {
        &self.forward
    }

    /// The selected tile of the grid shown (results, or the library).
    pub fn selected(&self) -> Option<usize> {
        match &self.view {
            View::Query(q) => q.results.selected,
            View::Library => self.library.nav.selected,
            View::Board(b) => b.shown_selection(),
            View::Duplicates(_) => None,
        }
    }

    /// Selection and scroll position of the grid shown (results, or the library).
    pub fn grid(&self) -> &GridNav {
        match &self.view {
            View::Query(q) => &q.results,
            View::Library => &self.library.nav,
            View::Board(b) => &b.nav,
            View::Duplicates(_) => &self.library.nav,
        }
    }

    /// The boards, Favourites first, once listed.
    pub fn boards(&self) -> &[crate::board::BoardSummary] {
        &self.boards.list
    }

    /// The board shown, once loaded.
    pub fn board(&self) -> Option<&crate::board::Board> {
        match &self.view {
            View::Board(b) => b.board.as_ref(),
            _ => None,
        }
    }

    /// The canvas of the board shown.
    pub fn board_canvas(&self) -> Option<&super::board_view::Canvas> {
        match &self.view {
            View::Board(b) => Some(&b.canvas),
            _ => None,
        }
    }

    /// What the last board change did, while it is shown.
    pub fn board_message(&self) -> Option<&str> {
        self.boards.message()
    }

    /// True in the compact window kept on top.
    pub fn compact(&self) -> bool {
        self.compact
    }

    /// Width and height of the detail panel's large preview, once decoded.
    pub fn detail_preview_size(&self) -> Option<[usize; 2]> {
        self.detail.preview_size()
    }

    /// The collection map, when open.
    pub fn map_view(&self) -> Option<&MapView> {
        self.map.as_ref()
    }

    /// The message banner, if one is shown.
    pub fn banner(&self) -> Option<&str> {
        self.banner.as_deref()
    }

    /// Number of searchable artworks, once listed.
    pub fn artwork_count(&self) -> Option<usize> {
        self.library.count()
    }

    /// Latest progress of the running import.
    pub fn import_progress(&self) -> Option<&Progress> {
        self.import.running.as_ref()?.progress.as_ref()
    }

    /// Summary of the last finished import (until closed).
    pub fn last_import(&self) -> Option<&ImportSummary> {
        self.import.last.as_ref()
    }

    /// True while an import runs.
    pub fn importing(&self) -> bool {
        self.import.is_running()
    }

    // ---- Actions, applied at once (the UI queues them for after the frame instead) ----

    /// Starts a background import of files or folders.
    pub fn start_import(&mut self, roots: Vec<PathBuf>) {
        self.apply(Action::StartImport(roots));
    }

    /// Asks the running import or rescan to stop (as its Cancel button does; what was done is kept).
    pub fn cancel_import(&mut self) {
        self.apply(Action::CancelImport);
    }

    /// Starts a new trail with this query.
    pub fn query(&mut self, entry: TrailEntry) {
        self.apply(Action::Query(entry));
    }

    /// Pushes a query on the trail and runs it.
    pub fn hop(&mut self, entry: TrailEntry) {
        self.apply(Action::Hop(entry));
    }

    /// Goes back one query (to the library when the trail empties).
    pub fn back(&mut self) {
        self.apply(Action::Back);
    }

    /// Goes forward to the query Back left.
    pub fn forward(&mut self) {
        self.apply(Action::Forward);
    }

    /// Goes back to the trail entry at `index`.
    pub fn back_to(&mut self, index: usize) {
        self.apply(Action::BackTo(index));
    }

    /// Sets the aspect buttons' weights and re-runs the search.
    pub fn set_aspect(&mut self, mode: AspectMode) {
        self.apply(Action::SetAspect(mode));
    }

    // ---- The frame ----

    /// Draws one frame (also used directly by tests, without eframe).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.ctx.is_none() {
            self.worker.set_context(&ctx);
            self.loader.set_context(&ctx);
            self.ctx = Some(ctx.clone());
        }
        let mut actions = Vec::new();
        self.handle_events(&ctx, &mut actions);
        let keys = match (&self.lightbox, &self.view) {
            (Some(_), _) => Keys::Lightbox,
            (None, _) if self.map.is_some() => Keys::Map,
            (None, View::Query(_)) => Keys::Query,
            (None, View::Library | View::Board(_) | View::Duplicates(_)) => Keys::Library,
        };
        // Files dropped on the composer's drop zones go there, not to the query.
        if self.composer.take_drops(&ctx) {
            actions.push(Action::Compose);
        }
        input::actions(&ctx, keys, &mut actions);
        self.thumbs.next_frame();
        self.draw(ui, &mut actions);
        drop_overlay(&ctx);
        // While importing, keep the rate and ETA fresh even between progress events.
        if self.import.is_running() {
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
        if !actions.is_empty() {
            for action in actions {
                self.apply(action);
            }
            // Show the new state without waiting for more input.
            ctx.request_repaint();
        }
    }

    /// The panels, each drawing from its own state beside the shared [`Frame`]; the lightbox, when
    /// open, takes the whole window.
    fn draw(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let Self {
            worker,
            settings,
            view,
            library,
            import,
            detail,
            status,
            scope,
            banner,
            thumbs,
            loader,
            load_tokens,
            lightbox,
            forward,
            boards,
            compact,
            composer,
            map,
            ..
        } = self;
        let waiting = import.waiting_for();
        let mut frame = Frame { thumbs, worker, loader, tokens: load_tokens, actions, waiting };
        boards.show_picker(ui.ctx(), &mut frame);
        if let Some(lightbox) = lightbox {
            egui::CentralPanel::default().show(ui, |ui| lightbox.show(ui, &mut frame));
            return;
        }
        if let (true, View::Board(board)) = (*compact, &mut *view) {
            // The compact window kept on top: the board alone, and the way back.
            egui::CentralPanel::default().show(ui, |ui| {
                if ui.button("Leave compact mode").clicked() {
                    frame.act(Action::CompactOnTop(false));
                }
                board.show_compact(ui, &mut frame);
            });
            return;
        }
        let in_query = matches!(view, View::Query(_));
        let in_board = matches!(view, View::Board(_));
        let in_duplicates = matches!(view, View::Duplicates(_));
        egui::Panel::top("top").show(ui, |ui| {
            let show_import = in_query || library.count().is_some_and(|n| n > 0);
            // The map lights up a query or a board; over the Duplicates view it would hide the groups.
            let map_open = (show_import && !in_duplicates).then_some(map.is_some());
            let bar = top_bar::Bar {
                in_query,
                in_board: in_board || in_duplicates,
                can_forward: !forward.is_empty(),
                show_import,
                can_import: !import.is_running(),
                map_open,
                show_duplicates: !in_duplicates && library.count().is_some_and(|n| n > 1),
            };
            top_bar::show(ui, settings, &bar, boards, &mut frame)
        });
        egui::Panel::bottom("status").show(ui, |ui| status.show(ui, library.count(), &mut frame));
        if status.info_open {
            status.info_window(ui.ctx());
        }
        if import.is_visible() {
            egui::Panel::bottom("import").show(ui, |ui| import.show(ui, &mut frame));
        }
        let subject = match view {
            View::Query(query) => match query.selected_hit() {
                Some(hit) => Some(Subject {
                    heading: "Selected",
                    key: ThumbKey::Artwork(hit.id),
                    score: Some(hit.alike),
                    find: Some(TrailEntry::artwork(hit.id, &hit.path)),
                    look: (Source::Results, query.results.selected.unwrap_or(0)),
                }),
                // A palette has no picture to describe.
                None if matches!(query.current().query, crate::query::Query::Palette(_)) => None,
                None => {
                    Some(Subject { heading: "Query", key: query.current().key.clone(), score: None, find: None, look: (Source::Query, 0) })
                }
            },
            View::Library => library.nav.selected.and_then(|i| {
                let a = library.selected()?;
                Some(Subject {
                    heading: "Selected",
                    key: ThumbKey::Artwork(a.id),
                    score: None,
                    find: Some(TrailEntry::artwork(a.id, &a.path)),
                    look: (Source::Library, i),
                })
            }),
            View::Board(board) => board.shown_selection().and_then(|i| {
                let a = &board.items().get(i)?.artwork;
                Some(Subject {
                    heading: "Selected",
                    key: ThumbKey::Artwork(a.id),
                    score: None,
                    find: Some(TrailEntry::artwork(a.id, &a.path)),
                    look: (Source::Board, i),
                })
            }),
            View::Duplicates(_) => None,
        };
        if let Some(ask) = &mut import.ask {
            ask.show(ui.ctx(), &mut frame);
        }
        let member = match (&subject, &*view) {
            (Some(Subject { find: Some(entry), .. }), _) => Member::of(entry),
            (_, View::Query(query)) => Member::of(query.current()),
            _ => None,
        };
        composer.show(ui.ctx(), member, &mut frame);
        // Always there (beside a non-empty library too), so selecting never reflows the grid.
        if !in_duplicates && (in_query || in_board || library.count().is_some_and(|n| n > 0)) {
            egui::Panel::right("detail").default_size(320.0).min_size(240.0).show(ui, |ui| {
                egui::ScrollArea::vertical().id_salt("detail-scroll").show(ui, |ui| match subject {
                    Some(subject) => detail.show(ui, subject, &mut frame),
                    None => {
                        ui.heading("Nothing selected");
                        ui.label(
                            "Click an artwork to see it here. Double-click it or press Enter to find its kindred; Space looks closer.",
                        );
                    }
                });
            });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(msg) = banner {
                banner::show(ui, msg, &mut frame);
            }
            if let Some(map) = map {
                return map.show(ui, &super::map_view::highlight(view), &mut frame);
            }
            match view {
                View::Library => library.show(ui, settings.thumb_size, !import.is_running(), &mut frame),
                View::Query(query) => {
                    scope.show(ui, library.folders(), &mut frame);
                    let size = detail.pixel_size(&query.current().key, frame.worker);
                    query.show(ui, settings, size, &mut frame)
                }
                View::Board(board) => board.show(ui, settings.thumb_size, &mut frame),
                View::Duplicates(duplicates) => duplicates.show(ui, &mut frame),
            }
        });
    }
}

/// While files are dragged over the window, a full-window hint of what a drop does.
fn drop_overlay(ctx: &egui::Context) {
    if ctx.input(|i| i.raw.hovered_files.is_empty()) {
        return;
    }
    let rect = ctx.content_rect();
    egui::Area::new(Id::unique("drop-overlay")).order(Order::Foreground).fixed_pos(rect.min).interactable(false).show(ctx, |ui| {
        ui.painter().rect_filled(rect, 0.0, Color32::from_black_alpha(170));
        ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
            ui.centered_and_justified(|ui| {
                ui.label(egui::RichText::new("Drop to find kindred works").size(28.0).color(Color32::WHITE));
            });
        });
    });
}

impl eframe::App for KindredApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.settings.save(storage);
    }
}

/// The file name of a path, for display.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}
