//! Generates TDLib's `td_api.tl` from the corpus (`$TL_CORPUS/td_api.tl`), owned and with
//! serde, with `tl_codegen::Builder`, plus a test-only dispatch table (constructor/function id →
//! the checks of `check_as` with the generated type).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=TL_CORPUS");
    let schema = schema_path();
    println!("cargo:rerun-if-changed={}", schema.display());
    // The test reads the very file the bindings were generated from.
    println!("cargo:rustc-env=TD_API_TL={}", schema.display());

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    // No derives: the checks need only the codec and serde, and derives would lengthen the build.
    tl_codegen::Builder::new()
        .schema(&schema)
        .owned(true)
        .serde(true)
        .derives(Vec::<String>::new())
        .file_name("td_api.rs")
        .compile()
        .unwrap_or_else(|e| panic!("generating {}:\n{}", schema.display(), e.message()));
    let text = std::fs::read_to_string(&schema).expect("reading td_api.tl");
    std::fs::write(out.join("dispatch.rs"), dispatch(&text)).expect("writing dispatch.rs");
}

/// `$TL_CORPUS/td_api.tl`. The corpus is not in the repository: without it this crate cannot be
/// built, and says so (`.ci/run` always sets `TL_CORPUS`).
fn schema_path() -> PathBuf {
    let Some(corpus) = std::env::var_os("TL_CORPUS") else {
        panic!(
            "TL_CORPUS is not set: this test needs td_api.tl from the schema corpus; run it as \
             `TL_CORPUS=$PWD/../shared/schemas cargo test --locked --manifest-path tests/td_api/Cargo.toml` \
             from the repository root (an absolute path), or through `.ci/run`"
        );
    };
    let corpus = Path::new(&corpus);
    if !corpus.is_absolute() {
        panic!(
            "TL_CORPUS must be an absolute path (cargo runs build scripts in the crate's directory), not {}",
            corpus.display()
        );
    }
    let schema = corpus.join("td_api.tl");
    if !schema.is_file() {
        panic!("{} does not exist: TL_CORPUS must name the schema corpus directory", schema.display());
    }
    schema
}

/// The source of `pub fn check(id, function, bytes, json)`: a `match` on the id calling
/// `crate::check_as` with the generated type of that constructor or function; `None` for an id
/// with no generated type.
fn dispatch(text: &str) -> String {
    let schemas = [tl_parser::parse(text).schema];
    let options = tl_codegen::Options { owned: true, ..tl_codegen::Options::default() };
    let gen = tl_codegen::Generator::new(&schemas, options);
    let names = gen.names();
    let graph = gen.graph();
    let path = |module: &str, (ns, name): &(Vec<String>, String)| {
        let mut p = format!("crate::td_api::{module}::");
        for n in ns {
            p.push_str(n);
            p.push_str("::");
        }
        p.push_str(name);
        p
    };
    let mut code = String::from(
        "/// Checks `bytes` and `json` (the dynamic codec's encoding and decoding of one value) of\n\
         /// constructor `id` (function `id` when `function`) with its generated type (see\n\
         /// [`crate::check_as`]). `None` for ids with no generated type.\n\
         pub fn check(id: u32, function: bool, bytes: &[u8], json: &serde_json::Value) -> Option<Result<(), String>> {\n\
         Some(match (function, id) {\n",
    );
    for (ci, def) in graph.constructors.iter().enumerate() {
        let t = path("types", &names.constructors[ci]);
        let _ = writeln!(code, "(false, {:#010x}) => crate::check_as::<{t}>(bytes, json),", def.id);
    }
    for (fi, def) in graph.functions.iter().enumerate() {
        let t = path("functions", &names.functions[fi]);
        let _ = writeln!(code, "(true, {:#010x}) => crate::check_as::<{t}>(bytes, json),", def.id);
    }
    code.push_str("_ => return None,\n})\n}\n");
    code
}
