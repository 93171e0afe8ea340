//! The board view: a board's artworks as a grid (the order they were added) or as a free canvas
//! like PureRef's (drag to move, drag the corner handle to scale, the artwork moved comes on top,
//! drag the background to pan, the wheel zooms around the pointer). Places are saved in the
//! catalog when a drag ends. "More like this board" searches with the whole board.

use eframe::egui;

use egui::{Color32, Rect, Sense, Stroke, StrokeKind, Vec2, pos2, vec2};

use crate::board::{BASE_SIDE, Board, BoardId, BoardItem, FAVOURITES, Placement, SCALE_RANGE};
use crate::catalog::{ArtworkId, Status};

use super::action::Action;
use super::app::file_name;
use super::frame::Frame;
use super::lightbox::Source;
use super::results::{GridNav, Layout, folder_name};
use super::tile::{TileText, tile};
use super::worker::ThumbKey;

/// Side of the scale handle at an artwork's lower right corner, points.
const HANDLE: f32 = 14.0;
/// Zoom limits of the canvas.
const ZOOM: std::ops::RangeInclusive<f32> = 0.05..=8.0;

/// Grid or free canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BoardMode {
    /// Tiles in the order added.
    #[default]
    Grid,
    /// Artworks placed, scaled and stacked freely.
    Canvas,
}

/// The board view's state.
pub struct BoardView {
    /// The board shown.
    pub(super) id: BoardId,
    /// The board and its artworks, once loaded.
    pub(super) board: Option<Board>,
    /// Grid or canvas.
    pub(super) mode: BoardMode,
    /// Selection and scroll position of the grid.
    pub(super) nav: GridNav,
    /// The canvas' view and what is being dragged.
    pub(super) canvas: Canvas,
    /// The name being typed by "Rename…".
    pub(super) rename: Option<String>,
    /// "Delete board" asks once.
    pub(super) confirm_delete: bool,
    /// "Export…": the folder being typed, and whether a contact sheet goes with the files.
    pub(super) export: Option<(String, bool)>,
}

/// Pan, zoom and the drag in progress on the canvas.
#[derive(Clone, Debug)]
pub struct Canvas {
    /// Screen offset of the canvas origin from the view's top left, points.
    pub pan: Vec2,
    /// Points per canvas unit.
    pub zoom: f32,
    /// The artwork selected on the canvas.
    pub selected: Option<ArtworkId>,
}

impl Default for Canvas {
    fn default() -> Self {
        Self { pan: vec2(24.0, 24.0), zoom: 0.75, selected: None }
    }
}

impl BoardView {
    /// A board, not yet loaded.
    pub(super) fn new(id: BoardId) -> Self {
        Self {
            id,
            board: None,
            mode: BoardMode::Grid,
            nav: GridNav::default(),
            canvas: Canvas::default(),
            rename: None,
            confirm_delete: false,
            export: None,
        }
    }

    /// The board's artworks (none until loaded).
    pub(super) fn items(&self) -> &[BoardItem] {
        self.board.as_ref().map_or(&[], |b| &b.items)
    }

    /// The artworks the grid's selection (with Ctrl/Shift-clicked ones) or the canvas' names.
    pub(super) fn chosen(&self) -> Vec<ArtworkId> {
        match self.mode {
            BoardMode::Grid => self.nav.chosen().into_iter().filter_map(|i| self.items().get(i)).map(|i| i.artwork.id).collect(),
            BoardMode::Canvas => self.canvas.selected.into_iter().collect(),
        }
    }

    /// The index of the artwork selected in the grid or on the canvas (for the detail panel).
    pub(super) fn shown_selection(&self) -> Option<usize> {
        match self.mode {
            BoardMode::Grid => self.nav.selected,
            BoardMode::Canvas => self.items().iter().position(|i| Some(i.artwork.id) == self.canvas.selected),
        }
    }

    /// Draws the header and the grid or canvas.
    pub(super) fn show(&mut self, ui: &mut egui::Ui, side: f32, frame: &mut Frame) {
        self.header(ui, frame);
        ui.separator();
        let Some(board) = &mut self.board else {
            ui.spinner();
            return;
        };
        if board.items.is_empty() {
            ui.add_space(24.0);
            ui.weak("Nothing on this board yet. Select artworks (Ctrl/Shift-click for several) and press B, or F for Favourites.");
            return;
        }
        match self.mode {
            BoardMode::Grid => grid(&mut self.nav, ui, &board.items, side, frame),
            BoardMode::Canvas => canvas(&mut self.canvas, ui, self.id, &mut board.items, frame),
        }
    }

    /// The compact window's content: the canvas alone (or the grid, at a small size).
    pub(super) fn show_compact(&mut self, ui: &mut egui::Ui, frame: &mut Frame) {
        let Some(board) = &mut self.board else { return };
        match self.mode {
            BoardMode::Grid => grid(&mut self.nav, ui, &board.items, 96.0, frame),
            BoardMode::Canvas => canvas(&mut self.canvas, ui, self.id, &mut board.items, frame),
        }
    }

