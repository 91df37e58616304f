//! Emits `Encode`, `EncodeBare` and `Function` impls.

use proc_macro2::TokenStream;
use quote::quote;

use super::check::{resolve_flags, EmitError};
use super::fields::{binding, flags_local, id_literal, pattern, shared_bits, word_bits};
use super::generics::{bare_params, boxed_params, header, lifetime, phantom_params, Bound};
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
        // Through `encode_bare_form`, which refuses (at build time) a type of several constructors.
        Codec::Bare => quote!(#k::encode_bare_form::<#ty, _>(#v, __out);),
        Codec::With(path) => quote!(#path::encode(#v, __out);),
    }
}

/// How a constructor's optional fields map onto its flags words, worked out once for both its
/// size and its encoder.
///
/// Fields that share one flag bit go on the wire all together or not at all: a bit set for a
/// value that is left out would make the bytes undecodable, so a group is written only when
/// every value in it is present, and a `true` flag sharing its bit with values is implied by
/// them (as decoding reads it back).
struct FlagLayout {
    /// Per field: the index of the flags field that holds its bit.
    owners: Vec<Option<usize>>,
    /// Per field: for an optional value whose bit other optional values share, the condition
    /// that all of them are present.
    all_present: Vec<Option<TokenStream>>,
    /// Per field: a `true` flag whose bit optional values share.
    implied: Vec<bool>,
}

