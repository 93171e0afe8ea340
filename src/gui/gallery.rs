//! Image grids: the library (all artworks) and the query view (query image, aspect controls and
//! ranked results). Thumbnails are requested only for visible rows and cached as textures.

use eframe::egui;
use std::collections::{HashMap, HashSet};

use egui::{Color32, Rect, Sense, TextureHandle, TextureOptions, Vec2, pos2, vec2};

use crate::aspect::Aspect;

use super::app::{AspectMode, KindredApp, TrailEntry, file_name};
use super::worker::{Command, ThumbKey};

/// Most textures kept; the least recently drawn are dropped beyond this.
pub const THUMB_CACHE: usize = 512;

/// Thumbnail textures, least-recently-used eviction.
#[derive(Default)]
pub struct ThumbCache {
    textures: HashMap<ThumbKey, (TextureHandle, u64)>,
    requested: HashSet<ThumbKey>,
    frame: u64,
}

impl ThumbCache {
    pub(super) fn next_frame(&mut self) {
        self.frame += 1;
    }

    pub(super) fn len(&self) -> usize {
        self.textures.len()
    }

    pub(super) fn clear(&mut self) {
        self.textures.clear();
        self.requested.clear();
    }

    pub(super) fn insert(&mut self, ctx: &egui::Context, key: ThumbKey, size: [usize; 2], rgba: &[u8]) {
        self.requested.remove(&key);
        let image = egui::ColorImage::from_rgba_unmultiplied(size, rgba);
        let name = format!("{key:?}");
        let texture = ctx.load_texture(name, image, TextureOptions::LINEAR);
        self.textures.insert(key, (texture, self.frame));
        if self.textures.len() > THUMB_CACHE {
            let mut by_age: Vec<(u64, ThumbKey)> = self.textures.iter().map(|(k, (_, f))| (*f, k.clone())).collect();
            by_age.sort_by_key(|(f, _)| *f);
            for (_, k) in by_age.into_iter().take(self.textures.len() - THUMB_CACHE) {
                self.textures.remove(&k);
            }
        }
    }

    /// The texture of `key`, asking the worker for it when it is neither cached nor on its way.
    pub(super) fn get(&mut self, key: &ThumbKey, worker: &super::worker::WorkerHandle) -> Option<TextureHandle> {
        if let Some((tex, used)) = self.textures.get_mut(key) {
            *used = self.frame;
            return Some(tex.clone());
        }
        if self.requested.insert(key.clone()) {
            worker.send(Command::LoadThumbnail(key.clone()));
        }
        None
    }
}

