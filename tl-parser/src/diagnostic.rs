//! Diagnostics: one type with spans, shared by every front-end (schema files, derive
//! attributes, CLI). Rendering to text lives in [`crate::render`].

use crate::model::Span;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Suspicious but the schema is usable (`--strict` makes these fatal).
    Warning,
    /// The schema is wrong.
    Error,
}

/// One message about a source file, pointing at a span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable short code, e.g. `syntax`, `id-mismatch`, `unknown-type`, `flag-field`.
    pub code: &'static str,
    /// The headline message.
    pub message: String,
    /// The offending bytes.
    pub span: Span,
    /// Text shown under the caret, if any.
    pub label: Option<String>,
    /// Extra `= note:` lines.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: None,
            notes: Vec::new(),
        }
    }

    /// A warning at `span`.
    pub fn warning(code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            span,
            label: None,
            notes: Vec::new(),
        }
    }

    /// Adds the label shown under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Adds a note line.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
