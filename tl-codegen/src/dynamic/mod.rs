//! The dynamic codec: TL bytes to JSON and back, straight from parsed schemas, no generated code.
//!
//! JSON follows the TDLib-style convention shared with the generated bindings' serde support:
//! - every object carries `"@type"` with its TL name (`"messages.sendMessage"`);
//! - `int`, `#` and `double` are JSON numbers; `long` is a JSON string (numbers are accepted on
//!   input); `bytes`, `int128` and `int256` are base64 (standard alphabet, padded);
//! - `Bool` and `true` flags are JSON booleans (a clear `true` flag is written as `false`);
//! - flags words never appear: they are computed from the optional fields on encode; optional
//!   fields sharing one bit (`message`'s `views` and `forwards`) are given together or not at
//!   all, and a `true` flag sharing its bit with value fields is implied by them (it may be
//!   left out; `true` without them, or `false` with them, is refused);
//! - absent optional fields are omitted; vectors are arrays;
//! - `Object` and `!X` positions hold any boxed object (or function call), with its `"@type"`,
//!   or an array: a boxed `Vector` of boxed objects (`rpc_result` of a method returning
//!   `Vector<User>`); a `Vector` of bare values there (`Vector<long>`) does not say its element
//!   type, so it is an error that says to decode it alone with `--type 'Vector<long>'`;
//!   an `Object` right after `bytes:int` (MTProto's `message`, the items of `msg_container`)
//!   must be exactly that long on decode, and on encode `bytes` may be left out (it is
//!   computed; if given, it must match);
//! - `int512` (TDLib's e2e schema) is base64 too, and TDLib's `int32`, `int53`/`int64`,
//!   `secureString`, `secureBytes` are `int`, `long`, `string`, `bytes` on the wire; in JSON
//!   `int53` is a number (TDLib's JSON interface; a string is accepted) where `int64` is a
//!   string.
//!
//! What else TDLib's JSON interface (tdjson) does is followed too ([`crate::tdjson`]), the same
//! way as the generated serde code:
//! - a parameter that td_api.tl documents as one that may be null ("may be null", "pass null
//!   …") and whose type is an object is left out of the JSON when null (`null` or a missing
//!   key reads as null); on the wire, where
//!   td_api has no official form, a null object is the id of `null#56730bcc` and any other is
//!   written boxed, its id first even where the schema names its constructor (bare in TL), so
//!   the two cannot be confused. A vector documented "messages may be null" holds JSON `null`
//!   elements, each written the same way;
//! - `"@extra"` and `"@client_id"`, which TDLib adds to its answers, are ignored on input (at
//!   any level); other unknown keys are errors;
//! - `"@type"` may be left out where the position fixes the type: a bare constructor
//!   (`photo:chatPhotoInfo`) or a boxed type of one constructor.
//!
//! MTProto's service objects that `mtproto.tl` leaves to hand-written code (`rpc_result`,
//! `msg_container` with its `message` items) are known even when the schemas do not declare
//! them ([`MTPROTO_SERVICE`]); definitions from the schemas win.
//!
//! Non-finite doubles, which JSON cannot hold, are written as the strings `"NaN"`, `"Infinity"`
//! and `"-Infinity"`. A TL `string` that is not valid UTF-8 is decoded lossily (U+FFFD).
//!
//! Decoding never panics: nesting depth is bounded by [`Limits::max_depth`], vector counts and
//! lengths are checked against the remaining input before anything is allocated, vector
//! elements that take no input bytes (`true`, bare constructors without fields) number at most
//! the input's length (or 4096) in one decode, and `gzip_packed` (`0x3072cfa1`) payloads are
//! inflated up to [`Limits::max_inflated`] in all.

mod decode;
mod encode;
mod error;
mod plan;
mod sample;
mod sink;

pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use sample::{SampleError, SampleOptions};

use std::borrow::Cow;
use std::collections::HashMap;
use tl_parser::{Category, Definition, Schema, TypeRef};

