//! The intermediate representation both front-ends build: the derive from `syn`, the schema
//! generator from the parsed schema. Types and paths are plain token streams so that building
//! the IR needs no `syn`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// One Rust type to implement the codec traits for.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// The type's name.
    pub ident: Ident,
    /// The name a decode error reports when an id is not this type's: the TL name for
    /// generated types (`MessageMedia`, `inputPeerUser`), else the Rust name.
    pub name: String,
    /// Its generic parameters.
    pub generics: Generics,
    /// Struct (one constructor, or none for a bare struct) or enum (a boxed type).
    pub shape: Shape,
    /// For RPC functions: the return type, which makes the emitter implement `Function`.
    pub returns: Option<Returns>,
    /// The path of the codec crate in the generated code (`::tl_codec` unless re-exported).
    pub krate: TokenStream,
    /// Whether decoding counts a level of nesting against the reader's depth limit. Needed
    /// by every type that can contain itself (else malicious input could nest it until the
    /// stack overflows); the schema generator, which sees the whole type graph, clears it for
    /// the others. The derive sees one type at a time and always sets it.
    pub depth_guard: bool,
}

impl TypeDef {
    /// A type with no generics, no return type, using `::tl_codec`, with a depth guard.
    pub fn new(ident: Ident, shape: Shape) -> TypeDef {
        TypeDef {
            name: ident.to_string(),
            ident,
            generics: Generics::default(),
            shape,
            returns: None,
            krate: quote!(::tl_codec),
            depth_guard: true,
        }
    }
}

/// Struct or enum.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A struct: one constructor (its `id` is `None` for a bare-only struct with no id).
    Struct(Constructor),
    /// An enum: a boxed type whose variants are its constructors.
    Enum(Vec<Variant>),
}

/// One enum variant.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The variant's name.
    pub ident: Ident,
    /// How it is encoded.
    pub kind: VariantKind,
    /// Where errors about it point.
    pub span: Span,
}

/// The two ways a variant maps to a constructor.
#[derive(Debug, Clone)]
pub enum VariantKind {
    /// The variant's own fields are the constructor's (`#[tl(id = ...)] A { x: i32 }`);
    /// `id` must be set.
    Inline(Constructor),
    /// A one-field tuple variant wrapping a type with its own id (`User(UserFull)`): the id and
    /// fields are the wrapped type's (`Identifiable`, `EncodeBare`, `DecodeBare`).
    Delegate {
        /// The wrapped type.
        ty: TokenStream,
    },
    /// [`VariantKind::Delegate`] when the front-end knows the wrapped type's id (the schema
    /// generator does): decoding then dispatches on a literal, which compiles to a jump table,
    /// where `Delegate` compares against `Identifiable::CONSTRUCTOR_ID` (the derive cannot see
    /// other types' ids).
    DelegateWithId {
        /// The wrapped type.
        ty: TokenStream,
        /// Its constructor id.
        id: u32,
    },
}

/// One constructor: its id and fields in wire order.
#[derive(Debug, Clone)]
pub struct Constructor {
    /// The constructor id; `None` only for bare structs.
    pub id: Option<u32>,
    /// How the fields are spelled in Rust.
    pub style: Style,
    /// The fields in wire order.
    pub fields: Vec<Field>,
}

/// Named, tuple or unit fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `{ a: T }`.
    Named,
    /// `(T)`.
    Tuple,
    /// No fields.
    Unit,
}

/// One field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The field's name (for `Style::Named`); tuple fields go by position.
    pub ident: Option<Ident>,
    /// The value type: for `Role::Optional`, the type inside the `Option`.
    pub ty: TokenStream,
    /// What the field is on the wire.
    pub role: Role,
    /// Where errors about it point.
    pub span: Span,
}

impl Field {
    /// A `Role::Flags` field with an empty `ty` is computed only: the word is written from the
    /// optional fields and read to decide them, but the Rust struct has no such field (the
    /// generated bindings use this; named fields only).
    pub fn is_computed_flags(&self) -> bool {
        matches!(self.role, Role::Flags) && self.ty.is_empty()
    }
}

/// What a field is on the wire.
#[derive(Debug, Clone)]
pub enum Role {
    /// An ordinary value.
    Value(Codec),
    /// A `name:#` flags word (the field's Rust type implements `FlagsWord`). Recomputed from
    /// the optional fields when encoding.
    Flags,
    /// A `name:#` mode word ([`crate::graph::Word::Mode`]): a `u32` field whose value is
    /// data. Encoding writes the bits its optional fields and `true` flags use from those
    /// fields (so the bytes always decode) and every other bit from the field; decoding keeps
    /// the whole value.
    ModeWord,
    /// `flags.N?T`: an `Option<T>` present when the bit is set.
    Optional {
        /// The flags field's name; `None` means the constructor's only flags field.
        flags: Option<String>,
        /// The bit.
        bit: u32,
        /// How the value inside is encoded.
        codec: Codec,
    },
    /// `flags.N?true`: a `bool` that is just the bit.
    TrueFlag {
        /// The flags field's name; `None` means the constructor's only flags field.
        flags: Option<String>,
        /// The bit.
        bit: u32,
    },
}

/// How a value is encoded.
#[derive(Debug, Clone)]
pub enum Codec {
    /// The type's own `Encode`/`Decode` (boxed for types with ids).
    Boxed,
    /// `%T` / `vector`: `EncodeBare`, and `DecodeBare` with the type's `Identifiable` id.
    Bare,
    /// A module with `encoded_len(&T) -> usize`, `encode(&T, &mut O)` and
    /// `decode(&mut Reader) -> Result<T>`.
    With(TokenStream),
}

/// Generic parameters, kept as tokens.
#[derive(Debug, Clone, Default)]
pub struct Generics {
    /// The parameters in declaration order.
    pub params: Vec<GenericParam>,
    /// Extra `where` predicates, each without a trailing comma.
    pub where_predicates: Vec<TokenStream>,
    /// The name (without the tick) of the lifetime of the input that decoders borrow from,
    /// when they need one of their own (the type has no lifetime, or several): `None` is
    /// `__tl`. It must not be a lifetime the item names; the derive picks `tl`, the one its
    /// documentation and error messages speak of, unless the item uses it.
    pub input_lifetime: Option<Ident>,
}

/// The answer type of an RPC function: `type Return<'lifetime> = ty;`.
#[derive(Debug, Clone)]
pub struct Returns {
    /// The answer's own lifetime (the response buffer's), without the tick; `ty` may use it.
    pub lifetime: Ident,
    /// The answer type.
    pub ty: TokenStream,
}

/// One generic parameter.
#[derive(Debug, Clone)]
pub enum GenericParam {
    /// `'a: 'b` — `name` without the tick, `bounds` after the colon (possibly empty).
    Lifetime {
        /// The name without the tick.
        name: Ident,
        /// The bounds, e.g. `'b + 'c`.
        bounds: TokenStream,
    },
    /// `T: Bound`.
    Type {
        /// The name.
        name: Ident,
        /// The declared bounds (possibly empty).
        bounds: TokenStream,
    },
    /// `const N: usize`.
    Const {
        /// The name.
        name: Ident,
        /// The type.
        ty: TokenStream,
    },
}
