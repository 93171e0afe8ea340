//! The detail panel: the selected result (or the query), its file, size and palette, and buttons to
//! open it, show it in its folder or copy its path.

use eframe::egui;
use egui::{Color32, Sense, vec2};

use super::app::{KindredApp, file_name};
use super::worker::ThumbKey;

impl KindredApp {
    pub(super) fn detail_panel(&mut self, ui: &mut egui::Ui) {
        let selected = self.selected.and_then(|s| self.hits.as_ref()?.get(s)).map(|h| (ThumbKey::Artwork(h.id), Some(h.score)));
        let Some((key, score)) = selected.or_else(|| self.trail.last().map(|e| (e.key.clone(), None))) else { return };
        ui.heading(if score.is_some() { "Selected" } else { "Query" });
        let tex = self.thumbs.get(&key, &self.worker);
        if let Some(tex) = tex {
            let size = tex.size_vec2();
            let scale = (ui.available_width() / size.x).min(220.0 / size.y).min(1.0);
            ui.add(egui::Image::new((tex.id(), size * scale)).alt_text("preview"));
        }
        let Some(details) = self.details_of(&key).cloned() else {
            ui.spinner();
            return;
        };
        ui.strong(file_name(&details.path));
        ui.add(egui::Label::new(egui::RichText::new(details.path.display().to_string()).small()).wrap());
        if let Some([w, h]) = details.size {
            ui.label(format!("{w} × {h} px"));
        }
        if let Some(score) = score {
            ui.label(format!("similarity {score:.2}"));
        }
        if !details.palette.is_empty() {
            ui.horizontal_wrapped(|ui| {
                for swatch in &details.palette {
                    let [r, g, b] = swatch.rgb;
                    let (rect, response) = ui.allocate_exact_size(vec2(28.0, 28.0), Sense::hover());
                    ui.painter().rect_filled(rect, 3.0, Color32::from_rgb(r, g, b));
                    response.on_hover_text(format!("#{r:02x}{g:02x}{b:02x} · {:.0}%", swatch.weight * 100.0));
                }
            });
        }
        ui.horizontal_wrapped(|ui| {
            if ui.button("Open").on_hover_text("Open with the default application").clicked()
                && let Err(e) = opener::open(&details.path)
            {
                self.banner = Some(format!("Cannot open {}: {e}", details.path.display()));
            }
            if ui.button("Show in folder").clicked()
                && let Err(e) = opener::reveal(&details.path)
            {
                self.banner = Some(format!("Cannot show {} in its folder: {e}", details.path.display()));
            }
            if ui.button("Copy path").clicked() {
                ui.ctx().copy_text(details.path.display().to_string());
            }
        });
        if score.is_some()
            && ui.button("Find kindred of this").clicked()
            && let ThumbKey::Artwork(id) = key
        {
            self.hop(super::app::TrailEntry::artwork(id, &details.path));
        }
    }
}
