//! The catalog: one SQLite file (WAL) that is the source of truth for a library. Artworks, their
//! vectors (tagged with the model that made them), palettes and thumbnails. Everything else in a
//! library directory is derived from it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use crate::aspect::Aspect;
use crate::colour::Swatch;
use crate::error::{Error, Result};
use crate::model::ModelId;
use crate::vectors::{ArtworkFeatures, Embedding};

mod boards;
mod reader;
pub(crate) mod roots;
mod trashed;

/// Stable identifier of an artwork in a library (SQLite rowid; also the index key).
pub type ArtworkId = i64;

/// Schema migrations; entry `i` upgrades a catalog from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE artworks (
    id        INTEGER PRIMARY KEY,
    path      BLOB NOT NULL UNIQUE,   -- OS path bytes: names need not be UTF-8
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    hash      BLOB,                   -- blake3 of the content
    width     INTEGER,
    height    INTEGER,
    format    TEXT,
    status    INTEGER NOT NULL,       -- 0 ok, 1 failed, 2 missing
    error     TEXT,
    updated   INTEGER NOT NULL        -- unix seconds
);
CREATE INDEX artworks_hash ON artworks(hash);
CREATE TABLE embeddings (
    artwork_id INTEGER PRIMARY KEY REFERENCES artworks(id) ON DELETE CASCADE,
    model      TEXT NOT NULL,
    colour     BLOB NOT NULL,         -- little-endian f32
    texture    BLOB NOT NULL,
    shape      BLOB NOT NULL,
    palette    TEXT NOT NULL          -- JSON array of swatches
);
CREATE TABLE thumbnails (
    artwork_id INTEGER PRIMARY KEY REFERENCES artworks(id) ON DELETE CASCADE,
    jpeg       BLOB NOT NULL
);
"#,
    r#"
-- Share of the artwork's pixels that are transparent: cut-outs (icons, sprites) are searched
-- differently by `all` (query.rs, QueryKind). Rows from before are re-embedded anyway (new model).
ALTER TABLE embeddings ADD COLUMN transparent REAL NOT NULL DEFAULT 0;
"#,
    r#"
-- Boards (catalog/boards.rs): named collections of artworks, shown as a grid or a free canvas.
-- Removing an artwork or a board removes its items (cascade); Favourites (id 1) always exists.
CREATE TABLE boards (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    position INTEGER NOT NULL,        -- order in lists
    created  INTEGER NOT NULL         -- unix seconds
);
CREATE TABLE board_items (
    board_id   INTEGER NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    artwork_id INTEGER NOT NULL REFERENCES artworks(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,      -- order in the grid (order added)
    x          REAL NOT NULL,         -- top-left corner on the canvas, canvas units
    y          REAL NOT NULL,
    scale      REAL NOT NULL,         -- 1: the longest side is board::BASE_SIDE units
    z          INTEGER NOT NULL,      -- stacking order, highest on top
    PRIMARY KEY (board_id, artwork_id)
) WITHOUT ROWID;
CREATE INDEX board_items_artwork ON board_items(artwork_id);
INSERT INTO boards(id, name, position, created) VALUES (1, 'Favourites', 0, unixepoch());
"#,
    r#"
-- The folders (and files) the library follows (catalog/roots.rs): every path given to `import`,
-- kept as the smallest set covering them. Rescans and `watch` start from them. Filled from the
-- artworks' folders when an older catalog is migrated (roots::backfill).
CREATE TABLE roots (
    path  BLOB PRIMARY KEY,           -- OS path bytes, canonical
    added INTEGER NOT NULL            -- unix seconds
) WITHOUT ROWID;
"#,
];

/// The oldest schema a read-only open can read without migrating.
const READABLE_FROM_SCHEMA: usize = 1;

/// State of a catalogued file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Decoded and embedded.
    Ok,
    /// Could not be read or decoded; `error` says why.
    Failed,
    /// Was catalogued, no longer found at its path.
    Missing,
}

impl Status {
    fn code(self) -> i64 {
        match self {
            Status::Ok => 0,
            Status::Failed => 1,
            Status::Missing => 2,
        }
    }
    fn from_code(code: i64) -> Result<Self> {
        Ok(match code {
            0 => Status::Ok,
            1 => Status::Failed,
            2 => Status::Missing,
            other => return Err(Error::CorruptRecord(format!("corrupt catalog record: unknown status {other}"))),
        })
    }
}

/// One catalogued file.
#[derive(Clone, Debug)]
pub struct Artwork {
    /// Identifier.
    pub id: ArtworkId,
    /// Absolute path.
    pub path: PathBuf,
    /// Size in bytes when catalogued.
    pub size: u64,
    /// Modification time (ns since the epoch) when catalogued.
    pub mtime_ns: i64,
    /// Oriented pixel width, if decoded.
    pub width: Option<u32>,
    /// Oriented pixel height, if decoded.
    pub height: Option<u32>,
    /// Sniffed format, if known.
    pub format: Option<String>,
    /// Current state.
    pub status: Status,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// What the importer needs to know about a catalogued path to decide whether to redo it.
#[derive(Clone, Copy, Debug)]
pub struct FileState {
    /// Identifier.
    pub id: ArtworkId,
    /// Size when catalogued.
    pub size: u64,
    /// Modification time when catalogued.
    pub mtime_ns: i64,
    /// State.
    pub status: Status,
    /// Whether vectors from the current model exist.
    pub embedded: bool,
}

/// Counts for `kindred info` and the status bar.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Counts {
    /// Artworks with current vectors.
    pub ok: u64,
    /// Files that could not be read or decoded.
    pub failed: u64,
    /// Files no longer found.
    pub missing: u64,
    /// Artworks whose vectors come from another model and await re-embedding.
    pub stale: u64,
}

