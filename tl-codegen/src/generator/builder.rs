//! [`Builder`]: the generator for `build.rs`, in the style of prost-build.
//!
//! ```no_run
//! // build.rs
//! tl_codegen::Builder::new()
//!     .schema("schemas/api.tl")
//!     .schema("schemas/mtproto.tl")
//!     .only(["messages.sendMessage", "messages.getHistory"])
//!     .compile()
//!     .unwrap();
//! // src/lib.rs: `mod api { include!(concat!(env!("OUT_DIR"), "/tl_api.rs")); }`
//! ```
//!
//! With the feature `embedded-schemas`, `.embedded_schemas()` takes the layer `tl` ships
//! (230's `api.tl` and `mtproto.tl`) in place of files of one's own.

use super::{Generator, Options};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why [`Builder::compile`] failed: the message as `tl` prints it (for a broken schema, each
/// problem with `path:line:col`, the line and a caret).
///
/// `Debug` prints the same text, so that `.expect(...)` and `.unwrap()` in a build script
/// show it as written rather than as one escaped line.
#[derive(Clone, PartialEq, Eq)]
pub struct BuildError(String);

impl BuildError {
    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.trim_end())
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{}", self.0.trim_end())
    }
}

impl std::error::Error for BuildError {}

impl From<String> for BuildError {
    fn from(message: String) -> BuildError {
        BuildError(message)
    }
}

/// Generates bindings into `OUT_DIR` (or a chosen directory) from build scripts.
#[derive(Debug, Clone, Default)]
#[must_use = "a Builder does nothing until `.compile()`"]
pub struct Builder {
    schemas: Vec<Source>,
    out_dir: Option<PathBuf>,
    file_name: Option<String>,
    options: Options,
}

/// Where a schema's text comes from.
#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    /// A name for diagnostics and the text.
    Text(String, std::borrow::Cow<'static, str>),
    /// A schema built into tl-codegen: it changes only with tl-codegen, which rebuilds the
    /// build script anyway.
    #[cfg(feature = "embedded-schemas")]
    Embedded {
        name: &'static str,
        text: &'static str,
    },
}

