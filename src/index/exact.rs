//! The exact index: brute force over every vector, the ground truth and the backend of small
//! libraries.

use std::collections::HashMap;

use super::{Metric, Neighbour, VectorIndex, check_dim};
use crate::error::Result;

/// Brute force over every vector: exact, simple, fast enough for a few thousand artworks.
pub struct ExactIndex {
    dim: usize,
    metric: Metric,
    keys: Vec<u64>,
    data: Vec<f32>,
    /// Row of each key in `keys` / `data`.
    rows: HashMap<u64, usize>,
}

impl ExactIndex {
    /// An empty index.
    pub fn new(dim: usize, metric: Metric) -> Self {
        Self { dim, metric, keys: Vec::new(), data: Vec::new(), rows: Default::default() }
    }
}

impl VectorIndex for ExactIndex {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn add(&mut self, key: u64, vector: &[f32]) -> Result<()> {
        check_dim(self.dim, vector)?;
        match self.rows.get(&key) {
            Some(&i) => self.data[i * self.dim..(i + 1) * self.dim].copy_from_slice(vector),
            None => {
                self.rows.insert(key, self.keys.len());
                self.keys.push(key);
                self.data.extend_from_slice(vector);
            }
        }
        Ok(())
    }

    fn remove(&mut self, key: u64) -> Result<()> {
        if let Some(i) = self.rows.remove(&key) {
            let last = self.keys.len() - 1;
            self.keys.swap_remove(i);
            if i != last {
                self.rows.insert(self.keys[i], i);
                let (head, tail) = self.data.split_at_mut(last * self.dim);
                head[i * self.dim..(i + 1) * self.dim].copy_from_slice(&tail[..self.dim]);
            }
            self.data.truncate(last * self.dim);
        }
        Ok(())
    }

    fn search(&self, query: &[f32], k: usize) -> Result<Vec<Neighbour>> {
        check_dim(self.dim, query)?;
        let mut hits: Vec<Neighbour> = self
            .keys
            .iter()
            .zip(self.data.chunks_exact(self.dim))
            .map(|(&key, v)| Neighbour { key, distance: self.metric.distance(query, v) })
            .collect();
        let k = k.min(hits.len());
        if k == 0 {
            return Ok(Vec::new());
        }
        hits.select_nth_unstable_by(k - 1, |a, b| a.distance.total_cmp(&b.distance));
        hits.truncate(k);
        hits.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.key.cmp(&b.key)));
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_index_add_replace_remove() {
        let mut ix = ExactIndex::new(2, Metric::Euclidean);
        ix.add(1, &[0.0, 0.0]).unwrap();
        ix.add(2, &[1.0, 0.0]).unwrap();
        ix.add(3, &[5.0, 5.0]).unwrap();
        ix.add(2, &[0.1, 0.0]).unwrap();
        assert_eq!(ix.len(), 3);
        let hits = ix.search(&[0.2, 0.0], 2).unwrap();
        assert_eq!(hits.iter().map(|h| h.key).collect::<Vec<_>>(), vec![2, 1]);
        ix.remove(2).unwrap();
        assert_eq!(ix.search(&[0.2, 0.0], 5).unwrap().iter().map(|h| h.key).collect::<Vec<_>>(), vec![1, 3]);
        assert!(ix.add(4, &[1.0]).is_err());
    }
}
