//! Checking one source and reporting on it: the per-file summary, diagnostics rendered for a
//! human (rustc style, optionally colored) or as JSON.

use crate::source::{Input, SourceText};
use serde::Serialize;
use std::collections::HashSet;
use std::io::IsTerminal;
use tl_parser::model::Span;
use tl_parser::{Diagnostic, Parsed, Severity, SourceFormat};

/// `--color`: when to emit ANSI colors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Color when the output is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

impl ColorChoice {
    /// Whether diagnostics written to stderr should be colored.
    pub fn for_stderr(self) -> bool {
        self.wants(|| std::io::stderr().is_terminal())
    }

    /// Whether text written to stdout should be colored.
    pub fn for_stdout(self) -> bool {
        self.wants(|| std::io::stdout().is_terminal())
    }

    /// Whether to color an output that `is_terminal` tells about.
    fn wants(self, is_terminal: impl FnOnce() -> bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && is_terminal(),
        }
    }
}

/// `--format` of `check` and `layers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Text for people.
    #[default]
    Human,
    /// JSON on stdout (`check`: one object per run; `layers`: an array of the schemas).
    Json,
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    /// Line number, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// Line and column of byte offsets of one text: `tl_parser::render::LineIndex` with its text,
/// so many diagnostics in a big file resolve in O(log n) each.
pub struct LineIndex<'a> {
    src: &'a str,
    index: tl_parser::render::LineIndex,
}

impl<'a> LineIndex<'a> {
    /// Indexes `src`.
    pub fn new(src: &'a str) -> LineIndex<'a> {
        LineIndex { src, index: tl_parser::render::LineIndex::new(src) }
    }

    /// The line and column of a byte offset (odd offsets never panic).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let (line, column) = self.index.line_col(self.src, offset);
        LineCol { line, column }
    }
}

/// What checking one input found.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The path as shown.
    pub path: String,
    /// `"tl"` or `"json"`; `None` when the input could not be read or decoded.
    pub format: Option<&'static str>,
    /// The layer the file announces, if any.
    pub layer: Option<u32>,
    /// Number of constructors.
    pub constructors: usize,
    /// Number of functions.
    pub functions: usize,
    /// Number of distinct boxed types the constructors build.
    pub types: usize,
    /// Every diagnostic, in source order.
    pub diagnostics: Vec<DiagnosticReport>,
    /// Diagnostics rendered for people (empty unless asked for).
    #[serde(skip)]
    pub human: String,
}

impl FileReport {
    /// Number of error diagnostics.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == "error").count()
    }

    /// Number of warning diagnostics.
    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == "warning").count()
    }
}

/// One diagnostic as `--format json` prints it. Positions are `null` for problems that have no
/// place in a file (an unreadable path).
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticReport {
    /// `"error"` or `"warning"`.
    pub severity: &'static str,
    /// The stable short code.
    pub code: &'static str,
    /// The headline.
    pub message: String,
    /// Start line (1-based).
    pub line: Option<usize>,
    /// Start column (1-based, characters).
    pub column: Option<usize>,
    /// End line.
    pub end_line: Option<usize>,
    /// End column (one past the last character).
    pub end_column: Option<usize>,
    /// Text under the caret.
    pub label: Option<String>,
    /// `= note:` lines.
    pub notes: Vec<String>,
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Counts for a parsed schema: (constructors, functions, distinct boxed types).
pub fn counts(parsed: &Parsed<'_>) -> (usize, usize, usize) {
    let constructors = parsed.schema.constructors().count();
    let functions = parsed.schema.functions().count();
    let types: HashSet<&str> = parsed.schema.constructors().map(|d| d.ty.name.as_ref()).collect();
    (constructors, functions, types.len())
}

/// The diagnostic for a file that is not valid UTF-8: we stop there, because parsing bytes that
/// are not text only buries this one useful message under noise.
pub fn invalid_utf8_diagnostic(src: &SourceText, at: usize) -> Diagnostic {
    let end = src.text.get(at..).and_then(|s| s.chars().next()).map_or(at, |c| at + c.len_utf8());
    Diagnostic::error("utf8", "file is not valid UTF-8", Span::new(at, end))
        .with_label("invalid byte sequence here")
        .with_note("TL schemas are UTF-8 text; nothing after this point was checked")
}

/// How to render a report.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Render the human form into [`FileReport::human`].
    pub human: bool,
    /// Use ANSI colors in the human form.
    pub color: bool,
}

