//! Where a decode puts the JSON it reads: a `serde_json::Value` tree ([`Tree`]), or JSON text
//! written as the bytes are read ([`Text`]), with no tree in between.
//!
//! The decoder drives both the same way, so the text is exactly what `serde_json` prints for
//! the tree: [`Text`] makes the calls on `serde_json`'s own [`Formatter`] that its serializer
//! makes for a `Value` (tests compare the two on every definition of the latest layer).

use base64::Engine as _;
use serde_json::ser::{CharEscape, Formatter};
use serde_json::{Map, Value};
use std::io;

/// What the decoder hands its results to. Keys and values of an object come in order: `key`,
/// then the value, then `field`; elements of an array: `element_start`, the value, `element`.
pub(super) trait Sink {
    /// One decoded value: a `Value` for [`Tree`]; nothing for [`Text`], which has written it.
    type Value;
    /// An object under way.
    type Object;
    /// An array under way.
    type Array;

    fn null(&mut self) -> Self::Value;
    fn bool(&mut self, v: bool) -> Self::Value;
    fn u32(&mut self, v: u32) -> Self::Value;
    fn i32(&mut self, v: i32) -> Self::Value;
    /// A JSON number (TDLib's `int53`).
    fn i64(&mut self, v: i64) -> Self::Value;
    /// A JSON string of decimal digits (`long`).
    fn i64_string(&mut self, v: i64) -> Self::Value;
    /// A finite double (the decoder turns the others into strings).
    fn f64(&mut self, v: f64) -> Self::Value;
    fn str(&mut self, v: &str) -> Self::Value;
    /// A number as `serde_json` holds it.
    fn number(&mut self, n: &serde_json::Number) -> Self::Value;
    /// `data` as a base64 string.
    fn base64(&mut self, data: &[u8]) -> Self::Value;

    fn begin_object(&mut self, fields: usize) -> Self::Object;
    fn key(&mut self, object: &mut Self::Object, key: &str);
    fn field(&mut self, object: &mut Self::Object, key: &str, value: Self::Value);
    fn end_object(&mut self, object: Self::Object) -> Self::Value;

    fn begin_array(&mut self, len: usize) -> Self::Array;
    fn element_start(&mut self, array: &mut Self::Array);
    fn element(&mut self, array: &mut Self::Array, value: Self::Value);
    fn end_array(&mut self, array: Self::Array) -> Self::Value;
}

/// Gives `sink` the value `v`, part by part in order.
pub(super) fn emit<S: Sink>(sink: &mut S, v: &Value) -> S::Value {
    match v {
        Value::Null => sink.null(),
        Value::Bool(b) => sink.bool(*b),
        Value::Number(n) => sink.number(n),
        Value::String(t) => sink.str(t),
        Value::Array(items) => {
            let mut array = sink.begin_array(items.len());
            for item in items {
                sink.element_start(&mut array);
                let v = emit(sink, item);
                sink.element(&mut array, v);
            }
            sink.end_array(array)
        }
        Value::Object(map) => {
            let mut object = sink.begin_object(map.len());
            for (key, item) in map {
                sink.key(&mut object, key);
                let v = emit(sink, item);
                sink.field(&mut object, key, v);
            }
            sink.end_object(object)
        }
    }
}

/// Builds a `serde_json::Value`.
pub(super) struct Tree;

impl Sink for Tree {
    type Value = Value;
    type Object = Map<String, Value>;
    type Array = Vec<Value>;

    #[inline]
    fn null(&mut self) -> Value {
        Value::Null
    }
    #[inline]
    fn bool(&mut self, v: bool) -> Value {
        Value::Bool(v)
    }
    #[inline]
    fn u32(&mut self, v: u32) -> Value {
        Value::from(v)
    }
    #[inline]
    fn i32(&mut self, v: i32) -> Value {
        Value::from(v)
    }
    #[inline]
    fn i64(&mut self, v: i64) -> Value {
        Value::from(v)
    }
    #[inline]
    fn i64_string(&mut self, v: i64) -> Value {
        Value::String(v.to_string())
    }
    #[inline]
    fn f64(&mut self, v: f64) -> Value {
        Value::from(v)
    }
    #[inline]
    fn str(&mut self, v: &str) -> Value {
        Value::String(v.to_string())
    }
    #[inline]
    fn number(&mut self, n: &serde_json::Number) -> Value {
        Value::Number(n.clone())
    }
    #[inline]
    fn base64(&mut self, data: &[u8]) -> Value {
        Value::String(super::base64_engine().encode(data))
    }

