//! The official JSON front-end (`{"constructors":[...],"methods":[...]}`), as published by
//! Telegram and mirrored by webogram and MadelineProto. Strings borrow from the source unless
//! they contain escapes; type strings are parsed with the TL text grammar.
//!
//! Read beyond the official keys (and written by [`crate::write::to_json`] so that the JSON
//! form keeps what TL text carries): top-level `"layer"` and `"type_docs"`, per definition
//! `"layer"` (section layer) and `"doc"` (`[["tag","text"],...]`). Unknown keys are ignored.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::text::{is_ident, is_path, parse_param_type, parse_result_type};
use crate::Parsed;

/// A JSON string: borrowed from the source when it has no escapes (serde's own `Cow` support
/// does not reach through `Option` and tuples).
struct BStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for BStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BStr<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<BStr<'de>, E> {
                Ok(BStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<BStr<'de>, E> {
                Ok(BStr(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Deserialize)]
struct JSchema<'a> {
    #[serde(borrow, default)]
    constructors: Option<Vec<JDef<'a>>>,
    #[serde(borrow, default)]
    methods: Option<Vec<JDef<'a>>>,
    #[serde(borrow, default)]
    layer: Option<JNum<'a>>,
    #[serde(borrow, default)]
    type_docs: Vec<JTypeDoc<'a>>,
}

#[derive(Deserialize)]
struct JDef<'a> {
    #[serde(borrow)]
    id: JNum<'a>,
    #[serde(borrow, default)]
    predicate: Option<BStr<'a>>,
    #[serde(borrow, default)]
    method: Option<BStr<'a>>,
    #[serde(borrow, default)]
    params: Vec<JParam<'a>>,
    #[serde(borrow, rename = "type")]
    ty: BStr<'a>,
    #[serde(borrow, default)]
    layer: Option<JNum<'a>>,
    #[serde(borrow, default)]
    doc: Vec<(BStr<'a>, BStr<'a>)>,
}

#[derive(Deserialize)]
struct JParam<'a> {
    #[serde(borrow)]
    name: BStr<'a>,
    #[serde(borrow, rename = "type")]
    ty: BStr<'a>,
}

#[derive(Deserialize)]
struct JTypeDoc<'a> {
    #[serde(borrow)]
    name: BStr<'a>,
    #[serde(borrow, default)]
    doc: Vec<(BStr<'a>, BStr<'a>)>,
}

/// An id or layer written as a number or a decimal string, signed or unsigned.
#[derive(Debug, Clone, Copy)]
enum JNum<'a> {
    Ok(u32),
    /// Not a 32-bit value, reported by the caller; the string as written when it borrows from
    /// the source (serde_json tells no position for numbers), so that the report points at it.
    Bad(Option<&'a str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for JNum<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<JNum<'a>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JNum<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a 32-bit number or a decimal string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<JNum<'de>, E> {
                Ok(num_from_i64(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<JNum<'de>, E> {
                Ok(u32::try_from(v).map_or(JNum::Bad(None), JNum::Ok))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<JNum<'de>, E> {
                Ok(JNum::Bad(None))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<JNum<'de>, E> {
                Ok(v.trim().parse::<i64>().map_or(JNum::Bad(None), num_from_i64))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<JNum<'de>, E> {
                Ok(match v.trim().parse::<i64>().map(num_from_i64) {
                    Ok(JNum::Ok(n)) => JNum::Ok(n),
                    _ => JNum::Bad(Some(v)),
                })
            }
        }
        d.deserialize_any(V)
    }
}

fn num_from_i64<'a>(v: i64) -> JNum<'a> {
    if (i32::MIN as i64..=u32::MAX as i64).contains(&v) {
        JNum::Ok(v as u32)
    } else {
        JNum::Bad(None)
    }
}

