//! The codec emitter: one code path from a small IR ([`TypeDef`]) to the `tl-codec` trait
//! impls, shared by `#[derive(Encode, Decode)]` (which builds the IR from `syn`) and the
//! schema generator (which builds it from the parsed schema).
//!
//! ```
//! use proc_macro2::Span;
//! use quote::quote;
//! use tl_codegen::emit::*;
//!
//! let def = TypeDef::new(
//!     proc_macro2::Ident::new("Pong", Span::call_site()),
//!     Shape::Struct(Constructor {
//!         id: Some(0x347773c5),
//!         style: Style::Named,
//!         fields: vec![Field {
//!             ident: Some(proc_macro2::Ident::new("msg_id", Span::call_site())),
//!             ty: quote!(i64),
//!             role: Role::Value(Codec::Boxed),
//!             span: Span::call_site(),
//!         }],
//!     }),
//! );
//! let tokens = emit(&def).unwrap();
//! assert!(tokens.to_string().contains("EncodeBare"));
//! ```

mod check;
mod decode;
mod encode;
mod fields;
mod generics;
mod ir;

use proc_macro2::TokenStream;

pub use check::{check, EmitError};
pub use decode::decode_impls;
pub use encode::encode_impls;
pub use ir::*;

/// Checks `def` and emits both the encoding and decoding impls.
pub fn emit(def: &TypeDef) -> Result<TokenStream, Vec<EmitError>> {
    check(def)?;
    let mut out = encode_impls(def)?;
    out.extend(decode_impls(def)?);
    Ok(out)
}
