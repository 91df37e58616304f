//! Semantic checks of a parsed schema: ids against the CRC32 of the canonical declaration,
//! flag references, references to unknown types, duplicates.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::canon::{
    canonical_declaration, canonical_declaration_literal, crc_id_literal_src, crc_id_src,
    telegram_rules_apply,
};
use crate::diagnostic::Diagnostic;
use crate::model::*;

/// Definitions whose real Telegram id is not the CRC32 of their declaration, as
/// `(name, id)`: their mismatch is not reported. Every entry was checked against the staged
/// corpus (all 217 layers and their alternatives), where each appears identically in every
/// source that has it:
/// - `ipPortSecret`, `accessPointRule`, `help.configSimple#5a592a6c`: the `help.configSimple`
///   bootstrap family (layers 82+), hashed by Telegram from a form never published.
/// - `account.passwordInputSettings#bcfc532c` (layers 27-45): `flags.0?bytes` fields were added
///   to the declaration without a new id.
/// - `channel#c88974ac` (layers 78-92): `participants_count:flags.17?int` was added without a
///   new id.
///
/// Mismatches that the corpus shows only in one source's copy (renamed constructors such as
/// tdlib's `decryptedMessage8` or Telethon's `secret.` prefix, tdesktop's `futureSalt` typo)
/// are real defects of those copies and stay reported.
pub const KNOWN_ID_EXCEPTIONS: &[(&str, u32)] = &[
    ("ipPortSecret", 0x37982646),
    ("accessPointRule", 0x4679b65f),
    ("help.configSimple", 0x5a592a6c),
    ("account.passwordInputSettings", 0xbcfc532c),
    ("channel", 0xc88974ac),
];

/// Type names every schema may use without declaring them.
fn is_builtin(name: &str) -> bool {
    // Dispatch on the length first: most references are one of these, and each length has at
    // most three candidates.
    match name.len() {
        1 => name == "#" || name == "?",
        3 => name == "int",
        4 => matches!(name, "long" | "true" | "Bool" | "Type"),
        5 => name == "bytes",
        6 => matches!(name, "double" | "string" | "Vector" | "vector" | "Object" | "int128" | "int256"),
        _ => false,
    }
}

/// A word-at-a-time multiplicative hash (the rustc "Fx" scheme): the sets here hold a few
/// thousand short names, where SipHash's DoS resistance buys nothing and costs most of the
/// validation time.
#[derive(Default)]
struct Fx(u64);

const FX_K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_K);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        // A product's low bits depend only on the factors' low bits, and hashbrown picks the
        // bucket with the low bits: move the well-mixed high bits down.
        self.0.rotate_left(26)
    }
    fn write(&mut self, bytes: &[u8]) {
        let word = |at: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(w)
        };
        let n = bytes.len();
        if n >= 8 {
            let mut i = 0;
            while i + 8 <= n {
                self.add(word(i));
                i += 8;
            }
            // The tail as the last eight bytes, overlapping a word already taken: one load
            // instead of a byte loop. (The rare names this makes collide only cost a compare.)
            if i < n {
                self.add(word(n - 8));
            }
        } else if n >= 4 {
            let half = |at: usize| {
                let mut w = [0u8; 4];
                w.copy_from_slice(&bytes[at..at + 4]);
                u64::from(u32::from_le_bytes(w))
            };
            self.add(half(0) | (half(n - 4) << 32));
        } else if n > 0 {
            let w = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            self.add(w);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

type FastSet<T> = HashSet<T, BuildHasherDefault<Fx>>;
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// A set of names (the result types of a schema) for the validator's hottest question, "is
/// this type declared?", asked for nearly every parameter: open addressing over the full
/// hashes, so that a probe compares text only when the 64-bit hashes agree (and names of 8 to
/// 16 bytes with two word loads instead of a `memcmp` call).
struct NameSet<'s> {
    /// Full hashes, 0 for a free slot (real hashes have their low bit set).
    hashes: Vec<u64>,
    names: Vec<Cow<'s, str>>,
    len: usize,
}

