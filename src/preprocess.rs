//! From decoded pixels to what the pipeline needs: the CNN inputs (the whole picture, and a crop
//! at close to the artwork's own scale for texture), the colour features and a JPEG thumbnail.
//! All resizing is SIMD convolution (`fast_image_resize`), matching PIL's antialiased bilinear
//! used when the model was exported.

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::DynamicImage;

use crate::colour::{self, ColourFeatures};
use crate::decode::{self, DecodeError, Decoded};

/// CNN input side in pixels (square).
pub const INPUT_SIDE: u32 = 224;
/// Length of one CNN input image: 3 x 224 x 224, CHW, values in [0, 1].
pub const IMAGE_LEN: usize = 3 * (INPUT_SIDE as usize) * (INPUT_SIDE as usize);
/// Length of one artwork's model input: the whole picture squashed to 224 x 224, then the
/// texture crop (`IMAGE_LEN` floats each).
pub const INPUT_LEN: usize = 2 * IMAGE_LEN;
/// The texture crop is the centre 224 x 224 of the picture fitted in this many pixels (long
/// side; smaller pictures are enlarged to a 224-pixel short side): brushwork, grain and dots
/// are seen near their own scale instead of squashed away.
pub const CROP_CONTEXT: u32 = 640;
/// Longest side of stored thumbnails.
pub const THUMB_SIDE: u32 = 192;
/// Side of the square the colour statistics are sampled on.
const COLOUR_SIDE: u32 = 96;
/// Images larger than this (longest side) are first reduced once; every output is then derived
/// from the reduced copy. It stays well above every output size, so quality is unaffected. Large
/// JPEGs are decoded reduced, but always to a long side above this ([`decode_for_prepare`]).
pub const WORKING_SIDE: u32 = 1024;

/// Everything derived from one image's pixels, ready for the model and the catalog.
pub struct Prepared {
    /// Oriented width of the original.
    pub width: u32,
    /// Oriented height of the original.
    pub height: u32,
    /// Model input, `INPUT_LEN` floats: whole picture, then texture crop.
    pub tensor: Vec<f32>,
    /// Colour histogram and palette.
    pub colour: ColourFeatures,
    /// Share of the pixels that are (mostly) transparent, measured before flattening.
    pub transparent: f32,
    /// JPEG thumbnail, longest side `THUMB_SIDE` (only when asked for: queries need none).
    pub thumbnail: Option<Vec<u8>>,
}

/// Decodes a file for [`prepare`]: JPEGs over twice `WORKING_SIDE` reduced in the DCT domain to a
/// long side still above it (see [`decode::decode_reduced`]), everything else in full.
pub fn decode_for_prepare(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    decode::decode_reduced(bytes, WORKING_SIDE)
}

/// Derives model input, colour features and (if `with_thumbnail`) a thumbnail from a decoded image.
pub fn prepare(decoded: Decoded, with_thumbnail: bool) -> Prepared {
    let (width, height) = (decoded.width(), decoded.height());
    let mut resizer = Resizer::new();
    let (pixels, has_alpha) = working_copy(&mut resizer, decoded.image, (width, height));
    let (w, h) = (pixels.width(), pixels.height());
    let transparent = if has_alpha { transparent_share(&pixels) } else { 0.0 };

    // Colour is measured on what the artist sees (transparency over white), so a transparent PNG
    // and a flattened copy of it have the same colours.
    let flat = if has_alpha { flatten_on_white(&pixels) } else { pixels };
    let colour_px = resize(&mut resizer, &flat, COLOUR_SIDE, COLOUR_SIDE);
    let colour = colour::features(colour_px.buffer());

    let input = resize(&mut resizer, &flat, INPUT_SIDE, INPUT_SIDE);
    let mut tensor = Vec::with_capacity(INPUT_LEN);
    to_chw(input.buffer(), &mut tensor);
    to_chw(texture_crop(&mut resizer, &flat).buffer(), &mut tensor);

    let thumbnail = with_thumbnail.then(|| {
        let (tw, th) = fit(w, h, THUMB_SIDE);
        encode_jpeg(resize(&mut resizer, &flat, tw, th).buffer(), tw, th)
    });
    Prepared { width, height, tensor, colour, transparent, thumbnail }
}

