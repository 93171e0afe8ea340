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
    }

    pub(super) fn insert(&mut self, ctx: &egui::Context, key: ThumbKey, size: [usize; 2], rgba: &[u8]) {
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
            worker.send(Command::LoadThumbnail(key.clone()));
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
            cache.insert(&ctx, ThumbKey::Artwork(id), [1, 1], &pixel);
        }
        assert_eq!(cache.len(), THUMB_CACHE);
        // Artwork 0 is drawn again, so artwork 1 is now the least recently used.
        cache.next_frame();
        let (tx, _rx) = crossbeam_channel::unbounded();
        let worker = WorkerHandle::detached(tx);
        assert!(cache.get(&ThumbKey::Artwork(0), &worker).is_some());
        cache.next_frame();
        cache.insert(&ctx, ThumbKey::Artwork(10_000), [1, 1], &pixel);
        assert_eq!(cache.len(), THUMB_CACHE, "bounded");
        assert!(cache.textures.contains_key(&ThumbKey::Artwork(0)));
        assert!(!cache.textures.contains_key(&ThumbKey::Artwork(1)), "least recently used evicted");
        assert!(cache.textures.contains_key(&ThumbKey::Artwork(10_000)));
    }
}
