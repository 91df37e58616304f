//! Stand-in impls for a derive that failed.
//!
//! A derive that reports an error and emits nothing else leaves the type without the traits,
//! so every use of it (a field of another TL type, `to_bytes(&value)`) adds an error of its
//! own, "has no TL encoding", burying the one that matters. Beside the error, a failed derive
//! therefore implements what it would have, with bodies that never run (the crate does not
//! build), so the rest of the crate type-checks as if it had succeeded.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::{Data, DeriveInput, GenericParam, Lifetime, LifetimeParam, Path};

/// Which derive failed.
#[derive(Clone, Copy)]
pub enum Derive {
    Encode,
    Decode,
}

/// What the stand-ins need from the container attributes, read leniently (they may be what
/// failed): the `crate` path and whether the type has ids.
struct Lenient {
    krate: Option<Path>,
    has_id: bool,
}

/// Reads `#[tl(...)]` on the container without judging it. `None` when even that fails: then
/// the `crate` path is unknown, and a stand-in naming the wrong one would add an error.
fn lenient_attrs(input: &DeriveInput) -> Option<Lenient> {
    let mut out = Lenient { krate: None, has_id: matches!(input.data, Data::Enum(_)) };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("tl")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                out.krate = Some(crate::attrs::parse_path_value(&meta)?);
            } else {
                if meta.path.is_ident("id") || meta.path.is_ident("decl") {
                    out.has_id = true;
                }
                // Whatever the value (an expression, a type such as `returns = Vec<T<'r>>`, or
                // something broken), skip it to the next comma.
                meta.input.step(|cursor| {
                    let mut rest = *cursor;
                    while let Some((tt, next)) = rest.token_tree() {
                        if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                            break;
                        }
                        rest = next;
                    }
                    Ok(((), rest))
                })?;
            }
            Ok(())
        })
        .ok()?;
    }
    Some(out)
}

/// The impls `derive` would have written for `input`, with unreachable bodies; nothing when
/// the attributes cannot even be read.
pub fn stand_in(input: &DeriveInput, derive: Derive) -> TokenStream {
    let Some(attrs) = lenient_attrs(input) else { return TokenStream::new() };
    let k = attrs.krate.map_or_else(|| quote!(::tl_codec), |p| p.to_token_stream());
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let never = quote!(::core::unreachable!("the derive failed"));
    match derive {
        Derive::Encode if attrs.has_id => quote! {
            #[automatically_derived]
            impl #impl_generics #k::EncodeBare for #ident #ty_generics #where_clause {
                fn constructor_id(&self) -> u32 { #never }
                fn encode_form<O: #k::Output + ?Sized, const BOXED: bool>(&self, _: &mut O) { #never }
            }
        },
        Derive::Encode => quote! {
            #[automatically_derived]
            impl #impl_generics #k::Encode for #ident #ty_generics #where_clause {
                fn encoded_len(&self) -> usize { #never }
                fn encode<O: #k::Output + ?Sized>(&self, _: &mut O) { #never }
            }
        },
        Derive::Decode => {
            let tl = Lifetime { apostrophe: Span::call_site(), ident: crate::lower::input_lifetime(input) };
            let mut generics = input.generics.clone();
            generics.params.insert(0, GenericParam::Lifetime(LifetimeParam::new(tl.clone())));
            let (impl_generics, _, _) = generics.split_for_impl();
            if !attrs.has_id {
                return quote! {
                    #[automatically_derived]
                    impl #impl_generics #k::Decode<#tl> for #ident #ty_generics #where_clause {
                        fn decode(_: &mut #k::Reader<#tl>) -> #k::Result<Self> { #never }
                    }
                };
            }
            let (plain_impl_generics, _, _) = input.generics.split_for_impl();
            // A struct with an id gets `Identifiable` from `Decode`, as a successful one would.
            let identifiable = matches!(input.data, Data::Struct(_)).then(|| {
                quote! {
                    #[automatically_derived]
                    impl #plain_impl_generics #k::Identifiable for #ident #ty_generics #where_clause {
                        const CONSTRUCTOR_ID: u32 = 0;
                    }
                }
            });
            quote! {
                #[automatically_derived]
                impl #impl_generics #k::DecodeBare<#tl> for #ident #ty_generics #where_clause {
                    fn decode_bare(_: u32, _: &mut #k::Reader<#tl>) -> #k::Result<Self> { #never }
                }
                #identifiable
            }
        }
    }
}
