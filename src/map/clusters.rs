//! Clusters on the map: HDBSCAN (`petal-clustering`) over the 2-D layout. The layout already
//! gathers kindred artworks into dense islands; HDBSCAN finds islands of any shape and density and
//! leaves stragglers unclustered instead of forcing them into the nearest group (k-means would).

use ndarray::Array2;
use petal_clustering::{Fit, HDbscan};

/// The smallest cluster worth a label: about one in fifty artworks, so a map shows a few dozen
/// clusters at most, and never fewer than five artworks.
pub fn min_cluster_size(points: usize) -> usize {
    (points / 50).max(5)
}

/// Each point's cluster (`None`: not in any), numbered largest first (ties: by lowest member).
pub fn label(positions: &[[f32; 2]], min_size: usize) -> Vec<Option<u32>> {
    let mut labels = vec![None; positions.len()];
    let all: Vec<usize> = (0..positions.len()).collect();
    let mut groups = groups(positions, &all, min_size, SPLIT_DEPTH);
    groups.iter_mut().for_each(|g| g.sort_unstable());
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a.first().cmp(&b.first())));
    for (c, members) in groups.iter().enumerate() {
        for &i in members {
            labels[i] = Some(c as u32);
        }
    }
    labels
}

/// Times a cluster holding more than [`SPLIT_SHARE`] of its parent set is clustered again.
const SPLIT_DEPTH: usize = 3;
/// Smallest cluster that is ever split: a smaller one is small enough to read as one label.
const SPLIT_MIN: usize = 400;
/// Share of a split cluster its parts must hold: HDBSCAN run on one cluster alone must split it
/// (it never returns the whole set), and a uniform blob forced apart leaves much of it as noise.
const SPLIT_COVER: f32 = 0.7;
/// HDBSCAN's excess-of-mass choice keeps a large parent whose stability beats its children's:
/// on a map of related artworks (one continent of icons) that is a single label over most of the
/// library, which tells the artist nothing. A cluster above this share of the points it was found
/// among (and at least [`SPLIT_MIN`]) is clustered again on its own, and replaced by its parts
/// when it has two or more holding at least [`SPLIT_COVER`] of it.
const SPLIT_SHARE: f32 = 0.25;

/// The clusters among `rows` of `positions` (indices into `positions`), large ones split.
fn groups(positions: &[[f32; 2]], rows: &[usize], min_size: usize, depth: usize) -> Vec<Vec<usize>> {
    if rows.len() < min_size.max(2) {
        return Vec::new();
    }
    let data = Array2::from_shape_fn((rows.len(), 2), |(i, d)| positions[rows[i]][d]);
    let mut hdbscan = HDbscan { min_samples: min_size.min(15), min_cluster_size: min_size, ..HDbscan::default() };
    let (found, _noise, _scores) = hdbscan.fit(&data, None);
    let mut out = Vec::new();
    for members in found.into_values() {
        let members: Vec<usize> = members.into_iter().map(|i| rows[i]).collect();
        if depth > 0 && members.len() as f32 > SPLIT_SHARE * rows.len() as f32 && members.len() >= SPLIT_MIN.max(4 * min_size) {
            let parts = groups(positions, &members, min_size, depth - 1);
            let covered = parts.iter().map(Vec::len).sum::<usize>();
            if parts.len() >= 2 && covered as f32 >= SPLIT_COVER * members.len() as f32 {
                out.extend(parts);
                continue;
            }
        }
        out.push(members);
    }
    out
}

/// The convex hull of `points` (Andrew's monotone chain), counter-clockwise: a cluster's outline.
pub fn hull(points: &[[f32; 2]]) -> Vec<[f32; 2]> {
    let mut p: Vec<[f32; 2]> = points.to_vec();
    p.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let cross = |o: [f32; 2], a: [f32; 2], b: [f32; 2]| (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    let mut lower: Vec<[f32; 2]> = Vec::new();
    for &q in &p {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], q) <= 0.0 {
            lower.pop();
        }
        lower.push(q);
    }
    let mut upper: Vec<[f32; 2]> = Vec::new();
    for &q in p.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], q) <= 0.0 {
            upper.pop();
        }
        upper.push(q);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::rng::SplitMix;

    #[test]
    fn two_separated_blobs_are_two_clusters_largest_first() {
        let mut rng = SplitMix::new(5);
        let mut points: Vec<[f32; 2]> = (0..40).map(|_| [rng.symmetric(), rng.symmetric()]).collect();
        points.extend((0..60).map(|_| [20.0 + rng.symmetric(), rng.symmetric()]));
        let labels = label(&points, 5);
        assert!(labels[40..].iter().all(|l| *l == Some(0)), "{labels:?}");
        assert!(labels[..40].iter().all(|l| *l == Some(1)), "{labels:?}");
        assert!(label(&points[..3], 5).iter().all(Option::is_none));
    }

    #[test]
    fn a_continent_of_islands_is_split_into_its_islands() {
        // Eight tight islands close together inside one loose continent, and one far island.
        let mut rng = SplitMix::new(9);
        let mut points = Vec::new();
        for k in 0..8 {
            let (cx, cy) = ((k % 4) as f32 * 3.0, (k / 4) as f32 * 3.0);
            points.extend((0..60).map(|_| [cx + 0.4 * rng.symmetric(), cy + 0.4 * rng.symmetric()]));
        }
        points.extend((0..40).map(|_| [100.0 + rng.symmetric(), rng.symmetric()]));
        let labels = label(&points, 8);
        let count = labels.iter().flatten().map(|c| *c + 1).max().unwrap_or(0);
        assert!(count >= 8, "{count} clusters");
        let largest = (0..count).map(|c| labels.iter().filter(|l| **l == Some(c)).count()).max().unwrap();
        assert!(largest <= 60, "no cluster spans several islands: largest {largest}");
        // A uniform blob of the same size: what HDBSCAN finds in it is not forced further apart.
        let blob: Vec<[f32; 2]> = (0..520).map(|_| [4.0 * rng.symmetric(), 4.0 * rng.symmetric()]).collect();
        let rows: Vec<usize> = (0..blob.len()).collect();
        assert_eq!(groups(&blob, &rows, 8, SPLIT_DEPTH).len(), groups(&blob, &rows, 8, 0).len());
    }

    #[test]
    fn hull_of_a_square_with_an_inside_point() {
        let h = hull(&[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 0.5]]);
        assert_eq!(h.len(), 4);
        assert!(!h.contains(&[0.5, 0.5]));
    }
}