impl<'s> NameSet<'s> {
    fn with_capacity(n: usize) -> NameSet<'s> {
        let slots = (n * 2).next_power_of_two().max(16);
        NameSet { hashes: vec![0; slots], names: vec![Cow::Borrowed(""); slots], len: 0 }
    }

    fn hash(name: &str) -> u64 {
        let mut h = Fx::default();
        h.write(name.as_bytes());
        h.add(name.len() as u64);
        h.finish() | 1
    }

    /// The slot holding `name`, or the free slot where it would go.
    fn slot(&self, name: &str, hash: u64) -> usize {
        let mask = self.hashes.len() - 1;
        // The high bits are the best mixed (see `Fx::finish`).
        let mut i = (hash >> 32) as usize & mask;
        loop {
            match self.hashes.get(i) {
                Some(&h) if h == hash && self.names.get(i).is_some_and(|n| same(n, name)) => return i,
                Some(0) | None => return i,
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    fn contains(&self, name: &str) -> bool {
        let i = self.slot(name, Self::hash(name));
        self.hashes.get(i).is_some_and(|&h| h != 0)
    }

    fn insert(&mut self, name: Cow<'s, str>) {
        let hash = Self::hash(&name);
        let i = self.slot(&name, hash);
        if self.hashes.get(i).is_none_or(|&h| h != 0) {
            return;
        }
        self.hashes[i] = hash;
        self.names[i] = name;
        self.len += 1;
        // At most half full, so that probes stay short and a free slot always exists.
        if self.len * 2 > self.hashes.len() {
            let mut bigger = NameSet::with_capacity(self.hashes.len());
            for (h, n) in self.hashes.iter().zip(&self.names) {
                if *h != 0 {
                    let j = bigger.slot(n, *h);
                    bigger.hashes[j] = *h;
                    bigger.names[j] = n.clone();
                    bigger.len += 1;
                }
            }
            *self = bigger;
        }
    }
}

/// `a == b`, with names of 4 to 16 bytes compared as two overlapping words each (a `memcmp`
/// call costs more than the compare: parameter names and flags fields are short).
#[inline]
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    let word = |s: &[u8], at: usize| s.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok());
    let half = |s: &[u8], at: usize| s.get(at..at + 4).and_then(|w| <[u8; 4]>::try_from(w).ok());
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

/// Runs every check over `schema`.
pub(crate) fn validate(schema: &Schema<'_>) -> Vec<Diagnostic> {
    let mut v = Validator::new(schema.definitions.len());
    for i in 1..=schema.definitions.len() {
        v.definition(&schema.definitions[..i]);
    }
    v.finish(schema)
}

/// The checks, one definition at a time, so that the TL parser can run them on each
/// definition while it is still in cache (see [`crate::check`]); [`validate`] feeds it a
/// finished schema. Diagnostics come out of [`Validator::finish`] in the same order either way:
/// definition by definition, and within one: id, flags, unknown types, duplicate.
pub(crate) struct Validator<'v> {
    /// Result types of the constructors seen so far.
    types: NameSet<'v>,
    /// References not yet known when their definition was checked (a type whose constructors
    /// come later, or an unknown one), with the index of their definition.
    pending: Vec<(u32, Cow<'v, str>, Span)>,
    /// Id and flag diagnostics, with the index of their definition.
    early: Vec<(u32, Diagnostic)>,
    /// Duplicate-definition diagnostics, with the index of their definition.
    duplicates: Vec<(u32, Diagnostic)>,
    /// Ids are nearly unique, so duplicates are looked for by id first and by name only on a
    /// clash (the value is the index of the first definition with that id).
    by_id: FastMap<u32, u32>,
    clashed: FastSet<u32>,
    pairs: FastSet<(Cow<'v, str>, u32)>,
    buf: String,
    locals: Locals<'v>,
}

impl<'v> Validator<'v> {
    /// A validator expecting about `n` definitions.
    pub(crate) fn new(n: usize) -> Validator<'v> {
        Validator {
            types: NameSet::with_capacity(n / 2 + 32),
            // Forward references: about one for every six definitions in Telegram's layers.
            pending: Vec::with_capacity(n / 4),
            early: Vec::new(),
            duplicates: Vec::new(),
            by_id: FastMap::with_capacity_and_hasher(n, Default::default()),
            clashed: FastSet::default(),
            pairs: FastSet::default(),
            buf: String::with_capacity(256),
            locals: Locals::default(),
        }
    }

    /// Checks the last of `defs`, the definitions so far.
    pub(crate) fn definition(&mut self, defs: &[Definition<'v>]) {
        self.definition_in(defs, None, None, false)
    }

    /// Checks the last of `defs`, the definitions so far, parsed from the TL text `src` (their
    /// spans index `src`). `crc`, when known, is the CRC32 of its canonical declaration;
    /// `plain` tells that it has neither generics nor `!X` parameters.
    pub(crate) fn definition_in(
        &mut self,
        defs: &[Definition<'v>],
        src: Option<&str>,
        crc: Option<u32>,
        plain: bool,
    ) {
        let Some((def, _)) = defs.split_last() else { return };
        let i = u32::try_from(defs.len() - 1).unwrap_or(u32::MAX);
        let before = self.early.len();
        check_id(def, src, crc, &mut self.buf, &mut self.early, i);
        check_flags(def, &mut self.early, i);
        debug_assert!(self.early[before..].iter().all(|(j, _)| *j == i));
        if def.category == Category::Type {
            self.types.insert(def.ty.name.clone());
        }
        self.locals.clear();
        for g in &def.generics {
            self.locals.push(g.name.clone());
        }
        // `query:!X = X` without `{X:Type}` (old layers): `!X` declares X.
        if !plain {
            collect_bang_vars(&def.params, &mut self.locals);
        }
        debug_assert!(!plain || self.locals.list.is_empty());
        if !plain && def.category == Category::Type && self.locals.contains(&def.ty.name) {
            variable_result(def, &mut self.early, i);
        }
        let mut refs =
            TypeRefs { types: &self.types, locals: &self.locals, pending: &mut self.pending, def: i };
        if def.params.len() <= SCAN_PARAMS {
            let mut names = NameFilter::default();
            for (k, p) in def.params.iter().enumerate() {
                refs.param(p);
                if let Some(name) = p.name.as_deref() {
                    if names.maybe_seen(name) {
                        repeated_param(def, k, name, &mut self.early, i);
                    }
                }
            }
        } else {
            long_params(def, &mut refs, &mut self.early, i);
        }
        if def.category == Category::Type {
            // Its own type, inserted above, is known: only its arguments may not be.
            if !def.ty.args.is_empty() {
                refs.args(&def.ty.args);
            }
        } else {
            refs.ty(&def.ty);
        }
        match self.by_id.entry(def.id) {
            Entry::Vacant(e) => {
                e.insert(i);
            }
            Entry::Occupied(e) => {
                // A clash of ids: from now on this id's names are tracked exactly.
                if self.clashed.insert(def.id) {
                    if let Some(first) = defs.get(*e.get() as usize) {
                        self.pairs.insert((first.name.clone(), def.id));
                    }
                }
                if self.pairs.insert((def.name.clone(), def.id)) {
                    if let Some(first) = defs.get(*e.get() as usize) {
                        id_collision(first, def, &mut self.duplicates, i);
                    }
                } else {
                    self.duplicates.push((
                        i,
                        Diagnostic::warning(
                            "duplicate",
                            format!("`{}#{:08x}` is defined more than once", def.name, def.id),
                            def.name_span,
                        )
                        .with_label("duplicate definition"),
                    ));
                }
            }
        }
    }

    /// Resolves the pending type references against the whole schema (`schema` holds the
    /// definitions given to [`Validator::definition`], in order) and returns every diagnostic.
    pub(crate) fn finish(self, schema: &Schema<'_>) -> Vec<Diagnostic> {
        // Built on first need: most schemas never refer to a constructor by name.
        let mut ctors: Option<FastSet<&str>> = None;
        let mut unknown: Vec<(u32, Diagnostic)> = Vec::new();
        for (i, name, span) in &self.pending {
            if self.types.contains(name.as_ref()) {
                continue;
            }
            let ctors = ctors.get_or_insert_with(|| {
                let n = schema.definitions.len();
                let mut set = FastSet::with_capacity_and_hasher(n, Default::default());
                set.extend(schema.constructors().map(|d| d.name.as_ref()));
                set
            });
            if ctors.contains(name.as_ref()) {
                continue;
            }
            let mut diag = Diagnostic::warning("unknown-type", format!("unknown type `{name}`"), *span)
                .with_label("no constructor of this type or with this name");
            let near = near_names(name, schema.constructors().map(|d| d.ty.name.as_ref()));
            if !near.is_empty() {
                diag = diag.with_note(format!("did you mean `{}`?", near.join("` or `")));
            }
            unknown.push((*i, diag));
        }
        if self.early.is_empty() && unknown.is_empty() && self.duplicates.is_empty() {
            return Vec::new();
        }
        // Merge the three lists (each in definition order) definition by definition.
        let mut out = Vec::with_capacity(self.early.len() + unknown.len() + self.duplicates.len());
        let mut early = self.early.into_iter().peekable();
        let mut unknown = unknown.into_iter().peekable();
        let mut dups = self.duplicates.into_iter().peekable();
        loop {
            let next =
                [early.peek(), unknown.peek(), dups.peek()].into_iter().flatten().map(|(i, _)| *i).min();
            let Some(i) = next else { break };
            out.extend(early.by_ref().map_while_def(i));
            out.extend(unknown.by_ref().map_while_def(i));
            out.extend(dups.by_ref().map_while_def(i));
        }
        out
    }
}

/// `def`, the `i`th definition, takes the id of `first`, which has another name: a decoder
/// meeting the id cannot tell which of the two it is. Except when one is the other without
/// its final `query:!X`: tdlib's schemas declare `invokeWithReCaptchaPrefix#adbb0f94
/// token:string = Error` beside `invokeWithReCaptcha#adbb0f94 {X:Type} token:string query:!X
/// = X` on purpose, to write the header of the wrapper alone.
#[cold]
fn id_collision(first: &Definition<'_>, def: &Definition<'_>, out: &mut Vec<(u32, Diagnostic)>, i: u32) {
    if is_prefix_of_wrapper(first, def) || is_prefix_of_wrapper(def, first) {
        return;
    }
    let kind = if first.category == Category::Type { "constructor" } else { "function" };
    out.push((
        i,
        Diagnostic::error(
            "id-collision",
            format!("id #{:08x} of `{}` is also the id of the {kind} `{}`", def.id, def.name, first.name),
            def.name_span,
        )
        .with_label(format!("same id as `{}`", first.name))
        .with_note("a decoder meeting this id cannot tell the two apart: one of them needs another id"),
    ));
}

/// Whether `prefix` is `wrapper` without its last parameter, a `!X` query.
fn is_prefix_of_wrapper(prefix: &Definition<'_>, wrapper: &Definition<'_>) -> bool {
    let Some((last, head)) = wrapper.params.split_last() else { return false };
    let query = matches!(&last.kind, ParamKind::Typed { ty, flag: None } if ty.bang);
    let text = |p: &Param<'_>| {
        let mut out = String::new();
        crate::write::write_param(p, &mut out);
        out
    };
    query
        && head.len() == prefix.params.len()
        && head.iter().zip(&prefix.params).all(|(a, b)| text(a) == text(b))
}

/// The names among `known` that an unknown `name` may have meant, at most three, sorted: the
/// same name in a namespace (`secret.DecryptedMessageMedia` for `DecryptedMessageMedia`, as
/// written in copies that leave their own namespace out of references) or in another case;
/// failing those, the names a typo or two away (`messages.sendMesage`), the nearest first.
/// For diagnostics (`tl check`'s notes, the generator's errors, the dynamic codec's).
pub fn near_names<'k>(name: &str, known: impl Iterator<Item = &'k str>) -> Vec<&'k str> {
    let known: Vec<&str> = known.collect();
    let mut near: Vec<&str> = known
        .iter()
        .copied()
        .filter(|k| {
            let local = k.rsplit_once('.').map_or(*k, |(_, l)| l);
            *k != name && (local == name || k.eq_ignore_ascii_case(name))
        })
        .collect();
    near.sort_unstable();
    near.dedup();
    if near.is_empty() {
        // One edit per four characters, at most three: `sendMesage` is near `sendMessage`,
        // `int` is near nothing but one-letter slips.
        let limit = (name.chars().count() / 4).clamp(1, 3);
        let mut typos: Vec<(usize, &str)> = known
            .iter()
            .filter(|k| **k != name)
            .filter_map(|k| edit_distance(name, k, limit).map(|d| (d, *k)))
            .collect();
        typos.sort_unstable();
        typos.dedup();
        let best = typos.first().map_or(0, |t| t.0);
        near = typos.into_iter().take_while(|t| t.0 == best).map(|t| t.1).collect();
    }
    near.truncate(3);
    near
}

