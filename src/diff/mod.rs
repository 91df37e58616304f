//! Semantic diffs of TL schemas with a wire-compatibility verdict: the engine behind `tl diff`,
//! `tl history` and `tl log`.
//!
//! # Matching
//!
//! Definitions are paired by (category, name, id), then by (category, id), then by
//! (category, name). The id pass finds renames: only a deliberately kept explicit id survives
//! a rename, since the name is part of the CRC32, so a shared id is stronger evidence than a
//! shared name (when tdlib swapped the names of two secret-chat constructors, pairing by name
//! first would have reported one breaking change instead of two renames). Pairing by
//! (name, id) first keeps secret-chat layers, where one name carries several ids, from pairing
//! the wrong versions. Boxed types (the result types
//! of constructors) are compared as sets: a type only the old side has and one only the new
//! side has, with the same constructors (by name, else by id), are one renamed type. A type
//! gaining or losing constructors is reported through those constructors only, so each wire
//! id is counted once in the summary.
//!
//! Before matching, core builtins and MTProto service definitions that only one file lists
//! are set aside and named in the result ([`unlisted`]): files differ in whether they list
//! them, layers do not.
//!
//! # Verdicts
//!
//! Each entry is judged for two peers, one still on the old layer and one on the new, on
//! what either of them may already send:
//!
//! * **compatible** — nothing is misread or rejected. A new definition is compatible: only a
//!   peer that knows the new layer produces it. A change is compatible when the id stays and
//!   an old decoder reads the new bytes correctly: a new `flags.N?true` (a bit outside the
//!   CRC32: on a free flag old decoders ignore it, on a bit old parameters keep using it only
//!   names it), a dropped `flags.N?true` whose bit nothing else uses (it carries no bytes), a
//!   parameter or definition renamed in place, `string`↔`bytes`, a boxed type
//!   renamed with the same constructors, `{X:Type}` generics renamed or written out (type
//!   variables are not on the wire), a reorder of zero-byte `true` flags.
//! * **id-changing** — some id is unknown to the other side, so decoding fails loudly,
//!   never silently. Every changed id is this (the usual case for a new parameter: a peer on
//!   the old layer meets an unknown constructor). So is every **removal**: a peer on the old
//!   layer may still send the removed constructor or call the removed method, and the new side
//!   rejects the unknown id. A removal is never *breaking* on its own: an id that is gone cannot
//!   be misread; when the same id comes back under another name the pair is matched as a rename
//!   and judged by its bytes.
//! * **breaking** — the id stays but the bytes mean something else, so an old decoder silently
//!   misreads: a parameter added, removed, retyped or reordered under the same id (a dropped
//!   optional parameter with a value too: an old peer may still set its bit and send it), a flag bit
//!   reused with another type or a parameter moved to another bit, a parameter made optional or
//!   required, a different result type. The reason says when the explicit id no longer matches
//!   the declaration's CRC32. A changed id that some *other* old definition used is breaking
//!   too: old decoders read the new bytes as that definition.
//!
//! The verdict of a changed definition is id-changing whenever its id changed (whatever the
//! parameters did, old decoders reject it before reading them), else breaking when any single
//! change is, else compatible.

pub mod compare;
pub mod engine;
pub mod history;
pub mod human;
pub mod layers;
pub mod log;
pub mod markdown;
pub mod matching;
pub mod report;
pub mod style;
pub mod text;
pub mod unlisted;

#[cfg(test)]
mod testutil;

pub use engine::diff;
