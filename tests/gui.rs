//! The desktop app, driven headless through egui_kittest: widgets are found by their accessible
//! labels, drops are injected as raw input, and the real worker runs the real library.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use kindred::gui::KindredApp;
use kindred::{Library, LibraryOptions};

/// How long the worker may take to answer.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A library of 12 samples in `tmp`: (library dir, the imported files, canonical).
fn sample_library(tmp: &Path) -> (PathBuf, Vec<PathBuf>) {
    let files = copy_into(&sample_files()[..12], &tmp.join("art"));
    let dir = tmp.join("lib");
    let mut lib = open(&dir, LibraryOptions::default());
    let summary = import(&mut lib, &[tmp.join("art")]);
    assert_eq!(summary.added, 12, "errors: {:?}", summary.errors);
    (dir, files.iter().map(|f| std::fs::canonicalize(f).unwrap()).collect())
}

fn harness(dir: &Path) -> Harness<'static, KindredApp> {
    Harness::builder().with_size(egui::vec2(1400.0, 1000.0)).build_ui_state(|ui, app: &mut KindredApp| app.show(ui), KindredApp::new(dir))
}

/// Steps the app until `cond` holds, failing after [`TIMEOUT`] with `what` in the message.
#[track_caller]
fn wait_until(h: &mut Harness<'_, KindredApp>, what: &str, cond: impl Fn(&Harness<'_, KindredApp>) -> bool) {
    let start = Instant::now();
    loop {
        h.step();
        if cond(h) {
            h.step(); // one more frame, so the tree shows what the state says
            return;
        }
        assert!(start.elapsed() < TIMEOUT, "timed out after {TIMEOUT:?} waiting for {what}; banner: {:?}", h.state().banner());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for the current query's results.
#[track_caller]
fn wait_results(h: &mut Harness<'_, KindredApp>) {
    wait_until(h, "search results", |h| h.state().hits().is_some_and(|hits| !hits.is_empty()) && has_button(h, "result 1: "));
}

/// Buttons whose accessible label starts with `prefix`.
fn buttons(h: &Harness<'_, KindredApp>, prefix: &str) -> Vec<String> {
    h.query_all_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.starts_with(prefix)))
        .map(|n| n.accesskit_node().label().unwrap_or_default())
        .collect()
}

fn has_button(h: &Harness<'_, KindredApp>, prefix: &str) -> bool {
    !buttons(h, prefix).is_empty()
}

/// Clicks the button whose accessible label starts with `prefix`.
#[track_caller]
fn click_button(h: &mut Harness<'_, KindredApp>, prefix: &str) {
    h.get_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.starts_with(prefix))).click();
    h.step();
    h.step();
}

/// Double-clicks the button whose accessible label starts with `prefix`.
#[track_caller]
fn double_click(h: &mut Harness<'_, KindredApp>, prefix: &str) {
    let pos = h.get_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.starts_with(prefix))).rect().center();
    double_click_at(h, pos);
}

/// Two clicks at `pos` in one frame: kittest's `click()` runs a frame per event, a quarter of a
/// second each, too slow for egui's 0.3 s double click.
fn double_click_at(h: &mut Harness<'_, KindredApp>, pos: egui::Pos2) {
    h.input_mut().events.push(egui::Event::PointerMoved(pos));
    for pressed in [true, false, true, false] {
        h.input_mut().events.push(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    h.step();
    h.step();
    h.step();
}

/// The displayed results: (label of the tile) in rank order, e.g. "result 1: a.png, score 0.87".
fn result_labels(h: &Harness<'_, KindredApp>) -> Vec<String> {
    let mut labels = buttons(h, "result ");
    labels.sort_by_key(|l| l["result ".len()..].split(':').next().unwrap().parse::<usize>().unwrap());
    labels
}

/// A file dropped onto the window.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'_, KindredApp>, path: &Path) {
    // As winit does: the hover ends and the files are dropped in the same frame.
    h.input_mut().hovered_files.clear();
    h.input_mut().dropped_files.push(Arc::new(Dropped(path.to_path_buf())));
    h.step();
}

/// Double-clicks the library artwork named `file` once the grid shows it, then waits for its results.
fn query_artwork(h: &mut Harness<'_, KindredApp>, file: &str) {
    let button = format!("artwork: {file}");
    wait_until(h, "the library grid", |h| has_button(h, &button));
    double_click(h, &button);
    wait_results(h);
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn empty_library_offers_import_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(&tmp.path().join("lib"));
    wait_until(&mut h, "the empty state", |h| h.query_by_label("Import a folder…").is_some());
    assert_eq!(h.state().artwork_count(), Some(0));
    h.get_by_label_contains("drop a folder");
    assert!(h.state().trail().is_empty());
}

#[test]
fn an_image_opened_on_an_empty_library_says_how_to_get_results() {
    // "Open with Kindred" from a file manager before anything was imported.
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(&tmp.path().join("lib"));
    wait_until(&mut h, "the empty state", |h| h.query_by_label("Import a folder…").is_some());
    drop_file(&mut h, &sample_files()[0]);
    wait_until(&mut h, "the empty results", |h| h.state().hits().is_some_and(|hits| hits.is_empty()));
    h.get_by_label("No results: the library holds no other artwork yet.");
    h.get_by_label_contains("Import a folder of artworks");
}

#[test]
fn dropped_near_duplicate_finds_its_original_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let original = &files[5];
    let copy = tmp.path().join("copy-of-artwork.jpg");
    near_duplicate(original, &copy);

    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| h.state().artwork_count() == Some(12) && has_button(h, "artwork: "));
    // Status bar: the count, in words; model, runtime and index in Library info.
    wait_until(&mut h, "the status bar", |h| h.query_by_label("12 artworks").is_some());
    click_button(&mut h, "Library info");
    wait_until(&mut h, "Library info", |h| h.query_by_label_contains("exact · 12 vectors · ").is_some());
    h.get_by_label_contains("efficientnet");
    h.get_by_label_contains("ONNX Runtime 1.");
    assert!(h.query_by_label_contains("No such file").is_none(), "a first build is not reported as an error");
    wait_until(&mut h, "the list of problems", |h| h.query_by_label("Every file could be read.").is_some());
    click_button(&mut h, "Library info");
    assert!(h.query_by_label("Every file could be read.").is_none(), "closed again");
    // While a file hovers over the window, the overlay says what a drop does.
    assert!(h.query_by_label("Drop to find kindred works").is_none());
    h.input_mut().hovered_files.push(egui::HoveredFile { path: Some(copy.clone()), mime: String::new() });
    h.step();
    h.step(); // a new area is invisible on its first frame
    h.get_by_label("Drop to find kindred works");
    drop_file(&mut h, &copy);
    assert_eq!(h.state().trail().len(), 1, "the dropped image becomes the query");
    assert!(h.query_by_label("Drop to find kindred works").is_none(), "the overlay goes with the drop");
    wait_results(&mut h);
    let labels = result_labels(&h);
    assert!(labels[0].starts_with(&format!("result 1: {}, score ", name(original))), "results: {labels:?}");
    assert_eq!(labels.len(), 12, "every library artwork is a result of an outside query: {labels:?}");
    h.get_by_label("query: copy-of-artwork.jpg");
}

#[test]
fn copies_of_one_picture_take_one_tile_until_unfolded() {
    let tmp = tempfile::tempdir().unwrap();
    let files = copy_into(&sample_files()[..12], &tmp.path().join("art"));
    let again = tmp.path().join("art/again");
    std::fs::create_dir_all(&again).unwrap();
    std::fs::copy(&files[5], again.join(name(&files[5]))).unwrap();
    near_duplicate(&files[5], &again.join("smaller.jpg"));
    let dir = tmp.path().join("lib");
    assert_eq!(import(&mut open(&dir, LibraryOptions::default()), &[tmp.path().join("art")]).added, 14);
    let query = tmp.path().join("query.jpg");
    near_duplicate(&files[5], &query);

    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| h.state().artwork_count() == Some(14) && has_button(h, "artwork: "));
    drop_file(&mut h, &query);
    wait_results(&mut h);
    let folded = result_labels(&h);
    assert_eq!(folded.len(), 12, "three copies of one picture take one tile: {folded:?}");
    assert_eq!(buttons(&h, "show 2 copies of ").len(), 1, "the tile says how many copies it folds");
    assert!(folded[0].contains(&name(&files[5])) || folded[0].contains("smaller.jpg"), "the copies rank first: {folded:?}");
    // Select a later result, unfold: the copies follow their picture and the selection stays on its artwork.
    click_button(&mut h, "result 4: ");
    let selected_id = |h: &Harness<'_, KindredApp>| h.state().hits().unwrap()[h.state().selected().unwrap()].id;
    let selected = selected_id(&h);
    click_button(&mut h, "show 2 copies of ");
    let unfolded = result_labels(&h);
    assert_eq!(unfolded.len(), 14, "{unfolded:?}");
    assert_eq!(
        unfolded[3..],
        folded[1..]
            .iter()
            .enumerate()
            .map(|(i, l)| l.replacen(&format!("result {}:", i + 2), &format!("result {}:", i + 4), 1))
            .collect::<Vec<_>>()[..]
    );
    assert_eq!(selected_id(&h), selected, "the selection follows its artwork");
    click_button(&mut h, "hide the 2 copies of ");
    assert_eq!(result_labels(&h), folded, "folded again");
    assert_eq!(selected_id(&h), selected);
}

#[test]
fn clicking_a_result_hops_and_back_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    let start = name(&files[2]);
    query_artwork(&mut h, &start);
    assert_eq!(h.state().trail().len(), 1);
    let first_results = result_labels(&h);

    // Hop by double-clicking the second result.
    let second = h.state().hits().unwrap()[1].path.clone();
    double_click(&mut h, "result 2: ");
    assert_eq!(h.state().trail().len(), 2, "a hop pushes the trail");
    assert_eq!(h.state().trail()[1].name, name(&second));
    wait_results(&mut h);
    assert!(has_button(&h, &format!("trail 2: {}", name(&second))), "breadcrumb shown");
    assert!(result_labels(&h).iter().all(|l| !l.contains(&format!(": {}, ", name(&second)))), "the query is not its own result");

    // Backspace goes back: the trail shrinks and the first query and its results return.
    h.key_press(egui::Key::Backspace);
    h.step();
    assert_eq!(h.state().trail().len(), 1, "back pops the trail");
    assert_eq!(h.state().trail()[0].name, start);
    wait_results(&mut h);
    assert_eq!(result_labels(&h), first_results);

    // Keyboard: select the first result, Enter hops, Alt+Left comes back.
    h.key_press(egui::Key::ArrowRight);
    h.key_press(egui::Key::Enter);
    h.step();
    assert_eq!(h.state().trail().len(), 2, "Enter hops to the selected result");
    wait_results(&mut h);
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowLeft);
    h.step();
    assert_eq!(h.state().trail().len(), 1, "Alt+Left goes back");

    // The Back button leaves the last query for the library.
    click_button(&mut h, "Back");
    assert!(h.state().trail().is_empty());
    wait_until(&mut h, "the library grid again", |h| has_button(h, "artwork: "));
}

