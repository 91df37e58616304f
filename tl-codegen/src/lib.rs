//! tl-codegen: from a parsed TL schema ([`tl_parser::Schema`]) to Rust.
//!
//! - [`dynamic`]: decode any TL bytes to JSON and encode JSON back, straight from the schema
//!   (TDLib-style JSON: `"@type"`, `long` as strings, base64 bytes, no computed flags words (a
//!   mode word such as TON's `mode:#` is a number), samples ([`dynamic::Registry::sample`]); for
//!   td_api.tl, TDLib's JSON interface itself: see [`tdjson`]).
//! - [`Generator`] / [`Builder`]: bindings on top of `tl-codec` — `types` (a struct per
//!   constructor), `enums` (an enum per boxed type, large or recursive variants boxed),
//!   `functions` (a struct per function with its `Return`), one module per namespace, zero-copy
//!   `'a` types with a generated `Owned<T>` holder for `'static` values, or `--owned` types;
//!   optional serde in the dynamic codec's JSON (`Serialize` everywhere; `Deserialize` for
//!   owned types and `Owned<T>`, and borrowed values read through a `tl_json::Arena` that holds
//!   base64-decoded bytes); `--only` tree-shaking via [`graph`], and why a name is in a
//!   selection ([`graph::TypeGraph::why`], `tl gen --why`).
//! - `Object` positions: generated code keeps them as `RawObject` (`RawObjectBuf` owned). One
//!   right after `bytes:int` (MTProto's `message`, the items of `msg_container`) is exactly
//!   `bytes` long, with the length recomputed on encode; any other `Object` takes the rest of
//!   its input, which is right for the last field of the outermost object (`rpc_result`) and
//!   an error, never a misread, elsewhere. `!X` of `{X:Type}` functions is a typed generic.
//!   The dynamic codec decodes `Object`s by schema, sized ones within their length, and knows
//!   `rpc_result`/`msg_container` even where `mtproto.tl` leaves them out.
//! - Wire primitives: `int`, `long`, `double`, `string`, `bytes`, `int128`, `int256`,
//!   `int512` (`[u8; 64]`), and TDLib's `int32`, `int53`/`int64`, `secureString`,
//!   `secureBytes` as aliases of `int`, `long`, `string`, `bytes`.
//! - [`emit`]: the codec-impl emitter shared with `#[derive(Encode, Decode)]`.
//! - [`ident`]: TL names to Rust identifiers and module paths.
//! - `embedded` (feature `embedded-schemas`): layer 230's `api.tl` and `mtproto.tl`, `tl`'s
//!   default, for `Builder::embedded_schemas`.
//!
//! ```no_run
//! // build.rs
//! tl_codegen::Builder::new().schema("api.tl").schema("mtproto.tl").compile().unwrap();
//! // lib.rs: mod api { include!(concat!(env!("OUT_DIR"), "/tl_api.rs")); }
//! ```

#[cfg(feature = "dynamic")]
pub mod dynamic;
#[cfg(feature = "embedded-schemas")]
pub mod embedded;
pub mod emit;
#[cfg(feature = "generator")]
pub mod generator;
pub mod graph;
pub mod ident;
pub mod tdjson;

#[cfg(feature = "generator")]
pub use generator::{BuildError, Builder, GeneratedFile, Generator, Options};
