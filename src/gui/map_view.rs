//! The collection map in the app: every artwork placed by [`crate::library::Library::map`] (laid
//! out on the worker, cached in the library's `map/`), on a canvas the wheel zooms and a drag pans.
//! Far out each artwork is a dot in its cluster's colour; close in (few artworks on screen, far
//! enough apart) its thumbnail, from the app's thumbnail cache. Clusters are outlined and labelled
//! with their palette and size. A click makes an artwork the query; the query and its results (or
//! the board shown) light up. Shift-drag, or a drag in lasso mode, selects a region: "Add to
//! board…" opens the board picker with it (F and B act on it too).
//!
//! The map opens over the current view (`KindredApp::map`) rather than replacing it: the query it
//! lights up and the detail panel beside it stay those of the view underneath.

use std::collections::HashSet;

use eframe::egui;
use egui::{Color32, FontId, Pos2, Rect, Sense, Shape, Stroke, Vec2, pos2, vec2};

use crate::aspect::{Aspect, Weights};
use crate::catalog::ArtworkId;
use crate::map::CollectionMap;
use crate::map::render::cluster_colour;
use crate::query::Query;

use super::action::Action;
use super::frame::Frame;
use super::state::View;
use super::trail::TrailEntry;
use super::worker::{Command, ThumbKey};

/// Smallest and largest zoom (1: the whole map fits the canvas).
const ZOOM: std::ops::RangeInclusive<f32> = 0.1..=60.0;
/// Most thumbnails drawn at once; with more artworks on screen they are dots.
const MAX_THUMBS: usize = 300;
/// Thumbnails are drawn once artworks are at least this far apart on screen (points).
const THUMB_SPACING: f32 = 40.0;
/// Radius of a dot, points.
const DOT: f32 = 3.0;

/// What the map is arranged by: the `all` weights or one aspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapAspect {
    /// The `all` preset's weights.
    All,
    /// One aspect alone.
    Only(Aspect),
}

impl MapAspect {
    const CHOICES: [MapAspect; 4] =
        [MapAspect::All, MapAspect::Only(Aspect::Colour), MapAspect::Only(Aspect::Texture), MapAspect::Only(Aspect::Shape)];

    /// The weights the map is computed with.
    pub fn weights(self) -> Weights {
        match self {
            MapAspect::All => Weights::ALL,
            MapAspect::Only(a) => Weights::only(a),
        }
    }

    fn name(self) -> &'static str {
        match self {
            MapAspect::All => "all",
            MapAspect::Only(a) => a.name(),
        }
    }
}

/// How artworks are drawn at the current zoom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// A dot each.
    Dots,
    /// A thumbnail each.
    Thumbnails,
}

/// What lights up on the map: the current query and its results (or a board's artworks).
#[derive(Default)]
pub(super) struct Highlight {
    pub query: Option<ArtworkId>,
    pub hits: HashSet<ArtworkId>,
}

/// What lights up for the view under the map: a query and its results, or a board's artworks.
pub(super) fn highlight(view: &View) -> Highlight {
    match view {
        View::Library | View::Duplicates(_) => Highlight::default(),
        View::Query(q) => Highlight {
            query: match (&q.current().query, q.current().board) {
                (Query::Artwork(id), None) => Some(*id),
                _ => None,
            },
            hits: q.hits().iter().map(|h| h.id).collect(),
        },
        View::Board(b) => Highlight { query: None, hits: b.items().iter().map(|i| i.artwork.id).collect() },
    }
}

/// The map view's state.
pub struct MapView {
    aspect: MapAspect,
    /// The map shown (possibly older than the catalog while a new one is computed).
    map: Option<CollectionMap>,
    /// A newer map was asked of the worker.
    computing: bool,
    /// Why the last map could not be made.
    failed: Option<String>,
    /// Map position at the canvas's centre.
    centre: Pos2,
    zoom: f32,
    /// Drags draw a lasso without Shift.
    lasso_mode: bool,
    /// The lasso being drawn, in map coordinates.
    lasso: Vec<Pos2>,
    /// Artworks the last lasso took.
    selection: Vec<ArtworkId>,
    /// The canvas's rectangle in the last frame.
    canvas: Option<Rect>,
    /// How artworks were drawn in the last frame.
    detail: Detail,
    /// Artworks lit up in the last frame.
    lit: usize,
}

