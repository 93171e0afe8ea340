//! The bundled CNN: EfficientNet-Lite0 exported to ONNX by `models/export.py` (see
//! `models/README.md`), embedded in the binary so Kindred needs no model download.

use std::borrow::Cow;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// The ONNX model bytes compiled into the binary.
static EMBEDDED: &[u8] = include_bytes!("../models/kindred-efficientnet-lite0.onnx");
/// sha256 recorded when the model was exported.
const EXPECTED_SHA256: &str = include_str!("../models/kindred-efficientnet-lite0.onnx.sha256");

/// Human name of the model.
pub const MODEL_NAME: &str = "efficientnet-lite0";
/// Length of the shape/content vector: a 3 x 3 grid of the (centred) 112-channel stage.
pub const SHAPE_DIM: usize = 112 * 9;
/// Length of the texture/style vector: the Gram matrix (upper triangle) of the 40-channel stage.
pub const TEXTURE_DIM: usize = 40 * 41 / 2;

/// Identity of what makes a vector (model bytes and colour recipe): vectors from different ids
/// are never mixed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelId(pub String);

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
                let bytes = std::fs::read(&path).with_context(|| format!("reading model {}", path.display()))?;
                (Cow::Owned(bytes), path.display().to_string())
            }
            None => (Cow::Borrowed(EMBEDDED), "embedded".to_string()),
        };
        let actual = hex(&Sha256::digest(&bytes));
        if actual != expected_sha256() {
            bail!(
                "model {source} has sha256 {actual}, but this build expects {} (models/README.md); \
                 the file was altered or is a different model: restore it or re-export with models/export.py",
                expected_sha256()
            );
        }
        Ok(Self { bytes, source })
    }

    /// The id stored next to every vector.
    pub fn id() -> ModelId {
        ModelId(format!("{MODEL_NAME}@{}/{}", &expected_sha256()[..12], crate::colour::COLOUR_RECIPE))
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
        assert!(Model::id().0.starts_with("efficientnet-lite0@"));
    }
}
