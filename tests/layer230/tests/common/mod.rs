//! What the generated-code-versus-dynamic-codec tests share: a registry of one schema text,
//! and the check that both sides agree on a value's bytes and JSON.

use serde_json::Value;
use tl_codec::{from_bytes, to_bytes};
use tl_codegen::dynamic::Registry;

/// Runs `f` with a dynamic-codec registry of `schema` (which must parse cleanly).
pub fn with_registry<R>(schema: &str, f: impl FnOnce(&Registry<'_>) -> R) -> R {
    let parsed = tl_parser::parse(schema);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    f(&Registry::new([&parsed.schema]))
}

/// Reads `json` as the owned `T`, checks that it encodes as the dynamic codec of `schema`
/// encodes the same JSON, and that both read those bytes back to `canonical` (the JSON as the
/// codec writes it). Returns the bytes.
pub fn agree<T>(schema: &str, json: &Value, canonical: &Value) -> Vec<u8>
where
    T: serde::de::DeserializeOwned + serde::Serialize + tl_codec::Encode + for<'a> tl_codec::Decode<'a>,
{
    let value: T = serde_json::from_value(json.clone()).expect("generated from JSON");
    let bytes = to_bytes(&value);
    with_registry(schema, |reg| {
        assert_eq!(reg.encode(json, None).expect("dynamic encode"), bytes, "{json}");
        assert_eq!(&reg.decode(&bytes, None).expect("dynamic decode"), canonical);
    });
    assert_eq!(&serde_json::to_value(&value).unwrap(), canonical);
    let back: T = from_bytes(&bytes).expect("generated decode");
    assert_eq!(&serde_json::to_value(&back).unwrap(), canonical);
    bytes
}
