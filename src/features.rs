//! The three aspects of an artwork Kindred compares, their vectors, and how they are weighted.

use std::fmt;
use std::str::FromStr;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::colour::{COLOUR_DIM, ColourFeatures, Swatch};
use crate::embed::CnnVectors;
use crate::model::{SHAPE_DIM, TEXTURE_DIM};

/// One aspect of similarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aspect {
    /// Colour distribution (CIELAB histogram).
    Colour,
    /// Texture and style (Gram statistics of early CNN features, near the artwork's own scale).
    Texture,
    /// Shape, composition and content (a coarse spatial grid of mid-level CNN features).
    Shape,
}

impl Aspect {
    /// All aspects, in storage order.
    pub const ALL: [Aspect; 3] = [Aspect::Colour, Aspect::Texture, Aspect::Shape];

    /// Vector length of this aspect.
    pub fn dim(self) -> usize {
        match self {
            Aspect::Colour => COLOUR_DIM,
            Aspect::Texture => TEXTURE_DIM,
            Aspect::Shape => SHAPE_DIM,
        }
    }

    /// Lower-case name, as used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            Aspect::Colour => "colour",
            Aspect::Texture => "texture",
            Aspect::Shape => "shape",
        }
    }
}

impl fmt::Display for Aspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An artwork's vectors, each L2-normalised.
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding {
    /// Colour vector (`COLOUR_DIM`).
    pub colour: Vec<f32>,
    /// Texture vector (`TEXTURE_DIM`).
    pub texture: Vec<f32>,
    /// Shape vector (`SHAPE_DIM`).
    pub shape: Vec<f32>,
}

impl Embedding {
    /// Builds the normalised embedding from colour features and CNN outputs.
    pub fn new(colour: &ColourFeatures, cnn: &CnnVectors) -> Self {
        Self { colour: normalised(&colour.histogram), texture: normalised(&cnn.texture), shape: normalised(&cnn.shape) }
    }

    /// The vector of one aspect.
    pub fn get(&self, aspect: Aspect) -> &[f32] {
        match aspect {
            Aspect::Colour => &self.colour,
            Aspect::Texture => &self.texture,
            Aspect::Shape => &self.shape,
        }
    }
}

/// Everything computed for one artwork.
#[derive(Clone, Debug)]
pub struct ArtworkFeatures {
    /// Vectors per aspect.
    pub embedding: Embedding,
    /// Dominant colours for display.
    pub palette: Vec<Swatch>,
}

/// Returns `v / |v|` (a zero vector stays zero).
pub fn normalised(v: &[f32]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 { v.iter().map(|x| x / norm).collect() } else { v.to_vec() }
}

/// How much each aspect counts in a search. Weights are non-negative and not all zero.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Colour weight.
    pub colour: f32,
    /// Texture weight.
    pub texture: f32,
    /// Shape weight.
    pub shape: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Self::ALL
    }
}

impl Weights {
    /// The default used by `--aspect all`: colour 1, texture 0.5, shape 0.2. The aspects'
    /// similarities spread differently (shape is the most selective: related pictures score about
    /// 0.75 on it, unrelated ones about 0.07), so equal weights let shape alone decide the order.
    /// Chosen by two-fold cross-validation over the quality benchmark's sources (BENCHMARKS.md,
    /// "Weights of `all`").
    pub const ALL: Weights = Weights { colour: 1.0, texture: 0.5, shape: 0.2 };

    /// Only one aspect counts.
    pub fn only(aspect: Aspect) -> Self {
        let mut w = Weights { colour: 0.0, texture: 0.0, shape: 0.0 };
        *w.get_mut(aspect) = 1.0;
        w
    }

    /// Weight of one aspect.
    pub fn get(&self, aspect: Aspect) -> f32 {
        match aspect {
            Aspect::Colour => self.colour,
            Aspect::Texture => self.texture,
            Aspect::Shape => self.shape,
        }
    }

    /// Mutable weight of one aspect.
    pub fn get_mut(&mut self, aspect: Aspect) -> &mut f32 {
        match aspect {
            Aspect::Colour => &mut self.colour,
            Aspect::Texture => &mut self.texture,
            Aspect::Shape => &mut self.shape,
        }
    }

    /// Aspects with a positive weight.
    pub fn active(&self) -> impl Iterator<Item = Aspect> + '_ {
        Aspect::ALL.into_iter().filter(|a| self.get(*a) > 0.0)
    }

    /// Checks the weights are usable.
    pub fn validate(&self) -> Result<()> {
        if Aspect::ALL.iter().any(|a| !(self.get(*a) >= 0.0 && self.get(*a).is_finite())) {
            bail!("weights must be finite and non-negative");
        }
        if self.active().next().is_none() {
            bail!("at least one weight must be positive");
        }
        Ok(())
    }
}

/// `all`, `colour` (or `color`), `texture`, `shape`, or three weights `c,t,s`.
impl FromStr for Weights {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        let w = match s.trim().to_ascii_lowercase().as_str() {
            "all" => Weights::ALL,
            "colour" | "color" => Weights::only(Aspect::Colour),
            "texture" | "style" => Weights::only(Aspect::Texture),
            "shape" | "content" => Weights::only(Aspect::Shape),
            other => {
                let parts: Vec<&str> = other.split(',').map(str::trim).collect();
                if parts.len() != 3 {
                    bail!("expected all|colour|texture|shape or three weights c,t,s, got `{s}`");
                }
                let mut vals = [0.0f32; 3];
                for (v, p) in vals.iter_mut().zip(&parts) {
                    *v = p.parse().map_err(|_| anyhow::anyhow!("`{p}` is not a number in weights `{s}`"))?;
                }
                Weights { colour: vals[0], texture: vals[1], shape: vals[2] }
            }
        };
        w.validate()?;
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_presets_and_triples() {
        assert_eq!("all".parse::<Weights>().unwrap(), Weights::ALL);
        assert_eq!("Color".parse::<Weights>().unwrap(), Weights::only(Aspect::Colour));
        assert_eq!("0.5, 0, 2".parse::<Weights>().unwrap(), Weights { colour: 0.5, texture: 0.0, shape: 2.0 });
        assert!("0,0,0".parse::<Weights>().is_err());
        assert!("1,-1,1".parse::<Weights>().is_err());
        assert!("1,2".parse::<Weights>().is_err());
        assert!("bright".parse::<Weights>().is_err());
    }

    #[test]
    fn normalised_has_unit_length() {
        let v = normalised(&[3.0, 4.0]);
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        assert_eq!(normalised(&[0.0, 0.0]), vec![0.0, 0.0]);
    }
}