/// The boxed `Vector` constructor id.
pub const VECTOR_ID: u32 = 0x1cb5c415;
/// `gzip_packed#3072cfa1 packed_data:bytes = Object`.
pub const GZIP_PACKED_ID: u32 = 0x3072cfa1;
/// `boolTrue#997275b5 = Bool`.
pub const BOOL_TRUE_ID: u32 = 0x997275b5;
/// `boolFalse#bc799737 = Bool`.
pub const BOOL_FALSE_ID: u32 = 0xbc799737;

/// The key holding an object's TL name.
pub const TYPE_KEY: &str = "@type";

/// The MTProto service definitions that `mtproto.tl` comments out ("parsed manually"), used
/// when the schemas do not define them. The container item's type is renamed so that it does
/// not meet the API's `Message`.
pub const MTPROTO_SERVICE: &str = "
rpc_result#f35c6d01 req_msg_id:long result:Object = RpcResult;
message msg_id:long seqno:int bytes:int body:Object = MTProtoMessage;
msg_container#73f1f8dc messages:vector<%MTProtoMessage> = MessageContainer;
";

/// The registry of [`MTPROTO_SERVICE`], built once.
fn service() -> &'static Registry<'static> {
    static SCHEMA: std::sync::OnceLock<Schema<'static>> = std::sync::OnceLock::new();
    static REGISTRY: std::sync::OnceLock<Registry<'static>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        let schema = SCHEMA.get_or_init(|| tl_parser::parse(MTPROTO_SERVICE).schema);
        let mut reg = Registry::default();
        for def in &schema.definitions {
            reg.add(def);
        }
        reg
    })
}

/// Bounds on what one decode may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How deep objects and vectors may nest.
    pub max_depth: u32,
    /// The most that the `gzip_packed` payloads of one decode may inflate to, all together
    /// (nested ones included), which bounds the memory they hold.
    pub max_inflated: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_depth: 64, max_inflated: 16 << 20 }
    }
}

/// An index over one or more schemas (e.g. `api.tl` and `mtproto.tl`): constructors and
/// functions by id and name, constructors by boxed type.
///
/// The first definition of a name owns the plain name. A later one with the same name and
/// another id (secret-chat layers, two layers given together) is still decoded by its id, and
/// goes by `name#id` in JSON (`"decryptedMessage#1f814f1f"`) so that it encodes back to itself.
#[derive(Debug, Default)]
pub struct Registry<'s> {
    constructors_by_id: ById<'s>,
    functions_by_id: ById<'s>,
    constructors_by_name: HashMap<&'s str, &'s Definition<'s>>,
    constructors_loose: HashMap<String, &'s Definition<'s>>,
    functions_by_name: HashMap<&'s str, &'s Definition<'s>>,
    types: HashMap<&'s str, Vec<&'s Definition<'s>>>,
    /// Definitions whose name an earlier one owns, by `name#id`.
    shadowed: HashMap<String, &'s Definition<'s>>,
    /// What the codec needs of each definition, worked out once.
    plans: plan::Plans<'s>,
    /// Every definition its id decodes to, in the schemas' order (shadowed ones too).
    definitions: Vec<&'s Definition<'s>>,
    /// How soon each definition's values can end ([`sample`]), worked out on the first sample.
    sample_costs: std::sync::OnceLock<sample::Costs>,
    limits: Limits,
    /// Definitions whose `#` words are all data ([`Registry::with_mode_words`]).
    mode_words: Vec<String>,
}

/// Definitions by constructor id.
type ById<'s> = HashMap<u32, &'s Definition<'s>, std::hash::BuildHasherDefault<plan::IntHasher>>;

