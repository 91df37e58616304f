//! `tl history`: one definition's life across every layer of a directory.

use crate::diff::history::follow;
use crate::diff::layers::walk;
use crate::diff::style::{HumanOrJson, Style};
use std::process::ExitCode;

/// Arguments of `tl history`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The definition's name (`messages.sendMessage`); renames are followed by id, forwards and
    /// back.
    pub name: String,
    /// The layers and how to show them, as `tl log` takes them.
    #[command(flatten)]
    pub layers: super::log::Args,
}

/// Runs `tl history`. Exits with 1 when the name is in no layer (saying so on stderr; the JSON
/// report, with no events, still goes to stdout).
pub fn run(args: Args) -> ExitCode {
    let files = match super::diff::scan_all(&args.layers.schemas) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let followed = follow(&args.name, |tracker| {
        walk(&files, |layers, first| {
            for k in first..layers.len() {
                let prev = k.checked_sub(1).and_then(|p| layers.get(p)).map(|p| p.1.as_slice());
                tracker.step(prev, layers[k].0, &layers[k].1);
            }
        })
    });
    let tracker = match followed {
        Ok(t) => t,
        Err(e) => return super::diff::fail(&e),
    };
    let missing = tracker.not_found();
    let h = tracker.finish();
    let text = match (args.layers.format, &missing) {
        (HumanOrJson::Human, Some(_)) => String::new(),
        (HumanOrJson::Human, None) => {
            crate::diff::history::render(&h, Style { color: args.layers.color.for_stdout() })
        }
        (HumanOrJson::Json, _) => match serde_json::to_string_pretty(&h) {
            Ok(j) => j + "\n",
            Err(e) => return super::diff::fail(&format!("cannot write JSON: {e}")),
        },
    };
    if let Err(code) = crate::convert::to_stdout(&text) {
        return code;
    }
    match missing {
        Some(why) => super::diff::fail(&why),
        None => ExitCode::SUCCESS,
    }
}
