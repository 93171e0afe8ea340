//! Decoding image files into pixels: format sniffed from content, explicit memory limits enforced
//! before allocation, EXIF orientation applied, alpha kept for the colour features. JPEGs far
//! larger than a consumer needs can be decoded reduced in the DCT domain ([`decode_reduced`]).
//! Every caller (import, thumbnails, the lightbox, queries) goes through [`decode`] or
//! [`decode_reduced`], so each reads every [`Format`]: the `image` crate's rasters here, the
//! artists' containers in the submodules.

mod archive;
mod format;
mod heif;
mod jxl;
mod psd;
mod vector;

pub use format::{Format, SNIFF_LEN, is_image_extension};

use std::fs::File;
use std::io::{BufRead, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// Largest accepted width or height; headers claiming more are refused before any allocation.
pub const MAX_SIDE: u32 = 16_384;
/// The most one image may take to decode: its file's bytes, the decoded pixels and the copies made
/// on the way (conversion to 8-bit RGB(A), rotation), estimated from the header before anything is
/// allocated ([`probe`]). It is also the budget all import workers share (`import.rs`): together
/// they never hold more than this for the files they decode, whatever the files say.
pub const MAX_ALLOC: u64 = 640 * 1024 * 1024;
/// Largest accepted picture, in pixels (8-bit RGBA of it fills [`MAX_ALLOC`]).
pub const MAX_PIXELS: u64 = MAX_ALLOC / 4;
/// Most a decoder may allocate for metadata (colour profiles, text, EXIF) while reading a header.
pub const MAX_METADATA: u64 = 64 * 1024 * 1024;
/// Largest image file Kindred reads, imported or as a query: a larger file is refused from its
/// size, before a byte of it is read.
pub const MAX_FILE: u64 = 256 * 1024 * 1024;

/// The limit an image exceeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Width or height over [`MAX_SIDE`].
    Side,
    /// More than [`MAX_PIXELS`] pixels.
    Pixels,
    /// Decoding would hold more than [`MAX_ALLOC`] bytes; `need` is the estimate.
    Memory {
        /// Bytes the decode would hold at its peak (the file included).
        need: u64,
    },
}

impl Limit {
    /// The limit in the user's words, for a `width` x `height` picture.
    fn explain(self, width: u32, height: u32) -> String {
        match self {
            Limit::Side => format!("limit {MAX_SIDE} px per side"),
            Limit::Pixels => format!(
                "{} million pixels, limit {} million pixels",
                u64::from(width) * u64::from(height) / 1_000_000,
                MAX_PIXELS / 1_000_000
            ),
            Limit::Memory { need } => {
                format!("decoding it needs {} MiB of memory, limit {} MiB", (need + (1 << 19)) >> 20, MAX_ALLOC >> 20)
            }
        }
    }
}

/// Why a file could not become pixels. Recorded per file; never fatal to an import.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file is empty.
    #[error("empty file")]
    Empty,
    /// The content is not an image in a supported format, whatever its name says.
    #[error("not a supported image (content is not {})", supported_list())]
    NotAnImage,
    /// The path is not a regular file (a FIFO, a device, a socket): never read, it may never end.
    #[error("not a regular file ({0}); Kindred reads images from regular files only")]
    NotAFile(&'static str),
    /// The file is larger than [`MAX_FILE`]: refused from its size, before reading.
    #[error("file too large ({} MiB; Kindred reads image files up to {} MiB)", size.div_ceil(1 << 20), MAX_FILE >> 20)]
    FileTooLarge {
        /// The file's size in bytes.
        size: u64,
    },
    /// The header promises more than the limits allow (decompression bomb guard); says which limit.
    #[error("image too large ({width}x{height}; {})", limit.explain(*width, *height))]
    TooLarge {
        /// Claimed width.
        width: u32,
        /// Claimed height.
        height: u32,
        /// The limit exceeded.
        limit: Limit,
    },
    /// The header's metadata (colour profile, text, EXIF) needs more than [`MAX_METADATA`].
    #[error("{0} metadata too large (colour profile, text or EXIF over {mib} MiB)", mib = MAX_METADATA >> 20)]
    MetadataTooLarge(&'static str),
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
    /// A decoder outside the `image` crate failed: corrupt data, a length that lies.
    #[error("cannot decode {format}: {reason}")]
    Invalid {
        /// Sniffed format name.
        format: &'static str,
        /// What is wrong, in the decoder's words.
        reason: String,
    },
    /// A variant of a supported format that Kindred does not read (a PSD in Lab colour).
    #[error("{format} {what} is not supported")]
    Unsupported {
        /// Sniffed format name.
        format: &'static str,
        /// The variant.
        what: String,
    },
    /// A layered document saved without the flattened picture Kindred reads.
    #[error("{format} has no merged image: {reason}")]
    NoComposite {
        /// Sniffed format name.
        format: &'static str,
        /// Why, and what the artist can do about it.
        reason: &'static str,
    },
    /// The decoder failed: truncated or corrupt data, unsupported variant.
    #[error("cannot decode {format}: {source}")]
    Corrupt {
        /// Sniffed format name.
        format: &'static str,
        /// Decoder error.
        source: image::ImageError,
    },
}

/// Why [`open_file`] or [`read_file`] failed: the operating system (worth retrying later), or the
/// file itself (not a regular file, too large: final).
#[derive(Debug)]
pub enum ReadError {
    /// An I/O error.
    Io(std::io::Error),
    /// The path is refused without reading it.
    Refused(DecodeError),
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// What kind of non-regular file `t` is, in the user's words.
fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        } else if t.is_char_device() || t.is_block_device() {
            return "a device";
        } else if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() { "a folder" } else { "not a plain file" }
}

