//! "Keep only this one" in a group of copies: the other files go to the system trash (restorable
//! from the file manager; never a hard delete), and the catalog marks them missing with a note
//! saying so and which copy was kept. Their records and vectors stay: restored from the trash,
//! a file comes back at the next rescan (or at once, while the folders are watched) as it was.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Library;
use crate::catalog::{ArtworkId, Status};
use crate::error::{Error, Result};
use crate::import::ImportSummary;

/// Where "keep only this one" sends files. The app and the CLI use [`SystemTrash`]; tests give
/// one that records what it was asked (a test machine may have no desktop trash).
pub trait Trash: Send + Sync + std::fmt::Debug {
    /// Moves `path` to the trash, or says why it could not.
    fn trash(&self, path: &Path) -> std::result::Result<(), String>;
}

/// The desktop's trash: the freedesktop.org Trash on Linux, the Recycle Bin, the macOS Trash.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemTrash;

impl Trash for SystemTrash {
    fn trash(&self, path: &Path) -> std::result::Result<(), String> {
        trash::delete(path).map_err(|e| e.to_string())
    }
}

/// What "keep only this one" did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct KeptOnly {
    /// The file kept.
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub kept: PathBuf,
    /// Files moved to the trash (and marked in the catalog).
    #[serde(serialize_with = "crate::pathtext::lossy_vec")]
    pub trashed: Vec<PathBuf>,
    /// Files left where they are, and why (changed since the import, already gone, the trash
    /// refused).
    #[serde(serialize_with = "crate::pathtext::lossy_pairs")]
    pub left: Vec<(PathBuf, String)>,
}

impl Library {
    /// Keeps artwork `keep` and moves each of `others` to `trash`, marking it in the catalog
    /// (missing, with a note) and taking it out of the index. An artwork is left alone (and listed
    /// in [`KeptOnly::left`]) when it is no longer searchable or its file changed since it was
    /// catalogued (it may no longer be a copy); nothing happens unless the one kept is there.
    pub fn keep_only(&mut self, keep: ArtworkId, others: &[ArtworkId], trash: &dyn Trash) -> Result<KeptOnly> {
        if self.read_only {
            return Err(Error::ReadOnly { dir: self.dir.clone(), action: "move its files to the trash" });
        }
        let _lock = self.write_lock()?;
        let kept = self.catalog.artwork(keep)?.filter(|a| a.status == Status::Ok && a.path.exists()).ok_or_else(|| {
            Error::Usage(format!("artwork {keep}, the copy to keep, is no longer in the library: nothing was moved to the trash"))
        })?;
        // The copy kept must still be the picture that was compared: if it was overwritten or
        // edited since, the others may be the only copies of the original left.
        if !unchanged(&kept.path, kept.size, kept.mtime_ns).unwrap_or(false) {
            return Err(Error::Usage(format!(
                "{}, the copy to keep, changed since it was imported: rescan, then look again; nothing was moved to the trash",
                kept.path.display()
            )));
        }
        let generation = self.catalog.generation()?;
        let note = format!("moved to the system trash on {} by “keep only this one”; the copy kept is {}", today(), kept.path.display());
        let mut done = KeptOnly { kept: kept.path.clone(), ..Default::default() };
        let mut summary = ImportSummary::default();
        for &id in others.iter().filter(|&&id| id != keep) {
            let Some(artwork) = self.catalog.artwork(id)?.filter(|a| a.status == Status::Ok) else {
                done.left.push((PathBuf::from(format!("artwork {id}")), "no longer in the library".into()));
                continue;
            };
            match unchanged(&artwork.path, artwork.size, artwork.mtime_ns) {
                Ok(true) => {}
                Ok(false) => {
                    done.left.push((artwork.path, "changed since it was imported: rescan, then look again".into()));
                    continue;
                }
                Err(e) => {
                    done.left.push((artwork.path, format!("cannot be read: {e}")));
                    continue;
                }
            }
            if let Err(why) = trash.trash(&artwork.path) {
                done.left.push((artwork.path, format!("could not be moved to the trash: {why}")));
                continue;
            }
            // One commit per file: the catalog follows the file system even if a later step fails.
            let mut writer = self.catalog.writer()?;
            writer.mark_trashed(id, &note)?;
            writer.commit()?;
            summary.removed_ids.push(id);
            done.trashed.push(artwork.path);
        }
        self.index.update_after_import(&self.catalog, &self.model, self.metric()?, generation, &summary)?;
        Ok(done)
    }
}

/// Today's date, e.g. "3 Dec 2026".
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    crate::readable::date(secs)
}

/// Whether the file at `path` is still the one catalogued: a file of that size and modification time.
fn unchanged(path: &std::path::Path, size: u64, mtime_ns: i64) -> std::io::Result<bool> {
    std::fs::metadata(path).map(|m| m.is_file() && m.len() == size && crate::import::mtime_ns(&m) == mtime_ns)
}
