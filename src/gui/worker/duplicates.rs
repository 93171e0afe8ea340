//! The worker's side of the Duplicates view: finding the groups of copies (an index pass over the
//! whole library, too slow for the UI thread) and "keep only this one".

use super::{Event, Worker, one_line};
use crate::catalog::{ArtworkId, Status};
use crate::library::{Library, Trash};

impl Worker {
    /// Sends the groups of copies at the library's near-duplicate test.
    pub(super) fn duplicates(&self, lib: &mut Library) {
        self.send(Event::Duplicates(lib.duplicates(None).map_err(|e| one_line(&e))));
    }

    /// Moves the others of a group to the trash, then sends what was done, the artworks left
    /// and the groups as they now are.
    pub(super) fn keep_only(&self, lib: &mut Library, keep: ArtworkId, others: &[ArtworkId], trash: &dyn Trash) {
        match lib.keep_only(keep, others, trash) {
            Ok(done) => self.send(Event::KeptOnly(done)),
            Err(e) => self.send(Event::Error(format!("Keep only this one stopped: {}", one_line(&e)))),
        }
        match lib.catalog().artworks_with_status(Status::Ok) {
            Ok(list) => self.send(Event::Artworks(list)),
            Err(e) => self.send(Event::Error(format!("cannot list artworks: {}", one_line(&e)))),
        }
        self.duplicates(lib);
    }
}