/// Fields written for a successfully processed file.
pub struct NewArtwork<'a> {
    /// Absolute path.
    pub path: &'a Path,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns.
    pub mtime_ns: i64,
    /// blake3 of the content.
    pub hash: &'a [u8; 32],
    /// Oriented width.
    pub width: u32,
    /// Oriented height.
    pub height: u32,
    /// Sniffed format name.
    pub format: &'a str,
}

/// SQLite `application_id` of a Kindred catalog ("KNDR"), set when Kindred creates the file: a
/// `catalog.sqlite` without it (and without the tables of a catalog made before it existed) is
/// someone else's database, and Kindred never writes to it.
pub const APPLICATION_ID: i32 = 0x4B4E_4452;

/// The tables and indexes of a Kindred catalog of schema 1 (how a catalog created before
/// [`APPLICATION_ID`] is recognised).
const KINDRED_SCHEMA_NAMES: &[&str] = &["artworks", "artworks_hash", "embeddings", "meta", "thumbnails"];
/// The same from schema 3 (boards) on: a catalog Kindred migrated is stamped as well, so this only
/// recognises one whose stamp was lost.
const KINDRED_SCHEMA_3_NAMES: &[&str] =
    &["artworks", "artworks_hash", "board_items", "board_items_artwork", "boards", "embeddings", "meta", "thumbnails"];
/// The same from schema 4 (roots) on.
const KINDRED_SCHEMA_4_NAMES: &[&str] =
    &["artworks", "artworks_hash", "board_items", "board_items_artwork", "boards", "embeddings", "meta", "roots", "thumbnails"];

/// Whether an open catalog may be created if absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file (private to the owner) if there is none, or set up an empty one.
    Create,
    /// The catalog must exist and be Kindred's: [`Error::NoLibrary`] otherwise, nothing written.
    Existing,
}

/// What a `catalog.sqlite` holds, judged without writing to it.
enum Contents {
    /// A database with nothing in it (a new or zero-byte file).
    Empty,
    /// A Kindred catalog.
    Kindred,
    /// Someone else's database; the reason says how we know.
    Foreign(String),
}

/// An open catalog.
pub struct Catalog {
    conn: Connection,
    path: PathBuf,
    /// When a read-only catalog's WAL could not be read in place: the private copy that is open
    /// instead, removed when the catalog is dropped (after `conn`, declared first, is closed).
    _copy: Option<PrivateCopy>,
}

