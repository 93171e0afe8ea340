//! Kindred: find kindred artworks by colour, texture and shape, offline.
//!
//! Data flows one way: files → [`decode`] → [`preprocess`] → [`embed`] (+ [`colour`]) →
//! [`catalog`] / [`index`] → [`search`] → CLI ([`cli`]) or GUI. [`library::Library`] is the API
//! both front ends use.

pub mod catalog;
pub mod cli;
pub mod colour;
pub mod decode;
pub mod embed;
pub mod features;
pub mod gui;
pub mod import;
pub mod index;
pub mod library;
pub mod model;
pub mod preprocess;
pub mod runtime;
pub mod search;

pub use features::{Aspect, Weights};
pub use library::{Library, LibraryOptions};
pub use search::Query;
