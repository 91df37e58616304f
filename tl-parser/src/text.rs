//! The TL text front-end: a line-aware driver (comments, doc comments, section markers, error
//! recovery) around a nom parser for single declarations. Everything borrows from the source.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};

use nom::character::complete::digit1;
use nom::IResult;

use crate::canon::{computed_id, crc_id_src, type_into};
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::validate::Validator;
use crate::Parsed;

/// After this many syntax errors the rest of the file is not worth reporting (binary garbage).
const MAX_SYNTAX_ERRORS: usize = 200;
/// Deepest `Vector<Vector<...>>` nesting accepted; real schemas use 2.
const MAX_TYPE_DEPTH: u32 = 32;
/// Deepest `[ [ ... ] ]` nesting accepted; real schemas use 1.
const MAX_REPEAT_DEPTH: u32 = 4;
const EOF: &str = "end of file";

/// A syntax error inside one declaration, boxed so that the parsers' `Result`s stay small
/// on the hot (success) path.
type SynErr = Box<SynErrInner>;

#[derive(Debug)]
struct SynErrInner {
    /// What to show.
    diag: Diagnostic,
    /// Byte offset of the offending token: where recovery starts looking.
    at: usize,
}

type Res<'a, T> = Result<(&'a str, T), SynErr>;

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `[A-Za-z0-9_]` as a table: one load per byte in the hottest loop of the parser.
static IDENT_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'_';
        i += 1;
    }
    t
};

/// `[A-Za-z_][A-Za-z0-9_]*`: the hottest function of the parser.
#[inline(always)]
fn ident(r: &str) -> Option<(&str, &str)> {
    let b = r.as_bytes();
    if !b.first().is_some_and(|&c| is_ident_start(c)) {
        return None;
    }
    let n = ident_len(b);
    Some((&r[n..], &r[..n]))
}

/// The length of the run of `[A-Za-z0-9_]` at the start of `b`, eight bytes at a time: a byte
/// loop mispredicts its exit once per identifier, which costs more than the whole word test.
#[inline]
fn ident_len(b: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    return ident_len_sse2(b);
    #[cfg(not(target_arch = "x86_64"))]
    ident_len_swar(b)
}

/// [`ident_len`] sixteen bytes at a time (SSE2 is part of every x86_64): most names fit in
/// one block, where the SWAR test needs two or three words at twice the work each. The last
/// bytes of the input, fewer than 16, go to [`ident_len_swar`].
#[cfg(target_arch = "x86_64")]
#[inline]
fn ident_len_sse2(b: &[u8]) -> usize {
    use std::arch::x86_64::*;
    let mut i = 0;
    loop {
        let Some(block) = b.get(i..i + 16).and_then(|w| <&[u8; 16]>::try_from(w).ok()) else {
            return i + ident_len_swar(b.get(i..).unwrap_or_default());
        };
        // SAFETY: `block` is 16 readable bytes and the load has no alignment requirement;
        // SSE2 is part of every x86_64 target, so the other intrinsics are always available.
        let stop = unsafe {
            let v = _mm_loadu_si128(block.as_ptr().cast());
            // Signed compares test a byte range `lo..lo + n` once shifted to start at -128.
            let in_range = |x: __m128i, lo: u8, n: i8| {
                let shifted = _mm_add_epi8(x, _mm_set1_epi8(i8::MIN.wrapping_sub(lo as i8)));
                _mm_cmplt_epi8(shifted, _mm_set1_epi8(i8::MIN + n))
            };
            // Setting bit 5 folds `A-Z` onto `a-z` and nothing else onto them.
            let alpha = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 26);
            let digit = in_range(v, b'0', 10);
            let underscore = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8));
            let ok = _mm_or_si128(_mm_or_si128(alpha, digit), underscore);
            !(_mm_movemask_epi8(ok) as u32) & 0xffff
        };
        if stop != 0 {
            return i + stop.trailing_zeros() as usize;
        }
        i += 16;
    }
}

/// [`ident_len`] eight bytes at a time, for the last bytes of the input and other targets.
fn ident_len_swar(b: &[u8]) -> usize {
    let mut i = 0;
    while let Some(word) = b.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        let stop = non_ident_bytes(u64::from_le_bytes(word));
        if stop != 0 {
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let tail = b.get(i..).unwrap_or_default();
    i + tail.iter().position(|&c| !IDENT_BYTE[usize::from(c)]).unwrap_or(tail.len())
}

/// The high bit of each byte of `x` that is not `[A-Za-z0-9_]` (SWAR: every byte at once).
fn non_ident_bytes(x: u64) -> u64 {
    const H: u64 = 0x8080_8080_8080_8080;
    const L: u64 = 0x0101_0101_0101_0101;
    // For 7-bit bytes `v` (high bit clear), the high bit of `(v | 0x80) - c` is set iff
    // `v >= c`, and no byte borrows from its neighbour.
    let ge = |v: u64, c: u64| ((v | H) - c * L) & H;
    let low = x & !H;
    let digit = ge(low, 0x30) & !ge(low, 0x3a);
    // Setting bit 5 folds `A-Z` onto `a-z` and nothing else onto them.
    let folded = low | (0x20 * L);
    let alpha = ge(folded, 0x61) & !ge(folded, 0x7b);
    let underscore = !ge(low ^ (0x5f * L), 1) & H;
    // Bytes >= 0x80 are never part of an identifier.
    !((digit | alpha | underscore) & !(x & H)) & H
}

/// `ident(.ident)*`, e.g. `messages.sendMessage`.
#[inline]
fn path(r: &str) -> Option<(&str, &str)> {
    let (rest, _) = ident(r)?;
    Some(path_after(r, rest))
}

/// [`path`] at `r`, whose first identifier is already read (`rest` follows it).
#[inline(always)]
fn path_after<'s>(r: &'s str, rest: &'s str) -> (&'s str, &'s str) {
    let b = r.as_bytes();
    let mut n = r.len() - rest.len();
    while b.get(n) == Some(&b'.') && b.get(n + 1).is_some_and(|&c| is_ident_start(c)) {
        n += 1 + ident_len(b.get(n + 1..).unwrap_or_default());
    }
    // Only ASCII bytes were read, so `n` is a character boundary.
    let (name, rest) = r.split_at(n);
    (rest, name)
}

/// Bytes that may start something [`ws`] skips: blanks, line breaks, `/`.
static WS_START: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t[0x0c] = true;
    t[b'/' as usize] = true;
    t
};

/// Skips blanks, line breaks and comments between tokens of one declaration.
#[inline]
fn ws(r: &str) -> &str {
    // Between tokens there is nothing or a single space nearly always.
    match r.as_bytes() {
        [c, ..] if !WS_START[usize::from(*c)] => r,
        [b' ', c, ..] if !WS_START[usize::from(*c)] => r.get(1..).unwrap_or(r),
        [] => r,
        _ => ws_slow(r),
    }
}

