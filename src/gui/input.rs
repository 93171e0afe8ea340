//! Keyboard, drops and paste, turned into [`Action`]s at the start of a frame.

use eframe::egui;
use std::path::PathBuf;

use super::action::Action;
use super::app::file_name;
use super::lightbox::Zoom;
use super::results::Step;
use super::trail::TrailEntry;

/// Which keys apply: the lightbox's, the results', or the library grid's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keys {
    /// The lightbox is open.
    Lightbox,
    /// A query's results are shown.
    Query,
    /// The library grid is shown.
    Library,
    /// The collection map is open over the view: the grid under it takes no keys.
    Map,
}

/// The actions the frame's input asks for.
pub(super) fn actions(ctx: &egui::Context, keys_for: Keys, actions: &mut Vec<Action>) {
    drops(ctx, actions);
    // Typing in a text field (the library filter) keeps its keys, Ctrl+C and Ctrl+V.
    if ctx.text_edit_focused() {
        return;
    }
    paste(ctx, actions);
    copy(ctx, actions);
    match keys_for {
        Keys::Lightbox => lightbox_keys(ctx, actions),
        Keys::Query => query_keys(ctx, actions),
        Keys::Library => grid_keys(ctx, actions),
        Keys::Map => map_keys(ctx, actions),
    }
}

/// Escape closes the map; F and B act on its lasso's selection. Arrows, Enter and Space are not
/// the hidden grid's: they would select, open or look at artworks the user cannot see.
fn map_keys(ctx: &egui::Context, actions: &mut Vec<Action>) {
    use egui::{Key, Modifiers};
    ctx.input_mut(|i| {
        if i.consume_key(Modifiers::NONE, Key::Escape) {
            actions.push(Action::ToggleMap);
        }
        board_keys(i, actions);
    });
}

/// Ctrl+C copies the image shown or selected; with Shift, its file.
fn copy(ctx: &egui::Context, actions: &mut Vec<Action>) {
    let (copy, shift) = ctx.input(|i| (i.events.iter().any(|e| matches!(e, egui::Event::Copy)), i.modifiers.shift));
    if copy {
        actions.push(Action::CopyCurrent { file: shift });
    }
}

/// Esc or Space close, Left/Right step, 0 fits, 1 shows actual pixels, Enter finds kindred.
fn lightbox_keys(ctx: &egui::Context, actions: &mut Vec<Action>) {
    use egui::{Key, Modifiers};
    ctx.input_mut(|i| {
        if i.consume_key(Modifiers::NONE, Key::Escape) || i.consume_key(Modifiers::NONE, Key::Space) {
            actions.push(Action::CloseLightbox);
            return;
        }
        if i.consume_key(Modifiers::NONE, Key::ArrowLeft) {
            actions.push(Action::LightboxStep(-1));
        }
        if i.consume_key(Modifiers::NONE, Key::ArrowRight) {
            actions.push(Action::LightboxStep(1));
        }
        if i.consume_key(Modifiers::NONE, Key::Num0) {
            actions.push(Action::LightboxZoom(Zoom::Fit));
        }
        if i.consume_key(Modifiers::NONE, Key::Num1) {
            actions.push(Action::LightboxZoom(Zoom::Scale(1.0)));
        }
        if i.consume_key(Modifiers::NONE, Key::Enter) {
            actions.push(Action::LightboxFindKindred);
        }
        board_keys(i, actions);
    });
}

/// Backspace or Alt+Left: back; Alt+Right: forward; then the grid's keys.
fn query_keys(ctx: &egui::Context, actions: &mut Vec<Action>) {
    use egui::{Key, Modifiers};
    let (back, forward) = ctx.input_mut(|i| {
        let back = i.consume_key(Modifiers::NONE, Key::Backspace) || i.consume_key(Modifiers::ALT, Key::ArrowLeft);
        (back, i.consume_key(Modifiers::ALT, Key::ArrowRight))
    });
    if back {
        actions.push(Action::Back);
    } else if forward {
        actions.push(Action::Forward);
    } else {
        grid_keys(ctx, actions);
    }
}