/// The image as a `fast_image_resize` buffer, reduced to `WORKING_SIDE` if larger. The reduced
/// size is computed from `full` (the picture's full-resolution size), so a picture decoded
/// reduced gets the same working size as a full decode.
fn working_copy(resizer: &mut Resizer, image: DynamicImage, full: (u32, u32)) -> (Image<'static>, bool) {
    let has_alpha = image.color().has_alpha();
    let (w, h) = (image.width(), image.height());
    let (buf, kind) = match image {
        DynamicImage::ImageRgba8(i) => (i.into_raw(), PixelType::U8x4),
        DynamicImage::ImageRgb8(i) => (i.into_raw(), PixelType::U8x3),
        other if has_alpha => (other.to_rgba8().into_raw(), PixelType::U8x4),
        other => (other.to_rgb8().into_raw(), PixelType::U8x3),
    };
    let pixels = Image::from_vec_u8(w, h, buf, kind).expect("buffer size matches dimensions");
    if w.max(h) <= WORKING_SIDE {
        return (pixels, has_alpha);
    }
    let (rw, rh) = fit(full.0, full.1, WORKING_SIDE);
    (resize(resizer, &pixels, rw, rh), has_alpha)
}

/// Share of an RGBA image's pixels with alpha below 250 (antialiased edges of a cut-out count a
/// little; a picture with a faint transparent corner is still a picture, see `QueryKind`).
fn transparent_share(rgba: &Image<'_>) -> f32 {
    let px = rgba.buffer();
    if rgba.pixel_type() != PixelType::U8x4 || px.is_empty() {
        return 0.0;
    }
    let clear = px.chunks_exact(4).filter(|p| p[3] < 250).count();
    clear as f32 / (px.len() / 4) as f32
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

/// The centre `INPUT_SIDE`² of the picture fitted in `CROP_CONTEXT`, as the model's reference
/// preprocessing does it (reduce, then cut). A picture whose fitted short side is under
/// `INPUT_SIDE` is enlarged to that short side instead; then the crop is cut and resampled in one
/// pass, so even a 1024 x 1 strip needs no large intermediate.
fn texture_crop(resizer: &mut Resizer, src: &Image<'_>) -> Image<'static> {
    let side = INPUT_SIDE;
    let (w, h) = (src.width(), src.height());
    let (fw, fh) = fit(w, h, CROP_CONTEXT);
    if fw.min(fh) >= side {
        let fitted = ((fw, fh) != (w, h)).then(|| resize(resizer, src, fw, fh));
        let src = fitted.as_ref().unwrap_or(src);
        return cut(resizer, src, f64::from((fw - side) / 2), f64::from((fh - side) / 2), 1.0, 1.0);
    }
    let s = f64::from(side) / f64::from(fw.min(fh));
    let (tw, th) = (((f64::from(fw) * s).round() as u32).max(side), ((f64::from(fh) * s).round() as u32).max(side));
    let (sx, sy) = (f64::from(w) / f64::from(tw), f64::from(h) / f64::from(th));
    cut(resizer, src, f64::from((tw - side) / 2) * sx, f64::from((th - side) / 2) * sy, sx, sy)
}

/// `INPUT_SIDE`² pixels from `src`, starting at (`left`, `top`), each covering `sx` x `sy` source
/// pixels (clamped to the image against rounding).
fn cut(resizer: &mut Resizer, src: &Image<'_>, left: f64, top: f64, sx: f64, sy: f64) -> Image<'static> {
    let side = f64::from(INPUT_SIDE);
    let width = (side * sx).min(f64::from(src.width()) - left);
    let height = (side * sy).min(f64::from(src.height()) - top);
    let mut dst = Image::new(INPUT_SIDE, INPUT_SIDE, src.pixel_type());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear)).crop(left, top, width, height);
    resizer.resize(src, &mut dst, &options).expect("same pixel type, crop inside the image");
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

/// Appends interleaved RGB bytes to `out` as planar CHW floats in [0, 1].
fn to_chw(rgb: &[u8], out: &mut Vec<f32>) {
    let plane = rgb.len() / 3;
    let start = out.len();
    out.resize(start + rgb.len(), 0.0);
    let out = &mut out[start..];
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * plane + i] = f32::from(px[c]) / 255.0;
        }
    }
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
        let decoded = Decoded::new(DynamicImage::ImageRgba8(img), crate::decode::Format::Png);
        let p = prepare(decoded, true);
        assert_eq!(p.tensor.len(), INPUT_LEN);
        assert!(p.tensor.iter().all(|&v| (v - 1.0).abs() < 1e-6));
        assert_eq!((p.width, p.height), (300, 200));
        assert!(image::load_from_memory(&p.thumbnail.unwrap()).is_ok());
    }

    /// Pixel (x, y) of channel c of the texture crop in a prepared tensor.
    fn crop_px(p: &Prepared, c: usize, x: usize, y: usize) -> f32 {
        let side = INPUT_SIDE as usize;
        p.tensor[IMAGE_LEN + c * side * side + y * side + x]
    }

    #[test]
    fn texture_crop_is_the_centre_at_native_scale() {
        // 400 x 300 fits in 640: the crop is a plain copy of the centre (x 88.., y 38..).
        let img = image::RgbImage::from_fn(400, 300, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 7]));
        let decoded = Decoded::new(DynamicImage::ImageRgb8(img), crate::decode::Format::Png);
        let p = prepare(decoded, false);
        assert_eq!(p.tensor.len(), INPUT_LEN);
        for (x, y) in [(0, 0), (10, 200), (223, 223)] {
            assert_eq!(crop_px(&p, 0, x, y), ((88 + x) % 256) as f32 / 255.0);
            assert_eq!(crop_px(&p, 1, x, y), ((38 + y) % 256) as f32 / 255.0);
        }
    }

    #[test]
    fn reduced_jpeg_prepares_like_the_full_decode() {
        // 3000 x 2000 JPEG: decoded at half size (1500 x 1000, above WORKING_SIDE), so the working
        // copy, thumbnail and model views have the same sizes as from the full decode.
        let img = image::RgbImage::from_fn(3000, 2000, |x, y| {
            let grain = ((x * 7 + y * 13) % 5) as u8;
            image::Rgb([(x / 12) as u8 + grain, (y / 8) as u8, ((x + y) / 20) as u8])
        });
        let mut bytes = Vec::new();
        DynamicImage::ImageRgb8(img).write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)).unwrap();
        let decoded = decode_for_prepare(&bytes).unwrap();
        assert_eq!((decoded.image.width(), decoded.image.height()), (1500, 1000));
        let reduced = prepare(decoded, true);
        let full = prepare(decode::decode(&bytes).unwrap(), true);
        assert_eq!((reduced.width, reduced.height), (3000, 2000), "the catalogue keeps the full size");
        let dims = |p: &Prepared| image::load_from_memory(p.thumbnail.as_ref().unwrap()).unwrap().to_rgb8().dimensions();
        assert_eq!(dims(&reduced), dims(&full));
        assert_eq!(dims(&reduced), (192, 128));
        let diff = reduced.tensor.iter().zip(&full.tensor).map(|(a, b)| (a - b).abs()).sum::<f32>() / INPUT_LEN as f32;
        assert!(diff < 1.0 / 255.0, "mean model-input difference {diff}");
        let (a, b) = (&reduced.colour.histogram, &full.colour.histogram);
        let cos = a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()
            / (a.iter().map(|x| x * x).sum::<f32>().sqrt() * b.iter().map(|x| x * x).sum::<f32>().sqrt());
        assert!(cos > 0.999, "colour histogram cosine {cos}");
    }

    #[test]
    fn texture_crop_of_extreme_shapes_is_well_formed() {
        let sides = [1, 2, 3, 100, 223, 224, 225, 357, 639, 640, 641, 1000, 1023, 1024, 1025, 5000];
        let sizes = sides.iter().flat_map(|&w| sides.iter().map(move |&h| (w, h)));
        for (w, h) in sizes.filter(|&(w, h)| u64::from(w) * u64::from(h) <= 5_000_000) {
            let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 100, 50]));
            let decoded = Decoded::new(DynamicImage::ImageRgb8(img), crate::decode::Format::Png);
            let p = prepare(decoded, false);
            assert_eq!(p.tensor.len(), INPUT_LEN, "{w}x{h}");
            let red = crop_px(&p, 0, 112, 112);
            assert!((red - 200.0 / 255.0).abs() < 2.0 / 255.0, "{w}x{h}: {red}");
        }
    }
}
