//! A map of the collection: every artwork placed in 2-D so kindred ones sit together, clusters
//! found on it and labelled by their palette. Derived from the catalog like the index, cached in
//! the library directory (`map/`, [`saved`]) and rebuilt when the catalog has changed.
//!
//! How a map is made ([`lay_out`]): each artwork's aspect vectors are joined, weighted as a search
//! weighs them (squared distance between joined vectors = twice the weighted cosine distance),
//! reduced to [`MapOptions::components`] principal components ([`pca`]), their nearest neighbours
//! found ([`knn`]), and laid out by UMAP ([`umap`]) from the first two components. Clusters:
//! HDBSCAN on the layout ([`clusters`]).

pub mod clusters;
mod knn;
pub mod pca;
pub mod quality;
pub mod render;
mod rng;
pub mod saved;
mod umap;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::aspect::{Aspect, Weights};
use crate::catalog::ArtworkId;
use crate::colour::Swatch;
use crate::error::{Error, Result};
use crate::model::CNN_TEXTURE_DIM;
use crate::vectors::{Embedding, normalised};

pub use knn::Neighbours;

/// How a map is computed. The defaults are UMAP's (15 neighbours; 500 epochs up to 10,000 points,
/// 200 above) and a seed, so a library's map is the same every time it is rebuilt.
#[derive(Clone, Copy, Debug)]
pub struct MapOptions {
    /// Seed of every random choice.
    pub seed: u64,
    /// Neighbours each artwork keeps near it.
    pub neighbours: usize,
    /// Principal components the vectors are reduced to before neighbours are found.
    pub components: usize,
    /// Artworks the principal components are fitted on (a seeded sample of the library).
    pub sample: usize,
    /// Gradient-descent epochs; `None`: 500 up to 10,000 artworks, 200 above (umap-learn's rule).
    pub epochs: Option<usize>,
    /// Below this many artworks neighbours are found exactly, above through an HNSW index.
    pub exact_below: usize,
}

/// The seed every library map uses.
pub const DEFAULT_SEED: u64 = 42;

impl Default for MapOptions {
    fn default() -> Self {
        Self { seed: DEFAULT_SEED, neighbours: 15, components: 48, sample: 2048, epochs: None, exact_below: 4096 }
    }
}

/// Vectors to lay out, visited in a fixed order (twice: to fit the reduction, then to reduce).
pub trait VectorSource {
    /// Calls `f` with each artwork's vector.
    fn for_each(&self, f: &mut dyn FnMut(ArtworkId, &[f32]) -> Result<()>) -> Result<()>;
}

impl VectorSource for [(ArtworkId, Vec<f32>)] {
    fn for_each(&self, f: &mut dyn FnMut(ArtworkId, &[f32]) -> Result<()>) -> Result<()> {
        self.iter().try_for_each(|(id, v)| f(*id, v))
    }
}

/// An artwork's aspect vectors joined into one, each scaled by the square root of its share of the
/// weights: the squared distance between two joined vectors is twice their weighted cosine
/// distance. Texture is the CNN's texture (brushwork and rendering) without the style appended to
/// it ([`crate::style`]): one space for pictures and cut-outs alike, where search compares a part
/// of it by the query's kind (brushwork, or style for a cut-out); the style whitening is fitted
/// on cut-outs and would pull pictures by it.
pub fn joined(embedding: &Embedding, weights: &Weights) -> Vec<f32> {
    let total = weights.total();
    let mut out = Vec::with_capacity(Aspect::ALL.iter().filter(|a| weights[**a] > 0.0).map(|a| a.dim()).sum());
    for aspect in weights.active() {
        let scale = (weights[aspect] / total).sqrt();
        let vector = &embedding[aspect];
        match aspect {
            Aspect::Texture => out.extend(normalised(&vector[..CNN_TEXTURE_DIM.min(vector.len())]).iter().map(|x| x * scale)),
            _ => out.extend(vector.iter().map(|x| x * scale)),
        }
    }
    out
}

/// A computed layout, before clusters: positions in [0, 1] (the longer side spans it, centred).
#[derive(Clone, Debug)]
pub struct Layout {
    /// Artworks, in the source's order.
    pub ids: Vec<ArtworkId>,
    /// Map position of each.
    pub positions: Vec<[f32; 2]>,
    /// The first two principal components of each, scaled the same way (the baseline).
    pub pca: Vec<[f32; 2]>,
}

/// Lays out the vectors of `source`. Deterministic for `options.seed`.
pub fn lay_out<S: VectorSource + ?Sized>(source: &S, options: &MapOptions) -> Result<Layout> {
    // Pass 1: a seeded reservoir sample to fit the principal components on.
    let mut rng = rng::SplitMix::new(options.seed);
    let mut sample: Vec<Vec<f32>> = Vec::new();
    let mut seen = 0usize;
    let mut dim = None;
    source.for_each(&mut |_, v| {
        if *dim.get_or_insert(v.len()) != v.len() {
            return Err(Error::CorruptRecord(format!("map input vectors differ in length ({} and {})", dim.unwrap_or(0), v.len())));
        }
        if sample.len() < options.sample.max(1) {
            sample.push(v.to_vec());
        } else {
            let slot = rng.below(seen + 1);
            if slot < sample.len() {
                sample[slot] = v.to_vec();
            }
        }
        seen += 1;
        Ok(())
    })?;
    if seen == 0 {
        return Err(Error::Usage("the library has no artworks to map yet: import some first".into()));
    }
    let pca = pca::Pca::fit(&sample, options.components.max(2), options.seed);
    drop(sample);
    // Pass 2: every artwork reduced.
    let mut ids = Vec::with_capacity(seen);
    let mut reduced = Vec::with_capacity(seen);
    source.for_each(&mut |id, v| {
        ids.push(id);
        let mut r = pca.project(v);
        r.resize(options.components.max(2), 0.0);
        reduced.push(r);
        Ok(())
    })?;
    let init: Vec<[f32; 2]> = reduced.iter().map(|r| [r[0], r[1]]).collect();
    let knn = knn::nearest(&reduced, options.neighbours, options.exact_below)?;
    drop(reduced);
    let epochs = options.epochs.unwrap_or(if ids.len() <= 10_000 { 500 } else { 200 });
    let positions = umap::layout(&knn, &init, epochs, options.seed);
    Ok(Layout { ids, positions: unit_box(&positions), pca: unit_box(&init) })
}

