//! The Duplicates view: the library's groups of copies (byte-identical files, and near-duplicates
//! by the library's one test, `crate::duplicates`), found by the worker, each member with its
//! thumbnail, path, size and dimensions, the best first. Per member: open, reveal, add to a board,
//! and "keep only this one", which asks first, then moves the others to the system trash.

use eframe::egui;

use crate::catalog::ArtworkId;
use crate::duplicates::{DuplicateGroup, Member, Sameness};
use crate::readable::{file_size, thousands};

use super::action::Action;
use super::app::file_name;
use super::frame::Frame;
use super::worker::ThumbKey;

/// Groups drawn at first; "Show more groups" adds as many again (a large library has thousands).
const GROUPS_SHOWN: usize = 50;
/// Side of a member's thumbnail, points.
const THUMB: f32 = 150.0;
/// Width of a member's card, points.
const CARD: f32 = 230.0;

/// The Duplicates view's state.
#[derive(Default)]
pub struct DuplicatesView {
    /// The groups once found (`None` while the worker looks), or why they could not be.
    pub(super) groups: Option<Result<Vec<DuplicateGroup>, String>>,
    /// How many groups are drawn.
    pub(super) shown: usize,
    /// "Keep only this one" asked: (group, member kept), waiting for the confirmation.
    pub(super) confirm: Option<(usize, usize)>,
    /// Files are being moved to the trash.
    pub(super) trashing: bool,
}

impl DuplicatesView {
    /// A view waiting for the worker's groups.
    pub(super) fn new() -> Self {
        Self { shown: GROUPS_SHOWN, ..Self::default() }
    }

    /// The groups, once found.
    pub fn groups(&self) -> Option<&[DuplicateGroup]> {
        self.groups.as_ref()?.as_ref().ok().map(Vec::as_slice)
    }

    /// Artwork kept and artworks trashed by the pending confirmation.
    pub(super) fn confirmed(&self) -> Option<(ArtworkId, Vec<ArtworkId>)> {
        let (g, keep) = self.confirm?;
        let members = &self.groups()?.get(g)?.members;
        let kept = members.get(keep)?.id;
        Some((kept, members.iter().map(|m| m.id).filter(|&id| id != kept).collect()))
    }

    /// Shows the more groups.
    pub(super) fn show_more(&mut self) {
        self.shown += GROUPS_SHOWN;
    }

    pub(super) fn show(&self, ui: &mut egui::Ui, frame: &mut Frame) {
        let groups = match &self.groups {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    match &frame.waiting {
                        Some(job) => ui.label(format!("Duplicates: waiting for {job}…")),
                        None => ui.label("Looking for copies…"),
                    };
                });
                return;
            }
            Some(Err(why)) => {
                ui.label(format!("Copies could not be looked for: {why}"));
                return;
            }
            Some(Ok(groups)) => groups,
        };
        self.header(ui, groups, frame);
        if groups.is_empty() {
            ui.add_space(16.0);
            ui.label("No copies: no two artworks in the library are the same picture.");
            return;
        }
        egui::ScrollArea::vertical().id_salt("duplicates").auto_shrink([false, false]).show(ui, |ui| {
            for (g, group) in groups.iter().enumerate().take(self.shown) {
                group_card(ui, g, group, frame);
                ui.add_space(8.0);
            }
            if groups.len() > self.shown && ui.button(format!("Show more groups ({} more)", thousands(groups.len() - self.shown))).clicked()
            {
                frame.act(Action::MoreDuplicates);
            }
        });
        if let Some((g, keep)) = self.confirm
            && let Some(group) = groups.get(g)
        {
            confirm(ui.ctx(), group, keep, frame);
        }
    }

    /// "12 groups: 5 exact, 7 near · 18 files could go (40.2 MB)", Find again.
    fn header(&self, ui: &mut egui::Ui, groups: &[DuplicateGroup], frame: &mut Frame) {
        ui.horizontal(|ui| {
            ui.heading("Duplicates");
            let exact = groups.iter().filter(|g| g.kind == Sameness::Exact).count();
            let spare: Vec<&Member> = groups.iter().flat_map(|g| &g.members[1..]).collect();
            let bytes: u64 = spare.iter().map(|m| m.size).sum();
            ui.label(format!(
                "{} groups: {} exact, {} near · {} files beside the best of their group ({})",
                thousands(groups.len()),
                thousands(exact),
                thousands(groups.len() - exact),
                thousands(spare.len()),
                file_size(bytes)
            ));
            if self.trashing {
                ui.spinner();
                ui.label("Moving to the trash…");
            }
            if ui.add_enabled(!self.trashing, egui::Button::new("Find again")).on_hover_text("Look for copies again").clicked() {
                frame.act(Action::ShowDuplicates);
            }
        });
        ui.weak("Best first: most pixels, then the largest file. Nothing is moved unless you choose “Keep only this one” and confirm.");
        ui.add_space(4.0);
    }
}

