//! Kubernetes shapes: workloads, pod templates, effective security context.

pub mod decode;
pub mod effective;
pub mod pod;
pub mod workload;

pub use decode::{TypeError, Val};
pub use pod::{Container, ContainerKind, PodSpec, PodTemplate, SecurityContext};
pub use workload::{Object, Workload, objects};
