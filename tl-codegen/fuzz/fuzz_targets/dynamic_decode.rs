//! Any bytes through the dynamic codec over the embedded schemas (layer 230 + mtproto): never
//! a panic; the text path (`decode_json`) gives what `serde_json` prints for the tree path's
//! value, or the same error; whatever decodes to JSON encodes again, and those bytes decode to
//! the same JSON. All of it twice: as the schemas say, and with every `#` word kept as data
//! (`--mode-words '*'`), where a word's bits with no field must survive the round trip, and
//! which must decode exactly what the first does.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tl_codegen::dynamic::{JsonLayout, Registry};

fn schemas() -> &'static [tl_parser::Schema<'static>] {
    // Statics, not leaks: what a static holds is reachable, so LeakSanitizer stays quiet.
    static SCHEMAS: OnceLock<Vec<tl_parser::Schema<'static>>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let texts = [include_str!("../../../schemas/api.tl"), include_str!("../../../schemas/mtproto.tl")];
        texts.iter().map(|t| tl_parser::parse(t).schema).collect()
    })
}

fn registry() -> &'static Registry<'static> {
    static REG: OnceLock<Registry<'static>> = OnceLock::new();
    REG.get_or_init(|| Registry::new(schemas()))
}

fn words_as_data() -> &'static Registry<'static> {
    static REG: OnceLock<Registry<'static>> = OnceLock::new();
    REG.get_or_init(|| Registry::with_mode_words(schemas(), vec!["*".to_owned()]))
}

fuzz_target!(|data: &[u8]| {
    let plain = round_trip(registry(), data);
    let kept = round_trip(words_as_data(), data);
    assert_eq!(plain, kept, "keeping the words as data changed what decodes");
});

/// The checks above over one registry; whether `data` decoded.
fn round_trip(reg: &Registry<'_>, data: &[u8]) -> bool {
    let (decoded, notes) = reg.decode_noting(data, None);
    let (text, text_notes) = reg.decode_json(data, None, JsonLayout::Compact);
    assert_eq!(notes, text_notes, "the text path's notes differ");
    match (&decoded, &text) {
        (Ok(json), Ok(text)) => assert_eq!(text, &json.to_string(), "the text path differs"),
        (Err(a), Err(b)) => assert_eq!(a, b, "the text path's error differs"),
        _ => panic!("one path failed: {decoded:?} / {text:?}"),
    }
    let Ok(json) = decoded else { return false };
    let bytes = reg.encode(&json, None).unwrap_or_else(|e| panic!("decoded JSON does not encode: {e}\n{json}"));
    let again = reg.decode(&bytes, None).unwrap_or_else(|e| panic!("re-encoded bytes do not decode: {e}\n{json}"));
    assert_eq!(json, again, "decode → encode → decode changed the JSON");
    true
}
