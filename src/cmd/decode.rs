//! `tl decode`: TL bytes (hex) to JSON, straight from the schemas (no generated code).

use crate::report::{self, ColorChoice, RenderOptions};
use crate::source::{self, SourceText};
use std::process::ExitCode;
use tl_codegen::dynamic::{DecodeErrorKind, JsonLayout, Registry};
use tl_parser::{Diagnostic, Schema};

/// Arguments of `tl decode`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A schema to decode with (repeatable); default: the embedded layer and mtproto.tl, which
    /// `<embedded>` names, to add a schema to them: `--schema '<embedded>' --schema secret.tl`.
    #[arg(long = "schema", value_name = "FILE")]
    pub schemas: Vec<String>,
    /// Definitions (comma-separated; `*` matches any run) whose `#` words are all data, a JSON
    /// number, even one named `flags`, as `tl gen --mode-words` makes them (TON's
    /// `adnl.proxyPacketHeader`, whose bits 16 and 17 have no field).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub mode_words: Vec<String>,
    /// The type of the value (`messages.Messages`, `Vector<long>`, `%message`, `name#id`);
    /// default: any boxed object or function call.
    #[arg(long = "type", value_name = "T")]
    pub ty: Option<String>,
    /// The bytes as hex (whitespace allowed), or `-` to read hex from stdin; with `--binary`,
    /// a file of raw bytes, or `-` for raw bytes on stdin.
    pub input: String,
    /// INPUT names raw bytes (a file, or `-` for stdin) instead of giving hex: what
    /// `tl encode --binary` writes, or a captured payload.
    #[arg(long)]
    pub binary: bool,
    /// JSON on one line (for `jq`, logs, one value per line) instead of indented.
    #[arg(long)]
    pub compact: bool,
}

/// Runs `tl decode`.
pub fn run(args: Args) -> ExitCode {
    if let Err(e) = stdin_read_once(&args.schemas, &args.input) {
        return fail(&e);
    }
    let bytes = if args.binary {
        read_binary(&args.input)
    } else {
        read_arg(&args.input).and_then(|hex| parse_hex(&hex))
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) if !args.binary && names_a_file(&args.input) => {
            let i = &args.input;
            return fail(&format!(
                "{e}\n  = note: `{i}` is a file: `tl decode --binary {i}` reads its raw bytes, \
                 `tl decode - < {i}` the hex in it"
            ));
        }
        Err(e) => return fail(&e),
    };
    with_schemas(&args.schemas, |schemas| {
        let registry = match registry(schemas, &args.mode_words) {
            Ok(r) => r,
            Err(e) => return fail(&e),
        };
        if let Err(e) = type_arg_is_no_function(&registry, args.ty.as_deref()) {
            return fail(&e);
        }
        let layout = if args.compact { JsonLayout::Compact } else { JsonLayout::Pretty };
        let (text, notes) = registry.decode_json(&bytes, args.ty.as_deref(), layout);
        // Before the value or the error: an unknown flag bit is often why a decode fails.
        for at in notes.lossy_strings {
            eprintln!(
                "warning: the string at byte {at} is not UTF-8: shown with U+FFFD, which does not \
                 encode back to the same bytes"
            );
        }
        for u in notes.unknown_flags {
            eprintln!(
                "warning: `{}.{}` at byte {} has bits {:#x} that the schema does not define: the data \
                 may be newer than the schema (--schema with a later layer), and what follows may be \
                 misread; if the schema gives them a meaning of its own, `--mode-words {}` keeps them",
                u.definition, u.field, u.offset, u.bits, u.definition
            );
        }
        match text {
            Ok(mut text) => {
                text.push('\n');
                crate::convert::to_stdout(&text).err().unwrap_or(ExitCode::SUCCESS)
            }
            Err(e) => {
                let hint = match &e.kind {
                    DecodeErrorKind::UnknownType(name) => registry.did_you_mean(name),
                    _ => bare_with_id(&registry, args.ty.as_deref(), &bytes).unwrap_or_default(),
                };
                fail(&format!("{e}{hint}"))
            }
        }
    })
}

