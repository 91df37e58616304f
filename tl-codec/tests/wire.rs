//! Byte-exact encodings of every primitive and edge case, their decodings, and bad input.

use tl_codec::{
    bytes_encoded_len, encode_to_slice, from_bytes, from_bytes_prefix, to_bytes, write_into, Bare, Decode,
    Encode, ErrorKind, RawObject, Reader, SizeCounter, TlStr, TlString, VECTOR_ID,
};

/// Encodes `value`, checks the bytes and the size, decodes them back.
fn exact<'a, T>(value: T, bytes: &'a [u8])
where
    T: Encode + Decode<'a> + PartialEq + std::fmt::Debug,
{
    assert_eq!(to_bytes(&value), bytes, "encoding of {value:?}");
    assert_eq!(value.encoded_len(), bytes.len());
    let mut counter = SizeCounter::default();
    value.encode(&mut counter);
    assert_eq!(counter.0, bytes.len());
    assert_eq!(from_bytes::<T>(bytes).unwrap(), value);
    // Every strict prefix is an error, never a panic.
    for n in 0..bytes.len() {
        assert!(from_bytes::<T>(&bytes[..n]).is_err(), "prefix {n} of {value:?}");
    }
}

#[test]
fn integers() {
    exact(0x0403_0201i32, &[1, 2, 3, 4]);
    exact(-1i32, &[0xff; 4]);
    exact(0xdead_beefu32, &[0xef, 0xbe, 0xad, 0xde]);
    exact(0x0807_0605_0403_0201i64, &[1, 2, 3, 4, 5, 6, 7, 8]);
    exact(i64::MIN, &[0, 0, 0, 0, 0, 0, 0, 0x80]);
    exact(u64::MAX, &[0xff; 8]);
}

#[test]
fn double() {
    exact(1.5f64, &1.5f64.to_bits().to_le_bytes());
    exact(-0.0f64, &[0, 0, 0, 0, 0, 0, 0, 0x80]);
    let nan = to_bytes(&f64::NAN);
    assert!(from_bytes::<f64>(&nan).unwrap().is_nan());
}

#[test]
fn int128_int256() {
    let a: [u8; 16] = core::array::from_fn(|i| i as u8);
    exact(a, &a);
    let b: [u8; 32] = core::array::from_fn(|i| 200 - i as u8);
    exact(b, &b);
    let borrowed: &[u8; 16] = from_bytes(&a).unwrap();
    assert_eq!(borrowed, &a);
}

/// What decoding borrows encodes again: `&[u8; N]` for `int128`/`int256`/`int512`, `&[u8]` for
/// `bytes`, `&str` for `string`; and a reference to a value with an id encodes as the value.
#[test]
fn borrowed_forms_encode() {
    let c: [u8; 64] = core::array::from_fn(|i| i as u8);
    for bytes in [&c[..16], &c[..32], &c[..]] {
        let back: Vec<u8> = match bytes.len() {
            16 => to_bytes(&from_bytes::<&[u8; 16]>(bytes).unwrap()),
            32 => to_bytes(&from_bytes::<&[u8; 32]>(bytes).unwrap()),
            _ => to_bytes(&from_bytes::<&[u8; 64]>(bytes).unwrap()),
        };
        assert_eq!(back, bytes);
    }
    let text = to_bytes("hi");
    assert_eq!(to_bytes(&from_bytes::<&str>(&text).unwrap()), text);
    assert_eq!(to_bytes(&from_bytes::<&[u8]>(&text).unwrap()), text);
    let v = vec![1i32, 2];
    let refs: Vec<&Vec<i32>> = vec![&v, &v];
    assert_eq!(to_bytes(&refs), to_bytes(&vec![v.clone(), v.clone()]));
}

#[test]
fn bool_ids() {
    exact(true, &[0xb5, 0x75, 0x72, 0x99]);
    exact(false, &[0x37, 0x97, 0x79, 0xbc]);
    let err = from_bytes::<bool>(&[1, 0, 0, 0]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadBool { id: 1 });
    assert_eq!(err.offset(), 0);
}