#[inline(never)]
fn ws_slow(r: &str) -> &str {
    let b = r.as_bytes();
    let mut i = skip_blanks(b, 0);
    loop {
        let tail = &b[i..];
        if tail.starts_with(b"//") {
            i = crate::render::line_end(b, i);
        } else if tail.starts_with(b"/*") {
            i = tail.windows(2).position(|w| w == b"*/").map_or(b.len(), |n| i + n + 2);
        } else {
            // Only ASCII bytes were skipped, so `i` is a char boundary.
            return &r[i..];
        }
        i = skip_blanks(b, i);
    }
}

/// The first index at or after `i` that is not a blank or line break.
fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n' | 0x0c) {
        i += 1;
    }
    i
}

/// Skips blanks on the current line only.
fn ws_inline(r: &str) -> &str {
    r.trim_start_matches([' ', '\t'])
}

/// One declaration parser over a whole source; positions are offsets into `src`.
struct Decl<'a> {
    src: &'a str,
    /// How the end of `src` is called in messages.
    eof: &'static str,
    /// Reused buffer for a definition's parameters, so that each definition gets one
    /// exactly-sized allocation instead of a chain of regrowths.
    scratch: Cell<Vec<Param<'a>>>,
    /// Whether [`Decl::definition`] should hash every definition (validation checks written
    /// ids) or only those without a written id.
    hash_all: bool,
    /// The canonical declaration of the definition being read, built from the source as its
    /// plain parts go by (see [`CanonDraft`]).
    canon: CanonDraft,
    /// The CRC32 of the last definition's canonical declaration, when the draft had it.
    crc: Cell<Option<u32>>,
    /// The last definition has no generics and only plain parameters (see
    /// [`Decl::plain_param`]), hence no `!X` either.
    all_plain: Cell<bool>,
    /// Where the name (and id) of the definition being read ends, or its last `{X:Type}`:
    /// what a token that cannot be one of its parameters follows (see [`Decl::not_a_param`]).
    head_end: Cell<usize>,
}

/// The canonical declaration (see [`crate::canon`]) of one definition, drafted while it is
/// parsed: plain parameters are their own canonical form, so most of a declaration is copied
/// from the source in a few pieces instead of being written back from the model afterwards.
/// Anything else (generics, repetitions, blanks inside a type, ...) abandons the draft, and
/// the model-based writer takes over. (Cells: the parser's methods share `&self`.)
#[derive(Default)]
struct CanonDraft {
    text: RefCell<String>,
    /// Source range of canonical text not yet copied into `text`: parameters separated by
    /// single spaces. [`NO_RUN`] when there is none.
    run: Cell<(usize, usize)>,
    /// Still drafting: nothing was read that the draft cannot spell.
    ok: Cell<bool>,
}

/// An empty run, which no parameter can extend: `end + 1` is no offset.
const NO_RUN: (usize, usize) = (usize::MAX, usize::MAX - 1);

impl CanonDraft {
    fn begin(&self, name: &str, wanted: bool) {
        let mut text = self.text.borrow_mut();
        text.clear();
        if wanted {
            text.push_str(name);
        }
        self.run.set(NO_RUN);
        self.ok.set(wanted);
    }

    /// `src[start..end]` is, as it stands, the canonical form of a parameter (or of its start).
    /// Inlined: it is called for nearly every parameter, and mostly only extends the run.
    #[inline(always)]
    fn piece(&self, src: &str, start: usize, end: usize) {
        let (run_start, run_end) = self.run.get();
        if start == run_end.wrapping_add(1) && src.as_bytes().get(run_end) == Some(&b' ') {
            self.run.set((run_start, end));
        } else {
            self.flush(src);
            self.run.set((start, end));
        }
    }

    fn flush(&self, src: &str) {
        let (start, end) = self.run.replace(NO_RUN);
        if start > end {
            return;
        }
        match src.get(start..end) {
            Some(piece) => {
                let mut text = self.text.borrow_mut();
                text.push(' ');
                text.push_str(piece);
            }
            None => self.ok.set(false),
        }
    }

    fn push(&self, s: &str) {
        self.text.borrow_mut().push_str(s);
    }
}

