//! tl-codegen: from a parsed TL schema ([`tl_parser::Schema`]) to Rust.
//!
//! - [`dynamic`]: decode any TL bytes to JSON and encode JSON back, straight from the schema
//!   (TDLib-style JSON: `"@type"`, `long` as strings, base64 bytes, no flags words).
//! - [`Generator`] / [`Builder`]: bindings on top of `tl-codec` — `types` (a struct per
//!   constructor), `enums` (an enum per boxed type, large or recursive variants boxed),
//!   `functions` (a struct per function with its `Return`), one module per namespace, zero-copy
//!   `'a` types with a generated `Owned<T>` holder for `'static` values, or `--owned` types;
//!   optional serde in the dynamic codec's JSON; `--only` tree-shaking via [`graph`].
//! - [`emit`]: the codec-impl emitter shared with `#[derive(Encode, Decode)]`.
//! - [`ident`]: TL names to Rust identifiers and module paths.
//!
//! ```no_run
//! // build.rs
//! tl_codegen::Builder::new().schema("api.tl").schema("mtproto.tl").compile().unwrap();
//! // lib.rs: mod api { include!(concat!(env!("OUT_DIR"), "/tl_api.rs")); }
//! ```

#[cfg(feature = "dynamic")]
pub mod dynamic;
pub mod emit;
#[cfg(feature = "generator")]
pub mod generator;
pub mod graph;
pub mod ident;

#[cfg(feature = "generator")]
pub use generator::{Builder, GeneratedFile, Generator, Options};
