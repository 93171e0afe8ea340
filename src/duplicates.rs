//! When two artworks are the same picture: byte-identical files (same content hash), or a
//! near-duplicate (one resized, re-encoded, lightly cropped or retouched from the other). One
//! definition, shared by whatever collapses repeated pictures in results and by the duplicates
//! finder, so both always agree.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::aspect::{Aspect, PerAspect};
use crate::catalog::{ArtworkId, Catalog};
use crate::error::Result;
use crate::index::{AspectIndexes, Metric};
use crate::mirror;
use crate::model::ModelId;
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

/// Cosine similarity of `a` and `b` in each aspect; shape takes the closer of `a` and its mirror
/// image ([`crate::mirror`]), so a flipped copy is a copy.
pub fn similarities(a: &Embedding, b: &Embedding) -> PerAspect<f32> {
    let cosine = Metric::Cosine;
    PerAspect::from_fn(|aspect| match aspect {
        Aspect::Shape => mirror::shape_similarity(cosine, &a[aspect], &mirror::mirrored_shape(&a[aspect]), &b[aspect]),
        _ => cosine.similarity(cosine.distance(&a[aspect], &b[aspect])),
    })
}

/// Smallest shape similarity of two near-duplicates that are both cut-outs (artwork on a
/// transparent background, [`crate::QueryKind::Cutout`]). Their colour is mostly the background,
/// so colour passes for any two sprites of one set and composition must decide: measured on the
/// 1,132 real artworks of 11 families (icons, sprites, portraits) plus 158 copies of 80 of them
/// (cropped 6 % + 70 % + JPEG 75, and 70 % PNG keeping alpha), raising the minimum for cut-out
/// pairs from 0.65 to 0.85 keeps every copy found (143 of 158 either way; the plain resized PNG
/// copies score shape ≥ 0.866) and cuts the different pairs taken for copies from 633 to 30 of
/// 640,146 (those left are icons differing by a small badge). Precision and recall of the
/// finder on real art: `scripts/realart/duplicates_eval.sh` (BENCHMARKS.md).
pub const CUTOUT_MIN_SHAPE: f32 = 0.85;

/// Whether per-aspect similarities (from [`similarities`]) make two artworks near-duplicates;
/// `both_cutouts`: both are cut-outs (the stricter shape minimum, [`CUTOUT_MIN_SHAPE`]).
pub fn is_near_duplicate(similarity: &PerAspect<f32>, both_cutouts: bool) -> bool {
    passes(similarity, &near_test(NEAR_DUPLICATE.shape.unwrap_or(1.0), both_cutouts))
}

/// The near-duplicate minimums with `min_shape` for pictures (cut-out pairs never below
/// [`CUTOUT_MIN_SHAPE`]).
fn near_test(min_shape: f32, both_cutouts: bool) -> PerAspect<Option<f32>> {
    let shape = if both_cutouts { min_shape.max(CUTOUT_MIN_SHAPE) } else { min_shape };
    PerAspect { shape: Some(shape), ..NEAR_DUPLICATE }
}

/// Whether similarities reach every minimum of `test`.
fn passes(similarity: &PerAspect<f32>, test: &PerAspect<Option<f32>>) -> bool {
    similarity.iter().all(|(aspect, s)| test[aspect].is_none_or(|min| *s >= min))
}

/// What the sameness test reads of an artwork.
#[derive(Clone, Copy, Debug)]
pub struct Looks<'a> {
    /// Content hash, when known.
    pub hash: Option<&'a [u8; 32]>,
    /// Its vectors.
    pub embedding: &'a Embedding,
    /// Share of transparent pixels (a cut-out from [`crate::QueryKind::CUTOUT_SHARE`]).
    pub transparent: f32,
}

impl Looks<'_> {
    fn cutout(&self) -> bool {
        crate::QueryKind::of(self.transparent) == crate::QueryKind::Cutout
    }
}

/// How `a` and `b` are the same picture, if they are: by content hash first, then by vectors.
pub fn sameness(a: &Looks<'_>, b: &Looks<'_>) -> Option<Sameness> {
    sameness_at(a, b, NEAR_DUPLICATE.shape.unwrap_or(1.0))
}

