//! `tl check`: parse and validate schemas, many files in parallel, report in input order.

use crate::report::{self, ColorChoice, DiagnosticReport, FileReport, RenderOptions};
use crate::source::{self, Input};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Arguments of `tl check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// When to color diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Schema files (`.tl` or JSON), directories (every `.tl`/`.json` under them), or `-` for
    /// stdin. Default: the embedded schemas.
    pub files: Vec<String>,
}

/// `--format` of `tl check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Diagnostics for people, on stderr.
    Human,
    /// One JSON object on stdout.
    Json,
    /// GitHub Actions workflow commands on stdout (`::error file=…,line=…::…`), which a
    /// workflow step shows as annotations on the schema's lines.
    Github,
}

/// The `--format json` document.
#[derive(Serialize)]
struct JsonRun<'a> {
    files: &'a [FileReport],
    errors: usize,
    warnings: usize,
    /// Only with `--strict`, so that the document says why warnings alone failed the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    strict: Option<bool>,
    /// Whether the run passed (exit 0); only with `--strict`.
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
}

/// Runs `tl check`.
pub fn run(args: Args) -> ExitCode {
    let inputs = source::expand(&args.files);
    let opts = RenderOptions { human: args.format == CheckFormat::Human, color: args.color.for_stderr() };
    let reports = check_all(&inputs, opts);
    let errors: usize = reports.iter().map(FileReport::errors).sum();
    let warnings: usize = reports.iter().map(FileReport::warnings).sum();
    let failed = errors > 0 || (args.strict && warnings > 0);

    match args.format {
        CheckFormat::Human => {
            let mut err = std::io::stderr().lock();
            for r in &reports {
                let _ = err.write_all(r.human.as_bytes());
            }
            let mut line = report::summary(reports.len(), errors, warnings);
            if errors == 0 && failed {
                line.push_str(" (failed: --strict makes warnings fatal)");
            }
            let _ = writeln!(err, "{line}");
        }
        CheckFormat::Github => {
            let text: String = reports
                .iter()
                .flat_map(|r| r.diagnostics.iter().map(move |d| github_command(&r.path, d)))
                .collect();
            if let Err(code) = crate::convert::to_stdout(&text) {
                return code;
            }
            report::to_stderr(&format!("{}\n", report::summary(reports.len(), errors, warnings)));
        }
        CheckFormat::Json => {
            let run = JsonRun {
                files: &reports,
                errors,
                warnings,
                strict: args.strict.then_some(true),
                ok: args.strict.then_some(!failed),
            };
            // Serializing our own plain structs cannot fail.
            let text = serde_json::to_string(&run).unwrap_or_default() + "\n";
            if let Err(code) = crate::convert::to_stdout(&text) {
                return code;
            }
            report::to_stderr(&format!("{}\n", report::summary(reports.len(), errors, warnings)));
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Checks every input on all cores; the result is in input order whatever order workers finish.
pub fn check_all(inputs: &[Input], opts: RenderOptions) -> Vec<FileReport> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(inputs.len()).max(1);
    if workers == 1 {
        return inputs.iter().map(|i| check_one(i, opts)).collect();
    }
    // Workers pull the next index from a shared counter: files differ a lot in size, so a
    // static split would leave cores idle.
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<FileReport>>> = inputs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(input) = inputs.get(i) else { break };
                let r = check_one(input, opts);
                if let Some(Ok(mut slot)) = slots.get(i).map(|s| s.lock()) {
                    *slot = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .zip(inputs)
        .map(|(slot, input)| {
            slot.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| report::unreadable(input.name(), "internal error: no result".into(), opts))
        })
        .collect()
}

/// Checks one input. The parser promises never to panic; should it break that promise, the
/// file gets an error diagnostic and the other files are still checked.
fn check_one(input: &Input, opts: RenderOptions) -> FileReport {
    std::panic::catch_unwind(|| report::check_input(input, opts)).unwrap_or_else(|_| {
        report::unreadable(input.name(), "internal error: the parser panicked on this file".into(), opts)
    })
}

/// One diagnostic as a GitHub Actions workflow command:
/// `::warning file=api.tl,line=3,col=9,endLine=3,endColumn=14,title=tl check%3A unknown-type::…`, with the
/// label and notes on lines of their own in the message.
fn github_command(path: &str, d: &DiagnosticReport) -> String {
    let mut props = vec![format!("file={}", github_escape(path, true))];
    let places = [("line", d.line), ("col", d.column), ("endLine", d.end_line), ("endColumn", d.end_column)];
    props.extend(places.iter().filter_map(|(k, v)| v.map(|v| format!("{k}={v}"))));
    props.push(format!("title={}", github_escape(&format!("tl check: {}", d.code), true)));
    let mut message = d.message.clone();
    if let Some(label) = &d.label {
        message.push_str(&format!("\n{label}"));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    format!("::{} {}::{}\n", d.severity, props.join(","), github_escape(&message, false))
}

/// Escapes text for a workflow command, as GitHub's own toolkit does: `%`, CR and LF
/// everywhere, and in a property's value also `:` and `,`, which end it.
fn github_escape(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}