impl Catalog {
    /// Opens (creating and migrating if needed) the catalog at `path` for reading and writing.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, OpenMode::Create)
    }

    /// Opens the catalog at `path` for reading and writing; with [`OpenMode::Existing`] a missing or
    /// empty catalog is [`Error::NoLibrary`] and nothing is created. A database that is not a
    /// Kindred catalog is refused ([`Error::NotKindredCatalog`]) before anything is written to it.
    pub fn open_with(path: &Path, mode: OpenMode) -> Result<Self> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        match mode {
            OpenMode::Create => {
                create_private_file(path)?;
                flags |= OpenFlags::SQLITE_OPEN_CREATE;
            }
            OpenMode::Existing if !path.is_file() => return Err(no_library(path)),
            OpenMode::Existing => {}
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, "cannot open", e))?;
        let mut cat = Self { conn, path: path.to_path_buf(), _copy: None };
        cat.setup(true, mode).map_err(|e| cat.explain(e))?;
        Ok(cat)
    }

    /// Opens an existing catalog in a directory Kindred cannot write to, seeing every committed
    /// artwork. Without a WAL (or with an empty one) the file is opened as immutable: nobody can
    /// be writing to it, and SQLite then needs no `-shm` file. Committed work still only in the
    /// WAL (a snapshot or backup taken after an interrupted import, before a checkpoint) is read
    /// through SQLite's read-only WAL support, which needs the `-shm` file beside it; when that
    /// fails (no `-shm`), the catalog and its WAL are copied into a private temporary directory
    /// and the copy is opened, leaving the library untouched.
    pub fn open_read_only(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(no_library(path));
        }
        let wal = sidecar(path, "-wal");
        let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if wal_len == 0 {
            return Self::open_uri(path, "immutable=1");
        }
        match Self::open_uri(path, "mode=ro") {
            // What the file is (someone else's, newer, damaged) does not change by copying it.
            Err(e @ (Error::NotKindredCatalog { .. } | Error::NoLibrary(_) | Error::CatalogDamaged { .. })) => Err(e),
            Err(e @ Error::Catalog { source: None, .. }) => Err(e),
            Ok(cat) => Ok(cat),
            // SQLite could not use the WAL in place (typically: no `-shm` file, none can be made).
            Err(_) => {
                let copy = PrivateCopy::new(path, &wal)?;
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let conn = Connection::open_with_flags(copy.catalog(), flags).map_err(|e| open_error(path, "cannot open a copy of", e))?;
                let mut cat = Self { conn, path: path.to_path_buf(), _copy: Some(copy) };
                cat.setup(false, OpenMode::Existing).map_err(|e| cat.explain(e))?;
                Ok(cat)
            }
        }
    }

    /// Opens `path` read-only with the URI parameters `params`.
    fn open_uri(path: &Path, params: &str) -> Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let uri = format!("file:{}?{params}", percent_encode(&path_to_bytes(path)));
        let conn = Connection::open_with_flags(uri, flags).map_err(|e| open_error(path, "cannot open read-only", e))?;
        let mut cat = Self { conn, path: path.to_path_buf(), _copy: None };
        cat.setup(false, OpenMode::Existing).map_err(|e| cat.explain(e))?;
        Ok(cat)
    }

    /// Path of the catalog file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks what the file is (writing nothing), then, when `writable`, migrates it.
    fn setup(&mut self, writable: bool, mode: OpenMode) -> Result<()> {
        self.conn.busy_timeout(std::time::Duration::from_secs(10))?;
        self.conn.pragma_update(None, "foreign_keys", true)?;
        let stamped = match self.contents()? {
            Contents::Foreign(why) => return Err(Error::NotKindredCatalog { path: self.path.clone(), why }),
            Contents::Empty if mode == OpenMode::Existing => return Err(no_library(&self.path)),
            Contents::Empty => false,
            Contents::Kindred => self.conn.pragma_query_value(None, "application_id", |r| r.get::<_, i32>(0))? == APPLICATION_ID,
        };
        let version: usize = self.conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
        if version > MIGRATIONS.len() {
            let what = format!("schema version {version} is newer than this Kindred understands ({})", MIGRATIONS.len());
            return Err(Error::Catalog { path: self.path.clone(), what, source: None });
        }
        if !writable {
            // Schema 2 only adds `embeddings.transparent`, which reads as 0 where it is missing
            // ([`Catalog::transparent`]), schema 3 the boards, read as an empty Favourites where
            // they are missing (catalog/boards.rs), schema 4 the roots, read as none: a library on
            // read-only media stays readable.
            if version < READABLE_FROM_SCHEMA {
                let what = format!("needs an upgrade (schema {version}) but is read-only");
                return Err(Error::Catalog { path: self.path.clone(), what, source: None });
            }
            return Ok(());
        }
        self.conn.pragma_update_and_check(None, "journal_mode", "wal", |_| Ok(()))?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        if !stamped {
            self.conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql).map_err(|e| open_error(&self.path, &format!("cannot migrate to schema {}", i + 1), e))?;
            if i + 1 == roots::SCHEMA {
                roots::backfill(&tx).map_err(|e| open_error(&self.path, "cannot migrate to schema 4", e))?;
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Whether the open file is empty, a Kindred catalog or someone else's database (read only).
    fn contents(&self) -> Result<Contents> {
        let app: i32 = self.conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        if app == APPLICATION_ID {
            return Ok(Contents::Kindred);
        }
        if app != 0 {
            return Ok(Contents::Foreign(format!("its SQLite application id is {app:#x}, not Kindred's")));
        }
        let mut stmt = self.conn.prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")?;
        let names: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        Ok(if names.is_empty() && version == 0 {
            Contents::Empty
        } else if (names == KINDRED_SCHEMA_NAMES && version >= 1)
            || (names == KINDRED_SCHEMA_3_NAMES && version >= 3)
            || (names == KINDRED_SCHEMA_4_NAMES && version >= 4)
        {
            // A catalog made before Kindred stamped its application id.
            Contents::Kindred
        } else {
            let mut listed = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
            if names.len() > 5 {
                listed.push_str(", …");
            }
            Contents::Foreign(if names.is_empty() {
                format!("an empty database of version {version}")
            } else {
                format!("it holds {listed}")
            })
        })
    }

    /// Names the catalog in an error from opening it; SQLite's "not a database" becomes
    /// [`Error::CatalogDamaged`], with advice the user can act on.
    fn explain(&self, e: Error) -> Error {
        match e {
            Error::Sqlite(e) => open_error(&self.path, "cannot open", e),
            e => e,
        }
    }

    /// Reads a `meta` value.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Writes a `meta` value.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", [key, value])?;
        Ok(())
    }

    /// Counter bumped by every write that changes what the index must contain.
    pub fn generation(&self) -> Result<u64> {
        Ok(self.meta("generation")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Starts a batch of writes, committed together.
    pub fn writer(&mut self) -> Result<Writer<'_>> {
        Ok(Writer { tx: self.conn.transaction()?, changed: false })
    }

    /// Counts by status, relative to the current model.
    pub fn counts(&self, model: &ModelId) -> Result<Counts> {
        let mut c = Counts::default();
        let mut stmt = self.conn.prepare(
            "SELECT a.status, e.model = ?1, count(*) FROM artworks a
             LEFT JOIN embeddings e ON e.artwork_id = a.id GROUP BY 1, 2",
        )?;
        let rows =
            stmt.query_map([model.as_str()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<bool>>(1)?, r.get::<_, i64>(2)? as u64)))?;
        for row in rows {
            let (status, current, n) = row?;
            match (Status::from_code(status)?, current) {
                (Status::Ok, Some(true)) => c.ok += n,
                (Status::Ok, _) => c.stale += n,
                (Status::Failed, _) => c.failed += n,
                (Status::Missing, _) => c.missing += n,
            }
        }
        Ok(c)
    }

    /// Per-path state of every catalogued file (for incremental import).
    pub fn file_states(&self, model: &ModelId) -> Result<HashMap<PathBuf, FileState>> {
        let mut stmt = self.conn.prepare(
            "SELECT a.id, a.path, a.size, a.mtime_ns, a.status, e.model = ?1
             FROM artworks a LEFT JOIN embeddings e ON e.artwork_id = a.id",
        )?;
        let rows = stmt.query_map([model.as_str()], |r| {
            Ok((r.get(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, i64>(2)?, r.get(3)?, r.get(4)?, r.get::<_, Option<bool>>(5)?))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (id, path, size, mtime_ns, status, current) = row?;
            let state = FileState { id, size: size as u64, mtime_ns, status: Status::from_code(status)?, embedded: current == Some(true) };
            out.insert(path_from_bytes(path), state);
        }
        Ok(out)
    }

    /// Artworks with current vectors, grouped by content hash (for moved-file and duplicate detection).
    pub fn embedded_by_hash(&self, model: &ModelId) -> Result<HashMap<[u8; 32], Vec<ArtworkId>>> {
        let mut stmt = self.conn.prepare(
            "SELECT a.hash, a.id FROM artworks a JOIN embeddings e ON e.artwork_id = a.id
             WHERE e.model = ?1 AND a.hash IS NOT NULL",
        )?;
        let mut out: HashMap<[u8; 32], Vec<ArtworkId>> = HashMap::new();
        for row in stmt.query_map([model.as_str()], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get(1)?)))? {
            let (hash, id) = row?;
            if let Ok(h) = <[u8; 32]>::try_from(hash.as_slice()) {
                out.entry(h).or_default().push(id);
            }
        }
        Ok(out)
    }

    /// One artwork by id.
    pub fn artwork(&self, id: ArtworkId) -> Result<Option<Artwork>> {
        self.query_artworks("WHERE id = ?1", [id]).map(|mut v| v.pop())
    }

    /// One artwork by path.
    pub fn artwork_by_path(&self, path: &Path) -> Result<Option<Artwork>> {
        self.query_artworks("WHERE path = ?1", [path_to_bytes(path)]).map(|mut v| v.pop())
    }

    /// All artworks with a given status, ordered by path.
    pub fn artworks_with_status(&self, status: Status) -> Result<Vec<Artwork>> {
        self.query_artworks("WHERE status = ?1 ORDER BY path", [status.code()])
    }

    fn query_artworks<P: rusqlite::Params>(&self, clause: &str, params: P) -> Result<Vec<Artwork>> {
        let sql = format!("SELECT id, path, size, mtime_ns, width, height, format, status, error FROM artworks {clause}");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params, |r| {
            Ok((r.get(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, i64>(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
        })?;
        rows.map(|row| {
            let (id, path, size, mtime_ns, width, height, format, status, error) = row?;
            Ok(Artwork {
                id,
                path: path_from_bytes(path),
                size: size as u64,
                mtime_ns,
                width,
                height,
                format,
                status: Status::from_code(status)?,
                error,
            })
        })
        .collect()
    }

    /// Current-model vectors of the given artworks (missing ones are simply absent).
    pub fn embeddings(&self, ids: &[ArtworkId], model: &ModelId) -> Result<HashMap<ArtworkId, Embedding>> {
        let sql = format!("SELECT {} FROM embeddings WHERE artwork_id = ?1 AND model = ?2", vector_columns(""));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut out = HashMap::with_capacity(ids.len());
        for &id in ids {
            let mut rows = stmt.query(params![id, model.as_str()])?;
            if let Some(row) = rows.next()? {
                out.insert(id, read_embedding(id, row, 0)?);
            }
        }
        Ok(out)
    }

    /// Content hashes (blake3) of the given artworks (unhashed ones are simply absent).
    pub fn hashes(&self, ids: &[ArtworkId]) -> Result<HashMap<ArtworkId, [u8; 32]>> {
        let mut stmt = self.conn.prepare_cached("SELECT hash FROM artworks WHERE id = ?1 AND hash IS NOT NULL")?;
        let mut out = HashMap::with_capacity(ids.len());
        for &id in ids {
            let hash: Option<Vec<u8>> = stmt.query_row([id], |r| r.get(0)).optional()?;
            if let Some(h) = hash.and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok()) {
                out.insert(id, h);
            }
        }
        Ok(out)
    }

    /// Ids of every artwork with status ok and current-model vectors, in id order (sampling for
    /// score calibration).
    pub fn embedded_ids(&self, model: &ModelId) -> Result<Vec<ArtworkId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.artwork_id FROM embeddings e JOIN artworks a ON a.id = e.artwork_id
             WHERE a.status = 0 AND e.model = ?1 ORDER BY e.artwork_id",
        )?;
        let ids = stmt.query_map([model.as_str()], |r| r.get(0))?;
        ids.map(|r| Ok(r?)).collect()
    }

    /// Calls `f` for every artwork with status ok and current-model vectors (index rebuilds).
    pub fn for_each_embedding(&self, model: &ModelId, mut f: impl FnMut(ArtworkId, Embedding) -> Result<()>) -> Result<()> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT e.artwork_id, {} FROM embeddings e
             JOIN artworks a ON a.id = e.artwork_id WHERE a.status = 0 AND e.model = ?1 ORDER BY e.artwork_id",
            vector_columns("e.")
        ))?;
        let mut rows = stmt.query([model.as_str()])?;
        while let Some(r) = rows.next()? {
            let id = r.get(0)?;
            f(id, read_embedding(id, r, 1)?)?;
        }
        Ok(())
    }

    /// Dominant colours of an artwork.
    pub fn palette(&self, id: ArtworkId) -> Result<Vec<Swatch>> {
        let json: Option<String> =
            self.conn.query_row("SELECT palette FROM embeddings WHERE artwork_id = ?1", [id], |r| r.get(0)).optional()?;
        match json {
            Some(j) => decode_palette(&j).map_err(|e| Error::CorruptRecord(format!("corrupt palette of artwork {id}: {e}"))),
            None => Ok(Vec::new()),
        }
    }

    /// Share of an artwork's pixels that are transparent (0 for an opaque picture or no vectors).
    pub fn transparent(&self, id: ArtworkId) -> Result<f32> {
        let share: Option<f64> = match self.conn.query_row("SELECT transparent FROM embeddings WHERE artwork_id = ?1", [id], |r| r.get(0)) {
            // A schema-1 catalog opened read-only (not migrated): no transparency recorded.
            Err(rusqlite::Error::SqliteFailure(_, Some(msg))) if msg.contains("no such column") => None,
            other => other.optional()?,
        };
        match share {
            Some(s) if (0.0..=1.0).contains(&s) => Ok(s as f32),
            Some(s) => Err(Error::CorruptRecord(format!("transparent share {s} of artwork {id} is not a fraction"))),
            None => Ok(0.0),
        }
    }

    /// Every artwork's share of transparent pixels, where it is above 0 (duplicate finding).
    pub fn transparent_shares(&self) -> Result<HashMap<ArtworkId, f32>> {
        let mut stmt = match self.conn.prepare("SELECT artwork_id, transparent FROM embeddings WHERE transparent > 0") {
            // A schema-1 catalog opened read-only (not migrated): no transparency recorded.
            Err(rusqlite::Error::SqliteFailure(_, Some(msg))) if msg.contains("no such column") => return Ok(HashMap::new()),
            other => other?,
        };
        let rows = stmt.query_map([], |r| Ok((r.get::<_, ArtworkId>(0)?, r.get::<_, f64>(1)? as f32)))?;
        rows.map(|r| Ok(r?)).collect()
    }

    /// JPEG thumbnail of an artwork.
    pub fn thumbnail(&self, id: ArtworkId) -> Result<Option<Vec<u8>>> {
        Ok(self.conn.query_row("SELECT jpeg FROM thumbnails WHERE artwork_id = ?1", [id], |r| r.get(0)).optional()?)
    }

    /// Runs SQLite's integrity check; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<()> {
        let res: String = self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if res != "ok" {
            return Err(Error::CatalogDamaged { path: self.path.clone(), reason: format!("integrity check: {res}") });
        }
        Ok(())
    }
}

