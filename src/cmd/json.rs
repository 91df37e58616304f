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
    let converted = convert::with_checked(&args.file, args.color, |parsed, _| {
        for def in parsed.schema.definitions.iter().filter(|d| loses_params(d)) {
            crate::report::to_stderr(&format!(
                "warning: `{}`: the official JSON form has no place for anonymous parameters; they are left out\n",
                def.name
            ));
        }
        let (left_out, kept): (Vec<_>, Vec<_>) =
            parsed.schema.definitions.iter().partition(|d| is_unlisted_builtin(d));
        if left_out.is_empty() {
            return tl_parser::write::to_json(&parsed.schema);
        }
        let names: Vec<&str> = left_out.iter().map(|d| d.name.as_ref()).collect();
        let what = if names.len() == 1 { "builtin" } else { "builtins" };
        crate::report::to_stderr(&format!(
            "note: left out the {what} {}, which the official JSON form cannot carry (no id, anonymous parameters) and official JSON files do not list\n",
            names.join(", ")
        ));
        let schema = tl_parser::Schema {
            layer: parsed.schema.layer,
            definitions: kept.into_iter().cloned().collect(),
            type_docs: parsed.schema.type_docs.clone(),
        };
        tl_parser::write::to_json(&schema)
    });
    match converted {
        Ok(json) => convert::write_output(args.output.as_deref(), &json),
        Err(code) => code,
    }
}

/// Result types of the builtins every schema shares.
const PRIMITIVES: &[&str] =
    &["Vector", "Int", "Long", "Double", "String", "Bytes", "Int128", "Int256", "Int512", "Bool", "True"];

/// Whether `def` has anonymous parameters the JSON form drops, builtins aside: `vector`'s
/// `# [ t ]` and the wire forms of `int128` and the like are how every file declares them,
/// and the official JSON lists them without.
fn loses_params(def: &tl_parser::Definition<'_>) -> bool {
    !PRIMITIVES.contains(&def.ty.name.as_ref())
        && def.params.iter().any(|p| p.name.is_none() && !p.is_builtin_marker())
}

/// Whether `def` is a builtin that the JSON form cannot carry, such as `int ? = Int`,
/// `int128 4*[ int ] = Int128` or TON's `object ? = Object`: written as a definition without
/// its parameters and with a computed id, it would read back as another definition
/// (`int#a8509bda = Int`) that `tl fmt` and `tl diff` take for real. `vector`, which JSON
/// readers rebuild from `vector#1cb5c415 = Vector t`, stays.
fn is_unlisted_builtin(def: &tl_parser::Definition<'_>) -> bool {
    if def.explicit_id.is_some() || def.ty.name == "Vector" {
        return false;
    }
    let marker_only = !def.params.is_empty() && def.params.iter().all(|p| p.is_builtin_marker());
    marker_only || (PRIMITIVES.contains(&def.ty.name.as_ref()) && def.params.iter().any(|p| p.name.is_none()))
}
