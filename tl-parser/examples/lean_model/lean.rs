//! A prototype of a lean schema model: flat arrays of small records with `u32` offsets into
//! the source instead of `Cow`s, nested `Vec`s and 136-byte parameters, parsed and validated in
//! one pass (CRC of the canonical declaration, flag references, type references through
//! interned ids, duplicate ids).
//!
//! It measures what a model change could buy; it is not the crate's parser. It reads the
//! happy path of TL text (what `schemas/api.tl` holds) and gives up with `None` on anything
//! else (syntax errors, `/* */`, `!X` without `{X:Type}`, `N*[ ... ]`), where the real parser
//! would take over.

// The model is built to be measured; the prototype reads only part of it back.
#![allow(dead_code)]

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A word-at-a-time multiplicative hash for short names.
#[derive(Default)]
pub struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        let w = chunks.remainder().iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A hash of a short name, a word at a time.
fn hash_name(b: &[u8]) -> u64 {
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    let w = chunks.remainder().iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    h = (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    // The multiply leaves the low bits poorly mixed: the table indexes with the high ones.
    h.rotate_left(26)
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// A byte range of the source, 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

/// One definition: 40 bytes, parameters and types by index.
#[derive(Debug, Clone, Copy)]
pub struct Def {
    /// The full name (`messages.sendMessage`).
    pub name: Span,
    /// The wire id.
    pub id: u32,
    /// Whether the id was written.
    pub explicit: bool,
    /// Constructor (`false`) or function (`true`).
    pub function: bool,
    /// `params[first_param..first_param + n_params]`.
    pub first_param: u32,
    /// How many parameters.
    pub n_params: u16,
    /// How many `{X:Type}` generics (their names are in `generics`).
    pub n_generics: u16,
    /// The result type, an index into `types`.
    pub ty: u32,
    /// The whole declaration.
    pub span: Span,
}

/// One parameter: 24 bytes.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The name; empty for anonymous parameters.
    pub name: Span,
    /// The type (an index into `types`), or `NAT` for `name:#`, or `REPEAT` for `[ ... ]`.
    pub ty: u32,
    /// Index (within the definition) of the `#` field holding the flag, `u16::MAX` if none.
    pub flag_field: u16,
    /// The flag bit.
    pub flag_bit: u8,
    /// For `[ ... ]`: how many of the following parameters are repeated.
    pub repeat_len: u8,
}

/// `Param::ty` of a `name:#` parameter.
pub const NAT: u32 = u32::MAX;
/// `Param::ty` of a `[ ... ]` parameter.
pub const REPEAT: u32 = u32::MAX - 1;
const NONE: u32 = u32::MAX;

/// One type reference: 24 bytes; arguments are linked through `first_arg`/`next`.
#[derive(Debug, Clone, Copy)]
pub struct Type {
    /// The name without `%`/`!`.
    pub name: Span,
    /// The interned name.
    pub name_id: u32,
    /// The first argument, `u32::MAX` if none.
    pub first_arg: u32,
    /// The next argument of the parent, `u32::MAX` if none.
    pub next: u32,
    /// `%` and `!`.
    pub percent: bool,
    /// `!X`.
    pub bang: bool,
}

/// The lean model of one file.
#[derive(Debug, Default)]
pub struct Schema {
    /// `// LAYER N`.
    pub layer: Option<u32>,
    /// Definitions in source order.
    pub defs: Vec<Def>,
    /// The parameters of every definition, one after the other.
    pub params: Vec<Param>,
    /// Every type reference.
    pub types: Vec<Type>,
    /// Names of `{X:Type}` generics, one after the other.
    pub generics: Vec<Span>,
    /// Distinct type names, by interned id.
    pub names: Vec<Span>,
    /// Warnings found (id mismatches, unknown types, duplicates), as `(code, span)`.
    pub warnings: Vec<(&'static str, Span)>,
}

const BUILTINS: &[&str] = &[
    "int", "long", "double", "string", "bytes", "int128", "int256", "true", "Bool", "Vector", "vector",
    "Object", "Type",
];

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    out: Schema,
    /// Open-addressing table of interned names: (hash, id), `id == NONE` when free.
    slots: Vec<(u64, u32)>,
    /// Per interned name: 1 = builtin, 2 = a constructor's result type, 4 = a constructor name.
    kinds: Vec<u8>,
    /// Type references to check at the end: (name id, span); locals are already left out.
    refs: Vec<(u32, Span)>,
    by_id: FastMap<u32, u32>,
    canon: Vec<u8>,
    function: bool,
    /// The first type reference not yet looked at by [`Parser::definition`].
    refs_from: usize,
}

static IDENT: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'_';
        i += 1;
    }
    t
};

