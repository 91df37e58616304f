//! Round trips and byte-exact encodings of derived types.

// The traits by path or anonymously: with tl-codec's `derive` feature on (`--all-features`),
// `tl_codec::{Decode, Encode}` also name the derive macros and would clash with these.
use tl_codec::{
    from_bytes, to_bytes, Bare, Decode as _, DecodeBare, EncodeBare, ErrorKind, Function, Identifiable,
    RawObject, Reader, TlStr,
};
use tl_derive::{Decode, Encode};

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(decl = "inputPeerUser user_id:long access_hash:long = InputPeer")]
struct InputPeerUser {
    user_id: i64,
    access_hash: i64,
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
enum InputPeer {
    #[tl(id = 0x7f3b18ea)]
    Empty,
    #[tl(id = 0x7da07ec9)]
    PeerSelf,
    #[tl(id = 0x35a95cb9)]
    Chat {
        chat_id: i64,
    },
    User(InputPeerUser),
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
enum Entity {
    #[tl(decl = "messageEntityBold offset:int length:int = MessageEntity")]
    Bold { offset: i32, length: i32 },
    #[tl(decl = "messageEntityTextUrl offset:int length:int url:string = MessageEntity")]
    TextUrl { offset: i32, length: i32, url: String },
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(decl = "messages.sendMessage flags:# no_webpage:flags.1?true silent:flags.5?true peer:InputPeer \
             reply_to_msg_id:flags.0?int message:string random_id:long entities:flags.3?Vector<MessageEntity> \
             schedule_date:flags.10?int = Updates")]
#[tl(returns = u32)]
struct SendMessage<'a> {
    #[tl(flags)]
    flags: u32,
    #[tl(bit = 1)]
    no_webpage: bool,
    #[tl(bit = 5)]
    silent: bool,
    peer: InputPeer,
    #[tl(bit = 0)]
    reply_to_msg_id: Option<i32>,
    message: TlStr<'a>,
    random_id: i64,
    #[tl(bit = 3)]
    entities: Option<Vec<Entity>>,
    #[tl(bit = 10)]
    schedule_date: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(id = 0x11223344)]
struct TwoFlags<'a> {
    #[tl(flags)]
    flags: (),
    #[tl(flags = "flags", bit = 31)]
    a: Option<&'a [u8]>,
    #[tl(flags)]
    flags2: u32,
    #[tl(flags = "flags2", bit = 0)]
    b: bool,
    #[tl(flags = "flags", bit = 2)]
    c: Option<i64>,
}

/// Bare struct: no id.
#[derive(Debug, Clone, Copy, PartialEq, Encode, Decode)]
struct Point(i32, i32);

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(id = 0xaabbccdd)]
struct Bares {
    #[tl(bare)]
    ints: Vec<i32>,
    #[tl(bare)]
    user: InputPeerUser,
    points: Vec<Point>,
    bare_users: Vec<Bare<InputPeerUser>>,
}

mod doubled {
    use tl_codec::{Decode, Encode, Output, Reader, Result};

    pub fn encoded_len(_: &i32) -> usize {
        4
    }

    pub fn encode<O: Output + ?Sized>(v: &i32, out: &mut O) {
        (v * 2).encode(out);
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<i32> {
        i32::decode(r).map(|v| v / 2)
    }
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(id = 0x01020304)]
struct WithCodec {
    #[tl(with = doubled)]
    x: i32,
    #[tl(flags)]
    f: (),
    #[tl(bit = 0, with = "doubled")]
    y: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(id = 0x0badf00d)]
struct Generic<'a, T> {
    items: Vec<T>,
    name: &'a str,
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
enum Tree {
    #[tl(id = 0x1)]
    Leaf(i32),
    #[tl(id = 0x2)]
    Node(Vec<Tree>),
    #[tl(id = 0x3)]
    Boxed(Box<Tree>),
}

fn round_trip<'a, T>(value: &T, buf: &'a mut Vec<u8>) -> T
where
    T: tl_codec::Encode + tl_codec::Decode<'a> + PartialEq + std::fmt::Debug,
{
    *buf = to_bytes(value);
    assert_eq!(buf.len(), value.encoded_len());
    let back: T = from_bytes(buf).unwrap();
    assert_eq!(&back, value);
    back
}

