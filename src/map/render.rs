//! The map as a picture (`kindred map --png`): a dot per artwork coloured by its cluster, each
//! cluster outlined and labelled with its palette and size. Drawn with `vello_cpu` and the
//! contact sheet's bundled font: no window, no GPU.

use std::path::{Path, PathBuf};

use image::RgbaImage;
use serde::Serialize;
use vello_cpu::color::{AlphaColor, Srgb};
use vello_cpu::kurbo::{BezPath, Circle, Rect, Shape, Stroke};

use super::CollectionMap;
use crate::board::text::Font;
use crate::error::{Error, IoContext, Result};

/// Side of the square picture, pixels.
pub const SIDE: u32 = 1600;
/// Space around the map, pixels.
const MARGIN: f64 = 60.0;
const BACKGROUND: [u8; 3] = [28, 29, 33];
const UNCLUSTERED: [u8; 3] = [120, 120, 126];
const INK: [u8; 3] = [236, 236, 240];

/// Distinct colours for clusters (Tableau 10, then repeated): a cluster's own palette is often
/// close to its neighbour's (many browns), so dots are told apart by these instead.
pub const CLUSTER_COLOURS: [[u8; 3]; 10] = [
    [78, 121, 167],
    [242, 142, 43],
    [225, 87, 89],
    [118, 183, 178],
    [89, 161, 79],
    [237, 201, 72],
    [176, 122, 161],
    [255, 157, 167],
    [156, 117, 95],
    [186, 176, 172],
];

/// The colour of cluster `c`'s dots (`None`: unclustered).
pub fn cluster_colour(c: Option<u32>) -> [u8; 3] {
    c.map_or(UNCLUSTERED, |c| CLUSTER_COLOURS[c as usize % CLUSTER_COLOURS.len()])
}

/// What was written.
#[derive(Clone, Debug, Serialize)]
pub struct MapPicture {
    /// The PNG.
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub path: PathBuf,
    /// Artworks drawn.
    pub artworks: usize,
    /// Clusters outlined.
    pub clusters: usize,
    /// Pixel size.
    pub width: u32,
    /// Pixel size.
    pub height: u32,
}

fn colour(rgb: [u8; 3], alpha: u8) -> AlphaColor<Srgb> {
    AlphaColor::from_rgba8(rgb[0], rgb[1], rgb[2], alpha)
}

/// The map's pixels, `side` × `side`.
pub fn render(map: &CollectionMap, side: u32) -> RgbaImage {
    let side = side.clamp(64, 8192);
    let s = side as u16;
    let mut ctx = vello_cpu::RenderContext::new(s, s);
    let span = f64::from(side) - 2.0 * MARGIN;
    let at = |p: [f32; 2]| (MARGIN + f64::from(p[0]) * span, MARGIN + f64::from(p[1]) * span);
    ctx.set_paint(colour(BACKGROUND, 255));
    ctx.fill_rect(&Rect::new(0.0, 0.0, f64::from(side), f64::from(side)));
    // Dots: smaller when there are many, so dense clusters stay readable.
    let radius = (900.0 / (map.points.len().max(1) as f64).sqrt()).clamp(1.2, 6.0) * f64::from(side) / 1600.0;
    for p in &map.points {
        ctx.set_paint(colour(cluster_colour(p.cluster), 220));
        ctx.fill_path(&Circle::new(at([p.x, p.y]), radius).to_path(0.1));
    }
    ctx.set_stroke(Stroke::new(1.5));
    for c in &map.clusters {
        if c.outline.len() < 3 {
            continue;
        }
        let mut outline = BezPath::new();
        outline.move_to(at(c.outline[0]));
        c.outline[1..].iter().for_each(|q| outline.line_to(at(*q)));
        outline.close_path();
        ctx.set_paint(colour(cluster_colour(Some(c.id)), 160));
        ctx.stroke_path(&outline);
    }
    // Labels: the palette as a strip of swatches, the size beside it.
    let font = Font::sheet();
    let mut text = BezPath::new();
    for c in &map.clusters {
        let (x, y) = at(c.centre);
        let (w, h) = (14.0, 14.0);
        let x0 = x - w * c.palette.len() as f64 / 2.0;
        ctx.set_paint(colour(INK, 255));
        ctx.fill_rect(&Rect::new(x0 - 1.0, y - h / 2.0 - 1.0, x0 + w * c.palette.len() as f64 + 1.0, y + h / 2.0 + 1.0));
        for (i, sw) in c.palette.iter().enumerate() {
            ctx.set_paint(colour(sw.rgb, 255));
            ctx.fill_rect(&Rect::new(x0 + w * i as f64, y - h / 2.0, x0 + w * (i + 1) as f64, y + h / 2.0));
        }
        font.draw(&mut text, &c.size.to_string(), 15.0, (x0 + w * c.palette.len() as f64 + 5.0) as f32, (y + 5.0) as f32);
    }
    ctx.set_paint(colour(INK, 255));
    ctx.fill_path(&text);
    let mut pixmap = vello_cpu::Pixmap::new(s, s);
    ctx.render(&mut pixmap, &mut vello_cpu::Resources::new());
    // The background is opaque, so premultiplied pixels are the straight ones.
    RgbaImage::from_raw(side, side, pixmap.data_as_u8_slice().to_vec()).expect("the pixmap holds side × side RGBA pixels")
}

/// Draws the map and writes it to `out` as PNG (never over an existing file).
pub fn write_png(map: &CollectionMap, out: &Path) -> Result<MapPicture> {
    if out.exists() {
        return Err(Error::Usage(format!("{} already exists; choose another file name for the map picture", out.display())));
    }
    let image = render(map, SIDE);
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
    Ok(MapPicture {
        path: out.to_path_buf(),
        artworks: map.points.len(),
        clusters: map.clusters.len(),
        width: image.width(),
        height: image.height(),
    })
}
