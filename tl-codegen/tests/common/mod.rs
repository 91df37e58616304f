//! Shared by the Builder tests: a schema file in a directory of its own.

use std::path::PathBuf;

/// Writes `text` as `name` into a fresh directory under the system temp dir (`tag` and the
/// process id keep tests apart); returns the directory and the schema's path.
pub fn schema_in_temp_dir(tag: &str, name: &str, text: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("tl-codegen-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let schema = dir.join(name);
    std::fs::write(&schema, text).expect("write");
    (dir, schema)
}
