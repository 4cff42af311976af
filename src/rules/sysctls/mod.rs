pub mod sysctl_slash_name;
pub mod sysctl_value_injection;
pub mod unsafe_sysctl;
