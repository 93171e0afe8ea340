//! Thumbnail textures: requested from the worker for visible tiles only, kept on the GPU with
//! least-recently-used eviction. One cache for every panel.

use eframe::egui;
use std::collections::{HashMap, HashSet};

use egui::{TextureHandle, TextureOptions};

use super::worker::{Command, ThumbKey, WorkerHandle};

/// Most textures kept; the least recently drawn are dropped beyond this.
pub const THUMB_CACHE: usize = 512;

/// Thumbnail textures, least-recently-used eviction.
#[derive(Default)]
pub struct ThumbCache {
    textures: HashMap<ThumbKey, (TextureHandle, u64)>,
    requested: HashSet<ThumbKey>,
    frame: u64,
    /// Bumped by [`Self::clear`] and carried by each request and its answer: an answer read
    /// before an import changed the thumbnail (on the thumbnail thread, racing the clear) is
    /// dropped instead of cached.
    epoch: u64,
}

impl ThumbCache {
    pub(super) fn next_frame(&mut self) {
        self.frame += 1;
    }

    pub(super) fn len(&self) -> usize {
        self.textures.len()
    }

    pub(super) fn clear(&mut self) {
        self.textures.clear();
        self.requested.clear();
        self.epoch += 1;
    }

    /// Caches an answer, unless it was asked for before the last [`Self::clear`] (`epoch`
    /// `None`: sent unasked, always current).
    pub(super) fn insert(&mut self, ctx: &egui::Context, key: ThumbKey, epoch: Option<u64>, size: [usize; 2], rgba: &[u8]) {
        if epoch.is_some_and(|e| e != self.epoch) {
            return;
        }
        self.requested.remove(&key);
        let image = egui::ColorImage::from_rgba_unmultiplied(size, rgba);
        let name = format!("{key:?}");
        let texture = ctx.load_texture(name, image, TextureOptions::LINEAR);
        self.textures.insert(key, (texture, self.frame));
        if self.textures.len() > THUMB_CACHE {
            let mut by_age: Vec<(u64, ThumbKey)> = self.textures.iter().map(|(k, (_, f))| (*f, k.clone())).collect();
            by_age.sort_by_key(|(f, _)| *f);
            for (_, k) in by_age.into_iter().take(self.textures.len() - THUMB_CACHE) {
                self.textures.remove(&k);
            }
        }
    }

    /// The texture of `key`, asking the worker for it when it is neither cached nor on its way.
    pub(super) fn get(&mut self, key: &ThumbKey, worker: &WorkerHandle) -> Option<TextureHandle> {
        if let Some((tex, used)) = self.textures.get_mut(key) {
            *used = self.frame;
            return Some(tex.clone());
        }
        if self.requested.insert(key.clone()) {
            worker.send(Command::LoadThumbnail { key: key.clone(), epoch: self.epoch });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnail_cache_keeps_the_most_recently_used() {
        let ctx = egui::Context::default();
        let mut cache = ThumbCache::default();
        let pixel = [1u8, 2, 3, 255];
        for id in 0..THUMB_CACHE as i64 {
            cache.next_frame();
            cache.insert(&ctx, ThumbKey::Artwork(id), None, [1, 1], &pixel);
        }
        assert_eq!(cache.len(), THUMB_CACHE);
        // Artwork 0 is drawn again, so artwork 1 is now the least recently used.
        cache.next_frame();
        let (tx, _rx) = crossbeam_channel::unbounded();
        let worker = WorkerHandle::detached(tx);
        assert!(cache.get(&ThumbKey::Artwork(0), &worker).is_some());
        cache.next_frame();
        cache.insert(&ctx, ThumbKey::Artwork(10_000), None, [1, 1], &pixel);
        assert_eq!(cache.len(), THUMB_CACHE, "bounded");
        assert!(cache.textures.contains_key(&ThumbKey::Artwork(0)));
        assert!(!cache.textures.contains_key(&ThumbKey::Artwork(1)), "least recently used evicted");
        assert!(cache.textures.contains_key(&ThumbKey::Artwork(10_000)));
    }

    /// An answer read before an import changed the thumbnail, arriving after the cache was
    /// cleared, is dropped; the thumbnail is asked for again and the new answer is kept.
    #[test]
    fn a_thumbnail_asked_for_before_a_clear_is_not_cached() {
        let ctx = egui::Context::default();
        let mut cache = ThumbCache::default();
        let (tx, rx) = crossbeam_channel::unbounded();
        let worker = WorkerHandle::detached(tx);
        let key = ThumbKey::Artwork(7);
        let asked = |rx: &crossbeam_channel::Receiver<Command>| match rx.try_recv() {
            Ok(Command::LoadThumbnail { epoch, .. }) => epoch,
            other => panic!("no thumbnail request: {other:?}"),
        };
        assert!(cache.get(&key, &worker).is_none());
        let before = asked(&rx);
        cache.clear(); // an import changed the artwork
        cache.insert(&ctx, key.clone(), Some(before), [1, 1], &[0, 0, 0, 255]);
        assert_eq!(cache.len(), 0, "the stale answer is dropped");
        assert!(cache.get(&key, &worker).is_none());
        let after = asked(&rx);
        assert_ne!(after, before);
        cache.insert(&ctx, key.clone(), Some(after), [1, 1], &[9, 9, 9, 255]);
        assert!(cache.get(&key, &worker).is_some(), "the new answer is kept");
        assert!(rx.try_recv().is_err(), "and not asked for again");
    }
}
