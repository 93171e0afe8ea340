//! Style: what a cut-out's texture is compared by. The CNN's texture vector (brushwork and
//! rendering) also varies with the subject: two icons of one theme differ as much as icons of two
//! themes. A within-family whitening, fitted on twelve sets of icons and game art that no
//! benchmark uses (`scripts/style/fit_whitening.py`, models/README.md "Style whitening"), turns it
//! into a vector whose cosine discounts what varies inside a set and counts what separates sets:
//! how the set is drawn. Real-art texture P@10, mean of 11 families: 0.834 → 0.879, all of it from
//! cut-out queries (BENCHMARKS.md, "Real art").
//! Pictures keep comparing brushwork: the whitening is fitted on, and used for, cut-outs only.

use std::sync::OnceLock;

use crate::model::CNN_TEXTURE_DIM;

/// The whitening: the mean (`CNN_TEXTURE_DIM` values), then the projection (`CNN_TEXTURE_DIM` x
/// [`STYLE_DIM`], row-major), little-endian f32.
static EMBEDDED: &[u8] = include_bytes!("../models/style-whitening.f32");
/// sha256 recorded when the whitening was fitted.
const EXPECTED_SHA256: &str = include_str!("../models/style-whitening.f32.sha256");

/// Length of the style vector: the principal axes the whitening keeps.
pub const STYLE_DIM: usize = 256;

struct Whitening {
    mean: Vec<f32>,
    projection: Vec<f32>,
}

fn whitening() -> &'static Whitening {
    static W: OnceLock<Whitening> = OnceLock::new();
    W.get_or_init(|| {
        let values: Vec<f32> = EMBEDDED.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        // The file is compiled in and its size and hash are checked by the tests below.
        assert_eq!(values.len(), CNN_TEXTURE_DIM * (1 + STYLE_DIM), "models/style-whitening.f32 does not fit this build");
        let (mean, projection) = values.split_at(CNN_TEXTURE_DIM);
        Whitening { mean: mean.to_vec(), projection: projection.to_vec() }
    })
}

/// Names the whitening in the vectors' identity ([`crate::model::ModelId`]): a new fit makes
/// libraries re-embed.
pub fn recipe() -> String {
    format!("style{STYLE_DIM}@{}", &EXPECTED_SHA256.trim()[..12])
}

/// The style vector (unit length) of a unit CNN texture vector (brushwork and rendering).
pub fn style_vector(cnn_texture: &[f32]) -> Vec<f32> {
    let w = whitening();
    let mut out = vec![0.0f32; STYLE_DIM];
    for ((x, m), row) in cnn_texture.iter().zip(&w.mean).zip(w.projection.chunks_exact(STYLE_DIM)) {
        let centred = x - m;
        for (o, p) in out.iter_mut().zip(row) {
            *o += centred * p;
        }
    }
    crate::vectors::normalised(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::normalised;
    use sha2::{Digest, Sha256};

    fn actual_sha256() -> String {
        Sha256::digest(EMBEDDED).iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn embedded_whitening_matches_its_recorded_sha256_and_size() {
        assert_eq!(actual_sha256(), EXPECTED_SHA256.trim());
        assert_eq!(EMBEDDED.len(), 4 * CNN_TEXTURE_DIM * (1 + STYLE_DIM));
    }

    fn texture(seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).max(1);
        normalised(
            &(0..CNN_TEXTURE_DIM)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 17;
                    s ^= s << 5;
                    s as f32 / u32::MAX as f32
                })
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn style_vectors_have_unit_length_and_follow_the_texture() {
        let (a, b) = (style_vector(&texture(1)), style_vector(&texture(2)));
        assert_eq!(a.len(), STYLE_DIM);
        assert!((a.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-4);
        assert_eq!(a, style_vector(&texture(1)), "deterministic");
        let cos = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
        assert!(cos(&a, &b) < 0.99, "different textures, different styles: {}", cos(&a, &b));
        // The whitening is affine: a texture on the segment between two others lands between them.
        let mid: Vec<f32> = texture(1).iter().zip(texture(2)).map(|(x, y)| 0.5 * (x + y)).collect();
        let m = style_vector(&mid);
        assert!(cos(&m, &a) > cos(&a, &b) && cos(&m, &b) > cos(&a, &b));
    }

    #[test]
    fn the_recipe_names_the_fit() {
        assert_eq!(recipe(), format!("style256@{}", &actual_sha256()[..12]));
    }
}