/// Draws one tile: the image fitted in a square, a caption below. `label` is its accessible name.
pub(super) fn tile(ui: &mut egui::Ui, texture: Option<&TextureHandle>, side: f32, caption: &str, label: &str, selected: bool) -> egui::Response {
    let text_h = ui.text_style_height(&egui::TextStyle::Small) + 2.0;
    let (rect, response) = ui.allocate_exact_size(vec2(side, side + text_h), Sense::click());
    response.widget_info(|| egui::WidgetInfo::selected(egui::accesskit::Role::Button, true, selected, label));
    if ui.is_rect_visible(rect) {
        let image_rect = Rect::from_min_size(rect.min, Vec2::splat(side));
        let painter = ui.painter();
        painter.rect_filled(image_rect, 4.0, ui.visuals().extreme_bg_color);
        match texture {
            Some(tex) => {
                let size = tex.size_vec2();
                let scale = (side / size.x).min(side / size.y);
                let fitted = Rect::from_center_size(image_rect.center(), size * scale);
                painter.image(tex.id(), fitted, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
            }
            None => {
                painter.text(image_rect.center(), egui::Align2::CENTER_CENTER, "…", egui::FontId::proportional(16.0), ui.visuals().weak_text_color());
            }
        }
        if selected || response.hovered() {
            let colour = if selected { ui.visuals().selection.stroke.color } else { ui.visuals().widgets.hovered.fg_stroke.color };
            painter.rect_stroke(image_rect, 4.0, egui::Stroke::new(2.0, colour), egui::StrokeKind::Inside);
        }
        let font = egui::TextStyle::Small.resolve(ui.style());
        let galley = ui.fonts_mut(|f| {
            f.layout_job(egui::text::LayoutJob {
                wrap: egui::text::TextWrapping::truncate_at_width(side),
                ..egui::text::LayoutJob::simple_singleline(caption.to_owned(), font, ui.visuals().text_color())
            })
        });
        painter.galley(pos2(rect.min.x, image_rect.max.y + 1.0), galley, ui.visuals().text_color());
    }
    response.on_hover_text(label)
}

/// Rows and columns of a grid of `n` tiles in the available width.
fn grid_shape(ui: &egui::Ui, side: f32, n: usize) -> (usize, usize) {
    let spacing = ui.spacing().item_spacing.x;
    let cols = (((ui.available_width() + spacing) / (side + spacing)).floor() as usize).max(1);
    (cols, n.div_ceil(cols))
}

impl KindredApp {
    /// All artworks, as a virtualised grid; clicking one queries with it.
    pub(super) fn library_grid(&mut self, ui: &mut egui::Ui) {
        let side = self.settings.thumb_size;
        let n = self.artworks.as_ref().map_or(0, Vec::len);
        ui.label(format!("{n} artworks — click one to find its kindred"));
        let (cols, rows) = grid_shape(ui, side, n);
        let row_h = side + ui.text_style_height(&egui::TextStyle::Small) + 2.0;
        let mut clicked = None;
        egui::ScrollArea::vertical().id_salt("library-grid").auto_shrink([false, false]).show_rows(ui, row_h, rows, |ui, range| {
            let Some(list) = self.artworks.as_ref() else { return };
            for row in range {
                ui.horizontal(|ui| {
                    for a in list.iter().skip(row * cols).take(cols) {
                        let key = ThumbKey::Artwork(a.id);
                        let tex = self.thumbs.get(&key, &self.worker);
                        let name = file_name(&a.path);
                        if tile(ui, tex.as_ref(), side, &name, &format!("artwork: {name}"), false).clicked() {
                            clicked = Some(TrailEntry::artwork(a.id, &a.path));
                        }
                    }
                });
            }
        });
        if let Some(entry) = clicked {
            self.query(entry);
        }
    }

    /// The query image and controls beside its ranked results.
    pub(super) fn query_view(&mut self, ui: &mut egui::Ui) {
        self.trail_ui(ui);
        ui.separator();
        let Some(current) = self.trail.last().cloned() else { return };
        ui.horizontal(|ui| {
            let tex = self.thumbs.get(&current.key, &self.worker);
            tile(ui, tex.as_ref(), 160.0, &current.name, &format!("query: {}", current.name), false);
            ui.vertical(|ui| {
                ui.heading(format!("Kindred of {}", current.name));
                self.aspect_controls(ui);
            });
        });
        ui.separator();
        let side = self.settings.thumb_size;
        let Some(hits) = self.hits.clone() else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Searching…");
            });
            return;
        };
        if hits.is_empty() {
            if self.settings.weights.validate().is_err() {
                ui.label("Give at least one aspect a positive weight.");
            } else {
                ui.label("No results.");
            }
            return;
        }
        let (cols, rows) = grid_shape(ui, side, hits.len());
        self.columns = cols;
        let row_h = side + ui.text_style_height(&egui::TextStyle::Small) + 2.0;
        let mut hop = None;
        egui::ScrollArea::vertical().id_salt("results").auto_shrink([false, false]).show_rows(ui, row_h, rows, |ui, range| {
            for row in range {
                ui.horizontal(|ui| {
                    for (i, hit) in hits.iter().enumerate().skip(row * cols).take(cols) {
                        let tex = self.thumbs.get(&ThumbKey::Artwork(hit.id), &self.worker);
                        let name = file_name(&hit.path);
                        let missing = if hit.missing { " (missing)" } else { "" };
                        let caption = format!("{:.2}  {name}{missing}", hit.score);
                        let label = format!("result {}: {name}{missing}, score {:.2}", i + 1, hit.score);
                        let selected = self.selected == Some(i);
                        let response = tile(ui, tex.as_ref(), side, &caption, &label, selected);
                        if selected && response.rect.is_positive() {
                            // Keep the keyboard selection in view.
                            if !ui.clip_rect().contains_rect(response.rect) {
                                response.scroll_to_me(None);
                            }
                        }
                        if response.clicked() {
                            hop = Some(TrailEntry::artwork(hit.id, &hit.path));
                        }
                    }
                });
            }
        });
        if let Some(entry) = hop {
            self.hop(entry);
        }
    }

    fn aspect_controls(&mut self, ui: &mut egui::Ui) {
        let mut mode = None;
        ui.horizontal(|ui| {
            ui.label("Compare:");
            let options = [
                (AspectMode::All, "All"),
                (AspectMode::Only(Aspect::Colour), "Colour"),
                (AspectMode::Only(Aspect::Texture), "Texture"),
                (AspectMode::Only(Aspect::Shape), "Shape"),
            ];
            for (m, text) in options {
                if ui.selectable_label(self.settings.aspect == m, text).clicked() && self.settings.aspect != m {
                    mode = Some(m);
                }
            }
        });
        if let Some(m) = mode {
            self.set_aspect(m);
        }
        let mut changed = false;
        egui::CollapsingHeader::new("Weights").id_salt("weights").show(ui, |ui| {
            for aspect in Aspect::ALL {
                let name = match aspect {
                    Aspect::Colour => "Colour weight",
                    Aspect::Texture => "Texture weight",
                    Aspect::Shape => "Shape weight",
                };
                changed |= ui.add(egui::Slider::new(self.settings.weights.get_mut(aspect), 0.0..=1.0).text(name)).changed();
            }
        });
        if changed {
            self.settings.aspect = AspectMode::Custom;
            self.run_search();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnail_cache_keeps_the_most_recently_used() {
        let ctx = egui::Context::default();
        let mut cache = ThumbCache::default();
        let pixel = [1u8, 2, 3, 255];
        for id in 0..THUMB_CACHE as i64 {
            cache.next_frame();
            cache.insert(&ctx, ThumbKey::Artwork(id), [1, 1], &pixel);
        }
        assert_eq!(cache.len(), THUMB_CACHE);
        // Artwork 0 is drawn again, so artwork 1 is now the least recently used.
        cache.next_frame();
        let (tx, _rx) = crossbeam_channel::unbounded();
        let worker = super::super::worker::WorkerHandle::detached(tx);
        assert!(cache.get(&ThumbKey::Artwork(0), &worker).is_some());
        cache.next_frame();
        cache.insert(&ctx, ThumbKey::Artwork(10_000), [1, 1], &pixel);
        assert_eq!(cache.len(), THUMB_CACHE, "bounded");
        assert!(cache.textures.contains_key(&ThumbKey::Artwork(0)));
        assert!(!cache.textures.contains_key(&ThumbKey::Artwork(1)), "least recently used evicted");
        assert!(cache.textures.contains_key(&ThumbKey::Artwork(10_000)));
    }
}
