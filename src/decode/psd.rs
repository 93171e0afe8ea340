//! Photoshop PSD and PSB: the merged composite Photoshop stores after the layers ("Maximize
//! Compatibility"), so no layer is composited here. Read: bitmap, greyscale, duotone (as its grey),
//! indexed, RGB and CMYK, at 1, 8, 16 or 32 bits, raw or RLE; the composite's transparency when the
//! file says it has one. Refused with a reason: Lab and multichannel modes, ZIP-compressed
//! composites, and files saved without a composite. A small own reader rather than a crate: the
//! merged image is a few well-documented sections, and every length in them is checked here
//! against the file before it is used.

use image::{DynamicImage, RgbImage, RgbaImage};

use super::{DecodeError, Plan, check_size};

const NAME: &str = "psd";

/// Image resource "version info", whose fifth byte says whether the composite is real.
const VERSION_INFO: u16 = 0x0421;

/// The colour mode of the file, as far as Kindred reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Bitmap,
    Grey,
    Indexed,
    Rgb,
    Cmyk,
}

impl Mode {
    /// Channels that carry colour, before any alpha.
    fn colour_channels(self) -> usize {
        match self {
            Mode::Rgb => 3,
            Mode::Cmyk => 4,
            _ => 1,
        }
    }
}

/// The fixed 26-byte file header.
struct Header {
    /// PSB ("large document format"): 64-bit section lengths and 32-bit RLE row counts.
    big: bool,
    channels: usize,
    width: u32,
    height: u32,
    depth: u16,
    mode: Mode,
}

fn invalid(reason: impl Into<String>) -> DecodeError {
    DecodeError::Invalid { format: NAME, reason: reason.into() }
}

fn header(bytes: &[u8]) -> Result<Header, DecodeError> {
    let h = bytes.get(..26).ok_or(DecodeError::Truncated("PSD"))?;
    let be16 = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    let be32 = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let big = match be16(4) {
        1 => false,
        2 => true,
        v => return Err(invalid(format!("unknown version {v}"))),
    };
    let channels = usize::from(be16(12));
    let (height, width, depth) = (be32(14), be32(18), be16(22));
    let mode = match be16(24) {
        0 => Mode::Bitmap,
        1 | 8 => Mode::Grey, // duotone: the data is the grey the inks are printed from
        2 => Mode::Indexed,
        3 => Mode::Rgb,
        4 => Mode::Cmyk,
        7 => return Err(DecodeError::Unsupported { format: NAME, what: "multichannel colour mode".into() }),
        9 => return Err(DecodeError::Unsupported { format: NAME, what: "Lab colour mode".into() }),
        m => return Err(invalid(format!("unknown colour mode {m}"))),
    };
    let depth_ok = match mode {
        Mode::Bitmap => depth == 1,
        Mode::Indexed => depth == 8,
        _ => matches!(depth, 8 | 16 | 32),
    };
    if !depth_ok {
        return Err(invalid(format!("{depth} bits per channel in this colour mode")));
    }
    if !(1..=56).contains(&channels) || channels < mode.colour_channels() {
        return Err(invalid(format!("{channels} channels")));
    }
    Ok(Header { big, channels, width, height, depth, mode })
}

/// The plan from the header: one 8-bit plane per channel read (colour and alpha), then RGBA.
pub(super) fn plan(head: &[u8]) -> Result<Plan, DecodeError> {
    let h = header(head)?;
    check_size(h.width, h.height)?;
    let pixels = u64::from(h.width) * u64::from(h.height);
    let planes = (h.mode.colour_channels() + 1).min(h.channels) as u64;
    Ok(Plan { width: h.width, height: h.height, need: pixels * (planes + 4) })
}

/// A cursor over the file that refuses to read past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> Result<&'a [u8], DecodeError> {
        let end = usize::try_from(n).ok().and_then(|n| self.pos.checked_add(n)).filter(|&end| end <= self.bytes.len());
        let end = end.ok_or(DecodeError::Truncated("PSD"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.take(2)?.try_into().expect("2 bytes")))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    /// A section preceded by its length (4 bytes, or 8 in a PSB where `wide`).
    fn section(&mut self, wide: bool) -> Result<&'a [u8], DecodeError> {
        let len = if wide { self.u64()? } else { u64::from(self.u32()?) };
        self.take(len)
    }
}