/// One group: its kind and its members side by side.
fn group_card(ui: &mut egui::Ui, g: usize, group: &DuplicateGroup, frame: &mut Frame) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        let kind = match group.kind {
            Sameness::Exact => "Exact copies (the same bytes)",
            Sameness::Near => "Near-duplicates (resized, re-encoded, cropped or retouched)",
        };
        ui.strong(format!("{kind} · {} files", group.members.len()));
        ui.horizontal_wrapped(|ui| {
            for (i, member) in group.members.iter().enumerate() {
                member_card(ui, g, i, member, frame);
            }
        });
    });
}

/// A member: thumbnail, name, folder, dimensions and size, and what can be done with it.
fn member_card(ui: &mut egui::Ui, g: usize, i: usize, m: &Member, frame: &mut Frame) {
    ui.allocate_ui(egui::vec2(CARD, THUMB + 150.0), |ui| {
        ui.vertical(|ui| {
            ui.set_width(CARD);
            let (rect, _) = ui.allocate_exact_size(egui::vec2(THUMB, THUMB), egui::Sense::hover());
            // Only cards on screen ask for their thumbnail.
            if ui.is_rect_visible(rect) {
                match frame.thumb(&ThumbKey::Artwork(m.id)) {
                    Some(tex) => {
                        let size = tex.size_vec2();
                        let scale = (THUMB / size.x.max(size.y)).min(1.0);
                        let fitted = egui::Rect::from_center_size(rect.center(), size * scale);
                        ui.painter().image(
                            tex.id(),
                            fitted,
                            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                            egui::Color32::WHITE,
                        );
                    }
                    None => {
                        ui.painter().rect_filled(rect, 4.0, ui.visuals().faint_bg_color);
                    }
                }
            }
            let name = file_name(&m.path);
            if i == 0 {
                ui.label(egui::RichText::new(format!("Best · {name}")).strong());
            } else {
                ui.label(egui::RichText::new(&name).strong());
            }
            let folder = m.path.parent().map_or_else(String::new, |p| p.display().to_string());
            ui.add(egui::Label::new(egui::RichText::new(folder).small().weak()).truncate()).on_hover_text(m.path.display().to_string());
            let dims = match (m.width, m.height) {
                (Some(w), Some(h)) => format!("{} × {}", thousands(w as usize), thousands(h as usize)),
                _ => "size unknown".to_string(),
            };
            ui.label(format!("{dims} · {}", file_size(m.size)));
            ui.horizontal(|ui| {
                if ui.button("Open").on_hover_text("Open with the default application").clicked() {
                    frame.act(Action::Open(m.path.clone()));
                }
                if ui.button("Reveal").on_hover_text("Show in its folder").clicked() {
                    frame.act(Action::Reveal(m.path.clone()));
                }
                if ui.button("Add to board…").clicked() {
                    frame.act(Action::PickBoardFor(vec![m.id]));
                }
            });
            if ui
                .button("Keep only this one")
                .on_hover_text("Move the other files of this group to the system trash (asks first)")
                .clicked()
            {
                frame.act(Action::AskKeepOnly { group: g, keep: i });
            }
        });
    });
}

