//! The results grid: ranked tiles with score and folder captions. [`GridNav`], the selection and
//! scroll position of a grid, is shared with the library grid.

use eframe::egui;
use std::path::Path;

use super::action::Action;
use super::app::file_name;
use super::frame::Frame;
use super::lightbox::Source;
use super::ranked::Ranked;
use super::tile::{TileText, caption_height, grid_shape, tile};
use super::trail::TrailEntry;
use super::worker::ThumbKey;

/// A key's move through a grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Previous tile.
    Left,
    /// Next tile.
    Right,
    /// One row up.
    Up,
    /// One row down.
    Down,
    /// The first tile (Home).
    First,
    /// The last tile (End).
    Last,
    /// One screenful up (Page Up).
    PageUp,
    /// One screenful down (Page Down).
    PageDown,
}

/// What a grid draws: how many tiles, how large, and the room kept below it.
pub(super) struct Layout<'a> {
    /// Names the grid's scroll area.
    pub id_salt: &'a str,
    /// Number of tiles.
    pub n: usize,
    /// Tile side in points.
    pub side: f32,
    /// Caption lines under each tile.
    pub caption_lines: usize,
    /// Height kept below the grid (a "Show more" button).
    pub footer: f32,
}

/// Selection and scroll position of a grid of tiles.
#[derive(Debug)]
pub struct GridNav {
    /// Selected tile, shown in the detail panel.
    pub(super) selected: Option<usize>,
    /// Tiles per row, from the last frame (for Up/Down).
    columns: usize,
    /// Rows in view, from the last frame (for Page Up/Down).
    rows_in_view: usize,
    /// Open at the top on the next draw (a new query).
    to_top: bool,
    /// Scroll the selection into view on the next draw (it moved by key or lightbox).
    reveal: bool,
    /// The first tile in view and the tile side it was drawn at: when the side changes, the grid
    /// scrolls so that the same tile stays first in view.
    first_in_view: usize,
    side: f32,
    /// The scroll offset at the last frame.
    offset: f32,
    /// Tiles Ctrl/Shift-clicked besides the selection (several artworks for a board).
    pub(super) marked: std::collections::BTreeSet<usize>,
}

/// How a tile was clicked: alone, Ctrl (toggle it among several) or Shift (a range).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClickHow {
    /// A plain click: this tile alone.
    Only,
    /// Ctrl (Cmd on macOS): add it to, or take it from, the chosen tiles.
    Toggle,
    /// Shift: every tile from the selection to this one.
    Range,
}

impl ClickHow {
    /// From the modifiers held during the click.
    pub(super) fn of(ui: &egui::Ui) -> Self {
        let m = ui.input(|i| i.modifiers);
        if m.shift {
            ClickHow::Range
        } else if m.command {
            ClickHow::Toggle
        } else {
            ClickHow::Only
        }
    }
}

impl Default for GridNav {
    fn default() -> Self {
        Self {
            selected: None,
            columns: 1,
            rows_in_view: 1,
            to_top: true,
            reveal: false,
            first_in_view: 0,
            side: 0.0,
            offset: 0.0,
            marked: Default::default(),
        }
    }
}

impl GridNav {
    /// Moves the selection among `n` tiles; the first step from no selection selects the first.
    pub(super) fn step(&mut self, step: Step, n: usize) {
        if n == 0 {
            return;
        }
        let cols = self.columns.max(1) as isize;
        let page = cols * self.rows_in_view.max(1) as isize;
        let last = n as isize - 1;
        let to = match (self.selected, step) {
            (_, Step::First) => 0,
            (_, Step::Last) => last,
            (None, _) => 0,
            (Some(s), step) => {
                let offset = match step {
                    Step::Left => -1,
                    Step::Right => 1,
                    Step::Up => -cols,
                    Step::Down => cols,
                    Step::PageUp => -page,
                    Step::PageDown => page,
                    Step::First | Step::Last => unreachable!(),
                };
                (s as isize + offset).clamp(0, last)
            }
        };
        self.select(to as usize);
    }

    /// Selects tile `i` alone and scrolls it into view.
    pub(super) fn select(&mut self, i: usize) {
        self.selected = Some(i);
        self.marked.clear();
        self.reveal = true;
    }