/// Whether the image resources say the composite is real: Photoshop writes a blank one when
/// "Maximize Compatibility" is off, and says so in the version info resource.
fn has_real_composite(resources: &[u8]) -> Result<bool, DecodeError> {
    let mut r = Reader { bytes: resources, pos: 0 };
    while r.pos + 12 <= resources.len() {
        r.take(4)?; // signature, "8BIM"
        let id = r.u16()?;
        let name_len = u64::from(r.take(1)?[0]);
        r.take(((name_len + 2) & !1) - 1)?; // the rest of the Pascal name: with its length byte, even
        let size = u64::from(r.u32()?);
        let data = r.take(size)?;
        r.take(size & 1).ok(); // padding; the last resource may go without
        if id == VERSION_INFO && data.len() >= 5 {
            return Ok(data[4] != 0);
        }
    }
    Ok(true)
}

/// Whether the layer section says the composite's first extra channel is its transparency (a
/// negative layer count).
fn composite_has_alpha(layers: &[u8], big: bool) -> bool {
    let mut r = Reader { bytes: layers, pos: 0 };
    let info = if big { r.u64().ok() } else { r.u32().ok().map(u64::from) };
    info.is_some_and(|len| len >= 2) && r.u16().is_ok_and(|count| (count as i16) < 0)
}

/// Unpacks one PackBits row into exactly `out.len()` bytes.
fn unpack_row(mut src: &[u8], out: &mut [u8]) -> Result<(), DecodeError> {
    let mut filled = 0;
    let broken = || invalid("an RLE row does not match the image width");
    while filled < out.len() {
        let (&n, rest) = src.split_first().ok_or_else(broken)?;
        src = rest;
        match n {
            0..=127 => {
                let n = usize::from(n) + 1;
                if src.len() < n || filled + n > out.len() {
                    return Err(broken());
                }
                out[filled..filled + n].copy_from_slice(&src[..n]);
                src = &src[n..];
                filled += n;
            }
            128 => {}
            _ => {
                let n = 257 - usize::from(n);
                let (&value, rest) = src.split_first().ok_or_else(broken)?;
                src = rest;
                if filled + n > out.len() {
                    return Err(broken());
                }
                out[filled..filled + n].fill(value);
                filled += n;
            }
        }
    }
    Ok(())
}

/// Converts one channel's rows of `depth`-bit samples to 8 bits per pixel.
fn to_8bit(row: &[u8], depth: u16, width: usize, out: &mut Vec<u8>) {
    match depth {
        1 => out.extend((0..width).map(|x| if row[x / 8] & (0x80 >> (x % 8)) != 0 { 0 } else { 255 })),
        8 => out.extend_from_slice(&row[..width]),
        16 => out
            .extend(row.chunks_exact(2).take(width).map(|s| ((u32::from(u16::from_be_bytes([s[0], s[1]])) * 255 + 32_767) / 65_535) as u8)),
        _ => out.extend(row.chunks_exact(4).take(width).map(|s| linear_to_srgb(f32::from_be_bytes([s[0], s[1], s[2], s[3]])))),
    }
}

/// A 32-bit document's linear-light sample as an 8-bit sRGB one.
fn linear_to_srgb(v: f32) -> u8 {
    let v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
    let s = if v <= 0.003_130_8 { v * 12.92 } else { 1.055 * v.powf(1.0 / 2.4) - 0.055 };
    (s * 255.0 + 0.5) as u8
}

