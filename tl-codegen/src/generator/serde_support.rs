//! `--serde`: JSON in the convention of the dynamic codec ([`crate::dynamic`]), written as plain
//! impls rather than `#[derive]`s because the convention is not serde's default: `"@type"`
//! tags on every object, `long` as strings (numbers accepted), `bytes`/int128/int256/int512 as
//! base64, flags words left out, `true` flags as booleans, absent optionals omitted.
//!
//! Every generated type gets `Serialize`. Reading JSON goes through `tl_json::FromJson<'a>`,
//! which takes a `tl_json::Arena`: base64 `bytes` and escaped strings have no bytes in the
//! JSON input to borrow, so borrowed (`'a`) values borrow decoded bytes from the arena
//! (`tl_json::from_json(&arena, deserializer)`). On top of that:
//! - `--owned` types implement `serde::Deserialize` directly (their arena is dropped at once);
//! - borrowed types get `serde::Deserialize` for `Owned<T>`: the value is read into an arena,
//!   encoded, and decoded again as an `Owned` holder (one extra encode and decode).
//!
//! Deserializing an enum needs its `"@type"` first, which is how the dynamic codec and TDLib
//! write it (and where `serde_json::Value` sorts it). An `Object` is `{"@id", "@body"}`: the
//! generated code has no registry to name its type (the dynamic codec writes the object).
//! A sized object's `bytes` length may be left out (encoding computes it).
//!
//! TDLib's JSON interface ([`crate::tdjson`], as the dynamic codec follows it): a field that
//! td_api.tl documents as one that may be null ("may be null", "pass null …") is an `Option`
//! left out when `None` (`null` or a missing key reads as `None`), and in a vector documented
//! "messages may be null" a `None` element is `null`; `int53` fields are written as JSON numbers (`tl_json::N`, only generated
//! for schemas that have such fields, so other schemas' output does not change). On input,
//! `"@extra"` and `"@client_id"` are skipped in any object (`tl_json::other_key`,
//! `tl_json::type_first`); a struct needs no `"@type"`, so neither does a bare constructor
//! or a boxed type of one constructor (an alias of its struct).

use super::items::{Ctx, FieldSpec};
use crate::emit::Role;
use crate::ident;
use crate::tdjson::Nullable;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use tl_parser::Definition;

