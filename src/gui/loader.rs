//! The image loader: a thread of its own that decodes artworks at viewing size for the lightbox, the
//! detail panel's large preview and "Copy image", off the UI thread and beside the worker (which
//! may be busy importing for minutes). Only the newest request of each purpose is decoded: stepping
//! quickly through the lightbox never queues up stale decodes.

use eframe::egui;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::decode;

/// What a decoded image is for; one pending request per purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// The lightbox: reduced to fit the screen, never to the thumbnail.
    Lightbox,
    /// The detail panel's large preview.
    Preview,
    /// "Copy image": the full pixels for the clipboard.
    Copy,
}

/// A decode request.
#[derive(Debug)]
pub struct Request {
    /// Identifies the answer (answers to older tokens are dropped by the UI).
    pub token: u64,
    /// The image file.
    pub path: PathBuf,
    /// Longest side wanted; larger images are reduced to it (JPEGs in the DCT domain first).
    pub max_side: u32,
    /// What it is for.
    pub purpose: Purpose,
}

/// A decoded image, or why not.
#[derive(Debug)]
pub struct Loaded {
    /// Token of the request.
    pub token: u64,
    /// What it was for.
    pub purpose: Purpose,
    /// The file.
    pub path: PathBuf,
    /// The pixels, or a one-line reason.
    pub image: Result<LoadedImage, String>,
}

/// Pixels of a decoded image.
#[derive(Debug)]
pub struct LoadedImage {
    /// RGBA pixels, unmultiplied, `size[0] * size[1] * 4` bytes.
    pub rgba: Vec<u8>,
    /// Width and height of `rgba`.
    pub size: [usize; 2],
    /// Pixel size of the file itself.
    pub original: [u32; 2],
}

/// The UI side of the loader thread.
pub struct Loader {
    requests: Option<Sender<Request>>,
    answers: Receiver<Loaded>,
    ctx: Arc<OnceLock<egui::Context>>,
    thread: Option<JoinHandle<()>>,
}

impl Loader {
    /// Starts the loader thread.
    pub fn spawn() -> Self {
        let (requests, request_rx) = unbounded::<Request>();
        let (answer_tx, answers) = unbounded();
        let ctx: Arc<OnceLock<egui::Context>> = Arc::new(OnceLock::new());
        let wake = ctx.clone();
        let thread = std::thread::Builder::new()
            .name("kindred-loader".into())
            .spawn(move || {
                while let Ok(first) = request_rx.recv() {
                    // Of the requests waiting, only the newest of each purpose matters.
                    let mut batch: Vec<Request> = std::iter::once(first).chain(request_rx.try_iter()).collect();
                    let mut seen = Vec::new();
                    batch.reverse();
                    batch.retain(|r| {
                        let fresh = !seen.contains(&r.purpose);
                        seen.push(r.purpose);
                        fresh
                    });
                    batch.reverse();
                    for r in batch {
                        let image = load(&r.path, r.max_side);
                        let _ = answer_tx.send(Loaded { token: r.token, purpose: r.purpose, path: r.path, image });
                        if let Some(ctx) = wake.get() {
                            ctx.request_repaint();
                        }
                    }
                }
            })
            .expect("spawn the loader thread");
        Self { requests: Some(requests), answers, ctx, thread: Some(thread) }
    }

    /// Gives the loader the context to wake the UI with (first frame).
    pub fn set_context(&self, ctx: &egui::Context) {
        let _ = self.ctx.set(ctx.clone());
    }

    /// Asks for a decode.
    pub fn send(&self, request: Request) {
        if let Some(tx) = &self.requests {
            let _ = tx.send(request);
        }
    }

    /// Answers received so far, without waiting.
    pub fn poll(&self) -> impl Iterator<Item = Loaded> + '_ {
        self.answers.try_iter()
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        self.requests = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Decodes `path` with its long side at most `max_side` (never enlarged); the error is one line.
pub fn load(path: &Path, max_side: u32) -> Result<LoadedImage, String> {
    // Regular files only, size-capped: a FIFO or a device never blocks the thread.
    let bytes = crate::search::read_query_file(path).map_err(|e| e.to_string())?;
    let decoded = decode::decode_reduced(&bytes, max_side).map_err(|e| e.to_string())?;
    let original = [decoded.width(), decoded.height()];
    let image = decoded.image;
    let image = if image.width().max(image.height()) > max_side {
        image.resize(max_side, max_side, image::imageops::FilterType::Triangle)
    } else {
        image
    };
    let rgba = image.into_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(LoadedImage { rgba: rgba.into_raw(), size, original })
}
