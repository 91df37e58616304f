//! `tl gen`: Rust bindings for a schema (default: the embedded layer and mtproto.tl).

use super::decode::{fail, with_schemas};
use crate::report::plural;
use std::path::PathBuf;
use std::process::ExitCode;
use tl_codegen::{Generator, Options};

/// Arguments of `tl gen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Schemas to generate from; default: the embedded layer and mtproto.tl (named `<embedded>`,
    /// or one of them as `tl layers` shows it, to give them beside other schemas).
    pub schemas: Vec<String>,
    /// The output directory; `mod.rs` is written there (mount it with `mod <dir>;`).
    #[arg(short, long, value_name = "DIR", default_value = "tl_api")]
    pub output: PathBuf,
    /// Only these constructors, functions or types (comma-separated) and what they reach; `*`
    /// matches any run of characters (`messages.*`, `*Photo*`).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub only: Option<Vec<String>>,
    /// Definitions (comma-separated; `*` matches any run) whose `#` words are all kept as data,
    /// a `u32` field, even one named `flags`: for schemas whose bits without fields mean
    /// something (TON's `adnl.proxyPacketHeader`, bits 16 and 17). Give `tl decode` and
    /// `tl encode` the same. A name that keeps no `flags` word is an error.
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub mode_words: Vec<String>,
    /// Serde support in the JSON of `tl decode`: `Serialize`, and `Deserialize` (owned types
    /// directly; borrowed ones through `tl_json::Arena` or as `Owned<T>`); the crate mounting
    /// the output then also depends on `serde`.
    #[arg(long)]
    pub serde: bool,
    /// Owned types (no lifetimes) instead of zero-copy borrowed ones (which come with an
    /// `Owned<T>` holder for `'static` values).
    #[arg(long)]
    pub owned: bool,
    /// `From<types::X> for enums::Y` for every variant (`types::InputPeerUser { .. }.into()`
    /// where an `InputPeer` is wanted); off by default, since for the full layer they cost
    /// about 43 MiB of the compiler's peak memory.
    #[arg(long)]
    pub conversions: bool,
    /// The traits every struct and enum derives (comma-separated; `--derive ''` for none: the
    /// codec needs none, and the whole API compiles faster and in less memory).
    #[arg(long, value_delimiter = ',', value_name = "TRAITS", default_value = "Debug,Clone,PartialEq")]
    pub derive: Vec<String>,
    /// An attribute for the item generated for a TL name (constructor, function or boxed
    /// type), or for every item with `.`: `--type-attribute 'message=#[derive(Hash)]'`.
    /// Repeatable.
    #[arg(long, value_name = "NAME=ATTR")]
    pub type_attribute: Vec<String>,
    /// Write nothing; print why the `--only` selection holds the constructor, function or
    /// type NAME: the shortest chain of references to it from a name given to `--only`.
    #[arg(long, value_name = "NAME", requires = "only", conflicts_with = "check")]
    pub why: Option<String>,
    /// Write nothing; exit 1 if the files in the output directory are not what would be
    /// written (for CI over committed bindings), naming each that differs.
    #[arg(long)]
    pub check: bool,
}

