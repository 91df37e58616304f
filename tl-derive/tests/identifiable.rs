//! A type that only encodes (a request a client sends) works in every encoding position, and
//! `#[derive(Identifiable)]` gives it its id as a constant, which `Decode` gives types that
//! decode.

use tl_codec::{to_bytes, Bare, EncodeBare, Function, Identifiable as _};
use tl_derive::Encode;

/// A request: encoded only, its id a constant through the `Identifiable` derive.
#[derive(Debug, Encode, tl_derive::Identifiable)]
#[tl(decl = "ping ping_id:long = Pong", returns = i64)]
struct Ping {
    ping_id: i64,
}

/// Encoded only, without `Identifiable`: still fine written bare and wrapped.
#[derive(Debug, Encode)]
#[tl(id = 0x0102_0304)]
struct Ack {
    msg_id: i64,
}

/// A generic container writing its parameter bare: `T` needs `EncodeBare`, not `Identifiable`.
#[derive(Debug, Encode)]
#[tl(id = 0x0a0b_0c0d)]
struct Wrapped<T> {
    #[tl(bare)]
    inner: T,
    list: Vec<Bare<T>>,
}

#[derive(Debug, Encode)]
enum Outgoing {
    Ping(Ping),
    Ack(Box<Ack>),
    #[tl(id = 0x0506_0708)]
    Nothing,
}

/// Generic over a generic `Identifiable` struct.
#[derive(Debug, Encode, tl_derive::Identifiable)]
#[tl(id = 0x1122_3344)]
struct Envelope<'a, T> {
    tag: &'a str,
    body: T,
}

fn constant_id<T: tl_codec::Identifiable>() -> u32 {
    T::CONSTRUCTOR_ID
}

#[test]
fn encode_only_types_have_their_id_as_a_constant() {
    assert_eq!(Ping::CONSTRUCTOR_ID, 0x7abe77ec);
    assert_eq!(constant_id::<Box<Ping>>(), 0x7abe77ec);
    assert_eq!(constant_id::<Envelope<'static, Ping>>(), 0x1122_3344);
    let ping = Ping { ping_id: 9 };
    assert_eq!(ping.constructor_id(), Ping::CONSTRUCTOR_ID);
    assert_eq!(&to_bytes(&ping)[..4], &Ping::CONSTRUCTOR_ID.to_le_bytes());
    fn answers<F: for<'r> Function<Return<'r> = i64>>(_: &F) {}
    answers(&ping);
    let e = Envelope { tag: "t", body: Ping { ping_id: 1 } };
    assert_eq!(to_bytes(&e).len(), 4 + 4 + 12);
}

#[test]
fn encode_only_types_written_bare_and_wrapped() {
    let w = Wrapped { inner: Ack { msg_id: 7 }, list: vec![Bare(Ack { msg_id: 8 })] };
    let bytes = to_bytes(&w);
    let mut expected = 0x0a0b_0c0d_u32.to_le_bytes().to_vec();
    expected.extend(7i64.to_le_bytes());
    expected.extend(tl_codec::VECTOR_ID.to_le_bytes());
    expected.extend(1u32.to_le_bytes());
    expected.extend(8i64.to_le_bytes());
    assert_eq!(bytes, expected);
    let bytes = to_bytes(&Outgoing::Ack(Box::new(Ack { msg_id: 1 })));
    assert_eq!(&bytes[..4], &0x0102_0304_u32.to_le_bytes());
    assert_eq!(bytes.len(), 12);
    let bytes = to_bytes(&vec![Outgoing::Ping(Ping { ping_id: 2 }), Outgoing::Nothing]);
    assert_eq!(bytes.len(), 8 + 12 + 4);
    assert_eq!(&bytes[8..12], &Ping::CONSTRUCTOR_ID.to_le_bytes());
}
