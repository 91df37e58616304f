//! `tl history`.

use std::process::ExitCode;

/// Arguments of `tl history`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tl history`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("tl history: not implemented yet");
    ExitCode::from(2)
}