/// The Levenshtein distance between `a` and `b` (in characters, a swap of neighbours counting
/// as one edit), or `None` if it is more than `limit`.
fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    // Three rows of the table: two back (for swaps), the last, the one being filled.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    let mut row: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        let mut smallest = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            row[j] = d;
            smallest = smallest.min(d);
        }
        if smallest > limit {
            return None;
        }
        std::mem::swap(&mut before, &mut last);
        std::mem::swap(&mut last, &mut row);
    }
    Some(last[b.len()]).filter(|&d| d <= limit)
}

/// Takes the leading items of one definition from a list sorted by definition.
trait MapWhileDef: Iterator<Item = (u32, Diagnostic)> + Sized {
    fn map_while_def(&mut self, i: u32) -> impl Iterator<Item = Diagnostic> + '_;
}

impl<I: Iterator<Item = (u32, Diagnostic)>> MapWhileDef for std::iter::Peekable<I> {
    fn map_while_def(&mut self, i: u32) -> impl Iterator<Item = Diagnostic> + '_ {
        std::iter::from_fn(move || self.next_if(|(j, _)| *j == i).map(|(_, d)| d))
    }
}

fn check_id(
    def: &Definition<'_>,
    src: Option<&str>,
    crc: Option<u32>,
    buf: &mut String,
    out: &mut Vec<(u32, Diagnostic)>,
    i: u32,
) {
    let Some(explicit) = def.explicit_id else { return };
    let expected = match crc {
        Some(crc) => {
            debug_assert_eq!(crc, crc_id_src(def, src, buf), "{}", canonical_declaration(def));
            crc
        }
        None => crc_id_src(def, src, buf),
    };
    if explicit == expected || KNOWN_ID_EXCEPTIONS.contains(&(def.name.as_ref(), explicit)) {
        return;
    }
    // Telegram's ids drop `true` flags and hash `bytes` as `string`; TL's own (TDLib's, TON's)
    // hash the declaration as written. Either is the declaration's id.
    let literal = telegram_rules_apply(def).then(|| crc_id_literal_src(def, src, buf));
    if literal == Some(explicit) {
        return;
    }
    let mut d = Diagnostic::warning(
        "id-mismatch",
        format!("id #{explicit:08x} of `{}` is not the CRC32 of its declaration", def.name),
        def.name_span,
    );
    d = match literal {
        None => d
            .with_label(format!("expected #{expected:08x}"))
            .with_note(format!("canonical declaration: `{}`", canonical_declaration(def))),
        Some(literal) => d
            .with_label(format!("expected #{expected:08x} (Telegram's rules) or #{literal:08x} (TL's)"))
            .with_note(format!("canonical declaration by Telegram's rules: `{}`", canonical_declaration(def)))
            .with_note(format!("by TL's, as written: `{}`", canonical_declaration_literal(def))),
    };
    out.push((i, d));
}

