//! Writers: canonical TL text and the official JSON form. Both parse back to the same model
//! (modulo spans; JSON cannot carry anonymous parameters such as `# [ t ]` or the `?` of
//! builtins, nor which ids were computed rather than written).

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::model::*;

/// Canonical TL text: `---types---`/`---functions---` sections, `// LAYER N` markers (or
/// `===N===` when the schema announces no layer), ids as 8 hex digits, td_api doc comments.
pub fn to_tl(schema: &Schema<'_>) -> String {
    let mut out = String::with_capacity(schema.definitions.len() * 96 + 64);
    // Each type doc goes right before the first constructor of its type.
    let mut first_ctor: HashMap<&str, usize> = HashMap::new();
    for (i, d) in schema.definitions.iter().enumerate() {
        if d.category == Category::Type {
            first_ctor.entry(d.ty.name.as_ref()).or_insert(i);
        }
    }
    let anchors: Vec<usize> = schema
        .type_docs
        .iter()
        .map(|td| first_ctor.get(td.name.as_ref()).copied().unwrap_or(usize::MAX))
        .collect();
    let mut next_doc = 0;
    let mut category = Category::Type;
    let mut layer_marker: Option<u32> = None;
    let comments = schema.layer.is_some();
    for (i, def) in schema.definitions.iter().enumerate() {
        if def.category != category {
            category = def.category;
            out.push_str(match category {
                Category::Type => "\n---types---\n\n",
                Category::Function => "\n---functions---\n\n",
            });
        }
        if def.section_layer.is_some() && def.section_layer != layer_marker {
            layer_marker = def.section_layer;
            let n = def.section_layer.unwrap_or(0);
            if comments {
                let _ = writeln!(out, "// LAYER {n}");
            } else {
                let _ = writeln!(out, "==={n}===");
            }
        }
        while next_doc < anchors.len() && anchors[next_doc] <= i {
            type_doc(&schema.type_docs[next_doc], &mut out);
            next_doc += 1;
        }
        if !def.doc.is_empty() {
            out.push('\n');
            for (i, (tag, text)) in def.doc.tags.iter().enumerate() {
                // A line starting with `//@class` would be a type doc: such a tag stays on
                // the line before (`//@description ... @class ...`).
                if i > 0 && tag != "class" {
                    out.push('\n');
                }
                if i > 0 && tag == "class" {
                    out.push_str(" @");
                    out.push_str(tag);
                    if !text.is_empty() {
                        out.push(' ');
                        out.push_str(&one_line(text));
                    }
                } else {
                    doc_tag(tag, text, &mut out);
                }
            }
            out.push('\n');
        }
        declaration(def, &mut out);
        out.push('\n');
    }
    for td in &schema.type_docs[next_doc..] {
        type_doc(td, &mut out);
    }
    if let Some(n) = schema.layer {
        if layer_marker != Some(n) {
            let _ = writeln!(out, "\n// LAYER {n}");
        }
    }
    out
}

fn type_doc(td: &TypeDoc<'_>, out: &mut String) {
    // Every tag of a type doc stays on the `//@class` line: a following `//@` line would
    // start the doc of the next definition. Only the last tag can go on over `//-` lines.
    out.push_str("\n//@class ");
    out.push_str(&one_line(&td.name));
    let n = td.doc.tags.len();
    for (i, (tag, text)) in td.doc.tags.iter().enumerate() {
        out.push_str(" @");
        out.push_str(tag);
        if i + 1 == n {
            doc_text(text, out);
        } else if !text.is_empty() {
            out.push(' ');
            out.push_str(&one_line(text));
        }
    }
    out.push('\n');
}

/// `//@tag text` on its own line.
fn doc_tag(tag: &str, text: &str, out: &mut String) {
    out.push_str("//@");
    out.push_str(tag);
    doc_text(text, out);
}