/// Positions scaled uniformly into [0, 1]², centred on the shorter axis; a single point (or all on
/// one spot) sits in the middle.
fn unit_box(positions: &[[f32; 2]]) -> Vec<[f32; 2]> {
    let mut lo = [f32::INFINITY; 2];
    let mut hi = [f32::NEG_INFINITY; 2];
    for p in positions {
        for d in 0..2 {
            lo[d] = lo[d].min(p[d]);
            hi[d] = hi[d].max(p[d]);
        }
    }
    let span = (hi[0] - lo[0]).max(hi[1] - lo[1]);
    positions
        .iter()
        .map(|p| std::array::from_fn(|d| if span > 0.0 { (p[d] - lo[d]) / span + (1.0 - (hi[d] - lo[d]) / span) / 2.0 } else { 0.5 }))
        .collect()
}

/// One artwork on the map.
#[derive(Clone, Debug, Serialize)]
pub struct MapPoint {
    /// Artwork id.
    pub id: ArtworkId,
    /// Its file (from the catalog when the map is read: a moved file shows its new path).
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub path: PathBuf,
    /// Position, in [0, 1].
    pub x: f32,
    /// Position, in [0, 1] (downwards, as on screen).
    pub y: f32,
    /// Index of its cluster in [`CollectionMap::clusters`]; `None` when it is in none.
    pub cluster: Option<u32>,
}

/// A cluster on the map, labelled by what it looks like and how big it is.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MapCluster {
    /// Index in [`CollectionMap::clusters`] (largest first).
    pub id: u32,
    /// Artworks in it.
    pub size: usize,
    /// Its members' palettes merged (`colour::merged_palette`), heaviest first.
    pub palette: Vec<Swatch>,
    /// Mean position of its members (where its label goes).
    pub centre: [f32; 2],
    /// Its members' convex hull, counter-clockwise (its outline).
    pub outline: Vec<[f32; 2]>,
}

/// A library's map: where every artwork sits, and the clusters.
#[derive(Clone, Debug, Serialize)]
pub struct CollectionMap {
    /// The weights the artworks were compared with.
    pub weights: Weights,
    /// Catalog generation it was computed from.
    pub generation: u64,
    /// Seed it was computed with.
    pub seed: u64,
    /// Every artwork with vectors.
    pub points: Vec<MapPoint>,
    /// Largest first.
    pub clusters: Vec<MapCluster>,
}

impl CollectionMap {
    /// The artwork whose position is nearest `at` within `radius` (map units), if any.
    pub fn nearest_point(&self, at: [f32; 2], radius: f32) -> Option<&MapPoint> {
        self.points
            .iter()
            .map(|p| (p, (p.x - at[0]).powi(2) + (p.y - at[1]).powi(2)))
            .filter(|(_, d2)| *d2 <= radius * radius)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(p, _)| p)
    }
}

/// Clusters of `layout` with their labels; `palette_of` gives an artwork's palette. Large clusters
/// merge the palettes of an evenly spread sample of their members (at most 200: the merged palette
/// of six colours does not change with more).
pub fn find_clusters(
    layout: &Layout,
    mut palette_of: impl FnMut(ArtworkId) -> Result<Vec<Swatch>>,
) -> Result<(Vec<Option<u32>>, Vec<MapCluster>)> {
    const PALETTE_SAMPLE: usize = 200;
    let labels = clusters::label(&layout.positions, clusters::min_cluster_size(layout.positions.len()));
    let count = labels.iter().flatten().map(|c| *c as usize + 1).max().unwrap_or(0);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, l) in labels.iter().enumerate() {
        if let Some(c) = l {
            members[*c as usize].push(i);
        }
    }
    let mut found = Vec::with_capacity(count);
    for (c, rows) in members.iter().enumerate() {
        let step = rows.len().div_ceil(PALETTE_SAMPLE).max(1);
        let palettes = rows.iter().step_by(step).map(|&i| palette_of(layout.ids[i])).collect::<Result<Vec<_>>>()?;
        let positions: Vec<[f32; 2]> = rows.iter().map(|&i| layout.positions[i]).collect();
        let n = positions.len() as f32;
        let centre = [positions.iter().map(|p| p[0]).sum::<f32>() / n, positions.iter().map(|p| p[1]).sum::<f32>() / n];
        found.push(MapCluster {
            id: c as u32,
            size: rows.len(),
            palette: crate::colour::merged_palette(&palettes),
            centre,
            outline: clusters::hull(&positions),
        });
    }
    Ok((labels, found))
}

#[cfg(test)]
mod tests;
