//! `tl encode`: JSON to TL bytes (hex), straight from the schemas (no generated code).

use super::decode::{fail, names_a_file, read_arg, stdin_read_once, type_arg_is_no_function, with_schemas};
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use tl_codegen::dynamic::Registry;

/// Arguments of `tl encode`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A schema to encode with (repeatable); default: the embedded layer and mtproto.tl, which
    /// `<embedded>` names, to add a schema to them: `--schema '<embedded>' --schema secret.tl`.
    #[arg(long = "schema", value_name = "FILE")]
    pub schemas: Vec<String>,
    /// Definitions (comma-separated; `*` matches any run) whose `#` words are all data, a JSON
    /// number, even one named `flags`, as `tl gen --mode-words` makes them (TON's
    /// `adnl.proxyPacketHeader`, whose bits 16 and 17 have no field).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub mode_words: Vec<String>,
    /// The type of the value (`Vector<long>`, `%message`, `name#id`); default: any boxed object or
    /// function call named by its `"@type"`.
    #[arg(long = "type", value_name = "T")]
    pub ty: Option<String>,
    /// The value as JSON, or `-` to read it from stdin.
    pub input: String,
    /// Write the raw bytes instead of hex (to a file or a pipe: not to a terminal), as
    /// `tl decode --binary` reads them.
    #[arg(long)]
    pub binary: bool,
}

/// Runs `tl encode`.
pub fn run(args: Args) -> ExitCode {
    // A usage error (2), as clap's are: nothing is read or written.
    if args.binary && std::io::stdout().is_terminal() {
        eprintln!("error: --binary writes raw bytes, which a terminal cannot show: redirect stdout to a file or a pipe");
        return ExitCode::from(2);
    }
    if let Err(e) = stdin_read_once(&args.schemas, &args.input) {
        return fail(&e);
    }
    let text = match read_arg(&args.input) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) if names_a_file(&args.input) => {
            let i = &args.input;
            return fail(&format!(
                "bad JSON: {e}\n  = note: `{i}` is a file: `tl encode - < {i}` reads the JSON in it"
            ));
        }
        Err(e) => return fail(&format!("bad JSON: {e}")),
    };
    with_schemas(&args.schemas, |schemas| {
        let registry = match super::decode::registry(schemas, &args.mode_words) {
            Ok(r) => r,
            Err(e) => return fail(&e),
        };
        if let Err(e) = type_arg_is_no_function(&registry, args.ty.as_deref()) {
            return fail(&e);
        }
        encode_with(&registry, &value, &args)
    })
}

/// Encodes `value` and writes it as `args` ask.
fn encode_with(registry: &Registry<'_>, value: &serde_json::Value, args: &Args) -> ExitCode {
    match registry.encode(value, args.ty.as_deref()) {
        Ok(bytes) if args.binary => {
            crate::convert::bytes_to_stdout(&bytes).err().unwrap_or(ExitCode::SUCCESS)
        }
        Ok(bytes) => {
            let mut hex = String::with_capacity(bytes.len() * 2);
            for b in &bytes {
                let _ = write!(hex, "{b:02x}");
            }
            hex.push('\n');
            crate::convert::to_stdout(&hex).err().unwrap_or(ExitCode::SUCCESS)
        }
        Err(e) => fail(&e.to_string()),
    }
}