/// Runs `tl gen`.
pub fn run(args: Args) -> ExitCode {
    with_schemas(&args.schemas, |schemas| {
        let mut type_attributes = Vec::new();
        for spec in &args.type_attribute {
            match spec.split_once('=') {
                Some((name, attr)) if !name.trim().is_empty() => {
                    type_attributes.push((name.trim().to_string(), attr.to_string()))
                }
                _ => return fail(&format!("--type-attribute `{spec}`: expected NAME=ATTRIBUTE")),
            }
        }
        let only_given = args.only.is_some();
        // `--only 'a, b'` means `a` and `b`; an empty name is a mistake, not "nothing".
        let only = match args.only {
            Some(names) => {
                let names: Vec<String> = names.iter().map(|n| n.trim().to_string()).collect();
                if names.iter().any(String::is_empty) {
                    return fail("--only: an empty name (two commas, or a trailing one?)");
                }
                Some(names)
            }
            None => None,
        };
        let options = Options {
            only,
            type_attributes,
            serde: args.serde,
            owned: args.owned,
            conversions: args.conversions,
            derives: args.derive,
            mode_words: super::decode::trimmed(&args.mode_words),
            ..Options::default()
        };
        let generator = Generator::new(schemas, options);
        if let Some(target) = &args.why {
            return why(&generator, target);
        }
        let files = match generator.generate() {
            Ok(f) => f,
            Err(e) => return fail(&e),
        };
        for w in generator.warnings() {
            eprintln!("warning: {w}");
        }
        if args.check {
            return check(&args.output, &files);
        }
        if let Err(e) = std::fs::create_dir_all(&args.output) {
            return fail(&format!("{}: {e}", args.output.display()));
        }
        for f in &files {
            let path = args.output.join(&f.path);
            if let Err(e) = std::fs::write(&path, &f.text) {
                return fail(&format!("{}: {e}", path.display()));
            }
        }
        // What was generated, so that a `--only` selection can be judged at a glance.
        let summary = generator.selection().map_or_else(
            |_| String::new(),
            |sel| {
                format!(
                    ": {}, {}, {}{}",
                    plural(sel.constructors.len(), "constructor"),
                    plural(sel.functions.len(), "function"),
                    plural(sel.types.len(), "boxed type"),
                    builtins_note(schemas, only_given)
                )
            },
        );
        eprintln!("wrote {} to {}{summary}", plural(files.len(), "file"), args.output.display());
        ExitCode::SUCCESS
    })
}

/// Why the counts above are lower than `tl layers` and `tl check` give for the same schemas:
/// the wire primitives' own lines (`int ? = Int;`, `vector {t:Type} # [ t ] = Vector t;`) are
/// definitions of the schema but become Rust types, not items. Empty under `--only`, whose
/// counts are of a selection anyway.
fn builtins_note(schemas: &[tl_parser::Schema<'_>], only: bool) -> String {
    if only {
        return String::new();
    }
    let mut names: Vec<&str> = schemas
        .iter()
        .flat_map(|s| &s.definitions)
        .filter(|d| d.category == tl_parser::Category::Type && tl_codegen::graph::is_builtin_def(d))
        .map(|d| d.name.as_ref())
        .collect();
    if names.is_empty() {
        return String::new();
    }
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    format!(
        "; {} {} Rust types: {}",
        plural(n, "built-in definition"),
        if n == 1 { "is" } else { "are" },
        names.join(", ")
    )
}

/// `--why NAME`: the chain by which the `--only` names bring NAME in, on stdout.
fn why(generator: &Generator<'_>, target: &str) -> ExitCode {
    match generator.why(target) {
        Err(e) => fail(&e),
        Ok(None) => {
            println!("`{target}` is not generated: nothing that --only names reaches it");
            ExitCode::SUCCESS
        }
        Ok(Some(chain)) if chain.is_empty() => {
            println!("`{target}` is generated: --only names it");
            ExitCode::SUCCESS
        }
        Ok(Some(chain)) => {
            println!("`{target}` is generated because:");
            for line in chain {
                println!("  {line}");
            }
            ExitCode::SUCCESS
        }
    }
}

/// `--check`: compares `files` with what `dir` holds.
fn check(dir: &std::path::Path, files: &[tl_codegen::GeneratedFile]) -> ExitCode {
    let stale: Vec<String> = files
        .iter()
        .filter(|f| std::fs::read_to_string(dir.join(&f.path)).ok().as_deref() != Some(f.text.as_str()))
        .map(|f| dir.join(&f.path).display().to_string())
        .collect();
    if stale.is_empty() {
        eprintln!("{} in {} up to date", plural(files.len(), "file"), dir.display());
        return ExitCode::SUCCESS;
    }
    for path in &stale {
        eprintln!("error: {path} is not what `tl gen` writes (missing or changed)");
    }
    eprintln!("run the same `tl gen` without --check to write them");
    ExitCode::from(1)
}
