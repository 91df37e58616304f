//! Corpus checks over real schemas (`TL_CORPUS`, e.g. `../shared/schemas`): the generator and
//! the dynamic codec handle every kind of layer. `#[ignore]`d; run with `-- --ignored`.

use std::path::PathBuf;
use tl_codegen::{dynamic::Registry, Generator, Options};

fn corpus() -> PathBuf {
    let dir =
        std::env::var_os("TL_CORPUS").expect("TL_CORPUS must point at the schema corpus (../shared/schemas)");
    let dir = PathBuf::from(dir);
    assert!(dir.is_dir(), "TL_CORPUS={} is not a directory", dir.display());
    dir
}

fn layer_files() -> Vec<PathBuf> {
    let dir = corpus().join("api");
    let mut files: Vec<(u32, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let n = p.file_stem()?.to_str()?.strip_prefix("layer-")?.parse().ok()?;
            Some((n, p))
        })
        .collect();
    files.sort();
    assert!(files.len() > 100, "expected the api layers in {}", dir.display());
    files.into_iter().map(|(_, p)| p).collect()
}

#[test]
#[ignore = "needs TL_CORPUS"]
fn generator_handles_sampled_layers() {
    let files = layer_files();
    // Every 32nd layer and the last: generating is the slow part (formatting megabytes).
    let sample = files.iter().step_by(32).chain(files.last());
    for path in sample {
        let text = std::fs::read_to_string(path).expect("layer");
        let schemas = [tl_parser::parse(&text).schema];
        let files = Generator::new(&schemas, Options::default())
            .generate()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(files[0].text.contains("pub const LAYER"), "{}", path.display());
    }
}

#[test]
#[ignore = "needs TL_CORPUS"]
fn dynamic_codec_round_trips_every_constructor_without_params_of_every_layer() {
    for path in layer_files() {
        let text = std::fs::read_to_string(&path).expect("layer");
        let schemas = [tl_parser::parse(&text).schema];
        let reg = Registry::new(&schemas);
        for def in schemas[0].definitions.iter().filter(|d| d.params.is_empty()) {
            if reg.constructor_by_id(def.id).is_none() && reg.function_by_id(def.id).is_none() {
                continue;
            }
            let bytes = def.id.to_le_bytes();
            let Ok(value) = reg.decode(&bytes, None) else { continue };
            assert_eq!(
                reg.encode(&value, None).as_deref(),
                Ok(&bytes[..]),
                "{}: {}",
                path.display(),
                def.name
            );
        }
    }
}

/// Standard base64 of `n` zero bytes.
fn zeros_b64(n: usize) -> String {
    let chars = (n * 8).div_ceil(6);
    format!("{}{}", "A".repeat(chars), "=".repeat((4 - chars % 4) % 4))
}

/// A JSON value of type `ty` with every optional present (down to a small depth).
fn fill(reg: &Registry<'_>, ty: &tl_parser::TypeRef<'_>, depth: u32) -> serde_json::Value {
    use serde_json::json;
    let name = tl_codegen::graph::primitive_alias(ty.name.as_ref());
    match name {
        "#" | "int" => json!(7),
        "long" => json!("-8"),
        "double" => json!(0.5),
        "string" => json!("s"),
        "bytes" => json!("AAEC"),
        "int128" => json!(zeros_b64(16)),
        "int256" => json!(zeros_b64(32)),
        "int512" => json!(zeros_b64(64)),
        "Bool" | "true" => json!(true),
        "Vector" | "vector" if depth < 3 => json!([fill(reg, &ty.args[0], depth + 1)]),
        "Vector" | "vector" => json!([]),
        _ => {
            let def = match reg.constructors_of(name) {
                [first, ..] => *first,
                [] => reg.constructor(name).unwrap_or_else(|| panic!("no constructor for {name}")),
            };
            object(reg, def, depth + 1)
        }
    }
}

fn object(reg: &Registry<'_>, def: &tl_parser::Definition<'_>, depth: u32) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    map.insert("@type".into(), def.name.to_string().into());
    for (i, p) in def.params.iter().enumerate() {
        let key = p.name.as_deref().map_or_else(|| format!("_{i}"), str::to_string);
        let tl_parser::ParamKind::Typed { ty, flag } = &p.kind else {
            if !def.params.iter().any(|q| matches!(&q.kind,
                tl_parser::ParamKind::Typed { flag: Some(f), .. } if Some(f.field.as_ref()) == p.name.as_deref()))
            {
                map.insert(key, 7.into());
            }
            continue;
        };
        if flag.is_some() && depth > 2 && !ty.is_true() {
            continue;
        }
        map.insert(key, fill(reg, ty, depth));
    }
    map.into()
}

