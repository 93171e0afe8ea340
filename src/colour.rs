//! Colour features computed from pixels: a soft-binned CIELAB histogram (fourth root of each
//! bin's share, unit length) and a dominant-colour palette.
//! Pixels are those the artist sees: transparency is flattened over white beforehand.

use serde::{Deserialize, Serialize};

/// Bins along L*, a* and b*.
const BINS: [usize; 3] = [5, 7, 7];
/// Length of the colour vector.
pub const COLOUR_DIM: usize = BINS[0] * BINS[1] * BINS[2];
/// Ranges mapped onto the bins: L* in [0, 100], a* and b* in [-100, 100].
const RANGES: [(f32, f32); 3] = [(0.0, 100.0), (-100.0, 100.0), (-100.0, 100.0)];
/// Names the histogram recipe (bins, root); part of the vectors' identity ([`crate::model::ModelId`]),
/// so a library never compares colour vectors made two different ways.
pub const COLOUR_RECIPE: &str = "lab245-root4";
/// Number of palette swatches (fewer when the image has fewer distinct colours).
pub const PALETTE_SIZE: usize = 6;

/// One dominant colour and the share of the image it covers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Swatch {
    /// sRGB colour.
    pub rgb: [u8; 3],
    /// Fraction of (opaque) pixels, in [0, 1].
    pub weight: f32,
}

/// Colour histogram vector (unit length) and palette, heaviest swatch first.
#[derive(Clone, Debug)]
pub struct ColourFeatures {
    /// `COLOUR_DIM` values: fourth root of each bin's share, scaled to unit length.
    pub histogram: Vec<f32>,
    /// Dominant colours.
    pub palette: Vec<Swatch>,
}

/// Computes colour features from interleaved RGB pixels.
///
/// Pixels are first merged into weighted distinct colours (artworks, clip art above all, repeat
/// a few colours many times): the histogram uses exact colours, the palette's k-means colours
/// quantised to 5 bits per channel, which moves a swatch by at most 4/255.
pub fn features(rgb: &[u8]) -> ColourFeatures {
    ColourFeatures { histogram: histogram(&weighted_lab(rgb, 0xFF)), palette: palette(&weighted_lab(rgb, 0xF8)) }
}

/// Distinct colours (after masking each channel with `mask`) as (CIELAB, count) samples.
fn weighted_lab(rgb: &[u8], mask: u8) -> Vec<([f32; 3], f32)> {
    let mut counts: std::collections::HashMap<[u8; 3], u32> = std::collections::HashMap::with_capacity(1024);
    for p in rgb.chunks_exact(3) {
        let key = [p[0] & mask, p[1] & mask, p[2] & mask];
        *counts.entry(key).or_insert(0) += 1;
    }
    let centre = !mask / 2; // middle of a quantisation cell
    let mut samples: Vec<([f32; 3], f32)> = counts.into_iter().map(|(c, n)| (srgb_to_lab(c.map(|v| v | centre)), n as f32)).collect();
    // HashMap order is random: sort so results do not depend on it (float sums, k-means ties).
    samples.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    samples
}

/// Trilinear soft binning: each sample spreads its weight over the 8 nearest bin centres.
fn histogram(samples: &[([f32; 3], f32)]) -> Vec<f32> {
    let mut hist = vec![0.0f32; COLOUR_DIM];
    for (lab, w) in samples {
        let mut lo = [0usize; 3];
        let mut frac = [0.0f32; 3];
        for d in 0..3 {
            let (min, max) = RANGES[d];
            let pos = ((lab[d] - min) / (max - min) * BINS[d] as f32 - 0.5).clamp(0.0, (BINS[d] - 1) as f32);
            lo[d] = (pos.floor() as usize).min(BINS[d] - 1);
            frac[d] = pos - lo[d] as f32;
        }
        for corner in 0..8 {
            let mut idx = [0usize; 3];
            let mut weight = *w;
            for d in 0..3 {
                let up = (corner >> d) & 1 == 1;
                idx[d] = (lo[d] + usize::from(up)).min(BINS[d] - 1);
                weight *= if up { frac[d] } else { 1.0 - frac[d] };
            }
            hist[(idx[0] * BINS[1] + idx[1]) * BINS[2] + idx[2]] += weight;
        }
    }
    // Fourth root: whether a colour is present counts more than how much of it (a duotone of a
    // dark and of a light picture share colours, not proportions). Colour task P@10: share 0.888,
    // square root 0.936, fourth root 0.960 (BENCHMARKS.md "Colour histogram").
    let rooted: Vec<f32> = hist.iter().map(|v| v.max(0.0).sqrt().sqrt()).collect();
    let norm = rooted.iter().map(|v| v * v).sum::<f32>().sqrt();
    rooted.iter().map(|v| v / norm.max(f32::MIN_POSITIVE)).collect()
}

