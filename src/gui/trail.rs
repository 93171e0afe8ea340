//! The trail: the queries hopped through, shown as small breadcrumbs; clicking one goes back to it.

use eframe::egui;
use std::path::{Path, PathBuf};

use crate::catalog::ArtworkId;
use crate::search::Query;

use super::action::Action;
use super::app::file_name;
use super::frame::Frame;
use super::lightbox::Item;
use super::tile::{TileText, tile};
use super::worker::ThumbKey;

/// Side of a breadcrumb thumbnail.
const CRUMB: f32 = 40.0;

/// One query on the trail.
#[derive(Clone, Debug)]
pub struct TrailEntry {
    /// What is searched with.
    pub query: Query,
    /// Display name (file name).
    pub name: String,
    /// Its image.
    pub key: ThumbKey,
    /// Its file.
    pub path: PathBuf,
    /// "More like this board": the board searched with (through the library's board query).
    pub board: Option<crate::board::BoardId>,
    /// Made by the composer: its changes re-rank this entry in place.
    pub composed: bool,
}

impl TrailEntry {
    /// A library artwork as a query.
    pub fn artwork(id: ArtworkId, path: &Path) -> Self {
        Self {
            query: Query::Artwork(id),
            name: file_name(path),
            key: ThumbKey::Artwork(id),
            path: path.to_path_buf(),
            board: None,
            composed: false,
        }
    }

    /// An image file as a query.
    pub fn file(path: PathBuf) -> Self {
        Self {
            name: file_name(&path),
            key: ThumbKey::File(path.clone()),
            query: Query::File(path.clone()),
            path,
            board: None,
            composed: false,
        }
    }

    /// A board as one query, shown by its first artwork.
    pub fn board(board: crate::board::BoardId, name: &str, first: ArtworkId, first_path: &Path) -> Self {
        Self {
            query: Query::Artwork(first),
            name: format!("board {name}"),
            key: ThumbKey::Artwork(first),
            path: first_path.to_path_buf(),
            board: Some(board),
            composed: false,
        }
    }

    /// As a lightbox item.
    pub(super) fn item(&self) -> Item {
        let id = match &self.query {
            Query::Artwork(id) => Some(*id),
            Query::File(_) | Query::Blend(_) | Query::Palette(_) | Query::Region { .. } => None,
        };
        Item { id, path: self.path.clone() }
    }
}

/// Draws the breadcrumbs; the last is the current query.
pub(super) fn show(ui: &mut egui::Ui, trail: &[TrailEntry], frame: &mut Frame) {
    egui::ScrollArea::horizontal().id_salt("trail").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label("Trail:");
            for (i, entry) in trail.iter().enumerate() {
                if i > 0 {
                    ui.label("›");
                }
                let tex = frame.thumb(&entry.key);
                let current = i + 1 == trail.len();
                let label = format!("trail {}: {}", i + 1, entry.name);
                let text = TileText { caption: "", sub: None, label: &label, look: None, badge: None };
                if tile(ui, tex.as_ref(), CRUMB, &text, current).response.clicked() && !current {
                    frame.act(Action::BackTo(i));
                }
            }
        });
    });
}
