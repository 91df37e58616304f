//! `tl log`.

use std::process::ExitCode;

/// Arguments of `tl log`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tl log`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("tl log: not implemented yet");
    ExitCode::from(2)
}
