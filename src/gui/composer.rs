//! The composer: one query made of several images, each for an aspect ("drop an image here for its
//! colour"), a palette composed with a colour picker, and a "less like" list. Every change re-ranks
//! the results at once. It fills the same [`Composition`] as `kindred search --colour-from …`.

use eframe::egui;
use egui::{Color32, Rect, Sense, vec2};
use std::path::PathBuf;

use super::action::Action;
use super::app::file_name;
use super::frame::Frame;
use super::tile::{TileText, tile};
use super::trail::TrailEntry;
use super::worker::ThumbKey;
use crate::aspect::Aspect;
use crate::colour::Swatch;
use crate::compose::Composition;
use crate::palette::hex;
use crate::query::Query;

/// Side of a source's thumbnail.
const SOURCE_SIDE: f32 = 56.0;

/// Where an image goes in the composition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Compared in this aspect only.
    Aspect(Aspect),
    /// Pushed away in every aspect.
    Away,
}

impl Slot {
    const ALL: [Slot; 4] = [Slot::Aspect(Aspect::Colour), Slot::Aspect(Aspect::Texture), Slot::Aspect(Aspect::Shape), Slot::Away];

    fn title(self) -> &'static str {
        match self {
            Slot::Aspect(Aspect::Colour) => "Colour from",
            Slot::Aspect(Aspect::Texture) => "Texture from",
            Slot::Aspect(Aspect::Shape) => "Shape from",
            Slot::Away => "Less like",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Slot::Aspect(Aspect::Colour) => "drop an image here for its colour",
            Slot::Aspect(Aspect::Texture) => "drop an image here for its texture",
            Slot::Aspect(Aspect::Shape) => "drop an image here for its shape",
            Slot::Away => "drop an image here to see less like it",
        }
    }
}

/// An image of the composition, as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// What it searches with.
    pub query: Query,
    /// Its thumbnail.
    pub key: ThumbKey,
    /// Its file name.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
}

impl Member {
    /// A trail entry's image (a library artwork or a file).
    pub fn of(entry: &TrailEntry) -> Option<Self> {
        matches!(entry.query, Query::Artwork(_) | Query::File(_)).then(|| Member {
            query: entry.query.clone(),
            key: entry.key.clone(),
            name: entry.name.clone(),
            path: entry.path.clone(),
        })
    }

    fn file(path: PathBuf) -> Self {
        Member { query: Query::File(path.clone()), key: ThumbKey::File(path.clone()), name: file_name(&path), path }
    }
}

/// The composer's state.
#[derive(Default)]
pub struct Composer {
    /// Shown (a window over the view).
    pub open: bool,
    /// The images of each slot.
    members: Vec<(Slot, Member)>,
    /// The composed palette (a colour source), equal shares.
    palette: Vec<[u8; 3]>,
    /// The colour picker's colour.
    picked: [u8; 3],
    /// Each slot's drop zone as last drawn: a file dropped over it goes to that slot.
    zones: Vec<(Slot, Rect)>,
}

impl Composer {
    /// Adds an image to a slot (once).
    pub fn add(&mut self, slot: Slot, member: Member) {
        if !self.members.iter().any(|(s, m)| *s == slot && m.query == member.query) {
            self.members.push((slot, member));
        }
    }