/// The warnings of `parsed` (the schemas of `texts`, in order) as `path:line:col: warning[code]:
/// message` lines. Each schema is checked on its own, as `tl check` checks a file, but they are
/// generated together: a type that one leaves to another is not unknown.
fn schema_warnings(
    texts: &[(String, std::borrow::Cow<'static, str>)],
    parsed: &[tl_parser::Parsed<'_>],
) -> Vec<String> {
    let defined: std::collections::HashSet<&str> = parsed
        .iter()
        .flat_map(|p| p.schema.constructors())
        .flat_map(|d| [d.name.as_ref(), d.ty.name.as_ref()])
        .collect();
    let mut out = Vec::new();
    for ((shown, text), p) in texts.iter().zip(parsed) {
        let index = tl_parser::render::LineIndex::new(text);
        for w in p.diagnostics.iter().filter(|d| !d.is_error()) {
            let unknown = (w.code == "unknown-type")
                .then(|| w.message.strip_prefix("unknown type `")?.strip_suffix('`'))
                .flatten();
            if unknown.is_some_and(|name| defined.contains(name)) {
                continue;
            }
            let (line, col) = index.line_col(text, w.span.start as usize);
            out.push(format!("{shown}:{line}:{col}: warning[{}]: {}", w.code, w.message));
        }
    }
    out
}

impl Builder {
    /// A builder with default options (borrowed types, no serde, everything).
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Adds a schema file (TL text or the official JSON form).
    pub fn schema(mut self, path: impl AsRef<Path>) -> Builder {
        self.schemas.push(Source::File(path.as_ref().to_path_buf()));
        self
    }

    /// Adds a schema from its text (TL or the official JSON form), `name` standing for its
    /// path in diagnostics: one the build script made or fetched itself, say. Unlike
    /// [`schema`](Builder::schema), no `cargo:rerun-if-changed` is printed for it: a build
    /// script that read it from a file prints that line itself (without any such line, Cargo
    /// runs the script again whenever a file of the package changes).
    pub fn schema_text(
        mut self,
        name: impl Into<String>,
        text: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Builder {
        self.schemas.push(Source::Text(name.into(), text.into()));
        self
    }

    /// Adds the schemas `tl` ships and `tl gen` generates from by default: layer 230's
    /// `api.tl` and `mtproto.tl` ([`crate::embedded::DEFAULT`]), so that a build script needs
    /// no copy of its own. `only` picks what a crate needs from them.
    ///
    /// When these are all a build script's `Builder` reads, it prints
    /// `cargo:rerun-if-changed=build.rs` (where the package has one), so that the script is
    /// not run again on every edit of the package (Cargo's rule while a script names nothing).
    /// A build script that also reads files of its own then prints lines for them.
    #[cfg(feature = "embedded-schemas")]
    pub fn embedded_schemas(mut self) -> Builder {
        for s in crate::embedded::DEFAULT {
            self.schemas.push(Source::Embedded { name: s.name, text: s.text });
        }
        self
    }

    /// Where to write (default: `$OUT_DIR`).
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Builder {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The name of the generated file (default `tl_api.rs`; give each `Builder` of one build
    /// script a name of its own: writing one file twice into `$OUT_DIR` is an error). It may
    /// name a subdirectory, which is created.
    pub fn file_name(mut self, name: impl Into<String>) -> Builder {
        self.file_name = Some(name.into());
        self
    }

    /// Only these constructors, functions or types and what they reach; `*` in a name matches
    /// any run of characters (`"messages.*"`). Calls add up.
    pub fn only<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Builder {
        self.options.only.get_or_insert_with(Vec::new).extend(names.into_iter().map(Into::into));
        self
    }

    /// Definitions (names; `*` matches any run of characters) whose `#` words are all kept as
    /// data, even one named `flags` ([`Options::mode_words`]: TON's `adnl.proxyPacketHeader`,
    /// whose bits 16 and 17 have no field). Calls add up.
    pub fn mode_words<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Builder {
        self.options.mode_words.extend(names.into_iter().map(|n| n.into().trim().to_owned()));
        self
    }

    /// Derives serde in the JSON convention of the dynamic codec. The crate mounting the
    /// bindings then depends on `serde` too (`serde_json` for the borrowed types' `from_json`).
    pub fn serde(mut self, on: bool) -> Builder {
        self.options.serde = on;
        self
    }

    /// Owned types with no lifetimes.
    pub fn owned(mut self, on: bool) -> Builder {
        self.options.owned = on;
        self
    }

    /// `From<types::X> for enums::Y` for every variant ([`Options::conversions`](crate::Options)).
    pub fn conversions(mut self, on: bool) -> Builder {
        self.options.conversions = on;
        self
    }

    /// Adds `attribute` (e.g. `#[derive(Hash)]`) to the item generated for TL name `name`
    /// (a constructor, function or boxed type), or to every item for `"."`.
    pub fn type_attribute(mut self, name: impl Into<String>, attribute: impl Into<String>) -> Builder {
        self.options.type_attributes.push((name.into(), attribute.into()));
        self
    }

    /// The standard traits every generated struct and enum derives, replacing the default
    /// `Debug`, `Clone`, `PartialEq` (an empty list derives none: the codec needs none, and the
    /// whole API compiles faster and in less memory).
    pub fn derives<S: Into<String>>(mut self, traits: impl IntoIterator<Item = S>) -> Builder {
        self.options.derives = traits.into_iter().map(Into::into).collect();
        self
    }

    /// Structs larger than this many bytes are kept behind a `Box` in enums and fields
    /// (default 64): smaller values, one allocation more per boxed object on decode.
    pub fn max_inline_variant(mut self, bytes: usize) -> Builder {
        self.options.max_inline_variant = bytes;
        self
    }

    /// The path of the codec crate in generated code (default `::tl_codec`).
    pub fn codec_path(mut self, path: impl Into<String>) -> Builder {
        self.options.codec_path = path.into();
        self
    }

    /// Reads the schemas, generates, and writes one file; returns its path. Prints
    /// `cargo:rerun-if-changed` for every schema, and a `cargo:warning` for each warning of a
    /// schema (as `tl check` finds them) and of the generator.
    pub fn compile(self) -> Result<PathBuf, BuildError> {
        // Writing into `$OUT_DIR` is what a build script does.
        let build_script = self.out_dir.is_none();
        let out_dir = match self.out_dir {
            Some(d) => d,
            None => PathBuf::from(
                std::env::var_os("OUT_DIR")
                    .ok_or_else(|| err("OUT_DIR is not set (not in a build script?)"))?,
            ),
        };
        if self.schemas.is_empty() {
            return Err(err("no schema given: add one with `.schema(path)` (or `.embedded_schemas()`, feature `embedded-schemas`)"));
        }
        if self.options.only.as_ref().is_some_and(Vec::is_empty) {
            return Err(err("`only` was given no names"));
        }
        let mut texts: Vec<(String, std::borrow::Cow<'static, str>)> = Vec::with_capacity(self.schemas.len());
        #[cfg(feature = "embedded-schemas")]
        if build_script
            && self.schemas.iter().all(|s| matches!(s, Source::Embedded { .. }))
            && Path::new("build.rs").is_file()
        {
            // A build script runs in its package's directory.
            println!("cargo:rerun-if-changed=build.rs");
        }
        for source in self.schemas {
            match source {
                Source::File(path) => {
                    println!("cargo:rerun-if-changed={}", path.display());
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| err(format!("{}: {e}", path.display())))?;
                    texts.push((path.display().to_string(), text.into()));
                }
                Source::Text(name, text) => texts.push((name, text)),
                #[cfg(feature = "embedded-schemas")]
                Source::Embedded { name, text } => texts.push((name.to_string(), text.into())),
            }
        }
        let mut parsed = Vec::with_capacity(texts.len());
        for (shown, text) in &texts {
            let (shown, text) = (shown.as_str(), text.as_ref());
            let p = tl_parser::check(text);
            let errors: String = p
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| tl_parser::render::render(d, shown, text, false))
                .collect();
            if !errors.is_empty() {
                // Shown as `tl check` shows them: `path:line:col`, the line and a caret.
                return Err(BuildError(errors));
            }
            parsed.push(p);
        }
        for w in schema_warnings(&texts, &parsed) {
            println!("cargo:warning={w}");
        }
        let schemas: Vec<_> = parsed.into_iter().map(|p| p.schema).collect();
        let options = Options { single_file: true, ..self.options };
        let generator = Generator::new(&schemas, options);
        let files = generator.generate()?;
        for w in generator.warnings() {
            println!("cargo:warning={w}");
        }
        let name = self.file_name.unwrap_or_else(|| "tl_api.rs".into());
        let path = out_dir.join(&name);
        let text = files.into_iter().next().map(|f| f.text).unwrap_or_default();
        // Two Builders of one build script writing one file would leave only the last one's
        // items, silently. (A tool that regenerates into a directory of its choosing, say on
        // every change, may write a file again.)
        static WRITTEN: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
        if build_script {
            let mut written = WRITTEN.lock().unwrap_or_else(|e| e.into_inner());
            if written.contains(&path) {
                return Err(err(format!(
                    "{} was already written by another Builder of this build script: give each its own `file_name`",
                    path.display()
                )));
            }
            written.push(path.clone());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| err(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&path, text).map_err(|e| err(format!("{}: {e}", path.display())))?;
        Ok(path)
    }
}

fn err(message: impl Into<String>) -> BuildError {
    BuildError(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tl-builder-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn schema_text_generates_and_names_its_errors() {
        let dir = temp_dir("text");
        let path = Builder::new()
            .schema_text("made.tl", "ping#7abe77ec ping_id:long = Pong;\n")
            .out_dir(&dir)
            .compile()
            .expect("generates");
        assert!(std::fs::read_to_string(&path).unwrap().contains("pub struct Ping"));
        let e = Builder::new()
            .schema_text("made.tl", String::from("ping#7abe77ec ping_id:nope.1?long = Pong;\n"))
            .out_dir(&dir)
            .compile()
            .unwrap_err();
        assert!(e.message().contains("made.tl:1:"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_type_another_schema_defines_is_not_unknown() {
        let texts: Vec<(String, std::borrow::Cow<'static, str>)> = vec![
            ("a.tl".into(), "holder p:Point q:Missing = Holder;\n".into()),
            ("b.tl".into(), "point x:int = Point;\n".into()),
        ];
        let parsed: Vec<_> = texts.iter().map(|(_, t)| tl_parser::check(t)).collect();
        // Checked alone, `a.tl` has two unknown types; together, only `Missing` is.
        assert_eq!(parsed[0].diagnostics.iter().filter(|d| d.code == "unknown-type").count(), 2);
        assert_eq!(
            schema_warnings(&texts, &parsed),
            ["a.tl:1:18: warning[unknown-type]: unknown type `Missing`"]
        );
    }

    #[cfg(feature = "embedded-schemas")]
    #[test]
    fn embedded_schemas_are_the_shipped_layer() {
        let dir = temp_dir("embedded");
        let path = Builder::new()
            .embedded_schemas()
            .only(["messages.sendMessage"])
            .out_dir(&dir)
            .compile()
            .expect("generates");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("pub struct SendMessage<'a>"), "{text}");
        assert!(text.contains("pub const LAYER: i32 = 230i32;"), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
