//! What the app keeps between runs (thumbnail size, aspect weights), stored by eframe as RON.
//! The serde names are the persisted format: renaming a field loses users' settings.

use serde::{Deserialize, Serialize};

use crate::aspect::{Aspect, Weights};

/// Key of the persisted settings.
const SETTINGS_KEY: &str = "kindred-settings";

/// The aspect buttons; `Custom` when the sliders set other weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AspectMode {
    /// All aspects equally.
    All,
    /// One aspect only.
    Only(Aspect),
    /// Weights from the sliders.
    Custom,
}

/// What is kept between runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Thumbnail side in points.
    pub thumb_size: f32,
    /// Aspect weights.
    pub weights: Weights,
    /// Which aspect button is selected.
    pub aspect: AspectMode,
}

impl Default for Settings {
    fn default() -> Self {
        Self { thumb_size: 128.0, weights: Weights::ALL, aspect: AspectMode::All }
    }
}

impl Settings {
    /// The settings saved by a previous run, or the defaults.
    pub(super) fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        storage.and_then(|s| eframe::get_value(s, SETTINGS_KEY)).unwrap_or_default()
    }

    pub(super) fn save(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, self);
    }

    /// Selects an aspect button: its weights replace the sliders' (`Custom` keeps them).
    pub(super) fn set_aspect(&mut self, mode: AspectMode) {
        self.aspect = mode;
        match mode {
            AspectMode::All => self.weights = Weights::ALL,
            AspectMode::Only(a) => self.weights = Weights::only(a),
            AspectMode::Custom => {}
        }
    }
}