/// Refuses `--type` naming a function (that is no type), which the type lookup would call
/// undefined while suggesting other names.
pub(crate) fn type_arg_is_no_function(registry: &Registry<'_>, ty: Option<&str>) -> Result<(), String> {
    match ty {
        Some(name) if registry.function(name).is_some() && registry.constructor(name).is_none() => {
            Err(format!(
                "`{name}` is a function, not a type: a function call is boxed (its id comes first) and \
             names itself, so leave out --type"
            ))
        }
        _ => Ok(()),
    }
}

/// A note for bytes that start with the id of the constructor `--type` names: a constructor
/// name is its bare form, which has no id, so the id was likely meant to be read.
fn bare_with_id(registry: &Registry<'_>, ty: Option<&str>, bytes: &[u8]) -> Option<String> {
    let def = registry.constructor(ty?)?;
    let first = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
    (first == def.id).then(|| {
        format!(
            "\n  = note: the input starts with the id of `{}`, but a constructor name as --type is its \
             bare form, which has none: for the boxed value use --type {} (or leave --type out)",
            def.name, def.ty.name
        )
    })
}

/// Whether `arg`, given as inline data, names a file: a likely mix-up worth a note.
pub(crate) fn names_a_file(arg: &str) -> bool {
    arg != "-" && std::path::Path::new(arg).is_file()
}

/// Prints `error: message` and returns exit code 1.
pub(crate) fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(1)
}

/// Refuses stdin (`-`) named both as a schema and as the input: its text is gone after the
/// first read, and the second would silently see nothing.
pub(crate) fn stdin_read_once(schemas: &[String], input: &str) -> Result<(), String> {
    if input == "-" && schemas.iter().any(|s| s == "-") {
        return Err("<stdin>: stdin is named both as a schema and as the input".into());
    }
    Ok(())
}