impl<'a> Decl<'a> {
    fn new(src: &'a str, eof: &'static str, hash_all: bool) -> Decl<'a> {
        Decl {
            src,
            eof,
            scratch: Cell::default(),
            hash_all,
            canon: CanonDraft::default(),
            crc: Cell::new(None),
            all_plain: Cell::new(false),
            head_end: Cell::new(0),
        }
    }

    fn pos(&self, r: &str) -> usize {
        self.src.len() - r.len()
    }

    fn span(&self, from: &str, to: &str) -> Span {
        Span::new(self.pos(from), self.pos(to))
    }

    /// The span and a short description of the token starting at `r`.
    fn token(&self, r: &'a str) -> (Span, String) {
        let start = self.pos(r);
        match r.chars().next() {
            None => (Span::new(start, start), self.eof.to_string()),
            Some(c) if is_ident_char(c) => {
                let len = r.find(|c: char| !is_ident_char(c)).unwrap_or(r.len());
                (Span::new(start, start + len), format!("`{}`", &r[..len]))
            }
            Some(c) if c.is_whitespace() => {
                let what = if c == '\n' || c == '\r' { "a line break" } else { "whitespace" };
                (Span::new(start, start), what.to_string())
            }
            Some(c) if c.is_control() => {
                (Span::new(start, start + c.len_utf8()), format!("character {:?}", c))
            }
            Some(c) => (Span::new(start, start + c.len_utf8()), format!("`{c}`")),
        }
    }

    /// "expected X, found Y" at the token starting at `r`.
    fn expected(&self, r: &'a str, what: &str) -> SynErr {
        let (span, found) = self.token(r);
        Box::new(SynErrInner {
            diag: Diagnostic::error("syntax", format!("expected {what}, found {found}"), span),
            at: span.start as usize,
        })
    }

    fn error(&self, r: &'a str, span: Span, msg: String) -> SynErr {
        Box::new(SynErrInner { diag: Diagnostic::error("syntax", msg, span), at: self.pos(r) })
    }

    /// `name[#id] params... = Result;` starting at `r` (no leading blanks). With `lenient_end`
    /// the `;` may be missing at end of input (single declarations given to the derive). The
    /// definition is pushed onto `out` (built in place: a `Definition` is large).
    fn definition(
        &self,
        r: &'a str,
        category: Category,
        lenient_end: bool,
        out: &mut Vec<Definition<'a>>,
    ) -> Result<&'a str, SynErr> {
        let start = r;
        let (r1, name) = path(r).ok_or_else(|| self.expected(r, "a definition name"))?;
        let (r2, explicit_id) = self.id(r1)?;
        let name_span = self.span(start, r2);
        self.head_end.set(name_span.end as usize);
        if r2.as_bytes().first().is_some_and(|&b| b == b'.' || is_ident_start(b) || b == b'#') {
            let (span, found) = self.token(r2);
            return Err(self.error(
                r2,
                span,
                format!("expected a space after the definition name, found {found}"),
            ));
        }
        self.crc.set(None);
        self.all_plain.set(true);
        self.canon.begin(name, self.hash_all || explicit_id.is_none());
        let mut generics = Vec::new();
        let mut params = self.scratch.take();
        params.clear();
        let res = self.params_into(r2, &mut generics, &mut params);
        let mut exact = Vec::with_capacity(params.len());
        exact.append(&mut params);
        self.scratch.set(params);
        let r = res?;
        let params = exact;
        let r = ws(r);
        let at = self.pos(r);
        // Nearly always a bare name right before the `;`: read here, without the `Result`s.
        let plain = path(r).filter(|(after, _)| after.as_bytes().first() == Some(&b';'));
        let (mut r, mut ty) = match plain {
            Some((after, name)) => {
                let span = self.span(r, after);
                (
                    after,
                    TypeRef {
                        name: Cow::Borrowed(name),
                        percent: false,
                        bang: false,
                        args: Vec::new(),
                        span,
                    },
                )
            }
            None => self.type_ref(r, 0).map_err(|e| {
                if e.at == at {
                    self.expected(r, "a result type after `=`")
                } else {
                    e
                }
            })?,
        };
        // `= Vector t`: space-separated arguments, on the same line only so that a missing `;`
        // does not swallow the next declaration.
        loop {
            let r3 = ws_inline(r);
            if !r3.as_bytes().first().is_some_and(|&b| is_ident_start(b) || b == b'%') {
                break;
            }
            let (r4, arg) = self.type_ref(r3, 1)?;
            ty.args.push(arg);
            ty.span.end = self.pos(r4) as u32;
            r = r4;
        }
        let after_ty = r;
        let r = ws(r);
        let end = match r.as_bytes().first() {
            Some(b';') => &r[1..],
            None if lenient_end => r,
            _ => {
                let (_, found) = self.token(r);
                let at = self.pos(after_ty);
                return Err(Box::new(SynErrInner {
                    diag: Diagnostic::error(
                        "syntax",
                        format!("expected `;` after the result type, found {found}"),
                        Span::new(at, at),
                    )
                    .with_label("add `;` here"),
                    at: self.pos(r),
                }));
            }
        };
        if self.canon.ok.get() {
            self.canon.flush(self.src);
            let mut text = self.canon.text.borrow_mut();
            if ty.args.is_empty() && !ty.percent && !ty.bang {
                text.push_str(" = ");
                text.push_str(&ty.name);
            } else {
                text.push_str(" =");
                type_into(&ty, false, &mut text);
            }
            if self.canon.ok.get() {
                self.crc.set(Some(crc32fast::hash(text.as_bytes())));
            }
        }
        out.push(Definition {
            name: Cow::Borrowed(name),
            explicit_id,
            id: explicit_id.unwrap_or(0),
            generics,
            params,
            ty,
            category,
            section_layer: None,
            doc: Doc::default(),
            span: self.span(start, end),
            name_span,
        });
        Ok(end)
    }

    /// The generics and parameters of a definition, up to and including the `=`.
    fn params_into(
        &self,
        mut r: &'a str,
        generics: &mut Vec<GenericParam<'a>>,
        params: &mut Vec<Param<'a>>,
    ) -> Result<&'a str, SynErr> {
        loop {
            r = ws(r);
            let Some(&b) = r.as_bytes().first() else {
                return Err(self.expected(r, "`=` and a result type"));
            };
            match b {
                // A `===N===` layer section marker opening a line ends what came before it.
                b'=' if r.starts_with("===") && self.opens_line(r) => {
                    return Err(self
                        .missing_result(r, params, |line| format!("line {line} is a layer section marker")));
                }
                b'=' => return Ok(&r[1..]),
                b';' => {
                    let span = self.span(r, &r[1..]);
                    return Err(self
                        .error(r, span, "expected `=` before `;`".to_string())
                        .with_label("a declaration needs `= ResultType` before its end"));
                }
                b'{' => {
                    self.canon.ok.set(false);
                    self.all_plain.set(false);
                    let (r3, g) = self.generic(r)?;
                    self.head_end.set(g.span.end as usize);
                    generics.push(g);
                    r = r3;
                }
                _ => {
                    r = self.param(r, 0, params)?;
                }
            }
        }
    }

    /// `#1cb5c415` right after the name.
    fn id(&self, r: &'a str) -> Res<'a, Option<u32>> {
        let Some(after) = r.strip_prefix('#') else {
            return Ok((r, None));
        };
        // One pass through a table: digits and letters are mixed at random in ids, so testing
        // ranges byte by byte mispredicts about every other branch.
        let mut id = 0u32;
        let mut n = 0;
        for &c in after.as_bytes() {
            let v = HEX[usize::from(c)];
            if v == NOT_HEX {
                break;
            }
            // Only the last 8 digits stay; longer ids are an error below.
            id = (id << 4) | u32::from(v);
            n += 1;
        }
        if n == 0 {
            return Err(self.expected(after, "a hexadecimal constructor id after `#`"));
        }
        let (hex, rest) = after.split_at(n);
        if hex.len() > 8 {
            let span = self.span(r, rest);
            return Err(self.error(
                r,
                span,
                format!("constructor id `#{hex}` is longer than 8 hexadecimal digits"),
            ));
        }
        Ok((rest, Some(id)))
    }

    /// `{X:Type}`.
    fn generic(&self, r: &'a str) -> Res<'a, GenericParam<'a>> {
        let start = r;
        let r1 = ws(&r[1..]);
        let (r1, name) = ident(r1).ok_or_else(|| self.expected(r1, "a generic parameter name after `{`"))?;
        let r1 = ws(r1);
        let r1 = r1.strip_prefix(':').ok_or_else(|| self.expected(r1, "`:` after the generic name"))?;
        let r1 = ws(r1);
        let (r1, kind) = if let Some(rest) = r1.strip_prefix('#') {
            (rest, &r1[..1])
        } else {
            ident(r1).ok_or_else(|| self.expected(r1, "`Type` or `#` as the kind of a generic"))?
        };
        let r1 = ws(r1);
        let r1 = r1.strip_prefix('}').ok_or_else(|| self.expected(r1, "`}` to close `{`"))?;
        Ok((
            r1,
            GenericParam { name: Cow::Borrowed(name), kind: Cow::Borrowed(kind), span: self.span(start, r1) },
        ))
    }

    /// One parameter: `name:Type`, `name:#`, `name:flags.N?Type`, `#`, `[ t ]`, `N*[ t ]`, `?`,
    /// or an anonymous type (`long long`), pushed onto `out` (built in place: a `Param` is
    /// large, and returning it would copy it twice).
    fn param(&self, r: &'a str, depth: u32, out: &mut Vec<Param<'a>>) -> Result<&'a str, SynErr> {
        match self.plain_param(r, out) {
            Some(rest) => Ok(rest),
            None => {
                self.canon.ok.set(false);
                self.all_plain.set(false);
                self.param_general(r, depth, out)
            }
        }
    }

    /// [`Decl::param`] for every form.
    fn param_general(&self, r: &'a str, depth: u32, out: &mut Vec<Param<'a>>) -> Result<&'a str, SynErr> {
        let start = r;
        let b = r.as_bytes().first().copied().unwrap_or(0);
        match b {
            b'#' if depth == 0 && r.as_bytes().get(1).is_some_and(|&c| HEX[usize::from(c)] != NOT_HEX) => {
                Err(self.id_as_param(r, out))
            }
            b'#' => {
                out.push(Param { name: None, kind: ParamKind::Nat, span: self.span(r, &r[1..]) });
                Ok(&r[1..])
            }
            b'?' => {
                let rest = &r[1..];
                let mut ty = TypeRef::simple(&r[..1]);
                ty.span = self.span(r, rest);
                out.push(Param {
                    name: None,
                    kind: ParamKind::Typed { ty, flag: None },
                    span: self.span(r, rest),
                });
                Ok(rest)
            }
            b'[' | b'0'..=b'9' => {
                let (rest, kind) = self.repeat(r, depth)?;
                out.push(Param { name: None, kind, span: self.span(start, rest) });
                Ok(rest)
            }
            b'%' | b'!' => {
                let (rest, ty) = self.type_ref(r, 0)?;
                out.push(Param {
                    name: None,
                    kind: ParamKind::Typed { ty, flag: None },
                    span: self.span(start, rest),
                });
                Ok(rest)
            }
            _ if is_ident_start(b) => {
                let (after_name, name) = ident(r).ok_or_else(|| self.expected(r, "a parameter"))?;
                let Some(r1) = after_name.strip_prefix(':') else {
                    if depth == 0 {
                        if let Some(e) = self.not_a_param(r, out) {
                            return Err(e);
                        }
                    }
                    // An anonymous parameter of a (bare) type: `long long = Int128`.
                    let (rest, ty) = self.type_ref(r, 0)?;
                    let kind = ParamKind::Typed { ty, flag: None };
                    out.push(Param { name: None, kind, span: self.span(start, rest) });
                    return Ok(rest);
                };
                let (rest, kind) = self.param_type(r1, name, depth)?;
                out.push(Param { name: Some(Cow::Borrowed(name)), kind, span: self.span(start, rest) });
                Ok(rest)
            }
            _ if depth == 0 && self.opens_line(r) => {
                Err(self
                    .missing_result(r, out, |line| format!("line {line} cannot continue this declaration")))
            }
            _ => {
                let (span, found) = self.token(r);
                let mut e = self.error(r, span, format!("unexpected {found} in the parameter list"));
                if b == b'<' || b == b'>' {
                    e.diag = e.diag.with_note("type arguments go right after a type name: `Vector<int>`");
                }
                Err(e)
            }
        }
    }

    /// Whether the token at `r` is the first on its line.
    fn opens_line(&self, r: &str) -> bool {
        let before = self.src.as_bytes().get(..self.pos(r)).unwrap_or_default();
        let blanks = before.iter().rev().take_while(|&&b| matches!(b, b' ' | b'\t' | 0x0c)).count();
        before.len() > blanks && matches!(before[before.len() - blanks - 1], b'\n' | b'\r')
    }

    /// The error for an identifier at `r` that reads as an anonymous parameter (`long` of
    /// `long long = Int128`) but is more likely something else: the next declaration after a
    /// missing `= Type;` when it opens a line (`bar b:int` then `baz c:int = Baz;`), or a
    /// declaration's `name#id` anywhere. `None` when it can be the parameter it seems.
    #[cold]
    fn not_a_param(&self, r: &'a str, out: &[Param<'a>]) -> Option<SynErr> {
        let (after, _) = path(r)?;
        let declaration_like = after.as_bytes().first() == Some(&b'#');
        let end = if declaration_like {
            self.pos(after) + 1 + ident_len(&after.as_bytes()[1..])
        } else {
            self.pos(after)
        };
        let token = &self.src[self.pos(r)..end];
        if self.opens_line(r) {
            return Some(self.missing_result(r, out, |line| {
                if declaration_like {
                    format!("`{token}` on line {line} looks like the start of the next declaration")
                } else {
                    format!("without it, `{token}` on line {line} is read as a parameter of this declaration")
                }
            }));
        }
        if !declaration_like {
            return None;
        }
        Some(
            self.error(r, Span::new(self.pos(r), end), format!("expected a parameter, found `{token}`"))
                .with_label("a declaration's name and id cannot be a parameter")
                .with_note("is `= Type;` missing before it?"),
        )
    }

    /// "missing `= Type;`" at the end of what precedes the token at `r`, which opens a line:
    /// the declaration seems to end there. `note` says what that line is, given its number.
    #[cold]
    fn missing_result(&self, r: &'a str, out: &[Param<'a>], note: impl FnOnce(usize) -> String) -> SynErr {
        let end = out.last().map_or(0, |p| p.span.end as usize).max(self.head_end.get()).min(self.pos(r));
        let line = |at: usize| crate::render::breaks_before(self.src.as_bytes(), at) + 1;
        Box::new(SynErrInner {
            diag: Diagnostic::error(
                "syntax",
                format!("missing `= Type;` at the end of line {}?", line(end)),
                Span::new(end, end),
            )
            .with_label("the declaration seems to end here")
            .with_note(note(line(self.pos(r)))),
            at: self.pos(r),
        })
    }

    /// The error for `#12345678` read where a parameter goes: an id after a blank
    /// (`foo #12345678`), or stray.
    #[cold]
    fn id_as_param(&self, r: &'a str, out: &[Param<'a>]) -> SynErr {
        // Opening a line, it is the top level's business (a `#` line, ignored with a warning):
        // the declaration before it lacks its end.
        if self.opens_line(r) {
            return self
                .missing_result(r, out, |line| format!("line {line} cannot continue this declaration"));
        }
        let len = 1 + ident_len(r.as_bytes().get(1..).unwrap_or_default());
        let span = Span::new(self.pos(r), self.pos(r) + len);
        let token = span.slice(self.src);
        let head = self.src.get(..self.head_end.get()).unwrap_or_default();
        // The name, when it is what the id follows (no id of its own, no `{X:Type}` after it).
        let name = head
            .rfind(|c: char| !(is_ident_char(c) || c == '.' || c == '#'))
            .map_or(head, |i| &head[i + 1..]);
        let gap = self.src.get(head.len()..self.pos(r)).unwrap_or_default();
        let after_name = !name.is_empty() && !name.contains('#') && head.ends_with(is_ident_char);
        if out.is_empty() && after_name && !gap.is_empty() && gap.bytes().all(|b| b == b' ' || b == b'\t') {
            return self
                .error(r, span, format!("expected no blank between the name `{name}` and its id `{token}`"))
                .with_label(&format!("write `{name}{token}`"));
        }
        self.error(r, span, format!("expected a parameter, found `{token}`"))
            .with_label("a constructor id goes right after the declaration's name")
    }

    /// The forms that fill real schemas, `name:#`, `name:ns.Type`, `name:flags.N?Type` and
    /// `name:Vector<ns.Type>`, written without blanks inside, parsed straight into `out`
    /// (the general path passes each part through several `Result`s, a copy of the large
    /// value each time). `None`, with nothing pushed, for anything else: the general path
    /// then reads it, errors included, exactly as if this one did not exist.
    #[inline]
    fn plain_param(&self, r: &'a str, out: &mut Vec<Param<'a>>) -> Option<&'a str> {
        let (after_name, name) = ident(r)?;
        let r1 = after_name.strip_prefix(':')?;
        if let Some(rest) = r1.strip_prefix('#') {
            self.draft_plain(r, rest, None);
            out.push(Param {
                name: Some(Cow::Borrowed(name)),
                kind: ParamKind::Nat,
                span: self.span(r, rest),
            });
            return Some(rest);
        }
        let (after_first, first) = ident(r1)?;
        // The canonical form spells the bit without leading zeros.
        let mut bit_as_written = true;
        let (ty_start, flag) = match after_first.strip_prefix('.') {
            Some(r2) if r2.as_bytes().first().is_some_and(u8::is_ascii_digit) => {
                let n = r2.bytes().position(|c| !c.is_ascii_digit()).unwrap_or(r2.len());
                let (digits, r3) = r2.split_at(n);
                let ty_start = r3.strip_prefix('?')?;
                let parsed = parse_decimal(digits);
                bit_as_written = parsed.is_some() && (n == 1 || !digits.starts_with('0'));
                let bit = parsed.unwrap_or(u32::MAX);
                (ty_start, Some(FlagRef { field: Cow::Borrowed(first), bit, span: self.span(r1, r3) }))
            }
            _ => (r1, None),
        };
        let (after_path, ty_name) =
            if flag.is_some() { path(ty_start)? } else { path_after(r1, after_first) };
        let (rest, args) = match after_path.strip_prefix('<') {
            None => (after_path, Vec::new()),
            Some(inner) => {
                let (after_arg, arg_name) = path(inner)?;
                let rest = after_arg.strip_prefix('>')?;
                let arg = TypeRef {
                    name: Cow::Borrowed(arg_name),
                    percent: false,
                    bang: false,
                    args: Vec::new(),
                    span: self.span(inner, after_arg),
                };
                (rest, vec![arg])
            }
        };
        if !bit_as_written {
            self.canon.ok.set(false);
        } else if !(flag.is_some() && ty_name.as_bytes() == b"true" && args.is_empty()) {
            // (A `true` flag has no place in the hash.)
            let arg = args.first().map(|a| a.name.as_ref());
            self.draft_plain(r, rest, Some((ty_start, after_path, ty_name, arg)));
        }
        let ty = TypeRef {
            name: Cow::Borrowed(ty_name),
            percent: false,
            bang: false,
            args,
            span: self.span(ty_start, rest),
        };
        out.push(Param {
            name: Some(Cow::Borrowed(name)),
            kind: ParamKind::Typed { ty, flag },
            span: self.span(r, rest),
        });
        Some(rest)
    }

    /// Adds the plain parameter `r..rest` to the canonical draft; `ty` is `None` for `name:#`,
    /// else where its type starts, where its name ends, the name and the one type argument.
    #[inline(always)]
    fn draft_plain(&self, r: &'a str, rest: &'a str, ty: Option<(&'a str, &'a str, &str, Option<&str>)>) {
        if !self.canon.ok.get() {
            return;
        }
        let (start, end) = (self.pos(r), self.pos(rest));
        let Some((ty_start, after_name, ty_name, arg)) = ty else {
            return self.canon.piece(self.src, start, end);
        };
        // A parameter's own `bytes` hashes as `string`; `Vector<T>` as `Vector T`.
        if ty_name.as_bytes() == b"bytes" {
            self.canon.piece(self.src, start, self.pos(ty_start));
            self.canon.flush(self.src);
            self.canon.push("string");
        } else if arg.is_some() {
            self.canon.piece(self.src, start, self.pos(after_name));
            self.canon.flush(self.src);
        } else {
            return self.canon.piece(self.src, start, end);
        }
        if let Some(arg) = arg {
            self.canon.push(" ");
            self.canon.push(arg);
        }
    }

    /// What follows `name:`.
    fn param_type(&self, r: &'a str, name: &str, depth: u32) -> Res<'a, ParamKind<'a>> {
        match r.as_bytes().first() {
            Some(b'#') => return Ok((&r[1..], ParamKind::Nat)),
            Some(b'[' | b'0'..=b'9') => return self.repeat(r, depth),
            _ => {}
        }
        // A flag and a type both start with an identifier: it is scanned once.
        let (r, flag, res) = match ident(r) {
            Some((after, first)) => match self.flag_after(r, after, first) {
                Some((rest, flag)) => (rest, Some(flag), self.type_ref(rest, 0)),
                None => {
                    let (after_path, name) = path_after(r, after);
                    (r, None, self.type_args(r, after_path, name, false, false, 0))
                }
            },
            None => (r, None, self.type_ref(r, 0)),
        };
        let at = self.pos(r);
        let (rest, ty) = res.map_err(|e| {
            // Only a type that does not even start is "missing"; deeper errors say more.
            if e.at == at {
                self.expected(r, &format!("a type for parameter `{name}`"))
            } else {
                e
            }
        })?;
        Ok((rest, ParamKind::Typed { ty, flag }))
    }

    /// `flags.3?` at `r`, given its first identifier `field` (`r1` follows it), or `None`
    /// when `r` does not start with one.
    fn flag_after(&self, r: &'a str, r1: &'a str, field: &'a str) -> Option<(&'a str, FlagRef<'a>)> {
        let r2 = r1.strip_prefix('.')?;
        let n = r2.bytes().position(|c| !c.is_ascii_digit()).unwrap_or(r2.len());
        if n == 0 {
            return None;
        }
        let (digits, r3) = r2.split_at(n);
        let r4 = r3.strip_prefix('?')?;
        // Out-of-range bits are kept (saturated) so that validation can name them.
        let bit = parse_decimal(digits).unwrap_or(u32::MAX);
        Some((r4, FlagRef { field: Cow::Borrowed(field), bit, span: self.span(r, r3) }))
    }

    /// `[ params ]` or `N*[ params ]`.
    fn repeat(&self, r: &'a str, depth: u32) -> Res<'a, ParamKind<'a>> {
        let (r, count) = if r.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            let res: IResult<&str, &str> = digit1(r);
            let (r1, digits) = res.map_err(|_| self.expected(r, "a count"))?;
            let r1 = ws(r1);
            let r1 = r1.strip_prefix('*').ok_or_else(|| self.expected(r1, "`*` after a repetition count"))?;
            let count = digits.parse::<u32>().map_err(|_| {
                let span = self.span(r, &r[digits.len()..]);
                self.error(r, span, format!("repetition count `{digits}` is too large"))
            })?;
            (ws(r1), Some(count))
        } else {
            (r, None)
        };
        let Some(mut r) = r.strip_prefix('[') else {
            return Err(self.expected(r, "`[` to start a repetition"));
        };
        if depth >= MAX_REPEAT_DEPTH {
            let (span, _) = self.token(r);
            return Err(self.error(r, span, "repetitions `[ ... ]` nested too deeply".to_string()));
        }
        let mut params = Vec::new();
        loop {
            r = ws(r);
            match r.as_bytes().first() {
                Some(b']') => return Ok((&r[1..], ParamKind::Repeat { count, params })),
                None | Some(b';' | b'=') => return Err(self.expected(r, "`]` to close `[`")),
                _ => {
                    r = self.param(r, depth + 1, &mut params)?;
                }
            }
        }
    }

    /// `%T`, `!X`, `ns.Type`, `Vector<T>`, `(vector T)`.
    fn type_ref(&self, r: &'a str, depth: u32) -> Res<'a, TypeRef<'a>> {
        let start = r;
        let (r, percent) = match r.strip_prefix('%') {
            Some(rest) => (rest, true),
            None => (r, false),
        };
        let (r, bang) = match r.strip_prefix('!') {
            Some(rest) => (rest, true),
            None => (r, false),
        };
        if r.starts_with('(') {
            let (rest, mut ty) = self.applied(r, depth)?;
            ty.percent |= percent;
            ty.bang |= bang;
            ty.span = self.span(start, rest);
            return Ok((rest, ty));
        }
        let (r, name) = path(r).ok_or_else(|| self.expected(r, "a type name"))?;
        self.type_args(start, r, name, percent, bang, depth)
    }

    /// TL's parenthesized form of a type (its formal grammar's `( expr )`): a type applied to
    /// arguments separated by blanks, `(vector int)` or `(Vector (vector %Message))`, as TON's
    /// schemas write what Telegram's write `vector<int>`. The model is the same, so the
    /// canonical declaration has no parentheses (`param_list:vector int`), as TL hashes it.
    fn applied(&self, r: &'a str, depth: u32) -> Res<'a, TypeRef<'a>> {
        let open = r;
        let inner = ws(&r[1..]);
        if depth >= MAX_TYPE_DEPTH {
            let span = self.span(open, inner);
            return Err(self.error(open, span, "type arguments nested too deeply".to_string()));
        }
        let (mut r, mut ty) = self.type_ref(inner, depth + 1)?;
        // `(Vector<int> long)` would give arguments twice over.
        let closed = !ty.args.is_empty();
        loop {
            r = ws(r);
            match r.as_bytes().first() {
                Some(b')') => return Ok((&r[1..], ty)),
                Some(&b) if b == b'(' || b == b'%' || is_ident_start(b) => {
                    if closed {
                        let (span, _) = self.token(r);
                        let msg = format!("`{}<…>` already has its arguments", ty.name);
                        return Err(self.error(r, span, msg));
                    }
                    let (rest, arg) = self.type_ref(r, depth + 1)?;
                    ty.args.push(arg);
                    r = rest;
                }
                _ => return Err(self.expected(r, "`)` to close `(`")),
            }
        }
    }

    /// The rest of a type reference that began at `start`, after its `name` (`r` follows it):
    /// `<...>` arguments, if any.
    fn type_args(
        &self,
        start: &'a str,
        mut r: &'a str,
        name: &'a str,
        percent: bool,
        bang: bool,
        depth: u32,
    ) -> Res<'a, TypeRef<'a>> {
        let mut args = Vec::new();
        if let Some(mut inner) = r.strip_prefix('<') {
            if depth >= MAX_TYPE_DEPTH {
                let span = self.span(r, inner);
                return Err(self.error(r, span, "type arguments nested too deeply".to_string()));
            }
            loop {
                inner = ws(inner);
                let (r1, arg) = self.type_ref(inner, depth + 1)?;
                args.push(arg);
                let r1 = ws(r1);
                if let Some(r2) = r1.strip_prefix(',') {
                    inner = r2;
                } else if let Some(r2) = r1.strip_prefix('>') {
                    r = r2;
                    break;
                } else {
                    return Err(self.expected(r1, "`>` to close the type arguments"));
                }
            }
        }
        Ok((r, TypeRef { name: Cow::Borrowed(name), percent, bang, args, span: self.span(start, r) }))
    }
}

