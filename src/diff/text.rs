//! Definitions, parameters and types written back as TL text for reports. One spelling per
//! meaning (`Vector<int>`, never `Vector int`), so equal texts mean equal declarations.

use std::fmt::Write;
use tl_parser::write;
use tl_parser::{Definition, FlagRef, Param, ParamKind, TypeRef};

/// An id as 8 lowercase hex digits, the way reports show it.
pub fn hex(id: u32) -> String {
    format!("{id:08x}")
}

/// `Vector<InputPeer>`, `%Message`, `!X` (tl-parser's writer, `…` past its depth bound).
pub fn type_text(ty: &TypeRef<'_>) -> String {
    let mut out = String::new();
    write::write_type(ty, &mut out);
    out
}

/// `flags.3`.
pub fn flag_text(flag: &FlagRef<'_>) -> String {
    format!("{}.{}", flag.field, flag.bit)
}

/// The parameter's type with its condition: `#`, `flags.3?Vector<int>`, `[ a:int b:long ]`.
pub fn param_type_text(p: &Param<'_>) -> String {
    let mut out = String::new();
    write::write_param_type(&p.kind, &mut out);
    out
}

/// `{X:Type}` for every generic (name and kind), space separated.
pub fn generics_text(generics: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, kind)) in generics.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{{{name}:{kind}}}");
    }
    out
}

/// The generic parameters of `def` as (name, kind), those it declares and then those it
/// implies: a parameter `q:!X` whose `X` no `{X:Type}` declares stands for `{X:Type}`. TL text
/// often leaves the declaration out (`invokeAfterMsg msg_id:long query:!X = X`) while JSON
/// schemas, having no place for generics, imply it the same way, so a file and its JSON form
/// would otherwise differ in generics alone. Implied the way tl-parser's JSON reader does:
/// a plain name (no namespace, no arguments) in a top-level parameter.
pub fn effective_generics<'d>(def: &'d Definition<'_>) -> Vec<(&'d str, &'d str)> {
    let mut out: Vec<(&str, &str)> =
        def.generics.iter().map(|g| (g.name.as_ref(), g.kind.as_ref())).collect();
    for p in &def.params {
        if let ParamKind::Typed { ty, .. } = &p.kind {
            let name = ty.name.as_ref();
            if ty.bang && ty.args.is_empty() && !name.contains('.') && !out.iter().any(|(n, _)| *n == name) {
                out.push((name, "Type"));
            }
        }
    }
    out
}

/// Comparisons nested deeper than this report "different" instead of recursing further.
const MAX_DEPTH: usize = 32;

/// `name#id {X:Type} p:T ... = R`.
pub fn declaration(def: &Definition<'_>) -> String {
    let mut out = String::with_capacity(64);
    let _ = write!(out, "{}#{}", def.name, hex(def.id));
    for g in &def.generics {
        let _ = write!(out, " {{{}:{}}}", g.name, g.kind);
    }
    for p in &def.params {
        out.push(' ');
        write::write_param(p, &mut out);
    }
    out.push_str(" = ");
    write::write_type(&def.ty, &mut out);
    out
}

/// True when `p` is a `flags.N?true` parameter: a bit, no bytes on the wire.
pub fn is_true_flag(p: &Param<'_>) -> bool {
    matches!(&p.kind, ParamKind::Typed { ty, flag: Some(_) } if ty.is_true())
}

/// The flag condition of `p`, if any.
pub fn flag_of<'p, 'a>(p: &'p Param<'a>) -> Option<&'p FlagRef<'a>> {
    match &p.kind {
        ParamKind::Typed { flag, .. } => flag.as_ref(),
        _ => None,
    }
}

/// Structural equality of two declarations, ignoring spans and docs: same name, id, generics
/// (declared or implied: [`effective_generics`]), parameters and result.
pub fn same_declaration(a: &Definition<'_>, b: &Definition<'_>) -> bool {
    a.id == b.id
        && a.category == b.category
        && a.name == b.name
        && effective_generics(a) == effective_generics(b)
        && same_params(&a.params, &b.params, 0)
        && same_type(&a.ty, &b.ty, 0)
}

fn same_params(a: &[Param<'_>], b: &[Param<'_>], depth: usize) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_param(x, y, depth))
}

