//! Artworks the artist sent to the system trash ("keep only this one"): marked missing, their
//! record kept with a note of where they went, and brought back as they were when the file is
//! restored from the trash and the folders are rescanned.

use std::path::Path;

use rusqlite::params;

use super::{ArtworkId, Writer, path_to_bytes};
use crate::error::Result;

impl Writer<'_> {
    /// Marks an artwork missing because it was moved to the trash; `note` (kept in its `error`,
    /// as [`super::Artwork::error`]) says so and which copy was kept. Its vectors stay: a file
    /// restored from the trash comes back without being embedded again.
    pub fn mark_trashed(&mut self, id: ArtworkId, note: &str) -> Result<()> {
        self.changed = true;
        self.tx.execute("UPDATE artworks SET status = 2, error = ?2, updated = unixepoch() WHERE id = ?1", params![id, note])?;
        Ok(())
    }

    /// A missing artwork found again at its path with the content it had (restored from the
    /// trash, a drive mounted again): searchable again, its vectors kept. Unlike
    /// [`Writer::touch`] this changes the searchable set (the index must add it back).
    pub fn restore(&mut self, id: ArtworkId, path: &Path, size: u64, mtime_ns: i64) -> Result<()> {
        self.changed = true;
        self.tx.execute(
            "UPDATE artworks SET size = ?3, mtime_ns = ?4, status = 0, error = NULL, updated = unixepoch() WHERE id = ?1 AND path = ?2",
            params![id, path_to_bytes(path), size as i64, mtime_ns],
        )?;
        Ok(())
    }
}