#[test]
fn switching_the_aspect_reranks() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    let start = name(&files[7]);
    query_artwork(&mut h, &start);
    let all = result_labels(&h);

    h.get_by_label("Colour").click();
    h.step();
    assert_eq!(h.state().settings().weights, kindred::Weights::only(kindred::Aspect::Colour));
    wait_results(&mut h);
    let colour = result_labels(&h);
    assert_eq!(colour.len(), all.len());
    assert_ne!(all, colour, "colour-only results (order or scores) differ from all aspects");

    // The Weights sliders are there once expanded, and the trail is untouched by re-ranking.
    h.get_by_label("Weights").click();
    h.step();
    h.step();
    assert!(h.query_all_by_label_contains("Texture weight").next().is_some(), "weight sliders shown");
    assert_eq!(h.state().trail().len(), 1);
}

#[test]
fn dropped_non_image_shows_a_message_and_the_app_keeps_working() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "not pixels, just words\n").unwrap();

    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| has_button(h, "artwork: "));
    drop_file(&mut h, &text);
    wait_until(&mut h, "the not-an-image banner", |h| h.query_by_label_contains("Not an image Kindred can read: notes.txt").is_some());
    let banner = h.state().banner().unwrap().to_owned();
    assert!(banner.contains("not a supported image"), "reason given: {banner}");
    assert!(h.state().trail().is_empty(), "the failed query is not on the trail");

    // Dismiss, then a real image works.
    h.get_by_label("Dismiss").click();
    h.step();
    h.step();
    assert!(h.state().banner().is_none());
    let copy = tmp.path().join("copy.jpg");
    near_duplicate(&files[0], &copy);
    drop_file(&mut h, &copy);
    wait_results(&mut h);
    assert!(result_labels(&h)[0].starts_with(&format!("result 1: {}", name(&files[0]))));

    // Dropped on a query view, a bad file leaves that view as it was.
    drop_file(&mut h, &text);
    wait_until(&mut h, "the banner again", |h| h.state().banner().is_some_and(|b| b.contains("notes.txt")));
    assert_eq!(h.state().trail().len(), 1);
    assert_eq!(h.state().trail()[0].name, "copy.jpg");
    wait_results(&mut h);
    assert!(result_labels(&h)[0].starts_with(&format!("result 1: {}", name(&files[0]))));
}

#[test]
fn dropped_folder_imports_with_errors_listed_and_grid_refreshes() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    copy_into(&sample_files()[20..26], &art);
    std::fs::write(art.join("broken.png"), b"this is not a PNG").unwrap();

    std::fs::write(art.join("empty.jpg"), b"").unwrap();
    let jpeg = std::fs::read(sample_files().into_iter().find(|f| f.extension().is_some_and(|e| e == "jpg")).unwrap()).unwrap();
    std::fs::write(art.join("cut.jpg"), &jpeg[..jpeg.len() / 2]).unwrap();
    std::fs::write(art.join("bomb.png"), bomb_png(60_000, 60_000)).unwrap();
    // Each bad file and the reason the row must give for it.
    let expected =
        [("bomb.png", "too large"), ("broken.png", "not a supported image"), ("cut.jpg", "truncated JPEG"), ("empty.jpg", "empty file")];

    let mut h = harness(&tmp.path().join("lib"));
    wait_until(&mut h, "the empty state", |h| h.query_by_label("Import a folder…").is_some());
    drop_file(&mut h, &art);
    assert!(h.state().importing(), "a dropped folder starts an import");
    wait_until(&mut h, "the import to finish and the grid to refresh", |h| {
        !h.state().importing() && h.state().artwork_count() == Some(6) && buttons(h, "artwork: ").len() == 6
    });
    assert!(h.query_by_label("Welcome to Kindred").is_none(), "the empty state is gone");
    h.get_by_label_contains("Import finished: 6 added, 0 updated, 0 unchanged, 0 moved, 0 missing, 4 failed");
    assert!(h.query_by_label_contains("broken.png").is_none(), "problems are folded until asked for");
    h.get_by_label("4 problems").click();
    wait_until(&mut h, "the problems list to open", |h| h.query_by_label_contains("empty.jpg").is_some());
    for _ in 0..10 {
        h.step(); // let the opening animation finish
    }
    // The errors grid: one row per file, with its reason.
    for (file, reason) in expected {
        assert!(h.query_by_label_contains(&format!("/{file}")).is_some(), "{file} is listed");
        assert!(h.query_by_label_contains(reason).is_some(), "the reason \"{reason}\" for {file} is shown");
    }
    // Thumbnails of the visible tiles are decoded on the worker and become textures.
    wait_until(&mut h, "thumbnails", |h| h.state().thumbnails_cached() >= 6);

    // Closed, the summary's problems stay reviewable: the status bar and Library info list them.
    h.get_by_label("Close").click();
    h.step();
    h.step();
    assert!(h.state().last_import().is_none());
    wait_until(&mut h, "the status bar", |h| h.query_by_label("4 couldn't be read").is_some());
    h.get_by_label("4 couldn't be read").click();
    wait_until(&mut h, "the problems in Library info", |h| h.query_by_label_contains("/broken.png").is_some());
    for (file, reason) in expected {
        assert!(h.query_by_label_contains(&format!("/{file}")).is_some(), "{file} is listed");
        assert!(h.query_by_label_contains(reason).is_some(), "the reason \"{reason}\" for {file} is shown");
    }
}

/// Settings storage in memory.
#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn settings_are_saved_and_restored() {
    let tmp = tempfile::tempdir().unwrap();
    let mut app = KindredApp::new(tmp.path().join("lib"));
    app.settings_mut().thumb_size = 200.0;
    app.set_aspect(kindred::gui::app::AspectMode::Only(kindred::Aspect::Texture));
    let mut storage = MemoryStorage::default();
    eframe::App::save(&mut app, &mut storage);
    drop(app);
    let restored = KindredApp::with_storage(tmp.path().join("lib"), Some(&storage));
    assert_eq!(restored.settings().thumb_size, 200.0);
    assert_eq!(restored.settings().weights, kindred::Weights::only(kindred::Aspect::Texture));
    let fresh = KindredApp::with_storage(tmp.path().join("lib"), None);
    assert_eq!(fresh.settings().thumb_size, 128.0);
}

#[test]
fn detail_panel_shows_the_selected_result_and_copies_its_path() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    let start = name(&files[3]);
    query_artwork(&mut h, &start);
    // Without a selection the panel describes the query.
    wait_until(&mut h, "the query's details", |h| h.query_by_label("Query").is_some() && h.query_by_label_contains(" px").is_some());

    h.key_press(egui::Key::ArrowRight);
    h.step();
    let hit = h.state().hits().unwrap()[0].clone();
    wait_until(&mut h, "the selected result's details", |h| {
        h.query_by_label("Selected").is_some() && h.query_by_label(&name(&hit.path)).is_some()
    });
    // The score as people read it: calibrated, "93% alike".
    assert!(h.query_by_label(&kindred::readable::alike(hit.alike)).is_some());
    h.get_by_label("Copy path").click();
    h.step();
    let copied =
        h.output().platform_output.commands.iter().any(|c| matches!(c, egui::OutputCommand::CopyText(t) if Path::new(t) == hit.path));
    assert!(copied, "Copy path copies {}: {:?}", hit.path.display(), h.output().platform_output.commands);
}

#[test]
fn cancel_stops_an_import_and_keeps_what_was_done() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    // Enough files that the import is still running when Cancel is clicked, on any machine.
    let all = make_corpus(&art, 600);
    let mut h = harness(&tmp.path().join("lib"));
    wait_until(&mut h, "the empty state", |h| h.query_by_label("Import a folder…").is_some());
    drop_file(&mut h, &art);
    wait_until(&mut h, "embedding progress", |h| {
        h.state().import_progress().is_some_and(|p| p.phase == kindred::import::Phase::Embedding && p.total == all.len())
    });
    h.get_by_label("Cancel").click();
    h.step();
    wait_until(&mut h, "the import to stop", |h| !h.state().importing());
    let summary = h.state().last_import().expect("a summary").clone();
    assert!(summary.cancelled, "{summary:?}");
    assert!(summary.added < all.len(), "stopped early: {summary:?}");
    h.get_by_label_contains("Import cancelled");
    // What was committed is in the grid.
    wait_until(&mut h, "the grid", |h| h.state().artwork_count() == Some(summary.added));
}

#[test]
fn a_refused_import_says_why_and_the_app_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    copy_into(&sample_files()[..3], &art);
    let dir = tmp.path().join("lib");
    let mut h = harness(&dir);
    wait_until(&mut h, "the empty state", |h| h.query_by_label("Import a folder…").is_some());
    // Another process holds the library's write lock.
    let lock = std::fs::File::options().create(true).truncate(false).write(true).open(dir.join("lock")).unwrap();
    lock.lock().unwrap();
    drop_file(&mut h, &art);
    wait_until(&mut h, "the refusal", |h| !h.state().importing() && h.state().banner().is_some());
    assert!(h.state().banner().unwrap().contains("another Kindred process is importing"), "{:?}", h.state().banner());
    assert!(h.state().last_import().is_none(), "no summary for an import that did not run");
    lock.unlock().unwrap();
    drop_file(&mut h, &art);
    wait_until(&mut h, "the import", |h| !h.state().importing() && h.state().artwork_count() == Some(3));
}

#[test]
fn only_visible_thumbnails_are_loaded() {
    let tmp = tempfile::tempdir().unwrap();
    let files = sample_files();
    let dir = tmp.path().join("lib");
    let mut lib = open(&dir, LibraryOptions::default());
    import(&mut lib, &[samples_dir()]);
    drop(lib);
    let mut h = Harness::builder()
        .with_size(egui::vec2(800.0, 600.0))
        .build_ui_state(|ui, app: &mut KindredApp| app.show(ui), KindredApp::new(&dir));
    wait_until(&mut h, "the first thumbnails", |h| h.state().thumbnails_cached() >= 10);
    for _ in 0..20 {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let tiles = buttons(&h, "artwork: ").len();
    let cached = h.state().thumbnails_cached();
    assert!(tiles < files.len() && cached <= tiles, "{cached} thumbnails for {tiles} visible tiles of {}", files.len());
}

#[test]
fn a_pasted_image_becomes_the_query() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let original = &files[3];
    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| h.state().artwork_count() == Some(12));
    // What egui-winit sends for Ctrl+V with an image (and no text) on the clipboard.
    let img = image::open(original).unwrap().to_rgba8();
    let pixels = img.pixels().map(|p| egui::Color32::from_rgba_unmultiplied(p[0], p[1], p[2], p[3])).collect();
    let color = egui::ColorImage::new([img.width() as usize, img.height() as usize], pixels);
    h.input_mut().events.push(egui::Event::PasteImage(Arc::new(color)));
    h.step();
    assert_eq!(h.state().trail().len(), 1, "the pasted image becomes the query");
    // Kept in the library's own folder, named by the time it was pasted.
    let kept = h.state().trail()[0].path.clone();
    assert_eq!(kept.parent(), Some(dir.join("pasted").as_path()), "{}", kept.display());
    assert!(h.state().trail()[0].name.starts_with("Pasted image (") && kept.is_file(), "{}", kept.display());
    wait_results(&mut h);
    let labels = result_labels(&h);
    assert!(labels[0].starts_with(&format!("result 1: {}, score ", name(original))), "results: {labels:?}");

    // A pasted file path works too.
    h.input_mut().events.push(egui::Event::Paste(files[7].display().to_string()));
    h.step();
    assert_eq!(h.state().trail().len(), 2);
    // A pasted path to nothing says so.
    h.input_mut().events.push(egui::Event::Paste("/no/such/picture.png".into()));
    h.step();
    h.step();
    assert_eq!(h.state().banner(), Some("Nothing to paste: there is no file or folder at /no/such/picture.png."));
    assert_eq!(h.state().trail().len(), 2);
}

