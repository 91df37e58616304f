//! Objects that may be null, as TDLib's `td_api.tl` documents some fields ("may be null").
//!
//! TL itself has no null object in a field's place: td_api has no official binary form, so
//! this is the one the toolchain gives it, total and unambiguous. A nullable position holds
//! either the id of `null#56730bcc = Null` ([`NULL_ID`], from the Telegram API, where it has
//! no fields) or the object in its boxed form, its constructor id first, even where the schema
//! names the constructor (`photo:chatPhotoInfo`, bare in TL): a bare object could begin with
//! the very bytes of [`NULL_ID`], so only the id tells the two apart.
//!
//! The modules are field codecs (`#[tl(with = ...)]`, [`crate::sized_object`] style) for
//! `Option<T>` and for vectors of `Option<T>`, `T` being any type with constructor ids
//! (a struct, an enum of a boxed type, a `Box` of either).

use alloc::vec::Vec;

use crate::error::Result;
use crate::output::Output;
use crate::reader::Reader;
use crate::traits::{DecodeBare, EncodeBare};
use crate::vector::VECTOR_ID;

/// `null#56730bcc = Null`: what a nullable position holds when there is no object.
pub const NULL_ID: u32 = 0x5673_0bcc;

/// The codec of one nullable object: `None` is [`NULL_ID`], `Some` the boxed object.
pub mod value {
    use super::*;

    /// 4 bytes for `None`, the boxed object's size for `Some`.
    #[inline]
    pub fn encoded_len<T: EncodeBare>(v: &Option<T>) -> usize {
        4 + v.as_ref().map_or(0, T::encoded_len_bare)
    }

    /// Writes [`NULL_ID`], or the object with its id.
    #[inline]
    pub fn encode<T: EncodeBare, O: Output + ?Sized>(v: &Option<T>, out: &mut O) {
        match v {
            Some(v) => v.encode_form::<O, true>(out),
            None => out.put_u32(NULL_ID),
        }
    }

    /// Reads an id: [`NULL_ID`] is `None`; any other must be one of `T`'s constructors.
    #[inline]
    pub fn decode<'a, T: DecodeBare<'a>>(r: &mut Reader<'a>) -> Result<Option<T>> {
        match r.read_u32()? {
            NULL_ID => Ok(None),
            id => T::decode_bare(id, r).map(Some),
        }
    }
}

/// A boxed `Vector` whose elements may each be null ([`value`]'s form per element).
pub mod vector {
    use super::*;

    /// The id, the count and the elements.
    #[inline]
    pub fn encoded_len<T: EncodeBare>(v: &[Option<T>]) -> usize {
        4 + super::bare_vector::encoded_len(v)
    }

    /// Writes the id, the count and each element.
    #[inline]
    pub fn encode<T: EncodeBare, O: Output + ?Sized>(v: &[Option<T>], out: &mut O) {
        out.put_u32(VECTOR_ID);
        super::bare_vector::encode(v, out);
    }

    /// Reads the `Vector` id, then as [`bare_vector::decode`].
    #[inline]
    pub fn decode<'a, T: DecodeBare<'a>>(r: &mut Reader<'a>) -> Result<Vec<Option<T>>> {
        match r.read_u32()? {
            VECTOR_ID => super::bare_vector::decode(r),
            id => Err(r.unknown_constructor(id, "Vector")),
        }
    }
}

/// A bare `vector` (no id: td_api's `vector<message>`) whose elements may each be null.
pub mod bare_vector {
    use super::*;

    /// The count and the elements.
    #[inline]
    pub fn encoded_len<T: EncodeBare>(v: &[Option<T>]) -> usize {
        v.iter().fold(4, |n, item| n + super::value::encoded_len(item))
    }

    /// Writes the count and each element.
    #[inline]
    pub fn encode<T: EncodeBare, O: Output + ?Sized>(v: &[Option<T>], out: &mut O) {
        out.put_u32(v.len() as u32);
        for item in v {
            super::value::encode(item, out);
        }
    }

