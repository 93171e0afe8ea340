//! The aspects of an artwork Kindred compares, one value per aspect ([`PerAspect`]), and how the
//! aspects are weighted in a search ([`Weights`]). Adding an aspect starts here: its variant, its
//! name, its vector length and a field of [`PerAspect`]; the compiler then points at the rest.

use std::fmt;
use std::ops::{Index, IndexMut};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::colour::COLOUR_DIM;
use crate::error::{Error, Result};
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

    /// Position in [`Aspect::ALL`] (storage order: catalog columns, index file lists).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Lower-case name, as used on the command line, in files and in catalog columns.
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

/// One `T` per aspect: vectors, weights, indexes, file names. Serialised as an object keyed by
/// aspect name (`{"colour": …, "texture": …, "shape": …}`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PerAspect<T> {
    /// Colour's value.
    pub colour: T,
    /// Texture's value.
    pub texture: T,
    /// Shape's value.
    pub shape: T,
}

impl<T> PerAspect<T> {
    /// The value `f(aspect)` for each aspect.
    pub fn from_fn(mut f: impl FnMut(Aspect) -> T) -> Self {
        Self { colour: f(Aspect::Colour), texture: f(Aspect::Texture), shape: f(Aspect::Shape) }
    }

    /// Like [`PerAspect::from_fn`], stopping at the first error.
    pub fn try_from_fn<E>(mut f: impl FnMut(Aspect) -> Result<T, E>) -> Result<Self, E> {
        Ok(Self { colour: f(Aspect::Colour)?, texture: f(Aspect::Texture)?, shape: f(Aspect::Shape)? })
    }

    /// The value of one aspect.
    pub fn get(&self, aspect: Aspect) -> &T {
        match aspect {
            Aspect::Colour => &self.colour,
            Aspect::Texture => &self.texture,
            Aspect::Shape => &self.shape,
        }
    }

    /// The value of one aspect, to change.
    pub fn get_mut(&mut self, aspect: Aspect) -> &mut T {
        match aspect {
            Aspect::Colour => &mut self.colour,
            Aspect::Texture => &mut self.texture,
            Aspect::Shape => &mut self.shape,
        }
    }

    /// Each aspect with its value, in [`Aspect::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Aspect, &T)> {
        Aspect::ALL.into_iter().map(move |a| (a, self.get(a)))
    }

    /// Each aspect with its value to change, in [`Aspect::ALL`] order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Aspect, &mut T)> {
        [(Aspect::Colour, &mut self.colour), (Aspect::Texture, &mut self.texture), (Aspect::Shape, &mut self.shape)].into_iter()
    }

    /// `f(aspect, value)` for each aspect.
    pub fn map<U>(self, mut f: impl FnMut(Aspect, T) -> U) -> PerAspect<U> {
        PerAspect { colour: f(Aspect::Colour, self.colour), texture: f(Aspect::Texture, self.texture), shape: f(Aspect::Shape, self.shape) }
    }

    /// Borrows each value.
    pub fn as_ref(&self) -> PerAspect<&T> {
        PerAspect { colour: &self.colour, texture: &self.texture, shape: &self.shape }
    }
}

impl<T> Index<Aspect> for PerAspect<T> {
    type Output = T;
    fn index(&self, aspect: Aspect) -> &T {
        self.get(aspect)
    }
}

impl<T> IndexMut<Aspect> for PerAspect<T> {
    fn index_mut(&mut self, aspect: Aspect) -> &mut T {
        self.get_mut(aspect)
    }
}

/// How much each aspect counts in a search. Weights are non-negative and not all zero.
pub type Weights = PerAspect<f32>;

impl PerAspect<f32> {
    /// The default used by `--aspect all`: colour 1, texture 0.5, shape 0.2. The aspects'
    /// similarities spread differently (shape is the most selective: related pictures score about
    /// 0.75 on it, unrelated ones about 0.07), so equal weights let shape alone decide the order.
    /// Chosen by two-fold cross-validation over the quality benchmark's sources (BENCHMARKS.md,
    /// "Weights of `all`").
    pub const ALL: Weights = Weights { colour: 1.0, texture: 0.5, shape: 0.2 };

