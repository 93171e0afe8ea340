//! The status bar: artwork count, model, ONNX Runtime, index state, and the read-only warning.

use eframe::egui;

use crate::library::Info;

/// What the worker said about the library.
#[derive(Default)]
pub struct StatusBar {
    pub(super) info: Option<Info>,
}

impl StatusBar {
    /// `artworks`: the listed count, which is fresher than the info's after an import.
    pub(super) fn show(&self, ui: &mut egui::Ui, artworks: Option<usize>) {
        ui.horizontal(|ui| match &self.info {
            Some(info) => {
                let n = artworks.unwrap_or(info.counts.ok as usize);
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
}
