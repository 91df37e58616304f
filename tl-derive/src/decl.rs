//! Constructor ids from TL declarations (`#[tl(decl = "...")]`), computed at compile time by
//! the schema parser, so the derive and the schema tools agree on the canonical form.

use syn::LitStr;
use tl_codegen::emit::{Codec, Constructor, Field, Role};
use tl_parser::{ParamKind, TypeRef};

/// The id of `decl`: the CRC32 of its canonical form by Telegram's rules (`true` flags left
/// out, `bytes` hashed as `string`), since declarations here are mostly Telegram's, copied
/// without their ids (a schema file without an id gets TL's own rules instead, as TDLib's and
/// TON's schemas need). A `#id` written in the declaration must match it or TL's rules (the
/// declaration as written), unless `explicit` (the `id` attribute) confirms the written one
/// (Telegram has a few constructors whose ids are neither).
pub fn decl_id(decl: &LitStr, explicit: Option<u32>) -> syn::Result<u32> {
    let src = decl.value();
    let invalid = |d: &tl_parser::Diagnostic| {
        let near = d.span.slice(&src);
        let near = if near.is_empty() { String::new() } else { format!(" (at `{near}`)") };
        syn::Error::new(decl.span(), format!("invalid TL declaration: {}{near}", d.message))
    };
    let def = tl_parser::parse_definition(&src).map_err(|d| invalid(&d))?;
    // Flag references must name an earlier `#` parameter and a bit below 32, as in a schema
    // (unknown types are fine: they are the user's own).
    let one = tl_parser::Schema { definitions: vec![def.clone()], ..Default::default() };
    if let Some(d) = tl_parser::validate(&one).iter().find(|d| d.is_error()) {
        return Err(invalid(d));
    }
    let (crc, literal) = (tl_parser::crc_id(&def), tl_parser::crc_id_literal(&def));
    match (def.explicit_id, explicit) {
        (Some(w), _) if w != crc && w != literal && explicit != Some(w) => {
            let also = if literal == crc {
                String::new()
            } else {
                format!(
                    " (#{literal:08x} by TL's rules, `{}`)",
                    tl_parser::canonical_declaration_literal(&def)
                )
            };
            Err(syn::Error::new(
                decl.span(),
                format!(
                    "the declaration says #{w:08x} but its canonical form `{}` hashes to #{crc:08x}{also}; \
                     if the id really differs, confirm it with `id = {w:#010x}`",
                    tl_parser::canonical_declaration(&def)
                ),
            ))
        }
        (Some(w), _) => Ok(w),
        (None, _) => Ok(crc),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// What one declared parameter must be in Rust.
enum Expect<'d> {
    Flags,
    TrueFlag(u32),
    Optional(u32, &'d TypeRef<'d>),
    Value(&'d TypeRef<'d>),
}

/// Why a field's Rust type cannot hold the declared TL type, for the clear cases only: a
/// fixed-width primitive of another width, or a vector written boxed where the declaration has
/// it bare (or the other way round). Anything else (the user's own types, aliases) is trusted.
fn type_mismatch(tl: &TypeRef<'_>, field: &Field) -> Option<String> {
    let rust: String = field.ty.to_string().split_whitespace().collect();
    if matches!(field.role, Role::Value(Codec::With(_)) | Role::Optional { codec: Codec::With(_), .. }) {
        return None;
    }
    let bare = matches!(field.role, Role::Value(Codec::Bare) | Role::Optional { codec: Codec::Bare, .. });
    let fixed = |t: &str| match t {
        "i32" | "u32" => Some("int"),
        "i64" | "u64" => Some("long"),
        "f64" => Some("double"),
        "bool" => Some("Bool"),
        _ if t.ends_with("[u8;16]") => Some("int128"),
        _ if t.ends_with("[u8;32]") => Some("int256"),
        _ => None,
    };
    let name = tl.name.as_ref();
    let tl_fixed = matches!(name, "int" | "long" | "double" | "Bool" | "int128" | "int256");
    if let Some(holds) = fixed(&rust) {
        if tl_fixed && holds != name && !tl.percent {
            return Some(format!("`{rust}` holds a TL `{holds}`, not `{name}`"));
        }
        if matches!(name, "string" | "bytes" | "Vector" | "vector") {
            return Some(format!("`{rust}` holds a TL `{holds}`, not `{name}`"));
        }
    }
    let is_vec = rust.starts_with("Vec<")
        || rust.starts_with("::std::vec::Vec<")
        || rust.starts_with("std::vec::Vec<");
    if is_vec {
        let bare_decl = name == "vector" || (name == "Vector" && tl.percent);
        if bare_decl && !bare {
            return Some(format!("the declaration has a bare `{name}` (no vector id): add `#[tl(bare)]`"));
        }
        if name == "Vector" && !tl.percent && bare {
            return Some("the declaration has a boxed `Vector` (with its id): drop `#[tl(bare)]`".into());
        }
    }
    None
}

/// Checks the fields against the declaration's parameters, in order: a flags word for each
/// `#`, a `bool` with the same bit for each `flags.N?true`, an `Option` with the same bit for
/// each `flags.N?T`, a plain field otherwise. Declarations with repetitions (`# [ t ]`) are
/// not compared. Names may differ: Rust and TL spell them differently.
pub fn check_fields(decl: &LitStr, ctor: &Constructor) -> syn::Result<()> {
    let src = decl.value();
    let Ok(def) = tl_parser::parse_definition(&src) else { return Ok(()) };
    let mut expected = Vec::with_capacity(def.params.len());
    for p in &def.params {
        let (text, e) = match &p.kind {
            ParamKind::Repeat { .. } => return Ok(()),
            ParamKind::Nat => (p.span.slice(&src), Expect::Flags),
            ParamKind::Typed { ty, flag: Some(f) } if ty.is_true() => {
                (p.span.slice(&src), Expect::TrueFlag(f.bit))
            }
            ParamKind::Typed { ty, flag: Some(f) } => (p.span.slice(&src), Expect::Optional(f.bit, ty)),
            ParamKind::Typed { ty, flag: None } => (p.span.slice(&src), Expect::Value(ty)),
        };
        expected.push((text, e));
    }
    if expected.len() != ctor.fields.len() {
        return Err(syn::Error::new(
            decl.span(),
            format!(
                "the declaration has {} but the type has {}",
                plural(expected.len(), "parameter"),
                plural(ctor.fields.len(), "field")
            ),
        ));
    }
    let mut errors: Option<syn::Error> = None;
    for ((text, want), field) in expected.iter().zip(&ctor.fields) {
        let ok = match (want, &field.role) {
            (Expect::Flags, Role::Flags) | (Expect::Value(_), Role::Value(_)) => true,
            (Expect::TrueFlag(b), Role::TrueFlag { bit, .. }) => b == bit,
            (Expect::Optional(b, _), Role::Optional { bit, .. }) => b == bit,
            _ => false,
        };
        let why = if ok {
            match want {
                Expect::Value(ty) | Expect::Optional(_, ty) => type_mismatch(ty, field),
                _ => None,
            }
        } else {
            Some(match want {
                Expect::Flags => "expected a `#[tl(flags)]` field".to_string(),
                Expect::TrueFlag(b) => format!("expected a `bool` with `#[tl(bit = {b})]`"),
                Expect::Optional(b, _) => format!("expected an `Option` with `#[tl(bit = {b})]`"),
                Expect::Value(_) => "expected a field without `flags` or `bit`".to_string(),
            })
        };
        if let Some(why) = why {
            let e = syn::Error::new(
                field.span,
                format!("this field does not match `{text}` in the declaration: {why}"),
            );
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
        }
    }
    errors.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(src: &str) -> syn::Result<u32> {
        decl_id(&LitStr::new(src, proc_macro2::Span::call_site()), None)
    }

    #[test]
    fn known_ids() {
        let cases = [
            ("vector {t:Type} # [ t ] = Vector t", 0x1cb5c415),
            ("boolTrue = Bool", 0x997275b5),
            ("resPQ nonce:int128 server_nonce:int128 pq:bytes server_public_key_fingerprints:Vector<long> = ResPQ", 0x05162463),
            ("req_pq_multi nonce:int128 = ResPQ;", 0xbe7e8ef1),
            ("inputPeerUser#dde8a54c user_id:long access_hash:long = InputPeer", 0xdde8a54c),
            ("messages.sendMessage flags:# no_webpage:flags.1?true silent:flags.5?true background:flags.6?true clear_draft:flags.7?true noforwards:flags.14?true update_stickersets_order:flags.15?true invert_media:flags.16?true allow_paid_floodskip:flags.19?true peer:InputPeer reply_to:flags.0?InputReplyTo message:string random_id:long reply_markup:flags.2?ReplyMarkup entities:flags.3?Vector<MessageEntity> schedule_date:flags.10?int schedule_repeat_period:flags.24?int send_as:flags.13?InputPeer quick_reply_shortcut:flags.17?InputQuickReplyShortcut effect:flags.18?long allow_paid_stars:flags.21?long suggested_post:flags.22?SuggestedPost rich_message:flags.23?InputRichMessage = Updates", 0xfef48f62),
        ];
        for (src, want) in cases {
            assert_eq!(id(src).unwrap(), want, "{src}");
        }
    }

    #[test]
    fn rejects_garbage_and_wrong_written_ids() {
        assert!(id("no equals").is_err());
        assert!(id("a#zz = B").is_err());
        assert!(id("boolTrue#12345678 = Bool").is_err());
        // A written id may follow TL's own rules (TON's `liteServer.sendMessage`, `bytes` kept).
        assert_eq!(
            id("liteServer.sendMessage#690ad482 body:bytes = liteServer.SendMsgStatus").unwrap(),
            0x690a_d482
        );
        let err = id("liteServer.sendMessage#12345678 body:bytes = liteServer.SendMsgStatus")
            .unwrap_err()
            .to_string();
        assert!(err.contains("hashes to #8749d7b1 (#690ad482 by TL's rules"), "{err}");
        let err = id("foo e:flags.0?int = Foo").unwrap_err().to_string();
        assert!(err.contains("invalid TL declaration: unknown flags field `flags`"), "{err}");
        let lit = LitStr::new("boolTrue#12345678 = Bool", proc_macro2::Span::call_site());
        assert_eq!(decl_id(&lit, Some(0x12345678)).unwrap(), 0x12345678);
    }
}
