//! JSON is input: a string longer than TL can hold (16 MiB − 1) read into a generated borrowed
//! type through `Owned<T>` is an error, not a panic.

use tl_layer230::serde_borrowed_api::{types, Owned};

#[test]
fn a_string_too_long_for_tl_is_an_error_when_read_from_json() {
    let long = "x".repeat(tl_codec::MAX_BYTES_LEN + 1);
    let json = format!(r#"{{"@type": "messageEntityTextUrl", "offset": 0, "length": 1, "url": "{long}"}}"#);
    let err = serde_json::from_str::<Owned<types::MessageEntityTextUrl<'static>>>(&json).expect_err("too long");
    assert!(err.to_string().contains("length 16777216 out of range"), "{err}");
    let fine = r#"{"@type": "messageEntityTextUrl", "offset": 0, "length": 1, "url": "https://t.me"}"#;
    let owned = serde_json::from_str::<Owned<types::MessageEntityTextUrl<'static>>>(fine).expect("fits");
    assert_eq!(owned.get().url, "https://t.me");
}
