//! TL `string` and `bytes`: a length prefix (one byte up to 253, else `0xfe` and three
//! little-endian bytes), the bytes, and zero padding to a multiple of four.
//!
//! The two TL types are identical on the wire, and Telegram's `string`s are not guaranteed to
//! be UTF-8 (old clients sent truncated or Latin-1 text). So decoding never fails on content:
//! [`TlStr`] (borrowed) and [`TlString`] (owned) keep the exact bytes and hand out `&str` only
//! when they are valid UTF-8, and re-encode byte for byte. Rust's `&str`/`String` are also
//! supported for callers that want to reject non-UTF-8 text ([`ErrorKind::InvalidUtf8`]).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::{Error, ErrorKind, Result};
use crate::output::Output;
use crate::reader::Reader;
use crate::traits::{Decode, Encode};

/// The largest length the 3-byte form can express.
pub const MAX_BYTES_LEN: usize = (1 << 24) - 1;

/// The encoded size of a `string`/`bytes` of `len` bytes, header and padding included.
#[inline]
pub const fn bytes_encoded_len(len: usize) -> usize {
    let header = if len <= 253 { 1 } else { 4 };
    (header + len + 3) & !3
}

/// Writes `data` as a TL `string`/`bytes`.
///
/// When `data` is longer than [`MAX_BYTES_LEN`] (16 MiB − 1), which TL cannot represent,
/// nothing is written and [`Output::oversized`] is called instead, which panics unless the
/// sink says otherwise: encoding such a value is a bug in the caller, never a property of
/// decoded input (decoded values are shorter).
#[inline(always)]
pub fn encode_bytes<O: Output + ?Sized>(data: &[u8], out: &mut O) {
    let len = data.len();
    if len > MAX_BYTES_LEN {
        return out.oversized(len);
    }
    let total = bytes_encoded_len(len);
    // One capacity check for the header, the bytes and the padding.
    out.reserve(total);
    // SAFETY: the header, `len` bytes and the padding are `total` bytes, just reserved.
    unsafe {
        let header = if len <= 253 {
            out.put_reserved(&[len as u8]);
            1
        } else {
            out.put_u32_reserved(254 | (len as u32) << 8);
            4
        };
        out.put_reserved(data);
        out.put_padding_reserved(total - header - len);
    }
}

/// A TL `string` borrowed from the input: the exact bytes, readable as `&str` when they are
/// UTF-8. Decoding does not validate (so never fails on content, and costs nothing);
/// [`TlStr::as_str`] validates on each call.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TlStr<'a>(&'a [u8]);

impl<'a> TlStr<'a> {
    /// Wraps raw bytes.
    pub const fn from_bytes(bytes: &'a [u8]) -> TlStr<'a> {
        TlStr(bytes)
    }

    /// Wraps text.
    pub const fn new(s: &'a str) -> TlStr<'a> {
        TlStr(s.as_bytes())
    }

    /// The exact bytes.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The text, when the bytes are UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.0).ok()
    }

    /// The text, with invalid sequences replaced by U+FFFD (allocates only then).
    pub fn to_str_lossy(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.0)
    }

    /// Length in bytes.
    pub const fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the empty string.
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An owned copy.
    pub fn to_owned(&self) -> TlString {
        TlString(self.0.to_vec())
    }
}

impl fmt::Debug for TlStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => fmt::Debug::fmt(s, f),
            None => write!(f, "TlStr({:?})", self.0),
        }
    }
}

impl<'a> From<&'a str> for TlStr<'a> {
    fn from(s: &'a str) -> Self {
        TlStr::new(s)
    }
}

impl<'a> From<&'a [u8]> for TlStr<'a> {
    fn from(b: &'a [u8]) -> Self {
        TlStr(b)
    }
}

impl PartialEq<str> for TlStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for TlStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<String> for TlStr<'_> {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<TlStr<'_>> for str {
    fn eq(&self, other: &TlStr<'_>) -> bool {
        self.as_bytes() == other.0
    }
}

impl PartialEq<TlStr<'_>> for &str {
    fn eq(&self, other: &TlStr<'_>) -> bool {
        self.as_bytes() == other.0
    }
}

impl<'a> From<&'a String> for TlStr<'a> {
    fn from(s: &'a String) -> Self {
        TlStr::new(s)
    }
}

impl<'a> From<&'a TlString> for TlStr<'a> {
    fn from(s: &'a TlString) -> Self {
        s.as_tl_str()
    }
}

