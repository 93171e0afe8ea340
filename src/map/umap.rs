//! The layout: UMAP's fuzzy neighbour graph and its stochastic gradient descent (McInnes, Healy &
//! Melville 2018; the constants and update rules of the reference `umap-learn`), single-threaded
//! over a seeded generator so a seed gives the same map on every run. Points attract along graph
//! edges (sampled in proportion to their weight) and repel random other points, so neighbours in
//! feature space end up neighbours on the map while clusters separate.

use std::collections::HashMap;

use super::knn::Neighbours;
use super::rng::SplitMix;

/// `a` and `b` of the low-dimensional similarity 1 / (1 + a d^2b), fitted by `umap-learn` for its
/// defaults `min_dist = 0.1`, `spread = 1` (how tightly points may pack).
const A: f32 = 1.576_943_5;
const B: f32 = 0.895_060_9;
/// Repelling samples per attracting one, and their strength (umap-learn's defaults).
const NEGATIVE_SAMPLES: f64 = 5.0;
const GAMMA: f32 = 1.0;
/// Largest step of one coordinate in one update.
const CLIP: f32 = 4.0;
/// The initial layout spans this many units, the scale UMAP's constants are tuned for.
const INIT_SPAN: f32 = 10.0;

/// One weighted, directed edge of the symmetric fuzzy graph.
struct Edge {
    head: u32,
    tail: u32,
    weight: f32,
}

/// Lays out the points whose neighbours are `knn`, starting from `init`, for `epochs` epochs.
pub fn layout(knn: &[Neighbours], init: &[[f32; 2]], epochs: usize, seed: u64) -> Vec<[f32; 2]> {
    let mut rng = SplitMix::new(seed);
    let mut positions = scaled_init(init, &mut rng);
    let edges = fuzzy_graph(knn);
    optimise(&mut positions, &edges, epochs.max(1), &mut rng);
    positions
}

/// The starting layout scaled to [0, INIT_SPAN] on each axis, jittered a little so identical
/// points (copies) do not sit on exactly one spot, where no force can part them.
fn scaled_init(init: &[[f32; 2]], rng: &mut SplitMix) -> Vec<[f32; 2]> {
    let mut lo = [f32::INFINITY; 2];
    let mut hi = [f32::NEG_INFINITY; 2];
    for p in init {
        for d in 0..2 {
            lo[d] = lo[d].min(p[d]);
            hi[d] = hi[d].max(p[d]);
        }
    }
    init.iter()
        .map(|p| {
            std::array::from_fn(|d| {
                let span = hi[d] - lo[d];
                let x = if span > 0.0 { (p[d] - lo[d]) / span * INIT_SPAN } else { INIT_SPAN / 2.0 };
                x + 1e-3 * INIT_SPAN * rng.symmetric()
            })
        })
        .collect()
}

/// Each point's distances turned into memberships (`smooth_knn_dist`: the nearest neighbour is at
/// 1, the sum over the neighbours is log2(k + 1)), then the fuzzy union of both directions
/// (w = a + b − ab), as edges in both directions ordered by (head, tail).
fn fuzzy_graph(knn: &[Neighbours]) -> Vec<Edge> {
    let mean_all = {
        let (sum, count) = knn.iter().flatten().fold((0.0f64, 0usize), |(s, c), n| (s + f64::from(n.1), c + 1));
        if count > 0 { (sum / count as f64) as f32 } else { 0.0 }
    };
    let mut pairs: HashMap<(u32, u32), [f32; 2]> = HashMap::new();
    for (i, neighbours) in knn.iter().enumerate() {
        for (j, w) in memberships(neighbours, mean_all) {
            let i = i as u32;
            if i == j {
                continue;
            }
            let (key, side) = if i < j { ((i, j), 0) } else { ((j, i), 1) };
            pairs.entry(key).or_insert([0.0; 2])[side] = w;
        }
    }
    let mut edges: Vec<Edge> = pairs
        .into_iter()
        .flat_map(|((i, j), [a, b])| {
            let weight = a + b - a * b;
            [Edge { head: i, tail: j, weight }, Edge { head: j, tail: i, weight }]
        })
        .collect();
    edges.sort_by_key(|e| (e.head, e.tail));
    edges
}

