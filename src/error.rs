//! The library's typed errors. Front ends decide what to show, and which exit code to use, from the
//! kind of error, never by parsing its text; `anyhow` is kept to `main`, `cli` and `gui`.
//!
//! Each variant's message says what failed in the user's words; the underlying cause (an I/O or
//! SQLite error) is its `source`, which the front ends print as "caused by" lines.

use std::path::{Path, PathBuf};

use crate::decode::DecodeError;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in the library API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read, written or created.
    #[error("{action} {}", path.display())]
    Io {
        /// What was being done, e.g. "cannot read".
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A file is not an image Kindred can read.
    #[error("{} is not an image Kindred can read: {source}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// Why it could not be decoded.
        source: DecodeError,
    },
    /// The library directory cannot be written: it can be searched, not changed.
    #[error("library {} is read-only: cannot {action} (searching still works)", dir.display())]
    ReadOnly {
        /// The library directory.
        dir: PathBuf,
        /// What was refused, e.g. "import into it".
        action: &'static str,
    },
    /// Another process holds the library's write lock.
    #[error("another Kindred process is importing into {}; wait for it to finish", .0.display())]
    Locked(PathBuf),
    /// ONNX Runtime could not be found or loaded (the message says how to provide it).
    #[error("{0}")]
    RuntimeMissing(String),
    /// The model could not be loaded or run.
    #[error("{0}")]
    Model(String),
    /// The catalog could not be opened or upgraded.
    #[error("catalog {}: {what}", path.display())]
    Catalog {
        /// The catalog file.
        path: PathBuf,
        /// What failed.
        what: String,
        /// SQLite's error, when there is one.
        #[source]
        source: Option<rusqlite::Error>,
    },
    /// SQLite says the catalog file is corrupt or not a database.
    #[error(
        "catalog {} is damaged ({reason}); restore it from a backup, or move it aside and run `kindred import` \
         again to rebuild the library",
        path.display()
    )]
    CatalogDamaged {
        /// The catalog file.
        path: PathBuf,
        /// SQLite's words.
        reason: String,
    },
    /// There is no library in the directory; commands that only read never create one.
    #[error("no library at {} (nothing there to read; `kindred import` creates a library)", .0.display())]
    NoLibrary(PathBuf),
    /// `catalog.sqlite` is a database, but not a Kindred catalog: it is left untouched.
    #[error("{} is not a Kindred catalog ({why}); Kindred leaves it untouched: choose another library directory", path.display())]
    NotKindredCatalog {
        /// The file.
        path: PathBuf,
        /// How Kindred knows.
        why: String,
    },
    /// A catalog statement failed (a locked or full disk, a schema surprise).
    #[error("catalog query failed")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored record does not hold what its schema promises.
    #[error("{0}")]
    CorruptRecord(String),
    /// The search index could not be built, loaded or searched.
    #[error("search index: {0}")]
    Index(String),
    /// File-system notifications could not be set up (`kindred watch`, the app following folders).
    #[error("cannot follow the library's folders")]
    Watch(#[source] notify::Error),
    /// The request itself is wrong (an unknown artwork id, weights that are all zero, …).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Error::Io { action, path: path.to_path_buf(), source }
    }

    /// A decode error of the file at `path`.
    pub fn decode(path: &Path, source: DecodeError) -> Self {
        Error::Decode { path: path.to_path_buf(), source }
    }

    /// True when the error means "this file is not a readable image" (a dropped document, a
    /// truncated download), as opposed to a failure of Kindred or the machine.
    pub fn is_not_an_image(&self) -> bool {
        matches!(self, Error::Decode { .. })
    }
}

/// Adds the path an I/O error happened on, in the library's words.
pub trait IoContext<T> {
    /// `action` is what was being done, e.g. "cannot read".
    fn on_path(self, action: &'static str, path: &Path) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn on_path(self, action: &'static str, path: &Path) -> Result<T> {
        self.map_err(|e| Error::io(action, path, e))
    }
}
