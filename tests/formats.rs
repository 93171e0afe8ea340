//! The formats artists save, made by the programs that make them (ImageMagick for PSD, TGA and
//! ICO; libheif's `heif-enc`; libavif's `avifenc`; libjxl's `cjxl`: Debian packages that
//! scripts/setup.sh installs) or built here the way Krita and OpenRaster programs build theirs.
//! Each one decodes to the picture, imports, and works as a query; hostile files of each
//! container are reported with a reason and cost the rest of the folder nothing.

mod common;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use image::{DynamicImage, Rgb, RgbImage, Rgba, RgbaImage};
use kindred::LibraryOptions;
use kindred::catalog::Status;
use kindred::decode::{self, DecodeError};

/// Four solid quadrants (red, green / blue, yellow): colours survive lossy codecs, and a turn or
/// a mirror moves them.
const QUADRANTS: [[u8; 3]; 4] = [[220, 30, 30], [30, 200, 40], [30, 40, 210], [230, 220, 40]];

fn quadrants(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| Rgb(QUADRANTS[usize::from(x >= w / 2) + 2 * usize::from(y >= h / 2)]))
}

/// Runs a Debian tool; a missing one fails loudly with the package to install.
fn run(tool: &str, package: &str, args: &[&str]) {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} cannot run ({e}): install Debian's {package} (scripts/setup.sh does)"));
    assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// A zip as Krita and OpenRaster programs write it: `mimetype` first and stored, then the rest.
