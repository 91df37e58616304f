//! tl-parser: Telegram Type Language schemas (TL text and the official JSON form) parsed into
//! one typed model ([`model::Schema`]) with spans on every node, validated, and written back.
//!
//! Architecture invariant: nothing in this crate panics on any input; every problem becomes a
//! [`Diagnostic`].
//!
//! - [`parse_tl`]: TL text (every dialect in Telegram's published schemas: tdesktop, tdlib's
//!   td_api with `//@` docs, secret-chat `===N===` sections, builtins such as `int ? = Int;`),
//!   zero-copy, recovering after each syntax error so that one run reports them all.
//! - [`parse_json`]: the official JSON form, borrowing every string without escapes.
//! - [`validate`]: ids against the CRC32 of [`canonical_declaration`] (by Telegram's rules, or
//!   TL's own, [`canonical_declaration_literal`]; minus [`KNOWN_ID_EXCEPTIONS`]), flag
//!   references, unknown types, duplicates. A missing id is computed by TL's rules.
//! - [`write`](mod@write): canonical TL and official JSON; [`render`]: rustc-like diagnostic text.
//!
//! ```
//! let parsed = tl_parser::check("vector#1cb5c415 {t:Type} # [ t ] = Vector t;\nboolTrue#997275b5 = Bool;");
//! assert!(parsed.diagnostics.is_empty());
//! assert_eq!(parsed.schema.definitions[1].id, 0x997275b5);
//! let json = tl_parser::to_json(&parsed.schema);
//! assert_eq!(tl_parser::parse_json(&json).schema.definitions.len(), 2);
//! ```

#![warn(missing_docs)]

mod canon;
pub mod diagnostic;
mod json;
pub mod model;
pub mod render;
mod text;
mod validate;
pub mod write;

pub use canon::{
    canonical_declaration, canonical_declaration_literal, crc_id, crc_id_literal, telegram_rules_apply,
};
pub use diagnostic::{Diagnostic, Severity};
pub use model::*;
pub use validate::{near_names, KNOWN_ID_EXCEPTIONS};
pub use write::{to_json, to_json_value, to_tl};

/// The result of parsing one source: the model (as much as could be recovered) and every
/// diagnostic found.
#[derive(Debug, Clone, Default)]
pub struct Parsed<'a> {
    /// The schema model.
    pub schema: Schema<'a>,
    /// Diagnostics in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed<'_> {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The two source forms a schema can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// TL text (`.tl`).
    Tl,
    /// The official JSON form (`{"constructors":[...],"methods":[...]}`).
    Json,
}

/// Guesses the form of `src`: JSON when the first non-blank character is `{`.
pub fn detect_format(src: &str) -> SourceFormat {
    match src.trim_start_matches('\u{feff}').trim_start().as_bytes().first() {
        Some(b'{') => SourceFormat::Json,
        _ => SourceFormat::Tl,
    }
}

/// Parses TL text. Missing ids are computed; no validation beyond syntax.
pub fn parse_tl(src: &str) -> Parsed<'_> {
    text::parse_tl(src)
}

/// Parses a single declaration such as `vector#1cb5c415 {t:Type} # [ t ] = Vector t` (the `;`
/// is optional). Its id is computed when not written. The first syntax error is returned.
pub fn parse_definition(src: &str) -> Result<Definition<'_>, Diagnostic> {
    text::parse_definition(src)
}

/// Parses the official JSON form.
pub fn parse_json(src: &str) -> Parsed<'_> {
    json::parse_json(src)
}

/// Parses `src` in the form [`detect_format`] finds.
pub fn parse(src: &str) -> Parsed<'_> {
    match detect_format(src) {
        SourceFormat::Tl => parse_tl(src),
        SourceFormat::Json => parse_json(src),
    }
}

/// Semantic checks of a parsed schema: ids against CRC32 (with Telegram's known exceptions),
/// flag references, unknown types, parameters declared twice, constructors whose result type is
/// their own type parameter.
pub fn validate(schema: &Schema<'_>) -> Vec<Diagnostic> {
    validate::validate(schema)
}

/// Parses and validates: diagnostics from both, in source order.
pub fn check(src: &str) -> Parsed<'_> {
    let mut parsed = match detect_format(src) {
        // Validated definition by definition while each is still in cache.
        SourceFormat::Tl => text::check_tl(src),
        SourceFormat::Json => {
            let mut parsed = parse_json(src);
            let more = validate(&parsed.schema);
            parsed.diagnostics.extend(more);
            parsed
        }
    };
    parsed.diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    parsed
}