#[test]
fn a_damaged_index_is_rebuilt_and_the_app_says_so_once() {
    let tmp = tempfile::tempdir().unwrap();
    let files = copy_into(&sample_files()[..12], &tmp.path().join("art"));
    let dir = tmp.path().join("lib");
    let hnsw = LibraryOptions { index: kindred::library::IndexKind::Hnsw, ..LibraryOptions::default() };
    let mut lib = open(&dir, hnsw);
    assert_eq!(import(&mut lib, &[tmp.path().join("art")]).added, 12);
    drop(lib);
    let shape = dir.join("index/shape.usearch");
    let len = std::fs::metadata(&shape).expect("an HNSW library saves its index").len();
    std::fs::write(&shape, vec![0u8; len as usize]).unwrap();

    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_ui_state(|ui, app: &mut KindredApp| app.show(ui), KindredApp::with_options(&dir, hnsw));
    wait_until(&mut h, "the rebuild notice", |h| h.state().banner().is_some());
    let banner = h.state().banner().unwrap().to_owned();
    assert!(banner.starts_with("Search index rebuilt from the catalog") && banner.contains("shape.usearch is damaged"), "{banner}");
    h.get_by_label_contains("Search index rebuilt from the catalog");
    wait_until(&mut h, "the status bar", |h| h.query_by_label_contains("Library info").is_some());
    click_button(&mut h, "Library info");
    wait_until(&mut h, "Library info", |h| h.query_by_label_contains("hnsw · 12 vectors · rebuilt: ").is_some());
    click_button(&mut h, "Library info");

    // Searching works on the rebuilt index, and the notice is not repeated.
    h.get_by_label("Dismiss").click();
    h.step();
    let start = name(&std::fs::canonicalize(&files[2]).unwrap());
    query_artwork(&mut h, &start);
    assert_eq!(result_labels(&h).len(), 11);
    assert!(h.state().banner().is_none(), "told once: {:?}", h.state().banner());
    // The rebuilt index was saved: a new app loads it without a notice.
    drop(h);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_ui_state(|ui, app: &mut KindredApp| app.show(ui), KindredApp::with_options(&dir, hnsw));
    wait_until(&mut h, "the status bar", |h| h.query_by_label_contains("Library info").is_some());
    click_button(&mut h, "Library info");
    wait_until(&mut h, "Library info", |h| h.query_by_label_contains("hnsw · 12 vectors · loaded").is_some());
    assert!(h.state().banner().is_none(), "{:?}", h.state().banner());
}

/// A file deleted while the app was closed: the open app catches up (it rescans the folders it
/// follows) and marks it missing; until then a result for it says "(missing)". It is never shown
/// as present. (A read-only library, which cannot rescan, keeps the "(missing)" marker: the
/// read-only test below.)
#[test]
fn a_file_deleted_after_import_is_marked_missing_in_results() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let gone = &files[7];
    std::fs::remove_file(gone).unwrap();

    let mut h = harness(&dir);
    let start = name(&files[3]);
    query_artwork(&mut h, &start);
    for hit in h.state().hits().unwrap().iter().filter(|hit| &hit.path == gone) {
        assert!(hit.missing, "the deleted file is not shown as present");
    }
    let labels = result_labels(&h);
    for label in labels.iter().filter(|l| l.contains(&name(gone))) {
        assert!(label.contains(&format!("{} (missing), score ", name(gone))), "{labels:?}");
    }
    // The catch-up rescan marks it missing in the library: 11 of 12 left.
    wait_until(&mut h, "the rescan", |h| h.state().artwork_count() == Some(files.len() - 1));
    h.state_mut().back();
    query_artwork(&mut h, &start);
    assert!(h.state().hits().unwrap().iter().all(|hit| &hit.path != gone), "a missing artwork is not a result");
}

#[test]
fn a_read_only_library_says_so_refuses_imports_and_keeps_searching() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let more = tmp.path().join("more");
    copy_into(&sample_files()[20..22], &more);
    let _guard = Immutable::new(&dir);
    assert!(std::fs::File::create(dir.join("probe")).is_err(), "the library directory should be read-only now");

    let mut h = harness(&dir);
    wait_until(&mut h, "the read-only notice", |h| h.state().banner().is_some_and(|b| b.contains("read-only")));
    let banner = h.state().banner().unwrap().to_owned();
    assert!(banner.contains("searching works, importing does not"), "{banner}");
    wait_until(&mut h, "the status bar", |h| h.query_by_label("read-only library: search only").is_some());
    h.get_by_label("Dismiss").click();
    h.step();

    // Searching works.
    let start = name(&files[1]);
    query_artwork(&mut h, &start);
    assert_eq!(result_labels(&h).len(), 11);

    // An import is refused with the reason, and searching still works afterwards.
    drop_file(&mut h, &more);
    wait_until(&mut h, "the refusal", |h| !h.state().importing() && h.state().banner().is_some());
    let banner = h.state().banner().unwrap().to_owned();
    assert!(banner.contains("read-only") && banner.contains("cannot import"), "{banner}");
    assert_eq!(h.state().artwork_count(), Some(12));
    double_click(&mut h, "result 1: ");
    wait_results(&mut h);
    assert_eq!(h.state().trail().len(), 2, "hopped to a result");
}

// ---- Look closer: the lightbox, select vs hop, the detail panel, copying ----

use kindred::gui::action::Copied;
use kindred::gui::lightbox::{Lightbox, Zoom};

/// The open lightbox (fails if it is closed).
#[track_caller]
fn lightbox<'h>(h: &'h Harness<'_, KindredApp>) -> &'h Lightbox {
    h.state().lightbox().expect("the lightbox is open")
}

/// Waits for the lightbox's decoded image.
#[track_caller]
fn wait_full_image(h: &mut Harness<'_, KindredApp>) {
    wait_until(h, "the lightbox's image", |h| h.state().lightbox().is_some_and(|l| l.texture_size().is_some()));
}

/// A mouse-wheel turn of `dy` points with the pointer at `pos`.
fn wheel(h: &mut Harness<'_, KindredApp>, pos: egui::Pos2, dy: f32) {
    h.input_mut().events.push(egui::Event::PointerMoved(pos));
    h.input_mut().events.push(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, dy),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
    h.step();
    h.step();
}

fn scale(zoom: Zoom) -> f32 {
    match zoom {
        Zoom::Scale(s) => s,
        Zoom::Fit => panic!("expected a zoom, not Fit"),
    }
}