/// The colour vector of a palette: its swatches, each counting its share, binned by the same
/// histogram as an artwork's pixels, so a palette is compared with artworks as an image made of
/// exactly those colours in those proportions would be.
pub fn palette_histogram(swatches: &[Swatch]) -> Vec<f32> {
    let samples: Vec<([f32; 3], f32)> = swatches.iter().map(|s| (srgb_to_lab(s.rgb), s.weight.max(0.0))).collect();
    histogram(&samples)
}

/// One palette for several artworks (a board): their swatches, each artwork counting equally,
/// clustered again into at most [`PALETTE_SIZE`] colours, heaviest first.
pub fn merged_palette(palettes: &[Vec<Swatch>]) -> Vec<Swatch> {
    let share = 1.0 / palettes.iter().filter(|p| !p.is_empty()).count().max(1) as f32;
    let samples: Vec<([f32; 3], f32)> = palettes.iter().flatten().map(|s| (srgb_to_lab(s.rgb), s.weight * share)).collect();
    if samples.is_empty() {
        return Vec::new();
    }
    palette(&samples)
}

/// Weighted k-means in CIELAB, deterministic (farthest-point initialisation).
fn palette(samples: &[([f32; 3], f32)]) -> Vec<Swatch> {
    let total: f32 = samples.iter().map(|s| s.1).sum();
    let mut centres: Vec<[f32; 3]> = Vec::with_capacity(PALETTE_SIZE);
    let heaviest = samples.iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|s| s.0).unwrap_or([100.0, 0.0, 0.0]);
    centres.push(heaviest);
    while centres.len() < PALETTE_SIZE {
        let far = samples.iter().map(|(lab, w)| (lab, w * nearest(&centres, lab).1)).max_by(|a, b| a.1.total_cmp(&b.1));
        match far {
            Some((lab, d)) if d > 4.0 => centres.push(*lab), // stop when every colour is already close
            _ => break,
        }
    }
    let mut sums = vec![([0.0f32; 3], 0.0f32); centres.len()];
    for _ in 0..8 {
        sums.iter_mut().for_each(|s| *s = ([0.0; 3], 0.0));
        for (lab, w) in samples {
            let (k, _) = nearest(&centres, lab);
            for (sum, x) in sums[k].0.iter_mut().zip(lab) {
                *sum += x * w;
            }
            sums[k].1 += w;
        }
        for (c, (sum, w)) in centres.iter_mut().zip(&sums) {
            if *w > 0.0 {
                *c = sum.map(|v| v / w);
            }
        }
    }
    let mut swatches: Vec<Swatch> = centres
        .iter()
        .zip(&sums)
        .filter(|(_, (_, w))| *w > 0.0)
        .map(|(c, (_, w))| Swatch { rgb: lab_to_srgb(*c), weight: w / total.max(f32::MIN_POSITIVE) })
        .collect();
    swatches.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    swatches
}

/// Index and squared distance of the nearest centre.
fn nearest(centres: &[[f32; 3]], lab: &[f32; 3]) -> (usize, f32) {
    centres
        .iter()
        .enumerate()
        .map(|(i, c)| (i, (0..3).map(|d| (c[d] - lab[d]).powi(2)).sum::<f32>()))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0, 0.0))
}

const WHITE: [f32; 3] = [0.950_47, 1.0, 1.088_83]; // D65

fn srgb_to_linear(c: u8) -> f32 {
    static TABLE: std::sync::OnceLock<[f32; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|i| {
            let c = i as f32 / 255.0;
            if c <= 0.040_45 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        })
    })[usize::from(c)]
}

fn linear_to_srgb(c: f32) -> u8 {
    let c = c.clamp(0.0, 1.0);
    let s = if c <= 0.003_130_8 { c * 12.92 } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 };
    (s * 255.0).round() as u8
}