fn layered_zip(mime: &str, entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(mime.as_bytes()).unwrap();
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, deflated).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn png_bytes(image: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// A file made for the tests: its name, its expected catalog format and oriented size, and
/// whether its colours are exact (lossless) or near.
struct Made {
    path: PathBuf,
    format: &'static str,
    size: (u32, u32),
    lossy: bool,
}

/// Makes one file of each format (and of the variants worth telling apart) in `dir` from a
/// 120x80 quadrant picture.
fn make_all(dir: &Path) -> Vec<Made> {
    std::fs::create_dir_all(dir).unwrap();
    let source = dir.join("source.png");
    DynamicImage::ImageRgb8(quadrants(120, 80)).save(&source).unwrap();
    let translucent = dir.join("translucent.png");
    let rgba = RgbaImage::from_fn(120, 80, |x, y| {
        let [r, g, b] = quadrants(120, 80).get_pixel(x, y).0;
        Rgba([r, g, b, if y < 40 { 255 } else { 0 }])
    });
    DynamicImage::ImageRgba8(rgba.clone()).save(&translucent).unwrap();
    let src = path_str(&source);
    let made = |name: &str, format, size, lossy| Made { path: dir.join(name), format, size, lossy };
    let out = |name: &str| path_str(&dir.join(name)).to_owned();

    run("convert", "imagemagick", &[src, &out("photoshop.psd")]);
    run("convert", "imagemagick", &[src, "-compress", "None", &out("raw.psd")]);
    run("convert", "imagemagick", &[src, &out("large-document.psb")]);
    run("convert", "imagemagick", &[path_str(&translucent), "-compress", "None", &out("raw-layered.psb")]);
    run("convert", "imagemagick", &[src, "-compress", "RLE", "-depth", "16", &out("deep.psd")]);
    run("convert", "imagemagick", &[src, "-colorspace", "CMYK", &out("print.psd")]);
    run("convert", "imagemagick", &[path_str(&translucent), &out("layered.psd")]);
    // `-orient TopLeft`: by default ImageMagick 6 stores the rows top first yet declares a
    // bottom-left origin, so readers that follow the TGA spec (the `image` crate, GIMP) show it
    // upside down; ImageMagick itself does too once asked to `-auto-orient`.
    run("convert", "imagemagick", &[src, "-orient", "TopLeft", &out("sprite.tga")]);
    run("convert", "imagemagick", &[src, "-define", "icon:auto-resize=64,32,16", &out("app.ico")]);
    run("heif-enc", "libheif-examples", &["-q", "90", src, "-o", &out("phone.heic")]);
    run("avifenc", "libavif-bin", &["-s", "10", "--min", "0", "--max", "10", src, &out("web.avif")]);
    // Rotated 90 degrees anticlockwise by the file's `irot` box, as a phone records a portrait.
    run("avifenc", "libavif-bin", &["-s", "10", "--min", "0", "--max", "10", "--irot", "1", src, &out("portrait.avif")]);
    run("cjxl", "libjxl-tools", &[src, &out("lossless.jxl"), "-d", "0"]);
    run("cjxl", "libjxl-tools", &[src, &out("lossy.jxl"), "-d", "1"]);

    let merged = png_bytes(&DynamicImage::ImageRgb8(quadrants(120, 80)));
    let thumb = png_bytes(&DynamicImage::ImageRgb8(quadrants(12, 8)));
    let kra = layered_zip(
        "application/x-krita",
        &[("maindoc.xml", b"<DOC/>"), ("documentinfo.xml", b"<document-info/>"), ("preview.png", &thumb), ("mergedimage.png", &merged)],
    );
    std::fs::write(dir.join("painting.kra"), kra).unwrap();
    let ora = layered_zip(
        "image/openraster",
        &[("stack.xml", b"<image w=\"120\" h=\"80\"><stack/></image>"), ("Thumbnails/thumbnail.png", &thumb), ("mergedimage.png", &merged)],
    );
    std::fs::write(dir.join("mypaint.ora"), ora).unwrap();
    let svg = br##"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with a vector editor -->
<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80">
  <rect width="60" height="40" fill="#dc1e1e"/><rect x="60" width="60" height="40" fill="#1ec828"/>
  <rect y="40" width="60" height="40" fill="#1e28d2"/><rect x="60" y="40" width="60" height="40" fill="#e6dc28"/>
</svg>"##;
    std::fs::write(dir.join("logo.svg"), svg).unwrap();
    std::fs::remove_file(&source).unwrap();
    std::fs::remove_file(&translucent).unwrap();

    vec![
        made("photoshop.psd", "psd", (120, 80), false),
        made("raw.psd", "psd", (120, 80), false),
        made("large-document.psb", "psd", (120, 80), false),
        made("raw-layered.psb", "psd", (120, 80), false),
        made("deep.psd", "psd", (120, 80), false),
        made("print.psd", "psd", (120, 80), true), // CMYK without a profile: near
        made("layered.psd", "psd", (120, 80), false),
        made("sprite.tga", "tga", (120, 80), false),
        made("app.ico", "ico", (64, 64), true), // resized by ImageMagick
        made("phone.heic", "heic", (120, 80), true),
        made("web.avif", "avif", (120, 80), true),
        made("portrait.avif", "avif", (80, 120), true),
        made("lossless.jxl", "jxl", (120, 80), false),
        made("lossy.jxl", "jxl", (120, 80), true),
        made("painting.kra", "kra", (120, 80), false),
        made("mypaint.ora", "ora", (120, 80), false),
        made("logo.svg", "svg", (120, 80), false),
    ]
}

/// Asserts the quadrant colours at the centres of the quadrants of `image` (`turned`: rotated 90
/// degrees anticlockwise, so the top-right quadrant is now top-left).
fn assert_quadrants(name: &str, image: &RgbaImage, turned: bool, tolerance: u8) {
    let (w, h) = image.dimensions();
    let order = if turned { [1, 3, 0, 2] } else { [0, 1, 2, 3] };
    for (i, q) in order.into_iter().enumerate() {
        let (x, y) = (w / 4 + (w / 2) * (i as u32 % 2), h / 4 + (h / 2) * (i as u32 / 2));
        let got = image.get_pixel(x, y).0;
        let want = QUADRANTS[q];
        let off = (0..3).map(|c| got[c].abs_diff(want[c])).max().unwrap();
        assert!(off <= tolerance, "{name}: quadrant {i} at ({x},{y}) is {got:?}, want {want:?}");
    }
}

#[test]
fn every_format_decodes_to_its_picture() {
    let tmp = tempfile::tempdir().unwrap();
    for made in make_all(tmp.path()) {
        let name = made.path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&made.path).unwrap();
        let decoded = decode::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded.format.name(), made.format, "{name}");
        assert_eq!((decoded.width(), decoded.height()), made.size, "{name}");
        let image = decoded.image.to_rgba8();
        if made.format != "svg" {
            assert_eq!(image.dimensions(), made.size, "{name}: decoded in full");
        }
        assert_quadrants(&name, &image, name == "portrait.avif", if made.lossy { 40 } else { 3 });
        if name == "layered.psd" || name == "raw-layered.psb" {
            assert!(decoded.image.color().has_alpha(), "{name}: the composite's transparency is kept");
            assert_eq!(image.get_pixel(30, 70).0[3], 0, "{name}: the transparent half");
            assert_eq!(image.get_pixel(30, 10).0[3], 255, "{name}: the opaque half");
        }
        // The reduced path (thumbnails, the lightbox, import) reads it too.
        let reduced = decode::decode_reduced(&bytes, 64).unwrap_or_else(|e| panic!("{name} reduced: {e}"));
        assert_eq!((reduced.width(), reduced.height()), made.size, "{name}");
    }
}

