//! The folders a library follows: its remembered roots, rescanning them, and importing what the
//! file system says changed ([`crate::watch`]). Everything goes through the one import, so a rescan
//! or a watched change has its guarantees: small transactions, bad files reported and remembered,
//! moves found by content hash, vanished files marked missing.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::{Library, SearchResults};
use crate::aspect::Weights;
use crate::catalog::Status;
use crate::catalog::roots::covering;
use crate::error::{Error, Result};
use crate::import::{ImportSummary, Progress};
use crate::query::Query;
use crate::watch::Changes;

/// Why a root was left out of a rescan: its artworks are kept as they were, not marked missing,
/// since a folder that is not there at all is more often an unplugged drive than a deletion.
pub const ROOT_NOT_FOUND: &str = "folder not found (an unplugged drive?): its artworks were kept as they were";

impl Library {
    /// True when the library cannot be written (search only): nothing to follow.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The folders (and files) this library follows: every path given to [`Library::import`],
    /// as the smallest set covering them.
    pub fn roots(&self) -> Result<Vec<PathBuf>> {
        self.catalog.roots()
    }

    /// Stops following a root (given as imported or as any path that resolves to it); its
    /// artworks stay in the library. False when it was not a root.
    pub fn forget_root(&mut self, root: &Path) -> Result<bool> {
        let _lock = self.write_lock()?;
        let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        Ok(self.catalog.forget_root(&canonical)? || self.catalog.forget_root(root)?)
    }

    /// Stops following the root `folder` (as given to import, or any path that resolves to it): no
    /// more rescans or watching of it. Its artworks stay in the library, searchable until removed.
    /// A path that is not a root is refused ([`crate::Error::Usage`], naming the roots), and so is
    /// a read-only library; nothing changes then.
    pub fn stop_following(&mut self, folder: &Path) -> Result<Unfollowed> {
        if self.read_only {
            return Err(Error::ReadOnly { dir: self.dir.clone(), action: "change the folders it follows" });
        }
        let roots = self.roots()?;
        // The folder may be gone (an unplugged drive): then it is matched as typed, made absolute.
        let candidates = [std::fs::canonicalize(folder).ok(), std::path::absolute(folder).ok(), Some(folder.to_path_buf())];
        let Some(root) = roots.iter().find(|r| candidates.iter().flatten().any(|c| c == *r)).cloned() else {
            return Err(Error::Usage(not_a_root(folder, candidates.iter().flatten(), &roots)));
        };
        let artworks = self.catalog.artworks_with_status(Status::Ok)?.iter().filter(|a| a.path.starts_with(&root)).count();
        self.forget_root(&root)?;
        Ok(Unfollowed { root, artworks })
    }

    /// Imports every root again: new files are added, changed ones embedded again, moved ones
    /// re-linked, vanished ones marked missing. A root that is not there is reported in the
    /// summary's errors ([`ROOT_NOT_FOUND`]) and its artworks are left as they are.
    pub fn rescan(&mut self, cancel: &AtomicBool, progress: &mut dyn FnMut(&Progress)) -> Result<ImportSummary> {
        let (present, absent): (Vec<PathBuf>, Vec<PathBuf>) = self.roots()?.into_iter().partition(|r| r.exists());
        let mut summary = self.import_paths(&present, cancel, progress)?;
        summary.errors.extend(absent.into_iter().map(|r| (r, ROOT_NOT_FOUND.to_string())));
        Ok(summary)
    }

    /// Imports what changed at `paths` (as a file-system watcher reports them): each existing file
    /// itself, and for anything gone the nearest folder still there, so vanished files are marked
    /// missing and moved ones re-linked. Paths outside the roots, hidden ones (which import skips)
    /// and the library's own files are ignored.
    pub fn import_changes(&mut self, paths: &[PathBuf], cancel: &AtomicBool, progress: &mut dyn FnMut(&Progress)) -> Result<ImportSummary> {
        let targets = rescan_targets(paths, &self.roots()?, &self.dir);
        self.import_paths(&targets, cancel, progress)
    }

