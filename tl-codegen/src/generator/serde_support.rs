//! `--serde`: JSON in the convention of the dynamic codec ([`crate::dynamic`]), written as plain
//! impls rather than `#[derive]`s because the convention is not serde's default: `"@type"`
//! tags on every object, `long` as strings, `bytes`/int128/int256 as base64, flags words left
//! out, `true` flags as booleans, absent optionals omitted.
//!
//! Every generated type gets `Serialize`; with `--owned` also `Deserialize` (borrowed types
//! cannot deserialize `bytes`, which need base64 decoding). Deserializing an enum needs its
//! `"@type"` first, which is how the dynamic codec and TDLib write it.

use proc_macro2::TokenStream;
use quote::quote;

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