/// Loads, parses and validates `input`, and reports on it. Never panics on bad input: unreadable
/// paths and invalid UTF-8 become error diagnostics.
pub fn check_input(input: &Input, opts: RenderOptions) -> FileReport {
    match input.load() {
        Ok(src) => check_source(&src, opts),
        Err(message) => unreadable(input.name(), message, opts),
    }
}

/// The report for an input that could not be read at all.
pub fn unreadable(path: &str, message: String, opts: RenderOptions) -> FileReport {
    // The message already starts with the path (from `SourceText::read`); keep only the reason.
    let reason =
        message.strip_prefix(path).and_then(|m| m.strip_prefix(": ")).unwrap_or(&message).to_string();
    let diag = DiagnosticReport {
        severity: "error",
        code: "io",
        message: reason.clone(),
        line: None,
        column: None,
        end_line: None,
        end_column: None,
        label: None,
        notes: Vec::new(),
    };
    let human = if opts.human { headline_only(path, "io", &reason, opts.color) } else { String::new() };
    FileReport {
        path: path.to_string(),
        format: None,
        layer: None,
        constructors: 0,
        functions: 0,
        types: 0,
        diagnostics: vec![diag],
        human,
    }
}

/// Parses and validates a loaded source and reports on it.
pub fn check_source(src: &SourceText, opts: RenderOptions) -> FileReport {
    if let Some(at) = src.invalid_utf8_at {
        let diags = [invalid_utf8_diagnostic(src, at)];
        return build_report(src, None, None, (0, 0, 0), &diags, opts);
    }
    let parsed = tl_parser::check(&src.text);
    let format = tl_parser::detect_format(&src.text);
    build_report(src, Some(format), parsed.schema.layer, counts(&parsed), &parsed.diagnostics, opts)
}

/// Most diagnostics rendered per file for people. Past a few hundred nobody reads them, and the
/// renderer finds each line by rescanning the file, so an adversarial file with tens of
/// thousands of warnings would otherwise take seconds. Counts and JSON output stay complete.
const MAX_RENDERED: usize = 200;

/// Assembles a report from parts (also used by `json`/`fmt` to show their diagnostics).
pub fn build_report(
    src: &SourceText,
    format: Option<SourceFormat>,
    layer: Option<u32>,
    (constructors, functions, types): (usize, usize, usize),
    diagnostics: &[Diagnostic],
    opts: RenderOptions,
) -> FileReport {
    // Most files have no diagnostics: skip indexing their lines.
    let index = LineIndex::new(if diagnostics.is_empty() { "" } else { &src.text });
    let diagnostics_out = diagnostics
        .iter()
        .map(|d| {
            let start = index.line_col(d.span.start as usize);
            let end = index.line_col(d.span.end.max(d.span.start) as usize);
            DiagnosticReport {
                severity: severity_name(d.severity),
                code: d.code,
                message: d.message.clone(),
                line: Some(start.line),
                column: Some(start.column),
                end_line: Some(end.line),
                end_column: Some(end.column),
                label: d.label.clone(),
                notes: d.notes.clone(),
            }
        })
        .collect();
    let human = if opts.human {
        let mut out: String = diagnostics
            .iter()
            .take(MAX_RENDERED)
            .map(|d| tl_parser::render::render(d, &src.path, &src.text, opts.color))
            .collect();
        if let Some(more) = diagnostics.len().checked_sub(MAX_RENDERED).filter(|&n| n > 0) {
            out.push_str(&format!(
                "{}: note: {more} more diagnostics not shown (`--format json` lists them all)\n",
                src.path
            ));
        }
        out
    } else {
        String::new()
    };
    FileReport {
        path: src.path.clone(),
        format: format.map(|f| match f {
            SourceFormat::Tl => "tl",
            SourceFormat::Json => "json",
        }),
        layer,
        constructors,
        functions,
        types,
        diagnostics: diagnostics_out,
        human,
    }
}