#[test]
fn ids_from_declarations() {
    assert_eq!(InputPeerUser::CONSTRUCTOR_ID, 0xdde8a54c);
    let e = Entity::Bold { offset: 0, length: 1 };
    assert_eq!(e.constructor_id(), 0xbd610bc9);
    let e = Entity::TextUrl { offset: 0, length: 1, url: String::new() };
    assert_eq!(e.constructor_id(), 0x76a6d327);
    fn returns<F: for<'r> Function<Return<'r> = u32>>(_: &F) {}
    let m = send_message();
    returns(&m);
    assert_eq!(tl_codec::decode_response::<SendMessage<'_>>(&[7, 0, 0, 0]), Ok(7));
}

fn send_message() -> SendMessage<'static> {
    SendMessage {
        flags: 0xdead,
        no_webpage: true,
        silent: false,
        peer: InputPeer::User(InputPeerUser { user_id: 7, access_hash: -1 }),
        reply_to_msg_id: None,
        message: TlStr::new("hello"),
        random_id: 42,
        entities: Some(vec![
            Entity::Bold { offset: 0, length: 5 },
            Entity::TextUrl { offset: 1, length: 2, url: "https://t.me".into() },
        ]),
        schedule_date: Some(9),
    }
}

#[test]
fn send_message_bytes_and_round_trip() {
    let m = send_message();
    let bytes = to_bytes(&m);
    let id = SendMessage::CONSTRUCTOR_ID.to_le_bytes();
    assert_eq!(&bytes[..4], &id);
    // The flags word is recomputed: bits 1, 3 and 10, not the 0xdead in the struct.
    assert_eq!(&bytes[4..8], &(1u32 << 1 | 1 << 3 | 1 << 10).to_le_bytes());
    assert_eq!(&bytes[8..12], &0xdde8a54cu32.to_le_bytes());
    let back: SendMessage<'_> = from_bytes(&bytes).unwrap();
    assert_eq!(back.flags, 1 << 1 | 1 << 3 | 1 << 10);
    assert_eq!(back.message.as_str(), Some("hello"));
    assert_eq!(back, SendMessage { flags: back.flags, ..m });
}

#[test]
fn two_flag_words() {
    let v = TwoFlags { flags: (), a: Some(b"xyz"), flags2: 0, b: true, c: None };
    let bytes = to_bytes(&v);
    assert_eq!(
        bytes,
        [
            0x44, 0x33, 0x22, 0x11, // id
            0, 0, 0, 0x80, // flags: bit 31
            3, b'x', b'y', b'z', // a
            1, 0, 0, 0, // flags2: bit 0
        ]
    );
    let back: TwoFlags<'_> = from_bytes(&bytes).unwrap();
    assert_eq!(back, TwoFlags { flags2: 1, ..v });
    let mut buf = Vec::new();
    round_trip(&TwoFlags { flags: (), a: None, flags2: 0, b: false, c: Some(-5) }, &mut buf);
}

/// A tuple struct names its flags words by index (`flags = "1"`); `bool` may be written out.
#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x1234_5678)]
struct TupleFlags(
    #[tl(flags)] u32,
    #[tl(flags)] u32,
    #[tl(flags = "1", bit = 0)] Option<i32>,
    #[tl(flags = "0", bit = 2)] std::primitive::bool,
);

#[test]
fn tuple_struct_with_two_flag_words() {
    let v = TupleFlags(0, 0, Some(7), true);
    let bytes = to_bytes(&v);
    assert_eq!(bytes, [0x78, 0x56, 0x34, 0x12, 4, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0]);
    assert_eq!(from_bytes::<TupleFlags>(&bytes).unwrap(), TupleFlags(4, 1, Some(7), true));
}

/// Type parameters written bare or wrapped by a variant get the bare bounds, so borrowing
/// types fit them.
#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x0a0b_0c0d)]
struct Named<'a> {
    name: TlStr<'a>,
}

#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x1a1b_1c1d)]
struct Holder<'a, T> {
    label: TlStr<'a>,
    #[tl(bare)]
    inner: T,
}

#[derive(Debug, PartialEq, Encode, Decode)]
enum Either<L, R> {
    Left(L),
    Right(R),
}