/// A batch of catalog writes in one transaction. Dropping without `commit` rolls back.
pub struct Writer<'c> {
    tx: Transaction<'c>,
    changed: bool,
}

impl Writer<'_> {
    /// Records a decoded and embedded file (inserting or replacing by path) and returns its id.
    pub fn put_artwork(&mut self, a: &NewArtwork<'_>) -> Result<ArtworkId> {
        self.changed = true;
        let id = self.tx.query_row(
            "INSERT INTO artworks(path, size, mtime_ns, hash, width, height, format, status, error, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, NULL, unixepoch())
             ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, hash = excluded.hash,
                width = excluded.width, height = excluded.height, format = excluded.format, status = 0, error = NULL,
                updated = excluded.updated
             RETURNING id",
            params![path_to_bytes(a.path), a.size as i64, a.mtime_ns, &a.hash[..], a.width, a.height, a.format],
            |r| r.get(0),
        )?;
        Ok(id)
    }

    /// Stores an artwork's vectors, palette and transparent share, replacing older ones.
    pub fn put_features(&mut self, id: ArtworkId, model: &ModelId, features: &ArtworkFeatures) -> Result<()> {
        self.changed = true;
        let sql = format!(
            "INSERT OR REPLACE INTO embeddings(artwork_id, model, {}, palette, transparent) VALUES (?, ?, {}, ?, ?)",
            vector_columns(""),
            vec!["?"; Aspect::ALL.len()].join(", ")
        );
        let mut values: Vec<Value> = vec![Value::Integer(id), Value::Text(model.as_str().to_owned())];
        values.extend(features.embedding.iter().map(|(_, v)| Value::Blob(f32_bytes(v))));
        values.push(Value::Text(serde_json::to_string(&features.palette).expect("swatches serialise")));
        values.push(Value::Real(f64::from(features.transparent)));
        self.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))?;
        Ok(())
    }

    /// Stores an artwork's thumbnail.
    pub fn put_thumbnail(&mut self, id: ArtworkId, jpeg: &[u8]) -> Result<()> {
        self.tx.execute("INSERT OR REPLACE INTO thumbnails(artwork_id, jpeg) VALUES (?1, ?2)", params![id, jpeg])?;
        Ok(())
    }

    /// Copies vectors, palette and thumbnail from an artwork with identical content.
    pub fn copy_derived(&mut self, from: ArtworkId, to: ArtworkId) -> Result<()> {
        self.changed = true;
        self.tx.execute(
            &format!(
                "INSERT OR REPLACE INTO embeddings(artwork_id, model, {cols}, palette, transparent) SELECT ?2, model, {cols}, palette, transparent FROM embeddings WHERE artwork_id = ?1",
                cols = vector_columns("")
            ),
            params![from, to],
        )?;
        self.tx.execute("INSERT OR REPLACE INTO thumbnails SELECT ?2, jpeg FROM thumbnails WHERE artwork_id = ?1", params![from, to])?;
        self.tx.execute(
            "UPDATE artworks SET width = (SELECT width FROM artworks WHERE id = ?1),
                height = (SELECT height FROM artworks WHERE id = ?1), format = (SELECT format FROM artworks WHERE id = ?1)
             WHERE id = ?2",
            params![from, to],
        )?;
        Ok(())
    }

    /// Re-links an artwork to a new path (a moved file), keeping its vectors.
    pub fn move_artwork(&mut self, id: ArtworkId, path: &Path, size: u64, mtime_ns: i64) -> Result<()> {
        self.changed = true;
        // A stale row may already occupy the new path (e.g. a failed attempt): it is superseded.
        self.tx.execute("DELETE FROM artworks WHERE path = ?1 AND id != ?2", params![path_to_bytes(path), id])?;
        self.tx.execute(
            "UPDATE artworks SET path = ?2, size = ?3, mtime_ns = ?4, status = 0, error = NULL, updated = unixepoch() WHERE id = ?1",
            params![id, path_to_bytes(path), size as i64, mtime_ns],
        )?;
        Ok(())
    }

    /// Records new size and mtime for a file whose content is unchanged.
    pub fn touch(&mut self, id: ArtworkId, size: u64, mtime_ns: i64) -> Result<()> {
        self.tx.execute(
            "UPDATE artworks SET size = ?2, mtime_ns = ?3, status = 0, error = NULL, updated = unixepoch() WHERE id = ?1",
            params![id, size as i64, mtime_ns],
        )?;
        Ok(())
    }

    /// Records a file that could not be processed, with the reason.
    pub fn put_failure(&mut self, path: &Path, size: u64, mtime_ns: i64, error: &str) -> Result<ArtworkId> {
        self.changed = true;
        let id = self.tx.query_row(
            "INSERT INTO artworks(path, size, mtime_ns, status, error, updated) VALUES (?1, ?2, ?3, 1, ?4, unixepoch())
             ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, status = 1,
                error = excluded.error, updated = excluded.updated
             RETURNING id",
            params![path_to_bytes(path), size as i64, mtime_ns, error],
            |r| r.get(0),
        )?;
        self.tx.execute("DELETE FROM embeddings WHERE artwork_id = ?1", [id])?;
        Ok(id)
    }

    /// Marks artworks as missing (their file vanished).
    pub fn mark_missing(&mut self, id: ArtworkId) -> Result<()> {
        self.changed = true;
        self.tx.execute("UPDATE artworks SET status = 2, updated = unixepoch() WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Commits the batch, bumping the generation if anything index-relevant changed.
    pub fn commit(self) -> Result<()> {
        if self.changed {
            self.tx.execute(
                "INSERT INTO meta(key, value) VALUES ('generation', '1')
                 ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                [],
            )?;
        }
        self.tx.commit()?;
        Ok(())
    }
}

/// The error for a catalog that is not there: no library in its directory.
fn no_library(catalog: &Path) -> Error {
    Error::NoLibrary(catalog.parent().unwrap_or(catalog).to_path_buf())
}

/// `catalog.sqlite` + `suffix` (`-wal`, `-shm`) beside the catalog.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates `path` empty and readable by its owner only (0600), unless it exists. SQLite gives the
/// `-wal` and `-shm` files the main file's permissions, so the whole catalog stays private.
fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io("cannot create catalog", path, e)),
    }
}

