//! Messy real-world folders: unusual but valid images import correctly, hostile entries are
//! reported with a reason, and nothing else is lost.

mod common;

use std::io::Cursor;
use std::path::Path;

use common::*;
use image::{DynamicImage, ImageEncoder, ImageFormat, Luma, LumaA, Rgb, Rgba};
use kindred::LibraryOptions;
use kindred::catalog::Status;

fn pattern(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, ((x ^ y) & 0xff) as u8]))
}

/// A JPEG with an EXIF APP1 segment saying "rotate 90° clockwise" (orientation 6).
fn exif_rotated_jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut jpeg = Vec::new();
    DynamicImage::ImageRgb8(pattern(w, h)).write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg).unwrap();
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend([0, 1]); // one IFD entry
    tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // Orientation, SHORT, 1, value 6
    tiff.extend([0, 0, 0, 0]); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

fn write(dir: &Path, name: impl AsRef<std::ffi::OsStr>, img: DynamicImage, format: ImageFormat) {
    img.save_with_format(dir.join(name.as_ref()), format).unwrap();
}

#[test]
fn unusual_valid_images_import_and_hostile_entries_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let sub = art.join("sub folder");
    std::fs::create_dir_all(&sub).unwrap();

    write(&art, "deep-16bit.png", DynamicImage::ImageRgb16(DynamicImage::ImageRgb8(pattern(90, 60)).to_rgb16()), ImageFormat::Png);
    let grey_alpha = image::ImageBuffer::from_fn(80, 80, |x, y| LumaA([(x * 3) as u8, if y < 40 { 255 } else { 90 }]));
    write(&art, "grey-alpha.png", DynamicImage::ImageLumaA8(grey_alpha), ImageFormat::Png);
    write(&art, "grey.bmp", DynamicImage::ImageLuma8(image::ImageBuffer::from_fn(50, 70, |x, _| Luma([x as u8 * 5]))), ImageFormat::Bmp);
    write(&art, "lossless.webp", DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(pattern(64, 48)).to_rgba8()), ImageFormat::WebP);
    write(&art, "scan.tiff", DynamicImage::ImageRgb8(pattern(70, 50)), ImageFormat::Tiff);
    {
        let mut gif = Vec::new();
        let mut enc = image::codecs::gif::GifEncoder::new(&mut gif);
        for i in 0..3u8 {
            let frame = image::RgbaImage::from_pixel(40, 30, Rgba([i * 80, 100, 200 - i * 60, 255]));
            enc.encode_frame(image::Frame::new(frame)).unwrap();
        }
        drop(enc);
        std::fs::write(art.join("animated.gif"), gif).unwrap();
    }
    std::fs::write(art.join("rotated.jpg"), exif_rotated_jpeg(120, 40)).unwrap();
    write(&sub, "emoji 🎨 name.png", DynamicImage::ImageRgb8(pattern(30, 30)), ImageFormat::Png);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"latin1-\xe9t\xe9.png");
        write(&sub, name, DynamicImage::ImageRgb8(pattern(33, 31)), ImageFormat::Png);
        std::os::unix::fs::symlink(&art, sub.join("loop")).unwrap();
    }
    // A huge but valid image decodes (within limits) and is reduced before any per-pixel work.
    let huge = image::RgbImage::from_fn(12_000, 9_000, |x, y| Rgb([(x / 47) as u8, (y / 35) as u8, 128]));
    let mut huge_png = std::fs::File::create(art.join("huge.png")).unwrap();
    image::codecs::png::PngEncoder::new_with_quality(&mut huge_png, image::codecs::png::CompressionType::Fast, Default::default())
        .write_image(huge.as_raw(), 12_000, 9_000, image::ExtendedColorType::Rgb8)
        .unwrap();
    drop(huge);
    std::fs::write(art.join("bomb.png"), bomb_png(30_000, 30_000)).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats");
    std::fs::copy(fixtures.join("cmyk.jpg"), art.join("cmyk.jpg")).unwrap();

    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    let s = import(&mut lib, std::slice::from_ref(&art));
    assert_eq!(s.added, 11, "added {} errors {:?}", s.added, s.errors);
    assert_eq!(s.failed, 1, "{:?}", s.errors);
    let reasons: Vec<String> = s.errors.iter().map(|(p, r)| format!("{}: {r}", p.display())).collect();
    assert!(reasons.iter().any(|r| r.contains("bomb.png") && r.contains("too large")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("loop") && r.contains("symlink loop")), "{reasons:?}");

    let art = std::fs::canonicalize(&art).unwrap();
    let rotated = lib.catalog().artwork_by_path(&art.join("rotated.jpg")).unwrap().unwrap();
    assert_eq!((rotated.width, rotated.height), (Some(40), Some(120)), "EXIF orientation applied");
    let huge = lib.catalog().artwork_by_path(&art.join("huge.png")).unwrap().unwrap();
    assert_eq!((huge.width, huge.height, huge.status), (Some(12_000), Some(9_000), Status::Ok));
    let gif = lib.catalog().artwork_by_path(&art.join("animated.gif")).unwrap().unwrap();
    assert_eq!((gif.format.as_deref(), gif.status), (Some("gif"), Status::Ok));
    // CMYK JPEG: converted to RGB with the right colours (a red-to-blue gradient).
    let cmyk = lib.catalog().artwork_by_path(&art.join("cmyk.jpg")).unwrap().unwrap();
    let palette = lib.catalog().palette(cmyk.id).unwrap();
    assert!(palette.iter().any(|s| s.rgb[0] > 150 && s.rgb[2] < 90), "a red swatch: {palette:?}");
    assert!(palette.iter().any(|s| s.rgb[2] > 150 && s.rgb[0] < 90), "a blue swatch: {palette:?}");
    // Every imported artwork is searchable, whatever its name.
    let hits = lib.search(&kindred::Query::File(art.join("scan.tiff")), &kindred::Weights::ALL, 20).unwrap().hits;
    assert_eq!(hits.len(), 10);
    assert!(hits.iter().any(|h| h.path.to_string_lossy().contains("🎨")));
    assert!(hits.iter().any(|h| h.path.as_os_str().as_encoded_bytes().ends_with(b"latin1-\xe9t\xe9.png")));
}
