use super::*;
use crate::index::testing::synthetic_vectors;

/// A clustered set: 800 unit vectors in 96 dimensions around 12 centres (low intrinsic dimension,
/// like real embeddings).
fn clustered() -> Vec<(ArtworkId, Vec<f32>)> {
    synthetic_vectors(800, 96, 12, 7).into_iter().enumerate().map(|(i, v)| (i as ArtworkId + 1, v)).collect()
}

fn options() -> MapOptions {
    MapOptions { components: 24, ..MapOptions::default() }
}

#[test]
fn a_seed_gives_the_same_coordinates_and_another_seed_others() {
    let data = clustered();
    let a = lay_out(data.as_slice(), &options()).unwrap();
    let b = lay_out(data.as_slice(), &options()).unwrap();
    assert_eq!(a.positions, b.positions);
    assert_eq!(a.ids, data.iter().map(|d| d.0).collect::<Vec<_>>());
    let c = lay_out(data.as_slice(), &MapOptions { seed: 7, ..options() }).unwrap();
    assert_ne!(a.positions, c.positions);
    // Through the HNSW neighbour search too (inserted one at a time, so the graph is the same).
    let hnsw = MapOptions { exact_below: 0, epochs: Some(50), ..options() };
    assert_eq!(lay_out(data.as_slice(), &hnsw).unwrap().positions, lay_out(data.as_slice(), &hnsw).unwrap().positions);
    assert!(a.positions.iter().flatten().all(|x| (0.0..=1.0).contains(x)));
}

#[test]
fn the_map_keeps_neighbourhoods_far_better_than_pca_or_chance() {
    let data = clustered();
    let layout = lay_out(data.as_slice(), &options()).unwrap();
    let features: Vec<Vec<f32>> = data.iter().map(|d| d.1.clone()).collect();
    let queries = quality::spread_rows(features.len(), 200);
    let map = quality::neighbours_kept(&features, &layout.positions, 10, &queries);
    let pca = quality::neighbours_kept(&features, &layout.pca, 10, &queries);
    let mut rng = rng::SplitMix::new(1);
    let random: Vec<[f32; 2]> = (0..features.len()).map(|_| [rng.symmetric(), rng.symmetric()]).collect();
    let chance = quality::neighbours_kept(&features, &random, 10, &queries);
    eprintln!("kNN@10 kept: map {map:.3}, PCA {pca:.3}, random {chance:.3}");
    assert!(map > 0.35, "map keeps {map:.3}");
    assert!(map > 2.0 * pca, "map {map:.3} vs PCA {pca:.3}");
    assert!(chance < 0.05);
}

#[test]
fn clusters_of_a_clustered_set_are_found_and_labelled() {
    let data = clustered();
    let layout = lay_out(data.as_slice(), &options()).unwrap();
    let swatch = |id: ArtworkId| Ok(vec![Swatch { rgb: [(id % 200) as u8, 40, 90], weight: 1.0 }]);
    let (labels, clusters) = find_clusters(&layout, swatch).unwrap();
    eprintln!("{} clusters: {:?}", clusters.len(), clusters.iter().map(|c| c.size).collect::<Vec<_>>());
    assert!((6..=20).contains(&clusters.len()), "{} clusters", clusters.len());
    assert!(clusters.windows(2).all(|w| w[0].size >= w[1].size));
    let clustered = labels.iter().flatten().count();
    assert!(clustered > 600, "{clustered} of 800 in a cluster");
    assert!(clusters.iter().all(|c| !c.palette.is_empty() && c.outline.len() >= 3));
    assert_eq!(clusters.iter().map(|c| c.size).sum::<usize>(), clustered);
}

#[test]
fn tiny_and_empty_sets() {
    let empty: Vec<(ArtworkId, Vec<f32>)> = Vec::new();
    let e = lay_out(empty.as_slice(), &options()).unwrap_err();
    assert!(e.to_string().contains("no artworks to map"), "{e}");
    let one = vec![(5, vec![1.0, 0.0, 0.0])];
    let l = lay_out(one.as_slice(), &options()).unwrap();
    assert_eq!(l.positions, vec![[0.5, 0.5]]);
    let two = vec![(1, vec![1.0, 0.0, 0.0]), (2, vec![0.0, 1.0, 0.0]), (3, vec![0.0, 1.0, 0.0])];
    let l = lay_out(two.as_slice(), &options()).unwrap();
    assert!(l.positions.iter().flatten().all(|x| x.is_finite()));
    let mismatched = vec![(1, vec![1.0, 0.0]), (2, vec![1.0])];
    assert!(lay_out(mismatched.as_slice(), &options()).is_err());
}

#[test]
fn joined_vectors_measure_the_weighted_cosine_distance() {
    let e = |c: [f32; 2], t: [f32; 2], s: [f32; 2]| Embedding { colour: c.to_vec(), texture: t.to_vec(), shape: s.to_vec() };
    let (a, b) = (e([1.0, 0.0], [1.0, 0.0], [0.0, 1.0]), e([0.0, 1.0], [1.0, 0.0], [0.0, 1.0]));
    let w = Weights::ALL;
    let (ja, jb) = (joined(&a, &w), joined(&b, &w));
    let d2: f32 = ja.iter().zip(&jb).map(|(x, y)| (x - y).powi(2)).sum();
    // Colour differs completely (cosine distance 1), the rest agrees: 2 × 1.0 / 1.7.
    assert!((d2 - 2.0 / 1.7).abs() < 1e-5, "{d2}");
    assert_eq!(joined(&a, &Weights::only(Aspect::Shape)), vec![0.0, 1.0]);
}

/// The map places by the CNN's texture; the style a cut-out's search compares is left out.
#[test]
fn the_map_joins_texture_without_its_style() {
    let cnn = crate::model::CNN_TEXTURE_DIM;
    let mut texture = vec![0.0f32; crate::model::TEXTURE_DIM];
    texture[0] = 0.6;
    texture[cnn] = 0.8; // in the style part
    let e = Embedding { colour: vec![1.0], texture, shape: vec![1.0] };
    let j = joined(&e, &Weights::only(Aspect::Texture));
    assert_eq!(j.len(), cnn);
    assert!((j[0] - 1.0).abs() < 1e-6, "the CNN part at unit length: {}", j[0]);
}