#[test]
fn the_lightbox_opens_at_full_resolution_zooms_pans_steps_and_closes_where_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    query_artwork(&mut h, &name(&files[2]));
    let hits = h.state().hits().unwrap().to_vec();

    // Space with nothing selected opens nothing; a click selects, Space looks closer.
    h.key_press(egui::Key::Space);
    h.step();
    assert!(h.state().lightbox().is_none());
    click_button(&mut h, "result 2: ");
    assert_eq!(h.state().selected(), Some(1));
    h.key_press(egui::Key::Space);
    h.step();
    assert_eq!((lightbox(&h).index(), lightbox(&h).len()), (1, hits.len()), "opened on the results, at the selection");
    assert_eq!(lightbox(&h).item().path, hits[1].path);
    wait_full_image(&mut h);
    let (w, h1) = image::image_dimensions(&hits[1].path).unwrap();
    let texture = lightbox(&h).texture_size().unwrap();
    assert_eq!(texture, [w as usize, h1 as usize], "decoded at the file's own resolution");
    assert!(texture[0].max(texture[1]) > kindred::preprocess::THUMB_SIDE as usize, "larger than a thumbnail: {texture:?}");
    assert_eq!(lightbox(&h).original_size(), Some([w, h1]));
    let lightbox_label = format!("lightbox: {}", name(&hits[1].path));
    let centre = h.get_by_label(&lightbox_label).rect().center();
    assert!(h.query_by_label("Back").is_none(), "the lightbox takes the whole window");

    // The wheel zooms in around the pointer (which moves the image), a pinch zooms further.
    assert_eq!(lightbox(&h).zoom(), Zoom::Fit);
    wheel(&mut h, centre + egui::vec2(120.0, 60.0), 200.0);
    let zoomed = scale(lightbox(&h).zoom());
    assert!(zoomed > 1.0, "zoomed in from fit: {zoomed}");
    let pan = lightbox(&h).pan();
    assert!(pan.x < -1.0 && pan.y < -1.0, "the point under the pointer stays put, so the image moves away from it: {pan:?}");
    h.input_mut().events.push(egui::Event::PointerMoved(centre));
    h.input_mut().events.push(egui::Event::Zoom(2.0));
    h.step();
    let pinched = scale(lightbox(&h).zoom());
    assert!((pinched / zoomed - 2.0).abs() < 0.01, "a pinch of 2 doubles the zoom: {zoomed} → {pinched}");
    wheel(&mut h, centre, -100_000.0);
    assert!(scale(lightbox(&h).zoom()) >= 0.02, "zoom is bounded");

    // 100 % and Fit, by button and double-click.
    h.get_by_label("100 %").click();
    h.step();
    h.step();
    assert_eq!(lightbox(&h).zoom(), Zoom::Scale(1.0));
    h.get_by_label("Fit").click();
    h.step();
    h.step();
    assert_eq!((lightbox(&h).zoom(), lightbox(&h).pan()), (Zoom::Fit, egui::Vec2::ZERO));
    let image_centre = h.get_by_label(&lightbox_label).rect().center();
    double_click_at(&mut h, image_centre);
    assert_eq!(lightbox(&h).zoom(), Zoom::Scale(1.0), "double-click shows actual pixels");

    // Dragging pans.
    let before = lightbox(&h).pan();
    for (i, to) in [centre, centre + egui::vec2(40.0, 10.0), centre + egui::vec2(100.0, 30.0)].into_iter().enumerate() {
        h.input_mut().events.push(egui::Event::PointerMoved(to));
        if i == 0 {
            h.input_mut().events.push(egui::Event::PointerButton {
                pos: to,
                button: egui::PointerButton::Primary,
                pressed: true,
                modifiers: egui::Modifiers::NONE,
            });
        }
        h.step();
    }
    h.input_mut().events.push(egui::Event::PointerButton {
        pos: centre + egui::vec2(100.0, 30.0),
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.step();
    let moved = lightbox(&h).pan() - before;
    assert!(moved.x > 50.0 && moved.y > 10.0, "dragged by (100, 30), panned by {moved:?}");

    // Left/Right step through the results, each decoded anew; the ends hold.
    h.key_press(egui::Key::ArrowRight);
    h.step();
    assert_eq!(lightbox(&h).index(), 2);
    assert_eq!(lightbox(&h).item().path, hits[2].path);
    assert_eq!(lightbox(&h).zoom(), Zoom::Fit, "a new artwork opens fitted");
    wait_full_image(&mut h);
    let (w, h2) = image::image_dimensions(&hits[2].path).unwrap();
    assert_eq!(lightbox(&h).texture_size(), Some([w as usize, h2 as usize]));
    h.get_by_label(&format!("lightbox: {}", name(&hits[2].path)));
    for _ in 0..4 {
        h.key_press(egui::Key::ArrowLeft);
        h.step();
    }
    assert_eq!(lightbox(&h).index(), 0, "held at the first");
    h.key_press(egui::Key::ArrowRight);
    h.key_press(egui::Key::ArrowRight);
    h.step();
    assert_eq!(lightbox(&h).index(), 2, "each press steps once");

    // Esc closes; the grid selects what was looked at last, and the query is where it was.
    h.key_press(egui::Key::Escape);
    h.step();
    assert!(h.state().lightbox().is_none());
    assert_eq!(h.state().selected(), Some(2));
    assert_eq!(h.state().trail().len(), 1, "looking never hops");

    // The magnifier on a tile opens it too; Close closes.
    click_button(&mut h, &format!("look closer: {}", name(&hits[3].path)));
    assert_eq!(lightbox(&h).index(), 3);
    click_button(&mut h, "Close");
    assert!(h.state().lightbox().is_none());
    assert_eq!(h.state().selected(), Some(3));

    // A double-click on the query image looks at the query alone.
    double_click(&mut h, "query: ");
    assert_eq!(lightbox(&h).len(), 1);
    assert_eq!(lightbox(&h).item().path, std::fs::canonicalize(&files[2]).unwrap());
    h.key_press(egui::Key::Escape);
    h.step();

    // Enter in the lightbox finds the kindred of what it shows.
    click_button(&mut h, &format!("look closer: {}", name(&hits[4].path)));
    h.key_press(egui::Key::Enter);
    h.step();
    assert!(h.state().lightbox().is_none());
    assert_eq!(h.state().trail().len(), 2);
    assert_eq!(h.state().trail()[1].name, name(&hits[4].path));
}

#[test]
fn a_large_jpeg_is_reduced_to_the_screen_not_to_the_thumbnail() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    std::fs::create_dir_all(&art).unwrap();
    let big = image::RgbImage::from_fn(3000, 2000, |x, y| image::Rgb([(x / 12) as u8, (y / 8) as u8, ((x + y) / 20) as u8]));
    big.save(art.join("big.jpg")).unwrap();
    copy_into(&sample_files()[..2], &art);
    let dir = tmp.path().join("lib");
    let mut lib = open(&dir, LibraryOptions::default());
    assert_eq!(import(&mut lib, std::slice::from_ref(&art)).added, 3);
    drop(lib);

    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| has_button(h, "look closer: big.jpg"));
    click_button(&mut h, "look closer: big.jpg");
    assert_eq!(lightbox(&h).len(), 3, "steps through the library");
    wait_full_image(&mut h);
    let [w, h1] = lightbox(&h).texture_size().unwrap();
    // The harness window is 1400 × 1000 points at 1 pixel per point (no monitor size known).
    assert_eq!((w, h1), (1400, 933), "reduced to the screen's long side, keeping the aspect");
    assert_eq!(lightbox(&h).original_size(), Some([3000, 2000]));
    h.key_press(egui::Key::Escape);
    h.step();
    // Closing selects it; the detail panel's preview is large too (not the 192 px thumbnail).
    assert!(h.state().selected().is_some());
    wait_until(&mut h, "the large preview", |h| h.state().detail_preview_size().is_some());
    assert_eq!(h.state().detail_preview_size(), Some([640, 427]));
}

#[test]
fn a_click_selects_and_hopping_is_a_double_click_enter_or_find_kindred() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);

    // In the library, a click selects (and the detail panel describes it); nothing is searched.
    let first = name(&files[0]);
    wait_until(&mut h, "the library grid", |h| has_button(h, &format!("artwork: {first}")));
    click_button(&mut h, &format!("artwork: {first}"));
    assert!(h.state().trail().is_empty(), "a click does not search");
    assert!(h.state().selected().is_some());
    wait_until(&mut h, "the artwork's details", |h| h.query_by_label_contains(" px · ").is_some());
    click_button(&mut h, "Find kindred");
    assert_eq!(h.state().trail().len(), 1, "Find kindred queries");
    assert_eq!(h.state().trail()[0].name, first);
    wait_results(&mut h);
    let hits = h.state().hits().unwrap().to_vec();

    // In the results, a click selects and the panel shows the folder, size, file size and date.
    click_button(&mut h, "result 2: ");
    assert_eq!((h.state().trail().len(), h.state().selected()), (1, Some(1)), "selected, not hopped");
    let hit = &hits[1];
    let folder = hit.path.parent().unwrap();
    let bytes = std::fs::metadata(&hit.path).unwrap().len();
    let (w, ht) = image::image_dimensions(&hit.path).unwrap();
    wait_until(&mut h, "the selection's details", |h| h.query_by_label(&name(&hit.path)).is_some());
    h.get_by_label(&format!("in {}", folder.display()));
    let size = match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{} KB", b / 1_000),
        b => format!("{b} bytes"),
    };
    h.get_by_label(&format!("{w} × {ht} px · {size}"));
    h.get_by_label_contains("modified ");
    h.get_by_label(&kindred::readable::alike(hit.alike));
    // The folder is under the name on the tile too.
    let parent = folder.file_name().unwrap().to_string_lossy().into_owned();
    let tile = buttons(&h, "result 2: ").pop().unwrap();
    assert!(tile.ends_with(&format!(", in {parent}")), "the folder under the name: {tile}");

    // Double-click hops; Back, then Forward returns to it; a new hop forgets Forward.
    double_click(&mut h, "result 3: ");
    assert_eq!(h.state().trail().len(), 2);
    assert_eq!(h.state().trail()[1].name, name(&hits[2].path));
    wait_results(&mut h);
    click_button(&mut h, "Back");
    assert_eq!((h.state().trail().len(), h.state().forward_trail().len()), (1, 1));
    wait_results(&mut h);
    click_button(&mut h, "Forward");
    assert_eq!(h.state().trail().len(), 2);
    assert_eq!(h.state().trail()[1].name, name(&hits[2].path));
    assert!(h.state().forward_trail().is_empty());
    wait_results(&mut h);
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowLeft);
    h.step();
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowRight);
    h.step();
    assert_eq!(h.state().trail().len(), 2, "Alt+Right goes forward");
    wait_results(&mut h);
    // Back from the first query to the library keeps Forward.
    h.state_mut().back();
    h.state_mut().back();
    assert!(h.state().trail().is_empty());
    h.state_mut().forward();
    assert_eq!(h.state().trail().len(), 1);
    wait_results(&mut h);
    // Enter hops to the selection and clears Forward.
    h.state_mut().back();
    h.state_mut().forward();
    wait_results(&mut h);
    h.state_mut().back();
    h.state_mut().forward();
    wait_results(&mut h);
    h.key_press(egui::Key::ArrowRight);
    h.key_press(egui::Key::Enter);
    h.step();
    assert_eq!(h.state().trail().len(), 2, "Enter hops");
    assert!(h.state().forward_trail().is_empty());
}

#[test]
fn a_new_query_opens_at_the_top_and_resizing_thumbnails_keeps_the_place() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = Harness::builder()
        .with_size(egui::vec2(900.0, 600.0))
        .build_ui_state(|ui, app: &mut KindredApp| app.show(ui), KindredApp::new(&dir));
    h.state_mut().settings_mut().thumb_size = 200.0;
    query_artwork(&mut h, &name(&files[0]));
    // Scroll the results down.
    let grid = h.get_by_label_contains("result 1: ").rect().center();
    for _ in 0..6 {
        wheel(&mut h, grid, -300.0);
    }
    for _ in 0..30 {
        h.step(); // smooth scrolling settles
    }
    let offset = h.state().grid().offset();
    assert!(offset > 100.0, "scrolled down: {offset}");

    // Thumbnails smaller: the first artwork in view stays in view.
    let first = h.state().grid().first_in_view();
    assert!(first > 0);
    h.state_mut().settings_mut().thumb_size = 100.0;
    h.step();
    h.step();
    let now = h.state().grid().first_in_view();
    let cols_now = buttons(&h, "result ").len().max(1);
    assert!(now <= first && first - now < cols_now, "first in view was {first}, now {now}");
    let label = format!("result {}: ", first + 1);
    let rect = h.get_by_label_contains(&label).rect();
    assert!(rect.min.y >= 0.0 && rect.max.y <= 600.0, "{label} still in view: {rect:?}");

    // A hop opens at the top of its results, and so does Back.
    h.state_mut().settings_mut().thumb_size = 200.0;
    h.step();
    h.step();
    let visible = buttons(&h, "result ").into_iter().find(|l| !l.starts_with("result 1:")).unwrap();
    let prefix = visible.split(':').next().unwrap().to_owned() + ":";
    double_click(&mut h, &prefix);
    assert_eq!(h.state().trail().len(), 2);
    wait_results(&mut h);
    assert_eq!(h.state().grid().offset(), 0.0, "a hop opens at the top");
    assert!(h.query_by_label_contains("result 1: ").is_some());
    for _ in 0..6 {
        wheel(&mut h, grid, -300.0);
    }
    for _ in 0..30 {
        h.step();
    }
    assert!(h.state().grid().offset() > 0.0);
    h.state_mut().back();
    wait_results(&mut h);
    assert_eq!(h.state().grid().offset(), 0.0, "Back opens at the top");
}