impl SynErrInner {
    fn with_label(mut self: Box<Self>, label: &str) -> SynErr {
        self.diag = self.diag.with_label(label);
        self
    }

    fn with_note(mut self: Box<Self>, note: &str) -> SynErr {
        self.diag = self.diag.with_note(note);
        self
    }
}

/// Where a doc continuation line (`//-`) goes.
#[derive(Clone, Copy, PartialEq)]
enum DocTarget {
    None,
    Pending,
    TypeDoc(usize),
}

/// The whole-file driver.
struct Driver<'a> {
    src: &'a str,
    decl: Decl<'a>,
    pos: usize,
    category: Category,
    section_layer: Option<u32>,
    pending_doc: Doc<'a>,
    /// Where `pending_doc` starts and ends (its `//@` lines).
    pending_doc_span: Span,
    doc_target: DocTarget,
    syntax_errors: usize,
    crc_buf: String,
    /// Semantic checks run on each definition as it is parsed (for [`crate::check`]).
    validator: Option<Validator<'a>>,
    out: Parsed<'a>,
}

impl<'a> Driver<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    /// Offset of the end of the line containing `from` (its `\n` or `\r`, or the end).
    fn line_end(&self, from: usize) -> usize {
        crate::render::line_end(self.src.as_bytes(), from)
    }

    fn run(mut self) -> Parsed<'a> {
        if self.src.starts_with('\u{feff}') {
            self.pos = 3;
        }
        loop {
            self.pos = skip_blanks(self.src.as_bytes(), self.pos);
            let trimmed = self.rest();
            let Some(&b) = trimmed.as_bytes().first() else { break };
            if trimmed.starts_with("//") {
                self.line_comment();
            } else if trimmed.starts_with("/*") {
                self.block_comment();
            } else if trimmed.starts_with("---") {
                self.section_marker();
            } else if trimmed.starts_with("===") {
                self.layer_section();
            } else if b == b'#' {
                let end = self.line_end(self.pos);
                self.out.diagnostics.push(
                    Diagnostic::warning(
                        "hash-comment",
                        "line starts with `#`; TL has no `#` comments, the line is ignored",
                        Span::new(self.pos, end),
                    )
                    .with_note("write `//` to comment out a declaration"),
                );
                self.pos = end;
            } else if is_ident_start(b) {
                self.declaration();
            } else {
                let d = Decl::new(self.src, EOF, false);
                let e = d.expected(trimmed, "a declaration, a comment or a section marker");
                self.syntax_error(*e, self.pos);
            }
            if self.syntax_errors >= MAX_SYNTAX_ERRORS {
                let at = self.pos.min(self.src.len());
                self.out.diagnostics.push(Diagnostic::error(
                    "syntax",
                    format!("too many syntax errors ({MAX_SYNTAX_ERRORS}); the rest of the file is skipped"),
                    Span::new(at, at),
                ));
                break;
            }
        }
        self.orphan_doc("the file ends after it");
        if let Some(v) = self.validator.take() {
            let more = v.finish(&self.out.schema);
            self.out.diagnostics.extend(more);
        }
        self.out
    }

    fn declaration(&mut self) {
        let start = self.pos;
        let rest = self.rest();
        let defs = &mut self.out.schema.definitions;
        match self.decl.definition(rest, self.category, false, defs) {
            Ok(rest) => {
                let crc = self.decl.crc.get();
                if let Some(def) = defs.last_mut() {
                    def.section_layer = self.section_layer;
                    def.doc = std::mem::take(&mut self.pending_doc);
                    if def.explicit_id.is_none() {
                        if let Some(crc) = crc {
                            debug_assert_eq!(crc, crc_id_src(def, Some(self.src), &mut self.crc_buf));
                        }
                        def.id = computed_id(def, Some(self.src), crc, &mut self.crc_buf);
                    }
                }
                if let Some(v) = &mut self.validator {
                    v.definition_in(defs, Some(self.src), crc, self.decl.all_plain.get());
                }
                self.doc_target = DocTarget::None;
                self.pos = self.src.len() - rest.len();
            }
            Err(e) => self.syntax_error(*e, start),
        }
    }

    /// Records `e` and moves past the broken declaration that began at `start`.
    fn syntax_error(&mut self, e: SynErrInner, start: usize) {
        self.syntax_errors += 1;
        let at = e.at.clamp(start, self.src.len());
        self.out.diagnostics.push(e.diag);
        let bytes = self.src.as_bytes();
        let line_start = crate::render::line_start(bytes, at);
        let first_on_line = bytes[line_start..at].iter().all(|b| b.is_ascii_whitespace());
        if line_start > start && first_on_line {
            // The offending token opens a later line: most likely a new declaration after a
            // missing `;`. Resume right there.
            self.pos = line_start;
            return;
        }
        let tail = &bytes[at..];
        let stop =
            tail.iter().position(|&b| matches!(b, b';' | b'\n' | b'\r')).map_or(bytes.len(), |i| at + i + 1);
        self.pos = stop.max(start + 1);
        while !self.src.is_char_boundary(self.pos) {
            self.pos += 1;
        }
    }

    fn line_comment(&mut self) {
        let start = self.pos;
        let end = self.line_end(start);
        self.pos = end;
        let body = self.src[start + 2..end].trim_end_matches('\r');
        let span = Span::new(start, start + 2 + body.len());
        if let Some(tags) = body.strip_prefix('@') {
            self.doc_line(tags, span);
        } else if let Some(cont) = body.strip_prefix('-') {
            self.doc_continuation(cont.trim());
        } else if let Some(n) = layer_marker(body) {
            self.out.schema.layer = Some(n);
            self.section_layer = Some(n);
        }
    }

    /// `//@tag text @tag2 text2`; `tags` starts right after the first `@`.
    fn doc_line(&mut self, tags: &'a str, span: Span) {
        let mut parsed: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::new();
        for piece in split_tags(tags) {
            let (tag, text) = piece.split_once([' ', '\t']).unwrap_or((piece, ""));
            parsed.push((Cow::Borrowed(tag), Cow::Borrowed(text.trim())));
        }
        if parsed.first().is_some_and(|(t, _)| t == "class") {
            let mut it = parsed.into_iter();
            let name = it.next().map(|(_, v)| v).unwrap_or_default();
            let doc = Doc { tags: it.collect() };
            self.out.schema.type_docs.push(TypeDoc { name, doc, span });
            self.doc_target = DocTarget::TypeDoc(self.out.schema.type_docs.len() - 1);
        } else {
            if self.pending_doc.is_empty() {
                self.pending_doc_span.start = span.start;
            }
            self.pending_doc_span.end = span.end;
            self.pending_doc.tags.extend(parsed);
            self.doc_target = DocTarget::Pending;
        }
    }

    fn doc_continuation(&mut self, text: &'a str) {
        let doc = match self.doc_target {
            DocTarget::None => return,
            DocTarget::Pending => &mut self.pending_doc,
            DocTarget::TypeDoc(i) => match self.out.schema.type_docs.get_mut(i) {
                Some(td) => &mut td.doc,
                None => return,
            },
        };
        if text.is_empty() {
            return;
        }
        if let Some((_, last)) = doc.tags.last_mut() {
            // Appending in place keeps many continuation lines linear.
            let joined = last.to_mut();
            if !joined.is_empty() {
                joined.push(' ');
            }
            joined.push_str(text);
        }
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        match self.src[start + 2..].find("*/") {
            Some(i) => self.pos = start + 2 + i + 2,
            None => {
                self.syntax_errors += 1;
                self.out.diagnostics.push(
                    Diagnostic::error("syntax", "unterminated block comment", Span::new(start, start + 2))
                        .with_label("this `/*` is never closed by `*/`"),
                );
                self.pos = self.src.len();
            }
        }
    }

    /// `---types---`, `---functions---` (inner blanks allowed: `--- functions ---`).
    fn section_marker(&mut self) {
        let start = self.pos;
        let rest = &self.src[start + 3..];
        let inner = ws_inline(rest);
        let parsed = ident(inner).and_then(|(after, word)| {
            let after = ws_inline(after);
            after.strip_prefix("---").map(|r| (r, word))
        });
        match parsed {
            Some((r, word)) if word == "types" || word == "functions" => {
                self.orphan_doc("a section marker follows it");
                self.category = if word == "types" { Category::Type } else { Category::Function };
                self.pos = self.src.len() - r.len();
            }
            _ => {
                let end = self.line_end(start);
                let span = Span::new(start, start + self.src[start..end].trim_end().len());
                self.syntax_errors += 1;
                self.out.diagnostics.push(
                    Diagnostic::error("syntax", "unknown section marker", span)
                        .with_label("expected `---types---` or `---functions---`"),
                );
                self.pos = end;
            }
        }
    }

    /// A doc comment that no definition follows before `what` (a section marker, the end of
    /// the file): it documents nothing, and handing it to the next definition would move it
    /// across the marker (`tl fmt` would write it onto the first function).
    fn orphan_doc(&mut self, what: &str) {
        if self.pending_doc.is_empty() {
            return;
        }
        self.pending_doc = Doc::default();
        self.doc_target = DocTarget::None;
        self.out.diagnostics.push(
            Diagnostic::warning("orphan-doc", "doc comment documents no definition", self.pending_doc_span)
                .with_label(what)
                .with_note("`tl fmt` leaves it out; a doc comment goes right before what it documents"),
        );
    }

    /// `===N===` (secret-chat schemas): definitions after it belong to layer N.
    fn layer_section(&mut self) {
        let start = self.pos;
        let rest = &self.src[start + 3..];
        let res: IResult<&str, &str> = digit1(rest);
        let parsed = res.ok().and_then(|(r, digits)| {
            let r = r.strip_prefix("===")?;
            Some((r, digits.parse::<u32>().ok()?))
        });
        match parsed {
            Some((r, n)) => {
                self.section_layer = Some(n);
                self.pos = self.src.len() - r.len();
            }
            None => {
                let end = self.line_end(start);
                let span = Span::new(start, start + self.src[start..end].trim_end().len());
                self.syntax_errors += 1;
                self.out.diagnostics.push(
                    Diagnostic::error("syntax", "malformed layer section marker", span)
                        .with_label("expected `===N===` with a layer number"),
                );
                self.pos = end;
            }
        }
    }
}

