//! What the codec needs to know of a definition's parameters, worked out once per definition
//! when the registry is built instead of once per object: the JSON key of each parameter,
//! which `#` parameters are flags words and which parameters each word governs, and which
//! flag bits several parameters share. Decoding and encoding then index by position and never
//! compare field names.

use super::param_key;
use crate::graph::{sized_object_part, SizedPart};
use crate::tdjson::Nullable;
use std::borrow::Cow;
use std::collections::HashMap;
use tl_parser::{Definition, ParamKind};

/// The plan of one definition.
#[derive(Debug, Clone)]
pub(super) struct Plan<'s> {
    /// One per parameter, in order.
    pub slots: Vec<Slot<'s>>,
    /// Whether two parameters have one JSON key (a name declared twice, which is only a
    /// warning, or an anonymous parameter's `_N` beside a parameter named `_N`): then counting
    /// the keys found does not show an unknown one.
    pub repeated_keys: bool,
    /// How many flags words the definition has.
    pub words: usize,
    /// Flag bits more than one parameter uses (`message`'s `views` and `forwards` on
    /// `flags.10`), in the order of their first parameter; empty for most definitions.
    pub shared: Vec<SharedBit>,
}

/// One parameter.
#[derive(Debug, Clone)]
pub(super) struct Slot<'s> {
    /// Its JSON key: the name, or `_N` for an anonymous parameter.
    pub key: Cow<'s, str>,
    pub role: Role,
    /// Whether td_api documents it as one that may be null ([`crate::tdjson::nullable`]).
    pub nullable: Nullable,
}

/// What a parameter is to the codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A `#` that no parameter uses as flags: a plain number.
    Nat,
    /// A `#` that later parameters use as flags. `word` numbers it among the definition's
    /// flags words; `defined` has the bits used. `repeat`: a second `#` of the same name
    /// (declared twice, only a warning), the same word to the codec: written alike, and the
    /// first one read is the one in force. A flags word (`mode` false) is never in JSON and
    /// is computed on encode; a mode word ([`crate::graph::Word::Mode`]) is a JSON number,
    /// whose `defined` bits encoding takes from the fields instead.
    FlagsWord { word: usize, defined: u32, repeat: bool, mode: bool },
    /// A typed parameter; `flag` when it is present only with a flag bit.
    Typed { flag: Option<Flag> },
    /// `bytes:int` right before an `Object`: that object's length.
    SizedLength,
    /// The `Object` after a [`Role::SizedLength`].
    SizedBody,
    /// `n*[ ... ]`, which the codec does not support.
    Repeat,
}

/// The flag bit a parameter depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Flag {
    /// The flags word, as numbered by [`Role::FlagsWord`]; `None` when the field named is no
    /// flags word of the definition (a schema with errors), as if the bit were never set.
    pub word: Option<usize>,
    /// The bit as a mask; 0 for a bit beyond 31 (never set).
    pub mask: u32,
    /// A `true` flag: the bit alone, nothing on the wire.
    pub is_true: bool,
}

/// A flag bit several parameters share.
#[derive(Debug, Clone)]
pub(super) struct SharedBit {
    /// The flags word's name and the bit number, for messages.
    pub field: String,
    pub bit: u32,
    /// The parameters, by index, in order.
    pub members: Vec<usize>,
}

