//! Decoding image files into pixels: format sniffed from content, explicit memory limits enforced
//! before allocation, EXIF orientation applied, alpha kept for the colour features. JPEGs far
//! larger than a consumer needs can be decoded reduced in the DCT domain ([`decode_reduced`]).

use std::io::Cursor;

use image::metadata::Orientation;
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

/// A decoded, correctly oriented image: at full resolution from [`decode`], possibly reduced from
/// [`decode_reduced`].
pub struct Decoded {
    /// Pixels, 8-bit RGB or RGBA (higher bit depths are reduced).
    pub image: DynamicImage,
    /// Sniffed container format.
    pub format: ImageFormat,
    /// Oriented size of the picture at full resolution (`image` may be smaller).
    full_size: (u32, u32),
}

impl Decoded {
    /// A full-resolution decoded image.
    pub fn new(image: DynamicImage, format: ImageFormat) -> Self {
        let full_size = (image.width(), image.height());
        Decoded { image, format, full_size }
    }
    /// Width of the full-resolution picture after orientation.
    pub fn width(&self) -> u32 {
        self.full_size.0
    }
    /// Height of the full-resolution picture after orientation.
    pub fn height(&self) -> u32 {
        self.full_size.1
    }
    /// Whether `image` was decoded at less than full resolution.
    pub fn is_reduced(&self) -> bool {
        self.full_size != (self.image.width(), self.image.height())
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
    Ok(Decoded::new(image, format))
}

/// Decodes an in-memory file for a consumer that needs at most `min_side` pixels on the long side.
/// A JPEG whose long side exceeds twice `min_side` is decoded reduced by 2, 4 or 8 in the DCT
/// domain (the largest factor that keeps the decoded long side above `min_side`), several times
/// faster than a full decode; `width()`/`height()` still give the full size. Everything else, and
/// any JPEG the reduced decoder does not handle (CMYK, lossless, 12-bit, damaged data), is decoded
/// as [`decode`] does, with the same errors.
pub fn decode_reduced(bytes: &[u8], min_side: u32) -> Result<Decoded, DecodeError> {
    if sniff(bytes)? == ImageFormat::Jpeg
        && jpeg_has_end(bytes)
        && let Some(decoded) = decode_jpeg_reduced(bytes, min_side)
    {
        return Ok(decoded);
    }
    decode(bytes)
}

/// The divisor (2, 4 or 8) for a picture with long side `long`, or `None` if it is not larger
/// than twice `min_side`: the largest whose reduced long side stays above `min_side`.
fn reduction(long: u32, min_side: u32) -> Option<u32> {
    [8, 4, 2].into_iter().find(|&n| u64::from(long) > u64::from(n) * u64::from(min_side))
}

/// JPEG decoded reduced with `jpeg-decoder`'s scaled IDCT; `None` when the full decode must run
/// instead (not reducible, outside what this path handles, or any error: [`decode`] reports it).
fn decode_jpeg_reduced(bytes: &[u8], min_side: u32) -> Option<Decoded> {
    use jpeg_decoder::{CodingProcess, PixelFormat};
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(usize::try_from(MAX_ALLOC).unwrap_or(usize::MAX));
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let within_limits =
        width > 0 && height > 0 && width <= MAX_SIDE && height <= MAX_SIDE && u64::from(width) * u64::from(height) * 4 <= MAX_ALLOC;
    // CMYK/YCCK keep the full decoder's colour conversion; lossless and >8-bit are not DCT-scaled.
    let handled = matches!(info.pixel_format, PixelFormat::L8 | PixelFormat::RGB24)
        && matches!(info.coding_process, CodingProcess::DctSequential | CodingProcess::DctProgressive);
    if !within_limits || !handled {
        return None;
    }
    let n = reduction(width.max(height), min_side)?;
    let (w, h) = (width.div_ceil(n), height.div_ceil(n));
    let scaled = decoder.scale(u16::try_from(w).ok()?, u16::try_from(h).ok()?).ok()?;
    if (u32::from(scaled.0), u32::from(scaled.1)) != (w, h) {
        return None;
    }
    let pixels = decoder.decode().ok()?;
    let mut image = match info.pixel_format {
        PixelFormat::RGB24 => DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, pixels)?),
        _ => DynamicImage::ImageRgb8(DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, pixels)?).to_rgb8()),
    };
    let orientation = decoder.exif_data().and_then(Orientation::from_exif_chunk).unwrap_or(Orientation::NoTransforms);
    image.apply_orientation(orientation);
    let turned =
        matches!(orientation, Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH);
    let full_size = if turned { (height, width) } else { (width, height) };
    Some(Decoded { image, format: ImageFormat::Jpeg, full_size })
}

