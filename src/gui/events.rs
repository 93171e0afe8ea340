//! Answers from the worker, applied at the start of a frame. Only answers to what is still on
//! screen are kept: a search answer must carry the token the current query waits for.

use eframe::egui;

use crate::catalog::ArtworkId;
use crate::search::Query;

use super::action::{Action, Copied};
use super::app::{KindredApp, file_name};
use super::banner::capitalise;
use super::import::RunningImport;
use super::loader::{Loaded, Purpose};
use super::ranked::Ranked;
use super::state::{QueryView, SearchFailure, SearchState, View};
use super::worker::{Command, Event, Job};

impl KindredApp {
    /// Applies the worker's answers received since the last frame.
    pub(super) fn handle_events(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        let events: Vec<Event> = self.worker.poll().collect();
        for event in events {
            self.handle_event(ctx, event, actions);
        }
        let loaded: Vec<Loaded> = self.loader.poll().collect();
        for answer in loaded {
            self.handle_loaded(ctx, answer);
        }
    }

    /// Applies one decoded image: the lightbox's, the large preview's, or pixels to copy.
    pub(super) fn handle_loaded(&mut self, ctx: &egui::Context, answer: Loaded) {
        match answer.purpose {
            Purpose::Lightbox => {
                if let Some(lightbox) = &mut self.lightbox
                    && lightbox.item().path == answer.path
                {
                    lightbox.loaded(ctx, answer.token, answer.image);
                }
            }
            Purpose::Preview => self.detail.loaded(ctx, answer.token, answer.image),
            Purpose::Copy if answer.token == self.copy_token => match answer.image {
                Ok(img) => {
                    ctx.copy_image(egui::ColorImage::from_rgba_unmultiplied(img.size, &img.rgba));
                    self.copied = Some(Copied::Image { path: answer.path, size: img.size });
                }
                Err(reason) => self.banner = Some(format!("Cannot copy {}: {reason}", file_name(&answer.path))),
            },
            Purpose::Copy => {}
        }
    }

    /// Applies one answer; a failed file query also pushes [`Action::Back`].
    pub(super) fn handle_event(&mut self, ctx: &egui::Context, event: Event, actions: &mut Vec<Action>) {
        match event {
            Event::Started { job, id } => self.job_started(job, id),
            Event::Postponed => self.import.running = self.import.queued.take(),
            Event::Progress(p) => {
                if let Some(running) = &mut self.import.running {
                    running.progress = Some(p);
                }
            }
            Event::ImportDone(summary) => {
                self.import.last_job = self.import.running.take().map_or(Job::Import, |r| r.job);
                self.import.running = self.import.queued.take();
                self.import.last = Some(summary);
                self.refresh_library();
                // Thumbnails of re-imported artworks may have changed.
                self.thumbs.clear();
                self.detail.clear();
                if let Some(map) = &mut self.map {
                    map.refresh(&self.worker);
                }
            }
            Event::FoldersChanged(summary) => {
                self.import.running = self.import.queued.take();
                self.status.folders_changed(&summary);
                if summary.changed() == 0 {
                    return;
                }
                self.refresh_library();
                if summary.updated + summary.moved > 0 {
                    self.thumbs.clear();
                    self.detail.clear();
                }
                // The catalog changed: the map shown is stale.
                if let Some(map) = &mut self.map {
                    map.refresh(&self.worker);
                }
            }
            Event::ImportFailed(msg) => {
                self.import.running = self.import.queued.take();
                self.banner = Some(msg);
                self.refresh_library();
            }
            Event::Results { token, results } => {
                if let Some(q) = self.awaiting(token) {
                    let ranked = Box::new(Ranked::unfolding(results.hits, q.unfolded.clone()));
                    let at = |id: ArtworkId| ranked.hits().iter().position(|h| h.id == id);
                    if let Some((selected, marked)) = q.keep.take() {
                        // "Show more": the same artworks stay selected and marked.
                        q.results.selected = selected.and_then(at);
                        q.results.marked = marked.into_iter().filter_map(at).collect();
                    } else if q.results.selected.is_some_and(|s| s >= ranked.hits().len()) {
                        q.results.selected = None;
                    }
                    q.search = SearchState::Ready(ranked);
                }
            }
            Event::QueryFailed { token, path, reason, not_an_image } => {
                let Some(q) = self.awaiting(token) else { return };
                let name = path.as_deref().map(file_name).unwrap_or_default();
                let message = if not_an_image {
                    format!("Not an image Kindred can read: {name} ({reason})")
                } else {
                    format!("Search failed: {reason}")
                };
                // The failed query leaves the trail, back to the view it was dropped on.
                if path.is_some() && matches!(&q.current().query, Query::File(p) if Some(p) == path.as_ref()) {
                    actions.push(Action::Back);
                }
                q.search = SearchState::Failed(SearchFailure::Query(reason));
                self.banner = Some(message);
            }
            Event::Thumbnail { key, epoch, size, rgba } => self.thumbs.insert(ctx, key, epoch, size, &rgba),
            Event::Details { key, details } => self.detail.insert(key, details),
            Event::Artworks(list) => self.library.set_artworks(list),
            Event::Info(info) => {
                self.library.set_roots(info.roots.clone());
                self.status.info = Some(*info);
            }
            Event::Failures(list) => self.status.problems = Some(list),
            Event::Error(msg) => {
                if let View::Duplicates(d) = &mut self.view {
                    d.trashing = false;
                }
                self.banner = Some(msg)
            }
            Event::Map { weights, map } => {
                if let Some(view) = &mut self.map {
                    view.loaded(weights, map.map(|m| *m));
                }
            }
            Event::Duplicates(groups) => self.duplicates_found(groups),
            Event::KeptOnly(done) => self.kept_only(done),
            Event::Boards(list) => self.boards.list = list,
            Event::Board(board) => {
                if let View::Board(b) = &mut self.view
                    && b.id == board.summary.id
                {
                    b.board = Some(board);
                }
            }
            Event::BoardChanged(message) => self.boards.message = Some((message, std::time::Instant::now())),
            Event::Notice(msg) => self.banner = Some(capitalise(&msg)),
        }
    }

