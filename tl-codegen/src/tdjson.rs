//! What TDLib's JSON interface (tdjson) adds to the JSON convention, shared by the generated
//! serde code and the dynamic codec so that the two keep agreeing:
//! - fields that `td_api.tl` documents as "may be null" (what TDLib answers with) or "pass null
//!   …" (what a request may leave out) ([`nullable`]): left out when null, and on the wire
//!   `null#56730bcc` in the object's place (see `tl_codec::nullable`);
//! - `int53` is a JSON number (`int64` stays a string): [`mentions_int53`];
//! - `"@extra"` and `"@client_id"`, which TDLib adds to the objects it answers with, are read
//!   and ignored at any object's top level: [`is_ignored_key`].
//!
//! The first two concern only schemas with such docs and types: for any other (every Telegram
//! API layer) the generated types and JSON are what they were. The ignored keys are ignored in
//! every schema's JSON (no TL parameter name starts with `@`).
//!
//! The binary form of a null object is this toolchain's own (td_api has no official one): the
//! id of `null#56730bcc = Null` (from the Telegram API) where the object would be. A present
//! object at such a position is written boxed, with its constructor id, even where td_api names
//! the constructor (`photo:chatPhotoInfo`, bare in TL): bare fields could start with the bytes
//! of the null id.

use tl_parser::{Definition, ParamKind, TypeRef};

/// The id of `null#56730bcc = Null`, written where a nullable object is null.
pub const NULL_ID: u32 = 0x5673_0bcc;

/// Whether (and where) a parameter may hold null objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nullable {
    /// Never null.
    No,
    /// The object itself may be null: `Option<T>`, left out of JSON when `None`.
    Value,
    /// A vector whose elements may be null (`messages:vector<message>` documented "messages
    /// may be null"): `Vec<Option<T>>`, a null element is JSON `null`.
    Elements,
}

/// The td_api-style doc of `def`'s parameter `name`: its `//@name` tag (`//@param_description`
/// for a parameter named `description`, as TDLib writes it, since `@description` is the
/// definition's own).
pub fn param_doc<'d>(def: &'d Definition<'_>, name: &str) -> Option<&'d str> {
    if name == "description" {
        def.doc.get("param_description")
    } else {
        def.doc.get(name)
    }
}

/// Whether parameter `index` of `def` may be null: its doc says "may be null" or "pass null"
/// (in any case: `reply_to` of `sendMessage` is "…; pass null if none", `caption` of
/// `inputMessagePhoto` "…; pass null to use an empty caption"), it is always present (no flag),
/// and its type is an object type (a constructor or a boxed type that is no primitive). A
/// vector of objects documented "may be null" has elements that may be null (a vector in
/// TDLib's JSON is never null itself; "messages may be null" is said of the messages).
pub fn nullable(def: &Definition<'_>, index: usize) -> Nullable {
    let Some(param) = def.params.get(index) else { return Nullable::No };
    let ParamKind::Typed { ty, flag: None } = &param.kind else { return Nullable::No };
    let Some(doc) = param.name.as_deref().and_then(|n| param_doc(def, n)) else { return Nullable::No };
    let doc = doc.to_ascii_lowercase();
    let (may_be, pass) = (doc.contains("may be null"), doc.contains("pass null"));
    if (may_be || pass) && is_object(ty, def) {
        return Nullable::Value;
    }
    match (ty.name.as_ref(), ty.args.first()) {
        ("Vector" | "vector", Some(elem)) if may_be && is_object(elem, def) => Nullable::Elements,
        _ => Nullable::No,
    }
}

/// True for a named object type: not a wire primitive, `Bool`, a vector, `Object`, `!X` or a
/// generic parameter of `def` (declared by `{X:Type}` or by a `!X` parameter).
fn is_object(ty: &TypeRef<'_>, def: &Definition<'_>) -> bool {
    let name = crate::graph::primitive_alias(ty.name.as_ref());
    !(ty.bang
        || crate::graph::BUILTIN_NAMES.contains(&name)
        || matches!(name, "#" | "true" | "Bool" | "Vector" | "vector" | "Object")
        || crate::graph::generic_names(def).iter().any(|g| g == name))
}

