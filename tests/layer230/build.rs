//! Generates the full embedded layer with `tl_codegen::Builder`, plus a test-only dispatch
//! table (constructor/function id → decode with the generated type and re-encode).

use std::fmt::Write as _;
use std::path::PathBuf;

const SCHEMAS: [&str; 2] = ["../../schemas/api.tl", "../../schemas/mtproto.tl"];

/// Generates `schema` with serde twice, borrowed into `{name}.rs` and owned into
/// `{name}_owned.rs`, with what `more` adds to the builder.
fn both_forms(schema: &str, name: &str, more: impl Fn(tl_codegen::Builder) -> tl_codegen::Builder) {
    for (owned, file) in [(false, format!("{name}.rs")), (true, format!("{name}_owned.rs"))] {
        more(tl_codegen::Builder::new().schema(schema).owned(owned).serde(true).file_name(file))
            .compile()
            .unwrap_or_else(|e| panic!("generating {schema} as {name}: {e:?}"));
    }
}

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let mut builder = tl_codegen::Builder::new();
    for s in SCHEMAS {
        builder = builder.schema(s);
    }
    builder.compile().expect("generating the layer");
    serde_subset(&out);
    // MTProto's sized container items and TDLib's int512.
    both_forms("service.tl", "service", |b| b);
    // A td_api-shaped schema (fields that may be null, int53): TDLib's JSON conventions.
    both_forms("../../tl-codegen/tests/td_json.tl", "td", |b| b);
    // A TON-shaped schema whose `mode:#` words are data (mode words).
    both_forms("../../tl-codegen/tests/ton_mode.tl", "ton_mode", |b| b);
    // Shapes an adversarial sweep found generated code failing on.
    both_forms("edges.tl", "edges", |b| b);
    // With no derives at all: nothing generated leans on `Debug`, `Clone` or `PartialEq`.
    both_forms("service.tl", "service_bare", |b| b.derives(Vec::<String>::new()));

    let texts: Vec<String> = SCHEMAS.iter().map(|p| std::fs::read_to_string(p).expect("schema")).collect();
    let schemas: Vec<_> = texts.iter().map(|t| tl_parser::parse(t).schema).collect();
    let gen = tl_codegen::Generator::new(&schemas, tl_codegen::Options::default());
    let names = gen.names();
    let graph = gen.graph();
    let path = |module: &str, (ns, name): &(Vec<String>, String)| {
        let mut p = format!("crate::api::{module}::");
        for n in ns {
            p.push_str(n);
            p.push_str("::");
        }
        p.push_str(name);
        p
    };
    let mut code = String::from(
        "/// Decodes `bytes` as the generated type of constructor `id` (or function `id` when\n\
         /// `function`) and encodes it again. `None` for ids with no generated type.\n\
         pub fn roundtrip(id: u32, function: bool, bytes: &[u8]) -> Option<Result<Vec<u8>, tl_codec::Error>> {\n\
         use tl_codec::{Decode, Encode};\n\
         fn rt<'a, T: Decode<'a> + Encode>(bytes: &'a [u8]) -> Result<Vec<u8>, tl_codec::Error> {\n\
             let mut r = tl_codec::Reader::new(bytes);\n\
             let v = T::decode(&mut r)?;\n\
             if !r.is_empty() { return Err(r.error(tl_codec::ErrorKind::TrailingBytes { count: r.remaining() })); }\n\
             let len = v.encoded_len();\n\
             let mut out = Vec::with_capacity(len);\n\
             v.encode(&mut out);\n\
             assert_eq!(out.len(), len, \"encoded_len of {}\", core::any::type_name::<T>());\n\
             Ok(out)\n\
         }\n\
         Some(match (function, id) {\n",
    );
    for (ci, def) in graph.constructors.iter().enumerate() {
        let _ = writeln!(
            code,
            "(false, {:#010x}) => rt::<{}>(bytes),",
            def.id,
            path("types", &names.constructors[ci])
        );
    }
    for (fi, def) in graph.functions.iter().enumerate() {
        // Generic functions (`invokeWithLayer {X:Type} query:!X`) are tested with `ping`.
        let generic = if def.generics.is_empty() { "" } else { "<crate::api::functions::Ping>" };
        let _ = writeln!(
            code,
            "(true, {:#010x}) => rt::<{}{generic}>(bytes),",
            def.id,
            path("functions", &names.functions[fi])
        );
    }
    code.push_str("_ => return None,\n})\n}\n");
    std::fs::write(out.join("dispatch.rs"), code).expect("writing dispatch.rs");
    println!("cargo:rerun-if-changed=build.rs");
}

/// Definitions generated a second time, owned and with `--serde`, tree-shaken to keep the build
/// small, for the test that generated serde and the dynamic codec write the same JSON.
const SERDE_ONLY: [&str; 12] = [
    "invokeWithLayer",
    "inputReplyToMessage",
    "messageEntityTextUrl",
    "inputMediaGeoPoint",
    "codeSettings",
    "help.getConfig",
    "ping",
    "auth.sendCode",
    "req_DH_params",
    "help.getNearestDc",
    "msgs_ack",
    "future_salts",
];