#[test]
fn short_strings_and_padding() {
    exact::<&[u8]>(b"", &[0, 0, 0, 0]);
    exact::<&[u8]>(b"a", &[1, b'a', 0, 0]);
    exact::<&[u8]>(b"ab", &[2, b'a', b'b', 0]);
    exact::<&[u8]>(b"abc", &[3, b'a', b'b', b'c']);
    exact::<&[u8]>(b"abcd", &[4, b'a', b'b', b'c', b'd', 0, 0, 0]);
    exact::<&str>("hey", &[3, b'h', b'e', b'y']);
    exact(String::from("hi"), &[2, b'h', b'i', 0]);
    exact(vec![0u8, 1], &[2, 0, 1, 0]);
    exact(TlString::from("x"), &[1, b'x', 0, 0]);
}

fn long_form(len: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let mut want =
        if len <= 253 { vec![len as u8] } else { vec![254, len as u8, (len >> 8) as u8, (len >> 16) as u8] };
    want.extend_from_slice(&data);
    while want.len() % 4 != 0 {
        want.push(0);
    }
    assert_eq!(want.len(), bytes_encoded_len(len));
    want
}

#[test]
fn length_prefix_boundary_253_254() {
    for len in [252usize, 253, 254, 255, 256, 257, 1000, 65_536, 70_000] {
        let want = long_form(len);
        let data = &want[if len <= 253 { 1 } else { 4 }..][..len];
        exact::<&[u8]>(data, &want);
    }
    // 253 bytes: the 1-byte form, 1 + 253 = 254, padded to 256.
    assert_eq!(long_form(253)[0], 253);
    assert_eq!(long_form(253).len(), 256);
    // 254 bytes: the 0xfe form, 4 + 254 = 258, padded to 260.
    assert_eq!(&long_form(254)[..4], &[254, 254, 0, 0]);
    assert_eq!(long_form(254).len(), 260);
}

#[test]
fn long_form_with_short_length_is_accepted() {
    // Not what we write, but valid TL: 0xfe with a length under 254.
    let got: &[u8] = from_bytes(&[254, 3, 0, 0, b'a', b'b', b'c', 0]).unwrap();
    assert_eq!(got, b"abc");
}

#[test]
fn strings_keep_invalid_utf8() {
    let bytes = [2, 0xff, 0xfe, 0];
    let s: TlStr<'_> = from_bytes(&bytes).unwrap();
    assert_eq!(s.as_bytes(), &[0xff, 0xfe]);
    assert_eq!(s.as_str(), None);
    assert_eq!(s.to_str_lossy(), "\u{fffd}\u{fffd}");
    assert_eq!(to_bytes(&s), bytes);
    let owned: TlString = from_bytes(&bytes).unwrap();
    assert_eq!(to_bytes(&owned), bytes);
    // The strict Rust types refuse it, pointing at the string.
    assert_eq!(from_bytes::<&str>(&bytes).unwrap_err().kind(), ErrorKind::InvalidUtf8);
    assert_eq!(from_bytes::<String>(&bytes).unwrap_err().offset(), 0);
    let ok: TlStr<'_> = from_bytes(&[2, b'o', b'k', 0]).unwrap();
    assert_eq!(ok.as_str(), Some("ok"));
    // Shown as `to_str_lossy` shows them.
    assert_eq!(s.to_string(), s.to_str_lossy());
    assert_eq!(owned.to_string(), "\u{fffd}\u{fffd}");
    assert_eq!(format!("[{ok}]"), "[ok]");
    let mixed: TlStr<'_> = TlStr::from(&b"a\xffb\xe2\x82"[..]);
    assert_eq!(mixed.to_string(), String::from_utf8_lossy(b"a\xffb\xe2\x82"));
}

/// Strings compare with Rust's either way round, and build from a borrowed `String`.
#[test]
fn strings_compare_and_convert_like_rust_strings() {
    let text = String::from("hello");
    let s = TlStr::from(&text);
    let owned = TlString::from(&text);
    assert_eq!(s, "hello");
    assert_eq!("hello", s);
    assert_eq!(s, text);
    assert_eq!(*"hello", s);
    assert_eq!(owned, "hello");
    assert_eq!("hello", owned);
    assert_eq!(owned, text);
    assert_eq!(*"hello", owned);
    assert_eq!(TlStr::from(&owned), s);
    assert_ne!(s, "hellO");
    assert_ne!("hellO", owned);
}

