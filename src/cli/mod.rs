//! The command line: argument parsing, reading files, printing. The only
//! module (with the webhook) that does I/O.

mod input;
mod inspect;
mod pss;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::pss::{Level, Version};

#[derive(Parser)]
#[command(
    name = "podsec",
    version,
    about = "Least privilege for Kubernetes workloads: Pod Security Standards and securityContext checks."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Decide Pod Security Standards levels as the admission controller does.
    ///
    /// With --level: one line per workload that violates the level, exit 1
    /// if any does. Without: the strictest level each workload satisfies and
    /// what it misses for the stricter ones.
    Pss {
        /// The level to check against.
        #[arg(long, value_parser = parse_level)]
        level: Option<Level>,
        /// Policy version: `latest` or `v1.N`.
        #[arg(long, default_value = "latest", value_parser = parse_version)]
        version: Version,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Files or directories (`.yaml`, `.yml`, `.json`), `-` for stdin.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Show every container's effective security context and where each
    /// value comes from (container, pod or default).
    Inspect {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Files or directories, `-` for stdin.
        #[arg(required = true)]
        paths: Vec<String>,
    },
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
}

fn parse_version(s: &str) -> Result<Version, String> {
    s.parse()
}

pub const MANIFEST_EXTS: &[&str] = &[".yaml", ".yml", ".json"];

/// Exit codes: 0 clean, 1 findings, 2 input errors.
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Pss {
            level,
            version,
            format,
            paths,
        } => pss::run(level, version, format, &paths),
        Command::Inspect { format, paths } => inspect::run(format, &paths),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("podsec: error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Buffered standard output.
pub fn stdout() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

pub fn write_json(out: &mut impl Write, value: &serde_json::Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}
