//! Krita (`.kra`) and OpenRaster (`.ora`) documents: zip archives that store the flattened picture
//! as `mergedimage.png` beside their layers. Only that entry is read, by its exact name, into
//! memory (nothing is extracted, so names like `../x` lead nowhere), and only after the archive's
//! directory and the entry's sizes pass the checks below; a document without it is refused with
//! that reason (the small `Thumbnails/thumbnail.png` is not used in its place: it would be
//! searched as if it were the picture).

use std::io::{Cursor, Read, Seek, SeekFrom};

use image::ImageFormat;
use zip::ZipArchive;

use super::{DecodeError, MAX_FILE, MAX_METADATA, Plan, header_plan};

/// The entry both formats store the flattened picture in.
pub const MERGED: &str = "mergedimage.png";
/// Most entries an archive may list (a zip's own limit without the zip64 extension): its directory
/// is held in memory while the merged image is found.
const MAX_ENTRIES: u64 = 65_535;
/// Highest inflation ratio accepted for the merged image. A PNG is compressed already, so it
/// barely shrinks in a zip; deflate at most reaches about 1,000:1 on data made to be a bomb.
const MAX_RATIO: u64 = 50;

fn invalid(name: &'static str, reason: impl Into<String>) -> DecodeError {
    DecodeError::Invalid { format: name, reason: reason.into() }
}

/// Checks the end-of-directory record before the zip crate reads the directory: at most
/// [`MAX_ENTRIES`] entries in at most [`MAX_METADATA`] bytes, no zip64 (no Krita or OpenRaster
/// document within [`MAX_FILE`] needs it).
fn check_directory<R: Read + Seek>(reader: &mut R, len: u64, name: &'static str) -> Result<(), DecodeError> {
    let io = |e: std::io::Error| invalid(name, e.to_string());
    let tail_len = len.min(22 + 65_535);
    reader.seek(SeekFrom::Start(len - tail_len)).map_err(io)?;
    let mut tail = Vec::with_capacity(tail_len as usize);
    reader.by_ref().take(tail_len).read_to_end(&mut tail).map_err(io)?;
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    let end = tail.windows(4).rposition(|w| w == b"PK\x05\x06").ok_or(DecodeError::Truncated(name))?;
    let record = tail.get(end..end + 22).ok_or(DecodeError::Truncated(name))?;
    let entries = u64::from(u16::from_le_bytes([record[10], record[11]]));
    let size = u64::from(u32::from_le_bytes([record[12], record[13], record[14], record[15]]));
    if entries == 0xFFFF || size == 0xFFFF_FFFF {
        return Err(DecodeError::Unsupported { format: name, what: "zip64 archive".into() });
    }
    if entries > MAX_ENTRIES || size > MAX_METADATA {
        return Err(invalid(name, format!("its zip directory lists {entries} entries in {size} bytes")));
    }
    Ok(())
}

/// The merged image's entry, its sizes checked: at most [`MAX_FILE`] once inflated, and no more
/// than [`MAX_RATIO`] times its compressed size (a zip bomb).
fn merged<'a, R: Read + Seek>(archive: &'a mut ZipArchive<R>, name: &'static str) -> Result<zip::read::ZipFile<'a, R>, DecodeError> {
    let entry = archive.by_name(MERGED).map_err(|_| DecodeError::NoComposite {
        format: name,
        reason: "it stores no merged image (mergedimage.png); re-save it from Krita or the painting program",
    })?;
    let (size, packed) = (entry.size(), entry.compressed_size());
    if size > MAX_FILE {
        return Err(invalid(name, format!("its merged image claims {} MiB once inflated, limit {} MiB", size >> 20, MAX_FILE >> 20)));
    }
    if size > packed.saturating_mul(MAX_RATIO) + 4096 {
        return Err(invalid(name, format!("its merged image inflates {} times (a zip bomb)", size / packed.max(1))));
    }
    Ok(entry)
}

/// The plan: the inflated merged PNG, plus what decoding that PNG takes (from its header).
pub(super) fn plan<R: Read + Seek>(mut reader: R, name: &'static str, len: u64) -> Result<Plan, DecodeError> {
    check_directory(&mut reader, len, name)?;
    let mut archive = ZipArchive::new(reader).map_err(|e| invalid(name, e.to_string()))?;
    let mut entry = merged(&mut archive, name)?;
    let size = entry.size();
    let mut head = Vec::with_capacity(32);
    entry.by_ref().take(32).read_to_end(&mut head).map_err(|e| invalid(name, e.to_string()))?;
    let png = header_plan(ImageFormat::Png, &head)?.ok_or_else(|| invalid(name, "its merged image is not a PNG"))?;
    Ok(Plan { width: png.width, height: png.height, need: size + png.need })
}

/// The merged PNG's bytes, inflated (never more than its entry declares, itself checked).
pub(super) fn merged_png(bytes: &[u8], name: &'static str) -> Result<Vec<u8>, DecodeError> {
    let mut reader = Cursor::new(bytes);
    check_directory(&mut reader, bytes.len() as u64, name)?;
    let mut archive = ZipArchive::new(reader).map_err(|e| invalid(name, e.to_string()))?;
    let entry = merged(&mut archive, name)?;
    let size = entry.size();
    let mut png = Vec::with_capacity(size.min(bytes.len() as u64 * MAX_RATIO) as usize);
    // The zip crate checks the CRC at the end; the `take` stops an entry that lies about its size.
    entry.take(size + 1).read_to_end(&mut png).map_err(|e| invalid(name, format!("its merged image: {e}")))?;
    if png.len() as u64 != size {
        return Err(invalid(name, "its merged image is not the size its entry says"));
    }
    Ok(png)
}
