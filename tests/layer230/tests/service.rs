//! MTProto service objects (`msg_container` items sized by `bytes`, `rpc_result`), TDLib's
//! `int512`, and JSON read into generated types (borrowed through an arena, `Owned<T>`, owned).

use serde_json::json;
use tl_codec::{from_bytes, to_bytes, Decode, Encode, RawObject};
use tl_layer230::service as svc;
use tl_layer230::service_owned as owned;

const SCHEMA: &str = include_str!("../service.tl");

fn registry_check(json: &serde_json::Value, ty: Option<&str>, bytes: &[u8]) {
    let parsed = tl_parser::parse(SCHEMA);
    let reg = tl_codegen::dynamic::Registry::new([&parsed.schema]);
    assert_eq!(reg.encode(json, ty).expect("dynamic encode"), bytes, "{json}");
}

/// `msg_container` with an ack and an `rpc_result` holding an `rpc_error`.
fn container() -> Vec<u8> {
    let ack = to_bytes(&svc::types::MsgsAck { msg_ids: vec![7] });
    let err = to_bytes(&svc::types::RpcError { error_code: 420, error_message: "FLOOD_WAIT_3".into() });
    let result = to_bytes(&svc::types::RpcResult {
        req_msg_id: 9,
        result: RawObject::read_rest(&mut tl_codec::Reader::new(&err)).unwrap(),
    });
    fn item(msg_id: i64, seqno: i32, body: &[u8]) -> svc::types::Message<'_> {
        svc::types::Message {
            msg_id,
            seqno,
            bytes: 0, // computed on encode
            body: RawObject::read_rest(&mut tl_codec::Reader::new(body)).unwrap(),
        }
    }
    let c = svc::types::MsgContainer {
        messages: vec![tl_codec::Bare(item(1, 1, &ack)), tl_codec::Bare(item(5, 3, &result))],
    };
    let bytes = to_bytes(&c);
    assert_eq!(bytes.len(), 8 + 16 + 20 + 16 + 36);
    bytes
}

#[test]
fn container_items_take_exactly_their_length() {
    let bytes = container();
    let c: svc::types::MsgContainer<'_> = from_bytes(&bytes).unwrap();
    let [first, second] = &c.messages[..] else { panic!("two messages") };
    assert_eq!((first.0.bytes, second.0.bytes), (20, 36));
    let ack: svc::types::MsgsAck = first.0.body.decode().unwrap();
    assert_eq!(ack.msg_ids, [7]);
    let result: svc::types::RpcResult<'_> = second.0.body.decode().unwrap();
    let err: svc::types::RpcError<'_> = result.result.decode().unwrap();
    assert_eq!(err.error_message, "FLOOD_WAIT_3");
    assert_eq!(to_bytes(&c), bytes);
    // Owned types read the same bytes.
    let owned: owned::types::MsgContainer = from_bytes(&bytes).unwrap();
    assert_eq!(owned.messages[1].0.body.decode::<owned::types::RpcResult>().unwrap().req_msg_id, 9);
    assert_eq!(to_bytes(&owned), bytes);
    // The dynamic codec agrees.
    let parsed = tl_parser::parse(SCHEMA);
    let reg = tl_codegen::dynamic::Registry::new([&parsed.schema]);
    let v = reg.decode(&bytes, None).unwrap();
    assert_eq!(v["messages"][1]["body"]["result"]["error_code"], 420);
    assert_eq!(reg.encode(&v, None).unwrap(), bytes);
}

#[test]
fn container_lengths_that_lie_fail() {
    let good = container();
    for len in [0u32, 3, 16, 24, 1000] {
        let mut bytes = good.clone();
        bytes[20..24].copy_from_slice(&len.to_le_bytes());
        let r = from_bytes::<svc::types::MsgContainer<'_>>(&bytes);
        // 16 and 24 cut the ack short or run into the next item: the container is misaligned
        // after it, which the next item's fields or the trailing check catch.
        assert!(r.is_err() || len == 16 || len == 24, "len {len}");
        if let Ok(c) = r {
            assert!(c.messages[0].0.body.decode::<svc::types::MsgsAck>().is_err(), "len {len}");
        }
    }
}

#[test]
fn int512_round_trips_through_every_form() {
    let sig: [u8; 64] = std::array::from_fn(|i| i as u8);
    let v = svc::types::e2e::chain::GroupBroadcastNonceCommit {
        signature: sig,
        user_id: -2,
        chain_height: 3,
        chain_hash: [4; 32],
        nonce_hash: [5; 32],
    };
    let bytes = to_bytes(&v);
    assert_eq!(bytes.len(), 4 + 64 + 8 + 4 + 64);
    let e: svc::enums::e2e::chain::GroupBroadcast = from_bytes(&bytes).unwrap();
    assert_eq!(to_bytes(&e), bytes);
    let j = serde_json::to_value(from_bytes::<owned::enums::e2e::chain::GroupBroadcast>(&bytes).unwrap())
        .unwrap();
    assert_eq!(j["signature"].as_str().unwrap().len(), 88);
    assert_eq!(j["user_id"], "-2");
    let back: owned::enums::e2e::chain::GroupBroadcast = serde_json::from_value(j.clone()).unwrap();
    assert_eq!(to_bytes(&back), bytes);
    registry_check(&j, Some("e2e.chain.GroupBroadcast"), &bytes);
    let mut short = j;
    short["signature"] = json!("AAAA");
    assert!(serde_json::from_value::<owned::enums::e2e::chain::GroupBroadcast>(short).is_err());
}