/// sRGB (8-bit) to CIELAB (D65).
pub fn srgb_to_lab(rgb: [u8; 3]) -> [f32; 3] {
    let [r, g, b] = rgb.map(srgb_to_linear);
    let xyz = [
        0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b,
        0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b,
        0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b,
    ];
    let f = |t: f32| if t > 0.008_856 { t.cbrt() } else { 7.787 * t + 16.0 / 116.0 };
    let [fx, fy, fz] = [f(xyz[0] / WHITE[0]), f(xyz[1] / WHITE[1]), f(xyz[2] / WHITE[2])];
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIELAB (D65) back to 8-bit sRGB, clamped to the gamut.
pub fn lab_to_srgb(lab: [f32; 3]) -> [u8; 3] {
    let fy = (lab[0] + 16.0) / 116.0;
    let fx = fy + lab[1] / 500.0;
    let fz = fy - lab[2] / 200.0;
    let inv = |t: f32| if t.powi(3) > 0.008_856 { t.powi(3) } else { (t - 16.0 / 116.0) / 7.787 };
    let [x, y, z] = [inv(fx) * WHITE[0], inv(fy) * WHITE[1], inv(fz) * WHITE[2]];
    let r = 3.240_454_2 * x - 1.537_138_5 * y - 0.498_531_4 * z;
    let g = -0.969_266 * x + 1.876_010_8 * y + 0.041_556 * z;
    let b = 0.055_643_4 * x - 0.204_025_9 * y + 1.057_225_2 * z;
    [linear_to_srgb(r), linear_to_srgb(g), linear_to_srgb(b)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merged_palette_counts_each_artwork_equally() {
        let red = vec![Swatch { rgb: [200, 20, 20], weight: 1.0 }];
        let blue = vec![Swatch { rgb: [20, 20, 200], weight: 0.5 }, Swatch { rgb: [20, 200, 20], weight: 0.5 }];
        let merged = merged_palette(&[red.clone(), blue, Vec::new()]);
        assert_eq!(merged.len(), 3);
        assert!(merged[0].rgb[0] > 150 && (merged[0].weight - 0.5).abs() < 0.01, "{merged:?}");
        assert!((merged.iter().map(|s| s.weight).sum::<f32>() - 1.0).abs() < 1e-4);
        assert!(merged_palette(&[]).is_empty());
    }

    fn solid(rgb: [u8; 3], n: usize) -> Vec<u8> {
        rgb.iter().copied().cycle().take(3 * n).collect()
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn lab_round_trips() {
        for rgb in [[0, 0, 0], [255, 255, 255], [200, 30, 90], [12, 180, 40]] {
            let back = lab_to_srgb(srgb_to_lab(rgb));
            for d in 0..3 {
                assert!((i32::from(back[d]) - i32::from(rgb[d])).abs() <= 1, "{rgb:?} -> {back:?}");
            }
        }
    }

    #[test]
    fn histogram_is_unit_and_discriminates() {
        let red = features(&solid([220, 20, 30], 500));
        let red2 = features(&solid([200, 30, 40], 500));
        let blue = features(&solid([20, 40, 220], 500));
        let norm: f32 = red.histogram.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!(cosine(&red.histogram, &red2.histogram) > 0.8);
        assert!(cosine(&red.histogram, &blue.histogram) < 0.2);
    }

    #[test]
    fn a_palette_vector_is_the_histogram_of_an_image_of_its_colours() {
        let mut px = solid([250, 250, 0], 300);
        px.extend(solid([0, 0, 120], 100));
        let image = features(&px).histogram;
        let swatches = [Swatch { rgb: [250, 250, 0], weight: 0.75 }, Swatch { rgb: [0, 0, 120], weight: 0.25 }];
        let palette = palette_histogram(&swatches);
        assert!(cosine(&image, &palette) > 0.999, "{}", cosine(&image, &palette));
        let other = palette_histogram(&[Swatch { rgb: [200, 30, 30], weight: 1.0 }]);
        assert!(cosine(&other, &image) < 0.2);
    }

    #[test]
    fn palette_finds_two_colours_in_proportion() {
        let mut px = solid([250, 250, 0], 300);
        px.extend(solid([0, 0, 120], 100));
        let p = features(&px).palette;
        assert_eq!(p.len(), 2);
        assert!((p[0].weight - 0.75).abs() < 0.01 && (p[1].weight - 0.25).abs() < 0.01);
        assert!(p[0].rgb[0] > 240 && p[1].rgb[2] > 110);
    }
}
