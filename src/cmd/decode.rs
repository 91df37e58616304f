//! `tl decode`.

use std::process::ExitCode;

/// Arguments of `tl decode`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tl decode`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("tl decode: not implemented yet");
    ExitCode::from(2)
}