/// The confirmation: which file stays, which go to the trash.
fn confirm(ctx: &egui::Context, group: &DuplicateGroup, keep: usize, frame: &mut Frame) {
    let Some(kept) = group.members.get(keep) else { return };
    let others: Vec<&Member> = group.members.iter().enumerate().filter(|(i, _)| *i != keep).map(|(_, m)| m).collect();
    let modal = egui::Modal::new(egui::Id::unique("keep-only-this-one")).show(ctx, |ui| {
        ui.set_max_width(640.0);
        ui.heading(format!("Keep only {}?", file_name(&kept.path)));
        ui.label(format!("Kept: {}", kept.path.display()));
        ui.add_space(6.0);
        let n = others.len();
        ui.label(if n == 1 {
            "This file goes to the system trash:".to_string()
        } else {
            format!("These {n} files go to the system trash:")
        });
        for m in &others {
            ui.label(format!("  {}  ({})", m.path.display(), file_size(m.size)));
        }
        ui.add_space(6.0);
        ui.weak("You can restore them from the trash; Kindred notes them as moved there and brings them back when they return.");
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let what = if n == 1 { "Move 1 file to the trash".to_string() } else { format!("Move {n} files to the trash") };
            if ui.button(what).clicked() {
                frame.act(Action::KeepOnly);
            }
            if ui.button("Cancel").clicked() {
                frame.act(Action::CancelKeepOnly);
            }
        });
    });
    if modal.should_close() {
        frame.act(Action::CancelKeepOnly);
    }
}

impl super::app::KindredApp {
    /// Carries out the Duplicates view's actions.
    pub(super) fn apply_duplicates(&mut self, action: Action) {
        use super::state::View;
        use super::worker::Command;
        match action {
            Action::ShowDuplicates => {
                self.lightbox = None;
                // The map is drawn over the view: closed, so the groups (and the confirmation) show.
                self.map = None;
                self.view = View::Duplicates(DuplicatesView::new());
                self.worker.send(Command::FindDuplicates);
            }
            Action::MoreDuplicates => {
                if let View::Duplicates(d) = &mut self.view {
                    d.show_more();
                }
            }
            Action::AskKeepOnly { group, keep } => {
                if let View::Duplicates(d) = &mut self.view
                    && !d.trashing
                {
                    d.confirm = Some((group, keep));
                }
            }
            Action::CancelKeepOnly => {
                if let View::Duplicates(d) = &mut self.view {
                    d.confirm = None;
                }
            }
            Action::KeepOnly => {
                if let View::Duplicates(d) = &mut self.view
                    && let Some((keep, others)) = d.confirmed()
                {
                    d.confirm = None;
                    d.trashing = true;
                    self.worker.send(Command::KeepOnly { keep, others, trash: self.trash.clone() });
                }
            }
            Action::PickBoardFor(artworks) if !artworks.is_empty() => {
                self.boards.picker = Some(super::boards::Picker { artworks, new_name: String::new() });
            }
            _ => {}
        }
    }

    /// The worker's groups of copies, for the Duplicates view if it is still shown.
    pub(super) fn duplicates_found(&mut self, groups: Result<Vec<DuplicateGroup>, String>) {
        if let super::state::View::Duplicates(d) = &mut self.view {
            d.groups = Some(groups);
            d.trashing = false;
            // The confirmation names places in the old list: asked again on the new one.
            d.confirm = None;
        }
    }

    /// Says what "keep only this one" did.
    pub(super) fn kept_only(&mut self, done: crate::library::KeptOnly) {
        let n = done.trashed.len();
        let mut message = format!(
            "Kept {}; moved {} to the system trash.",
            file_name(&done.kept),
            if n == 1 { "1 file".to_string() } else { format!("{n} files") }
        );
        if !done.left.is_empty() {
            let left: Vec<String> = done.left.iter().map(|(p, why)| format!("{} ({why})", file_name(p))).collect();
            message += &format!(" Left where they are: {}.", left.join("; "));
        }
        self.banner = Some(message);
    }

    /// Sends "keep only this one" to `trash` instead of the system trash (tests; an embedder's
    /// own policy).
    pub fn set_trash(&mut self, trash: std::sync::Arc<dyn crate::library::Trash>) {
        self.trash = trash;
    }

    /// The Duplicates view, when shown.
    pub fn duplicates_view(&self) -> Option<&DuplicatesView> {
        match &self.view {
            super::state::View::Duplicates(d) => Some(d),
            _ => None,
        }
    }
}
