//! tl-parser: Telegram Type Language schemas (TL text and the official JSON form) parsed into
//! one typed model ([`model::Schema`]) with spans on every node, validated, and written back.
//!
//! Architecture invariant: nothing in this crate panics on any input; every problem becomes a
//! [`Diagnostic`].

pub mod diagnostic;
pub mod model;

pub use diagnostic::{Diagnostic, Severity};
pub use model::*;