/// A private temporary copy of a read-only catalog and its WAL (directory 0700, files 0600),
/// removed on drop.
struct PrivateCopy {
    dir: PathBuf,
}

impl PrivateCopy {
    fn new(catalog: &Path, wal: &Path) -> Result<Self> {
        let base = std::env::temp_dir();
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        let dir = (0u32..)
            .map(|i| base.join(format!("kindred-read-only-{}-{i}", std::process::id())))
            .find(|d| match builder.create(d) {
                Ok(()) => true,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                Err(_) => true, // reported by the copy below
            })
            .expect("an unused name");
        let copy = PrivateCopy { dir };
        for (from, name) in [(catalog, "catalog.sqlite"), (wal, "catalog.sqlite-wal")] {
            let to = copy.dir.join(name);
            create_private_file(&to)?;
            let mut src = std::fs::File::open(from).map_err(|e| Error::io("cannot read", from, e))?;
            let mut dst = std::fs::OpenOptions::new().write(true).open(&to).map_err(|e| Error::io("cannot copy catalog to", &to, e))?;
            std::io::copy(&mut src, &mut dst).map_err(|e| Error::io("cannot copy catalog to", &to, e))?;
        }
        Ok(copy)
    }

    fn catalog(&self) -> PathBuf {
        self.dir.join("catalog.sqlite")
    }
}

