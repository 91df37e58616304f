//! tl-derive: `#[derive(Encode, Decode)]` gives any Rust type an exact, zero-copy TL encoding
//! through the `tl-codec` traits. Use it through `tl-codec`'s `derive` feature:
//!
//! ```
//! use tl_codec::{from_bytes, to_bytes, TlStr};
//! use tl_derive::{Decode, Encode}; // or `tl_codec::{Decode, Encode}` with its `derive` feature
//!
//! #[derive(Debug, PartialEq, Encode, Decode)]
//! #[tl(decl = "user flags:# bot:flags.0?true id:long name:flags.1?string = User")]
//! struct User<'a> {
//!     #[tl(flags)]
//!     flags: (),
//!     #[tl(bit = 0)]
//!     bot: bool,
//!     id: i64,
//!     #[tl(bit = 1)]
//!     name: Option<TlStr<'a>>,
//! }
//!
//! let user = User { flags: (), bot: true, id: 7, name: Some(TlStr::new("ana")) };
//! let bytes = to_bytes(&user);
//! assert_eq!(&bytes[4..8], &[1 | 2, 0, 0, 0]); // the flags word, computed
//! assert_eq!(from_bytes::<User<'_>>(&bytes).unwrap(), user);
//! ```
//!
//! # Container attributes
//! - `#[tl(id = 0x...)]`: the constructor id. Without an id, a struct is bare (fields only).
//! - `#[tl(decl = "name#id params = Type")]`: a TL declaration; the id is the CRC32 of its
//!   canonical form, computed at compile time. With `id` as well, the two must agree.
//! - `#[tl(returns = Type)]`: implement `Function` with this return type (RPC functions). An
//!   answer that borrows names a lifetime of its own, the response buffer's, not the request's:
//!   `returns = Vec<Item<'r>>` gives `type Return<'r> = Vec<Item<'r>>`.
//! - `#[tl(crate = path)]`: where `tl_codec` is, when it is re-exported under another name.
//!
//! Enums are boxed types: each variant is a constructor with `#[tl(id = ...)]` or
//! `#[tl(decl = ...)]`, or a one-field tuple variant `Variant(Type)` taking its id and fields
//! from `Type` (which must derive both traits).
//!
//! # Field attributes
//! - `#[tl(flags)]`: a `flags:#` word (type `u32` to see what was read, or `()`); encoding
//!   always recomputes it from the optional fields.
//! - `#[tl(bit = N)]` / `#[tl(flags = "flags2", bit = N)]`: `flags.N?T` on an `Option<T>`, or a
//!   `flags.N?true` flag on a `bool`. `flags` names the flags field; it may be left out when
//!   there is only one. Fields may share a bit (Telegram does, for values that come
//!   together): they are written only when every `Option` of the bit is `Some` (half a group
//!   is left out, since its bytes would not decode), and a `bool` sharing a bit with `Option`s
//!   is what their presence says, as decoding reads it back.
//! - `#[tl(bare)]`: the bare form (`%T`, bare `vector`).
//! - `#[tl(with = path)]`: a module with `encoded_len(&T) -> usize`,
//!   `encode<O: Output + ?Sized>(&T, &mut O)` and `decode(&mut Reader<'a>) -> Result<T>`.
//!
//! Generics and lifetimes are supported: decoders implement `Decode<'tl>` for every input
//! lifetime that outlives the type's own.
//!
//! The syntax tree is lowered to the IR of `tl_codegen::emit`, which writes the impls: the
//! generated schema bindings go through the same emitter.

mod attrs;
mod decl;
mod lower;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Implements `Encode` (and `EncodeBare` for types with ids, `Function` with `returns`).
#[proc_macro_derive(Encode, attributes(tl))]
pub fn derive_encode(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, tl_codegen::emit::encode_impls).into()
}

/// Implements `Decode` (and `DecodeBare` + `Identifiable` for types with ids).
#[proc_macro_derive(Decode, attributes(tl))]
pub fn derive_decode(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, tl_codegen::emit::decode_impls).into()
}

type Emitter =
    fn(&tl_codegen::emit::TypeDef) -> Result<proc_macro2::TokenStream, Vec<tl_codegen::emit::EmitError>>;

fn expand(input: &DeriveInput, emit: Emitter) -> proc_macro2::TokenStream {
    let result = lower::lower(input).and_then(|def| {
        tl_codegen::emit::check(&def).and_then(|()| emit(&def)).map_err(|errors| {
            let mut errors = errors.into_iter().map(|e| syn::Error::new(e.span, e.message));
            let mut first =
                errors.next().unwrap_or_else(|| syn::Error::new_spanned(&input.ident, "invalid type"));
            first.extend(errors);
            first
        })
    });
    result.unwrap_or_else(syn::Error::into_compile_error)
}