/// The argument itself, or stdin for `-`.
pub(crate) fn read_arg(arg: &str) -> Result<String, String> {
    if arg != "-" {
        return Ok(arg.to_string());
    }
    let bytes = source::read_at_most(std::io::stdin().lock(), "too large an input")
        .map_err(|e| format!("<stdin>: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "<stdin>: not UTF-8 text".to_string())
}

/// The raw bytes of file `path`, or of stdin for `-`, bounded as schemas are.
fn read_binary(path: &str) -> Result<Vec<u8>, String> {
    if path == "-" {
        return source::read_at_most(std::io::stdin().lock(), "too large an input")
            .map_err(|e| format!("<stdin>: {e}"));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    source::read_at_most(file, "too large an input").map_err(|e| format!("{path}: {e}"))
}

/// Hex digits to bytes; whitespace and a leading `0x` are ignored. Positions in messages
/// count characters from 1, as an editor shows them.
fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let trimmed = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let body = trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")).unwrap_or(trimmed);
    let skipped = text[..text.len() - body.len()].chars().count();
    let mut out = Vec::with_capacity(body.len() / 2);
    let mut high = None;
    let mut digits = 0usize;
    for (i, c) in body.chars().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        // `to_digit` takes hex digits only; `u8::from_str_radix` also took a sign (`+f`).
        let Some(v) = c.to_digit(16) else {
            return Err(format!("{c:?} at character {} is not a hex digit", skipped + i + 1));
        };
        digits += 1;
        match high.take() {
            None => high = Some(v as u8),
            Some(h) => out.push(h << 4 | v as u8),
        }
    }
    if high.is_some() {
        return Err(format!("odd number of hex digits ({digits})"));
    }
    Ok(out)
}

/// Runs `run` on the schemas named on the command line (or the embedded default), loaded
/// and parsed as [`load_sources`] and [`parse_all`] do; their failures are the exit code.
pub(crate) fn with_schemas(paths: &[String], run: impl FnOnce(&[Schema<'_>]) -> ExitCode) -> ExitCode {
    let sources = match load_sources(paths) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    match parse_all(&sources) {
        Ok(schemas) => run(&schemas),
        Err(code) => code,
    }
}

/// The registry of `schemas` with `--mode-words` (`'a, b'` means `a` and `b`), each of which
/// must name a definition whose flags words it keeps (`tl_codegen::graph::check_mode_words`).
pub(crate) fn registry<'s>(schemas: &'s [Schema<'_>], mode_words: &[String]) -> Result<Registry<'s>, String> {
    let mode_words = trimmed(mode_words);
    let defs: Vec<_> = schemas.iter().flat_map(|s| &s.definitions).collect();
    tl_codegen::graph::check_mode_words(&defs, &mode_words)?;
    Ok(Registry::with_mode_words(schemas, mode_words))
}

/// The names of a comma-separated list (`--mode-words 'a, b'`), trimmed; an empty one is kept,
/// for the check to refuse.
pub(crate) fn trimmed(names: &[String]) -> Vec<String> {
    names.iter().map(|n| n.trim().to_owned()).collect()
}

/// The schemas named on the command line, or the embedded default.
pub(crate) fn load_sources(paths: &[String]) -> Result<Vec<SourceText>, String> {
    source::expand(paths).iter().map(source::Input::load).collect()
}

/// Parses and validates every source. Errors are printed as `tl check` prints them (rustc
/// style: `path:line:col`, the line, a caret) and fail with exit code 1; warnings are left to
/// `tl check`, since schemas in use often carry some (id mismatches in secret-chat copies).
pub(crate) fn parse_all(sources: &[SourceText]) -> Result<Vec<Schema<'_>>, ExitCode> {
    let opts = RenderOptions { human: true, color: ColorChoice::Auto.for_stderr() };
    let mut out = Vec::with_capacity(sources.len());
    let mut failed = false;
    for src in sources {
        if let Some(at) = src.invalid_utf8_at {
            let diag = report::invalid_utf8_diagnostic(src, at);
            report::print_diagnostics(src, &[diag], opts);
            failed = true;
            continue;
        }
        let parsed = tl_parser::check(&src.text);
        let errors: Vec<Diagnostic> = parsed.diagnostics.into_iter().filter(Diagnostic::is_error).collect();
        if !errors.is_empty() {
            report::print_diagnostics(src, &errors, opts);
            failed = true;
        }
        out.push(parsed.schema);
    }
    if failed {
        Err(ExitCode::from(1))
    } else {
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_hex;

    #[test]
    fn hex() {
        assert_eq!(parse_hex("0a ff\n10"), Ok(vec![0x0a, 0xff, 0x10]));
        assert_eq!(parse_hex("0x0A"), Ok(vec![10]));
        assert!(parse_hex("abc").is_err());
        assert!(parse_hex("zz").is_err());
    }

    /// Only hex digits: no sign (`u8::from_str_radix` took `+f`), and the character named at
    /// its place in characters, not bytes.
    #[test]
    fn hex_refuses_every_other_character_by_name_and_position() {
        assert_eq!(parse_hex("+f+f+f+f"), Err("'+' at character 1 is not a hex digit".into()));
        assert_eq!(parse_hex("é1"), Err("'é' at character 1 is not a hex digit".into()));
        assert_eq!(parse_hex("ab é1"), Err("'é' at character 4 is not a hex digit".into()));
        assert_eq!(parse_hex(" 0x0g"), Err("'g' at character 5 is not a hex digit".into()));
        assert_eq!(parse_hex("0a-1"), Err("'-' at character 3 is not a hex digit".into()));
        assert_eq!(parse_hex("abc"), Err("odd number of hex digits (3)".into()));
        assert_eq!(parse_hex(" 0XaB \t"), Ok(vec![0xab]));
        assert_eq!(parse_hex(""), Ok(vec![]));
    }
}
