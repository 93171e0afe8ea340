//! The folders a library follows (schema 4): every path given to `import`, kept as the smallest set
//! that covers them (a folder inside a remembered one adds nothing; a folder holding remembered
//! ones replaces them). Rescans, `kindred watch` and the folder tree start from them.

use std::path::{Path, PathBuf};

use rusqlite::Transaction;

use super::{Catalog, Status, path_from_bytes, path_to_bytes};
use crate::error::Result;

/// The schema that added the roots.
pub(super) const SCHEMA: usize = 4;

/// Whether an error says the roots table is not there: a catalog of schema 3 or older opened
/// read-only (not migrated), which follows no folders.
fn no_roots_table(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.contains("no such table"))
}

impl Catalog {
    /// The remembered roots, by path.
    pub fn roots(&self) -> Result<Vec<PathBuf>> {
        let mut stmt = match self.conn.prepare("SELECT path FROM roots ORDER BY path") {
            Err(e) if no_roots_table(&e) => return Ok(Vec::new()),
            other => other?,
        };
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        Ok(rows.map(|r| r.map(path_from_bytes)).collect::<rusqlite::Result<_>>()?)
    }

    /// Remembers `paths` (canonical) as roots, keeping the set minimal; returns those that were
    /// not covered before.
    pub fn remember_roots(&mut self, paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
        let old = self.roots()?;
        let mut all = old.clone();
        all.extend(paths.iter().cloned());
        let kept = covering(all);
        let tx = self.conn.transaction()?;
        for gone in old.iter().filter(|p| !kept.contains(p)) {
            tx.execute("DELETE FROM roots WHERE path = ?1", [path_to_bytes(gone)])?;
        }
        let added: Vec<PathBuf> = kept.into_iter().filter(|p| !old.contains(p)).collect();
        for path in &added {
            tx.execute("INSERT OR IGNORE INTO roots(path, added) VALUES (?1, unixepoch())", [path_to_bytes(path)])?;
        }
        tx.commit()?;
        Ok(added)
    }

    /// Forgets a root (its artworks stay catalogued); false when it was not one.
    pub fn forget_root(&mut self, path: &Path) -> Result<bool> {
        Ok(self.conn.execute("DELETE FROM roots WHERE path = ?1", [path_to_bytes(path)])? > 0)
    }
}

/// The smallest set of paths covering `paths`: a path inside another is dropped. Sorted.
pub fn covering(mut paths: Vec<PathBuf>) -> Vec<PathBuf> {
    paths.sort();
    paths.dedup();
    let mut kept: Vec<PathBuf> = Vec::with_capacity(paths.len());
    for path in paths {
        // Sorted: a path's ancestors sort before it, and the last kept one is the only candidate
        // (anything between an ancestor and its descendants is itself inside the ancestor).
        if !kept.last().is_some_and(|k| path.starts_with(k)) {
            kept.push(path);
        }
    }
    kept
}

