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
            Event::Started(job) => self.job_started(job),
            Event::Postponed => self.import.running = None,
            Event::Progress(p) => {
                if let Some(running) = &mut self.import.running {
                    running.progress = Some(p);
                }
            }
            Event::ImportDone(summary) => {
                self.import.last_job = self.import.running.take().map_or(Job::Import, |r| r.job);
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
                self.import.running = None;
                self.status.folders_changed(&summary);
                if summary.added + summary.updated + summary.moved + summary.missing + summary.failed == 0 {
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
                self.import.running = None;
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
            Event::Thumbnail { key, size, rgba } => self.thumbs.insert(ctx, key, size, &rgba),
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
    /// its turn is sent again, since the worker drops Cancels meant for earlier jobs), or one the
    /// worker started itself (a rescan, the watcher's changes), shown with progress and Cancel.
    fn job_started(&mut self, job: Job) {
        match &mut self.import.running {
            Some(running) if running.job == job && running.progress.is_none() => {
                if running.cancelling {
                    self.worker.cancel_import();
                }
            }
            // A job the worker started before the one the app asked for: shown; the other
            // is shown when it starts.
            _ => self.import.running = Some(RunningImport::of(job)),
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
