//! tl-codegen: from a parsed TL schema ([`tl_parser::Schema`]) to Rust.
//!
//! - [`dynamic`]: decode any TL bytes to JSON and encode JSON back, straight from the schema.
//! - [`ident`]: TL names to Rust identifiers and module paths.
//! - [`graph`]: which constructors make up which boxed type, reachability for `--only`, and
//!   which enum variants to box.
//! - the generator ([`Generator`], [`Builder`]) writing bindings on top of `tl-codec`.

#[cfg(feature = "dynamic")]
pub mod dynamic;
pub mod emit;
#[cfg(feature = "generator")]
pub mod generator;
pub mod graph;
pub mod ident;

#[cfg(feature = "generator")]
pub use generator::{Builder, GeneratedFile, Generator, Options};
