//! Nearest-neighbour indexes over one aspect's vectors behind one small trait, [`VectorIndex`]:
//! an exact brute-force index (ground truth, small libraries) and an HNSW index (`usearch`,
//! f32/f16/i8 storage). Around them: one index per aspect ([`AspectIndexes`]), its file format
//! ([`persisted`]) and its life cycle in a library ([`IndexStore`]).
//!
//! A new backend: a file implementing [`VectorIndex`], a variant of [`Backend`] and of
//! [`aspects::PerBackend`], and, when it is saved, its branch in [`store`] and [`persisted`].

mod aspects;
mod dot;
mod exact;
mod hnsw;
mod metric;
pub mod persisted;
mod store;
pub mod testing;

pub use aspects::{AspectIndexes, Backend, PerBackend};
pub use exact::ExactIndex;
pub use hnsw::{HnswIndex, HnswParams, Kernel, Representation, Storage};
pub use metric::Metric;
pub use persisted::{INDEX_FORMAT, hnsw_representation, verify_saved_index};
pub use store::{BUILD_CHUNK, EXACT_BELOW, IndexInfo, IndexKind, IndexStore, Origin};

use crate::error::{Error, Result};

/// One search hit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neighbour {
    /// Key the vector was added with.
    pub key: u64,
    /// Distance to the query under the index's metric.
    pub distance: f32,
}

/// A nearest-neighbour index over fixed-length vectors.
pub trait VectorIndex: Send + Sync {
    /// Number of vectors.
    fn len(&self) -> usize;
    /// Whether the index is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Adds (or replaces) the vector stored under `key`.
    fn add(&mut self, key: u64, vector: &[f32]) -> Result<()>;
    /// Adds (or replaces) many vectors; implementations may insert them in parallel.
    fn add_batch(&mut self, items: &[(u64, &[f32])]) -> Result<()> {
        items.iter().try_for_each(|(key, v)| self.add(*key, v))
    }
    /// Removes `key` if present.
    fn remove(&mut self, key: u64) -> Result<()>;
    /// The `k` nearest vectors to `query`, closest first.
    fn search(&self, query: &[f32], k: usize) -> Result<Vec<Neighbour>>;
}

fn check_dim(dim: usize, v: &[f32]) -> Result<()> {
    if v.len() != dim {
        return Err(Error::Index(format!("vector has {} dimensions, index expects {dim}", v.len())));
    }
    Ok(())
}