/// The parameter names of one definition seen so far, as a 256-slot filter over each name's
/// length and first and last bytes: "maybe seen" is rare enough (a few times in `message`'s 40
/// names) that the exact search behind it costs nothing, and the filter a few instructions.
#[derive(Default)]
struct NameFilter([u64; 4]);

impl NameFilter {
    /// Records `name`; true when a name like it was recorded before.
    #[inline]
    fn maybe_seen(&mut self, name: &str) -> bool {
        let b = name.as_bytes();
        let (first, last) = (b.first().copied().unwrap_or(0), b.last().copied().unwrap_or(0));
        let key = (b.len() as u64) | u64::from(first) << 8 | u64::from(last) << 16;
        let slot = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize;
        let (word, bit) = (slot >> 6 & 3, 1u64 << (slot & 63));
        let seen = self.0[word] & bit != 0;
        self.0[word] |= bit;
        seen
    }
}

/// Up to this many parameters, searching the list for a name is cheaper than building a set
/// (the longest real declarations have about 70).
const SCAN_PARAMS: usize = 128;

/// Parameter `k` of `def`, named `name`, when an earlier parameter has that name too: a flag
/// reference or a JSON field cannot tell them apart, and no generated struct holds both.
#[cold]
fn repeated_param(def: &Definition<'_>, k: usize, name: &str, out: &mut Vec<(u32, Diagnostic)>, i: u32) {
    if def.params[..k].iter().any(|q| q.name.as_deref() == Some(name)) {
        out.push((i, duplicate_param(def, k, name)));
    }
}

