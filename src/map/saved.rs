//! The map's file in a library directory, `map/<weights>.json`: a header line (format, model,
//! weights, seed, catalog generation, point count, blake3 of the body) and a body line with the
//! positions and clusters. Written to a temporary file and renamed into place; read back only when
//! every field matches and the body's checksum holds; otherwise the map is rebuilt, never trusted.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::MapCluster;
use crate::aspect::Weights;
use crate::catalog::ArtworkId;
use crate::error::{Error, IoContext, Result};

/// Version of the file. 1: header line + body line.
pub const MAP_FORMAT: u32 = 1;

/// What a saved map was computed from: it is used only when all of it matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapKey {
    /// Model of the vectors.
    pub model: String,
    /// Weights the vectors were joined with.
    pub weights: Weights,
    /// Seed of the layout.
    pub seed: u64,
    /// Catalog generation.
    pub generation: u64,
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    #[serde(flatten)]
    key: MapKey,
    points: usize,
    body_blake3: String,
}

/// Positions and clusters, without paths (those come from the catalog when the map is read).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedMap {
    /// `(id, x, y, cluster)`.
    pub points: Vec<(ArtworkId, f32, f32, Option<u32>)>,
    /// Largest first.
    pub clusters: Vec<MapCluster>,
}

/// The file of the map for `weights` in library directory `dir`: `all`, an aspect's name, or the
/// three weights.
pub fn path_for(dir: &Path, weights: &Weights) -> PathBuf {
    let name = if *weights == Weights::ALL {
        "all".to_owned()
    } else if let Some(a) = weights.active().next().filter(|_| weights.active().count() == 1) {
        a.name().to_owned()
    } else {
        format!("weights-{}-{}-{}", weights.colour, weights.texture, weights.shape)
    };
    dir.join("map").join(format!("{name}.json"))
}

/// Writes `map` for `key` to `path` atomically (temporary file, then rename).
pub fn save(path: &Path, key: &MapKey, map: &SavedMap) -> Result<()> {
    let body = serde_json::to_string(map).map_err(|e| Error::Index(format!("encoding map: {e}")))?;
    let header = Header {
        format: MAP_FORMAT,
        key: key.clone(),
        points: map.points.len(),
        body_blake3: blake3::hash(body.as_bytes()).to_hex().to_string(),
    };
    let header = serde_json::to_string(&header).map_err(|e| Error::Index(format!("encoding map: {e}")))?;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).on_path("cannot create", parent)?;
    }
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let temp = path.with_extension(format!("{}-{}.tmp", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    let written = (|| {
        let mut file = fs::File::create(&temp).on_path("cannot create", &temp)?;
        file.write_all(header.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.write_all(body.as_bytes()))
            .on_path("cannot write", &temp)?;
        file.sync_all().on_path("cannot write", &temp)?;
        fs::rename(&temp, path).on_path("cannot replace", path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

/// Reads the map at `path` if it was saved for exactly `key` and is whole; the error says why not
/// (no file, another generation, damage…), and means: compute it again.
pub fn load(path: &Path, key: &MapKey) -> Result<SavedMap> {
    let stale = |why: String| Error::Index(format!("map {}: {why}", path.display()));
    let text = fs::read_to_string(path).map_err(|e| stale(format!("not readable ({e})")))?;
    let (header, body) = text.split_once('\n').ok_or_else(|| stale("damaged (no body)".into()))?;
    let header: Header = serde_json::from_str(header).map_err(|e| stale(format!("damaged header ({e})")))?;
    if header.format != MAP_FORMAT {
        return Err(stale(format!("format {}, this version uses {MAP_FORMAT}", header.format)));
    }
    if header.key != *key {
        return Err(stale("computed from another catalog state, model, weights or seed".into()));
    }
    if blake3::hash(body.as_bytes()).to_hex().as_str() != header.body_blake3 {
        return Err(stale("damaged (checksum mismatch)".into()));
    }
    let map: SavedMap = serde_json::from_str(body).map_err(|e| stale(format!("damaged body ({e})")))?;
    let clusters = map.clusters.len() as u32;
    let sane = map.points.len() == header.points
        && map.points.iter().all(|p| p.1.is_finite() && p.2.is_finite() && p.3.is_none_or(|c| c < clusters))
        && map.clusters.iter().enumerate().all(|(i, c)| c.id as usize == i);
    if !sane {
        return Err(stale("damaged (points out of range)".into()));
    }
    Ok(map)
}