    #[inline]
    fn begin_object(&mut self, fields: usize) -> Self::Object {
        Map::with_capacity(fields)
    }
    #[inline]
    fn key(&mut self, _: &mut Self::Object, _: &str) {}
    #[inline]
    fn field(&mut self, object: &mut Self::Object, key: &str, value: Value) {
        object.insert(key.to_string(), value);
    }
    #[inline]
    fn end_object(&mut self, object: Self::Object) -> Value {
        Value::Object(object)
    }

    #[inline]
    fn begin_array(&mut self, len: usize) -> Self::Array {
        Vec::with_capacity(len)
    }
    #[inline]
    fn element_start(&mut self, _: &mut Self::Array) {}
    #[inline]
    fn element(&mut self, array: &mut Self::Array, value: Value) {
        array.push(value);
    }
    #[inline]
    fn end_array(&mut self, array: Self::Array) -> Value {
        Value::Array(array)
    }
}

/// Writes JSON text through one of `serde_json`'s formatters.
pub(super) struct Text<F> {
    out: Vec<u8>,
    format: F,
    /// Reused for base64, which is encoded before it is written.
    scratch: String,
}

impl<F> Text<F> {
    /// Text through `format` (`CompactFormatter` as `serde_json::to_string`, [`Indented`] as
    /// `to_string_pretty`), with room for `capacity` bytes.
    pub(super) fn new(format: F, capacity: usize) -> Self {
        Text { out: Vec::with_capacity(capacity), format, scratch: String::new() }
    }