/// The parameter loop of [`Validator::definition_in`] for a definition with more than
/// [`SCAN_PARAMS`] parameters: past a hundred names the filter says "maybe" for nearly
/// every one, and searching the list each time would make a long declaration quadratic.
#[cold]
fn long_params<'v>(
    def: &Definition<'v>,
    refs: &mut TypeRefs<'_, 'v>,
    out: &mut Vec<(u32, Diagnostic)>,
    i: u32,
) {
    let mut seen: FastSet<&str> = FastSet::with_capacity_and_hasher(def.params.len(), Default::default());
    for (k, p) in def.params.iter().enumerate() {
        refs.param(p);
        if let Some(name) = p.name.as_deref() {
            if !seen.insert(name) {
                out.push((i, duplicate_param(def, k, name)));
            }
        }
    }
}

fn duplicate_param(def: &Definition<'_>, k: usize, name: &str) -> Diagnostic {
    let span = def.params.get(k).map_or(def.name_span, |p| p.span);
    Diagnostic::warning(
        "duplicate-param",
        format!("parameter `{name}` of `{}` is declared twice", def.name),
        span,
    )
    .with_label("a second parameter with this name")
}

fn check_flags(def: &Definition<'_>, out: &mut Vec<(u32, Diagnostic)>, i: u32) {
    // The `#` parameters so far that are the first of their name (`flags`, `flags2`): a flag
    // naming one of them is right, which settles nearly every flag with a compare or two.
    // Anything else takes the full search below, the only one that can find a problem.
    let mut nats: [&str; 4] = [""; 4];
    let mut n_nats = 0;
    // First and last position of each parameter name, for definitions long enough that
    // scanning for every flag would be quadratic.
    let mut index: Option<FastMap<&str, (usize, usize)>> = None;
    for (k, p) in def.params.iter().enumerate() {
        let f = match &p.kind {
            ParamKind::Nat => {
                // (Bounded: past four, flags take the full search.)
                if let (Some(name), true) = (p.name.as_deref(), n_nats < nats.len()) {
                    let first = if k <= SCAN_PARAMS {
                        !def.params[..k].iter().any(|q| q.name.as_deref().is_some_and(|n| same(n, name)))
                    } else {
                        name_index(def, &mut index).get(name).is_some_and(|&(first, _)| first == k)
                    };
                    if first {
                        nats[n_nats] = name;
                        n_nats += 1;
                    }
                }
                continue;
            }
            ParamKind::Typed { flag: Some(f), .. } => f,
            _ => continue,
        };
        let field = f.field.as_ref();
        if !nats[..n_nats].iter().any(|n| same(n, field)) {
            flag_field(def, k, f, &mut index, out, i);
        }
        if f.bit > 31 {
            let bit = if f.bit == u32::MAX { "out of range".to_string() } else { f.bit.to_string() };
            out.push((
                i,
                Diagnostic::error(
                    "flag-bit",
                    format!("flag bit {bit} does not fit a 32-bit `#` field"),
                    f.span,
                )
                .with_label("bits are numbered 0 to 31"),
            ));
        }
    }
}

/// A constructor whose result type is one of its own type parameters (`wrap {X:Type} x:X = X`,
/// or `wrap x:!X = X`, where `!X` declares it):
/// a constructor builds the type it names, so this names none. Only a function may answer with
/// its parameter's type (`invokeWithLayer {X:Type} ... query:!X = X`).
#[cold]
fn variable_result(def: &Definition<'_>, out: &mut Vec<(u32, Diagnostic)>, i: u32) {
    out.push((
        i,
        Diagnostic::error(
            "variable-result",
            format!("constructor `{}` has its type parameter `{}` as its result type", def.name, def.ty.name),
            def.ty.span,
        )
        .with_label("a constructor must name the type it builds")
        .with_note("only a function may answer with its parameter's type (`query:!X = X`); a function belongs after `---functions---`"),
    ));
}

/// The flags field of the `k`th parameter of `def`, whose flag is `f`, looked for in full.
fn flag_field<'d>(
    def: &'d Definition<'_>,
    k: usize,
    f: &FlagRef<'_>,
    index: &mut Option<FastMap<&'d str, (usize, usize)>>,
    out: &mut Vec<(u32, Diagnostic)>,
    i: u32,
) {
    if def.params.len() > 32 {
        name_index(def, index);
    }
    let field = f.field.as_ref();
    let earlier = match &index {
        Some(m) => m.get(field).and_then(|&(first, _)| (first < k).then(|| &def.params[first])),
        None => def.params[..k].iter().find(|q| q.name.as_deref() == Some(field)),
    };
    let later = || match &index {
        Some(m) => m.get(field).is_some_and(|&(_, last)| last >= k),
        None => def.params[k..].iter().any(|q| q.name.as_deref() == Some(field)),
    };
    match earlier {
        Some(q) if matches!(q.kind, ParamKind::Nat) => {}
        Some(_) => out.push((
            i,
            Diagnostic::error(
                "flag-field",
                format!("`{}` is not a `#` parameter, so it cannot hold flags", f.field),
                f.span,
            )
            .with_label("not declared as `name:#`"),
        )),
        None => {
            let note = if later() {
                format!("`{}` is declared after the parameters that use it", f.field)
            } else {
                format!("declare `{}:#` before this parameter", f.field)
            };
            out.push((
                i,
                Diagnostic::error("flag-field", format!("unknown flags field `{}`", f.field), f.span)
                    .with_label("no earlier `#` parameter has this name")
                    .with_note(note),
            ));
        }
    }
}

