//! A build script's Builders writing into `$OUT_DIR`: a second one writing the same file is an
//! error, as the first one's items would vanish. Its own test binary: it sets `OUT_DIR`.

mod common;

#[test]
fn two_builders_writing_one_file_into_out_dir_is_an_error() {
    let (dir, schema) = common::schema_in_temp_dir("out-dir", "s.tl", "ping#7abe77ec ping_id:long = Pong;\n");
    // The only test of this binary: nothing else reads the environment meanwhile.
    std::env::set_var("OUT_DIR", &dir);
    tl_codegen::Builder::new().schema(&schema).compile().expect("first");
    let again = tl_codegen::Builder::new().schema(&schema).compile().unwrap_err();
    assert!(again.message().contains("already written by another Builder"), "{again}");
    tl_codegen::Builder::new().schema(&schema).file_name("other.rs").compile().expect("another name");
    // Into a directory given explicitly, writing again is allowed (a tool regenerating).
    tl_codegen::Builder::new().schema(&schema).out_dir(&dir).compile().expect("explicit dir");
    tl_codegen::Builder::new().schema(&schema).out_dir(&dir).compile().expect("explicit dir again");
    let _ = std::fs::remove_dir_all(&dir);
}
