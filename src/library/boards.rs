//! The board API of [`Library`], shared by `kindred board …` and the app: list, show, add,
//! remove, rename, delete, place on the canvas, "more like this board", export.

use std::fs;
use std::path::{Path, PathBuf};

use super::Library;
use crate::board::export::{self, ExportSummary};
use crate::board::sheet::{self, SheetSummary};
use crate::board::{self, Board, BoardId, BoardSummary, FAVOURITES, Placement};
use crate::catalog::{ArtworkId, Status};
use crate::error::{Error, IoContext, Result};
use crate::query::Query;

impl Library {
    /// Every board, Favourites first.
    pub fn boards(&self) -> Result<Vec<BoardSummary>> {
        self.catalog.boards()
    }

    /// A board and its artworks, in the order they were added.
    pub fn board(&self, id: BoardId) -> Result<Board> {
        let summary = self.catalog.board(id)?.ok_or_else(|| Error::Usage(format!("there is no board {id}")))?;
        Ok(Board { summary, items: self.catalog.board_items(id)? })
    }

    /// The board with this name (case does not matter); the error lists the boards there are.
    pub fn board_named(&self, name: &str) -> Result<BoardId> {
        if let Some(b) = self.catalog.board_named(name.trim())? {
            return Ok(b.id);
        }
        let names: Vec<String> = self.catalog.boards()?.into_iter().map(|b| b.name).collect();
        Err(Error::Usage(format!("there is no board named \u{201c}{}\u{201d} (boards: {})", name.trim(), names.join(", "))))
    }

    /// Makes an empty board.
    pub fn create_board(&mut self, name: &str) -> Result<BoardId> {
        self.boards_writable()?;
        self.catalog.create_board(&board::checked_name(name)?)
    }

    /// The board with this name, made if there is none; `true` when it was made.
    pub fn board_named_or_created(&mut self, name: &str) -> Result<(BoardId, bool)> {
        match self.catalog.board_named(name.trim())? {
            Some(b) => Ok((b.id, false)),
            None => Ok((self.create_board(name)?, true)),
        }
    }

    /// Renames a board; Favourites keeps its name.
    pub fn rename_board(&mut self, id: BoardId, name: &str) -> Result<()> {
        self.boards_writable()?;
        if id == FAVOURITES {
            return Err(Error::Usage("Favourites keeps its name (it is the board F adds to); make a new board instead".into()));
        }
        self.catalog.rename_board(id, &board::checked_name(name)?)
    }

    /// Deletes a board (its artworks stay in the library); Favourites cannot be deleted.
    pub fn delete_board(&mut self, id: BoardId) -> Result<()> {
        self.boards_writable()?;
        if id == FAVOURITES {
            return Err(Error::Usage("Favourites cannot be deleted (remove its artworks instead)".into()));
        }
        self.board(id)?;
        self.catalog.delete_board(id)
    }

    /// Adds library artworks to a board (those already on it stay where they are); how many were
    /// added.
    pub fn add_to_board(&mut self, id: BoardId, artworks: &[ArtworkId]) -> Result<usize> {
        self.boards_writable()?;
        self.board(id)?;
        for &a in artworks {
            self.catalog.artwork(a)?.ok_or_else(|| Error::Usage(format!("there is no artwork {a} in the library")))?;
        }
        self.catalog.add_to_board(id, artworks)
    }

    /// Takes artworks off a board (never deleting them); how many were on it.
    pub fn remove_from_board(&mut self, id: BoardId, artworks: &[ArtworkId]) -> Result<usize> {
        self.boards_writable()?;
        self.board(id)?;
        self.catalog.remove_from_board(id, artworks)
    }

    /// Saves where artworks sit on a board's canvas.
    pub fn place_on_board(&mut self, id: BoardId, places: &[(ArtworkId, Placement)]) -> Result<()> {
        self.boards_writable()?;
        self.catalog.place_on_board(id, places)
    }

    /// The library artwork a query names: `id:N`, or a file that is in the library. Boards hold
    /// library artworks only: another file is refused with what to do.
    pub fn artwork_of(&self, query: &Query) -> Result<ArtworkId> {
        match query {
            Query::Artwork(id) => {
                self.catalog.artwork(*id)?.ok_or_else(|| Error::Usage(format!("there is no artwork {id} in the library")))?;
                Ok(*id)
            }
            Query::File(path) => {
                let abs = fs::canonicalize(path).on_path("cannot open", path)?;
                match self.catalog.artwork_by_path(&abs)? {
                    Some(a) => Ok(a.id),
                    None => Err(Error::Usage(format!(
                        "{} is not in the library; import it first (`kindred import`), then add it",
                        path.display()
                    ))),
                }
            }
            Query::Blend(_) => Err(Error::Usage("a blend is not one artwork".into())),
            Query::Palette(_) | Query::Region { .. } => Err(Error::Usage("a palette or a region is not one artwork".into())),
        }
    }

    /// "More like this board": the board's artworks as one query (each counting once in every
    /// aspect), whose results leave the board's artworks out. Artworks without vectors from the
    /// current model (awaiting re-embedding) are left out of the query.
    pub fn board_query(&self, id: BoardId) -> Result<Query> {
        let board = self.board(id)?;
        let ids: Vec<ArtworkId> = board.items.iter().map(|i| i.artwork.id).collect();
        let embedded = self.catalog.embeddings(&ids, &self.model)?;
        let members: Vec<Query> = ids.iter().filter(|id| embedded.contains_key(id)).map(|&id| Query::Artwork(id)).collect();
        if members.is_empty() {
            return Err(Error::Usage(format!("board \u{201c}{}\u{201d} has no searchable artworks yet", board.summary.name)));
        }
        Ok(Query::like_all(members))
    }

    /// Copies a board's files into `dir` (made if needed), keeping their names (a suffix on a
    /// collision); nothing is ever moved, deleted or overwritten. Missing files are reported.
    pub fn export_board(&self, id: BoardId, dir: &Path) -> Result<ExportSummary> {
        let board = self.board(id)?;
        let files: Vec<(PathBuf, bool)> =
            board.items.iter().map(|i| (i.artwork.path.clone(), i.artwork.status == Status::Missing)).collect();
        export::copy_files(&files, dir)
    }

    /// Writes a contact sheet of a board as a PNG: thumbnails in a grid with file names, and the
    /// board's palette. Refuses to overwrite an existing file.
    pub fn contact_sheet(&self, id: BoardId, out: &Path) -> Result<SheetSummary> {
        let board = self.board(id)?;
        let mut cells = Vec::with_capacity(board.items.len());
        let mut palettes = Vec::with_capacity(board.items.len());
        for item in &board.items {
            let thumb = match self.catalog.thumbnail(item.artwork.id)? {
                Some(jpeg) => Some(crate::catalog::decode_thumbnail(&jpeg)?),
                None => None,
            };
            cells.push(sheet::Cell {
                name: crate::pathtext::printable_path(Path::new(item.artwork.path.file_name().unwrap_or_default())),
                thumb,
            });
            palettes.push(self.catalog.palette(item.artwork.id)?);
        }
        let palette = crate::colour::merged_palette(&palettes);
        sheet::write(&board.summary.name, &cells, &palette, out)
    }

    /// Board changes write the catalog: refused on a read-only library.
    fn boards_writable(&self) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly { dir: self.dir.clone(), action: "change its boards" });
        }
        Ok(())
    }
}
