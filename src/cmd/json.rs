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
        tl_parser::write::to_json(&parsed.schema)
    });
    match converted {
        Ok(json) => convert::write_output(args.output.as_deref(), &json),
        Err(code) => code,
    }
}

/// Whether `def` has anonymous parameters the JSON form drops, builtins aside: `vector`'s
/// `# [ t ]` and the wire forms of `int128` and the like are how every file declares them,
/// and the official JSON lists them without.
fn loses_params(def: &tl_parser::Definition<'_>) -> bool {
    const PRIMITIVES: &[&str] =
        &["Vector", "Int", "Long", "Double", "String", "Bytes", "Int128", "Int256", "Int512", "Bool", "True"];
    !PRIMITIVES.contains(&def.ty.name.as_ref())
        && def.params.iter().any(|p| p.name.is_none() && !p.is_builtin_marker())
}
