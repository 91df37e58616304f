//! Renders impl headers from [`Generics`]: parameter lists, type arguments and `where`
//! clauses with the codec bounds added.

use proc_macro2::{Ident, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};

use super::ir::{Codec, Constructor, GenericParam, Generics, Role, Shape, TypeDef, VariantKind};

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
    let is = |t: &TokenTree, c: char| matches!(t, TokenTree::Punct(p) if p.as_char() == c);
    let Some(open) = tokens.iter().position(|t| is(t, '<')) else { return ty.clone() };
    let path_is_box = open > 0
        && matches!(&tokens[open - 1], TokenTree::Ident(i) if i == "Box")
        && tokens[..open - 1].iter().all(|t| matches!(t, TokenTree::Ident(_)) || is(t, ':'));
    if !path_is_box || tokens.len() < open + 3 || !is(&tokens[tokens.len() - 1], '>') {
        return ty.clone();
    }
    unboxed(&tokens[open + 1..tokens.len() - 1].iter().cloned().collect())
}

/// Whether `ty` names the type parameter `name` outside a `PhantomData<...>`, which has no
/// bytes on the wire and so needs no codec bounds for what it holds.
fn mentions_on_wire(ty: TokenStream, name: &Ident) -> bool {
    let mut tokens = ty.into_iter().peekable();
    while let Some(t) = tokens.next() {
        match t {
            TokenTree::Ident(i) if i == "PhantomData" => {
                let opens = matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '<');
                if !opens {
                    continue;
                }
                // Skip to the matching `>`; the `>` of a `->` closes nothing.
                let mut depth = 0usize;
                let mut arrow = false;
                for t in tokens.by_ref() {
                    if let TokenTree::Punct(p) = &t {
                        match p.as_char() {
                            '<' => depth += 1,
                            '>' if !arrow => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        arrow = p.as_char() == '-' && p.spacing() == Spacing::Joint;
                    } else {
                        arrow = false;
                    }
                }
            }
            TokenTree::Ident(i) if i == *name => return true,
            TokenTree::Group(g) if mentions_on_wire(g.stream(), name) => return true,
            _ => {}
        }
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

/// The impl header for `g`: type parameters get the codec bounds of `bound`, the fuller ones
/// if in `bare`, none if in `phantom`.
pub(crate) fn header(
    g: &Generics,
    bound: Bound,
    krate: &TokenStream,
    bare: &[Ident],
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
                match bound {
                    _ if phantom.contains(name) => {}
                    // Encoders take the id from `EncodeBare::constructor_id`: a type that
                    // derives only `Encode` fits.
                    Bound::Encode if is_bare => preds.push(quote!(#name: #krate::Encode + #krate::EncodeBare)),
                    Bound::Encode => preds.push(quote!(#name: #krate::Encode)),
                    Bound::Decode if is_bare => preds.push(
                        quote!(#name: #krate::Decode<#tl_lt> + #krate::DecodeBare<#tl_lt> + #krate::Identifiable),
                    ),
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