/// Structural equality of two parameters (name, kind, type, flag), ignoring spans.
pub fn same_param(a: &Param<'_>, b: &Param<'_>, depth: usize) -> bool {
    if depth > MAX_DEPTH || a.name != b.name {
        return false;
    }
    match (&a.kind, &b.kind) {
        (ParamKind::Nat, ParamKind::Nat) => true,
        (ParamKind::Typed { ty: t1, flag: f1 }, ParamKind::Typed { ty: t2, flag: f2 }) => {
            same_flag(f1.as_ref(), f2.as_ref()) && same_type(t1, t2, depth)
        }
        (ParamKind::Repeat { count: c1, params: p1 }, ParamKind::Repeat { count: c2, params: p2 }) => {
            c1 == c2 && same_params(p1, p2, depth + 1)
        }
        _ => false,
    }
}

/// Same condition (field and bit), or both unconditional.
pub fn same_flag(a: Option<&FlagRef<'_>>, b: Option<&FlagRef<'_>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.field == y.field && x.bit == y.bit,
        _ => false,
    }
}

/// Structural equality of two type references, ignoring spans.
pub fn same_type(a: &TypeRef<'_>, b: &TypeRef<'_>, depth: usize) -> bool {
    depth <= MAX_DEPTH
        && a.name == b.name
        && a.percent == b.percent
        && a.bang == b.bang
        && a.args.len() == b.args.len()
        && a.args.iter().zip(&b.args).all(|(x, y)| same_type(x, y, depth + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use tl_parser::{Category, Doc, GenericParam, Span};

    fn tref(name: &str, args: Vec<TypeRef<'static>>) -> TypeRef<'static> {
        TypeRef { name: Cow::Owned(name.into()), percent: false, bang: false, args, span: Span::DUMMY }
    }

    #[test]
    fn writes_types_in_one_spelling() {
        let t = tref("Vector", vec![tref("InputPeer", vec![])]);
        assert_eq!(type_text(&t), "Vector<InputPeer>");
        let mut bare = tref("Message", vec![]);
        bare.percent = true;
        assert_eq!(type_text(&bare), "%Message");
    }

    #[test]
    fn writes_declarations() {
        let def = Definition {
            name: "vector".into(),
            explicit_id: Some(0x1cb5c415),
            id: 0x1cb5c415,
            generics: vec![GenericParam { name: "t".into(), kind: "Type".into(), span: Span::DUMMY }],
            params: vec![
                Param { name: None, kind: ParamKind::Nat, span: Span::DUMMY },
                Param {
                    name: None,
                    kind: ParamKind::Repeat {
                        count: None,
                        params: vec![Param {
                            name: None,
                            kind: ParamKind::Typed { ty: tref("t", vec![]), flag: None },
                            span: Span::DUMMY,
                        }],
                    },
                    span: Span::DUMMY,
                },
            ],
            ty: tref("Vector", vec![tref("t", vec![])]),
            category: Category::Type,
            section_layer: None,
            doc: Doc::default(),
            span: Span::DUMMY,
            name_span: Span::DUMMY,
        };
        assert_eq!(declaration(&def), "vector#1cb5c415 {t:Type} # [ t ] = Vector<t>");
        let mut other = def.clone();
        other.span = Span::new(5, 9);
        assert!(same_declaration(&def, &other));
        other.id = 1;
        assert!(!same_declaration(&def, &other));
    }

    #[test]
    fn a_bang_parameter_implies_its_generic() {
        let implicit = crate::diff::testutil::parse_def("i#1 query:!X = X");
        let explicit = crate::diff::testutil::parse_def("i#1 {X:Type} query:!X = X");
        assert_eq!(effective_generics(&implicit), [("X", "Type")]);
        assert!(same_declaration(&implicit, &explicit));
        // Declared ones keep their place and kind; a namespaced or applied type implies nothing.
        let d = crate::diff::testutil::parse_def("w#2 {n:#} a:!ns.T q:!Y = Y");
        assert_eq!(effective_generics(&d), [("n", "#"), ("Y", "Type")]);
        let other = crate::diff::testutil::parse_def("i#1 {Q:Type} query:!X = X");
        assert!(!same_declaration(&implicit, &other));
        assert_eq!(generics_text(&effective_generics(&other)), "{Q:Type} {X:Type}");
    }

    #[test]
    fn deep_types_do_not_overflow() {
        let mut t = tref("int", vec![]);
        for _ in 0..10_000 {
            t = tref("Vector", vec![t]);
        }
        let text = type_text(&t);
        assert!(text.contains('…'));
        assert!(!same_type(&t, &t, 0), "too deep to compare is reported as different, not a crash");
        // Dropping a 10 000-deep tree recurses too; unwind it by hand.
        while let Some(inner) = t.args.pop() {
            t = inner;
        }
    }
}
