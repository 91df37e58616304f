//! The canonical form of a declaration, whose CRC32 is its constructor id.
//!
//! TL's rules: drop the `#id` and the `;`, type arguments are space-separated (`Vector<int>`
//! and `(vector int)` → `Vector int`), `{X:Type}` loses its braces (and is implied by `!X` where
//! old layers omit it), tokens are separated by single spaces. That is how TL's reference
//! tl-parser hashes a declaration, and so TDLib (`td_api.tl`) and TON ([`crc_id_literal`]).
//!
//! Telegram's API ids follow two more rules (from /mtproto/TL-combinators, checked against
//! every staged layer): `x:flags.N?true` params are dropped, and `bytes` becomes `string` as a
//! parameter's own type (not inside `Vector<bytes>`) ([`crc_id`]). Telegram's schemas write
//! every id, so these rules only check them; an id a schema leaves out is computed by TL's.

use std::collections::HashSet;

use crate::model::{Definition, Param, ParamKind, TypeRef};

/// The canonical declaration of `def` by Telegram's rules, the string whose CRC32 is its id in
/// Telegram's schemas: `vector t:Type # [ t ] = Vector t`.
pub fn canonical_declaration(def: &Definition<'_>) -> String {
    let mut out = String::with_capacity(64);
    canonical_into(def, &mut out);
    out
}

/// The CRC32 of [`canonical_declaration`]: the id Telegram would assign to `def`.
pub fn crc_id(def: &Definition<'_>) -> u32 {
    let mut buf = String::with_capacity(128);
    crc_id_with(def, &mut buf)
}

/// The canonical declaration of `def` by TL's own rules: as [`canonical_declaration`], but
/// `true` flags are kept and `bytes` stays `bytes` (see the module docs).
pub fn canonical_declaration_literal(def: &Definition<'_>) -> String {
    let mut out = String::with_capacity(64);
    canonical_src(def, None, &mut out, true);
    out
}

/// The CRC32 of [`canonical_declaration_literal`]: the id TL's tl-parser, TDLib and TON assign
/// to `def`, and the one a schema that leaves the id out gets. It is [`crc_id`] unless `def`
/// has a `true` flag or a `bytes` parameter ([`telegram_rules_apply`]).
pub fn crc_id_literal(def: &Definition<'_>) -> u32 {
    let mut buf = String::with_capacity(128);
    crc_id_literal_src(def, None, &mut buf)
}

