//! Any schema text the checker accepts goes through the bindings generator: never a panic,
//! and never code that does not parse as Rust (the generator's "internal error"), whatever
//! the names, nesting and generics. The first byte picks the options (serde, owned, single
//! file), the rest is the schema.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tl_codegen::generator::{Generator, Options};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let parsed = tl_parser::check(text);
    if parsed.has_errors() {
        return;
    }
    let options = Options {
        serde: mode & 1 != 0,
        owned: mode & 2 != 0,
        single_file: mode & 4 != 0,
        ..Options::default()
    };
    let schemas = [parsed.schema];
    if let Err(e) = Generator::new(&schemas, options).generate() {
        assert!(!e.contains("internal error"), "{e}\n--- schema ---\n{text}");
    }
});