/// Decodes the merged composite of a PSD or PSB file.
pub(super) fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let h = header(bytes)?;
    check_size(h.width, h.height)?;
    let mut r = Reader { bytes, pos: 26 };
    let colour_data = r.section(false)?;
    let resources = r.section(false)?;
    if !has_real_composite(resources)? {
        return Err(DecodeError::NoComposite {
            format: NAME,
            reason: "saved without \"Maximize Compatibility\"; re-save it with that option on",
        });
    }
    let layers = r.section(h.big)?;
    let alpha = h.channels > h.mode.colour_channels() && composite_has_alpha(layers, h.big);
    let wanted = h.mode.colour_channels() + usize::from(alpha);
    let (width, height) = (h.width as usize, h.height as usize);
    let row_len = (width * usize::from(h.depth)).div_ceil(8);
    let mut planes: Vec<Vec<u8>> = Vec::with_capacity(wanted);
    match r.u16()? {
        0 => {
            for _ in 0..wanted {
                let data = r.take((row_len * height) as u64)?;
                let mut plane = Vec::with_capacity(width * height);
                data.chunks_exact(row_len).for_each(|row| to_8bit(row, h.depth, width, &mut plane));
                planes.push(plane);
            }
        }
        1 => {
            let count_len = if h.big { 4 } else { 2 };
            let counts = r.take((h.channels * height * count_len) as u64)?;
            let row_bytes: Vec<u64> = counts
                .chunks_exact(count_len)
                .map(|c| {
                    if h.big {
                        u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    } else {
                        u64::from(u16::from_be_bytes([c[0], c[1]]))
                    }
                })
                .collect();
            let mut row = vec![0u8; row_len];
            for channel in 0..wanted {
                let mut plane = Vec::with_capacity(width * height);
                for &n in &row_bytes[channel * height..(channel + 1) * height] {
                    unpack_row(r.take(n)?, &mut row)?;
                    to_8bit(&row, h.depth, width, &mut plane);
                }
                planes.push(plane);
            }
        }
        2 | 3 => return Err(DecodeError::Unsupported { format: NAME, what: "ZIP-compressed merged image".into() }),
        c => return Err(invalid(format!("unknown compression {c}"))),
    }
    compose(&h, &planes, colour_data, alpha)
}

