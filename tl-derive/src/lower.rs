//! Lowers a `syn` derive input to the emitter's IR, resolving attributes and ids.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, PathArguments, Type};
use tl_codegen::emit::{
    Codec, Constructor, Field, GenericParam, Generics, Returns, Role, Shape, Style, TypeDef, Variant,
    VariantKind,
};

use crate::attrs::{field_attrs, item_attrs, ItemAttrs, ItemKind};
use crate::decl::{check_fields, decl_id};

pub fn lower(input: &DeriveInput) -> syn::Result<TypeDef> {
    let kind = match input.data {
        Data::Struct(_) => ItemKind::Struct,
        Data::Enum(_) => ItemKind::Enum,
        Data::Union(_) => return Err(syn::Error::new(input.ident.span(), "TL types cannot be unions")),
    };
    let attrs = item_attrs(&input.attrs, kind)?;
    let shape = match &input.data {
        Data::Struct(s) => {
            let ctor = constructor(&s.fields, resolve_id(&attrs)?)?;
            if let Some(decl) = &attrs.decl {
                check_fields(decl, &ctor)?;
            }
            Shape::Struct(ctor)
        }
        Data::Enum(e) => {
            let mut variants = Vec::with_capacity(e.variants.len());
            for v in &e.variants {
                let vattrs = item_attrs(&v.attrs, ItemKind::Variant)?;
                let id = resolve_id(&vattrs)?;
                let kind = match (&v.fields, id) {
                    (Fields::Unnamed(f), None) if f.unnamed.len() == 1 && !has_tl_attr(&f.unnamed[0].attrs) => {
                        VariantKind::Delegate { ty: f.unnamed[0].ty.to_token_stream() }
                    }
                    (_, None) => {
                        return Err(syn::Error::new(
                            v.ident.span(),
                            "enum variant needs a constructor id: `#[tl(id = 0x...)]` or `#[tl(decl = \"...\")]` \
                             (or wrap one type that has an id: `Variant(Type)`)",
                        ))
                    }
                    (fields, Some(id)) => {
                        let ctor = constructor(fields, Some(id))?;
                        if let Some(decl) = &vattrs.decl {
                            check_fields(decl, &ctor)?;
                        }
                        VariantKind::Inline(ctor)
                    }
                };
                variants.push(Variant { ident: v.ident.clone(), kind, span: v.ident.span() });
            }
            Shape::Enum(variants)
        }
        Data::Union(_) => unreachable!("rejected above"),
    };
    let mut generics = generics(&input.generics);
    generics.input_lifetime = Some(input_lifetime(input));
    Ok(TypeDef {
        ident: input.ident.clone(),
        name: input.ident.to_string(),
        generics,
        shape,
        returns: attrs.returns.map(|t| returns(&t, &input.generics)).transpose()?,
        krate: attrs.krate.map_or_else(|| quote!(::tl_codec), |p| p.to_token_stream()),
        // One type at a time: whether it can nest itself is unknown here.
        depth_guard: true,
    })
}

/// `returns = T`: the answer's own lifetime is the one lifetime `T` names that the item does
/// not declare (`returns = Vec<Item<'r>>`), so the answer borrows from the response buffer.
fn returns(ty: &Type, generics: &syn::Generics) -> syn::Result<Returns> {
    fn lifetimes(tokens: TokenStream, out: &mut Vec<proc_macro2::Ident>) {
        let mut tick = false;
        for t in tokens {
            match t {
                proc_macro2::TokenTree::Punct(p) => tick = p.as_char() == '\'',
                proc_macro2::TokenTree::Ident(i) if tick => {
                    tick = false;
                    if i != "static" && !out.contains(&i) {
                        out.push(i);
                    }
                }
                proc_macro2::TokenTree::Group(g) => {
                    tick = false;
                    lifetimes(g.stream(), out);
                }
                _ => tick = false,
            }
        }
    }
    let mut found = Vec::new();
    lifetimes(ty.to_token_stream(), &mut found);
    if found.iter().any(|l| l == "_") {
        return Err(syn::Error::new(
            ty.span(),
            "`returns` cannot use `'_`: name the answer's own lifetime, e.g. `Vec<Item<'r>>`",
        ));
    }
    found.retain(|l| !generics.lifetimes().any(|d| d.lifetime.ident == *l));
    let lifetime = match found.len() {
        0 => proc_macro2::Ident::new("__tl_r", proc_macro2::Span::call_site()),
        1 => found.remove(0),
        _ => {
            return Err(syn::Error::new(
                ty.span(),
                "`returns` may name one lifetime of its own (the response buffer's, e.g. `Item<'r>`)",
            ))
        }
    };
    Ok(Returns { lifetime, ty: ty.to_token_stream() })
}

