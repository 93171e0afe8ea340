//! The results grid: ranked tiles with score captions, and the keyboard selection over them.

use eframe::egui;

use crate::search::Hit;

use super::action::Action;
use super::app::file_name;
use super::frame::Frame;
use super::tile::{grid_shape, tile};
use super::trail::TrailEntry;
use super::worker::ThumbKey;

/// An arrow key's move through the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Previous result.
    Left,
    /// Next result.
    Right,
    /// One row up.
    Up,
    /// One row down.
    Down,
}

/// Selection and layout of the results.
#[derive(Debug)]
pub struct ResultsGrid {
    /// Selected result (keyboard), shown in the detail panel.
    pub(super) selected: Option<usize>,
    /// Results per row, from the last frame (for Up/Down).
    columns: usize,
}

impl Default for ResultsGrid {
    fn default() -> Self {
        Self { selected: None, columns: 1 }
    }
}

impl ResultsGrid {
    /// Moves the selection among `n` results; the first step from no selection selects the first.
    pub(super) fn step(&mut self, step: Step, n: usize) {
        if n == 0 {
            return;
        }
        let cols = self.columns.max(1) as isize;
        let offset = match step {
            Step::Left => -1,
            Step::Right => 1,
            Step::Up => -cols,
            Step::Down => cols,
        };
        self.selected = Some(match self.selected {
            None => 0,
            Some(s) => (s as isize + offset).clamp(0, n as isize - 1) as usize,
        });
    }

    /// Draws `hits` as a virtualised grid; clicking one hops to it.
    pub(super) fn show(&mut self, ui: &mut egui::Ui, hits: &[Hit], side: f32, frame: &mut Frame) {
        let (cols, rows) = grid_shape(ui, side, hits.len());
        self.columns = cols;
        let row_h = side + ui.text_style_height(&egui::TextStyle::Small) + 2.0;
        egui::ScrollArea::vertical().id_salt("results").auto_shrink([false, false]).show_rows(ui, row_h, rows, |ui, range| {
            for row in range {
                ui.horizontal(|ui| {
                    for (i, hit) in hits.iter().enumerate().skip(row * cols).take(cols) {
                        let tex = frame.thumb(&ThumbKey::Artwork(hit.id));
                        let name = file_name(&hit.path);
                        let missing = if hit.missing { " (missing)" } else { "" };
                        let caption = format!("{:.2}  {name}{missing}", hit.score);
                        let label = format!("result {}: {name}{missing}, score {:.2}", i + 1, hit.score);
                        let selected = self.selected == Some(i);
                        let response = tile(ui, tex.as_ref(), side, &caption, &label, selected);
                        // Keep the keyboard selection in view.
                        if selected && response.rect.is_positive() && !ui.clip_rect().contains_rect(response.rect) {
                            response.scroll_to_me(None);
                        }
                        if response.clicked() {
                            frame.act(Action::Hop(TrailEntry::artwork(hit.id, &hit.path)));
                        }
                    }
                });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_select_the_first_then_move_within_the_grid() {
        let mut grid = ResultsGrid { selected: None, columns: 4 };
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
        let mut empty = ResultsGrid::default();
        empty.step(Step::Right, 0);
        assert_eq!(empty.selected, None, "nothing to select");
    }
}
