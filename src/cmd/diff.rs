//! `tl diff`: the semantic diff of two schemas with a wire-compatibility verdict per change.

use crate::diff::layers::{parse_sources, resolve};
use crate::diff::style::{ColorChoice, Style};
use crate::diff::{human, markdown};
use std::path::PathBuf;
use std::process::ExitCode;

/// `--format` of `tl diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Grouped by namespace, for a terminal.
    #[default]
    Human,
    /// One JSON object: `added`, `removed`, `changed`, `summary`.
    Json,
    /// A changelog section.
    Markdown,
}

/// Arguments of `tl diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old schema: a file (TL or JSON), or a layer number found in --schemas.
    pub old: String,
    /// The new schema: a file (TL or JSON), or a layer number found in --schemas.
    pub new: String,
    /// Where layer numbers are looked up (`DIR/layer-N.tl` or `.json`); without it the
    /// embedded schema is the only layer.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// When to color human output.
    #[arg(long, value_enum, default_value_t)]
    pub color: ColorChoice,
    /// Exit with 1 when any change is breaking (like `git diff --exit-code`); an error then
    /// exits 2, as with POSIX `diff`, so that a script can tell the two apart.
    #[arg(long)]
    pub exit_code: bool,
}

/// Runs `tl diff`.
pub fn run(args: Args) -> ExitCode {
    match (diff(&args), args.exit_code) {
        (Ok(true), true) => ExitCode::from(1),
        (Ok(_), _) => ExitCode::SUCCESS,
        // With --exit-code, 1 means "breaking": trouble is 2, as with POSIX `diff`.
        (Err(_), true) => ExitCode::from(2),
        (Err(code), false) => code,
    }
}

/// Prints the report; says whether any change is breaking, or fails with the exit code.
fn diff(args: &Args) -> Result<bool, ExitCode> {
    let dir = args.schemas.as_deref();
    let sides = resolve(&args.old, dir).and_then(|old| Ok((old, resolve(&args.new, dir)?)));
    let (old, new) = sides.map_err(|e| fail(&e))?;
    let mut notes = old.notes.clone();
    notes.extend(new.notes.iter().filter(|n| !old.notes.contains(n)).cloned());
    for note in &notes {
        eprintln!("note: {note}");
    }
    let parsed = parse_sources(&old.sources).and_then(|o| Ok((o, parse_sources(&new.sources)?)));
    let (old_defs, new_defs) = parsed.map_err(|e| fail(&e))?;
    let mut report = crate::diff::diff(&old_defs, &new_defs);
    report.from = Some(old.label);
    report.to = Some(new.label);
    let text = match args.format {
        Format::Human => human::render(&report, Style { color: args.color.for_stdout() }),
        Format::Markdown => markdown::render(&report),
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(j) => j + "\n",
            Err(e) => return Err(fail(&format!("cannot write JSON: {e}"))),
        },
    };
    crate::convert::to_stdout(&text)?;
    Ok(report.summary.breaking > 0)
}

/// Every layer file of `dir` (`tl history`, `tl log`), after a note on stderr for each file
/// left out; or the exit code of the error, said on stderr.
pub fn scan_all(dir: &std::path::Path) -> Result<Vec<crate::diff::layers::LayerFile>, ExitCode> {
    let scanned = crate::diff::layers::scan(dir).map_err(|e| fail(&e))?;
    for note in scanned.notes(None) {
        eprintln!("note: {note}");
    }
    Ok(scanned.files)
}

/// Reports an unreadable or invalid input (one problem per line): exit code 1.
pub fn fail(message: &str) -> ExitCode {
    for line in message.lines() {
        eprintln!("error: {line}");
    }
    ExitCode::from(1)
}
