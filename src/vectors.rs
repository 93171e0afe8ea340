//! What Kindred stores per artwork: one unit vector per aspect ([`Embedding`]) and the palette shown
//! beside it ([`ArtworkFeatures`]). Types only; the vectors are computed in [`crate::colour`] and
//! [`crate::embed`].

use crate::aspect::PerAspect;
use crate::colour::{ColourFeatures, Swatch};
use crate::embed::CnnVectors;

/// An artwork's vectors, one per aspect, each L2-normalised.
pub type Embedding = PerAspect<Vec<f32>>;

impl PerAspect<Vec<f32>> {
    /// Builds the normalised embedding from colour features and CNN outputs. Texture: the CNN's
    /// texture (unit length) and its style ([`crate::style`], unit length), each `1/sqrt(2)` of
    /// the stored vector.
    pub fn new(colour: &ColourFeatures, cnn: &CnnVectors) -> Self {
        let mut texture = normalised(&cnn.texture);
        texture.extend(crate::style::style_vector(&texture));
        Self { colour: normalised(&colour.histogram), texture: normalised(&texture), shape: normalised(&cnn.shape) }
    }
}

/// Everything computed for one artwork.
#[derive(Clone, Debug)]
pub struct ArtworkFeatures {
    /// Vectors per aspect.
    pub embedding: Embedding,
    /// Dominant colours for display.
    pub palette: Vec<Swatch>,
    /// Share of the pixels that are transparent: a cut-out (icon, sprite, sticker) is searched
    /// differently by `all` (see [`crate::query::QueryKind`]).
    pub transparent: f32,
}

/// Returns `v / |v|` (a zero vector stays zero).
pub fn normalised(v: &[f32]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 { v.iter().map(|x| x / norm).collect() } else { v.to_vec() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_has_unit_length() {
        let v = normalised(&[3.0, 4.0]);
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        assert_eq!(normalised(&[0.0, 0.0]), vec![0.0, 0.0]);
    }
}