/// Arrows, Home, End, Page Up/Down move the selection; Enter finds its kindred; Space looks closer.
fn grid_keys(ctx: &egui::Context, actions: &mut Vec<Action>) {
    use egui::{Key, Modifiers};
    ctx.input_mut(|i| {
        let steps = [
            (Key::ArrowLeft, Step::Left),
            (Key::ArrowRight, Step::Right),
            (Key::ArrowUp, Step::Up),
            (Key::ArrowDown, Step::Down),
            (Key::Home, Step::First),
            (Key::End, Step::Last),
            (Key::PageUp, Step::PageUp),
            (Key::PageDown, Step::PageDown),
        ];
        // Every key is consumed, so none reaches a widget; only the first counts.
        let pressed: Vec<Step> = steps.into_iter().filter(|(key, _)| i.consume_key(Modifiers::NONE, *key)).map(|(_, step)| step).collect();
        if let Some(step) = pressed.first() {
            actions.push(Action::Select(*step));
        }
        if i.consume_key(Modifiers::NONE, Key::Enter) {
            actions.push(Action::HopToSelected);
        }
        if i.consume_key(Modifiers::NONE, Key::Space) {
            actions.push(Action::LookAtSelected);
        }
        board_keys(i, actions);
    });
}

/// F adds the selection (or what the lightbox shows) to Favourites; B picks a board for it.
fn board_keys(i: &mut egui::InputState, actions: &mut Vec<Action>) {
    use egui::{Key, Modifiers};
    if i.consume_key(Modifiers::NONE, Key::F) {
        actions.push(Action::Favourite);
    }
    if i.consume_key(Modifiers::NONE, Key::B) {
        actions.push(Action::PickBoard);
    }
}

/// Dropped folders are imported; a dropped file becomes the query.
fn drops(ctx: &egui::Context, actions: &mut Vec<Action>) {
    let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
    let (folders, files): (Vec<PathBuf>, Vec<PathBuf>) = dropped.into_iter().partition(|p| p.is_dir());
    if !folders.is_empty() {
        actions.push(Action::StartImport(folders));
    }
    if let Some(first) = files.first() {
        if files.len() > 1 {
            actions.push(Action::Banner(format!(
                "{} files were dropped; searching with the first, {}. Drop a folder to import many.",
                files.len(),
                file_name(first)
            )));
        }
        // Pushed on the trail: Back (or a file that turns out not to be an image) returns to the
        // view it was dropped on.
        actions.push(Action::Hop(TrailEntry::file(first.clone())));
    }
}

/// What Ctrl+V brought.
enum Pasted {
    Image(std::sync::Arc<egui::ColorImage>),
    Text(String),
}

/// Ctrl+V: an image on the clipboard, or a copied image file path, becomes the query.
fn paste(ctx: &egui::Context, actions: &mut Vec<Action>) {
    let pasted = ctx.input(|i| {
        i.events.iter().rev().find_map(|e| match e {
            egui::Event::PasteImage(image) => Some(Pasted::Image(image.clone())),
            egui::Event::Paste(text) => Some(Pasted::Text(text.clone())),
            _ => None,
        })
    });
    match pasted {
        Some(Pasted::Image(image)) => actions.push(Action::PasteImage(image)),
        Some(Pasted::Text(text)) => {
            let text = text.trim();
            let path = PathBuf::from(text.strip_prefix("file://").unwrap_or(text));
            if path.is_file() {
                actions.push(Action::Hop(TrailEntry::file(path)));
            } else if path.is_dir() {
                actions.push(Action::StartImport(vec![path]));
            } else if path.is_absolute() && !text.contains('\n') {
                actions.push(Action::Banner(format!("Nothing to paste: there is no file or folder at {}.", path.display())));
            }
        }
        None => {}
    }
}
