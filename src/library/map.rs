//! The map API of [`Library`], shared by `kindred map` and the app's Map view: the saved map when
//! it matches the catalog, else a new one computed and saved (`map/` in the library directory).
//!
//! After an import the catalog's generation changes and the saved map no longer matches: the next
//! request lays the whole collection out again (on demand; the app does it in the background,
//! showing the previous map meanwhile). Placing only the new artworks would keep old positions
//! but let the map drift from what a fresh layout shows, and a full layout of 10,000 artworks
//! takes seconds (BENCHMARKS.md, "Collection map").

use std::collections::HashMap;
use std::path::PathBuf;

use super::Library;
use crate::aspect::Weights;
use crate::catalog::{ArtworkId, Catalog, Status};
use crate::error::{Error, Result};
use crate::map::saved::{self, MapKey, SavedMap};
use crate::map::{self, CollectionMap, MapOptions, MapPoint, VectorSource};
use crate::model::ModelId;

/// The catalog's vectors, joined with the map's weights.
struct CatalogVectors<'a> {
    catalog: &'a Catalog,
    model: &'a ModelId,
    weights: Weights,
}

impl VectorSource for CatalogVectors<'_> {
    fn for_each(&self, f: &mut dyn FnMut(ArtworkId, &[f32]) -> Result<()>) -> Result<()> {
        self.catalog.for_each_embedding(self.model, |id, embedding| f(id, &map::joined(&embedding, &self.weights)))
    }
}

impl Library {
    /// The map of the collection for `weights` (`Weights::ALL` for the default `all`): the saved
    /// one when it was computed from the catalog as it is, else laid out now (seconds to minutes,
    /// see BENCHMARKS.md) and saved for next time. Errors: no artworks with vectors
    /// ([`Error::Usage`]), or the catalog's.
    pub fn map(&mut self, weights: &Weights) -> Result<CollectionMap> {
        weights.validate()?;
        let weights = weights.normalised();
        let key = self.map_key(&weights)?;
        let path = saved::path_for(&self.dir, &weights);
        let paths = self.map_paths()?;
        if let Ok(saved) = saved::load(&path, &key)
            && let Some(map) = joined_with_paths(&saved, &key, &paths)
        {
            return Ok(map);
        }
        let options = MapOptions::default();
        let source = CatalogVectors { catalog: &self.catalog, model: &self.model, weights };
        let layout = map::lay_out(&source, &options)?;
        let (labels, clusters) = map::find_clusters(&layout, |id| self.catalog.palette(id))?;
        let saved = SavedMap {
            points: layout.ids.iter().zip(&layout.positions).zip(&labels).map(|((id, p), c)| (*id, p[0], p[1], *c)).collect(),
            clusters,
        };
        if !self.read_only
            && let Err(e) = saved::save(&path, &key, &saved)
        {
            self.notices.push_back(format!("map not saved (it will be computed again next time): {e}"));
        }
        joined_with_paths(&saved, &key, &paths)
            .ok_or_else(|| Error::CorruptRecord("an artwork of the new map is not in the catalog".into()))
    }

    /// The saved map for `weights` if it matches the catalog as it is: no computation (the app
    /// shows it at once while a newer one is computed).
    pub fn saved_map(&self, weights: &Weights) -> Option<CollectionMap> {
        let weights = weights.normalised();
        let key = self.map_key(&weights).ok()?;
        let saved = saved::load(&saved::path_for(&self.dir, &weights), &key).ok()?;
        joined_with_paths(&saved, &key, &self.map_paths().ok()?)
    }

    fn map_key(&self, weights: &Weights) -> Result<MapKey> {
        Ok(MapKey {
            model: self.model.as_str().to_owned(),
            weights: *weights,
            seed: map::DEFAULT_SEED,
            generation: self.catalog.generation()?,
        })
    }

    fn map_paths(&self) -> Result<HashMap<ArtworkId, PathBuf>> {
        Ok(self.catalog.artworks_with_status(Status::Ok)?.into_iter().map(|a| (a.id, a.path)).collect())
    }
}

/// The saved positions with each artwork's current path; `None` when an artwork is no longer in
/// the catalog (the map is stale).
fn joined_with_paths(saved: &SavedMap, key: &MapKey, paths: &HashMap<ArtworkId, PathBuf>) -> Option<CollectionMap> {
    let points = saved
        .points
        .iter()
        .map(|&(id, x, y, cluster)| Some(MapPoint { id, path: paths.get(&id)?.clone(), x, y, cluster }))
        .collect::<Option<Vec<_>>>()?;
    Some(CollectionMap { weights: key.weights, generation: key.generation, seed: key.seed, points, clusters: saved.clusters.clone() })
}
