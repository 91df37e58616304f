//! The schemas compiled into the binary: the default for every command that takes none. They
//! are tl-codegen's (feature `embedded-schemas`), so that `tl gen` and a build script's
//! `Builder::embedded_schemas` generate from the same text.

pub use tl_codegen::embedded::{EmbeddedSchema as Embedded, DEFAULT};
