//! TL bytes to JSON, driven by the schema.

use super::plan::{Plan, Role, Words};
use super::sink::Sink;
use super::{
    parse_type_expr, DecodeError, DecodeErrorKind, DecodeNotes, Registry, UnknownFlags, BOOL_FALSE_ID,
    BOOL_TRUE_ID, GZIP_PACKED_ID, TYPE_KEY, VECTOR_ID,
};
use crate::graph::primitive_alias;
use crate::tdjson::{Nullable, NULL_ID};
use std::io::Read as _;
use tl_parser::{Definition, GenericParam, ParamKind, TypeRef};

type Result<T> = std::result::Result<T, DecodeError>;

/// Entry point of [`Registry::decode_noting`] and [`Registry::decode_json`]: the value
/// (given to `sink`), and what JSON does not show.
pub(super) fn decode<S: Sink>(
    reg: &Registry<'_>,
    bytes: &[u8],
    ty: Option<&str>,
    sink: &mut S,
) -> (Result<S::Value>, DecodeNotes) {
    let budget = zero_sized_budget(bytes.len());
    let shared = Shared {
        notes: DecodeNotes::default(),
        zero_sized_left: budget,
        zero_sized_budget: budget,
        inflate_left: reg.limits.max_inflated,
    };
    let mut d = Decoder { reg, sink, buf: bytes, pos: 0, depth: 0, outer: None, shared };
    let value = d.whole(ty);
    (value, d.shared.notes)
}

impl<S: Sink> Decoder<'_, '_, '_, '_, S> {
    /// The one value of type `ty` (any boxed object for `None`) that the input holds.
    fn whole(&mut self, ty: Option<&str>) -> Result<S::Value> {
        let value = match ty {
            None => self.any_object(false)?,
            Some(text) => {
                let Some(ty) = parse_type_expr(text) else {
                    return Err(self.err(DecodeErrorKind::UnknownType(text.to_string())));
                };
                self.value(&ty, &[])?
            }
        };
        if self.pos < self.buf.len() {
            return Err(self.err(DecodeErrorKind::TrailingBytes { count: self.buf.len() - self.pos }));
        }
        Ok(value)
    }
}

/// How many zero-sized values (`true`, bare constructors without fields) vectors may hold in
/// one decode for `len` bytes of input. Every other element uses input bytes, so the output
/// is bounded by the input; these use none, and nested vectors of them would multiply
/// (`vector<vector<inputPeerEmpty>>`: 10 KB of counts asking for 25 million objects).
fn zero_sized_budget(len: usize) -> usize {
    len.max(4096)
}

/// What one decode shares across its cursors (the input's, and those over sized objects and
/// inflated `gzip_packed` payloads): handed to each inner cursor and taken back after it.
#[derive(Default)]
struct Shared {
    /// What the JSON does not show.
    notes: DecodeNotes,
    /// How many more zero-sized vector elements may be produced.
    zero_sized_left: usize,
    /// How many were allowed in all: [`zero_sized_budget`] of the input, plus the size of
    /// each inflated `gzip_packed` payload (input too, once inflated).
    zero_sized_budget: usize,
    /// How many more bytes `gzip_packed` payloads may inflate to: nested ones each hold their
    /// payload while the next inflates, so a cap per layer would multiply by the depth.
    inflate_left: usize,
}

/// A cursor over one buffer (the input, or an inflated `gzip_packed` payload).
struct Decoder<'r, 's, 'b, 'k, S> {
    reg: &'r Registry<'s>,
    /// Where the values go: the decode's one sink, shared by all its cursors.
    sink: &'k mut S,
    buf: &'b [u8],
    pos: usize,
    depth: u32,
    /// For a cursor over an inflated `gzip_packed` payload: where that `gzip_packed` is in
    /// the input (offsets inside the payload mean nothing to the reader).
    outer: Option<usize>,
    shared: Shared,
}

