//! tl-codec: exact, zero-copy encoding of Rust types in Telegram's Type Language (TL).
//!
//! * [`Encode`] computes the exact size first ([`Encode::encoded_len`]) and then writes into
//!   any [`Output`]: a `Vec<u8>` (one exact allocation, see [`to_bytes`]), a fixed slice
//!   ([`encode_to_slice`]) or a [`SizeCounter`].
//! * [`Decode<'a>`](Decode) reads from a [`Reader<'a>`](Reader) and may borrow from its input:
//!   `&'a [u8]`, [`TlStr<'a>`](TlStr), [`RawObject<'a>`](RawObject) cost no allocation.
//! * [`EncodeBare`]/[`DecodeBare`]/[`Identifiable`] give the bare (id-less) form of types with
//!   constructor ids, so enums dispatch on an id read by someone else; such types get
//!   `Encode`/`Decode` (the id, then the bare form) from blanket impls. `Box<T>` forwards the
//!   bare form, so it encodes and decodes as `T` for types with ids; `&T` encodes as `T`.
//! * Bad input is an [`Error`] with a byte offset, never a panic; vector counts cannot allocate
//!   more than the input could hold, and nesting is bounded ([`DEFAULT_MAX_DEPTH`]).
//! * Encoding never fails but for a `string`/`bytes` value over [`MAX_BYTES_LEN`], which TL
//!   cannot represent: [`to_bytes`] panics on it ([`Output::oversized`]), [`try_to_bytes`]
//!   returns an [`Error`] instead.
//!
//! | TL | Rust |
//! | --- | --- |
//! | `int`, `long`, `double` | `i32`/`u32`, `i64`/`u64`, `f64` |
//! | `int128`, `int256` | `[u8; 16]`, `[u8; 32]` (or borrowed `&[u8; N]`) |
//! | `Bool` | `bool` |
//! | `flags.N?true` | `bool` field with `#[tl(bit = N)]` (derive) |
//! | `flags.N?T` | `Option<T>` field with `#[tl(bit = N)]` (derive) |
//! | `string` | [`TlStr<'a>`](TlStr) / [`TlString`] (any bytes), `&'a str` / `String` (UTF-8 only) |
//! | `bytes` | `&'a [u8]`, `Vec<u8>` |
//! | `Vector<T>` / `vector<T>` | `Vec<T>` / `Vec<T>` with `#[tl(bare)]` |
//! | `%T` | [`Bare<T>`] or `#[tl(bare)]` |
//! | `Object`, `!X` | [`RawObject<'a>`](RawObject) |
//! | `!X` left out of a wrapper (`invokeWithLayer`), for the bytes before any query | [`Tail`] |
//! | td_api's "may be null" object | `Option<T>` with [`nullable`]`::value` (`null#56730bcc` for `None`) |
//!
//! With the `derive` feature, `#[derive(Encode, Decode)]` (from `tl-derive`) implements these
//! traits for structs and enums (`Decode` gives [`Identifiable`] too; a type that only encodes
//! derives `Identifiable` for it); see that crate for the attributes.
//!
//! `no_std` with `alloc`.
//!
//! ```
//! use tl_codec::{from_bytes, to_bytes, ErrorKind, TlStr};
//!
//! let bytes = to_bytes(&vec![TlStr::new("hi"), TlStr::from_bytes(b"\xff")]);
//! assert_eq!(bytes, [0x15, 0xc4, 0xb5, 0x1c, 2, 0, 0, 0, 2, b'h', b'i', 0, 1, 0xff, 0, 0]);
//! let back: Vec<TlStr<'_>> = from_bytes(&bytes).unwrap(); // borrows from `bytes`
//! assert_eq!(back[0].as_str(), Some("hi"));
//! assert_eq!(back[1].as_str(), None); // not UTF-8, still decoded
//!
//! // Cut short: the count (at byte 4) promises more strings than the 2 bytes left could hold,
//! // so it is refused before anything is allocated.
//! let err = from_bytes::<Vec<TlStr<'_>>>(&bytes[..10]).unwrap_err();
//! assert_eq!((err.offset(), err.kind()), (4, ErrorKind::LengthOutOfRange { len: 2 }));
//! let err = from_bytes::<TlStr<'_>>(&bytes[8..11]).unwrap_err();
//! assert_eq!((err.offset(), err.kind()), (0, ErrorKind::UnexpectedEnd { needed: 4 }));
//! ```

#![no_std]
#![warn(missing_docs)]

extern crate alloc;
// Lets this crate's own tests use derived code, which names `::tl_codec`.
extern crate self as tl_codec;

mod bytes;
mod error;
mod int512;
pub mod nullable;
mod object;
mod output;
mod primitives;
mod reader;
mod refs;
mod tail;
mod traits;
mod vector;

use alloc::vec::Vec;