#[test]
fn vectors_boxed_and_bare() {
    exact::<Vec<i32>>(vec![], &[0x15, 0xc4, 0xb5, 0x1c, 0, 0, 0, 0]);
    exact(vec![1i32, 2], &[0x15, 0xc4, 0xb5, 0x1c, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]);
    exact(vec![true], &[0x15, 0xc4, 0xb5, 0x1c, 1, 0, 0, 0, 0xb5, 0x75, 0x72, 0x99]);
    exact(vec![vec![7i64]], &{
        let mut v = VECTOR_ID.to_le_bytes().to_vec();
        v.extend_from_slice(&[1, 0, 0, 0]);
        v.extend_from_slice(&VECTOR_ID.to_le_bytes());
        v.extend_from_slice(&[1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]);
        v
    });
    // Bare vector: `Bare<Vec<T>>` (or `#[tl(bare)]` on a field) drops the id.
    exact(Bare(vec![5i32]), &[1, 0, 0, 0, 5, 0, 0, 0]);
    exact(Bare(Vec::<i32>::new()), &[0, 0, 0, 0]);
    let err = from_bytes::<Vec<i32>>(&[1, 2, 3, 4, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownConstructor { id: 0x04030201, expected: "Vector" });
    assert_eq!(err.to_string(), "unknown constructor id 0x04030201 for `Vector` at byte 0");
    // Slices encode like vectors.
    assert_eq!(to_bytes(&[1i32][..]), to_bytes(&vec![1i32]));
}

#[test]
fn hostile_counts_and_lengths() {
    // 2^31 - 1 elements announced with 4 bytes of payload: refused before allocating.
    let mut v = VECTOR_ID.to_le_bytes().to_vec();
    v.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
    v.extend_from_slice(&[0; 4]);
    let err = from_bytes::<Vec<i64>>(&v).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LengthOutOfRange { len: 0x7fff_ffff });
    assert_eq!(err.offset(), 4);
    // Negative counts (as u32 they are huge) too.
    v[4..8].copy_from_slice(&(-1i32).to_le_bytes());
    assert!(matches!(from_bytes::<Vec<i32>>(&v).unwrap_err().kind(), ErrorKind::LengthOutOfRange { .. }));
    // Exactly as many elements as fit is fine, one more is not.
    let mut v = VECTOR_ID.to_le_bytes().to_vec();
    v.extend_from_slice(&2u32.to_le_bytes());
    v.extend_from_slice(&[0; 16]);
    assert_eq!(from_bytes::<Vec<i64>>(&v).unwrap(), vec![0, 0]);
    v[4] = 3;
    assert!(from_bytes::<Vec<i64>>(&v).is_err());
    // A 16 MiB string announced in 8 bytes.
    let err = from_bytes::<&[u8]>(&[254, 0xff, 0xff, 0xff, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEnd { needed: 0x0100_0004 });
    let err = from_bytes::<Vec<u8>>(&[254, 0xff, 0xff, 0xff, 0, 0, 0, 0]).unwrap_err();
    assert_eq!(err.offset(), 0);
    // 0xff is not a length prefix.
    assert_eq!(
        from_bytes::<&[u8]>(&[255, 0, 0, 0]).unwrap_err().kind(),
        ErrorKind::LengthOutOfRange { len: 255 }
    );
    // Missing padding.
    assert!(from_bytes::<&[u8]>(&[1, b'a']).is_err());
}

#[test]
fn error_offsets_point_into_nested_input() {
    let mut v = VECTOR_ID.to_le_bytes().to_vec();
    v.extend_from_slice(&2u32.to_le_bytes());
    v.extend_from_slice(&[0xb5, 0x75, 0x72, 0x99, 9, 9, 9, 9]);
    let err = from_bytes::<Vec<bool>>(&v).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadBool { id: 0x09090909 });
    assert_eq!(err.offset(), 12);
    assert_eq!(err.to_string(), "bad Bool id 0x09090909 at byte 12");
}

