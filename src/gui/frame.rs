//! What a panel borrows while it draws: the thumbnail cache (which asks the worker for what is
//! missing), the image loader and the frame's action list. Panels own their own state and get this
//! beside it.

use eframe::egui::TextureHandle;

use super::action::Action;
use super::loader::Loader;
use super::thumbs::ThumbCache;
use super::worker::{ThumbKey, WorkerHandle};

/// Shared, borrowed access for the panels during one frame.
pub(super) struct Frame<'a> {
    pub(super) thumbs: &'a mut ThumbCache,
    pub(super) worker: &'a WorkerHandle,
    /// Decodes at viewing size (lightbox, large preview).
    pub(super) loader: &'a Loader,
    /// Tokens handed out to loader requests so far.
    pub(super) tokens: &'a mut u64,
    pub(super) actions: &'a mut Vec<Action>,
    /// The worker's long job other requests wait for, in words: "the rescan (1,234 of 4,000)".
    pub(super) waiting: Option<String>,
}

impl Frame<'_> {
    /// The texture of `key`, requested from the worker when it is neither cached nor on its way.
    pub(super) fn thumb(&mut self, key: &ThumbKey) -> Option<TextureHandle> {
        self.thumbs.get(key, self.worker)
    }

    /// Queues an action for after the frame.
    pub(super) fn act(&mut self, action: Action) {
        self.actions.push(action);
    }
}
