//! Thumbnails on a thread of their own, through a second, read-only catalog connection
//! ([`Catalog::open_reader`]): the grid and the map fill in while the worker imports or rescans
//! for minutes. Where that connection cannot be had (a library still being created, read-only
//! media) the request goes to the worker, which answers it between its jobs as before.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use eframe::egui;

use super::{Command, Event, Jobs, ThumbKey, ThumbRequest, one_line, preview};
use crate::catalog::{self, Catalog};

/// How long after a failed attempt the read-only connection is tried again (a library being
/// created has no catalog yet; on read-only media it never opens).
const RETRY_READER: Duration = Duration::from_secs(2);

/// Answers thumbnail requests until `keys` closes or the app is `closing`.
pub(super) fn serve(
    catalog: PathBuf,
    keys: Receiver<ThumbRequest>,
    events: Sender<Event>,
    ctx: Arc<OnceLock<egui::Context>>,
    worker: Sender<Command>,
    jobs: &Jobs,
) {
    let mut reader: Option<Catalog> = None;
    // When the reader cannot be opened, tried again at most every RETRY_READER (not on every
    // thumbnail of a scrolling grid).
    let mut failed_at: Option<Instant> = None;
    for (key, epoch) in keys {
        // Closing: the requests still queued are for a window that is gone.
        if jobs.is_closing() {
            return;
        }
        if matches!(key, ThumbKey::Artwork(_)) && reader.is_none() {
            if failed_at.is_none_or(|t| t.elapsed() >= RETRY_READER) {
                reader = Catalog::open_reader(&catalog).ok();
                failed_at = reader.is_none().then(Instant::now);
            }
            if reader.is_none() {
                let _ = worker.send(Command::LoadThumbnail { key, epoch });
                continue;
            }
        }
        let _ = events.send(thumbnail(reader.as_ref(), key, epoch));
        if let Some(ctx) = ctx.get() {
            ctx.request_repaint();
        }
    }
}

/// The thumbnail of `key` as an event: the catalog's JPEG decoded, or a preview of a file; a gray
/// pixel when it cannot be had (an event keeps the UI from asking again forever). It carries the
/// request's `epoch`: read before an import changed it, the cache drops it.
pub(super) fn thumbnail(catalog: Option<&Catalog>, key: ThumbKey, epoch: u64) -> Event {
    let decoded = match &key {
        ThumbKey::Artwork(id) => match catalog.map(|c| c.thumbnail(*id)) {
            Some(Ok(Some(jpeg))) => catalog::decode_thumbnail(&jpeg).map_err(|e| one_line(&e)),
            Some(Ok(None)) | None => Err("no thumbnail".to_string()),
            Some(Err(e)) => Err(one_line(&e)),
        },
        ThumbKey::File(p) => preview(p)
            .map(|preview| image::RgbaImage::from_raw(preview.size[0] as u32, preview.size[1] as u32, preview.rgba).expect("sized buffer")),
    };
    match decoded {
        Ok(rgba) => {
            let size = [rgba.width() as usize, rgba.height() as usize];
            Event::Thumbnail { key, epoch: Some(epoch), size, rgba: rgba.into_raw() }
        }
        Err(_) => Event::Thumbnail { key, epoch: Some(epoch), size: [1, 1], rgba: vec![128, 128, 128, 255] },
    }
}
