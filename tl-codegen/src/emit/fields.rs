//! Pieces shared by the encoder and decoder emitters: field bindings, patterns, id literals.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use super::ir::{Constructor, Field, Role, Style};

/// The local name of field `i` (`__f0`, ...), in patterns and decoders alike.
pub(crate) fn binding(i: usize) -> Ident {
    format_ident!("__f{}", i)
}

/// The local name of the flags word computed from or read into field `i`.
pub(crate) fn flags_local(i: usize) -> Ident {
    format_ident!("__flags{}", i)
}

/// The bits of flags field `i` that fields of `ctor` use (`owners` from `resolve_flags`):
/// the bits a decoder knows, and the bits of a mode word that follow its fields.
pub(crate) fn word_bits(ctor: &Constructor, owners: &[Option<usize>], i: usize) -> u32 {
    ctor.fields
        .iter()
        .zip(owners)
        .filter(|(_, owner)| **owner == Some(i))
        .filter_map(|(g, _)| match g.role {
            Role::Optional { bit, .. } | Role::TrueFlag { bit, .. } => 1u32.checked_shl(bit),
            _ => None,
        })
        .fold(0u32, |a, b| a | b)
}

/// Fields of one constructor that share a flag bit with optional values: two or more values, or
/// values and `true` flags ([`shared_bits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SharedBit {
    /// The index of the flags field (or mode word) holding the bit.
    pub flags: usize,
    /// The bit.
    pub bit: u32,
    /// The optional values, field indices in order (at least one).
    pub values: Vec<usize>,
    /// The `true` flags on the bit, field indices in order: implied by the values.
    pub trues: Vec<usize>,
}

/// The groups of `fields` that share one flag bit with optional values (`owners` from
/// `resolve_flags`), in the order their first members come. The bit says that all of the
/// values follow or none, so encoding writes them only when every one is present, and with
/// them the `true` flags on the bit; the generated docs say so, and generated JSON reading
/// refuses part of a group or a `true` flag that contradicts the values.
pub(crate) fn shared_bits(fields: &[Field], owners: &[Option<usize>]) -> Vec<SharedBit> {
    let mut groups: Vec<SharedBit> = Vec::new();
    for (i, (f, owner)) in fields.iter().zip(owners).enumerate() {
        let (bit, value) = match f.role {
            Role::Optional { bit, .. } => (bit, true),
            Role::TrueFlag { bit, .. } => (bit, false),
            _ => continue,
        };
        let Some(flags) = *owner else { continue };
        let at = match groups.iter().position(|g| g.flags == flags && g.bit == bit) {
            Some(at) => at,
            None => {
                groups.push(SharedBit { flags, bit, values: Vec::new(), trues: Vec::new() });
                groups.len() - 1
            }
        };
        if value {
            groups[at].values.push(i);
        } else {
            groups[at].trues.push(i);
        }
    }
    groups.retain(|g| !g.values.is_empty() && g.values.len() + g.trues.len() > 1);
    groups
}

/// A hex `u32` literal, for readable generated code.
pub(crate) fn id_literal(id: u32) -> TokenStream {
    let lit = format!("{id:#010x}").parse::<Literal>().unwrap_or_else(|_| Literal::u32_unsuffixed(id));
    quote!(#lit)
}

/// `path { a: __f0, flags: _ }`, `path(__f0, _)` or `path`: binds each field by reference to
/// its `__fN` name. Flags fields are not bound: their values are never read when encoding.
pub(crate) fn pattern(path: &TokenStream, ctor: &Constructor) -> TokenStream {
    let bind = |i: usize, role: &Role| match role {
        Role::Flags => quote!(_),
        _ => {
            let b = binding(i);
            quote!(#b)
        }
    };
    match ctor.style {
        Style::Unit => quote!(#path),
        Style::Tuple => {
            let items = ctor.fields.iter().enumerate().map(|(i, f)| bind(i, &f.role));
            quote!(#path(#(#items),*))
        }
        Style::Named => {
            let items =
                ctor.fields.iter().enumerate().filter(|(_, f)| !f.is_computed_flags()).map(|(i, f)| {
                    let name = f.ident.clone().unwrap_or_else(|| Ident::new("__unnamed", Span::call_site()));
                    let b = bind(i, &f.role);
                    quote!(#name: #b)
                });
            quote!(#path { #(#items),* })
        }
    }
}

/// `path { a: __f0, ... }`, `path(__f0, ...)` or `path`: builds the value from the decoded
/// locals.
pub(crate) fn construct(path: &TokenStream, ctor: &Constructor) -> TokenStream {
    match ctor.style {
        Style::Unit => quote!(#path),
        Style::Tuple => {
            let items = (0..ctor.fields.len()).map(binding);
            quote!(#path(#(#items),*))
        }
        Style::Named => {
            let items =
                ctor.fields.iter().enumerate().filter(|(_, f)| !f.is_computed_flags()).map(|(i, f)| {
                    let name = f.ident.clone().unwrap_or_else(|| Ident::new("__unnamed", Span::call_site()));
                    let b = binding(i);
                    quote!(#name: #b)
                });
            quote!(#path { #(#items),* })
        }
    }
}
