//! Generates the types of the repository's `schemas/mtproto.tl` with tl-codegen (dogfood): the
//! session layer's service messages come from the same generator users run on the API layer.
//! The few API-layer definitions the runtime itself needs (`auth.bindTempAuthKey` for PFS, and
//! the `Bool` it returns) come from `schemas/api.tl` through the Builder's tree-shaking `only`.
//!
//! `schemas/` in this crate holds symlinks to the repository's: `cargo package` copies what
//! they point to, so the packaged crate builds on its own.

use std::path::{Path, PathBuf};

fn main() {
    let schema = schema_file("schemas/mtproto.tl");
    let api = schema_file("schemas/api.tl");
    println!("cargo:rerun-if-changed=build.rs");
    tl_codegen::Builder::new().schema(&schema).compile().expect("generating the mtproto schema types");
    tl_codegen::Builder::new()
        .schema(&api)
        .only(["auth.bindTempAuthKey"])
        .file_name("tl_api_layer.rs")
        .compile()
        .expect("generating the API-layer types the runtime uses");
}

/// `path`, or the file it names when it is a symlink that git checked out as a plain file
/// holding the link's target (Windows without symlink support, `core.symlinks=false`).
fn schema_file(path: &str) -> PathBuf {
    println!("cargo:rerun-if-changed={path}");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let target = text.trim();
    let is_link_stub = target.len() < 256 && !target.contains(['\n', '=', ';']) && target.ends_with(".tl");
    if !is_link_stub {
        return PathBuf::from(path);
    }
    let resolved = Path::new(path).parent().unwrap_or(Path::new(".")).join(target);
    println!("cargo:rerun-if-changed={}", resolved.display());
    resolved
}
