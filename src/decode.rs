//! Decoding image files into pixels: format sniffed from content, explicit memory limits enforced
//! before allocation, EXIF orientation applied, alpha kept for the colour features.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Largest accepted width or height; headers claiming more are refused before any allocation.
pub const MAX_SIDE: u32 = 16_384;
/// Largest decoder allocation (the decoded image included).
pub const MAX_ALLOC: u64 = 640 * 1024 * 1024;

/// Why a file could not become pixels. Recorded per file; never fatal to an import.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file is empty.
    #[error("empty file")]
    Empty,
    /// The content is not an image in a supported format, whatever its name says.
    #[error("not a supported image (content is not JPEG/PNG/WebP/GIF/BMP/TIFF)")]
    NotAnImage,
    /// The header promises more pixels than the limits allow (decompression bomb guard).
    #[error("image too large ({width}x{height}; limit {MAX_SIDE} px per side, {} MiB)", MAX_ALLOC >> 20)]
    TooLarge {
        /// Claimed width.
        width: u32,
        /// Claimed height.
        height: u32,
    },
    /// The header claims an image without pixels (zero width or height).
    #[error("image has no pixels ({width}x{height})")]
    NoPixels {
        /// Claimed width.
        width: u32,
        /// Claimed height.
        height: u32,
    },
    /// The file ends before the image does.
    #[error("truncated {0} (the file ends before the image data does)")]
    Truncated(&'static str),
    /// The decoder failed: truncated or corrupt data, unsupported variant.
    #[error("cannot decode {format}: {source}")]
    Corrupt {
        /// Sniffed format name.
        format: &'static str,
        /// Decoder error.
        source: image::ImageError,
    },
}

/// A decoded, correctly oriented image at full resolution.
pub struct Decoded {
    /// Pixels, 8-bit RGB or RGBA (higher bit depths are reduced).
    pub image: DynamicImage,
    /// Sniffed container format.
    pub format: ImageFormat,
}

impl Decoded {
    /// Width after orientation.
    pub fn width(&self) -> u32 {
        self.image.width()
    }
    /// Height after orientation.
    pub fn height(&self) -> u32 {
        self.image.height()
    }
}

/// Human name of a sniffed format.
pub fn format_name(format: ImageFormat) -> &'static str {
    format.extensions_str().first().copied().unwrap_or("image")
}

/// Formats Kindred promises to read; others are refused even if `image` could sniff them.
fn supported(format: ImageFormat) -> bool {
    use ImageFormat::*;
    matches!(format, Jpeg | Png | WebP | Gif | Bmp | Tiff)
}

/// Sniffs the format from the first bytes of a file.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    image::guess_format(bytes).ok().filter(|f| supported(*f)).ok_or(DecodeError::NotAnImage)
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

/// Decodes an in-memory file. GIF and other animations yield their first frame.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let format = sniff(bytes)?;
    if format == ImageFormat::Jpeg && !jpeg_has_end(bytes) {
        // JPEG decoders fill missing scan data with grey rather than failing: check explicitly.
        return Err(DecodeError::Truncated("JPEG"));
    }
    let corrupt = |source| DecodeError::Corrupt { format: format_name(format), source };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|e| classify(e, format, bytes))?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) * 4 > MAX_ALLOC {
        return Err(DecodeError::TooLarge { width, height });
    }
    if width == 0 || height == 0 {
        // Found by the `decode` fuzz target: a GIF of 8x0 decoded to an empty image.
        return Err(DecodeError::NoPixels { width, height });
    }
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| classify(e, format, bytes))?;
    image.apply_orientation(orientation);
    let image = match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    Ok(Decoded { image, format })
}

/// A complete JPEG ends with the EOI marker (FF D9), possibly followed by a little padding or
/// trailer data. Entropy-coded data never contains FF D9, so a cut file lacks it near the end.
fn jpeg_has_end(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Maps limit errors to `TooLarge` (with the claimed size when the header can be read cheaply).
fn classify(e: image::ImageError, format: ImageFormat, bytes: &[u8]) -> DecodeError {
    if let image::ImageError::Limits(_) = e {
        let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
            .into_dimensions()
            .unwrap_or((0, 0));
        return DecodeError::TooLarge { width, height };
    }
    DecodeError::Corrupt { format: format_name(format), source: e }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(width, height, image::Rgba([10, 20, 30, 128]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn decodes_png_with_alpha() {
        let d = decode(&png(7, 5)).unwrap();
        assert_eq!((d.width(), d.height()), (7, 5));
        assert!(d.image.color().has_alpha());
    }

    #[test]
    fn rejects_empty_and_text() {
        assert!(matches!(decode(b""), Err(DecodeError::Empty)));
        assert!(matches!(decode(b"hello, I am not a PNG"), Err(DecodeError::NotAnImage)));
    }

    #[test]
    fn truncated_jpeg_is_reported() {
        let img = image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8 * 4, y as u8 * 4, 90]));
        let mut jpeg = Vec::new();
        img.write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg).unwrap();
        assert!(decode(&jpeg).is_ok());
        assert!(matches!(decode(&jpeg[..jpeg.len() * 2 / 3]), Err(DecodeError::Truncated("JPEG"))));
    }

    #[test]
    fn truncated_png_is_corrupt() {
        let bytes = png(64, 64);
        assert!(matches!(decode(&bytes[..bytes.len() / 2]), Err(DecodeError::Corrupt { .. })));
    }
}
