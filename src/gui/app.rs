//! The app: panels composed around the current [`View`]. Each frame applies the worker's answers,
//! turns input into [`Action`]s, lets every panel draw from its own state (pushing more actions),
//! then applies the actions (action.rs). Everything slow goes through the [`WorkerHandle`].

use eframe::egui;
use std::path::{Path, PathBuf};

use egui::{Color32, Id, Order};

use crate::import::{ImportSummary, Progress};
use crate::library::LibraryOptions;
use crate::search::Hit;

use super::action::Action;
use super::detail::DetailPanel;
use super::frame::Frame;
use super::import::ImportPanel;
use super::library::LibraryGrid;
use super::state::{SearchState, View};
use super::status_bar::StatusBar;
use super::thumbs::ThumbCache;
use super::worker::{Command, WorkerHandle};
use super::{banner, input, top_bar};

pub use super::settings::{AspectMode, Settings};
pub use super::trail::TrailEntry;

/// Number of results asked for per query.
pub const RESULTS_K: usize = 48;

/// The Kindred desktop app.
pub struct KindredApp {
    pub(super) worker: WorkerHandle,
    pub(super) settings: Settings,
    pub(super) view: View,
    /// Tokens handed out to searches so far (answers to older ones are stale).
    pub(super) search_tokens: u64,
    pub(super) library: LibraryGrid,
    pub(super) import: ImportPanel,
    pub(super) detail: DetailPanel,
    pub(super) status: StatusBar,
    /// A dismissable message (e.g. a dropped file that is not an image).
    pub(super) banner: Option<String>,
    pub(super) thumbs: ThumbCache,
    /// The egui context, once the first frame has run (for the clipboard and repaints).
    pub(super) ctx: Option<egui::Context>,
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
        Self::with_worker(WorkerHandle::spawn(dir.into(), options), settings)
    }

    /// An app whose commands go to a channel instead of a worker thread (unit tests).
    #[cfg(test)]
    pub(super) fn detached() -> (Self, crossbeam_channel::Receiver<Command>) {
        let (commands, receiver) = crossbeam_channel::unbounded();
        (Self::with_worker(WorkerHandle::detached(commands), Settings::default()), receiver)
    }

    fn with_worker(worker: WorkerHandle, settings: Settings) -> Self {
        worker.send(Command::ListArtworks);
        worker.send(Command::Info);
        Self {
            worker,
            settings,
            view: View::Library,
            search_tokens: 0,
            library: LibraryGrid::default(),
            import: ImportPanel::default(),
            detail: DetailPanel::default(),
            status: StatusBar::default(),
            banner: None,
            thumbs: ThumbCache::default(),
            ctx: None,
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
            View::Library => &SearchState::Idle,
        }
    }

    /// Results of the current query, best first: `None` while searching or with no query, empty
    /// when the search failed or every weight is zero.
    pub fn hits(&self) -> Option<&[Hit]> {
        match self.search_state() {
            SearchState::Idle | SearchState::Searching { .. } => None,
            SearchState::Ready(hits) => Some(hits),
            SearchState::Failed(_) => Some(&[]),
        }
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
            self.ctx = Some(ctx.clone());
        }
        let mut actions = Vec::new();
        self.handle_events(&ctx, &mut actions);
        input::actions(&ctx, matches!(self.view, View::Query(_)), &mut actions);
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

    /// The panels, each drawing from its own state beside the shared [`Frame`].
    fn draw(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let Self { worker, settings, view, library, import, detail, status, banner, thumbs, .. } = self;
        let mut frame = Frame { thumbs, worker, actions };
        let in_query = matches!(view, View::Query(_));
        egui::Panel::top("top").show(ui, |ui| top_bar::show(ui, settings, in_query, !import.is_running(), &mut frame));
        egui::Panel::bottom("status").show(ui, |ui| status.show(ui, library.count()));
        if import.is_visible() {
            egui::Panel::bottom("import").show(ui, |ui| import.show(ui, &mut frame));
        }
        if let View::Query(query) = view {
            egui::Panel::right("detail").default_size(260.0).min_size(220.0).show(ui, |ui| detail.show(ui, query, &mut frame));
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(msg) = banner {
                banner::show(ui, msg, &mut frame);
            }
            match view {
                View::Library => library.show(ui, settings.thumb_size, !import.is_running(), &mut frame),
                View::Query(query) => query.show(ui, settings, &mut frame),
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
