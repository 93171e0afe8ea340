//! The import panel: progress (count, rate, ETA, Cancel) while importing, then the summary with a
//! collapsible list of the files that could not be imported.

use eframe::egui;
use std::time::{Duration, Instant};

use crate::import::{ImportSummary, Phase, Progress};
use crate::readable::thousands;

use super::action::Action;
use super::frame::Frame;
use super::worker::Job;

/// A job the worker started by itself (a rescan, the watcher's changes) shows its panel only once
/// it has files to embed and has lasted this long, or has lasted [`SHOW_LONG_AFTER`]: a rescan
/// that finds nothing new, or a file saved in a followed folder, does not make the window jump.
const SHOW_AFTER: Duration = Duration::from_millis(400);
const SHOW_LONG_AFTER: Duration = Duration::from_secs(3);

/// The running import, the last one's summary, and the "Import a folder" window.
#[derive(Default)]
pub struct ImportPanel {
    /// The job shown with progress and Cancel.
    pub(super) running: Option<RunningImport>,
    /// A job the app asked for, waiting behind one the worker started itself (a rescan, the
    /// watcher's changes): shown, with its own Cancel state, when that one ends.
    pub(super) queued: Option<RunningImport>,
    /// The "Import a folder" window, while open.
    pub(super) ask: Option<ImportAsk>,
    /// Summary of the last finished import, until closed.
    pub(super) last: Option<ImportSummary>,
    /// What `last` summarises: an import or a rescan.
    pub(super) last_job: Job,
}

/// The "Import a folder" window: a path field that works everywhere, and Browse… for the system's
/// folder dialog where there is one.
#[derive(Default)]
pub struct ImportAsk {
    /// The folder's path as typed or pasted.
    pub(super) path: String,
    /// Why the last attempt did not start an import.
    pub(super) problem: Option<String>,
}

impl ImportAsk {
    pub(super) fn show(&mut self, ctx: &egui::Context, frame: &mut Frame) {
        let mut open = true;
        egui::Window::new("Import a folder").collapsible(false).resizable(false).open(&mut open).show(ctx, |ui| {
            let label = ui.label("Folder to import:");
            let field = ui
                .add(egui::TextEdit::singleline(&mut self.path).hint_text("/home/you/Pictures/references").desired_width(420.0))
                .labelled_by(label.id);
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.weak("Type or paste its path, or choose it with Browse…. Dropping a folder onto the window, or pasting its path (Ctrl+V), imports it too.");
            if let Some(problem) = &self.problem {
                ui.colored_label(ui.visuals().warn_fg_color, problem);
            }
            ui.horizontal(|ui| {
                if ui.button("Import").clicked() || entered {
                    frame.act(Action::ImportTyped);
                }
                if ui.button("Browse…").on_hover_text("Choose the folder in the system's dialog").clicked() {
                    frame.act(Action::BrowseFolder);
                }
                if ui.button("Cancel").clicked() {
                    frame.act(Action::CloseImportAsk);
                }
            });
        });
        if !open {
            frame.act(Action::CloseImportAsk);
        }
    }
}

/// An import, rescan or import of the folders' changes under way.
pub struct RunningImport {
    pub(super) job: Job,
    /// Its id, which a Cancel names.
    pub(super) id: u64,
    /// The app asked for it and it has not started yet.
    pub(super) waiting: bool,
    pub(super) progress: Option<Progress>,
    started: Instant,
    pub(super) cancelling: bool,
}

impl RunningImport {
    /// A job the app asked for, waiting for the worker.
    pub(super) fn asked(job: Job, id: u64) -> Self {
        Self { waiting: true, ..Self::of(job, id) }
    }

    /// A job that started on the worker.
    pub(super) fn of(job: Job, id: u64) -> Self {
        Self { job, id, waiting: false, progress: None, started: Instant::now(), cancelling: false }
    }

    /// "the rescan (1,234 of 4,000)": what a view that waits for this job says it waits for.
    pub(super) fn waiting_for(&self) -> String {
        let what = match self.job {
            Job::Import => "the import",
            Job::Rescan => "the rescan",
            Job::Changes => "the changes in your folders",
        };
        match &self.progress {
            None | Some(Progress { phase: Phase::Scanning, .. }) => format!("{what} (looking through the folders)"),
            Some(p @ Progress { phase: Phase::Embedding, .. }) => {
                format!("{what} ({} of {})", thousands(p.done), thousands(p.total))
            }
            Some(_) => format!("{what} (updating the search index)"),
        }
    }
}

