//! Kindred: find kindred artworks by colour, texture and shape, offline.
//!
//! Data flows one way: files → [`decode`] → [`preprocess`] → [`embed`] (+ [`colour`]) →
//! [`catalog`] / [`index`] → [`search`] → CLI ([`cli`]) or GUI. [`library::Library`] is the API
//! both front ends use; it returns typed [`Error`]s and prints nothing.

pub mod aspect;
pub mod board;
pub mod calibration;
pub mod catalog;
pub mod cli;
pub mod colour;
pub mod compose;
pub mod decode;
pub mod duplicates;
pub mod embed;
pub mod error;
#[cfg(feature = "gui")]
pub mod gui;
pub mod import;
pub mod index;
pub mod library;
pub mod map;
pub mod mirror;
pub mod model;
pub mod palette;
pub mod pathtext;
pub mod preprocess;
pub mod query;
pub mod readable;
pub mod region;
pub mod runtime;
pub mod search;
pub mod style;
pub mod vectors;
pub mod watch;

pub use aspect::{Aspect, PerAspect, Weights};
pub use error::{Error, Result};
pub use library::{Library, LibraryOptions};
pub use query::{Query, QueryKind};
