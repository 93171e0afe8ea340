//! Scores people can read. Raw similarities spread differently per aspect and per library (colour
//! gives 0.9 to two pictures on white; shape tops out near 0.4 for real matches), so a score is
//! calibrated against the library's own distribution: `0.90` means "more alike than 90 % of the
//! pairs of artworks in this library", the same reading for every aspect, weighting and query
//! kind. The distribution is sampled from the stored vectors, held in memory and rebuilt when the
//! library changes (it is derived data, never stored in the catalog). Thresholds that must not
//! drift as the library grows (near-duplicates) keep using raw similarity.

use std::collections::HashMap;

use crate::aspect::{Aspect, Weights};
use crate::catalog::{ArtworkId, Catalog};
use crate::error::Result;
use crate::index::Metric;
use crate::mirror;
use crate::model::ModelId;
use crate::query::QueryKind;
use crate::search::texture_part;

/// Artworks sampled (evenly through the library): all pairs among them, 79,800 for 400, give a
/// score's percentile to within about ±0.2 points, and take a fraction of a second to compare.
pub const SAMPLE: usize = 400;

/// Columns of a sampled pair's similarities: colour, style (cut-outs), brushwork (pictures: see
/// [`crate::search::texture_part`]), shape.
const COLUMNS: usize = 4;
/// The shape column.
const SHAPE_COLUMN: usize = 3;

/// Weighted distributions kept for reuse (the app's weight sliders make new ones).
const WEIGHTED_CACHE: usize = 16;

/// What the calibration was computed from: it is rebuilt when either changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Source {
    /// The catalog's generation (bumped by every import that changes vectors).
    pub generation: u64,
    /// The metric similarities are computed with.
    pub metric: Metric,
}

/// The library's distribution of pair similarities, per aspect and per weighting.
#[derive(Debug)]
pub struct Calibration {
    source: Source,
    /// Each sampled pair's similarities, by column.
    pairs: Vec<[f32; COLUMNS]>,
    /// Each column's similarities, ascending.
    sorted: [Vec<f32>; COLUMNS],
    /// Weighted scores of the pairs, ascending, by weights and kind.
    weighted: HashMap<([u32; 3], QueryKind), Vec<f32>>,
}

impl Calibration {
    /// Samples the library's pairs.
    pub fn build(catalog: &Catalog, model: &ModelId, source: Source) -> Result<Self> {
        let ids = catalog.embedded_ids(model)?;
        let step = ids.len().div_ceil(SAMPLE).max(1);
        let sample: Vec<ArtworkId> = ids.iter().step_by(step).copied().collect();
        let embeddings = catalog.embeddings(&sample, model)?;
        let vectors: Vec<[Vec<f32>; COLUMNS]> = sample
            .iter()
            .filter_map(|id| embeddings.get(id))
            .map(|e| {
                let texture = &e[Aspect::Texture];
                [
                    e[Aspect::Colour].clone(),
                    texture_part(texture, QueryKind::Cutout),
                    texture_part(texture, QueryKind::Picture),
                    e[Aspect::Shape].clone(),
                ]
            })
            .collect();
        let similarity = |a: &[f32], b: &[f32]| source.metric.similarity(source.metric.distance(a, b));
        // Shape is compared as searches compare it: the closer of a picture and its mirror image.
        let mirrored: Vec<Vec<f32>> = vectors.iter().map(|v| mirror::mirrored_shape(&v[SHAPE_COLUMN])).collect();
        let mut pairs = Vec::with_capacity(vectors.len() * vectors.len().saturating_sub(1) / 2);
        for (i, a) in vectors.iter().enumerate() {
            for b in &vectors[i + 1..] {
                pairs.push(std::array::from_fn(|c| match c {
                    SHAPE_COLUMN => mirror::shape_similarity(source.metric, &a[c], &mirrored[i], &b[c]),
                    _ => similarity(&a[c], &b[c]),
                }));
            }
        }
        let sorted = std::array::from_fn(|c| ascending(pairs.iter().map(|p| p[c]).collect()));
        Ok(Self { source, pairs, sorted, weighted: HashMap::new() })
    }

    /// What it was computed from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// Number of sampled pairs.
    pub fn pairs(&self) -> usize {
        self.pairs.len()
    }

    /// The share of the library's pairs less alike in `aspect` than `similarity` (for a query of
    /// `kind`: a picture's texture is its brushwork).
    pub fn aspect(&self, aspect: Aspect, kind: QueryKind, similarity: f32) -> f32 {
        share_below(&self.sorted[column(aspect, kind)], similarity)
    }

    /// The share of the library's pairs whose score under `weights` (as the search used them) is
    /// lower than `score`.
    pub fn weighted(&mut self, weights: &Weights, kind: QueryKind, score: f32) -> f32 {
        let weights = weights.normalised();
        let key = (Aspect::ALL.map(|a| weights[a].to_bits()), kind);
        if !self.weighted.contains_key(&key) {
            if self.weighted.len() >= WEIGHTED_CACHE {
                self.weighted.clear();
            }
            let total: f32 = weights.active().map(|a| weights[a]).sum();
            let scores =
                self.pairs.iter().map(|p| weights.active().map(|a| weights[a] * p[column(a, kind)]).sum::<f32>() / total).collect();
            self.weighted.insert(key, ascending(scores));
        }
        share_below(&self.weighted[&key], score)
    }
}

/// The column a query of `kind` is compared by in `aspect`.
fn column(aspect: Aspect, kind: QueryKind) -> usize {
    match (aspect, kind) {
        (Aspect::Colour, _) => 0,
        (Aspect::Texture, QueryKind::Cutout) => 1,
        (Aspect::Texture, QueryKind::Picture) => 2,
        (Aspect::Shape, _) => SHAPE_COLUMN,
    }
}

fn ascending(mut v: Vec<f32>) -> Vec<f32> {
    v.sort_unstable_by(f32::total_cmp);
    v
}

/// The share of `sorted` below `x`, ties counting half; with nothing sampled (a library of one
/// artwork), the raw similarity clamped to [0, 1].
fn share_below(sorted: &[f32], x: f32) -> f32 {
    if sorted.is_empty() {
        return x.clamp(0.0, 1.0);
    }
    let below = sorted.partition_point(|v| *v < x);
    let not_above = sorted.partition_point(|v| *v <= x);
    (below + not_above) as f32 / (2 * sorted.len()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_count_ties_half_and_span_zero_to_one() {
        let sorted = [0.1, 0.2, 0.2, 0.4];
        assert_eq!(share_below(&sorted, 0.0), 0.0);
        assert_eq!(share_below(&sorted, 0.2), 0.5);
        assert_eq!(share_below(&sorted, 0.3), 0.75);
        assert_eq!(share_below(&sorted, 0.9), 1.0);
        assert_eq!(share_below(&[], 0.7), 0.7);
        assert_eq!(share_below(&[], 1.5), 1.0);
    }
}
