//! Answering "which artworks are most like this?": candidates from each weighted aspect's index,
//! then exact weighted re-scoring of every candidate on all active aspects.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub use crate::query::Query;

use crate::decode::{self, ReadError};
use crate::error::{Error, Result};
use serde::Serialize;

use crate::aspect::{Aspect, Weights};
use crate::catalog::{ArtworkId, Catalog};
use crate::embed::Embedder;
use crate::index::AspectIndexes;
use crate::mirror;
use crate::model::{BRUSHWORK_DIM, CNN_TEXTURE_DIM, ModelId};
use crate::preprocess;
use crate::query::QueryKind;
use crate::region::Region;
use crate::vectors::{ArtworkFeatures, Embedding};

/// One result.
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    /// Artwork id.
    pub id: ArtworkId,
    /// Path of the artwork.
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub path: PathBuf,
    /// Weighted similarity, higher is more alike.
    pub score: f32,
    /// Similarity per aspect (only active aspects are present).
    pub aspects: HashMap<Aspect, f32>,
    /// `score` calibrated: the share of the library's pairs of artworks less alike under the same
    /// weights, 0 to 1 ([`crate::calibration`]); 0.9 reads "more alike than 90 % of pairs".
    pub alike: f32,
    /// Each aspect's similarity calibrated the same way.
    pub aspects_alike: HashMap<Aspect, f32>,
    /// The file is no longer at its path (re-import to re-scan).
    pub missing: bool,
    /// Lower-ranked copies of the same picture folded into this hit
    /// ([`crate::library::Library::collapse_copies`]); empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<Hit>,
}

/// Reads an image file given as a query: a regular file of at most [`crate::decode::MAX_FILE`]
/// bytes. A FIFO or a device (`/dev/zero`) is refused at once, with the reason, never read.
pub fn read_query_file(path: &Path) -> Result<Vec<u8>> {
    decode::read_file(path).map_err(|e| match e {
        ReadError::Io(e) => Error::io("cannot read", path, e),
        ReadError::Refused(e) => Error::decode(path, e),
    })
}

/// Computes the features of an image file with the model (for queries from outside the library).
pub fn file_features(path: &Path, embedder: &mut Embedder) -> Result<ArtworkFeatures> {
    let bytes = read_query_file(path)?;
    features_of(path, &bytes, embedder)
}

/// Computes the features of the image file `path` whose content is `bytes` with the model.
pub fn features_of(path: &Path, bytes: &[u8], embedder: &mut Embedder) -> Result<ArtworkFeatures> {
    features_of_part(path, bytes, None, embedder)
}

/// Like [`features_of`], of `region` of the picture only (the whole picture without one).
pub fn features_of_part(path: &Path, bytes: &[u8], region: Option<&Region>, embedder: &mut Embedder) -> Result<ArtworkFeatures> {
    let mut decoded = preprocess::decode_for_prepare(bytes).map_err(|e| Error::decode(path, e))?;
    if let Some(region) = region {
        decoded = region.crop(decoded)?;
    }
    let prepared = preprocess::prepare(decoded, false);
    let cnn = embedder.embed(&[&prepared.tensor])?.pop().ok_or_else(|| Error::Model("the model returned no vectors".into()))?;
    Ok(ArtworkFeatures {
        embedding: Embedding::new(&prepared.colour, &cnn),
        palette: prepared.colour.palette,
        transparent: prepared.transparent,
    })
}

/// The vectors a query of `kind` looks up candidates with, and the part of texture it is scored
/// by ([`texture_part`]). Its texture lookup keeps that part in place and zeroes the rest: in the
/// index, its inner product with a stored vector is then that part's similarity, scaled.
pub fn searched_vectors(query: &Embedding, kind: QueryKind) -> (Embedding, Vec<f32>) {
    let mut vectors = query.clone();
    let part = texture_part(&vectors[Aspect::Texture], kind);
    let range = part_range(kind, vectors[Aspect::Texture].len());
    let texture = &mut vectors[Aspect::Texture];
    texture.fill(0.0);
    texture[range].copy_from_slice(&part);
    (vectors, part)
}

