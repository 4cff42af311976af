//! Findings about suppressions themselves: unused, without a reason,
//! malformed, expired. The engine reports them while it applies
//! suppressions (`config::suppress`); they cannot be suppressed.

pub mod expired_suppression;
pub mod invalid_suppression;
pub mod suppression_without_reason;
pub mod unused_suppression;
