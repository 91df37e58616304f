//! `tl fmt`: a schema (TL text or JSON) out as canonical TL text.

use crate::convert;
use crate::report::ColorChoice;
use std::process::ExitCode;

/// Arguments of `tl fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The schema (`.tl` or JSON), or `-` for stdin.
    pub file: String,
    /// Write nothing; exit 1 (with a message) if FILE is not already in canonical form.
    #[arg(long, conflicts_with = "output")]
    pub check: bool,
    /// Write the text here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// When to color diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Runs `tl fmt`.
pub fn run(args: Args) -> ExitCode {
    let result = convert::with_checked(&args.file, args.color, |parsed, src| {
        let text = tl_parser::write::to_tl(&parsed.schema);
        let canonical = text == src.text;
        (text, canonical, src.path.clone())
    });
    match result {
        Ok((_, canonical, path)) if args.check => {
            if canonical {
                ExitCode::SUCCESS
            } else {
                crate::report::to_stderr(&format!(
                    "{path}: not in canonical form (run `tl fmt` to rewrite it)\n"
                ));
                ExitCode::from(1)
            }
        }
        Ok((text, _, _)) => convert::write_output(args.output.as_deref(), &text),
        Err(code) => code,
    }
}
