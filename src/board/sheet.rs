//! A contact sheet of a board, for a client or a mood board: a PNG with the board's name, its
//! palette, and its artworks' thumbnails in a grid, each with its file name.

use std::path::{Path, PathBuf};

use image::{Rgba, RgbaImage, imageops};
use serde::Serialize;
use vello_cpu::kurbo::BezPath;

use super::text::Font;
use crate::colour::Swatch;
use crate::error::{Error, IoContext, Result};

/// Artworks on one sheet at most (a longer board's sheet shows its first ones and says so).
pub const MAX_ARTWORKS: usize = 240;
/// Columns of thumbnails.
const COLUMNS: usize = 6;
/// Side of a thumbnail's square, pixels (the catalog's thumbnails are 192 px).
const THUMB: u32 = 192;
/// Space around and between cells, pixels.
const GAP: u32 = 24;
/// Height of a file-name line under a thumbnail.
const LABEL: u32 = 28;
/// Height of the header (board name, count, palette).
const HEADER: u32 = 120;
const BACKGROUND: Rgba<u8> = Rgba([246, 244, 240, 255]);
const INK: [u8; 3] = [40, 40, 44];

/// One artwork on the sheet.
pub struct Cell {
    /// Its file name, printable.
    pub name: String,
    /// Its thumbnail, when the catalog has one.
    pub thumb: Option<RgbaImage>,
}

/// What was written.
#[derive(Clone, Debug, Serialize)]
pub struct SheetSummary {
    /// The PNG.
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub path: PathBuf,
    /// Artworks shown.
    pub artworks: usize,
    /// Artworks of the board left off (beyond [`MAX_ARTWORKS`]).
    pub left_out: usize,
    /// Pixel size.
    pub width: u32,
    /// Pixel size.
    pub height: u32,
}

/// Draws the sheet and writes it to `out` (never over an existing file).
pub fn write(title: &str, cells: &[Cell], palette: &[Swatch], out: &Path) -> Result<SheetSummary> {
    if out.exists() {
        return Err(Error::Usage(format!("{} already exists; choose another file name for the contact sheet", out.display())));
    }
    let image = render(title, cells, palette);
    let (width, height) = image.dimensions();
    let file = std::fs::File::create_new(out).on_path("cannot create", out)?;
    let mut writer = std::io::BufWriter::new(file);
    let written = image
        .write_to(&mut writer, image::ImageFormat::Png)
        .map_err(|e| Error::io("cannot write", out, std::io::Error::other(e)))
        .and_then(|()| std::io::Write::flush(&mut writer).on_path("cannot write", out));
    if let Err(e) = written {
        let _ = std::fs::remove_file(out);
        return Err(e);
    }
    let shown = cells.len().min(MAX_ARTWORKS);
    Ok(SheetSummary { path: out.to_path_buf(), artworks: shown, left_out: cells.len() - shown, width, height })
}

/// The sheet's pixels.
pub fn render(title: &str, cells: &[Cell], palette: &[Swatch]) -> RgbaImage {
    let cells = &cells[..cells.len().min(MAX_ARTWORKS)];
    let columns = cells.len().clamp(1, COLUMNS) as u32;
    let rows = cells.len().div_ceil(COLUMNS).max(1) as u32;
    let cell_w = THUMB + GAP;
    let cell_h = THUMB + LABEL + GAP;
    let width = GAP + columns * cell_w;
    let width = width.max(720);
    let height = HEADER + rows * cell_h + GAP;
    let mut sheet = RgbaImage::from_pixel(width, height, BACKGROUND);
    let font = Font::sheet();
    let mut text = BezPath::new();

    // Header: the name, the count, the palette as one proportional strip.
    let strip_w = 240;
    let title_max = (width - 3 * GAP - strip_w) as f32;
    font.draw(&mut text, &font.fit(title, 30.0, title_max), 30.0, GAP as f32, 52.0);
    let count = match cells.len() {
        1 => "1 artwork".to_owned(),
        n => format!("{n} artworks"),
    };
    font.draw(&mut text, &count, 16.0, GAP as f32, 82.0);
    let strip_x = width - GAP - strip_w;
    let total: f32 = palette.iter().map(|s| s.weight).sum();
    let mut x = strip_x as f32;
    for s in palette {
        let w = s.weight / total.max(f32::MIN_POSITIVE) * strip_w as f32;
        fill(&mut sheet, x.round() as u32, 34, (x + w).round() as u32, 82, Rgba([s.rgb[0], s.rgb[1], s.rgb[2], 255]));
        x += w;
    }
    // A hairline around the strip: a white or paper-coloured swatch stays visible.
    if !palette.is_empty() {
        let line = Rgba([200, 198, 194, 255]);
        fill(&mut sheet, strip_x - 1, 33, strip_x + strip_w + 1, 34, line);
        fill(&mut sheet, strip_x - 1, 82, strip_x + strip_w + 1, 83, line);
        fill(&mut sheet, strip_x - 1, 33, strip_x, 83, line);
        fill(&mut sheet, strip_x + strip_w, 33, strip_x + strip_w + 1, 83, line);
    }

    for (i, cell) in cells.iter().enumerate() {
        let (col, row) = ((i % COLUMNS) as u32, (i / COLUMNS) as u32);
        let (x0, y0) = (GAP + col * cell_w, HEADER + row * cell_h);
        match &cell.thumb {
            Some(thumb) => {
                let thumb = fitted(thumb);
                let (dx, dy) = ((THUMB - thumb.width()) / 2, (THUMB - thumb.height()) / 2);
                imageops::overlay(&mut sheet, &thumb, i64::from(x0 + dx), i64::from(y0 + dy));
            }
            None => fill(&mut sheet, x0, y0, x0 + THUMB, y0 + THUMB, Rgba([210, 208, 204, 255])),
        }
        let name = font.fit(&cell.name, 13.0, THUMB as f32);
        let centred = x0 as f32 + (THUMB as f32 - font.width(&name, 13.0)) / 2.0;
        font.draw(&mut text, &name, 13.0, centred, (y0 + THUMB + 19) as f32);
    }
    paint_text(&mut sheet, &text);
    sheet
}