fn memberships(neighbours: &Neighbours, mean_all: f32) -> Vec<(u32, f32)> {
    const TOLERANCE: f32 = 1e-5;
    const MIN_SCALE: f32 = 1e-3;
    if neighbours.is_empty() {
        return Vec::new();
    }
    let rho = neighbours.iter().map(|n| n.1).find(|d| *d > 0.0).unwrap_or(0.0);
    let target = ((neighbours.len() + 1) as f32).log2();
    let (mut lo, mut hi, mut mid) = (0.0f32, f32::INFINITY, 1.0f32);
    for _ in 0..64 {
        let sum: f32 = neighbours.iter().map(|n| if n.1 > rho { (-(n.1 - rho) / mid).exp() } else { 1.0 }).sum();
        if (sum - target).abs() < TOLERANCE {
            break;
        }
        if sum > target {
            hi = mid;
            mid = (lo + hi) / 2.0;
        } else {
            lo = mid;
            mid = if hi.is_infinite() { mid * 2.0 } else { (lo + hi) / 2.0 };
        }
    }
    let mean = neighbours.iter().map(|n| n.1).sum::<f32>() / neighbours.len() as f32;
    let sigma = mid.max(MIN_SCALE * if rho > 0.0 { mean } else { mean_all }).max(f32::MIN_POSITIVE);
    neighbours.iter().map(|n| (n.0, if n.1 > rho { (-(n.1 - rho) / sigma).exp() } else { 1.0 })).collect()
}

fn clip(x: f32) -> f32 {
    x.clamp(-CLIP, CLIP)
}

/// umap-learn's `optimize_layout_euclidean`, one thread, edges in a fixed order.
fn optimise(positions: &mut [[f32; 2]], edges: &[Edge], epochs: usize, rng: &mut SplitMix) {
    let max_weight = edges.iter().map(|e| e.weight).fold(0.0f32, f32::max);
    if max_weight <= 0.0 || positions.len() < 2 {
        return;
    }
    // Edges too weak to be sampled once in `epochs` are dropped, as umap-learn does.
    let edges: Vec<&Edge> = edges.iter().filter(|e| e.weight >= max_weight / epochs as f32).collect();
    let every: Vec<f64> = edges.iter().map(|e| f64::from(max_weight / e.weight)).collect();
    let every_negative: Vec<f64> = every.iter().map(|e| e / NEGATIVE_SAMPLES).collect();
    let mut next = every.clone();
    let mut next_negative = every_negative.clone();
    let n = positions.len();
    for epoch in 0..epochs {
        let alpha = 1.0 - epoch as f32 / epochs as f32;
        let now = epoch as f64;
        for (e, edge) in edges.iter().enumerate() {
            if next[e] > now {
                continue;
            }
            let (j, k) = (edge.head as usize, edge.tail as usize);
            let (current, other) = (positions[j], positions[k]);
            let d2 = squared(current, other);
            if d2 > 0.0 {
                let coefficient = -2.0 * A * B * d2.powf(B - 1.0) / (A * d2.powf(B) + 1.0);
                for d in 0..2 {
                    let step = clip(coefficient * (current[d] - other[d])) * alpha;
                    positions[j][d] += step;
                    positions[k][d] -= step;
                }
            }
            next[e] += every[e];
            let negatives = ((now - next_negative[e]) / every_negative[e]).max(0.0) as usize;
            for _ in 0..negatives {
                let k = rng.below(n);
                if k == j {
                    continue;
                }
                let (current, other) = (positions[j], positions[k]);
                let d2 = squared(current, other);
                if d2 <= 0.0 {
                    continue;
                }
                let coefficient = 2.0 * GAMMA * B / ((0.001 + d2) * (A * d2.powf(B) + 1.0));
                for d in 0..2 {
                    positions[j][d] += clip(coefficient * (current[d] - other[d])) * alpha;
                }
            }
            next_negative[e] += negatives as f64 * every_negative[e];
        }
    }
}

fn squared(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memberships_start_at_one_and_sum_to_log2_k_plus_one() {
        let neighbours: Neighbours = vec![(1, 0.5), (2, 0.7), (3, 1.0), (4, 2.0)];
        let m = memberships(&neighbours, 1.0);
        assert_eq!(m[0].1, 1.0);
        let sum: f32 = m.iter().map(|x| x.1).sum();
        assert!((sum - 5f32.log2()).abs() < 1e-3, "{sum}");
        assert!(m.windows(2).all(|w| w[0].1 >= w[1].1));
    }

    #[test]
    fn the_graph_is_symmetric() {
        let knn: Vec<Neighbours> = vec![vec![(1, 1.0), (2, 2.0)], vec![(0, 1.0), (2, 1.5)], vec![(1, 1.5), (0, 2.0)]];
        let edges = fuzzy_graph(&knn);
        for e in &edges {
            assert!(edges.iter().any(|f| f.head == e.tail && f.tail == e.head && f.weight == e.weight));
        }
    }
}
