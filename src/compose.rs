//! A composed query: "the palette of this, the brushwork of that, the composition of the third,
//! and less like this one". The CLI's `--colour-from … --not …` and the app's composer panel both
//! fill a [`Composition`] and search with the one [`Query::Blend`] it makes.
//!
//! Several images in one aspect combine as the mean of their unit vectors (the multi-image query
//! boards use, [`crate::query::blend_vectors`]): one search, one ranking by closeness to the set
//! as a whole, so a result like all of them beats one that matches a single member. (Best-of,
//! ranking by the nearest member, would need a search per member and lets one outlier member
//! fill the results with its own neighbours.)

use crate::aspect::{Aspect, PerAspect};
use crate::error::{Error, Result};
use crate::query::{BlendPart, Query};

/// How strongly the images pushed away count against the ones pulled towards, per aspect: the
/// query is `mean(pulled) − PUSH · mean(pushed)` (Rocchio's relevance feedback, whose negative
/// weight is customarily a fraction of the positive: pushing at full strength ranks first what is
/// unlike E rather than what is like A and not like E).
pub const PUSH: f32 = 0.5;

/// The images of a composed query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Composition {
    /// Images that count in every aspect (positional queries with `--mix`).
    pub whole: Vec<Query>,
    /// Images (or palettes) that count in one aspect each: the colour of this, the shape of that.
    pub sources: PerAspect<Vec<Query>>,
    /// Images to push away: in every aspect (`None`) or in one.
    pub away: Vec<(Query, Option<Aspect>)>,
}

impl Composition {
    /// Whether nothing pulls the query anywhere yet.
    pub fn is_empty(&self) -> bool {
        self.whole.is_empty() && self.sources.iter().all(|(_, s)| s.is_empty())
    }

    /// Aspects something pulls towards: the others are off in the search.
    pub fn aspects(&self) -> PerAspect<bool> {
        PerAspect::from_fn(|a| !self.whole.is_empty() || !self.sources[a].is_empty())
    }

    /// The query: one image alone as itself, anything more as a blend whose weights make each
    /// aspect's vector `mean(pulled) − PUSH · mean(pushed)`.
    pub fn query(&self) -> Result<Query> {
        if self.is_empty() {
            return Err(Error::Usage("nothing to search with: give an image, a palette, or a source for colour, texture or shape".into()));
        }
        let alone = self.whole.len() == 1 && self.away.is_empty() && self.sources.iter().all(|(_, s)| s.is_empty());
        if alone {
            return Ok(self.whole[0].clone());
        }
        let pulled = PerAspect::from_fn(|a| (self.whole.len() + self.sources[a].len()) as f32);
        let pushed = PerAspect::from_fn(|a| self.away.iter().filter(|(_, only)| only.is_none_or(|o| o == a)).count() as f32);
        let mut parts = Vec::new();
        for image in &self.whole {
            parts.push(BlendPart { image: image.clone(), weights: pulled.map(|_, n| 1.0 / n) });
        }
        for (aspect, images) in self.sources.iter() {
            for image in images {
                let weights = PerAspect::from_fn(|a| if a == aspect { 1.0 / pulled[a] } else { 0.0 });
                parts.push(BlendPart { image: image.clone(), weights });
            }
        }
        for (image, only) in &self.away {
            let weights = PerAspect::from_fn(|a| match only {
                Some(o) if *o != a => 0.0,
                // Pushing in an aspect nothing pulls would turn it on: it stays off.
                _ if pulled[a] == 0.0 => 0.0,
                _ => -PUSH / pushed[a],
            });
            parts.push(BlendPart { image: image.clone(), weights });
        }
        let query = Query::Blend(parts);
        query.validate()?;
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_image_alone_is_itself() {
        let c = Composition { whole: vec![Query::Artwork(4)], ..Default::default() };
        assert_eq!(c.query().unwrap(), Query::Artwork(4));
        assert!(Composition::default().query().is_err());
    }

    #[test]
    fn sources_count_in_their_aspect_only_and_average() {
        let mut c = Composition::default();
        c.sources.colour = vec![Query::Artwork(1)];
        c.sources.texture = vec![Query::Artwork(2), Query::Artwork(3)];
        c.away = vec![(Query::Artwork(9), None), (Query::Artwork(8), Some(Aspect::Colour))];
        assert_eq!(c.aspects(), PerAspect { colour: true, texture: true, shape: false });
        let Query::Blend(parts) = c.query().unwrap() else { panic!("a blend") };
        let w = |id| parts.iter().find(|p| p.image == Query::Artwork(id)).unwrap().weights;
        assert_eq!(w(1), PerAspect { colour: 1.0, texture: 0.0, shape: 0.0 });
        assert_eq!(w(2), PerAspect { colour: 0.0, texture: 0.5, shape: 0.0 });
        assert_eq!(w(9), PerAspect { colour: -PUSH / 2.0, texture: -PUSH, shape: 0.0 }, "shape is off: no push there");
        assert_eq!(w(8), PerAspect { colour: -PUSH / 2.0, texture: 0.0, shape: 0.0 });
    }

    #[test]
    fn pushing_away_alone_is_refused() {
        let c = Composition { away: vec![(Query::Artwork(1), None)], ..Default::default() };
        assert!(c.query().unwrap_err().to_string().contains("nothing to search with"));
    }
}
