//! Generated bindings of a td_api-shaped schema (`tl-codegen/tests/td_json.tl`) read and write
//! JSON as TDLib's JSON interface does: fields documented "may be null" are `Option`s, left
//! out when null; `int53` is a number and `int64` a string; `"@extra"` and `"@client_id"` are
//! ignored on input; `"@type"` may be left out where the position fixes the type. Each value
//! also goes through the bytes, where the dynamic codec must agree with the generated code.

use serde_json::{json, Value};
use tl_codec::{from_bytes, to_bytes};
use tl_layer230::td;
use tl_layer230::td_owned as owned;

mod common;

const SCHEMA: &str = include_str!("../../../tl-codegen/tests/td_json.tl");

fn message(id: i64) -> Value {
    json!({
        "@type": "message", "id": id,
        "sender_id": {"@type": "messageSenderUser", "user_id": 1_000_000_000_000_i64},
        "chat_id": -1_001_234_567_890_i64, "is_outgoing": false, "date": 1_700_000_000,
        "media_album_id": "9223372036854775807", "reply_to_message_ids": [1, 2],
    })
}

#[test]
fn a_chat_without_its_photo() {
    let chat = json!({"@type": "chat", "id": 5, "title": "Team", "last_message": message(9),
        "positions": [], "@client_id": 1});
    let canonical = json!({"@type": "chat", "id": 5, "title": "Team", "last_message": message(9),
        "positions": []});
    let bytes = common::agree::<owned::types::Chat>(SCHEMA, &chat, &canonical);
    let c: owned::types::Chat = from_bytes(&bytes).unwrap();
    assert!(c.photo.is_none() && c.description.is_none());
    assert_eq!(c.last_message.as_ref().map(|m| m.id), Some(9));
    // `null` reads as a missing key does.
    let nulls = json!({"@type": "chat", "id": 5, "title": "Team", "photo": null,
        "last_message": message(9), "positions": [], "description": null});
    assert_eq!(common::agree::<owned::types::Chat>(SCHEMA, &nulls, &canonical), bytes);
    // The borrowed type, read through an arena, writes the same.
    let arena = td::tl_json::Arena::new();
    let b: td::types::Chat<'_> = td::tl_json::from_json(&arena, &chat).unwrap();
    assert!(b.photo.is_none());
    assert_eq!(to_bytes(&b), bytes);
    assert_eq!(serde_json::to_value(&b).unwrap(), canonical);
}

#[test]
fn a_chat_with_its_photo_round_trips_json_bytes_json() {
    let photo = json!({"@type": "chatPhotoInfo",
        "small": {"@type": "file", "id": 1, "size": 1024, "remote_id": "r"},
        "minithumbnail": "AAEC"});
    let chat = json!({"@type": "chat", "id": 5, "title": "Team", "photo": photo,
        "positions": [3], "description": {"@type": "ok"}});
    let bytes = common::agree::<owned::types::Chat>(SCHEMA, &chat, &chat);
    let c: owned::types::Chat = from_bytes(&bytes).unwrap();
    let p = c.photo.as_ref().expect("photo");
    assert!(p.big.is_none());
    assert_eq!(p.small.size, 1024);
    assert!(c.last_message.is_none());
    let b: td::types::Chat<'_> = from_bytes(&bytes).unwrap();
    assert_eq!(serde_json::to_value(&b).unwrap(), chat);
}

#[test]
fn an_update_as_td_receive_returns_it() {
    // "@client_id" at the end, where tdjson adds it; the enum reads "@type" first.
    let text = r#"{"@type":"updateNewMessage","message":{"@type":"message","id":42,
        "sender_id":{"@type":"messageSenderChat","chat_id":-100},"chat_id":-100,
        "is_outgoing":true,"date":1700000000,"media_album_id":"0","reply_to_message_ids":[]},
        "@client_id":1}"#;
    let update: owned::enums::Update = serde_json::from_str(text).unwrap();
    let owned::enums::Update::NewMessage(u) = &update else { panic!("{update:?}") };
    assert_eq!(u.message.id, 42);
    let out = serde_json::to_value(&update).unwrap();
    assert_eq!(out["message"]["chat_id"], json!(-100));
    assert!(out.get("@client_id").is_none());
    let json: Value = serde_json::from_str(text).unwrap();
    let mut canonical = json.clone();
    canonical.as_object_mut().unwrap().remove("@client_id");
    common::agree::<owned::enums::Update>(SCHEMA, &json, &canonical);
    // Through the arena, and with "@extra" and "@client_id" before "@type".
    let arena = td::tl_json::Arena::new();
    let early = json!({"@extra": {"id": 7}, "@client_id": 1, "@type": "updateNewMessage",
        "message": message(3)});
    let b: td::enums::Update<'_> = td::tl_json::from_json(&arena, &early).unwrap();
    assert!(matches!(b, td::enums::Update::NewMessage(_)));
}

