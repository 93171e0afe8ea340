//! The import panel: progress (count, rate, ETA, Cancel) while importing, then the summary with a
//! collapsible list of the files that could not be imported.

use eframe::egui;
use std::time::Duration;

use crate::import::Phase;

use super::app::KindredApp;

/// "1 m 05 s", "12 s".
fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 { format!("{} m {:02} s", s / 60, s % 60) } else { format!("{s} s") }
}

impl KindredApp {
    pub(super) fn import_panel(&mut self, ui: &mut egui::Ui) {
        if let Some(view) = &self.import {
            let mut cancel = false;
            ui.horizontal(|ui| {
                let (fraction, text) = match &view.progress {
                    None => (0.0, "Starting import…".to_owned()),
                    Some(p) => match p.phase {
                        Phase::Scanning => (0.0, "Scanning folders…".to_owned()),
                        Phase::Embedding => {
                            let eta = p.eta.map_or_else(|| "—".to_owned(), duration);
                            let fraction = if p.total > 0 { p.done as f32 / p.total as f32 } else { 0.0 };
                            (fraction, format!("{} / {} images · {:.1} per second · ETA {eta}", p.done, p.total, p.rate))
                        }
                        Phase::Indexing => (1.0, "Updating the search index…".to_owned()),
                        Phase::Finished => (1.0, "Finishing…".to_owned()),
                    },
                };
                let text = if view.cancelling { format!("{text} (cancelling after this batch)") } else { text };
                let width = (ui.available_width() - 120.0).max(100.0);
                ui.add(egui::ProgressBar::new(fraction).desired_width(width).text(text).animate(true));
                if ui.add_enabled(!view.cancelling, egui::Button::new("Cancel")).on_hover_text("Stop the import").clicked() {
                    cancel = true;
                }
            });
            ui.weak(format!("Importing for {}", duration(view.started.elapsed())));
            if cancel {
                self.worker.cancel_import();
                if let Some(v) = &mut self.import {
                    v.cancelling = true;
                }
            }
            return;
        }
        let mut close = false;
        if let Some(s) = &self.last_import {
            ui.horizontal(|ui| {
                let what = if s.cancelled { "Import cancelled" } else { "Import finished" };
                ui.label(format!(
                    "{what}: {} added, {} updated, {} unchanged, {} moved, {} missing, {} failed",
                    s.added, s.updated, s.unchanged, s.moved, s.missing, s.failed
                ));
                if ui.small_button("Close").on_hover_text("Hide the import summary").clicked() {
                    close = true;
                }
            });
            if !s.errors.is_empty() {
                egui::CollapsingHeader::new(format!("{} problems", s.errors.len())).id_salt("import-errors").show(ui, |ui| {
                    egui::ScrollArea::vertical().max_height(160.0).show(ui, |ui| {
                        egui::Grid::new("import-errors-grid").striped(true).show(ui, |ui| {
                            for (path, reason) in &s.errors {
                                ui.label(path.display().to_string());
                                ui.label(reason);
                                ui.end_row();
                            }
                        });
                    });
                });
            }
        }
        if close {
            self.last_import = None;
        }
    }
}
