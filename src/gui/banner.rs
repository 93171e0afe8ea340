//! The dismissable message banner at the top of the central area (errors, notices, refusals).

use eframe::egui;

use super::action::Action;
use super::frame::Frame;

pub(super) fn show(ui: &mut egui::Ui, msg: &str, frame: &mut Frame) {
    egui::Frame::new().fill(ui.visuals().warn_fg_color.gamma_multiply(0.15)).inner_margin(6.0).corner_radius(4.0).show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(msg).color(ui.visuals().warn_fg_color));
            if ui.small_button("Dismiss").clicked() {
                frame.act(Action::DismissBanner);
            }
        });
    });
    ui.add_space(4.0);
}

/// A message with its first letter in upper case, for a banner.
pub(super) fn capitalise(msg: &str) -> String {
    let mut chars = msg.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
