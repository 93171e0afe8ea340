//! The file formats Kindred reads, recognised from their content: the extension is a hint (it
//! decides whether an unreadable file is reported or skipped at import), never the truth.

use image::ImageFormat;

/// A file format Kindred reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// JPEG.
    Jpeg,
    /// PNG (and APNG: its first frame).
    Png,
    /// WebP.
    WebP,
    /// GIF (its first frame).
    Gif,
    /// Windows bitmap.
    Bmp,
    /// TIFF.
    Tiff,
    /// Truevision TGA (game art); it has no signature, so it is recognised from a strict header.
    Tga,
    /// Windows icon: its largest image.
    Ico,
    /// Photoshop PSD or PSB: the merged composite stored in the file.
    Psd,
    /// Krita document: its stored `mergedimage.png`.
    Krita,
    /// OpenRaster (MyPaint, GIMP, Krita): its stored `mergedimage.png`.
    OpenRaster,
    /// SVG, rendered without external references.
    Svg,
    /// HEIC/HEIF (phones' photos).
    Heif,
    /// AVIF.
    Avif,
    /// JPEG XL.
    JpegXl,
}

impl Format {
    /// Every format, in the order `kindred info` lists them.
    pub const ALL: [Format; 15] = [
        Format::Jpeg,
        Format::Png,
        Format::WebP,
        Format::Gif,
        Format::Bmp,
        Format::Tiff,
        Format::Tga,
        Format::Ico,
        Format::Psd,
        Format::Krita,
        Format::OpenRaster,
        Format::Svg,
        Format::Heif,
        Format::Avif,
        Format::JpegXl,
    ];

    /// MIME types of the format as shared-mime-info names them (the desktop entry declares them
    /// all, so a file manager offers "Open with Kindred" on each).
    pub fn mime_types(self) -> &'static [&'static str] {
        match self {
            Format::Jpeg => &["image/jpeg"],
            Format::Png => &["image/png"],
            Format::WebP => &["image/webp"],
            Format::Gif => &["image/gif"],
            Format::Bmp => &["image/bmp"],
            Format::Tiff => &["image/tiff"],
            Format::Tga => &["image/x-tga"],
            Format::Ico => &["image/vnd.microsoft.icon"],
            Format::Psd => &["image/vnd.adobe.photoshop"],
            Format::Krita => &["application/x-krita"],
            Format::OpenRaster => &["image/openraster"],
            Format::Svg => &["image/svg+xml"],
            Format::Heif => &["image/heif", "image/heic"],
            Format::Avif => &["image/avif"],
            Format::JpegXl => &["image/jxl"],
        }
    }

    /// Short name, stored in the catalog (`jpg`, `png`, ... as before this enum existed).
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::WebP => "webp",
            Format::Gif => "gif",
            Format::Bmp => "bmp",
            Format::Tiff => "tif",
            Format::Tga => "tga",
            Format::Ico => "ico",
            Format::Psd => "psd",
            Format::Krita => "kra",
            Format::OpenRaster => "ora",
            Format::Svg => "svg",
            Format::Heif => "heic",
            Format::Avif => "avif",
            Format::JpegXl => "jxl",
        }
    }

    /// File extensions that promise this format (lower case).
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            Format::Png => &["png", "apng"],
            Format::WebP => &["webp"],
            Format::Gif => &["gif"],
            Format::Bmp => &["bmp", "dib"],
            Format::Tiff => &["tif", "tiff"],
            Format::Tga => &["tga", "icb", "vda", "vst"],
            Format::Ico => &["ico"],
            Format::Psd => &["psd", "psb"],
            Format::Krita => &["kra"],
            Format::OpenRaster => &["ora"],
            Format::Svg => &["svg"],
            Format::Heif => &["heic", "heif", "hif"],
            Format::Avif => &["avif"],
            Format::JpegXl => &["jxl"],
        }
    }

    /// Whether this build reads the format (HEIC and AVIF need the `heif` feature).
    pub fn available(self) -> bool {
        !matches!(self, Format::Heif | Format::Avif) || cfg!(feature = "heif")
    }

    /// The `image` crate's decoder for the format, if that is what reads it.
    pub(crate) fn raster(self) -> Option<ImageFormat> {
        Some(match self {
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Png => ImageFormat::Png,
            Format::WebP => ImageFormat::WebP,
            Format::Gif => ImageFormat::Gif,
            Format::Bmp => ImageFormat::Bmp,
            Format::Tiff => ImageFormat::Tiff,
            Format::Tga => ImageFormat::Tga,
            Format::Ico => ImageFormat::Ico,
            _ => return None,
        })
    }
}

