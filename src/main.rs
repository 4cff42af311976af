use std::process::ExitCode;

fn main() -> ExitCode {
    podsec::cli::main()
}