    /// A click on tile `i`: alone, toggled among several, or a range from the selection.
    pub(super) fn click(&mut self, i: usize, how: ClickHow) {
        match (how, self.selected) {
            (ClickHow::Toggle, Some(s)) => {
                self.marked.insert(s);
                if self.marked.remove(&i) {
                    // Taken out: the selection moves to the last tile still chosen.
                    self.selected = self.marked.last().copied();
                } else {
                    self.marked.insert(i);
                    self.selected = Some(i);
                }
            }
            (ClickHow::Range, Some(s)) => {
                self.marked = (s.min(i)..=s.max(i)).collect();
                self.selected = Some(i);
            }
            _ => {
                self.selected = Some(i);
                self.marked.clear();
            }
        }
    }

    /// The chosen tiles, in order: the marked ones with the selection, or the selection alone.
    pub fn chosen(&self) -> Vec<usize> {
        let mut all: std::collections::BTreeSet<usize> = self.marked.clone();
        all.extend(self.selected);
        all.into_iter().collect()
    }

    /// Forgets the selection and opens at the top next time (a new list).
    pub(super) fn reset(&mut self) {
        self.selected = None;
        self.marked.clear();
        self.to_top = true;
        self.first_in_view = 0;
    }

    /// The first tile in view at the last frame.
    pub fn first_in_view(&self) -> usize {
        self.first_in_view
    }

    /// Draws `layout.n` tiles as a virtualised grid; `draw_tile(ui, i, selected, frame)` draws
    /// tile `i`.
    pub(super) fn show(
        &mut self,
        ui: &mut egui::Ui,
        layout: Layout<'_>,
        frame: &mut Frame,
        mut draw_tile: impl FnMut(&mut egui::Ui, usize, bool, &mut Frame),
    ) {
        let Layout { id_salt, n, side, caption_lines, footer } = layout;
        let (cols, rows) = grid_shape(ui, side, n);
        let row_h = side + caption_height(ui, caption_lines);
        let row_step = row_h + ui.spacing().item_spacing.y;
        let mut area = egui::ScrollArea::vertical().id_salt(id_salt).auto_shrink([false, false]).max_height(ui.available_height() - footer);
        if std::mem::take(&mut self.to_top) {
            area = area.vertical_scroll_offset(0.0);
        } else if self.side != side && self.side > 0.0 {
            // The thumbnail size changed: keep the same artworks in view.
            area = area.vertical_scroll_offset((self.first_in_view / cols) as f32 * row_step);
        } else if self.reveal
            && let Some(s) = self.selected
        {
            // Keep the selection in view (the rows around it may not be laid out at all).
            let row = (s / cols) as f32 * row_step;
            let offset = self.offset;
            let view_h = ui.available_height() - footer;
            if row < offset {
                area = area.vertical_scroll_offset(row);
            } else if row + row_h > offset + view_h {
                area = area.vertical_scroll_offset(row + row_h - view_h);
            }
        }
        self.reveal = false;
        self.side = side;
        self.columns = cols;
        self.rows_in_view = (((ui.available_height() - footer) / row_step).floor() as usize).max(1);
        let (selected, marked) = (self.selected, &self.marked);
        let output = area.show_rows(ui, row_h, rows, |ui, range| {
            for row in range {
                ui.horizontal(|ui| {
                    for i in (row * cols..(row + 1) * cols).take_while(|&i| i < n) {
                        draw_tile(ui, i, selected == Some(i) || marked.contains(&i), frame);
                    }
                });
            }
        });
        self.offset = output.state.clamped_offset().y.max(0.0);
        self.first_in_view = ((self.offset / row_step + 0.5).floor() as usize * cols).min(n.saturating_sub(1));
    }

    /// The scroll offset at the last frame, in points.
    pub fn offset(&self) -> f32 {
        self.offset
    }
}

