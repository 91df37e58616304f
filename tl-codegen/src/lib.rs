//! tl-codegen: schema model to Rust code.
