//! `tl check`.

use std::process::ExitCode;

/// Arguments of `tl check`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tl check`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("tl check: not implemented yet");
    ExitCode::from(2)
}
