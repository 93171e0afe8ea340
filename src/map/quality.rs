//! How well a map keeps neighbourhoods: the share of each point's k nearest neighbours in feature
//! space that are also among its k nearest on the map (1: every neighbourhood kept; a random
//! layout keeps about k/n). Used by the tests and the benchmarks.

use rayon::prelude::*;

fn nearest_rows(points: &[Vec<f32>], i: usize, k: usize) -> Vec<usize> {
    let mut d: Vec<(f32, usize)> = points
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(j, q)| (points[i].iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum::<f32>(), j))
        .collect();
    let k = k.min(d.len());
    if k == 0 {
        return Vec::new();
    }
    d.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    d.truncate(k);
    d.into_iter().map(|(_, j)| j).collect()
}

/// Mean share of each of the `queries` rows' `k` nearest in `features` (exact, Euclidean) that are
/// among its `k` nearest in `map`. `features` and `map` are row-aligned.
pub fn neighbours_kept(features: &[Vec<f32>], map: &[[f32; 2]], k: usize, queries: &[usize]) -> f64 {
    let map: Vec<Vec<f32>> = map.iter().map(|p| p.to_vec()).collect();
    let kept: f64 = queries
        .par_iter()
        .map(|&i| {
            let truth = nearest_rows(features, i, k);
            let shown = nearest_rows(&map, i, k);
            if truth.is_empty() {
                return 1.0;
            }
            truth.iter().filter(|j| shown.contains(j)).count() as f64 / truth.len() as f64
        })
        .sum();
    kept / queries.len().max(1) as f64
}

/// `count` rows spread evenly over `n` (all of them when `count >= n`).
pub fn spread_rows(n: usize, count: usize) -> Vec<usize> {
    if count >= n {
        return (0..n).collect();
    }
    (0..count).map(|i| i * n / count).collect()
}
