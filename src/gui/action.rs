//! What the user asked for during a frame. Panels, keys, drops and paste only push [`Action`]s;
//! [`KindredApp::apply`] carries them out after the frame, so drawing never mutates what it draws.

use std::path::PathBuf;

use super::app::{KindredApp, RESULTS_K};
use super::import::RunningImport;
use super::results::Step;
use super::settings::AspectMode;
use super::state::{QueryView, SearchFailure, SearchState, View};
use super::trail::TrailEntry;
use super::worker::Command;

/// One user request.
#[derive(Debug)]
pub enum Action {
    /// Starts a new trail with this query (a library tile).
    Query(TrailEntry),
    /// Pushes a query on the trail (a result, a drop, a paste).
    Hop(TrailEntry),
    /// Goes back one query, to the library when the trail empties.
    Back,
    /// Goes back to the trail entry at this index.
    BackTo(usize),
    /// Leaves the query for the whole library.
    ShowLibrary,
    /// An aspect button.
    SetAspect(AspectMode),
    /// The weight sliders (which edit the settings directly) moved: re-rank.
    WeightsChanged,
    /// Moves the keyboard selection in the results.
    Select(Step),
    /// Hops to the selected result (Enter).
    HopToSelected,
    /// Imports files and folders in the background.
    StartImport(Vec<PathBuf>),
    /// Asks for a folder to import.
    PickFolder,
    /// Stops the running import after its current batch.
    CancelImport,
    /// Hides the last import's summary.
    CloseImportSummary,
    /// Shows a message in the banner.
    Banner(String),
    /// Hides the banner.
    DismissBanner,
    /// Opens a file with the default application.
    Open(PathBuf),
    /// Shows a file in its folder.
    Reveal(PathBuf),
    /// Copies a file's path to the clipboard.
    CopyPath(PathBuf),
}

impl KindredApp {
    /// Carries out one action.
    pub(super) fn apply(&mut self, action: Action) {
        match action {
            Action::Query(entry) => {
                self.view = View::Query(QueryView::new(entry));
                self.run_search();
            }
            Action::Hop(entry) => {
                match &mut self.view {
                    View::Query(q) => q.trail.push(entry),
                    View::Library => self.view = View::Query(QueryView::new(entry)),
                }
                self.run_search();
            }
            Action::Back => {
                if let View::Query(q) = &mut self.view {
                    q.trail.pop();
                    if q.trail.is_empty() {
                        self.view = View::Library;
                    } else {
                        self.run_search();
                    }
                }
            }
            Action::BackTo(index) => {
                if let View::Query(q) = &mut self.view
                    && index + 1 < q.trail.len()
                {
                    q.trail.truncate(index + 1);
                    self.run_search();
                }
            }
            Action::ShowLibrary => self.view = View::Library,
            Action::SetAspect(mode) => {
                self.settings.set_aspect(mode);
                self.run_search();
            }
            Action::WeightsChanged => {
                self.settings.aspect = AspectMode::Custom;
                self.run_search();
            }
            Action::Select(step) => {
                if let View::Query(q) = &mut self.view {
                    let n = q.hits().len();
                    q.results.step(step, n);
                }
            }
            Action::HopToSelected => {
                if let View::Query(q) = &self.view
                    && let Some(hit) = q.selected_hit()
                {
                    let entry = TrailEntry::artwork(hit.id, &hit.path);
                    self.apply(Action::Hop(entry));
                }
            }
            Action::StartImport(roots) => {
                if self.import.is_running() {
                    self.banner = Some("An import is already running; wait for it to finish or cancel it.".into());
                } else {
                    self.import.running = Some(RunningImport::new());
                    self.worker.send(Command::Import { roots });
                }
            }
            Action::PickFolder => {
                // No dialog can be shown (e.g. no portal): nothing happens, as for a cancelled dialog.
                if let Some(dir) = rfd::FileDialog::new().set_title("Import a folder into Kindred").pick_folder() {
                    self.apply(Action::StartImport(vec![dir]));
                }
            }
            Action::CancelImport => {
                self.worker.cancel_import();
                if let Some(running) = &mut self.import.running {
                    running.cancelling = true;
                }
            }
            Action::CloseImportSummary => self.import.last = None,
            Action::Banner(msg) => self.banner = Some(msg),
            Action::DismissBanner => self.banner = None,
            Action::Open(path) => {
                if let Err(e) = opener::open(&path) {
                    self.banner = Some(format!("Cannot open {}: {e}", path.display()));
                }
            }
            Action::Reveal(path) => {
                if let Err(e) = opener::reveal(&path) {
                    self.banner = Some(format!("Cannot show {} in its folder: {e}", path.display()));
                }
            }
            Action::CopyPath(path) => {
                if let Some(ctx) = &self.ctx {
                    ctx.copy_text(path.display().to_string());
                }
            }
        }
    }

