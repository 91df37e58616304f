//! `tl layers`.

use std::process::ExitCode;

/// Arguments of `tl layers`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tl layers`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("tl layers: not implemented yet");
    ExitCode::from(2)
}