    /// The folder tree of the searchable artworks ([`folder_tree`]).
    pub fn folders(&self) -> Result<Vec<Folder>> {
        let artworks = self.catalog.artworks_with_status(Status::Ok)?;
        Ok(folder_tree(&self.roots()?, artworks.iter().map(|a| a.path.as_path())))
    }

    /// [`Library::search`] among the artworks in `folder` (and its subfolders) only: the `k` best
    /// of them, scored exactly as the search scores them. Asks the search for more hits until `k`
    /// are in the folder or the library is exhausted.
    pub fn search_in(&mut self, query: &Query, weights: &Weights, k: usize, folder: &Path) -> Result<SearchResults> {
        let folder = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
        let total = self.catalog.counts(&self.model)?.ok as usize;
        let mut fetch = k.saturating_mul(4).max(64);
        loop {
            let mut results = self.search(query, weights, fetch)?;
            results.hits.retain(|h| h.path.starts_with(&folder));
            if results.hits.len() >= k || fetch >= total {
                results.hits.truncate(k);
                return Ok(results);
            }
            fetch = fetch.saturating_mul(4);
        }
    }

    /// Imports what a [`crate::watch::FolderWatcher`] reported: the changed paths, or every root
    /// when events were lost.
    pub fn follow_changes(&mut self, changes: &Changes, cancel: &AtomicBool, progress: &mut dyn FnMut(&Progress)) -> Result<ImportSummary> {
        if changes.rescan { self.rescan(cancel, progress) } else { self.import_changes(&changes.paths, cancel, progress) }
    }
}

/// What [`Library::stop_following`] did; its `Display` is the sentence the user reads.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Unfollowed {
    /// The folder no longer followed.
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub root: PathBuf,
    /// Searchable artworks in it, which stay in the library.
    pub artworks: usize,
}

impl std::fmt::Display for Unfollowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = match self.artworks {
            0 => "It held no artworks.".to_owned(),
            1 => "Its 1 artwork stays in the library and in searches.".to_owned(),
            n => format!("Its {} artworks stay in the library and in searches.", crate::readable::thousands(n)),
        };
        write!(f, "Stopped following {}: no more rescans or watching. {kept}", self.root.display())
    }
}

/// Why `folder` cannot be forgotten: it is inside a followed folder, or not followed at all.
fn not_a_root<'a>(folder: &Path, candidates: impl Iterator<Item = &'a PathBuf> + Clone, roots: &[PathBuf]) -> String {
    let inside = roots.iter().find(|r| candidates.clone().any(|c| c.starts_with(r)));
    match inside {
        Some(root) => format!(
            "{} is not a folder this library follows itself: it is inside {}, which is followed whole; nothing was changed",
            folder.display(),
            root.display()
        ),
        None if roots.is_empty() => {
            format!("{} is not a folder this library follows (it follows none); nothing was changed", folder.display())
        }
        None => {
            let list: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
            format!("{} is not a folder this library follows (it follows {}); nothing was changed", folder.display(), list.join(", "))
        }
    }
}

/// A folder of the library's folder tree.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Folder {
    /// The folder.
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub path: PathBuf,
    /// 0 for a root (or the folder of an artwork outside every root), 1 for its subfolders...
    pub depth: usize,
    /// Searchable artworks in it and its subfolders.
    pub artworks: usize,
}