/// A thumbnail scaled to fit the cell's square (smaller ones are not blown up).
fn fitted(thumb: &RgbaImage) -> RgbaImage {
    let (w, h) = thumb.dimensions();
    if w <= THUMB && h <= THUMB {
        return thumb.clone();
    }
    let s = THUMB as f32 / w.max(h) as f32;
    imageops::resize(thumb, ((w as f32 * s).round() as u32).max(1), ((h as f32 * s).round() as u32).max(1), imageops::FilterType::Triangle)
}

/// Fills the rectangle [x0, x1) × [y0, y1), clipped to the image.
fn fill(img: &mut RgbaImage, x0: u32, y0: u32, x1: u32, y1: u32, colour: Rgba<u8>) {
    for y in y0..y1.min(img.height()) {
        for x in x0..x1.min(img.width()) {
            img.put_pixel(x, y, colour);
        }
    }
}

/// Fills the text outlines in ink over the sheet (anti-aliased by `vello_cpu`).
fn paint_text(sheet: &mut RgbaImage, text: &BezPath) {
    let (w, h) = (sheet.width() as u16, sheet.height() as u16);
    let mut ctx = vello_cpu::RenderContext::new(w, h);
    ctx.set_paint(vello_cpu::color::OpaqueColor::<vello_cpu::color::Srgb>::from_rgb8(INK[0], INK[1], INK[2]));
    ctx.fill_path(text);
    let mut coverage = vello_cpu::Pixmap::new(w, h);
    ctx.render(&mut coverage, &mut vello_cpu::Resources::new());
    // Premultiplied ink over the opaque sheet.
    for (dst, src) in sheet.pixels_mut().zip(coverage.data_as_u8_slice().chunks_exact(4)) {
        let a = u32::from(src[3]);
        if a == 0 {
            continue;
        }
        for c in 0..3 {
            dst[c] = (u32::from(src[c]) + u32::from(dst[c]) * (255 - a) / 255).min(255) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_has_the_thumbnails_the_palette_and_ink() {
        let red = RgbaImage::from_pixel(100, 60, Rgba([220, 30, 30, 255]));
        let cells: Vec<Cell> = (0..8).map(|i| Cell { name: format!("study-{i}.png"), thumb: (i != 3).then(|| red.clone()) }).collect();
        let palette = [Swatch { rgb: [10, 90, 200], weight: 0.7 }, Swatch { rgb: [250, 200, 0], weight: 0.3 }];
        let sheet = render("Reds", &cells, &palette);
        assert_eq!(sheet.width(), GAP + 6 * (THUMB + GAP));
        assert_eq!(sheet.height(), HEADER + 2 * (THUMB + LABEL + GAP) + GAP);
        // The first thumbnail, centred in its cell.
        assert_eq!(sheet.get_pixel(GAP + THUMB / 2, HEADER + THUMB / 2), &Rgba([220, 30, 30, 255]));
        // The palette strip: blue then yellow, in proportion.
        let strip_x = sheet.width() - GAP - 240;
        assert_eq!(sheet.get_pixel(strip_x + 10, 50), &Rgba([10, 90, 200, 255]));
        assert_eq!(sheet.get_pixel(strip_x + 230, 50), &Rgba([250, 200, 0, 255]));
        // Dark text under the first thumbnail (its file name).
        let label = (GAP..GAP + THUMB).flat_map(|x| (HEADER + THUMB..HEADER + THUMB + LABEL).map(move |y| (x, y)));
        let inked = label.filter(|&(x, y)| sheet.get_pixel(x, y)[0] < 120).count();
        assert!(inked > 50, "{inked} dark pixels under the thumbnail");
    }

    #[test]
    fn an_existing_file_is_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("sheet.png");
        std::fs::write(&out, b"mine").unwrap();
        assert!(write("B", &[], &[], &out).is_err());
        assert_eq!(std::fs::read(&out).unwrap(), b"mine");
        let fresh = tmp.path().join("fresh.png");
        let summary = write("Empty", &[], &[], &fresh).unwrap();
        assert_eq!((summary.artworks, summary.left_out), (0, 0));
        assert_eq!(image::open(&fresh).unwrap().width(), summary.width);
    }
}