fn serde_subset(out: &std::path::Path) {
    for (owned, file) in [(true, "tl_api_serde.rs"), (false, "tl_api_serde_borrowed.rs")] {
        let mut builder =
            tl_codegen::Builder::new().owned(owned).serde(true).only(SERDE_ONLY).file_name(file);
        for s in SCHEMAS {
            builder = builder.schema(s);
        }
        builder.compile().expect("generating the serde subset");
    }

    let texts: Vec<String> = SCHEMAS.iter().map(|p| std::fs::read_to_string(p).expect("schema")).collect();
    let schemas: Vec<_> = texts.iter().map(|t| tl_parser::parse(t).schema).collect();
    let options = tl_codegen::Options {
        only: Some(SERDE_ONLY.iter().map(|s| s.to_string()).collect()),
        ..tl_codegen::Options::default()
    };
    let gen = tl_codegen::Generator::new(&schemas, options);
    let sel = gen.selection().expect("selection");
    let names = gen.names();
    let graph = gen.graph();
    let path = |root: &str, module: &str, (ns, name): &(Vec<String>, String)| {
        let mut p = format!("crate::{root}::{module}::");
        for n in ns {
            p.push_str(n);
            p.push_str("::");
        }
        p.push_str(name);
        p
    };
    let mut code = String::from(
        "fn ck<T>(bytes: &[u8], json: &serde_json::Value) -> Result<(), String>\n\
         where T: for<'a> tl_codec::Decode<'a> + tl_codec::Encode + serde::Serialize + serde::de::DeserializeOwned {\n\
             let v = T::decode(&mut tl_codec::Reader::new(bytes)).map_err(|e| format!(\"decode: {e}\"))?;\n\
             let j = serde_json::to_value(&v).map_err(|e| format!(\"to JSON: {e}\"))?;\n\
             if &j != json { return Err(format!(\"serde JSON differs:\\n{j}\\nvs\\n{json}\")); }\n\
             let back: T = serde_json::from_value(json.clone()).map_err(|e| format!(\"from JSON: {e}\"))?;\n\
             let mut out = Vec::new();\n\
             back.encode(&mut out);\n\
             if out != bytes { return Err(\"serde value encodes differently\".into()); }\n\
             Ok(())\n\
         }\n\
         fn ckb<'a, T: tl_codec::Decode<'a> + serde::Serialize>(bytes: &'a [u8], json: &serde_json::Value) -> Result<(), String> {\n\
             let v = T::decode(&mut tl_codec::Reader::new(bytes)).map_err(|e| format!(\"decode: {e}\"))?;\n\
             let j = serde_json::to_value(&v).map_err(|e| format!(\"to JSON: {e}\"))?;\n\
             if &j != json { return Err(format!(\"borrowed serde JSON differs:\\n{j}\\nvs\\n{json}\")); }\n\
             Ok(())\n\
         }\n\
         /// JSON into the borrowed type (bytes and strings in an arena) encodes to `bytes`, the\n\
         /// dynamic codec's encoding of the same JSON.\n\
         fn ckj<'a, T>(arena: &'a crate::serde_borrowed_api::tl_json::Arena, bytes: &[u8], json: &serde_json::Value) -> Result<(), String>\n\
         where T: crate::serde_borrowed_api::tl_json::FromJson<'a> + tl_codec::Encode {\n\
             let v: T = crate::serde_borrowed_api::tl_json::from_json(arena, json).map_err(|e| format!(\"borrowed from JSON: {e}\"))?;\n\
             if tl_codec::to_bytes(&v) != bytes { return Err(\"borrowed serde value encodes differently\".into()); }\n\
             Ok(())\n\
         }\n",
    );
    for (fname, root, checker, doc) in [
        ("check", "serde_api", "ck", "the owned serde type (JSON out, JSON back in, same bytes)"),
        ("check_borrowed", "serde_borrowed_api", "ckb", "the borrowed serde type (JSON out)"),
    ] {
        let _ = writeln!(
            code,
            "/// Checks `bytes` of constructor/function `id` against `json` through {doc}.\n\
             pub fn {fname}(id: u32, function: bool, bytes: &[u8], json: &serde_json::Value) -> Option<Result<(), String>> {{\n\
             Some(match (function, id) {{"
        );
        // The borrowed check also reads the JSON back through an arena.
        let call = |checker: &str, t: &str| {
            if checker == "ckb" {
                format!(
                    "{checker}::<{t}>(bytes, json).and_then(|()| \
                     ckj::<{t}>(&crate::serde_borrowed_api::tl_json::Arena::new(), bytes, json))"
                )
            } else {
                format!("{checker}::<{t}>(bytes, json)")
            }
        };
        for &ci in &sel.constructors {
            let def = graph.constructors[ci];
            let t = path(root, "types", &names.constructors[ci]);
            let _ = writeln!(code, "(false, {:#010x}) => {},", def.id, call(checker, &t));
        }
        for &fi in &sel.functions {
            let def = graph.functions[fi];
            let generic = if def.generics.is_empty() {
                String::new()
            } else {
                format!("<crate::{root}::functions::Ping>")
            };
            let t = path(root, "functions", &names.functions[fi]);
            let _ =
                writeln!(code, "(true, {:#010x}) => {},", def.id, call(checker, &format!("{t}{generic}")));
        }
        code.push_str("_ => return None,\n})\n}\n");
    }
    std::fs::write(out.join("serde_dispatch.rs"), code).expect("writing serde_dispatch.rs");
}
