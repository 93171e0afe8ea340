//! The library view: every searchable artwork as a virtualised grid with a file-name filter and a
//! sort order, or the welcome screen of an empty library. A click selects an artwork (the detail
//! panel describes it), a double-click or Enter finds its kindred, the magnifier or Space looks
//! closer.

use eframe::egui;
use std::path::PathBuf;

use crate::catalog::Artwork;
use crate::library::{Folder, folder_tree};

use super::action::Action;
use super::app::file_name;
use super::frame::Frame;
use super::lightbox::Source;
use super::results::{GridNav, Layout, folder_name};
use super::tile::{TileText, tile};
use super::trail::TrailEntry;
use super::worker::ThumbKey;
use crate::readable::thousands;

/// The library grid's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// By folder, then file name (the catalog's path order).
    #[default]
    Folder,
    /// By file name, ignoring case.
    Name,
    /// Newest file first.
    Date,
}

/// The library grid's state.
#[derive(Default)]
pub struct LibraryGrid {
    /// Searchable artworks; `None` until the worker has listed them.
    artworks: Option<Vec<Artwork>>,
    /// Selection and scroll position.
    pub(super) nav: GridNav,
    /// Only artworks whose file name contains this (ignoring case).
    pub(super) filter: String,
    pub(super) sort: Sort,
    /// Only artworks in this folder (or below), chosen in the folder tree.
    pub(super) folder: Option<PathBuf>,
    /// The folders the library follows, and the tree of the artworks' folders under them.
    roots: Vec<PathBuf>,
    tree: Vec<Folder>,
    /// Indices into `artworks` of the artworks shown, in order, and the filter, sort and folder
    /// they are for.
    shown: Vec<usize>,
    shown_for: Option<(String, Sort, Option<PathBuf>)>,
}

impl LibraryGrid {
    /// Number of searchable artworks, once listed.
    pub(super) fn count(&self) -> Option<usize> {
        self.artworks.as_ref().map(Vec::len)
    }

    /// The folder tree (roots, and their subfolders holding artworks), with counts.
    pub(super) fn folders(&self) -> &[Folder] {
        &self.tree
    }

    /// The folders the library follows (from the library info).
    pub(super) fn set_roots(&mut self, roots: Vec<PathBuf>) {
        if roots != self.roots {
            self.roots = roots;
            self.rebuild_tree();
        }
    }

    fn rebuild_tree(&mut self) {
        let list = self.artworks.as_deref().unwrap_or_default();
        self.tree = folder_tree(&self.roots, list.iter().map(|a| a.path.as_path()));
        if self.folder.as_ref().is_some_and(|f| !self.tree.iter().any(|t| t.path == *f)) {
            self.folder = None;
            self.shown_for = None;
        }
    }

    /// Replaces the list (after an import).
    pub(super) fn set_artworks(&mut self, list: Vec<Artwork>) {
        self.artworks = Some(list);
        self.rebuild_tree();
        self.shown_for = None;
        self.nav.selected = None;
        self.nav.marked.clear();
    }

