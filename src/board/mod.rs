//! Boards: named collections of library artworks that artists keep after looking (Eagle's folders,
//! PureRef's canvas, Are.na's channels). A board is shown as a grid (the order artworks were added)
//! or as a free canvas (each artwork placed, scaled and stacked). Favourites is simply the first
//! board. Stored in the catalog (`catalog/boards.rs`); the library's board API is in
//! `library/boards.rs`; taking a board out is [`export`] (files) and [`sheet`] (a contact sheet).

pub mod export;
pub mod sheet;
pub(crate) mod text;

use serde::Serialize;

use crate::catalog::Artwork;
use crate::error::{Error, Result};

/// Stable identifier of a board (SQLite rowid).
pub type BoardId = i64;

/// The board every library has, one key (F) away; it cannot be renamed or deleted.
pub const FAVOURITES: BoardId = 1;
/// Its name.
pub const FAVOURITES_NAME: &str = "Favourites";

/// Longest side, in canvas units, of an artwork at scale 1 on the canvas.
pub const BASE_SIDE: f32 = 240.0;
/// Artworks per row where new ones are laid out on the canvas.
const LAYOUT_COLUMNS: i64 = 5;
/// Distance between layout slots, canvas units (the base side plus a gap).
const LAYOUT_STEP: f32 = BASE_SIDE + 24.0;
/// Smallest and largest scale an artwork can have on the canvas.
pub const SCALE_RANGE: std::ops::RangeInclusive<f32> = 0.1..=20.0;
/// Longest board name, in characters.
const NAME_MAX_CHARS: usize = 100;

/// A board in a list: what `kindred board list` shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BoardSummary {
    /// Identifier.
    pub id: BoardId,
    /// Name, unique in the library regardless of case.
    pub name: String,
    /// Number of artworks on it.
    pub items: usize,
    /// When it was made, unix seconds.
    pub created: i64,
}

/// Where an artwork sits on a board's canvas.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Placement {
    /// Left edge, canvas units.
    pub x: f32,
    /// Top edge, canvas units.
    pub y: f32,
    /// Size: 1 is a longest side of [`BASE_SIDE`] units.
    pub scale: f32,
    /// Stacking order: higher is drawn on top.
    pub z: i64,
}

impl Placement {
    /// Where the artwork added `position`-th goes: slots in rows of five, each on top of the last.
    pub fn slot(position: i64) -> Self {
        let (row, col) = (position.div_euclid(LAYOUT_COLUMNS), position.rem_euclid(LAYOUT_COLUMNS));
        Self { x: col as f32 * LAYOUT_STEP, y: row as f32 * LAYOUT_STEP, scale: 1.0, z: position }
    }

    /// Checks that the numbers are finite and the scale within [`SCALE_RANGE`] (a damaged record
    /// or a runaway drag must not put an artwork at infinity).
    pub fn validate(&self) -> Result<()> {
        if !(self.x.is_finite() && self.y.is_finite() && SCALE_RANGE.contains(&self.scale)) {
            return Err(Error::Usage(format!(
                "a placement needs finite coordinates and a scale in {}–{} (got x {}, y {}, scale {})",
                SCALE_RANGE.start(),
                SCALE_RANGE.end(),
                self.x,
                self.y,
                self.scale
            )));
        }
        Ok(())
    }
}

/// One artwork on a board.
#[derive(Clone, Debug)]
pub struct BoardItem {
    /// The artwork (its status says whether its file is missing).
    pub artwork: Artwork,
    /// Where it sits on the canvas.
    pub placement: Placement,
}

/// A board and its artworks, in the order they were added.
#[derive(Clone, Debug)]
pub struct Board {
    /// Identifier, name, count, date.
    pub summary: BoardSummary,
    /// The artworks.
    pub items: Vec<BoardItem>,
}

/// A board name as typed, trimmed; refused when empty, too long or holding control characters
/// (names are printed on terminals and used in exported folder names).
pub fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Usage("a board needs a name".into()));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(Error::Usage(format!("a board name has at most {NAME_MAX_CHARS} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::Usage("a board name cannot hold control characters (new lines, tabs, escapes)".into()));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(checked_name("  Blue studies ").unwrap(), "Blue studies");
        assert!(checked_name("   ").is_err());
        assert!(checked_name("a\nb").is_err());
        assert!(checked_name(&"x".repeat(101)).is_err());
        assert_eq!(checked_name("Étude — 藍").unwrap(), "Étude — 藍");
    }

    #[test]
    fn slots_fill_rows_of_five_and_stack_upwards() {
        assert_eq!(Placement::slot(0), Placement { x: 0.0, y: 0.0, scale: 1.0, z: 0 });
        let sixth = Placement::slot(5);
        assert_eq!((sixth.x, sixth.y, sixth.z), (0.0, LAYOUT_STEP, 5));
        assert_eq!(Placement::slot(7).x, 2.0 * LAYOUT_STEP);
        assert!(Placement { scale: 0.0, ..Placement::slot(0) }.validate().is_err());
        assert!(Placement { x: f32::NAN, ..Placement::slot(0) }.validate().is_err());
        Placement::slot(3).validate().unwrap();
    }
}
