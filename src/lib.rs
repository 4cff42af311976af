//! podsec: least-privilege checks for Kubernetes workloads.
//!
//! Data flows one way: [`source`] (text, spans, parsing) → [`model`]
//! (workloads, effective security context) → [`pss`] (pure evaluation) →
//! [`output`] (renderers). Only the CLI does I/O.

pub mod cli;
pub mod dockerfile;
pub mod docs;
pub mod engine;
pub mod fix;
pub mod input;
pub mod kb;
pub mod model;
pub mod output;
pub mod pss;
pub mod rules;
pub mod source;
