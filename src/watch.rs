//! Following a library's roots with file-system notifications (inotify on Linux, through `notify`
//! and its debouncer): bursts of events become batches of changed paths, which the library imports
//! ([`crate::Library::follow_changes`]) with the guarantees of `import`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, unbounded};
use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::error::{Error, Result};

/// How long a path must be quiet before its change is imported: long enough for an editor's
/// save or a copy in progress to settle, short enough to feel immediate.
pub const DEBOUNCE: Duration = Duration::from_millis(800);

/// What the file system reported since the last batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Paths created, changed, moved or deleted (either end of a move).
    pub paths: Vec<PathBuf>,
    /// Events were lost (the kernel's queue overflowed, or the watcher failed): only a rescan of
    /// every root is sure to catch up.
    pub rescan: bool,
}

impl Changes {
    /// Adds a later batch to this one.
    pub fn merge(&mut self, later: Changes) {
        self.paths.extend(later.paths);
        self.paths.sort();
        self.paths.dedup();
        self.rescan |= later.rescan;
    }

    /// Nothing to do.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.rescan
    }
}

/// Watches a set of roots; batches of [`Changes`] arrive on [`FolderWatcher::changes`].
pub struct FolderWatcher {
    debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    followed: Vec<PathBuf>,
    changes: Receiver<Changes>,
}

impl FolderWatcher {
    /// A watcher following nothing yet; changes are batched after `debounce` of quiet.
    pub fn new(debounce: Duration) -> Result<Self> {
        let (tx, changes) = unbounded();
        let debouncer = new_debouncer(debounce, None, move |result: DebounceEventResult| forward(&tx, result)).map_err(Error::Watch)?;
        Ok(Self { debouncer, followed: Vec::new(), changes })
    }

    /// Follows exactly `roots` from now on (those no longer listed are let go). A root that cannot
    /// be followed (gone, unreadable, the system's limit of watched folders reached) is returned
    /// with the reason; the others are followed.
    pub fn follow(&mut self, roots: &[PathBuf]) -> Vec<(PathBuf, String)> {
        for old in self.followed.iter().filter(|r| !roots.contains(r)) {
            let _ = self.debouncer.unwatch(old);
        }
        let mut failed = Vec::new();
        let mut followed = Vec::new();
        for root in roots {
            if self.followed.contains(root) {
                followed.push(root.clone());
                continue;
            }
            match self.debouncer.watch(root, RecursiveMode::Recursive) {
                Ok(()) => followed.push(root.clone()),
                Err(e) => failed.push((root.clone(), why_not(root, &e))),
            }
        }
        self.followed = followed;
        failed
    }

    /// The roots being followed.
    pub fn followed(&self) -> &[PathBuf] {
        &self.followed
    }

    /// Batches of changes, in order.
    pub fn changes(&self) -> &Receiver<Changes> {
        &self.changes
    }

    /// Everything that arrived so far, merged (without waiting).
    pub fn drain(&self) -> Changes {
        let mut all = Changes::default();
        for changes in self.changes.try_iter() {
            all.merge(changes);
        }
        all
    }
}

/// Turns a debounced batch into [`Changes`].
fn forward(tx: &Sender<Changes>, result: DebounceEventResult) {
    let changes = match result {
        Ok(events) => {
            let mut changes = Changes::default();
            for event in events {
                changes.rescan |= event.need_rescan();
                if !event.kind.is_access() {
                    changes.paths.extend(event.paths.iter().cloned());
                }
            }
            changes.paths.sort();
            changes.paths.dedup();
            changes
        }
        Err(_) => Changes { paths: Vec::new(), rescan: true },
    };
    if !changes.is_empty() {
        let _ = tx.send(changes);
    }
}

/// Why a root cannot be followed, in the user's words.
fn why_not(root: &Path, e: &notify::Error) -> String {
    match &e.kind {
        notify::ErrorKind::MaxFilesWatch => "the system's limit of watched folders is reached; raise it with \
             `sudo sysctl fs.inotify.max_user_watches=524288` (changes there are picked up by a rescan)"
            .into(),
        notify::ErrorKind::PathNotFound => "folder not found".into(),
        _ if !root.exists() => "folder not found".into(),
        _ => format!("cannot follow it: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn wait_for(watcher: &FolderWatcher, what: impl Fn(&Changes) -> bool) -> Changes {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Changes::default();
        while Instant::now() < deadline {
            if let Ok(c) = watcher.changes().recv_timeout(Duration::from_millis(200)) {
                seen.merge(c);
                if what(&seen) {
                    return seen;
                }
            }
        }
        panic!("no such change within 20 s; saw {seen:?}");
    }

    #[test]
    fn a_new_file_in_a_subfolder_is_reported_and_an_unfollowed_root_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(a.join("sub")).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let mut watcher = FolderWatcher::new(Duration::from_millis(100)).unwrap();
        let missing = dir.path().join("nowhere");
        let failed = watcher.follow(&[a.clone(), b.clone(), missing.clone()]);
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert_eq!((&failed[0].0, failed[0].1.as_str()), (&missing, "folder not found"));
        assert!(watcher.follow(std::slice::from_ref(&a)).is_empty());
        assert_eq!(watcher.followed(), std::slice::from_ref(&a));
        std::fs::write(b.join("ignored.png"), b"x").unwrap();
        std::fs::write(a.join("sub/new.png"), b"x").unwrap();
        let seen = wait_for(&watcher, |c| c.paths.contains(&a.join("sub/new.png")));
        assert!(!seen.paths.iter().any(|p| p.starts_with(&b)), "{seen:?}");
    }
}
