//! Boards in the catalog (schema 3): `boards` and `board_items`, whose foreign keys cascade, so
//! removing an artwork or a board leaves no item behind. Names are unique regardless of case.

use rusqlite::{OptionalExtension, params};

use super::{ArtworkId, Catalog};
use crate::board::{BoardId, BoardItem, BoardSummary, FAVOURITES, FAVOURITES_NAME, Placement};
use crate::error::{Error, Result};

/// Whether an error says the board tables are not there: a catalog of schema 2 or older opened
/// read-only (not migrated), which has only an empty Favourites.
fn no_board_tables(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.contains("no such table"))
}

/// A unique-name violation, in the user's words.
fn name_taken(e: rusqlite::Error, name: &str) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => Error::Usage(format!("there is already a board named \u{201c}{name}\u{201d}")),
        _ => Error::Sqlite(e),
    }
}

impl Catalog {
    /// Every board, Favourites first, then in the order they were made.
    pub fn boards(&self) -> Result<Vec<BoardSummary>> {
        let sql = "SELECT b.id, b.name, b.created, (SELECT count(*) FROM board_items i WHERE i.board_id = b.id)
                   FROM boards b ORDER BY b.position, b.id";
        let mut stmt = match self.conn.prepare(sql) {
            Err(e) if no_board_tables(&e) => {
                return Ok(vec![BoardSummary { id: FAVOURITES, name: FAVOURITES_NAME.into(), items: 0, created: 0 }]);
            }
            other => other?,
        };
        let rows = stmt.query_map([], |r| {
            Ok(BoardSummary { id: r.get(0)?, name: r.get(1)?, created: r.get(2)?, items: r.get::<_, i64>(3)? as usize })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The board with this name (case does not matter).
    pub fn board_named(&self, name: &str) -> Result<Option<BoardSummary>> {
        Ok(self.boards()?.into_iter().find(|b| b.name.to_lowercase() == name.to_lowercase()))
    }

    /// The board with this id.
    pub fn board(&self, id: BoardId) -> Result<Option<BoardSummary>> {
        Ok(self.boards()?.into_iter().find(|b| b.id == id))
    }

    /// A board's artworks in the order they were added, with their places on the canvas.
    pub fn board_items(&self, board: BoardId) -> Result<Vec<BoardItem>> {
        let sql = "SELECT artwork_id, x, y, scale, z FROM board_items WHERE board_id = ?1 ORDER BY position, artwork_id";
        let mut stmt = match self.conn.prepare(sql) {
            Err(e) if no_board_tables(&e) => return Ok(Vec::new()),
            other => other?,
        };
        let rows = stmt.query_map([board], |r| {
            Ok((
                r.get::<_, ArtworkId>(0)?,
                Placement { x: r.get::<_, f64>(1)? as f32, y: r.get::<_, f64>(2)? as f32, scale: r.get::<_, f64>(3)? as f32, z: r.get(4)? },
            ))
        })?;
        let mut items = Vec::new();
        for row in rows {
            let (id, placement) = row?;
            placement.validate().map_err(|e| Error::CorruptRecord(format!("corrupt place of artwork {id} on board {board}: {e}")))?;
            let artwork = self.artwork(id)?.ok_or_else(|| Error::CorruptRecord(format!("board {board} holds unknown artwork {id}")))?;
            items.push(BoardItem { artwork, placement });
        }
        Ok(items)
    }

    /// The boards an artwork is on.
    pub fn boards_of(&self, artwork: ArtworkId) -> Result<Vec<BoardId>> {
        let mut stmt = match self.conn.prepare("SELECT board_id FROM board_items WHERE artwork_id = ?1 ORDER BY board_id") {
            Err(e) if no_board_tables(&e) => return Ok(Vec::new()),
            other => other?,
        };
        let rows = stmt.query_map([artwork], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Makes an empty board, listed last. The name must be checked ([`crate::board::checked_name`]).
    pub fn create_board(&self, name: &str) -> Result<BoardId> {
        self.conn
            .query_row(
                "INSERT INTO boards(name, position, created) VALUES (?1, (SELECT coalesce(max(position), 0) + 1 FROM boards), unixepoch())
                 RETURNING id",
                [name],
                |r| r.get(0),
            )
            .map_err(|e| name_taken(e, name))
    }

    /// Renames a board (a change of case alone is allowed).
    pub fn rename_board(&self, board: BoardId, name: &str) -> Result<()> {
        let n = self.conn.execute("UPDATE boards SET name = ?2 WHERE id = ?1", params![board, name]).map_err(|e| name_taken(e, name))?;
        if n == 0 {
            return Err(Error::Usage(format!("there is no board {board}")));
        }
        Ok(())
    }

    /// Deletes a board and its items (never the artworks).
    pub fn delete_board(&self, board: BoardId) -> Result<()> {
        self.conn.execute("DELETE FROM boards WHERE id = ?1", [board])?;
        Ok(())
    }

    /// Adds artworks to the end of a board, each in the next canvas slot; artworks already on it
    /// stay where they are. Returns how many were added.
    pub fn add_to_board(&mut self, board: BoardId, artworks: &[ArtworkId]) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut next: i64 =
            tx.query_row("SELECT coalesce(max(position) + 1, 0) FROM board_items WHERE board_id = ?1", [board], |r| r.get(0))?;
        let mut top: i64 = tx.query_row("SELECT coalesce(max(z) + 1, 0) FROM board_items WHERE board_id = ?1", [board], |r| r.get(0))?;
        let mut added = 0;
        for &artwork in artworks {
            let slot = Placement::slot(next);
            let n = tx.execute(
                "INSERT OR IGNORE INTO board_items(board_id, artwork_id, position, x, y, scale, z) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![board, artwork, next, f64::from(slot.x), f64::from(slot.y), f64::from(slot.scale), top],
            )?;
            if n > 0 {
                added += 1;
                next += 1;
                top += 1;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// Takes artworks off a board (never deleting them). Returns how many were on it.
    pub fn remove_from_board(&mut self, board: BoardId, artworks: &[ArtworkId]) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut removed = 0;
        for &artwork in artworks {
            removed += tx.execute("DELETE FROM board_items WHERE board_id = ?1 AND artwork_id = ?2", params![board, artwork])?;
        }
        tx.commit()?;
        Ok(removed)
    }

    /// Moves, scales or restacks artworks on a board's canvas, all in one transaction.
    pub fn place_on_board(&mut self, board: BoardId, places: &[(ArtworkId, Placement)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (artwork, p) in places {
            p.validate()?;
            tx.execute(
                "UPDATE board_items SET x = ?3, y = ?4, scale = ?5, z = ?6 WHERE board_id = ?1 AND artwork_id = ?2",
                params![board, artwork, f64::from(p.x), f64::from(p.y), f64::from(p.scale), p.z],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether a board with this id exists.
    pub fn board_exists(&self, board: BoardId) -> Result<bool> {
        match self.conn.query_row("SELECT 1 FROM boards WHERE id = ?1", [board], |_| Ok(())).optional() {
            Err(e) if no_board_tables(&e) => Ok(board == FAVOURITES),
            other => Ok(other?.is_some()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalog::{NewArtwork, Status};

    fn catalog_with(n: usize) -> (tempfile::TempDir, Catalog, Vec<ArtworkId>) {
        let dir = tempfile::tempdir().unwrap();
        let mut cat = Catalog::open(&dir.path().join("c.sqlite")).unwrap();
        let mut w = cat.writer().unwrap();
        let ids = (0..n)
            .map(|i| {
                let path = format!("/art/{i}.png");
                let a =
                    NewArtwork { path: Path::new(&path), size: 1, mtime_ns: 1, hash: &[i as u8; 32], width: 2, height: 2, format: "png" };
                w.put_artwork(&a).unwrap()
            })
            .collect();
        w.commit().unwrap();
        (dir, cat, ids)
    }

    #[test]
    fn favourites_exists_and_items_keep_order_and_places() {
        let (_dir, mut cat, ids) = catalog_with(4);
        let boards = cat.boards().unwrap();
        assert_eq!((boards.len(), boards[0].id, boards[0].name.as_str(), boards[0].items), (1, FAVOURITES, "Favourites", 0));
        let b = cat.create_board("Blue").unwrap();
        assert_eq!(cat.add_to_board(b, &[ids[2], ids[0], ids[2]]).unwrap(), 2, "an artwork is on a board once");
        assert_eq!(cat.add_to_board(b, &[ids[0], ids[1]]).unwrap(), 1);
        let items = cat.board_items(b).unwrap();
        assert_eq!(items.iter().map(|i| i.artwork.id).collect::<Vec<_>>(), [ids[2], ids[0], ids[1]]);
        assert_eq!(items[2].placement, Placement { z: 2, ..Placement::slot(2) });
        let moved = Placement { x: -40.5, y: 12.0, scale: 2.5, z: 9 };
        cat.place_on_board(b, &[(ids[0], moved)]).unwrap();
        assert_eq!(cat.board_items(b).unwrap()[1].placement, moved);
        assert!(cat.place_on_board(b, &[(ids[0], Placement { scale: f32::INFINITY, ..moved })]).is_err());
        assert_eq!(cat.remove_from_board(b, &[ids[0], ids[3]]).unwrap(), 1);
        assert_eq!(cat.boards_of(ids[2]).unwrap(), [b]);
        assert_eq!(cat.board_named("bLUE").unwrap().unwrap().items, 2, "names match regardless of case");
    }

    #[test]
    fn names_are_unique_regardless_of_case() {
        let (_dir, cat, _) = catalog_with(0);
        let b = cat.create_board("Moss").unwrap();
        let err = cat.create_board("moss").unwrap_err().to_string();
        assert!(err.contains("already a board named"), "{err}");
        assert!(cat.rename_board(b, "favourites").is_err());
        cat.rename_board(b, "MOSS").unwrap();
        assert_eq!(cat.board(b).unwrap().unwrap().name, "MOSS");
    }

    #[test]
    fn deleting_a_board_or_an_artwork_leaves_nothing_dangling() {
        let (_dir, mut cat, ids) = catalog_with(3);
        let b = cat.create_board("Keep").unwrap();
        cat.add_to_board(b, &ids).unwrap();
        cat.add_to_board(FAVOURITES, &ids[..1]).unwrap();
        // An artwork row removed (as when a stale row is superseded by a moved file).
        cat.conn.execute("DELETE FROM artworks WHERE id = ?1", [ids[0]]).unwrap();
        assert_eq!(cat.board_items(b).unwrap().len(), 2);
        assert_eq!(cat.board(FAVOURITES).unwrap().unwrap().items, 0);
        cat.delete_board(b).unwrap();
        let left: i64 = cat.conn.query_row("SELECT count(*) FROM board_items", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0);
        assert_eq!(cat.artwork(ids[1]).unwrap().unwrap().status, Status::Ok, "artworks stay");
        cat.integrity_check().unwrap();
        let fk: i64 = cat.conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 0);
    }

    #[test]
    fn a_catalog_from_before_boards_read_only_has_an_empty_favourites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.sqlite");
        // A schema-2 catalog: as migrated up to 2, without the board tables.
        {
            let cat = Catalog::open(&path).unwrap();
            cat.conn.execute_batch("DROP TABLE board_items; DROP TABLE boards; PRAGMA user_version = 2;").unwrap();
        }
        let cat = Catalog::open_read_only(&path).unwrap();
        let boards = cat.boards().unwrap();
        assert_eq!((boards.len(), boards[0].id, boards[0].items), (1, FAVOURITES, 0));
        assert!(cat.board_items(FAVOURITES).unwrap().is_empty());
        assert!(cat.boards_of(1).unwrap().is_empty());
        assert!(cat.board_exists(FAVOURITES).unwrap() && !cat.board_exists(2).unwrap());
    }
}
