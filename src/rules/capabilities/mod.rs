pub mod capabilities_added_without_drop;
pub mod capabilities_not_dropped;
pub mod capability_cap_prefix;
pub mod lowercase_capability_all;
pub mod non_default_capability;
pub mod restricted_capability;
