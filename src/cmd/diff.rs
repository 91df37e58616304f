//! `tl diff`.

use std::process::ExitCode;

/// Arguments of `tl diff`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tl diff`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("tl diff: not implemented yet");
    ExitCode::from(2)
}