const NOT_HEX: u8 = 0xff;

/// The value of each hexadecimal digit, [`NOT_HEX`] for other bytes.
static HEX: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Decimal digits as a `u32`, `None` on overflow (`str::parse` is several times slower on
/// the one- and two-digit flag bits that fill schemas).
fn parse_decimal(digits: &str) -> Option<u32> {
    digits.bytes().try_fold(0u32, |acc, c| acc.checked_mul(10)?.checked_add(u32::from(c.wrapping_sub(b'0'))))
}

/// `LAYER 123` / `layer 123` alone in a comment body.
fn layer_marker(body: &str) -> Option<u32> {
    let t = body.trim();
    let word = t.get(..5)?;
    if !word.eq_ignore_ascii_case("layer") {
        return None;
    }
    let num = t[5..].strip_prefix([' ', '\t'])?.trim_start();
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse().ok()
}

/// Splits `tag text @tag2 text2` (already past the first `@`) at ` @word` boundaries.
fn split_tags(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let cur = rest?;
        let bytes = cur.as_bytes();
        let mut i = 0;
        while let Some(off) = bytes.get(i..).and_then(|t| t.windows(2).position(|w| w == b" @")) {
            let at = i + off;
            if bytes.get(at + 2).is_some_and(|&b| is_ident_start(b)) {
                rest = Some(&cur[at + 2..]);
                return Some(cur[..at].trim_end());
            }
            i = at + 2;
        }
        rest = None;
        Some(cur)
    })
}

