//! `Owned<T>`: a zero-copy decode kept as a `'static` value together with its bytes.

use tl_codec::{Encode, TlStr};
use tl_layer230::api::{enums, types, Owned};

fn encode<T: Encode>(v: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.encoded_len());
    v.encode(&mut out);
    out
}

#[test]
fn owned_value_outlives_the_original_buffer_and_crosses_threads() {
    let text = String::from("FLOOD_WAIT_3");
    let bytes = encode(&types::RpcError { error_code: 420, error_message: TlStr::from(text.as_str()) });
    drop(text);
    let owned: Owned<types::RpcError<'static>> = Owned::decode(bytes.clone()).expect("decode");
    let handle = std::thread::spawn(move || {
        assert_eq!(owned.get().error_code, 420);
        assert_eq!(owned.get().error_message, "FLOOD_WAIT_3");
        assert_eq!(owned.bytes().len(), 24);
        owned
    });
    let owned = handle.join().expect("thread");
    assert_eq!(encode(owned.get()), bytes);
}

#[test]
fn owned_enum_and_errors() {
    let text = enums::RichText::TextPlain(types::TextPlain { text: TlStr::from("hello") });
    let bytes = encode(&text);
    let owned = Owned::<enums::RichText<'static>>::decode(bytes.clone()).expect("decode");
    assert_eq!(owned.get(), &text);
    let mut longer = bytes;
    longer.push(0);
    assert!(Owned::<enums::RichText<'static>>::decode(longer).is_err());
    assert!(Owned::<types::RpcError<'static>>::decode(vec![1, 2, 3]).is_err());
}

#[test]
fn owned_from_a_borrowed_value_clones_and_compares() {
    let text = String::from("hello");
    let value = enums::RichText::TextPlain(types::TextPlain { text: TlStr::from(text.as_str()) });
    let owned = Owned::<enums::RichText<'static>>::from_value(&value).expect("encodes and decodes");
    drop(text);
    let copy = owned.clone();
    assert_eq!(copy, owned);
    assert_ne!(copy.bytes().as_ptr(), owned.bytes().as_ptr(), "the clone has bytes of its own");
    let other = Owned::<enums::RichText<'static>>::from_value(&enums::RichText::TextEmpty(types::TextEmpty))
        .expect("other");
    assert_ne!(other, owned);
}

/// Any function's answer can be held: `Owned<F::Return<'static>>` in generic code, whether the
/// answer is a vector, a box, a type that borrows nothing or a Rust primitive.
#[test]
fn owned_answers_of_any_function() {
    use tl_codec::Function;
    use tl_layer230::api::{functions, Reborrow};
    fn hold<F>(raw: Vec<u8>) -> Owned<F::Return<'static>>
    where
        F: Function,
        F::Return<'static>: Reborrow,
    {
        Owned::decode(raw).expect("the answer decodes")
    }
    let users = vec![enums::User::Empty(types::UserEmpty { id: 7 })];
    let held = hold::<functions::users::GetUsers>(encode(&users));
    assert_eq!(held.get(), &users);
    let peer = enums::InputPeer::User(types::InputPeerUser { user_id: 1, access_hash: 2 });
    assert_eq!(Owned::<enums::InputPeer>::decode(encode(&peer)).expect("borrows nothing").get(), &peer);
    let yes = hold::<functions::account::UpdateStatus>(encode(&true));
    assert!(*yes.get());
    // `Vector<string>`, `bytes`, `int128` and an undecoded object (a `Return` of `RawObject`).
    let names = vec![TlStr::from("usd"), TlStr::from("eur")];
    assert_eq!(Owned::<Vec<TlStr<'static>>>::decode(encode(&names)).expect("strings").get(), &names);
    let data: &[u8] = b"abc";
    assert_eq!(*Owned::<&'static [u8]>::decode(encode(&data)).expect("bytes").get(), data);
    assert_eq!(*Owned::<[u8; 16]>::decode(vec![7; 16]).expect("int128").get(), [7; 16]);
    let raw = Owned::<tl_codec::RawObject<'static>>::decode(encode(&peer)).expect("any object");
    assert_eq!(raw.get().body, &encode(&peer)[4..]);
    let boxed = Owned::<Box<types::InputPeerUser>>::decode(encode(&types::InputPeerUser { user_id: 3, access_hash: 4 }));
    assert_eq!(boxed.expect("boxed").get().user_id, 3);
}