/// "1 m 05 s", "12 s".
fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 { format!("{} m {:02} s", s / 60, s % 60) } else { format!("{s} s") }
}

impl ImportPanel {
    pub(super) fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// True when there is something to show.
    pub(super) fn is_visible(&self) -> bool {
        let shown = |r: &RunningImport| {
            let embedding = r.progress.as_ref().is_some_and(|p| p.phase == Phase::Embedding && p.total > 0);
            let lasted = r.started.elapsed();
            r.job == Job::Import || (embedding && lasted >= SHOW_AFTER) || lasted >= SHOW_LONG_AFTER
        };
        self.running.as_ref().is_some_and(shown) || self.last.is_some()
    }

    /// What requests wait for while a job runs ([`RunningImport::waiting_for`]).
    pub(super) fn waiting_for(&self) -> Option<String> {
        self.running.as_ref().map(RunningImport::waiting_for)
    }

    pub(super) fn show(&self, ui: &mut egui::Ui, frame: &mut Frame) {
        if let Some(running) = self.running.as_ref().filter(|_| self.is_visible()) {
            running.show(ui, frame);
        } else if let Some(summary) = &self.last {
            summary_ui(ui, summary, self.last_job, frame);
        }
    }
}

impl RunningImport {
    fn show(&self, ui: &mut egui::Ui, frame: &mut Frame) {
        ui.horizontal(|ui| {
            let what = match self.job {
                Job::Import => "",
                Job::Rescan => "Rescanning your folders: ",
                Job::Changes => "Importing the changes in your folders: ",
            };
            let (fraction, text) = match &self.progress {
                None => (0.0, format!("{what}starting…")),
                Some(p) => match p.phase {
                    Phase::Scanning => (0.0, format!("{what}scanning folders…")),
                    Phase::Embedding => {
                        let eta = p.eta.map_or_else(|| "—".to_owned(), duration);
                        let fraction = if p.total > 0 { p.done as f32 / p.total as f32 } else { 0.0 };
                        let counts = format!("{} / {} images", thousands(p.done), thousands(p.total));
                        (fraction, format!("{what}{counts} · {:.1} per second · ETA {eta}", p.rate))
                    }
                    Phase::Indexing => (1.0, "Updating the search index…".to_owned()),
                    Phase::Finished => (1.0, "Finishing…".to_owned()),
                },
            };
            let text = if self.cancelling { format!("{text} (cancelling after this batch)") } else { text };
            let width = (ui.available_width() - 120.0).max(100.0);
            ui.add(egui::ProgressBar::new(fraction).desired_width(width).text(text).animate(true));
            let hover = if self.job == Job::Import { "Stop the import" } else { "Stop; what was done is kept (Rescan finishes it)" };
            if ui.add_enabled(!self.cancelling, egui::Button::new("Cancel")).on_hover_text(hover).clicked() {
                frame.act(Action::CancelImport);
            }
        });
        let doing = if self.job == Job::Import { "Importing" } else { "Working" };
        ui.weak(format!("{doing} for {} · the map, copies and searches wait for it", duration(self.started.elapsed())));
    }
}

fn summary_ui(ui: &mut egui::Ui, s: &ImportSummary, job: Job, frame: &mut Frame) {
    ui.horizontal(|ui| {
        let what = match (job, s.cancelled) {
            (Job::Import, true) => "Import cancelled",
            (Job::Import, false) => "Import finished",
            (_, true) => "Rescan cancelled (what was done is kept)",
            (_, false) => "Rescan finished",
        };
        ui.label(format!(
            "{what}: {} added, {} updated, {} unchanged, {} moved, {} missing, {} failed",
            s.added, s.updated, s.unchanged, s.moved, s.missing, s.failed
        ));
        if ui.small_button("Close").on_hover_text("Hide the import summary").clicked() {
            frame.act(Action::CloseImportSummary);
        }
    });
    if !s.errors.is_empty() {
        egui::CollapsingHeader::new(format!("{} problems", s.errors.len())).id_salt("import-errors").show(ui, |ui| {
            egui::ScrollArea::vertical().max_height(160.0).show(ui, |ui| {
                egui::Grid::new("import-errors-grid").striped(true).show(ui, |ui| {
                    for (path, reason) in &s.errors {
                        ui.label(path.display().to_string());
                        ui.label(reason);
                        ui.end_row();
                    }
                });
            });
        });
    }
}
