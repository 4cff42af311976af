//! Renderers: they see only diagnostics.

pub mod json;
pub mod sarif;
pub mod text;
