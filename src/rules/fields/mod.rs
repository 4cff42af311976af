pub mod container_field_in_pod_context;
pub mod duplicate_container_name;
pub mod id_out_of_range;
pub mod invalid_proc_mount;
pub mod invalid_profile_type;
pub mod pod_field_in_container_context;
