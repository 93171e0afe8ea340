//! The lightbox: one artwork full-window at viewing resolution, over the view it was opened from.
//! The image is decoded by the [`super::loader`] thread, reduced to the screen size (never to the
//! thumbnail); until it arrives the thumbnail stands in. Wheel and pinch zoom around the pointer,
//! dragging pans, double-click or the Fit / 100 % buttons toggle; Left/Right step through the list
//! it was opened on (the results, or the library), Esc or Space close it and the grid selects the
//! artwork last looked at, so looking never loses your place.

use eframe::egui;
use std::path::PathBuf;

use egui::{Color32, Pos2, Rect, Sense, TextureHandle, TextureOptions, Vec2, pos2, vec2};

use crate::catalog::ArtworkId;

use super::action::Action;
use super::frame::Frame;
use super::loader::{LoadedImage, Purpose, Request};
use super::trail::TrailEntry;
use super::worker::ThumbKey;

/// Smallest and largest zoom (screen pixels per image pixel).
const ZOOM_RANGE: (f32, f32) = (0.02, 32.0);
/// Zoom factor per point of mouse-wheel travel.
const WHEEL_ZOOM: f32 = 1.0025;

/// How the image is scaled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Zoom {
    /// The whole image fits the window.
    Fit,
    /// Screen pixels per pixel of the file: 1.0 is 100 %.
    Scale(f32),
}

/// Where the lightbox was opened, so closing it can select the artwork last looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The results of the current query.
    Results,
    /// The library grid.
    Library,
    /// The query image alone.
    Query,
    /// The board shown.
    Board,
}

/// One artwork the lightbox can show.
#[derive(Clone, Debug)]
pub struct Item {
    /// The artwork, when it is in the library (a query file is not).
    pub id: Option<ArtworkId>,
    /// Its file.
    pub path: PathBuf,
}

impl Item {
    /// Its thumbnail key.
    pub(super) fn key(&self) -> ThumbKey {
        match self.id {
            Some(id) => ThumbKey::Artwork(id),
            None => ThumbKey::File(self.path.clone()),
        }
    }

    /// As a query.
    pub(super) fn entry(&self) -> TrailEntry {
        match self.id {
            Some(id) => TrailEntry::artwork(id, &self.path),
            None => TrailEntry::file(self.path.clone()),
        }
    }
}

/// The image shown for the current item.
struct Shown {
    texture: TextureHandle,
    /// Pixel size of the file.
    original: [u32; 2],
}

/// The lightbox's state.
pub struct Lightbox {
    pub(super) items: Vec<Item>,
    pub(super) index: usize,
    pub(super) source: Source,
    zoom: Zoom,
    /// Offset of the image's centre from the window's centre, in points.
    pan: Vec2,
    /// Token of the decode awaited for the current item (0: none asked yet).
    token: u64,
    shown: Option<Shown>,
    failed: Option<String>,
}

impl Lightbox {
    /// A lightbox on `items[index]`.
    pub(super) fn new(items: Vec<Item>, index: usize, source: Source) -> Self {
        let index = index.min(items.len().saturating_sub(1));
        Self { items, index, source, zoom: Zoom::Fit, pan: Vec2::ZERO, token: 0, shown: None, failed: None }
    }

    /// Index of the artwork shown in the list it was opened on.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The artwork shown.
    pub fn item(&self) -> &Item {
        &self.items[self.index]
    }

    /// Number of artworks to step through.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Always false: a lightbox shows at least one artwork.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The zoom.
    pub fn zoom(&self) -> Zoom {
        self.zoom
    }

    /// The pan offset, in points.
    pub fn pan(&self) -> Vec2 {
        self.pan
    }

    /// Width and height of the decoded image's texture, once it has arrived.
    pub fn texture_size(&self) -> Option<[usize; 2]> {
        self.shown.as_ref().map(|s| s.texture.size())
    }

    /// Pixel size of the file shown, once decoded.
    pub fn original_size(&self) -> Option<[u32; 2]> {
        self.shown.as_ref().map(|s| s.original)
    }