/// The folder of a file, for a tile's second caption line.
pub(super) fn folder_name(path: &Path) -> String {
    path.parent().and_then(|p| p.file_name()).map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Draws the results; a click selects, a double-click hops, the magnifier opens the lightbox, a
/// picture's copies badge shows or folds its copies. `more`: there may be more results than shown
/// (a "Show more" button follows them).
pub(super) fn show(nav: &mut GridNav, ui: &mut egui::Ui, ranked: &Ranked, side: f32, more: bool, frame: &mut Frame) {
    let hits = ranked.hits();
    let footer = if more { ui.spacing().interact_size.y + 2.0 * ui.spacing().item_spacing.y } else { 0.0 };
    let layout = Layout { id_salt: "results", n: hits.len(), side, caption_lines: 2, footer };
    nav.show(ui, layout, frame, |ui, i, selected, frame| {
        let hit = &hits[i];
        let tex = frame.thumb(&ThumbKey::Artwork(hit.id));
        let name = file_name(&hit.path);
        let missing = if hit.missing { " (missing)" } else { "" };
        let caption = format!("{}  {name}{missing}", crate::readable::alike(hit.alike));
        let folder = folder_name(&hit.path);
        let sub = if ranked.is_copy(i) { format!("copy · {folder}") } else { folder.clone() };
        let label = format!("result {}: {name}{missing}, score {}, in {folder}", i + 1, crate::readable::alike(hit.alike));
        let look = format!("look closer: {name}");
        let badge = ranked.copies_at(i).map(|(n, unfolded)| {
            let copies = if n == 1 { "1 copy".to_string() } else { format!("{n} copies") };
            match unfolded {
                true => ("hide copies".to_string(), format!("hide the {copies} of {name}")),
                false => (format!("+{copies}"), format!("show {copies} of {name}")),
            }
        });
        let badge = badge.as_ref().map(|(shown, label)| (shown.as_str(), label.as_str()));
        let text = TileText { caption: &caption, sub: Some(&sub), label: &label, look: Some(&look), badge };
        let t = tile(ui, tex.as_ref(), side, &text, selected);
        if t.badge {
            frame.act(Action::ToggleCopies(i));
        } else {
            t.act(ui, frame, Source::Results, i, || Action::Hop(TrailEntry::artwork(hit.id, &hit.path)));
        }
    });
    if more && ui.button(format!("Show more than {}", ranked.ranked_len())).on_hover_text("Ask for the next results").clicked() {
        frame.act(Action::ShowMore);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrl_toggles_shift_takes_a_range_and_a_plain_click_starts_again() {
        let mut nav = GridNav::default();
        nav.click(4, ClickHow::Toggle);
        assert_eq!(nav.chosen(), [4], "Ctrl with nothing selected selects");
        nav.click(1, ClickHow::Toggle);
        nav.click(7, ClickHow::Toggle);
        assert_eq!(nav.chosen(), [1, 4, 7]);
        nav.click(1, ClickHow::Toggle);
        assert_eq!(nav.chosen(), [4, 7], "Ctrl on a chosen tile takes it out");
        nav.click(9, ClickHow::Range);
        assert_eq!(nav.chosen(), [7, 8, 9], "Shift: from the selection to the tile");
        nav.click(2, ClickHow::Only);
        assert_eq!(nav.chosen(), [2]);
        nav.reset();
        assert!(nav.chosen().is_empty());
    }

    #[test]
    fn keys_select_the_first_then_move_within_the_grid() {
        let mut grid = GridNav { columns: 4, rows_in_view: 2, ..GridNav::default() };
        grid.step(Step::Down, 10);
        assert_eq!(grid.selected, Some(0), "the first arrow selects the first result");
        grid.step(Step::Down, 10);
        assert_eq!(grid.selected, Some(4), "down moves one row");
        grid.step(Step::Right, 10);
        grid.step(Step::Down, 10);
        assert_eq!(grid.selected, Some(9));
        grid.step(Step::Down, 10);
        assert_eq!(grid.selected, Some(9), "clamped to the last result");
        grid.step(Step::Up, 10);
        grid.step(Step::Left, 10);
        assert_eq!(grid.selected, Some(4));
        grid.step(Step::First, 10);
        assert_eq!(grid.selected, Some(0), "Home");
        grid.step(Step::PageDown, 10);
        assert_eq!(grid.selected, Some(8), "a page is the rows in view");
        grid.step(Step::PageUp, 10);
        assert_eq!(grid.selected, Some(0));
        grid.step(Step::Last, 10);
        assert_eq!(grid.selected, Some(9), "End");
        let mut empty = GridNav::default();
        empty.step(Step::Right, 0);
        assert_eq!(empty.selected, None, "nothing to select");
    }

    #[test]
    fn a_folder_is_the_parent_directory_name() {
        assert_eq!(folder_name(Path::new("/home/ann/studies/cat.png")), "studies");
        assert_eq!(folder_name(Path::new("cat.png")), "");
    }
}