    fn header(&mut self, ui: &mut egui::Ui, frame: &mut Frame) {
        let (name, n) = self.board.as_ref().map_or((String::new(), 0), |b| (b.summary.name.clone(), b.items.len()));
        ui.horizontal(|ui| {
            match &mut self.rename {
                Some(typed) => {
                    let label = ui.label("Name:");
                    let field = ui.add(egui::TextEdit::singleline(typed).desired_width(220.0)).labelled_by(label.id);
                    field.request_focus();
                    let enter = ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if ui.button("Save name").clicked() || enter {
                        frame.act(Action::RenameBoard { board: self.id, name: typed.trim().to_owned() });
                    }
                    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                        self.rename = None;
                    }
                }
                None => {
                    ui.heading(&name);
                    ui.weak(if n == 1 { "1 artwork".to_owned() } else { format!("{n} artworks") });
                }
            }
            ui.separator();
            for (mode, label) in [(BoardMode::Grid, "Grid"), (BoardMode::Canvas, "Canvas")] {
                if ui
                    .selectable_label(self.mode == mode, label)
                    .on_hover_text(format!("Show the board as a {}", label.to_lowercase()))
                    .clicked()
                {
                    self.mode = mode;
                }
            }
            ui.separator();
            if ui
                .add_enabled(n > 0, egui::Button::new("More like this board"))
                .on_hover_text("Find artworks like the board as a whole")
                .clicked()
            {
                frame.act(Action::MoreLikeBoard(self.id));
            }
            let chosen = self.chosen();
            let remove = egui::Button::new(if chosen.len() > 1 {
                format!("Remove {} from board", chosen.len())
            } else {
                "Remove from board".into()
            });
            if ui.add_enabled(!chosen.is_empty(), remove).on_hover_text("Take the selection off this board").clicked() {
                frame.act(Action::RemoveFromBoard { board: self.id, artworks: chosen });
            }
            let custom = self.id != FAVOURITES;
            if self.rename.is_none() && ui.add_enabled(custom, egui::Button::new("Rename…")).clicked() {
                self.rename = Some(name.clone());
            }
            if self.confirm_delete {
                if ui.button("Really delete").on_hover_text("The artworks stay in the library").clicked() {
                    frame.act(Action::DeleteBoard(self.id));
                }
                if ui.button("Keep it").clicked() {
                    self.confirm_delete = false;
                }
            } else if ui.add_enabled(custom, egui::Button::new("Delete board")).clicked() {
                self.confirm_delete = true;
            }
            if ui.button("Keep on top").on_hover_text("A compact window kept above other windows, for painting beside it").clicked() {
                frame.act(Action::CompactOnTop(true));
            }
            if self.export.is_none()
                && ui.add_enabled(n > 0, egui::Button::new("Export…")).on_hover_text("Copy the board's files to a folder").clicked()
            {
                self.export = Some((default_export_dir(&name), true));
            }
        });
        self.export_row(ui, frame);
    }

    /// "Export…": a folder field (no file dialog needed), a contact sheet option, Export and Cancel.
    fn export_row(&mut self, ui: &mut egui::Ui, frame: &mut Frame) {
        let Some((folder, sheet)) = &mut self.export else { return };
        ui.horizontal(|ui| {
            let label = ui.label("Copy the board's files to:");
            ui.add(egui::TextEdit::singleline(folder).desired_width(360.0)).labelled_by(label.id);
            ui.checkbox(sheet, "and a contact sheet (PNG)");
            let typed = folder.trim();
            if ui.add_enabled(!typed.is_empty(), egui::Button::new("Export")).on_hover_text("Originals are copied, never moved").clicked() {
                frame.act(Action::ExportBoard { board: self.id, dir: typed.into(), sheet: *sheet });
            }
            if ui.button("Cancel export").clicked() {
                frame.act(Action::CancelExport);
            }
        });
    }
}

/// Where "Export…" proposes to copy a board: a folder named after it in the user's Pictures (or
/// home) folder.
fn default_export_dir(board: &str) -> String {
    let base = directories::UserDirs::new()
        .map(|u| u.picture_dir().unwrap_or(u.home_dir()).to_path_buf())
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    base.join(board.replace(['/', '\\'], "-")).display().to_string()
}

/// The grid: tiles in the order added; a double-click finds kindred, the magnifier looks closer.
fn grid(nav: &mut GridNav, ui: &mut egui::Ui, items: &[BoardItem], side: f32, frame: &mut Frame) {
    let layout = Layout { id_salt: "board-grid", n: items.len(), side, caption_lines: 2, footer: 0.0 };
    nav.show(ui, layout, frame, |ui, i, selected, frame| {
        let a = &items[i].artwork;
        let tex = frame.thumb(&ThumbKey::Artwork(a.id));
        let missing = if a.status == Status::Missing { " (missing)" } else { "" };
        let name = format!("{}{missing}", file_name(&a.path));
        let folder = folder_name(&a.path);
        let label = format!("on board: {name}, in {folder}");
        let look = format!("look closer: {name}");
        let t = tile(
            ui,
            tex.as_ref(),
            side,
            &TileText { caption: &name, sub: Some(&folder), label: &label, look: Some(&look), badge: None },
            selected,
        );
        t.act(ui, frame, Source::Board, i, || Action::Query(super::trail::TrailEntry::artwork(a.id, &a.path)));
    });
}

