//! Renders impl headers from [`Generics`]: parameter lists, type arguments and `where`
//! clauses with the codec bounds added.

use proc_macro2::{Ident, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};

use super::ir::{Codec, Constructor, Field, GenericParam, Generics, Role, Shape, TypeDef, VariantKind};

/// `'name` as tokens.
pub(crate) fn lifetime(name: &Ident) -> TokenStream {
    let mut ts = TokenStream::new();
    Punct::new('\'', Spacing::Joint).to_tokens(&mut ts);
    name.to_tokens(&mut ts);
    ts
}

/// The lifetime of the input that decoders borrow from, when it is not the type's own:
/// [`Generics::input_lifetime`], by default `__tl` (the double underscore keeps it apart from
/// the user's lifetimes).
pub(crate) fn input_lifetime_ident(g: &Generics) -> Ident {
    g.input_lifetime.clone().unwrap_or_else(|| Ident::new("__tl", Span::call_site()))
}

/// Which codec bound type parameters get.
#[derive(Clone, Copy)]
pub(crate) enum Bound {
    /// `T: Encode`.
    Encode,
    /// `T: Decode<'__tl>`, plus `'__tl: 'a` for every lifetime (`'__tl` standing for
    /// [`input_lifetime_ident`]); but a type whose only lifetime
    /// is `'a` decodes from `Reader<'a>` itself (see [`Header::input`]).
    Decode,
    /// No added bound.
    Plain,
}

/// The three parts of an impl header.
pub(crate) struct Header {
    /// `<...>` after `impl`.
    pub params: TokenStream,
    /// `<...>` after the type's name.
    pub args: TokenStream,
    /// `where ...` (possibly empty).
    pub where_clause: TokenStream,
    /// The lifetime of the decoder's input (`Decode` headers only): `'__tl`, or the type's
    /// own lifetime when it has exactly one. `impl<'a> Decode<'a> for T<'a>` loses nothing
    /// (the types are covariant, so a `T<'long>` still serves where a `T<'short>` is wanted)
    /// and spares the compiler a region constraint per impl (measured on the full layer:
    /// −15 MiB, a few percent of CPU).
    pub input: TokenStream,
}

/// `T` for `Box<T>` (also spelled with a path, and boxed again), else `ty` itself: a box is
/// written as what it holds, bare included.
fn unboxed(ty: &TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = ty.clone().into_iter().collect();
    let is = is_punct;
    let Some(open) = tokens.iter().position(|t| is(t, '<')) else { return ty.clone() };
    let path_is_box = open > 0
        && matches!(&tokens[open - 1], TokenTree::Ident(i) if i == "Box")
        && tokens[..open - 1].iter().all(|t| matches!(t, TokenTree::Ident(_)) || is(t, ':'));
    if !path_is_box || tokens.len() < open + 3 || !is(&tokens[tokens.len() - 1], '>') {
        return ty.clone();
    }
    unboxed(&tokens[open + 1..tokens.len() - 1].iter().cloned().collect())
}

/// The index of the `>` closing the `<` at `tokens[open]` (the `>` of a `->` closes nothing).
fn angle_end(tokens: &[TokenTree], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut arrow = false;
    for (j, t) in tokens.iter().enumerate().skip(open) {
        if let TokenTree::Punct(p) = t {
            match p.as_char() {
                '<' => depth += 1,
                '>' if !arrow => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j);
                    }
                }
                _ => {}
            }
            arrow = p.as_char() == '-' && p.spacing() == Spacing::Joint;
        } else {
            arrow = false;
        }
    }
    None
}

fn is_punct(t: &TokenTree, c: char) -> bool {
    matches!(t, TokenTree::Punct(p) if p.as_char() == c)
}

