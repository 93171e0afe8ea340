//! The status bar, in an artist's words ("2,062 artworks · 3 couldn't be read"), and the Library
//! info window it opens: the library's folders, the model and its hash, ONNX Runtime, the search
//! index, and the files that could not be read (reviewable after the import summary is closed).

use eframe::egui;
use std::path::PathBuf;

use crate::index::Origin;
use crate::library::Info;

use super::action::Action;
use super::frame::Frame;
use super::worker::Command;
use crate::readable::thousands;

/// What the worker said about the library.
#[derive(Default)]
pub struct StatusBar {
    pub(super) info: Option<Info>,
    /// The Library info window is open.
    pub(super) info_open: bool,
    /// Files that could not be read, with the reason, once asked for.
    pub(super) problems: Option<Vec<(PathBuf, String)>>,
    /// What changed in the library's folders last while the app was open, and the files that
    /// could not be read then.
    pub(super) folders: Option<(String, Vec<(PathBuf, String)>)>,
}

impl StatusBar {
    /// `artworks`: the listed count, which is fresher than the info's after an import.
    pub(super) fn show(&self, ui: &mut egui::Ui, artworks: Option<usize>, frame: &mut Frame) {
        ui.horizontal(|ui| match &self.info {
            Some(info) => {
                let n = artworks.unwrap_or(info.counts.ok as usize);
                ui.label(format!("{} artwork{}", thousands(n), if n == 1 { "" } else { "s" }));
                if info.counts.failed > 0 {
                    ui.label("·");
                    let text = format!("{} couldn't be read", thousands(info.counts.failed as usize));
                    if ui.link(text).on_hover_text("See which files, and why").clicked() {
                        frame.act(Action::ShowLibraryInfo);
                    }
                }
                if info.read_only {
                    ui.separator();
                    ui.label(egui::RichText::new("read-only library: search only").color(ui.visuals().warn_fg_color))
                        .on_hover_text(format!("{} cannot be written: importing is not possible", info.library.display()));
                }
                if let Some((news, errors)) = &self.folders {
                    ui.separator();
                    let label = ui.label(news);
                    if !errors.is_empty() {
                        let list: Vec<String> = errors.iter().take(10).map(|(p, why)| format!("{}: {why}", p.display())).collect();
                        label.on_hover_text(list.join("\n"));
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let rescan = ui
                        .add_enabled(!info.read_only, egui::Button::new("Rescan").small())
                        .on_hover_text("Look through the library's folders again for new, changed, moved and deleted files");
                    if rescan.clicked() {
                        frame.act(Action::Rescan);
                    }
                    if ui.small_button("Library info").on_hover_text("Model, runtime, search index, files that couldn't be read").clicked()
                    {
                        frame.act(Action::ShowLibraryInfo);
                    }
                });
            }
            None => {
                ui.weak("Reading library…");
            }
        });
    }

    /// Notes what the folders' changes did: "Folders: 2 added, 1 missing", or that a rescan was
    /// stopped; nothing when nothing changed.
    pub(super) fn folders_changed(&mut self, summary: &crate::import::ImportSummary) {
        let parts = [
            (summary.added, "added"),
            (summary.updated, "updated"),
            (summary.moved, "moved"),
            (summary.missing, "missing"),
            (summary.failed, "couldn't be read"),
        ];
        let said: Vec<String> = parts.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{} {what}", thousands(*n))).collect();
        let news = match (summary.cancelled, said.is_empty()) {
            (true, true) => "Folders: rescan stopped (Rescan to finish it)".to_owned(),
            (true, false) => format!("Folders: rescan stopped after {} (kept; Rescan to finish it)", said.join(", ")),
            (false, true) => return, // nothing changed: the last news stays
            (false, false) => format!("Folders: {}", said.join(", ")),
        };
        self.folders = Some((news, summary.errors.clone()));
    }

    /// Opens the Library info window, asking the worker for the files that could not be read (or
    /// closes it, when open).
    pub(super) fn open_info(&mut self, frame_worker: &super::worker::WorkerHandle) {
        self.info_open = !self.info_open;
        if !self.info_open {
            return;
        }
        self.problems = None;
        frame_worker.send(Command::Failures);
        frame_worker.send(Command::Info);
    }

    /// The Library info window, while open.
    pub(super) fn info_window(&mut self, ctx: &egui::Context) {
        let Some(info) = &self.info else { return };
        let mut open = self.info_open;
        egui::Window::new("Library info").open(&mut open).default_width(520.0).show(ctx, |ui| {
            egui::Grid::new("library-info").num_columns(2).striped(true).show(ui, |ui| {
                let mut row = |name: &str, value: String| {
                    ui.label(name);
                    ui.add(egui::Label::new(value).wrap());
                    ui.end_row();
                };
                row("Library", info.library.display().to_string());
                let roots: Vec<String> = info.roots.iter().map(|r| r.display().to_string()).collect();
                row("Folders followed", if roots.is_empty() { "none yet".into() } else { roots.join("\n") });
                row("Artworks", thousands(info.counts.ok as usize));
                row("Couldn't be read", thousands(info.counts.failed as usize));
                row("Missing files", thousands(info.counts.missing as usize));
                row("Model", info.model.clone());
                row("Model sha256", info.model_sha256.clone());
                let runtime = match (&info.runtime_path, info.runtime_source) {
                    (Some(p), Some(source)) => format!("ONNX Runtime {} ({}, {})", info.runtime, p.display(), source.describe()),
                    (Some(p), None) => format!("ONNX Runtime {} ({})", info.runtime, p.display()),
                    (None, _) => format!("ONNX Runtime {}", info.runtime),
                };
                row("Runtime", runtime);
                row(
                    "Search index",
                    format!("{} · {} vectors · {}", info.index.kind, thousands(info.index.vectors), index_state(&info.index.state)),
                );
                row("Metric", format!("{:?}", info.metric));
                if info.read_only {
                    row("Access", "read-only: search only".into());
                }
            });
            ui.separator();
            match &self.problems {
                None => {
                    ui.spinner();
                }
                Some(problems) if problems.is_empty() => {
                    ui.label("Every file could be read.");
                }
                Some(problems) => {
                    ui.strong(format!("{} couldn't be read", thousands(problems.len())));
                    egui::ScrollArea::vertical().id_salt("library-problems").max_height(240.0).show(ui, |ui| {
                        egui::Grid::new("library-problems-grid").striped(true).show(ui, |ui| {
                            for (path, reason) in problems {
                                ui.label(path.display().to_string());
                                ui.label(reason);
                                ui.end_row();
                            }
                        });
                    });
                }
            }
        });
        self.info_open = open;
    }
}

/// The index's origin in words: a first build is "built from the catalog", not an error.
fn index_state(origin: &Origin) -> String {
    match origin {
        Origin::Rebuilt(why) if why.starts_with("no saved index") => "built from the catalog".into(),
        other => other.to_string(),
    }
}
