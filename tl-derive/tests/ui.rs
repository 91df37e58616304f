//! Compile-fail tests: misuse of the attributes is reported at the offending attribute.
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p tl-derive --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
