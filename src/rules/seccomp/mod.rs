pub mod deprecated_security_annotation;
pub mod seccomp_localhost_without_profile;
pub mod seccomp_profile_missing;
pub mod seccomp_unconfined;
