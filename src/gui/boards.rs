//! The boards panel: the list of boards (for the top bar's Boards menu and the picker), the board
//! picker that B opens ("Add to board": click a board, or name a new one), and the short message
//! saying what the last change did.

use eframe::egui;
use std::time::{Duration, Instant};

use crate::board::BoardSummary;
use crate::catalog::ArtworkId;

use super::action::Action;
use super::frame::Frame;

/// How long "Added 2 to Favourites" stays in the top bar.
const MESSAGE_FOR: Duration = Duration::from_secs(4);

/// The boards' state.
#[derive(Default)]
pub struct BoardsPanel {
    /// The boards, Favourites first, once listed.
    pub(super) list: Vec<BoardSummary>,
    /// The open picker, if any.
    pub(super) picker: Option<Picker>,
    /// What the last change did, and when.
    pub(super) message: Option<(String, Instant)>,
}

/// "Add to board" for some artworks.
pub struct Picker {
    /// What is added.
    pub(super) artworks: Vec<ArtworkId>,
    /// A new board's name, as typed.
    pub(super) new_name: String,
}

impl BoardsPanel {
    /// The message of the last change, while it is fresh.
    pub(super) fn message(&self) -> Option<&str> {
        self.message.as_ref().filter(|(_, at)| at.elapsed() < MESSAGE_FOR).map(|(m, _)| m.as_str())
    }

    /// The Boards menu: every board, to open.
    pub(super) fn menu(&self, ui: &mut egui::Ui, frame: &mut Frame) {
        ui.menu_button("Boards", |ui| {
            for b in &self.list {
                if ui.button(format!("{} ({})", b.name, b.items)).clicked() {
                    frame.act(Action::OpenBoard(b.id));
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text("Open a board (F adds the selection to Favourites, B to a board)");
    }

    /// The picker window, when open.
    pub(super) fn show_picker(&mut self, ctx: &egui::Context, frame: &mut Frame) {
        let Some(picker) = &mut self.picker else { return };
        let n = picker.artworks.len();
        let mut open = true;
        egui::Window::new("Add to board").collapsible(false).resizable(false).open(&mut open).show(ctx, |ui| {
            ui.label(if n == 1 { "Add the selected artwork to:".to_owned() } else { format!("Add the {n} selected artworks to:") });
            for b in &self.list {
                if ui.button(format!("{} ({})", b.name, b.items)).on_hover_text("Add to this board").clicked() {
                    frame.act(Action::AddToBoard { board: b.id, artworks: picker.artworks.clone() });
                }
            }
            ui.separator();
            ui.horizontal(|ui| {
                let label = ui.label("or a new board:");
                let field = ui
                    .add(egui::TextEdit::singleline(&mut picker.new_name).hint_text("its name").desired_width(180.0))
                    .labelled_by(label.id);
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let make = ui.add_enabled(!picker.new_name.trim().is_empty(), egui::Button::new("New board")).clicked();
                if (make || enter) && !picker.new_name.trim().is_empty() {
                    frame.act(Action::NewBoard { name: picker.new_name.trim().to_owned(), artworks: picker.artworks.clone() });
                }
            });
        });
        if !open || ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
            frame.act(Action::ClosePicker);
        }
    }
}
