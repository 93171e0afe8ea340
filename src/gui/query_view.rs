//! The query view: the trail, the query image with the aspect controls, and the ranked results.

use eframe::egui;

use crate::aspect::Aspect;
use crate::colour::Swatch;
use crate::query::Query;

use super::action::Action;
use super::frame::Frame;
use super::lightbox::Source;
use super::results;
use super::settings::{AspectMode, Settings};
use super::state::{QueryView, SearchFailure, SearchState};
use super::tile::{TileText, tile};
use super::trail;

impl QueryView {
    /// `size`: the query picture's size in pixels, once known (a box dragged on it searches by
    /// that part).
    pub(super) fn show(&mut self, ui: &mut egui::Ui, settings: &mut Settings, size: Option<[u32; 2]>, frame: &mut Frame) {
        trail::show(ui, &self.trail, frame);
        ui.separator();
        let current = self.current();
        // A short window (800 × 600) gets a compact header, so more than one row of results shows.
        let side = if ui.available_height() < 600.0 { 72.0 } else { 160.0 };
        ui.horizontal(|ui| {
            // A palette has no picture: its colours are shown instead, each as wide as its share.
            let palette = match &current.query {
                Query::Palette(swatches) => Some(swatches),
                _ => None,
            };
            let tex = if palette.is_some() { None } else { frame.thumb(&current.key) };
            let label = format!("query: {}", current.name);
            let look = format!("look closer at the query: {}", current.name);
            let t = tile(
                ui,
                tex.as_ref(),
                side,
                &TileText {
                    caption: &current.name,
                    sub: None,
                    label: &label,
                    look: palette.is_none().then_some(look.as_str()),
                    badge: None,
                },
                false,
            );
            if t.look || (t.response.double_clicked() && palette.is_none()) {
                frame.act(Action::OpenLightbox(Source::Query, 0));
            }
            let square = egui::Rect::from_min_size(t.response.rect.min, egui::Vec2::splat(side));
            if let Some(swatches) = palette {
                paint_palette(ui, square, swatches);
            }
            if super::region_pick::drag_region(ui, t.response.id.with("region"), square, tex.as_ref(), size, current, frame)
                && palette.is_none()
            {
                frame.act(Action::OpenLightbox(Source::Query, 0));
            }
            ui.vertical(|ui| {
                ui.heading(format!("Kindred of {}", current.name));
                if matches!(current.query, Query::Artwork(_) | Query::File(_)) {
                    ui.weak("Drag a box on the picture to search by that part of it.");
                }
                aspect_controls(ui, settings, frame);
            });
        });
        ui.separator();
        match &self.search {
            SearchState::Idle | SearchState::Searching { .. } => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    match &frame.waiting {
                        Some(job) => ui.label(format!("Searching: waiting for {job}…")),
                        None => ui.label("Searching…"),
                    };
                });
            }
            SearchState::Failed(SearchFailure::NoWeights) => {
                ui.label("Give at least one aspect a positive weight.");
            }
            SearchState::Failed(SearchFailure::Query(_)) => {
                ui.label("No results.");
            }
            SearchState::Ready(ranked) if ranked.hits().is_empty() => {
                // The library holds no other artwork: typically an image opened with Kindred from a
                // file manager before any import. Say how to get results, not just that there are none.
                ui.label("No results: the library holds no other artwork yet.");
                ui.weak("Import a folder of artworks (top bar), and Kindred finds this image's kindred works among them.");
            }
            SearchState::Ready(ranked) => {
                results::show(&mut self.results, ui, ranked, settings.thumb_size, ranked.ranked_len() >= self.k, frame)
            }
        }
    }
}

/// A palette query's colours as bands across its tile, each as wide as its share.
fn paint_palette(ui: &egui::Ui, square: egui::Rect, swatches: &[Swatch]) {
    let total: f32 = swatches.iter().map(|s| s.weight).sum();
    let mut x = square.min.x;
    for s in swatches {
        let w = square.width() * s.weight / total.max(f32::EPSILON);
        let band = egui::Rect::from_min_max(egui::pos2(x, square.min.y), egui::pos2(x + w, square.max.y));
        ui.painter().rect_filled(band, 0.0, egui::Color32::from_rgb(s.rgb[0], s.rgb[1], s.rgb[2]));
        x += w;
    }
}

/// The aspect buttons and, folded, the weight sliders (which edit the settings in place).
fn aspect_controls(ui: &mut egui::Ui, settings: &mut Settings, frame: &mut Frame) {
    ui.horizontal(|ui| {
        ui.label("Compare:");
        let options = [
            (AspectMode::All, "All"),
            (AspectMode::Only(Aspect::Colour), "Colour"),
            (AspectMode::Only(Aspect::Texture), "Texture"),
            (AspectMode::Only(Aspect::Shape), "Shape"),
        ];
        for (mode, text) in options {
            if ui.selectable_label(settings.aspect == mode, text).clicked() && settings.aspect != mode {
                frame.act(Action::SetAspect(mode));
            }
        }
    });
    egui::CollapsingHeader::new("Weights").id_salt("weights").show(ui, |ui| {
        let mut changed = false;
        for aspect in Aspect::ALL {
            let name = match aspect {
                Aspect::Colour => "Colour weight",
                Aspect::Texture => "Texture weight",
                Aspect::Shape => "Shape weight",
            };
            changed |= ui.add(egui::Slider::new(settings.weights.get_mut(aspect), 0.0..=1.0).text(name)).changed();
        }
        if changed {
            frame.act(Action::WeightsChanged);
        }
    });
}
