//! SVG, rendered to pixels with resvg. Nothing outside the file is ever read: `<image>` references
//! to files or URLs resolve to nothing (usvg fetches no URL; its default would read local files),
//! and an image embedded as a `data:` URL is drawn only if it is a raster whose header passes
//! Kindred's limits. XML entities are expanded by roxmltree, which refuses entity loops and
//! billion-laughs growth; the XML tree is capped at [`MAX_NODES`]. Text is drawn only once
//! converted to paths (no font database is loaded); scripts and animation are ignored by resvg.

use std::io::Cursor;
use std::sync::Arc;

use image::{DynamicImage, RgbaImage};
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, ImageHrefResolver, ImageKind, Options};

use super::{DecodeError, Plan, check_size};

const NAME: &str = "svg";
/// Long side an SVG is rendered at when the caller wants the picture in full ([`super::decode`]):
/// a vector has no pixel size, this one is enough for every view Kindred has.
pub const FULL_SIDE: u32 = 2048;
/// Largest long side an SVG is ever rendered at (a lightbox on a large screen).
pub const MAX_RENDER_SIDE: u32 = 4096;
/// Smallest long side an SVG is rendered at, however small the request.
const MIN_RENDER_SIDE: u32 = 64;
/// Most XML nodes parsed: a file of millions of elements is refused rather than held in memory.
const MAX_NODES: u32 = 2_000_000;
/// Memory the parsed trees take per byte of SVG text, at most (roxmltree, then usvg's tree).
const TREE_BYTES_PER_FILE_BYTE: u64 = 12;

/// The plan: the parsed trees, the pixmap at the largest render size, and its RGBA copy.
pub(super) fn plan(len: u64) -> Plan {
    let side = u64::from(MAX_RENDER_SIDE);
    Plan { width: MAX_RENDER_SIDE, height: MAX_RENDER_SIDE, need: len * TREE_BYTES_PER_FILE_BYTE + side * side * 8 }
}

/// The long side an SVG is rendered at for a consumer needing `min_side` pixels.
pub(super) fn render_side(min_side: u32) -> u32 {
    min_side.clamp(MIN_RENDER_SIDE, MAX_RENDER_SIDE)
}

fn invalid(reason: impl Into<String>) -> DecodeError {
    DecodeError::Invalid { format: NAME, reason: reason.into() }
}

/// An `<image>` embedded as a `data:` URL: drawn only when it is a PNG, JPEG, GIF or WebP whose
/// header passes Kindred's probe (a bomb inside an SVG is refused like one outside).
fn embedded_image(data: Arc<Vec<u8>>) -> Option<ImageKind> {
    use super::Format;
    let format = super::sniff(&data).ok()?;
    super::probe(Cursor::new(data.as_slice()), format, data.len() as u64).ok()?;
    match format {
        Format::Png => Some(ImageKind::PNG(data)),
        Format::Jpeg => Some(ImageKind::JPEG(data)),
        Format::Gif => Some(ImageKind::GIF(data)),
        Format::WebP => Some(ImageKind::WEBP(data)),
        _ => None,
    }
}

/// Parses and renders an SVG with its long side `long_side` pixels. Returns the picture and the
/// SVG's own size (its `width`/`height` or `viewBox`, rounded), which the catalog records.
pub(super) fn render(bytes: &[u8], long_side: u32) -> Result<(DynamicImage, (u32, u32)), DecodeError> {
    let text = std::str::from_utf8(bytes).map_err(|_| invalid("not UTF-8 text"))?;
    let xml_options = usvg::roxmltree::ParsingOptions { allow_dtd: true, nodes_limit: MAX_NODES, ..Default::default() };
    let xml = usvg::roxmltree::Document::parse_with_options(text, xml_options).map_err(|e| invalid(e.to_string()))?;
    let options = Options {
        resources_dir: None,
        image_href_resolver: ImageHrefResolver {
            resolve_data: Box::new(|_mime, data, _| embedded_image(data)),
            resolve_string: Box::new(|_href, _| None),
        },
        ..Options::default()
    };
    let tree = usvg::Tree::from_xmltree(&xml, &options).map_err(|e| invalid(e.to_string()))?;
    drop(xml);
    let size = tree.size();
    let (w, h) = (size.width(), size.height());
    let own_size = (w.round().max(1.0) as u32, h.round().max(1.0) as u32);
    let scale = long_side as f32 / w.max(h);
    let (pw, ph) = (((w * scale).round() as u32).max(1), ((h * scale).round() as u32).max(1));
    check_size(pw, ph)?;
    let mut pixmap = Pixmap::new(pw, ph).ok_or_else(|| invalid("cannot allocate its canvas"))?;
    resvg::render(&tree, Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    let rgba = RgbaImage::from_raw(pw, ph, pixmap.take_demultiplied()).expect("a pixmap is RGBA of its size");
    Ok((DynamicImage::ImageRgba8(rgba), own_size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_at_the_requested_side_keeping_the_aspect() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="100" height="100" fill="red"/><rect x="100" width="100" height="100" fill="blue"/></svg>"#;
        let (image, own) = render(svg, 400).unwrap();
        assert_eq!(own, (200, 100));
        assert_eq!((image.width(), image.height()), (400, 200));
        let rgba = image.to_rgba8();
        assert_eq!(rgba.get_pixel(50, 100).0, [255, 0, 0, 255]);
        assert_eq!(rgba.get_pixel(350, 100).0, [0, 0, 255, 255]);
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut svg = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY lol \"lol\">\n");
        svg.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
        for i in 2..=9 {
            let prev = format!("&lol{};", i - 1);
            svg.push_str(&format!("<!ENTITY lol{i} \"{}\">\n", prev.repeat(10)));
        }
        svg.push_str("]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><text>&lol9;</text></svg>");
        let started = std::time::Instant::now();
        let e = render(svg.as_bytes(), 256).expect_err("refused");
        assert!(started.elapsed().as_secs() < 5, "refused quickly");
        assert!(e.to_string().starts_with("cannot decode svg:"), "{e}");
    }

    #[test]
    fn external_references_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret.png");
        image::RgbImage::from_pixel(10, 10, image::Rgb([0, 255, 0])).save(&secret).unwrap();
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image width="10" height="10" xlink:href="{}"/><image width="10" height="10" href="file://{}"/></svg>"#,
            secret.display(),
            secret.display()
        );
        let (image, _) = render(svg.as_bytes(), 10).unwrap();
        assert!(image.to_rgba8().pixels().all(|p| p.0[3] == 0), "nothing of the local file was drawn");
    }
}
