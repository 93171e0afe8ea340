//! The bundled CNN: EfficientNet-Lite0 exported to ONNX by `models/export.py` (see
//! `models/README.md`), embedded in the binary so Kindred needs no model download.

use std::borrow::Cow;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::error::{Error, IoContext, Result};

/// The ONNX model bytes compiled into the binary.
static EMBEDDED: &[u8] = include_bytes!("../models/kindred-efficientnet-lite0.onnx");
/// sha256 recorded when the model was exported.
const EXPECTED_SHA256: &str = include_str!("../models/kindred-efficientnet-lite0.onnx.sha256");

/// Human name of the model.
pub const MODEL_NAME: &str = "efficientnet-lite0";
/// Channels of the stage the shape vector reads.
pub const SHAPE_CHANNELS: usize = 112;
/// Side of the shape vector's grid of cells.
pub const SHAPE_GRID: usize = 3;
/// Length of the shape/content vector: a 3 x 3 grid of the (centred) 112-channel stage.
pub const SHAPE_DIM: usize = SHAPE_CHANNELS * SHAPE_GRID * SHAPE_GRID;
/// Texture's first part, brushwork: the Gram matrix (upper triangle) of the 40-channel stage of
/// the crop at the artwork's own scale.
pub const BRUSHWORK_DIM: usize = 40 * 41 / 2;
/// Texture's second part, rendering: the Gram matrix of the 112-channel stage of the whole
/// picture, on its first 128 principal axes over the reference set. Each part has unit length
/// in the model's output.
pub const RENDERING_DIM: usize = 128;
/// Length of the model's texture output: brushwork, then rendering.
pub const CNN_TEXTURE_DIM: usize = BRUSHWORK_DIM + RENDERING_DIM;
/// Length of a stored texture vector: the model's texture output, then its style
/// ([`crate::style`]): a picture compares the brushwork part, a cut-out the style part.
pub const TEXTURE_DIM: usize = CNN_TEXTURE_DIM + crate::style::STYLE_DIM;

/// Identity of what makes a vector: the CNN (name and weights' sha256, and the style whitening's
/// [`crate::style::recipe`]) and the colour recipe, as one key stored beside every vector
/// (`efficientnet-lite0@03d4fdb5b361+style256@e94652cf6ceb/lab245-root4`). Vectors
/// with different keys are never mixed: changing either part makes libraries re-embed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelId {
    key: String,
}

impl ModelId {
    /// The id of this build: the bundled CNN with its style whitening, and
    /// [`crate::colour::COLOUR_RECIPE`].
    pub fn current() -> Self {
        Self::new(&format!("{MODEL_NAME}@{}+{}", &expected_sha256()[..12], crate::style::recipe()), crate::colour::COLOUR_RECIPE)
    }

    /// The id of vectors made by `cnn` with the colour recipe `colour_recipe`.
    pub fn new(cnn: &str, colour_recipe: &str) -> Self {
        Self { key: format!("{cnn}/{colour_recipe}") }
    }

    /// An id as stored in a catalog or an index state file.
    pub fn from_key(key: &str) -> Self {
        Self { key: key.to_owned() }
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The CNN part (`name@sha256-prefix`).
    pub fn cnn(&self) -> &str {
        self.key.split_once('/').map_or(self.key.as_str(), |(cnn, _)| cnn)
    }

    /// The colour recipe part.
    pub fn colour_recipe(&self) -> &str {
        self.key.split_once('/').map_or("", |(_, recipe)| recipe)
    }
}

impl std::fmt::Display for ModelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key)
    }
}

/// Model bytes plus identity. `KINDRED_MODEL=/path/to.onnx` replaces the embedded copy (it must
/// have the same sha256: the catalog's vectors are tied to these exact weights).
pub struct Model {
    /// ONNX protobuf.
    pub bytes: Cow<'static, [u8]>,
    /// Where the bytes came from ("embedded" or a path).
    pub source: String,
}

impl Model {
    /// Loads the model and verifies its sha256.
    pub fn load() -> Result<Self> {
        let (bytes, source) = match std::env::var_os("KINDRED_MODEL") {
            Some(p) => {
                let path = PathBuf::from(p);
                let bytes = std::fs::read(&path).on_path("cannot read model", &path)?;
                (Cow::Owned(bytes), path.display().to_string())
            }
            None => (Cow::Borrowed(EMBEDDED), "embedded".to_string()),
        };
        let actual = hex(&Sha256::digest(&bytes));
        if actual != expected_sha256() {
            return Err(Error::Model(format!(
                "model {source} has sha256 {actual}, but this build expects {} (models/README.md); \
                 the file was altered or is a different model: restore it or re-export with models/export.py",
                expected_sha256()
            )));
        }
        Ok(Self { bytes, source })
    }
}

/// sha256 of the model this build was made for.
pub fn expected_sha256() -> &'static str {
    EXPECTED_SHA256.trim()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_matches_recorded_sha256() {
        let m = Model::load().expect("embedded model verifies");
        assert_eq!(m.source, "embedded");
        assert_eq!(expected_sha256().len(), 64);
        let id = ModelId::current();
        assert!(id.as_str().starts_with("efficientnet-lite0@"));
        let cnn = format!("efficientnet-lite0@{}+{}", &expected_sha256()[..12], crate::style::recipe());
        assert_eq!((id.cnn(), id.colour_recipe()), (cnn.as_str(), crate::colour::COLOUR_RECIPE));
    }

    /// The stored model id, pinned: changing the model or the colour recipe must be a deliberate
    /// act, since every library re-embeds on a new id. `faca971dde36` (texture without the
    /// rendering part) was the id before issue 11, `03d4fdb5b361/lab245-root4` before the style
    /// whitening.
    #[test]
    fn model_id_is_pinned() {
        assert_eq!(ModelId::current().as_str(), "efficientnet-lite0@03d4fdb5b361+style256@e94652cf6ceb/lab245-root4");
    }
}