/// The `tl_json` module at the root of the generated tree: the traits the per-type impls use
/// and their impls for the wire primitives.
/// With `td`, what TDLib's conventions need ([`crate::tdjson`]): `None` elements as `null`,
/// and `int53` as JSON numbers (the `ToJsonNumber` adaptor `N`).
pub fn support_module(codec: &TokenStream, owned: bool, td: bool) -> TokenStream {
    let k = codec;
    let de = de_items(k, owned);
    let td_items = if td { td_items(k) } else { quote!() };
    let bytes_impls = if owned {
        quote! {
            impl ToJson for Vec<u8> {
                fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(&base64(self))
                }
            }
        }
    } else {
        quote! {
            impl ToJson for &[u8] {
                fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(&base64(self))
                }
            }

        }
    };
    quote! {
        //! The JSON convention of `tl decode`/`tl encode` (the dynamic codec), for `--serde`.
        use ::serde::ser::SerializeSeq;
        use #k::__alloc::*;

        /// Values writable in the JSON convention.
        pub trait ToJson {
            /// Writes the value.
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
        }

        /// Adapts a [`ToJson`] value to `serde::Serialize`.
        pub struct J<'v, T: ?Sized>(pub &'v T);

        impl<T: ToJson + ?Sized> ::serde::Serialize for J<'_, T> {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.to_json(s)
            }
        }

        impl ToJson for i32 {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i32(*self)
            }
        }

        impl ToJson for u32 {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u32(*self)
            }
        }

        impl ToJson for bool {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bool(*self)
            }
        }

        /// `long` is a string: JSON numbers lose precision past 2^53.
        impl ToJson for i64 {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl ToJson for f64 {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if self.is_finite() {
                    s.serialize_f64(*self)
                } else if self.is_nan() {
                    s.serialize_str("NaN")
                } else if *self > 0.0 {
                    s.serialize_str("Infinity")
                } else {
                    s.serialize_str("-Infinity")
                }
            }
        }

        impl<const N: usize> ToJson for [u8; N] {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&base64(self))
            }
        }

        impl ToJson for #k::TlString {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_str_lossy())
            }
        }

        #bytes_impls

        impl ToJson for #k::TlStr<'_> {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_str_lossy())
            }
        }

        /// Generated code cannot name the type of an `Object`, so it is written as its id and
        /// base64 body: `{"@id": 4064843393, "@body": "..."}` (the dynamic codec, which has the
        /// schema, writes the object itself).
        impl ToJson for #k::RawObject<'_> {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap;
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("@id", &self.id)?;
                m.serialize_entry("@body", &base64(self.body))?;
                m.end()
            }
        }

        impl ToJson for #k::RawObjectBuf {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.as_raw().to_json(s)
            }
        }

        impl<T: ToJson> ToJson for Vec<T> {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.len()))?;
                for v in self {
                    seq.serialize_element(&J(v))?;
                }
                seq.end()
            }
        }

        impl<T: ToJson + ?Sized> ToJson for Box<T> {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                (**self).to_json(s)
            }
        }

        impl<T: ToJson> ToJson for #k::Bare<T> {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.to_json(s)
            }
        }

        /// Standard base64 with padding.
        pub fn base64(data: &[u8]) -> String {
            const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
            for c in data.chunks(3) {
                let n = u32::from(c[0]) << 16
                    | u32::from(c.get(1).copied().unwrap_or(0)) << 8
                    | u32::from(c.get(2).copied().unwrap_or(0));
                for i in 0..4 {
                    out.push(if i <= c.len() { A[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
                }
            }
            out
        }

        #td_items

        #de
    }
}

/// The serializing half of TDLib's additions: `Option` (a vector element that may be null)
/// and `int53` as a JSON number.
fn td_items(k: &TokenStream) -> TokenStream {
    quote! {
        /// `None` is JSON `null`: an element of a vector whose objects td_api documents as
        /// "may be null". (A field that may be null is left out instead.)
        impl<T: ToJson> ToJson for Option<T> {
            fn to_json<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    Some(v) => v.to_json(s),
                    None => s.serialize_none(),
                }
            }
        }

        /// Values of TDLib's `int53` (exact in a double), written as JSON numbers where
        /// `int64` is a string.
        pub trait ToJsonNumber {
            /// Writes the value with numbers for `int53`s.
            fn to_json_number<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
        }

        impl ToJsonNumber for i64 {
            fn to_json_number<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(*self)
            }
        }

        impl<T: ToJsonNumber> ToJsonNumber for Vec<T> {
            fn to_json_number<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.len()))?;
                for v in self {
                    seq.serialize_element(&N(v))?;
                }
                seq.end()
            }
        }

        /// A bare vector inside a vector (`vector<vector<int53>>`) writes as the vector.
        impl<T: ToJsonNumber> ToJsonNumber for #k::Bare<T> {
            fn to_json_number<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.to_json_number(s)
            }
        }

        /// Adapts a [`ToJsonNumber`] value to `serde::Serialize`.
        pub struct N<'v, T: ?Sized>(pub &'v T);

        impl<T: ToJsonNumber + ?Sized> ::serde::Serialize for N<'_, T> {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.to_json_number(s)
            }
        }
    }
}

