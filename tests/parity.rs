//! The Rust pipeline (decode → preprocess → ONNX Runtime) must reproduce the vectors PyTorch
//! computed for the same images when the model was exported (`models/export.py`).

use std::path::Path;

use kindred::embed::Embedder;
use kindred::{decode, model, preprocess};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    model_sha256: String,
    images: Vec<RefImage>,
}

#[derive(Deserialize)]
struct RefImage {
    file: String,
    shape: Vec<f32>,
    texture: Vec<f32>,
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[test]
fn vectors_match_pytorch_reference() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parity");
    let reference: Reference = serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap()).unwrap();
    assert_eq!(reference.model_sha256, model::expected_sha256(), "reference vectors are for another model");
    assert!(reference.images.len() >= 3);
    let mut embedder = Embedder::new(2).expect("ONNX Runtime and the model load");
    for img in &reference.images {
        let bytes = std::fs::read(dir.join(&img.file)).unwrap();
        let prepared = preprocess::prepare(decode::decode(&bytes).unwrap(), false);
        let got = embedder.embed(&[&prepared.tensor]).unwrap().pop().unwrap();
        let (cs, ct) = (cosine(&got.shape, &img.shape), cosine(&got.texture, &img.texture));
        println!("{}: shape cosine {cs:.6}, texture cosine {ct:.6}", img.file);
        assert!(cs >= 0.999, "{}: shape cosine {cs}", img.file);
        assert!(ct >= 0.999, "{}: texture cosine {ct}", img.file);
    }
}

#[test]
fn batching_does_not_change_vectors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png" || e == "jpg"))
        .collect();
    files.sort();
    let prepared: Vec<_> = files[..5]
        .iter()
        .map(|f| preprocess::prepare(decode::decode(&std::fs::read(f).unwrap()).unwrap(), false))
        .collect();
    let mut embedder = Embedder::new(2).unwrap();
    let batch = embedder.embed(&prepared.iter().map(|p| p.tensor.as_slice()).collect::<Vec<_>>()).unwrap();
    for (p, b) in prepared.iter().zip(&batch) {
        let single = embedder.embed(&[&p.tensor]).unwrap().pop().unwrap();
        assert!(cosine(&single.shape, &b.shape) > 0.99999);
        assert!(cosine(&single.texture, &b.texture) > 0.99999);
    }
}