impl<'s> Registry<'s> {
    /// Indexes `schemas`, in order.
    pub fn new<'a: 's>(schemas: impl IntoIterator<Item = &'s Schema<'a>>) -> Registry<'s> {
        Registry::with_mode_words(schemas, Vec::new())
    }

    /// [`Registry::new`] where the definitions `mode_words` names (`*` matches any run of
    /// characters) keep every `#` word as data, a JSON number, even one named `flags`, as
    /// [`crate::generator::Options::mode_words`] has generated code do: for schemas that
    /// give meaning to bits no field uses (TON's `adnl.proxyPacketHeader`).
    pub fn with_mode_words<'a: 's>(
        schemas: impl IntoIterator<Item = &'s Schema<'a>>,
        mode_words: Vec<String>,
    ) -> Registry<'s> {
        let mut reg = Registry { mode_words, ..Registry::default() };
        for schema in schemas {
            for def in &schema.definitions {
                reg.add(def);
            }
        }
        reg
    }

    fn add(&mut self, def: &'s Definition<'s>) {
        if crate::graph::is_builtin_def(def) {
            return;
        }
        let mode_words = &self.mode_words;
        self.plans.entry(plan::address(def)).or_insert_with(|| plan::Plan::new(def, mode_words));
        let (by_name, by_id) = match def.category {
            Category::Type => (&mut self.constructors_by_name, &mut self.constructors_by_id),
            Category::Function => (&mut self.functions_by_name, &mut self.functions_by_id),
        };
        if let Some(owner) = by_name.get(def.name.as_ref()) {
            if owner.id != def.id && !by_id.contains_key(&def.id) {
                by_id.insert(def.id, def);
                self.shadowed.entry(tagged_name(def)).or_insert(def);
                self.definitions.push(def);
            }
            return;
        }
        by_name.insert(&def.name, def);
        if let std::collections::hash_map::Entry::Vacant(slot) = by_id.entry(def.id) {
            slot.insert(def);
            self.definitions.push(def);
        }
        if def.category == Category::Type {
            self.constructors_loose.entry(crate::graph::loose_name(&def.name)).or_insert(def);
            self.types.entry(&def.ty.name).or_default().push(def);
        }
    }

    /// Whether the schemas define a boxed type or a constructor named `name`.
    pub(crate) fn defines(&self, name: &str) -> bool {
        self.types.contains_key(name) || self.constructors_by_name.contains_key(name)
    }

    /// How `def` is named in JSON: its name, or `name#id` when an earlier definition owns
    /// the name.
    pub fn json_name<'d>(&self, def: &'d Definition<'_>) -> Cow<'d, str> {
        let by_name = match def.category {
            Category::Type => &self.constructors_by_name,
            Category::Function => &self.functions_by_name,
        };
        match by_name.get(def.name.as_ref()) {
            Some(owner) if owner.id != def.id => Cow::Owned(tagged_name(def)),
            _ => Cow::Borrowed(&def.name),
        }
    }

    /// The plan of `def`: the registry's (or a service definition's), or, for a definition
    /// it does not hold, one worked out now.
    fn plan(&self, def: &'s Definition<'s>) -> Cow<'_, plan::Plan<'s>> {
        let key = plan::address(def);
        match self.plans.get(&key).or_else(|| service().plans.get(&key)) {
            Some(plan) => Cow::Borrowed(plan),
            None => Cow::Owned(plan::Plan::new(def, &self.mode_words)),
        }
    }

    /// Replaces the decode limits.
    pub fn with_limits(mut self, limits: Limits) -> Registry<'s> {
        self.limits = limits;
        self
    }

    /// The decode limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The constructor with wire id `id` (or an MTProto service constructor, see
    /// [`MTPROTO_SERVICE`]).
    pub fn constructor_by_id(&self, id: u32) -> Option<&'s Definition<'s>> {
        self.constructors_by_id.get(&id).or_else(|| service().constructors_by_id.get(&id)).copied()
    }

    /// The function with wire id `id`.
    pub fn function_by_id(&self, id: u32) -> Option<&'s Definition<'s>> {
        self.functions_by_id.get(&id).copied()
    }

    /// The constructor named `name` (`message`, `messages.messages`); failing that, one
    /// spelled like it with case and underscores ignored (old layers write
    /// `vector<futureSalt>` for `future_salt`).
    ///
    /// `name#id` names a definition by its id too; that is how one whose name an earlier
    /// definition owns is asked for.
    pub fn constructor(&self, name: &str) -> Option<&'s Definition<'s>> {
        if name.contains('#') {
            return self.tagged(name, Category::Type);
        }
        self.constructors_by_name
            .get(name)
            .or_else(|| self.constructors_loose.get(&crate::graph::loose_name(name)))
            .or_else(|| service().constructors_by_name.get(name))
            .copied()
    }

    /// The function named `name` (`messages.sendMessage`).
    /// `name#id` as for [`Registry::constructor`].
    pub fn function(&self, name: &str) -> Option<&'s Definition<'s>> {
        if name.contains('#') {
            return self.tagged(name, Category::Function);
        }
        self.functions_by_name.get(name).copied()
    }

    /// `name#id` (the id in hex, any width or case): a shadowed definition, or the owner of
    /// the name if the id is its own.
    fn tagged(&self, tagged: &str, category: Category) -> Option<&'s Definition<'s>> {
        let (name, id) = tagged.split_once('#')?;
        let id = u32::from_str_radix(id, 16).ok()?;
        let canonical = format!("{name}#{id:08x}");
        if let Some(def) = self.shadowed.get(&canonical).filter(|d| d.category == category) {
            return Some(def);
        }
        let owner = match category {
            Category::Type => self.constructors_by_name.get(name),
            Category::Function => self.functions_by_name.get(name),
        };
        owner.filter(|d| d.id == id).copied()
    }

    /// The names of the schemas (constructors, functions, boxed types) that an unknown `name`
    /// may have meant: another case, a namespace, a typo ([`tl_parser::near_names`]).
    pub fn near_names(&self, name: &str) -> Vec<&'s str> {
        let known = self
            .constructors_by_name
            .keys()
            .chain(self.functions_by_name.keys())
            .chain(self.types.keys())
            .copied();
        tl_parser::near_names(name, known)
    }

    /// [`Registry::near_names`] as the end of an error message: ` (did you mean `x`?)`, or
    /// nothing.
    pub fn did_you_mean(&self, name: &str) -> String {
        crate::graph::did_you_mean(&self.near_names(name))
    }

    /// The constructor a bare type expression names: `%T` of a type with one constructor, or
    /// a constructor by name (`message`). Failing that, the constructors of `%T` (none, or
    /// several, which a bare value cannot choose between), for the caller's error.
    pub(crate) fn bare_constructor(
        &self,
        ty: &TypeRef<'_>,
        name: &str,
    ) -> Result<&'s Definition<'s>, &[&'s Definition<'s>]> {
        let of_type = if ty.percent { self.constructors_of(name) } else { &[] };
        let def = match of_type {
            [only] => Some(*only),
            _ => self.constructor(name),
        };
        def.ok_or(of_type)
    }

    /// The constructors of boxed type `name` (`Message`), in schema order.
    pub fn constructors_of(&self, name: &str) -> &[&'s Definition<'s>] {
        match self.types.get(name) {
            Some(defs) => defs,
            None => service().types.get(name).map_or(&[], Vec::as_slice),
        }
    }

    /// Decodes one value of type `ty` (a TL type expression such as `messages.Messages`,
    /// `Vector<long>`, `%message` or `message`) from the whole of `bytes`. With `ty = None`
    /// the input is any boxed object or function call.
    pub fn decode(&self, bytes: &[u8], ty: Option<&str>) -> Result<serde_json::Value, DecodeError> {
        self.decode_noting(bytes, ty).0
    }

    /// [`Registry::decode`], and what the JSON does not show (see [`DecodeNotes`]): the notes
    /// gathered up to the end or up to the error (an unknown flag bit often explains one).
    pub fn decode_noting(
        &self,
        bytes: &[u8],
        ty: Option<&str>,
    ) -> (Result<serde_json::Value, DecodeError>, DecodeNotes) {
        let decoded = decode::decode(self, bytes, ty, &mut sink::Tree);
        // Every decode of the unit tests checks that the text path agrees.
        #[cfg(test)]
        tests::text_agrees(self, bytes, ty, &decoded);
        decoded
    }

    /// [`Registry::decode_noting`] straight to JSON text, with no `serde_json::Value` in
    /// between: the text `serde_json::to_string` (or `to_string_pretty`, for
    /// [`JsonLayout::Pretty`]) would print for the value, made several times faster and in
    /// a fraction of the memory. On an error, no text.
    pub fn decode_json(
        &self,
        bytes: &[u8],
        ty: Option<&str>,
        layout: JsonLayout,
    ) -> (Result<String, DecodeError>, DecodeNotes) {
        match layout {
            JsonLayout::Compact => self.decode_text(bytes, ty, serde_json::ser::CompactFormatter),
            JsonLayout::Pretty => self.decode_text(bytes, ty, sink::Indented::default()),
        }
    }

    /// [`Registry::decode_json`] through `format`.
    fn decode_text<F: serde_json::ser::Formatter>(
        &self,
        bytes: &[u8],
        ty: Option<&str>,
        format: F,
    ) -> (Result<String, DecodeError>, DecodeNotes) {
        // Base64 and field names make the JSON longer than its bytes; twice the input is
        // most of it, so the buffer rarely grows more than once.
        let mut text = sink::Text::new(format, bytes.len().saturating_mul(2).min(64 << 20));
        let (done, notes) = decode::decode(self, bytes, ty, &mut text);
        (done.map(|()| text.into_string()), notes)
    }

    /// Encodes a JSON value of type `ty` (see [`Registry::decode`]; `None`: any boxed object
    /// or function call named by its `"@type"`).
    pub fn encode(&self, value: &serde_json::Value, ty: Option<&str>) -> Result<Vec<u8>, EncodeError> {
        encode::encode(self, value, ty)
    }
}

