//! The app's view state and frame: panels laid out around the library grid or the query view.
//! Everything slow goes through the [`WorkerHandle`]; this file only keeps what is on screen.

use eframe::egui;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use egui::{Color32, Id, Order};
use serde::{Deserialize, Serialize};

use crate::catalog::{Artwork, ArtworkId};
use crate::aspect::{Aspect, Weights};
use crate::import::{ImportSummary, Progress};
use crate::library::{Info, LibraryOptions};
use crate::search::{Hit, Query};

use super::gallery::ThumbCache;
use super::worker::{Command, Details, Event, ThumbKey, WorkerHandle};

/// Number of results asked for per query.
pub const RESULTS_K: usize = 48;
/// Key of the persisted settings.
const SETTINGS_KEY: &str = "kindred-settings";

/// The aspect buttons; `Custom` when the sliders set other weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AspectMode {
    /// All aspects equally.
    All,
    /// One aspect only.
    Only(Aspect),
    /// Weights from the sliders.
    Custom,
}

/// What is kept between runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Thumbnail side in points.
    pub thumb_size: f32,
    /// Aspect weights.
    pub weights: Weights,
    /// Which aspect button is selected.
    pub aspect: AspectMode,
}

impl Default for Settings {
    fn default() -> Self {
        Self { thumb_size: 128.0, weights: Weights::ALL, aspect: AspectMode::All }
    }
}

/// One query on the trail.
#[derive(Clone, Debug)]
pub struct TrailEntry {
    /// What is searched with.
    pub query: Query,
    /// Display name (file name).
    pub name: String,
    /// Its image.
    pub key: ThumbKey,
}

impl TrailEntry {
    /// A library artwork as a query.
    pub fn artwork(id: ArtworkId, path: &Path) -> Self {
        Self { query: Query::Artwork(id), name: file_name(path), key: ThumbKey::Artwork(id) }
    }

    /// An image file as a query.
    pub fn file(path: PathBuf) -> Self {
        Self { name: file_name(&path), key: ThumbKey::File(path.clone()), query: Query::File(path) }
    }
}

/// A running import.
pub(super) struct ImportView {
    pub(super) progress: Option<Progress>,
    pub(super) started: Instant,
    pub(super) cancelling: bool,
}

/// The Kindred desktop app.
pub struct KindredApp {
    pub(super) worker: WorkerHandle,
    pub(super) settings: Settings,
    /// Searchable artworks; `None` until the worker has listed them.
    pub(super) artworks: Option<Vec<Artwork>>,
    pub(super) info: Option<Info>,
    pub(super) import: Option<ImportView>,
    pub(super) last_import: Option<ImportSummary>,
    /// Queries, oldest first; the last is the current one. Empty: the library grid is shown.
    pub(super) trail: Vec<TrailEntry>,
    /// Results of the current query (`None` while searching).
    pub(super) hits: Option<Vec<Hit>>,
    pub(super) search_token: u64,
    /// Selected result (keyboard or click on the detail panel).
    pub(super) selected: Option<usize>,
    /// Results per row, from the last frame (for Up/Down).
    pub(super) columns: usize,
    /// A dismissable message (e.g. a dropped file that is not an image).
    pub(super) banner: Option<String>,
    pub(super) thumbs: ThumbCache,
    pub(super) details: HashMap<ThumbKey, Details>,
    details_requested: std::collections::HashSet<ThumbKey>,
    started: bool,
}