/// The decoders' input lifetime when the type has no lifetime of its own, or several: `'tl`,
/// as the documentation calls it and as compiler errors then show it, unless the item already
/// names a `'tl` somewhere (a parameter, a `for<'tl>` bound): then `'__tl`.
pub(crate) fn input_lifetime(input: &DeriveInput) -> proc_macro2::Ident {
    fn names_tl(tokens: TokenStream) -> bool {
        let mut tick = false;
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Punct(p) => {
                tick = p.as_char() == '\'';
                false
            }
            proc_macro2::TokenTree::Ident(i) => std::mem::take(&mut tick) && i == "tl",
            proc_macro2::TokenTree::Group(g) => {
                tick = false;
                names_tl(g.stream())
            }
            proc_macro2::TokenTree::Literal(_) => {
                tick = false;
                false
            }
        })
    }
    let name = if names_tl(input.to_token_stream()) { "__tl" } else { "tl" };
    proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
}

/// For `#[derive(Decode)]`: fields that borrow for `'static` (`&'static str`, `Cow<'static, str>`)
/// cannot be decoded, since a decoded value borrows from the input, which does not live that
/// long. Said here, at the `'static`, rather than left to a lifetime error about the impl.
/// `PhantomData` and `with` fields are left alone (no bytes borrowed, or the module's affair),
/// as are other types with a `'static` argument, whose `Decode` impls are not known here.
pub fn static_borrows(input: &DeriveInput) -> syn::Result<()> {
    fn flag(lt: &syn::Lifetime, what: &str, errors: &mut Vec<syn::Error>) {
        if lt.ident == "static" {
            errors.push(syn::Error::new(
                lt.span(),
                format!(
                    "a decoded {what} cannot borrow for `'static`: decoding borrows from the input, \
                     which does not live that long. Borrow for a lifetime of the type \
                     (`struct T<'a> {{ name: &'a str }}`) or own the value (`String`, `Vec<u8>`)"
                ),
            ));
        }
    }
    fn visit(ty: &Type, errors: &mut Vec<syn::Error>) {
        match ty {
            Type::Reference(r) => {
                if let Some(lt) = &r.lifetime {
                    flag(lt, "reference", errors);
                }
                visit(&r.elem, errors);
            }
            Type::Path(p) => {
                if let Some(q) = &p.qself {
                    visit(&q.ty, errors);
                }
                for seg in &p.path.segments {
                    if seg.ident == "PhantomData" {
                        continue;
                    }
                    let borrowing = matches!(seg.ident.to_string().as_str(), "Cow" | "TlStr" | "RawObject");
                    if let PathArguments::AngleBracketed(args) = &seg.arguments {
                        for arg in &args.args {
                            match arg {
                                GenericArgument::Lifetime(lt) if borrowing => {
                                    flag(lt, &format!("`{}`", seg.ident), errors)
                                }
                                GenericArgument::Type(t) => visit(t, errors),
                                _ => {}
                            }
                        }
                    }
                }
            }
            Type::Array(a) => visit(&a.elem, errors),
            Type::Slice(s) => visit(&s.elem, errors),
            Type::Paren(p) => visit(&p.elem, errors),
            Type::Group(g) => visit(&g.elem, errors),
            Type::Tuple(t) => t.elems.iter().for_each(|e| visit(e, errors)),
            _ => {}
        }
    }
    let fields: Vec<&syn::Field> = match &input.data {
        Data::Struct(s) => s.fields.iter().collect(),
        Data::Enum(e) => e.variants.iter().flat_map(|v| v.fields.iter()).collect(),
        Data::Union(_) => Vec::new(),
    };
    let mut errors = Vec::new();
    for f in fields {
        if field_attrs(&f.attrs).is_ok_and(|a| a.with.is_none()) {
            visit(&f.ty, &mut errors);
        }
    }
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            first.extend(errors);
            Err(first)
        }
    }
}

fn has_tl_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("tl"))
}

/// The id from `id` and/or `decl`, checked against each other.
fn resolve_id(attrs: &ItemAttrs) -> syn::Result<Option<u32>> {
    let explicit = attrs.id.as_ref().map(|(id, _)| *id);
    match (&attrs.decl, &attrs.id) {
        (None, _) => Ok(explicit),
        (Some(decl), None) => decl_id(decl, None).map(Some),
        (Some(decl), Some((id, lit))) => {
            let computed = decl_id(decl, explicit)?;
            if computed != *id {
                return Err(syn::Error::new(
                    lit.span(),
                    format!("id {id:#010x} does not match the declaration, whose id is {computed:#010x}"),
                ));
            }
            Ok(Some(computed))
        }
    }
}

fn constructor(fields: &Fields, id: Option<u32>) -> syn::Result<Constructor> {
    let style = match fields {
        Fields::Named(_) => Style::Named,
        Fields::Unnamed(_) => Style::Tuple,
        Fields::Unit => Style::Unit,
    };
    let mut out = Vec::with_capacity(fields.len());
    let mut errors: Option<syn::Error> = None;
    for f in fields {
        match field(f) {
            Ok(field) => out.push(field),
            Err(e) => match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            },
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(Constructor { id, style, fields: out }),
    }
}

