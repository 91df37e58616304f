//! The TL declaration of a definition, as shown in generated doc comments.

use tl_parser::{Definition, Param, ParamKind, TypeRef};

/// `name#id {X:Type} params = Type;`, the id always written.
pub fn declaration(def: &Definition<'_>) -> String {
    let mut out = format!("{}#{:08x}", def.name, def.id);
    for g in &def.generics {
        out.push_str(&format!(" {{{}:{}}}", g.name, g.kind));
    }
    for p in &def.params {
        out.push(' ');
        param(p, &mut out);
    }
    out.push_str(" = ");
    type_ref(&def.ty, &mut out);
    out.push(';');
    out
}

fn param(p: &Param<'_>, out: &mut String) {
    if let Some(name) = &p.name {
        out.push_str(name);
        out.push(':');
    }
    match &p.kind {
        ParamKind::Nat => out.push('#'),
        ParamKind::Typed { ty, flag } => {
            if let Some(f) = flag {
                out.push_str(&format!("{}.{}?", f.field, f.bit));
            }
            type_ref(ty, out);
        }
        ParamKind::Repeat { count, params } => {
            if let Some(n) = count {
                out.push_str(&format!("{n}*"));
            }
            out.push_str("[ ");
            for p in params {
                param(p, out);
                out.push(' ');
            }
            out.push(']');
        }
    }
}

fn type_ref(t: &TypeRef<'_>, out: &mut String) {
    if t.percent {
        out.push('%');
    }
    if t.bang {
        out.push('!');
    }
    out.push_str(&t.name);
    if !t.args.is_empty() {
        out.push('<');
        for (i, a) in t.args.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            type_ref(a, out);
        }
        out.push('>');
    }
}