#[test]
fn copy_image_and_copy_file_put_the_right_payload_on_the_clipboard() {
    // Under Xvfb the system clipboard cannot be read back reliably: this checks what the app hands
    // over (egui's CopyImage command with the file's pixels; the text/uri-list for files).
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    query_artwork(&mut h, &name(&files[5]));
    let hit = h.state().hits().unwrap()[0].clone();
    click_button(&mut h, "result 1: ");
    wait_until(&mut h, "the detail panel", |h| h.query_by_label("Copy file").is_some());

    click_button(&mut h, "Copy file");
    let uri = format!("file://{}\r\n", hit.path.display());
    match h.state().copied() {
        Some(Copied::Files { uri_list, .. }) => assert_eq!(uri_list, &uri),
        other => panic!("expected files on the clipboard, got {other:?}"),
    }

    // Ctrl+C copies the selection's pixels at full size, through egui's clipboard output.
    let (w, ht) = image::image_dimensions(&hit.path).unwrap();
    h.input_mut().events.push(egui::Event::Copy);
    let start = Instant::now();
    let mut commanded = None;
    while commanded.is_none() {
        h.step();
        commanded = h.output().platform_output.commands.iter().find_map(|c| match c {
            egui::OutputCommand::CopyImage(img) => Some(img.size),
            _ => None,
        });
        assert!(start.elapsed() < TIMEOUT, "no CopyImage command");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(commanded, Some([w as usize, ht as usize]));
    assert_eq!(h.state().copied(), Some(&Copied::Image { path: hit.path.clone(), size: [w as usize, ht as usize] }));

    // Ctrl+Shift+C in the lightbox copies its file; its buttons do the same.
    h.key_press(egui::Key::Space);
    h.step();
    h.key_press(egui::Key::ArrowRight);
    h.step();
    let shown = lightbox(&h).item().path.clone();
    h.input_mut().events.push(egui::Event::ModifiersChanged(egui::Modifiers::SHIFT | egui::Modifiers::COMMAND));
    h.input_mut().events.push(egui::Event::Copy);
    h.step();
    h.input_mut().events.push(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
    h.step();
    match h.state().copied() {
        Some(Copied::Files { uri_list, .. }) => assert_eq!(uri_list, &format!("file://{}\r\n", shown.display())),
        other => panic!("expected the lightbox's file, got {other:?}"),
    }
    click_button(&mut h, "Copy image");
    wait_until(&mut h, "the lightbox image copied", |h| matches!(h.state().copied(), Some(Copied::Image { path, .. }) if *path == shown));
}

#[test]
fn import_a_folder_offers_a_path_field_that_works_without_a_file_dialog() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    copy_into(&sample_files()[..3], &art);
    let mut h = harness(&tmp.path().join("lib"));
    wait_until(&mut h, "the empty state", |h| h.query_by_label("Import a folder…").is_some());
    assert_eq!(h.query_all_by_label("Import a folder…").count(), 1, "one button, one label");
    click_button(&mut h, "Import a folder…");
    h.step();
    h.get_by_label_contains("Dropping a folder onto the window");
    let field = h.get_by_role(Role::TextInput);
    field.click();
    h.step();
    h.get_by_role(Role::TextInput).type_text("/no/such/folder");
    h.step();
    h.get_by_label("Import").click();
    h.step();
    h.step();
    h.get_by_label("There is no folder at /no/such/folder.");
    assert!(!h.state().importing());
    h.get_by_role(Role::TextInput).click();
    h.step();
    for _ in 0.."/no/such/folder".len() {
        h.key_press(egui::Key::Backspace);
    }
    h.step();
    h.get_by_role(Role::TextInput).type_text(&art.display().to_string());
    h.step();
    h.get_by_label("Import").click();
    h.step();
    h.step();
    assert!(h.state().importing() || h.state().artwork_count() == Some(3), "the typed folder is imported");
    assert!(h.query_by_label("Folder to import:").is_none(), "the window closes");
    wait_until(&mut h, "the import", |h| !h.state().importing() && h.state().artwork_count() == Some(3));
}

#[test]
fn results_show_48_then_more_on_demand() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("lib");
    let mut lib = open(&dir, LibraryOptions::default());
    let added = import(&mut lib, &[samples_dir()]).added;
    drop(lib);
    assert!(added > 49, "{added} samples");
    let mut h = harness(&dir);
    wait_until(&mut h, "the library", |h| h.state().artwork_count() == Some(added));
    h.key_press(egui::Key::Home);
    h.key_press(egui::Key::Enter);
    h.step();
    wait_results(&mut h);
    assert_eq!(h.state().hits().unwrap().len(), 48);
    click_button(&mut h, "result 3: ");
    h.get_by_label("Show more than 48").click();
    h.step();
    wait_until(&mut h, "more results", |h| h.state().hits().is_some_and(|hits| hits.len() > 48));
    assert_eq!(h.state().hits().unwrap().len(), added - 1, "every other artwork");
    assert_eq!(h.state().selected(), Some(2), "the selection stays");
    assert!(h.query_by_label_contains("Show more").is_none(), "nothing more to show");
}

#[test]
fn at_800_by_600_more_than_one_row_of_results_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = Harness::builder()
        .with_size(egui::vec2(800.0, 600.0))
        .build_ui_state(|ui, app: &mut KindredApp| app.show(ui), KindredApp::new(&dir));
    query_artwork(&mut h, &name(&files[1]));
    let rows: std::collections::BTreeSet<i32> = h
        .query_all_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.starts_with("result ")))
        .map(|n| n.rect())
        .filter(|r| r.max.y <= 600.0)
        .map(|r| r.min.y as i32)
        .collect();
    assert!(rows.len() >= 2, "rows of results fully in view: {rows:?}");
}

#[test]
fn the_library_grid_has_keys_a_file_name_filter_and_a_sort_order() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| buttons(h, "artwork: ").len() == 12);
    h.key_press(egui::Key::End);
    h.step();
    assert_eq!(h.state().selected(), Some(11), "End");
    h.key_press(egui::Key::Home);
    h.step();
    assert_eq!(h.state().selected(), Some(0), "Home");
    h.key_press(egui::Key::ArrowRight);
    h.step();
    assert_eq!(h.state().selected(), Some(1));
    h.key_press(egui::Key::PageDown);
    h.step();
    assert_eq!(h.state().selected(), Some(11), "Page Down, held at the last");
    h.key_press(egui::Key::ArrowUp);
    h.step();
    assert!(h.state().selected().unwrap() < 11, "Up moves a row");

    // Sorted by name: the tiles come in file-name order.
    h.get_by_label("Sort by").click();
    h.step();
    h.step();
    h.get_by_label("Name").click();
    h.step();
    h.step();
    let shown: Vec<String> =
        buttons(&h, "artwork: ").iter().map(|l| l["artwork: ".len()..].split(", in ").next().unwrap().to_owned()).collect();
    let mut sorted = shown.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(shown, sorted);

    // The filter keeps the artworks whose file name contains the text, ignoring case.
    let target = name(&files[4]);
    let needle = target[..target.rfind('.').unwrap()].to_uppercase();
    let expected = files.iter().filter(|f| name(f).to_uppercase().contains(&needle)).count();
    h.get_by_role(Role::TextInput).click();
    h.step();
    h.get_by_role(Role::TextInput).type_text(&needle);
    h.step();
    h.step();
    assert_eq!(buttons(&h, "artwork: ").len(), expected, "filtered by {needle}");
    h.get_by_label(&format!("{expected} of 12 artworks"));
    // Keys typed into the filter stay there: Space does not open the lightbox.
    h.key_press(egui::Key::Space);
    h.step();
    assert!(h.state().lightbox().is_none());
}

// ---- Boards ----

/// Drags with the primary button from `from` to `to`, over several frames (as a hand would).
fn drag(h: &mut Harness<'_, KindredApp>, from: egui::Pos2, to: egui::Pos2) {
    let button =
        |pos, pressed| egui::Event::PointerButton { pos, button: egui::PointerButton::Primary, pressed, modifiers: egui::Modifiers::NONE };
    h.input_mut().events.push(egui::Event::PointerMoved(from));
    h.step();
    h.input_mut().events.push(button(from, true));
    h.step();
    for t in 1..=6 {
        let pos = from + (to - from) * (t as f32 / 6.0);
        h.input_mut().events.push(egui::Event::PointerMoved(pos));
        h.step();
    }
    h.input_mut().events.push(button(to, false));
    h.step();
    h.step();
}

/// Opens a board through the top bar's Boards menu.
fn open_board(h: &mut Harness<'_, KindredApp>, name: &str) {
    wait_until(h, "the boards", |h| h.state().boards().iter().any(|b| b.name == name));
    click_button(h, "Boards");
    click_button(h, &format!("{name} ("));
    wait_until(h, "the board", |h| h.state().board().is_some_and(|b| b.summary.name == name));
}

/// Items of the board shown: artwork ids in order.
fn board_ids(h: &Harness<'_, KindredApp>) -> Vec<i64> {
    h.state().board().map(|b| b.items.iter().map(|i| i.artwork.id).collect()).unwrap_or_default()
}

#[test]
fn f_adds_to_favourites_b_picks_a_board_and_a_board_is_renamed_trimmed_and_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    let tile = |i: usize| format!("artwork: {}", name(&files[i]));
    wait_until(&mut h, "the library grid", |h| has_button(h, &tile(0)));
    // F: the selected artwork goes to Favourites.
    click_button(&mut h, &tile(0));
    h.key_press(egui::Key::F);
    wait_until(&mut h, "Favourites to hold it", |h| h.state().boards().first().is_some_and(|b| b.items == 1));
    assert_eq!(h.state().board_message(), Some("Added 1 artwork to Favourites"));
    // Ctrl-click adds to the selection, Shift-click takes a range; B offers the boards.
    click_button(&mut h, &tile(2));
    h.get_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.starts_with(&tile(3)))).click_modifiers(egui::Modifiers::COMMAND);
    h.step();
    h.get_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.starts_with(&tile(5)))).click_modifiers(egui::Modifiers::COMMAND);
    h.step();
    assert_eq!(h.state().grid().chosen(), [2, 3, 5]);
    h.key_press(egui::Key::B);
    wait_until(&mut h, "the board picker", |h| h.query_by_label("or a new board:").is_some());
    h.get_by_label("or a new board:").focus();
    h.step();
    h.get_by_label("or a new board:").type_text("  Reds ");
    h.step();
    click_button(&mut h, "New board");
    wait_until(&mut h, "the new board", |h| h.state().boards().iter().any(|b| b.name == "Reds" && b.items == 3));
    assert!(h.query_by_label("or a new board:").is_none(), "the picker closes");
    open_board(&mut h, "Reds");
    let ids = board_ids(&h);
    assert_eq!(ids.len(), 3);
    // Remove one; the others stay, in order; its file is untouched.
    click_button(&mut h, &format!("on board: {}", name(&files[3])));
    click_button(&mut h, "Remove from board");
    wait_until(&mut h, "the removal", |h| board_ids(h).len() == 2);
    assert_eq!(board_ids(&h), [ids[0], ids[2]]);
    assert!(files[3].exists());
    // Rename.
    click_button(&mut h, "Rename…");
    h.get_by_label("Name:").focus();
    h.step();
    h.get_by_label("Name:").type_text(" and oranges");
    h.step();
    click_button(&mut h, "Save name");
    wait_until(&mut h, "the new name", |h| h.state().board().is_some_and(|b| b.summary.name == "Reds and oranges"));
    // Delete asks once; the artworks stay in the library.
    click_button(&mut h, "Delete board");
    click_button(&mut h, "Really delete");
    wait_until(&mut h, "the deletion", |h| h.state().boards().len() == 1);
    assert!(matches!(h.state().view(), kindred::gui::state::View::Library));
    assert_eq!(h.state().artwork_count(), Some(12));
    // Favourites cannot be renamed or deleted from the app.
    open_board(&mut h, "Favourites");
    let disabled = |h: &Harness<'_, KindredApp>, label: &str| {
        h.query_by(|n| n.role() == Role::Button && n.label().as_deref() == Some(label) && n.is_disabled()).is_some()
    };
    assert!(disabled(&h, "Rename…") && disabled(&h, "Delete board"));
}