#[test]
#[ignore = "needs TL_CORPUS"]
fn tdlib_e2e_schema_int512_generates_and_round_trips() {
    let path = corpus().join("secret/tdlib-e2e_api.tl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed = tl_parser::parse(&text);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let schemas = [parsed.schema];
    let files = Generator::new(&schemas, Options::default()).generate().expect("generate");
    let code: String = files.iter().map(|f| f.text.as_str()).collect();
    assert!(code.contains("pub signature: [u8; 64],"), "int512 is [u8; 64]");
    assert!(!code.contains("pub struct Int32"), "TDLib's int32 is a primitive");
    let reg = Registry::new(&schemas);
    let mut checked = 0;
    for def in schemas[0].definitions.iter().filter(|d| d.category == tl_parser::Category::Type) {
        if reg.constructor_by_id(def.id).is_none() || def.name == "true" {
            continue; // builtins, and `true`, which `%true` cannot name
        }
        let value = object(&reg, def, 0);
        let ty = format!("%{}", def.name);
        let bytes = reg.encode(&value, Some(&ty)).unwrap_or_else(|e| panic!("{}: {e}\n{value}", def.name));
        assert_eq!(reg.decode(&bytes, Some(&ty)).unwrap(), value, "{}", def.name);
        checked += 1;
    }
    assert!(checked > 30, "only {checked} constructors");
}

/// Every `.tl` schema of the corpus under `dir` (recursively), in name order.
fn tl_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            tl_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "tl") {
            out.push(path);
        }
    }
}

/// `tl sample`'s promise, on every definition of every schema in the corpus: a skeleton, a
/// minimal one and two seeded values each encode, decode back to themselves, and `tl decode`'s text path
/// prints what `serde_json` prints for them. A definition may be refused only for a reason
/// the sampler names (a type the schema leans on without defining, as secret-chat schemas do
/// with api types; a repetition; `gzip_packed`, which decoding inflates; two parameters of
/// different types under one name).
#[test]
#[ignore = "needs TL_CORPUS"]
fn samples_of_every_definition_of_every_schema_round_trip() {
    use tl_codegen::dynamic::{JsonLayout, SampleOptions};
    let mut files = Vec::new();
    tl_files(&corpus(), &mut files);
    assert!(files.len() > 200, "expected the corpus's .tl files, found {}", files.len());
    let (mut values, mut refused) = (0usize, 0usize);
    for path in &files {
        let text = std::fs::read_to_string(path).expect("schema");
        let parsed = tl_parser::parse(&text);
        if parsed.has_errors() {
            continue; // checked elsewhere; none of the corpus has errors
        }
        let schemas = [parsed.schema];
        let reg = Registry::new(&schemas);
        for def in &schemas[0].definitions {
            if reg.constructor_by_id(def.id).is_none_or(|d| !std::ptr::eq(d, def))
                && reg.function_by_id(def.id).is_none_or(|d| !std::ptr::eq(d, def))
            {
                continue; // builtins, and copies whose id an earlier definition holds
            }
            let name = reg.json_name(def).into_owned();
            for (seed, minimal) in [(None, false), (None, true), (Some(1), false), (Some(2), true)] {
                let value =
                    match reg.sample(&name, SampleOptions { seed, minimal, ..SampleOptions::default() }) {
                        Ok(v) => v,
                        Err(e) => {
                            let why = e.to_string();
                            assert!(
                                why.contains("no constructors of")
                                    || why.contains("repeats parameters")
                                    || why.contains("inflates")
                                    || why.contains("share the JSON key"),
                                "{}: {name}: {why}",
                                path.display()
                            );
                            refused += 1;
                            break;
                        }
                    };
                let bytes = reg
                    .encode(&value, None)
                    .unwrap_or_else(|e| panic!("{}: {name}: {e}\n{value}", path.display()));
                let back = reg
                    .decode(&bytes, None)
                    .unwrap_or_else(|e| panic!("{}: {name}: {e}\n{value}", path.display()));
                assert_eq!(back, value, "{}: {name} ({seed:?})", path.display());
                let text = reg.decode_json(&bytes, None, JsonLayout::Compact).0.expect("text decode");
                assert_eq!(text, value.to_string(), "{}: {name} ({seed:?})", path.display());
                values += 1;
            }
        }
    }
    eprintln!(
        "{values} sampled values round-tripped over {} schemas; {refused} definitions refused",
        files.len()
    );
    assert!(values > 900_000, "only {values} values");
}
