//! JSON schemas through parse, validate, render and the writers: no panic, and TL→JSON→TL→JSON
//! is stable for whatever parses cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = tl_parser::parse_json(&text);
    let diags = tl_parser::validate(&parsed.schema);
    for d in parsed.diagnostics.iter().chain(&diags).take(8) {
        let _ = tl_parser::render::render(d, "fuzz.json", &text, false);
    }
    if parsed.has_errors() {
        return;
    }
    let json1 = tl_parser::to_json(&parsed.schema);
    let p2 = tl_parser::parse_json(&json1);
    assert!(!p2.has_errors(), "to_json output does not parse: {:?}\n{json1}", p2.diagnostics);
    let tl = tl_parser::to_tl(&p2.schema);
    let p3 = tl_parser::parse_tl(&tl);
    assert!(!p3.has_errors(), "to_tl output does not parse: {:?}\n{tl}", p3.diagnostics);
    assert_eq!(json1, tl_parser::to_json(&p3.schema), "TL→JSON→TL→JSON differs");
});