/// Whether `ty` names the type parameter `name` outside a `PhantomData<...>`, which has no
/// bytes on the wire and so needs no codec bounds for what it holds.
fn mentions_on_wire(ty: TokenStream, name: &Ident) -> bool {
    let tokens: Vec<TokenTree> = ty.into_iter().collect();
    let mut i = 0;
    while let Some(t) = tokens.get(i) {
        match t {
            TokenTree::Ident(id)
                if id == "PhantomData" && tokens.get(i + 1).is_some_and(|n| is_punct(n, '<')) =>
            {
                // What it holds is not on the wire: skip to the matching `>`.
                match angle_end(&tokens, i + 1) {
                    Some(end) => i = end,
                    None => return false,
                }
            }
            TokenTree::Ident(id) if id == name => return true,
            TokenTree::Group(g) if mentions_on_wire(g.stream(), name) => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// The type parameters that no field puts on the wire: those only held by a `PhantomData`
/// (a typed id, `Id<T> { raw: i64, _t: PhantomData<T> }`). They get no codec bounds.
pub(crate) fn phantom_params(def: &TypeDef) -> Vec<Ident> {
    let mut types: Vec<&TokenStream> = Vec::new();
    match &def.shape {
        Shape::Struct(c) => types.extend(c.fields.iter().map(|f| &f.ty)),
        Shape::Enum(variants) => {
            for v in variants {
                match &v.kind {
                    VariantKind::Inline(c) => types.extend(c.fields.iter().map(|f| &f.ty)),
                    VariantKind::Delegate { ty } | VariantKind::DelegateWithId { ty, .. } => types.push(ty),
                }
            }
        }
    }
    def.generics
        .params
        .iter()
        .filter_map(|p| match p {
            GenericParam::Type { name, .. } => Some(name),
            _ => None,
        })
        .filter(|name| !types.iter().any(|ty| mentions_on_wire((*ty).clone(), name)))
        .cloned()
        .collect()
}

/// The type parameters that `def` writes bare: the whole type of a `bare` field, or the type a
/// wrapper variant holds (`V(T)`), a `Box` around them included. Besides `Encode`/`Decode`,
/// these need `EncodeBare`, and `DecodeBare` + `Identifiable` (which gives decoders the id of a
/// bare position).
pub(crate) fn bare_params(def: &TypeDef) -> Vec<Ident> {
    let params: Vec<&Ident> = def
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            GenericParam::Type { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    let mut out: Vec<Ident> = Vec::new();
    let mut note = |ty: &TokenStream| {
        let text = unboxed(ty).to_string();
        if let Some(p) = params.iter().find(|p| text == p.to_string()) {
            if !out.contains(p) {
                out.push((*p).clone());
            }
        }
    };
    let ctor_fields = |c: &Constructor| -> Vec<TokenStream> {
        c.fields
            .iter()
            .filter(|f| {
                matches!(f.role, Role::Value(Codec::Bare) | Role::Optional { codec: Codec::Bare, .. })
            })
            .map(|f| f.ty.clone())
            .collect()
    };
    match &def.shape {
        Shape::Struct(c) => ctor_fields(c).iter().for_each(&mut note),
        Shape::Enum(variants) => {
            for v in variants {
                match &v.kind {
                    VariantKind::Inline(c) => ctor_fields(c).iter().for_each(&mut note),
                    VariantKind::Delegate { ty } | VariantKind::DelegateWithId { ty, .. } => note(ty),
                }
            }
        }
    }
    out
}

/// The type parameters that a field of `def` holds right inside a `Box` (`Box<T>`,
/// `Option<Box<T>>`, `Vec<Box<T>>`; not `Box<Vec<T>>`, whose `Vec<T>` has the bare form for any
/// `T: Encode`): tl-codec boxes what has a bare form, so these need `EncodeBare`/`DecodeBare`.
/// Fields encoded `with` a module are the module's business.
pub(crate) fn boxed_params(def: &TypeDef) -> Vec<Ident> {
    let names: Vec<String> = def
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            GenericParam::Type { name, .. } => Some(name.to_string()),
            _ => None,
        })
        .collect();
    let mut found: Vec<String> = Vec::new();
    let mut fields: Vec<&Field> = Vec::new();
    match &def.shape {
        Shape::Struct(c) => fields.extend(&c.fields),
        Shape::Enum(variants) => {
            for v in variants {
                if let VariantKind::Inline(c) = &v.kind {
                    fields.extend(&c.fields);
                }
            }
        }
    }
    for f in fields {
        let with =
            matches!(f.role, Role::Value(Codec::With(_)) | Role::Optional { codec: Codec::With(_), .. });
        if !with {
            box_contents(f.ty.clone(), &names, &mut found);
        }
    }
    def.generics
        .params
        .iter()
        .filter_map(|p| match p {
            GenericParam::Type { name, .. } if found.contains(&name.to_string()) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// Adds to `found` each of `names` that `ty` holds right inside a `Box<...>`, at any depth.
fn box_contents(ty: TokenStream, names: &[String], found: &mut Vec<String>) {
    let tokens: Vec<TokenTree> = ty.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        if let TokenTree::Group(g) = t {
            box_contents(g.stream(), names, found);
            continue;
        }
        let opens_box = matches!(t, TokenTree::Ident(id) if id == "Box")
            && tokens.get(i + 1).is_some_and(|n| is_punct(n, '<'));
        let Some(end) = opens_box.then(|| angle_end(&tokens, i + 1)).flatten() else { continue };
        let inner: TokenStream = tokens[i + 2..end].iter().cloned().collect();
        let held = unboxed(&inner).to_string();
        if names.contains(&held) && !found.contains(&held) {
            found.push(held);
        }
    }
}

/// The impl header for `g`: type parameters get the codec bounds of `bound`, the fuller ones
/// if in `bare` (or, without `Identifiable`, in `boxed`), none if in `phantom`.
pub(crate) fn header(
    g: &Generics,
    bound: Bound,
    krate: &TokenStream,
    bare: &[Ident],
    boxed: &[Ident],
    phantom: &[Ident],
) -> Header {
    let mut lifetimes = g.params.iter().filter(|p| matches!(p, GenericParam::Lifetime { .. }));
    let own = match (lifetimes.next(), lifetimes.next()) {
        (Some(GenericParam::Lifetime { name, bounds }), None) if bounds.is_empty() => Some(lifetime(name)),
        _ => None,
    };
    let separate = matches!(bound, Bound::Decode) && own.is_none();
    let tl_lt = match &own {
        Some(lt) => lt.clone(),
        None => lifetime(&input_lifetime_ident(g)),
    };
    let mut params = Vec::new();
    let mut args = Vec::new();
    let mut preds: Vec<TokenStream> = g.where_predicates.clone();
    if separate {
        params.push(tl_lt.clone());
    }
    for p in &g.params {
        match p {
            GenericParam::Lifetime { name, bounds } => {
                let lt = lifetime(name);
                params.push(if bounds.is_empty() { lt.clone() } else { quote!(#lt: #bounds) });
                if separate {
                    preds.push(quote!(#tl_lt: #lt));
                }
                args.push(lt);
            }
            GenericParam::Type { name, bounds } => {
                params.push(if bounds.is_empty() { quote!(#name) } else { quote!(#name: #bounds) });
                let is_bare = bare.contains(name);
                let is_boxed = boxed.contains(name);
                match bound {
                    _ if phantom.contains(name) => {}
                    // Encoders take the id from `EncodeBare::constructor_id`: a type that
                    // derives only `Encode` fits.
                    Bound::Encode if is_bare || is_boxed => {
                        preds.push(quote!(#name: #krate::Encode + #krate::EncodeBare))
                    }
                    Bound::Encode => preds.push(quote!(#name: #krate::Encode)),
                    Bound::Decode if is_bare => preds.push(
                        quote!(#name: #krate::Decode<#tl_lt> + #krate::DecodeBare<#tl_lt> + #krate::Identifiable),
                    ),
                    // A box reads the id and dispatches as its content does: no `Identifiable`
                    // (an enum has none).
                    Bound::Decode if is_boxed => {
                        preds.push(quote!(#name: #krate::Decode<#tl_lt> + #krate::DecodeBare<#tl_lt>))
                    }
                    Bound::Decode => preds.push(quote!(#name: #krate::Decode<#tl_lt>)),
                    Bound::Plain => {}
                }
                args.push(quote!(#name));
            }
            GenericParam::Const { name, ty } => {
                params.push(quote!(const #name: #ty));
                args.push(quote!(#name));
            }
        }
    }
    let wrap = |items: &[TokenStream]| if items.is_empty() { quote!() } else { quote!(<#(#items),*>) };
    Header {
        params: wrap(&params),
        args: wrap(&args),
        where_clause: if preds.is_empty() { quote!() } else { quote!(where #(#preds),*) },
        input: tl_lt,
    }
}