/// Writes `diagnostics` of `src` to stderr for people (for commands that only show problems,
/// not a whole report).
pub fn print_diagnostics(src: &SourceText, diagnostics: &[Diagnostic], opts: RenderOptions) {
    to_stderr(&build_report(src, None, None, (0, 0, 0), diagnostics, opts).human);
}

/// The headline of a problem that has no place in a file, styled like the parser's renderer.
fn headline_only(path: &str, code: &str, message: &str, color: bool) -> String {
    let message: String = message.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect();
    if color {
        format!("{path}: \x1b[1;31merror[{code}]\x1b[0m\x1b[1m: {message}\x1b[0m\n")
    } else {
        format!("{path}: error[{code}]: {message}\n")
    }
}

/// Writes to stderr, ignoring failures: `eprint!` panics when stderr is a closed pipe
/// (`tl check 2>&1 | head -1`), and a message nobody can read is no reason to crash.
pub fn to_stderr(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The summary line: `N files, E errors, W warnings`.
pub fn summary(files: usize, errors: usize, warnings: usize) -> String {
    format!("{}, {}, {}", plural(files, "file"), plural(errors, "error"), plural(warnings, "warning"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let idx = LineIndex::new("ab\nпривет x\n");
        assert_eq!(idx.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_col(3), LineCol { line: 2, column: 1 });
        assert_eq!(idx.line_col("ab\nпривет ".len()), LineCol { line: 2, column: 8 });
        // Past the end and inside a char: clamped, no panic.
        assert_eq!(idx.line_col(1000).line, 3);
        assert_eq!(idx.line_col(4), LineCol { line: 2, column: 1 });
        // A byte order mark opening the file is no column.
        let idx = LineIndex::new("\u{feff}ab\n\u{feff}c");
        assert_eq!(idx.line_col(3), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_col(4), LineCol { line: 1, column: 2 });
        assert_eq!(idx.line_col(9), LineCol { line: 2, column: 2 });
    }

    #[test]
    fn io_headline_has_no_escapes_when_plain() {
        assert_eq!(headline_only("p", "io", "gone\u{1b}", false), "p: error[io]: gone\u{fffd}\n");
        assert!(headline_only("p", "io", "gone", true).contains("\x1b[1;31m"));
    }

    #[test]
    fn human_output_is_capped_but_counts_are_not() {
        let text: String = (0..300).map(|i| format!("a{i} x:Bad = A;\n")).collect();
        let src = SourceText { path: "f.tl".into(), text, invalid_utf8_at: None };
        let diags: Vec<Diagnostic> =
            (0..300).map(|i| Diagnostic::warning("w", "m", Span::new(i * 15, i * 15 + 2))).collect();
        let r =
            build_report(&src, None, None, (0, 0, 0), &diags, RenderOptions { human: true, color: false });
        assert_eq!(r.warnings(), 300);
        assert_eq!(r.human.matches("warning[w]").count(), MAX_RENDERED);
        assert!(r
            .human
            .ends_with("f.tl: note: 100 more diagnostics not shown (`--format json` lists them all)\n"));
    }

    #[test]
    fn summary_pluralizes() {
        assert_eq!(summary(1, 0, 2), "1 file, 0 errors, 2 warnings");
        assert_eq!(summary(3, 1, 1), "3 files, 1 error, 1 warning");
    }
}
