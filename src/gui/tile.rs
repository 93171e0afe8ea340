//! The image tile every grid draws (library, results, query, trail) and the grid arithmetic.

use eframe::egui;

use egui::{Color32, Rect, Sense, Stroke, StrokeKind, TextureHandle, Vec2, pos2, vec2};

use super::action::Action;
use super::frame::Frame;
use super::lightbox::Source;
use super::results::ClickHow;

/// Side of the magnifier button in a tile's corner.
const MAGNIFIER: f32 = 24.0;

/// What a tile shows besides its image.
pub(super) struct TileText<'a> {
    /// First caption line (the file name, a score).
    pub caption: &'a str,
    /// Second, weaker caption line (the folder), if any.
    pub sub: Option<&'a str>,
    /// Accessible name of the tile.
    pub label: &'a str,
    /// Accessible name of its magnifier (opens the lightbox); `None`: no magnifier.
    pub look: Option<&'a str>,
    /// A badge in the image's lower left corner, (text shown, accessible name): a picture's copies.
    pub badge: Option<(&'a str, &'a str)>,
}

/// A drawn tile: its response, and whether its magnifier was clicked.
#[must_use]
pub(super) struct Tile {
    pub response: egui::Response,
    pub look: bool,
    /// The badge was clicked.
    pub badge: bool,
}

impl Tile {
    /// A grid tile's clicks as actions, the same in every grid: the magnifier opens tile `index`
    /// of `source` in the lightbox, a double-click finds kindred (`find`), a click selects
    /// (Ctrl/Shift-click chooses several). The badge is the caller's.
    pub(super) fn act(&self, ui: &egui::Ui, frame: &mut Frame, source: Source, index: usize, find: impl FnOnce() -> Action) {
        if self.look {
            frame.act(Action::OpenLightbox(source, index));
        } else if self.response.double_clicked() {
            frame.act(find());
        } else if self.response.clicked() {
            frame.act(Action::Click { index, how: ClickHow::of(ui) });
        }
    }
}

/// Height of a tile's caption: one small line, two with a folder line.
pub(super) fn caption_height(ui: &egui::Ui, lines: usize) -> f32 {
    (ui.text_style_height(&egui::TextStyle::Small) + 1.0) * lines as f32 + 1.0
}