/// Opens an image file for reading: a regular file. A FIFO, a device or a socket is refused
/// before it is opened (opening a FIFO blocks until a writer comes; `/dev/zero` never ends).
/// Returns the file and its length (the caller checks it against [`MAX_FILE`]).
pub fn open_file(path: &Path) -> Result<(File, u64), ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::Refused(DecodeError::NotAFile(kind_of(meta.file_type()))));
    }
    let file = File::open(path)?;
    // Checked again on the open file: the path may have been replaced in between.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::Refused(DecodeError::NotAFile(kind_of(meta.file_type()))));
    }
    Ok((file, meta.len()))
}

/// Reads the rest of `file` (opened by [`open_file`]), never more than [`MAX_FILE`] bytes in all
/// (a file that grew past it is refused); `bytes` holds what was read before.
pub fn read_rest(file: &mut File, len: u64, mut bytes: Vec<u8>) -> Result<Vec<u8>, ReadError> {
    let done = bytes.len() as u64;
    bytes.reserve(usize::try_from(len.saturating_sub(done)).unwrap_or(0));
    file.take(MAX_FILE + 1 - done.min(MAX_FILE)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(ReadError::Refused(DecodeError::FileTooLarge { size: bytes.len() as u64 }));
    }
    Ok(bytes)
}

/// Reads a whole image file: a regular file of at most [`MAX_FILE`] bytes ([`open_file`]).
pub fn read_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    let (mut file, len) = open_file(path)?;
    if len > MAX_FILE {
        return Err(ReadError::Refused(DecodeError::FileTooLarge { size: len }));
    }
    read_rest(&mut file, len, Vec::new())
}

/// A decoded, correctly oriented image: at full resolution from [`decode`], possibly reduced from
/// [`decode_reduced`].
pub struct Decoded {
    /// Pixels, 8-bit RGB or RGBA (higher bit depths are reduced).
    pub image: DynamicImage,
    /// Sniffed container format.
    pub format: Format,
    /// Oriented size of the picture at full resolution (`image` may be smaller).
    full_size: (u32, u32),
}

impl Decoded {
    /// A full-resolution decoded image.
    pub fn new(image: DynamicImage, format: Format) -> Self {
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

/// The names of the formats this build reads (`kindred info`).
pub fn supported_names() -> Vec<&'static str> {
    Format::ALL.iter().filter(|f| f.available()).map(|f| f.name()).collect()
}

/// [`supported_names`] as one line, for messages.
pub fn supported_list() -> String {
    supported_names().join(", ")
}

/// Sniffs the format from the first bytes of a file (up to [`SNIFF_LEN`] of them).
pub fn sniff(bytes: &[u8]) -> Result<Format, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    format::recognise(bytes).ok_or(DecodeError::NotAnImage)
}

/// What decoding an image will take, read from its header before any pixel is allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Width in the header.
    pub width: u32,
    /// Height in the header.
    pub height: u32,
    /// Bytes the decode holds at its peak, the file's own bytes not included: the decoded pixels
    /// and the copies made on the way (conversion to 8-bit RGB(A), a quarter turn, a GIF frame).
    pub need: u64,
}

