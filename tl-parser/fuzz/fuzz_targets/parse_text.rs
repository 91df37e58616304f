//! TL text through parse, validate, render and the writers: no panic, and whatever parses
//! cleanly is written back to TL that parses cleanly to the same model.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = tl_parser::check(&text);
    for d in parsed.diagnostics.iter().take(8) {
        let _ = tl_parser::render::render(d, "fuzz.tl", &text, true);
    }
    if parsed.has_errors() {
        return;
    }
    let tl = tl_parser::to_tl(&parsed.schema);
    let again = tl_parser::parse_tl(&tl);
    assert!(!again.has_errors(), "to_tl output does not parse: {:?}\n{tl}", again.diagnostics);
    let mut a = parsed.schema.clone();
    let mut b = again.schema;
    a.clear_spans();
    b.clear_spans();
    assert_eq!(a, b, "to_tl does not round-trip:\n{tl}");
    let json = tl_parser::to_json(&parsed.schema);
    let back = tl_parser::parse_json(&json);
    assert!(!back.has_errors(), "to_json output does not parse: {:?}\n{json}", back.diagnostics);
});