/// [`sameness`] with `min_shape` as the pictures' shape minimum (higher is stricter).
pub fn sameness_at(a: &Looks<'_>, b: &Looks<'_>, min_shape: f32) -> Option<Sameness> {
    if a.hash.is_some() && a.hash == b.hash {
        return Some(Sameness::Exact);
    }
    passes(&similarities(a.embedding, b.embedding), &near_test(min_shape, a.cutout() && b.cutout())).then_some(Sameness::Near)
}

/// Nearest neighbours asked of the colour and of the shape index per artwork when looking for its
/// copies: a copy passes both tests, so it ranks near the top of at least one of them.
const NEIGHBOURS: usize = 10;

/// An artwork in a group of copies.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    /// Artwork id.
    pub id: ArtworkId,
    /// Its file.
    #[serde(serialize_with = "crate::pathtext::lossy")]
    pub path: PathBuf,
    /// File size in bytes.
    pub size: u64,
    /// Pixel width (oriented).
    pub width: Option<u32>,
    /// Pixel height (oriented).
    pub height: Option<u32>,
}

/// Artworks that are all the same picture.
#[derive(Clone, Debug, Serialize)]
pub struct DuplicateGroup {
    /// Exact when every member has the same bytes, near otherwise.
    pub kind: Sameness,
    /// Best quality first (most pixels, then the largest file: the least re-encoded).
    pub members: Vec<Member>,
}

/// Every group of copies in the library, largest groups first. Candidates come from each artwork's
/// [`NEIGHBOURS`] nearest in the colour and the shape index (no pass over all pairs), and every
/// pair is confirmed by [`sameness`]; `min_shape` replaces the shape minimum of
/// [`NEAR_DUPLICATE`] (higher is stricter). Copies of copies are gathered, then every member of
/// a group is the same picture as its first (best) member, as in [`group_copies`].
pub fn find_groups(catalog: &Catalog, model: &ModelId, indexes: &AspectIndexes, min_shape: f32) -> Result<Vec<DuplicateGroup>> {
    let by_hash = catalog.embedded_by_hash(model)?;
    let mut hashes: HashMap<ArtworkId, [u8; 32]> = HashMap::new();
    for (hash, ids) in &by_hash {
        hashes.extend(ids.iter().map(|&id| (id, *hash)));
    }
    let transparent = catalog.transparent_shares()?;
    let mut groups = UnionFind::default();
    catalog.for_each_embedding(model, |id, embedding| {
        let mut candidates = Vec::with_capacity(3 * NEIGHBOURS);
        let mirrored = mirror::mirrored_shape(&embedding[Aspect::Shape]);
        for (aspect, vector) in
            [(Aspect::Colour, &embedding[Aspect::Colour]), (Aspect::Shape, &embedding[Aspect::Shape]), (Aspect::Shape, &mirrored)]
        {
            let found = indexes.get(aspect).search(vector, NEIGHBOURS + 1)?;
            candidates.extend(found.into_iter().map(|n| n.key as ArtworkId).filter(|&c| c != id));
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|&c| groups.root(c) != groups.root(id));
        for (c, other) in catalog.embeddings(&candidates, model)? {
            let (a, b) = (looks(&hashes, &transparent, id, &embedding), looks(&hashes, &transparent, c, &other));
            if sameness_at(&a, &b, min_shape).is_some() {
                groups.join(id, c);
            }
        }
        Ok(())
    })?;
    // Byte-identical files the index did not pair (many identical copies crowd the neighbours).
    for ids in by_hash.values() {
        ids.windows(2).for_each(|w| groups.join(w[0], w[1]));
    }
    let mut out = Vec::new();
    for ids in groups.groups() {
        let mut members = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(a) = catalog.artwork(*id)?.filter(|a| a.status == crate::catalog::Status::Ok) {
                members.push(Member { id: a.id, path: a.path, size: a.size, width: a.width, height: a.height });
            }
        }
        if members.len() < 2 {
            continue;
        }
        let pixels = |m: &Member| u64::from(m.width.unwrap_or(0)) * u64::from(m.height.unwrap_or(0));
        members.sort_by(|a, b| pixels(b).cmp(&pixels(a)).then(b.size.cmp(&a.size)).then(a.id.cmp(&b.id)));
        // Copies of copies were joined above; a group keeps only what is the same picture as its
        // best member (the one kept if the others went), and the rest make groups of their own.
        let ids: Vec<ArtworkId> = members.iter().map(|m| m.id).collect();
        let embeddings = catalog.embeddings(&ids, model)?;
        let same = |a: ArtworkId, b: ArtworkId| match (embeddings.get(&a), embeddings.get(&b)) {
            (Some(ea), Some(eb)) => {
                sameness_at(&looks(&hashes, &transparent, a, ea), &looks(&hashes, &transparent, b, eb), min_shape).is_some()
            }
            _ => false,
        };
        while members.len() > 1 {
            let best = members[0].id;
            let (mut group, mut rest) = (Vec::new(), Vec::new());
            for (i, m) in members.into_iter().enumerate() {
                if i == 0 || same(best, m.id) { group.push(m) } else { rest.push(m) }
            }
            members = rest;
            if group.len() < 2 {
                continue;
            }
            let first = hashes.get(&group[0].id);
            let kind = if first.is_some() && group.iter().all(|m| hashes.get(&m.id) == first) { Sameness::Exact } else { Sameness::Near };
            out.push(DuplicateGroup { kind, members: group });
        }
    }
    out.sort_by(|a, b| b.members.len().cmp(&a.members.len()).then(a.members[0].id.cmp(&b.members[0].id)));
    Ok(out)
}