/// Parses a whole TL text file.
pub(crate) fn parse_tl(src: &str) -> Parsed<'_> {
    parse_tl_with(src, false)
}

/// Parses and validates a whole TL text file in one pass: the diagnostics of the parse, then
/// those of [`crate::validate`], exactly as running the two in turn would give.
pub(crate) fn check_tl(src: &str) -> Parsed<'_> {
    parse_tl_with(src, true)
}

fn parse_tl_with(src: &str, validate: bool) -> Parsed<'_> {
    let mut out = Parsed::default();
    // Every declaration ends with `;`: an upper bound that saves regrowing a large vector.
    let semicolons: usize = src
        .as_bytes()
        .chunks(255)
        .map(|c| usize::from(c.iter().fold(0u8, |n, &b| n + u8::from(b == b';'))))
        .sum();
    // Capped so that a file of bare `;` cannot reserve far more than its size justifies.
    let expected = semicolons.min(src.len() / 32 + 16);
    out.schema.definitions.reserve(expected);
    Driver {
        src,
        decl: Decl::new(src, EOF, validate),
        pos: 0,
        category: Category::Type,
        section_layer: None,
        pending_doc: Doc::default(),
        pending_doc_span: Span::DUMMY,
        doc_target: DocTarget::None,
        syntax_errors: 0,
        crc_buf: String::with_capacity(256),
        validator: validate.then(|| Validator::new(expected)),
        out,
    }
    .run()
}

