//! The desktop app: an egui window over the same [`crate::library::Library`] API the CLI uses.
//!
//! [`app::KindredApp`] composes panels that each own their state; [`worker`] owns the library on a
//! background thread. A frame applies the worker's answers ([`events`]), turns input into actions
//! ([`input`]), draws the panels, which push [`action::Action`]s instead of changing anything, and
//! applies those actions after the frame ([`action`]). [`state`] holds the explicit view and search
//! states. One file per panel: [`top_bar`], [`banner`], [`library`] (grid), [`query_view`] with
//! [`trail`] and [`results`], [`detail`], [`import`], [`status_bar`]; [`tile`] and [`thumbs`] are
//! shared by every grid, [`frame`] is what panels borrow while drawing.

pub mod action;
pub mod app;
mod banner;
pub mod board_view;
mod boards;
mod detail;
mod events;
mod frame;
mod import;
mod input;
mod library;
pub mod lightbox;
mod loader;
mod query_view;
pub mod ranked;
pub mod results;
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
/// runs until it is closed.
pub fn run(library_dir: PathBuf, open: Option<PathBuf>) -> Result<()> {
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
            .with_drag_and_drop(true),
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
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow!("cannot open the Kindred window: {e}"))
}

/// Where the app keeps its settings, when there is a config directory.
fn settings_file() -> Option<PathBuf> {
    let dir = directories::ProjectDirs::from("", "", "kindred")?.config_dir().to_path_buf();
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("app.ron"))
}
