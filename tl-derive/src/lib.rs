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
//! from `Type` (which must derive what the enum derives: `Encode`, `Decode`).
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
//! - `#[tl(bare)]`: the bare form (`%T`, bare `vector`). Only a type of one constructor has
//!   one: an enum of several variants written bare (here or as `Bare<T>`) fails to build
//!   (`EncodeBare::SEVERAL_CONSTRUCTORS`; `cargo check` does not get that far), as decoding it
//!   bare fails to compile for want of `Identifiable`.
//! - `#[tl(with = path)]`: a module with `encoded_len(&T) -> usize`,
//!   `encode<O: Output + ?Sized>(&T, &mut O)` and `decode(&mut Reader<'a>) -> Result<T>`.
//!
//! # What each derive implements
//! - `Encode`: for types with ids (structs with `id`/`decl`, and enums) `EncodeBare`, which
//!   tl-codec's blanket impl makes `Encode` (the id, then the bare form); `Encode` itself for
//!   structs without one; and `Function` with `returns`.
//! - `Decode`: `DecodeBare` for types with ids (made `Decode` by tl-codec's blanket impl), and
//!   `Identifiable` (the id as a constant) for structs with one; `Decode` for structs without.
//!   So a type with an id cannot have a hand-written `Encode`/`Decode` beside the derive's.
//! - `Identifiable`: only `Identifiable`, for a struct that derives `Encode` without `Decode`.
//!
//! `Identifiable` has one owner so that `#[derive(Encode, Decode)]` implements it once (two
//! impls would conflict, and a derive cannot see which others sit beside it): `Decode`, which
//! needs the constant (for bare positions and wrapping variants), and has always implemented
//! it. Encoding never needs it (`EncodeBare::constructor_id` gives a value's id), so a type
//! that only encodes, such as a request, works as a field, a vector element, a `Box`, bare
//! (`#[tl(bare)]`, `Bare<T>`), in a wrapping variant and as a `Function` without it; derive
//! `Identifiable` beside `Encode` for `T::CONSTRUCTOR_ID`. Deriving it beside `Decode` is a
//! conflicting-implementations error.
//!
//! A derive that fails reports its errors and still implements what it would have (with
//! bodies that never run: the crate does not build), so that uses of the type elsewhere do
//! not add a "has no TL encoding" error each.
//!
//! # Generics and lifetimes
//! Decoders implement `Decode<'tl>` for every input lifetime `'tl` that outlives the type's
//! own lifetimes (a type with exactly one, `T<'a>`, implements `Decode<'a>`: covariance makes
//! that enough). Compiler errors name that input lifetime `'tl` too (`'__tl` when the type
//! names a `'tl` of its own). A decoded field cannot borrow for `'static` (`&'static str`,
//! `Cow<'static, str>`): the derive says so at the `'static`.
//!
//! Type parameters get `Encode` / `Decode<'tl>` bounds; those written bare or wrapped by a
//! variant (a `Box` around them included) also `EncodeBare`, and `DecodeBare<'tl>` +
//! `Identifiable`; those held right inside a `Box` in a field (`Box<T>`, `Vec<Box<T>>`;
//! tl-codec boxes types with ids only) also `EncodeBare` and `DecodeBare<'tl>`, enums included. A parameter held only by `PhantomData` (a typed id:
//! `Id<T> { raw: i64, marker: PhantomData<T> }`) gets none.
//!
//! The syntax tree is lowered to the IR of `tl_codegen::emit`, which writes the impls: the
//! generated schema bindings go through the same emitter.

mod attrs;
mod decl;
mod fallback;
mod lower;

use fallback::Derive;
use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};
use tl_codegen::emit::{identifiable_impl, Constructor, EmitError, Shape};

/// Implements `Encode`: through `EncodeBare` for types with ids (tl-codec's blanket impl), itself
/// for structs without; and `Function` with `returns`.
///
/// Not `Identifiable`, which `Decode` implements: a type that only encodes and wants its
/// id as a constant derives `Identifiable` beside this.
#[proc_macro_derive(Encode, attributes(tl))]
pub fn derive_encode(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, tl_codegen::emit::encode_impls, Some(Derive::Encode)).into()
}

/// Implements `Decode`: through `DecodeBare` (tl-codec's blanket impl) + `Identifiable` for types
/// with ids, itself for structs without.
#[proc_macro_derive(Decode, attributes(tl))]
pub fn derive_decode(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    if let Err(e) = lower::static_borrows(&input) {
        let stand_in = fallback::stand_in(&input, Derive::Decode);
        let error = e.into_compile_error();
        return quote::quote!(#error #stand_in).into();
    }
    expand(&input, tl_codegen::emit::decode_impls, Some(Derive::Decode)).into()
}

/// Implements `Identifiable` (the id as a constant, `T::CONSTRUCTOR_ID`) for a struct with an
/// id, for types that derive `Encode` but not `Decode` (which implements it already: deriving
/// both `Decode` and this is a conflicting-implementations error).
///
/// ```
/// use tl_codec::Identifiable as _;
/// use tl_derive::{Encode, Identifiable};
///
/// #[derive(Encode, Identifiable)]
/// #[tl(decl = "ping ping_id:long = Pong")]
/// struct Ping {
///     ping_id: i64,
/// }
///
/// assert_eq!(<Ping as tl_codec::Identifiable>::CONSTRUCTOR_ID, 0x7abe77ec);
/// ```
#[proc_macro_derive(Identifiable, attributes(tl))]
pub fn derive_identifiable(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(
        &input,
        |def| {
            let no_id = match &def.shape {
                Shape::Struct(Constructor { id: Some(_), .. }) => return Ok(identifiable_impl(def)),
                Shape::Struct(_) => {
                    "`Identifiable` needs a constructor id: `#[tl(id = 0x...)]` or `#[tl(decl = \"...\")]`"
                }
                Shape::Enum(_) => {
                    "an enum has no single constructor id to be `Identifiable`: each variant has its own \
                 (`EncodeBare::constructor_id` gives a value's)"
                }
            };
            Err(vec![EmitError { span: def.ident.span(), message: no_id.into() }])
        },
        None,
    )
    .into()
}

type Emitter =
    fn(&tl_codegen::emit::TypeDef) -> Result<proc_macro2::TokenStream, Vec<tl_codegen::emit::EmitError>>;

/// The derive's impls, or its errors; beside errors, `stand_in`'s impls (see [`fallback`]).
/// `Identifiable` gets none: `Decode` implements it too, so a stand-in could clash with it.
fn expand(input: &DeriveInput, emit: Emitter, stand_in: Option<Derive>) -> proc_macro2::TokenStream {
    let result = lower::lower(input).and_then(|def| {
        tl_codegen::emit::check(&def).and_then(|()| emit(&def)).map_err(|errors| {
            let mut errors = errors.into_iter().map(|e| syn::Error::new(e.span, e.message));
            let mut first =
                errors.next().unwrap_or_else(|| syn::Error::new_spanned(&input.ident, "invalid type"));
            first.extend(errors);
            first
        })
    });
    result.unwrap_or_else(|e| {
        let error = e.into_compile_error();
        let stand_in = stand_in.map(|d| fallback::stand_in(input, d));
        quote::quote!(#error #stand_in)
    })
}
