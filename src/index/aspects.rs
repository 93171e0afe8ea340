//! One index per aspect, all of one [`Backend`] and built with one [`Metric`]: what a search reads.

use std::fmt;

use serde::Serialize;

use super::{ExactIndex, HnswIndex, HnswParams, Metric, VectorIndex, hnsw_representation};
use crate::aspect::{Aspect, PerAspect};
use crate::catalog::ArtworkId;
use crate::error::Result;
use crate::vectors::Embedding;

/// The index implementation a library runs with (the user's option is [`super::IndexKind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Brute force ([`ExactIndex`]): nothing saved, rebuilt from the catalog when opened.
    Exact,
    /// HNSW graphs ([`HnswIndex`]), saved under the library's `index/`.
    Hnsw,
}

impl Backend {
    /// Name in `kindred info` and its JSON.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Exact => "exact",
            Backend::Hnsw => "hnsw",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The per-aspect indexes of one backend, as their concrete types: saving an HNSW index needs no
/// downcast, and an exact index cannot be saved by mistake.
pub enum PerBackend {
    /// Brute force.
    Exact(PerAspect<ExactIndex>),
    /// HNSW.
    Hnsw(PerAspect<HnswIndex>),
}

/// The indexes a search reads: one per aspect, with the metric they were built with.
pub struct AspectIndexes {
    /// The indexes.
    pub indexes: PerBackend,
    /// Metric the indexes were built with.
    pub metric: Metric,
}

impl AspectIndexes {
    /// Empty indexes; HNSW ones with room for `capacity` vectors each.
    pub fn new(backend: Backend, metric: Metric, params: HnswParams, capacity: usize) -> Result<Self> {
        let indexes = match backend {
            Backend::Exact => PerBackend::Exact(PerAspect::from_fn(|a| ExactIndex::new(a.dim(), metric))),
            Backend::Hnsw => PerBackend::Hnsw(PerAspect::try_from_fn(|a| {
                HnswIndex::new(a.dim(), metric, hnsw_representation(a, metric), params, capacity)
            })?),
        };
        Ok(Self { indexes, metric })
    }

    /// Which implementation these are.
    pub fn backend(&self) -> Backend {
        match self.indexes {
            PerBackend::Exact(_) => Backend::Exact,
            PerBackend::Hnsw(_) => Backend::Hnsw,
        }
    }

    /// The index of one aspect.
    pub fn get(&self, aspect: Aspect) -> &dyn VectorIndex {
        match &self.indexes {
            PerBackend::Exact(x) => &x[aspect],
            PerBackend::Hnsw(x) => &x[aspect],
        }
    }

    fn get_mut(&mut self, aspect: Aspect) -> &mut dyn VectorIndex {
        match &mut self.indexes {
            PerBackend::Exact(x) => x.get_mut(aspect),
            PerBackend::Hnsw(x) => x.get_mut(aspect),
        }
    }

    /// Vectors per aspect (every aspect holds the same artworks).
    pub fn len(&self) -> usize {
        self.get(Aspect::Shape).len()
    }

    /// Whether the indexes hold no vectors.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a chunk of embeddings to every aspect's index (HNSW inserts them in parallel).
    pub fn add_all(&mut self, chunk: &[(ArtworkId, Embedding)]) -> Result<()> {
        for aspect in Aspect::ALL {
            let items: Vec<(u64, &[f32])> = chunk.iter().map(|(id, e)| (*id as u64, e[aspect].as_slice())).collect();
            self.get_mut(aspect).add_batch(&items)?;
        }
        Ok(())
    }

    /// Removes an artwork from every aspect's index.
    pub fn remove(&mut self, id: ArtworkId) -> Result<()> {
        Aspect::ALL.into_iter().try_for_each(|aspect| self.get_mut(aspect).remove(id as u64))
    }
}
