//! HEIC/HEIF and AVIF through libheif (with libde265 for HEVC, dav1d or aom for AV1). The plan is
//! read from the file's `meta` box without libheif (streamed, so an import reserves its memory
//! before reading the file); libheif then decodes the primary image with its transformations (the
//! `irot` rotation and `imir` mirror a phone records) applied.

use std::io::{Read, Seek, SeekFrom};

use image::DynamicImage;

use super::{DecodeError, MAX_METADATA, Plan, check_size};

/// The largest picture an `ispe` (image spatial extent) property of the `meta` box declares: the
/// primary image (a grid's full size, not its tiles') is among them, thumbnails are smaller.
pub(super) fn plan<R: Read + Seek>(reader: &mut R, name: &'static str, len: u64) -> Result<Plan, DecodeError> {
    let io = |e: std::io::Error| DecodeError::Invalid { format: name, reason: e.to_string() };
    let mut pos = 0u64;
    while pos + 8 <= len {
        reader.seek(SeekFrom::Start(pos)).map_err(io)?;
        let mut head = [0u8; 16];
        reader.read_exact(&mut head[..8]).map_err(|_| DecodeError::Truncated(name))?;
        let size = u64::from(u32::from_be_bytes(head[..4].try_into().expect("4")));
        let kind: [u8; 4] = head[4..8].try_into().expect("4");
        let (size, header) = match size {
            0 => (len - pos, 8),
            1 => {
                reader.read_exact(&mut head[8..16]).map_err(|_| DecodeError::Truncated(name))?;
                (u64::from_be_bytes(head[8..16].try_into().expect("8")), 16)
            }
            s => (s, 8),
        };
        // `checked_add`: a 64-bit box size near 2^64 must not wrap round to a loop.
        let end = pos.checked_add(size).filter(|&end| size >= header && end <= len).ok_or(DecodeError::Truncated(name))?;
        if &kind == b"meta" {
            if size - header > MAX_METADATA {
                return Err(DecodeError::MetadataTooLarge(name));
            }
            let mut meta = vec![0; (size - header) as usize];
            reader.read_exact(&mut meta).map_err(|_| DecodeError::Truncated(name))?;
            let (width, height) = largest_extent(meta.get(4..).unwrap_or_default())
                .ok_or_else(|| DecodeError::Invalid { format: name, reason: "no image size (ispe) in its metadata".into() })?;
            check_size(width, height)?;
            // libheif's YCbCr planes (up to 16 bits, 4:4:4), its RGBA output, Kindred's copy.
            let pixels = u64::from(width) * u64::from(height);
            return Ok(Plan { width, height, need: pixels * (6 + 8 + 4) });
        }
        pos = end;
    }
    Err(DecodeError::Invalid { format: name, reason: "no metadata (meta box)".into() })
}

/// The largest `ispe` among the boxes nested in `boxes` (`iprp` holds `ipco`, which holds them).
fn largest_extent(mut boxes: &[u8]) -> Option<(u32, u32)> {
    let mut best: Option<(u32, u32)> = None;
    while boxes.len() >= 8 {
        let size = u32::from_be_bytes(boxes[..4].try_into().ok()?) as usize;
        if size < 8 || size > boxes.len() {
            break;
        }
        let (kind, body) = (&boxes[4..8], &boxes[8..size]);
        let found = match kind {
            b"iprp" | b"ipco" => largest_extent(body),
            b"ispe" if body.len() >= 12 => {
                let be = |i: usize| u32::from_be_bytes(body[i..i + 4].try_into().expect("4"));
                Some((be(4), be(8)))
            }
            _ => None,
        };
        if let Some((w, h)) = found
            && best.is_none_or(|(bw, bh)| u64::from(w) * u64::from(h) > u64::from(bw) * u64::from(bh))
        {
            best = Some((w, h));
        }
        boxes = &boxes[size..];
    }
    best
}

