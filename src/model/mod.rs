//! Kubernetes shapes: workloads, pod templates, effective security context.

pub mod decode;
pub mod effective;
pub mod pod;
pub mod workload;

pub use decode::{TypeError, Val};

/// The largest user or group ID the API server accepts (IDs are 0 to
/// 2^31-1, `must be between 0 and 2147483647, inclusive`).
pub const MAX_ID: i64 = 2_147_483_647;

/// A user or group ID the API server accepts that is not root.
pub fn non_root_id(v: i64) -> bool {
    v > 0 && v <= MAX_ID
}
pub use pod::{Container, ContainerKind, PodSpec, PodTemplate, SecurityContext};
pub use workload::{Object, Workload, objects};
