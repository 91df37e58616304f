//! TL names to Rust identifiers: one set of rules for every item the generator writes.
//!
//! - constructors, functions and boxed types become `UpperCamelCase` items
//!   (`inputPeerUser` → `InputPeerUser`, `p_q_inner_data` → `PQInnerData`,
//!   `server_DH_params_ok` → `ServerDhParamsOk`);
//! - params become `snake_case` fields (`reply_to_msg_id` stays, `randomId` → `random_id`);
//! - namespaces become modules (`messages.sendMessage` → `messages::SendMessage`);
//! - Rust keywords are escaped: raw identifiers where Rust allows them (`r#type`), a trailing
//!   underscore for `self`, `Self`, `super`, `crate` which cannot be raw.

use proc_macro2::{Ident, Span};

/// Words of a TL name: split at `_`, `.` and case changes, keeping acronyms together
/// (`getCDNConfig` → `get`, `CDN`, `Config`).
fn words(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in name.split(['_', '.']).filter(|p| !p.is_empty()) {
        let chars: Vec<(usize, char)> = part.char_indices().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let (at, c) = chars[i];
            let prev = chars[i - 1].1;
            let next_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_ascii_lowercase());
            let boundary = c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || prev.is_ascii_uppercase() && next_lower);
            if boundary {
                out.push(&part[start..at]);
                start = at;
            }
        }
        out.push(&part[start..]);
    }
    out
}

/// `UpperCamelCase` of a TL name (without namespace).
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for w in words(name) {
        let mut chars = w.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

/// `snake_case` of a TL name.
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for w in words(name) {
        if !out.is_empty() {
            out.push('_');
        }
        out.extend(w.chars().map(|c| c.to_ascii_lowercase()));
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

const STRICT: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// An identifier for `name` (already cased), escaped when it is a Rust keyword.
pub fn ident(name: &str) -> Ident {
    if NOT_RAW.contains(&name) {
        Ident::new(&format!("{name}_"), Span::call_site())
    } else if STRICT.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// The field identifier of a TL param.
pub fn field(name: &str) -> Ident {
    ident(&snake(name))
}

/// The item identifier of a TL constructor, function or boxed type (namespace dropped).
pub fn item(name: &str) -> Ident {
    let local = name.rsplit_once('.').map_or(name, |(_, n)| n);
    ident(&camel(local))
}

/// The module path of a TL name's namespace (`messages.sendMessage` → `["messages"]`;
/// nested namespaces, which TL does not use today, nest modules).
pub fn namespace(name: &str) -> Vec<String> {
    match name.rsplit_once('.') {
        Some((ns, _)) => ns.split('.').map(snake).collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casing() {
        assert_eq!(camel("inputPeerUser"), "InputPeerUser");
        assert_eq!(camel("p_q_inner_data"), "PQInnerData");
        assert_eq!(camel("server_DH_params_ok"), "ServerDhParamsOk");
        assert_eq!(camel("getCDNConfig"), "GetCdnConfig");
        assert_eq!(camel("JSONValue"), "JsonValue");
        assert_eq!(camel("int128"), "Int128");
        assert_eq!(snake("sendMessage"), "send_message");
        assert_eq!(snake("req_DH_params"), "req_dh_params");
        assert_eq!(snake("reply_to_msg_id"), "reply_to_msg_id");
        assert_eq!(snake("ipv4"), "ipv4");
        assert_eq!(snake("g_a"), "g_a");
    }

    #[test]
    fn keywords_and_namespaces() {
        assert_eq!(field("type").to_string(), "r#type");
        assert_eq!(field("self").to_string(), "self_");
        assert_eq!(field("final").to_string(), "r#final");
        assert_eq!(item("messages.sendMessage").to_string(), "SendMessage");
        assert_eq!(item("self").to_string(), "Self_");
        assert_eq!(namespace("messages.sendMessage"), ["messages"]);
        assert!(namespace("message").is_empty());
    }
}
