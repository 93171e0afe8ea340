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
use kindred::LibraryOptions;
use kindred::gui::KindredApp;

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

/// Clicks the library artwork named `file` once the grid shows it, then waits for its results.
fn query_artwork(h: &mut Harness<'_, KindredApp>, file: &str) {
    let button = format!("artwork: {file}");
    wait_until(h, "the library grid", |h| has_button(h, &button));
    click_button(h, &button);
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
fn dropped_near_duplicate_finds_its_original_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let original = &files[5];
    let copy = tmp.path().join("copy-of-artwork.jpg");
    near_duplicate(original, &copy);

    let mut h = harness(&dir);
    wait_until(&mut h, "the library grid", |h| h.state().artwork_count() == Some(12) && has_button(h, "artwork: "));
    // Status bar: count, model, runtime, index.
    wait_until(&mut h, "the status bar", |h| h.query_by_label_contains("index exact").is_some());
    h.get_by_label("12 artworks");
    h.get_by_label_contains("model efficientnet");
    h.get_by_label_contains("ONNX Runtime 1.");
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
fn clicking_a_result_hops_and_back_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let mut h = harness(&dir);
    let start = name(&files[2]);
    query_artwork(&mut h, &start);
    assert_eq!(h.state().trail().len(), 1);
    let first_results = result_labels(&h);

    // Hop by clicking the second result.
    let second = h.state().hits().unwrap()[1].path.clone();
    click_button(&mut h, "result 2: ");
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
    assert!(h.query_by_label("Import a folder…").is_none(), "the empty state is gone");
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
    assert!(h.query_by_label_contains("similarity ").is_some());
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
    wait_results(&mut h);
    let labels = result_labels(&h);
    assert!(labels[0].starts_with(&format!("result 1: {}, score ", name(original))), "results: {labels:?}");

    // A pasted file path works too.
    h.input_mut().events.push(egui::Event::Paste(files[7].display().to_string()));
    h.step();
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
    wait_until(&mut h, "the status bar", |h| h.query_by_label_contains("index hnsw (rebuilt").is_some());

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
    wait_until(&mut h, "the status bar", |h| h.query_by_label_contains("index hnsw (loaded)").is_some());
    assert!(h.state().banner().is_none(), "{:?}", h.state().banner());
}

#[test]
fn a_file_deleted_after_import_is_marked_missing_in_results() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, files) = sample_library(tmp.path());
    let gone = &files[7];
    std::fs::remove_file(gone).unwrap();

    let mut h = harness(&dir);
    let start = name(&files[3]);
    query_artwork(&mut h, &start);
    let labels = result_labels(&h);
    let missing: Vec<&String> = labels.iter().filter(|l| l.contains("(missing)")).collect();
    assert_eq!(missing.len(), 1, "exactly the deleted file is marked: {labels:?}");
    assert!(missing[0].contains(&format!("{} (missing), score ", name(gone))), "{labels:?}");
    assert!(h.state().hits().unwrap().iter().any(|hit| hit.missing && &hit.path == gone));
    // The caption under the tile says so too.
    assert!(h.query_by_label_contains(&format!("{} (missing)", name(gone))).is_some());
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
    click_button(&mut h, "result 1: ");
    wait_results(&mut h);
    assert_eq!(h.state().trail().len(), 2, "hopped to a result");
}
