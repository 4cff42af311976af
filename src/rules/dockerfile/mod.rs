pub mod missing_user;
pub mod non_numeric_user;
pub mod root_user;
pub mod setuid_helper;
mod suggest;
pub mod unused_user;
