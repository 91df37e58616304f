//! `tl json`: a schema (TL text or JSON) out as the official JSON form.

use crate::convert;
use crate::report::ColorChoice;
use std::process::ExitCode;

/// Arguments of `tl json`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The schema (`.tl` or JSON), or `-` for stdin.
    pub file: String,
    /// Write the JSON here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// When to color diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Runs `tl json`.
pub fn run(args: Args) -> ExitCode {
    match convert::with_checked(&args.file, args.color, |parsed, _| tl_parser::write::to_json(&parsed.schema))
    {
        Ok(json) => convert::write_output(args.output.as_deref(), &json),
        Err(code) => code,
    }
}