impl MapView {
    /// A view of the `all` map, asked of the worker.
    pub(super) fn open(worker: &super::worker::WorkerHandle) -> Self {
        let mut view = Self {
            aspect: MapAspect::All,
            map: None,
            computing: false,
            failed: None,
            centre: pos2(0.5, 0.5),
            zoom: 1.0,
            lasso_mode: false,
            lasso: Vec::new(),
            selection: Vec::new(),
            canvas: None,
            detail: Detail::Dots,
            lit: 0,
        };
        view.refresh(worker);
        view
    }

    /// Asks the worker for the map again (after an import: the catalog changed); the map shown
    /// stays until the new one arrives.
    pub(super) fn refresh(&mut self, worker: &super::worker::WorkerHandle) {
        self.computing = true;
        worker.send(Command::Map { weights: self.aspect.weights() });
    }

    /// A map from the worker, for `weights`: shown if it is the one this view waits for.
    pub(super) fn loaded(&mut self, weights: Weights, map: Result<CollectionMap, String>) {
        if weights != self.aspect.weights() {
            return;
        }
        self.computing = false;
        match map {
            Ok(map) => {
                // Artworks gone from the catalog leave the lasso's selection.
                let ids: HashSet<ArtworkId> = map.points.iter().map(|p| p.id).collect();
                self.selection.retain(|id| ids.contains(id));
                self.map = Some(map);
                self.failed = None;
            }
            Err(e) => self.failed = Some(e),
        }
    }

    /// The map shown, once computed.
    pub fn map(&self) -> Option<&CollectionMap> {
        self.map.as_ref()
    }

    /// True while a newer map is being computed.
    pub fn computing(&self) -> bool {
        self.computing
    }

    /// What the map is arranged by.
    pub fn aspect(&self) -> MapAspect {
        self.aspect
    }

    /// Artworks the last lasso selected, in map order.
    pub fn selection(&self) -> &[ArtworkId] {
        &self.selection
    }

    /// How artworks were drawn in the last frame.
    pub fn detail(&self) -> Detail {
        self.detail
    }

    /// Number of artworks lit up (the query and its results) in the last frame.
    pub fn lit(&self) -> usize {
        self.lit
    }

    /// The zoom (1: the whole map fits).
    pub fn zoom(&self) -> f32 {
        self.zoom
    }

    /// Where artwork `id` was drawn in the last frame, in screen points.
    pub fn screen_pos(&self, id: ArtworkId) -> Option<Pos2> {
        let p = self.map.as_ref()?.points.iter().find(|p| p.id == id)?;
        Some(self.camera(self.canvas?).to_screen(pos2(p.x, p.y)))
    }

    fn camera(&self, rect: Rect) -> Camera {
        Camera { rect, centre: self.centre, scale: rect.width().min(rect.height()) * 0.92 * self.zoom }
    }

    /// Draws the bar and the canvas.
    pub(super) fn show(&mut self, ui: &mut egui::Ui, lit: &Highlight, frame: &mut Frame) {
        self.bar(ui, frame);
        let Some(map) = self.map.take() else {
            self.canvas = None;
            ui.add_space(40.0);
            ui.vertical_centered(|ui| match &self.failed {
                Some(why) => {
                    ui.label(format!("The map could not be made: {why}"));
                }
                None => {
                    ui.spinner();
                    match &frame.waiting {
                        // The worker does one thing at a time: say what the map waits for.
                        Some(job) => {
                            ui.label(format!("Map: waiting for {job}…"));
                            ui.weak("Cancel it below to see the map sooner; what was done is kept.");
                        }
                        None => {
                            ui.label("Laying out the collection…");
                        }
                    }
                }
            });
            return;
        };
        self.canvas(ui, &map, lit, frame);
        self.map = Some(map);
    }

