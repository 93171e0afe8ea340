//! A second, read-only connection beside the writer of the same process: the app reads thumbnails
//! through it while its worker imports or rescans for minutes. In WAL mode SQLite lets it read what
//! is committed while the writer writes.

use std::path::Path;

use super::Catalog;
use crate::error::Result;

impl Catalog {
    /// Opens the catalog at `path` read-only beside its writer. Unlike
    /// [`Catalog::open_read_only`] never as immutable (the file changes under it) and never a
    /// private copy (which would not see new work): it fails instead, e.g. when the library
    /// directory is read-only and SQLite cannot share the WAL; the caller then reads through the
    /// writer's connection.
    pub fn open_reader(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(super::no_library(path));
        }
        Self::open_uri(path, "mode=ro")
    }
}
