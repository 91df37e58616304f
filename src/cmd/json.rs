//! `tl json`.

use std::process::ExitCode;

/// Arguments of `tl json`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tl json`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("tl json: not implemented yet");
    ExitCode::from(2)
}
