//! podsec: least-privilege checks for Kubernetes workloads.
//!
//! Data flows one way; each module imports only those before it:
//! [`source`] (text → span trees) → [`model`] (workloads, effective
//! security context) → [`pss`] (the admission controller's evaluator) →
//! [`rules`] (the rulebook) → [`fix`] (byte-range edits and the validation
//! gate) → [`input`] (files, directories, stdin) → [`engine`] (per-file
//! scan, pss and fix pipelines) → [`output`] (renderers) → [`cli`] (the
//! front end, which alone does I/O besides reading inputs).

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