/// Checks a header's size against the side and pixel limits.
fn check_size(width: u32, height: u32) -> Result<(), DecodeError> {
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(DecodeError::TooLarge { width, height, limit: Limit::Side });
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(DecodeError::TooLarge { width, height, limit: Limit::Pixels });
    }
    if width == 0 || height == 0 {
        // Found by the `decode` fuzz target: a GIF of 8x0 decoded to an empty image.
        return Err(DecodeError::NoPixels { width, height });
    }
    Ok(())
}

/// Whether applying `o` makes a rotated copy (quarter turns; flips and half turns are in place).
fn turns(o: Orientation) -> bool {
    matches!(o, Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH)
}

/// Reads the header of an image of sniffed `format`, `len` bytes long, from `reader` (the file
/// itself, or its bytes), and checks it against every limit before anything is decoded: sides,
/// pixels, and memory (the file's `len` bytes plus [`Plan::need`] at most [`MAX_ALLOC`]). A JPEG
/// must also be complete (end marker near its end). Reading the header allocates at most
/// [`MAX_METADATA`] for the metadata before the pixels (a PNG with a colour-profile bomb is
/// refused here), and reads no pixel data.
pub fn probe<R: BufRead + Seek>(mut reader: R, format: Format, len: u64) -> Result<Plan, DecodeError> {
    let name = format.name();
    let io = |e: std::io::Error| DecodeError::Invalid { format: name, reason: e.to_string() };
    let plan = match format {
        Format::Psd => {
            let mut head = Vec::with_capacity(26);
            (&mut reader).take(26).read_to_end(&mut head).map_err(io)?;
            psd::plan(&head)?
        }
        Format::Krita | Format::OpenRaster => archive::plan(&mut reader, name, len)?,
        Format::Svg => vector::plan(len),
        Format::Heif | Format::Avif => heif::plan(&mut reader, name, len)?,
        Format::JpegXl => jxl::plan(&mut reader)?,
        _ => return probe_raster(reader, format, len),
    };
    within_memory(plan, len)
}

/// `plan` if a file of `len` bytes and it fit in [`MAX_ALLOC`] together.
fn within_memory(plan: Plan, len: u64) -> Result<Plan, DecodeError> {
    let need = len.saturating_add(plan.need);
    if need > MAX_ALLOC {
        return Err(DecodeError::TooLarge { width: plan.width, height: plan.height, limit: Limit::Memory { need } });
    }
    Ok(plan)
}

/// [`probe`] for the formats the `image` crate decodes.
fn probe_raster<R: BufRead + Seek>(mut reader: R, kind: Format, len: u64) -> Result<Plan, DecodeError> {
    let format = kind.raster().expect("a raster format");
    let corrupt = |source| DecodeError::Corrupt { format: kind.name(), source };
    let io = |e: std::io::Error| DecodeError::Corrupt { format: kind.name(), source: image::ImageError::IoError(e) };
    let memory = |plan: Plan| within_memory(plan, len);
    // PNG and GIF say their size in their first bytes: checked before any decoder reads further
    // (a header-only bomb is refused for its size, not for its missing pixels).
    let mut head = Vec::with_capacity(32);
    (&mut reader).take(32).read_to_end(&mut head).map_err(io)?;
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    if let Some(plan) = header_plan(format, &head)? {
        memory(plan)?;
    }
    let mut plan = None;
    if format == ImageFormat::Jpeg {
        // JPEG decoders fill missing scan data with grey rather than failing: check explicitly.
        reader.seek(SeekFrom::Start(len.saturating_sub(4096))).map_err(io)?;
        let mut tail = Vec::with_capacity(4096);
        (&mut reader).take(4096).read_to_end(&mut tail).map_err(io)?;
        reader.seek(SeekFrom::Start(0)).map_err(io)?;
        // An end marker near the end, or (phone "motion photos": a video after the JPEG) one
        // reached by walking the JPEG's markers from the start, streamed, keeping nothing.
        if !tail.windows(2).any(|w| w == [0xFF, 0xD9]) && !jpeg_structure_ends(&mut (&mut reader).take(len)).map_err(io)? {
            return Err(DecodeError::Truncated("JPEG"));
        }
        reader.seek(SeekFrom::Start(0)).map_err(io)?;
        plan = probe_jpeg(&mut reader)?;
        reader.seek(SeekFrom::Start(0)).map_err(io)?;
    }
    let plan = match plan {
        Some(plan) => plan,
        None => {
            match generic_plan(&mut reader, format)? {
                Ok(plan) => plan,
                Err(image::ImageError::Limits(_)) => {
                    // Over a side, or metadata over its limit. PNG's and GIF's sides were checked
                    // above; the other formats' headers are small: read the size without limits.
                    if !matches!(format, ImageFormat::Png | ImageFormat::Gif) {
                        reader.seek(SeekFrom::Start(0)).map_err(io)?;
                        let (width, height) = ImageReader::with_format(&mut reader, format).into_dimensions().map_err(corrupt)?;
                        check_size(width, height)?;
                    }
                    return Err(DecodeError::MetadataTooLarge(kind.name()));
                }
                Err(e) => return Err(corrupt(e)),
            }
        }
    };
    memory(plan)
}

