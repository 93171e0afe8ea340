//! What a search starts from: one image (an artwork of the library or any image file), or several
//! images blended into one query. Boards ("more like this board"), mixes ("the colour of this one,
//! the shape of that one"), "more like these" and pushing an image away are all blends, so they
//! share one definition and one path through the library. A palette and a region of an image
//! are images of their own kind: alone or as members of a blend.

use std::path::PathBuf;

use crate::aspect::{Aspect, PerAspect, Weights};
use crate::catalog::ArtworkId;
use crate::colour::Swatch;
use crate::error::{Error, Result};
use crate::region::Region;

/// What to search with.
#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// An artwork already in the library (it is excluded from its own results).
    Artwork(ArtworkId),
    /// An image file, in the library or not.
    File(PathBuf),
    /// Colours and their shares ([`crate::palette::parse`]): searches colour alone, with the
    /// histogram of an image made of exactly these colours.
    Palette(Vec<Swatch>),
    /// A part of an image ([`Query::Artwork`] or [`Query::File`]); only the crop is embedded.
    Region {
        /// The whole image.
        image: Box<Query>,
        /// The part of it, in pixels of the oriented picture.
        region: Region,
    },
    /// Several images as one query; every member in the library is excluded from the results.
    Blend(Vec<BlendPart>),
}

/// One image of a [`Query::Blend`] and how much it counts.
#[derive(Clone, Debug, PartialEq)]
pub struct BlendPart {
    /// The image: any query but a blend (blends do not nest).
    pub image: Query,
    /// How much the image counts in each aspect's blended vector; zero leaves the aspect to the
    /// other images, a negative weight pushes results away from this image.
    pub weights: PerAspect<f32>,
}

impl BlendPart {
    /// An image counting once in every aspect.
    pub fn equal(image: Query) -> Self {
        Self { image, weights: PerAspect::from_fn(|_| 1.0) }
    }
}

impl Query {
    /// Several images, each counting once in every aspect ("more like these", a board).
    pub fn like_all(images: impl IntoIterator<Item = Query>) -> Self {
        Query::Blend(images.into_iter().map(BlendPart::equal).collect())
    }

    /// Checks that a blend has a member, no nested blend, and finite weights that pull towards
    /// something in at least one aspect.
    pub fn validate(&self) -> Result<()> {
        let parts = match self {
            Query::Blend(parts) => parts,
            Query::Palette(swatches) => return validate_palette(swatches),
            Query::Region { image, .. } => {
                return match **image {
                    Query::Artwork(_) | Query::File(_) => Ok(()),
                    _ => Err(Error::Usage("a region is taken of one image: a file or a library artwork".into())),
                };
            }
            Query::Artwork(_) | Query::File(_) => return Ok(()),
        };
        if parts.is_empty() {
            return Err(Error::Usage("a blended query needs at least one image".into()));
        }
        if parts.iter().any(|p| matches!(p.image, Query::Blend(_))) {
            return Err(Error::Usage("blended queries do not nest".into()));
        }
        for part in parts {
            part.image.validate()?;
        }
        if parts.iter().any(|p| p.weights.iter().any(|(_, w)| !w.is_finite())) {
            return Err(Error::Usage("blend weights must be finite".into()));
        }
        if !Aspect::ALL.iter().any(|a| parts.iter().any(|p| p.weights[*a] > 0.0)) {
            return Err(Error::Usage("a blended query needs an image that counts positively in some aspect".into()));
        }
        Ok(())
    }
}

/// A palette needs a colour, each with a finite positive share.
fn validate_palette(swatches: &[Swatch]) -> Result<()> {
    if swatches.is_empty() {
        return Err(Error::Usage("a palette query needs at least one colour".into()));
    }
    if swatches.iter().any(|s| !(s.weight.is_finite() && s.weight > 0.0)) {
        return Err(Error::Usage("every colour of a palette needs a positive share".into()));
    }
    Ok(())
}

/// What kind of picture a query is. The default `all` weighs the aspects by it, because what two
/// works by one hand share differs (BENCHMARKS.md, "Real art"): full pictures share colour and
/// brushwork; cut-outs (icons, sprites, stickers: artwork on a transparent background) of one set
/// come in every colour and share how they are drawn and rendered instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryKind {
    /// A full picture: photo, painting, screenshot, card.
    Picture,
    /// Artwork on a transparent background.
    Cutout,
}

impl QueryKind {
    /// Share of transparent pixels from which an image counts as a cut-out (a faint transparent
    /// corner does not make a picture a cut-out).
    pub const CUTOUT_SHARE: f32 = 0.01;

