//! The top bar: Back, Forward and Library while a query is shown, Import a folder…, theme and thumbnail size.

use eframe::egui;

use super::action::Action;
use super::boards::BoardsPanel;
use super::frame::Frame;
use super::settings::Settings;

/// What the top bar offers.
#[derive(Clone, Copy)]
pub(super) struct Bar {
    /// A query is shown (Back, Library).
    pub in_query: bool,
    /// A board is shown (Library).
    pub in_board: bool,
    /// Forward has somewhere to go.
    pub can_forward: bool,
    /// "Import a folder…" is offered.
    pub show_import: bool,
    /// No import is running.
    pub can_import: bool,
    /// The collection map is open (`None`: not offered, the library is empty).
    pub map_open: Option<bool>,
    /// "Duplicates" is offered (the library holds artworks, the view is another).
    pub show_duplicates: bool,
}

pub(super) fn show(ui: &mut egui::Ui, settings: &mut Settings, bar: &Bar, boards: &BoardsPanel, frame: &mut Frame) {
    let Bar { in_query, in_board, can_forward, show_import, can_import, map_open, show_duplicates } = *bar;
    ui.horizontal(|ui| {
        ui.heading("Kindred");
        ui.separator();
        if in_query && ui.button("Back").on_hover_text("Back (Backspace, Alt+Left)").clicked() {
            frame.act(Action::Back);
        }
        if (in_query || can_forward)
            && ui.add_enabled(can_forward, egui::Button::new("Forward")).on_hover_text("Forward again (Alt+Right)").clicked()
        {
            frame.act(Action::Forward);
        }
        if (in_query || in_board) && ui.button("Library").on_hover_text("Show the whole library").clicked() {
            frame.act(Action::ShowLibrary);
        }
        if let Some(open) = map_open
            && ui.selectable_label(open, "Map").on_hover_text("The whole collection as a map").clicked()
        {
            frame.act(Action::ToggleMap);
        }
        boards.menu(ui, frame);
        if show_duplicates && ui.button("Duplicates").on_hover_text("Groups of copies in the library").clicked() {
            frame.act(Action::ShowDuplicates);
        }
        if let Some(message) = boards.message() {
            ui.label(message);
        }
        // The empty library's welcome has the same button, large.
        if show_import
            && ui.add_enabled(can_import, egui::Button::new("Import a folder…")).on_hover_text("Import a folder of images").clicked()
        {
            frame.act(Action::PickFolder);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            theme_buttons(ui);
            ui.add(egui::Slider::new(&mut settings.thumb_size, 64.0..=256.0).text("Thumbnail size").show_value(false));
        });
    });
}

/// egui's light / dark / follow-the-system theme preference, as text buttons (the built-in ones are
/// emoji icons the bundled fonts cannot draw).
fn theme_buttons(ui: &mut egui::Ui) {
    use egui::ThemePreference as T;
    let mut pref = ui.options(|o| o.theme_preference);
    // Right-to-left layout: the last added is leftmost.
    ui.selectable_value(&mut pref, T::Light, "Light").on_hover_text("Use the light theme");
    ui.selectable_value(&mut pref, T::Dark, "Dark").on_hover_text("Use the dark theme");
    ui.selectable_value(&mut pref, T::System, "System").on_hover_text("Follow the system theme");
    ui.label("Theme:");
    ui.ctx().set_theme(pref);
}