/// The plan from `image`'s decoder of `format`, reading the header (and the metadata before the
/// pixels, at most [`MAX_METADATA`] of it); the decoder's own error when it fails.
fn generic_plan<R: BufRead + Seek>(reader: &mut R, format: ImageFormat) -> Result<Result<Plan, image::ImageError>, DecodeError> {
    let mut image_reader = ImageReader::with_format(reader, format);
    let mut limits = Limits::no_limits();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_METADATA);
    image_reader.limits(limits);
    let mut decoder = match image_reader.into_decoder() {
        Ok(decoder) => decoder,
        Err(e) => return Ok(Err(e)),
    };
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    let pixels = u64::from(width) * u64::from(height);
    let decoded = decoder.total_bytes();
    let converted = if matches!(decoder.color_type(), ColorType::Rgb8 | ColorType::Rgba8) { 0 } else { pixels * 4 };
    let turned = if decoder.orientation().is_ok_and(turns) { decoded } else { 0 };
    // A GIF's first frame is decoded into its own buffer, then placed on the screen.
    let frame = if format == ImageFormat::Gif { decoded } else { 0 };
    Ok(Ok(Plan { width, height, need: decoded + converted + turned + frame }))
}

/// The plan a PNG's IHDR or a GIF's screen descriptor implies (before orientation, which only a
/// decoder reads), its size checked; `None` for other formats.
fn header_plan(format: ImageFormat, head: &[u8]) -> Result<Option<Plan>, DecodeError> {
    let be = |i: usize| u32::from_be_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    let (width, height, need_per_pixel) = match format {
        ImageFormat::Png if head.len() >= 26 && &head[12..16] == b"IHDR" => {
            let (depth, colour) = (head[24], head[25]);
            // What `image` decodes to (palettes expanded, possibly with alpha), and an 8-bit
            // RGB(A) copy unless that is what it decoded to.
            let samples: u64 = match colour {
                0 => 1,
                2 => 3,
                4 => 2,
                _ => 4,
            };
            let decoded = samples * if depth == 16 { 2 } else { 1 };
            let copy = if depth == 8 && matches!(colour, 2 | 6) { 0 } else { 4 };
            (be(16), be(20), decoded + copy)
        }
        // The screen, and the first frame's own buffer.
        ImageFormat::Gif if head.len() >= 10 => {
            let le = |i: usize| u32::from(u16::from_le_bytes([head[i], head[i + 1]]));
            (le(6), le(8), 8)
        }
        _ => return Ok(None),
    };
    check_size(width, height)?;
    Ok(Some(Plan { width, height, need: u64::from(width) * u64::from(height) * need_per_pixel }))
}

/// A JPEG's plan from its header (`jpeg-decoder` reads headers without the scan data); `None`
/// when that decoder cannot read it (the generic path then asks `image`'s decoder).
fn probe_jpeg<R: Read>(reader: R) -> Result<Option<Plan>, DecodeError> {
    use jpeg_decoder::PixelFormat;
    let mut decoder = jpeg_decoder::Decoder::new(reader);
    if decoder.read_info().is_err() {
        return Ok(None);
    }
    let Some(info) = decoder.info() else { return Ok(None) };
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_size(width, height)?;
    let pixels = u64::from(width) * u64::from(height);
    // `image` decodes to 8-bit RGB (CMYK converted; through a 4-byte buffer), or grey then RGB.
    let decoded = match info.pixel_format {
        PixelFormat::L8 | PixelFormat::L16 => pixels * 4,
        PixelFormat::RGB24 => pixels * 3,
        PixelFormat::CMYK32 => pixels * 7,
    };
    let orientation = decoder.exif_data().and_then(Orientation::from_exif_chunk).unwrap_or(Orientation::NoTransforms);
    let turned = if turns(orientation) { pixels * 3 } else { 0 };
    Ok(Some(Plan { width, height, need: decoded + turned }))
}