    /// `all` for a cut-out: texture 1, shape 0.25, colour off. Chosen by cross-validation across
    /// the real-art families (leave one family out and two-fold; BENCHMARKS.md, "Real art"); the
    /// synthetic benchmark has no cut-outs, so its figures are those of [`Weights::ALL`].
    pub const CUTOUT_WEIGHTS: Weights = Weights { colour: 0.0, texture: 1.0, shape: 0.25 };

    /// The kind of an image with this share of transparent pixels.
    pub fn of(transparent: f32) -> Self {
        if transparent >= Self::CUTOUT_SHARE { QueryKind::Cutout } else { QueryKind::Picture }
    }

    /// The weights a search of this kind uses: the preset `all` ([`Weights::ALL`], or weights in
    /// its proportions) adapts to the kind; any other weights (one aspect, the user's sliders) are
    /// taken as they are.
    pub fn weights(self, requested: &Weights) -> Weights {
        match self {
            QueryKind::Cutout if requested.normalised() == Weights::ALL.normalised() => Self::CUTOUT_WEIGHTS,
            _ => *requested,
        }
    }
}

/// Blends unit vectors: `normalise(Σ wᵢ·vᵢ)`, i.e. the direction of the weighted mean, so that
/// cosine similarity to it ranks by closeness to the members as a whole. A blend that cancels out
/// (or has no weight) is the zero vector: that aspect then matches nothing in particular.
pub fn blend_vectors<'a>(parts: impl IntoIterator<Item = (f32, &'a [f32])>, dim: usize) -> Vec<f32> {
    let mut sum = vec![0.0f32; dim];
    for (w, v) in parts {
        for (s, x) in sum.iter_mut().zip(v) {
            *s += w * x;
        }
    }
    crate::vectors::normalised(&sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blends_are_validated() {
        assert!(Query::Blend(vec![]).validate().is_err());
        let nested = Query::Blend(vec![BlendPart::equal(Query::like_all([Query::Artwork(1)]))]);
        assert!(nested.validate().is_err());
        let away_only = Query::Blend(vec![BlendPart { image: Query::Artwork(1), weights: PerAspect::from_fn(|_| -1.0) }]);
        assert!(away_only.validate().is_err());
        assert!(Query::like_all([Query::Artwork(1), Query::Artwork(2)]).validate().is_ok());
        assert!(Query::Artwork(3).validate().is_ok());
        assert!(Query::Palette(vec![]).validate().is_err());
        let red = Swatch { rgb: [200, 0, 0], weight: 1.0 };
        assert!(Query::Palette(vec![red]).validate().is_ok());
        assert!(Query::Palette(vec![Swatch { weight: 0.0, ..red }]).validate().is_err());
        let region = Region { x: 0, y: 0, w: 20, h: 20 };
        assert!(Query::Region { image: Box::new(Query::Artwork(1)), region }.validate().is_ok());
        assert!(Query::Region { image: Box::new(Query::Palette(vec![red])), region }.validate().is_err());
        let in_blend = Query::like_all([Query::Artwork(1), Query::Palette(vec![])]);
        assert!(in_blend.validate().is_err(), "members are validated");
    }

    #[test]
    fn all_adapts_to_cutouts_and_explicit_weights_do_not() {
        assert_eq!(QueryKind::of(0.0), QueryKind::Picture);
        assert_eq!(QueryKind::of(0.005), QueryKind::Picture);
        assert_eq!(QueryKind::of(0.4), QueryKind::Cutout);
        assert_eq!(QueryKind::Picture.weights(&Weights::ALL), Weights::ALL);
        assert_eq!(QueryKind::Cutout.weights(&Weights::ALL), QueryKind::CUTOUT_WEIGHTS);
        let colour = Weights::only(Aspect::Colour);
        assert_eq!(QueryKind::Cutout.weights(&colour), colour);
        QueryKind::CUTOUT_WEIGHTS.validate().unwrap();
    }

    #[test]
    fn blended_vector_is_the_normalised_weighted_sum() {
        let (a, b) = ([1.0, 0.0], [0.0, 1.0]);
        let mean = blend_vectors([(1.0, &a[..]), (1.0, &b[..])], 2);
        assert!((mean[0] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6 && (mean[0] - mean[1]).abs() < 1e-6);
        let pushed = blend_vectors([(1.0, &a[..]), (-0.5, &b[..])], 2);
        assert!(pushed[0] > 0.0 && pushed[1] < 0.0);
        assert_eq!(blend_vectors([(1.0, &a[..]), (-1.0, &a[..])], 2), vec![0.0, 0.0]);
    }
}
