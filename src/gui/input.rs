//! Keyboard, drops and paste, turned into [`Action`]s at the start of a frame.

use eframe::egui;
use std::path::PathBuf;

use super::action::Action;
use super::app::file_name;
use super::results::Step;
use super::trail::TrailEntry;

/// The actions the frame's input asks for; keys only matter while a query is shown.
pub(super) fn actions(ctx: &egui::Context, in_query: bool, actions: &mut Vec<Action>) {
    drops(ctx, actions);
    paste(ctx, actions);
    if in_query {
        keys(ctx, actions);
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
        Some(Pasted::Image(image)) => actions.push(match save_pasted(&image) {
            Ok(path) => Action::Hop(TrailEntry::file(path)),
            Err(e) => Action::Banner(format!("Could not use the pasted image: {e}")),
        }),
        Some(Pasted::Text(text)) => {
            let text = text.trim();
            let path = PathBuf::from(text.strip_prefix("file://").unwrap_or(text));
            if path.is_file() {
                actions.push(Action::Hop(TrailEntry::file(path)));
            } else if path.is_dir() {
                actions.push(Action::StartImport(vec![path]));
            }
        }
        None => {}
    }
}

/// Backspace or Alt+Left: back; arrows: move the selection; Enter: hop to it.
fn keys(ctx: &egui::Context, actions: &mut Vec<Action>) {
    use egui::{Key, Modifiers};
    ctx.input_mut(|i| {
        let back = i.consume_key(Modifiers::NONE, Key::Backspace) || i.consume_key(Modifiers::ALT, Key::ArrowLeft);
        let steps = [(Key::ArrowLeft, Step::Left), (Key::ArrowRight, Step::Right), (Key::ArrowUp, Step::Up), (Key::ArrowDown, Step::Down)];
        // Every key is consumed, so none reaches a widget; only the first arrow counts.
        let pressed: Vec<Step> = steps.into_iter().filter(|(key, _)| i.consume_key(Modifiers::NONE, *key)).map(|(_, step)| step).collect();
        let enter = i.consume_key(Modifiers::NONE, Key::Enter);
        if back {
            actions.push(Action::Back);
            return;
        }
        if let Some(step) = pressed.first() {
            actions.push(Action::Select(*step));
        }
        if enter {
            actions.push(Action::HopToSelected);
        }
    });
}

/// Writes a pasted image to a temporary PNG, so it can be queried like a dropped file.
fn save_pasted(image: &egui::ColorImage) -> anyhow::Result<PathBuf> {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let [w, h] = image.size;
    let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_srgba_unmultiplied()).collect();
    let img = image::RgbaImage::from_raw(w as u32, h as u32, rgba).ok_or_else(|| anyhow::anyhow!("empty image"))?;
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("kindred-pasted-{}-{n}.png", std::process::id()));
    img.save(&path)?;
    Ok(path)
}