/// Size of an artwork on the canvas, in canvas units: its longest side is `BASE_SIDE × scale`.
fn canvas_size(item: &BoardItem) -> Vec2 {
    let (w, h) = (item.artwork.width.unwrap_or(1).max(1) as f32, item.artwork.height.unwrap_or(1).max(1) as f32);
    let s = BASE_SIDE * item.placement.scale / w.max(h);
    vec2(w * s, h * s)
}

/// The free canvas. Items are drawn lowest `z` first; the topmost under the pointer takes a drag.
fn canvas(state: &mut Canvas, ui: &mut egui::Ui, board: BoardId, items: &mut [BoardItem], frame: &mut Frame) {
    let (view, background) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
    background.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Canvas, true, "board canvas"));
    let painter = ui.painter_at(view);
    painter.rect_filled(view, 0.0, ui.visuals().extreme_bg_color);
    let origin = view.min + state.pan;

    // Zoom around the pointer (wheel or pinch) while it is over the canvas.
    if let Some(pointer) = ui.input(|i| i.pointer.hover_pos()).filter(|p| view.contains(*p)) {
        let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
        let factor = pinch * (scroll / 400.0).exp();
        if factor != 1.0 {
            let zoom = (state.zoom * factor).clamp(*ZOOM.start(), *ZOOM.end());
            let at = (pointer - origin) / state.zoom;
            state.pan = pointer - view.min - at * zoom;
            state.zoom = zoom;
        }
    }
    let origin = view.min + state.pan;
    let zoom = state.zoom;
    let to_screen = |p: &Placement| origin + vec2(p.x, p.y) * zoom;

    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| items[i].placement.z);
    let top_z = items.iter().map(|i| i.placement.z).max().unwrap_or(0);
    let mut done: Option<(ArtworkId, Placement)> = None;
    for i in order {
        let item = &mut items[i];
        let id = item.artwork.id;
        let rect = Rect::from_min_size(to_screen(&item.placement), canvas_size(item) * state.zoom);
        let name = file_name(&item.artwork.path);
        let response = ui.interact(rect, egui::Id::unique(("canvas-item", board, id)), Sense::click_and_drag());
        response.widget_info(|| {
            egui::WidgetInfo::selected(egui::accesskit::Role::Button, true, state.selected == Some(id), format!("canvas: {name}"))
        });
        if response.drag_started() || response.clicked() {
            state.selected = Some(id);
            if item.placement.z < top_z {
                item.placement.z = top_z + 1;
            }
        }
        if response.dragged() {
            let d = response.drag_delta() / state.zoom;
            item.placement.x += d.x;
            item.placement.y += d.y;
        }
        if response.drag_stopped() {
            done = Some((id, item.placement));
        }
        if response.double_clicked() {
            frame.act(Action::Query(super::trail::TrailEntry::artwork(id, &item.artwork.path)));
        }
        let rect = Rect::from_min_size(to_screen(&item.placement), canvas_size(item) * state.zoom);
        match frame.thumb(&ThumbKey::Artwork(id)) {
            Some(tex) => {
                painter.image(tex.id(), rect, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
            }
            None => {
                painter.rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
            }
        }
        if state.selected == Some(id) {
            painter.rect_stroke(rect, 0.0, Stroke::new(2.0, ui.visuals().selection.stroke.color), StrokeKind::Outside);
            // The scale handle: dragging it scales the artwork about its top left corner.
            let handle = Rect::from_center_size(rect.max, Vec2::splat(HANDLE));
            let h = ui.interact(handle, egui::Id::unique(("canvas-handle", board, id)), Sense::drag());
            h.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Button, true, format!("scale: {name}")));
            if h.dragged() {
                let base = canvas_size(item) / item.placement.scale;
                let want = (h.interact_pointer_pos().unwrap_or(rect.max) - rect.min) / state.zoom;
                let scale = (want.x / base.x).max(want.y / base.y);
                item.placement.scale = scale.clamp(*SCALE_RANGE.start(), *SCALE_RANGE.end());
            }
            if h.drag_stopped() {
                done = Some((id, item.placement));
            }
            painter.rect_filled(handle, 2.0, ui.visuals().selection.stroke.color);
        }
    }
    // Dragging the background pans; a click on it clears the selection.
    if background.dragged() {
        state.pan += background.drag_delta();
    }
    if background.clicked() {
        state.selected = None;
    }
    if let Some((id, placement)) = done {
        frame.act(Action::PlaceOnBoard { board, places: vec![(id, placement)] });
    }
}
