//! A query's results with repeated pictures folded: one tile per picture (the best-ranked copy,
//! from [`crate::library::Library::collapse_copies`]), its other copies shown on demand right
//! after it, so the same image in three folders does not take three places among the best matches.

use std::collections::HashSet;

use crate::catalog::ArtworkId;
use crate::search::Hit;

/// Ranked results, copies folded or shown per picture.
#[derive(Clone, Debug, Default)]
pub struct Ranked {
    /// One hit per picture, best first; each carries its copies.
    pictures: Vec<Hit>,
    /// Pictures whose copies are shown, by the id of their first hit.
    unfolded: HashSet<ArtworkId>,
    /// The tiles: each picture, followed by its copies when unfolded.
    shown: Vec<Hit>,
    /// Index in `pictures` of each tile.
    picture_of: Vec<usize>,
}

impl Ranked {
    /// Results with every picture's copies folded.
    pub fn new(pictures: Vec<Hit>) -> Self {
        Self::unfolding(pictures, HashSet::new())
    }

    /// Results with the copies of these pictures (by first hit) shown: "Show more" keeps what was open.
    pub fn unfolding(pictures: Vec<Hit>, unfolded: HashSet<ArtworkId>) -> Self {
        let mut ranked = Self { pictures, unfolded, shown: Vec::new(), picture_of: Vec::new() };
        ranked.lay_out();
        ranked
    }

    /// The pictures whose copies are shown, by first hit.
    pub fn unfolded(&self) -> &HashSet<ArtworkId> {
        &self.unfolded
    }

    fn lay_out(&mut self) {
        self.shown.clear();
        self.picture_of.clear();
        for (p, hit) in self.pictures.iter().enumerate() {
            self.shown.push(hit.clone());
            self.picture_of.push(p);
            if self.unfolded.contains(&hit.id) {
                self.shown.extend(hit.copies.iter().cloned());
                self.picture_of.extend(std::iter::repeat_n(p, hit.copies.len()));
            }
        }
    }

    /// The tiles, in order.
    pub fn hits(&self) -> &[Hit] {
        &self.shown
    }

    /// How many ranked results these are, copies included (what the search was asked for).
    pub fn ranked_len(&self) -> usize {
        self.pictures.iter().map(|h| 1 + h.copies.len()).sum()
    }

    /// For the first tile of a picture that has copies: how many, and whether they are shown.
    pub fn copies_at(&self, tile: usize) -> Option<(usize, bool)> {
        let hit = self.shown.get(tile)?;
        let first = &self.pictures[self.picture_of[tile]];
        (first.id == hit.id && !first.copies.is_empty()).then(|| (first.copies.len(), self.unfolded.contains(&first.id)))
    }

    /// Whether the tile is a copy of a better-ranked tile shown before it.
    pub fn is_copy(&self, tile: usize) -> bool {
        self.shown.get(tile).is_some_and(|hit| self.pictures[self.picture_of[tile]].id != hit.id)
    }

    /// Shows or folds the copies of the picture at `tile`; returns where `keep` (a tile index, the
    /// selection) is now: the same artwork, or its picture's first tile when it was folded away.
    pub fn toggle(&mut self, tile: usize, keep: Option<usize>) -> Option<usize> {
        let picture = *self.picture_of.get(tile)?;
        let kept = keep.and_then(|k| Some((self.shown.get(k)?.id, *self.picture_of.get(k)?)));
        let id = self.pictures[picture].id;
        if !self.unfolded.remove(&id) {
            self.unfolded.insert(id);
        }
        self.lay_out();
        let (kept_id, kept_picture) = kept?;
        self.shown.iter().position(|h| h.id == kept_id).or_else(|| self.picture_of.iter().position(|&p| p == kept_picture))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: ArtworkId, copies: Vec<Hit>) -> Hit {
        Hit {
            id,
            path: format!("/art/{id}.png").into(),
            score: 0.5,
            aspects: Default::default(),
            alike: 0.5,
            aspects_alike: Default::default(),
            missing: false,
            copies,
        }
    }

    fn ids(r: &Ranked) -> Vec<ArtworkId> {
        r.hits().iter().map(|h| h.id).collect()
    }

    #[test]
    fn copies_unfold_after_their_picture_and_fold_back_keeping_the_selection() {
        let mut r = Ranked::new(vec![hit(1, vec![hit(4, vec![]), hit(5, vec![])]), hit(2, vec![]), hit(3, vec![hit(6, vec![])])]);
        assert_eq!(ids(&r), [1, 2, 3], "copies start folded");
        assert_eq!(r.ranked_len(), 6);
        assert_eq!((r.copies_at(0), r.copies_at(1), r.copies_at(2)), (Some((2, false)), None, Some((1, false))));
        // Unfolding the first picture moves the selected third tile (artwork 3) two places on.
        assert_eq!(r.toggle(0, Some(2)), Some(4));
        assert_eq!(ids(&r), [1, 4, 5, 2, 3]);
        assert_eq!(r.copies_at(0), Some((2, true)));
        assert!(r.is_copy(1) && r.is_copy(2) && !r.is_copy(3) && r.copies_at(1).is_none());
        // Folding from a copy's tile, with that copy selected: the selection goes to its picture.
        assert_eq!(r.toggle(2, Some(2)), Some(0));
        assert_eq!(ids(&r), [1, 2, 3]);
        // "Show more" keeps what was unfolded.
        r.toggle(2, None);
        let more = Ranked::unfolding(
            vec![hit(1, vec![hit(4, vec![])]), hit(2, vec![]), hit(3, vec![hit(6, vec![]), hit(7, vec![])])],
            r.unfolded().clone(),
        );
        assert_eq!(ids(&more), [1, 2, 3, 6, 7]);
    }
}
