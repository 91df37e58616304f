//! Generates the types of `mtproto.tl` with tl-codegen (dogfood): the session layer's service
//! messages come from the same generator users run on the API layer. The few API-layer
//! definitions the runtime itself needs (`auth.bindTempAuthKey` for PFS, and the `Bool` it
//! returns) come from `api.tl` through the Builder's tree-shaking `only`. Both schemas are the
//! ones `tl` ships, embedded in tl-codegen (feature `embedded-schemas`); `api.tl` is also
//! written to `OUT_DIR` for the tests that check ids against it.

use tl_codegen::embedded::{API, MTPROTO};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    tl_codegen::Builder::new()
        .schema_text(MTPROTO.name, MTPROTO.text)
        .compile()
        .expect("generating the mtproto schema types");
    tl_codegen::Builder::new()
        .schema_text(API.name, API.text)
        .only(["auth.bindTempAuthKey"])
        .file_name("tl_api_layer.rs")
        .compile()
        .expect("generating the API-layer types the runtime uses");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("api.tl"), API.text).expect("writing api.tl into OUT_DIR");
}
