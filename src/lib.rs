//! podsec: least-privilege checks for Kubernetes workloads.
//!
//! Data flows one way; each module imports only those before it:
//! [`source`] (text → span trees) → [`model`] (workloads, effective
//! security context) → [`pss`] (the admission controller's evaluator) →
//! [`rules`] (the rulebook) → [`fix`] (byte-range edits and the validation
//! gate) → [`config`] (podsec.toml, suppressions, baselines) → [`input`]
//! (files, directories, stdin, Helm charts and Kustomize roots rendered and
//! mapped back) → [`engine`] (per-file scan, pss, fix, chart-fix and
//! cluster-report pipelines) → [`output`] (renderers) → [`cli`] (the front
//! end, which alone does I/O besides reading and rendering inputs).

pub mod cli;
pub mod config;
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
#[cfg(feature = "serve")]
pub mod serve;
pub mod source;

// mimalloc: podsec allocates many small, short-lived values (libyaml's
// tokens, one document's tree, one finding's strings); glibc's allocator
// spent a fifth of `scan`'s instructions on them. In the library, so every
// binary that links it (podsec, the benchmark floor) uses the same one.
// Not under the fuzzers: AddressSanitizer must see every allocation
// (libyaml's above all) to catch a bad access.
#[cfg(not(fuzzing))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
