//! The shared flow of the converting commands (`json`, `fmt`): read one schema, check it, show
//! its diagnostics, and write a result to stdout or a file.

use crate::report::{self, ColorChoice, RenderOptions};
use crate::source::SourceText;
use std::io::Write;
use std::process::ExitCode;
use tl_parser::Parsed;

/// Reads and checks `file` (`-` for stdin), prints its diagnostics to stderr, and on success
/// hands the parsed schema and the source text to `f`. Errors in the input (unreadable, not
/// UTF-8, any error diagnostic) print and return exit code 1.
pub fn with_checked<R>(
    file: &str,
    color: ColorChoice,
    f: impl FnOnce(&Parsed<'_>, &SourceText) -> R,
) -> Result<R, ExitCode> {
    let opts = RenderOptions { human: true, color: color.for_stderr() };
    let src = match SourceText::read(file) {
        Ok(src) => src,
        Err(message) => {
            let name = if file == "-" { "<stdin>" } else { file };
            report::to_stderr(&report::unreadable(name, message, opts).human);
            return Err(ExitCode::from(1));
        }
    };
    if let Some(at) = src.invalid_utf8_at {
        let diag = report::invalid_utf8_diagnostic(&src, at);
        report::print_diagnostics(&src, &[diag], opts);
        return Err(ExitCode::from(1));
    }
    let parsed = tl_parser::check(&src.text);
    if !parsed.diagnostics.is_empty() {
        let format = Some(tl_parser::detect_format(&src.text));
        let r = report::build_report(&src, format, parsed.schema.layer, (0, 0, 0), &parsed.diagnostics, opts);
        report::to_stderr(&r.human);
    }
    if parsed.has_errors() {
        return Err(ExitCode::from(1));
    }
    Ok(f(&parsed, &src))
}

/// Writes `text` to `path`, or to stdout when `path` is `None` or `-`.
pub fn write_output(path: Option<&str>, text: &str) -> ExitCode {
    let result = match path {
        None | Some("-") => return to_stdout(text).err().unwrap_or(ExitCode::SUCCESS),
        Some(p) => std::fs::write(p, text),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report::to_stderr(&format!("error: cannot write {}: {e}\n", path.unwrap_or("<stdout>")));
            ExitCode::from(1)
        }
    }
}

/// Writes `text` to stdout. A stdout that cannot take it (`> /dev/full`) is an error, said on
/// stderr, with exit code 1 (`print!` would panic); a reader that went away
/// (`tl diff 1 230 | head`) is not worth one.
pub fn to_stdout(text: &str) -> Result<(), ExitCode> {
    bytes_to_stdout(text.as_bytes())
}

/// [`to_stdout`] for raw bytes.
pub fn bytes_to_stdout(bytes: &[u8]) -> Result<(), ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            report::to_stderr(&format!("error: cannot write to stdout: {e}\n"));
            Err(ExitCode::from(1))
        }
    }
}
