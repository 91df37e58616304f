//! Emits `Decode`, `DecodeBare` and `Identifiable` impls.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use super::check::{resolve_flags, EmitError};
use super::fields::{binding, construct, flags_local, id_literal, word_bits};
use super::generics::{bare_params, boxed_params, header, phantom_params, Bound};
use super::ir::{Codec, Constructor, Role, Shape, TypeDef, Variant, VariantKind};

/// One value, unwrapped: `ok_or_return!(call)`.
fn value_decode(k: &TokenStream, tl: &TokenStream, ty: &TokenStream, codec: &Codec) -> TokenStream {
    let call = value_call(k, tl, ty, codec);
    quote!(#k::ok_or_return!(#call))
}

/// The call that decodes one value (a `Result`). The function it calls carries the span of
/// the field's type, so that what the compiler finds wrong with it (a lifetime that the input
/// cannot outlive) is shown at the field rather than at the whole derive. The reader `__r`
/// keeps the derive's own span: given the field's, it would not resolve when the field comes
/// from a `macro_rules!` body (hygiene).
fn value_call(k: &TokenStream, tl: &TokenStream, ty: &TokenStream, codec: &Codec) -> TokenStream {
    let span = type_span(ty);
    match codec {
        Codec::Boxed => {
            let f = quote_spanned!(span=> <#ty as #k::Decode<#tl>>::decode);
            quote!(#f(__r))
        }
        Codec::Bare => {
            let f = quote_spanned!(span=> <#ty as #k::DecodeBare<#tl>>::decode_bare);
            let id = quote_spanned!(span=> <#ty as #k::Identifiable>::CONSTRUCTOR_ID);
            quote!(#f(#id, __r))
        }
        Codec::With(path) => quote!(#path::decode(__r)),
    }
}

/// The span of the first token of a field's type: where errors about its decoding point.
fn type_span(ty: &TokenStream) -> Span {
    ty.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span())
}

fn value_min_size(k: &TokenStream, tl: &TokenStream, ty: &TokenStream, codec: &Codec) -> TokenStream {
    let span = type_span(ty);
    match codec {
        Codec::Boxed => quote_spanned!(span=> <#ty as #k::Decode<#tl>>::MIN_SIZE),
        // The boxed lower bound counts the id that the bare form lacks.
        Codec::Bare => quote_spanned!(span=> <#ty as #k::Decode<#tl>>::MIN_SIZE.saturating_sub(4)),
        Codec::With(_) => quote!(0usize),
    }
}

/// `let` statements reading the constructor's fields (no id) into `__fN`.
fn fields_decode(
    k: &TokenStream,
    tl: &TokenStream,
    ctor: &Constructor,
) -> Result<TokenStream, Vec<EmitError>> {
    let owners = resolve_flags(&ctor.fields)?;
    let mut stmts = Vec::new();
    for (i, f) in ctor.fields.iter().enumerate() {
        let b = binding(i);
        let ty = &f.ty;
        match &f.role {
            Role::Value(codec) => {
                let dec = value_decode(k, tl, ty, codec);
                stmts.push(quote!(let #b = #dec;));
            }
            Role::Flags => {
                let local = flags_local(i);
                let known = word_bits(ctor, &owners, i);
                let keep = if f.is_computed_flags() {
                    quote!()
                } else {
                    quote!(let #b = <#ty as #k::FlagsWord>::from_wire(#local);)
                };
                stmts.push(quote! {
                    let #local: u32 = #k::ok_or_return!(#k::Reader::read_u32(__r));
                    #k::ok_or_return!(#k::Reader::check_flags(__r, #local, #known));
                    #keep
                });
            }
            // The whole value is data: no bit is unknown.
            Role::ModeWord => {
                let local = flags_local(i);
                stmts.push(quote! {
                    let #local: u32 = #k::ok_or_return!(#k::Reader::read_u32(__r));
                    let #b = #local;
                });
            }
            Role::Optional { bit, codec, .. } => {
                let local = flags_local(owners[i].unwrap_or_default());
                // `Some(call?)`, not a `match` like other fields: with the `match` (either
                // way round), LLVM copies a large present value once more, through `memcpy`.
                let call = value_call(k, tl, ty, codec);
                stmts.push(quote! {
                    let #b = if #local & (1u32 << #bit) != 0 {
                        ::core::option::Option::Some(#call?)
                    } else {
                        ::core::option::Option::None
                    };
                });
            }
            Role::TrueFlag { bit, .. } => {
                let local = flags_local(owners[i].unwrap_or_default());
                stmts.push(quote!(let #b = #local & (1u32 << #bit) != 0;));
            }
        }
    }
    Ok(quote!(#(#stmts)*))
}

fn fields_min_size(k: &TokenStream, tl: &TokenStream, ctor: &Constructor) -> TokenStream {
    let terms = ctor.fields.iter().filter_map(|f| match &f.role {
        Role::Value(codec) => Some(value_min_size(k, tl, &f.ty, codec)),
        Role::Flags | Role::ModeWord => Some(quote!(4usize)),
        Role::Optional { .. } | Role::TrueFlag { .. } => None,
    });
    quote!(0usize #(+ #terms)*)
}

/// `Decode` for structs without ids; `DecodeBare` (which tl-codec's blanket impl makes
/// `Decode`) and `Identifiable` for structs with ids; `DecodeBare` for enums.
pub fn decode_impls(def: &TypeDef) -> Result<TokenStream, Vec<EmitError>> {
    let k = &def.krate;
    let name = &def.ident;
    let expected = def.name.as_str();
    let h =
        header(&def.generics, Bound::Decode, k, &bare_params(def), &boxed_params(def), &phantom_params(def));
    let tl = h.input.clone();
    let (enter, leave) = if def.depth_guard {
        (quote!(#k::ok_or_return!(#k::Reader::enter(__r));), quote!(#k::Reader::leave(__r);))
    } else {
        (quote!(), quote!())
    };
    let (params, args, wh) = (&h.params, &h.args, &h.where_clause);
    let mut out = TokenStream::new();
    match &def.shape {
        Shape::Struct(ctor) => {
            let body = fields_decode(k, &tl, ctor)?;
            let value = construct(&quote!(Self), ctor);
            let min = fields_min_size(k, &tl, ctor);
            match ctor.id {
                None => out.extend(quote! {
                    #[automatically_derived]
                    impl #params #k::Decode<#tl> for #name #args #wh {
                        const MIN_SIZE: usize = #min;

                        #[inline]
                        fn decode(__r: &mut #k::Reader<#tl>) -> #k::Result<Self> {
                            #enter
                            #body
                            #leave
                            ::core::result::Result::Ok(#value)
                        }
                    }
                }),
                Some(id) => {
                    out.extend(identifiable_impl(def));
                    let id = id_literal(id);
                    // `Decode` comes from tl-codec's blanket impl over `DecodeBare`.
                    out.extend(quote! {
                        #[automatically_derived]
                        impl #params #k::DecodeBare<#tl> for #name #args #wh {
                            const MIN_BARE_SIZE: usize = #min;

                            #[inline]
                            fn decode_bare(__id: u32, __r: &mut #k::Reader<#tl>) -> #k::Result<Self> {
                                if __id != #id {
                                    return ::core::result::Result::Err(#k::Reader::unknown_constructor(__r, __id, #expected));
                                }
                                #enter
                                #body
                                #leave
                                ::core::result::Result::Ok(#value)
                            }
                        }
                    });
                }
            }
        }
        Shape::Enum(variants) => {
            let (ids_item, ids_check) = distinct_ids(def, variants, k);
            out.extend(ids_item);
            let mut arms = Vec::new();
            for v in variants {
                let vname = &v.ident;
                match &v.kind {
                    VariantKind::Inline(ctor) => {
                        let id = id_literal(ctor.id.unwrap_or_default());
                        let body = fields_decode(k, &tl, ctor)?;
                        let value = construct(&quote!(Self::#vname), ctor);
                        arms.push(quote!(#id => { #body #value }));
                    }
                    VariantKind::DelegateWithId { ty, id } => {
                        let id = id_literal(*id);
                        arms.push(quote! {
                            #id => Self::#vname(#k::ok_or_return!(<#ty as #k::DecodeBare<#tl>>::decode_bare(__id, __r))),
                        });
                    }
                    VariantKind::Delegate { ty } => arms.push(quote! {
                        __id if __id == <#ty as #k::Identifiable>::CONSTRUCTOR_ID => {
                            Self::#vname(#k::ok_or_return!(<#ty as #k::DecodeBare<#tl>>::decode_bare(__id, __r)))
                        }
                    }),
                }
            }
            // Enums of wrapped structs (the generated bindings) also decode in place: a vector
            // of them then writes each large variant once, where `decode` would return it in a
            // `Result` to be moved again. Inline variants would need their fields' code twice.
            let in_place = variants.iter().all(|v| !matches!(v.kind, VariantKind::Inline(_)));
            // Both decoders dispatch on the id read, each arm making the value its own way.
            let dispatch = |arms: TokenStream| {
                quote! {
                    #ids_check
                    #enter
                    let __value = match __id {
                        #arms
                        _ => return ::core::result::Result::Err(#k::Reader::unknown_constructor(__r, __id, #expected)),
                    };
                    #leave
                    ::core::result::Result::Ok(__value)
                }
            };
            let bare_into = if in_place {
                let slot = quote!(&'__s mut ::core::mem::MaybeUninit<Self>);
                let into_arms = variants.iter().map(|v| {
                    let vname = &v.ident;
                    match &v.kind {
                        VariantKind::DelegateWithId { ty, id } => {
                            let id = id_literal(*id);
                            quote! {
                                #id => __slot.write(Self::#vname(
                                    #k::ok_or_return!(<#ty as #k::DecodeBare<#tl>>::decode_bare(__id, __r)))),
                            }
                        }
                        VariantKind::Delegate { ty } => quote! {
                            __id if __id == <#ty as #k::Identifiable>::CONSTRUCTOR_ID => {
                                __slot.write(Self::#vname(#k::ok_or_return!(<#ty as #k::DecodeBare<#tl>>::decode_bare(__id, __r))))
                            }
                        },
                        VariantKind::Inline(_) => quote!(),
                    }
                });
                let body = dispatch(quote!(#(#into_arms)*));
                quote! {
                    #[inline]
                    fn decode_bare_into<'__s>(
                        __id: u32,
                        __r: &mut #k::Reader<#tl>,
                        __slot: #slot,
                    ) -> #k::Result<&'__s mut Self> {
                        #body
                    }
                }
            } else {
                quote!()
            };
            // `Decode` (with `decode_into` through `decode_bare_into`) comes from tl-codec's
            // blanket impl over `DecodeBare`.
            let body = dispatch(quote!(#(#arms)*));
            out.extend(quote! {
                #[automatically_derived]
                impl #params #k::DecodeBare<#tl> for #name #args #wh {
                    #[inline]
                    fn decode_bare(__id: u32, __r: &mut #k::Reader<#tl>) -> #k::Result<Self> {
                        #body
                    }

                    #bare_into
                }
            });
        }
    }
    Ok(out)
}

/// `Identifiable` for a struct with an id (empty for enums and bare structs, which have no one
/// id). [`decode_impls`] includes it; a type that only encodes can have it alone.
pub fn identifiable_impl(def: &TypeDef) -> TokenStream {
    let Shape::Struct(Constructor { id: Some(id), .. }) = &def.shape else { return TokenStream::new() };
    let (k, name, id) = (&def.krate, &def.ident, id_literal(*id));
    let plain = header(&def.generics, Bound::Plain, k, &[], &[], &[]);
    let (pp, pa, pw) = (&plain.params, &plain.args, &plain.where_clause);
    quote! {
        #[automatically_derived]
        impl #pp #k::Identifiable for #name #pa #pw {
            const CONSTRUCTOR_ID: u32 = #id;
        }
    }
}

/// A variant that wraps a type (`V(T)`) takes its id from `T`, which the derive cannot see, so
/// two variants could share an id: decoding would then always give the first, silently. This
/// makes that a compile-time error naming both variants: a `const _` for an enum without
/// generics, and otherwise a `const` block in the decoders (checked once they are
/// instantiated). Empty when every id is written out (the macro compares those itself).
fn distinct_ids(def: &TypeDef, variants: &[Variant], k: &TokenStream) -> (TokenStream, TokenStream) {
    let wraps = |v: &Variant| matches!(v.kind, VariantKind::Delegate { .. });
    if !variants.iter().any(wraps) {
        return (quote!(), quote!());
    }
    let id_of = |v: &Variant| match &v.kind {
        VariantKind::Inline(ctor) => id_literal(ctor.id.unwrap_or_default()),
        VariantKind::DelegateWithId { id, .. } => id_literal(*id),
        VariantKind::Delegate { ty } => quote!(<#ty as #k::Identifiable>::CONSTRUCTOR_ID),
    };
    let mut checks = Vec::new();
    for (i, a) in variants.iter().enumerate() {
        for b in variants[i + 1..].iter().filter(|b| wraps(a) || wraps(b)) {
            let (ia, ib) = (id_of(a), id_of(b));
            let message = format!(
                "variants `{}` and `{}` of `{}` have the same constructor id: decoding could not tell them apart",
                a.ident, b.ident, def.ident
            );
            checks.push(quote!(if #ia == #ib { ::core::panic!(#message) }));
        }
    }
    if def.generics.params.is_empty() {
        (quote!(const _: () = { #(#checks)* };), quote!())
    } else {
        (quote!(), quote!(const { #(#checks)* };))
    }
}
