//! Renders impl headers from [`Generics`]: parameter lists, type arguments and `where`
//! clauses with the codec bounds added.

use proc_macro2::{Ident, Punct, Spacing, Span, TokenStream};
use quote::{quote, ToTokens};

use super::ir::{GenericParam, Generics};

/// `'name` as tokens.
pub(crate) fn lifetime(name: &Ident) -> TokenStream {
    let mut ts = TokenStream::new();
    Punct::new('\'', Spacing::Joint).to_tokens(&mut ts);
    name.to_tokens(&mut ts);
    ts
}

/// The lifetime of the input that decoders borrow from; the double underscore keeps it apart
/// from the user's lifetimes.
pub(crate) fn input_lifetime_ident() -> Ident {
    Ident::new("__tl", Span::call_site())
}

/// Which codec bound type parameters get.
#[derive(Clone, Copy)]
pub(crate) enum Bound {
    /// `T: Encode`.
    Encode,
    /// `T: Decode<'__tl>`, plus `'__tl: 'a` for every lifetime.
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
}

pub(crate) fn header(g: &Generics, bound: Bound, krate: &TokenStream) -> Header {
    let tl = input_lifetime_ident();
    let tl_lt = lifetime(&tl);
    let mut params = Vec::new();
    let mut args = Vec::new();
    let mut preds: Vec<TokenStream> = g.where_predicates.clone();
    if let Bound::Decode = bound {
        params.push(tl_lt.clone());
    }
    for p in &g.params {
        match p {
            GenericParam::Lifetime { name, bounds } => {
                let lt = lifetime(name);
                params.push(if bounds.is_empty() { lt.clone() } else { quote!(#lt: #bounds) });
                if let Bound::Decode = bound {
                    preds.push(quote!(#tl_lt: #lt));
                }
                args.push(lt);
            }
            GenericParam::Type { name, bounds } => {
                params.push(if bounds.is_empty() { quote!(#name) } else { quote!(#name: #bounds) });
                match bound {
                    Bound::Encode => preds.push(quote!(#name: #krate::Encode)),
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
    }
}
