//! The TL declaration of a definition, as shown in generated doc comments.

use crate::graph::{sized_object_part, SizedPart};
use proc_macro2::TokenStream;
use quote::quote;
use tl_parser::{Definition, Param, ParamKind, TypeRef};

/// Doc lines saying where each `Object` param of `def` ends (see `rust_types`), since the
/// declaration alone does not tell.
pub fn object_notes(def: &Definition<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    for (i, p) in def.params.iter().enumerate() {
        let ParamKind::Typed { ty, .. } = &p.kind else { continue };
        if ty.name != "Object" {
            continue;
        }
        let name = p.name.as_deref().unwrap_or("_");
        let note = match sized_object_part(def, i) {
            Some(SizedPart::Body) => format!(
                " `{name}` is exactly `bytes` bytes long (`tl_codec::sized_object`); encoding writes the \
                 object's real length, whatever `bytes` holds."
            ),
            _ => format!(
                " `{name}` is kept undecoded and takes the rest of the input (a TL object does not \
                 carry its length): decode this from a buffer that ends with it, as an `rpc_result` \
                 does, then `{name}` with `RawObject::decode` once its type is known."
            ),
        };
        let lines = wrap(&note, 96);
        out.extend(quote!(#[doc = ""] #(#[doc = #lines])*));
    }
    out
}

/// The doc lines of a function whose result type no schema defines
/// ([`TypeGraph::result_undefined`](crate::graph::TypeGraph::result_undefined)).
pub fn undefined_result_note(def: &Definition<'_>) -> TokenStream {
    let note = format!(
        " No schema given defines `{}`, so `Return` is `RawObject`: the answer undecoded.",
        def.ty.name
    );
    let lines = wrap(&note, 96);
    quote!(#[doc = ""] #(#[doc = #lines])*)
}

/// The doc line of a function saying what it answers: `tl` (the result type as the schema
/// writes it) and `link`, an intra-doc link to the generated type, where there is one. A
/// function generic in its result (`invokeWithLayer`'s `!X`) answers as its query does.
pub fn answer_note(def: &Definition<'_>, link: Option<&str>) -> TokenStream {
    let query = def.params.iter().find_map(|p| match &p.kind {
        ParamKind::Typed { ty, .. } if ty.bang && ty.name == def.ty.name => p.name.as_deref(),
        _ => None,
    });
    let note = match (query, link) {
        (Some(q), _) => format!(" Answers what its `{q}` answers."),
        (None, Some(link)) => format!(" Answers with `{}`: {link}.", type_text(&def.ty)),
        (None, None) => format!(" Answers with `{}`.", type_text(&def.ty)),
    };
    let lines = wrap(&note, 96);
    quote!(#[doc = ""] #(#[doc = #lines])*)
}

/// The doc line of a field without a doc of its own: its parameter as the schema declares
/// it (`from_id:flags.8?Peer`), which says the TL type and the flag bit that carries it.
pub fn param_note(p: &Param<'_>) -> String {
    let mut out = String::from(" `");
    param(p, &mut out);
    out.push('`');
    out
}

/// `t` as a schema writes it.
pub(super) fn type_text(t: &TypeRef<'_>) -> String {
    let mut out = String::new();
    type_ref(t, &mut out);
    out
}

/// `text` in lines of at most `width` characters (longer words stay whole), each starting with
/// the space that doc comments have after `///`.
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        line.push(' ');
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

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