    fn bar(&mut self, ui: &mut egui::Ui, frame: &mut Frame) {
        ui.horizontal(|ui| {
            if let Some(map) = &self.map {
                ui.label(format!("{} artworks, {} clusters", map.points.len(), map.clusters.len()));
            }
            if self.computing && self.map.is_some() {
                ui.spinner();
                match &frame.waiting {
                    Some(job) => ui.label(format!("updating after {job}…")),
                    None => ui.label("updating…"),
                };
            }
            ui.separator();
            ui.label("Arranged by");
            for choice in MapAspect::CHOICES {
                if ui.selectable_label(self.aspect == choice, choice.name()).on_hover_text("Lay the map out by this aspect").clicked()
                    && self.aspect != choice
                {
                    self.aspect = choice;
                    self.map = None;
                    self.selection.clear();
                    self.refresh(frame.worker);
                }
            }
            ui.separator();
            ui.toggle_value(&mut self.lasso_mode, "Lasso").on_hover_text("Drag to select a region (or Shift-drag)");
            if ui.button("Fit").on_hover_text("Show the whole map").clicked() {
                self.centre = pos2(0.5, 0.5);
                self.zoom = 1.0;
            }
            if !self.selection.is_empty() {
                ui.separator();
                ui.label(format!("{} selected", self.selection.len()));
                if ui.button("Add to board…").on_hover_text("Add the selected artworks to a board (B)").clicked() {
                    frame.act(Action::PickBoard);
                }
                if ui.button("Clear selection").clicked() {
                    self.selection.clear();
                }
            }
        });
    }

