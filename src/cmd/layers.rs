//! `tl layers`: what is embedded in the binary.

use crate::embedded;
use crate::report::{self, OutputFormat};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

/// Arguments of `tl layers`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format: a table, or a JSON array.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

/// One embedded schema, summarized.
#[derive(Debug, Serialize)]
struct Entry {
    name: &'static str,
    layer: Option<u32>,
    constructors: usize,
    functions: usize,
    types: usize,
    bytes: usize,
    origin: &'static str,
}

/// Runs `tl layers`.
pub fn run(args: Args) -> ExitCode {
    let entries: Vec<Entry> = embedded::DEFAULT
        .iter()
        .map(|e| {
            let parsed = tl_parser::parse(e.text);
            let (constructors, functions, types) = report::counts(&parsed);
            Entry {
                name: e.name,
                layer: parsed.schema.layer,
                constructors,
                functions,
                types,
                bytes: e.text.len(),
                origin: e.origin,
            }
        })
        .collect();
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        OutputFormat::Json => serde_json::to_writer_pretty(&mut out, &entries)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        OutputFormat::Human => write_table(&mut out, &entries),
    };
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            report::to_stderr(&format!("error: cannot write to stdout: {e}\n"));
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    }
}

fn write_table(out: &mut impl Write, entries: &[Entry]) -> std::io::Result<()> {
    let width = entries.iter().map(|e| e.name.len()).max().unwrap_or(0).max(4);
    writeln!(
        out,
        "{:<width$}  {:>5}  {:>12}  {:>9}  {:>5}  {:>7}  origin",
        "name", "layer", "constructors", "functions", "types", "bytes"
    )?;
    for e in entries {
        let layer = e.layer.map_or_else(|| "-".to_string(), |l| l.to_string());
        writeln!(
            out,
            "{:<width$}  {:>5}  {:>12}  {:>9}  {:>5}  {:>7}  {}",
            e.name, layer, e.constructors, e.functions, e.types, e.bytes, e.origin
        )?;
    }
    Ok(())
}
