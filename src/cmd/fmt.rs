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
        let verdict = if tl_parser::detect_format(&src.text) == tl_parser::SourceFormat::Json {
            Err(format!(
                "{}: is the official JSON form, and `tl fmt` writes TL text: --check compares TL text \
                 with its canonical form (`tl fmt FILE -o FILE.tl` converts it)",
                src.path
            ))
        } else {
            match first_difference(&src.text, &text) {
                None => Ok(()),
                Some((line, want)) => Err(format!(
                    "{}:{line}: not in canonical form from this line on; canonical: {want}\n\
                     (run `tl fmt` to rewrite it)",
                    src.path
                )),
            }
        };
        (text, verdict)
    });
    match result {
        Ok((_, verdict)) if args.check => match verdict {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                crate::report::to_stderr(&format!("{message}\n"));
                ExitCode::from(1)
            }
        },
        Ok((text, _)) => convert::write_output(args.output.as_deref(), &text),
        Err(code) => code,
    }
}

/// The first line (1-based) where `actual` and `canonical` part, with what the canonical text
/// has there, quoted (`end of file` when it has nothing); `None` when they are equal.
fn first_difference(actual: &str, canonical: &str) -> Option<(usize, String)> {
    if actual == canonical {
        return None;
    }
    let (mut a, mut c) = (actual.split_inclusive('\n'), canonical.split_inclusive('\n'));
    let mut line = 1;
    loop {
        match (a.next(), c.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (_, Some(y)) => return Some((line, format!("`{}`", y.trim_end_matches(['\n', '\r'])))),
            (_, None) => return Some((line, "end of file".to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn first_difference_names_the_line_and_what_belongs_there() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        assert_eq!(first_difference("a\nx\nc\n", "a\nb\nc\n"), Some((2, "`b`".into())));
        assert_eq!(first_difference("a\nb", "a\nb\n"), Some((2, "`b`".into())));
        assert_eq!(first_difference("a\nb\nextra\n", "a\nb\n"), Some((3, "end of file".into())));
        assert_eq!(first_difference("a\n", "a\nb\n"), Some((2, "`b`".into())));
    }
}