#[test]
fn canvas_moves_and_scales_are_kept_across_a_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let (board, first) = {
        let mut lib = open(&dir, LibraryOptions::default());
        let ids: Vec<i64> = files[..3].iter().map(|f| lib.artwork_of(&kindred::Query::File(f.clone())).unwrap()).collect();
        let board = lib.create_board("Wall").unwrap();
        lib.add_to_board(board, &ids).unwrap();
        (board, ids[0])
    };
    let first_name = name(&files[0]);
    let before = {
        let mut h = harness(&dir);
        open_board(&mut h, "Wall");
        click_button(&mut h, "Canvas");
        let item = h.get_by_label(&format!("canvas: {first_name}")).rect();
        let place = |h: &Harness<'_, KindredApp>| h.state().board().unwrap().items[0].placement;
        let start = place(&h);
        drag(&mut h, item.center(), item.center() + egui::vec2(150.0, 90.0));
        let moved = place(&h);
        let zoom = h.state().board_canvas().unwrap().zoom;
        assert!((moved.x - start.x - 150.0 / zoom).abs() < 2.0 && (moved.y - start.y - 90.0 / zoom).abs() < 2.0, "{start:?} → {moved:?}");
        assert!(moved.z > 2, "the artwork dragged comes on top: {moved:?}");
        // The scale handle at its lower right corner.
        let handle = h.get_by_label(&format!("scale: {first_name}")).rect().center();
        drag(&mut h, handle, handle + egui::vec2(80.0, 80.0));
        let scaled = place(&h);
        assert!(scaled.scale > 1.2, "{scaled:?}");
        scaled
    };
    // A new app on the same library shows the board as it was left.
    let mut h = harness(&dir);
    open_board(&mut h, "Wall");
    let after = h.state().board().unwrap().items[0].placement;
    assert_eq!(after, before);
    let lib = Library::open_existing(&dir, LibraryOptions::default()).unwrap();
    assert_eq!(lib.board(board).unwrap().items[0].placement, before);
    assert_eq!(lib.board(board).unwrap().items[0].artwork.id, first);
}

#[test]
fn more_like_this_board_searches_with_the_board_and_leaves_its_artworks_out() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let members = {
        let mut lib = open(&dir, LibraryOptions::default());
        let ids: Vec<i64> = [1, 4, 8].iter().map(|&i| lib.artwork_of(&kindred::Query::File(files[i].clone())).unwrap()).collect();
        lib.add_to_board(kindred::board::FAVOURITES, &ids).unwrap();
        ids
    };
    let mut h = harness(&dir);
    open_board(&mut h, "Favourites");
    click_button(&mut h, "More like this board");
    wait_results(&mut h);
    let hits = h.state().hits().unwrap().to_vec();
    assert_eq!(hits.len(), 9, "the 12 artworks but the board's 3");
    assert!(hits.iter().all(|hit| !members.contains(&hit.id)));
    assert_eq!(h.state().trail()[0].name, "board Favourites");
    // The same ranking as the library's board query.
    let mut lib = Library::open_existing(&dir, LibraryOptions::default()).unwrap();
    let query = lib.board_query(kindred::board::FAVOURITES).unwrap();
    let expected: Vec<i64> = lib.search(&query, &kindred::Weights::ALL, 48).unwrap().hits.iter().map(|h| h.id).collect();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), expected);
}

#[test]
fn a_board_is_exported_from_the_app_with_its_contact_sheet_and_nothing_is_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    {
        let mut lib = open(&dir, LibraryOptions::default());
        let ids: Vec<i64> = [2, 7].iter().map(|&i| lib.artwork_of(&kindred::Query::File(files[i].clone())).unwrap()).collect();
        lib.add_to_board(kindred::board::FAVOURITES, &ids).unwrap();
    }
    let out = tmp.path().join("for the client");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join(name(&files[2])), b"the client's own file").unwrap();
    let mut h = harness(&dir);
    open_board(&mut h, "Favourites");
    click_button(&mut h, "Export…");
    // The field proposes a folder named after the board; the artist types another.
    let proposed = h.get_by_role(Role::TextInput).accesskit_node().value().unwrap_or_default();
    assert!(proposed.ends_with("Favourites"), "{proposed}");
    h.get_by_role(Role::TextInput).click();
    h.step();
    for _ in 0..proposed.chars().count() {
        h.key_press(egui::Key::Backspace);
    }
    h.get_by_role(Role::TextInput).type_text(&out.display().to_string());
    h.step();
    h.get_by_label("Export").click();
    h.step();
    wait_until(&mut h, "the export", |h| h.query_by_label_contains("Copied 2 artworks of Favourites").is_some());
    h.get_by_label_contains("contact sheet Favourites contact sheet.png");
    assert_eq!(std::fs::read(out.join(name(&files[2]))).unwrap(), b"the client's own file", "never overwritten");
    let stem = files[2].file_stem().unwrap().to_string_lossy().into_owned();
    let ext = files[2].extension().unwrap().to_string_lossy().into_owned();
    assert_eq!(std::fs::read(out.join(format!("{stem} (2).{ext}"))).unwrap(), std::fs::read(&files[2]).unwrap(), "a copy beside it");
    assert_eq!(std::fs::read(out.join(name(&files[7]))).unwrap(), std::fs::read(&files[7]).unwrap());
    assert!(files.iter().all(|f| f.exists()), "originals stay where they are");
    let sheet = image::open(out.join("Favourites contact sheet.png")).unwrap();
    assert!(sheet.width() > 100 && sheet.height() > 100);
}

/// The composer (issue 16): an image dropped on an aspect's drop zone becomes that aspect's source
/// and the results re-rank at once; a palette colour and a "less like" image join the same query;
/// a click on a swatch of the detail panel's palette searches by that colour.
#[test]
fn the_composer_takes_dropped_sources_per_aspect_and_re_ranks() {
    use kindred::gui::composer::Slot;
    use kindred::{Aspect, Query};
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    query_artwork(&mut h, &name(&files[0]));
    // The detail panel's buttons come with the query's details, which may follow its results.
    wait_until(&mut h, "the detail panel", |h| has_button(h, "Compose…"));
    click_button(&mut h, "Compose…");
    h.step();
    assert!(h.state().composer.open, "Compose… opens the composer");

    let drop_on = |h: &mut Harness<'_, KindredApp>, hint: &str, file: &Path| {
        let zone = h.get_by_label(hint).rect().center();
        h.input_mut().events.push(egui::Event::PointerMoved(zone));
        h.step();
        drop_file(h, file);
    };
    drop_on(&mut h, "drop an image here for its colour", &files[3]);
    wait_until(&mut h, "the composed query's results", |h| {
        h.state().trail().last().is_some_and(|e| e.composed) && h.state().hits().is_some_and(|hits| !hits.is_empty())
    });
    assert_eq!(h.state().composer.members(Slot::Aspect(Aspect::Colour)).count(), 1, "the drop went to colour, not to the query");
    assert_eq!(h.state().trail().len(), 2, "the composition is one entry on the trail after the first query");
    let colour_only: Vec<i64> = h.state().hits().unwrap().iter().map(|hit| hit.id).collect();
    assert!(h.state().hits().unwrap().iter().all(|hit| hit.aspects.len() == 1 && hit.aspects.contains_key(&Aspect::Colour)));

    drop_on(&mut h, "drop an image here for its shape", &files[5]);
    wait_until(&mut h, "re-ranked by colour and shape", |h| {
        h.state().hits().is_some_and(|hits| hits.first().is_some_and(|hit| hit.aspects.len() == 2))
    });
    assert_eq!(h.state().trail().len(), 2, "a change re-ranks the composed entry in place");
    let both: Vec<i64> = h.state().hits().unwrap().iter().map(|hit| hit.id).collect();
    assert_ne!(colour_only, both, "shape changed the ranking");
    let Query::Blend(parts) = &h.state().trail()[1].query else { panic!("a blend") };
    assert_eq!(parts.len(), 2);

    drop_on(&mut h, "drop an image here to see less like it", &files[7]);
    click_button(&mut h, "Add colour");
    wait_until(&mut h, "the palette and the pushed-away image in the query", |h| {
        matches!(&h.state().trail()[1].query, Query::Blend(parts) if parts.len() == 4
            && parts.iter().any(|p| matches!(p.image, Query::Palette(_)))
            && parts.iter().any(|p| p.weights.colour < 0.0))
    });
    wait_results(&mut h);

    // A swatch of the query's palette in the detail panel: search by that colour.
    h.state_mut().back();
    wait_results(&mut h);
    let first_swatch =
        h.query_all_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.starts_with("search by colour #"))).next();
    first_swatch.expect("the query's palette is shown").click();
    wait_until(&mut h, "palette results", |h| {
        matches!(h.state().trail().last().map(|e| &e.query), Some(Query::Palette(_)))
            && h.state().hits().is_some_and(|hits| !hits.is_empty())
    });
    assert!(h.state().hits().unwrap().iter().all(|hit| hit.aspects.keys().eq([&Aspect::Colour])));
}

/// Region pick (issue 16): a box dragged on the query picture searches by that part of it. The
/// query is two artworks side by side; a box over the left half is a region query of the query
/// file, and the library finds the left artwork first.
#[test]
fn a_box_dragged_on_the_query_picture_searches_by_that_part() {
    use image::{RgbImage, imageops};
    use kindred::Query;
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let (left, right) = (&files[2], &files[9]);
    let half = |p: &Path| imageops::resize(&load_flat(p), 300, 300, imageops::FilterType::Triangle);
    let mut composite = RgbImage::new(600, 300);
    imageops::replace(&mut composite, &half(left), 0, 0);
    imageops::replace(&mut composite, &half(right), 300, 0);
    let query = tmp.path().join("composite.png");
    composite.save(&query).unwrap();

    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| has_button(h, "artwork: "));
    drop_file(&mut h, &query);
    wait_results(&mut h);
    wait_until(&mut h, "the query's thumbnail and size", |h| has_button(h, "query: composite.png"));
    let tile = h.get_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.starts_with("query: composite.png"))).rect();
    // The tile's image square is as wide as the tile; the 2:1 picture fills its middle half.
    let side = tile.width();
    let (top, bottom) = (tile.min.y + side * 0.25, tile.min.y + side * 0.75);
    let from = egui::pos2(tile.min.x + 2.0, top + 2.0);
    let to = egui::pos2(tile.min.x + side * 0.5 - 1.0, bottom + 20.0); // past the picture: clamped to it
    drag(&mut h, from, to);
    wait_until(&mut h, "the region's results", |h| {
        matches!(h.state().trail().last().map(|e| &e.query), Some(Query::Region { .. }))
            && h.state().hits().is_some_and(|hits| !hits.is_empty())
    });
    let Some(Query::Region { image, region }) = h.state().trail().last().map(|e| e.query.clone()) else { unreachable!() };
    assert_eq!(*image, Query::File(query.clone()), "the region is of the query picture");
    assert!(region.x < 20 && region.y < 20 && region.y + region.h == 300, "{region:?}");
    assert!((280..=300).contains(&(region.x + region.w)), "the box ends at the middle: {region:?}");
    assert_eq!(h.state().trail().len(), 2, "the part is a new step on the trail");
    let first = &h.state().hits().unwrap()[0];
    assert_eq!(first.path, *left, "the left artwork comes first");

    // A click (no drag) on the picture is not a region.
    let centre = egui::pos2(tile.min.x + side * 0.75, tile.min.y + side * 0.5);
    drag(&mut h, centre, centre + egui::vec2(2.0, 2.0));
    assert_eq!(h.state().trail().len(), 2, "a tiny box searches nothing new");
}