pub use bytes::{bytes_encoded_len, encode_bytes, TlStr, TlString, MAX_BYTES_LEN};
pub use error::{BufferTooSmall, Error, ErrorKind, Result};
pub use object::{sized_object, RawObject, RawObjectBuf};
pub use output::{Output, Run, SizeCounter, SliceOutput};
pub use primitives::{BOOL_FALSE_ID, BOOL_TRUE_ID};
pub use reader::{Reader, DEFAULT_MAX_DEPTH};
pub use tail::Tail;
#[doc(hidden)]
pub use traits::encode_bare_form;
pub use traits::{Decode, DecodeBare, Encode, EncodeBare, FixedLen, FlagsWord, Function, Identifiable};
pub use vector::{Bare, VECTOR_ID};

#[cfg(feature = "derive")]
pub use tl_derive::{Decode, Encode, Identifiable};

/// `Box`, `String` and `Vec` from `alloc`. Generated bindings import them from here, so that
/// they compile in `#![no_std]` crates too, whose prelude lacks them. Not a public API.
#[doc(hidden)]
pub mod __alloc {
    pub use alloc::borrow::{Cow, ToOwned};
    pub use alloc::string::{String, ToString};
    pub use alloc::{boxed::Box, format, vec::Vec};
}

/// `expr?` for generated decoders: the value of an `Ok`, or an early return of the `Err`.
///
/// Spelled as a plain `match` on [`Result`] because `?` makes the compiler resolve `Try` and
/// `From` for every use: over a whole API layer's decoders (tens of thousands of uses) the
/// `match` compiles in 15–25% less CPU time and 7% less memory. (Optional fields still use
/// `Some(call?)`: there the `match` made LLVM copy a large value once more.) A trailing comma
/// is allowed, as formatters write one after an argument on a line of its own.
#[doc(hidden)]
#[macro_export]
macro_rules! ok_or_return {
    ($e:expr $(,)?) => {
        match $e {
            ::core::result::Result::Ok(__tl_value) => __tl_value,
            ::core::result::Result::Err(__tl_error) => return ::core::result::Result::Err(__tl_error),
        }
    };
}

/// Encodes `value` into a new vector of exactly the right capacity (one allocation).
///
/// # Panics
/// When `value` holds a `string` or `bytes` value longer than [`MAX_BYTES_LEN`] (16 MiB − 1),
/// which TL cannot represent. [`try_to_bytes`] returns an error instead.
#[inline]
pub fn to_bytes<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.encoded_len());
    value.encode(&mut out);
    out
}

/// [`to_bytes`], failing where it would panic: with [`ErrorKind::LengthOutOfRange`] at the
/// offset of the first `string` or `bytes` value longer than [`MAX_BYTES_LEN`]. For values
/// built from user input (a message text, a file part) before they go out.
pub fn try_to_bytes<T: Encode + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut check = output::CheckedCounter::default();
    value.encode(&mut check);
    if let Some((offset, len)) = check.oversized {
        return Err(Error::new(ErrorKind::LengthOutOfRange { len }, offset));
    }
    let mut out = Vec::with_capacity(check.count);
    value.encode(&mut out);
    Ok(out)
}

/// Appends the encoding of `value` to `out`, reserving exactly what it needs. Clear `out`
/// first to reuse one buffer for many messages without allocating.
#[inline]
pub fn write_into<T: Encode + ?Sized>(value: &T, out: &mut Vec<u8>) {
    out.reserve(value.encoded_len());
    value.encode(out);
}

/// Encodes `value` at the start of `buf` and returns the number of bytes written; nothing is
/// written when `buf` is too short.
#[inline]
pub fn encode_to_slice<T: Encode + ?Sized>(
    value: &T,
    buf: &mut [u8],
) -> core::result::Result<usize, BufferTooSmall> {
    let needed = value.encoded_len();
    if needed > buf.len() {
        return Err(BufferTooSmall { needed, available: buf.len() });
    }
    let mut out = SliceOutput::new(buf);
    value.encode(&mut out);
    Ok(out.written())
}

/// Decodes a `T` that must use all of `input` ([`ErrorKind::TrailingBytes`] otherwise).
#[inline]
pub fn from_bytes<'a, T: Decode<'a>>(input: &'a [u8]) -> Result<T> {
    let mut r = Reader::new(input);
    let value = T::decode(&mut r)?;
    match r.remaining() {
        0 => Ok(value),
        count => Err(r.error(ErrorKind::TrailingBytes { count })),
    }
}

/// Decodes the answer to the RPC function `F` (its [`Function::Return`]), which must use all
/// of `response`.
#[inline]
pub fn decode_response<'a, F: Function>(response: &'a [u8]) -> Result<F::Return<'a>> {
    from_bytes(response)
}

/// Decodes a `T` from the start of `input` and returns it with the bytes after it.
#[inline]
pub fn from_bytes_prefix<'a, T: Decode<'a>>(input: &'a [u8]) -> Result<(T, &'a [u8])> {
    let mut r = Reader::new(input);
    let value = T::decode(&mut r)?;
    Ok((value, r.rest()))
}