/// The part of a stored texture vector a query of `kind` compares, at unit length. A picture
/// compares brushwork, the Gram statistics of the crop at the artwork's own scale. A cut-out
/// compares style ([`crate::style`]): what its set's members share in how they are drawn and
/// rendered (real-art texture P@10, mean of 11 families: 0.801 with brushwork for every query,
/// 0.879 with style for cut-outs; the rendering part style is made from finds the subject of a
/// picture more than its hand, and costs filtered photographs a third of their style P@10:
/// BENCHMARKS.md, "Real art").
pub fn texture_part(texture: &[f32], kind: QueryKind) -> Vec<f32> {
    crate::vectors::normalised(&texture[part_range(kind, texture.len())])
}

fn part_range(kind: QueryKind, len: usize) -> std::ops::Range<usize> {
    match kind {
        QueryKind::Picture => 0..BRUSHWORK_DIM.min(len),
        QueryKind::Cutout => CNN_TEXTURE_DIM.min(len)..len,
    }
}

/// Finds the `k` artworks most similar to `query` (an image of `kind`), excluding `exclude` (the
/// query's own artworks); `k` is capped at the number of artworks indexed. With `mirror`, shape
/// also compares the query's mirror image ([`crate::mirror`]); a query that pushes away in shape
/// goes without, as the mirror of a blend would also mirror (and so weaken) its push.
#[allow(clippy::too_many_arguments)]
pub fn nearest(
    catalog: &Catalog,
    model: &ModelId,
    indexes: &AspectIndexes,
    query: &Embedding,
    kind: QueryKind,
    exclude: &[ArtworkId],
    weights: &Weights,
    k: usize,
    mirror: bool,
) -> Result<Vec<Hit>> {
    weights.validate()?;
    let weights = &weights.normalised();
    // Never more results than artworks: `k` comes from the user (`--top`), and nothing is
    // reserved from it before it is capped.
    let k = k.min(indexes.len());
    if k == 0 {
        return Ok(Vec::new());
    }
    let (query, texture_part_of_query) = searched_vectors(query, kind);
    let query = &query;
    // Over-fetch per aspect: an artwork close on the weighted sum is close on at least one aspect.
    let per_aspect = k.saturating_mul(5).max(50).saturating_add(exclude.len()).min(indexes.len());
    // Shape also looks up the query's mirror image (crate::mirror): a flipped copy is as close.
    // Only when shape is compared: a colour-only search pays nothing for it.
    let mirrored = (mirror && weights.active().any(|a| a == Aspect::Shape)).then(|| mirror::mirrored_shape(query.get(Aspect::Shape)));
    let mut candidates = BTreeSet::new();
    for aspect in weights.active() {
        let mut lookups = vec![query.get(aspect)];
        if let (Aspect::Shape, Some(m)) = (aspect, &mirrored) {
            lookups.push(m);
        }
        for vector in lookups {
            for n in indexes.get(aspect).search(vector, per_aspect)? {
                candidates.insert(n.key as ArtworkId);
            }
        }
    }
    for x in exclude {
        candidates.remove(x);
    }
    let ids: Vec<ArtworkId> = candidates.into_iter().collect();
    let vectors = catalog.embeddings(&ids, model)?;
    let total: f32 = weights.active().map(|a| weights[a]).sum();
    let mut hits: Vec<(ArtworkId, f32, HashMap<Aspect, f32>)> = vectors
        .iter()
        .map(|(&id, e)| {
            let metric = indexes.metric;
            let similarity = |a: Aspect| match a {
                Aspect::Texture => metric.similarity(metric.distance(&texture_part_of_query, &texture_part(e.get(a), kind))),
                Aspect::Shape if let Some(m) = &mirrored => mirror::shape_similarity(metric, query.get(a), m, e.get(a)),
                _ => metric.similarity(metric.distance(query.get(a), e.get(a))),
            };
            let aspects: HashMap<Aspect, f32> = weights.active().map(|a| (a, similarity(a))).collect();
            // In the aspects' fixed order (a map's order varies by process): the same sum, to the
            // last bit, as the calibration's for the same pair.
            let score = weights.active().map(|a| weights[a] * aspects[&a]).sum::<f32>() / total;
            (id, score, aspects)
        })
        .collect();
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    hits.truncate(k);
    hits.into_iter()
        .map(|(id, score, aspects)| {
            let path = catalog.artwork(id)?.map(|a| a.path).unwrap_or_default();
            let missing = !path.exists();
            // Calibrated by the library, which holds the distribution ([`crate::calibration`]).
            let (alike, aspects_alike) = (score, HashMap::new());
            Ok(Hit { id, path, score, aspects, alike, aspects_alike, missing, copies: Vec::new() })
        })
        .collect()
}