impl KindredApp {
    /// Opens the library in `dir` on a new worker thread, with default settings.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self::with_settings(dir, Settings::default())
    }

    /// Opens the library in `dir`, restoring settings saved by a previous run.
    pub fn with_storage(dir: impl Into<PathBuf>, storage: Option<&dyn eframe::Storage>) -> Self {
        let settings = storage.and_then(|s| eframe::get_value(s, SETTINGS_KEY)).unwrap_or_default();
        Self::with_settings(dir, settings)
    }

    /// Opens the library in `dir` with the given options (e.g. the index kind), default settings.
    pub fn with_options(dir: impl Into<PathBuf>, options: LibraryOptions) -> Self {
        Self::with_settings_and_options(dir, Settings::default(), options)
    }

    fn with_settings(dir: impl Into<PathBuf>, settings: Settings) -> Self {
        Self::with_settings_and_options(dir, settings, LibraryOptions::default())
    }

    fn with_settings_and_options(dir: impl Into<PathBuf>, settings: Settings, options: LibraryOptions) -> Self {
        let worker = WorkerHandle::spawn(dir.into(), options);
        worker.send(Command::ListArtworks);
        worker.send(Command::Info);
        Self {
            worker,
            settings,
            artworks: None,
            info: None,
            import: None,
            last_import: None,
            trail: Vec::new(),
            hits: None,
            search_token: 0,
            selected: None,
            columns: 1,
            banner: None,
            thumbs: ThumbCache::default(),
            details: HashMap::new(),
            details_requested: Default::default(),
            started: false,
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

    /// The trail of queries; the last is the current query.
    pub fn trail(&self) -> &[TrailEntry] {
        &self.trail
    }

    /// Results of the current query, best first (`None` while searching or with no query).
    pub fn hits(&self) -> Option<&[Hit]> {
        self.hits.as_deref()
    }

    /// The message banner, if one is shown.
    pub fn banner(&self) -> Option<&str> {
        self.banner.as_deref()
    }

    /// Number of searchable artworks, once listed.
    pub fn artwork_count(&self) -> Option<usize> {
        self.artworks.as_ref().map(Vec::len)
    }

    /// Latest progress of the running import.
    pub fn import_progress(&self) -> Option<&Progress> {
        self.import.as_ref()?.progress.as_ref()
    }

    /// Summary of the last finished import (until closed).
    pub fn last_import(&self) -> Option<&ImportSummary> {
        self.last_import.as_ref()
    }

    /// True while an import runs.
    pub fn importing(&self) -> bool {
        self.import.is_some()
    }

    // ---- Actions ----

    /// Starts a background import of files or folders.
    pub fn start_import(&mut self, roots: Vec<PathBuf>) {
        if self.import.is_some() {
            self.banner = Some("An import is already running; wait for it to finish or cancel it.".into());
            return;
        }
        self.import = Some(ImportView { progress: None, started: Instant::now(), cancelling: false });
        self.worker.send(Command::Import { roots });
    }

    /// Starts a new trail with this query.
    pub fn query(&mut self, entry: TrailEntry) {
        self.trail.clear();
        self.hop(entry);
    }

    /// Pushes a query on the trail and runs it.
    pub fn hop(&mut self, entry: TrailEntry) {
        self.trail.push(entry);
        self.run_search();
    }

    /// Goes back one query (to the library when the trail empties).
    pub fn back(&mut self) {
        self.trail.pop();
        if self.trail.is_empty() {
            self.hits = None;
            self.selected = None;
        } else {
            self.run_search();
        }
    }

    /// Goes back to the trail entry at `index`.
    pub fn back_to(&mut self, index: usize) {
        if index + 1 < self.trail.len() {
            self.trail.truncate(index + 1);
            self.run_search();
        }
    }

    /// Re-runs the current query with the current weights.
    pub(super) fn run_search(&mut self) {
        let Some(entry) = self.trail.last() else { return };
        self.selected = None;
        if self.settings.weights.validate().is_err() {
            self.hits = Some(Vec::new());
            return;
        }
        self.search_token += 1;
        self.hits = None;
        self.worker.send(Command::Search {
            token: self.search_token,
            query: entry.query.clone(),
            weights: self.settings.weights,
            k: RESULTS_K,
        });
    }

    /// Sets the aspect buttons' weights and re-runs the search.
    pub fn set_aspect(&mut self, mode: AspectMode) {
        self.settings.aspect = mode;
        match mode {
            AspectMode::All => self.settings.weights = Weights::ALL,
            AspectMode::Only(a) => self.settings.weights = Weights::only(a),
            AspectMode::Custom => {}
        }
        self.run_search();
    }

    /// Details of a key, requested from the worker on first need.
    pub(super) fn details_of(&mut self, key: &ThumbKey) -> Option<&Details> {
        if !self.details.contains_key(key)
            && let ThumbKey::Artwork(id) = key
            && self.details_requested.insert(key.clone())
        {
            self.worker.send(Command::Details(*id));
        }
        self.details.get(key)
    }

    fn handle_events(&mut self, ctx: &egui::Context) {
        let events: Vec<Event> = self.worker.poll().collect();
        for event in events {
            match event {
                Event::Progress(p) => {
                    if let Some(view) = &mut self.import {
                        view.progress = Some(p);
                    }
                }
                Event::ImportDone(summary) => {
                    self.import = None;
                    self.last_import = Some(summary);
                    self.worker.send(Command::ListArtworks);
                    self.worker.send(Command::Info);
                    // Thumbnails of re-imported artworks may have changed.
                    self.thumbs.clear();
                    self.details.clear();
                    self.details_requested.clear();
                }
                Event::ImportFailed(msg) => {
                    self.import = None;
                    self.banner = Some(msg);
                    self.worker.send(Command::ListArtworks);
                    self.worker.send(Command::Info);
                }
                Event::Results { token, results } => {
                    if token == self.search_token {
                        self.hits = Some(results.hits);
                        self.selected = None;
                    }
                }
                Event::QueryFailed { token, path, reason, not_an_image } => {
                    if token != self.search_token {
                        continue;
                    }
                    let name = path.as_deref().map(file_name).unwrap_or_default();
                    self.banner = Some(if not_an_image {
                        format!("Not an image Kindred can read: {name} ({reason})")
                    } else {
                        format!("Search failed: {reason}")
                    });
                    // The failed query leaves the trail, back to the view it was dropped on.
                    if path.is_some() && self.trail.last().is_some_and(|e| matches!(&e.query, Query::File(p) if Some(p) == path.as_ref())) {
                        self.trail.pop();
                        if self.trail.is_empty() {
                            self.hits = None;
                        } else {
                            self.run_search();
                        }
                    } else {
                        self.hits = Some(Vec::new());
                    }
                }
                Event::Thumbnail { key, size, rgba } => self.thumbs.insert(ctx, key, size, &rgba),
                Event::Details { key, details } => {
                    self.details.insert(key, details);
                }
                Event::Artworks(list) => self.artworks = Some(list),
                Event::Info(info) => self.info = Some(*info),
                Event::Error(msg) => self.banner = Some(msg),
                Event::Notice(msg) => self.banner = Some(capitalise(&msg)),
            }
        }
    }

    /// Dropped folders are imported; a dropped file becomes the query.
    fn handle_drops(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        if dropped.is_empty() {
            return;
        }
        let (folders, files): (Vec<PathBuf>, Vec<PathBuf>) = dropped.into_iter().partition(|p| p.is_dir());
        if !folders.is_empty() {
            self.start_import(folders);
        }
        if let Some(first) = files.first() {
            if files.len() > 1 {
                self.banner = Some(format!(
                    "{} files were dropped; searching with the first, {}. Drop a folder to import many.",
                    files.len(),
                    file_name(first)
                ));
            }
            // Pushed on the trail: Back (or a file that turns out not to be an image) returns to
            // the view it was dropped on.
            self.hop(TrailEntry::file(first.clone()));
        }
    }

    /// Ctrl+V: an image on the clipboard, or a copied image file path, becomes the query.
    fn handle_paste(&mut self, ctx: &egui::Context) {
        let pasted = ctx.input(|i| {
            i.events.iter().rev().find_map(|e| match e {
                egui::Event::PasteImage(image) => Some(Pasted::Image(image.clone())),
                egui::Event::Paste(text) => Some(Pasted::Text(text.clone())),
                _ => None,
            })
        });
        match pasted {
            Some(Pasted::Image(image)) => match save_pasted(&image) {
                Ok(path) => self.hop(TrailEntry::file(path)),
                Err(e) => self.banner = Some(format!("Could not use the pasted image: {e}")),
            },
            Some(Pasted::Text(text)) => {
                let text = text.trim();
                let path = PathBuf::from(text.strip_prefix("file://").unwrap_or(text));
                if path.is_file() {
                    self.hop(TrailEntry::file(path));
                } else if path.is_dir() {
                    self.start_import(vec![path]);
                }
            }
            None => {}
        }
    }

    fn handle_keys(&mut self, ctx: &egui::Context) {
        if self.trail.is_empty() {
            return;
        }
        let (back, left, right, up, down, enter) = ctx.input_mut(|i| {
            let back = i.consume_key(egui::Modifiers::NONE, egui::Key::Backspace)
                || i.consume_key(egui::Modifiers::ALT, egui::Key::ArrowLeft);
            (
                back,
                i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowLeft),
                i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowRight),
                i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp),
                i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowDown),
                i.consume_key(egui::Modifiers::NONE, egui::Key::Enter),
            )
        });
        if back {
            self.back();
            return;
        }
        let n = self.hits.as_ref().map_or(0, Vec::len);
        if n == 0 {
            return;
        }
        let cols = self.columns.max(1) as isize;
        let step = [(left, -1), (right, 1), (up, -cols), (down, cols)].into_iter().find(|(k, _)| *k).map(|(_, s)| s);
        if let Some(step) = step {
            self.selected = Some(match self.selected {
                None => 0,
                Some(s) => (s as isize + step).clamp(0, n as isize - 1) as usize,
            });
        }
        if enter && let Some(hit) = self.selected.and_then(|s| self.hits.as_ref()?.get(s)).cloned() {
            self.hop(TrailEntry::artwork(hit.id, &hit.path));
        }
    }

    /// Draws one frame (also used directly by tests, without eframe).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.started {
            self.worker.set_context(&ctx);
            self.started = true;
        }
        self.handle_events(&ctx);
        self.handle_drops(&ctx);
        self.handle_paste(&ctx);
        self.handle_keys(&ctx);
        self.thumbs.next_frame();

        egui::Panel::top("top").show(ui, |ui| self.top_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        if self.import.is_some() || self.last_import.is_some() {
            egui::Panel::bottom("import").show(ui, |ui| self.import_panel(ui));
        }
        if !self.trail.is_empty() {
            egui::Panel::right("detail").default_size(260.0).min_size(220.0).show(ui, |ui| self.detail_panel(ui));
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(msg) = self.banner.clone() {
                self.banner_ui(ui, &msg);
            }
            if !self.trail.is_empty() {
                self.query_view(ui);
            } else {
                match self.artworks.as_ref().map(Vec::is_empty) {
                    None => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label("Opening library…");
                        });
                    }
                    Some(true) => self.empty_state(ui),
                    Some(false) => self.library_grid(ui),
                }
            }
        });

        // Hover overlay while files are dragged over the window.
        if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
            let rect = ctx.content_rect();
            egui::Area::new(Id::unique("drop-overlay")).order(Order::Foreground).fixed_pos(rect.min).interactable(false).show(&ctx, |ui| {
                ui.painter().rect_filled(rect, 0.0, Color32::from_black_alpha(170));
                ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
                    ui.centered_and_justified(|ui| {
                        ui.label(egui::RichText::new("Drop to find kindred works").size(28.0).color(Color32::WHITE));
                    });
                });
            });
        }
        // While importing, keep the rate and ETA fresh even between progress events.
        if self.import.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("Kindred");
            ui.separator();
            if !self.trail.is_empty() {
                if ui.button("Back").on_hover_text("Back (Backspace, Alt+Left)").clicked() {
                    self.back();
                }
                if ui.button("Library").on_hover_text("Show the whole library").clicked() {
                    self.trail.clear();
                    self.hits = None;
                }
            }
            let can_import = self.import.is_none();
            if ui.add_enabled(can_import, egui::Button::new("Add folder…")).on_hover_text("Import a folder of images").clicked() {
                self.pick_folder();
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                theme_buttons(ui);
                ui.add(egui::Slider::new(&mut self.settings.thumb_size, 64.0..=256.0).text("Thumbnail size").show_value(false));
            });
        });
    }

    pub(super) fn pick_folder(&mut self) {
        // No dialog can be shown (e.g. no portal): nothing happens, as for a cancelled dialog.
        if let Some(dir) = rfd::FileDialog::new().set_title("Import a folder into Kindred").pick_folder() {
            self.start_import(vec![dir]);
        }
    }

    fn banner_ui(&mut self, ui: &mut egui::Ui, msg: &str) {
        egui::Frame::new()
            .fill(ui.visuals().warn_fg_color.gamma_multiply(0.15))
            .inner_margin(6.0)
            .corner_radius(4.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(msg).color(ui.visuals().warn_fg_color));
                    if ui.small_button("Dismiss").clicked() {
                        self.banner = None;
                    }
                });
            });
        ui.add_space(4.0);
    }

    fn empty_state(&mut self, ui: &mut egui::Ui) {
        ui.vertical_centered(|ui| {
            ui.add_space(ui.available_height() * 0.25);
            ui.heading("Welcome to Kindred");
            ui.add_space(8.0);
            ui.label("Kindred finds artworks that share colour, texture or shape with the one you pick.");
            ui.add_space(16.0);
            let button = egui::Button::new(egui::RichText::new("Import a folder…").size(18.0)).min_size(egui::vec2(200.0, 36.0));
            if ui.add_enabled(self.import.is_none(), button).clicked() {
                self.pick_folder();
            }
            ui.add_space(8.0);
            ui.weak("…or drop a folder (to import it) or an image (to find its kindred) onto this window.");
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| match &self.info {
            Some(info) => {
                let n = self.artworks.as_ref().map_or(info.counts.ok as usize, Vec::len);
                ui.label(format!("{n} artworks"));
                if info.counts.failed > 0 {
                    ui.weak(format!("({} failed)", info.counts.failed));
                }
                ui.separator();
                ui.label(format!("model {}", info.model));
                ui.separator();
                ui.label(format!("ONNX Runtime {}", info.runtime));
                ui.separator();
                ui.label(format!("index {} ({})", info.index.kind, info.index.state));
                if info.read_only {
                    ui.separator();
                    ui.label(egui::RichText::new("read-only library: search only").color(ui.visuals().warn_fg_color))
                        .on_hover_text(format!("{} cannot be written: importing is not possible", info.library.display()));
                }
            }
            None => {
                ui.weak("Reading library…");
            }
        });
    }

    /// Persists settings.
    fn save_settings(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}

impl eframe::App for KindredApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.save_settings(storage);
    }
}