impl<'s, 'b, S: Sink> Decoder<'_, 's, 'b, '_, S> {
    fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.pos, kind)
    }

    fn err_at(&self, offset: usize, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(offset, kind)
    }

    fn take(&mut self, n: usize) -> Result<&'b [u8]> {
        let buf = self.buf;
        let rest = buf.get(self.pos..).unwrap_or(&[]);
        match rest.get(..n) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(self.err(DecodeErrorKind::UnexpectedEnd { needed: n - rest.len() })),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32> {
        self.array::<4>().map(u32::from_le_bytes)
    }

    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// TL `bytes`/`string`: 1-byte length (< 254) or 0xfe + 3-byte length, padded to 4.
    fn bytes(&mut self) -> Result<&'b [u8]> {
        let start = self.pos;
        let first = self.take(1)?[0];
        let (len, header) = if first == 254 {
            let l = self.take(3)?;
            (usize::from(l[0]) | usize::from(l[1]) << 8 | usize::from(l[2]) << 16, 4)
        } else if first == 255 {
            return Err(self.err_at(start, DecodeErrorKind::ReservedLengthPrefix));
        } else {
            (usize::from(first), 1)
        };
        let padded = (header + len).div_ceil(4) * 4 - header;
        if padded > self.remaining() {
            return Err(self.err_at(start, DecodeErrorKind::LengthOutOfRange { len: len as u64 }));
        }
        let body = self.take(padded)?;
        Ok(body.get(..len).unwrap_or(body))
    }

    fn enter(&mut self) -> Result<()> {
        if self.depth >= self.reg.limits.max_depth {
            return Err(self.err(DecodeErrorKind::TooDeep));
        }
        self.depth += 1;
        Ok(())
    }

    /// One value of type `ty`; `generics` are the `{X:Type}` params of the enclosing definition.
    fn value(&mut self, ty: &TypeRef<'_>, generics: &[GenericParam<'_>]) -> Result<S::Value> {
        let name = primitive_alias(ty.name.as_ref());
        Ok(match name {
            "#" => {
                let v = self.u32()?;
                self.sink.u32(v)
            }
            "int" => {
                let v = self.array::<4>().map(i32::from_le_bytes)?;
                self.sink.i32(v)
            }
            // TDLib's `int53` is a JSON number (exact up to 2^53); `long`/`int64` a string.
            "long" if ty.name == "int53" => {
                let v = self.array::<8>().map(i64::from_le_bytes)?;
                self.sink.i64(v)
            }
            "long" => {
                let v = self.array::<8>().map(i64::from_le_bytes)?;
                self.sink.i64_string(v)
            }
            "double" => {
                let v = self.array::<8>().map(f64::from_le_bytes)?;
                self.double(v)
            }
            "string" => {
                let at = self.outer.unwrap_or(self.pos);
                let data = self.bytes()?;
                match std::str::from_utf8(data) {
                    Ok(text) => self.sink.str(text),
                    Err(_) => {
                        self.shared.notes.lossy_strings.push(at);
                        self.sink.str(&String::from_utf8_lossy(data))
                    }
                }
            }
            "bytes" => {
                let data = self.bytes()?;
                self.sink.base64(data)
            }
            "int128" | "int256" | "int512" => {
                let len = match name {
                    "int128" => 16,
                    "int256" => 32,
                    _ => 64,
                };
                let data = self.take(len)?;
                self.sink.base64(data)
            }
            "true" => self.sink.bool(true),
            "Bool" if !ty.percent => {
                let at = self.pos;
                match self.u32()? {
                    BOOL_TRUE_ID => self.sink.bool(true),
                    BOOL_FALSE_ID => self.sink.bool(false),
                    GZIP_PACKED_ID => return self.gunzip(at, |d| d.value(ty, generics)),
                    id => return Err(self.err_at(at, DecodeErrorKind::BadBool { id })),
                }
            }
            "Vector" | "vector" => {
                let Some(elem) = ty.args.first() else {
                    return Err(self.err(DecodeErrorKind::UnknownType(name.to_string())));
                };
                if name == "Vector" && !ty.percent {
                    let at = self.pos;
                    match self.u32()? {
                        VECTOR_ID => {}
                        // The packed data is the whole boxed vector, its id included.
                        GZIP_PACKED_ID => return self.gunzip(at, |d| d.value(ty, generics)),
                        id => return Err(self.err_at(at, DecodeErrorKind::BadVectorId { id })),
                    }
                }
                self.vector(elem, generics)?
            }
            _ if crate::graph::is_any_object(name, || self.reg.defines(name)) => self.any_object(ty.bang)?,
            _ if ty.bang || generics.iter().any(|g| g.name == name) => self.any_object(true)?,
            _ if ty.is_bare() => {
                let def = self.bare_def(ty, name)?;
                self.object(def)?
            }
            _ => self.boxed(name)?,
        })
    }

    /// The constructor a bare type expression (`message`, `%Message`) names.
    fn bare_def(&self, ty: &TypeRef<'_>, name: &str) -> Result<&'s Definition<'s>> {
        self.reg.bare_constructor(ty, name).map_err(|of_type| match of_type {
            [first, ..] => self.err(DecodeErrorKind::BareOfSeveral {
                ty: name.to_string(),
                constructors: of_type.len(),
                example: first.name.to_string(),
            }),
            [] => self.err(DecodeErrorKind::UnknownType(name.to_string())),
        })
    }

    /// An object that may be null (see [`crate::tdjson`]): `null#56730bcc` is JSON `null`;
    /// any other id starts the object in its boxed form, even where the schema names its
    /// constructor (bare in TL), so the id is what tells the two apart.
    fn nullable_value(&mut self, ty: &TypeRef<'_>, generics: &[GenericParam<'_>]) -> Result<S::Value> {
        let at = self.pos;
        let id = self.u32()?;
        if id == NULL_ID {
            return Ok(self.sink.null());
        }
        if !ty.is_bare() {
            self.pos = at;
            return self.value(ty, generics);
        }
        let def = self.bare_def(ty, primitive_alias(ty.name.as_ref()))?;
        if id != def.id {
            let expected = def.name.to_string();
            let kind = match self.reg.constructor_by_id(id) {
                Some(found) => {
                    DecodeErrorKind::UnexpectedConstructor { id, name: found.name.to_string(), expected }
                }
                None => DecodeErrorKind::UnknownConstructor { id, expected },
            };
            return Err(self.err_at(at, kind));
        }
        self.object(def)
    }

    /// Whether the next four bytes are the id of `null#56730bcc`.
    fn at_null(&self) -> bool {
        let next = self.buf.get(self.pos..).and_then(|rest| rest.get(..4));
        next.is_some_and(|id| id == NULL_ID.to_le_bytes())
    }

    /// A vector whose elements may each be null: a null element is JSON `null`.
    fn nullable_vector(&mut self, ty: &TypeRef<'_>, generics: &[GenericParam<'_>]) -> Result<S::Value> {
        let Some(elem) = ty.args.first() else {
            return Err(self.err(DecodeErrorKind::UnknownType(ty.name.to_string())));
        };
        if ty.name == "Vector" && !ty.percent {
            let at = self.pos;
            match self.u32()? {
                VECTOR_ID => {}
                id => return Err(self.err_at(at, DecodeErrorKind::BadVectorId { id })),
            }
        }
        let count = self.boxed_count()?;
        self.enter()?;
        let mut out = self.sink.begin_array(count);
        for index in 0..count {
            self.sink.element_start(&mut out);
            let v = self.nullable_value(elem, generics).map_err(|e| e.under_index(index))?;
            self.sink.element(&mut out, v);
        }
        self.depth -= 1;
        Ok(self.sink.end_array(out))
    }

    fn vector(&mut self, elem: &TypeRef<'_>, generics: &[GenericParam<'_>]) -> Result<S::Value> {
        let at = self.pos;
        let count = self.u32()? as usize;
        // Every element takes at least one byte on the wire except a zero-sized one (`true`, a
        // constructor with no parameters written bare: `vector<e>` of `e = E`), so a count
        // larger than the remaining input cannot be honest; capacity never exceeds it.
        let zero_sized = elem.name == "true"
            || elem.is_bare()
                && self
                    .reg
                    .bare_constructor(elem, primitive_alias(elem.name.as_ref()))
                    .is_ok_and(|d| d.params.is_empty());
        if count > self.remaining() && !zero_sized || count > self.remaining().max(4096) {
            return Err(self.err_at(at, DecodeErrorKind::LengthOutOfRange { len: count as u64 }));
        }
        self.enter()?;
        let mut out = self.sink.begin_array(count.min(self.remaining() / 4 + 1));
        for index in 0..count {
            let start = self.pos;
            self.sink.element_start(&mut out);
            let value = self.value(elem, generics).map_err(|e| e.under_index(index))?;
            if self.pos == start {
                if self.shared.zero_sized_left == 0 {
                    let budget = self.shared.zero_sized_budget;
                    return Err(self.err_at(at, DecodeErrorKind::TooManyZeroSized { budget }));
                }
                self.shared.zero_sized_left -= 1;
            }
            self.sink.element(&mut out, value);
        }
        self.depth -= 1;
        Ok(self.sink.end_array(out))
    }

    /// A boxed value of type `ty_name`: its id must name one of that type's constructors.
    fn boxed(&mut self, ty_name: &str) -> Result<S::Value> {
        let at = self.pos;
        let id = self.u32()?;
        if id == GZIP_PACKED_ID {
            let ty_name = ty_name.to_string();
            return self.gunzip(at, |d| d.boxed(&ty_name));
        }
        let Some(def) = self.reg.constructor_by_id(id) else {
            if self.reg.constructors_of(ty_name).is_empty() {
                return Err(self.err_at(at, DecodeErrorKind::UnknownType(ty_name.to_string())));
            }
            return Err(
                self.err_at(at, DecodeErrorKind::UnknownConstructor { id, expected: ty_name.to_string() })
            );
        };
        if def.ty.name != ty_name {
            return Err(self.err_at(
                at,
                DecodeErrorKind::UnexpectedConstructor {
                    id,
                    name: def.name.to_string(),
                    expected: ty_name.to_string(),
                },
            ));
        }
        self.object(def)
    }

    /// Any boxed object: a constructor, or (preferred when `function_first`, for `!X`) a
    /// function call.
    fn any_object(&mut self, function_first: bool) -> Result<S::Value> {
        let at = self.pos;
        let id = self.u32()?;
        if id == GZIP_PACKED_ID {
            return self.gunzip(at, |d| d.any_object(function_first));
        }
        if id == VECTOR_ID {
            return self.untyped_vector(at);
        }
        let (first, second) = if function_first {
            (self.reg.function_by_id(id), self.reg.constructor_by_id(id))
        } else {
            (self.reg.constructor_by_id(id), self.reg.function_by_id(id))
        };
        match first.or(second) {
            Some(def) => self.object(def),
            None => {
                Err(self.err_at(at, DecodeErrorKind::UnknownConstructor { id, expected: "Object".into() }))
            }
        }
    }

    /// The element count of a vector whose elements are boxed objects (or null ids), each at
    /// least its 4-byte id: a count the rest of the input cannot hold is an error at the count.
    fn boxed_count(&mut self) -> Result<usize> {
        let at = self.pos;
        let count = self.u32()? as usize;
        if count > self.remaining() / 4 {
            return Err(self.err_at(at, DecodeErrorKind::LengthOutOfRange { len: count as u64 }));
        }
        Ok(count)
    }

    /// A boxed `Vector` (id at `at` already read) where any boxed object may stand, as
    /// `rpc_result`'s result for a method returning `Vector<User>`. The position does not give
    /// the element type, so the elements are read as boxed objects; `Vector<long>` and other
    /// bare elements fail, with an error saying how to read them.
    fn untyped_vector(&mut self, at: usize) -> Result<S::Value> {
        let count = self.boxed_count()?;
        self.enter()?;
        let mut out = self.sink.begin_array(count);
        for index in 0..count {
            let element_at = self.pos;
            self.sink.element_start(&mut out);
            match self.any_object(false) {
                Ok(v) => self.sink.element(&mut out, v),
                // An element that is no boxed object at all says the elements are bare (`long`
                // and the like); an error further in is the element's own, reported as is.
                Err(e)
                    if e.offset == element_at
                        && matches!(e.kind, DecodeErrorKind::UnknownConstructor { .. }) =>
                {
                    let kind = DecodeErrorKind::UntypedVector { index, element: Box::new(e) };
                    return Err(self.err_at(at, kind));
                }
                Err(e) => return Err(e.under_index(index)),
            }
        }
        self.depth -= 1;
        Ok(self.sink.end_array(out))
    }

    /// The fields of `def` (its id already read, or bare), as an object with `"@type"`.
    fn object(&mut self, def: &'s Definition<'s>) -> Result<S::Value> {
        let plan = self.reg.plan(def);
        if !plan.repeated_keys {
            return self.object_fields(def, &plan);
        }
        // Two parameters with one JSON key (a name declared twice): a JSON object holds the
        // key once, at its first place, with the last value, as a `Value` map keeps it. The
        // object is built as a `Value`, then given to the sink, so both sinks show that.
        let shared = std::mem::take(&mut self.shared);
        let mut tree = super::sink::Tree;
        let mut d = Decoder {
            reg: self.reg,
            sink: &mut tree,
            buf: self.buf,
            pos: self.pos,
            depth: self.depth,
            outer: self.outer,
            shared,
        };
        let v = d.object_fields(def, &plan);
        let pos = d.pos;
        self.shared = d.shared;
        let v = v?;
        self.pos = pos;
        Ok(super::sink::emit(self.sink, &v))
    }

    /// The object of `def`, each field given to the sink as it is read ([`Decoder::object`]
    /// calls it with a `Value` sink where two parameters share a JSON key).
    fn object_fields(&mut self, def: &'s Definition<'s>, plan: &Plan<'s>) -> Result<S::Value> {
        self.enter()?;
        let mut map = self.sink.begin_object(plan.slots.len() + 1);
        self.sink.key(&mut map, TYPE_KEY);
        let name = self.sink.str(&self.reg.json_name(def));
        self.sink.field(&mut map, TYPE_KEY, name);
        // The field being read: an error names it once, as it unwinds, so that reading the
        // fields costs nothing more.
        let mut at = 0;
        if let Err(e) = self.fields(def, plan, &mut map, &mut at) {
            return Err(match plan.slots.get(at) {
                Some(slot) => e.under_key(&slot.key),
                None => e,
            });
        }
        self.depth -= 1;
        Ok(self.sink.end_object(map))
    }

    /// The fields of [`Decoder::object_fields`], into `map`; `at` follows the one being read.
    fn fields(
        &mut self,
        def: &'s Definition<'s>,
        plan: &Plan<'s>,
        map: &mut S::Object,
        at: &mut usize,
    ) -> Result<()> {
        // The flags words read so far.
        let mut words = Words::new(plan.words);
        let words = words.get();
        // The `bytes:int` before a sized object's body (see `Role::SizedLength`).
        let mut sized_len = 0i64;
        for (index, (param, slot)) in def.params.iter().zip(&plan.slots).enumerate() {
            *at = index;
            let ty = match &param.kind {
                ParamKind::Typed { ty, .. } => Some(ty),
                _ => None,
            };
            let key = slot.key.as_ref();
            match (slot.role, ty) {
                (Role::FlagsWord { word, defined, repeat, mode }, _) => {
                    let at = self.outer.unwrap_or(self.pos);
                    let v = self.u32()?;
                    if mode {
                        // Data: the whole value, so no bit is unknown.
                        if !repeat {
                            words[word] = v;
                            self.sink.key(map, key);
                            let v = self.sink.u32(v);
                            self.sink.field(map, key, v);
                        }
                        continue;
                    }
                    if v & !defined != 0 {
                        self.shared.notes.unknown_flags.push(UnknownFlags {
                            offset: at,
                            definition: def.name.to_string(),
                            field: slot.key.to_string(),
                            bits: v & !defined,
                        });
                    }
                    if !repeat {
                        words[word] = v;
                    }
                }
                (Role::Nat, _) => {
                    let v = self.u32()?;
                    self.sink.key(map, key);
                    let v = self.sink.u32(v);
                    self.sink.field(map, key, v);
                }
                (Role::Typed { flag }, Some(ty)) => {
                    if let Some(flag) = flag {
                        let set = flag.word.is_some_and(|w| words[w] & flag.mask != 0);
                        if flag.is_true {
                            self.sink.key(map, key);
                            let v = self.sink.bool(set);
                            self.sink.field(map, key, v);
                            continue;
                        }
                        if !set {
                            continue;
                        }
                    }
                    // A null object is left out (its key too, so it is looked for first).
                    if slot.nullable == Nullable::Value && self.at_null() {
                        self.pos += 4;
                        continue;
                    }
                    self.sink.key(map, key);
                    let v = match slot.nullable {
                        Nullable::No => self.value(ty, &def.generics)?,
                        Nullable::Value => self.nullable_value(ty, &def.generics)?,
                        Nullable::Elements => self.nullable_vector(ty, &def.generics)?,
                    };
                    self.sink.field(map, key, v);
                }
                (Role::SizedLength, Some(_)) => {
                    // Always `bytes:int` (see `graph::sized_object_part`).
                    let len = self.array::<4>().map(i32::from_le_bytes)?;
                    sized_len = i64::from(len);
                    self.sink.key(map, key);
                    let v = self.sink.i32(len);
                    self.sink.field(map, key, v);
                }
                (Role::SizedBody, _) => {
                    // A length the body cannot have is the length's error.
                    let end = self.sized_end(sized_len).inspect_err(|_| *at = index.saturating_sub(1))?;
                    self.sink.key(map, key);
                    let v = self.sized_object(end)?;
                    self.sink.field(map, key, v);
                }
                (Role::Repeat, _) | (_, None) => {
                    let what = format!("`{}` repeats parameters (`[ … ]`)", def.name);
                    return Err(self.err(DecodeErrorKind::Unsupported(what)));
                }
            }
        }
        Ok(())
    }

    /// Where the object after a `bytes:int` that gave its length `len` (just read) ends: a
    /// length it cannot have (under its 4-byte id, past the input) is an error at the length.
    fn sized_end(&self, len: i64) -> Result<usize> {
        let end = usize::try_from(len)
            .ok()
            .filter(|&n| n >= 4 && n <= self.remaining())
            .and_then(|n| self.pos.checked_add(n));
        end.ok_or_else(|| {
            let kind = match u64::try_from(len) {
                Ok(len) if len >= 4 => DecodeErrorKind::LengthOutOfRange { len },
                _ => DecodeErrorKind::ObjectLengthTooSmall { len },
            };
            self.err_at(self.pos.saturating_sub(4), kind)
        })
    }

    /// The object from the cursor to `end` ([`Decoder::sized_end`]), decoded on a cursor that
    /// ends there so it cannot read past it.
    fn sized_object(&mut self, end: usize) -> Result<S::Value> {
        let buf = self.buf.get(..end).unwrap_or(self.buf);
        let shared = std::mem::take(&mut self.shared);
        let mut d = Decoder {
            reg: self.reg,
            sink: &mut *self.sink,
            buf,
            pos: self.pos,
            depth: self.depth,
            outer: self.outer,
            shared,
        };
        let v = d.any_object(false);
        let trailing = buf.len() - d.pos.min(buf.len());
        let end = d.pos;
        let err =
            (v.is_ok() && trailing > 0).then(|| d.err(DecodeErrorKind::TrailingBytes { count: trailing }));
        // Taken back on failure too: the notes gathered so far are reported with the error.
        self.shared = d.shared;
        let v = v?;
        if let Some(e) = err {
            return Err(e);
        }
        self.pos = end;
        Ok(v)
    }

    /// Inflates the `gzip_packed` payload at the cursor (id at `at` already read) and decodes
    /// it with `inner`, which must consume all of it.
    fn gunzip(
        &mut self,
        at: usize,
        inner: impl FnOnce(&mut Decoder<'_, 's, '_, '_, S>) -> Result<S::Value>,
    ) -> Result<S::Value> {
        self.enter()?;
        let packed = self.bytes()?;
        let limit = self.shared.inflate_left;
        let mut out = Vec::new();
        // The `bufread` decoder consumes only what the stream uses, so what is left is exact.
        let mut gz = flate2::bufread::GzDecoder::new(packed);
        let read = (&mut gz)
            .take((limit as u64).saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| self.err_at(at, DecodeErrorKind::BadGzip(e.to_string())))?;
        if read > limit {
            return Err(self.err_at(at, DecodeErrorKind::GzipTooLarge));
        }
        // One gzip member fills the payload: bytes after it (garbage, or a second member that
        // a reader stopping at the first would silently drop) are refused.
        let left = gz.into_inner().len();
        if left > 0 {
            let e = format!("{left} bytes after the end of the gzip stream");
            return Err(self.err_at(at, DecodeErrorKind::BadGzip(e)));
        }
        let mut shared = std::mem::take(&mut self.shared);
        shared.inflate_left -= read;
        shared.zero_sized_left = shared.zero_sized_left.saturating_add(out.len());
        shared.zero_sized_budget = shared.zero_sized_budget.saturating_add(out.len());
        let outer = Some(self.outer.unwrap_or(at));
        let mut d = Decoder {
            reg: self.reg,
            sink: &mut *self.sink,
            buf: &out,
            pos: 0,
            depth: self.depth,
            outer,
            shared,
        };
        let wrap = |e: DecodeError| DecodeError::new(at, DecodeErrorKind::InGzip(Box::new(e)));
        let v = inner(&mut d).map_err(wrap);
        let trailing = out.len() - d.pos.min(out.len());
        let err = (v.is_ok() && trailing > 0)
            .then(|| wrap(d.err(DecodeErrorKind::TrailingBytes { count: trailing })));
        // Taken back on failure too: the notes gathered so far are reported with the error.
        self.shared = d.shared;
        let v = v?;
        if let Some(e) = err {
            return Err(e);
        }
        self.depth -= 1;
        Ok(v)
    }
}

impl<S: Sink> Decoder<'_, '_, '_, '_, S> {
    /// A double; JSON cannot hold non-finite numbers, so they become strings.
    fn double(&mut self, v: f64) -> S::Value {
        if v.is_finite() {
            self.sink.f64(v)
        } else if v.is_nan() {
            self.sink.str("NaN")
        } else if v > 0.0 {
            self.sink.str("Infinity")
        } else {
            self.sink.str("-Infinity")
        }
    }
}
