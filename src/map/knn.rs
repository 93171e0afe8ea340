//! Each point's nearest neighbours in the reduced space: the graph the layout keeps. Exact for
//! small collections; above [`super::MapOptions::exact_below`] points, an HNSW index (the same
//! usearch wrapper as the search index) built one insert at a time so the graph, and with it the
//! layout, is the same on every run (parallel inserts race).

use rayon::prelude::*;

use crate::error::Result;
use crate::index::{HnswIndex, HnswParams, Metric, Representation, Storage, VectorIndex};

/// One neighbour: its row and the Euclidean distance to it.
pub type Neighbours = Vec<(u32, f32)>;

/// The `k` nearest other points of every point, closest first.
pub fn nearest(points: &[Vec<f32>], k: usize, exact_below: usize) -> Result<Vec<Neighbours>> {
    let k = k.min(points.len().saturating_sub(1));
    if k == 0 {
        return Ok(vec![Vec::new(); points.len()]);
    }
    if points.len() < exact_below { Ok(exact(points, k)) } else { approximate(points, k) }
}

fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Closest first; ties by row, so the order never depends on anything but the data.
fn sorted(mut found: Vec<(u32, f32)>, k: usize) -> Neighbours {
    found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    found.truncate(k);
    found
}

fn exact(points: &[Vec<f32>], k: usize) -> Vec<Neighbours> {
    points
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let all = points.iter().enumerate().filter(|(j, _)| *j != i).map(|(j, q)| (j as u32, squared_distance(p, q).sqrt())).collect();
            sorted(all, k)
        })
        .collect()
}

fn approximate(points: &[Vec<f32>], k: usize) -> Result<Vec<Neighbours>> {
    let dim = points[0].len();
    // The layout needs good, not perfect, neighbours: a smaller build beam halves the build time.
    let params = HnswParams { connectivity: 16, expansion_add: 64, expansion_search: 64.max(2 * k) };
    let mut index = HnswIndex::new(dim, Metric::Euclidean, Representation::metric(Storage::F32), params, points.len())?;
    for (i, p) in points.iter().enumerate() {
        index.add(i as u64, p)?;
    }
    points
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let found = index.search(p, k + 1)?;
            // usearch's L2 kernel gives squared distances.
            let others = found.into_iter().filter(|n| n.key != i as u64).map(|n| (n.key as u32, n.distance.max(0.0).sqrt())).collect();
            Ok(sorted(others, k))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_approximate_agree_on_a_line() {
        let points: Vec<Vec<f32>> = (0..300).map(|i| vec![i as f32, 0.0, 0.0]).collect();
        let exact = nearest(&points, 4, usize::MAX).unwrap();
        let approx = nearest(&points, 4, 0).unwrap();
        assert_eq!(exact[10].iter().map(|n| n.0).collect::<Vec<_>>(), vec![9, 11, 8, 12]);
        assert!((exact[10][2].1 - 2.0).abs() < 1e-6);
        let same = exact.iter().zip(&approx).filter(|(a, b)| a.iter().map(|n| n.0).eq(b.iter().map(|n| n.0))).count();
        assert!(same > 290, "{same} of 300 neighbour lists agree");
        assert!(nearest(&points[..1], 4, usize::MAX).unwrap()[0].is_empty());
    }
}
