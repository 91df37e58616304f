//! Generates the bindings the `codegen` bench needs, tree-shaken with `--only` (the same code
//! as the full layer for these types, a fraction of the compile time).

fn main() {
    tl_codegen::Builder::new()
        .schema("../schemas/api.tl")
        .schema("../schemas/mtproto.tl")
        .only(["messages.sendMessage", "messages.Messages", "upload.saveFilePart"])
        .file_name("tl_bench_api.rs")
        .compile()
        .expect("generating the bench bindings");
}
