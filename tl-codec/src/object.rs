//! [`RawObject`] / [`RawObjectBuf`]: any boxed object, kept as its id and undecoded bytes
//! (`Object`), and [`sized_object`] for objects whose length the schema gives beside them.

use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};
use crate::output::Output;
use crate::reader::Reader;
use crate::traits::{Decode, Encode};

/// A boxed object that is not decoded: its constructor id and the bytes of its fields,
/// borrowed from the input. Used where the schema says `Object` or `!X` (`rpc_result`,
/// `invokeWithLayer`), to be decoded later once the type is known.
///
/// A TL object does not announce its own length, so the reader needs to be told where it ends:
/// [`Decode`] takes the rest of the input (right for an `Object` that is the last thing in its
/// buffer, such as `rpc_result`'s `result`; anything after it then fails to decode rather than
/// being misread), [`RawObject::read_sized`] takes a known total length (see [`sized_object`]
/// for `message ... bytes:int body:Object`), and [`RawObject::read_with`] lets a schema-aware
/// skipper walk the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawObject<'a> {
    /// The constructor id.
    pub id: u32,
    /// The encoded fields after the id.
    pub body: &'a [u8],
}

impl<'a> RawObject<'a> {
    /// Takes the id and every remaining byte.
    pub fn read_rest(r: &mut Reader<'a>) -> Result<RawObject<'a>> {
        let id = r.read_u32()?;
        let body = r.read_raw(r.remaining())?;
        Ok(RawObject { id, body })
    }

    /// Takes an object of exactly `len` bytes, id included.
    pub fn read_sized(r: &mut Reader<'a>, len: usize) -> Result<RawObject<'a>> {
        if len < 4 {
            return Err(r.error(ErrorKind::LengthOutOfRange { len }));
        }
        let id = r.read_u32()?;
        let body = r.read_raw(len - 4)?;
        Ok(RawObject { id, body })
    }

    /// Reads the id, then lets `skip` consume the fields (typically by decoding or skipping
    /// them with schema knowledge); the object is what `skip` consumed.
    pub fn read_with<F>(r: &mut Reader<'a>, skip: F) -> Result<RawObject<'a>>
    where
        F: FnOnce(u32, &mut Reader<'a>) -> Result<()>,
    {
        let id = r.read_u32()?;
        let start = r.position();
        let rest = r.rest();
        skip(id, r)?;
        let consumed = r.position().checked_sub(start);
        match consumed.and_then(|n| rest.get(..n)) {
            Some(body) => Ok(RawObject { id, body }),
            None => Err(Error::new(ErrorKind::Custom("object skipper moved backwards"), start)),
        }
    }

    /// Decodes the object as `T` (which reads the id itself); the whole body must be used.
    pub fn decode<T: crate::DecodeBare<'a>>(&self) -> Result<T> {
        decode_body(self.id, self.body)
    }

    /// The owned form (copies the body).
    pub fn to_owned_object(&self) -> RawObjectBuf {
        RawObjectBuf { id: self.id, body: self.body.to_vec() }
    }
}

fn decode_body<'a, T: crate::DecodeBare<'a>>(id: u32, body: &'a [u8]) -> Result<T> {
    let mut r = Reader::new(body);
    let value = T::decode_bare(id, &mut r)?;
    match r.remaining() {
        0 => Ok(value),
        count => Err(r.error(ErrorKind::TrailingBytes { count })),
    }
}

impl Encode for RawObject<'_> {
    #[inline]
    fn encoded_len(&self) -> usize {
        4 + self.body.len()
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, out: &mut O) {
        out.put_u32(self.id);
        out.put(self.body);
    }
}

/// Takes the rest of the input: see the type's documentation.
impl<'a: 'b, 'b> Decode<'a> for RawObject<'b> {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        RawObject::read_rest(r)
    }
}

/// [`RawObject`] that owns its body: the `Object` type of owned (`--owned`) generated
/// bindings, which must decode from buffers that do not outlive them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RawObjectBuf {
    /// The constructor id.
    pub id: u32,
    /// The encoded fields after the id.
    pub body: Vec<u8>,
}

impl RawObjectBuf {
    /// The borrowed view.
    pub fn as_raw(&self) -> RawObject<'_> {
        RawObject { id: self.id, body: &self.body }
    }

    /// Decodes the object as `T`, borrowing from `self`; the whole body must be used.
    pub fn decode<'a, T: crate::DecodeBare<'a>>(&'a self) -> Result<T> {
        decode_body(self.id, &self.body)
    }
}

impl From<RawObject<'_>> for RawObjectBuf {
    fn from(raw: RawObject<'_>) -> RawObjectBuf {
        raw.to_owned_object()
    }
}

/// Encodes as its borrowed view.
impl Encode for RawObjectBuf {
    #[inline]
    fn encoded_len(&self) -> usize {
        self.as_raw().encoded_len()
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, out: &mut O) {
        self.as_raw().encode(out)
    }
}

/// Takes the rest of the input, like [`RawObject`].
impl<'a> Decode<'a> for RawObjectBuf {
    const MIN_SIZE: usize = 4;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        RawObject::read_rest(r).map(RawObjectBuf::from)
    }
}