    /// Runs the current query with the current weights, if a query is shown.
    fn run_search(&mut self) {
        let View::Query(q) = &mut self.view else { return };
        q.results.selected = None;
        q.search = if self.settings.weights.validate().is_err() {
            SearchState::Failed(SearchFailure::NoWeights)
        } else {
            self.search_tokens += 1;
            let token = self.search_tokens;
            self.worker.send(Command::Search { token, query: q.current().query.clone(), weights: self.settings.weights, k: RESULTS_K });
            SearchState::Searching { token }
        };
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use eframe::egui;

    use super::*;
    use crate::aspect::Weights;
    use crate::gui::worker::Event;
    use crate::library::SearchResults;
    use crate::search::Hit;

    fn artwork(id: i64) -> TrailEntry {
        TrailEntry::artwork(id, Path::new(&format!("/art/{id}.png")))
    }

    fn results(token: u64, ids: &[i64]) -> Event {
        let hits = ids
            .iter()
            .map(|&id| Hit { id, path: format!("/art/{id}.png").into(), score: 0.5, aspects: HashMap::new(), missing: false })
            .collect();
        Event::Results { token, results: SearchResults { query_id: None, kind: crate::QueryKind::Picture, weights: crate::Weights::ALL, hits } }
    }

    /// Tokens of the searches sent to the worker so far.
    fn searches(commands: &crossbeam_channel::Receiver<Command>) -> Vec<u64> {
        commands.try_iter().filter_map(|c| if let Command::Search { token, .. } = c { Some(token) } else { None }).collect()
    }

    #[test]
    fn a_late_answer_to_a_query_left_behind_is_dropped() {
        let (mut app, commands) = KindredApp::detached();
        let ctx = egui::Context::default();
        app.apply(Action::Query(artwork(1)));
        assert!(matches!(app.search_state(), SearchState::Searching { token: 1 }));
        assert!(app.hits().is_none(), "searching");
        app.apply(Action::ShowLibrary);
        assert!(matches!(app.search_state(), SearchState::Idle) && app.hits().is_none() && app.trail().is_empty());
        app.handle_event(&ctx, results(1, &[3]), &mut Vec::new());
        assert!(app.hits().is_none() && matches!(app.view(), View::Library), "no results land on the library");
        app.apply(Action::Query(artwork(2)));
        app.handle_event(&ctx, results(1, &[3]), &mut Vec::new());
        assert!(app.hits().is_none(), "the answer to the first query is not shown for the second");
        app.handle_event(&ctx, results(2, &[4, 5]), &mut Vec::new());
        assert_eq!(app.hits().unwrap().len(), 2);
        assert_eq!(searches(&commands), [1, 2]);
    }

    #[test]
    fn zero_weights_give_no_results_without_asking_the_worker() {
        let (mut app, commands) = KindredApp::detached();
        app.apply(Action::Query(artwork(1)));
        assert_eq!(searches(&commands), [1]);
        app.settings_mut().weights = Weights { colour: 0.0, texture: 0.0, shape: 0.0 };
        app.apply(Action::WeightsChanged);
        assert!(matches!(app.search_state(), SearchState::Failed(SearchFailure::NoWeights)));
        assert!(app.hits().is_some_and(|h| h.is_empty()), "no results, as after a failed search");
        assert_eq!(app.settings().aspect, AspectMode::Custom);
        assert!(searches(&commands).is_empty());
        app.apply(Action::SetAspect(AspectMode::All));
        assert!(matches!(app.search_state(), SearchState::Searching { token: 2 }), "{:?}", app.search_state());
    }

    #[test]
    fn a_file_that_is_not_an_image_leaves_the_trail_with_a_message() {
        let (mut app, commands) = KindredApp::detached();
        let ctx = egui::Context::default();
        app.apply(Action::Query(artwork(1)));
        let notes = Path::new("/tmp/notes.txt");
        app.apply(Action::Hop(TrailEntry::file(notes.to_path_buf())));
        assert_eq!(app.trail().len(), 2);
        let mut actions = Vec::new();
        let failed =
            Event::QueryFailed { token: 2, path: Some(notes.to_path_buf()), reason: "not a supported image".into(), not_an_image: true };
        app.handle_event(&ctx, failed, &mut actions);
        assert!(app.hits().is_some_and(|h| h.is_empty()), "a failed search has no results");
        assert_eq!(app.banner(), Some("Not an image Kindred can read: notes.txt (not a supported image)"));
        assert!(matches!(actions[..], [Action::Back]), "{actions:?}");
        for action in actions {
            app.apply(action);
        }
        assert_eq!(app.trail().len(), 1, "back to the query it was dropped on");
        assert!(matches!(app.search_state(), SearchState::Searching { token: 3 }), "which is searched again");
        assert_eq!(searches(&commands), [1, 2, 3]);
    }

    #[test]
    fn arrows_select_and_enter_hops_to_the_selection() {
        let (mut app, _commands) = KindredApp::detached();
        let ctx = egui::Context::default();
        app.apply(Action::Query(artwork(1)));
        app.apply(Action::HopToSelected);
        assert_eq!(app.trail().len(), 1, "nothing selected, nothing to hop to");
        app.handle_event(&ctx, results(1, &[7, 8, 9]), &mut Vec::new());
        app.apply(Action::Select(Step::Right));
        app.apply(Action::Select(Step::Right));
        app.apply(Action::HopToSelected);
        assert_eq!(app.trail().len(), 2);
        assert_eq!(app.trail()[1].name, "8.png");
        app.apply(Action::BackTo(0));
        assert_eq!(app.trail().len(), 1);
        app.apply(Action::Back);
        assert!(matches!(app.view(), View::Library));
    }
}