/// ` text` after a tag. Text holding ` @word` (which would start a new tag) goes on `//-`
/// continuation lines, which readers join back with a space.
fn doc_text(text: &str, out: &mut String) {
    let text = one_line(text);
    let b = text.as_bytes();
    let mut from = 0;
    // Whether the next piece goes on the tag's own line: only the first, even when it is
    // empty (a text that starts with `@word` starts on a `//-` line).
    let mut first = true;
    for i in 0..b.len() {
        let starts_tag = b[i] == b'@'
            && (i == 0 || b[i - 1] == b' ')
            && b.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_');
        if starts_tag {
            push_doc_part(&text[from..i], first, out);
            from = i;
            first = false;
        }
    }
    push_doc_part(&text[from..], first, out);
}

fn push_doc_part(part: &str, first: bool, out: &mut String) {
    let part = part.trim();
    if first {
        if !part.is_empty() {
            out.push(' ');
            out.push_str(part);
        }
    } else {
        out.push_str("\n//-");
        out.push_str(part);
    }
}

/// Doc text on one comment line. Only `\n` ends a line for the reader; a lone `\r` inside
/// the text is kept, as the reader keeps it.
fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    // A lone `\r` ends a line for the reader too.
    if s.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(s.replace(['\n', '\r'], " "))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// One declaration in canonical TL: `name#0123abcd {X:Type} a:int = T;`.
pub fn declaration_to_tl(def: &Definition<'_>) -> String {
    let mut out = String::with_capacity(96);
    declaration(def, &mut out);
    out
}

fn declaration(def: &Definition<'_>, out: &mut String) {
    out.push_str(&def.name);
    if let Some(id) = def.explicit_id {
        let _ = write!(out, "#{id:08x}");
    }
    for g in &def.generics {
        out.push_str(" {");
        out.push_str(&g.name);
        out.push(':');
        out.push_str(&g.kind);
        out.push('}');
    }
    for p in &def.params {
        out.push(' ');
        param(p, out, 0);
    }
    out.push_str(" = ");
    result_type(def, out);
    out.push(';');
}

/// Nesting deeper than any parsed model can hold (the parsers stop at 32 levels) is written as
/// `…`: the writers stay lossless for every parsed schema, and a hand-built model nested past
/// this cannot overflow the stack.
pub const MAX_WRITE_DEPTH: usize = 64;

/// One type reference in TL: `Vector<InputPeer>`, `%Message`, `!X`.
pub fn write_type(ty: &TypeRef<'_>, out: &mut String) {
    type_ref(ty, out, 0);
}

/// One parameter in TL: `peer:InputPeer`, `flags.3?Vector<int>`, `#`, `[ a:int ]`.
pub fn write_param(p: &Param<'_>, out: &mut String) {
    param(p, out, 0);
}

fn param(p: &Param<'_>, out: &mut String, depth: usize) {
    if let Some(n) = &p.name {
        out.push_str(n);
        out.push(':');
    }
    param_kind(&p.kind, out, depth);
}

/// A parameter's type with its condition, without its name.
pub fn write_param_type(kind: &ParamKind<'_>, out: &mut String) {
    param_kind(kind, out, 0);
}

fn param_kind(kind: &ParamKind<'_>, out: &mut String, depth: usize) {
    match kind {
        ParamKind::Nat => out.push('#'),
        ParamKind::Typed { ty, flag } => {
            if let Some(f) = flag {
                let _ = write!(out, "{}.{}?", f.field, f.bit);
            }
            type_ref(ty, out, depth);
        }
        ParamKind::Repeat { count, params } => {
            if let Some(c) = count {
                let _ = write!(out, "{c}*");
            }
            out.push('[');
            if depth >= MAX_WRITE_DEPTH {
                out.push_str(" …");
            } else {
                for p in params {
                    out.push(' ');
                    param(p, out, depth + 1);
                }
            }
            out.push_str(" ]");
        }
    }
}

fn type_ref(ty: &TypeRef<'_>, out: &mut String, depth: usize) {
    if depth > MAX_WRITE_DEPTH {
        out.push('…');
        return;
    }
    if ty.percent {
        out.push('%');
    }
    if ty.bang {
        out.push('!');
    }
    out.push_str(&ty.name);
    if !ty.args.is_empty() {
        out.push('<');
        for (i, a) in ty.args.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            type_ref(a, out, depth + 1);
        }
        out.push('>');
    }
}

