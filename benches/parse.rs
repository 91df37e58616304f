//! Schema parsing speed: tl-parser (parse + validate) beside grammers-tl-parser (parse only,
//! it has no validation) on the same text, the latest embedded `api.tl`; and, when `TL_CORPUS`
//! is set, tl-parser over the whole corpus. Also the lean-model prototype of
//! `tl-parser/examples/lean_model` (flat arrays instead of the public model), to measure what a
//! model change would buy. And a floor: a byte-at-a-time tokenizer that builds nothing and
//! checks nothing, which any parser reading the text a byte at a time pays at least.
//!
//! Run: `cargo bench --manifest-path benches/Cargo.toml --bench parse`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "../tl-parser/examples/lean_model/lean.rs"]
mod lean;

const API_TL: &str = include_str!("../schemas/api.tl");

fn latest_layer(c: &mut Criterion) {
    let mut g = c.benchmark_group("api.tl");
    g.throughput(Throughput::Bytes(API_TL.len() as u64));
    g.bench_function("tl-parser parse+validate", |b| {
        b.iter(|| {
            let parsed = tl_parser::check(black_box(API_TL));
            black_box(parsed.schema.definitions.len() + parsed.diagnostics.len())
        })
    });
    g.bench_function("tl-parser parse", |b| {
        b.iter(|| black_box(tl_parser::parse(black_box(API_TL)).schema.definitions.len()))
    });
    g.bench_function("lean-model prototype parse+validate", |b| {
        b.iter(|| black_box(lean::check(black_box(API_TL)).map_or(0, |s| s.defs.len())))
    });
    let mut spans = Vec::with_capacity(API_TL.len() / 4);
    g.bench_function("floor: byte-class tokenizer, no model", |b| {
        b.iter(|| {
            tokenize(black_box(API_TL.as_bytes()), &mut spans);
            black_box(spans.len())
        })
    });
    g.bench_function("grammers-tl-parser parse", |b| {
        b.iter(|| {
            // Consume the iterator: grammers parses lazily, definition by definition.
            let n = grammers_tl_parser::parse_tl_file(black_box(API_TL)).filter(Result::is_ok).count();
            black_box(n)
        })
    });
    g.finish();
}

/// What a byte is to [`tokenize`]: 0 blank, 1 part of a word, 2 punctuation.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [2u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            t[i] = 0;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            t[i] = 1;
        }
        i += 1;
    }
    t
};

/// The floor of the bench: splits TL text into word and punctuation spans, skipping blanks and
/// `//` comments, with one table look-up per byte. No model, no ids, no validation; the issue's
/// 10× target over grammers-tl-parser must fit a whole parse and check in less than this should take.
#[inline(never)]
fn tokenize(s: &[u8], spans: &mut Vec<(u32, u32)>) {
    spans.clear();
    let mut i = 0;
    while i < s.len() {
        let class = BYTE_CLASS[s[i] as usize];
        let start = i;
        i += 1;
        match class {
            0 => continue,
            1 => {
                while i < s.len() && BYTE_CLASS[s[i] as usize] == 1 {
                    i += 1;
                }
            }
            _ if s[start] == b'/' && s.get(i) == Some(&b'/') => {
                i = s[i..].iter().position(|&b| b == b'\n').map_or(s.len(), |p| i + p);
                continue;
            }
            _ => {}
        }
        spans.push((start as u32, i as u32));
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("tl" | "json")) {
            out.push(p);
        }
    }
}

/// The whole corpus in memory, when `TL_CORPUS` points at it.
fn corpus_texts() -> Option<Vec<String>> {
    let root = PathBuf::from(std::env::var_os("TL_CORPUS")?);
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    (!texts.is_empty()).then_some(texts)
}

fn corpus(c: &mut Criterion) {
    let Some(texts) = corpus_texts() else {
        eprintln!("TL_CORPUS not set (or empty): skipping the corpus group");
        return;
    };
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut g = c.benchmark_group("corpus");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function(BenchmarkId::new("tl-parser parse+validate", format!("{} files", texts.len())), |b| {
        b.iter(|| {
            let mut n = 0;
            for t in &texts {
                let parsed = tl_parser::check(black_box(t));
                n += parsed.schema.definitions.len();
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, latest_layer, corpus);
criterion_main!(benches);