// ---- The collection map ----

use kindred::gui::map_view::{Detail, MapView};

/// The open map (fails if it is closed).
#[track_caller]
fn map_view<'h>(h: &'h Harness<'_, KindredApp>) -> &'h MapView {
    h.state().map_view().expect("the map is open")
}

/// A press and release of the primary button at `pos`.
fn click_at(h: &mut Harness<'_, KindredApp>, pos: egui::Pos2) {
    h.input_mut().events.push(egui::Event::PointerMoved(pos));
    h.step();
    for pressed in [true, false] {
        h.input_mut().events.push(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    h.step();
    h.step();
}

/// A Shift-drag through `path` (a lasso), several frames per side.
fn shift_drag(h: &mut Harness<'_, KindredApp>, path: &[egui::Pos2]) {
    let shift = egui::Modifiers::SHIFT;
    let button = |pos, pressed| egui::Event::PointerButton { pos, button: egui::PointerButton::Primary, pressed, modifiers: shift };
    let step = |h: &mut Harness<'_, KindredApp>, event: egui::Event| {
        h.input_mut().events.push(event);
        h.step();
    };
    step(h, egui::Event::ModifiersChanged(shift));
    step(h, egui::Event::PointerMoved(path[0]));
    step(h, button(path[0], true));
    for side in path.windows(2) {
        for t in 1..=4 {
            step(h, egui::Event::PointerMoved(side[0] + (side[1] - side[0]) * (t as f32 / 4.0)));
        }
    }
    step(h, button(*path.last().unwrap(), false));
    step(h, egui::Event::ModifiersChanged(egui::Modifiers::NONE));
}

#[test]
fn the_map_shows_every_artwork_a_click_queries_it_and_a_lasso_makes_a_board() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| has_button(h, &format!("artwork: {}", name(&files[0]))));
    click_button(&mut h, "Map");
    wait_until(&mut h, "the map", |h| h.state().map_view().is_some_and(|m| m.map().is_some()));
    let points = map_view(&h).map().unwrap().points.clone();
    assert_eq!(points.len(), 12);
    let mut paths: Vec<PathBuf> = points.iter().map(|p| p.path.clone()).collect();
    paths.sort();
    assert_eq!(paths, files, "every artwork is on the map");
    assert!(h.query_by(|n| n.role() == Role::Canvas && n.label().is_some_and(|l| l.starts_with("collection map: 12 artworks"))).is_some());
    // Close in (12 artworks far apart): thumbnails, from the app's thumbnail cache.
    assert_eq!(map_view(&h).detail(), Detail::Thumbnails);
    wait_until(&mut h, "the thumbnails", |h| h.state().thumbnails_cached() >= 12);
    // Far out: dots.
    let centre = map_view(&h).screen_pos(points[0].id).unwrap();
    for _ in 0..30 {
        if map_view(&h).detail() == Detail::Dots {
            break;
        }
        wheel(&mut h, centre, -400.0);
    }
    assert_eq!(map_view(&h).detail(), Detail::Dots, "zoom {}", map_view(&h).zoom());
    click_button(&mut h, "Fit");
    assert_eq!(map_view(&h).zoom(), 1.0);
    assert_eq!(map_view(&h).detail(), Detail::Thumbnails);

    // A click makes the artwork the query; it and its results light up on the map.
    let target = &points[5];
    let at = map_view(&h).screen_pos(target.id).unwrap();
    click_at(&mut h, at);
    wait_until(&mut h, "the query's results", |h| h.state().hits().is_some_and(|hits| !hits.is_empty()));
    assert_eq!(h.state().trail().len(), 1);
    assert_eq!(h.state().trail()[0].path, target.path, "the clicked artwork is the query");
    let lit: std::collections::HashSet<i64> = h.state().hits().unwrap().iter().map(|hit| hit.id).chain([target.id]).collect();
    assert!(lit.len() > 1);
    assert_eq!(map_view(&h).lit(), lit.len(), "the query and its results light up");

    // A Shift-drag lassos the left half of the map; "Add to board…" makes a board of it.
    let at: Vec<(i64, egui::Pos2)> = points.iter().map(|p| (p.id, map_view(&h).screen_pos(p.id).unwrap())).collect();
    let mut xs: Vec<f32> = at.iter().map(|(_, p)| p.x).collect();
    xs.sort_by(f32::total_cmp);
    let split = (xs[5] + xs[6]) / 2.0;
    let (top, bottom) = at.iter().fold((f32::MAX, f32::MIN), |(t, b), (_, p)| (t.min(p.y), b.max(p.y)));
    let (left, top, bottom) = (xs[0] - 20.0, top - 20.0, bottom + 20.0);
    shift_drag(
        &mut h,
        &[egui::pos2(left, top), egui::pos2(split, top), egui::pos2(split, bottom), egui::pos2(left, bottom), egui::pos2(left, top + 2.0)],
    );
    let mut expected: Vec<i64> = at.iter().filter(|(_, p)| p.x < split).map(|(id, _)| *id).collect();
    let mut chosen = map_view(&h).selection().to_vec();
    expected.sort();
    chosen.sort();
    assert_eq!(chosen, expected, "the lasso takes the artworks it encloses");
    assert_eq!(h.state().trail()[0].path, target.path, "a lasso is not a click");
    click_button(&mut h, "Add to board…");
    wait_until(&mut h, "the board picker", |h| h.query_by_label("or a new board:").is_some());
    h.get_by_label("or a new board:").focus();
    h.step();
    h.get_by_label("or a new board:").type_text("Left half");
    h.step();
    click_button(&mut h, "New board");
    wait_until(&mut h, "the new board", |h| h.state().boards().iter().any(|b| b.name == "Left half" && b.items == expected.len()));
    // Closing the map shows the query's results again.
    click_button(&mut h, "Map");
    assert!(h.state().map_view().is_none());
    assert!(has_button(&h, "result 1: "));
}

// ---- Folders ----

/// Labels of the library tiles shown: file names.
fn shown_names(h: &Harness<'_, KindredApp>) -> Vec<String> {
    let mut names: Vec<String> =
        buttons(h, "artwork: ").iter().map(|l| l["artwork: ".len()..].split(", in ").next().unwrap().to_owned()).collect();
    names.sort();
    names
}

fn sorted_names(files: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = files.iter().map(|f| name(f)).collect();
    names.sort();
    names
}

#[test]
fn the_folder_tree_filters_the_grid_and_search_in_keeps_results_to_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let sky = copy_into(&sample_files()[..4], &art.join("sky"));
    let sea = copy_into(&sample_files()[4..7], &art.join("sea"));
    let dir = tmp.path().join("lib");
    assert_eq!(import(&mut open(&dir, LibraryOptions::default()), std::slice::from_ref(&art)).added, 7);
    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid and its folders", |h| {
        buttons(h, "artwork: ").len() == 7 && h.query_by_label("sky  (4)").is_some()
    });
    h.get_by_label("All folders  (7)");

    // A folder in the tree: only its artworks.
    h.get_by_label("sky  (4)").click();
    h.step();
    h.step();
    assert_eq!(shown_names(&h), sorted_names(&sky));
    h.get_by_label("4 of 7 artworks");
    h.get_by_label("sea  (3)").click();
    h.step();
    h.step();
    assert_eq!(shown_names(&h), sorted_names(&sea));
    h.get_by_label("All folders  (7)").click();
    h.step();
    h.step();
    assert_eq!(buttons(&h, "artwork: ").len(), 7, "everything again");

    // "Search in" above the results: only the sea folder's artworks are ranked.
    query_artwork(&mut h, &name(&sky[0]));
    assert_eq!(result_labels(&h).len(), 6, "the whole library, the query left out");
    h.get_by_role(Role::ComboBox).click(); // "Search in", the query view's only drop-down
    h.step();
    h.step();
    h.get_by(|n| n.label().is_some_and(|l| l.trim_start() == "sea  (3)")).click();
    h.step();
    let sea_dir = std::fs::canonicalize(art.join("sea")).unwrap();
    wait_until(&mut h, "the results in sea", |h| {
        h.state().hits().is_some_and(|hits| hits.len() == 3 && hits.iter().all(|hit| hit.path.starts_with(&sea_dir)))
    });
    assert_eq!(result_labels(&h).len(), 3);
}

// ---- Duplicates ----

/// A trash that moves files into a folder of its own and records what it was asked.
#[derive(Debug)]
struct FolderTrash {
    dir: PathBuf,
    asked: std::sync::Mutex<Vec<PathBuf>>,
}

impl kindred::library::Trash for FolderTrash {
    fn trash(&self, path: &Path) -> Result<(), String> {
        self.asked.lock().unwrap().push(path.to_path_buf());
        std::fs::rename(path, self.dir.join(path.file_name().unwrap())).map_err(|e| e.to_string())
    }
}

/// The groups the Duplicates view shows: file names per group, best first.
fn duplicate_groups(h: &Harness<'_, KindredApp>) -> Option<Vec<Vec<String>>> {
    let groups = h.state().duplicates_view()?.groups()?;
    Some(groups.iter().map(|g| g.members.iter().map(|m| name(&m.path)).collect()).collect())
}