    /// The artworks shown, in order (filtered and sorted).
    pub(super) fn shown(&mut self) -> impl ExactSizeIterator<Item = &Artwork> + '_ {
        self.refresh();
        let list = self.artworks.as_deref().unwrap_or_default();
        self.shown.iter().map(move |&i| &list[i])
    }

    /// The `i`-th artwork shown.
    pub(super) fn shown_at(&mut self, i: usize) -> Option<&Artwork> {
        self.refresh();
        let list = self.artworks.as_deref()?;
        self.shown.get(i).map(|&j| &list[j])
    }

    /// The selected artwork.
    pub(super) fn selected(&mut self) -> Option<&Artwork> {
        let i = self.nav.selected?;
        self.shown_at(i)
    }

    /// Recomputes the shown list when the artworks, filter or sort changed.
    fn refresh(&mut self) {
        let Some(list) = &self.artworks else { return };
        if self.shown_for.as_ref().is_some_and(|(f, s, d)| *f == self.filter && *s == self.sort && *d == self.folder) {
            return;
        }
        let needle = self.filter.trim().to_lowercase();
        let names: Vec<String> = list.iter().map(|a| file_name(&a.path).to_lowercase()).collect();
        let in_folder = |i: usize| self.folder.as_ref().is_none_or(|f| list[i].path.starts_with(f));
        let mut shown: Vec<usize> =
            (0..list.len()).filter(|&i| (needle.is_empty() || names[i].contains(&needle)) && in_folder(i)).collect();
        match self.sort {
            Sort::Folder => {} // the catalog lists by path
            Sort::Name => shown.sort_by(|&a, &b| names[a].cmp(&names[b])),
            Sort::Date => shown.sort_by_key(|&i| std::cmp::Reverse(list[i].mtime_ns)),
        }
        self.shown = shown;
        self.shown_for = Some((self.filter.clone(), self.sort, self.folder.clone()));
        self.nav.reset();
    }

    pub(super) fn show(&mut self, ui: &mut egui::Ui, side: f32, can_import: bool, frame: &mut Frame) {
        match &self.artworks {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Opening library…");
                });
            }
            Some(list) if list.is_empty() => empty_state(ui, can_import, frame),
            Some(_) => self.grid(ui, side, frame),
        }
    }

    /// The folder tree beside the grid: every folder with its count; a click shows only its
    /// artworks (and its subfolders'), "All folders" everything. A followed folder's context menu
    /// (right-click) has "Stop following".
    fn folder_tree(&mut self, ui: &mut egui::Ui, frame: &mut Frame) {
        let total = self.count().unwrap_or(0);
        egui::ScrollArea::vertical().id_salt("folder-tree").show(ui, |ui| {
            // Long names are cut at the panel's edge (the tooltip has the whole path).
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
            ui.strong("Folders");
            let all = ui.selectable_label(self.folder.is_none(), format!("All folders  ({})", thousands(total)));
            if all.clicked() {
                self.folder = None;
            }
            for folder in &self.tree {
                let text = format!("{}  ({})", super::scope::folder_label(folder), thousands(folder.artworks));
                let selected = self.folder.as_ref() == Some(&folder.path);
                ui.horizontal(|ui| {
                    ui.add_space(12.0 * folder.depth as f32);
                    let row = ui.selectable_label(selected, text).on_hover_text(folder.path.display().to_string());
                    if row.clicked() {
                        self.folder = Some(folder.path.clone());
                    }
                    if self.roots.contains(&folder.path) {
                        row.context_menu(|ui| {
                            let hint = "No more rescans or watching of this folder; its artworks stay in the library";
                            if ui.button("Stop following").on_hover_text(hint).clicked() {
                                frame.act(Action::StopFollowing(folder.path.clone()));
                                ui.close();
                            }
                        });
                    }
                });
            }
        });
    }

    fn grid(&mut self, ui: &mut egui::Ui, side: f32, frame: &mut Frame) {
        if !self.tree.is_empty() {
            egui::Panel::left("library-folders")
                .resizable(true)
                .default_size(220.0)
                .min_size(140.0)
                .max_size(360.0)
                .show(ui, |ui| self.folder_tree(ui, frame));
        }
        self.refresh();
        let total = self.count().unwrap_or(0);
        ui.horizontal(|ui| {
            let shown = self.shown.len();
            if shown < total {
                ui.label(format!("{} of {} artworks", thousands(shown), thousands(total)));
            }
            ui.weak("Click to select, double-click or Enter to find kindred, Space to look closer");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                egui::ComboBox::from_label("Sort by")
                    .selected_text(match self.sort {
                        Sort::Folder => "Folder",
                        Sort::Name => "Name",
                        Sort::Date => "Date",
                    })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.sort, Sort::Folder, "Folder");
                        ui.selectable_value(&mut self.sort, Sort::Name, "Name");
                        ui.selectable_value(&mut self.sort, Sort::Date, "Date");
                    });
                ui.add(egui::TextEdit::singleline(&mut self.filter).hint_text("Filter by file name").desired_width(180.0));
            });
        });
        self.refresh();
        let Self { artworks, nav, shown, .. } = self;
        let list = artworks.as_deref().unwrap_or_default();
        let layout = Layout { id_salt: "library-grid", n: shown.len(), side, caption_lines: 2, footer: 0.0 };
        nav.show(ui, layout, frame, |ui, i, selected, frame| {
            let a = &list[shown[i]];
            let tex = frame.thumb(&ThumbKey::Artwork(a.id));
            let name = file_name(&a.path);
            let folder = folder_name(&a.path);
            let label = format!("artwork: {name}, in {folder}");
            let look = format!("look closer: {name}");
            let t = tile(
                ui,
                tex.as_ref(),
                side,
                &TileText { caption: &name, sub: Some(&folder), label: &label, look: Some(&look), badge: None },
                selected,
            );
            t.act(ui, frame, Source::Library, i, || Action::Query(TrailEntry::artwork(a.id, &a.path)));
        });
    }
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
