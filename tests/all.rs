//! The one integration-test binary (one link step on a 2-core machine).

mod catalog;
mod cli;
mod cluster;
mod config;
mod ecosystem;
mod effective;
mod fix;
mod formats;
mod pss;
mod render;
mod robust;
mod rules;
mod scan_cli;
#[cfg(feature = "serve")]
mod serve;
mod stream;
mod util;
mod yaml;