impl Drop for PrivateCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Percent-encodes a path for an SQLite URI (everything but unreserved characters and `/`).
fn percent_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Decodes a stored vector, checking its length (a damaged record is an error, not a panic).
pub fn decode_vector(bytes: &[u8], dim: usize) -> Result<Vec<f32>> {
    if bytes.len() != dim * 4 {
        return Err(Error::CorruptRecord(format!("vector has {} bytes, expected {}", bytes.len(), dim * 4)));
    }
    let v: Vec<f32> = bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    if v.iter().any(|x| !x.is_finite()) {
        return Err(Error::CorruptRecord("vector contains non-finite values".into()));
    }
    Ok(v)
}

/// Decodes a stored palette (JSON array of swatches), checking that each weight is a fraction.
pub fn decode_palette(json: &str) -> Result<Vec<Swatch>> {
    let palette: Vec<Swatch> = serde_json::from_str(json).map_err(|e| Error::CorruptRecord(format!("palette: {e}")))?;
    // JSON numbers beyond f32 range parse as infinity; weights are fractions of the pixels.
    if let Some(s) = palette.iter().find(|s| !(0.0..=1.0).contains(&s.weight)) {
        return Err(Error::CorruptRecord(format!("swatch weight {} is not a fraction", s.weight)));
    }
    Ok(palette)
}