/// The first and last position of each parameter name of `def`, built on first use.
fn name_index<'d, 'i>(
    def: &'d Definition<'_>,
    index: &'i mut Option<FastMap<&'d str, (usize, usize)>>,
) -> &'i FastMap<&'d str, (usize, usize)> {
    index.get_or_insert_with(|| {
        let mut m = FastMap::default();
        for (i, q) in def.params.iter().enumerate() {
            if let Some(n) = &q.name {
                m.entry(n.as_ref()).and_modify(|e: &mut (usize, usize)| e.1 = i).or_insert((i, i));
            }
        }
        m
    })
}

/// Type variables of one definition: a list, or a set once there are many (crafted input).
#[derive(Default)]
struct Locals<'s> {
    list: Vec<Cow<'s, str>>,
    set: FastSet<Cow<'s, str>>,
}

impl<'s> Locals<'s> {
    fn clear(&mut self) {
        self.list.clear();
        if !self.set.is_empty() {
            self.set = FastSet::default();
        }
    }

    fn push(&mut self, name: Cow<'s, str>) {
        if self.list.len() < 16 {
            self.list.push(name);
        } else {
            self.set.insert(name);
        }
    }

    fn contains(&self, name: &str) -> bool {
        self.list.iter().any(|l| l == name) || (!self.set.is_empty() && self.set.contains(name))
    }
}

fn collect_bang_vars<'s>(params: &[Param<'s>], locals: &mut Locals<'s>) {
    for p in params {
        match &p.kind {
            ParamKind::Typed { ty, .. } if ty.bang => locals.push(ty.name.clone()),
            ParamKind::Repeat { params, .. } => collect_bang_vars(params, locals),
            _ => {}
        }
    }
}

/// The walk over one definition's type references.
struct TypeRefs<'r, 'v> {
    types: &'r NameSet<'v>,
    locals: &'r Locals<'v>,
    pending: &'r mut Vec<(u32, Cow<'v, str>, Span)>,
    def: u32,
}

