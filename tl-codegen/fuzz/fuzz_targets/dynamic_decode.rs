//! Any bytes through the dynamic codec over the embedded schemas (layer 230 + mtproto): never
//! a panic; the text path (`decode_json`) gives what `serde_json` prints for the tree path's
//! value, or the same error; whatever decodes to JSON encodes again, and those bytes decode to
//! the same JSON.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tl_codegen::dynamic::{JsonLayout, Registry};

fn registry() -> &'static Registry<'static> {
    // Statics, not leaks: what a static holds is reachable, so LeakSanitizer stays quiet.
    static SCHEMAS: OnceLock<Vec<tl_parser::Schema<'static>>> = OnceLock::new();
    static REG: OnceLock<Registry<'static>> = OnceLock::new();
    REG.get_or_init(|| {
        let texts = [include_str!("../../../schemas/api.tl"), include_str!("../../../schemas/mtproto.tl")];
        Registry::new(SCHEMAS.get_or_init(|| texts.iter().map(|t| tl_parser::parse(t).schema).collect()))
    })
}

fuzz_target!(|data: &[u8]| {
    let reg = registry();
    let (decoded, notes) = reg.decode_noting(data, None);
    let (text, text_notes) = reg.decode_json(data, None, JsonLayout::Compact);
    assert_eq!(notes, text_notes, "the text path's notes differ");
    match (&decoded, &text) {
        (Ok(json), Ok(text)) => assert_eq!(text, &json.to_string(), "the text path differs"),
        (Err(a), Err(b)) => assert_eq!(a, b, "the text path's error differs"),
        _ => panic!("one path failed: {decoded:?} / {text:?}"),
    }
    let Ok(json) = decoded else { return };
    let bytes = reg.encode(&json, None).unwrap_or_else(|e| panic!("decoded JSON does not encode: {e}\n{json}"));
    let again = reg.decode(&bytes, None).unwrap_or_else(|e| panic!("re-encoded bytes do not decode: {e}\n{json}"));
    assert_eq!(json, again, "decode → encode → decode changed the JSON");
});