/// How [`Registry::decode_json`] lays out its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsonLayout {
    /// Indented two spaces, a value per line (`serde_json::to_string_pretty`).
    #[default]
    Pretty,
    /// One line, no spaces (`serde_json::to_string`).
    Compact,
}

/// What a decode saw that its JSON does not show. Offsets inside a `gzip_packed` are those
/// of the `gzip_packed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeNotes {
    /// Input offsets of the `string`s that are not UTF-8: JSON cannot hold them, so they are
    /// shown with U+FFFD in place of the bad bytes, and encode back differently (read such a
    /// value as `bytes` to keep it exact).
    pub lossy_strings: Vec<usize>,
    /// Flags words with bits the schema does not define: the data is likely newer than the
    /// schema, and the fields those bits announce were not read (what follows may be misread).
    pub unknown_flags: Vec<UnknownFlags>,
}

/// A flags word with bits its definition does not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFlags {
    /// Input offset of the flags word.
    pub offset: usize,
    /// The definition's name.
    pub definition: String,
    /// The flags field's name (`flags`, `flags2`).
    pub field: String,
    /// The bits set that no parameter uses.
    pub bits: u32,
}

/// `name#id`, the id as eight hex digits.
fn tagged_name(def: &Definition<'_>) -> String {
    format!("{}#{:08x}", def.name, def.id)
}