/// Whether a file named with `extension` promises an image Kindred reads (case-insensitive).
pub fn is_image_extension(extension: &str) -> bool {
    let extension = extension.to_ascii_lowercase();
    Format::ALL.iter().any(|f| f.extensions().contains(&extension.as_str()))
}

/// How many leading bytes [`recognise`] looks at (an SVG's `<svg` may follow a long XML prolog).
pub const SNIFF_LEN: usize = 4096;

/// The format of a file from its first bytes (up to [`SNIFF_LEN`] of them), if Kindred reads it.
pub fn recognise(head: &[u8]) -> Option<Format> {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"8BPS") && (at(4, &[0, 1]) || at(4, &[0, 2])) {
        return Some(Format::Psd);
    }
    if at(0, b"PK\x03\x04") {
        // OpenRaster and Krita both store an uncompressed `mimetype` entry first (the OpenRaster
        // spec requires it; Krita follows): its content names the format.
        return if at(30, b"mimetype") && at(38, b"application/x-krita") {
            Some(Format::Krita)
        } else if at(30, b"mimetype") && at(38, b"image/openraster") {
            Some(Format::OpenRaster)
        } else {
            None
        };
    }
    if at(0, &[0xFF, 0x0A]) || at(0, b"\0\0\0\x0CJXL \r\n\x87\n") {
        return Some(Format::JpegXl);
    }
    if at(4, b"ftyp") {
        return iso_brand(head);
    }
    if is_svg(head) {
        return Some(Format::Svg);
    }
    if let Some(format) = image::guess_format(head).ok().and_then(from_image_format) {
        return Some(format);
    }
    is_tga(head).then_some(Format::Tga)
}

/// The formats `image` sniffs that Kindred reads through it (TGA has no signature: see [`is_tga`]).
fn from_image_format(format: ImageFormat) -> Option<Format> {
    Some(match format {
        ImageFormat::Jpeg => Format::Jpeg,
        ImageFormat::Png => Format::Png,
        ImageFormat::WebP => Format::WebP,
        ImageFormat::Gif => Format::Gif,
        ImageFormat::Bmp => Format::Bmp,
        ImageFormat::Tiff => Format::Tiff,
        ImageFormat::Ico => Format::Ico,
        _ => return None,
    })
}