#[test]
fn borrowed_types_read_json_through_an_arena() {
    let j = json!({"@type": "msg", "out": true, "id": 5, "from_id": {"@type": "peerUser", "user_id": 12},
        "message": "h\u{e9}llo \"q\"", "data": "AAEC", "nonce": "AAAAAAAAAAAAAAAAAAAAAA==", "ok": false});
    let arena = svc::tl_json::Arena::new();
    let v: svc::types::Msg<'_> = svc::tl_json::from_json(&arena, &j).unwrap();
    assert_eq!(v.data, Some(&[0u8, 1, 2][..]));
    assert_eq!(v.message, "h\u{e9}llo \"q\"");
    let bytes = to_bytes(&v);
    registry_check(&j, None, &bytes);
    // Through `Owned<T>`, a plain `Deserialize` type.
    let held: svc::Owned<svc::types::Msg<'static>> = serde_json::from_value(j.clone()).unwrap();
    assert_eq!(held.bytes(), &bytes[..]);
    // And written back as the borrowed value writes itself.
    assert_eq!(serde_json::to_value(&held).unwrap(), serde_json::to_value(held.get()).unwrap());
    let e: svc::Owned<svc::enums::RichText<'static>> =
        serde_json::from_value(json!({"@type": "textBold", "text": {"@type": "textPlain", "text": "x"}}))
            .unwrap();
    assert!(matches!(e.get(), svc::enums::RichText::TextBold(_)));
    // `null` optionals are absent; unknown fields and wrong types are errors.
    let mut n = j.clone();
    n["from_id"] = serde_json::Value::Null;
    let v: svc::types::Msg<'_> = svc::tl_json::from_json(&arena, &n).unwrap();
    assert!(v.from_id.is_none());
    let mut bad = j.clone();
    bad["extra"] = json!(1);
    assert!(svc::tl_json::from_json::<svc::types::Msg<'_>, _>(&arena, &bad).is_err());
    let mut bad = j;
    bad["data"] = json!("!!");
    assert!(serde_json::from_value::<svc::Owned<svc::types::Msg<'static>>>(bad).is_err());
}

#[test]
fn generic_query_and_objects_in_json() {
    let j = json!({"@type": "invokeWithLayer", "layer": 230, "query": {"@type": "ping", "ping_id": "77"}});
    let arena = svc::tl_json::Arena::new();
    let v: svc::functions::InvokeWithLayer<svc::functions::Ping> =
        svc::tl_json::from_json(&arena, &j).unwrap();
    let bytes = to_bytes(&v);
    registry_check(&j, None, &bytes);
    let o: owned::functions::InvokeWithLayer<owned::functions::Ping> = serde_json::from_value(j).unwrap();
    assert_eq!(to_bytes(&o), bytes);
    // An `Object` field is `{"@id", "@body"}` in generated serde.
    let r = json!({"@type": "rpc_result", "req_msg_id": "1", "result": {"@id": 0x2144ca19u32, "@body": "pAEAAAJhYgA="}});
    let v: svc::types::RpcResult<'_> = svc::tl_json::from_json(&arena, &r).unwrap();
    assert_eq!(serde_json::to_value(&v).unwrap(), r);
    let e: svc::types::RpcError<'_> = v.result.decode().unwrap();
    assert_eq!((e.error_code, e.error_message.as_str()), (420, Some("ab")));
    let o: owned::types::RpcResult = serde_json::from_value(r.clone()).unwrap();
    assert_eq!(serde_json::to_value(&o).unwrap(), r);
    let _ = <owned::types::RpcResult as Decode>::MIN_SIZE;
    let _ = Encode::encoded_len(&o);
}

/// `http_wait … = HttpWait` as the official JSON of mtproto.tl has it: a function whose result
/// type no schema defines. It is still generated, with the answer kept undecoded.
#[test]
fn a_function_with_an_undefined_result_type_answers_a_raw_object() {
    use tl_codec::Function;
    fn answer<F: Function>(_: &F) -> std::any::TypeId
    where
        F::Return<'static>: 'static,
    {
        std::any::TypeId::of::<F::Return<'static>>()
    }
    let wait = svc::functions::HttpWait { max_delay: 0, wait_after: 0, max_wait: 25_000 };
    assert_eq!(answer(&wait), std::any::TypeId::of::<RawObject<'static>>());
    let owned_wait = owned::functions::HttpWait { max_delay: 0, wait_after: 0, max_wait: 25_000 };
    assert_eq!(answer(&owned_wait), std::any::TypeId::of::<tl_codec::RawObjectBuf>());
    // The request itself round-trips like any other.
    let bytes = to_bytes(&wait);
    assert_eq!(&bytes[..4], &0x9299359f_u32.to_le_bytes());
    assert_eq!(from_bytes::<svc::functions::HttpWait>(&bytes).unwrap(), wait);
    // Whatever the server answers is there to decode once its type is known.
    let ack = to_bytes(&svc::types::MsgsAck { msg_ids: vec![7] });
    let raw: RawObject<'_> = from_bytes(&ack).unwrap();
    assert_eq!(raw.decode::<svc::types::MsgsAck>().unwrap().msg_ids, [7]);
}
