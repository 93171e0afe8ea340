//! JPEG XL through jxl-oxide (pure Rust). The header is read from the first bytes (streamed, for
//! the plan); the decoder then runs under an allocation tracker capped at the plan, and renders
//! the first frame with the file's orientation applied, in the file's own colour encoding (as
//! the other formats, Kindred reads the samples and applies no colour profile).

use std::io::Read;

use image::{DynamicImage, GrayAlphaImage, GrayImage, RgbImage, RgbaImage};
use jxl_oxide::{AllocTracker, InitializeResult, JxlImage, PixelFormat};

use super::{DecodeError, MAX_METADATA, Plan, check_size};

const NAME: &str = "jxl";

fn invalid(e: impl std::fmt::Display) -> DecodeError {
    DecodeError::Invalid { format: NAME, reason: e.to_string() }
}

/// The plan from the image header, read at most [`MAX_METADATA`] bytes into the file (an embedded
/// colour profile comes before the pixels): jxl-oxide's 32-bit float planes, two of each channel
/// (decoded and rendered), then the 8-bit copy.
pub(super) fn plan<R: Read>(reader: R) -> Result<Plan, DecodeError> {
    let mut reader = reader.take(MAX_METADATA);
    let mut uninit = JxlImage::builder().build_uninit();
    let mut buf = vec![0u8; 16 * 1024];
    let mut valid = 0;
    let image = loop {
        let n = reader.read(&mut buf[valid..]).map_err(invalid)?;
        if n == 0 {
            return Err(DecodeError::Truncated("JPEG XL"));
        }
        valid += n;
        let consumed = uninit.feed_bytes(&buf[..valid]).map_err(invalid)?;
        buf.copy_within(consumed..valid, 0);
        valid -= consumed;
        match uninit.try_init().map_err(invalid)? {
            InitializeResult::NeedMoreData(more) => uninit = more,
            InitializeResult::Initialized(image) => break image,
        }
    };
    let (width, height) = (image.width(), image.height());
    check_size(width, height)?;
    let channels = image.pixel_format().channels() as u64 + image.image_header().metadata.ec_info.len() as u64;
    let pixels = u64::from(width) * u64::from(height);
    Ok(Plan { width, height, need: pixels * (channels * 8 + 4) })
}

/// Decodes the first frame, oriented, to 8-bit grey, RGB or their alpha variants (then RGB(A)).
pub(super) fn decode(bytes: &[u8], plan: Plan) -> Result<DynamicImage, DecodeError> {
    let tracker = AllocTracker::with_limit(usize::try_from(plan.need + MAX_METADATA).unwrap_or(usize::MAX));
    let image = JxlImage::builder().alloc_tracker(tracker).read(bytes).map_err(invalid)?;
    let (width, height) = (image.width(), image.height());
    check_size(width, height)?;
    if matches!(image.pixel_format(), PixelFormat::Cmyk | PixelFormat::Cmyka) {
        return Err(DecodeError::Unsupported { format: NAME, what: "CMYK image".into() });
    }
    if image.num_loaded_keyframes() == 0 {
        return Err(DecodeError::Truncated("JPEG XL"));
    }
    let render = image.render_frame(0).map_err(invalid)?;
    let mut stream = render.stream();
    let (w, h, channels) = (stream.width(), stream.height(), stream.channels());
    let mut samples = vec![0u8; w as usize * h as usize * channels as usize];
    stream.write_to_buffer(&mut samples);
    let broken = || invalid("rendered image does not match its size");
    Ok(match channels {
        1 => DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, samples).ok_or_else(broken)?),
        2 => DynamicImage::ImageLumaA8(GrayAlphaImage::from_raw(w, h, samples).ok_or_else(broken)?),
        3 => DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, samples).ok_or_else(broken)?),
        4 => DynamicImage::ImageRgba8(RgbaImage::from_raw(w, h, samples).ok_or_else(broken)?),
        n => return Err(invalid(format!("{n} channels"))),
    })
}
