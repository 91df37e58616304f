//! `tl log`: one line per layer of a directory, against the previous layer present.

use crate::diff::layers::walk;
use crate::diff::style::{ColorChoice, HumanOrJson, Style};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `tl log`.
#[derive(Debug, clap::Args)]
// Named apart from `tl history`'s `Args`, which flattens it: clap's groups need unique ids.
#[group(id = "layer_args")]
pub struct Args {
    /// The directory of `layer-N.tl` / `layer-N.json` files.
    #[arg(long, value_name = "DIR")]
    pub schemas: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: HumanOrJson,
    /// When to color human output.
    #[arg(long, value_enum, default_value_t)]
    pub color: ColorChoice,
}

/// Runs `tl log`.
pub fn run(args: Args) -> ExitCode {
    let files = match super::diff::scan_all(&args.schemas) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let mut lines = Vec::with_capacity(files.len());
    if let Err(e) = walk(&files, |layers, first| crate::diff::log::log_window(layers, first, &mut lines)) {
        return super::diff::fail(&e);
    }
    let text = match args.format {
        HumanOrJson::Human => crate::diff::log::render(&lines, Style { color: args.color.for_stdout() }),
        HumanOrJson::Json => match serde_json::to_string_pretty(&lines) {
            Ok(j) => j + "\n",
            Err(e) => return super::diff::fail(&format!("cannot write JSON: {e}")),
        },
    };
    if let Err(code) = crate::convert::to_stdout(&text) {
        return code;
    }
    ExitCode::SUCCESS
}