#[test]
fn generic_parameters_written_bare_or_wrapped() {
    let h = Holder { label: TlStr::new("outer"), inner: Named { name: TlStr::new("inner") } };
    let bytes = to_bytes(&h);
    // Id, label, then `Named` without its id.
    assert_eq!(&bytes[..4], &0x1a1b_1c1d_u32.to_le_bytes());
    assert_eq!(bytes.len(), 4 + 8 + 8);
    let back: Holder<'_, Named<'_>> = from_bytes(&bytes).unwrap();
    assert_eq!(back, h);
    let e: Either<Named<'_>, TwoFlags<'_>> = Either::Left(Named { name: TlStr::new("left") });
    let bytes = to_bytes(&e);
    assert_eq!(&bytes[..4], &0x0a0b_0c0d_u32.to_le_bytes());
    assert_eq!(from_bytes::<Either<Named<'_>, TwoFlags<'_>>>(&bytes).unwrap(), e);
}

/// `Cow` strings and bytes borrow on decode; a `PhantomData` marker is not on the wire.
#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x2a2b_2c2d)]
struct Marked<'a, T> {
    text: std::borrow::Cow<'a, str>,
    data: std::borrow::Cow<'a, [u8]>,
    marker: std::marker::PhantomData<T>,
}

#[test]
fn cow_fields_borrow_and_phantom_data_is_not_on_the_wire() {
    let owned: Marked<'_, u64> = Marked {
        text: String::from("héllo").into(),
        data: vec![1, 2, 3].into(),
        marker: std::marker::PhantomData,
    };
    let bytes = to_bytes(&owned);
    assert_eq!(bytes, [0x2d, 0x2c, 0x2b, 0x2a, 6, b'h', 0xc3, 0xa9, b'l', b'l', b'o', 0, 3, 1, 2, 3]);
    let back: Marked<'_, u64> = from_bytes(&bytes).unwrap();
    assert!(matches!(back.text, std::borrow::Cow::Borrowed("héllo")));
    assert!(matches!(back.data, std::borrow::Cow::Borrowed([1, 2, 3])));
    assert_eq!(back, owned);
    // Text that is not UTF-8 is refused, as for `&str`.
    let mut bad = bytes.clone();
    bad[6] = 0xff;
    assert_eq!(from_bytes::<Marked<'_, u64>>(&bad).unwrap_err().kind(), ErrorKind::InvalidUtf8);
}

#[test]
fn bare_fields_and_elements() {
    let v = Bares {
        ints: vec![1, 2],
        user: InputPeerUser { user_id: 1, access_hash: 2 },
        points: vec![Point(1, 2)],
        bare_users: vec![Bare(InputPeerUser { user_id: 3, access_hash: 4 })],
    };
    let bytes = to_bytes(&v);
    // id, bare vector (count 2, 1, 2), bare user (two longs), boxed vector of bare points,
    // boxed vector of bare users.
    assert_eq!(bytes.len(), 4 + (4 + 8) + 16 + (8 + 8) + (8 + 16));
    assert_eq!(&bytes[4..8], &2u32.to_le_bytes());
    let mut buf = Vec::new();
    round_trip(&v, &mut buf);
}

#[test]
fn custom_codec() {
    let v = WithCodec { x: 21, f: (), y: Some(4) };
    let bytes = to_bytes(&v);
    assert_eq!(&bytes[4..8], &42i32.to_le_bytes());
    assert_eq!(&bytes[12..], &8i32.to_le_bytes());
    let mut buf = Vec::new();
    round_trip(&v, &mut buf);
}

#[test]
fn generics_and_lifetimes() {
    let v = Generic { items: vec![1i64, 2, 3], name: "n" };
    let mut buf = Vec::new();
    round_trip(&v, &mut buf);
    let nested = Generic { items: vec![Generic { items: vec![Point(1, 1)], name: "inner" }], name: "outer" };
    round_trip(&nested, &mut buf);
}