#[test]
fn ok_and_a_request_with_extra() {
    let ok = json!({"@type": "ok", "@extra": {"request": 1, "tags": ["a", null]}});
    common::agree::<owned::types::Ok>(SCHEMA, &ok, &json!({"@type": "ok"}));
    // A request as given to td_send: "@extra" first, params out of order.
    let request = json!({"@extra": "req-5", "limit": 10, "@type": "getChatHistory",
        "from_message_id": 0, "chat_id": 5});
    let canonical = json!({"@type": "getChatHistory", "chat_id": 5, "from_message_id": 0, "limit": 10});
    common::agree::<owned::functions::GetChatHistory>(SCHEMA, &request, &canonical);
    // Any other unknown key is still refused.
    let stray = json!({"@type": "getChat", "chat_id": 5, "extra": 1});
    let err = serde_json::from_value::<owned::functions::GetChat>(stray).unwrap_err();
    assert!(err.to_string().contains("`getChat` has no field `extra`"), "{err}");
}

#[test]
fn messages_that_may_be_null_are_json_nulls_in_the_list() {
    let list = json!({"@type": "messages", "total_count": 3, "messages": [message(1), null, message(3)]});
    let bytes = common::agree::<owned::types::Messages>(SCHEMA, &list, &list);
    let m: owned::types::Messages = from_bytes(&bytes).unwrap();
    assert_eq!(
        m.messages.iter().map(|m| m.as_ref().map(|m| m.id)).collect::<Vec<_>>(),
        [Some(1), None, Some(3)]
    );
    let b: td::types::Messages = from_bytes(&bytes).unwrap();
    assert_eq!(serde_json::to_value(&b).unwrap(), list);
}

#[test]
fn int53_is_a_number_int64_a_string_and_both_read_either() {
    let m = message(9_007_199_254_740_991);
    let out =
        serde_json::to_value(serde_json::from_value::<owned::types::Message>(m.clone()).unwrap()).unwrap();
    assert_eq!(out["id"], json!(9_007_199_254_740_991_i64));
    assert_eq!(out["reply_to_message_ids"], json!([1, 2]));
    assert_eq!(out["media_album_id"], json!("9223372036854775807"));
    let mut swapped = m.clone();
    swapped["id"] = json!("9007199254740991");
    swapped["media_album_id"] = json!(9_223_372_036_854_775_807_i64);
    swapped["reply_to_message_ids"] = json!(["1", 2]);
    common::agree::<owned::types::Message>(SCHEMA, &swapped, &m);
}

#[test]
fn type_may_be_left_out_where_the_position_fixes_it() {
    // `small:File` (one constructor) and `big:file`, without "@type"; a request too.
    let photo = json!({"@type": "chatPhotoInfo", "small": {"id": 1, "size": 2, "remote_id": ""},
        "big": {"id": 3, "size": 4, "remote_id": ""}, "minithumbnail": ""});
    let value: owned::types::ChatPhotoInfo = serde_json::from_value(photo.clone()).unwrap();
    assert_eq!(value.big.as_ref().map(|f| f.size), Some(4));
    let out = serde_json::to_value(&value).unwrap();
    assert_eq!(out["small"]["@type"], "file");
    common::with_registry(SCHEMA, |reg| assert_eq!(reg.encode(&photo, None).unwrap(), to_bytes(&value)));
    let request: owned::functions::GetChat = serde_json::from_value(json!({"chat_id": 5})).unwrap();
    assert_eq!(request.chat_id, 5);
    // An enum of several constructors needs it.
    assert!(serde_json::from_value::<owned::enums::MessageSender>(json!({"user_id": 1})).is_err());
}

#[test]
fn a_null_id_where_nothing_may_be_null_is_an_error_and_prefixes_never_panic() {
    let list = json!({"@type": "messages", "total_count": 1, "messages": [null, message(2)]});
    let value: owned::types::Messages = serde_json::from_value(list).unwrap();
    let bytes = to_bytes(&value);
    for n in 0..bytes.len() {
        assert!(from_bytes::<owned::types::Messages>(&bytes[..n]).is_err(), "prefix {n}");
        assert!(from_bytes::<td::types::Messages>(&bytes[..n]).is_err(), "prefix {n}");
    }
    // updateNewMessage's message may not be null.
    let mut bad =
        to_bytes(&owned::types::UpdateNewMessage { message: serde_json::from_value(message(1)).unwrap() });
    bad.truncate(4);
    bad.extend(0x5673_0bcc_u32.to_le_bytes());
    assert!(from_bytes::<owned::types::UpdateNewMessage>(&bad).is_err());
    assert!(from_bytes::<owned::enums::Update>(&bad).is_err());
}
