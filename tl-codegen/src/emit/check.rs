//! Consistency checks of the IR, run before emitting: flag references resolve to an earlier
//! flags field, bits fit in 32, ids are present and distinct.

use std::fmt;

use proc_macro2::Span;

use super::ir::{Field, Role, Shape, TypeDef, VariantKind};

/// A problem with the IR, pointing at the field or variant it is about.
#[derive(Debug, Clone)]
pub struct EmitError {
    /// Where the problem is.
    pub span: Span,
    /// What it is.
    pub message: String,
}

impl EmitError {
    fn new(span: Span, message: impl Into<String>) -> EmitError {
        EmitError { span, message: message.into() }
    }
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EmitError {}

/// For each of `fields`, the index of the flags field (or mode word) its bit lives in (`None` for fields
/// that are not conditional).
pub(crate) fn resolve_flags(fields: &[Field]) -> Result<Vec<Option<usize>>, Vec<EmitError>> {
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(fields.len());
    for (i, field) in fields.iter().enumerate() {
        let (flags, bit) = match &field.role {
            Role::Optional { flags, bit, .. } | Role::TrueFlag { flags, bit } => (flags, *bit),
            Role::Value(_) | Role::Flags | Role::ModeWord => {
                out.push(None);
                continue;
            }
        };
        if bit >= 32 {
            errors.push(EmitError::new(
                field.span,
                format!("flag bit {bit} does not fit in a 32-bit flags word"),
            ));
        }
        match find_flags(&fields[..i], flags.as_deref()) {
            Ok(idx) => out.push(Some(idx)),
            Err(msg) => {
                let later = find_flags(&fields[i..], flags.as_deref()).is_ok();
                let msg = if later {
                    "the flags field must come before the fields that use it".into()
                } else {
                    msg
                };
                errors.push(EmitError::new(field.span, msg));
                out.push(None);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn find_flags(fields: &[Field], name: Option<&str>) -> Result<usize, String> {
    let mut candidates =
        fields.iter().enumerate().filter(|(_, f)| matches!(f.role, Role::Flags | Role::ModeWord));
    match name {
        Some(name) => candidates
            // Tuple fields are named by their index (`flags = "1"`).
            .find(|(i, f)| match &f.ident {
                Some(id) => id == name,
                None => name.parse() == Ok(*i),
            })
            .map(|(i, _)| i)
            .ok_or_else(|| format!("no `#[tl(flags)]` field named `{name}`")),
        None => match (candidates.next(), candidates.next()) {
            (Some((i, _)), None) => Ok(i),
            (None, _) => Err("optional field without a `#[tl(flags)]` field to hold its bit".into()),
            (Some(_), Some(_)) => {
                Err("several flags fields: name the one holding this bit with `flags = \"...\"`".into())
            }
        },
    }
}

/// Checks the whole type; every problem found is returned.
pub fn check(def: &TypeDef) -> Result<(), Vec<EmitError>> {
    let mut errors = Vec::new();
    match &def.shape {
        Shape::Struct(ctor) => {
            if let Err(e) = resolve_flags(&ctor.fields) {
                errors.extend(e);
            }
        }
        Shape::Enum(variants) => {
            if variants.is_empty() {
                errors.push(EmitError::new(
                    def.ident.span(),
                    "an enum needs at least one variant to be a TL type",
                ));
            }
            let mut seen: Vec<(u32, &proc_macro2::Ident)> = Vec::new();
            for v in variants {
                let (id, ctor) = match &v.kind {
                    VariantKind::Inline(ctor) => (ctor.id, Some(ctor)),
                    VariantKind::DelegateWithId { id, .. } => (Some(*id), None),
                    VariantKind::Delegate { .. } => continue,
                };
                match id {
                    None => errors.push(EmitError::new(
                        v.span,
                        "enum variant needs a constructor id: `#[tl(id = 0x...)]` or `#[tl(decl = \"...\")]` \
                         (or wrap one type with an id: `Variant(Type)`)",
                    )),
                    Some(id) => {
                        if let Some((_, other)) = seen.iter().find(|(s, _)| *s == id) {
                            errors.push(EmitError::new(
                                v.span,
                                format!("constructor id {id:#010x} is already used by variant `{other}`"),
                            ));
                        }
                        seen.push((id, &v.ident));
                    }
                }
                let Some(ctor) = ctor else { continue };
                if let Err(e) = resolve_flags(&ctor.fields) {
                    errors.extend(e);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