    /// A job started on the worker: the one the app asked for (a Cancel clicked while it waited
    /// reached the worker by its id), or one the worker started itself (a rescan, the watcher's
    /// changes), shown with progress and Cancel while the app's job waits behind it, unchanged.
    fn job_started(&mut self, job: Job, id: u64) {
        let import = &mut self.import;
        if let Some(running) = import.running.as_mut().filter(|r| r.id == id) {
            running.waiting = false;
            return;
        }
        if import.queued.as_ref().is_some_and(|q| q.id == id) {
            import.running = import.queued.take();
        } else if import.running.as_ref().is_some_and(|r| r.waiting) && import.queued.is_none() {
            import.queued = import.running.take();
        }
        match &mut import.running {
            Some(running) if running.id == id => running.waiting = false,
            _ => import.running = Some(RunningImport::of(job, id)),
        }
    }

    /// The query view, if it waits for the answer to `token`.
    fn awaiting(&mut self, token: u64) -> Option<&mut QueryView> {
        match &mut self.view {
            View::Query(q) if matches!(q.search, SearchState::Searching { token: t } if t == token) => Some(q),
            _ => None,
        }
    }

    /// Asks for the artwork list and library info again (after an import).
    fn refresh_library(&self) {
        self.worker.send(Command::ListArtworks);
        self.worker.send(Command::Info);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use eframe::egui;

    use super::*;
    use crate::import::ImportSummary;

    /// Asks for an import as the user does; its id, from the command sent.
    fn start_import(app: &mut KindredApp, commands: &crossbeam_channel::Receiver<Command>) -> u64 {
        app.apply(Action::StartImport(vec!["/art".into()]));
        commands.try_iter().find_map(|c| if let Command::Import { id, .. } = c { Some(id) } else { None }).expect("an import sent")
    }

    fn started(app: &mut KindredApp, job: Job, id: u64) {
        app.handle_event(&egui::Context::default(), Event::Started { job, id }, &mut Vec::new());
    }

    /// Whether the job the worker runs now is asked to stop.
    fn cancelled(app: &KindredApp) -> bool {
        app.worker.jobs().flag().load(Ordering::SeqCst)
    }

    /// A Cancel clicked while the import waited, whose `Started` the app reads only after the
    /// worker finished it and began its own job: that job runs on.
    #[test]
    fn a_cancel_for_one_job_never_stops_the_job_after_it() {
        let (mut app, commands) = KindredApp::detached();
        let import = start_import(&mut app, &commands);
        app.apply(Action::CancelImport);
        // The worker's side: the import starts cancelled, ends, and the watcher's changes start.
        app.worker.jobs().start(import);
        let changes = app.worker.jobs().next_id();
        app.worker.jobs().start(changes);
        started(&mut app, Job::Import, import);
        assert!(!cancelled(&app), "the late Started of the import stops the changes");
        app.handle_event(&egui::Context::default(), Event::ImportDone(ImportSummary::default()), &mut Vec::new());
        started(&mut app, Job::Changes, changes);
        assert!(!cancelled(&app));
        assert!(app.import.running.as_ref().is_some_and(|r| r.id == changes && !r.cancelling));
    }

    /// Cancel clicked on the import shown while the worker has already moved on to another job
    /// stops nothing.
    #[test]
    fn a_cancel_clicked_on_a_job_that_ended_does_not_stop_the_next() {
        let (mut app, commands) = KindredApp::detached();
        let import = start_import(&mut app, &commands);
        app.worker.jobs().start(import);
        started(&mut app, Job::Import, import);
        // The import ended on the worker and a rescan began; the app has not heard yet.
        app.worker.jobs().start(app.worker.jobs().next_id());
        app.apply(Action::CancelImport);
        assert!(!cancelled(&app), "the rescan was stopped by a Cancel meant for the import");
    }

    /// A Cancel clicked on an import waiting behind a rescan the worker began itself is kept
    /// (shown on the import, and the import starts cancelled), and the rescan runs on.
    #[test]
    fn a_cancel_of_an_import_waiting_behind_the_workers_rescan_stops_it_when_it_starts() {
        let (mut app, commands) = KindredApp::detached();
        let ctx = egui::Context::default();
        let import = start_import(&mut app, &commands);
        app.apply(Action::CancelImport);
        let rescan = app.worker.jobs().next_id();
        app.worker.jobs().start(rescan);
        started(&mut app, Job::Rescan, rescan);
        assert!(!cancelled(&app), "the rescan runs");
        assert!(app.import.running.as_ref().is_some_and(|r| r.job == Job::Rescan && !r.cancelling), "the rescan is shown");
        app.handle_event(&ctx, Event::FoldersChanged(ImportSummary::default()), &mut Vec::new());
        assert!(app.import.running.as_ref().is_some_and(|r| r.id == import && r.cancelling), "the import shows it is cancelling");
        app.worker.jobs().start(import);
        assert!(cancelled(&app), "the import starts cancelled");
        started(&mut app, Job::Import, import);
        assert!(app.import.running.as_ref().is_some_and(|r| r.id == import && r.cancelling));
    }
}
