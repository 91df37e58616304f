//! Parsing of `#[tl(...)]` attributes on containers, variants and fields.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, LitInt, LitStr, Path, Type};

/// Container (struct/enum) and variant attributes.
#[derive(Default)]
pub struct ItemAttrs {
    /// `id = 0x...`, with the literal for error spans.
    pub id: Option<(u32, LitInt)>,
    /// `decl = "..."`.
    pub decl: Option<LitStr>,
    /// `returns = Type` (containers only).
    pub returns: Option<Type>,
    /// `crate = path` (containers only).
    pub krate: Option<Path>,
}

/// Field attributes.
#[derive(Default)]
pub struct FieldAttrs {
    /// `flags` alone: this field is a flags word.
    pub flags_word: Option<Span>,
    /// `flags = "name"`: the flags field holding this field's bit.
    pub flags_ref: Option<LitStr>,
    /// `bit = N`.
    pub bit: Option<(u32, Span)>,
    /// `bare`.
    pub bare: Option<Span>,
    /// `with = path`.
    pub with: Option<Path>,
}

fn duplicate(span: Span, key: &str) -> syn::Error {
    syn::Error::new(span, format!("duplicate `{key}` attribute"))
}

/// Accepts `key = path` or `key = "path"`.
pub(crate) fn parse_path_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Path> {
    let value = meta.value()?;
    if value.peek(LitStr) {
        let s: LitStr = value.parse()?;
        s.parse::<Path>()
    } else {
        value.parse::<Path>()
    }
}

fn parse_u32(lit: &LitInt) -> syn::Result<u32> {
    lit.base10_parse::<u32>().map_err(|_| syn::Error::new(lit.span(), "expected a 32-bit unsigned integer"))
}

/// Where an [`ItemAttrs`] sits, to reject keys that do not belong there.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Struct,
    Enum,
    Variant,
}

pub fn item_attrs(attrs: &[Attribute], kind: ItemKind) -> syn::Result<ItemAttrs> {
    let mut out = ItemAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("tl")) {
        attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            if meta.path.is_ident("id") {
                if kind == ItemKind::Enum {
                    return Err(meta.error("an enum has no id of its own: put `id` on each variant"));
                }
                let lit: LitInt = meta.value()?.parse()?;
                if out.id.is_some() {
                    return Err(duplicate(span, "id"));
                }
                out.id = Some((parse_u32(&lit)?, lit));
            } else if meta.path.is_ident("decl") {
                if kind == ItemKind::Enum {
                    return Err(
                        meta.error("an enum has no declaration of its own: put `decl` on each variant")
                    );
                }
                let lit: LitStr = meta.value()?.parse()?;
                if out.decl.is_some() {
                    return Err(duplicate(span, "decl"));
                }
                out.decl = Some(lit);
            } else if meta.path.is_ident("returns") {
                if kind == ItemKind::Variant {
                    return Err(meta.error("`returns` belongs on the type, not on a variant"));
                }
                if out.returns.is_some() {
                    return Err(duplicate(span, "returns"));
                }
                let value = meta.value()?;
                out.returns = Some(if value.peek(LitStr) {
                    value.parse::<LitStr>()?.parse()?
                } else {
                    value.parse()?
                });
            } else if meta.path.is_ident("crate") {
                if kind == ItemKind::Variant {
                    return Err(meta.error("`crate` belongs on the type, not on a variant"));
                }
                if out.krate.is_some() {
                    return Err(duplicate(span, "crate"));
                }
                out.krate = Some(parse_path_value(&meta)?);
            } else {
                let expected = match kind {
                    ItemKind::Variant => "`id` or `decl`",
                    ItemKind::Struct => "`id`, `decl`, `returns` or `crate`",
                    ItemKind::Enum => "`returns` or `crate`",
                };
                return Err(meta.error(format!("unknown tl attribute; expected {expected}")));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

pub fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("tl")) {
        attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            if meta.path.is_ident("flags") {
                if meta.input.peek(syn::Token![=]) {
                    if out.flags_ref.is_some() {
                        return Err(duplicate(span, "flags"));
                    }
                    out.flags_ref = Some(meta.value()?.parse()?);
                } else {
                    if out.flags_word.is_some() {
                        return Err(duplicate(span, "flags"));
                    }
                    out.flags_word = Some(span);
                }
            } else if meta.path.is_ident("bit") {
                if out.bit.is_some() {
                    return Err(duplicate(span, "bit"));
                }
                let expr: Expr = meta.value()?.parse()?;
                let Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) = &expr else {
                    return Err(syn::Error::new(expr.span(), "expected a bit number (0..=31)"));
                };
                let bit = parse_u32(lit)?;
                if bit >= 32 {
                    return Err(syn::Error::new(lit.span(), "flag bits go from 0 to 31"));
                }
                out.bit = Some((bit, lit.span()));
            } else if meta.path.is_ident("bare") {
                if out.bare.is_some() {
                    return Err(duplicate(span, "bare"));
                }
                out.bare = Some(span);
            } else if meta.path.is_ident("with") {
                if out.with.is_some() {
                    return Err(duplicate(span, "with"));
                }
                out.with = Some(parse_path_value(&meta)?);
            } else {
                return Err(meta.error("unknown tl attribute; expected `flags`, `bit`, `bare` or `with`"));
            }
            Ok(())
        })?;
    }
    Ok(out)
}