/// Decodes a stored JPEG thumbnail to RGBA pixels (for display).
pub fn decode_thumbnail(jpeg: &[u8]) -> Result<image::RgbaImage> {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .map(|i| i.to_rgba8())
        .map_err(|e| Error::CorruptRecord(format!("thumbnail: {e}")))
}

/// The embeddings table's vector columns, one per aspect and named after it, in [`Aspect::ALL`]
/// order (`colour, texture, shape`), each prefixed with `table` (e.g. `e.`).
fn vector_columns(table: &str) -> String {
    Aspect::ALL.iter().map(|a| format!("{table}{a}")).collect::<Vec<_>>().join(", ")
}

/// The vectors of artwork `id` from `row`, whose columns from `first` on are [`vector_columns`].
fn read_embedding(id: ArtworkId, row: &rusqlite::Row<'_>, first: usize) -> Result<Embedding> {
    Embedding::try_from_fn(|a| {
        let bytes: Vec<u8> = row.get(first + a.index())?;
        decode_vector(&bytes, a.dim()).map_err(|e| Error::CorruptRecord(format!("corrupt {a} vector of artwork {id}: {e}")))
    })
}

/// An error from opening or migrating the catalog at `path`, as [`Error::CatalogDamaged`] when SQLite
/// says the file is corrupt or not a database.
fn open_error(path: &Path, what: &str, e: rusqlite::Error) -> Error {
    let damaged =
        e.sqlite_error_code().is_some_and(|code| matches!(code, rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt));
    if damaged {
        Error::CatalogDamaged { path: path.to_path_buf(), reason: e.to_string() }
    } else {
        Error::Catalog { path: path.to_path_buf(), what: what.to_owned(), source: Some(e) }
    }
}

#[cfg(unix)]
fn path_to_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(unix)]
fn path_from_bytes(b: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(b))
}

#[cfg(not(unix))]
fn path_to_bytes(p: &Path) -> Vec<u8> {
    p.to_string_lossy().into_owned().into_bytes()
}

