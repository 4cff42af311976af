pub mod restricted_volume_type;