/// Decodes the primary image, oriented, to 8-bit RGB or RGBA.
#[cfg(feature = "heif")]
pub(super) fn decode(bytes: &[u8], name: &'static str, plan: Plan) -> Result<DynamicImage, DecodeError> {
    use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};
    let fail = |e: libheif_rs::HeifError| DecodeError::Invalid { format: name, reason: e.to_string() };
    let context = HeifContext::read_from_bytes(bytes).map_err(fail)?;
    let handle = context.primary_image_handle().map_err(fail)?;
    let (width, height) = (handle.width(), handle.height());
    check_size(width, height)?;
    if u64::from(width) * u64::from(height) > u64::from(plan.width) * u64::from(plan.height) {
        return Err(DecodeError::Invalid { format: name, reason: "the image is larger than its metadata says".into() });
    }
    let alpha = handle.has_alpha_channel();
    let chroma = if alpha { RgbChroma::Rgba } else { RgbChroma::Rgb };
    // libheif initialised once per process (its decoders are registered then), used by every thread.
    static LIBHEIF: std::sync::OnceLock<LibHeif> = std::sync::OnceLock::new();
    let image = LIBHEIF.get_or_init(LibHeif::new).decode(&handle, ColorSpace::Rgb(chroma), None).map_err(fail)?;
    let planes = image.planes();
    let plane = planes.interleaved.ok_or_else(|| DecodeError::Invalid { format: name, reason: "no interleaved RGB output".into() })?;
    let channels = if alpha { 4 } else { 3 };
    let (w, h) = (plane.width, plane.height);
    check_size(w, h)?;
    let row = w as usize * channels;
    let mut out = Vec::with_capacity(row * h as usize);
    for y in 0..h as usize {
        let start = y * plane.stride;
        out.extend_from_slice(plane.data.get(start..start + row).ok_or(DecodeError::Truncated(name))?);
    }
    Ok(if alpha {
        DynamicImage::ImageRgba8(image::RgbaImage::from_raw(w, h, out).expect("sized to the image"))
    } else {
        DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, out).expect("sized to the image"))
    })
}

/// Without the `heif` feature, HEIC and AVIF are formats this build does not read.
#[cfg(not(feature = "heif"))]
pub(super) fn decode(_: &[u8], name: &'static str, _: Plan) -> Result<DynamicImage, DecodeError> {
    Err(DecodeError::Unsupported { format: name, what: "in this build (without the `heif` feature)".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ISO box of `kind` holding `body`.
    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        [&((body.len() + 8) as u32).to_be_bytes()[..], kind, body].concat()
    }

    #[test]
    fn the_largest_extent_is_the_plan() {
        let ispe = |w: u32, h: u32| bx(b"ispe", &[&[0; 4][..], &w.to_be_bytes(), &h.to_be_bytes()].concat());
        let ipco = bx(b"ipco", &[ispe(160, 120), ispe(4032, 3024), ispe(512, 512)].concat());
        let meta = bx(b"meta", &[&[0u8; 4][..], &bx(b"hdlr", &[0; 20]), &bx(b"iprp", &ipco)].concat());
        let file = [bx(b"ftyp", b"heic\0\0\0\0mif1heic"), meta, bx(b"mdat", &[0; 64])].concat();
        let p = plan(&mut std::io::Cursor::new(&file), "heic", file.len() as u64).unwrap();
        assert_eq!((p.width, p.height), (4032, 3024));
        let huge =
            [bx(b"ftyp", b"heic"), bx(b"meta", &[&[0u8; 4][..], &bx(b"iprp", &bx(b"ipco", &ispe(40_000, 30_000)))].concat())].concat();
        assert!(matches!(plan(&mut std::io::Cursor::new(&huge), "heic", huge.len() as u64), Err(DecodeError::TooLarge { .. })));
        let cut = &file[..40]; // inside the meta box
        assert!(matches!(plan(&mut std::io::Cursor::new(cut), "heic", cut.len() as u64), Err(DecodeError::Truncated("heic"))));
    }
}
