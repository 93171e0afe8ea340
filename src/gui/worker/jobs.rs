//! Which long job a Cancel is for. Every import, rescan and import of the folders' changes gets an
//! id from one counter (the UI takes one when it asks for a job, the worker when it starts one
//! itself); a Cancel names the id it means. The library polls one flag, which is set only while
//! the job the Cancel named runs: a Cancel clicked as its job ends never stops the next one, and a
//! Cancel of a job still waiting its turn takes effect when it starts.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Cancels of jobs that have not started yet, kept at most (the oldest are dropped: only one job
/// the app asked for waits at a time).
const WAITING_CANCELS: usize = 16;

/// The job ids and cancel state shared by the UI and the worker.
#[derive(Default)]
pub struct Jobs {
    /// The last id handed out (ids start at 1).
    last: AtomicU64,
    /// The job running (or last run) and the jobs a Cancel was asked for, changed together.
    ids: Mutex<Ids>,
    /// What the library polls: stop the running job after its batch in flight.
    flag: AtomicBool,
    /// The app closes: every job is cancelled, whatever its id, and none starts
    /// ([`Jobs::is_closing`]; the thumbnail thread stops too).
    closing: AtomicBool,
}

#[derive(Default)]
struct Ids {
    current: u64,
    /// Jobs cancelled before they started.
    targets: Vec<u64>,
}

impl Jobs {
    /// A new job id.
    pub fn next_id(&self) -> u64 {
        self.last.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Cancels job `id`: now if it runs, when it starts if it waits; nothing if it already ended.
    pub fn cancel(&self, id: u64) {
        let mut ids = self.lock();
        if ids.current == id {
            self.flag.store(true, Ordering::SeqCst);
        } else if !ids.targets.contains(&id) {
            if ids.targets.len() == WAITING_CANCELS {
                ids.targets.remove(0);
            }
            ids.targets.push(id);
        }
    }

    /// Job `id` starts: the flag says whether a Cancel was asked for it (or the app closes).
    pub fn start(&self, id: u64) {
        let mut ids = self.lock();
        ids.current = id;
        let asked = ids.targets.iter().position(|&t| t == id).map(|at| ids.targets.remove(at)).is_some();
        self.flag.store(asked || self.is_closing(), Ordering::SeqCst);
    }

    /// The app closes: the running job stops and every later one starts cancelled.
    pub fn close(&self) {
        // Under the lock, as `start` reads it: a job starting now sees the close.
        let _ids = self.lock();
        self.closing.store(true, Ordering::SeqCst);
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Whether the app is closing.
    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// The flag the library polls.
    pub fn flag(&self) -> &AtomicBool {
        &self.flag
    }

    /// The ids stay consistent even if a thread panicked holding them.
    fn lock(&self) -> std::sync::MutexGuard<'_, Ids> {
        self.ids.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cancelled(jobs: &Jobs) -> bool {
        jobs.flag().load(Ordering::SeqCst)
    }

    #[test]
    fn a_cancel_stops_only_the_job_it_names() {
        let jobs = Jobs::default();
        let (x, y) = (jobs.next_id(), jobs.next_id());
        assert_ne!(x, y);
        jobs.start(x);
        jobs.cancel(x);
        assert!(cancelled(&jobs), "the running job is cancelled");
        jobs.start(y);
        assert!(!cancelled(&jobs), "the next job starts uncancelled");
        jobs.cancel(x);
        assert!(!cancelled(&jobs), "a late Cancel for the job that ended does not stop the next");
    }

    #[test]
    fn a_cancel_of_a_waiting_job_stops_it_when_it_starts() {
        let jobs = Jobs::default();
        let (import, rescan) = (jobs.next_id(), jobs.next_id());
        jobs.cancel(import);
        jobs.start(rescan);
        assert!(!cancelled(&jobs), "the job in front of it runs");
        jobs.cancel(rescan);
        assert!(cancelled(&jobs), "and can be cancelled too");
        jobs.start(import);
        assert!(cancelled(&jobs), "the waiting job starts cancelled");
    }

    #[test]
    fn closing_cancels_every_job() {
        let jobs = Jobs::default();
        jobs.start(jobs.next_id());
        jobs.close();
        assert!(cancelled(&jobs));
        jobs.start(jobs.next_id());
        assert!(cancelled(&jobs), "a job started after the close");
    }
}
