//! "Search in": the folder searches are kept to ("only in folder …"), chosen above the results
//! from the library's folder tree; `None` searches everything. The worker applies it to every
//! search ([`super::worker::Command::SearchIn`]).

use std::path::{Path, PathBuf};

use eframe::egui;

use crate::library::Folder;

use super::action::Action;
use super::frame::Frame;
use crate::readable::thousands;

/// The folder searches are kept to.
#[derive(Default)]
pub struct SearchScope {
    /// The folder, or `None` for the whole library.
    pub(super) within: Option<PathBuf>,
}

impl SearchScope {
    /// "Search in: [All folders ▾]", choosing among `folders`.
    pub(super) fn show(&self, ui: &mut egui::Ui, folders: &[Folder], frame: &mut Frame) {
        if folders.is_empty() {
            return;
        }
        ui.horizontal(|ui| {
            let label = ui.label("Search in");
            let shown = match &self.within {
                Some(p) => format!("only {}", p.display()),
                None => "all folders".to_string(),
            };
            egui::ComboBox::from_id_salt("search-in")
                .selected_text(shown)
                .width(360.0)
                .show_ui(ui, |ui| {
                    if ui.selectable_label(self.within.is_none(), "All folders").clicked() {
                        frame.act(Action::SearchIn(None));
                    }
                    for folder in folders {
                        let text = format!("{}{}  ({})", "    ".repeat(folder.depth), folder_label(folder), thousands(folder.artworks));
                        if ui.selectable_label(self.within.as_ref() == Some(&folder.path), text).clicked() {
                            frame.act(Action::SearchIn(Some(folder.path.clone())));
                        }
                    }
                })
                .response
                .labelled_by(label.id);
        });
    }
}

/// A root by its full path, a subfolder by its name (the tree's indentation says where).
pub(super) fn folder_label(folder: &Folder) -> String {
    match folder.path.file_name() {
        Some(name) if folder.depth > 0 => name.to_string_lossy().into_owned(),
        // A root by its last two folders (the whole path is in the tooltip): long absolute paths
        // would crowd the grid out.
        Some(name) => match folder.path.parent().and_then(Path::file_name) {
            Some(parent) if folder.path.components().count() > 3 => format!("…/{}/{}", parent.to_string_lossy(), name.to_string_lossy()),
            _ => folder.path.display().to_string(),
        },
        None => folder.path.display().to_string(),
    }
}