/// Interleaves the 8-bit planes into RGB or RGBA.
fn compose(h: &Header, planes: &[Vec<u8>], colour_data: &[u8], alpha: bool) -> Result<DynamicImage, DecodeError> {
    let pixels = h.width as usize * h.height as usize;
    if h.mode == Mode::Indexed && colour_data.len() < 768 {
        return Err(invalid("indexed colour without its palette"));
    }
    let rgb = |i: usize| -> [u8; 3] {
        match h.mode {
            Mode::Bitmap | Mode::Grey => [planes[0][i]; 3],
            Mode::Indexed => {
                let p = usize::from(planes[0][i]);
                [colour_data[p], colour_data[256 + p], colour_data[512 + p]]
            }
            Mode::Rgb => [planes[0][i], planes[1][i], planes[2][i]],
            // Stored inverted (255 is no ink): a plain conversion without a colour profile.
            Mode::Cmyk => {
                let k = u32::from(planes[3][i]);
                [0, 1, 2].map(|c| (u32::from(planes[c][i]) * k / 255) as u8)
            }
        }
    };
    let (w, h_) = (h.width, h.height);
    if alpha {
        let a = &planes[h.mode.colour_channels()];
        let mut out = Vec::with_capacity(pixels * 4);
        for (i, &alpha) in a.iter().enumerate().take(pixels) {
            out.extend(rgb(i));
            out.push(alpha);
        }
        Ok(DynamicImage::ImageRgba8(RgbaImage::from_raw(w, h_, out).expect("sized to the image")))
    } else {
        let mut out = Vec::with_capacity(pixels * 3);
        (0..pixels).for_each(|i| out.extend(rgb(i)));
        Ok(DynamicImage::ImageRgb8(RgbImage::from_raw(w, h_, out).expect("sized to the image")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PSD: `mode`, `depth`, the given resources and layer section, raw planes.
    pub(crate) fn psd(width: u32, height: u32, mode: u16, depth: u16, planes: &[Vec<u8>], resources: &[u8], layers: &[u8]) -> Vec<u8> {
        let mut b = b"8BPS\0\x01\0\0\0\0\0\0".to_vec();
        b.extend((planes.len() as u16).to_be_bytes());
        b.extend(height.to_be_bytes());
        b.extend(width.to_be_bytes());
        b.extend(depth.to_be_bytes());
        b.extend(mode.to_be_bytes());
        b.extend(0u32.to_be_bytes());
        b.extend((resources.len() as u32).to_be_bytes());
        b.extend(resources);
        b.extend((layers.len() as u32).to_be_bytes());
        b.extend(layers);
        b.extend(0u16.to_be_bytes());
        planes.iter().for_each(|p| b.extend(p));
        b
    }

    #[test]
    fn raw_rgb_with_merged_alpha() {
        let planes = [vec![255, 0], vec![0, 255], vec![0, 0], vec![255, 128]];
        let layers = [0, 0, 0, 2, 0xFF, 0xFF]; // layer info of 2 bytes: a count of -1
        let img = decode(&psd(2, 1, 3, 8, &planes, &[], &layers)).unwrap().to_rgba8();
        assert_eq!(img.as_raw(), &[255, 0, 0, 255, 0, 255, 0, 128]);
        // The same planes with no negative count: the fourth channel is a saved selection.
        let img = decode(&psd(2, 1, 3, 8, &planes, &[], &[])).unwrap();
        assert!(!img.color().has_alpha());
    }

    #[test]
    fn sixteen_bit_grey_and_cmyk() {
        let grey = decode(&psd(2, 1, 1, 16, &[vec![0xFF, 0xFF, 0x80, 0x00]], &[], &[])).unwrap().to_rgb8();
        assert_eq!(grey.as_raw(), &[255, 255, 255, 128, 128, 128]);
        // Stored inverted: cyan ink at full (0) and no other ink (255) is cyan.
        let cmyk = decode(&psd(1, 1, 4, 8, &[vec![0], vec![255], vec![255], vec![255]], &[], &[])).unwrap().to_rgb8();
        assert_eq!(cmyk.as_raw(), &[0, 255, 255]);
    }

    #[test]
    fn rle_rows_are_unpacked_and_checked() {
        let mut out = [0u8; 5];
        unpack_row(&[0xFE, 7, 1, 8, 9], &mut out).unwrap(); // three 7s, then the literals 8 and 9
        assert_eq!(out, [7, 7, 7, 8, 9]);
        assert!(unpack_row(&[0xFE, 7], &mut [0u8; 2]).is_err(), "a run longer than the row");
        assert!(unpack_row(&[4, 1, 2], &mut out).is_err(), "literals missing");
    }

    #[test]
    fn a_file_without_a_real_composite_says_so() {
        let mut resources = b"8BIM\x04\x21\0\0".to_vec();
        resources.extend(5u32.to_be_bytes());
        resources.extend([0, 0, 0, 1, 0, 0]); // version 1, hasRealMergedData = 0, padding
        let e = decode(&psd(1, 1, 3, 8, &[vec![1], vec![2], vec![3]], &resources, &[])).err().unwrap();
        assert!(e.to_string().contains("Maximize Compatibility"), "{e}");
    }

    #[test]
    fn lying_lengths_are_truncation_not_panics() {
        let full = psd(4, 4, 3, 8, &[vec![9; 16], vec![9; 16], vec![9; 16]], &[], &[]);
        for cut in [10, 26, 30, 40, full.len() - 1] {
            assert!(decode(&full[..cut]).is_err(), "cut at {cut}");
        }
        let mut lying = full.clone();
        lying[30..34].copy_from_slice(&u32::MAX.to_be_bytes()); // resources "4 GiB long"
        assert!(matches!(decode(&lying), Err(DecodeError::Truncated("PSD"))));
        let lab = psd(1, 1, 9, 8, &[vec![1], vec![2], vec![3]], &[], &[]);
        assert_eq!(decode(&lab).err().unwrap().to_string(), "psd Lab colour mode is not supported");
    }
}