    /// Why the image could not be shown, if it could not.
    pub fn failure(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    /// Moves `by` artworks through the list (clamped at its ends).
    pub(super) fn step(&mut self, by: isize) {
        let to = (self.index as isize + by).clamp(0, self.items.len() as isize - 1) as usize;
        if to != self.index {
            self.index = to;
            self.zoom = Zoom::Fit;
            self.pan = Vec2::ZERO;
            self.token = 0;
            self.shown = None;
            self.failed = None;
        }
    }

    pub(super) fn set_zoom(&mut self, zoom: Zoom) {
        self.zoom = zoom;
        if zoom == Zoom::Fit {
            self.pan = Vec2::ZERO;
        }
    }

    /// Takes a decoded image if it answers the awaited request.
    pub(super) fn loaded(&mut self, ctx: &egui::Context, token: u64, image: Result<LoadedImage, String>) {
        if token != self.token {
            return;
        }
        match image {
            Ok(img) => {
                let color = egui::ColorImage::from_rgba_unmultiplied(img.size, &img.rgba);
                let texture = ctx.load_texture(format!("lightbox {}", self.item().path.display()), color, TextureOptions::LINEAR);
                self.shown = Some(Shown { texture, original: img.original });
            }
            Err(reason) => self.failed = Some(reason),
        }
    }

    /// Draws the lightbox over the whole window.
    pub(super) fn show(&mut self, ui: &mut egui::Ui, frame: &mut Frame) {
        let ctx = ui.ctx().clone();
        if self.token == 0 {
            *frame.tokens += 1;
            self.token = *frame.tokens;
            frame.loader.send(Request {
                token: self.token,
                path: self.item().path.clone(),
                max_side: screen_side(&ctx),
                purpose: Purpose::Lightbox,
            });
        }
        self.toolbar(ui, frame);
        let rect = ui.available_rect_before_wrap();
        let response = ui.allocate_rect(rect, Sense::click_and_drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::accesskit::Role::Image, true, format!("lightbox: {}", self.name())));
        ui.painter().rect_filled(rect, 0.0, Color32::from_gray(18));

        let thumb = if self.shown.is_none() { frame.thumb(&self.item().key()) } else { None };
        let (texture_id, original) = match (&self.shown, &thumb) {
            (Some(s), _) => (Some(s.texture.id()), Some(vec2(s.original[0] as f32, s.original[1] as f32))),
            (None, Some(t)) => (Some(t.id()), Some(t.size_vec2())),
            _ => (None, None),
        };
        let ppp = ctx.pixels_per_point();
        if let Some(original) = original {
            let fit = (rect.width() * ppp / original.x).min(rect.height() * ppp / original.y);
            let scale = match self.zoom {
                Zoom::Fit => fit,
                Zoom::Scale(s) => s,
            };
            self.interact(&ctx, &response, rect, scale, fit);
            let scale = match self.zoom {
                Zoom::Fit => fit,
                Zoom::Scale(s) => s,
            };
            let image_rect = Rect::from_center_size(rect.center() + self.pan, original * scale / ppp);
            if let Some(id) = texture_id {
                ui.painter().with_clip_rect(rect).image(id, image_rect, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
            }
        }
        if let Some(reason) = &self.failed {
            ui.painter().text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                format!("Cannot show this image: {reason}"),
                egui::FontId::proportional(18.0),
                Color32::LIGHT_RED,
            );
        } else if self.shown.is_none() {
            ui.painter().text(
                rect.center_bottom() - vec2(0.0, 24.0),
                egui::Align2::CENTER_CENTER,
                "Loading…",
                egui::FontId::proportional(16.0),
                Color32::GRAY,
            );
        }
    }