    fn canvas(&mut self, ui: &mut egui::Ui, map: &CollectionMap, lit: &Highlight, frame: &mut Frame) {
        let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
        let label = format!("collection map: {} artworks, {} clusters", map.points.len(), map.clusters.len());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Canvas, true, &label));
        self.canvas = Some(rect);
        self.zoom_and_pan(ui, rect, &response);
        let lassoing = self.lasso_mode || ui.input(|i| i.modifiers.shift);
        let camera = self.camera(rect);
        if response.drag_started() && lassoing {
            self.lasso.clear();
        }
        if response.dragged() && (lassoing || !self.lasso.is_empty()) {
            if let Some(p) = response.interact_pointer_pos() {
                self.lasso.push(camera.to_map(p));
            }
        } else if response.dragged() {
            self.centre -= response.drag_delta() / camera.scale;
        }
        if response.drag_stopped() && !self.lasso.is_empty() {
            let lasso = std::mem::take(&mut self.lasso);
            self.selection = map.points.iter().filter(|p| inside(&lasso, pos2(p.x, p.y))).map(|p| p.id).collect();
        }
        let camera = self.camera(rect);
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
        let visible: Vec<usize> = (0..map.points.len()).filter(|&i| rect.expand(48.0).contains(camera.point(map, i))).collect();
        let spacing = camera.scale / (map.points.len() as f32).sqrt();
        self.detail = if visible.len() <= MAX_THUMBS && spacing >= THUMB_SPACING { Detail::Thumbnails } else { Detail::Dots };
        let side = (spacing * 0.6).clamp(28.0, 112.0);
        let selected: HashSet<ArtworkId> = self.selection.iter().copied().collect();
        let accent = ui.visuals().selection.stroke.color;
        let dimmed = lit.query.is_some() || !lit.hits.is_empty();
        let is_lit = |id: ArtworkId| lit.query == Some(id) || lit.hits.contains(&id);
        self.lit = map.points.iter().filter(|p| is_lit(p.id)).count();
        // Outlines under the artworks.
        for c in &map.clusters {
            let outline: Vec<Pos2> = c.outline.iter().map(|p| camera.to_screen(pos2(p[0], p[1]))).collect();
            let [r, g, b] = cluster_colour(Some(c.id));
            painter.add(Shape::closed_line(outline, Stroke::new(1.5, Color32::from_rgba_unmultiplied(r, g, b, 150))));
        }
        // Lit artworks last, so they sit on top.
        let mut order = visible;
        order.sort_by_key(|&i| is_lit(map.points[i].id));
        for i in order {
            let point = &map.points[i];
            let at = camera.point(map, i);
            let [r, g, b] = cluster_colour(point.cluster);
            let colour =
                if dimmed && !is_lit(point.id) { Color32::from_rgba_unmultiplied(r, g, b, 70) } else { Color32::from_rgb(r, g, b) };
            let size = match self.detail {
                Detail::Thumbnails => {
                    let frame_rect = Rect::from_center_size(at, vec2(side, side));
                    match frame.thumb(&ThumbKey::Artwork(point.id)) {
                        Some(tex) => {
                            let t = tex.size_vec2();
                            let fit = side / t.x.max(t.y).max(1.0);
                            let tint = if dimmed && !is_lit(point.id) { Color32::from_white_alpha(90) } else { Color32::WHITE };
                            let uv = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
                            painter.image(tex.id(), Rect::from_center_size(at, t * fit), uv, tint);
                        }
                        None => {
                            painter.rect_filled(frame_rect, 2.0, colour);
                        }
                    }
                    side / 2.0
                }
                Detail::Dots => {
                    painter.circle_filled(at, DOT, colour);
                    DOT
                }
            };
            if selected.contains(&point.id) {
                painter.circle_stroke(at, size + 3.0, Stroke::new(2.0, Color32::WHITE));
            }
            if lit.query == Some(point.id) {
                painter.circle_stroke(at, size + 6.0, Stroke::new(3.0, Color32::from_rgb(255, 214, 0)));
            } else if lit.hits.contains(&point.id) {
                painter.circle_stroke(at, size + 3.0, Stroke::new(2.0, accent));
            }
        }
        // Largest first: a label that would overlap a larger cluster's is left out (zoomed out,
        // the labels of neighbouring clusters would pile up).
        let mut labelled: Vec<Rect> = Vec::new();
        for c in &map.clusters {
            cluster_label(&painter, ui, c, &camera, &mut labelled);
        }
        if self.lasso.len() > 1 {
            let line: Vec<Pos2> = self.lasso.iter().map(|p| camera.to_screen(*p)).collect();
            painter.add(Shape::closed_line(line, Stroke::new(1.5, Color32::WHITE)));
        }
        // Hover names the artwork; a click makes it the query.
        let reach = if self.detail == Detail::Thumbnails { side / 2.0 } else { 8.0 };
        let near = |pos: Pos2| map.nearest_point([camera.to_map(pos).x, camera.to_map(pos).y], reach / camera.scale);
        if let Some(point) = response.hover_pos().and_then(near) {
            let name = super::app::file_name(&point.path);
            let at = camera.to_screen(pos2(point.x, point.y)) + vec2(reach + 4.0, 0.0);
            let galley = painter.layout_no_wrap(name, FontId::proportional(13.0), ui.visuals().strong_text_color());
            let bg = Rect::from_min_size(at - vec2(0.0, galley.size().y / 2.0), galley.size()).expand(3.0);
            painter.rect_filled(bg, 3.0, ui.visuals().window_fill);
            painter.galley(bg.min + vec2(3.0, 3.0), galley, Color32::WHITE);
        }
        if response.clicked()
            && let Some(point) = response.interact_pointer_pos().and_then(near)
        {
            frame.act(Action::Query(TrailEntry::artwork(point.id, &point.path)));
        }
    }

    /// Wheel or pinch zooms around the pointer.
    fn zoom_and_pan(&mut self, ui: &egui::Ui, rect: Rect, response: &egui::Response) {
        let Some(pointer) = response.hover_pos() else { return };
        let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
        let factor = pinch * (scroll / 400.0).exp();
        if factor == 1.0 {
            return;
        }
        let before = self.camera(rect);
        let at = before.to_map(pointer);
        self.zoom = (self.zoom * factor).clamp(*ZOOM.start(), *ZOOM.end());
        let scale = self.camera(rect).scale;
        self.centre = at - (pointer - rect.center()) / scale;
    }
}