#[test]
fn the_duplicates_view_shows_the_groups_and_keep_only_this_one_asks_then_trashes() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files()[..6], &art);
    let copies = art.join("copies");
    std::fs::create_dir_all(&copies).unwrap();
    std::fs::copy(&files[0], copies.join("a-again.png")).unwrap();
    near_duplicate(&files[1], &copies.join("b-small.jpg"));
    let dir = tmp.path().join("lib");
    assert_eq!(import(&mut open(&dir, LibraryOptions::default()), std::slice::from_ref(&art)).added, 8);
    let trash = Arc::new(FolderTrash { dir: tmp.path().join("trash"), asked: Default::default() });
    std::fs::create_dir_all(&trash.dir).unwrap();

    let mut h = harness(&dir);
    h.state_mut().set_trash(trash.clone());
    wait_until(&mut h, "the library grid", |h| h.state().artwork_count() == Some(8) && has_button(h, "Duplicates"));
    click_button(&mut h, "Duplicates");
    wait_until(&mut h, "the groups of copies", |h| duplicate_groups(h).is_some());
    let groups = duplicate_groups(&h).unwrap();
    assert_eq!(groups.len(), 2, "{groups:?}");
    let near = groups.iter().position(|g| g.contains(&"b-small.jpg".to_string())).expect("the resized copy's group");
    assert_eq!(groups[near], [name(&files[1]), "b-small.jpg".into()], "the original first: most pixels");
    let exact = 1 - near;
    let mut pair = groups[exact].clone();
    pair.sort();
    assert_eq!(pair, ["a-again.png".to_string(), name(&files[0])]);
    h.get_by_label("Exact copies (the same bytes) · 2 files");
    h.get_by_label("Near-duplicates (resized, re-encoded, cropped or retouched) · 2 files");
    h.get_by_label(&format!("Best · {}", name(&files[1])));
    h.get_by_label_contains("2 groups: 1 exact, 1 near · 2 files beside the best of their group");
    assert_eq!(h.query_all_by_label("Reveal").count(), 4, "every member can be revealed, opened and added to a board");
    assert_eq!(h.query_all_by_label("Add to board…").count(), 4);

    // Keep only the original of the resized copy: asked first, nothing moved.
    let keep_only = |h: &mut Harness<'_, KindredApp>, i: usize| {
        h.query_all_by_label("Keep only this one").nth(i).expect("a Keep only this one button").click();
        h.step();
        h.step();
        h.step(); // a modal is invisible on its first frame
    };
    keep_only(&mut h, near * 2);
    h.get_by_label(&format!("Keep only {}?", name(&files[1])));
    h.get_by_label_contains("b-small.jpg  (");
    assert!(trash.asked.lock().unwrap().is_empty(), "nothing moves before the confirmation");
    click_button(&mut h, "Cancel");
    assert!(h.query_by_label(&format!("Keep only {}?", name(&files[1]))).is_none(), "closed");
    assert!(copies.join("b-small.jpg").exists() && trash.asked.lock().unwrap().is_empty());

    keep_only(&mut h, near * 2);
    click_button(&mut h, "Move 1 file to the trash");
    wait_until(&mut h, "the groups after the trash", |h| duplicate_groups(h).is_some_and(|g| g.len() == 1));
    let small = std::fs::canonicalize(&copies).unwrap().join("b-small.jpg");
    assert_eq!(*trash.asked.lock().unwrap(), std::slice::from_ref(&small), "the trash was asked for the copy only");
    assert!(!small.exists() && trash.dir.join("b-small.jpg").exists() && files[1].exists());
    assert!(h.state().banner().is_some_and(|b| b.contains("moved 1 file to the system trash")), "{:?}", h.state().banner());
    wait_until(&mut h, "the library without the copy", |h| h.state().artwork_count() == Some(7));
    drop(h);

    // The catalog keeps it, marked: missing, with a note of where it went and what was kept.
    let lib = open(&dir, LibraryOptions::default());
    let gone = lib.catalog().artwork_by_path(&small).unwrap().expect("the record is kept");
    assert_eq!(gone.status, kindred::catalog::Status::Missing);
    let note = gone.error.unwrap();
    assert!(note.contains("moved to the system trash") && note.contains(&name(&files[1])), "{note}");
}

// ---- Long jobs, stopping to follow a folder ----

/// Steps the app for `secs` seconds (the worker answers what it was asked meanwhile).
fn idle(h: &mut Harness<'_, KindredApp>, secs: f32) {
    let until = Instant::now() + Duration::from_secs_f32(secs);
    while Instant::now() < until {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The rescan the app runs on opening a library whose folder grew shows its progress and a Cancel
/// that keeps what was done; the Map asked for meanwhile says what it waits for, and comes once
/// the rescan stops.
#[test]
fn the_rescan_on_opening_shows_progress_the_map_says_it_waits_and_cancel_keeps_what_was_done() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    copy_into(&sample_files()[..3], &art);
    let dir = tmp.path().join("lib");
    assert_eq!(import(&mut open(&dir, LibraryOptions::default()), std::slice::from_ref(&art)).added, 3);
    // The folder grew while the app was closed; enough files that the rescan still runs when
    // Cancel is clicked, on any machine.
    let grown = make_corpus(&art.join("grown"), 600);
    let mut h = harness(&dir);
    wait_until(&mut h, "the rescan's progress", |h| {
        h.state().import_progress().is_some_and(|p| p.phase == kindred::import::Phase::Embedding && p.total == grown.len())
    });
    assert!(h.state().importing());
    click_button(&mut h, "Map");
    wait_until(&mut h, "the map's wait", |h| h.query_by_label_contains("Map: waiting for the rescan (").is_some());
    let waiting = h.get_by_label_contains("Map: waiting for the rescan (").accesskit_node().value().unwrap_or_default();
    assert!(waiting.ends_with(" of 600)…"), "{waiting}");
    assert!(h.state().map_view().unwrap().map().is_none());
    wait_until(&mut h, "the rescan's panel", |h| h.query_by_label_contains("the map, copies and searches wait for it").is_some());
    h.get_by_label("Cancel").click();
    h.step();
    wait_until(&mut h, "the rescan to stop", |h| !h.state().importing());
    let stopped = h.get_by_label_contains("Folders: rescan stopped").accesskit_node().value().unwrap_or_default();
    // What was committed stays, and the map comes with it.
    wait_until(&mut h, "the map", |h| h.state().map_view().is_some_and(|m| m.map().is_some()));
    let count = h.state().map_view().unwrap().map().unwrap().points.len();
    assert!(count > 3 && count < 3 + grown.len(), "stopped part way: {count} artworks on the map; {stopped}");
    assert!(stopped.contains(&format!("{} added", count - 3)), "{stopped}");
    wait_until(&mut h, "the grid", |h| h.state().artwork_count() == Some(count));
}

/// A Cancel that arrives after its job ended (clicked as the import finished) does not stop the
/// next job: a file saved in a followed folder is still imported.
#[test]
fn a_cancel_after_its_job_ended_does_not_stop_the_next_change_in_the_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| h.state().artwork_count() == Some(12));
    idle(&mut h, 1.5); // the rescan on opening finds nothing new and ends
    assert!(!h.state().importing());
    h.state_mut().cancel_import();
    h.step();
    let new = copy_into(&sample_files()[12..13], files[0].parent().unwrap()).remove(0);
    wait_until(&mut h, "the new file", |h| h.state().artwork_count() == Some(13));
    h.get_by_label("Folders: 1 added");
    assert!(h.state().last_import().is_none(), "no import summary: {:?}", h.state().last_import());
    assert!(new.exists());
}

/// The map open while a followed folder changes is laid out again with the change.
#[test]
fn the_open_map_is_laid_out_again_after_a_change_in_the_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| h.state().artwork_count() == Some(12));
    click_button(&mut h, "Map");
    wait_until(&mut h, "the map", |h| h.state().map_view().is_some_and(|m| m.map().is_some_and(|m| m.points.len() == 12)));
    let new = copy_into(&sample_files()[12..13], files[0].parent().unwrap()).remove(0);
    let new = std::fs::canonicalize(new).unwrap();
    wait_until(&mut h, "the map with the new file", |h| {
        h.state().map_view().and_then(|m| m.map()).is_some_and(|m| m.points.len() == 13 && m.points.iter().any(|p| p.path == new))
    });
}

/// Right-click on a followed folder in the folder tree → "Stop following": the library no longer
/// follows it, the message says its artworks stay, and they do.
#[test]
fn stop_following_from_the_folder_tree_keeps_the_artworks() {
    let tmp = tempfile::tempdir().unwrap();
    let (art, old) = (tmp.path().join("art"), tmp.path().join("old"));
    copy_into(&sample_files()[..4], &art);
    copy_into(&sample_files()[4..6], &old);
    let dir = tmp.path().join("lib");
    assert_eq!(import(&mut open(&dir, LibraryOptions::default()), &[art.clone(), old.clone()]).added, 6);
    let mut h = harness(&dir);
    let old_row = |h: &Harness<'_, KindredApp>| h.query_by(|n| n.label().is_some_and(|l| l.ends_with("/old  (2)"))).is_some();
    // The status bar's count comes with the library info, which names the folders followed.
    wait_until(&mut h, "the folder tree", |h| old_row(h) && h.query_by_label("6 artworks").is_some());
    h.get_by(|n| n.label().is_some_and(|l| l.ends_with("/old  (2)"))).click_secondary();
    h.step();
    h.step();
    click_button(&mut h, "Stop following");
    wait_until(&mut h, "the message", |h| h.state().banner().is_some_and(|b| b.starts_with("Stopped following")));
    let said = h.state().banner().unwrap().to_owned();
    let old = std::fs::canonicalize(&old).unwrap();
    assert!(said.contains(&old.display().to_string()) && said.contains("Its 2 artworks stay in the library"), "{said}");
    assert_eq!(h.state().artwork_count(), Some(6));
    // Still in the tree (its artworks are there), no longer a followed folder: no menu.
    wait_until(&mut h, "the tree again", old_row);
    h.get_by(|n| n.label().is_some_and(|l| l.ends_with("/old  (2)"))).click_secondary();
    h.step();
    h.step();
    assert!(!has_button(&h, "Stop following"), "only a followed folder has Stop following");
    drop(h);
    let lib = open(&dir, LibraryOptions::default());
    assert_eq!(lib.roots().unwrap(), [std::fs::canonicalize(&art).unwrap()]);
    // The app's count above is its list from before; the catalog still holds all six.
    assert_eq!(lib.catalog().counts(lib.model()).unwrap().ok, 6, "its artworks stay searchable");
}

/// With the map open, arrows, Enter and Space do not act on the grid hidden under it (no
/// selection moves, no query, no lightbox); Escape closes the map, and the grid takes its keys again.
#[test]
fn keys_under_the_open_map_do_not_reach_the_grid_and_escape_closes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    let first = format!("artwork: {}", name(&files[0]));
    wait_until(&mut h, "the library grid", |h| has_button(h, &first));
    click_button(&mut h, &first);
    assert_eq!(h.state().selected(), Some(0));
    click_button(&mut h, "Map");
    wait_until(&mut h, "the map", |h| h.state().map_view().is_some_and(|m| m.map().is_some()));
    for key in [egui::Key::ArrowRight, egui::Key::ArrowDown, egui::Key::End, egui::Key::Enter, egui::Key::Space] {
        h.key_press(key);
        h.step();
        assert!(h.state().map_view().is_some(), "{key:?} leaves the map open");
        assert_eq!(h.state().selected(), Some(0), "{key:?} moves no hidden selection");
        assert!(h.state().trail().is_empty() && h.state().lightbox().is_none(), "{key:?} opens nothing under the map");
    }
    // With nothing lassoed, B has nothing to put in a board: the hidden grid's selection is not it.
    h.key_press(egui::Key::B);
    h.step();
    h.step();
    assert!(h.query_by_label("or a new board:").is_none(), "B offers no board for the hidden selection");
    h.key_press(egui::Key::Escape);
    h.step();
    assert!(h.state().map_view().is_none(), "Escape closes the map");
    h.key_press(egui::Key::ArrowRight);
    h.step();
    assert_eq!(h.state().selected(), Some(1), "the grid takes its keys again");
}