    /// Wheel and pinch zoom around the pointer, dragging pans, double-click toggles Fit / 100 %.
    fn interact(&mut self, ctx: &egui::Context, response: &egui::Response, rect: Rect, scale: f32, fit: f32) {
        if response.double_clicked() {
            self.set_zoom(if self.zoom == Zoom::Fit { Zoom::Scale(1.0) } else { Zoom::Fit });
            return;
        }
        if response.dragged() {
            if self.zoom == Zoom::Fit {
                self.zoom = Zoom::Scale(fit);
            }
            self.pan += response.drag_delta();
        }
        if !response.hovered() && !response.dragged() {
            return;
        }
        let (wheel, pinch) = ctx.input(|i| {
            let wheel: f32 = i
                .events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::MouseWheel { unit, delta, modifiers, .. } if !modifiers.ctrl && !modifiers.command => Some(match unit {
                        egui::MouseWheelUnit::Point => delta.y,
                        egui::MouseWheelUnit::Line => delta.y * 40.0,
                        egui::MouseWheelUnit::Page => delta.y * rect.height(),
                    }),
                    _ => None,
                })
                .sum();
            (wheel, i.zoom_delta())
        });
        let factor = WHEEL_ZOOM.powf(wheel) * pinch;
        if (factor - 1.0).abs() > 1e-4 {
            let to = (scale * factor).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
            let pointer = response.hover_pos().unwrap_or(rect.center());
            self.zoom_about(pointer, rect.center(), scale, to);
        }
    }

    /// Zooms from `from` to `to`, keeping the image point under `pointer` where it is.
    fn zoom_about(&mut self, pointer: Pos2, centre: Pos2, from: f32, to: f32) {
        let image_centre = centre + self.pan;
        let new_centre = pointer - (pointer - image_centre) * (to / from);
        self.pan = new_centre - centre;
        self.zoom = Zoom::Scale(to);
    }

    fn name(&self) -> String {
        super::app::file_name(&self.item().path)
    }

    fn toolbar(&self, ui: &mut egui::Ui, frame: &mut Frame) {
        ui.horizontal(|ui| {
            if ui.button("Close").on_hover_text("Close the lightbox (Esc, Space)").clicked() {
                frame.act(Action::CloseLightbox);
            }
            ui.separator();
            if ui.add_enabled(self.index > 0, egui::Button::new("Previous")).on_hover_text("Previous artwork (Left)").clicked() {
                frame.act(Action::LightboxStep(-1));
            }
            if ui.add_enabled(self.index + 1 < self.items.len(), egui::Button::new("Next")).on_hover_text("Next artwork (Right)").clicked()
            {
                frame.act(Action::LightboxStep(1));
            }
            ui.label(format!("{} of {}", self.index + 1, self.items.len()));
            ui.separator();
            if ui.selectable_label(self.zoom == Zoom::Fit, "Fit").on_hover_text("Fit the window (double-click, 0)").clicked() {
                frame.act(Action::LightboxZoom(Zoom::Fit));
            }
            if ui.selectable_label(self.zoom == Zoom::Scale(1.0), "100 %").on_hover_text("Actual pixels (double-click, 1)").clicked() {
                frame.act(Action::LightboxZoom(Zoom::Scale(1.0)));
            }
            if let Zoom::Scale(s) = self.zoom
                && s != 1.0
            {
                ui.weak(format!("{:.0} %", s * 100.0));
            }
            ui.separator();
            let path = &self.item().path;
            if ui.button("Copy image").on_hover_text("Put the pixels on the clipboard (Ctrl+C)").clicked() {
                frame.act(Action::CopyImage(path.clone()));
            }
            if ui
                .button("Copy file")
                .on_hover_text("Put the file on the clipboard, for file managers, Krita, GIMP, PureRef (Ctrl+Shift+C)")
                .clicked()
            {
                frame.act(Action::CopyFile(path.clone()));
            }
            if ui.button("Find kindred").on_hover_text("Search with this artwork (Enter)").clicked() {
                frame.act(Action::Hop(self.item().entry()));
            }
            ui.separator();
            ui.strong(self.name());
            if let Some([w, h]) = self.original_size() {
                ui.weak(format!("{w} × {h} px"));
            }
        });
    }
}

/// Longest side the lightbox decodes to: the monitor's (or else the window's), in pixels, within
/// the GPU's texture limit.
fn screen_side(ctx: &egui::Context) -> u32 {
    let (monitor, window, max_texture) = ctx.input(|i| (i.viewport().monitor_size, i.content_rect().size(), i.max_texture_side));
    let side = monitor.unwrap_or(window).max_elem() * ctx.pixels_per_point();
    (side.round() as u32).clamp(256, max_texture.max(256) as u32)
}