#[test]
fn enums_dispatch_and_reject_unknown_ids() {
    let mut buf = Vec::new();
    for p in [InputPeer::Empty, InputPeer::PeerSelf, InputPeer::Chat { chat_id: 5 }] {
        round_trip(&p, &mut buf);
    }
    let err = from_bytes::<InputPeer>(&[1, 2, 3, 4]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownConstructor { id: 0x04030201, expected: "InputPeer" });
    assert_eq!(err.offset(), 0);
    // The bare reader takes an id read elsewhere.
    let mut r = Reader::new(&[9, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(InputPeer::decode_bare(0x35a95cb9, &mut r), Ok(InputPeer::Chat { chat_id: 9 }));
}

#[test]
fn raw_object_decodes_later() {
    let peer = InputPeer::Chat { chat_id: 77 };
    let bytes = to_bytes(&peer);
    let raw: RawObject<'_> = from_bytes(&bytes).unwrap();
    assert_eq!(raw.id, 0x35a95cb9);
    assert_eq!(raw.decode::<InputPeer>(), Ok(peer.clone()));
    assert_eq!(to_bytes(&raw), bytes);
}

#[test]
fn recursion_is_bounded() {
    let mut t = Tree::Leaf(1);
    for _ in 0..10 {
        t = Tree::Node(vec![t, Tree::Boxed(Box::new(Tree::Leaf(2)))]);
    }
    let mut buf = Vec::new();
    round_trip(&t, &mut buf);

    // 100 000 nested `Boxed` ids: refused at the depth limit, no stack overflow.
    let mut deep = Vec::new();
    for _ in 0..100_000 {
        deep.extend_from_slice(&3u32.to_le_bytes());
    }
    deep.extend_from_slice(&1u32.to_le_bytes());
    deep.extend_from_slice(&0u32.to_le_bytes());
    let err = from_bytes::<Tree>(&deep).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooDeep { limit: tl_codec::DEFAULT_MAX_DEPTH });
    let mut r = Reader::new(&deep).with_max_depth(3);
    assert_eq!(Tree::decode(&mut r).unwrap_err().kind(), ErrorKind::TooDeep { limit: 3 });
}

#[test]
fn strict_flags() {
    let mut bytes = to_bytes(&WithCodec { x: 1, f: (), y: None });
    bytes[8] = 0x02;
    assert!(from_bytes::<WithCodec>(&bytes).is_ok());
    let mut r = Reader::new(&bytes).reject_unknown_flags(true);
    let err = WithCodec::decode(&mut r).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidFlags { flags: 2 });
    assert_eq!(err.offset(), 8);
}

