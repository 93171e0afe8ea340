//! The library view: every searchable artwork as a virtualised grid, or the welcome screen of an
//! empty library. Clicking an artwork queries with it.

use eframe::egui;

use crate::catalog::Artwork;

use super::action::Action;
use super::app::file_name;
use super::frame::Frame;
use super::tile::{grid_shape, tile};
use super::trail::TrailEntry;
use super::worker::ThumbKey;

/// The library grid's state.
#[derive(Default)]
pub struct LibraryGrid {
    /// Searchable artworks; `None` until the worker has listed them.
    pub(super) artworks: Option<Vec<Artwork>>,
}

impl LibraryGrid {
    /// Number of searchable artworks, once listed.
    pub(super) fn count(&self) -> Option<usize> {
        self.artworks.as_ref().map(Vec::len)
    }

    pub(super) fn show(&self, ui: &mut egui::Ui, side: f32, can_import: bool, frame: &mut Frame) {
        match &self.artworks {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Opening library…");
                });
            }
            Some(list) if list.is_empty() => empty_state(ui, can_import, frame),
            Some(list) => grid(ui, list, side, frame),
        }
    }
}

fn grid(ui: &mut egui::Ui, list: &[Artwork], side: f32, frame: &mut Frame) {
    ui.label(format!("{} artworks — click one to find its kindred", list.len()));
    let (cols, rows) = grid_shape(ui, side, list.len());
    let row_h = side + ui.text_style_height(&egui::TextStyle::Small) + 2.0;
    egui::ScrollArea::vertical().id_salt("library-grid").auto_shrink([false, false]).show_rows(ui, row_h, rows, |ui, range| {
        for row in range {
            ui.horizontal(|ui| {
                for a in list.iter().skip(row * cols).take(cols) {
                    let tex = frame.thumb(&ThumbKey::Artwork(a.id));
                    let name = file_name(&a.path);
                    if tile(ui, tex.as_ref(), side, &name, &format!("artwork: {name}"), false).clicked() {
                        frame.act(Action::Query(TrailEntry::artwork(a.id, &a.path)));
                    }
                }
            });
        }
    });
}

fn empty_state(ui: &mut egui::Ui, can_import: bool, frame: &mut Frame) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.25);
        ui.heading("Welcome to Kindred");
        ui.add_space(8.0);
        ui.label("Kindred finds artworks that share colour, texture or shape with the one you pick.");
        ui.add_space(16.0);
        let button = egui::Button::new(egui::RichText::new("Import a folder…").size(18.0)).min_size(egui::vec2(200.0, 36.0));
        if ui.add_enabled(can_import, button).clicked() {
            frame.act(Action::PickFolder);
        }
        ui.add_space(8.0);
        ui.weak("…or drop a folder (to import it) or an image (to find its kindred) onto this window.");
    });
}
