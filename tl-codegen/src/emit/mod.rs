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

#[cfg(feature = "generator")]
pub(crate) use check::resolve_flags;
pub use check::{check, EmitError};
pub use decode::{decode_impls, identifiable_impl};
pub use encode::encode_impls;
#[cfg(feature = "generator")]
pub(crate) use fields::shared_bits;
pub use ir::*;

/// Checks `def` and emits both the encoding and decoding impls.
pub fn emit(def: &TypeDef) -> Result<TokenStream, Vec<EmitError>> {
    check(def)?;
    let mut out = encode_impls(def)?;
    out.extend(decode_impls(def)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Ident, Span};
    use quote::quote;

    use super::*;

    fn ident(s: &str) -> Ident {
        Ident::new(s, Span::call_site())
    }

    fn field(name: &str, ty: TokenStream, role: Role) -> Field {
        Field { ident: Some(ident(name)), ty, role, span: Span::call_site() }
    }

    fn ctor(id: Option<u32>, fields: Vec<Field>) -> Constructor {
        Constructor { id, style: if fields.is_empty() { Style::Unit } else { Style::Named }, fields }
    }

    fn flat(ts: &TokenStream) -> String {
        ts.to_string().split_whitespace().collect()
    }

    #[test]
    fn struct_with_flags_and_lifetime() {
        let mut def = TypeDef::new(
            ident("Msg"),
            Shape::Struct(ctor(
                Some(0xdeadbeef),
                vec![
                    field("flags", quote!(()), Role::Flags),
                    field("silent", quote!(bool), Role::TrueFlag { flags: None, bit: 5 }),
                    field(
                        "text",
                        quote!(&'a [u8]),
                        Role::Optional { flags: None, bit: 1, codec: Codec::Boxed },
                    ),
                ],
            )),
        );
        def.generics.params.push(GenericParam::Lifetime { name: ident("a"), bounds: TokenStream::new() });
        let out = flat(&emit(&def).unwrap());
        assert!(out.contains("impl<'a>::tl_codec::EncodeBarefor Msg<'a>".replace(' ', "").as_str()), "{out}");
        // Its one lifetime is the input's: no second lifetime, no region bound.
        assert!(out.contains("impl<'a>::tl_codec::DecodeBare<'a>forMsg<'a>{"), "{out}");
        assert!(out.contains("0xdeadbeef"));
        // The flags word starts from the `true` flag, is written as a placeholder beside the
        // id (one reservation), gains the optional field's bit as that field is written,
        // and is patched in at the end.
        assert!(out.contains("letmut__flags0:u32=0u32|if*__f1{1u32<<5u32}else{0u32};"), "{out}");
        assert!(out.contains("Run::new(__out,if__ID{4usize}else{0usize}+0usize+4usize)"), "{out}");
        assert!(out.contains("Some(__v)=__f2{__flags0|=1u32<<1u32;"), "{out}");
        assert!(out.contains("Output::patch_u32(__out,__at0,__flags0);"), "{out}");
        // And the decoder checks the known bits (1 and 5) when asked to.
        assert!(out.contains(&format!("check_flags(__r,__flags0,{}u32)", (1u32 << 1) | (1 << 5))), "{out}");
    }

    #[test]
    fn shared_bits_per_flags_word() {
        let opt = |flags: &str, bit| Role::Optional { flags: Some(flags.into()), bit, codec: Codec::Boxed };
        let yes = |flags: &str, bit| Role::TrueFlag { flags: Some(flags.into()), bit };
        let fields = vec![
            field("flags", quote!(()), Role::Flags),
            field("a", quote!(i32), opt("flags", 0)),
            field("t", quote!(bool), yes("flags", 0)),
            field("b", quote!(i32), opt("flags", 0)),
            field("flags2", quote!(()), Role::Flags),
            // The same bit number in another word is another bit.
            field("c", quote!(i32), opt("flags2", 0)),
            // A value alone, and `true` flags alone, share nothing.
            field("d", quote!(i32), opt("flags", 1)),
            field("u", quote!(bool), yes("flags", 2)),
            field("v", quote!(bool), yes("flags", 2)),
            // One value and one `true` flag do.
            field("w", quote!(bool), yes("flags2", 3)),
            field("e", quote!(i32), opt("flags2", 3)),
        ];
        let owners = check::resolve_flags(&fields).unwrap();
        let groups = fields::shared_bits(&fields, &owners);
        let group = |flags, bit, values: &[usize], trues: &[usize]| fields::SharedBit {
            flags,
            bit,
            values: values.to_vec(),
            trues: trues.to_vec(),
        };
        assert_eq!(groups, vec![group(0, 0, &[1, 3], &[2]), group(4, 3, &[10], &[9])]);
    }

    #[test]
    fn enum_with_delegate_variant() {
        let def = TypeDef::new(
            ident("Peer"),
            Shape::Enum(vec![
                Variant {
                    ident: ident("Empty"),
                    kind: VariantKind::Inline(ctor(Some(1), vec![])),
                    span: Span::call_site(),
                },
                Variant {
                    ident: ident("User"),
                    kind: VariantKind::Delegate { ty: quote!(UserPeer) },
                    span: Span::call_site(),
                },
            ]),
        );
        let out = flat(&emit(&def).unwrap());
        assert!(out.contains("__idif__id==<UserPeeras::tl_codec::Identifiable>::CONSTRUCTOR_ID"), "{out}");
        assert!(out.contains("unknown_constructor"));
    }

    #[test]
    fn delegate_with_known_id_dispatches_on_a_literal() {
        let def = TypeDef::new(
            ident("Peer"),
            Shape::Enum(vec![Variant {
                ident: ident("User"),
                kind: VariantKind::DelegateWithId { ty: quote!(Box<UserPeer>), id: 0xdde8a54c },
                span: Span::call_site(),
            }]),
        );
        let out = flat(&emit(&def).unwrap());
        assert!(
            out.contains("0xdde8a54c=>Self::User(::tl_codec::ok_or_return!(<Box<UserPeer>as::tl_codec::DecodeBare<'__tl>>::decode_bare(__id,__r)))"),
            "{out}"
        );
    }

    #[test]
    fn two_lifetimes_decode_from_a_separate_input_lifetime() {
        let mut def = TypeDef::new(
            ident("Pair"),
            Shape::Struct(ctor(
                None,
                vec![
                    field("a", quote!(&'a [u8]), Role::Value(Codec::Boxed)),
                    field("b", quote!(&'b [u8]), Role::Value(Codec::Boxed)),
                ],
            )),
        );
        for name in ["a", "b"] {
            def.generics
                .params
                .push(GenericParam::Lifetime { name: ident(name), bounds: TokenStream::new() });
        }
        let out = flat(&emit(&def).unwrap());
        assert!(
            out.contains("impl<'__tl,'a,'b>::tl_codec::Decode<'__tl>forPair<'a,'b>where'__tl:'a,'__tl:'b"),
            "{out}"
        );
    }

    #[test]
    fn the_input_lifetime_may_be_named() {
        let mut def = TypeDef::new(
            ident("Pong"),
            Shape::Struct(ctor(Some(1), vec![field("x", quote!(i64), Role::Value(Codec::Boxed))])),
        );
        def.generics.input_lifetime = Some(ident("tl"));
        let out = flat(&emit(&def).unwrap());
        assert!(out.contains("impl<'tl>::tl_codec::DecodeBare<'tl>forPong{"), "{out}");
        assert!(!out.contains("__tl"), "{out}");
    }

    #[test]
    fn parameter_bounds_follow_what_goes_on_the_wire() {
        let mut def = TypeDef::new(
            ident("Holder"),
            Shape::Struct(ctor(
                Some(1),
                vec![
                    field("inner", quote!(Box<T>), Role::Value(Codec::Bare)),
                    field("marker", quote!(PhantomData<fn(U) -> (U, T)>), Role::Value(Codec::Boxed)),
                ],
            )),
        );
        for name in ["T", "U"] {
            def.generics.params.push(GenericParam::Type { name: ident(name), bounds: TokenStream::new() });
        }
        let out = flat(&emit(&def).unwrap());
        // `Box<T>` written bare: `T` gets the bare bounds; encoders need no `Identifiable`.
        assert!(
            out.contains("EncodeBareforHolder<T,U>whereT:::tl_codec::Encode+::tl_codec::EncodeBare{"),
            "{out}"
        );
        assert!(
            out.contains(
                "whereT:::tl_codec::Decode<'__tl>+::tl_codec::DecodeBare<'__tl>+::tl_codec::Identifiable{"
            ),
            "{out}"
        );
        // `U` is only in a `PhantomData` (whose `->` closes nothing): no bounds.
        assert!(!out.contains("U:"), "{out}");
        assert!(flat(&identifiable_impl(&def)).contains("impl<T,U>::tl_codec::IdentifiableforHolder<T,U>{"));
    }

    #[test]
    fn checks_report_every_problem() {
        let def = TypeDef::new(
            ident("Bad"),
            Shape::Enum(vec![
                Variant {
                    ident: ident("A"),
                    kind: VariantKind::Inline(ctor(None, vec![])),
                    span: Span::call_site(),
                },
                Variant {
                    ident: ident("B"),
                    kind: VariantKind::Inline(ctor(Some(7), vec![])),
                    span: Span::call_site(),
                },
                Variant {
                    ident: ident("C"),
                    kind: VariantKind::Inline(ctor(
                        Some(7),
                        vec![field(
                            "x",
                            quote!(i32),
                            Role::Optional { flags: None, bit: 40, codec: Codec::Boxed },
                        )],
                    )),
                    span: Span::call_site(),
                },
            ]),
        );
        let errors = check(&def).unwrap_err();
        let messages: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(errors.len(), 4, "{messages:?}");
        assert!(messages[0].contains("needs a constructor id"));
        assert!(messages[1].contains("already used by variant `B`"));
        assert!(messages[2].contains("does not fit"));
        assert!(messages[3].contains("without a `#[tl(flags)]` field"));
        assert!(emit(&TypeDef::new(ident("Empty"), Shape::Enum(vec![]))).is_err());
    }

    #[test]
    fn bare_struct_has_no_id_impls() {
        let def = TypeDef::new(
            ident("P"),
            Shape::Struct(ctor(None, vec![field("x", quote!(i32), Role::Value(Codec::Bare))])),
        );
        let out = flat(&emit(&def).unwrap());
        assert!(!out.contains("EncodeBarefor") && !out.contains("Identifiablefor"), "{out}");
        assert!(out.contains("::tl_codec::encode_bare_form::<i32,_>(__f0,__out)"), "{out}");
    }
}