/// True when `ty` is `int53` or holds it (`vector<int53>`): written as a JSON number.
pub fn mentions_int53(ty: &TypeRef<'_>) -> bool {
    ty.name == "int53" || ty.args.iter().any(mentions_int53)
}

/// True when `def` has a parameter that [`nullable`] or [`mentions_int53`] concerns: the
/// generated JSON support then carries what those need.
pub fn concerns(def: &Definition<'_>) -> bool {
    def.params.iter().enumerate().any(|(i, p)| {
        nullable(def, i) != Nullable::No
            || matches!(&p.kind, ParamKind::Typed { ty, .. } if mentions_int53(ty))
    })
}

/// Keys TDLib adds to objects (`"@extra"`, copied from a request to its answer, and
/// `"@client_id"` on what `td_receive` returns), read and ignored on input.
pub fn is_ignored_key(key: &str) -> bool {
    matches!(key, "@extra" | "@client_id")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD: &str = r#"
photo id:int53 = Photo;
//@class Sender @description A sender
senderUser user_id:int53 = Sender;
senderChat chat_id:int53 = Sender;
//@description A chat @photo Chat photo; may be null @sender Who; May Be Null @title Title; may be null
//@ids Identifiers; may be null @list List of photos; photos may be null @flag Never null
//@param_description Description; may be null @ok Flag; may be null
chat photo:photo sender:Sender title:string ids:vector<int53> list:vector<photo> flag:Bool description:photo ok:Bool = Chat;
---functions---
//@description Sends @chat_id Chat @reply_to What it answers; pass null if none @photos Photos; pass null to send none
//@caption Caption; Pass NULL to use an empty caption @text Text; pass null if none
send chat_id:int53 reply_to:Sender photos:vector<photo> caption:photo text:string = Photo;
"#;

    #[test]
    fn documented_objects_and_vectors_of_objects_are_nullable() {
        let parsed = tl_parser::parse(TD);
        assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
        let chat = parsed.schema.definitions.iter().find(|d| d.name == "chat").expect("chat");
        let got: Vec<Nullable> = (0..chat.params.len()).map(|i| nullable(chat, i)).collect();
        use Nullable::*;
        // photo, sender (case ignored), title (a string), ids (of int53), list, flag (no doc
        // saying so), description (through @param_description), ok (a Bool), past the end.
        assert_eq!(got, [Value, Value, No, No, Elements, No, Value, No]);
        assert_eq!(nullable(chat, 99), No);
        // "pass null" in a request: objects only, and never a vector's elements.
        let send = parsed.schema.definitions.iter().find(|d| d.name == "send").expect("send");
        let got: Vec<Nullable> = (0..send.params.len()).map(|i| nullable(send, i)).collect();
        assert_eq!(got, [No, Value, No, Value, No]);
        // A type parameter is no object, whether `{X:Type}` or a `!X` parameter declares it.
        let generic = tl_parser::parse(
            "---functions---\n//@description c @x may be null\ncall query:!X x:X = X;\n\
             //@description d @x may be null\ncall2 {X:Type} query:!X x:X = X;",
        );
        for def in &generic.schema.definitions {
            assert_eq!(nullable(def, 1), No, "{}", def.name);
        }
    }

    #[test]
    fn int53_is_found_inside_vectors() {
        let parsed =
            tl_parser::parse("x a:int53 b:vector<int53> c:int64 d:long e:vector<vector<int53>> = X;");
        let def = &parsed.schema.definitions[0];
        let got: Vec<bool> = def
            .params
            .iter()
            .map(|p| matches!(&p.kind, ParamKind::Typed { ty, .. } if mentions_int53(ty)))
            .collect();
        assert_eq!(got, [true, true, false, false, true]);
    }

    #[test]
    fn only_tdlib_keys_are_ignored() {
        assert!(is_ignored_key("@extra") && is_ignored_key("@client_id"));
        assert!(!is_ignored_key("@type") && !is_ignored_key("extra"));
    }
}