#[cfg(not(unix))]
fn path_from_bytes(b: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&b).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emb(x: f32) -> Embedding {
        Embedding::from_fn(|a| vec![x; a.dim()])
    }

    #[test]
    fn round_trips_artworks_and_vectors() {
        let dir = tempfile::tempdir().unwrap();
        let mut cat = Catalog::open(&dir.path().join("c.sqlite")).unwrap();
        let model = ModelId::from_key("m@1");
        let mut w = cat.writer().unwrap();
        let hash = [7u8; 32];
        let id = w
            .put_artwork(&NewArtwork {
                path: Path::new("/a/b.png"),
                size: 10,
                mtime_ns: 5,
                hash: &hash,
                width: 3,
                height: 4,
                format: "png",
            })
            .unwrap();
        let features = ArtworkFeatures { embedding: emb(0.5), palette: vec![Swatch { rgb: [1, 2, 3], weight: 1.0 }], transparent: 0.25 };
        w.put_features(id, &model, &features).unwrap();
        w.put_failure(Path::new("/a/bad.jpg"), 0, 1, "empty file").unwrap();
        w.commit().unwrap();
        assert_eq!(cat.generation().unwrap(), 1);
        let c = cat.counts(&model).unwrap();
        assert_eq!((c.ok, c.failed, c.missing, c.stale), (1, 1, 0, 0));
        assert_eq!(cat.counts(&ModelId::from_key("other")).unwrap().stale, 1);
        assert_eq!(cat.embeddings(&[id], &model).unwrap()[&id], emb(0.5));
        assert_eq!(cat.palette(id).unwrap()[0].rgb, [1, 2, 3]);
        assert_eq!(cat.transparent(id).unwrap(), 0.25);
        assert_eq!(cat.embedded_by_hash(&model).unwrap()[&hash], vec![id]);
        let a = cat.artwork_by_path(Path::new("/a/b.png")).unwrap().unwrap();
        assert_eq!((a.id, a.width, a.status), (id, Some(3), Status::Ok));
        cat.integrity_check().unwrap();
    }

    #[test]
    fn damaged_vector_is_an_error_not_a_panic() {
        assert!(decode_vector(&[0u8; 7], 2).is_err());
        assert!(decode_vector(&f32::NAN.to_le_bytes(), 1).is_err());
        assert_eq!(decode_vector(&1.5f32.to_le_bytes(), 1).unwrap(), vec![1.5]);
    }

    #[test]
    fn a_kindred_catalog_is_stamped_and_one_made_before_the_stamp_is_still_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("catalog.sqlite");
        drop(Catalog::open(&p).unwrap());
        let app = |p: &Path| Connection::open(p).unwrap().pragma_query_value(None, "application_id", |r| r.get::<_, i32>(0)).unwrap();
        assert_eq!(app(&p), APPLICATION_ID);
        // As a catalog written before the stamp existed: same tables, no application id.
        Connection::open(&p).unwrap().pragma_update(None, "application_id", 0).unwrap();
        drop(Catalog::open_with(&p, OpenMode::Existing).expect("an older Kindred catalog opens"));
        assert_eq!(app(&p), APPLICATION_ID, "and is stamped when opened writable");
        // Missing or empty: no library, and nothing created in Existing mode.
        let absent = dir.path().join("absent.sqlite");
        assert!(matches!(Catalog::open_with(&absent, OpenMode::Existing), Err(Error::NoLibrary(_))));
        assert!(!absent.exists());
        let empty = dir.path().join("empty.sqlite");
        std::fs::write(&empty, b"").unwrap();
        assert!(matches!(Catalog::open_with(&empty, OpenMode::Existing), Err(Error::NoLibrary(_))));
        assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
    }

    #[test]
    fn someone_elses_database_is_refused_unwritten() {
        let dir = tempfile::tempdir().unwrap();
        for (name, sql) in [
            ("tables.sqlite", "CREATE TABLE artworks (x); CREATE TABLE photos (y);"),
            ("app-id.sqlite", "PRAGMA application_id = 1234;"),
            ("version.sqlite", "PRAGMA user_version = 7;"),
        ] {
            let p = dir.path().join(name);
            Connection::open(&p).unwrap().execute_batch(sql).unwrap();
            let before = std::fs::read(&p).unwrap();
            for mode in [OpenMode::Create, OpenMode::Existing] {
                let err = Catalog::open_with(&p, mode).err().expect("refused");
                assert!(matches!(err, Error::NotKindredCatalog { .. }), "{name}: {err}");
            }
            assert!(matches!(Catalog::open_read_only(&p), Err(Error::NotKindredCatalog { .. })), "{name}");
            assert!(std::fs::read(&p).unwrap() == before, "{name} was written");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_new_catalog_is_private_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("catalog.sqlite");
        let cat = Catalog::open(&p).unwrap();
        cat.set_meta("k", "v").unwrap();
        for f in [p.clone(), sidecar(&p, "-wal"), sidecar(&p, "-shm")] {
            assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o600, "{}", f.display());
        }
    }

    #[test]
    fn garbage_file_gets_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.sqlite");
        std::fs::write(&p, vec![0x5au8; 8192]).unwrap();
        let err = format!("{:#}", Catalog::open(&p).err().expect("garbage must not open"));
        assert!(err.contains("damaged") && err.contains("c.sqlite"), "{err}");
    }
}
