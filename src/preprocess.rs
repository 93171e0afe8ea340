//! From decoded pixels to what the pipeline needs: the CNN input tensor, the colour features and
//! a JPEG thumbnail. All resizing is SIMD convolution
//! (`fast_image_resize`), matching PIL's antialiased bilinear used when the model was exported.

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::DynamicImage;

use crate::colour::{self, ColourFeatures};
use crate::decode::Decoded;

/// CNN input side in pixels (square).
pub const INPUT_SIDE: u32 = 224;
/// Length of one image's CNN input: 3 x 224 x 224, CHW, values in [0, 1].
pub const INPUT_LEN: usize = 3 * (INPUT_SIDE as usize) * (INPUT_SIDE as usize);
/// Longest side of stored thumbnails.
pub const THUMB_SIDE: u32 = 192;
/// Side of the square the colour statistics are sampled on.
const COLOUR_SIDE: u32 = 96;
/// Images larger than this (longest side) are first reduced once; every output is then derived
/// from the reduced copy. It stays well above every output size, so quality is unaffected.
const WORKING_SIDE: u32 = 1024;

/// Everything derived from one image's pixels, ready for the model and the catalog.
pub struct Prepared {
    /// Oriented width of the original.
    pub width: u32,
    /// Oriented height of the original.
    pub height: u32,
    /// CNN input, `INPUT_LEN` floats.
    pub tensor: Vec<f32>,
    /// Colour histogram and palette.
    pub colour: ColourFeatures,
    /// JPEG thumbnail, longest side `THUMB_SIDE` (only when asked for: queries need none).
    pub thumbnail: Option<Vec<u8>>,
}

/// Derives model input, colour features and (if `with_thumbnail`) a thumbnail from a decoded image.
pub fn prepare(decoded: Decoded, with_thumbnail: bool) -> Prepared {
    let (width, height) = (decoded.width(), decoded.height());
    let mut resizer = Resizer::new();
    let (pixels, has_alpha) = working_copy(&mut resizer, decoded.image);
    let (w, h) = (pixels.width(), pixels.height());

    // Colour is measured on what the artist sees (transparency over white), so a transparent PNG
    // and a flattened copy of it have the same colours.
    let flat = if has_alpha { flatten_on_white(&pixels) } else { pixels };
    let colour_px = resize(&mut resizer, &flat, COLOUR_SIDE, COLOUR_SIDE);
    let colour = colour::features(colour_px.buffer());

    let input = resize(&mut resizer, &flat, INPUT_SIDE, INPUT_SIDE);
    let tensor = to_chw(input.buffer());

    let thumbnail = with_thumbnail.then(|| {
        let (tw, th) = fit(w, h, THUMB_SIDE);
        encode_jpeg(resize(&mut resizer, &flat, tw, th).buffer(), tw, th)
    });
    Prepared { width, height, tensor, colour, thumbnail }
}

/// The image as a `fast_image_resize` buffer, reduced to `WORKING_SIDE` if larger.
fn working_copy(resizer: &mut Resizer, image: DynamicImage) -> (Image<'static>, bool) {
    let has_alpha = image.color().has_alpha();
    let (w, h) = (image.width(), image.height());
    let (buf, kind) = match image {
        DynamicImage::ImageRgba8(i) => (i.into_raw(), PixelType::U8x4),
        DynamicImage::ImageRgb8(i) => (i.into_raw(), PixelType::U8x3),
        other if has_alpha => (other.to_rgba8().into_raw(), PixelType::U8x4),
        other => (other.to_rgb8().into_raw(), PixelType::U8x3),
    };
    let full = Image::from_vec_u8(w, h, buf, kind).expect("buffer size matches dimensions");
    if w.max(h) <= WORKING_SIDE {
        return (full, has_alpha);
    }
    let (rw, rh) = fit(w, h, WORKING_SIDE);
    (resize(resizer, &full, rw, rh), has_alpha)
}

/// Dimensions scaled so the longest side is at most `side` (never upscaled, never zero).
pub fn fit(w: u32, h: u32, side: u32) -> (u32, u32) {
    let scale = (side as f64 / w.max(h) as f64).min(1.0);
    (((w as f64 * scale).round() as u32).max(1), ((h as f64 * scale).round() as u32).max(1))
}

fn resize(resizer: &mut Resizer, src: &Image<'_>, w: u32, h: u32) -> Image<'static> {
    let mut dst = Image::new(w, h, src.pixel_type());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    resizer.resize(src, &mut dst, &options).expect("same pixel type, non-empty images");
    dst
}

/// Composites RGBA over opaque white, as the model's reference preprocessing does.
fn flatten_on_white(src: &Image<'_>) -> Image<'static> {
    let rgba = src.buffer();
    let mut rgb = vec![0u8; rgba.len() / 4 * 3];
    for (out, p) in rgb.chunks_exact_mut(3).zip(rgba.chunks_exact(4)) {
        let a = u32::from(p[3]);
        let white = 255 * (255 - a) + 127;
        for c in 0..3 {
            out[c] = ((u32::from(p[c]) * a + white) / 255) as u8;
        }
    }
    Image::from_vec_u8(src.width(), src.height(), rgb, PixelType::U8x3).expect("size matches")
}

/// Interleaved RGB bytes to planar CHW floats in [0, 1].
fn to_chw(rgb: &[u8]) -> Vec<f32> {
    let plane = rgb.len() / 3;
    let mut out = vec![0.0f32; rgb.len()];
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * plane + i] = f32::from(px[c]) / 255.0;
        }
    }
    out
}

fn encode_jpeg(rgb: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 * 1024);
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82);
    enc.encode(rgb, w, h, image::ExtendedColorType::Rgb8).expect("in-memory JPEG encoding cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_aspect_and_never_upscales() {
        assert_eq!(fit(2000, 1000, 192), (192, 96));
        assert_eq!(fit(100, 50, 192), (100, 50));
        assert_eq!(fit(10_000, 1, 192), (192, 1));
    }

    #[test]
    fn transparent_pixels_become_white_for_the_model() {
        let img = image::RgbaImage::from_pixel(300, 200, image::Rgba([0, 0, 0, 0]));
        let decoded = Decoded { image: DynamicImage::ImageRgba8(img), format: image::ImageFormat::Png };
        let p = prepare(decoded, true);
        assert_eq!(p.tensor.len(), INPUT_LEN);
        assert!(p.tensor.iter().all(|&v| (v - 1.0).abs() < 1e-6));
        assert_eq!((p.width, p.height), (300, 200));
        assert!(image::load_from_memory(&p.thumbnail.unwrap()).is_ok());
    }
}