    /// The text written. Everything written is UTF-8 (`str`s, and ASCII), so this cannot
    /// fail; a failure would be a bug, reported as the text with replacement characters.
    pub(super) fn into_string(self) -> String {
        String::from_utf8(self.out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// `serde_json`'s `PrettyFormatter` (two spaces a level), writing each line break and its
/// indentation at once where that one writes the indentation a level at a time.
#[derive(Default)]
pub(super) struct Indented {
    depth: usize,
    /// Whether the array or object being written has a value yet.
    has_value: bool,
}

impl Indented {
    fn line<W: ?Sized + io::Write>(&self, out: &mut W) -> io::Result<()> {
        const LINE: &[u8] = b"\n                                                                ";
        let mut spaces = self.depth * 2;
        let now = spaces.min(LINE.len() - 1);
        out.write_all(LINE.get(..=now).unwrap_or(LINE))?;
        spaces -= now;
        while spaces > 0 {
            let now = spaces.min(LINE.len() - 1);
            out.write_all(LINE.get(1..=now).unwrap_or(b""))?;
            spaces -= now;
        }
        Ok(())
    }
}

impl Formatter for Indented {
    fn begin_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(b"[")
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(out)?;
        }
        out.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.line(out)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(b"{")
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(out)?;
        }
        out.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.line(out)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writing into a `Vec` cannot fail; the formatters' `io::Result`s are all `Ok`.
fn wrote(result: io::Result<()>) {
    debug_assert!(result.is_ok(), "writing JSON into a Vec failed");
}

impl<F: Formatter> Text<F> {
    /// A JSON string, escaped as `serde_json` escapes (`"`, `\` and control characters).
    fn string(&mut self, v: &str) {
        let out = &mut self.out;
        wrote(self.format.begin_string(out));
        let mut rest = v;
        while let Some(at) = first_to_escape(rest.as_bytes()) {
            let byte = rest.as_bytes()[at];
            let escape = match byte {
                b'"' => CharEscape::Quote,
                b'\\' => CharEscape::ReverseSolidus,
                0x08 => CharEscape::Backspace,
                0x09 => CharEscape::Tab,
                0x0a => CharEscape::LineFeed,
                0x0c => CharEscape::FormFeed,
                0x0d => CharEscape::CarriageReturn,
                _ => CharEscape::AsciiControl(byte),
            };
            // The byte at `at` is ASCII, so both sides of it are whole characters.
            let (run, after) = (rest.get(..at).unwrap_or(""), rest.get(at + 1..).unwrap_or(""));
            if !run.is_empty() {
                wrote(self.format.write_string_fragment(out, run));
            }
            wrote(self.format.write_char_escape(out, escape));
            rest = after;
        }
        if !rest.is_empty() {
            wrote(self.format.write_string_fragment(out, rest));
        }
        wrote(self.format.end_string(out));
    }
}

impl<F: Formatter> Sink for Text<F> {
    type Value = ();
    /// Whether no key has been written yet.
    type Object = bool;
    /// Whether no element has been written yet.
    type Array = bool;

    fn null(&mut self) {
        wrote(self.format.write_null(&mut self.out));
    }
    fn bool(&mut self, v: bool) {
        wrote(self.format.write_bool(&mut self.out, v));
    }
    fn u32(&mut self, v: u32) {
        wrote(self.format.write_u32(&mut self.out, v));
    }
    fn i32(&mut self, v: i32) {
        wrote(self.format.write_i32(&mut self.out, v));
    }
    fn i64(&mut self, v: i64) {
        wrote(self.format.write_i64(&mut self.out, v));
    }
    fn i64_string(&mut self, v: i64) {
        let out = &mut self.out;
        wrote(self.format.begin_string(out));
        wrote(self.format.write_i64(out, v));
        wrote(self.format.end_string(out));
    }
    fn f64(&mut self, v: f64) {
        wrote(self.format.write_f64(&mut self.out, v));
    }
    fn str(&mut self, v: &str) {
        self.string(v);
    }
    fn number(&mut self, n: &serde_json::Number) {
        // As `serde_json` writes each kind of number it holds.
        let out = &mut self.out;
        match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => wrote(self.format.write_u64(out, u)),
            (None, Some(i), _) => wrote(self.format.write_i64(out, i)),
            (None, None, Some(f)) if f.is_finite() => wrote(self.format.write_f64(out, f)),
            _ => wrote(self.format.write_null(out)),
        }
    }
    fn base64(&mut self, data: &[u8]) {
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        super::base64_engine().encode_string(data, &mut text);
        let out = &mut self.out;
        // The base64 alphabet needs no escaping.
        wrote(self.format.begin_string(out));
        wrote(self.format.write_string_fragment(out, &text));
        wrote(self.format.end_string(out));
        self.scratch = text;
    }

    fn begin_object(&mut self, _: usize) -> bool {
        wrote(self.format.begin_object(&mut self.out));
        true
    }
    fn key(&mut self, first: &mut bool, key: &str) {
        wrote(self.format.begin_object_key(&mut self.out, *first));
        *first = false;
        self.string(key);
        wrote(self.format.end_object_key(&mut self.out));
        wrote(self.format.begin_object_value(&mut self.out));
    }
    fn field(&mut self, _: &mut bool, _: &str, _: ()) {
        wrote(self.format.end_object_value(&mut self.out));
    }
    fn end_object(&mut self, _: bool) {
        wrote(self.format.end_object(&mut self.out));
    }

    fn begin_array(&mut self, _: usize) -> bool {
        wrote(self.format.begin_array(&mut self.out));
        true
    }
    fn element_start(&mut self, first: &mut bool) {
        wrote(self.format.begin_array_value(&mut self.out, *first));
        *first = false;
    }
    fn element(&mut self, _: &mut bool, _: ()) {
        wrote(self.format.end_array_value(&mut self.out));
    }
    fn end_array(&mut self, _: bool) {
        wrote(self.format.end_array(&mut self.out));
    }
}

/// Whether JSON must escape `b` in a string.
fn must_escape(b: &u8) -> bool {
    *b < 0x20 || *b == b'"' || *b == b'\\'
}

/// The index of the first byte of `bytes` that JSON must escape. Eight bytes at a time: most
/// strings (message texts) have none, and this is most of what writing them costs.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut start = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if has_escape(u64::from_le_bytes(word)) {
            return chunk.iter().position(must_escape).map(|i| start + i);
        }
        start += 8;
    }
    // The last few bytes (all of a short key), padded with a byte that needs no escape.
    let rest = chunks.remainder();
    let mut word = [b'a'; 8];
    word.get_mut(..rest.len())?.copy_from_slice(rest);
    if !has_escape(u64::from_le_bytes(word)) {
        return None;
    }
    rest.iter().position(must_escape).map(|i| start + i)
}

/// Whether one of the eight bytes of `x` is one JSON must escape.
fn has_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Whether a byte is below `n` (for `n` ≤ 128: exact as to whether there is one).
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    below(x, 0x20) | below(quote, 1) | below(backslash, 1) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_scan_finds_what_the_byte_scan_finds() {
        let byte_scan = |bytes: &[u8]| bytes.iter().position(must_escape);
        for len in 0..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    // Before and after `at`: bytes that come close (0x1f+1, '"'±1, '\\'±1, high).
                    for fill in [b'a', 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x80, 0xff] {
                        let mut bytes = vec![fill; len];
                        bytes[at] = b;
                        assert_eq!(first_to_escape(&bytes), byte_scan(&bytes), "{bytes:?}");
                    }
                }
            }
        }
    }
}