/// Decodes an in-memory file. GIF and other animations yield their first frame. Every limit is
/// checked from the header first ([`probe`]); the decoders may then allocate no more than planned
/// (plus [`MAX_METADATA`]).
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let format = sniff(bytes)?;
    let plan = probe(Cursor::new(bytes), format, bytes.len() as u64)?;
    decode_planned(bytes, format, plan, vector::FULL_SIDE)
}

/// Decodes `bytes` of `format` whose header passed [`probe`] with `plan`; an SVG is rendered with
/// its long side [`vector::render_side`]`(min_side)`.
fn decode_planned(bytes: &[u8], format: Format, plan: Plan, min_side: u32) -> Result<Decoded, DecodeError> {
    let image = match format {
        Format::Psd => psd::decode(bytes)?,
        Format::Krita | Format::OpenRaster => {
            let png = archive::merged_png(bytes, format.name())?;
            if sniff(&png).ok() != Some(Format::Png) {
                return Err(DecodeError::Invalid { format: format.name(), reason: "its merged image is not a PNG".into() });
            }
            let inner = probe(Cursor::new(&png), Format::Png, png.len() as u64)?;
            decode_raster(&png, Format::Png, inner)?.image
        }
        Format::Svg => {
            let (image, own_size) = vector::render(bytes, vector::render_side(min_side))?;
            return Ok(Decoded { image, format, full_size: own_size });
        }
        Format::Heif | Format::Avif => heif::decode(bytes, format.name(), plan)?,
        Format::JpegXl => jxl::decode(bytes, plan)?,
        _ => return decode_raster(bytes, format, plan),
    };
    Ok(Decoded::new(eight_bit(image), format))
}

