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
    if positions.len() < min_size.max(2) {
        return labels;
    }
    let data = Array2::from_shape_fn((positions.len(), 2), |(i, d)| positions[i][d]);
    let mut hdbscan = HDbscan { min_samples: min_size.min(15), min_cluster_size: min_size, ..HDbscan::default() };
    let (found, _noise, _scores) = hdbscan.fit(&data, None);
    let mut groups: Vec<Vec<usize>> = found.into_values().collect();
    groups.iter_mut().for_each(|g| g.sort_unstable());
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a.first().cmp(&b.first())));
    for (c, members) in groups.iter().enumerate() {
        for &i in members {
            labels[i] = Some(c as u32);
        }
    }
    labels
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
    fn hull_of_a_square_with_an_inside_point() {
        let h = hull(&[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 0.5]]);
        assert_eq!(h.len(), 4);
        assert!(!h.contains(&[0.5, 0.5]));
    }
}