/// Draws one tile: the image fitted in a square with a frame around it (white artwork stays
/// visible on a light background), one or two caption lines below, and a magnifier in the corner
/// while it is hovered or selected.
pub(super) fn tile(ui: &mut egui::Ui, texture: Option<&TextureHandle>, side: f32, text: &TileText<'_>, selected: bool) -> Tile {
    let lines = if text.sub.is_some() { 2 } else { 1 };
    let text_h = if text.caption.is_empty() && text.sub.is_none() { 0.0 } else { caption_height(ui, lines) };
    let (rect, response) = ui.allocate_exact_size(vec2(side, side + text_h), Sense::click());
    let label = text.label;
    response.widget_info(|| egui::WidgetInfo::selected(egui::accesskit::Role::Button, true, selected, label));
    let (mut look, mut badge) = (false, false);
    if ui.is_rect_visible(rect) {
        let image_rect = Rect::from_min_size(rect.min, Vec2::splat(side));
        let visuals = ui.visuals().clone();
        let painter = ui.painter();
        painter.rect_filled(image_rect, 4.0, visuals.extreme_bg_color);
        match texture {
            Some(tex) => {
                let size = tex.size_vec2();
                let scale = (side / size.x).min(side / size.y);
                let fitted = Rect::from_center_size(image_rect.center(), size * scale);
                painter.image(tex.id(), fitted, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
            }
            None => {
                painter.text(
                    image_rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "…",
                    egui::FontId::proportional(16.0),
                    visuals.weak_text_color(),
                );
            }
        }
        // A hairline frame on every tile, so a white artwork on the light theme keeps its edge.
        painter.rect_stroke(image_rect, 4.0, Stroke::new(1.0, visuals.widgets.noninteractive.bg_stroke.color), StrokeKind::Inside);
        if let Some(look_label) = text.look {
            let mag_rect = Rect::from_min_size(image_rect.right_top() + vec2(-MAGNIFIER - 4.0, 4.0), Vec2::splat(MAGNIFIER));
            let mag = ui.interact(mag_rect, response.id.with("look"), Sense::click());
            mag.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Button, true, look_label));
            if selected || response.hovered() || mag.hovered() {
                magnifier(ui.painter(), mag_rect, mag.hovered());
            }
            look = mag.clicked();
            mag.on_hover_text("Look closer (Space)");
        }
        if let Some((shown, badge_label)) = text.badge {
            badge = copies_badge(ui, image_rect, response.id.with("badge"), shown, badge_label);
        }
        if selected || response.hovered() {
            let colour = if selected { visuals.selection.stroke.color } else { visuals.widgets.hovered.fg_stroke.color };
            ui.painter().rect_stroke(image_rect, 4.0, Stroke::new(2.0, colour), StrokeKind::Inside);
        }
        let font = egui::TextStyle::Small.resolve(ui.style());
        let mut y = image_rect.max.y + 1.0;
        for (line, colour) in [(Some(text.caption), visuals.text_color()), (text.sub, visuals.weak_text_color())] {
            let Some(line) = line.filter(|l| !l.is_empty()) else { continue };
            let galley = ui.fonts_mut(|f| {
                f.layout_job(egui::text::LayoutJob {
                    wrap: egui::text::TextWrapping::truncate_at_width(side),
                    ..egui::text::LayoutJob::simple_singleline(line.to_owned(), font.clone(), colour)
                })
            });
            let height = galley.size().y;
            ui.painter().galley(pos2(rect.min.x, y), galley, colour);
            y += height + 1.0;
        }
    }
    Tile { response: response.on_hover_text(label), look, badge }
}

/// A small clickable label on a dark backdrop in the image's lower left corner; true when clicked.
fn copies_badge(ui: &mut egui::Ui, image_rect: Rect, id: egui::Id, shown: &str, label: &str) -> bool {
    let font = egui::TextStyle::Small.resolve(ui.style());
    let galley = ui.fonts_mut(|f| f.layout_no_wrap(shown.to_owned(), font, Color32::WHITE));
    let size = galley.size() + vec2(10.0, 4.0);
    let rect = Rect::from_min_size(image_rect.left_bottom() + vec2(4.0, -size.y - 4.0), size);
    let r = ui.interact(rect, id, Sense::click());
    r.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Button, true, label));
    let backdrop = if r.hovered() { Color32::from_black_alpha(230) } else { Color32::from_black_alpha(170) };
    ui.painter().rect_filled(rect, 3.0, backdrop);
    ui.painter().galley(rect.min + vec2(5.0, 2.0), galley, Color32::WHITE);
    r.on_hover_text(label).clicked()
}

/// A magnifying glass: a lens and a handle on a round backdrop.
fn magnifier(painter: &egui::Painter, rect: Rect, hovered: bool) {
    let backdrop = if hovered { Color32::from_black_alpha(220) } else { Color32::from_black_alpha(150) };
    painter.circle_filled(rect.center(), rect.width() / 2.0, backdrop);
    let lens = rect.center() - vec2(2.0, 2.0);
    let stroke = Stroke::new(2.0, Color32::WHITE);
    painter.circle_stroke(lens, 5.5, stroke);
    painter.line_segment([lens + vec2(4.0, 4.0), lens + vec2(9.0, 9.0)], stroke);
}

/// Rows and columns of a grid of `n` tiles in the available width.
pub(super) fn grid_shape(ui: &egui::Ui, side: f32, n: usize) -> (usize, usize) {
    let spacing = ui.spacing().item_spacing.x;
    let cols = (((ui.available_width() + spacing) / (side + spacing)).floor() as usize).max(1);
    (cols, n.div_ceil(cols))
}
