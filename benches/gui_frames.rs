//! CPU time per frame while scrolling the library grid of a 10,000-artwork library, then with the
//! lightbox open over it (zooming and panning an artwork decoded at screen size): wall time, and
//! for the lightbox the UI thread's own CPU time too (a busy machine's other work left out).
//!
//! `cargo bench --bench gui_frames [-- ARTWORKS FRAMES]` (defaults 10000, 600). The app runs
//! headless under egui_kittest with its real worker; each frame's `step()` (input, layout, the
//! virtualised grid, texture uploads of thumbnails as they arrive, tessellation) is timed.
//! GPU rendering is not included: on a real display it runs on the GPU driver's side.

use std::path::Path;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use kindred::aspect::Aspect;
use kindred::catalog::{Catalog, NewArtwork};
use kindred::colour::Swatch;
use kindred::gui::KindredApp;
use kindred::index::testing::synthetic_vectors;
use kindred::model::ModelId;
use kindred::vectors::{ArtworkFeatures, Embedding};

/// Fills a catalog with `n` artworks that share the sample thumbnails (vectors are synthetic).
fn fill_library(dir: &Path, n: usize) {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let mut thumbs = Vec::new();
    for entry in std::fs::read_dir(&samples).unwrap() {
        let path = entry.unwrap().path();
        if let Ok(d) = kindred::decode::decode(&std::fs::read(&path).unwrap()) {
            thumbs.push(kindred::preprocess::prepare(d, true).thumbnail.unwrap());
        }
    }
    let vectors: Vec<Vec<Vec<f32>>> = Aspect::ALL.iter().map(|a| synthetic_vectors(n, a.dim(), (n / 100).max(1), *a as u64 + 1)).collect();
    std::fs::create_dir_all(dir).unwrap();
    let mut catalog = Catalog::open(&dir.join("catalog.sqlite")).unwrap();
    let model = ModelId::current();
    let mut w = catalog.writer().unwrap();
    for i in 0..n {
        let path = dir.join(format!("art/artwork-{i:05}.png"));
        let hash = *blake3::hash(path.as_os_str().as_encoded_bytes()).as_bytes();
        let meta = NewArtwork { path: &path, size: 1, mtime_ns: 1, hash: &hash, width: 192, height: 192, format: "png" };
        let id = w.put_artwork(&meta).unwrap();
        let embedding = Embedding { colour: vectors[0][i].clone(), texture: vectors[1][i].clone(), shape: vectors[2][i].clone() };
        let features = ArtworkFeatures { embedding, palette: vec![Swatch { rgb: [200, 100, 50], weight: 1.0 }], transparent: 0.0 };
        w.put_features(id, &model, &features).unwrap();
        w.put_thumbnail(id, &thumbs[i % thumbs.len()]).unwrap();
    }
    w.commit().unwrap();
    // The first artwork exists as a file, a large one, for the lightbox to decode.
    std::fs::create_dir_all(dir.join("art")).unwrap();
    let big = image::RgbImage::from_fn(3000, 2000, |x, y| image::Rgb([(x / 12) as u8, (y / 8) as u8, ((x ^ y) & 0xff) as u8]));
    big.save(dir.join("art/artwork-00000.png")).unwrap();
}

