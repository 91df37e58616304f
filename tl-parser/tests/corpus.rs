//! Every real schema under `TL_CORPUS` (see shared/schemas/SOURCES.md): parses without
//! errors, every declaration line is in the model as written, TL→JSON→TL→JSON is lossless, the
//! TL writer round-trips the model, and mutations never panic.
//!
//! `TL_CORPUS=/path/to/schemas cargo test -p tl-parser --test corpus -- --ignored`

mod common;

use std::path::{Path, PathBuf};

use tl_parser::{check, parse, parse_json, parse_tl, to_json, to_tl, Category, Schema};

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("TL_CORPUS").expect("TL_CORPUS must point at the schema corpus");
    let dir = PathBuf::from(dir);
    assert!(dir.join("api").is_dir(), "TL_CORPUS={} has no api/ directory", dir.display());
    dir
}

fn files_in(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_in(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

fn corpus_files() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut files = Vec::new();
    files_in(&dir.join("api"), "tl", &mut files);
    files_in(&dir.join("json"), "json", &mut files);
    files_in(&dir.join("mtproto-variants"), "tl", &mut files);
    files_in(&dir.join("secret"), "tl", &mut files);
    files.push(dir.join("mtproto.tl"));
    files.push(dir.join("td_api.tl"));
    files.sort();
    assert!(files.len() > 250, "only {} corpus files found", files.len());
    files
}

/// Token-level normal form of a declaration: `<>`, commas and blanks become single spaces,
/// ids lose leading zeros, the `;` goes.
fn normalize(decl: &str) -> String {
    let spaced: String =
        decl.chars().map(|c| if matches!(c, '<' | '>' | ',' | ';' | '\t') { ' ' } else { c }).collect();
    let mut words: Vec<String> = spaced.split_whitespace().map(str::to_string).collect();
    if let Some(first) = words.first_mut() {
        if let Some((name, id)) = first.split_once('#') {
            let id = u32::from_str_radix(id, 16).unwrap_or(0);
            *first = format!("{name}#{id:x}");
        }
    }
    // `int ?= Int` is `int ? = Int`.
    words
        .iter()
        .flat_map(|w| if w == "?=" { vec!["?", "="] } else { vec![w.as_str()] })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `name#hex` declarations of a TL file, found by a plain line scan independent of the parser.
fn scan_declarations(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in src.lines() {
        let line = line.trim_start_matches('\u{feff}');
        if in_block {
            in_block = !line.contains("*/");
            continue;
        }
        if line.trim_start().starts_with("/*") {
            in_block = !line.contains("*/");
            continue;
        }
        let code = line.split("//").next().unwrap_or("");
        for piece in code.split(';') {
            let piece = piece.trim();
            let piece = piece.rsplit("---").next().unwrap_or(piece).trim();
            let Some((name, rest)) = piece.split_once('#') else { continue };
            let name_ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            let id_len = rest.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(rest.len());
            if name_ok && id_len > 0 && piece.contains('=') {
                out.push(normalize(piece));
            }
        }
    }
    out
}

fn model_declarations(schema: &Schema<'_>) -> Vec<String> {
    schema
        .definitions
        .iter()
        .filter(|d| d.explicit_id.is_some())
        .map(|d| normalize(&tl_parser::write::declaration_to_tl(d)))
        .collect()
}

fn without_spans(mut s: Schema<'_>) -> Schema<'_> {
    s.clear_spans();
    s
}

#[test]
#[ignore = "reads the schema corpus from TL_CORPUS"]
fn corpus_parses_cleanly_and_completely() {
    let mut failures = Vec::new();
    let mut defs = 0;
    for path in corpus_files() {
        let name = path.display().to_string();
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let parsed = check(&src);
        for d in parsed.diagnostics.iter().filter(|d| d.is_error()) {
            failures.push(tl_parser::render::render(d, &name, &src, false));
        }
        defs += parsed.schema.definitions.len();
        // `check` validates while parsing; the corpus has warnings of every kind to compare.
        let mut separate = tl_parser::parse(&src);
        let more = tl_parser::validate(&separate.schema);
        separate.diagnostics.extend(more);
        separate.diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        if separate.diagnostics != parsed.diagnostics {
            failures.push(format!("{name}: check differs from parse + validate"));
        }
        if name.ends_with(".tl") {
            let want = scan_declarations(&src);
            let got = model_declarations(&parsed.schema);
            if want != got {
                let first =
                    want.iter().zip(&got).position(|(a, b)| a != b).unwrap_or(want.len().min(got.len()));
                failures.push(format!(
                    "{name}: {} declarations by line scan, {} in the model; first difference:\n  scan:  {:?}\n  model: {:?}",
                    want.len(),
                    got.len(),
                    want.get(first),
                    got.get(first)
                ));
            }
        } else {
            let v: serde_json::Value = serde_json::from_str(&src).expect("corpus JSON is valid");
            let count = |k: &str| v[k].as_array().map_or(0, Vec::len);
            let ctors = parsed.schema.constructors().count();
            let methods = parsed.schema.functions().count();
            if (ctors, methods) != (count("constructors"), count("methods")) {
                failures.push(format!(
                    "{name}: {ctors}/{methods} definitions, JSON has {}/{}",
                    count("constructors"),
                    count("methods")
                ));
            }
            for (d, j) in parsed.schema.constructors().zip(v["constructors"].as_array().into_iter().flatten())
            {
                if j["predicate"] != *d.name
                    || j["params"].as_array().map_or(0, Vec::len)
                        != d.params.iter().filter(|p| p.name.is_some()).count()
                {
                    failures.push(format!("{name}: {} does not match its JSON", d.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
    assert!(defs > 300_000, "only {defs} definitions");
}

#[test]
#[ignore = "reads the schema corpus from TL_CORPUS"]
fn corpus_round_trips() {
    let mut failures = Vec::new();
    for path in corpus_files() {
        let name = path.display().to_string();
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let parsed = parse(&src);
        // TL→JSON→TL→JSON: the second JSON is the first.
        let json1 = to_json(&parsed.schema);
        let back = parse_json(&json1);
        assert!(!back.has_errors(), "{name}: own JSON has errors: {:?}", back.diagnostics);
        let tl2 = to_tl(&back.schema);
        let p3 = parse_tl(&tl2);
        assert!(!p3.has_errors(), "{name}: own TL has errors: {:?}", p3.diagnostics);
        let json2 = to_json(&p3.schema);
        if json1 != json2 {
            failures.push(format!("{name}: TL→JSON→TL→JSON differs"));
        }
        // The TL writer's output is the same model.
        let tl = to_tl(&parsed.schema);
        let again = parse_tl(&tl);
        assert!(!again.has_errors(), "{name}: to_tl output has errors: {:?}", again.diagnostics);
        let a = without_spans(parsed.schema.clone());
        let b = without_spans(again.schema);
        if a != b {
            let i = a.definitions.iter().zip(&b.definitions).position(|(x, y)| x != y);
            failures.push(format!(
                "{name}: to_tl does not round-trip (layer {:?}/{:?}, {} vs {} defs, first diff {:?})",
                a.layer,
                b.layer,
                a.definitions.len(),
                b.definitions.len(),
                i.map(|i| (&a.definitions[i], &b.definitions[i]))
            ));
        }
        // The JSON writer's output is the same model where JSON can say everything: no
        // anonymous parameters, every id written, `{X:Type}` declared for every `!X` (JSON
        // readers infer it).
        let expressible = parsed.schema.definitions.iter().all(|d| {
            let bang_declared = d.params.iter().all(|p| match &p.kind {
                tl_parser::ParamKind::Typed { ty, .. } => {
                    !ty.bang || d.generics.iter().any(|g| g.name == ty.name)
                }
                _ => true,
            });
            d.explicit_id.is_some()
                && bang_declared
                && (d.name == "vector" || d.params.iter().all(|p| p.name.is_some()))
        });
        if expressible {
            let mut a = without_spans(parsed.schema.clone());
            // JSON lists constructors before methods.
            a.definitions.sort_by_key(|d| d.category == Category::Function);
            let b = without_spans(parse_json(&json1).schema);
            if a != b {
                let i = a.definitions.iter().zip(&b.definitions).position(|(x, y)| x != y);
                failures.push(format!(
                    "{name}: to_json does not round-trip, first diff {:?}",
                    i.map(|i| (&a.definitions[i].name, &b.definitions[i].name))
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}

#[test]
#[ignore = "reads the schema corpus from TL_CORPUS"]
fn corpus_mutations_never_panic() {
    let dir = corpus_dir();
    let picks = [
        "api/layer-230.tl",
        "api/layer-14.tl",
        "td_api.tl",
        "json/layer-75.json",
        "secret/tdlib-secret_api-layer-144.tl",
    ];
    let mut rng = common::Rng::new(0xc0_4b05);
    let runs = std::env::var("TL_MUTATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    for p in picks {
        let src = std::fs::read(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
        for i in 0..runs {
            // Mostly windows of the file (fast, and every part gets hit), sometimes all of it.
            let m = if i % 50 == 0 {
                common::mutate(&src, &mut rng)
            } else {
                let start = rng.below(src.len());
                let end = (start + 1 + rng.below(8192)).min(src.len());
                common::mutate(&src[start..end], &mut rng)
            };
            common::exercise(&m);
        }
    }
}
