//! The results of `tl diff`, `tl history` and `tl log` as plain data: what the renderers print
//! and what `--format json` serializes.
//!
//! This file depends on `serde` only, so tests can include it by path and deserialize the
//! binary's JSON output into these very types.

use serde::{Deserialize, Serialize};

/// What a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A constructor (`---types---`).
    Constructor,
    /// A function (`---functions---`).
    Function,
    /// A boxed type: the result type of one or more constructors. Has no id of its own.
    Type,
}

impl Kind {
    /// The word used in text output.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Constructor => "constructor",
            Kind::Function => "function",
            Kind::Type => "type",
        }
    }
}

/// How peers on the old and the new layer get along after a change (see the rules in the
/// `diff` module docs). Ordered from harmless to dangerous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Nothing either side already sends is misread or rejected.
    Compatible,
    /// Some id is unknown to the other side: decoding fails loudly, never silently.
    IdChanging,
    /// Same id, different bytes or meaning: the old side silently misreads.
    Breaking,
}

impl Verdict {
    /// The word used in text output.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Compatible => "compatible",
            Verdict::IdChanging => "id-changing",
            Verdict::Breaking => "breaking",
        }
    }
}

/// A verdict with the one-line reason for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compat {
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in one line.
    pub reason: String,
}

/// A definition (or type) present on one side only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Constructor, function or type.
    pub kind: Kind,
    /// Full name.
    pub name: String,
    /// The wire id as 8 lowercase hex digits; absent for types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The declaration as canonical-looking TL (`name#id p:T = R`); for a type, its constructors.
    pub declaration: String,
    /// The verdict for this addition or removal.
    pub compat: Compat,
}

/// One difference inside a definition that exists on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// The definition has a new name (matched by id).
    Renamed {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// The wire id changed.
    IdChanged {
        /// Old id (hex).
        from: String,
        /// New id (hex).
        to: String,
    },
    /// The explicit id stayed although the declaration's CRC32 is now different.
    IdKept {
        /// The id both sides use (hex).
        id: String,
        /// The CRC32 of the new declaration (hex).
        crc: String,
    },
    /// The result type (`= T`) changed.
    ResultChanged {
        /// Old result type.
        from: String,
        /// New result type.
        to: String,
    },
    /// The `{X:Type}` generic parameters changed.
    GenericsChanged {
        /// Old generics, as written.
        from: String,
        /// New generics, as written.
        to: String,
    },
    /// A new parameter.
    ParamAdded {
        /// Its name.
        param: String,
        /// Its type with the flag condition (`flags.3?Vector<int>`).
        ty: String,
        /// Its position in the new parameter list.
        index: usize,
    },
    /// A parameter is gone.
    ParamRemoved {
        /// Its name.
        param: String,
        /// Its old type with the flag condition.
        ty: String,
        /// Its position in the old parameter list.
        index: usize,
    },
    /// Same type and place, new name.
    ParamRenamed {
        /// Old name.
        from: String,
        /// New name.
        to: String,
        /// The (unchanged) type with the flag condition.
        ty: String,
    },
    /// The parameter's type changed (the flag condition aside).
    ParamRetyped {
        /// The parameter.
        param: String,
        /// Old type.
        from: String,
        /// New type.
        to: String,
    },
    /// The parameter moved to another flag bit or flags field.
    FlagMoved {
        /// The parameter.
        param: String,
        /// Old condition (`flags.1`).
        from: String,
        /// New condition (`flags2.4`).
        to: String,
    },
    /// The parameter was always present and is now conditional.
    MadeOptional {
        /// The parameter.
        param: String,
        /// Its new condition.
        flag: String,
    },
    /// The parameter was conditional and is now always present.
    MadeRequired {
        /// The parameter.
        param: String,
        /// Its old condition.
        flag: String,
    },
    /// The parameter changed place relative to the others.
    ParamMoved {
        /// The parameter.
        param: String,
        /// Old position.
        from: usize,
        /// New position.
        to: usize,
    },
}

/// A definition (or type) present on both sides, with its differences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed {
    /// Constructor, function or type.
    pub kind: Kind,
    /// Its name in the new layer.
    pub name: String,
    /// Its name in the old layer, when it was renamed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
    /// Old id (hex); absent for types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// New id (hex); absent for types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Every difference, in a fixed order (name, id, result, generics, then parameters).
    pub changes: Vec<Change>,
    /// The verdict for the definition as a whole.
    pub compat: Compat,
}

/// Counts over a whole diff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Entries in `added`.
    pub added: usize,
    /// Entries in `removed`.
    pub removed: usize,
    /// Entries in `changed`.
    pub changed: usize,
    /// Entries (of any list) whose verdict is compatible.
    pub compatible: usize,
    /// Entries whose verdict is id-changing.
    pub id_changing: usize,
    /// Entries whose verdict is breaking.
    pub breaking: usize,
}

/// A whole semantic diff between two schemas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// What the old side is (a path or `layer N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// What the new side is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Definitions and types only in the new schema.
    pub added: Vec<Entry>,
    /// Definitions and types only in the old schema.
    pub removed: Vec<Entry>,
    /// Definitions and types in both, with differences.
    pub changed: Vec<Changed>,
    /// Counts.
    pub summary: Summary,
    /// Names left out of the comparison because only the old file lists them, as files may
    /// or may not list the core builtins and the MTProto service definitions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlisted_in_new: Vec<String>,
    /// Names left out because only the new file lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlisted_in_old: Vec<String>,
}

/// What happened to a definition at one layer of its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// First appearance.
    Added,
    /// Appears again after a removal.
    Readded,
    /// Differs from the previous layer present.
    Changed,
    /// Absent from this layer although the previous layer had it.
    Removed,
}

/// One step in a definition's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The layer where it happened.
    pub layer: u32,
    /// What happened.
    pub event: EventKind,
    /// Constructor or function.
    pub kind: Kind,
    /// The definition's name at this layer (the last name it had, for a removal).
    pub name: String,
    /// Its id at this layer (hex).
    pub id: String,
    /// Its declaration at this layer (the last one it had, for a removal).
    pub declaration: String,
    /// Its previous name, when this layer renamed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
    /// Its id before this layer (hex; changes only), as `old_id` of a diff's changed entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// The differences against the previous layer (changes only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// The verdict against the previous layer (changes and removals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compat: Option<Compat>,
}

/// The life of one definition across the layers of a directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The name asked for.
    pub name: String,
    /// Every layer looked at, in order.
    pub layers: Vec<u32>,
    /// What happened, in layer order.
    pub events: Vec<Event>,
    /// The layers whose file leaves the definition out while the layer still has it: a core
    /// builtin or an MTProto definition, which files may or may not list (as `unlisted_in_old`
    /// and `unlisted_in_new` of a diff). Not counted as removals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlisted_layers: Vec<u32>,
}

/// One line of `tl log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// The layer.
    pub layer: u32,
    /// The layer it is compared with (the previous one present); absent for the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<u32>,
    /// The counts of the diff against `previous` (everything is added for the first layer).
    pub summary: Summary,
}