/// A complete JPEG has its EOI marker (FF D9). It usually ends the file, but anything may follow
/// it: phone "motion photos" append a whole video. So the marker is looked for by walking the
/// JPEG's own structure from the start (segments skipped by their length, entropy-coded data,
/// where FF is always followed by 00 or a restart marker, scanned to the next marker), then, for
/// files whose structure does not parse, near the end as before. A cut file has neither.
fn jpeg_has_end(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    jpeg_structure_ends(bytes) || tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Whether walking the JPEG's markers from SOI reaches EOI before the data runs out.
fn jpeg_structure_ends(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            i += 1; // entropy-coded data
            continue;
        }
        match bytes[i + 1] {
            0xD9 => return true,
            // Fill byte; stuffed zero and restart markers inside entropy-coded data; TEM.
            0xFF => i += 1,
            0x00 | 0x01 | 0xD0..=0xD7 => i += 2,
            // Any other marker has a segment: a big-endian length that counts itself.
            _ => {
                let Some(len) = bytes.get(i + 2..i + 4).map(|l| usize::from(u16::from_be_bytes([l[0], l[1]]))) else { return false };
                if len < 2 {
                    return false;
                }
                i += 2 + len;
            }
        }
    }
    false
}

/// Maps limit errors to `TooLarge` (with the claimed size when the header can be read cheaply).
fn classify(e: image::ImageError, format: ImageFormat, bytes: &[u8]) -> DecodeError {
    if let image::ImageError::Limits(_) = e {
        let (width, height) = ImageReader::with_format(Cursor::new(bytes), format).into_dimensions().unwrap_or((0, 0));
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
    fn jpeg_with_data_after_its_end_is_complete() {
        // A phone "motion photo": the JPEG, then an MP4 appended after EOI (here 1 MiB of bytes
        // that hold no FF D9 pair, so nothing near the end of the file looks like an end marker).
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut jpeg = Vec::new();
        img.write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg).unwrap();
        let mut motion = jpeg.clone();
        motion.extend(b"\0\0\0\x18ftypmp42");
        motion.extend((0..1u32 << 20).map(|i| (i % 251) as u8));
        assert!(!motion[motion.len() - 4096..].windows(2).any(|w| w == [0xFF, 0xD9]));
        let d = decode(&motion).expect("a JPEG followed by a video decodes");
        assert_eq!((d.width(), d.height()), (64, 48));
        assert_eq!(decode_reduced(&motion, 8).unwrap().width(), 64);
        // Still refused: the same JPEG cut short, with or without the trailer after the cut.
        let cut = &jpeg[..jpeg.len() * 2 / 3];
        assert!(matches!(decode(cut), Err(DecodeError::Truncated("JPEG"))));
        let mut cut_then_data = cut.to_vec();
        cut_then_data.extend((0..1u32 << 16).map(|i| (i % 251) as u8));
        assert!(matches!(decode(&cut_then_data), Err(DecodeError::Truncated("JPEG"))));
    }

    /// A smooth picture whose halves and quarters differ (red follows x, green follows y, a blue
    /// block in the top-left quarter), so a wrong orientation or scale shows as a large difference.
    fn picture(w: u32, h: u32) -> image::RgbImage {
        image::RgbImage::from_fn(w, h, |x, y| {
            let (r, g) = ((x * 255 / w) as u8, (y * 255 / h) as u8);
            if x < w / 4 && y < h / 4 { image::Rgb([r / 4, g / 4, 220]) } else { image::Rgb([r, g, 40]) }
        })
    }

    fn jpeg(image: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)).unwrap();
        out
    }

    /// `jpeg` with an EXIF APP1 segment carrying `orientation`, right after SOI.
    fn with_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
        let mut app1 = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        app1.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]);
        let mut out = jpeg[..2].to_vec();
        out.extend([0xFF, 0xE1]);
        out.extend(((app1.len() + 2) as u16).to_be_bytes());
        out.extend(app1);
        out.extend(&jpeg[2..]);
        out
    }

    /// Mean absolute difference per sample between `small` and `big` resized to `small`'s size.
    fn mean_abs_diff(small: &DynamicImage, big: &DynamicImage) -> f64 {
        let (w, h) = (small.width(), small.height());
        let big = image::imageops::resize(&big.to_rgb8(), w, h, image::imageops::FilterType::Triangle);
        let small = small.to_rgb8();
        let sum: u64 = small.as_raw().iter().zip(big.as_raw()).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
        sum as f64 / small.as_raw().len() as f64
    }

    #[test]
    fn reduction_keeps_the_long_side_above_min_side() {
        assert_eq!(reduction(2048, 1024), None); // twice the working side: never reduced
        assert_eq!(reduction(2049, 1024), Some(2));
        assert_eq!(reduction(4096, 1024), Some(2));
        assert_eq!(reduction(4097, 1024), Some(4));
        assert_eq!(reduction(8193, 1024), Some(8));
        assert_eq!(reduction(16_384, 1024), Some(8));
        assert_eq!(reduction(u32::MAX, u32::MAX), None);
    }

    #[test]
    fn large_jpeg_is_decoded_reduced() {
        let full_picture = DynamicImage::ImageRgb8(picture(4200, 1000));
        let bytes = jpeg(&full_picture);
        let full = decode(&bytes).unwrap();
        assert!(!full.is_reduced());
        for (min_side, n) in [(1024, 4), (500, 8), (2000, 2), (2100, 1)] {
            let d = decode_reduced(&bytes, min_side).unwrap();
            assert_eq!((d.width(), d.height()), (4200, 1000), "full size kept");
            assert_eq!((d.image.width(), d.image.height()), (4200u32.div_ceil(n), 1000u32.div_ceil(n)), "min_side {min_side}");
            assert_eq!(d.is_reduced(), n > 1);
            assert_eq!(d.format, ImageFormat::Jpeg);
            assert!(matches!(d.image, DynamicImage::ImageRgb8(_)));
            let diff = mean_abs_diff(&d.image, &full.image);
            assert!(diff < 1.5, "min_side {min_side}: mean difference to the full decode {diff}");
        }
    }

    #[test]
    fn small_jpegs_and_other_formats_decode_as_before() {
        let small = jpeg(&DynamicImage::ImageRgb8(picture(2048, 700)));
        let (a, b) = (decode(&small).unwrap(), decode_reduced(&small, 1024).unwrap());
        assert!(!b.is_reduced());
        assert_eq!(a.image.as_bytes(), b.image.as_bytes(), "same decoder, same pixels");
        let bytes = png(3000, 40);
        assert!(!decode_reduced(&bytes, 64).unwrap().is_reduced(), "only JPEGs are reduced");
    }

    #[test]
    fn orientation_is_applied_to_reduced_jpegs() {
        let bytes = jpeg(&DynamicImage::ImageRgb8(picture(500, 200)));
        for orientation in 1..=8 {
            let oriented = with_orientation(&bytes, orientation);
            let full = decode(&oriented).unwrap();
            let reduced = decode_reduced(&oriented, 64).unwrap(); // 4 x 64 < 500 <= 8 x 64: a quarter
            assert!(reduced.is_reduced());
            assert_eq!((reduced.width(), reduced.height()), (full.width(), full.height()), "orientation {orientation}");
            let turned = orientation >= 5;
            assert_eq!((reduced.width(), reduced.height()), if turned { (200, 500) } else { (500, 200) });
            let want = if turned { (50, 125) } else { (125, 50) };
            assert_eq!((reduced.image.width(), reduced.image.height()), want, "orientation {orientation}");
            let diff = mean_abs_diff(&reduced.image, &full.image);
            assert!(diff < 3.0, "orientation {orientation}: mean difference to the full decode {diff}");
        }
    }

    #[test]
    fn greyscale_jpegs_are_reduced_to_rgb_and_cmyk_ones_decoded_in_full() {
        let grey = DynamicImage::ImageLuma8(image::GrayImage::from_fn(600, 300, |x, y| image::Luma([((x + y) / 4) as u8])));
        let d = decode_reduced(&jpeg(&grey), 64).unwrap();
        assert_eq!((d.image.width(), d.image.height()), (75, 38)); // 600 > 8 x 64: an eighth
        let rgb = d.image.as_rgb8().expect("RGB");
        assert!(rgb.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
        // CMYK keeps the full decoder's colour conversion (96 x 64 > 8 x 8, yet not reduced).
        let cmyk = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/formats/cmyk.jpg")).unwrap();
        let (a, b) = (decode(&cmyk).unwrap(), decode_reduced(&cmyk, 8).unwrap());
        assert!(!b.is_reduced());
        assert_eq!(a.image.as_bytes(), b.image.as_bytes());
    }

    #[test]
    fn damaged_large_jpegs_error_as_before() {
        let bytes = jpeg(&DynamicImage::ImageRgb8(picture(3000, 2000)));
        // Cut: refused before either decoder runs.
        let cut = &bytes[..bytes.len() * 2 / 3];
        assert!(matches!(decode_reduced(cut, 1024), Err(DecodeError::Truncated("JPEG"))));
        // Cut but ending with an EOI marker: whatever the full decode says, no panic, full size.
        let mut patched = cut.to_vec();
        patched.extend([0xFF, 0xD9]);
        match (decode(&patched), decode_reduced(&patched, 1024)) {
            (Ok(a), Ok(b)) => assert_eq!((a.width(), a.height()), (b.width(), b.height())),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("full {:?} vs reduced {:?}", a.map(|_| ()), b.map(|_| ())),
        }
        // A header claiming more than the limits: the full path's error.
        let mut huge = bytes.clone();
        let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        huge[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]); // 65535 x 65535
        assert!(matches!(decode_reduced(&huge, 1024), Err(DecodeError::TooLarge { .. })));
    }

    #[test]
    fn truncated_png_is_corrupt() {
        let bytes = png(64, 64);
        assert!(matches!(decode(&bytes[..bytes.len() / 2]), Err(DecodeError::Corrupt { .. })));
    }
}
