//! Thousands of mutations of the embedded layer-230 schema, through every entry point: no
//! panic, whatever the bytes.

mod common;

use common::{exercise, mutate, Rng};

const API: &str = include_str!("../../schemas/api.tl");
const MTPROTO: &str = include_str!("../../schemas/mtproto.tl");

#[test]
fn mutated_embedded_schemas_never_panic() {
    // The whole file is large; mutate windows of it so that thousands of runs stay fast in
    // debug builds, plus a few whole-file runs.
    let mut rng = Rng::new(0x7e57);
    let api = API.as_bytes();
    // TL_MUTATIONS=N runs more (e.g. in release, to hunt for bugs); the default keeps the
    // debug test run short.
    let runs = std::env::var("TL_MUTATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    for i in 0..runs {
        let src: &[u8] = if i % 500 == 0 {
            api
        } else if i % 7 == 0 {
            MTPROTO.as_bytes()
        } else {
            let start = rng.below(api.len());
            let len = 1 + rng.below(4096);
            &api[start..(start + len).min(api.len())]
        };
        let m = mutate(src, &mut rng);
        exercise(&m);
    }
}

#[test]
fn mutated_json_never_panics() {
    let schema = tl_parser::parse_tl(MTPROTO).schema;
    let json = tl_parser::to_json(&schema);
    let mut rng = Rng::new(0x15_0a);
    let runs = std::env::var("TL_MUTATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    for _ in 0..runs {
        let m = mutate(json.as_bytes(), &mut rng);
        exercise(&m);
    }
}

#[test]
fn embedded_schema_is_clean() {
    let parsed = tl_parser::check(API);
    let errors: Vec<_> = parsed.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(parsed.schema.layer, Some(230));
    assert!(parsed.schema.definitions.len() > 2000);
}
