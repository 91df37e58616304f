//! [`RawObject`]: any boxed object, kept as its id and undecoded bytes (`Object`, `!X`).

use crate::error::{Error, ErrorKind, Result};
use crate::output::Output;
use crate::reader::Reader;
use crate::traits::{Decode, Encode};

/// A boxed object that is not decoded: its constructor id and the bytes of its fields,
/// borrowed from the input. Used where the schema says `Object` or `!X` (`rpc_result`,
/// `invokeWithLayer`), to be decoded later once the type is known.
///
/// A TL object does not announce its own length, so the reader needs to be told where it ends:
/// [`Decode`] takes the rest of the input (right for the usual trailing `Object` positions),
/// [`RawObject::read_sized`] takes a known total length, and [`RawObject::read_with`] lets a
/// schema-aware skipper walk the fields.
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
        let mut r = Reader::new(self.body);
        let value = T::decode_bare(self.id, &mut r)?;
        match r.remaining() {
            0 => Ok(value),
            count => Err(r.error(ErrorKind::TrailingBytes { count })),
        }
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