#[test]
fn trailing_bytes_and_prefix_decoding() {
    let err = from_bytes::<i32>(&[1, 0, 0, 0, 2]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TrailingBytes { count: 1 });
    assert_eq!(err.offset(), 4);
    let (v, rest) = from_bytes_prefix::<i32>(&[1, 0, 0, 0, 2]).unwrap();
    assert_eq!((v, rest), (1, &[2u8][..]));
}

#[test]
fn raw_objects() {
    let bytes = [0x15, 0xc4, 0xb5, 0x1c, 0, 0, 0, 0, 0xaa, 0xbb];
    let obj: RawObject<'_> = from_bytes(&bytes).unwrap();
    assert_eq!(obj.id, VECTOR_ID);
    assert_eq!(obj.body.len(), 6);
    assert_eq!(to_bytes(&obj), bytes);
    // Told its length, it stops there.
    let mut r = Reader::new(&bytes);
    let obj = RawObject::read_sized(&mut r, 8).unwrap();
    assert_eq!((obj.body, r.rest()), (&[0, 0, 0, 0][..], &[0xaa, 0xbb][..]));
    assert!(RawObject::read_sized(&mut Reader::new(&bytes), 11).is_err());
    assert!(RawObject::read_sized(&mut Reader::new(&bytes), 3).is_err());
    // A schema-aware skipper finds the end.
    let mut r = Reader::new(&bytes);
    let obj = RawObject::read_with(&mut r, |id, r| {
        assert_eq!(id, VECTOR_ID);
        r.skip(4)
    })
    .unwrap();
    assert_eq!(obj.body, &[0, 0, 0, 0]);
    assert_eq!(obj.decode::<Vec<i32>>(), Ok(vec![]));
    assert!(from_bytes::<RawObject<'_>>(&[1, 2]).is_err());
}

#[test]
fn outputs() {
    let v = vec![1i32, 2, 3];
    let mut buf = vec![9u8];
    write_into(&v, &mut buf);
    assert_eq!(&buf[1..], to_bytes(&v));
    // Into spare capacity that suffices (no reallocation), and into some that does not.
    let mut roomy = Vec::with_capacity(64);
    roomy.push(9u8);
    let before = roomy.as_ptr();
    write_into(&v, &mut roomy);
    assert_eq!((&roomy[1..], roomy.as_ptr()), (&to_bytes(&v)[..], before));
    let mut tight = Vec::with_capacity(12);
    tight.push(9u8);
    write_into(&v, &mut tight);
    assert_eq!(&tight[1..], to_bytes(&v));
    let mut slice = [0u8; 20];
    assert_eq!(encode_to_slice(&v, &mut slice), Ok(20));
    assert_eq!(&slice[..], to_bytes(&v));
    let mut small = [0u8; 19];
    let err = encode_to_slice(&v, &mut small).unwrap_err();
    assert_eq!((err.needed, err.available), (20, 19));
    assert_eq!(small, [0; 19]);
    // One exact allocation.
    assert_eq!(to_bytes(&v).capacity(), 20);
}

/// A zero-sized type whose `decode_into` hands back some other value instead of writing its
/// slot: vectors and boxes must not take the slot's address as proof of initialization, since
/// every zero-sized value shares it.
mod zero_sized_decode_into {
    use core::mem::MaybeUninit;
    use tl_codec::{Decode, Reader, Result};

    #[derive(Debug, PartialEq)]
    struct Token;

    impl<'a> Decode<'a> for Token {
        fn decode(r: &mut Reader<'a>) -> Result<Self> {
            r.read_u32().map(|_| Token)
        }

        fn decode_into<'s>(r: &mut Reader<'a>, _slot: &'s mut MaybeUninit<Self>) -> Result<&'s mut Self> {
            r.read_u32()?;
            Ok(Box::leak(Box::new(Token)))
        }
    }

    #[test]
    fn vectors_and_boxes_of_zero_sized_values_move_them_in() {
        let bytes = [0x15, 0xc4, 0xb5, 0x1c, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0];
        let v: Vec<Token> = tl_codec::from_bytes(&bytes).unwrap();
        assert_eq!(v, [Token, Token]);
        let b: Box<BareToken> = tl_codec::from_bytes(&bytes[8..12]).unwrap();
        assert_eq!(*b, BareToken);
    }

    /// Boxes hold types with ids; this one's `decode_bare_into` misbehaves as `Token`'s does.
    #[derive(Debug, PartialEq)]
    struct BareToken;

    impl<'a> tl_codec::DecodeBare<'a> for BareToken {
        fn decode_bare(_id: u32, _r: &mut Reader<'a>) -> Result<Self> {
            Ok(BareToken)
        }

        fn decode_bare_into<'s>(
            _id: u32,
            _r: &mut Reader<'a>,
            _slot: &'s mut MaybeUninit<Self>,
        ) -> Result<&'s mut Self> {
            Ok(Box::leak(Box::new(BareToken)))
        }
    }
}

