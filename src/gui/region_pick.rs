//! Dragging a box on the query image searches by that part of it ([`crate::query::Query::Region`]).

use eframe::egui;
use egui::{Color32, Pos2, Rect, Sense, Stroke, StrokeKind, TextureHandle, Vec2};

use super::action::Action;
use super::frame::Frame;
use super::trail::TrailEntry;
use crate::query::Query;
use crate::region::Region;

/// Lets the artist drag a box over the query tile's image square `square` (`id`: the drag's); on release, a search
/// by that part of the picture (`full`: its size in pixels) is pushed on the trail. Boxes smaller
/// than [`Region::MIN_SIDE`] pixels of the picture are ignored (a click stays a click). On a
/// region query's tile, its box is drawn instead. Returns whether the picture was double-clicked
/// (this area is over the tile, so it answers for it: look closer).
pub(super) fn drag_region(
    ui: &mut egui::Ui,
    id: egui::Id,
    square: Rect,
    tex: Option<&TextureHandle>,
    full: Option<[u32; 2]>,
    entry: &TrailEntry,
    frame: &mut Frame,
) -> bool {
    let (Some(tex), Some(full)) = (tex, full) else { return false };
    let size = tex.size_vec2();
    let fitted = Rect::from_center_size(square.center(), size * (square.width() / size.x).min(square.height() / size.y));
    let scale = Vec2::new(full[0] as f32 / fitted.width(), full[1] as f32 / fitted.height());
    let stroke = Stroke::new(2.0, Color32::from_rgb(250, 200, 40));
    match &entry.query {
        Query::Artwork(_) | Query::File(_) => {}
        // A part searched with: its box on the whole picture.
        Query::Region { region, .. } => {
            let min = fitted.min + Vec2::new(region.x as f32, region.y as f32) / scale;
            let part = Rect::from_min_size(min, Vec2::new(region.w as f32, region.h as f32) / scale);
            ui.painter().rect_stroke(part, 0.0, stroke, StrokeKind::Outside);
            return false;
        }
        _ => return false,
    }
    // Clicks too: the picture is under this area, and a double-click on it still looks closer.
    let response = ui.interact(fitted, id, Sense::click_and_drag());
    let opened = response.double_clicked();
    // Where the drag began, kept while it lasts (the pointer's press origin is gone on release).
    if response.drag_started()
        && let Some(pos) = ui.input(|i| i.pointer.press_origin())
    {
        ui.data_mut(|d| d.insert_temp(id, pos));
    }
    let Some(origin) = ui.data(|d| d.get_temp::<Pos2>(id)) else { return opened };
    let now = response.interact_pointer_pos().or(ui.input(|i| i.pointer.latest_pos()));
    let (Some(now), true) = (now, response.dragged() || response.drag_stopped()) else { return opened };
    let picked = Rect::from_two_pos(fitted.clamp(origin), fitted.clamp(now));
    ui.painter().rect_stroke(picked, 0.0, stroke, StrokeKind::Outside);
    if !response.drag_stopped() {
        return opened;
    }
    ui.data_mut(|d| d.remove::<Pos2>(id));
    let to_pixels = |p: Pos2| ((p - fitted.min) * scale).round();
    let (min, max) = (to_pixels(picked.min), to_pixels(picked.max));
    let region = Region { x: min.x as u32, y: min.y as u32, w: (max.x - min.x) as u32, h: (max.y - min.y) as u32 };
    if region.check(full[0], full[1]).is_err() {
        return opened;
    }
    let mut part = entry.clone();
    part.query = Query::Region { image: Box::new(entry.query.clone()), region };
    part.name = format!("part of {}", entry.name);
    part.composed = false;
    frame.act(Action::Hop(part));
    opened
}