/// Parses a type expression given on the command line: `Vector<long>`, `%Message`,
/// `messages.Messages`, `Vector<Vector<int>>`, and `name#id` as in `"@type"`
/// (`decryptedMessage#91cc4674`).
pub fn parse_type_expr(text: &str) -> Option<TypeRef<'_>> {
    fn go<'t>(s: &'t str) -> Option<(TypeRef<'t>, &'t str)> {
        let s = s.trim_start();
        let (percent, s) = match s.strip_prefix('%') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (bang, s) = match s.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let end =
            s.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '#'))).unwrap_or(s.len());
        if end == 0 {
            return None;
        }
        let mut ty = TypeRef::simple(&s[..end]);
        ty.percent = percent;
        ty.bang = bang;
        let mut rest = s[end..].trim_start();
        if let Some(inner) = rest.strip_prefix('<') {
            let (arg, after) = go(inner)?;
            ty.args.push(arg);
            rest = after.trim_start().strip_prefix('>')?;
        }
        Some((ty, rest))
    }
    let (ty, rest) = go(text)?;
    rest.trim().is_empty().then_some(ty)
}

/// The JSON key of the `index`-th param of a definition (anonymous params get `_N`).
fn param_key(name: Option<&str>, index: usize) -> String {
    match name {
        Some(n) => n.to_string(),
        None => format!("_{index}"),
    }
}

/// The base64 engine of the JSON convention: standard alphabet, padded on output, padding
/// optional on input.
fn base64_engine() -> base64::engine::GeneralPurpose {
    use base64::engine::{general_purpose::GeneralPurposeConfig, DecodePaddingMode};
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

#[cfg(test)]
mod tests;
