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
    let prepared: Vec<_> =
        files[..5].iter().map(|f| preprocess::prepare(decode::decode(&std::fs::read(f).unwrap()).unwrap(), false)).collect();
    let mut embedder = Embedder::new(2).unwrap();
    let batch = embedder.embed(&prepared.iter().map(|p| p.tensor.as_slice()).collect::<Vec<_>>()).unwrap();
    for (p, b) in prepared.iter().zip(&batch) {
        let single = embedder.embed(&[&p.tensor]).unwrap().pop().unwrap();
        assert!(cosine(&single.shape, &b.shape) > 0.99999);
        assert!(cosine(&single.texture, &b.texture) > 0.99999);
    }
}

/// A large JPEG decoded reduced in the DCT domain (what import and queries do) gives vectors close
/// to those of the full decode. Thresholds: just under the minimum measured over the 98 reduced
/// files of the large-JPEG benchmark set (scripts/make-large-jpegs.sh, `kindred_bench -- reduced`:
/// colour 0.9984, texture 0.9988, shape 0.9901); this picture gives 1.0000, 0.9998, 0.9977.
#[test]
fn reduced_jpeg_decode_keeps_the_vectors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/parity");
    let source = image::open(dir.join("gnome-adwaita-l-640.jpg")).unwrap().to_rgb8();
    // 4400 x 2900 (12.8 Mpx, decoded at a quarter): the 640-px picture enlarged, with grain so the
    // reduction has fine detail to average, as in a photo.
    let big = image::imageops::resize(&source, 4400, 2900, image::imageops::FilterType::Triangle);
    let mut seed = 0x2545_f491_u32;
    let big = image::RgbImage::from_fn(4400, 2900, |x, y| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let grain = (seed >> 24) as i32 / 16 - 8;
        image::Rgb(big.get_pixel(x, y).0.map(|c| (i32::from(c) + grain).clamp(0, 255) as u8))
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(big).write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)).unwrap();
    let reduced = preprocess::decode_for_prepare(&bytes).unwrap();
    assert_eq!((reduced.image.width(), reduced.image.height()), (1100, 725));
    let reduced = preprocess::prepare(reduced, false);
    let full = preprocess::prepare(decode::decode(&bytes).unwrap(), false);
    let mut embedder = Embedder::new(2).expect("ONNX Runtime and the model load");
    let v = embedder.embed(&[&full.tensor, &reduced.tensor]).unwrap();
    let colour = cosine(&full.colour.histogram, &reduced.colour.histogram);
    let (texture, shape) = (cosine(&v[0].texture, &v[1].texture), cosine(&v[0].shape, &v[1].shape));
    println!("full vs reduced decode: colour cosine {colour:.5}, texture {texture:.5}, shape {shape:.5}");
    assert!(colour >= 0.998, "colour cosine {colour}");
    assert!(texture >= 0.998, "texture cosine {texture}");
    assert!(shape >= 0.99, "shape cosine {shape}");
}
