//! Any bytes through the dynamic codec over the embedded schemas (layer 230 + mtproto): never
//! a panic; whatever decodes to JSON encodes again, and those bytes decode to the same JSON.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tl_codegen::dynamic::Registry;

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
    let Ok(json) = reg.decode(data, None) else { return };
    let bytes = reg.encode(&json, None).unwrap_or_else(|e| panic!("decoded JSON does not encode: {e}\n{json}"));
    let again = reg.decode(&bytes, None).unwrap_or_else(|e| panic!("re-encoded bytes do not decode: {e}\n{json}"));
    assert_eq!(json, again, "decode → encode → decode changed the JSON");
});