#[test]
fn every_prefix_fails_cleanly() {
    let bytes = to_bytes(&send_message());
    for n in 0..bytes.len() {
        assert!(from_bytes::<SendMessage<'_>>(&bytes[..n]).is_err(), "prefix {n}");
    }
    let mut extended = bytes.clone();
    extended.push(0);
    assert_eq!(
        from_bytes::<SendMessage<'_>>(&extended).unwrap_err().kind(),
        ErrorKind::TrailingBytes { count: 1 }
    );
}

#[test]
fn hostile_vector_count() {
    // A boxed vector of `Tree` announcing 2^31-1 elements in 8 bytes of input.
    let mut bytes = 2u32.to_le_bytes().to_vec();
    bytes.extend_from_slice(&0x1cb5c415u32.to_le_bytes());
    bytes.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
    bytes.extend_from_slice(&[0; 8]);
    let err = from_bytes::<Tree>(&bytes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LengthOutOfRange { len: 0x7fff_ffff });
    assert_eq!(err.offset(), 8);
}

#[test]
fn min_sizes() {
    assert_eq!(<InputPeerUser as tl_codec::Decode<'_>>::MIN_SIZE, 20);
    assert_eq!(<SendMessage<'_> as tl_codec::Decode<'_>>::MIN_SIZE, 4 + 4 + 4 + 4 + 8);
    assert_eq!(<Point as tl_codec::Decode<'_>>::MIN_SIZE, 8);
    assert_eq!(<Bare<InputPeerUser> as tl_codec::Decode<'_>>::MIN_SIZE, 16);
}

/// A small deterministic generator, so that failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn mutated_and_random_input_never_panics() {
    let mut rng = Lcg(0x5eed);
    let mut tree = Tree::Leaf(1);
    for i in 0..6 {
        tree = Tree::Node(vec![tree, Tree::Boxed(Box::new(Tree::Leaf(i)))]);
    }
    let samples = [
        to_bytes(&send_message()),
        to_bytes(&tree),
        to_bytes(&TwoFlags { flags: (), a: Some(&[1; 300]), flags2: 0, b: true, c: Some(1) }),
    ];
    for sample in &samples {
        for _ in 0..3000 {
            let mut bytes = sample.clone();
            for _ in 0..1 + rng.next() % 4 {
                let i = (rng.next() as usize) % bytes.len();
                bytes[i] = match rng.next() % 4 {
                    0 => 0xff,
                    1 => 0xfe,
                    2 => 0,
                    _ => rng.next() as u8,
                };
            }
            let cut = bytes.len() - (rng.next() as usize % 8).min(bytes.len());
            let bytes = &bytes[..cut];
            let _ = from_bytes::<SendMessage<'_>>(bytes);
            let _ = from_bytes::<Tree>(bytes);
            let _ = from_bytes::<TwoFlags<'_>>(bytes);
            let _ = from_bytes::<Vec<Entity>>(bytes);
        }
    }
    for len in 0..200 {
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = from_bytes::<SendMessage<'_>>(&bytes);
        let _ = from_bytes::<Tree>(&bytes);
        let _ = from_bytes::<Generic<'_, Point>>(&bytes);
    }
}

mod reexport {
    pub use tl_codec as codec;
}

/// `crate = path` for projects that re-export tl-codec under another name.
#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x5, crate = crate::reexport::codec)]
struct Reexported {
    x: i32,
}

/// Type parameters with bounds, defaults and where clauses keep them; one in a `Box` (which
/// holds types with ids) gets the bare bounds.
#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x6)]
struct Bounded<T: Clone = InputPeerUser, const N: usize = 2>
where
    T: std::fmt::Debug,
{
    items: Vec<T>,
    #[tl(flags)]
    flags: (),
    #[tl(bit = 0)]
    extra: Option<Box<T>>,
}

#[test]
fn crate_path_and_bounds() {
    let mut buf = Vec::new();
    round_trip(&Reexported { x: 1 }, &mut buf);
    let peer = |user_id| InputPeerUser { user_id, access_hash: 2 };
    let extra = Some(Box::new(peer(3)));
    round_trip(&Bounded::<InputPeerUser, 3> { items: vec![peer(1), peer(2)], flags: (), extra }, &mut buf);
    round_trip(&Bounded::<InputPeerUser> { items: vec![], flags: (), extra: None }, &mut buf);
}

/// A parameter held in a `Box` needs the bare form (tl-codec boxes what has one) but no
/// `Identifiable`: an enum (which has no one id) fits, in a `Vec<Box<T>>` and an optional box
/// too. A box encoded `with` a module puts no bound on what it holds.
#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x7)]
struct BoxHolder<T, U>
where
    U: Copy + Into<i32> + From<i32>,
{
    inner: Box<T>,
    many: Vec<Box<T>>,
    #[tl(flags)]
    flags: (),
    #[tl(bit = 3)]
    maybe: Option<Box<T>>,
    #[tl(with = boxed_doubled)]
    other: Box<U>,
}

// A `with` module takes the field's own type, here `&Box<U>`.
#[allow(clippy::borrowed_box)]
mod boxed_doubled {
    use tl_codec::{Output, Reader, Result};

    pub fn encoded_len<U>(_: &Box<U>) -> usize {
        4
    }

    pub fn encode<U: Copy + Into<i32>, O: Output + ?Sized>(v: &Box<U>, out: &mut O) {
        super::doubled::encode(&(**v).into(), out);
    }

    pub fn decode<U: From<i32>>(r: &mut Reader<'_>) -> Result<Box<U>> {
        super::doubled::decode(r).map(|v| Box::new(U::from(v)))
    }
}

#[test]
fn boxed_parameters_need_the_bare_form_only() {
    let mut buf = Vec::new();
    let user = |user_id| BoxedPeer::User(Box::new(InputPeerUser { user_id, access_hash: 2 }));
    let v: BoxHolder<BoxedPeer, i32> = BoxHolder {
        inner: Box::new(user(1)),
        many: vec![Box::new(BoxedPeer::Empty), Box::new(user(2))],
        flags: (),
        maybe: Some(Box::new(user(3))),
        other: Box::new(21),
    };
    round_trip(&v, &mut buf);
    let none = BoxHolder::<BoxedPeer, i32> { maybe: None, ..v };
    round_trip(&none, &mut buf);
}

/// Large constructors are boxed to keep enums small; a boxed wrapped type still delegates.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
enum BoxedPeer {
    #[tl(id = 0x7f3b18ea)]
    Empty,
    User(Box<InputPeerUser>),
}

#[test]
fn boxed_delegate_variant() {
    let mut buf = Vec::new();
    let v = BoxedPeer::User(Box::new(InputPeerUser { user_id: 1, access_hash: 2 }));
    round_trip(&v, &mut buf);
    assert_eq!(buf, to_bytes(&InputPeerUser { user_id: 1, access_hash: 2 }));
    round_trip(&BoxedPeer::Empty, &mut buf);
}

#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(decl = "inputPeerChat chat_id:long = InputPeer")]
struct InputPeerChat {
    chat_id: i64,
}

/// Only wrapped variants: decoded in place (`decode_into`) inside vectors and boxes.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
enum WrappedPeer {
    User(InputPeerUser),
    Chat(Box<InputPeerChat>),
}

#[test]
fn in_place_decoding_in_vectors_and_boxes() {
    let mut buf = Vec::new();
    let user = WrappedPeer::User(InputPeerUser { user_id: 1, access_hash: 2 });
    let chat = WrappedPeer::Chat(Box::new(InputPeerChat { chat_id: 3 }));
    let peers = vec![user.clone(), chat.clone(), user];
    round_trip(&peers, &mut buf);
    round_trip(&Box::new(chat), &mut buf);
    round_trip(&vec![Box::new(peers[1].clone())], &mut buf);

    // Bad input part-way through the vector: an error, and the decoded prefix is dropped.
    let bytes = to_bytes(&peers);
    let err = from_bytes::<Vec<WrappedPeer>>(&bytes[..bytes.len() - 3]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEnd { needed: 8 });
    let mut bad = bytes.clone();
    // The second element's id (after the vector id, count and the first 20-byte element).
    bad[28..32].copy_from_slice(&0xdead_beef_u32.to_le_bytes());
    let err = from_bytes::<Vec<WrappedPeer>>(&bad).unwrap_err();
    assert_eq!(
        (err.kind(), err.offset()),
        (ErrorKind::UnknownConstructor { id: 0xdead_beef, expected: "WrappedPeer" }, 28)
    );
    let err = from_bytes::<Box<WrappedPeer>>(&bad[28..]).unwrap_err();
    assert_eq!(
        (err.kind(), err.offset()),
        (ErrorKind::UnknownConstructor { id: 0xdead_beef, expected: "WrappedPeer" }, 0)
    );
}

/// A request whose answer borrows: `returns` names a lifetime of its own.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(decl = "getNames prefix:string = Vector<string>", returns = Vec<TlStr<'r>>)]
struct GetNames<'a> {
    prefix: TlStr<'a>,
}

#[test]
fn answers_borrow_from_the_response_not_the_request() {
    let request = GetNames { prefix: TlStr::from("a") };
    let answer = {
        // The response lives shorter than the request, and the answer borrows from it.
        let response = to_bytes(&vec![TlStr::from("ann"), TlStr::from("bob")]);
        let names = tl_codec::decode_response::<GetNames<'_>>(&response).unwrap();
        names.iter().map(|n| n.as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(answer, ["ann", "bob"]);
    assert_eq!(from_bytes::<GetNames<'_>>(&to_bytes(&request)).unwrap(), request);
}

/// `message`'s `views:flags.10?int forwards:flags.10?int` and `messageMediaPhoto`'s
/// `live_photo:flags.4?true video:flags.4?Document`: fields sharing a bit.
#[derive(Debug, Clone, PartialEq, Encode, Decode)]
#[tl(id = 0x55667788)]
struct SharedBits {
    #[tl(flags)]
    flags: (),
    #[tl(bit = 10)]
    views: Option<i32>,
    #[tl(bit = 10)]
    forwards: Option<i32>,
    #[tl(bit = 4)]
    live_photo: bool,
    #[tl(bit = 4)]
    video: Option<i64>,
}

#[test]
fn fields_sharing_a_bit_go_on_the_wire_together_or_not_at_all() {
    let mut buf = Vec::new();
    let full = SharedBits { flags: (), views: Some(5), forwards: Some(6), live_photo: true, video: Some(7) };
    round_trip(&full, &mut buf);
    let none = SharedBits { flags: (), views: None, forwards: None, live_photo: false, video: None };
    round_trip(&none, &mut buf);
    // Half a group would set the bit for a value left out, and the bytes would not decode:
    // the group is left out instead, and the bytes stay valid.
    let half = SharedBits { views: Some(5), forwards: None, ..none.clone() };
    let bytes = to_bytes(&half);
    assert_eq!((bytes.len(), tl_codec::Encode::encoded_len(&half)), (8, 8));
    assert_eq!(from_bytes::<SharedBits>(&bytes).unwrap(), none);
    // A `true` flag sharing its bit with a value is what the value's presence says.
    let flag_only = SharedBits { live_photo: true, ..none.clone() };
    assert_eq!(from_bytes::<SharedBits>(&to_bytes(&flag_only)).unwrap(), none);
    let value_only = SharedBits { video: Some(7), ..none.clone() };
    let back = from_bytes::<SharedBits>(&to_bytes(&value_only)).unwrap();
    assert_eq!(back, SharedBits { live_photo: true, ..value_only });
}

/// A type parameter held only by a `PhantomData` is not on the wire and needs no codec traits:
/// a typed id over any type.
#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x0d0e_0f10)]
struct TypedId<T> {
    raw: i64,
    marker: std::marker::PhantomData<fn() -> T>,
}

/// Not a TL type at all.
#[derive(Debug, PartialEq)]
struct Account;

#[test]
fn phantom_parameters_get_no_codec_bounds() {
    let id = TypedId::<Account> { raw: 5, marker: std::marker::PhantomData };
    let bytes = to_bytes(&id);
    assert_eq!(bytes.len(), 12);
    assert_eq!(from_bytes::<TypedId<Account>>(&bytes).unwrap(), id);
}

/// A `Box` around a parameter written bare or wrapped: the parameter gets the bare bounds.
#[derive(Debug, PartialEq, Encode, Decode)]
enum BoxedEither<L, R> {
    Left(Box<L>),
    Right(std::boxed::Box<R>),
    #[tl(id = 0x0e0f_1011)]
    Neither,
}

#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x1f20_2122)]
struct BoxedBare<T> {
    #[tl(bare)]
    inner: Box<T>,
    #[tl(flags)]
    flags: (),
    #[tl(bit = 0, bare)]
    more: Option<Box<T>>,
}

#[test]
fn boxed_parameters_written_bare_or_wrapped() {
    let mut buf = Vec::new();
    let user = InputPeerUser { user_id: 1, access_hash: 2 };
    round_trip(&BoxedEither::<InputPeerUser, InputPeerChat>::Left(Box::new(user.clone())), &mut buf);
    round_trip(&BoxedEither::<InputPeerUser, InputPeerChat>::Neither, &mut buf);
    let b = BoxedBare { inner: Box::new(user.clone()), flags: (), more: Some(Box::new(user)) };
    // Id, the user's fields without its id, the flags word, the user again.
    assert_eq!(to_bytes(&b).len(), 4 + 16 + 4 + 16);
    round_trip(&b, &mut buf);
}

/// A type that names `'tl` itself (tl-proto's convention) keeps it: the decoder's own input
/// lifetime is then another.
#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x2324_2526)]
struct NamesTl<'tl, 'b> {
    a: &'tl str,
    b: &'b [u8],
}

#[test]
fn a_lifetime_named_tl_is_the_users() {
    let mut buf = Vec::new();
    round_trip(&NamesTl { a: "x", b: b"y" }, &mut buf);
}

/// The shapes of ordinary use together: borrowed fields, flags, nested boxed enums, vectors of
/// vectors, a recursive enum.
#[derive(Debug, PartialEq, Encode, Decode)]
enum Expr<'a> {
    #[tl(id = 0x3031_3233)]
    Lit(i64),
    #[tl(id = 0x3435_3637)]
    Name(&'a str),
    #[tl(id = 0x3839_3a3b)]
    Call { callee: Box<Expr<'a>>, args: Vec<Vec<Expr<'a>>> },
}

#[derive(Debug, PartialEq, Encode, Decode)]
#[tl(id = 0x3c3d_3e3f)]
struct Program<'a> {
    #[tl(flags)]
    flags: u32,
    #[tl(bit = 0)]
    name: Option<&'a str>,
    #[tl(bit = 1)]
    body: Option<Box<Expr<'a>>>,
    #[tl(bit = 2)]
    data: Option<Vec<&'a [u8]>>,
    matrix: Vec<Vec<i32>>,
}

#[test]
fn borrowed_nested_and_recursive_shapes() {
    let mut buf = Vec::new();
    let call = Expr::Call {
        callee: Box::new(Expr::Name("f")),
        args: vec![vec![Expr::Lit(1), Expr::Name("x")], vec![]],
    };
    let p = Program {
        flags: 0b111,
        name: Some("main"),
        body: Some(Box::new(call)),
        data: Some(vec![b"ab", b""]),
        matrix: vec![vec![1, 2], vec![]],
    };
    round_trip(&p, &mut buf);
    round_trip(&Program { flags: 0, name: None, body: None, data: None, matrix: vec![] }, &mut buf);
}

/// The derive given by a macro's caller to a type written in the macro's body: the decoder's
/// locals must still resolve (hygiene), with the field types' spans on the calls.
macro_rules! with_attrs {
    ($(#[$a:meta])*) => {
        $(#[$a])*
        struct FromMacro {
            x: i64,
            #[tl(flags)]
            flags: (),
            #[tl(bit = 0)]
            y: Option<InputPeerChat>,
            #[tl(bare)]
            z: InputPeerChat,
        }
    };
}

with_attrs!(#[derive(Debug, PartialEq, Encode, Decode)] #[tl(id = 0x4041_4243)]);

#[test]
fn derives_inside_macros() {
    let mut buf = Vec::new();
    let v =
        FromMacro { x: 1, flags: (), y: Some(InputPeerChat { chat_id: 2 }), z: InputPeerChat { chat_id: 3 } };
    round_trip(&v, &mut buf);
}

/// A bare struct with no fields: nothing on the wire.
#[derive(Debug, PartialEq, Clone, Encode, Decode)]
struct Nothing {}

#[test]
fn vectors_of_elements_that_take_no_input_round_trip() {
    // Three empty elements after the count: the input ends with the vector, as it may.
    for n in [0usize, 1, 3, 9, 4096] {
        let value = vec![Nothing {}; n];
        let bytes = to_bytes(&value);
        assert_eq!(bytes.len(), 8);
        assert_eq!(from_bytes::<Vec<Nothing>>(&bytes).unwrap(), value, "{n} elements");
    }
    // The count is bounded by the decode's budget of such elements (the input's length, at
    // least 4096), not by the bytes left.
    let too_many = to_bytes(&vec![Nothing {}; 4097]);
    assert_eq!(
        from_bytes::<Vec<Nothing>>(&too_many).unwrap_err().kind(),
        ErrorKind::LengthOutOfRange { len: 4097 }
    );
    // Nested vectors share one budget.
    let nested = to_bytes(&vec![vec![Nothing {}; 3000]; 2]);
    assert!(from_bytes::<Vec<Vec<Nothing>>>(&nested).is_err());
}

/// Two constructors: no bare form.
#[derive(Debug, PartialEq, Encode, Decode)]
enum TwoForms {
    #[tl(decl = "twoFormsA x:int = TwoForms")]
    A { x: i32 },
    #[tl(decl = "twoFormsB = TwoForms")]
    B,
}

#[test]
fn generic_code_that_may_write_bare_builds_for_enums() {
    // Only `Bare<T>` and `#[tl(bare)]` refuse an enum (at build time); `encode_bare` reached
    // through code that picks the form at run time builds, whatever the type.
    fn write<T: tl_codec::EncodeBare>(value: &T, bare: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bare {
            value.encode_bare(&mut out);
        } else {
            tl_codec::Encode::encode(value, &mut out);
        }
        out
    }
    let bytes = write(&TwoForms::A { x: 7 }, false);
    assert_eq!(from_bytes::<TwoForms>(&bytes).unwrap(), TwoForms::A { x: 7 });
    assert_eq!(write(&TwoForms::B, true), Vec::<u8>::new());
}
