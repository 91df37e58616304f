//! `tl sample`: an example JSON value of a definition or type, which `tl encode` takes.

use crate::cmd::decode::{fail, with_schemas};
use std::process::ExitCode;
use tl_codegen::dynamic::SampleOptions;

/// Arguments of `tl sample`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A schema to take definitions from (repeatable); default: the embedded layer and
    /// mtproto.tl (`<embedded>` names them, to add a schema to them).
    #[arg(long = "schema", value_name = "FILE")]
    pub schemas: Vec<String>,
    /// Definitions (comma-separated; `*` matches any run) whose `#` words are all data, a JSON
    /// number, even one named `flags`, as `tl gen --mode-words` makes them (TON's
    /// `adnl.proxyPacketHeader`, whose bits 16 and 17 have no field).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub mode_words: Vec<String>,
    /// A constructor or function (`messages.sendMessage`, `name#id`), or a type expression
    /// (`messages.Messages`, `Vector<long>`, `%message`; encode it with `tl encode --type`).
    pub name: String,
    /// A random value instead of a skeleton, the same for the same seed: random constructors,
    /// flags, lengths and text (for fixtures and tests).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// How many levels of objects and vectors are filled (optional fields, a vector element)
    /// before each type takes the constructor that ends soonest.
    #[arg(long, value_name = "N", default_value_t = SampleOptions::default().max_depth)]
    pub depth: u32,
    /// Only what cannot be left out: no optional fields, empty vectors.
    #[arg(long)]
    pub minimal: bool,
    /// JSON on one line instead of indented.
    #[arg(long)]
    pub compact: bool,
    /// A sample of the answer to the function NAME (its result type) instead of the request:
    /// a fixture for code that decodes answers.
    #[arg(long)]
    pub answer: bool,
}

/// Runs `tl sample`.
pub fn run(args: Args) -> ExitCode {
    with_schemas(&args.schemas, |schemas| {
        let registry = match super::decode::registry(schemas, &args.mode_words) {
            Ok(r) => r,
            Err(e) => return fail(&e),
        };
        let options = SampleOptions { seed: args.seed, max_depth: args.depth, minimal: args.minimal };
        let answer;
        let name = if args.answer {
            let Some(def) = registry.function(&args.name) else {
                let near = registry.did_you_mean(&args.name);
                return fail(&format!("--answer: `{}` is not a function of the schemas{near}", args.name));
            };
            if def.generics.iter().any(|g| g.name == def.ty.name) {
                return fail(&format!(
                    "--answer: `{}` answers as its `{}` parameter's function does: sample that one's",
                    def.name, def.ty.name
                ));
            }
            let mut ty = String::new();
            tl_parser::write::write_type(&def.ty, &mut ty);
            answer = ty;
            answer.as_str()
        } else {
            args.name.as_str()
        };
        let value = match registry.sample(name, options) {
            Ok(v) => v,
            Err(e) => return fail(&e.to_string()),
        };
        // A boxed value names its constructor (`"@type"`) and encodes as it is; a bare one
        // (`%T`), a vector or a primitive needs its type given.
        let boxed = |ty: &&str| value.get("@type").is_some() && !ty.trim_start().starts_with('%');
        if let Some(ty) = registry.sample_type(name).filter(|ty| !boxed(ty)) {
            eprintln!("note: `{ty}` is a type: encode this with `tl encode --type '{ty}'`");
        }
        let text =
            if args.compact { serde_json::to_string(&value) } else { serde_json::to_string_pretty(&value) };
        let text = text.unwrap_or_default() + "\n";
        crate::convert::to_stdout(&text).err().unwrap_or(ExitCode::SUCCESS)
    })
}