    /// Only one aspect counts.
    pub fn only(aspect: Aspect) -> Self {
        Self::from_fn(|a| if a == aspect { 1.0 } else { 0.0 })
    }

    /// Aspects with a positive weight.
    pub fn active(&self) -> impl Iterator<Item = Aspect> + '_ {
        Aspect::ALL.into_iter().filter(|a| self[*a] > 0.0)
    }

    /// Sum of the weights.
    pub fn total(&self) -> f32 {
        self.iter().map(|(_, w)| *w).sum()
    }

    /// Checks the weights are usable.
    pub fn validate(&self) -> Result<()> {
        if self.iter().any(|(_, w)| !(*w >= 0.0 && w.is_finite())) {
            return Err(Error::Usage("weights must be finite and non-negative".into()));
        }
        if self.active().next().is_none() {
            return Err(Error::Usage("at least one weight must be positive".into()));
        }
        // A subnormal weight has lost its precision (1e-45 is stored as 1.4e-45, 3e-45 as 2.8e-45)
        // and its products with similarities underflow: every score came out 1.000.
        if let Some((a, w)) = self.iter().find(|(_, w)| **w > 0.0 && !w.is_normal()) {
            return Err(Error::Usage(format!(
                "{a} weight {w:e} is too small to compute with (the smallest is {:e}); weights are relative: 1,0,0 means the same \
                 as 0.001,0,0",
                f32::MIN_POSITIVE
            )));
        }
        Ok(())
    }

    /// The same weights scaled so the largest is 1: weights are relative, and scaled they neither
    /// overflow when summed (3e38 three times) nor underflow when multiplied.
    pub fn normalised(&self) -> Self {
        let max = self.iter().map(|(_, w)| *w).fold(0.0f32, f32::max);
        if max > 0.0 && max.is_finite() { self.map(|_, w| w / max) } else { *self }
    }
}

/// `all`, `colour` (or `color`), `texture`, `shape`, or three weights `c,t,s`.
impl FromStr for PerAspect<f32> {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let w = match s.trim().to_ascii_lowercase().as_str() {
            "all" => Weights::ALL,
            "colour" | "color" => Weights::only(Aspect::Colour),
            "texture" | "style" => Weights::only(Aspect::Texture),
            "shape" | "content" => Weights::only(Aspect::Shape),
            other => {
                let parts: Vec<&str> = other.split(',').map(str::trim).collect();
                if parts.len() != Aspect::ALL.len() {
                    return Err(Error::Usage(format!("expected all|colour|texture|shape or three weights c,t,s, got `{s}`")));
                }
                let mut parsed =
                    parts.iter().map(|p| p.parse::<f32>().map_err(|_| Error::Usage(format!("`{p}` is not a number in weights `{s}`"))));
                Weights::try_from_fn(|_| parsed.next().expect("one part per aspect"))?
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
    fn subnormal_weights_are_refused_and_huge_ones_scale() {
        for tiny in ["1e-45,0,0", "1,1e-40,0"] {
            let err = tiny.parse::<Weights>().unwrap_err().to_string();
            assert!(err.contains("too small") && err.contains("relative"), "{tiny}: {err}");
        }
        assert!("1e-30,0,0".parse::<Weights>().is_ok(), "small but normal weights are fine");
        let huge: Weights = "3e38,3e38,1.5e38".parse().unwrap();
        assert_eq!(huge.normalised(), Weights { colour: 1.0, texture: 1.0, shape: 0.5 });
        assert!(huge.normalised().total().is_finite());
    }

    #[test]
    fn per_aspect_serialises_by_name() {
        let w = Weights { colour: 1.0, texture: 0.5, shape: 0.25 };
        assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"colour":1.0,"texture":0.5,"shape":0.25}"#);
        assert_eq!(w.iter().map(|(a, _)| a).collect::<Vec<_>>(), Aspect::ALL);
        assert!(Aspect::ALL.iter().enumerate().all(|(i, a)| a.index() == i), "index() is the position in ALL");
        assert_eq!(w.map(|a, x| format!("{a}={x}")).shape, "shape=0.25");
    }
}
