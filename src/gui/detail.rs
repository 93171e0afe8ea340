//! The detail panel: the selected result (or the query), its file, size and palette, and buttons to
//! open it, show it in its folder or copy its path. It keeps the details the worker sent.

use eframe::egui;
use std::collections::{HashMap, HashSet};

use egui::{Color32, Sense, vec2};

use super::action::Action;
use super::app::file_name;
use super::frame::Frame;
use super::state::QueryView;
use super::trail::TrailEntry;
use super::worker::{Command, Details, ThumbKey, WorkerHandle};

/// Details of what was shown, fetched once per key.
#[derive(Default)]
pub struct DetailPanel {
    details: HashMap<ThumbKey, Details>,
    requested: HashSet<ThumbKey>,
}

impl DetailPanel {
    pub(super) fn insert(&mut self, key: ThumbKey, details: Details) {
        self.details.insert(key, details);
    }

    /// Forgets every detail (files may have changed on re-import).
    pub(super) fn clear(&mut self) {
        self.details.clear();
        self.requested.clear();
    }

    /// Details of a key, requested from the worker on first need.
    fn details_of(&mut self, key: &ThumbKey, worker: &WorkerHandle) -> Option<&Details> {
        if !self.details.contains_key(key)
            && let ThumbKey::Artwork(id) = key
            && self.requested.insert(key.clone())
        {
            worker.send(Command::Details(*id));
        }
        self.details.get(key)
    }

    /// Describes the query's selected result, or the query itself.
    pub(super) fn show(&mut self, ui: &mut egui::Ui, query: &QueryView, frame: &mut Frame) {
        let (key, score) = match query.selected_hit() {
            Some(hit) => (ThumbKey::Artwork(hit.id), Some(hit.score)),
            None => (query.current().key.clone(), None),
        };
        ui.heading(if score.is_some() { "Selected" } else { "Query" });
        if let Some(tex) = frame.thumb(&key) {
            let size = tex.size_vec2();
            let scale = (ui.available_width() / size.x).min(220.0 / size.y).min(1.0);
            ui.add(egui::Image::new((tex.id(), size * scale)).alt_text("preview"));
        }
        let Some(details) = self.details_of(&key, frame.worker) else {
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
            if ui.button("Open").on_hover_text("Open with the default application").clicked() {
                frame.act(Action::Open(details.path.clone()));
            }
            if ui.button("Show in folder").clicked() {
                frame.act(Action::Reveal(details.path.clone()));
            }
            if ui.button("Copy path").clicked() {
                frame.act(Action::CopyPath(details.path.clone()));
            }
        });
        if score.is_some()
            && ui.button("Find kindred of this").clicked()
            && let ThumbKey::Artwork(id) = key
        {
            frame.act(Action::Hop(TrailEntry::artwork(id, &details.path)));
        }
    }
}
