//! The desktop app: an egui window over the same [`crate::library::Library`] API the CLI uses.
//!
//! [`app::KindredApp`] composes panels that each own their state; [`worker`] owns the library on a
//! background thread. A frame applies the worker's answers ([`events`]), turns input into actions
//! ([`input`]), draws the panels, which push [`action::Action`]s instead of changing anything, and
//! applies those actions after the frame ([`action`]). [`state`] holds the explicit view and search
//! states. One file per panel: [`top_bar`], [`banner`], [`library`] (grid), [`query_view`] with
//! [`trail`] and [`results`], [`detail`], [`import`], [`status_bar`]; [`tile`] and [`thumbs`] are
//! shared by every grid, [`frame`] is what panels borrow while drawing. [`handoff`] passes images
//! opened with Kindred elsewhere to a window already open on the library.

pub mod action;
pub mod app;
mod banner;
pub mod board_view;
mod boards;
pub mod composer;
mod detail;
pub mod duplicates_view;
mod events;
mod frame;
#[cfg(unix)]
mod handoff;
mod import;
mod input;
mod library;
pub mod lightbox;
mod loader;
pub mod map_view;
mod query_view;
pub mod ranked;
mod region_pick;
pub mod results;
mod scope;
mod settings;
pub mod state;
mod status_bar;
mod thumbs;
mod tile;
mod top_bar;
mod trail;
pub mod worker;

use eframe::egui;
use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};

pub use app::KindredApp;

/// Opens the Kindred window on the library in `library_dir` (querying with `open`, if given) and
/// runs until it is closed. When a Kindred window is already open on that library, `open` goes to
/// it instead ([`handoff`]) and this returns at once.
pub fn run(library_dir: PathBuf, open: Option<PathBuf>) -> Result<()> {
    #[cfg(unix)]
    let socket = handoff::runtime_dir().map(|dir| handoff::socket_path(&dir, &library_dir));
    #[cfg(unix)]
    if let (Some(socket), Some(image)) = (&socket, &open)
        && handoff::offer(socket, image)
    {
        return Ok(());
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        bail!(
            "no display to open the Kindred window on (DISPLAY and WAYLAND_DISPLAY are unset); the CLI works without one: kindred import|search|info"
        );
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Kindred")
            .with_inner_size([1200.0, 800.0])
            .with_min_inner_size([640.0, 420.0])
            .with_drag_and_drop(true)
            .with_icon(window_icon())
            // The Wayland app id / X11 WM_CLASS: matches kindred.desktop, so the shell shows the
            // menu entry's name and icon for the window.
            .with_app_id("kindred"),
        // Settings and window size live in the config dir (~/.config/kindred/app.ron), not in the
        // default library directory eframe would otherwise pick.
        persistence_path: settings_file(),
        ..Default::default()
    };
    eframe::run_native(
        "Kindred",
        options,
        Box::new(move |cc| {
            let mut app = KindredApp::with_storage(library_dir, cc.storage);
            if let Some(image) = open {
                app.query(app::TrailEntry::file(image));
            }
            #[cfg(unix)]
            if let Some(socket) = socket {
                let (tx, images) = crossbeam_channel::unbounded();
                let ctx = cc.egui_ctx.clone();
                let take = move |image| {
                    if tx.send(image).is_ok() {
                        ctx.request_repaint();
                    }
                };
                if let Some(listener) = handoff::listen(&socket, take) {
                    return Ok(Box::new(Listening { app, images, _listener: listener }));
                }
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow!("cannot open the Kindred window: {e}"))
}

/// The app while its window takes images opened with Kindred elsewhere ([`handoff`]): each one
/// becomes the query, and the window is raised.
/// It forwards every `eframe::App` method `KindredApp` implements (`ui`, `save`): one it gains
/// later must be forwarded here too.
#[cfg(unix)]
struct Listening {
    app: KindredApp,
    images: crossbeam_channel::Receiver<PathBuf>,
    _listener: handoff::Listener,
}

#[cfg(unix)]
impl eframe::App for Listening {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        for image in self.images.try_iter() {
            self.app.query(app::TrailEntry::file(image));
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Focus);
        }
        self.app.ui(ui, frame);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.app.save(storage);
    }
}

/// Kindred's icon (`assets/icon/kindred.svg` rendered at 128 px), for the title bar and task
/// switcher; the packaged `.desktop` entry names the same icon.
fn window_icon() -> egui::IconData {
    static PNG: &[u8] = include_bytes!("../../assets/icon/kindred-128.png");
    // The PNG is part of the binary: a failure here is a broken build, caught by the gui tests.
    let image = image::load_from_memory_with_format(PNG, image::ImageFormat::Png).expect("the bundled icon is a valid PNG").into_rgba8();
    egui::IconData { width: image.width(), height: image.height(), rgba: image.into_raw() }
}

/// Where the app keeps its settings, when there is a config directory.
fn settings_file() -> Option<PathBuf> {
    let dir = directories::ProjectDirs::from("", "", "kindred")?.config_dir().to_path_buf();
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("app.ron"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_icon_is_the_bundled_square_icon() {
        let icon = super::window_icon();
        assert_eq!((icon.width, icon.height), (128, 128));
        assert_eq!(icon.rgba.len(), 128 * 128 * 4);
        assert!(icon.rgba.chunks(4).any(|p| p[3] == 0) && icon.rgba.chunks(4).any(|p| p[3] == 255), "a shape on a transparent ground");
    }
}