/// Doc tags as TL doc comments can carry them: one-line, trimmed text. An error when a tag
/// could not be written back as a `//@tag text` comment. `inline` docs (a type doc, all on its
/// `//@class` line) cannot hold ` @word` in a text, except in the last one.
fn doc<'a>(tags: Vec<(BStr<'a>, BStr<'a>)>, inline: bool) -> Result<Doc<'a>, String> {
    let mut out = Vec::with_capacity(tags.len());
    let n = tags.len();
    for (i, (t, v)) in tags.into_iter().enumerate() {
        let tag = t.0;
        // What a `//@tag` can hold: anything up to the first blank or line end (`\r` too).
        if tag.contains([' ', '\t', '\n', '\r']) {
            return Err(format!("doc tag `{}` contains a blank or a line break", tag.escape_debug()));
        }
        // On a `//@class` line, a tag is read as one only where ` @` is followed by a letter
        // or `_`; anything else would run into the text before it.
        if inline && !tag.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Err(format!("doc tag `{tag}` of a type doc does not start with a letter or `_`"));
        }
        let text = one_line_trimmed(v.0);
        if inline && i + 1 < n && splits_as_tag(&text) {
            return Err(format!("doc text of `{tag}` contains ` @word`, which starts a new tag"));
        }
        out.push((tag, text));
    }
    Ok(Doc { tags: out })
}

fn one_line_trimmed(text: Cow<'_, str>) -> Cow<'_, str> {
    // A lone `\r` ends a line of TL text too.
    if text.contains(['\n', '\r']) {
        return Cow::Owned(text.replace(['\n', '\r'], " ").trim().to_string());
    }
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
        Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
    }
}

/// True when ` text` holds ` @x`, which a TL doc comment would read as a new tag.
fn splits_as_tag(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'@'
            && (i == 0 || b[i - 1] == b' ')
            && b.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_')
    })
}

/// Byte offset of a borrowed string inside `src`, if it is one.
fn offset_in(src: &str, s: &str) -> Option<usize> {
    let base = src.as_ptr() as usize;
    let p = s.as_ptr() as usize;
    (p >= base && p + s.len() <= base + src.len()).then(|| p - base)
}

/// Byte offset of serde_json's 1-based line/column in `src`.
fn line_col_offset(src: &str, line: usize, col: usize) -> usize {
    let mut off = 0;
    for _ in 1..line {
        match src[off..].find('\n') {
            Some(i) => off += i + 1,
            None => return src.len(),
        }
    }
    let mut at = (off + col.saturating_sub(1)).min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Parses the official JSON form.
pub(crate) fn parse_json(src: &str) -> Parsed<'_> {
    let mut out = Parsed::default();
    let body = src.strip_prefix('\u{feff}').unwrap_or(src);
    let js: JSchema<'_> = match serde_json::from_str(body) {
        Ok(js) => js,
        Err(e) => {
            // serde_json counts in `body`; a boundary there is one in `src` past the BOM.
            let at = line_col_offset(body, e.line(), e.column()) + (src.len() - body.len());
            let at = if e.is_eof() { src.len() } else { at.min(src.len()) };
            let end = src[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            let what = match e.classify() {
                serde_json::error::Category::Eof => "truncated JSON schema",
                serde_json::error::Category::Syntax => "invalid JSON",
                serde_json::error::Category::Data => "JSON is not a TL schema",
                serde_json::error::Category::Io => "unreadable JSON",
            };
            // serde_json's message ends with "at line L column C"; the span carries that.
            let msg = e.to_string();
            let msg = msg.rsplit_once(" at line ").map_or(msg.as_str(), |(m, _)| m).to_string();
            out.diagnostics.push(Diagnostic::error("json", format!("{what}: {msg}"), Span::new(at, end)));
            return out;
        }
    };
    if js.constructors.is_none() && js.methods.is_none() {
        // Any other JSON document (a `package.json`) would otherwise read as an empty schema.
        let at = src.len() - body.trim_start().len();
        let end = if at < src.len() { at + 1 } else { at };
        out.diagnostics.push(
            Diagnostic::error(
                "json",
                "not a TL JSON schema: it has neither `constructors` nor `methods`",
                Span::new(at, end),
            )
            .with_label("a TL schema in JSON is an object with `constructors` and `methods` arrays"),
        );
        return out;
    }
    let mut cx = Cx { src, out };
    if let Some(n) = js.layer {
        cx.out.schema.layer = cx.num(n, "layer", Span::DUMMY);
    }
    for (defs, cat) in [(js.constructors, Category::Type), (js.methods, Category::Function)] {
        for jd in defs.into_iter().flatten() {
            if let Some(def) = cx.definition(jd, cat) {
                cx.out.schema.definitions.push(def);
            }
        }
    }
    for td in js.type_docs {
        let span = cx.span_of(&td.name.0);
        let name = one_line_trimmed(td.name.0);
        let checked = if splits_as_tag(&name) {
            Err(format!("type doc name `{name}` contains ` @word`"))
        } else {
            doc(td.doc, true)
        };
        match checked {
            Ok(doc) => cx.out.schema.type_docs.push(TypeDoc { name, doc, span }),
            Err(msg) => cx.out.diagnostics.push(Diagnostic::error("json", msg, span)),
        }
    }
    cx.out
}

