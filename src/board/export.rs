//! Taking a board's files out: copies into a folder, keeping file names, a suffix on a collision
//! ("dawn (2).jpg"). Originals are only read; nothing in the folder is overwritten (each copy is
//! created new, so a file appearing meanwhile is not clobbered either).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, IoContext, Result};

/// What an export did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ExportSummary {
    /// Each copied file and where its copy is.
    pub copied: Vec<Copied>,
    /// Files not copied, and why (a missing file, a read error).
    #[serde(serialize_with = "crate::pathtext::lossy_pairs")]
    pub skipped: Vec<(PathBuf, String)>,
}

/// One copied file.
#[derive(Clone, Debug, Serialize)]
pub struct Copied {
    /// The original.
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub from: PathBuf,
    /// The copy.
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub to: PathBuf,
}

/// Copies `files` (path, known missing) into `dir`, made if needed.
pub fn copy_files(files: &[(PathBuf, bool)], dir: &Path) -> Result<ExportSummary> {
    fs::create_dir_all(dir).on_path("cannot create the export folder", dir)?;
    let mut summary = ExportSummary::default();
    for (from, missing) in files {
        if *missing || !from.is_file() {
            summary.skipped.push((from.clone(), "the file is missing (moved or deleted since it was imported)".into()));
            continue;
        }
        match copy_one(from, dir) {
            Ok(to) => summary.copied.push(Copied { from: from.clone(), to }),
            // The folder itself failing (full disk, no permission) fails the export.
            Err(CopyError::Dest(e)) => return Err(e),
            Err(CopyError::Source(e)) => summary.skipped.push((from.clone(), format!("cannot read it: {e}"))),
        }
    }
    Ok(summary)
}

enum CopyError {
    Source(io::Error),
    Dest(Error),
}

/// Copies one file under a free name in `dir`; a partial copy is removed.
fn copy_one(from: &Path, dir: &Path) -> std::result::Result<PathBuf, CopyError> {
    let mut src = File::open(from).map_err(CopyError::Source)?;
    let name = from.file_name().map(Path::new).unwrap_or(Path::new("artwork"));
    for n in 1.. {
        let to = dir.join(numbered(name, n));
        let mut dest = match File::create_new(&to) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(CopyError::Dest(Error::io("cannot create", &to, e))),
        };
        return match io::copy(&mut src, &mut dest).and_then(|_| dest.sync_all()) {
            Ok(()) => Ok(to),
            Err(e) => {
                let _ = fs::remove_file(&to);
                Err(CopyError::Dest(Error::io("cannot write", &to, e)))
            }
        };
    }
    unreachable!("some name is free")
}

/// `name` for the first copy, then "stem (n).ext".
fn numbered(name: &Path, n: usize) -> PathBuf {
    if n == 1 {
        return name.to_path_buf();
    }
    let stem = name.file_stem().unwrap_or(name.as_os_str());
    let mut out = stem.to_owned();
    out.push(format!(" ({n})"));
    if let Some(ext) = name.extension() {
        out.push(".");
        out.push(ext);
    }
    PathBuf::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collisions_get_a_suffix_and_nothing_is_overwritten_or_moved() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        fs::write(a.join("dawn.jpg"), b"first").unwrap();
        fs::write(b.join("dawn.jpg"), b"second").unwrap();
        let out = tmp.path().join("out");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("dawn.jpg"), b"already there").unwrap();
        let files = [(a.join("dawn.jpg"), false), (b.join("dawn.jpg"), false), (a.join("gone.png"), false)];
        let summary = copy_files(&files, &out).unwrap();
        let names: Vec<_> = summary.copied.iter().map(|c| c.to.file_name().unwrap().to_str().unwrap().to_owned()).collect();
        assert_eq!(names, ["dawn (2).jpg", "dawn (3).jpg"]);
        assert_eq!(fs::read(out.join("dawn.jpg")).unwrap(), b"already there");
        assert_eq!(fs::read(out.join("dawn (3).jpg")).unwrap(), b"second");
        assert!(a.join("dawn.jpg").exists() && b.join("dawn.jpg").exists(), "originals stay");
        assert_eq!(summary.skipped.len(), 1);
        assert_eq!(numbered(Path::new("README"), 2), Path::new("README (2)"));
    }
}