/// Field codecs (`Codec::With` in `tl-codegen`, `#[tl(with = ...)]` in the derive) for an
/// object preceded by its length, as in MTProto's
/// `message msg_id:long seqno:int bytes:int body:Object = Message` (the items of a
/// `msg_container`): the body is exactly `bytes` bytes, id included.
///
/// The length field uses [`length`](sized_object::length): decoding reads it without
/// consuming it, encoding writes nothing. The object field uses [`body`](sized_object::body):
/// it reads the length and exactly that many bytes, and writes the length computed from the
/// object before it. So the length on the wire is always the object's real length, whatever
/// the length field holds when encoding; after a decode the field holds the length that was
/// read.
pub mod sized_object {
    use super::RawObject;
    use crate::error::{ErrorKind, Result};
    use crate::output::Output;
    use crate::reader::Reader;
    use crate::traits::Encode;

    /// The codec of the `bytes:int` length field.
    pub mod length {
        use super::*;

        /// Nothing: [`body`](super::body) writes the length.
        #[inline]
        pub fn encoded_len(_len: &i32) -> usize {
            0
        }

        /// Writes nothing: [`body`](super::body) writes the length.
        #[inline]
        pub fn encode<O: Output + ?Sized>(_len: &i32, _out: &mut O) {}

        /// The length, left in the input for [`body`](super::body) to read.
        #[inline]
        pub fn decode(r: &mut Reader<'_>) -> Result<i32> {
            r.peek_u32().map(|v| v as i32)
        }
    }

    /// The codec of the `Object` after the length.
    pub mod body {
        use super::*;

        /// The length word and the object.
        #[inline]
        pub fn encoded_len<T: Encode + ?Sized>(object: &T) -> usize {
            4 + object.encoded_len()
        }

        /// Writes the object's length, then the object.
        #[inline]
        pub fn encode<T: Encode + ?Sized, O: Output + ?Sized>(object: &T, out: &mut O) {
            out.put_u32(u32::try_from(object.encoded_len()).unwrap_or(u32::MAX));
            object.encode(out);
        }

        /// Reads the length word and exactly that many bytes as the object ([`RawObject`] or
        /// [`RawObjectBuf`](super::super::RawObjectBuf)). A length under 4 (no room for an id)
        /// or past the end of the input is an error at the length word.
        #[inline]
        pub fn decode<'a, T: From<RawObject<'a>>>(r: &mut Reader<'a>) -> Result<T> {
            let at = r.position();
            let len = r.read_u32()? as usize;
            if len < 4 || len > r.remaining() {
                return Err(crate::Error::new(ErrorKind::LengthOutOfRange { len }, at));
            }
            RawObject::read_sized(r, len).map(T::from)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `message msg_id:long seqno:int bytes:int body:Object` twice in a row, as in a container.
    fn two_messages() -> Vec<u8> {
        let mut buf = Vec::new();
        for (msg_id, body) in [(1u64, &[0xaau8, 0, 0, 0, 7, 0, 0, 0][..]), (2, &[0xbb, 0, 0, 0][..])] {
            buf.extend_from_slice(&msg_id.to_le_bytes());
            buf.extend_from_slice(&3u32.to_le_bytes());
            buf.extend_from_slice(&(body.len() as u32).to_le_bytes());
            buf.extend_from_slice(body);
        }
        buf
    }

    #[test]
    fn sized_body_takes_exactly_its_length() {
        let buf = two_messages();
        let mut r = Reader::new(&buf);
        let mut seen = Vec::new();
        while !r.is_empty() {
            r.skip(12).unwrap();
            let len = sized_object::length::decode(&mut r).unwrap();
            let body: RawObject<'_> = sized_object::body::decode(&mut r).unwrap();
            assert_eq!(len as usize, body.encoded_len());
            seen.push(body);
        }
        assert_eq!(seen, [RawObject { id: 0xaa, body: &[7, 0, 0, 0] }, RawObject { id: 0xbb, body: &[] }]);
        let owned: RawObjectBuf = sized_object::body::decode(&mut Reader::new(&buf[12..])).unwrap();
        assert_eq!(owned.as_raw(), seen[0]);
    }

    #[test]
    fn sized_body_encodes_its_real_length() {
        let body = RawObject { id: 0xaa, body: &[7, 0, 0, 0] };
        let mut out = Vec::new();
        sized_object::length::encode(&99, &mut out);
        sized_object::body::encode(&body, &mut out);
        assert_eq!(sized_object::length::encoded_len(&99) + sized_object::body::encoded_len(&body), 12);
        assert_eq!(out, [8, 0, 0, 0, 0xaa, 0, 0, 0, 7, 0, 0, 0]);
    }

    #[test]
    fn bad_lengths_are_errors_at_the_length_word() {
        for len in [0u32, 3, 9, u32::MAX] {
            let mut buf = len.to_le_bytes().to_vec();
            buf.extend_from_slice(&[0xaa, 0, 0, 0, 7, 0, 0, 0]);
            let err = sized_object::body::decode::<RawObject<'_>>(&mut Reader::new(&buf)).unwrap_err();
            assert_eq!((err.offset(), err.kind()), (0, ErrorKind::LengthOutOfRange { len: len as usize }));
        }
        assert!(sized_object::length::decode(&mut Reader::new(&[1, 2])).is_err());
        assert!(sized_object::body::decode::<RawObjectBuf>(&mut Reader::new(&[4, 0])).is_err());
    }

    #[test]
    fn owned_object_round_trips() {
        let raw = RawObject { id: 5, body: &[1, 2, 3, 4] };
        let buf: RawObjectBuf = crate::from_bytes(&crate::to_bytes(&raw)).unwrap();
        assert_eq!(buf, raw.into());
        assert_eq!(crate::to_bytes(&buf), crate::to_bytes(&raw));
    }
}