/// Gives a catalog migrated from before roots existed the folders its artworks are in (those
/// whose files were found at the last import: ok or failed, not missing). The folders, not a
/// common ancestor: the library then follows no folder the user never imported (two sibling
/// folders do not make their parent, perhaps the home folder, a root). A folder that holds
/// another artwork's folder is not followed whole either (one picture saved in the home folder
/// beside `~/art` must not make the library follow all of home): its own artworks become file
/// roots. A folder later imported whole replaces what is inside it.
pub(super) fn backfill(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare("SELECT DISTINCT path FROM artworks WHERE status != ?1")?;
    let paths = stmt.query_map([Status::Missing.code()], |r| r.get::<_, Vec<u8>>(0))?;
    let mut by_folder: std::collections::BTreeMap<PathBuf, Vec<PathBuf>> = Default::default();
    for path in paths {
        let path = path_from_bytes(path?);
        if let Some(folder) = path.parent() {
            by_folder.entry(folder.to_path_buf()).or_default().push(path);
        }
    }
    // Sorted by components: a folder's descendants come right after it.
    let folders: Vec<&PathBuf> = by_folder.keys().collect();
    let mut roots = Vec::new();
    for (i, folder) in folders.iter().enumerate() {
        let holds_another = folders.get(i + 1).is_some_and(|next| next.starts_with(folder));
        if holds_another {
            roots.extend(by_folder[*folder].iter().cloned());
        } else {
            roots.push((*folder).clone());
        }
    }
    for root in covering(roots) {
        tx.execute("INSERT OR IGNORE INTO roots(path, added) VALUES (?1, unixepoch())", [path_to_bytes(&root)])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::NewArtwork;

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn roots_stay_the_smallest_covering_set() {
        let dir = tempfile::tempdir().unwrap();
        let mut cat = Catalog::open(&dir.path().join("c.sqlite")).unwrap();
        assert!(cat.roots().unwrap().is_empty());
        assert_eq!(cat.remember_roots(&paths(&["/art/sketches", "/photos"])).unwrap(), paths(&["/art/sketches", "/photos"]));
        assert!(cat.remember_roots(&paths(&["/art/sketches/2024", "/photos"])).unwrap().is_empty(), "already covered");
        // A parent replaces the folders inside it; a sibling whose name extends another's is not inside it.
        assert_eq!(cat.remember_roots(&paths(&["/art", "/photos-old"])).unwrap(), paths(&["/art", "/photos-old"]));
        assert_eq!(cat.roots().unwrap(), paths(&["/art", "/photos", "/photos-old"]));
        assert!(cat.forget_root(Path::new("/photos")).unwrap());
        assert!(!cat.forget_root(Path::new("/photos")).unwrap());
        assert_eq!(cat.roots().unwrap(), paths(&["/art", "/photos-old"]));
    }

    /// A catalog as schema 3 left it (no roots table) at `path`, holding `files`; those under
    /// `/gone` are missing.
    fn schema_3_catalog(path: &Path, files: &[&str]) {
        let mut cat = Catalog::open(path).unwrap();
        let mut w = cat.writer().unwrap();
        for (i, p) in files.iter().enumerate() {
            let a = NewArtwork { path: Path::new(p), size: 1, mtime_ns: 1, hash: &[i as u8; 32], width: 2, height: 2, format: "png" };
            let id = w.put_artwork(&a).unwrap();
            if p.starts_with("/gone") {
                w.mark_missing(id).unwrap();
            }
        }
        w.commit().unwrap();
        cat.conn.execute_batch("DROP TABLE roots; PRAGMA user_version = 3;").unwrap();
    }

    /// A library from before schema 4 follows the folders its found artworks are in.
    #[test]
    fn an_older_catalog_gains_the_folders_of_its_artworks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        schema_3_catalog(&path, &["/art/a.png", "/art/sub/b.png", "/art/sub/deeper/c.png", "/scans/d.png", "/gone/e.png"]);
        // Read-only, not migrated: no roots, no error.
        assert!(Catalog::open_read_only(&path).unwrap().roots().unwrap().is_empty());
        let cat = Catalog::open(&path).unwrap();
        // /art holds /art/sub, which holds /art/sub/deeper: their own artworks are followed as
        // files, the innermost folder whole (`kindred import /art` makes /art a root again).
        assert_eq!(cat.roots().unwrap(), paths(&["/art/a.png", "/art/sub/b.png", "/art/sub/deeper", "/scans"]));
    }

    /// One picture saved in the home folder beside an imported art folder: the home folder is not
    /// followed (it would import every image in it).
    #[test]
    fn an_older_catalog_does_not_follow_the_folder_above_its_art() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        schema_3_catalog(&path, &["/home/u/wallpaper.png", "/home/u/art/a.png", "/home/u/art/b.png"]);
        let cat = Catalog::open(&path).unwrap();
        assert_eq!(cat.roots().unwrap(), paths(&["/home/u/art", "/home/u/wallpaper.png"]));
    }
}
