//! Optional values that share one flag bit (`codeSettings`' `token` and `app_sandbox`, both
//! `flags.8`) go on the wire together or not at all. Generated encoding writes a group only
//! when every value is present; generated JSON reading refuses part of one, with the dynamic
//! codec's wording, rather than read a value that encoding would then drop.

use tl_codec::{from_bytes, to_bytes};
use tl_layer230::serde_api::types::CodeSettings;

#[test]
fn json_with_part_of_a_group_is_refused_and_a_whole_group_is_read() {
    let partial = r#"{"@type": "codeSettings", "token": "abc"}"#;
    let err = serde_json::from_str::<CodeSettings>(partial).expect_err("half a group");
    assert!(err.to_string().contains("`token` and `app_sandbox` must be given together (both flags.8)"), "{err}");
    let whole = r#"{"@type": "codeSettings", "token": "abc", "app_sandbox": true}"#;
    let read: CodeSettings = serde_json::from_str(whole).expect("a whole group");
    assert_eq!((read.token.is_some(), read.app_sandbox), (true, Some(true)));
    let back: CodeSettings = from_bytes(&to_bytes(&read)).expect("decodes");
    assert_eq!(back, read);
    let none: CodeSettings = serde_json::from_str(r#"{"@type": "codeSettings"}"#).expect("no group");
    assert_eq!(none, CodeSettings::new());
}

#[test]
fn encoding_part_of_a_group_sends_none_of_it() {
    let mut settings = CodeSettings::new();
    settings.token = Some("abc".into());
    let back: CodeSettings = from_bytes(&to_bytes(&settings)).expect("decodes");
    assert_eq!(back, CodeSettings::new(), "the field docs say so");
}

/// Two `true` flags on one bit and nothing else there are one flag: JSON giving one true and
/// the other false is refused, as `tl encode` refuses it, where encoding would make both true.
#[test]
fn true_flags_alone_on_one_bit_must_agree() {
    use tl_layer230::edges::owned::types::Bits;
    let err = serde_json::from_str::<Bits>(r#"{"@type": "bits", "a": true, "b": false}"#).expect_err("a contradiction");
    assert!(err.to_string().contains("`a` and `b` are one bit (flags.0): true for one is true for all"), "{err}");
    let one: Bits = serde_json::from_str(r#"{"@type": "bits", "a": true}"#).expect("one given");
    let back: Bits = from_bytes(&to_bytes(&one)).expect("decodes");
    assert_eq!((back.a, back.b), (true, true));
    let both: Bits = serde_json::from_str(r#"{"@type": "bits", "a": false, "b": false}"#).expect("agreeing");
    assert_eq!(to_bytes(&both)[4..], [0, 0, 0, 0]);
}