impl<'s> Plan<'s> {
    /// Works out the plan of `def`: linear in its parameters. `mode_words` names the
    /// definitions whose `#` words are all data ([`crate::graph::word_kind_of`]).
    pub fn new(def: &'s Definition<'s>, mode_words: &[String]) -> Plan<'s> {
        // The `#` parameters others use as flags, by name, numbered in order of declaration.
        let mut word_of: HashMap<&str, usize> = HashMap::new();
        let mut defined: Vec<u32> = Vec::new();
        let flag_users = crate::graph::flags_words(def);
        let mut slots = Vec::with_capacity(def.params.len());
        let mut groups: Vec<SharedBit> = Vec::new();
        let mut group_of: HashMap<(usize, u32), usize> = HashMap::new();
        for (index, param) in def.params.iter().enumerate() {
            let key = match &param.name {
                Some(Cow::Borrowed(n)) => Cow::Borrowed(*n),
                other => Cow::Owned(param_key(other.as_deref(), index)),
            };
            let role = match &param.kind {
                ParamKind::Nat => match param.name.as_deref() {
                    Some(n) if flag_users.contains(n) => {
                        let mode =
                            crate::graph::word_kind_of(&def.name, n, mode_words) == crate::graph::Word::Mode;
                        match word_of.get(n) {
                            Some(&word) => Role::FlagsWord { word, defined: 0, repeat: true, mode },
                            None => {
                                word_of.insert(n, defined.len());
                                defined.push(0);
                                let word = defined.len() - 1;
                                Role::FlagsWord { word, defined: 0, repeat: false, mode }
                            }
                        }
                    }
                    _ => Role::Nat,
                },
                ParamKind::Typed { ty, flag } => match sized_object_part(def, index) {
                    Some(SizedPart::Length) => Role::SizedLength,
                    Some(SizedPart::Body) => Role::SizedBody,
                    None => Role::Typed {
                        flag: flag.as_ref().map(|f| {
                            let word = word_of.get(f.field.as_ref()).copied();
                            let mask = 1u32.checked_shl(f.bit).unwrap_or(0);
                            if let (Some(w), true) = (word, mask != 0) {
                                defined[w] |= mask;
                                let at = *group_of.entry((w, f.bit)).or_insert_with(|| {
                                    groups.push(SharedBit {
                                        field: f.field.to_string(),
                                        bit: f.bit,
                                        members: Vec::new(),
                                    });
                                    groups.len() - 1
                                });
                                groups[at].members.push(index);
                            }
                            Flag { word, mask, is_true: ty.is_true() }
                        }),
                    },
                },
                ParamKind::Repeat { .. } => Role::Repeat,
            };
            slots.push(Slot { key, role, nullable: crate::tdjson::nullable(def, index) });
        }
        for slot in &mut slots {
            if let Role::FlagsWord { word, defined: bits, .. } = &mut slot.role {
                *bits = defined[*word];
            }
        }
        groups.retain(|g| g.members.len() > 1);
        let mut keys = std::collections::HashSet::with_capacity(slots.len());
        let repeated_keys = !slots.iter().all(|s| keys.insert(s.key.as_ref()));
        Plan { slots, repeated_keys, words: defined.len(), shared: groups }
    }

    /// The index of the parameter whose JSON key is `key`.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.key == key)
    }
}

/// The flags words of one object, by their number in its plan: inline for up to four (real
/// schemas have one or two).
pub(super) struct Words {
    inline: [u32; 4],
    spilled: Vec<u32>,
}

impl Words {
    /// Room for `count` words, all 0.
    pub fn new(count: usize) -> Words {
        let spilled = if count > 4 { vec![0; count] } else { Vec::new() };
        Words { inline: [0; 4], spilled }
    }

    /// The words.
    pub fn get(&mut self) -> &mut [u32] {
        if self.spilled.is_empty() {
            &mut self.inline
        } else {
            &mut self.spilled
        }
    }
}

/// Plans by definition address: the registry's definitions live as long as it does, so the
/// address names one. Hashing an address needs no SipHash.
pub(super) type Plans<'s> = HashMap<usize, Plan<'s>, std::hash::BuildHasherDefault<IntHasher>>;

/// A hasher for integer keys whose table the schemas fill (addresses, constructor ids): one
/// multiply, then the high half folded onto the low one (the table indexes by the low bits,
/// and those of an aligned address are all alike). Input only looks keys up, so it cannot
/// crowd the table the way keys it chose could.
#[derive(Default)]
pub(super) struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The address key of `def` in [`Plans`].
pub(super) fn address(def: &Definition<'_>) -> usize {
    def as *const Definition<'_> as usize
}
