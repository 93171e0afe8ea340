//! The detail panel: the selected artwork (or the query), a large preview, its folder, pixel size,
//! file size and date, its palette, and what to do next: find its kindred, look closer, copy the
//! image or the file, open it, show it in its folder. It keeps the details the worker sent and the
//! preview the loader decoded.

use eframe::egui;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use egui::{Color32, Sense, TextureHandle, TextureOptions, vec2};

use super::action::Action;
use super::app::file_name;
use super::frame::Frame;
use super::lightbox::Source;
use super::loader::{LoadedImage, Purpose, Request};
use super::trail::TrailEntry;
use super::worker::{Command, Details, ThumbKey, WorkerHandle};
use crate::readable::{alike, date, file_size};

/// Longest side of the large preview, in pixels.
const PREVIEW_SIDE: u32 = 640;

/// What the panel describes.
pub(super) struct Subject {
    /// "Selected", "Query".
    pub heading: &'static str,
    /// Its image.
    pub key: ThumbKey,
    /// Its similarity to the query, for a result.
    pub score: Option<f32>,
    /// "Find kindred" searches with this (`None`: it is the query already).
    pub find: Option<TrailEntry>,
    /// The lightbox list and index it opens at.
    pub look: (Source, usize),
}

/// Details of what was shown, fetched once per key, and the large preview of the latest.
#[derive(Default)]
pub struct DetailPanel {
    details: HashMap<ThumbKey, Details>,
    requested: HashSet<ThumbKey>,
    /// The key previewed, the token of its decode, and the preview once decoded.
    preview: Option<(ThumbKey, u64, Option<TextureHandle>)>,
}

impl DetailPanel {
    pub(super) fn insert(&mut self, key: ThumbKey, details: Details) {
        self.details.insert(key, details);
    }

    /// Forgets every detail (files may have changed on re-import).
    pub(super) fn clear(&mut self) {
        self.details.clear();
        self.requested.clear();
        self.preview = None;
    }

    /// Takes a decoded preview if it answers the latest request.
    pub(super) fn loaded(&mut self, ctx: &egui::Context, token: u64, image: Result<LoadedImage, String>) {
        if let Some((_, t, texture)) = &mut self.preview
            && *t == token
            && let Ok(img) = image
        {
            let color = egui::ColorImage::from_rgba_unmultiplied(img.size, &img.rgba);
            *texture = Some(ctx.load_texture("detail preview", color, TextureOptions::LINEAR));
        }
    }

    /// Pixel size of a picture, once its details arrived (asked for on first need, since the
    /// panel may be showing another picture).
    pub(super) fn pixel_size(&mut self, key: &ThumbKey, worker: &WorkerHandle) -> Option<[u32; 2]> {
        self.details_of(key, worker)?.size
    }

