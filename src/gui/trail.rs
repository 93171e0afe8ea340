//! The breadcrumb trail: small thumbnails of the queries hopped through; clicking one goes back.

use eframe::egui;
use super::app::KindredApp;
use super::gallery::tile;

/// Side of a breadcrumb thumbnail.
const CRUMB: f32 = 40.0;

impl KindredApp {
    pub(super) fn trail_ui(&mut self, ui: &mut egui::Ui) {
        let mut go = None;
        let len = self.trail.len();
        egui::ScrollArea::horizontal().id_salt("trail").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label("Trail:");
                let entries = self.trail.clone();
                for (i, entry) in entries.iter().enumerate() {
                    if i > 0 {
                        ui.label("›");
                    }
                    let tex = self.thumbs.get(&entry.key, &self.worker);
                    let current = i + 1 == len;
                    let label = format!("trail {}: {}", i + 1, entry.name);
                    if tile(ui, tex.as_ref(), CRUMB, "", &label, current).clicked() && !current {
                        go = Some(i);
                    }
                }
            });
        });
        if let Some(i) = go {
            self.back_to(i);
        }
    }
}
