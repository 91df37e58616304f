//! `tl fmt`.

use std::process::ExitCode;

/// Arguments of `tl fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tl fmt`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("tl fmt: not implemented yet");
    ExitCode::from(2)
}