/// Map coordinates ↔ screen points.
struct Camera {
    rect: Rect,
    centre: Pos2,
    /// Screen points per map unit.
    scale: f32,
}

impl Camera {
    fn to_screen(&self, p: Pos2) -> Pos2 {
        self.rect.center() + (p - self.centre) * self.scale
    }

    fn to_map(&self, p: Pos2) -> Pos2 {
        self.centre + (p - self.rect.center()) / self.scale
    }

    fn point(&self, map: &CollectionMap, i: usize) -> Pos2 {
        self.to_screen(pos2(map.points[i].x, map.points[i].y))
    }
}

/// A cluster's label above its outline: its palette as swatches and its size; not drawn where it
/// would overlap a label in `placed` (those of larger clusters), else added to them.
fn cluster_label(painter: &egui::Painter, ui: &egui::Ui, cluster: &crate::map::MapCluster, camera: &Camera, placed: &mut Vec<Rect>) {
    let top = cluster.outline.iter().map(|p| camera.to_screen(pos2(p[0], p[1]))).min_by(|a, b| a.y.total_cmp(&b.y));
    let Some(top) = top else { return };
    const SWATCH: f32 = 10.0;
    let swatches = cluster.palette.iter().take(5).count() as f32;
    let text = painter.layout_no_wrap(cluster.size.to_string(), FontId::proportional(12.0), ui.visuals().text_color());
    let width = swatches * SWATCH + 4.0 + text.size().x;
    let min = pos2(top.x - width / 2.0, top.y - SWATCH - 8.0);
    let bg = Rect::from_min_size(min, vec2(width, SWATCH.max(text.size().y))).expand(3.0);
    if placed.iter().any(|p| p.intersects(bg)) {
        return;
    }
    placed.push(bg);
    painter.rect_filled(bg, 3.0, ui.visuals().window_fill.gamma_multiply(0.85));
    for (k, s) in cluster.palette.iter().take(5).enumerate() {
        let [r, g, b] = s.rgb;
        let cell = Rect::from_min_size(min + vec2(k as f32 * SWATCH, 0.0), Vec2::splat(SWATCH));
        painter.rect_filled(cell, 0.0, Color32::from_rgb(r, g, b));
    }
    painter.galley(min + vec2(swatches * SWATCH + 4.0, (SWATCH - text.size().y) / 2.0), text, ui.visuals().text_color());
}

/// True when `p` lies inside the closed polygon `polygon` (even-odd rule).
fn inside(polygon: &[Pos2], p: Pos2) -> bool {
    let mut inside = false;
    let mut j = polygon.len().wrapping_sub(1);
    for (i, a) in polygon.iter().enumerate() {
        let b = polygon[j];
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lasso_takes_what_it_encloses() {
        // A U shape: the notch is outside.
        let u = [
            pos2(0.0, 0.0),
            pos2(3.0, 0.0),
            pos2(3.0, 3.0),
            pos2(2.0, 3.0),
            pos2(2.0, 1.0),
            pos2(1.0, 1.0),
            pos2(1.0, 3.0),
            pos2(0.0, 3.0),
        ];
        assert!(inside(&u, pos2(0.5, 2.0)) && inside(&u, pos2(2.5, 2.0)) && inside(&u, pos2(1.5, 0.5)));
        assert!(!inside(&u, pos2(1.5, 2.0)) && !inside(&u, pos2(4.0, 1.0)) && !inside(&u, pos2(-1.0, 1.0)));
        assert!(!inside(&[], pos2(0.0, 0.0)) && !inside(&[pos2(0.0, 0.0)], pos2(0.0, 0.0)));
    }

    #[test]
    fn screen_and_map_coordinates_round_trip() {
        let camera = Camera { rect: Rect::from_min_size(pos2(10.0, 20.0), vec2(400.0, 300.0)), centre: pos2(0.3, 0.6), scale: 250.0 };
        let p = pos2(0.71, 0.12);
        assert!((camera.to_map(camera.to_screen(p)) - p).length() < 1e-5);
        assert_eq!(camera.to_screen(pos2(0.3, 0.6)), camera.rect.center());
    }
}
