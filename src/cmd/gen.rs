//! `tl gen`.

use std::process::ExitCode;

/// Arguments of `tl gen`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tl gen`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("tl gen: not implemented yet");
    ExitCode::from(2)
}
