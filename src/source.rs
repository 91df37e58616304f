//! Loading schema sources: files from disk, or the embedded default.

use crate::embedded;

/// One schema source held in memory, ready to parse.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// The path shown in diagnostics.
    pub path: String,
    /// The text. Invalid UTF-8 has been replaced (see `invalid_utf8_at`).
    pub text: String,
    /// Byte offset (in `text`) of the first invalid UTF-8 sequence in the file, if any.
    pub invalid_utf8_at: Option<usize>,
}

impl SourceText {
    /// Reads a file. Invalid UTF-8 does not fail the read: it is replaced with U+FFFD and
    /// remembered, so the caller can report it as a diagnostic at the right place.
    pub fn read(path: &str) -> Result<SourceText, String> {
        let bytes = if path == "-" {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
                .map_err(|e| format!("<stdin>: {e}"))?;
            buf
        } else {
            std::fs::read(path).map_err(|e| format!("{path}: {e}"))?
        };
        let path = if path == "-" { "<stdin>".to_string() } else { path.to_string() };
        Ok(match String::from_utf8(bytes) {
            Ok(text) => SourceText { path, text, invalid_utf8_at: None },
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                SourceText { path, text, invalid_utf8_at: Some(at) }
            }
        })
    }

    /// The schemas compiled into the binary.
    pub fn embedded_default() -> Vec<SourceText> {
        embedded::DEFAULT
            .iter()
            .map(|e| SourceText { path: e.name.to_string(), text: e.text.to_string(), invalid_utf8_at: None })
            .collect()
    }

    /// `paths` read from disk, or the embedded default when `paths` is empty.
    pub fn read_all_or_default(paths: &[String]) -> Result<Vec<SourceText>, String> {
        if paths.is_empty() {
            Ok(SourceText::embedded_default())
        } else {
            paths.iter().map(|p| SourceText::read(p)).collect()
        }
    }
}