    /// The images in a slot.
    pub fn members(&self, slot: Slot) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(move |(s, _)| *s == slot).map(|(_, m)| m)
    }

    /// The composition to search with.
    pub fn composition(&self) -> Composition {
        let mut c = Composition::default();
        for (slot, m) in &self.members {
            match slot {
                Slot::Aspect(a) => c.sources[*a].push(m.query.clone()),
                Slot::Away => c.away.push((m.query.clone(), None)),
            }
        }
        if !self.palette.is_empty() {
            c.sources.colour.push(Query::Palette(palette_swatches(&self.palette)));
        }
        c
    }

    /// The trail entry the composition searches as (`None` while nothing pulls).
    pub fn entry(&self) -> Option<TrailEntry> {
        let query = self.composition().query().ok()?;
        let first = self.members.iter().find(|(s, _)| *s != Slot::Away).map(|(_, m)| m);
        let (key, path) = first.map_or((ThumbKey::File(PathBuf::new()), PathBuf::new()), |m| (m.key.clone(), m.path.clone()));
        let mut entry = TrailEntry::file(path);
        entry.query = query;
        entry.key = key;
        entry.name = self.describe();
        entry.composed = true;
        Some(entry)
    }

    /// "colour: a.png + shape: b.png − c.png", for the trail and the heading.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        for aspect in Aspect::ALL {
            let names: Vec<&str> = self.members(Slot::Aspect(aspect)).map(|m| m.name.as_str()).collect();
            if !names.is_empty() {
                parts.push(format!("{aspect}: {}", names.join(", ")));
            }
        }
        if !self.palette.is_empty() {
            parts.push(format!("palette {}", self.palette.iter().map(|c| hex(*c)).collect::<Vec<_>>().join(" ")));
        }
        let mut text = parts.join(" + ");
        for m in self.members(Slot::Away) {
            text.push_str(&format!(" − {}", m.name));
        }
        text
    }

    /// Takes files dropped over one of the drop zones (before the window's own drop handling, which
    /// would make them the query): true when the composition changed.
    pub fn take_drops(&mut self, ctx: &egui::Context) -> bool {
        if !self.open {
            return false;
        }
        let Some(pos) = ctx.input(|i| i.pointer.hover_pos().or(i.pointer.latest_pos())) else { return false };
        let Some(slot) = self.zones.iter().find(|(_, r)| r.contains(pos)).map(|(s, _)| *s) else { return false };
        let dropped: Vec<PathBuf> =
            ctx.input_mut(|i| std::mem::take(&mut i.raw.dropped_files)).iter().map(|f| f.path().to_path_buf()).collect();
        let files: Vec<PathBuf> = dropped.into_iter().filter(|p| p.is_file()).collect();
        for path in &files {
            self.add(slot, Member::file(path.clone()));
        }
        !files.is_empty()
    }

    /// The composer window; `subject` is what the detail panel shows (added by the "+" buttons).
    pub(super) fn show(&mut self, ctx: &egui::Context, subject: Option<Member>, frame: &mut Frame) {
        if !self.open {
            return;
        }
        let mut open = true;
        let mut changed = false;
        self.zones.clear();
        egui::Window::new("Compose a search").open(&mut open).default_width(420.0).show(ctx, |ui| {
            ui.label("Each aspect from its own images; results re-rank as you change it.");
            for slot in Slot::ALL {
                ui.separator();
                ui.horizontal(|ui| {
                    ui.strong(slot.title());
                    if let Some(m) = &subject
                        && ui.button("+ selected").on_hover_text(format!("Add {} here", m.name)).clicked()
                    {
                        self.add(slot, m.clone());
                        changed = true;
                    }
                });
                let zone = ui.horizontal_wrapped(|ui| {
                    let mut remove = None;
                    for (i, (s, m)) in self.members.iter().enumerate().filter(|(_, (s, _))| *s == slot) {
                        let label = format!("{} source: {}", s.title(), m.name);
                        let tex = frame.thumb(&m.key);
                        let text = TileText { caption: "", sub: None, label: &label, look: None, badge: None };
                        let t = tile(ui, tex.as_ref(), SOURCE_SIDE, &text, false);
                        if t.response.on_hover_text(format!("{} (click to take it out)", m.name)).clicked() {
                            remove = Some(i);
                        }
                    }
                    if let Some(i) = remove {
                        self.members.remove(i);
                        changed = true;
                    }
                    ui.weak(slot.hint());
                });
                self.zones.push((slot, zone.response.rect));
                if slot == Slot::Aspect(Aspect::Colour) {
                    changed |= self.palette_row(ui);
                }
            }
            ui.separator();
            ui.horizontal(|ui| {
                if ui.button("Clear").clicked() {
                    self.members.clear();
                    self.palette.clear();
                    changed = true;
                }
                if self.composition().is_empty() {
                    ui.weak("Add an image or a colour to search.");
                }
            });
        });
        if !open {
            self.open = false;
        }
        if changed {
            frame.act(Action::Compose);
        }
    }

    /// The composed palette: its swatches (click to take one out), a colour picker and "Add".
    fn palette_row(&mut self, ui: &mut egui::Ui) -> bool {
        let mut changed = false;
        ui.horizontal_wrapped(|ui| {
            ui.label("Palette:");
            let mut remove = None;
            for (i, rgb) in self.palette.iter().enumerate() {
                let (rect, response) = ui.allocate_exact_size(vec2(24.0, 24.0), Sense::click());
                ui.painter().rect_filled(rect, 3.0, Color32::from_rgb(rgb[0], rgb[1], rgb[2]));
                let name = format!("palette colour {}", hex(*rgb));
                response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &name));
                if response.on_hover_text(format!("{} (click to take it out)", hex(*rgb))).clicked() {
                    remove = Some(i);
                }
            }
            if let Some(i) = remove {
                self.palette.remove(i);
                changed = true;
            }
            ui.color_edit_button_srgb(&mut self.picked).on_hover_text("Pick a colour");
            if ui.button("Add colour").clicked() && !self.palette.contains(&self.picked) {
                self.palette.push(self.picked);
                changed = true;
            }
        });
        changed
    }
}

/// Equal shares of a palette's colours.
fn palette_swatches(colours: &[[u8; 3]]) -> Vec<Swatch> {
    colours.iter().map(|&rgb| Swatch { rgb, weight: 1.0 / colours.len() as f32 }).collect()
}

/// The search for one swatch of an artwork's palette (a click on it in the detail panel).
pub(super) fn palette_entry(rgb: [u8; 3]) -> TrailEntry {
    let mut entry = TrailEntry::file(PathBuf::new());
    entry.query = Query::Palette(palette_swatches(&[rgb]));
    entry.name = format!("palette {}", hex(rgb));
    entry
}
