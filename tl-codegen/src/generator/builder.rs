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

use super::{Generator, Options};
use std::path::{Path, PathBuf};

/// Generates bindings into `OUT_DIR` (or a chosen directory) from build scripts.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    schemas: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    file_name: Option<String>,
    options: Options,
}

impl Builder {
    /// A builder with default options (borrowed types, no serde, everything).
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Adds a schema file (TL text or the official JSON form).
    pub fn schema(mut self, path: impl AsRef<Path>) -> Builder {
        self.schemas.push(path.as_ref().to_path_buf());
        self
    }

    /// Where to write (default: `$OUT_DIR`).
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Builder {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The name of the generated file (default `tl_api.rs`).
    pub fn file_name(mut self, name: impl Into<String>) -> Builder {
        self.file_name = Some(name.into());
        self
    }

    /// Only these constructors, functions or types and what they reach; `*` in a name matches
    /// any run of characters (`"messages.*"`).
    pub fn only<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Builder {
        self.options.only = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Derives serde in the JSON convention of the dynamic codec.
    pub fn serde(mut self, on: bool) -> Builder {
        self.options.serde = on;
        self
    }

    /// Owned types with no lifetimes.
    pub fn owned(mut self, on: bool) -> Builder {
        self.options.owned = on;
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
    /// `cargo:rerun-if-changed` for every schema.
    pub fn compile(self) -> Result<PathBuf, String> {
        let out_dir = match self.out_dir {
            Some(d) => d,
            None => PathBuf::from(
                std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set (not in a build script?)")?,
            ),
        };
        let mut texts = Vec::with_capacity(self.schemas.len());
        for path in &self.schemas {
            println!("cargo:rerun-if-changed={}", path.display());
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            texts.push(text);
        }
        let mut schemas = Vec::with_capacity(texts.len());
        for (path, text) in self.schemas.iter().zip(&texts) {
            let parsed = tl_parser::check(text);
            let errors: String = parsed
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| tl_parser::render::render(d, &path.display().to_string(), text, false))
                .collect();
            if !errors.is_empty() {
                // Shown as `tl check` shows them: `path:line:col`, the line and a caret.
                return Err(errors);
            }
            schemas.push(parsed.schema);
        }
        let options = Options { single_file: true, ..self.options };
        let generator = Generator::new(&schemas, options);
        let files = generator.generate()?;
        for w in generator.warnings() {
            println!("cargo:warning={w}");
        }
        let name = self.file_name.unwrap_or_else(|| "tl_api.rs".into());
        let path = out_dir.join(&name);
        let text = files.into_iter().next().map(|f| f.text).unwrap_or_default();
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }
}
