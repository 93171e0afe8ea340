//! Steering a search: what a palette or a region of an image searches with, which aspects a
//! composed query compares, and scores calibrated against the library ([`crate::calibration`]).

use std::collections::HashMap;
use std::fs;

use super::Library;
use crate::aspect::{Aspect, PerAspect, Weights};
use crate::calibration::Calibration;
use crate::catalog::ArtworkId;
use crate::colour::{self, Swatch};
use crate::error::{Error, IoContext, Result};
use crate::query::{Query, QueryKind};
use crate::region::Region;
use crate::search::{self, Hit};
use crate::vectors::{ArtworkFeatures, normalised};

/// The features of a palette: a colour vector in the artworks' colour space, nothing to compare
/// texture or shape by (zero vectors: those aspects are off).
pub(super) fn palette_features(swatches: &[Swatch]) -> ArtworkFeatures {
    let colour = normalised(&colour::palette_histogram(swatches));
    let embedding = PerAspect::from_fn(|a| if a == Aspect::Colour { colour.clone() } else { vec![0.0; a.dim()] });
    let mut palette = swatches.to_vec();
    palette.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    ArtworkFeatures { embedding, palette, transparent: 0.0 }
}

/// Whether a vector points anywhere (a palette's texture, a blend that cancels out, do not).
pub(super) fn has_vector(v: &[f32]) -> bool {
    v.iter().any(|x| *x != 0.0)
}

/// The weights a search uses: those asked for, on the aspects the query can be compared by. A
/// query with nothing in any weighted aspect is refused, naming what it has.
pub(super) fn compared_aspects(weights: Weights, available: PerAspect<bool>) -> Result<Weights> {
    let compared = weights.map(|a, w| if available[a] { w } else { 0.0 });
    if compared.active().next().is_some() {
        return Ok(compared);
    }
    let names =
        |pick: &dyn Fn(Aspect) -> bool| Aspect::ALL.into_iter().filter(|a| pick(*a)).map(Aspect::name).collect::<Vec<_>>().join(", ");
    Err(Error::Usage(format!(
        "this query has nothing to compare by {} (it has {}); choose one of those aspects",
        names(&|a| weights[a] > 0.0),
        names(&|a| available[a]),
    )))
}

/// Fills each hit's calibrated scores.
pub(super) fn calibrate(hits: &mut [Hit], calibration: &mut Calibration, weights: &Weights, kind: QueryKind) {
    for hit in hits {
        hit.alike = calibration.weighted(weights, kind, hit.score);
        hit.aspects_alike = hit.aspects.iter().map(|(a, s)| (*a, calibration.aspect(*a, kind, *s))).collect::<HashMap<_, _>>();
    }
}

impl Library {
    /// The features of a part of an image (a file or a library artwork, read from its file), and
    /// the artwork it belongs to (left out of the results, as a whole query's artwork is).
    pub(super) fn region_features(&mut self, image: &Query, region: &Region) -> Result<(ArtworkFeatures, Option<ArtworkId>)> {
        let (path, id) = match image {
            Query::Artwork(id) => {
                let artwork = self.catalog.artwork(*id)?.ok_or_else(|| Error::Usage(format!("there is no artwork {id} in the library")))?;
                (artwork.path, Some(*id))
            }
            Query::File(path) => {
                let abs = fs::canonicalize(path).on_path("cannot open query", path)?;
                let id = self.catalog.artwork_by_path(&abs)?.map(|a| a.id);
                (abs, id)
            }
            _ => return Err(Error::Usage("a region is taken of one image: a file or a library artwork".into())),
        };
        // Read (a regular file of bounded size) before the model is loaded.
        let bytes = search::read_query_file(&path)?;
        let features = search::features_of_part(&path, &bytes, Some(region), self.embedder.get()?)?;
        Ok((features, id))
    }

    /// The library's distribution of similarities, as the last search calibrated with (none
    /// before the first search).
    pub fn calibration(&self) -> Option<&Calibration> {
        self.calibration.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_palette_has_colour_only() {
        let f = palette_features(&[Swatch { rgb: [10, 20, 200], weight: 0.3 }, Swatch { rgb: [250, 200, 0], weight: 0.7 }]);
        assert!(has_vector(&f.embedding.colour) && !has_vector(&f.embedding.texture) && !has_vector(&f.embedding.shape));
        assert_eq!(f.palette[0].rgb, [250, 200, 0], "heaviest swatch first");
    }

    #[test]
    fn aspects_without_a_source_are_off_and_none_left_is_an_error() {
        let colour_only = PerAspect { colour: true, texture: false, shape: false };
        let w = compared_aspects(Weights::ALL, colour_only).unwrap();
        assert_eq!(w, Weights { colour: 1.0, texture: 0.0, shape: 0.0 });
        let e = compared_aspects(Weights::only(Aspect::Shape), colour_only).unwrap_err().to_string();
        assert!(e.contains("nothing to compare by shape (it has colour)"), "{e}");
    }
}
