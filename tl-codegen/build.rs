//! With the feature `embedded-schemas`, finds the schema files `embedded.rs` compiles in:
//! `schemas/*.tl` are symlinks to the repository's `schemas/`, which a checkout without symlink
//! support (Windows, `core.symlinks=false`) writes as plain files holding the link's target.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_EMBEDDED_SCHEMAS").is_none() {
        return;
    }
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    for (var, name) in [("TL_EMBEDDED_API", "api.tl"), ("TL_EMBEDDED_MTPROTO", "mtproto.tl")] {
        let path = schema_file(&dir.join("schemas").join(name));
        println!("cargo:rustc-env={var}={}", path.display());
    }
}

/// `path`, or the file it names when it is a symlink checked out as a plain file.
fn schema_file(path: &Path) -> PathBuf {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let target = text.trim();
    let is_link_stub = target.len() < 256 && !target.contains(['\n', '=', ';']) && target.ends_with(".tl");
    if !is_link_stub {
        return path.to_path_buf();
    }
    let resolved = path.parent().unwrap_or(Path::new(".")).join(target);
    println!("cargo:rerun-if-changed={}", resolved.display());
    resolved
}
