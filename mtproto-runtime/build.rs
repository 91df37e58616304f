//! Generates the types of the repository's `schemas/mtproto.tl` with tl-codegen (dogfood): the
//! session layer's service messages come from the same generator users run on the API layer.
//! The few API-layer definitions the runtime itself needs (`auth.bindTempAuthKey` for PFS, and
//! the `Bool` it returns) come from `schemas/api.tl` through the Builder's tree-shaking `only`.
//!
//! `schemas/` in this crate holds symlinks to the repository's: `cargo package` copies what
//! they point to, so the packaged crate builds on its own.

fn main() {
    let schema = "schemas/mtproto.tl";
    let api = "schemas/api.tl";
    println!("cargo:rerun-if-changed={schema}");
    println!("cargo:rerun-if-changed={api}");
    println!("cargo:rerun-if-changed=build.rs");
    tl_codegen::Builder::new().schema(schema).compile().expect("generating the mtproto schema types");
    tl_codegen::Builder::new()
        .schema(api)
        .only(["auth.bindTempAuthKey"])
        .file_name("tl_api_layer.rs")
        .compile()
        .expect("generating the API-layer types the runtime uses");
}