/// Hexadecimal digit values, `0xff` for other bytes (a table: ids mix digits and letters at
/// random, which range tests mispredict).
static HEX: [u8; 256] = {
    let mut t = [0xff; 256];
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

fn is_ident(c: u8) -> bool {
    IDENT[usize::from(c)]
}

impl<'a> Parser<'a> {
    fn span(&self, start: usize) -> Span {
        Span { start: start as u32, end: self.i as u32 }
    }

    fn text(&self, s: Span) -> &'a str {
        self.src.get(s.start as usize..s.end as usize).unwrap_or("")
    }

    fn peek(&self) -> u8 {
        self.b.get(self.i).copied().unwrap_or(0)
    }

    fn spaces(&mut self) {
        while matches!(self.peek(), b' ' | b'\t' | b'\r' | b'\n') {
            self.i += 1;
        }
    }

    fn path(&mut self) -> Option<Span> {
        let start = self.i;
        if !self.peek().is_ascii_alphabetic() {
            return None;
        }
        loop {
            while is_ident(self.peek()) {
                self.i += 1;
            }
            if self.peek() == b'.' && self.b.get(self.i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
                self.i += 1;
            } else {
                return Some(self.span(start));
            }
        }
    }

    fn intern(&mut self, name: Span) -> u32 {
        let text = self.text(name).as_bytes();
        let h = hash_name(text);
        let mask = self.slots.len() - 1;
        let mut at = (h as usize) & mask;
        loop {
            let (sh, id) = self.slots[at];
            if id == NONE {
                break;
            }
            if sh == h {
                let n = self.out.names[id as usize];
                if self.b.get(n.start as usize..n.end as usize) == Some(text) {
                    return id;
                }
            }
            at = (at + 1) & mask;
        }
        let id = self.out.names.len() as u32;
        self.slots[at] = (h, id);
        self.out.names.push(name);
        self.kinds.push(u8::from(BUILTINS.contains(&self.text(name))));
        if self.out.names.len() * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        let mut slots = vec![(0u64, NONE); self.slots.len() * 2];
        let mask = slots.len() - 1;
        for &(h, id) in self.slots.iter().filter(|(_, id)| *id != NONE) {
            let mut at = (h as usize) & mask;
            while slots[at].1 != NONE {
                at = (at + 1) & mask;
            }
            slots[at] = (h, id);
        }
        self.slots = slots;
    }

    /// `[%][!]name[<args>]`, appended to `canon` in canonical form.
    fn type_ref(&mut self, top_param: bool, depth: u32) -> Option<u32> {
        let percent = self.peek() == b'%';
        self.i += usize::from(percent);
        let bang = self.peek() == b'!';
        self.i += usize::from(bang);
        let name = self.path()?;
        let name_id = self.intern(name);
        if percent {
            self.canon.push(b'%');
        }
        if bang {
            self.canon.push(b'!');
        }
        let text = self.text(name);
        self.canon.extend_from_slice(if top_param && text == "bytes" { b"string" } else { text.as_bytes() });
        let me = self.out.types.len() as u32;
        self.out.types.push(Type { name, name_id, first_arg: NONE, next: NONE, percent, bang });
        if self.peek() == b'<' && depth < 8 {
            self.i += 1;
            let mut prev = NONE;
            loop {
                self.canon.push(b' ');
                let arg = self.type_ref(false, depth + 1)?;
                match prev {
                    NONE => self.out.types[me as usize].first_arg = arg,
                    p => self.out.types[p as usize].next = arg,
                }
                prev = arg;
                match self.peek() {
                    b',' => self.i += 1,
                    b'>' => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        Some(me)
    }

    /// One declaration from its first byte to after its `;`.
    fn definition(&mut self) -> Option<()> {
        let start = self.i;
        let name = self.path()?;
        let mut explicit = None;
        if self.peek() == b'#' {
            self.i += 1;
            let mut id = 0u32;
            let from = self.i;
            loop {
                let v = HEX[usize::from(self.peek())];
                if v == 0xff {
                    break;
                }
                id = (id << 4) | u32::from(v);
                self.i += 1;
            }
            if self.i == from || self.i - from > 8 {
                return None;
            }
            explicit = Some(id);
        }
        self.canon.clear();
        self.canon.extend_from_slice(self.text(name).as_bytes());
        let first_param = self.out.params.len();
        let first_generic = self.out.generics.len();
        let mut locals: [u32; 4] = [NONE; 4];
        loop {
            self.spaces();
            match self.peek() {
                b'=' => {
                    self.i += 1;
                    break;
                }
                b'{' => {
                    self.i += 1;
                    let g = self.path()?;
                    if self.b.get(self.i..self.i + 6) != Some(b":Type}") {
                        return None;
                    }
                    self.i += 6;
                    let k = self.out.generics.len() - first_generic;
                    *locals.get_mut(k)? = self.intern(g);
                    self.out.generics.push(g);
                    self.canon.push(b' ');
                    self.canon.extend_from_slice(self.text(g).as_bytes());
                    self.canon.extend_from_slice(b":Type");
                }
                b'#' => {
                    self.i += 1;
                    self.canon.extend_from_slice(b" #");
                    let name = Span { start: self.i as u32, end: self.i as u32 };
                    self.out.params.push(Param {
                        name,
                        ty: NAT,
                        flag_field: u16::MAX,
                        flag_bit: 0,
                        repeat_len: 0,
                    });
                }
                b'[' => {
                    self.i += 1;
                    self.canon.extend_from_slice(b" [");
                    let at = self.out.params.len();
                    let name = Span { start: self.i as u32, end: self.i as u32 };
                    self.out.params.push(Param {
                        name,
                        ty: REPEAT,
                        flag_field: u16::MAX,
                        flag_bit: 0,
                        repeat_len: 0,
                    });
                    loop {
                        self.spaces();
                        if self.peek() == b']' {
                            self.i += 1;
                            break;
                        }
                        self.canon.push(b' ');
                        let ty = self.type_ref(false, 0)?;
                        let name = Span { start: self.i as u32, end: self.i as u32 };
                        self.out.params.push(Param {
                            name,
                            ty,
                            flag_field: u16::MAX,
                            flag_bit: 0,
                            repeat_len: 0,
                        });
                        self.out.params[at].repeat_len += 1;
                    }
                    self.canon.extend_from_slice(b" ]");
                }
                _ => self.param(first_param)?,
            }
        }
        self.spaces();
        self.canon.extend_from_slice(b" = ");
        let ty = self.type_ref(false, 0)?;
        // `= Vector t`: space-separated arguments.
        let mut prev = NONE;
        while self.peek() == b' ' && self.b.get(self.i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
            self.canon.push(b' ');
            let arg = self.type_ref(false, 1)?;
            match prev {
                NONE => self.out.types[ty as usize].first_arg = arg,
                p => self.out.types[p as usize].next = arg,
            }
            prev = arg;
        }
        self.spaces();
        if self.peek() != b';' {
            return None;
        }
        self.i += 1;
        let crc = crc32fast::hash(&self.canon);
        let id = explicit.unwrap_or(crc);
        let span = self.span(start);
        if explicit.is_some_and(|e| e != crc) {
            self.out.warnings.push(("id-mismatch", name));
        }
        let n_params = self.out.params.len() - first_param;
        let def = Def {
            name,
            id,
            explicit: explicit.is_some(),
            function: self.function,
            first_param: first_param as u32,
            n_params: u16::try_from(n_params).ok()?,
            n_generics: (self.out.generics.len() - first_generic) as u16,
            ty,
            span,
        };
        if !self.function {
            let ty_id = self.out.types[ty as usize].name_id as usize;
            self.kinds[ty_id] |= 2;
            let name_id = self.intern(name) as usize;
            self.kinds[name_id] |= 4;
        }
        let index = self.out.defs.len() as u32;
        if *self.by_id.entry(id).or_insert(index) != index {
            self.out.warnings.push(("duplicate", name));
        }
        self.out.defs.push(def);
        // Every type reference made by this definition that is not local (`{X:Type}`).
        for t in &self.out.types[self.refs_from..] {
            if !locals.contains(&t.name_id) && self.kinds[t.name_id as usize] & 1 == 0 {
                self.refs.push((t.name_id, t.name));
            }
        }
        self.refs_from = self.out.types.len();
        Some(())
    }

    /// `name:#`, `name:Type`, `name:flags.N?Type`.
    fn param(&mut self, first_param: usize) -> Option<()> {
        let start = self.i;
        while is_ident(self.peek()) {
            self.i += 1;
        }
        let name = self.span(start);
        if name.start == name.end || self.peek() != b':' {
            return None;
        }
        self.i += 1;
        let canon_before = self.canon.len();
        self.canon.push(b' ');
        if self.peek() == b'#' {
            self.i += 1;
            self.canon.extend_from_slice(self.text(name).as_bytes());
            self.canon.extend_from_slice(b":#");
            self.out.params.push(Param { name, ty: NAT, flag_field: u16::MAX, flag_bit: 0, repeat_len: 0 });
            return Some(());
        }
        self.canon.extend_from_slice(&self.b[start..self.i]);
        // A flag: `field.N?`.
        let (mut flag_field, mut flag_bit) = (u16::MAX, 0u8);
        let save = self.i;
        while is_ident(self.peek()) {
            self.i += 1;
        }
        if self.peek() == b'.' && self.i > save && self.b.get(self.i + 1).is_some_and(u8::is_ascii_digit) {
            let field = &self.b[save..self.i];
            self.i += 1;
            let mut bit = 0u32;
            let from = self.i;
            while self.peek().is_ascii_digit() && self.i - from < 3 {
                bit = bit * 10 + u32::from(self.peek() - b'0');
                self.i += 1;
            }
            if self.i == from || self.peek() != b'?' || bit > 31 {
                return None;
            }
            self.i += 1;
            // The field must be an earlier `#` parameter of this definition.
            let params = &self.out.params[first_param..];
            let k = params
                .iter()
                .position(|p| p.ty == NAT && &self.b[p.name.start as usize..p.name.end as usize] == field)?;
            flag_field = k as u16;
            flag_bit = bit as u8;
            self.canon.extend_from_slice(&self.b[save..self.i]);
        } else {
            self.i = save;
        }
        let ty = self.type_ref(true, 0)?;
        if flag_field != u16::MAX
            && self.text(self.out.types[ty as usize].name) == "true"
            && self.out.types[ty as usize].first_arg == NONE
        {
            // `flags.N?true` is not hashed.
            self.canon.truncate(canon_before);
        }
        self.out.params.push(Param { name, ty, flag_field, flag_bit, repeat_len: 0 });
        Some(())
    }
}

/// Parses and validates `src`; `Err(offset)` where it holds something this prototype does not
/// read.
pub fn check(src: &str) -> Result<Schema, usize> {
    // About one declaration per 100 bytes in real schemas.
    let semis = src.len() / 100 + 16;
    let mut p = Parser {
        src,
        b: src.as_bytes(),
        i: 0,
        out: Schema {
            defs: Vec::with_capacity(semis),
            params: Vec::with_capacity(semis * 4),
            types: Vec::with_capacity(semis * 5),
            ..Schema::default()
        },
        slots: vec![(0, NONE); 4096],
        kinds: Vec::with_capacity(semis),
        refs: Vec::with_capacity(semis * 2),
        by_id: FastMap::with_capacity_and_hasher(semis, Default::default()),
        canon: Vec::with_capacity(512),
        function: false,
        refs_from: 0,
    };
    loop {
        p.spaces();
        let rest = p.b.get(p.i..).ok_or(p.i)?;
        if rest.is_empty() {
            break;
        }
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').map_or(rest.len(), |n| n);
            let line = std::str::from_utf8(&rest[2..end]).map_err(|_| p.i)?.trim();
            if let Some(n) = line.strip_prefix("LAYER ").and_then(|n| n.parse().ok()) {
                p.out.layer = Some(n);
            }
            p.i += end;
        } else if rest.starts_with(b"---types---") {
            p.function = false;
            p.i += 11;
        } else if rest.starts_with(b"---functions---") {
            p.function = true;
            p.i += 15;
        } else if p.definition().is_none() {
            return Err(p.i);
        }
    }
    // Type references against the whole schema: result types of constructors, constructor
    // names (bare references), builtins.
    for &(id, span) in &p.refs {
        if p.kinds[id as usize] == 0 {
            p.out.warnings.push(("unknown-type", span));
        }
    }
    Ok(p.out)
}
