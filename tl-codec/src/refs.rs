//! `Encode` for references to the values that have no constructor id (`&String`, `&i64`, …),
//! so that a struct that only encodes, such as a request, can borrow what it sends.
//!
//! A reference to a value *with* ids encodes through `EncodeBare for &T` and tl-codec's blanket
//! impl; a blanket `Encode for &T` would overlap that, so these are listed one by one. `&[u8]`,
//! `&str` and `&[u8; N]`, which decoding borrows, have theirs beside their values'.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::bytes::{TlStr, TlString};
use crate::object::{RawObject, RawObjectBuf};
use crate::output::Output;
use crate::traits::Encode;

macro_rules! ref_encode {
    ($($ty:ty),* $(,)?) => {$(
        impl Encode for &$ty {
            #[inline]
            fn encoded_len(&self) -> usize {
                (**self).encoded_len()
            }

            #[inline]
            fn encode<O: Output + ?Sized>(&self, out: &mut O) {
                (**self).encode(out);
            }
        }
    )*};
}

ref_encode! {
    i32, u32, i64, u64, f64, bool,
    String, Vec<u8>, TlStr<'_>, TlString, Cow<'_, str>, Cow<'_, [u8]>,
    RawObject<'_>, RawObjectBuf,
}

#[cfg(test)]
mod tests {
    use crate::{to_bytes, Encode, TlStr};
    use alloc::string::String;
    use alloc::vec;

    #[test]
    fn references_encode_as_their_values() {
        fn same<T: Encode>(value: T)
        where
            for<'r> &'r T: Encode,
        {
            assert_eq!(to_bytes(&&value), to_bytes(&value));
            assert_eq!(<&T as Encode>::encoded_len(&&value), value.encoded_len());
        }
        same(7i32);
        same(-7i64);
        same(1.5f64);
        same(true);
        same(String::from("text"));
        same(vec![1u8, 2, 3]);
        same(TlStr::from("borrowed"));
    }
}
