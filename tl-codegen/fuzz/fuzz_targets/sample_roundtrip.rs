//! Any schema text the parser accepts, through the dynamic codec: every definition's samples
//! (a skeleton and one seeded value; `Registry::sample`) encode, decode back to themselves,
//! and decode to the same text on `tl decode`'s text path. Never a panic, whatever the names,
//! flags, generics and recursion. The first byte seeds the random sample, the rest is the
//! schema.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tl_codegen::dynamic::{JsonLayout, Registry, SampleOptions};

fuzz_target!(|data: &[u8]| {
    let Some((&seed, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let parsed = tl_parser::check(text);
    if parsed.has_errors() {
        return;
    }
    let schemas = [parsed.schema];
    let reg = Registry::new(&schemas);
    for def in &schemas[0].definitions {
        let name = reg.json_name(def).into_owned();
        // A builtin (`int ? = Int`) is no definition of the codec's: its name is a type.
        let ty = reg.sample_type(&name);
        for seed in [None, Some(u64::from(seed))] {
            let options = SampleOptions { seed, max_depth: 2, minimal: seed.is_some_and(|s| s & 1 == 1) };
            let Ok(value) = reg.sample(&name, options) else { continue };
            let bytes = match reg.encode(&value, ty) {
                Ok(bytes) => bytes,
                Err(e) => panic!("a sample of {name} does not encode: {e}\n{value}\n--- schema ---\n{text}"),
            };
            let back = reg.decode(&bytes, ty);
            assert_eq!(back.as_ref().ok(), Some(&value), "{name}: {back:?}\n--- schema ---\n{text}");
            let text_back = reg.decode_json(&bytes, ty, JsonLayout::Compact).0;
            assert_eq!(text_back.ok(), Some(value.to_string()), "{name}: text path\n--- schema ---\n{text}");
        }
    }
});
