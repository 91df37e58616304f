//! Generates the types of the repository's `schemas/mtproto.tl` with tl-codegen (dogfood): the
//! session layer's service messages come from the same generator users run on the API layer.

fn main() {
    let schema = "../schemas/mtproto.tl";
    println!("cargo:rerun-if-changed={schema}");
    println!("cargo:rerun-if-changed=build.rs");
    tl_codegen::Builder::new().schema(schema).compile().expect("generating the mtproto schema types");
}