/// The walk is inlined into the validator's parameter loop down to the first type's name (a
/// call per parameter and per type cost a fifth of the walk); the rare repetitions and type
/// arguments take the recursive calls.
impl<'v> TypeRefs<'_, 'v> {
    #[inline(always)]
    fn param(&mut self, p: &Param<'v>) {
        match &p.kind {
            ParamKind::Nat => {}
            ParamKind::Typed { ty, .. } => self.ty(ty),
            ParamKind::Repeat { params, .. } => self.repeated(params),
        }
    }

    #[inline(never)]
    fn repeated(&mut self, params: &[Param<'v>]) {
        for inner in params {
            self.param(inner);
        }
    }

    #[inline(always)]
    fn ty(&mut self, ty: &TypeRef<'v>) {
        let name = ty.name.as_ref();
        if !is_builtin(name) && !self.types.contains(name) && !self.locals.contains(name) {
            self.pending.push((self.def, ty.name.clone(), ty.span));
        }
        if !ty.args.is_empty() {
            self.args(&ty.args);
        }
    }

    #[inline(never)]
    fn args(&mut self, args: &[TypeRef<'v>]) {
        for a in args {
            self.ty(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{check, parse_tl, Severity};

    fn codes(src: &str) -> Vec<(&'static str, Severity)> {
        check(src).diagnostics.iter().map(|d| (d.code, d.severity)).collect()
    }

    #[test]
    fn edit_distance_counts_edits_and_swaps_up_to_a_limit() {
        use super::edit_distance;
        assert_eq!(edit_distance("sendMesage", "sendMessage", 2), Some(1));
        assert_eq!(edit_distance("sendMesasge", "sendMessage", 2), Some(1), "a swap is one edit");
        assert_eq!(edit_distance("abc", "abc", 0), Some(0));
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance("kitten", "sitting", 2), None);
        assert_eq!(edit_distance("", "ab", 2), Some(2));
        assert_eq!(edit_distance("é✓", "e✓", 1), Some(1), "characters, not bytes");
    }

    #[test]
    fn an_unknown_type_with_a_typo_gets_a_suggestion() {
        let d = check("message#1 id:int = Message;\nholder#2 m:Mesage = Holder;\n").diagnostics;
        let unknown = d.iter().find(|d| d.code == "unknown-type").expect("unknown-type warning");
        assert!(unknown.notes.iter().any(|n| n == "did you mean `Message`?"), "{:?}", unknown.notes);
    }

    #[test]
    fn near_names_suggest_typos_when_nothing_closer_is_known() {
        use super::near_names;
        let known =
            ["messages.sendMessage", "messages.sendMedia", "message", "Message", "secret.Peer", "int"];
        let near = |name| near_names(name, known.iter().copied());
        assert_eq!(near("messages.sendMesage"), ["messages.sendMessage"]);
        assert_eq!(near("mesage"), ["message"]);
        // The namespace and case rules come first, and typos are not added to them.
        assert_eq!(near("Peer"), ["secret.Peer"]);
        assert_eq!(near("MESSAGE"), ["Message", "message"]);
        assert_eq!(near("unrelated"), Vec::<&str>::new());
        assert_eq!(near("in"), ["int"]);
    }

    #[test]
    fn clean_schema_has_no_diagnostics() {
        let src = "boolTrue#997275b5 = Bool;\nvector#1cb5c415 {t:Type} # [ t ] = Vector t;\n\
                   ---functions---\ninvokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn id_mismatch_is_a_warning_with_the_expected_id() {
        let p = check("boolTrue#997275b6 = Bool;");
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].code, "id-mismatch");
        assert_eq!(p.diagnostics[0].label.as_deref(), Some("expected #997275b5"));
    }

    #[test]
    fn known_exceptions_are_silent() {
        assert_eq!(
            codes("ipPortSecret#37982646 ipv4:int port:int secret:bytes = IpPort;\nipPort#1 = IpPort;"),
            vec![("id-mismatch", Severity::Warning)]
        );
    }

    #[test]
    fn flag_errors() {
        let c = codes("a#1 flags:# x:flags2.0?int y:flags.32?int z:flags.1?true = A;");
        assert!(c.contains(&("flag-field", Severity::Error)));
        assert!(c.contains(&("flag-bit", Severity::Error)));
        let c = codes("a flags:int x:flags.0?int = A;");
        assert!(c.contains(&("flag-field", Severity::Error)));
        let c = codes("a x:flags.0?int flags:# = A;");
        assert!(c.contains(&("flag-field", Severity::Error)));
    }

    #[test]
    fn flags_fields_are_the_first_parameter_of_their_name() {
        // The first `x` is not a `#`, however many `x:#` follow.
        // (The second `x` and `f` are also reported as declared twice.)
        let p = check("a x:int x:# y:x.0?int = A;");
        assert_eq!(
            p.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["duplicate-param", "flag-field"]
        );
        assert!(p.diagnostics[1].message.contains("is not a `#` parameter"), "{:?}", p.diagnostics);
        assert_eq!(codes("a f:# f:# y:f.0?int = A;"), vec![("duplicate-param", Severity::Warning)]);
        // Past the four `#` fields tracked, the full search still finds the fifth.
        assert_eq!(codes("a a:# b:# c:# d:# e:# x:e.1?int y:a.2?int = A;"), vec![]);
        assert_eq!(codes("a a:# b:# c:# d:# e:# x:g.1?int = A;"), vec![("flag-field", Severity::Error)]);
    }

    #[test]
    fn duplicate_parameter_names_are_reported() {
        let p = check("a x:int y:int x:long = A;");
        assert_eq!(p.diagnostics.len(), 1, "{:?}", p.diagnostics);
        assert_eq!(p.diagnostics[0].code, "duplicate-param");
        assert_eq!(p.diagnostics[0].span.slice("a x:int y:int x:long = A;"), "x:long");
        // Anonymous parameters have no name to repeat.
        assert_eq!(codes("int128 long long = Int128;"), vec![]);
        // Names that only share a length and their first and last letters are distinct.
        assert_eq!(
            codes("a ab:int ab:int acb:int axb:int = A;"),
            vec![("duplicate-param", Severity::Warning)]
        );
    }

    #[test]
    fn unknown_types_and_generics() {
        let c = codes("a x:Foo y:Vector<Bar> = A;");
        assert_eq!(c, vec![("unknown-type", Severity::Warning), ("unknown-type", Severity::Warning)]);
        // `!X` declares X even without `{X:Type}`.
        assert_eq!(codes("---functions---\ninvokeAfterMsg#cb9f372d msg_id:long query:!X = X;"), vec![]);
        // A constructor cannot answer with it, though.
        assert_eq!(codes("wrap x:!X = X;"), vec![("variable-result", Severity::Error)]);
    }

    #[test]
    fn crafted_schemas_stay_linear() {
        let t = std::time::Instant::now();
        let same_id: String = (0..20_000).map(|i| format!("a{i}#1 = A;\n")).collect();
        let p = check(&same_id);
        let count = |code: &str| p.diagnostics.iter().filter(|d| d.code == code).count();
        assert_eq!(count("id-mismatch"), 20_000, "one id mismatch each");
        assert_eq!(count("id-collision"), 19_999, "every one but the first takes the first's id");
        assert_eq!(p.diagnostics.len(), 39_999, "no duplicates");
        let flags: String = (0..20_000).map(|i| format!(" x{i}:flags.1?int")).collect();
        let src = format!("a flags:#{flags} = A;");
        assert!(check(&src).diagnostics.is_empty());
        let bangs: String = (0..20_000).map(|i| format!(" q{i}:!X{i}")).collect();
        let src = format!("---functions---\na{bangs} = X0;");
        assert!(check(&src).diagnostics.is_empty());
        // Past a few hundred names the duplicate filter says "maybe" for nearly every one.
        let many: String = (0..40_000).map(|i| format!(" p{i}:int")).collect();
        assert!(check(&format!("a{many} = A;")).diagnostics.is_empty());
        let src = format!("a{many} p7:int p39999:long = A;");
        let spans: Vec<&str> = check(&src).diagnostics.iter().map(|d| d.span.slice(&src)).collect();
        assert_eq!(spans, ["p7:int", "p39999:long"]);
        // A `#` field repeated after many others: each is looked up, not searched for.
        let nats: String = (0..20_000).map(|_| " f:#").collect();
        let src = format!("a{many}{nats} x:f.0?int = A;");
        assert_eq!(check(&src).diagnostics.len(), 19_999, "every `f:#` but the first is a duplicate");
        assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
    }

    #[test]
    fn name_set_grows_and_compares_exactly() {
        let names: Vec<String> = (0..5000).map(|i| format!("{}{i}", "T".repeat(i % 23))).collect();
        let mut set = super::NameSet::with_capacity(4);
        for (k, n) in names.iter().enumerate() {
            set.insert(std::borrow::Cow::Borrowed(n.as_str()));
            set.insert(std::borrow::Cow::Borrowed(n.as_str()));
            assert_eq!(set.len, k + 1);
        }
        assert!(names.iter().all(|n| set.contains(n)));
        for n in ["", "T", "x", "TTTTTTTTTTTTTTTT0", "TTTTTTTT9", "T1x"] {
            assert_eq!(set.contains(n), names.iter().any(|m| m == n), "{n}");
        }
        for (a, b) in [("abcdefgh", "abcdefgh"), ("abcdefghij", "abcdefghiJ"), ("Xbcdefghij", "abcdefghij")] {
            assert_eq!(super::same(a, b), a == b, "{a} {b}");
        }
        let long = "a".repeat(40);
        assert!(super::same(&long, &long) && !super::same(&long, &"a".repeat(39)));
    }

    #[test]
    fn same_agrees_with_equality_at_every_length() {
        for n in 0..40 {
            let a: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            assert!(super::same(&a, &a.clone()), "{a}");
            for k in 0..n {
                let mut b = a.clone().into_bytes();
                b[k] = b'_';
                let b = String::from_utf8(b).unwrap();
                assert!(!super::same(&a, &b), "{a} {b}");
            }
            assert!(!super::same(&a, &format!("{a}x")));
        }
    }

    #[test]
    fn one_id_for_two_names_is_an_error() {
        // A real CRC32 collision, and an id written twice.
        let p = check("c699378#36f0de37 = Foo;\nc18020006#36f0de37 = Foo;");
        assert_eq!(p.diagnostics.len(), 1, "{:?}", p.diagnostics);
        assert_eq!((p.diagnostics[0].code, p.diagnostics[0].severity), ("id-collision", Severity::Error));
        assert!(p.diagnostics[0]
            .message
            .contains("of `c18020006` is also the id of the constructor `c699378`"));
        assert_eq!(
            codes("boolFalse#bc799737 = Bool;\nboolTrue#bc799737 = Bool;"),
            vec![("id-mismatch", Severity::Warning), ("id-collision", Severity::Error)]
        );
        // A constructor and a function can meet in one place (a message to a server).
        let src = "a#1 = A;\n---functions---\nf#1 = A;\n";
        assert!(codes(src).contains(&("id-collision", Severity::Error)));
        // Same name, same id: a duplicate, not a collision.
        assert_eq!(
            codes("a = A;\nb#1 = A;\na = A;"),
            vec![("id-mismatch", Severity::Warning), ("duplicate", Severity::Warning)]
        );
    }

    #[test]
    fn a_wrapper_without_its_query_may_share_its_id() {
        // As tdlib declares them, in either order.
        let prefix = "invokeWithReCaptchaPrefix#adbb0f94 token:string = Error;";
        let wrapper = "invokeWithReCaptcha#adbb0f94 {X:Type} token:string query:!X = X;";
        for src in
            [format!("---functions---\n{prefix}\n{wrapper}"), format!("---functions---\n{wrapper}\n{prefix}")]
        {
            let p = check(&src);
            assert!(p.diagnostics.iter().all(|d| d.code != "id-collision"), "{:?}", p.diagnostics);
        }
        // Anything else than the query missing is a collision.
        for other in [
            "invokeWithReCaptchaPrefix#adbb0f94 token:bytes = Error;",
            "invokeWithReCaptchaPrefix#adbb0f94 = Error;",
            "invokeWithReCaptchaPrefix#adbb0f94 token:string query:!X = Error;",
        ] {
            let src = format!("---functions---\n{other}\n{wrapper}");
            assert!(check(&src).diagnostics.iter().any(|d| d.code == "id-collision"), "{other}");
        }
    }

    #[test]
    fn duplicates_warn_but_distinct_ids_do_not() {
        assert_eq!(codes("a = A;\na = A;"), vec![("duplicate", Severity::Warning)]);
        let p = parse_tl("a#1 = A;\na#2 = A;");
        assert_eq!(p.schema.definitions.len(), 2);
        assert!(codes("a#1 = A;\na#2 = A;").iter().all(|(c, _)| *c == "id-mismatch"));
    }
}
