//! Helpers shared by the integration tests: a seeded PRNG and input mutators.

#![allow(dead_code)]

/// xorshift64*: deterministic, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes that matter to the TL and JSON grammars, so that mutations hit interesting paths.
const SPECIAL: &[u8] = b"#:;=<>{}[]?!%.*,\"\\/ \n0123456789abfxX";

/// One mutation of `src`: byte flips, deletions, insertions, duplications, truncation.
pub fn mutate(src: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = src.to_vec();
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let len = v.len();
        let at = rng.below(len + 1);
        match rng.below(7) {
            0 if at < len => v[at] ^= 1 << rng.below(8),
            1 if at < len => v[at] = SPECIAL[rng.below(SPECIAL.len())],
            2 => {
                let n = rng.below(64).min(len - at);
                v.drain(at..at + n);
            }
            3 => v.insert(at, SPECIAL[rng.below(SPECIAL.len())]),
            4 => {
                let n = rng.below(32).min(len - at);
                let chunk: Vec<u8> = v[at..at + n].to_vec();
                let to = rng.below(v.len() + 1);
                v.splice(to..to, chunk);
            }
            5 => v.truncate(at),
            _ => {
                if at < len {
                    v[at] = rng.next() as u8;
                }
            }
        }
    }
    v
}

/// Runs every entry point on `bytes` (as lossy UTF-8); panics propagate to the test.
pub fn exercise(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let parsed = tl_parser::check(&text);
    for d in parsed.diagnostics.iter().take(3) {
        let _ = tl_parser::render::render(d, "m.tl", &text, false);
    }
    let _ = tl_parser::parse_tl(&text);
    let _ = tl_parser::parse_json(&text);
    // `check` validates while parsing: it must say exactly what parsing, then validating does.
    let mut separate = tl_parser::parse(&text);
    let more = tl_parser::validate(&separate.schema);
    separate.diagnostics.extend(more);
    separate.diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    assert_eq!(separate.diagnostics, parsed.diagnostics, "check differs from parse + validate");
    assert!(separate.schema == parsed.schema, "check's model differs from parse's");
    if parsed.has_errors() {
        return;
    }
    // Whatever parses cleanly is written back to text that parses cleanly to the same model,
    // and its JSON is stable through TL.
    let tl = tl_parser::to_tl(&parsed.schema);
    let again = tl_parser::parse(&tl);
    assert!(!again.has_errors(), "to_tl output has errors: {:?}\n{tl}", again.diagnostics);
    let (mut a, mut b) = (parsed.schema.clone(), again.schema);
    if tl_parser::detect_format(&text) == tl_parser::SourceFormat::Tl {
        a.clear_spans();
        b.clear_spans();
        if a != b {
            let i = a.definitions.iter().zip(&b.definitions).position(|(x, y)| x != y);
            let first = i.map(|i| {
                format!(
                    "{:?}\n{:?}\n{:?}\n{:?}",
                    a.definitions[i].doc,
                    b.definitions[i].doc,
                    a.definitions[i].params,
                    b.definitions[i].params
                )
            });
            let docs =
                (a.type_docs != b.type_docs).then(|| format!("{:#?}\n{:#?}", a.type_docs, b.type_docs));
            panic!(
                "to_tl does not round-trip: layer {:?}/{:?}, {}/{} defs, first diff {first:?}, type docs {docs:?}\ninput:\n{text}",
                a.layer,
                b.layer,
                a.definitions.len(),
                b.definitions.len()
            );
        }
    }
    let json1 = tl_parser::to_json(&parsed.schema);
    let p2 = tl_parser::parse_json(&json1);
    assert!(!p2.has_errors(), "to_json output has errors: {:?}\n{json1}", p2.diagnostics);
    let tl2 = tl_parser::to_tl(&p2.schema);
    let p3 = tl_parser::parse_tl(&tl2);
    assert!(!p3.has_errors(), "TL from JSON has errors: {:?}\n{tl2}", p3.diagnostics);
    let json2 = tl_parser::to_json(&p3.schema);
    assert_eq!(json1, json2, "TL→JSON→TL→JSON differs");
}
