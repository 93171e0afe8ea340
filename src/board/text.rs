//! Text on a contact sheet: file names and the board's name, drawn from glyph outlines. The font
//! is egui's Ubuntu Light (`epaint_default_fonts`), read with `skrifa` and filled by `vello_cpu`:
//! all three are already in the tree for the app, so the sheet adds no crate and needs no fonts
//! installed on the machine. No shaping (kerning, ligatures): plain file names do not need it.

use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, MetadataProvider};
use vello_cpu::kurbo::BezPath;

/// A font to measure and draw text with.
pub(crate) struct Font {
    font: FontRef<'static>,
}

impl Font {
    /// Ubuntu Light, bundled.
    pub(crate) fn sheet() -> Self {
        Self { font: FontRef::new(epaint_default_fonts::UBUNTU_LIGHT).expect("the bundled font parses") }
    }

    /// Width of `text` at `px` pixels per em.
    pub(crate) fn width(&self, text: &str, px: f32) -> f32 {
        let (charmap, metrics) = (self.font.charmap(), self.font.glyph_metrics(Size::new(px), LocationRef::default()));
        text.chars().map(|c| metrics.advance_width(charmap.map(c).unwrap_or_default()).unwrap_or(0.0)).sum()
    }

    /// `text`, shortened in the middle with "…" until it fits `max` pixels (the start and the
    /// extension of a file name both tell which file it is).
    pub(crate) fn fit(&self, text: &str, px: f32, max: f32) -> String {
        if self.width(text, px) <= max {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        for keep in (0..chars.len()).rev() {
            let (head, tail) = (keep.div_ceil(2), keep / 2);
            let short: String = chars[..head].iter().chain(['…'].iter()).chain(chars[chars.len() - tail..].iter()).collect();
            if self.width(&short, px) <= max {
                return short;
            }
        }
        String::new()
    }

    /// Adds the outlines of `text` at `px`, starting at `x` on the baseline `y`, to `path`.
    pub(crate) fn draw(&self, path: &mut BezPath, text: &str, px: f32, x: f32, y: f32) {
        let (charmap, outlines) = (self.font.charmap(), self.font.outline_glyphs());
        let metrics = self.font.glyph_metrics(Size::new(px), LocationRef::default());
        let mut pen_x = x;
        for c in text.chars() {
            let gid = charmap.map(c).unwrap_or_default();
            if let Some(glyph) = outlines.get(gid) {
                let mut pen = Pen { path, x: f64::from(pen_x), y: f64::from(y) };
                let _ = glyph.draw(DrawSettings::unhinted(Size::new(px), LocationRef::default()), &mut pen);
            }
            pen_x += metrics.advance_width(gid).unwrap_or(0.0);
        }
    }
}

/// Collects glyph outlines into a path, font units already scaled, Y flipped to point down.
struct Pen<'a> {
    path: &'a mut BezPath,
    x: f64,
    y: f64,
}

impl Pen<'_> {
    fn at(&self, x: f32, y: f32) -> (f64, f64) {
        (self.x + f64::from(x), self.y - f64::from(y))
    }
}

impl OutlinePen for Pen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        let p = self.at(x, y);
        self.path.move_to(p);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.at(x, y);
        self.path.line_to(p);
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        let (c, p) = (self.at(cx0, cy0), self.at(x, y));
        self.path.quad_to(c, p);
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        let (c0, c1, p) = (self.at(cx0, cy0), self.at(cx1, cy1), self.at(x, y));
        self.path.curve_to(c0, c1, p);
    }
    fn close(&mut self) {
        self.path.close_path();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_shortened_in_the_middle_to_fit() {
        let font = Font::sheet();
        let name = "a-very-long-file-name-of-a-reference-photo-2024.jpg";
        assert!(font.width("iii", 16.0) < font.width("WWW", 16.0));
        let fitted = font.fit(name, 16.0, 150.0);
        assert!(fitted.contains('…') && fitted.ends_with(".jpg") && fitted.starts_with("a-very"), "{fitted}");
        assert!(font.width(&fitted, 16.0) <= 150.0);
        assert_eq!(font.fit("dawn.jpg", 16.0, 150.0), "dawn.jpg");
        let mut path = BezPath::new();
        font.draw(&mut path, "Ab", 16.0, 10.0, 20.0);
        let b = vello_cpu::kurbo::Shape::bounding_box(&path);
        assert!(b.x0 >= 10.0 && b.y1 <= 20.5 && b.y0 > 4.0, "glyphs sit on the baseline: {b:?}");
    }
}