/// egui's light / dark / follow-the-system theme preference, as text buttons (the built-in ones are
/// emoji icons the bundled fonts cannot draw).
fn theme_buttons(ui: &mut egui::Ui) {
    use egui::ThemePreference as T;
    let mut pref = ui.options(|o| o.theme_preference);
    // Right-to-left layout: the last added is leftmost.
    ui.selectable_value(&mut pref, T::Light, "Light").on_hover_text("Use the light theme");
    ui.selectable_value(&mut pref, T::Dark, "Dark").on_hover_text("Use the dark theme");
    ui.selectable_value(&mut pref, T::System, "System").on_hover_text("Follow the system theme");
    ui.label("Theme:");
    ui.ctx().set_theme(pref);
}

/// A message with its first letter in upper case, for a banner.
fn capitalise(msg: &str) -> String {
    let mut chars = msg.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// What Ctrl+V brought.
enum Pasted {
    Image(std::sync::Arc<egui::ColorImage>),
    Text(String),
}

/// Writes a pasted image to a temporary PNG, so it can be queried like a dropped file.
fn save_pasted(image: &egui::ColorImage) -> anyhow::Result<PathBuf> {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let [w, h] = image.size;
    let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_srgba_unmultiplied()).collect();
    let img = image::RgbaImage::from_raw(w as u32, h as u32, rgba).ok_or_else(|| anyhow::anyhow!("empty image"))?;
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("kindred-pasted-{}-{n}.png", std::process::id()));
    img.save(&path)?;
    Ok(path)
}

/// The file name of a path, for display.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}