impl FlagLayout {
    fn new(ctor: &Constructor) -> Result<FlagLayout, Vec<EmitError>> {
        let owners = resolve_flags(&ctor.fields)?;
        let mut all_present = vec![None; ctor.fields.len()];
        let mut implied = vec![false; ctor.fields.len()];
        for group in shared_bits(&ctor.fields, &owners) {
            if group.values.len() > 1 {
                let tests = group.values.iter().map(|&j| {
                    let b = binding(j);
                    quote!(::core::option::Option::is_some(#b))
                });
                let all = quote!(#(#tests)&&*);
                for &i in &group.values {
                    all_present[i] = Some(all.clone());
                }
            }
            for &i in &group.trues {
                implied[i] = true;
            }
        }
        Ok(FlagLayout { owners, all_present, implied })
    }
}

/// The size of the constructor's fields (no id), with fields bound by `pattern`.
fn fields_len(k: &TokenStream, ctor: &Constructor, layout: &FlagLayout) -> TokenStream {
    let terms = ctor.fields.iter().enumerate().filter_map(|(i, f)| {
        let b = binding(i);
        match &f.role {
            Role::Value(codec) => Some(value_len(k, &f.ty, codec, &quote!(#b))),
            Role::Flags | Role::ModeWord => Some(quote!(4usize)),
            Role::Optional { codec, .. } => {
                let len = value_len(k, &f.ty, codec, &quote!(__v));
                Some(match &layout.all_present[i] {
                    Some(all) => quote!(match #b { ::core::option::Option::Some(__v) if #all => #len, _ => 0usize }),
                    None => quote!(match #b { ::core::option::Option::Some(__v) => #len, ::core::option::Option::None => 0usize }),
                })
            }
            Role::TrueFlag { .. } => None,
        }
    });
    quote!(0usize #(+ #terms)*)
}

/// True for the field types with a `FixedLen` impl in `tl-codec`, spelled as both front-ends
/// spell them. A wrong guess cannot write out of bounds: the generated code names
/// `FixedLen`, so a type without it does not compile, and `FixedLen` is what the sizes come
/// from.
fn is_fixed(ty: &TokenStream) -> bool {
    let s: String = ty.to_string().split_whitespace().collect();
    matches!(s.as_str(), "i32" | "u32" | "i64" | "u64" | "f64" | "bool" | "[u8;16]" | "[u8;32]" | "[u8;64]")
}

/// The constructor id an encoder writes before the fields.
#[derive(Clone, Copy)]
enum Lead<'t> {
    /// None: the bare form.
    Bare,
    /// This id when the const generic `__ID` is true (`EncodeBare::encode_form`, the one body
    /// behind both `encode` and `encode_bare`).
    IfBoxed(&'t TokenStream),
}

/// One fixed-width write of a run.
enum RunWrite {
    /// A `u32` local or literal.
    U32(TokenStream),
    /// A flags word's placeholder, whose position goes into the named local.
    Placeholder(TokenStream),
    /// A `FixedLen` field, by binding and type.
    Fixed(TokenStream, TokenStream),
}

/// The local holding the position of flags field `i`'s placeholder.
fn flags_at(i: usize) -> TokenStream {
    let at = quote::format_ident!("__at{}", i);
    quote!(#at)
}

/// Statements writing the constructor's fields, after the id `lead` asks for.
///
/// - A flags word that optional fields depend on is written as a placeholder and patched at
///   the end ([`tl_codec::Output::patch_u32`]): each `Option` is then looked at once, setting
///   its bit as it is written, rather than once for the word and again for the field.
/// - Runs of fixed-width writes (the id, flags words, non-optional `int`/`long`/... fields)
///   share one reservation ([`tl_codec::Run`]); optional and variable-width fields write on
///   their own. Only writes that always happen join a run, so the reservation is exact and
///   an exactly sized buffer never grows.
fn fields_encode(k: &TokenStream, ctor: &Constructor, layout: &FlagLayout, lead: Lead<'_>) -> TokenStream {
    let owners = &layout.owners;
    let mut w = Statements { k, stmts: Vec::new(), pre: Vec::new(), run: Vec::new(), lead };
    let mut patches: Vec<TokenStream> = Vec::new();
    for (i, f) in ctor.fields.iter().enumerate() {
        let b = binding(i);
        match &f.role {
            Role::Value(Codec::Boxed) if is_fixed(&f.ty) => {
                w.run.push(RunWrite::Fixed(quote!(#b), f.ty.clone()))
            }
            Role::Value(codec) => {
                w.flush();
                w.stmts.push(value_encode(k, &f.ty, codec, &quote!(#b)));
            }
            Role::Flags | Role::ModeWord => {
                let local = flags_local(i);
                let owned = |j: &usize| owners[*j] == Some(i);
                // A mode word starts from its field without the bits that fields govern: each
                // of those follows its field, so a set bit always has its value behind it.
                let start = if matches!(f.role, Role::ModeWord) {
                    let kept = id_literal(!word_bits(ctor, owners, i));
                    quote!(*#b & #kept)
                } else {
                    quote!(0u32)
                };
                let true_bits = ctor
                    .fields
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| owned(j) && !layout.implied[*j])
                    .map(|(j, g)| {
                        let gb = binding(j);
                        match &g.role {
                            Role::TrueFlag { bit, .. } => quote!(| if *#gb { 1u32 << #bit } else { 0u32 }),
                            _ => quote!(),
                        }
                    });
                let patched = ctor
                    .fields
                    .iter()
                    .enumerate()
                    .any(|(j, g)| owned(&j) && matches!(g.role, Role::Optional { .. }));
                if patched {
                    let at = flags_at(i);
                    w.pre.push(quote!(let mut #local: u32 = #start #(#true_bits)*;));
                    w.run.push(RunWrite::Placeholder(at.clone()));
                    patches.push(quote!(#k::Output::patch_u32(__out, #at, #local);));
                } else {
                    w.pre.push(quote!(let #local: u32 = #start #(#true_bits)*;));
                    w.run.push(RunWrite::U32(quote!(#local)));
                }
            }
            Role::Optional { codec, bit, .. } => {
                w.flush();
                let enc = value_encode(k, &f.ty, codec, &quote!(__v));
                let set = match owners[i] {
                    Some(o) => {
                        let local = flags_local(o);
                        quote!(#local |= 1u32 << #bit;)
                    }
                    None => quote!(),
                };
                w.stmts.push(match &layout.all_present[i] {
                    Some(all) => {
                        quote!(if let ::core::option::Option::Some(__v) = #b { if #all { #set #enc } })
                    }
                    None => quote!(if let ::core::option::Option::Some(__v) = #b { #set #enc }),
                });
            }
            Role::TrueFlag { .. } => {}
        }
    }
    w.flush();
    let stmts = w.stmts;
    quote!(#(#stmts)* #(#patches)*)
}

/// The statements of an encoder body being built, with the pending run of fixed-width writes.
struct Statements<'t> {
    k: &'t TokenStream,
    stmts: Vec<TokenStream>,
    /// Statements computing values the run writes (flags words), placed before it.
    pre: Vec<TokenStream>,
    run: Vec<RunWrite>,
    /// The id still to write ahead of the first run (taken by the first flush).
    lead: Lead<'t>,
}

impl Statements<'_> {
    /// Emits the pending run: one reservation when it holds more than one write.
    fn flush(&mut self) {
        let k = self.k;
        self.stmts.append(&mut self.pre);
        let cond = match std::mem::replace(&mut self.lead, Lead::Bare) {
            Lead::IfBoxed(id) => Some(id),
            Lead::Bare => None,
        };
        if self.run.is_empty() {
            if let Some(id) = cond {
                self.stmts.push(quote!(if __ID { #k::Output::put_u32(__out, #id); }));
            }
            return;
        }
        if self.run.len() == 1 && cond.is_none() {
            self.stmts.push(match self.run.remove(0) {
                RunWrite::U32(v) => quote!(#k::Output::put_u32(__out, #v);),
                RunWrite::Placeholder(at) => {
                    quote!(let #at = #k::Output::position(__out); #k::Output::put_u32(__out, 0u32);)
                }
                RunWrite::Fixed(b, ty) => quote!(<#ty as #k::Encode>::encode(#b, __out);),
            });
            return;
        }
        let sizes = self.run.iter().map(|w| match w {
            RunWrite::U32(_) | RunWrite::Placeholder(_) => quote!(4usize),
            RunWrite::Fixed(_, ty) => quote!(<#ty as #k::FixedLen>::LEN),
        });
        let size = quote!(0usize #(+ #sizes)*);
        let writes = self.run.drain(..).map(|w| match w {
            RunWrite::U32(v) => quote!(__run.put_u32(#v);),
            RunWrite::Placeholder(at) => quote!(let #at = __run.position(); __run.put_u32(0u32);),
            RunWrite::Fixed(b, ty) => quote!(__run.put_fixed::<#ty>(#b);),
        });
        let (id_len, id_write) = match cond {
            Some(id) => {
                (quote!(if __ID { 4usize } else { 0usize } +), quote!(if __ID { __run.put_u32(#id); }))
            }
            None => (quote!(), quote!()),
        };
        let writes: Vec<TokenStream> = writes.collect();
        self.stmts.push(quote! {
            let mut __run = #k::Run::new(__out, #id_len #size);
            #id_write
            #(#writes)*
        });
    }
}

/// `EncodeBare::encoded_len_bare` with `body`, when a field's `with` module gives a length
/// of its own; otherwise nothing, and the trait's default runs `encode_form` on a counter. A
/// second body per type costs the compiler (83 MiB of peak memory for the full layer) and,
/// inlined, the two compile to the same instructions.
fn own_len(with: bool, body: TokenStream) -> TokenStream {
    if !with {
        return TokenStream::new();
    }
    quote! {
        #[inline]
        fn encoded_len_bare(&self) -> usize {
            #body
        }
    }
}

/// Whether a field of `ctor` is encoded by a `with` module.
fn uses_with(ctor: &Constructor) -> bool {
    ctor.fields.iter().any(|f| {
        matches!(&f.role, Role::Value(Codec::With(_)) | Role::Optional { codec: Codec::With(_), .. })
    })
}

/// `Encode` for types without ids, `EncodeBare` for types with ids (which tl-codec's blanket
/// impl makes `Encode`), and `Function` with `returns`.
pub fn encode_impls(def: &TypeDef) -> Result<TokenStream, Vec<EmitError>> {
    let k = &def.krate;
    let name = &def.ident;
    let h =
        header(&def.generics, Bound::Encode, k, &bare_params(def), &boxed_params(def), &phantom_params(def));
    let (params, args, wh) = (&h.params, &h.args, &h.where_clause);
    let mut out = TokenStream::new();
    match &def.shape {
        Shape::Struct(ctor) => {
            let pat = pattern(&quote!(Self), ctor);
            let layout = FlagLayout::new(ctor)?;
            let len = fields_len(k, ctor, &layout);
            match ctor.id {
                None => {
                    let enc = fields_encode(k, ctor, &layout, Lead::Bare);
                    out.extend(quote! {
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
                    })
                }
                Some(id) => {
                    let id = id_literal(id);
                    // One body for the boxed and the bare form (`EncodeBare::encode_form`), so
                    // that the id joins the first run of fixed-width writes without the fields
                    // being emitted twice.
                    let enc = fields_encode(k, ctor, &layout, Lead::IfBoxed(&id));
                    let len = own_len(
                        uses_with(ctor),
                        quote! {
                            let #pat = self;
                            #len
                        },
                    );
                    // `Encode` comes from tl-codec's blanket impl over `EncodeBare`.
                    out.extend(quote! {
                        #[automatically_derived]
                        impl #params #k::EncodeBare for #name #args #wh {
                            #[inline]
                            fn constructor_id(&self) -> u32 {
                                #id
                            }

                            #len

                            #[inline]
                            fn encode_form<__O: #k::Output + ?::core::marker::Sized, const __ID: bool>(
                                &self,
                                __out: &mut __O,
                            ) {
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
            let mut form_arms = Vec::new();
            let mut with = false;
            for v in variants {
                let vname = &v.ident;
                match &v.kind {
                    VariantKind::Inline(ctor) => {
                        let pat = pattern(&quote!(Self::#vname), ctor);
                        let id = id_literal(ctor.id.unwrap_or_default());
                        let layout = FlagLayout::new(ctor)?;
                        let len = fields_len(k, ctor, &layout);
                        let enc = fields_encode(k, ctor, &layout, Lead::IfBoxed(&id));
                        with |= uses_with(ctor);
                        id_arms.push(quote!(#pat => #id,));
                        len_arms.push(quote!(#pat => #len,));
                        form_arms.push(quote!(#pat => { #enc }));
                    }
                    VariantKind::Delegate { ty } | VariantKind::DelegateWithId { ty, .. } => {
                        id_arms.push(
                            quote!(Self::#vname(__f0) => <#ty as #k::EncodeBare>::constructor_id(__f0),),
                        );
                        len_arms.push(
                            quote!(Self::#vname(__f0) => <#ty as #k::EncodeBare>::encoded_len_bare(__f0),),
                        );
                        form_arms.push(quote!(
                            Self::#vname(__f0) => <#ty as #k::EncodeBare>::encode_form::<__O, __ID>(__f0, __out),
                        ));
                    }
                }
            }
            let len = own_len(with, quote!(match self { #(#len_arms)* }));
            // Written bare, an enum's bytes would not say which variant they are; one variant is
            // one constructor, or as many as the type it wraps.
            let several = match &variants[..] {
                [] => None,
                [one] => match &one.kind {
                    VariantKind::Inline(_) => None,
                    VariantKind::Delegate { ty } | VariantKind::DelegateWithId { ty, .. } => Some(
                        quote!(const SEVERAL_CONSTRUCTORS: bool = <#ty as #k::EncodeBare>::SEVERAL_CONSTRUCTORS;),
                    ),
                },
                _ => Some(quote!(
                    const SEVERAL_CONSTRUCTORS: bool = true;
                )),
            };
            out.extend(quote! {
                #[automatically_derived]
                impl #params #k::EncodeBare for #name #args #wh {
                    #several

                    #[inline]
                    fn constructor_id(&self) -> u32 {
                        match self { #(#id_arms)* }
                    }

                    #len

                    // One match writes the id (when boxed) and the fields.
                    #[inline]
                    fn encode_form<__O: #k::Output + ?::core::marker::Sized, const __ID: bool>(
                        &self,
                        __out: &mut __O,
                    ) {
                        match self { #(#form_arms)* }
                    }
                }
            });
        }
    }
    if let Some(ret) = &def.returns {
        let (lt, ty) = (lifetime(&ret.lifetime), &ret.ty);
        out.extend(quote! {
            #[automatically_derived]
            impl #params #k::Function for #name #args #wh {
                type Return<#lt> = #ty;
            }
        });
    }
    Ok(out)
}