/// Elements that take no input (here `PhantomData`; in schemas, bare constructors without
/// fields) pass any count check against the input left, so nested vectors of them could run
/// for a time quadratic in the input: one decode produces at most one per input byte.
#[test]
fn elements_of_no_wire_size_are_bounded_by_the_input() {
    use std::marker::PhantomData;
    type Empties = Vec<Vec<PhantomData<u8>>>;
    let vector = |count: u32| [0x15, 0xc4, 0xb5, 0x1c].into_iter().chain(count.to_le_bytes());
    // 1,000 inner vectors, each claiming as many elements as there are bytes left.
    let mut bytes: Vec<u8> = vector(1000).collect();
    for i in 0..1000u32 {
        bytes.extend(vector(8 * (999 - i)));
    }
    let err = from_bytes::<Empties>(&bytes).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::LengthOutOfRange { .. }), "{err}");
    // Within the budget they decode as before.
    let mut small: Vec<u8> = vector(2).collect();
    small.extend(vector(8));
    small.extend(vector(0));
    let v = from_bytes::<Empties>(&small).unwrap();
    assert_eq!((v[0].len(), v[1].len()), (8, 0));
}

/// A `string` over 16 MiB − 1 cannot be written: `to_bytes` panics (a bug in the caller),
/// `try_to_bytes` says where, and sizes are still given without a panic.
#[test]
fn values_too_long_for_tl_are_refused_by_try_to_bytes() {
    let long = vec![b'x'; tl_codec::MAX_BYTES_LEN + 1];
    let fine = [b'y'; 8];
    let value = vec![TlStr::from(&fine[..]), TlStr::from(&long[..])];
    let err = tl_codec::try_to_bytes(&value).expect_err("too long");
    assert_eq!(err.kind(), ErrorKind::LengthOutOfRange { len: tl_codec::MAX_BYTES_LEN + 1 });
    assert_eq!(err.offset(), 20, "after the vector's id, count and first string");
    assert_eq!(value.encoded_len(), 20 + bytes_encoded_len(long.len()));
    let mut counter = SizeCounter::default();
    value.encode(&mut counter);
    assert_eq!(counter.0, value.encoded_len());
    // Through `&mut` too, which forwards every method.
    let mut counter = SizeCounter::default();
    let mut by_ref = &mut counter;
    value.encode(&mut by_ref);
    assert_eq!(counter.0, value.encoded_len());
    assert!(std::panic::catch_unwind(|| to_bytes(&value)).is_err());
    let ok = vec![TlStr::from(&fine[..]); 2];
    assert_eq!(tl_codec::try_to_bytes(&ok).unwrap(), to_bytes(&ok));
}

/// Ids and flags words read in hex in `Debug` too, as in `Display` and the schemas.
#[test]
fn error_debug_shows_ids_in_hex() {
    let kind = ErrorKind::UnknownConstructor { id: 0xdeadbeef, expected: "Peer" };
    assert_eq!(format!("{kind:?}"), r#"UnknownConstructor { id: 0xdeadbeef, expected: "Peer" }"#);
    assert_eq!(format!("{:?}", ErrorKind::InvalidFlags { flags: 4 }), "InvalidFlags { flags: 0x00000004 }");
    assert_eq!(format!("{:?}", ErrorKind::TrailingBytes { count: 4 }), "TrailingBytes { count: 4 }");
}