/// CPU time this thread has used (Linux: CLOCK_THREAD_CPUTIME_ID), so a busy machine's other
/// processes do not count as frame time; wall time elsewhere.
#[cfg(target_os = "linux")]
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec for clock_gettime to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (n, frames) = (args.first().copied().unwrap_or(10_000), args.get(1).copied().unwrap_or(600));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("lib");
    let t = Instant::now();
    fill_library(&dir, n);
    println!("library of {n} artworks written in {:.1} s", t.elapsed().as_secs_f64());

    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_ui_state(|ui, app: &mut KindredApp| app.show(ui), KindredApp::new(&dir));
    let start = Instant::now();
    while h.state().artwork_count() != Some(n) {
        h.step();
        assert!(start.elapsed() < Duration::from_secs(120), "the grid never listed the library");
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("grid listed after {:.2} s", start.elapsed().as_secs_f64());
    h.input_mut().events.push(egui::Event::PointerMoved(egui::pos2(600.0, 600.0)));
    h.step();

    let mut times = Vec::with_capacity(frames);
    for f in 0..frames {
        // Scroll down steadily, and back up for the last third (revisiting cached rows).
        let dy = if f < frames * 2 / 3 { -120.0 } else { 240.0 };
        h.input_mut().events.push(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, dy),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        let t = Instant::now();
        h.step();
        times.push(t.elapsed());
        std::thread::sleep(Duration::from_millis(4)); // let the worker deliver thumbnails
    }
    let cached = h.state().thumbnails_cached();
    if n <= 10_000 {
        assert!(cached > 100, "scrolling should have brought many rows into view ({cached} thumbnails)");
    }
    // At 100,000 artworks the worker is still busy opening the library (its index) while the grid
    // scrolls, so few thumbnails arrive: the scrolling figure then leaves out their uploads.
    println!("thumbnails decoded and uploaded while scrolling (cache bound 512): {cached}");
    report("scrolling", n, &mut times);

    // The lightbox over the grid: select the first artwork (Home), Space, then zoom and pan.
    h.key_press(egui::Key::Home);
    h.step();
    h.key_press(egui::Key::Space);
    h.step();
    let start = Instant::now();
    while h.state().lightbox().is_none_or(|l| l.texture_size().is_none()) {
        h.step();
        assert!(start.elapsed() < Duration::from_secs(60), "the lightbox never showed its image");
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("lightbox image {:?} in {:.2} s", h.state().lightbox().unwrap().texture_size().unwrap(), start.elapsed().as_secs_f64());
    let (mut times, mut cpu_times) = (Vec::with_capacity(frames), Vec::with_capacity(frames));
    let centre = egui::pos2(700.0, 500.0);
    for f in 0..frames {
        let events = &mut h.input_mut().events;
        match f % 3 {
            // Zoom in and out around the pointer, then drag a little.
            0 | 1 => {
                events.push(egui::Event::PointerMoved(centre + egui::vec2((f % 50) as f32, 0.0)));
                events.push(egui::Event::MouseWheel {
                    unit: egui::MouseWheelUnit::Point,
                    delta: egui::vec2(0.0, if f % 2 == 0 { 40.0 } else { -38.0 }),
                    phase: egui::TouchPhase::Move,
                    source: egui::MouseWheelSource::Wheel,
                    modifiers: egui::Modifiers::NONE,
                });
            }
            _ => events.push(egui::Event::PointerMoved(centre + egui::vec2(((f * 7) % 60) as f32, ((f * 3) % 40) as f32))),
        }
        let (t, cpu) = (Instant::now(), thread_cpu());
        h.step();
        times.push(t.elapsed());
        cpu_times.push(thread_cpu() - cpu);
    }
    assert!(h.state().lightbox().is_some(), "the lightbox stayed open");
    report("lightbox (wall)", n, &mut times);
    report("lightbox (thread CPU)", n, &mut cpu_times);
}

/// Prints the percentiles of `times` (sorted in place), in words and as one JSON line.
fn report(case: &str, n: usize, times: &mut [Duration]) {
    let frames = times.len();
    times.sort();
    let (p50, p95, p99, max) = (percentile(times, 0.5), percentile(times, 0.95), percentile(times, 0.99), percentile(times, 1.0));
    let over = times.iter().filter(|t| t.as_secs_f64() * 1e3 > 16.0).count();
    println!(
        "{frames} {case} frames over {n} artworks: CPU ms/frame p50 {p50:.2}, p95 {p95:.2}, p99 {p99:.2}, max {max:.2}; {over} frames over 16 ms"
    );
    println!(
        "{{\"case\":\"{case}\",\"artworks\":{n},\"frames\":{frames},\"p50_ms\":{p50:.3},\"p95_ms\":{p95:.3},\"p99_ms\":{p99:.3},\"max_ms\":{max:.3},\"over_16ms\":{over}}}"
    );
}