fn field(f: &syn::Field) -> syn::Result<Field> {
    let a = field_attrs(&f.attrs)?;
    let span = f.ident.as_ref().map_or_else(|| f.ty.span(), |i| i.span());
    let codec = match (&a.bare, &a.with) {
        (Some(_), Some(with)) => {
            return Err(syn::Error::new(with.span(), "`bare` and `with` cannot be combined"));
        }
        (Some(_), None) => Codec::Bare,
        (None, Some(with)) => Codec::With(with.to_token_stream()),
        (None, None) => Codec::Boxed,
    };
    let ty = f.ty.to_token_stream();
    let role = match (a.flags_word, &a.flags_ref, a.bit) {
        (Some(span), _, _) if a.bit.is_some() || a.flags_ref.is_some() || !matches!(codec, Codec::Boxed) => {
            return Err(syn::Error::new(span, "a `flags` word takes no `bit`, `bare` or `with`"));
        }
        (Some(_), _, _) => Role::Flags,
        (None, Some(r), None) => {
            return Err(syn::Error::new(r.span(), "an optional field needs its bit: `bit = N`"));
        }
        (None, flags_ref, Some((bit, bit_span))) => {
            let flags = flags_ref.as_ref().map(|s| s.value());
            if is_bool(&f.ty) {
                if !matches!(codec, Codec::Boxed) {
                    return Err(syn::Error::new(
                        bit_span,
                        "a `true` flag (`bool` with `bit`) has no value to encode",
                    ));
                }
                Role::TrueFlag { flags, bit }
            } else if let Some(inner) = option_inner(&f.ty) {
                let span = flags_ref.as_ref().map_or(bit_span, |s| s.span());
                return Ok(Field {
                    ident: f.ident.clone(),
                    ty: inner.to_token_stream(),
                    role: Role::Optional { flags, bit, codec },
                    span,
                });
            } else {
                return Err(syn::Error::new(
                    f.ty.span(),
                    "a field with `bit` must be `Option<T>` (`flags.N?T`) or `bool` (`flags.N?true`)",
                ));
            }
        }
        // TL has no optional value outside a flags word, and `Option` has no codec: say how
        // to declare one rather than leave it to missing-trait errors.
        (None, None, None) if matches!(codec, Codec::Boxed) && option_inner(&f.ty).is_some() => {
            return Err(syn::Error::new(
                f.ty.span(),
                "an `Option` field is a `flags.N?T` parameter: give it `#[tl(bit = N)]`, with a \
                 `#[tl(flags)] flags: u32` field before it",
            ));
        }
        (None, None, None) => Role::Value(codec),
    };
    let span = match &role {
        Role::TrueFlag { .. } => a.flags_ref.as_ref().map_or(a.bit.map_or(span, |b| b.1), |s| s.span()),
        _ => span,
    };
    Ok(Field { ident: f.ident.clone(), ty, role, span })
}

/// `bool`, `std::primitive::bool` or `core::primitive::bool`.
fn is_bool(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    if p.qself.is_some() {
        return false;
    }
    let names: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    p.path.segments.iter().all(|s| s.arguments.is_none())
        && matches!(names[..], ["bool"] | ["std" | "core", "primitive", "bool"])
}

/// `T` in `Option<T>`, `std::option::Option<T>` or `core::option::Option<T>`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let segs: Vec<_> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
    let ok = matches!(
        segs.iter().map(String::as_str).collect::<Vec<_>>().as_slice(),
        ["Option"] | ["std" | "core", "option", "Option"]
    );
    if !ok {
        return None;
    }
    match &p.path.segments.last()?.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match args.args.first()? {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn generics(g: &syn::Generics) -> Generics {
    let params = g
        .params
        .iter()
        .map(|p| match p {
            syn::GenericParam::Lifetime(l) => {
                let bounds = &l.bounds;
                GenericParam::Lifetime { name: l.lifetime.ident.clone(), bounds: quote!(#bounds) }
            }
            syn::GenericParam::Type(t) => {
                let bounds = &t.bounds;
                GenericParam::Type { name: t.ident.clone(), bounds: quote!(#bounds) }
            }
            syn::GenericParam::Const(c) => {
                GenericParam::Const { name: c.ident.clone(), ty: c.ty.to_token_stream() }
            }
        })
        .collect();
    let where_predicates = g
        .where_clause
        .as_ref()
        .map(|w| w.predicates.iter().map(ToTokens::to_token_stream).collect::<Vec<TokenStream>>())
        .unwrap_or_default();
    Generics { params, where_predicates, input_lifetime: None }
}