impl Ctx<'_, '_> {
    /// `(impl params, type args)` for serde impls of an item with optional `'a` and the
    /// generics of `def`, each type param bounded by `bound`.
    fn serde_generics(
        &self,
        borrows: bool,
        def: &Definition<'_>,
        bound: &TokenStream,
    ) -> (TokenStream, TokenStream) {
        let mut params = Vec::new();
        let mut args = Vec::new();
        if borrows {
            params.push(quote!('a));
            args.push(quote!('a));
        }
        for g in crate::graph::generic_names(def) {
            let id = ident::ident(&g);
            params.push(quote!(#id: #bound));
            args.push(quote!(#id));
        }
        if params.is_empty() {
            (quote!(), quote!())
        } else {
            (quote!(<#(#params),*>), quote!(<#(#args),*>))
        }
    }

    /// `ToJson`, `Serialize`, `FromJsonMap`, `FromJson` (and with `--owned`, `Deserialize`).
    pub(super) fn serde_struct(
        &self,
        def: &Definition<'_>,
        ident: &Ident,
        fields: &[FieldSpec],
        depth: usize,
        borrows: bool,
    ) -> TokenStream {
        let root = self.root(depth);
        let j = quote!(#root tl_json);
        let tl_name = def.name.as_ref();
        let (params, args) = self.serde_generics(borrows, def, &quote!(::serde::Serialize));
        let entries = fields.iter().filter(|f| !f.ir.is_computed_flags()).map(|f| {
            let (id, key) = (&f.ident, &f.key);
            // TDLib's `int53` is a number: its own adaptor.
            let adapt = if f.int53 { quote!(#j::N) } else { quote!(#j::J) };
            match (&f.ir.role, f.generic) {
                (_, true) => quote!(m.serialize_entry(#key, &self.#id)?;),
                (Role::Optional { .. }, _) => {
                    quote!(if let ::core::option::Option::Some(v) = &self.#id { m.serialize_entry(#key, &#adapt(v))?; })
                }
                // A null object is left out, as an absent optional is.
                _ if f.nullable == Nullable::Value => {
                    quote!(if let ::core::option::Option::Some(v) = &self.#id { m.serialize_entry(#key, &#adapt(v))?; })
                }
                _ => quote!(m.serialize_entry(#key, &#adapt(&self.#id))?;),
            }
        });
        let k = &self.krate;
        let mut out = quote! {
            impl #params #j::ToJson for #ident #args {
                fn to_json<__S: ::serde::Serializer>(&self, s: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                    use ::serde::ser::SerializeMap;
                    let mut m = s.serialize_map(::core::option::Option::None)?;
                    m.serialize_entry("@type", #tl_name)?;
                    #(#entries)*
                    m.end()
                }
            }
            impl #params ::serde::Serialize for #ident #args {
                fn serialize<__S: ::serde::Serializer>(&self, s: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                    #j::ToJson::to_json(self, s)
                }
            }
        };
        let (params, args) = self.serde_generics(borrows, def, &quote!(#j::FromJson<'a>));
        // `'a` is the arena's lifetime, so it is always declared.
        let params = if borrows {
            params
        } else {
            let inner = crate::graph::generic_names(def).into_iter().map(|g| {
                let id = ident::ident(&g);
                quote!(#id: #j::FromJson<'a>)
            });
            quote!(<'a, #(#inner),*>)
        };
        let stored: Vec<&FieldSpec> = fields.iter().filter(|f| !f.ir.is_computed_flags()).collect();
        let locals: Vec<Ident> =
            (0..stored.len()).map(|i| Ident::new(&format!("__v{i}"), Span::call_site())).collect();
        let decls = stored.iter().zip(&locals).map(|(f, l)| {
            let ty = if f.generic { f.rust_ty.clone() } else { f.ir.ty.clone() };
            quote!(let mut #l: ::core::option::Option<#ty> = ::core::option::Option::None;)
        });
        let arms = stored.iter().zip(&locals).map(|(f, l)| {
            let key = &f.key;
            let ty = if f.generic { f.rust_ty.clone() } else { f.ir.ty.clone() };
            match f.ir.role {
                // `null` is an absent optional, as in the dynamic codec.
                Role::Optional { .. } | Role::TrueFlag { .. } => {
                    quote!(#key => #l = map.next_value_seed(#j::seed::<::core::option::Option<#ty>>(arena))?,)
                }
                _ => quote!(#key => #l = ::core::option::Option::Some(map.next_value_seed(#j::seed::<#ty>(arena))?),),
            }
        });
        let inits = stored.iter().zip(&locals).map(|(f, l)| {
            let (id, key) = (&f.ident, &f.key);
            match f.ir.role {
                Role::Optional { .. } => quote!(#id: #l,),
                // A null object may be `null` or left out.
                _ if f.nullable == Nullable::Value => quote!(#id: #l.flatten(),),
                Role::TrueFlag { .. } => quote!(#id: #l.unwrap_or(false),),
                // A mode word left out is 0, as in the dynamic codec: the bits of the fields
                // given are merged in when encoding.
                Role::ModeWord => quote!(#id: #l.unwrap_or(0),),
                // Encoding computes a sized object's length, so JSON may leave it out.
                _ if crate::graph::sized_object_part(def, f.index)
                    == Some(crate::graph::SizedPart::Length) =>
                {
                    quote!(#id: #l.unwrap_or(0),)
                }
                _ => quote!(#id: #l.ok_or_else(|| <__A::Error as ::serde::de::Error>::missing_field(#key))?,),
            }
        });
        // Part of a group of values sharing a flag bit is refused, as the dynamic codec
        // refuses it: encoding would drop the group.
        let local = |i: usize| stored.iter().position(|f| std::ptr::eq(*f, &fields[i])).map(|at| &locals[at]);
        let together = super::items::shared_bit_groups(fields).into_iter().map(|group| {
            use super::items::names;
            let all = group.values.len() + group.trues.len();
            let both = if all == 2 { "both" } else { "all" };
            let bit = &group.bit;
            let given: Vec<&Ident> = group.values.iter().filter_map(|&i| local(i)).collect();
            let mut checks = TokenStream::new();
            if group.values.len() > 1 {
                let keys = names(fields, group.values.iter().copied(), true);
                let both = if group.values.len() == 2 { "both" } else { "all" };
                let message = format!("{keys} must be given together ({both} {bit})");
                checks.extend(quote! {
                    if (#(#given.is_some())||*) && !(#(#given.is_some())&&*) {
                        return ::core::result::Result::Err(<__A::Error as ::serde::de::Error>::custom(#message));
                    }
                });
            }
            // A `true` flag on the bit is what the values say: `true` without them, or `false`
            // with them, would be dropped or contradicted by encoding.
            let values = names(fields, group.values.iter().copied(), true);
            let is = if group.values.len() == 1 { "is" } else { "are" };
            for &i in &group.trues {
                let Some(flag) = local(i) else { continue };
                let key = &fields[i].key;
                let yes = format!("`{key}` can be true only when {values} {is} given ({both} {bit})");
                let no = format!("`{key}` cannot be false when {values} {is} given ({both} {bit})");
                checks.extend(quote! {
                    match (#flag, #(#given.is_some())&&*) {
                        (::core::option::Option::Some(true), false) => {
                            return ::core::result::Result::Err(<__A::Error as ::serde::de::Error>::custom(#yes));
                        }
                        (::core::option::Option::Some(false), true) => {
                            return ::core::result::Result::Err(<__A::Error as ::serde::de::Error>::custom(#no));
                        }
                        _ => {}
                    }
                });
            }
            checks
        });
        // `true` flags alone on one bit (no value shares it) are one flag: one given true and
        // another false contradict each other, as the dynamic codec says.
        let mut alone: Vec<(&str, u32, Vec<usize>)> = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let Role::TrueFlag { flags: Some(word), bit } = &f.ir.role else { continue };
            match alone.iter_mut().find(|(w, b, _)| w == word && b == bit) {
                Some((_, _, members)) => members.push(i),
                None => alone.push((word, *bit, vec![i])),
            }
        }
        let contradictions = alone.into_iter().filter(|(_, _, m)| m.len() > 1).map(|(word, bit, members)| {
            let word_key = fields.iter().find(|f| f.ident == word).map_or(word, |f| f.key.as_str());
            let keys = super::items::names(fields, members.iter().copied(), true);
            let message = format!("{keys} are one bit ({word_key}.{bit}): true for one is true for all");
            let flags: Vec<&Ident> = members.iter().filter_map(|&i| local(i)).collect();
            quote! {
                if (#(#flags == ::core::option::Option::Some(true))||*)
                    && (#(#flags == ::core::option::Option::Some(false))||*)
                {
                    return ::core::result::Result::Err(<__A::Error as ::serde::de::Error>::custom(#message));
                }
            }
        });
        let together = together.chain(contradictions);
        let value = if fields.is_empty() { quote!(Self) } else { quote!(Self { #(#inits)* }) };
        out.extend(quote! {
            impl #params #j::FromJsonMap<'a> for #ident #args {
                fn from_json_map<'de, __A: ::serde::de::MapAccess<'de>>(
                    arena: &'a #j::Arena,
                    mut map: __A,
                ) -> ::core::result::Result<Self, __A::Error> {
                    let _ = arena;
                    #(#decls)*
                    while let ::core::option::Option::Some(key) = map.next_key::<#k::__alloc::String>()? {
                        match key.as_str() {
                            "@type" => #j::check_type(&map.next_value::<#k::__alloc::String>()?, #tl_name)?,
                            #(#arms)*
                            _ => #j::other_key(&mut map, &key, #tl_name)?,
                        }
                    }
                    #(#together)*
                    ::core::result::Result::Ok(#value)
                }
            }
            impl #params #j::FromJson<'a> for #ident #args {
                fn from_json<'de, __D: ::serde::Deserializer<'de>>(arena: &'a #j::Arena, d: __D) -> ::core::result::Result<Self, __D::Error> {
                    #j::from_json_map(arena, d)
                }
            }
        });
        if self.options.owned {
            let params_inner = crate::graph::generic_names(def).into_iter().map(|g| {
                let id = ident::ident(&g);
                quote!(#id: for<'a> #j::FromJson<'a>)
            });
            out.extend(quote! {
                impl<'de, #(#params_inner),*> ::serde::Deserialize<'de> for #ident #args {
                    fn deserialize<__D: ::serde::Deserializer<'de>>(d: __D) -> ::core::result::Result<Self, __D::Error> {
                        #j::from_json_map(&#j::Arena::new(), d)
                    }
                }
            });
        }
        out
    }

    /// Serde impls of the enum of boxed type `ti`: each variant is its constructor's object.
    pub(super) fn serde_enum(&self, ti: usize, ident: &Ident, borrows: bool, depth: usize) -> TokenStream {
        let root = self.root(depth);
        let j = quote!(#root tl_json);
        let t = &self.graph.types[ti];
        let gen = if borrows { quote!(<'a>) } else { quote!() };
        let vnames: Vec<Ident> = self.names.variants[ti].iter().map(|v| ident::ident(v)).collect();
        let mut out = quote! {
            impl #gen #j::ToJson for #ident #gen {
                fn to_json<__S: ::serde::Serializer>(&self, s: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                    match self { #(Self::#vnames(v) => #j::ToJson::to_json(v, s),)* }
                }
            }
            impl #gen ::serde::Serialize for #ident #gen {
                fn serialize<__S: ::serde::Serializer>(&self, s: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                    #j::ToJson::to_json(self, s)
                }
            }
        };
        let arms = t.constructors.iter().zip(&vnames).map(|(&ci, v)| {
            let def = self.graph.constructors[ci];
            let (cns, cname) = &self.names.constructors[ci];
            let path = self.path(depth, "types", cns, cname);
            let name = def.name.as_ref();
            let read = quote!(<#path as #j::FromJsonMap<'a>>::from_json_map(arena, map)?);
            if self.boxed.contains(&ci) {
                let boxed = self.std_ty("Box", &quote!(_));
                quote!(#name => Self::#v(<#boxed>::new(#read)),)
            } else {
                quote!(#name => Self::#v(#read),)
            }
        });
        let tname = t.name.as_str();
        out.extend(quote! {
            impl<'a> #j::FromJsonMap<'a> for #ident #gen {
                fn from_json_map<'de, __A: ::serde::de::MapAccess<'de>>(
                    arena: &'a #j::Arena,
                    mut map: __A,
                ) -> ::core::result::Result<Self, __A::Error> {
                    let t = #j::type_first(&mut map)?;
                    ::core::result::Result::Ok(match t.as_str() {
                        #(#arms)*
                        _ => return ::core::result::Result::Err(<__A::Error as ::serde::de::Error>::custom(format_args!(
                            "`{t}` is not a constructor of `{}`", #tname))),
                    })
                }
            }
            impl<'a> #j::FromJson<'a> for #ident #gen {
                fn from_json<'de, __D: ::serde::Deserializer<'de>>(arena: &'a #j::Arena, d: __D) -> ::core::result::Result<Self, __D::Error> {
                    #j::from_json_map(arena, d)
                }
            }
        });
        if self.options.owned {
            out.extend(quote! {
                impl<'de> ::serde::Deserialize<'de> for #ident {
                    fn deserialize<__D: ::serde::Deserializer<'de>>(d: __D) -> ::core::result::Result<Self, __D::Error> {
                        #j::from_json_map(&#j::Arena::new(), d)
                    }
                }
            });
        }
        out
    }
}

/// The reading half of `tl_json`: the arena, `FromJson`/`FromJsonMap` and their impls for the
/// wire primitives (borrowed or owned ones, after `owned`), and `Deserialize` for `Owned<T>`.
fn de_items(k: &TokenStream, owned: bool) -> TokenStream {
    let storage = if owned {
        quote! {
            impl<'a> FromJson<'a> for Vec<u8> {
                fn from_json<'de, D: ::serde::Deserializer<'de>>(_: &'a Arena, d: D) -> Result<Self, D::Error> {
                    base64_de(d)
                }
            }

            impl<'a> FromJson<'a> for #k::TlString {
                fn from_json<'de, D: ::serde::Deserializer<'de>>(_: &'a Arena, d: D) -> Result<Self, D::Error> {
                    <String as ::serde::Deserialize>::deserialize(d).map(#k::TlString::from)
                }
            }

            impl<'a> FromJson<'a> for #k::RawObjectBuf {
                fn from_json<'de, D: ::serde::Deserializer<'de>>(_: &'a Arena, d: D) -> Result<Self, D::Error> {
                    let (id, body) = raw_object_de(d)?;
                    Ok(#k::RawObjectBuf { id, body })
                }
            }
        }
    } else {
        quote! {
            impl<'a> FromJson<'a> for &'a [u8] {
                fn from_json<'de, D: ::serde::Deserializer<'de>>(arena: &'a Arena, d: D) -> Result<Self, D::Error> {
                    base64_de(d).map(|v| arena.alloc(v))
                }
            }

            impl<'a> FromJson<'a> for #k::TlStr<'a> {
                fn from_json<'de, D: ::serde::Deserializer<'de>>(arena: &'a Arena, d: D) -> Result<Self, D::Error> {
                    let s = <String as ::serde::Deserialize>::deserialize(d)?;
                    Ok(#k::TlStr::from_bytes(arena.alloc(s.into_bytes())))
                }
            }

            impl<'a> FromJson<'a> for #k::RawObject<'a> {
                fn from_json<'de, D: ::serde::Deserializer<'de>>(arena: &'a Arena, d: D) -> Result<Self, D::Error> {
                    let (id, body) = raw_object_de(d)?;
                    Ok(#k::RawObject { id, body: arena.alloc(body) })
                }
            }

            /// Reads a borrowed value into an arena, encodes it and keeps the bytes with the
            /// value decoded from them.
            impl<'de, T> ::serde::Deserialize<'de> for super::Owned<T>
            where
                T: super::Reborrow,
                for<'a> T::At<'a>: FromJson<'a> + #k::Encode,
            {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let arena = Arena::new();
                    let value = <T::At<'_> as FromJson<'_>>::from_json(&arena, d)?;
                    // JSON is input: a string too long for TL is an error, not a panic.
                    let bytes = #k::try_to_bytes(&value).map_err(<D::Error as ::serde::de::Error>::custom)?;
                    drop(value);
                    super::Owned::decode(bytes).map_err(<D::Error as ::serde::de::Error>::custom)
                }
            }

            /// Writes the value held, as the borrowed type writes itself.
            impl<T> ::serde::Serialize for super::Owned<T>
            where
                T: super::Reborrow,
                for<'a> T::At<'a>: ::serde::Serialize,
            {
                fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    self.get().serialize(s)
                }
            }
        }
    };
    quote! {
        /// Backing storage for borrowed values read from JSON: base64 `bytes` and strings are
        /// decoded into it, and the values borrow from it. Freed all at once when dropped.
        #[derive(Default)]
        pub struct Arena {
            // Raw pointers rather than `Box`es, so that growing the list does not move (and
            // so assert unique access to) allocations that values still borrow.
            chunks: core::cell::RefCell<Vec<*mut [u8]>>,
        }

        impl Arena {
            /// An empty arena.
            pub fn new() -> Arena {
                Arena::default()
            }

            /// Keeps `data` until the arena is dropped.
            pub fn alloc(&self, data: Vec<u8>) -> &[u8] {
                if data.is_empty() {
                    return &[];
                }
                let ptr: *mut [u8] = Box::into_raw(data.into_boxed_slice());
                self.chunks.borrow_mut().push(ptr);
                // SAFETY: the allocation lives, unchanged, until `drop`, which needs `&mut self`
                // and so waits for every borrow of `self`.
                unsafe { &*ptr }
            }
        }

        impl Drop for Arena {
            fn drop(&mut self) {
                for ptr in self.chunks.get_mut().drain(..) {
                    // SAFETY: made by `Box::into_raw` in `alloc`, freed once, no borrow left.
                    drop(unsafe { Box::from_raw(ptr) });
                }
            }
        }

        /// Values readable from the JSON convention, borrowing from `arena` for `'a` where
        /// they hold bytes.
        pub trait FromJson<'a>: Sized {
            /// Reads one value.
            fn from_json<'de, D: ::serde::Deserializer<'de>>(arena: &'a Arena, d: D) -> Result<Self, D::Error>;
        }

        /// Reads a `T` from JSON, borrowing decoded bytes from `arena`. Like `Deserialize`, it
        /// reads one value and leaves what follows it: with serde_json, call `end()` after it to
        /// refuse trailing characters, as `serde_json::from_str` does.
        ///
        /// ```text
        /// let mut de = serde_json::Deserializer::from_str(text);
        /// let message: types::Message<'_> = tl_json::from_json(&arena, &mut de)?;
        /// de.end()?;
        /// ```
        pub fn from_json<'a, 'de, T: FromJson<'a>, D: ::serde::Deserializer<'de>>(
            arena: &'a Arena,
            d: D,
        ) -> Result<T, D::Error> {
            T::from_json(arena, d)
        }

        /// A [`FromJson`] type as a `serde::de::DeserializeSeed`.
        pub struct Seed<'a, T>(pub &'a Arena, pub core::marker::PhantomData<T>);

        /// The seed reading a `T` into `arena`.
        pub fn seed<T>(arena: &Arena) -> Seed<'_, T> {
            Seed(arena, core::marker::PhantomData)
        }

        impl<'de, 'a, T: FromJson<'a>> ::serde::de::DeserializeSeed<'de> for Seed<'a, T> {
            type Value = T;
            fn deserialize<D: ::serde::Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
                T::from_json(self.0, d)
            }
        }

        macro_rules! plain_de {
            ($($t:ty),*) => {$(
                impl<'a> FromJson<'a> for $t {
                    fn from_json<'de, D: ::serde::Deserializer<'de>>(_: &'a Arena, d: D) -> Result<Self, D::Error> {
                        <$t as ::serde::Deserialize>::deserialize(d)
                    }
                }
            )*};
        }
        plain_de!(i32, u32, bool);

        struct NumberVisitor;

        impl ::serde::de::Visitor<'_> for NumberVisitor {
            type Value = f64;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a number, or \"NaN\", \"Infinity\", \"-Infinity\"")
            }
            fn visit_f64<E: ::serde::de::Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
            fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<f64, E> {
                match v {
                    "NaN" => Ok(f64::NAN),
                    "Infinity" => Ok(f64::INFINITY),
                    "-Infinity" => Ok(f64::NEG_INFINITY),
                    _ => Err(E::invalid_value(::serde::de::Unexpected::Str(v), &self)),
                }
            }
        }

        impl<'a> FromJson<'a> for f64 {
            fn from_json<'de, D: ::serde::Deserializer<'de>>(_: &'a Arena, d: D) -> Result<Self, D::Error> {
                d.deserialize_any(NumberVisitor)
            }
        }

        struct LongVisitor;

        impl ::serde::de::Visitor<'_> for LongVisitor {
            type Value = i64;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a 64-bit integer as a string or a number")
            }
            fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> Result<i64, E> {
                Ok(v)
            }
            fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> Result<i64, E> {
                i64::try_from(v).map_err(|_| E::invalid_value(::serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<i64, E> {
                v.parse().map_err(|_| E::invalid_value(::serde::de::Unexpected::Str(v), &self))
            }
        }

        impl<'a> FromJson<'a> for i64 {
            fn from_json<'de, D: ::serde::Deserializer<'de>>(_: &'a Arena, d: D) -> Result<Self, D::Error> {
                d.deserialize_any(LongVisitor)
            }
        }

        fn base64_de<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
            let s = <Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
            from_base64(&s).ok_or_else(|| <D::Error as ::serde::de::Error>::custom("bad base64"))
        }

        impl<'a, const N: usize> FromJson<'a> for [u8; N] {
            fn from_json<'de, D: ::serde::Deserializer<'de>>(_: &'a Arena, d: D) -> Result<Self, D::Error> {
                let v = base64_de(d)?;
                <[u8; N]>::try_from(v.as_slice()).map_err(|_| {
                    <D::Error as ::serde::de::Error>::invalid_length(v.len(), &format!("{N} bytes").as_str())
                })
            }
        }

        /// `{"@id": N, "@body": "base64"}`, in any order.
        fn raw_object_de<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<(u32, Vec<u8>), D::Error> {
            struct V;
            impl<'de> ::serde::de::Visitor<'de> for V {
                type Value = (u32, Vec<u8>);
                fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str("an object as {\"@id\": id, \"@body\": base64}")
                }
                fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let (mut id, mut body) = (None, None);
                    while let Some(key) = map.next_key::<String>()? {
                        match key.as_str() {
                            "@id" => id = Some(map.next_value::<u32>()?),
                            "@body" => body = Some(map.next_value_seed(Base64Seed)?),
                            _ => return Err(<A::Error as ::serde::de::Error>::unknown_field(&key, &["@id", "@body"])),
                        }
                    }
                    let id = id.ok_or_else(|| <A::Error as ::serde::de::Error>::missing_field("@id"))?;
                    Ok((id, body.unwrap_or_default()))
                }
            }
            d.deserialize_map(V)
        }

        struct Base64Seed;

        impl<'de> ::serde::de::DeserializeSeed<'de> for Base64Seed {
            type Value = Vec<u8>;
            fn deserialize<D: ::serde::Deserializer<'de>>(self, d: D) -> Result<Vec<u8>, D::Error> {
                base64_de(d)
            }
        }

        #storage

        /// `null` reads as `None`, like an absent field.
        impl<'a, T: FromJson<'a>> FromJson<'a> for Option<T> {
            fn from_json<'de, D: ::serde::Deserializer<'de>>(arena: &'a Arena, d: D) -> Result<Self, D::Error> {
                struct V<'a, T>(&'a Arena, core::marker::PhantomData<T>);
                impl<'de, 'a, T: FromJson<'a>> ::serde::de::Visitor<'de> for V<'a, T> {
                    type Value = Option<T>;
                    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                        f.write_str("a value or null")
                    }
                    fn visit_none<E: ::serde::de::Error>(self) -> Result<Option<T>, E> {
                        Ok(None)
                    }
                    fn visit_unit<E: ::serde::de::Error>(self) -> Result<Option<T>, E> {
                        Ok(None)
                    }
                    fn visit_some<D: ::serde::Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
                        T::from_json(self.0, d).map(Some)
                    }
                }
                d.deserialize_option(V(arena, core::marker::PhantomData))
            }
        }

        impl<'a, T: FromJson<'a>> FromJson<'a> for Vec<T> {
            fn from_json<'de, D: ::serde::Deserializer<'de>>(arena: &'a Arena, d: D) -> Result<Self, D::Error> {
                struct V<'a, T>(&'a Arena, core::marker::PhantomData<T>);
                impl<'de, 'a, T: FromJson<'a>> ::serde::de::Visitor<'de> for V<'a, T> {
                    type Value = Vec<T>;
                    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                        f.write_str("an array")
                    }
                    fn visit_seq<A: ::serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                        // The hint comes from the input: capped, so it cannot ask for more
                        // memory than a short document justifies.
                        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                        while let Some(v) = seq.next_element_seed(seed::<T>(self.0))? {
                            out.push(v);
                        }
                        Ok(out)
                    }
                }
                d.deserialize_seq(V(arena, core::marker::PhantomData))
            }
        }

        impl<'a, T: FromJson<'a>> FromJson<'a> for Box<T> {
            fn from_json<'de, D: ::serde::Deserializer<'de>>(arena: &'a Arena, d: D) -> Result<Self, D::Error> {
                T::from_json(arena, d).map(Box::new)
            }
        }

        impl<'a, T: FromJson<'a>> FromJson<'a> for #k::Bare<T> {
            fn from_json<'de, D: ::serde::Deserializer<'de>>(arena: &'a Arena, d: D) -> Result<Self, D::Error> {
                T::from_json(arena, d).map(#k::Bare)
            }
        }

        /// Objects read from a JSON map whose `"@type"` may already have been consumed (by an
        /// enum choosing the variant).
        pub trait FromJsonMap<'a>: Sized {
            /// Reads the remaining entries.
            fn from_json_map<'de, A: ::serde::de::MapAccess<'de>>(arena: &'a Arena, map: A) -> Result<Self, A::Error>;
        }

        /// A visitor for any [`FromJsonMap`] type.
        pub struct MapVisitor<'a, T>(pub &'a Arena, pub core::marker::PhantomData<T>);

        impl<'de, 'a, T: FromJsonMap<'a>> ::serde::de::Visitor<'de> for MapVisitor<'a, T> {
            type Value = T;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a TL object with \"@type\"")
            }
            fn visit_map<A: ::serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::from_json_map(self.0, map)
            }
        }

        /// Reads a map with [`FromJsonMap`].
        pub fn from_json_map<'a, 'de, T: FromJsonMap<'a>, D: ::serde::Deserializer<'de>>(
            arena: &'a Arena,
            d: D,
        ) -> Result<T, D::Error> {
            d.deserialize_map(MapVisitor(arena, core::marker::PhantomData))
        }

        /// A key of an object that is none of its fields: TDLib's `"@extra"` (copied from a
        /// request to its answer) and `"@client_id"` (on what `td_receive` returns) are read
        /// and ignored, anything else is an error.
        pub fn other_key<'de, A: ::serde::de::MapAccess<'de>>(
            map: &mut A,
            key: &str,
            tl_name: &'static str,
        ) -> Result<(), A::Error> {
            if key == "@extra" || key == "@client_id" {
                map.next_value::<::serde::de::IgnoredAny>()?;
                Ok(())
            } else {
                Err(<A::Error as ::serde::de::Error>::custom(format_args!("`{tl_name}` has no field `{key}`")))
            }
        }

        /// The `"@type"` that an enum reads first to choose its variant, after any
        /// `"@extra"`/`"@client_id"`, which are ignored.
        pub fn type_first<'de, A: ::serde::de::MapAccess<'de>>(map: &mut A) -> Result<String, A::Error> {
            loop {
                match map.next_key::<String>()?.as_deref() {
                    Some("@type") => return map.next_value::<String>(),
                    Some("@extra" | "@client_id") => {
                        map.next_value::<::serde::de::IgnoredAny>()?;
                    }
                    _ => return Err(<A::Error as ::serde::de::Error>::custom("\"@type\" must come first")),
                }
            }
        }

        /// Checks the `"@type"` of an object against the expected TL name.
        pub fn check_type<E: ::serde::de::Error>(found: &str, expected: &'static str) -> Result<(), E> {
            if found == expected {
                Ok(())
            } else {
                Err(E::custom(format_args!("expected \"@type\": \"{expected}\", found \"{found}\"")))
            }
        }

        fn from_base64(s: &str) -> Option<Vec<u8>> {
            let mut out = Vec::with_capacity(s.len() / 4 * 3);
            let (mut acc, mut bits) = (0u32, 0u32);
            for c in s.bytes().filter(|&c| c != b'=') {
                let v = match c {
                    b'A'..=b'Z' => c - b'A',
                    b'a'..=b'z' => c - b'a' + 26,
                    b'0'..=b'9' => c - b'0' + 52,
                    b'+' => 62,
                    b'/' => 63,
                    _ => return None,
                };
                acc = acc << 6 | u32::from(v);
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push((acc >> bits) as u8);
                }
            }
            Some(out)
        }
    }
}
