//! `kindred watch`: catches up with a rescan, then imports what changes in the library's folders
//! until Ctrl-C, one summary line per batch of changes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::import::ImportSummary;
use crate::library::Library;
use crate::pathtext::{printable, printable_path};
use crate::watch::{Changes, DEBOUNCE, FolderWatcher};

/// How often the roots are read again (another `import` may add one) and a change that met the
/// write lock is retried.
const RECHECK: Duration = Duration::from_secs(2);

pub(super) fn run(library: &mut Library, json: bool) -> Result<()> {
    let roots = library.roots()?;
    if roots.is_empty() {
        bail!("the library follows no folders yet: import one with `kindred import FOLDER`");
    }
    if library.is_read_only() {
        bail!("the library is read-only here: changes could not be imported");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // First Ctrl-C: finish the batch in flight and stop. Second: leave at once.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    let mut watcher = FolderWatcher::new(DEBOUNCE)?;
    // Follow first, then rescan: nothing that changes during the rescan is missed.
    follow(&mut watcher, &roots);
    // The roots asked for: a root that is not there (an unplugged drive) is not followed, and is
    // followed again only when the roots change or it comes back, not on every recheck.
    let mut asked = roots.clone();
    let list: Vec<String> = roots.iter().map(|r| printable_path(r)).collect();
    eprintln!("watching {} (Ctrl-C to stop)", list.join(", "));
    let mut pending = Changes { paths: Vec::new(), rescan: true };
    let mut checked = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        if let Ok(changes) = watcher.changes().recv_timeout(Duration::from_millis(250)) {
            pending.merge(changes);
            pending.merge(watcher.drain());
        }
        if checked.elapsed() >= RECHECK {
            checked = Instant::now();
            let roots = library.roots()?;
            let back = roots.iter().any(|r| !watcher.followed().contains(r) && r.exists());
            if roots != asked || back {
                follow(&mut watcher, &roots);
                asked = roots;
                pending.rescan = true;
            }
        }
        if pending.is_empty() {
            continue;
        }
        match library.follow_changes(&pending, &stop, &mut |_| {}) {
            Ok(summary) => {
                pending = Changes::default();
                report(&summary, json)?;
            }
            // Another process imports: the changes wait for it.
            Err(crate::Error::Locked(_)) => std::thread::sleep(RECHECK),
            Err(e) => {
                pending = Changes::default();
                let why = anyhow::Error::from(e).chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ");
                eprintln!("kindred: error: {}", printable(why.as_bytes()));
            }
        }
        while let Some(notice) = library.take_notice() {
            super::print_notice(&notice);
        }
    }
    Ok(())
}

fn follow(watcher: &mut FolderWatcher, roots: &[std::path::PathBuf]) {
    for (root, why) in watcher.follow(roots) {
        eprintln!("kindred: note: not following {}: {}", printable_path(&root), printable(why.as_bytes()));
    }
}

/// One line per batch that changed something (and its errors); quiet otherwise.
fn report(summary: &ImportSummary, json: bool) -> Result<()> {
    if summary.changed() == 0 && summary.errors.is_empty() {
        return Ok(());
    }
    if json {
        println!("{}", serde_json::to_string(summary)?);
    } else {
        super::print_summary(summary);
    }
    Ok(())
}