    /// Width and height of the large preview's texture, once decoded.
    pub(super) fn preview_size(&self) -> Option<[usize; 2]> {
        self.preview.as_ref()?.2.as_ref().map(|t| t.size())
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

    /// The large preview of `key` (its path known), asking the loader once per key; the thumbnail
    /// stands in until it arrives.
    fn preview_of(&mut self, key: &ThumbKey, path: &Path, frame: &mut Frame) -> Option<TextureHandle> {
        if self.preview.as_ref().is_none_or(|(k, _, _)| k != key) {
            *frame.tokens += 1;
            let token = *frame.tokens;
            frame.loader.send(Request { token, path: path.to_path_buf(), max_side: PREVIEW_SIDE, purpose: Purpose::Preview });
            self.preview = Some((key.clone(), token, None));
        }
        self.preview.as_ref().and_then(|(_, _, t)| t.clone()).or_else(|| frame.thumb(key))
    }

    pub(super) fn show(&mut self, ui: &mut egui::Ui, subject: Subject, frame: &mut Frame) {
        let key = subject.key.clone();
        ui.heading(subject.heading);
        let Some(details) = self.details_of(&key, frame.worker).cloned() else {
            if let Some(tex) = frame.thumb(&key) {
                preview_image(ui, &tex, subject.look, frame);
            }
            ui.spinner();
            return;
        };
        if let Some(tex) = self.preview_of(&key, &details.path, frame) {
            preview_image(ui, &tex, subject.look, frame);
        }
        ui.strong(file_name(&details.path));
        if let Some(folder) = details.path.parent() {
            ui.add(egui::Label::new(egui::RichText::new(format!("in {}", folder.display())).small()).wrap())
                .on_hover_text(details.path.display().to_string());
        }
        let mut facts = Vec::new();
        if let Some([w, h]) = details.size {
            facts.push(format!("{w} × {h} px"));
        }
        if let Some(bytes) = details.bytes {
            facts.push(file_size(bytes));
        }
        if !facts.is_empty() {
            ui.label(facts.join(" · "));
        }
        if let Some(secs) = details.modified {
            ui.label(format!("modified {}", date(secs)));
        }
        if let Some(score) = subject.score {
            ui.label(alike(score)).on_hover_text("More alike than this share of the pairs of artworks in your library");
        }
        if !details.palette.is_empty() {
            ui.horizontal_wrapped(|ui| {
                for swatch in &details.palette {
                    let [r, g, b] = swatch.rgb;
                    let (rect, response) = ui.allocate_exact_size(vec2(28.0, 28.0), Sense::click());
                    ui.painter().rect_filled(rect, 3.0, Color32::from_rgb(r, g, b));
                    let name = format!("search by colour {}", crate::palette::hex(swatch.rgb));
                    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &name));
                    let hover = format!("#{r:02x}{g:02x}{b:02x} · {:.0}% — click to find artworks of this colour", swatch.weight * 100.0);
                    if response.on_hover_text(hover).clicked() {
                        frame.act(Action::Hop(super::composer::palette_entry(swatch.rgb)));
                    }
                }
            });
        }
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            if let Some(entry) = subject.find
                && ui.button("Find kindred").on_hover_text("Search with this artwork (Enter, double-click)").clicked()
            {
                frame.act(Action::Hop(entry));
            }
            if ui.button("Look closer").on_hover_text("Open in the lightbox (Space)").clicked() {
                frame.act(Action::OpenLightbox(subject.look.0, subject.look.1));
            }
            if ui.button("Compose…").on_hover_text("Mix aspects of several images, a palette, less like…").clicked() {
                frame.act(Action::OpenComposer);
            }
        });
        ui.horizontal_wrapped(|ui| {
            if ui.button("Copy image").on_hover_text("Put the pixels on the clipboard (Ctrl+C)").clicked() {
                frame.act(Action::CopyImage(details.path.clone()));
            }
            if ui
                .button("Copy file")
                .on_hover_text("Put the file on the clipboard, for file managers, Krita, GIMP, PureRef (Ctrl+Shift+C)")
                .clicked()
            {
                frame.act(Action::CopyFile(details.path.clone()));
            }
            if ui.button("Copy path").clicked() {
                frame.act(Action::CopyPath(details.path.clone()));
            }
        });
        ui.horizontal_wrapped(|ui| {
            if ui.button("Open").on_hover_text("Open with the default application").clicked() {
                frame.act(Action::Open(details.path.clone()));
            }
            if ui.button("Show in folder").clicked() {
                frame.act(Action::Reveal(details.path.clone()));
            }
        });
    }
}

/// The preview, as large as the panel allows; a double-click looks closer.
fn preview_image(ui: &mut egui::Ui, tex: &TextureHandle, look: (Source, usize), frame: &mut Frame) {
    let size = tex.size_vec2();
    let side = ui.available_width().min(360.0);
    let scale = (side / size.x).min(side / size.y);
    let response = ui.add(egui::Image::new((tex.id(), size * scale)).alt_text("preview").sense(Sense::click()));
    if response.double_clicked() {
        frame.act(Action::OpenLightbox(look.0, look.1));
    }
}