/// HEIF or AVIF from an ISO media file's `ftyp` box: its major brand, then its compatible brands
/// (an AVIF may say `mif1` first and `avif` among the compatible ones).
fn iso_brand(head: &[u8]) -> Option<Format> {
    let size = usize::try_from(u32::from_be_bytes(head.get(0..4)?.try_into().ok()?)).ok()?;
    let end = size.min(head.len()).max(16);
    let brands: Vec<&[u8]> = std::iter::once(head.get(8..12)?).chain(head.get(16..end)?.chunks_exact(4)).collect();
    if brands.iter().any(|b| matches!(*b, b"avif" | b"avis")) {
        Some(Format::Avif)
    } else if brands.iter().any(|b| matches!(*b, b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1")) {
        Some(Format::Heif)
    } else {
        None
    }
}

/// An SVG: XML whose root element, after the prolog (declaration, comments, processing
/// instructions, a doctype with its internal subset), is `<svg` (or `<svg:svg`). An HTML page
/// with an inline drawing is not one.
fn is_svg(head: &[u8]) -> bool {
    let mut text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    loop {
        text = text.trim_ascii_start();
        let skip_past = |t: &[u8], end: &[u8]| t.windows(end.len()).position(|w| w == end).map(|i| i + end.len());
        let rest = if text.starts_with(b"<?") {
            skip_past(text, b"?>")
        } else if text.starts_with(b"<!--") {
            skip_past(text, b"-->")
        } else if text.starts_with(b"<!DOCTYPE") || text.starts_with(b"<!doctype") {
            // An internal subset (entities) ends with "]>"; a plain doctype with ">".
            let bracket = text.iter().position(|&b| b == b'[');
            let close = text.iter().position(|&b| b == b'>');
            match (bracket, close) {
                (Some(b), Some(c)) if b < c => skip_past(text, b"]>"),
                (_, Some(c)) => Some(c + 1),
                _ => None,
            }
        } else {
            let tag = text.strip_prefix(b"<svg:svg").or_else(|| text.strip_prefix(b"<svg"));
            return tag.and_then(|t| t.first()).is_some_and(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/');
        };
        match rest {
            Some(i) => text = &text[i..],
            None => return false,
        }
    }
}

/// A TGA header that is consistent in every field (the format has no signature): a known image
/// type, a colour map only where the type uses one, a pixel depth the type allows, a size, no
/// reserved descriptor bits.
fn is_tga(head: &[u8]) -> bool {
    let Some(h) = head.get(..18) else { return false };
    let (map_type, image_type, map_depth, depth, descriptor) = (h[1], h[2], h[7], h[16], h[17]);
    let (width, height) = (u16::from_le_bytes([h[12], h[13]]), u16::from_le_bytes([h[14], h[15]]));
    let mapped = matches!(image_type, 1 | 9);
    let depth_ok = match image_type {
        1 | 9 => depth == 8 && matches!(map_depth, 15 | 16 | 24 | 32),
        2 | 10 => matches!(depth, 15 | 16 | 24 | 32),
        3 | 11 => depth == 8 || depth == 16,
        _ => false,
    };
    map_type == u8::from(mapped) && depth_ok && width > 0 && height > 0 && descriptor & 0xC0 == 0 && descriptor & 0x0F <= 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_told_apart_by_content() {
        let zip = |mime: &str| {
            let mut b = b"PK\x03\x04".to_vec();
            b.resize(30, 0);
            b.extend(b"mimetype");
            b.extend(mime.as_bytes());
            b
        };
        assert_eq!(recognise(&zip("application/x-krita")), Some(Format::Krita));
        assert_eq!(recognise(&zip("image/openraster")), Some(Format::OpenRaster));
        assert_eq!(recognise(&zip("application/epub+zip")), None, "an ordinary zip is not an image");
        assert_eq!(recognise(b"\0\0\0\x1cftypmif1\0\0\0\0mif1avifmiaf"), Some(Format::Avif));
        assert_eq!(recognise(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), Some(Format::Heif));
        assert_eq!(recognise(b"\0\0\0\x18ftypmp42\0\0\0\0isommp42"), None, "a video is not an image");
        assert_eq!(recognise(b"8BPS\0\x01\0\0\0\0\0\0"), Some(Format::Psd));
        assert_eq!(recognise(b"8BPS\0\x07"), None);
        assert_eq!(recognise(b"\xff\x0a\xfa"), Some(Format::JpegXl));
        assert_eq!(recognise(b"\xEF\xBB\xBF  <?xml version=\"1.0\"?>\n<!-- x -->\n<svg width=\"1\"/>"), Some(Format::Svg));
        assert_eq!(recognise(b"<?xml version=\"1.0\"?><html/>"), None, "other XML is not SVG");
        let html = b"<!DOCTYPE html>\n<html><body><svg width=\"10\" height=\"10\"></svg></body></html>";
        assert_eq!(recognise(html), None, "a page with an inline drawing is not an SVG");
        let illustrator =
            b"<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" [\n<!ENTITY ns \"x\">\n]>\n<svg version=\"1.1\">";
        assert_eq!(recognise(illustrator), Some(Format::Svg));
        assert_eq!(recognise(b"<svgfoo/>"), None);
    }

    #[test]
    fn tga_needs_a_consistent_header() {
        let mut tga = [0u8; 18];
        tga[2] = 2; // true colour
        tga[12] = 4;
        tga[14] = 3;
        tga[16] = 24;
        assert_eq!(recognise(&tga), Some(Format::Tga));
        tga[16] = 12;
        assert_eq!(recognise(&tga), None, "a depth true-colour TGA does not have");
        assert_eq!(recognise(b"plain text that happens to be 18 bytes or more"), None);
    }

    #[test]
    fn extensions_are_case_insensitive_hints() {
        assert!(is_image_extension("PSD") && is_image_extension("kra") && is_image_extension("Heic"));
        assert!(!is_image_extension("txt") && !is_image_extension("zip"));
    }
}
