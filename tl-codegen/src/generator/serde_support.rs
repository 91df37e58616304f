//! `--serde`: JSON in the convention of the dynamic codec ([`crate::dynamic`]), written as plain
//! impls rather than `#[derive]`s because the convention is not serde's default: `"@type"`
//! tags on every object, `long` as strings, `bytes`/int128/int256 as base64, flags words left
//! out, `true` flags as booleans, absent optionals omitted.
//!
//! Every generated type gets `Serialize`; with `--owned` also `Deserialize` (borrowed types
//! cannot deserialize `bytes`, which need base64 decoding). Deserializing an enum needs its
//! `"@type"` first, which is how the dynamic codec and TDLib write it.

use super::items::{Ctx, FieldSpec};
use crate::emit::Role;
use crate::ident;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use tl_parser::Definition;

/// The `tl_json` module at the root of the generated tree: the traits the per-type impls use
/// and their impls for the wire primitives.
pub fn support_module(codec: &TokenStream, owned: bool) -> TokenStream {
    let k = codec;
    let de = if owned {
        quote! {
            /// Values readable from the JSON convention.
            pub trait FromJson: Sized {
                /// Reads one value.
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
            }

            /// Adapts a [`FromJson`] type to `serde::Deserialize`.
            pub struct JD<T>(pub T);

            impl<'de, T: FromJson> serde::Deserialize<'de> for JD<T> {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    T::from_json(d).map(JD)
                }
            }

            macro_rules! plain_de {
                ($($t:ty),*) => {$(
                    impl FromJson for $t {
                        fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                            <$t as serde::Deserialize>::deserialize(d)
                        }
                    }
                )*};
            }
            plain_de!(i32, u32, bool);

            struct NumberVisitor;

            impl serde::de::Visitor<'_> for NumberVisitor {
                type Value = f64;
                fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str("a number, or \"NaN\", \"Infinity\", \"-Infinity\"")
                }
                fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<f64, E> {
                    Ok(v)
                }
                fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<f64, E> {
                    Ok(v as f64)
                }
                fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<f64, E> {
                    Ok(v as f64)
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<f64, E> {
                    match v {
                        "NaN" => Ok(f64::NAN),
                        "Infinity" => Ok(f64::INFINITY),
                        "-Infinity" => Ok(f64::NEG_INFINITY),
                        _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                    }
                }
            }

            impl FromJson for f64 {
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    d.deserialize_any(NumberVisitor)
                }
            }

            struct LongVisitor;

            impl serde::de::Visitor<'_> for LongVisitor {
                type Value = i64;
                fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str("a 64-bit integer as a string or a number")
                }
                fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
                    Ok(v)
                }
                fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
                    i64::try_from(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<i64, E> {
                    v.parse().map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }

            impl FromJson for i64 {
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    d.deserialize_any(LongVisitor)
                }
            }

            fn base64_de<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                from_base64(&s).ok_or_else(|| <D::Error as serde::de::Error>::custom("bad base64"))
            }

            impl FromJson for Vec<u8> {
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    base64_de(d)
                }
            }

            impl<const N: usize> FromJson for [u8; N] {
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let v = base64_de(d)?;
                    <[u8; N]>::try_from(v.as_slice())
                        .map_err(|_| <D::Error as serde::de::Error>::invalid_length(v.len(), &"16 or 32 bytes"))
                }
            }

            impl FromJson for #k::TlString {
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    <String as serde::Deserialize>::deserialize(d).map(#k::TlString::from)
                }
            }

            impl<T: FromJson> FromJson for Vec<T> {
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let v = <Vec<JD<T>> as serde::Deserialize>::deserialize(d)?;
                    Ok(v.into_iter().map(|x| x.0).collect())
                }
            }

            impl<T: FromJson> FromJson for Box<T> {
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    T::from_json(d).map(Box::new)
                }
            }

            impl<T: FromJson> FromJson for #k::Bare<T> {
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    T::from_json(d).map(#k::Bare)
                }
            }

            /// Objects read from a JSON map whose `"@type"` may already have been consumed (by an
            /// enum choosing the variant).
            pub trait FromJsonMap: Sized {
                /// Reads the remaining entries.
                fn from_json_map<'de, A: serde::de::MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
            }

            /// A visitor for any [`FromJsonMap`] type.
            pub struct MapVisitor<T>(pub core::marker::PhantomData<T>);

            impl<'de, T: FromJsonMap> serde::de::Visitor<'de> for MapVisitor<T> {
                type Value = T;
                fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str("a TL object with \"@type\"")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                    T::from_json_map(map)
                }
            }

            /// Reads a map with [`FromJsonMap`].
            pub fn from_json_map<'de, T: FromJsonMap, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
                d.deserialize_map(MapVisitor(core::marker::PhantomData))
            }

            /// Checks the `"@type"` of an object against the expected TL name.
            pub fn check_type<E: serde::de::Error>(found: &str, expected: &'static str) -> Result<(), E> {
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
    } else {
        quote!()
    };
    let bytes_impls = if owned {
        quote! {
            impl ToJson for Vec<u8> {
                fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(&base64(self))
                }
            }
        }
    } else {
        quote! {
            impl ToJson for &[u8] {
                fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(&base64(self))
                }
            }

        }
    };
    quote! {
        //! The JSON convention of `tl decode`/`tl encode` (the dynamic codec), for `--serde`.
        use serde::ser::SerializeSeq;

        /// Values writable in the JSON convention.
        pub trait ToJson {
            /// Writes the value.
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
        }

        /// Adapts a [`ToJson`] value to `serde::Serialize`.
        pub struct J<'v, T: ?Sized>(pub &'v T);

        impl<T: ToJson + ?Sized> serde::Serialize for J<'_, T> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.to_json(s)
            }
        }

        impl ToJson for i32 {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i32(*self)
            }
        }

        impl ToJson for u32 {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u32(*self)
            }
        }

        impl ToJson for bool {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bool(*self)
            }
        }

        /// `long` is a string: JSON numbers lose precision past 2^53.
        impl ToJson for i64 {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl ToJson for f64 {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
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
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&base64(self))
            }
        }

        impl ToJson for #k::TlString {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_str_lossy())
            }
        }

        #bytes_impls

        impl ToJson for #k::TlStr<'_> {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_str_lossy())
            }
        }

        impl ToJson for #k::RawObject<'_> {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("@id", &self.id)?;
                m.serialize_entry("@body", &base64(self.body))?;
                m.end()
            }
        }

        impl<T: ToJson> ToJson for Vec<T> {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.len()))?;
                for v in self {
                    seq.serialize_element(&J(v))?;
                }
                seq.end()
            }
        }

        impl<T: ToJson + ?Sized> ToJson for Box<T> {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                (**self).to_json(s)
            }
        }

        impl<T: ToJson> ToJson for #k::Bare<T> {
            fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
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

        #de
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

    /// `ToJson` + `Serialize` (and with `--owned`, `FromJsonMap`, `FromJson`, `Deserialize`).
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
        let (params, args) = self.serde_generics(borrows, def, &quote!(serde::Serialize));
        let entries = fields.iter().filter(|f| !f.ir.is_computed_flags()).map(|f| {
            let (id, key) = (&f.ident, &f.key);
            match (&f.ir.role, f.generic) {
                (_, true) => quote!(m.serialize_entry(#key, &self.#id)?;),
                (Role::Optional { .. }, _) => {
                    quote!(if let Some(v) = &self.#id { m.serialize_entry(#key, &#j::J(v))?; })
                }
                _ => quote!(m.serialize_entry(#key, &#j::J(&self.#id))?;),
            }
        });
        let mut out = quote! {
            impl #params #j::ToJson for #ident #args {
                fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    use serde::ser::SerializeMap;
                    let mut m = s.serialize_map(None)?;
                    m.serialize_entry("@type", #tl_name)?;
                    #(#entries)*
                    m.end()
                }
            }
            impl #params serde::Serialize for #ident #args {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    #j::ToJson::to_json(self, s)
                }
            }
        };
        if !self.options.owned {
            return out;
        }
        let (params, args) = self.serde_generics(false, def, &quote!(serde::de::DeserializeOwned));
        let params_inner = crate::graph::generic_names(def).into_iter().map(|g| {
            let id = ident::ident(&g);
            quote!(#id: serde::de::DeserializeOwned)
        });
        let stored: Vec<&FieldSpec> = fields.iter().filter(|f| !f.ir.is_computed_flags()).collect();
        let locals: Vec<Ident> =
            (0..stored.len()).map(|i| Ident::new(&format!("__v{i}"), Span::call_site())).collect();
        let decls = stored.iter().zip(&locals).map(|(f, l)| {
            let ty = if f.generic { f.rust_ty.clone() } else { f.ir.ty.clone() };
            quote!(let mut #l: Option<#ty> = None;)
        });
        let arms = stored.iter().zip(&locals).map(|(f, l)| {
            let (key, ty) = (&f.key, &f.ir.ty);
            if f.generic {
                quote!(#key => #l = Some(map.next_value()?),)
            } else {
                quote!(#key => #l = Some(map.next_value::<#j::JD<#ty>>()?.0),)
            }
        });
        let inits = stored.iter().zip(&locals).map(|(f, l)| {
            let (id, key) = (&f.ident, &f.key);
            match f.ir.role {
                Role::Optional { .. } => quote!(#id: #l,),
                Role::TrueFlag { .. } => quote!(#id: #l.unwrap_or(false),),
                _ => quote!(#id: #l.ok_or_else(|| <A::Error as serde::de::Error>::missing_field(#key))?,),
            }
        });
        let value = if fields.is_empty() { quote!(Self) } else { quote!(Self { #(#inits)* }) };
        out.extend(quote! {
            impl #params #j::FromJsonMap for #ident #args {
                fn from_json_map<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
                    #(#decls)*
                    while let Some(key) = map.next_key::<String>()? {
                        match key.as_str() {
                            "@type" => #j::check_type(&map.next_value::<String>()?, #tl_name)?,
                            #(#arms)*
                            _ => return Err(<A::Error as serde::de::Error>::custom(format_args!(
                                "`{}` has no field `{key}`", #tl_name))),
                        }
                    }
                    Ok(#value)
                }
            }
            impl #params #j::FromJson for #ident #args {
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    #j::from_json_map(d)
                }
            }
            impl<'de, #(#params_inner),*> serde::Deserialize<'de> for #ident #args {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    #j::from_json_map(d)
                }
            }
        });
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
                fn to_json<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    match self { #(Self::#vnames(v) => #j::ToJson::to_json(v, s),)* }
                }
            }
            impl #gen serde::Serialize for #ident #gen {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    #j::ToJson::to_json(self, s)
                }
            }
        };
        if !self.options.owned {
            return out;
        }
        let arms = t.constructors.iter().zip(&vnames).map(|(&ci, v)| {
            let def = self.graph.constructors[ci];
            let (cns, cname) = &self.names.constructors[ci];
            let path = self.path(depth, "types", cns, cname);
            let name = def.name.as_ref();
            let read = quote!(<#path as #j::FromJsonMap>::from_json_map(map)?);
            if self.boxed.contains(&ci) {
                quote!(#name => Self::#v(Box::new(#read)),)
            } else {
                quote!(#name => Self::#v(#read),)
            }
        });
        let tname = t.name.as_str();
        out.extend(quote! {
            impl #j::FromJsonMap for #ident {
                fn from_json_map<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
                    if map.next_key::<String>()?.as_deref() != Some("@type") {
                        return Err(<A::Error as serde::de::Error>::custom("\"@type\" must come first"));
                    }
                    let t = map.next_value::<String>()?;
                    Ok(match t.as_str() {
                        #(#arms)*
                        _ => return Err(<A::Error as serde::de::Error>::custom(format_args!(
                            "`{t}` is not a constructor of `{}`", #tname))),
                    })
                }
            }
            impl #j::FromJson for #ident {
                fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    #j::from_json_map(d)
                }
            }
            impl<'de> serde::Deserialize<'de> for #ident {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    #j::from_json_map(d)
                }
            }
        });
        out
    }
}
