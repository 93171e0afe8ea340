//! Running the CNN: batches of preprocessed images in, shape and texture vectors out.

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;

use crate::error::{Error, Result};
use crate::model::{CNN_TEXTURE_DIM, Model, SHAPE_DIM};
use crate::preprocess::{IMAGE_LEN, INPUT_LEN, INPUT_SIDE};
use crate::runtime::{self, Runtime};

/// CNN outputs for one image, exactly as the model returns them (not yet normalised).
#[derive(Clone, Debug)]
pub struct CnnVectors {
    /// Coarse spatial grid of a mid-level stage: composition and content.
    pub shape: Vec<f32>,
    /// Gram statistics of an early stage on the texture crop: brushwork and style.
    pub texture: Vec<f32>,
}

/// A loaded model session. Not `Sync`: one embedder per thread that runs inference.
pub struct Embedder {
    session: Session,
    /// Where the runtime library was loaded from and its version.
    pub runtime: &'static Runtime,
}

impl Embedder {
    /// Loads ONNX Runtime (once per process) and the model; `threads` = intra-op threads.
    pub fn new(threads: usize) -> Result<Self> {
        let runtime = runtime::runtime()?;
        let model = Model::load()?;
        let session = Session::builder(&runtime.env)
            .and_then(|b| b.with_optimization_level(GraphOptimizationLevel::Level3).map_err(Into::into))
            .and_then(|b| b.with_intra_threads(threads.max(1)).map_err(Into::into))
            // Idle ORT workers would otherwise spin and steal the cores the decode workers need.
            .and_then(|b| b.with_intra_op_spinning(false).map_err(Into::into))
            .and_then(|mut b| b.commit_from_memory(&model.bytes))
            .map_err(|e| Error::Model(format!("loading the model ({}) into ONNX Runtime: {e}", model.source)))?;
        Ok(Self { session, runtime })
    }

    /// Embeds a batch of model inputs (`INPUT_LEN` floats each: picture, then texture crop).
    pub fn embed(&mut self, batch: &[&[f32]]) -> Result<Vec<CnnVectors>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let n = batch.len();
        let mut images = Vec::with_capacity(n * IMAGE_LEN);
        let mut crops = Vec::with_capacity(n * IMAGE_LEN);
        for t in batch {
            if t.len() != INPUT_LEN {
                return Err(Error::Model(format!("input tensor has {} values, expected {INPUT_LEN}", t.len())));
            }
            images.extend_from_slice(&t[..IMAGE_LEN]);
            crops.extend_from_slice(&t[IMAGE_LEN..]);
        }
        let side = INPUT_SIDE as usize;
        let run_error = |e: ort::Error| Error::Model(format!("running the model: {e}"));
        let image = TensorRef::from_array_view(([n, 3, side, side], &images[..])).map_err(run_error)?;
        let crop = TensorRef::from_array_view(([n, 3, side, side], &crops[..])).map_err(run_error)?;
        let outputs = self.session.run(ort::inputs!["image" => image, "crop" => crop]).map_err(run_error)?;
        let take = |name: &str, dim: usize| -> Result<Vec<f32>> {
            let value = outputs.get(name).ok_or_else(|| Error::Model(format!("model has no output `{name}`")))?;
            let (shape, data) = value.try_extract_tensor::<f32>().map_err(run_error)?;
            if data.len() != n * dim {
                return Err(Error::Model(format!("output `{name}` has shape {shape:?}, expected [{n}, {dim}]")));
            }
            Ok(data.to_vec())
        };
        let shape = take("shape", SHAPE_DIM)?;
        let texture = take("texture", CNN_TEXTURE_DIM)?;
        Ok((0..n)
            .map(|i| CnnVectors {
                shape: shape[i * SHAPE_DIM..(i + 1) * SHAPE_DIM].to_vec(),
                texture: texture[i * CNN_TEXTURE_DIM..(i + 1) * CNN_TEXTURE_DIM].to_vec(),
            })
            .collect())
    }
}

/// An embedder loaded on first use, so commands that need no inference never load the model.
#[derive(Default)]
pub struct LazyEmbedder {
    inner: Option<Embedder>,
}

impl LazyEmbedder {
    /// The embedder, loading runtime and model if this is the first call.
    pub fn get(&mut self) -> Result<&mut Embedder> {
        if self.inner.is_none() {
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
            self.inner = Some(Embedder::new(threads)?);
        }
        Ok(self.inner.as_mut().expect("just loaded"))
    }
}
