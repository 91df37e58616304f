//! `int512` (`int512 16*[ int ] = Int512`, TDLib's e2e schema: signatures), as `[u8; 64]`
//! like `int128`/`int256`: an opaque 64-byte string on the wire.

use crate::error::Result;
use crate::output::Output;
use crate::reader::Reader;
use crate::traits::{Decode, Encode, FixedLen};

/// The wire size of `int512`.
pub(crate) const INT512_LEN: usize = 64;

impl Encode for [u8; INT512_LEN] {
    #[inline]
    fn encoded_len(&self) -> usize {
        INT512_LEN
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, out: &mut O) {
        out.put(self);
    }
}

/// The borrowed form decoding gives (`&[u8; 64]`) encodes too.
impl Encode for &[u8; INT512_LEN] {
    #[inline]
    fn encoded_len(&self) -> usize {
        INT512_LEN
    }

    #[inline]
    fn encode<O: Output + ?Sized>(&self, out: &mut O) {
        out.put(*self);
    }
}

// SAFETY: `encode` writes exactly 64 bytes.
unsafe impl FixedLen for [u8; INT512_LEN] {
    const LEN: usize = INT512_LEN;

    #[inline]
    unsafe fn encode_reserved<O: Output + ?Sized>(&self, out: &mut O) {
        // SAFETY: forwarded contract.
        unsafe { out.put_reserved(self) }
    }
}

impl<'a> Decode<'a> for [u8; INT512_LEN] {
    const MIN_SIZE: usize = INT512_LEN;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_array::<INT512_LEN>().copied()
    }
}

impl<'a: 'b, 'b> Decode<'a> for &'b [u8; INT512_LEN] {
    const MIN_SIZE: usize = INT512_LEN;

    #[inline]
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_array::<INT512_LEN>()
    }
}

#[cfg(test)]
mod tests {
    use crate::ErrorKind;

    #[test]
    fn round_trips_and_borrows() {
        let mut v = [0u8; 64];
        for (i, b) in v.iter_mut().enumerate() {
            *b = i as u8;
        }
        let bytes = crate::to_bytes(&v);
        assert_eq!(bytes, v);
        assert_eq!(crate::from_bytes::<[u8; 64]>(&bytes).unwrap(), v);
        let borrowed: &[u8; 64] = crate::from_bytes(&bytes).unwrap();
        assert_eq!(borrowed.as_ptr(), bytes.as_ptr());
    }

    #[test]
    fn short_input_is_an_error() {
        let err = crate::from_bytes::<[u8; 64]>(&[0; 63]).unwrap_err();
        assert_eq!((err.offset(), err.kind()), (0, ErrorKind::UnexpectedEnd { needed: 64 }));
    }
}