/// The text, with invalid UTF-8 sequences shown as U+FFFD (`{}` and `to_string()`; `{:?}` quotes
/// it, or shows the bytes when they are not UTF-8).
impl fmt::Display for TlStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{fffd}")?;
            }
        }
        Ok(())
    }
}

/// An owned TL `string`: the exact bytes, readable as `&str` when they are UTF-8.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TlString(Vec<u8>);

impl TlString {
    /// Wraps raw bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> TlString {
        TlString(bytes)
    }

    /// The exact bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text, when the bytes are UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(&self.0).ok()
    }

    /// The text, with invalid sequences replaced by U+FFFD.
    pub fn to_str_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// A borrowed view.
    pub fn as_tl_str(&self) -> TlStr<'_> {
        TlStr(&self.0)
    }

    /// The bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The `String`, when the bytes are UTF-8; the bytes back otherwise.
    pub fn into_string(self) -> core::result::Result<String, Vec<u8>> {
        String::from_utf8(self.0).map_err(|e| e.into_bytes())
    }
}

impl fmt::Debug for TlString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_tl_str(), f)
    }
}

impl From<String> for TlString {
    fn from(s: String) -> Self {
        TlString(s.into_bytes())
    }
}

impl From<&str> for TlString {
    fn from(s: &str) -> Self {
        TlString(s.as_bytes().to_vec())
    }
}

impl From<Vec<u8>> for TlString {
    fn from(b: Vec<u8>) -> Self {
        TlString(b)
    }
}

impl PartialEq<str> for TlString {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for TlString {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<String> for TlString {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<TlString> for str {
    fn eq(&self, other: &TlString) -> bool {
        self.as_bytes() == other.0
    }
}

impl PartialEq<TlString> for &str {
    fn eq(&self, other: &TlString) -> bool {
        self.as_bytes() == other.0
    }
}

impl From<&String> for TlString {
    fn from(s: &String) -> Self {
        TlString(s.as_bytes().to_vec())
    }
}

/// As [`TlStr`]'s: the text, invalid UTF-8 shown as U+FFFD.
impl fmt::Display for TlString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.as_tl_str(), f)
    }
}

macro_rules! bytes_encode {
    ($($ty:ty => |$v:ident| $bytes:expr;)*) => {$(
        impl Encode for $ty {
            #[inline]
            fn encoded_len(&self) -> usize {
                let $v = self;
                bytes_encoded_len($bytes.len())
            }

            #[inline]
            fn encode<O: Output + ?Sized>(&self, out: &mut O) {
                let $v = self;
                encode_bytes($bytes, out);
            }
        }
    )*};
}

// `Vec<u8>` is `bytes`, not `Vector<u8>`: `u8` has no TL encoding of its own, so this impl
// does not overlap with the generic vector impl.
bytes_encode! {
    [u8] => |v| v;
    &[u8] => |v| *v;
    str => |v| v.as_bytes();
    &str => |v| v.as_bytes();
    Vec<u8> => |v| v.as_slice();
    String => |v| v.as_bytes();
    TlStr<'_> => |v| v.0;
    TlString => |v| v.0.as_slice();
    Cow<'_, str> => |v| v.as_bytes();
    Cow<'_, [u8]> => |v| v.as_ref();
}

/// Strict like `&str`; borrows from the input (`Cow::Borrowed`).
impl<'a: 'b, 'b> Decode<'a> for Cow<'b, str> {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        <&str>::decode(r).map(Cow::Borrowed)
    }
}

/// `bytes`, borrowed from the input (`Cow::Borrowed`).
impl<'a: 'b, 'b> Decode<'a> for Cow<'b, [u8]> {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_tl_bytes().map(Cow::Borrowed)
    }
}

impl<'a: 'b, 'b> Decode<'a> for &'b [u8] {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_tl_bytes()
    }
}

impl<'a: 'b, 'b> Decode<'a> for TlStr<'b> {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_tl_bytes().map(TlStr)
    }
}

/// Strict: fails with [`ErrorKind::InvalidUtf8`] on non-UTF-8 text.
impl<'a: 'b, 'b> Decode<'a> for &'b str {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let at = r.position();
        let bytes = r.read_tl_bytes()?;
        core::str::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidUtf8, at))
    }
}

impl<'a> Decode<'a> for Vec<u8> {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_tl_bytes().map(<[u8]>::to_vec)
    }
}

impl<'a> Decode<'a> for TlString {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_tl_bytes().map(|b| TlString(b.to_vec()))
    }
}

/// Strict: fails with [`ErrorKind::InvalidUtf8`] on non-UTF-8 text.
impl<'a> Decode<'a> for String {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        <&str>::decode(r).map(String::from)
    }
}
