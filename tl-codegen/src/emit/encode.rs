//! Emits `Encode`, `EncodeBare` and `Function` impls.

use proc_macro2::TokenStream;
use quote::quote;

use super::check::{resolve_flags, EmitError};
use super::fields::{binding, flags_local, id_literal, pattern};
use super::generics::{header, Bound};
use super::ir::{Codec, Constructor, Role, Shape, TypeDef, VariantKind};

fn value_len(k: &TokenStream, ty: &TokenStream, codec: &Codec, v: &TokenStream) -> TokenStream {
    match codec {
        Codec::Boxed => quote!(<#ty as #k::Encode>::encoded_len(#v)),
        Codec::Bare => quote!(<#ty as #k::EncodeBare>::encoded_len_bare(#v)),
        Codec::With(path) => quote!(#path::encoded_len(#v)),
    }
}

fn value_encode(k: &TokenStream, ty: &TokenStream, codec: &Codec, v: &TokenStream) -> TokenStream {
    match codec {
        Codec::Boxed => quote!(<#ty as #k::Encode>::encode(#v, __out);),
        Codec::Bare => quote!(<#ty as #k::EncodeBare>::encode_bare(#v, __out);),
        Codec::With(path) => quote!(#path::encode(#v, __out);),
    }
}

/// The size of the constructor's fields (no id), with fields bound by `pattern`.
fn fields_len(k: &TokenStream, ctor: &Constructor) -> TokenStream {
    let terms = ctor.fields.iter().enumerate().filter_map(|(i, f)| {
        let b = binding(i);
        match &f.role {
            Role::Value(codec) => Some(value_len(k, &f.ty, codec, &quote!(#b))),
            Role::Flags => Some(quote!(4usize)),
            Role::Optional { codec, .. } => {
                let len = value_len(k, &f.ty, codec, &quote!(__v));
                Some(quote!(match #b { ::core::option::Option::Some(__v) => #len, ::core::option::Option::None => 0usize }))
            }
            Role::TrueFlag { .. } => None,
        }
    });
    quote!(0usize #(+ #terms)*)
}

/// Statements writing the constructor's fields (no id), flags words recomputed.
fn fields_encode(k: &TokenStream, ctor: &Constructor) -> Result<TokenStream, Vec<EmitError>> {
    let owners = resolve_flags(ctor)?;
    let mut stmts = Vec::new();
    for (i, f) in ctor.fields.iter().enumerate() {
        let b = binding(i);
        match &f.role {
            Role::Value(codec) => stmts.push(value_encode(k, &f.ty, codec, &quote!(#b))),
            Role::Flags => {
                let local = flags_local(i);
                let bits = ctor.fields.iter().enumerate().filter(|(j, _)| owners[*j] == Some(i)).map(|(j, g)| {
                    let gb = binding(j);
                    match &g.role {
                        Role::Optional { bit, .. } => {
                            quote!(| if ::core::option::Option::is_some(#gb) { 1u32 << #bit } else { 0u32 })
                        }
                        Role::TrueFlag { bit, .. } => quote!(| if *#gb { 1u32 << #bit } else { 0u32 }),
                        _ => quote!(),
                    }
                });
                stmts.push(quote! {
                    let #local: u32 = 0u32 #(#bits)*;
                    #k::Output::put_u32(__out, #local);
                });
            }
            Role::Optional { codec, .. } => {
                let enc = value_encode(k, &f.ty, codec, &quote!(__v));
                stmts.push(quote!(if let ::core::option::Option::Some(__v) = #b { #enc }));
            }
            Role::TrueFlag { .. } => {}
        }
    }
    Ok(quote!(#(#stmts)*))
}

/// `Encode` (and `EncodeBare` for types with ids, `Function` with `returns`).
pub fn encode_impls(def: &TypeDef) -> Result<TokenStream, Vec<EmitError>> {
    let k = &def.krate;
    let name = &def.ident;
    let h = header(&def.generics, Bound::Encode, k);
    let (params, args, wh) = (&h.params, &h.args, &h.where_clause);
    let mut out = TokenStream::new();
    match &def.shape {
        Shape::Struct(ctor) => {
            let pat = pattern(&quote!(Self), ctor);
            let len = fields_len(k, ctor);
            let enc = fields_encode(k, ctor)?;
            match ctor.id {
                None => out.extend(quote! {
                    #[automatically_derived]
                    impl #params #k::Encode for #name #args #wh {
                        #[inline]
                        fn encoded_len(&self) -> usize {
                            let #pat = self;
                            #len
                        }

                        #[inline]
                        fn encode<__O: #k::Output + ?::core::marker::Sized>(&self, __out: &mut __O) {
                            let #pat = self;
                            #enc
                        }
                    }
                }),
                Some(id) => {
                    let id = id_literal(id);
                    out.extend(quote! {
                        #[automatically_derived]
                        impl #params #k::Encode for #name #args #wh {
                            #[inline]
                            fn encoded_len(&self) -> usize {
                                4usize + <Self as #k::EncodeBare>::encoded_len_bare(self)
                            }

                            #[inline]
                            fn encode<__O: #k::Output + ?::core::marker::Sized>(&self, __out: &mut __O) {
                                #k::Output::put_u32(__out, #id);
                                <Self as #k::EncodeBare>::encode_bare(self, __out);
                            }
                        }

                        #[automatically_derived]
                        impl #params #k::EncodeBare for #name #args #wh {
                            #[inline]
                            fn constructor_id(&self) -> u32 {
                                #id
                            }

                            #[inline]
                            fn encoded_len_bare(&self) -> usize {
                                let #pat = self;
                                #len
                            }

                            #[inline]
                            fn encode_bare<__O: #k::Output + ?::core::marker::Sized>(&self, __out: &mut __O) {
                                let #pat = self;
                                #enc
                            }
                        }
                    });
                }
            }
        }
        Shape::Enum(variants) => {
            let mut id_arms = Vec::new();
            let mut len_arms = Vec::new();
            let mut enc_arms = Vec::new();
            let mut boxed_arms = Vec::new();
            for v in variants {
                let vname = &v.ident;
                match &v.kind {
                    VariantKind::Inline(ctor) => {
                        let pat = pattern(&quote!(Self::#vname), ctor);
                        let id = id_literal(ctor.id.unwrap_or_default());
                        let len = fields_len(k, ctor);
                        let enc = fields_encode(k, ctor)?;
                        id_arms.push(quote!(#pat => #id,));
                        len_arms.push(quote!(#pat => #len,));
                        boxed_arms.push(quote!(#pat => { #k::Output::put_u32(__out, #id); #enc }));
                        enc_arms.push(quote!(#pat => { #enc }));
                    }
                    VariantKind::Delegate { ty } | VariantKind::DelegateWithId { ty, .. } => {
                        id_arms.push(
                            quote!(Self::#vname(__f0) => <#ty as #k::EncodeBare>::constructor_id(__f0),),
                        );
                        len_arms.push(
                            quote!(Self::#vname(__f0) => <#ty as #k::EncodeBare>::encoded_len_bare(__f0),),
                        );
                        enc_arms.push(
                            quote!(Self::#vname(__f0) => <#ty as #k::EncodeBare>::encode_bare(__f0, __out),),
                        );
                        boxed_arms.push(quote!(Self::#vname(__f0) => {
                            #k::Output::put_u32(__out, <#ty as #k::EncodeBare>::constructor_id(__f0));
                            <#ty as #k::EncodeBare>::encode_bare(__f0, __out);
                        }));
                    }
                }
            }
            out.extend(quote! {
                #[automatically_derived]
                impl #params #k::Encode for #name #args #wh {
                    #[inline]
                    fn encoded_len(&self) -> usize {
                        4usize + <Self as #k::EncodeBare>::encoded_len_bare(self)
                    }

                    #[inline]
                    fn encode<__O: #k::Output + ?::core::marker::Sized>(&self, __out: &mut __O) {
                        // One match writes the id and the fields.
                        match self { #(#boxed_arms)* }
                    }
                }

                #[automatically_derived]
                impl #params #k::EncodeBare for #name #args #wh {
                    #[inline]
                    fn constructor_id(&self) -> u32 {
                        match self { #(#id_arms)* }
                    }

                    #[inline]
                    fn encoded_len_bare(&self) -> usize {
                        match self { #(#len_arms)* }
                    }

                    #[inline]
                    fn encode_bare<__O: #k::Output + ?::core::marker::Sized>(&self, __out: &mut __O) {
                        match self { #(#enc_arms)* }
                    }
                }
            });
        }
    }
    if let Some(ret) = &def.returns {
        out.extend(quote! {
            #[automatically_derived]
            impl #params #k::Function for #name #args #wh {
                type Return = #ret;
            }
        });
    }
    Ok(out)
}
