//! Shared helpers for integration tests: sample artworks, temporary libraries, image edits.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use kindred::import::ImportSummary;
use kindred::{Library, LibraryOptions};

/// The bundled sample artworks.
pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples")
}

/// Sample image files, sorted.
pub fn sample_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples_dir())
        .expect("assets/samples exists")
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("png" | "jpg" | "webp")))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "expected the bundled samples in assets/samples, found {}", files.len());
    files
}

/// Copies the given files into `dir` (flat) and returns the copies.
pub fn copy_into(files: &[PathBuf], dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    files
        .iter()
        .map(|f| {
            let dest = dir.join(f.file_name().unwrap());
            std::fs::copy(f, &dest).unwrap();
            dest
        })
        .collect()
}

/// Opens a library in `dir`.
pub fn open(dir: &Path, options: LibraryOptions) -> Library {
    Library::open(dir, options).expect("library opens")
}

/// Imports `paths`, ignoring progress.
pub fn import(lib: &mut Library, paths: &[PathBuf]) -> ImportSummary {
    lib.import(paths, &AtomicBool::new(false), &mut |_| {}).expect("import runs")
}

/// Loads an image, flattening transparency over white.
pub fn load_flat(path: &Path) -> RgbImage {
    let img = image::open(path).unwrap().to_rgba8();
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let p = img.get_pixel(x, y);
        let a = u32::from(p[3]);
        Rgb([0, 1, 2].map(|c| ((u32::from(p[c]) * a + 255 * (255 - a)) / 255) as u8))
    })
}

/// A near-duplicate: crop 6% off each side, scale to 70%, re-encode as JPEG quality 75.
pub fn near_duplicate(src: &Path, dest: &Path) {
    let img = load_flat(src);
    let (w, h) = (img.width(), img.height());
    let (dx, dy) = (w * 6 / 100, h * 6 / 100);
    let cropped = image::imageops::crop_imm(&img, dx, dy, w - 2 * dx, h - 2 * dy).to_image();
    let resized = image::imageops::resize(
        &cropped,
        (cropped.width() * 7 / 10).max(8),
        (cropped.height() * 7 / 10).max(8),
        image::imageops::FilterType::Triangle,
    );
    let mut out = std::fs::File::create(dest).unwrap();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 75).encode_image(&resized).unwrap();
}

/// A duotone: luminance mapped from `dark` to `light`.
pub fn duotone(src: &Path, dest: &Path, dark: [u8; 3], light: [u8; 3]) {
    let img = load_flat(src);
    let out = RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let p = img.get_pixel(x, y);
        let l = (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])) / 255.0;
        Rgb([0, 1, 2].map(|c| (f32::from(dark[c]) * (1.0 - l) + f32::from(light[c]) * l).round() as u8))
    });
    DynamicImage::ImageRgb8(out).save_with_format(dest, ImageFormat::Png).unwrap();
}

/// A PNG whose header claims `w` x `h` pixels (valid CRC), with no pixel data.
pub fn bomb_png(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(13u32.to_be_bytes());
    out.extend(&ihdr);
    out.extend(crc32(&ihdr).to_be_bytes());
    out.extend(0u32.to_be_bytes());
    out.extend(b"IEND");
    out.extend(crc32(b"IEND").to_be_bytes());
    out
}

/// CRC-32 as PNG chunks carry it (for hand-made PNGs).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// `n` small, distinct generated artworks (stripes and discs in varied colours).
pub fn make_corpus(dir: &Path, n: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    (0..n)
        .map(|i| {
            let (a, b) =
                ([(i * 37 % 256) as u8, (i * 91 % 256) as u8, (i * 53 % 256) as u8], [(255 - i % 256) as u8, 40, (i * 7 % 256) as u8]);
            let img = RgbImage::from_fn(160, 120, |x, y| {
                let stripe = ((x + y * (i as u32 % 5)) / (4 + i as u32 % 13)).is_multiple_of(2);
                let (dx, dy) = (x as i32 - 80, y as i32 - 60);
                let disc = dx * dx + dy * dy < ((i % 50) as i32 + 10).pow(2);
                Rgb(if stripe ^ disc { a } else { b })
            });
            let path = dir.join(format!("art-{i:04}.png"));
            img.save(&path).unwrap();
            path
        })
        .collect()
}

/// Makes a directory immutable (even for root, which CI runs as) until dropped.
pub struct Immutable<'a>(&'a std::path::Path);

impl<'a> Immutable<'a> {
    pub fn new(dir: &'a std::path::Path) -> Self {
        let ok = std::process::Command::new("chattr").arg("+i").arg(dir).status().expect("chattr (e2fsprogs) is needed for this test");
        assert!(ok.success(), "chattr +i failed on {}: the test needs an ext4-like filesystem", dir.display());
        Immutable(dir)
    }
}

impl Drop for Immutable<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr").arg("-i").arg(self.0).status();
    }
}

/// Starts `kindred import DIR` into `lib` in the background (output discarded), for tests of what
/// happens while an import runs.
pub fn spawn_import(lib: &Path, dir: &Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_kindred"))
        .arg("--library")
        .arg(lib)
        .arg("import")
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}
