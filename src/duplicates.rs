//! When two artworks are the same picture: byte-identical files (same content hash), or a
//! near-duplicate (one resized, re-encoded, lightly cropped or retouched from the other). One
//! definition, shared by whatever collapses repeated pictures in results and by the duplicates
//! finder, so both always agree.

use serde::Serialize;

use crate::aspect::PerAspect;
use crate::index::Metric;
use crate::vectors::Embedding;

/// How two artworks are the same picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sameness {
    /// Byte-identical files.
    Exact,
    /// Alike in every aspect beyond [`NEAR_DUPLICATE`].
    Near,
}

/// Smallest cosine similarity, per aspect, at which two artworks are near-duplicates; `None`: the
/// aspect does not decide. Colour and shape must both pass: shape alone would merge two drawings
/// of one subject in different colours, colour alone two pictures in one palette. Texture does not
/// count: it is read at the artwork's own scale, so resizing a copy moves it far (copies of the
/// samples scored as low as 0.51). Measured on the 65 bundled samples (test
/// `near_duplicates_are_copies_and_only_copies`): a copy cropped by 6 % a side, scaled to 70 % and
/// saved as JPEG quality 75 scores at least colour 0.962 and shape 0.709 with its original; of the
/// 2,080 pairs of different samples, those at colour ≥ 0.9 score at most shape 0.563, those at
/// shape ≥ 0.6 at most colour 0.624.
pub const NEAR_DUPLICATE: PerAspect<Option<f32>> = PerAspect { colour: Some(0.9), texture: None, shape: Some(0.65) };

/// Cosine similarity of `a` and `b` in each aspect.
pub fn similarities(a: &Embedding, b: &Embedding) -> PerAspect<f32> {
    PerAspect::from_fn(|aspect| Metric::Cosine.similarity(Metric::Cosine.distance(&a[aspect], &b[aspect])))
}

/// Whether per-aspect similarities (from [`similarities`]) make two artworks near-duplicates.
pub fn is_near_duplicate(similarity: &PerAspect<f32>) -> bool {
    similarity.iter().all(|(aspect, s)| NEAR_DUPLICATE[aspect].is_none_or(|min| *s >= min))
}

/// How `a` and `b` are the same picture, if they are: by content hash first, then by vectors.
pub fn sameness(a: (&[u8; 32], &Embedding), b: (&[u8; 32], &Embedding)) -> Option<Sameness> {
    if a.0 == b.0 {
        return Some(Sameness::Exact);
    }
    is_near_duplicate(&similarities(a.1, b.1)).then_some(Sameness::Near)
}

/// Groups `n` ranked items so that repeated pictures share one group: each item joins the first
/// group whose first (best-ranked) member it is the same picture as ([`sameness`], through
/// `same(first, item)`), or starts a group. Groups come in rank order, members in rank order.
/// Comparing with the group's first member only keeps a chain of slightly different copies from
/// merging two different pictures step by step.
pub fn group_copies(n: usize, mut same: impl FnMut(usize, usize) -> bool) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for item in 0..n {
        match groups.iter_mut().find(|g| same(g[0], item)) {
            Some(group) => group.push(item),
            None => groups.push(vec![item]),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_join_the_best_ranked_picture_they_repeat() {
        // Items 0, 2, 3 are one picture, 1 and 4 another; 5 is alike only to 3 (not to 0).
        let picture = [0, 1, 0, 0, 1, 9];
        let same = |a: usize, b: usize| picture[a] == picture[b] || (a, b) == (3, 5);
        assert_eq!(group_copies(6, same), vec![vec![0, 2, 3], vec![1, 4], vec![5]]);
        assert!(group_copies(0, |_, _| true).is_empty());
    }

    #[test]
    fn same_bytes_are_exact_alike_vectors_near_others_neither() {
        let v =
            |x: f32| Embedding::from_fn(|a| crate::vectors::normalised(&(0..a.dim()).map(|i| ((i as f32) * x).sin()).collect::<Vec<_>>()));
        let (one, two) = ([1u8; 32], [2u8; 32]);
        assert_eq!(sameness((&one, &v(1.0)), (&one, &v(2.0))), Some(Sameness::Exact), "the hash decides first");
        assert_eq!(sameness((&one, &v(1.0)), (&two, &v(1.0))), Some(Sameness::Near));
        assert_eq!(sameness((&one, &v(1.0)), (&two, &v(2.0))), None);
    }
}