/// `Vector t` when every argument is a generic variable of `def` (how TL writes the vector
/// constructor), else `Vector<T>`.
fn result_type(def: &Definition<'_>, out: &mut String) {
    let ty = &def.ty;
    let space_form = !ty.args.is_empty()
        && ty.args.iter().all(|a| {
            a.args.is_empty() && !a.percent && !a.bang && def.generics.iter().any(|g| g.name == a.name)
        });
    if !space_form {
        type_ref(ty, out, 0);
        return;
    }
    type_ref(&TypeRef { args: Vec::new(), ..ty.clone() }, out, 0);
    for a in &ty.args {
        out.push(' ');
        out.push_str(&a.name);
    }
}

/// The official JSON form, one definition per line, ids as signed decimal strings. A schema
/// layer, section layers and docs go in extra keys that official readers ignore.
pub fn to_json(schema: &Schema<'_>) -> String {
    let mut out = String::with_capacity(schema.definitions.len() * 160 + 64);
    out.push_str("{\n");
    for (key, cat) in [("constructors", Category::Type), ("methods", Category::Function)] {
        let _ = write!(out, "  \"{key}\": [");
        let mut first = true;
        for def in schema.definitions.iter().filter(|d| d.category == cat) {
            out.push_str(if first { "\n    " } else { ",\n    " });
            first = false;
            json_def(def, &mut out);
        }
        out.push_str(if first { "]" } else { "\n  ]" });
        if cat == Category::Type {
            out.push_str(",\n");
        }
    }
    if let Some(n) = schema.layer {
        let _ = write!(out, ",\n  \"layer\": {n}");
    }
    if !schema.type_docs.is_empty() {
        out.push_str(",\n  \"type_docs\": [");
        for (i, td) in schema.type_docs.iter().enumerate() {
            out.push_str(if i == 0 { "\n    {\"name\": " } else { ",\n    {\"name\": " });
            json_str(&td.name, &mut out);
            out.push_str(", \"doc\": ");
            json_doc(&td.doc, &mut out);
            out.push('}');
        }
        out.push_str("\n  ]");
    }
    out.push_str("\n}\n");
    out
}

/// [`to_json`] as a `serde_json::Value`.
pub fn to_json_value(schema: &Schema<'_>) -> serde_json::Value {
    serde_json::from_str(&to_json(schema)).unwrap_or(serde_json::Value::Null)
}

fn json_def(def: &Definition<'_>, out: &mut String) {
    let _ = write!(out, "{{\"id\": \"{}\", ", def.id as i32);
    out.push_str(if def.category == Category::Type { "\"predicate\": " } else { "\"method\": " });
    json_str(&def.name, out);
    out.push_str(", \"params\": [");
    let mut first = true;
    let mut buf = String::new();
    for p in &def.params {
        // Anonymous parameters (`# [ t ]`, `long long`) have no JSON form.
        let Some(name) = &p.name else { continue };
        if !first {
            out.push_str(", ");
        }
        first = false;
        out.push_str("{\"name\": ");
        json_str(name, out);
        out.push_str(", \"type\": ");
        buf.clear();
        param_kind(&p.kind, &mut buf, 0);
        json_str(&buf, out);
        out.push('}');
    }
    out.push_str("], \"type\": ");
    buf.clear();
    result_type(def, &mut buf);
    json_str(&buf, out);
    if let Some(n) = def.section_layer {
        let _ = write!(out, ", \"layer\": {n}");
    }
    if !def.doc.is_empty() {
        out.push_str(", \"doc\": ");
        json_doc(&def.doc, out);
    }
    out.push('}');
}

fn json_doc(doc: &Doc<'_>, out: &mut String) {
    out.push('[');
    for (i, (tag, text)) in doc.tags.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('[');
        json_str(tag, out);
        out.push_str(", ");
        json_str(text, out);
        out.push(']');
    }
    out.push(']');
}

fn json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests;