/// Parses one declaration (the `;` is optional); blanks and comments around it are allowed.
pub(crate) fn parse_definition(src: &str) -> Result<Definition<'_>, Diagnostic> {
    let d = Decl::new(src, "end of input", false);
    let r = ws(src.strip_prefix('\u{feff}').unwrap_or(src));
    let mut one = Vec::with_capacity(1);
    let rest = d.definition(r, Category::Type, true, &mut one).map_err(|e| e.diag)?;
    let Some(mut def) = one.pop() else {
        return Err(d.expected(r, "a declaration").diag);
    };
    let rest = ws(rest);
    if !rest.is_empty() {
        let e = d.expected(rest, "end of input after the declaration");
        return Err(e.diag);
    }
    if def.explicit_id.is_none() {
        def.id = computed_id(&def, Some(src), None, &mut String::new());
    }
    Ok(def)
}

/// Parses a parameter type such as `flags.0?Vector<int>`, `#` or `!X` as written in the JSON
/// form's `"type"` fields: the text is `src[start..]`, and spans are offsets into `src` (so a
/// caller passing the JSON source up to the end of the string gets absolute spans).
pub(crate) fn parse_param_type<'a>(
    src: &'a str,
    start: usize,
    name: &str,
) -> Result<ParamKind<'a>, Diagnostic> {
    let d = Decl::new(src, "the end of the type", false);
    let r = src.get(start..).unwrap_or("");
    let (rest, kind) = d.param_type(r, name, 0).map_err(|e| e.diag)?;
    if !rest.is_empty() {
        return Err(d.expected(rest, "end of the type").diag);
    }
    Ok(kind)
}

/// Parses a result type such as `Vector t` or `messages.Messages` (a definition's JSON
/// `"type"`), positioned like [`parse_param_type`].
pub(crate) fn parse_result_type(src: &str, start: usize) -> Result<TypeRef<'_>, Diagnostic> {
    let d = Decl::new(src, "the end of the type", false);
    let r = src.get(start..).unwrap_or("");
    let (mut r, mut ty) = d.type_ref(r, 0).map_err(|e| e.diag)?;
    loop {
        let r3 = ws_inline(r);
        if r3.is_empty() {
            return Ok(ty);
        }
        let (r4, arg) = d.type_ref(r3, 1).map_err(|e| e.diag)?;
        ty.args.push(arg);
        ty.span.end = d.pos(r4) as u32;
        r = r4;
    }
}

/// Checks that `s` is an identifier (a parameter name).
pub(crate) fn is_ident(s: &str) -> bool {
    ident(s).is_some_and(|(rest, _)| rest.is_empty())
}

/// Checks that `s` is a definition name (`ns.name`).
pub(crate) fn is_path(s: &str) -> bool {
    path(s).is_some_and(|(rest, _)| rest.is_empty())
}

#[cfg(test)]
mod tests;