    /// Reads the count and the elements. Each takes at least its 4-byte id, so the count is
    /// checked against the input before anything is allocated, and storage up front is capped
    /// as for any vector (then grows as elements arrive).
    #[inline]
    pub fn decode<'a, T: DecodeBare<'a>>(r: &mut Reader<'a>) -> Result<Vec<Option<T>>> {
        let count = r.read_count(4)?;
        let room = (r.remaining().max(64 * 1024) / core::mem::size_of::<Option<T>>().max(1)).max(1);
        let mut items = Vec::with_capacity(count.min(room));
        for _ in 0..count {
            items.push(super::value::decode(r)?);
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, Identifiable};
    use alloc::vec;

    /// `pt#11223344 x:int = Pt;`, by hand.
    #[derive(Debug, PartialEq)]
    struct Pt(i32);

    impl EncodeBare for Pt {
        fn constructor_id(&self) -> u32 {
            0x1122_3344
        }
        fn encoded_len_bare(&self) -> usize {
            4
        }
        fn encode_form<O: Output + ?Sized, const BOXED: bool>(&self, out: &mut O) {
            if BOXED {
                out.put_u32(0x1122_3344);
            }
            out.put_u32(self.0 as u32);
        }
    }

    impl Identifiable for Pt {
        const CONSTRUCTOR_ID: u32 = 0x1122_3344;
    }

    impl<'a> DecodeBare<'a> for Pt {
        fn decode_bare(id: u32, r: &mut Reader<'a>) -> Result<Self> {
            if id != Self::CONSTRUCTOR_ID {
                return Err(r.unknown_constructor(id, "pt"));
            }
            Ok(Pt(r.read_u32()? as i32))
        }
    }

    fn enc(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut out = Vec::new();
        f(&mut out);
        out
    }

    #[test]
    fn null_is_the_null_id_and_some_is_boxed() {
        let none = enc(|o| value::encode::<Pt, _>(&None, o));
        assert_eq!(none, NULL_ID.to_le_bytes());
        assert_eq!(value::encoded_len::<Pt>(&None), 4);
        let some = enc(|o| value::encode(&Some(Pt(7)), o));
        assert_eq!(some, [0x44, 0x33, 0x22, 0x11, 7, 0, 0, 0]);
        assert_eq!(value::encoded_len(&Some(Pt(7))), 8);
        assert_eq!(value::decode::<Pt>(&mut Reader::new(&none)).unwrap(), None);
        assert_eq!(value::decode::<Pt>(&mut Reader::new(&some)).unwrap(), Some(Pt(7)));
    }

    #[test]
    fn another_id_is_an_error_and_a_short_input_too() {
        let err = value::decode::<Pt>(&mut Reader::new(&[1, 2, 3, 4, 0, 0, 0, 0])).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::UnknownConstructor { id: 0x0403_0201, .. }));
        assert!(value::decode::<Pt>(&mut Reader::new(&[0xcc, 0x0b])).is_err());
    }

    #[test]
    fn vectors_of_nullable_elements_round_trip() {
        let items = vec![Some(Pt(1)), None, Some(Pt(-2))];
        for boxed in [true, false] {
            let bytes = if boxed {
                enc(|o| vector::encode(&items, o))
            } else {
                enc(|o| bare_vector::encode(&items, o))
            };
            let len = if boxed { vector::encoded_len(&items) } else { bare_vector::encoded_len(&items) };
            assert_eq!(bytes.len(), len);
            let back = if boxed {
                vector::decode::<Pt>(&mut Reader::new(&bytes))
            } else {
                bare_vector::decode::<Pt>(&mut Reader::new(&bytes))
            };
            assert_eq!(back.unwrap(), items);
        }
    }

    #[test]
    fn a_count_past_the_input_is_refused_before_allocating() {
        let bytes = [0xff, 0xff, 0xff, 0x0f, 0xcc, 0x0b, 0x73, 0x56];
        let err = bare_vector::decode::<Pt>(&mut Reader::new(&bytes)).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::LengthOutOfRange { .. }));
        let err = vector::decode::<Pt>(&mut Reader::new(&[0, 0, 0, 0, 0, 0, 0, 0])).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::UnknownConstructor { id: 0, .. }));
    }
}
