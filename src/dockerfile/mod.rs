//! Dockerfiles: our own parser, and what the final image runs as.

pub mod images;
pub mod index;
pub mod parse;
pub mod user;

pub use parse::{Dockerfile, Instruction, Span, parse};
