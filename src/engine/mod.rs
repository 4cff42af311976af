//! The per-file pipelines, one for the CLI, the webhook and the cluster
//! report: `load` (documents and workloads), `scan` (the rulebook), `pss`
//! (the admission controller's verdicts), `fix` (apply → gate → re-scan →
//! repeat) and `kustomize` (fixes as patches). Pure: text in, results out.

pub mod admission;
pub mod chart;
pub mod cluster;
pub mod fix;
pub mod kustomize;
pub mod load;
pub mod pss;
pub mod scan;
pub mod suppress;

pub use load::{Parsed, for_each_workload, parse_file};
pub use pss::{PssFile, PssOutcome, pss_file};