struct Cx<'a> {
    src: &'a str,
    out: Parsed<'a>,
}

impl<'a> Cx<'a> {
    fn span_of(&self, s: &str) -> Span {
        offset_in(self.src, s).map_or(Span::DUMMY, |o| Span::new(o, o + s.len()))
    }

    /// The value of `n`, or an error at the string as written (else at `span`).
    fn num(&mut self, n: JNum<'_>, what: &str, span: Span) -> Option<u32> {
        match n {
            JNum::Ok(v) => Some(v),
            JNum::Bad(text) => {
                let span = text.map_or(span, |t| self.span_of(t));
                self.out.diagnostics.push(Diagnostic::error(
                    "json",
                    format!("{what} is not a 32-bit number"),
                    span,
                ));
                None
            }
        }
    }

    fn definition(&mut self, jd: JDef<'a>, cat: Category) -> Option<Definition<'a>> {
        let name = match (jd.predicate, jd.method, cat) {
            (Some(n), _, Category::Type) | (_, Some(n), Category::Function) => n.0,
            _ => {
                let key = if cat == Category::Type { "predicate" } else { "method" };
                let span = self.span_of(&jd.ty.0);
                self.out.diagnostics.push(Diagnostic::error(
                    "json",
                    format!("definition without a `{key}` name"),
                    span,
                ));
                return None;
            }
        };
        let name_span = self.span_of(&name);
        if !is_path(&name) {
            self.out.diagnostics.push(Diagnostic::error(
                "json",
                format!("`{name}` is not a valid definition name"),
                name_span,
            ));
            return None;
        }
        let id = self.num(jd.id, &format!("the id of `{name}`"), name_span)?;
        // Like `// LAYER N` markers in TL text, a section layer holds until the next one.
        let section_layer = match jd.layer {
            Some(n) => self.num(n, "layer", name_span),
            None => self.out.schema.definitions.last().and_then(|d| d.section_layer),
        };
        let doc = match doc(jd.doc, false) {
            Ok(doc) if doc.tags.first().is_some_and(|(t, _)| t == "class") => {
                self.out.diagnostics.push(Diagnostic::error(
                    "json",
                    "a definition's doc cannot start with `class` (that is a type doc)",
                    name_span,
                ));
                return None;
            }
            Ok(doc) => doc,
            Err(msg) => {
                self.out.diagnostics.push(Diagnostic::error("json", msg, name_span));
                return None;
            }
        };
        let mut params = Vec::with_capacity(jd.params.len());
        for jp in jd.params {
            let span = self.span_of(&jp.name.0);
            if !is_ident(&jp.name.0) {
                self.out.diagnostics.push(Diagnostic::error(
                    "json",
                    format!("parameter name `{}` of `{name}` is not an identifier", jp.name.0),
                    span,
                ));
                return None;
            }
            let kind = self.param_text(jp.ty.0, &jp.name.0)?;
            params.push(Param { name: Some(jp.name.0), kind, span });
        }
        // `Vector t` (no `<`) names type variables; `Vector<int>` names types.
        let space_args = !jd.ty.0.contains('<');
        let ty = self.result_text(jd.ty.0)?;
        let mut generics: Vec<GenericParam<'a>> = Vec::new();
        // JSON does not list `{X:Type}`; every `!X` and every `t` of `Vector t` implies one.
        for p in &params {
            if let ParamKind::Typed { ty, .. } = &p.kind {
                // Only a plain name can be declared as `{X:Type}` in TL text.
                let declarable = !ty.name.contains('.');
                if ty.bang && declarable && ty.args.is_empty() && !generics.iter().any(|g| g.name == ty.name)
                {
                    let kind = Cow::Borrowed("Type");
                    generics.push(GenericParam { name: ty.name.clone(), kind, span: ty.span });
                }
            }
        }
        if space_args {
            for a in &ty.args {
                let plain = a.args.is_empty() && !a.percent && !a.bang && !a.name.contains('.');
                if plain && !generics.iter().any(|g| g.name == a.name) {
                    let kind = Cow::Borrowed("Type");
                    generics.push(GenericParam { name: a.name.clone(), kind, span: a.span });
                }
            }
        }
        // `vector#1cb5c415 = Vector t` in JSON stands for `{t:Type} # [ t ] = Vector t`.
        if name == "vector" && params.is_empty() && space_args && ty.args.len() == 1 {
            let t = &ty.args[0];
            if t.args.is_empty() && !t.percent && !t.bang {
                let var = TypeRef { span: t.span, ..TypeRef::simple(t.name.clone()) };
                params.push(Param { name: None, kind: ParamKind::Nat, span: t.span });
                let inner =
                    Param { name: None, kind: ParamKind::Typed { ty: var, flag: None }, span: t.span };
                params.push(Param {
                    name: None,
                    kind: ParamKind::Repeat { count: None, params: vec![inner] },
                    span: t.span,
                });
            }
        }
        Some(Definition {
            name,
            explicit_id: Some(id),
            id,
            generics,
            params,
            ty,
            category: cat,
            section_layer,
            doc,
            span: name_span,
            name_span,
        })
    }

    fn param_text(&mut self, text: Cow<'a, str>, name: &str) -> Option<ParamKind<'a>> {
        match text {
            Cow::Borrowed(s) => {
                let (prefix, off) = self.locate(s);
                parse_param_type(prefix, off, name).map_err(|d| self.out.diagnostics.push(d)).ok()
            }
            Cow::Owned(s) => match parse_param_type(&s, 0, name) {
                Ok(v) => Some(v.into_owned()),
                Err(d) => self.owned_error(d, &s),
            },
        }
    }

    fn result_text(&mut self, text: Cow<'a, str>) -> Option<TypeRef<'a>> {
        match text {
            Cow::Borrowed(s) => {
                let (prefix, off) = self.locate(s);
                parse_result_type(prefix, off).map_err(|d| self.out.diagnostics.push(d)).ok()
            }
            Cow::Owned(s) => match parse_result_type(&s, 0) {
                Ok(v) => Some(v.into_owned()),
                Err(d) => self.owned_error(d, &s),
            },
        }
    }

    /// The source up to the end of borrowed string `s` and the offset of `s` in it, so that
    /// spans parsed from it are absolute.
    fn locate(&self, s: &'a str) -> (&'a str, usize) {
        match offset_in(self.src, s) {
            Some(o) => (&self.src[..o + s.len()], o),
            None => (s, 0),
        }
    }

    /// An error inside an unescaped copy of a string: its offsets mean nothing in the source.
    fn owned_error<T>(&mut self, mut d: Diagnostic, text: &str) -> Option<T> {
        d.span = Span::DUMMY;
        d.message = format!("{} (in type `{text}`)", d.message);
        self.out.diagnostics.push(d);
        None
    }
}

#[cfg(test)]
mod tests;