/// `image` as 8-bit RGB, or RGBA if it has alpha.
fn eight_bit(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// Decodes a format the `image` crate reads.
fn decode_raster(bytes: &[u8], kind: Format, plan: Plan) -> Result<Decoded, DecodeError> {
    let format = kind.raster().expect("a raster format");
    let corrupt = |source| DecodeError::Corrupt { format: kind.name(), source };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(plan.need + MAX_METADATA);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    debug_assert_eq!((width, height), (plan.width, plan.height), "the decoder read the header the probe read");
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    Ok(Decoded::new(eight_bit(image), kind))
}

/// Decodes an in-memory file for a consumer that needs at most `min_side` pixels on the long side.
/// A JPEG whose long side exceeds twice `min_side` is decoded reduced by 2, 4 or 8 in the DCT
/// domain (the largest factor that keeps the decoded long side above `min_side`), several times
/// faster than a full decode; `width()`/`height()` still give the full size. Everything else, and
/// any JPEG the reduced decoder does not handle (CMYK, lossless, 12-bit, damaged data), is decoded
/// as [`decode`] does, with the same errors. The limits are those of [`decode`] (the full decode
/// may run), checked from the header first.
pub fn decode_reduced(bytes: &[u8], min_side: u32) -> Result<Decoded, DecodeError> {
    let format = sniff(bytes)?;
    let plan = probe(Cursor::new(bytes), format, bytes.len() as u64)?;
    if format == Format::Jpeg
        && let Some(decoded) = decode_jpeg_reduced(bytes, min_side)
    {
        return Ok(decoded);
    }
    decode_planned(bytes, format, plan, min_side)
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
    Some(Decoded { image, format: Format::Jpeg, full_size })
}

/// The next byte of `r`, or `None` at its end.
fn next_byte(r: &mut impl BufRead) -> std::io::Result<Option<u8>> {
    let b = r.fill_buf()?.first().copied();
    if b.is_some() {
        r.consume(1);
    }
    Ok(b)
}

/// Whether walking the JPEG's markers from SOI reaches EOI before the data runs out.
fn jpeg_structure_ends(r: &mut impl BufRead) -> std::io::Result<bool> {
    if next_byte(r)? != Some(0xFF) || next_byte(r)? != Some(0xD8) {
        return Ok(false);
    }
    let mut after_ff = false;
    while let Some(b) = next_byte(r)? {
        if !after_ff {
            after_ff = b == 0xFF; // entropy-coded data until a marker
            continue;
        }
        match b {
            0xD9 => return Ok(true),
            // Fill byte; stuffed zero and restart markers inside entropy-coded data; TEM.
            0xFF => {}
            0x00 | 0x01 | 0xD0..=0xD7 => after_ff = false,
            // Any other marker has a segment: a big-endian length that counts itself.
            _ => {
                let (Some(hi), Some(lo)) = (next_byte(r)?, next_byte(r)?) else { return Ok(false) };
                let len = u64::from(u16::from_be_bytes([hi, lo]));
                if len < 2 || std::io::copy(&mut r.by_ref().take(len - 2), &mut std::io::sink())? < len - 2 {
                    return Ok(false);
                }
                after_ff = false;
            }
        }
    }
    Ok(false)
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
            assert_eq!(d.format, Format::Jpeg);
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

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A PNG that is only a header claiming `w` x `h` pixels of `depth` bits and `colour` type.
    fn png_header(w: u32, h: u32, depth: u8, colour: u8) -> Vec<u8> {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend(w.to_be_bytes());
        ihdr.extend(h.to_be_bytes());
        ihdr.extend([depth, colour, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend(13u32.to_be_bytes());
        out.extend(&ihdr);
        out.extend(crc32(&ihdr).to_be_bytes());
        out.extend(0u32.to_be_bytes());
        out.extend(b"IEND");
        out.extend(crc32(b"IEND").to_be_bytes());
        out
    }

    /// Issue "look closer": a 16000x14464 picture was refused with "limit 16384 px per side".
    #[test]
    fn too_large_names_the_limit_that_was_exceeded() {
        let message = |bytes: Vec<u8>| decode(&bytes).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            message(png_header(16_000, 14_464, 8, 6)),
            "image too large (16000x14464; 231 million pixels, limit 167 million pixels)"
        );
        assert_eq!(message(png_header(20_000, 100, 8, 6)), "image too large (20000x100; limit 16384 px per side)");
        // Within both, but 16-bit RGBA (8 bytes a pixel, then an 8-bit copy): the memory limit.
        let deep = message(png_header(12_000, 9_000, 16, 6));
        assert!(deep.starts_with("image too large (12000x9000; decoding it needs 1236 MiB of memory, limit 640 MiB)"), "{deep}");
        // The same picture in 8-bit RGB is within every limit: the header passes, the (absent)
        // pixel data is what fails.
        assert!(message(png_header(12_000, 9_000, 8, 2)).contains("IDAT or fdAT chunk is missing"));
    }

    /// A 35-byte GIF whose logical screen is `w` x `h`, with one 1x1 frame.
    fn screen_gif(w: u16, h: u16) -> Vec<u8> {
        let mut b = b"GIF89a".to_vec();
        b.extend(w.to_le_bytes());
        b.extend(h.to_le_bytes());
        b.extend([0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, b';']);
        b
    }

    /// A 35-byte GIF claiming a 16384x10000 screen took 1.3 GB to decode: refused from its header.
    #[test]
    fn a_huge_gif_screen_is_refused_before_allocation() {
        let e = decode(&screen_gif(16_384, 10_000)).err().expect("refused");
        assert!(matches!(e, DecodeError::TooLarge { limit: Limit::Memory { .. }, .. }), "{e:?}");
        assert_eq!(e.to_string(), "image too large (16384x10000; decoding it needs 1250 MiB of memory, limit 640 MiB)");
        let small = decode(&screen_gif(300, 200)).unwrap();
        assert_eq!((small.width(), small.height()), (300, 200));
        let plan = probe(Cursor::new(screen_gif(300, 200)), Format::Gif, 35).unwrap();
        assert_eq!(plan.need, 300 * 200 * 4 * 2, "the screen and the frame buffer");
    }

    #[test]
    fn a_fifo_or_a_device_is_refused_without_being_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.png");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        for (path, kind) in [(fifo.as_path(), "a FIFO"), (Path::new("/dev/zero"), "a device"), (dir.path(), "a folder")] {
            match read_file(path) {
                Err(ReadError::Refused(e)) => {
                    assert_eq!(e.to_string(), format!("not a regular file ({kind}); Kindred reads images from regular files only"))
                }
                other => panic!("{}: {:?}", path.display(), other.map(|b| b.len())),
            }
        }
        let big = dir.path().join("big.jpg");
        std::fs::File::create(&big).unwrap().set_len(MAX_FILE + 1).unwrap();
        assert!(matches!(read_file(&big), Err(ReadError::Refused(DecodeError::FileTooLarge { size })) if size == MAX_FILE + 1));
    }

    #[test]
    fn truncated_png_is_corrupt() {
        let bytes = png(64, 64);
        assert!(matches!(decode(&bytes[..bytes.len() / 2]), Err(DecodeError::Corrupt { .. })));
    }
}
