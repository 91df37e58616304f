//! `tl encode`.

use std::process::ExitCode;

/// Arguments of `tl encode`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `tl encode`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("tl encode: not implemented yet");
    ExitCode::from(2)
}