#[test]
fn an_svg_is_rendered_at_the_size_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let svg = std::fs::read(make_all(tmp.path()).into_iter().find(|m| m.format == "svg").unwrap().path).unwrap();
    let full = decode::decode(&svg).unwrap();
    assert_eq!((full.image.width(), full.image.height()), (2048, 1365));
    let lightbox = decode::decode_reduced(&svg, 3000).unwrap();
    assert_eq!(lightbox.image.width(), 3000);
    let import = decode::decode_reduced(&svg, 1024).unwrap();
    assert_eq!((import.image.width(), import.width()), (1024, 120));
}

#[test]
fn every_format_imports_is_searchable_and_queries() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let made = make_all(&art);
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    let s = import(&mut lib, std::slice::from_ref(&art));
    assert_eq!((s.added, s.failed), (made.len(), 0), "{:?}", s.errors);
    let art = std::fs::canonicalize(&art).unwrap();
    for m in &made {
        let path = art.join(m.path.file_name().unwrap());
        let a = lib.catalog().artwork_by_path(&path).unwrap().unwrap();
        assert_eq!((a.status, a.format.as_deref()), (Status::Ok, Some(m.format)), "{}", path.display());
        assert_eq!((a.width, a.height), (Some(m.size.0), Some(m.size.1)), "{}", path.display());
        assert!(lib.catalog().thumbnail(a.id).unwrap().is_some(), "{}: a thumbnail", path.display());
    }
    // Each format works as a query (drop, paste, `--open` and `search FILE` all read it so): the
    // same picture in another format is among its closest.
    for query in ["photoshop.psd", "painting.kra", "logo.svg", "phone.heic", "lossless.jxl"] {
        let hits = lib.search(&kindred::Query::File(art.join(query)), &kindred::Weights::ALL, 5).unwrap().hits;
        assert_eq!(hits.len(), 5, "{query}");
        assert!(hits[0].score > 0.9, "{query}: the closest is the same picture ({})", hits[0].score);
    }
}