/// The folder tree of artworks at `paths` under `roots`: each root and every folder below it that
/// holds artworks (directly or deeper), depth first in path order, with counts. An artwork
/// outside every root (one imported before roots were remembered, or under a forgotten root) is
/// counted in its own folder, listed at depth 0.
pub fn folder_tree<'a>(roots: &[PathBuf], paths: impl IntoIterator<Item = &'a Path>) -> Vec<Folder> {
    let mut folders: std::collections::BTreeMap<PathBuf, (usize, usize)> = std::collections::BTreeMap::new();
    // Roots that are artworks' files (imported one by one): not folders, not listed.
    let mut file_roots = std::collections::HashSet::new();
    for path in paths {
        if roots.iter().any(|r| r == path) {
            file_roots.insert(path.to_path_buf());
        }
        let Some(parent) = path.parent() else { continue };
        let root = roots.iter().filter(|r| path.starts_with(r) && *r != path).max_by_key(|r| r.as_os_str().len());
        let top = root.map_or(parent, PathBuf::as_path);
        let top_depth = top.components().count();
        for folder in parent.ancestors().take_while(|a| a.starts_with(top)) {
            let entry = folders.entry(folder.to_path_buf()).or_insert((folder.components().count() - top_depth, 0));
            entry.1 += 1;
        }
    }
    // Roots without artworks are listed too (a folder just followed, still empty).
    for root in roots.iter().filter(|r| !file_roots.contains(*r) && !r.is_file()) {
        folders.entry(root.clone()).or_insert((0, 0));
    }
    folders.into_iter().map(|(path, (depth, artworks))| Folder { path, depth, artworks }).collect()
}

/// What to import for the changed `paths`: the smallest covering set of existing files and
/// folders inside `roots`.
pub(super) fn rescan_targets(paths: &[PathBuf], roots: &[PathBuf], library: &Path) -> Vec<PathBuf> {
    let library = std::fs::canonicalize(library).unwrap_or_else(|_| library.to_path_buf());
    let mut targets = Vec::new();
    for path in paths {
        if path.starts_with(&library) {
            continue;
        }
        let Some(root) = roots.iter().filter(|r| path.starts_with(r)).max_by_key(|r| r.as_os_str().len()) else { continue };
        let inside = path.strip_prefix(root).unwrap_or(Path::new(""));
        if inside.components().any(|c| c.as_os_str().as_encoded_bytes().starts_with(b".")) {
            continue;
        }
        // The path itself when it is there, else the nearest folder that is (never above its root).
        let target = path.ancestors().take_while(|a| a.starts_with(root)).find(|a| a.exists());
        if let Some(target) = target {
            targets.push(target.to_path_buf());
        }
    }
    covering(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_tree_counts_artworks_in_each_folder_and_below() {
        let roots = [PathBuf::from("/art"), PathBuf::from("/scans")];
        let paths = ["/art/a.png", "/art/sky/b.png", "/art/sky/night/c.png", "/art/sky/night/d.png", "/art/sea/e.png", "/old/f.png"];
        let tree = folder_tree(&roots, paths.iter().map(Path::new));
        let listed: Vec<(&str, usize, usize)> = tree.iter().map(|f| (f.path.to_str().unwrap(), f.depth, f.artworks)).collect();
        assert_eq!(
            listed,
            [
                ("/art", 0, 5),
                ("/art/sea", 1, 1),
                ("/art/sky", 1, 3),
                ("/art/sky/night", 2, 2),
                ("/old", 0, 1),   // outside every root: its own folder
                ("/scans", 0, 0), // a root still empty
            ]
        );
    }

    #[test]
    fn changes_map_to_what_is_there_inside_the_roots() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("art");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/new.png"), b"x").unwrap();
        let lib = dir.path().join("art/.kindred");
        let changed = [
            root.join("sub/new.png"),         // there: itself
            root.join("gone/deeper/old.png"), // gone with its folder: the root
            root.join(".hidden/x.png"),       // hidden: ignored
            dir.path().join("elsewhere.png"), // outside the roots: ignored
            lib.join("catalog.sqlite-wal"),   // the library's own files: ignored
        ];
        assert_eq!(rescan_targets(&changed, std::slice::from_ref(&root), &lib), vec![root.clone()]);
        let changed = [root.join("sub/new.png"), root.join("sub/old.png")];
        assert_eq!(rescan_targets(&changed, std::slice::from_ref(&root), &lib), vec![root.join("sub")]);
        assert_eq!(rescan_targets(&changed[..1], std::slice::from_ref(&root), &lib), vec![root.join("sub/new.png")]);
    }
}