/// Whether Telegram's two extra rules change `def`'s canonical declaration: it has a
/// parameter that is a `true` flag or of type `bytes` (also inside a repetition).
pub fn telegram_rules_apply(def: &Definition<'_>) -> bool {
    fn any(params: &[Param<'_>]) -> bool {
        params.iter().any(|p| match &p.kind {
            ParamKind::Typed { ty, flag } => (flag.is_some() && ty.is_true()) || ty.name == "bytes",
            ParamKind::Repeat { params, .. } => any(params),
            ParamKind::Nat => false,
        })
    }
    any(&def.params)
}

/// [`crc_id`] reusing `buf` as scratch space (hot path of the parser and validator).
pub(crate) fn crc_id_with(def: &Definition<'_>, buf: &mut String) -> u32 {
    crc_id_src(def, None, buf)
}

/// [`crc_id_with`] for a definition parsed from the TL text `src` (its spans index `src`),
/// which lets most parameters be copied from the source in one piece.
pub(crate) fn crc_id_src(def: &Definition<'_>, src: Option<&str>, buf: &mut String) -> u32 {
    buf.clear();
    canonical_src(def, src, buf, false);
    crc32fast::hash(buf.as_bytes())
}

/// [`crc_id_literal`] for a definition parsed from `src`, reusing `buf`.
pub(crate) fn crc_id_literal_src(def: &Definition<'_>, src: Option<&str>, buf: &mut String) -> u32 {
    buf.clear();
    canonical_src(def, src, buf, true);
    crc32fast::hash(buf.as_bytes())
}

/// The id a definition without one gets: TL's ([`crc_id_literal`]); `telegram`, its CRC by
/// Telegram's rules when already at hand, serves when the two agree.
pub(crate) fn computed_id(
    def: &Definition<'_>,
    src: Option<&str>,
    telegram: Option<u32>,
    buf: &mut String,
) -> u32 {
    match telegram {
        Some(crc) if !telegram_rules_apply(def) => crc,
        _ => crc_id_literal_src(def, src, buf),
    }
}

/// Appends the canonical declaration of `def` to `out`.
pub(crate) fn canonical_into(def: &Definition<'_>, out: &mut String) {
    canonical_src(def, None, out, false)
}

/// The length of `p`'s canonical form (without the leading space) when it is a single token
/// with no type arguments, which the text parser reads without anything in between: `x:int`,
/// `flags:#`, `x:flags.3?%T`. When the source text under `p.span` has exactly this length, it
/// *is* the canonical form: the parser reads these tokens back to back, so only a zero-padded
/// bit, a blank or a comment could sit between them, and each would make the text longer.
fn plain_len(p: &Param<'_>) -> Option<usize> {
    let name = p.name.as_ref().map_or(0, |n| n.len() + 1);
    match &p.kind {
        ParamKind::Nat => Some(name + 1),
        ParamKind::Typed { ty, flag } => {
            // A bit of `u32::MAX` may stand for a longer number, saturated by the parser.
            if !ty.args.is_empty() || ty.name == "bytes" || flag.as_ref().is_some_and(|f| f.bit == u32::MAX) {
                return None;
            }
            let flag = flag.as_ref().map_or(0, |f| f.field.len() + 2 + decimal_len(f.bit));
            Some(name + flag + usize::from(ty.percent) + usize::from(ty.bang) + ty.name.len())
        }
        ParamKind::Repeat { .. } => None,
    }
}

fn decimal_len(v: u32) -> usize {
    match v {
        0..=9 => 1,
        10..=99 => 2,
        _ => v.to_string().len(),
    }
}

/// With `literal`, by TL's rules; without, by Telegram's.
fn canonical_src(def: &Definition<'_>, src: Option<&str>, out: &mut String, literal: bool) {
    out.push_str(&def.name);
    for g in &def.generics {
        out.push(' ');
        out.push_str(&g.name);
        out.push(':');
        out.push_str(&g.kind);
    }
    // Old layers write `query:!X = X` without `{X:Type}`; the hashed form still has `X:Type`,
    // once per variable. `!X` is rare (the invoke* functions), so the sets cost nothing on
    // real schemas and keep crafted ones from going quadratic.
    let mut seen: HashSet<&str> = HashSet::new();
    let mut declared: Option<HashSet<&str>> = None;
    for p in &def.params {
        let ParamKind::Typed { ty, .. } = &p.kind else { continue };
        if !ty.bang {
            continue;
        }
        let name = ty.name.as_ref();
        let declared = declared.get_or_insert_with(|| def.generics.iter().map(|g| g.name.as_ref()).collect());
        if declared.contains(name) || !seen.insert(name) {
            continue;
        }
        out.push(' ');
        out.push_str(name);
        out.push_str(":Type");
    }
    match src {
        Some(src) => params_from_source(&def.params, src, out, literal),
        None => {
            for p in &def.params {
                param_into(p, out, literal);
            }
        }
    }
    out.push_str(" =");
    type_into(&def.ty, false, out);
}

/// The parameters of a definition parsed from `src`: each run of plain parameters (see
/// [`plain_len`]) separated by single spaces is its own canonical form, copied in one piece.
fn params_from_source(params: &[Param<'_>], src: &str, out: &mut String, literal: bool) {
    let bytes = src.as_bytes();
    // The byte range of the current run.
    let mut run: Option<(usize, usize)> = None;
    for p in params {
        match (plain_range(p, src, literal), run) {
            (Some((start, end)), Some((run_start, run_end)))
                if start == run_end + 1 && bytes.get(run_end) == Some(&b' ') =>
            {
                run = Some((run_start, end));
            }
            (plain, _) => {
                push_run(run, src, out);
                run = plain;
                if plain.is_none() {
                    param_into(p, out, literal);
                }
            }
        }
    }
    push_run(run, src, out);
}

fn push_run(run: Option<(usize, usize)>, src: &str, out: &mut String) {
    if let Some(text) = run.and_then(|(start, end)| src.get(start..end)) {
        out.push(' ');
        out.push_str(text);
    }
}

/// Where the source text of `p` is its canonical form, if it is (see [`plain_len`]).
fn plain_range(p: &Param<'_>, src: &str, literal: bool) -> Option<(usize, usize)> {
    if let ParamKind::Typed { ty, flag: Some(_) } = &p.kind {
        // Dropped from Telegram's hash: the slow path knows.
        if ty.is_true() && !literal {
            return None;
        }
    }
    let (start, end) = (p.span.start as usize, p.span.end as usize);
    // `get` also checks that the range is in `src` and on character boundaries.
    let text = src.get(start..end)?;
    (Some(text.len()) == plain_len(p)).then_some((start, end))
}

fn param_into(p: &Param<'_>, out: &mut String, literal: bool) {
    match &p.kind {
        ParamKind::Nat => {
            out.push(' ');
            if let Some(n) = &p.name {
                out.push_str(n);
                out.push(':');
            }
            out.push('#');
        }
        ParamKind::Typed { ty, flag } => {
            // A `true` flag occupies no bytes and, by Telegram's rule, no place in the hash.
            if flag.is_some() && ty.is_true() && !literal {
                return;
            }
            out.push(' ');
            if let Some(n) = &p.name {
                out.push_str(n);
                out.push(':');
            }
            if let Some(f) = flag {
                out.push_str(&f.field);
                out.push('.');
                push_u32(f.bit, out);
                out.push('?');
            }
            type_body(ty, !literal, out);
        }
        ParamKind::Repeat { count, params } => {
            out.push(' ');
            if let Some(p) = &p.name {
                out.push_str(p);
                out.push(':');
            }
            if let Some(c) = count {
                push_u32(*c, out);
                out.push('*');
            }
            out.push('[');
            for inner in params {
                param_into(inner, out, literal);
            }
            out.push_str(" ]");
        }
    }
}

/// ` ty` (with a leading space); `bytes_as_string` is Telegram's rule for a parameter's own type.
pub(crate) fn type_into(ty: &TypeRef<'_>, bytes_as_string: bool, out: &mut String) {
    out.push(' ');
    type_body(ty, bytes_as_string, out);
}

fn type_body(ty: &TypeRef<'_>, bytes_as_string: bool, out: &mut String) {
    if ty.percent {
        out.push('%');
    }
    if ty.bang {
        out.push('!');
    }
    if bytes_as_string && ty.name == "bytes" {
        out.push_str("string");
    } else {
        out.push_str(&ty.name);
    }
    // Only a parameter's own type is renamed: `Vector<bytes>` hashes as `Vector bytes`.
    for a in &ty.args {
        type_into(a, false, out);
    }
}

fn push_u32(v: u32, out: &mut String) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

#[cfg(test)]
mod tests {
    use crate::parse_definition;

    use super::*;

    fn canon(src: &str) -> String {
        canonical_declaration(&parse_definition(src).expect("parses"))
    }

    #[test]
    fn vector_matches_its_known_id() {
        let d = parse_definition("vector#1cb5c415 {t:Type} # [ t ] = Vector t;").unwrap();
        assert_eq!(canonical_declaration(&d), "vector t:Type # [ t ] = Vector t");
        assert_eq!(crc_id(&d), 0x1cb5c415);
    }

    #[test]
    fn flags_true_dropped_top_level_bytes_become_string() {
        assert_eq!(
            canon("a#1 flags:# b:flags.0?true c:flags.1?bytes d:Vector<bytes> = A"),
            "a flags:# c:flags.1?string d:Vector bytes = A"
        );
    }

    #[test]
    fn tl_rules_keep_true_flags_and_bytes() {
        let d = parse_definition("a#1 flags:# b:flags.0?true c:flags.1?bytes d:Vector<bytes> = A").unwrap();
        assert_eq!(
            canonical_declaration_literal(&d),
            "a flags:# b:flags.0?true c:flags.1?bytes d:Vector bytes = A"
        );
        assert!(telegram_rules_apply(&d));
        // The ids TON and TDLib give (their schemas leave them out): `bytes` and `true` as written.
        for (src, id) in [
            ("liteServer.sendMessage body:bytes = liteServer.SendMsgStatus", 0x690a_d482),
            (
                "liteServer.listBlockTransactions id:tonNode.blockIdExt mode:# count:# \
                 after:mode.7?liteServer.transactionId3 reverse_order:mode.6?true want_proof:mode.5?true = \
                 liteServer.BlockTransactions",
                0xadfc_c7da,
            ),
            ("encryptedCredentials data:bytes hash:bytes secret:bytes = EncryptedCredentials", 0x4f57_13ce),
        ] {
            let d = parse_definition(src).unwrap();
            assert_eq!(crc_id_literal(&d), id, "{src}");
            assert_eq!(d.id, id, "a missing id is TL's: {src}");
            assert_ne!(crc_id(&d), id, "{src}");
        }
        // Without either, the rules agree.
        let d = parse_definition("vector {t:Type} # [ t ] = Vector t;").unwrap();
        assert!(!telegram_rules_apply(&d));
        assert_eq!(crc_id_literal(&d), crc_id(&d));
    }

    #[test]
    fn builtin_ids() {
        assert_eq!(crc_id(&parse_definition("int ? = Int;").unwrap()), 0xa8509bda);
        assert_eq!(crc_id(&parse_definition("long ? = Long;").unwrap()), 0x22076cba);
        assert_eq!(crc_id(&parse_definition("string ? = String;").unwrap()), 0xb5286e24);
    }

    #[test]
    fn generics_and_bang() {
        let d = parse_definition("invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;").unwrap();
        assert_eq!(canonical_declaration(&d), "invokeWithLayer X:Type layer:int query:!X = X");
        assert_eq!(crc_id(&d), 0xda9b0d0d);
    }

    #[test]
    fn implied_generic_once_per_variable() {
        assert_eq!(canon("a q:!X r:!X s:!Y = X"), "a X:Type Y:Type q:!X r:!X s:!Y = X");
        assert_eq!(canon("a {X:Type} q:!X = X"), "a X:Type q:!X = X");
    }

    #[test]
    fn source_copies_agree_with_the_model() {
        for src in [
            "a#1 flags:# b:flags.03?int c:flags.1?true d:flags.2?bytes e:bytes f:Vector<bytes> = A;",
            "a x:flags.4294967296?int y:%Message z:!X w:long/*c*/ = X;",
            "vector {t:Type} # [ t ] = Vector t;",
            "b flags:#\n  x:flags.10?Vector< int > // trailing\n  y:int = B;",
            "int128 4*[ int ] = Int128;",
            "int ? = Int;",
            "c flags:#x:flags.0?int y:int\tz:int  w:int\nv:int u:flags.1?true t:int = C;",
        ] {
            let d = parse_definition(src).expect("parses");
            let mut buf = String::new();
            assert_eq!(crc_id_src(&d, Some(src), &mut buf), crc_id(&d), "{src}");
            assert_eq!(buf, canonical_declaration(&d), "{src}");
        }
    }

    #[test]
    fn push_u32_edges() {
        let mut s = String::new();
        push_u32(0, &mut s);
        push_u32(u32::MAX, &mut s);
        assert_eq!(s, "04294967295");
    }
}