/// What the sameness test reads of artwork `id`.
fn looks<'a>(
    hashes: &'a HashMap<ArtworkId, [u8; 32]>,
    transparent: &HashMap<ArtworkId, f32>,
    id: ArtworkId,
    embedding: &'a Embedding,
) -> Looks<'a> {
    Looks { hash: hashes.get(&id), embedding, transparent: transparent.get(&id).copied().unwrap_or(0.0) }
}

/// Disjoint sets of artwork ids (groups of copies), with path compression.
#[derive(Default)]
struct UnionFind {
    parent: HashMap<ArtworkId, ArtworkId>,
}

impl UnionFind {
    fn root(&mut self, id: ArtworkId) -> ArtworkId {
        let parent = *self.parent.get(&id).unwrap_or(&id);
        if parent == id {
            return id;
        }
        let root = self.root(parent);
        self.parent.insert(id, root);
        root
    }

    fn join(&mut self, a: ArtworkId, b: ArtworkId) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.parent.insert(ra.max(rb), ra.min(rb));
        }
    }

    /// The sets of more than one id, each sorted.
    fn groups(mut self) -> Vec<Vec<ArtworkId>> {
        let ids: Vec<ArtworkId> = self.parent.keys().copied().collect();
        let mut by_root: HashMap<ArtworkId, Vec<ArtworkId>> = HashMap::new();
        for id in ids {
            let root = self.root(id);
            by_root.entry(root).or_default().push(id);
        }
        let mut out: Vec<Vec<ArtworkId>> = by_root
            .into_iter()
            .map(|(root, mut ids)| {
                ids.push(root);
                ids.sort_unstable();
                ids.dedup();
                ids
            })
            .collect();
        out.sort();
        out
    }
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
        let (e1, e2) = (v(1.0), v(2.0));
        let looks = |hash, embedding| Looks { hash: Some(hash), embedding, transparent: 0.0 };
        assert_eq!(sameness(&looks(&one, &e1), &looks(&one, &e2)), Some(Sameness::Exact), "the hash decides first");
        assert_eq!(sameness(&looks(&one, &e1), &looks(&two, &e1)), Some(Sameness::Near));
        assert_eq!(sameness(&looks(&one, &e1), &looks(&two, &e2)), None);
        let unhashed = |embedding| Looks { hash: None, embedding, transparent: 0.0 };
        assert_eq!(sameness(&unhashed(&e1), &unhashed(&e2)), None, "no hash is no match");
    }

    #[test]
    fn two_cutouts_need_a_closer_composition() {
        let sim = |shape| PerAspect { colour: 0.99, texture: 0.5, shape };
        assert!(is_near_duplicate(&sim(0.7), false) && !is_near_duplicate(&sim(0.7), true));
        assert!(is_near_duplicate(&sim(0.9), true));
        assert!(!is_near_duplicate(&PerAspect { colour: 0.8, ..sim(0.99) }, false), "colour must pass too");
    }
}