/// Writes `bytes` as `name` in `dir`.
fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn hostile_files_of_every_container_are_reported_and_cost_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let made = make_all(&tmp.path().join("made"));
    let read = |name: &str| std::fs::read(made.iter().find(|m| m.path.ends_with(name)).unwrap().path.clone()).unwrap();
    let art = tmp.path().join("art");
    std::fs::create_dir_all(&art).unwrap();
    let mut expected: Vec<(&str, &str)> = Vec::new();
    let mut hostile = |name: &'static str, bytes: &[u8], reason: &'static str| {
        put(&art, name, bytes);
        expected.push((name, reason));
    };

    // Truncated: every container cut in half.
    for name in ["photoshop.psd", "painting.kra", "mypaint.ora", "phone.heic", "web.avif", "lossless.jxl", "logo.svg"] {
        let bytes = read(name);
        let cut: &'static str = Box::leak(format!("cut-{name}").into_boxed_str());
        hostile(cut, &bytes[..bytes.len() / 2], "");
    }
    // Lying headers: a PSD claiming 300,000 px a side; a HEIC whose `ispe` claims 40,000 x 30,000.
    let mut psd = read("photoshop.psd");
    psd[14..18].copy_from_slice(&300_000u32.to_be_bytes());
    hostile("lying.psd", &psd, "too large");
    let mut heic = read("phone.heic");
    let ispe = heic.windows(4).position(|w| w == b"ispe").unwrap();
    heic[ispe + 8..ispe + 12].copy_from_slice(&40_000u32.to_be_bytes());
    heic[ispe + 12..ispe + 16].copy_from_slice(&30_000u32.to_be_bytes());
    hostile("lying.heic", &heic, "too large");
    // A 64-bit box size that wraps the reader's position round to the start (an endless loop
    // in a release build, an overflow panic in a debug one, before it was checked).
    let mut wraps = b"\0\0\0\x10ftypheic\0\0\0\0\0\0\0\x01free".to_vec();
    wraps.extend_from_slice(&(u64::MAX - 15).to_be_bytes());
    wraps.extend_from_slice(&[0; 8]);
    hostile("wraps.heic", &wraps, "truncated");
    // A zip bomb: a Krita document whose merged image inflates from kilobytes to 64 MiB.
    let zeros = vec![0u8; 64 << 20];
    hostile("bomb.kra", &layered_zip("application/x-krita", &[("mergedimage.png", &zeros)]), "zip bomb");
    // Path tricks: the merged image only under names that climb out or are absolute.
    let png = png_bytes(&DynamicImage::ImageRgb8(quadrants(20, 20)));
    let tricks = layered_zip("image/openraster", &[("../mergedimage.png", &png), ("/mergedimage.png", &png)]);
    hostile("tricks.ora", &tricks, "no merged image");
    // An OpenRaster whose merged image is not a PNG.
    hostile("fake.ora", &layered_zip("image/openraster", &[("mergedimage.png", b"GIF89a not really")]), "not a PNG");
    // SVG: an external reference (drawn as nothing, so the picture is empty but readable) and a
    // billion-laughs entity expansion (refused).
    let mut laughs = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY a \"aaaaaaaaaa\">\n");
    for (i, prev) in ["b", "c", "d", "e", "f", "g", "h", "i", "j"].iter().zip(["a", "b", "c", "d", "e", "f", "g", "h", "i"]) {
        laughs.push_str(&format!("<!ENTITY {i} \"{}\">\n", format!("&{prev};").repeat(10)));
    }
    laughs.push_str("]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><text>&j;</text></svg>");
    hostile("laughs.svg", laughs.as_bytes(), "cannot decode svg");
    hostile("not-xml.svg", b"<svg but not XML at all", "cannot decode svg");
    // A PSD with a composite in an unsupported mode (Lab).
    let mut lab = read("photoshop.psd");
    lab[24..26].copy_from_slice(&9u16.to_be_bytes());
    hostile("lab.psd", &lab, "Lab colour mode is not supported");
    let expected = expected;

    let outside = tmp.path().join("secret.png");
    DynamicImage::ImageRgb8(quadrants(10, 10)).save(&outside).unwrap();
    let external = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#808080"/><image width="40" height="40" href="{}"/></svg>"##,
        outside.display()
    );
    put(&art, "external.svg", external.as_bytes());
    std::fs::copy(&made[0].path, art.join("good.psd")).unwrap();

    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    let s = import(&mut lib, std::slice::from_ref(&art));
    let reasons: Vec<String> = s.errors.iter().map(|(p, r)| format!("{}: {r}", p.file_name().unwrap().to_string_lossy())).collect();
    assert_eq!((s.added, s.failed), (2, expected.len()), "{reasons:#?}");
    for (name, reason) in &expected {
        let line = reasons.iter().find(|r| r.starts_with(&format!("{name}: "))).unwrap_or_else(|| panic!("{name} not reported"));
        assert!(line.contains(reason), "{line} (want {reason:?})");
    }
    // The external reference was not followed: the SVG is its grey square, nothing of the file.
    let svg = decode::decode(external.as_bytes()).unwrap().image.to_rgba8();
    assert!(svg.pixels().all(|p| p.0 == [128, 128, 128, 255]), "only the grey square was drawn");
    assert!(matches!(decode::decode(&psd), Err(DecodeError::TooLarge { .. })));
}
