//! JSON to TL bytes, driven by the schema, in one pass into one buffer. A sized object's
//! length (`bytes:int` before an `Object`) is written as a placeholder and patched once the
//! object is written. Sizing the output exactly first would mean resolving every name and
//! field of the JSON twice, which costs far more than the buffer's spare capacity; the JSON
//! value itself dwarfs the bytes.
//!
//! Field names and flags come from each definition's [`Plan`], worked out once: an object's
//! fields are looked up once each, in the JSON's own order when it matches the schema's (as
//! the decoder writes it), and flags words are computed from them without a search. The JSON
//! path of an error is put together only when there is one, as it unwinds.

use super::plan::{Plan, Role, Words};
use super::{
    base64_engine, parse_type_expr, EncodeError, Registry, BOOL_FALSE_ID, BOOL_TRUE_ID, TYPE_KEY, VECTOR_ID,
};
use crate::graph::primitive_alias;
use crate::tdjson::{Nullable, NULL_ID};
use base64::Engine as _;
use serde_json::{Map, Value};
use tl_parser::{Definition, GenericParam, ParamKind, TypeRef};

type Result<T> = std::result::Result<T, Fail>;

/// An error on its way out: the path is gathered innermost first as it unwinds.
#[derive(Debug)]
pub(super) struct Fail {
    rev_path: Vec<PathPart>,
    message: String,
}

impl Fail {
    /// The error, one level further out: at `part` of the enclosing value.
    fn under(mut self, part: PathPart) -> Fail {
        self.rev_path.push(part);
        self
    }

    fn into_error(self) -> EncodeError {
        let mut path = String::from("$");
        for part in self.rev_path.iter().rev() {
            match part {
                PathPart::Key(k) => {
                    path.push('.');
                    path.push_str(k);
                }
                PathPart::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        EncodeError { path, message: self.message }
    }
}

/// Entry point of [`Registry::encode`].
pub(super) fn encode(
    reg: &Registry<'_>,
    value: &Value,
    ty: Option<&str>,
) -> std::result::Result<Vec<u8>, EncodeError> {
    let parsed = match ty {
        None => None,
        Some(text) => Some(parse_type_expr(text).ok_or_else(|| EncodeError {
            path: "$".into(),
            message: format!("`{text}` is not a type expression"),
        })?),
    };
    let mut writer = Encoder { reg, out: Vec::new(), depth: 0, nest: 0, vals: Vec::new() };
    writer.top(value, parsed.as_ref()).map_err(Fail::into_error)?;
    Ok(writer.out)
}

#[cfg(test)]
impl Encoder<'static, 'static, 'static> {
    /// A bare writer for tests that need raw TL primitives.
    pub(super) fn for_test() -> Self {
        static EMPTY: std::sync::OnceLock<Registry<'static>> = std::sync::OnceLock::new();
        Encoder {
            reg: EMPTY.get_or_init(Registry::default),
            out: Vec::new(),
            depth: 0,
            nest: 0,
            vals: Vec::new(),
        }
    }
}

#[derive(Debug)]
enum PathPart {
    Key(String),
    Index(usize),
}

pub(super) struct Encoder<'r, 's, 'v> {
    reg: &'r Registry<'s>,
    pub(super) out: Vec<u8>,
    /// Objects entered: bounded by the decoder's `Limits::max_depth`, so that what encodes
    /// also decodes.
    depth: u32,
    /// Values entered (fields and elements), bounded as serde_json bounds parsed input.
    nest: usize,
    /// The field values of the objects being encoded, one run per object, innermost last:
    /// looked up once per field and reused for the flags words.
    vals: Vec<Option<&'v Value>>,
}

impl<'s, 'v> Encoder<'_, 's, 'v> {
    fn err(&self, message: impl Into<String>) -> Fail {
        Fail { rev_path: Vec::new(), message: message.into() }
    }

    fn top(&mut self, value: &'v Value, ty: Option<&TypeRef<'_>>) -> Result<()> {
        match ty {
            Some(ty) => self.value(value, ty, &[]),
            None => self.any_object(value, false),
        }
    }

    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    pub(super) fn bytes(&mut self, data: &[u8]) -> Result<()> {
        let len = data.len();
        let header = if len < 254 {
            self.out.extend_from_slice(&[len as u8]);
            1
        } else if len < 1 << 24 {
            self.out.extend_from_slice(&[254, len as u8, (len >> 8) as u8, (len >> 16) as u8]);
            4
        } else {
            return Err(self.err(format!("{len} bytes is longer than TL allows (16 MiB)")));
        };
        self.out.extend_from_slice(data);
        let pad = (4 - (header + len) % 4) % 4;
        self.out.extend_from_slice(&[0u8; 3][..pad]);
        Ok(())
    }

    fn value(&mut self, value: &'v Value, ty: &TypeRef<'_>, generics: &[GenericParam<'_>]) -> Result<()> {
        let name = primitive_alias(ty.name.as_ref());
        // serde_json caps parsed input at 128 levels; values built in code get the same bound
        // (256 fields and elements deep, the value itself not counted).
        if self.nest >= 2 * 128 {
            return Err(self.err("nested too deep"));
        }
        match name {
            "#" => {
                let v = value.as_u64().and_then(|v| u32::try_from(v).ok());
                let v = v.ok_or_else(|| self.err("expected a number from 0 to 4294967295 (`#`)"))?;
                self.u32(v);
            }
            "int" => {
                let v = value.as_i64().and_then(|v| i32::try_from(v).ok());
                let v = v.ok_or_else(|| self.err("expected a 32-bit integer (`int`)"))?;
                self.out.extend_from_slice(&v.to_le_bytes());
            }
            "long" => {
                let v = match value {
                    Value::String(s) => s.parse::<i64>().ok(),
                    Value::Number(n) => n.as_i64(),
                    _ => None,
                };
                let v =
                    v.ok_or_else(|| self.err("expected a 64-bit integer, as a string or a number (`long`)"))?;
                self.out.extend_from_slice(&v.to_le_bytes());
            }
            "double" => {
                let v = match value {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => match s.as_str() {
                        "NaN" => Some(f64::NAN),
                        "Infinity" => Some(f64::INFINITY),
                        "-Infinity" => Some(f64::NEG_INFINITY),
                        _ => None,
                    },
                    _ => None,
                };
                let v = v.ok_or_else(|| self.err("expected a number (`double`)"))?;
                self.out.extend_from_slice(&v.to_le_bytes());
            }
            "string" => {
                let s = value.as_str().ok_or_else(|| self.err("expected a string"))?;
                self.bytes(s.as_bytes())?;
            }
            "bytes" => {
                let data = self.base64(value)?;
                self.bytes(&data)?;
            }
            "int128" | "int256" | "int512" => {
                let want = match name {
                    "int128" => 16,
                    "int256" => 32,
                    _ => 64,
                };
                let data = self.base64(value)?;
                if data.len() != want {
                    return Err(
                        self.err(format!("expected {want} bytes of base64 (`{name}`), got {}", data.len()))
                    );
                }
                self.out.extend_from_slice(&data);
            }
            "true" => {
                if value != &Value::Bool(true) {
                    return Err(self.err("expected true (`true`)"));
                }
            }
            "Bool" if !ty.percent => {
                let v = value.as_bool().ok_or_else(|| self.err("expected a boolean (`Bool`)"))?;
                self.u32(if v { BOOL_TRUE_ID } else { BOOL_FALSE_ID });
            }
            "Vector" | "vector" => self.vector(value, ty, generics, false)?,
            _ if crate::graph::is_any_object(name, || self.reg.defines(name)) => {
                self.any_object(value, ty.bang)?
            }
            _ if ty.bang || generics.iter().any(|g| g.name == name) => self.any_object(value, true)?,
            _ if ty.is_bare() => {
                let def = self.bare_def(ty, name)?;
                let map = self.object_map(value)?;
                if let Some(t) = map.get(TYPE_KEY) {
                    // Any name of the same definition will do: `name`, or `name#id`.
                    let same = t
                        .as_str()
                        .and_then(|t| self.reg.constructor(t))
                        .is_some_and(|d| std::ptr::eq(d, def));
                    if !same
                        && t.as_str() != Some(def.name.as_ref())
                        && t.as_str() != Some(&self.reg.json_name(def))
                    {
                        return Err(self.err(format!("expected \"@type\": \"{}\" (bare `{name}`)", def.name)));
                    }
                }
                self.fields(map, def)?;
            }
            _ => {
                if self.reg.constructors_of(name).is_empty() {
                    let hint = self.reg.did_you_mean(name);
                    return Err(self.err(format!("type `{name}` is not defined by the schemas{hint}")));
                }
                let map = self.object_map(value)?;
                // A type of one constructor says which without `"@type"` (TDLib lets input
                // leave it out where the type is fixed).
                let tname = match (map.get(TYPE_KEY), self.reg.constructors_of(name)) {
                    (None, [only]) => only.name.as_ref(),
                    _ => self.type_name(map)?,
                };
                let def = match self.reg.constructor(tname) {
                    Some(def) if def.ty.name == name => def,
                    Some(_) => return Err(self.err(format!("`{tname}` is not a constructor of `{name}`"))),
                    None => {
                        let hint = self.reg.did_you_mean(tname);
                        return Err(self.err(format!("unknown constructor `{tname}`{hint}")));
                    }
                };
                self.u32(def.id);
                self.fields(map, def)?;
            }
        }
        Ok(())
    }

    /// The constructor a bare type expression (`message`, `%Message`) names.
    fn bare_def(&self, ty: &TypeRef<'_>, name: &str) -> Result<&'s Definition<'s>> {
        self.reg.bare_constructor(ty, name).map_err(|of_type| match of_type {
            [first, ..] => self.err(format!(
                "`%{name}`: type {name} has {} constructors, and a bare value does not say \
                 which; name one instead (e.g. `{}`)",
                of_type.len(),
                first.name
            )),
            [] => self
                .err(format!("type `{name}` is not defined by the schemas{}", self.reg.did_you_mean(name))),
        })
    }

    /// An object that may be null (see [`crate::tdjson`]): `null#56730bcc` for `null` (or a
    /// missing key), else the object in its boxed form, its id written even where the schema
    /// names the constructor (bare in TL), as the decoder expects.
    fn nullable_value(
        &mut self,
        value: Option<&'v Value>,
        ty: &TypeRef<'_>,
        generics: &[GenericParam<'_>],
    ) -> Result<()> {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            self.u32(NULL_ID);
            return Ok(());
        };
        if ty.is_bare() {
            let def = self.bare_def(ty, primitive_alias(ty.name.as_ref()))?;
            self.u32(def.id);
        }
        self.value(value, ty, generics)
    }

    /// A vector of `ty` (`Vector<T>` or bare `vector<T>`); with `nullable`, each element may be
    /// null (JSON `null`, a vector td_api documents as holding null objects).
    fn vector(
        &mut self,
        value: &'v Value,
        ty: &TypeRef<'_>,
        generics: &[GenericParam<'_>],
        nullable: bool,
    ) -> Result<()> {
        let Some(elem) = ty.args.first() else {
            return Err(self.err(format!("`{}` without an element type", ty.name)));
        };
        let items = value.as_array().ok_or_else(|| self.err("expected an array (`Vector`)"))?;
        if ty.name == "Vector" && !ty.percent {
            self.u32(VECTOR_ID);
        }
        let count = u32::try_from(items.len()).map_err(|_| self.err("too many elements"))?;
        self.u32(count);
        // A vector is a level of nesting to the decoder too.
        self.enter()?;
        self.nest += 1;
        for (i, item) in items.iter().enumerate() {
            let done = if nullable {
                self.nullable_value(Some(item), elem, generics)
            } else {
                self.value(item, elem, generics)
            };
            done.map_err(|e| e.under(PathPart::Index(i)))?;
        }
        self.nest -= 1;
        self.depth -= 1;
        Ok(())
    }

    fn base64(&self, value: &Value) -> Result<Vec<u8>> {
        let s = value.as_str().ok_or_else(|| self.err("expected a base64 string"))?;
        base64_engine().decode(s).map_err(|e| self.err(format!("bad base64: {e}")))
    }

    fn object_map(&self, value: &'v Value) -> Result<&'v Map<String, Value>> {
        value.as_object().ok_or_else(|| self.err("expected an object"))
    }

    fn type_name(&self, map: &'v Map<String, Value>) -> Result<&'v str> {
        map.get(TYPE_KEY).and_then(Value::as_str).ok_or_else(|| self.err("missing \"@type\""))
    }

    /// Any boxed object or function call, named by its `"@type"`; an array is a boxed
    /// `Vector` of them (as the decoder reads one where any object may stand).
    fn any_object(&mut self, value: &'v Value, function_first: bool) -> Result<()> {
        if let Value::Array(items) = value {
            return self.untyped_vector(items);
        }
        let map = self.object_map(value)?;
        let tname = self.type_name(map)?;
        let (first, second) = if function_first {
            (self.reg.function(tname), self.reg.constructor(tname))
        } else {
            (self.reg.constructor(tname), self.reg.function(tname))
        };
        let def = first.or(second).ok_or_else(|| {
            self.err(format!("unknown constructor `{tname}`{}", self.reg.did_you_mean(tname)))
        })?;
        self.u32(def.id);
        self.fields(map, def)
    }

    /// A boxed `Vector` of boxed objects where the position does not give the element type.
    fn untyped_vector(&mut self, items: &'v [Value]) -> Result<()> {
        let count = u32::try_from(items.len()).map_err(|_| self.err("too many elements"))?;
        self.u32(VECTOR_ID);
        self.u32(count);
        self.enter()?;
        self.nest += 1;
        for (i, item) in items.iter().enumerate() {
            if !(item.is_object() || item.is_array()) {
                return Err(self
                    .err(
                        "expected an object: where any object may stand, an array is a Vector of boxed \
                         objects (for other elements, encode the Vector alone with --type 'Vector<T>')",
                    )
                    .under(PathPart::Index(i)));
            }
            self.any_object(item, false).map_err(|e| e.under(PathPart::Index(i)))?;
        }
        self.nest -= 1;
        self.depth -= 1;
        Ok(())
    }

    /// One more level of nesting (an object or a vector), as the decoder counts them.
    fn enter(&mut self) -> Result<()> {
        let limit = self.reg.limits.max_depth;
        if self.depth >= limit {
            return Err(
                self.err(format!("objects and vectors nested more than {limit} deep (the decoder's limit)"))
            );
        }
        self.depth += 1;
        Ok(())
    }

    /// The params of `def` from `map`; flags words are computed from the optional fields.
    fn fields(&mut self, map: &'v Map<String, Value>, def: &'s Definition<'s>) -> Result<()> {
        self.enter()?;
        let plan = self.reg.plan(def);
        let base = self.vals.len();
        self.look_up(map, def, &plan)?;
        self.check_shared_bits(&plan, base)?;
        self.nest += 1;
        let written = self.fields_of(def, &plan, base);
        self.nest -= 1;
        self.vals.truncate(base);
        self.depth -= 1;
        written
    }

    /// Pushes the value of each of `def`'s params onto `vals` (`None` when absent), and
    /// refuses a key that is none of them.
    fn look_up(&mut self, map: &'v Map<String, Value>, def: &Definition<'_>, plan: &Plan<'_>) -> Result<()> {
        let base = self.vals.len();
        // The JSON in the params' order (serde_json keeps the input's order; the decoder writes
        // that order): one walk meets each key at its param, and a param whose key is not next
        // is absent, with nothing hashed. Two params sharing a key need the lookups below.
        if !plan.repeated_keys {
            let mut entries = map.iter().peekable();
            // `"@type"`, and TDLib's `"@extra"` and `"@client_id"` (ignored), are no params.
            let skip_type = |entries: &mut std::iter::Peekable<_>| {
                while entries.peek().is_some_and(|(k, _): &(&String, &Value)| is_meta(k)) {
                    entries.next();
                }
            };
            for slot in &plan.slots {
                skip_type(&mut entries);
                let value = match entries.peek() {
                    Some((k, v)) if **k == *slot.key => {
                        let v = *v;
                        entries.next();
                        Some(v)
                    }
                    _ => None,
                };
                self.vals.push(value);
            }
            skip_type(&mut entries);
            if entries.next().is_none() {
                return Ok(());
            }
            // A key out of the params' order, or one of no param: each param is looked up.
            self.vals.truncate(base);
        }
        let mut found = 0;
        for slot in &plan.slots {
            let value = map.get(slot.key.as_ref());
            found += usize::from(value.is_some());
            self.vals.push(value);
        }
        let meta = [TYPE_KEY, "@extra", "@client_id"].iter().filter(|k| map.contains_key(**k)).count();
        if plan.repeated_keys || found != map.len() - meta {
            let unknown = map.keys().find(|k| !is_meta(k) && plan.position(k).is_none());
            if let Some(key) = unknown {
                let keys = plan.slots.iter().map(|s| s.key.as_ref());
                let hint = crate::graph::did_you_mean(&tl_parser::near_names(key, keys));
                return Err(self
                    .err(format!("`{}` has no field `{key}`{hint}", def.name))
                    .under(PathPart::Key(key.clone())));
            }
        }
        Ok(())
    }

    /// The JSON value of a `#` word: a `u32`, 0 when left out.
    fn word_value(&self, value: Option<&Value>) -> Result<u32> {
        match value {
            None | Some(Value::Null) => Ok(0),
            Some(v) => v
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| self.err("expected a number from 0 to 4294967295 (`#` word)")),
        }
    }

    /// Writes the params of `def`, whose values are `vals[base..]`.
    fn fields_of(&mut self, def: &Definition<'_>, plan: &Plan<'_>, base: usize) -> Result<()> {
        // The flags words, from the optional values present.
        let mut words = Words::new(plan.words);
        let words = words.get();
        for (i, slot) in plan.slots.iter().enumerate() {
            let Role::Typed { flag: Some(flag) } = slot.role else { continue };
            let Some(word) = flag.word else { continue };
            let present = match self.vals[base + i] {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) if flag.is_true => *b,
                Some(_) => true,
            };
            if present {
                words[word] |= flag.mask;
            }
        }
        // Where the last `bytes:int` placeholder is, and the length given for it, if any.
        let mut sized_len: Option<(usize, Option<&'v Value>)> = None;
        for (index, (param, slot)) in def.params.iter().zip(&plan.slots).enumerate() {
            let value = self.vals[base + index];
            let at = |e: Fail| e.under(PathPart::Key(slot.key.to_string()));
            let ty = match &param.kind {
                ParamKind::Typed { ty, .. } => Some(ty),
                _ => None,
            };
            match (slot.role, ty) {
                // Computed from the fields. A value given for it is taken only if it says no
                // more than they can: bits without a field would be lost without a word.
                (Role::FlagsWord { word, defined, mode: false, .. }, _) => {
                    let lost = self.word_value(value).map_err(at)? & !defined;
                    if lost != 0 {
                        let message = format!(
                            "bits {lost:#x} have no field and would be lost: `{}` is computed from \
                             the fields unless it is kept as data (`--mode-words {}`, \
                             `Registry::with_mode_words`)",
                            slot.key, def.name
                        );
                        return Err(at(self.err(message)));
                    }
                    self.u32(words[word]);
                }
                // The bits fields govern follow them (so the bytes decode); the rest are the
                // value's, 0 when it is left out.
                (Role::FlagsWord { word, defined, mode: true, .. }, _) => {
                    let given = self.word_value(value).map_err(at)?;
                    self.u32(given & !defined | words[word]);
                }
                (Role::Nat, _) => {
                    let v = value.ok_or_else(|| at(self.err("missing field")))?;
                    self.value(v, &TypeRef::simple("#"), &def.generics).map_err(at)?;
                }
                // The body comes next (a plan says `SizedLength` only then) and reports its own
                // absence.
                (Role::SizedLength, _) => {
                    sized_len = Some((self.out.len(), value));
                    self.u32(0);
                }
                (Role::SizedBody, _) => {
                    let body = value.ok_or_else(|| at(self.err("missing field")))?;
                    let start = self.out.len();
                    self.any_object(body, false).map_err(at)?;
                    let written = self.out.len() - start;
                    let Some((len_at, given)) = sized_len.take() else { continue };
                    let len_key = &plan.slots[index - 1].key;
                    let len = i32::try_from(written).map_err(|_| {
                        self.err("object too large").under(PathPart::Key(len_key.to_string()))
                    })?;
                    match given {
                        None | Some(Value::Null) => {}
                        Some(v) if v.as_i64() == Some(i64::from(len)) => {}
                        Some(v) => {
                            let message = format!("is {v} but `{}` encodes to {len} bytes", slot.key);
                            return Err(self.err(message).under(PathPart::Key(len_key.to_string())));
                        }
                    }
                    self.out[len_at..len_at + 4].copy_from_slice(&len.to_le_bytes());
                }
                (Role::Typed { .. }, Some(ty)) if slot.nullable == Nullable::Value => {
                    self.nullable_value(value, ty, &def.generics).map_err(at)?
                }
                (Role::Typed { .. }, Some(ty)) if slot.nullable == Nullable::Elements => {
                    let v = value.ok_or_else(|| at(self.err("missing field")))?;
                    self.vector(v, ty, &def.generics, true).map_err(at)?
                }
                (Role::Typed { flag }, Some(ty)) => match (flag, value) {
                    (Some(f), _) if f.is_true => {
                        if !matches!(value, None | Some(Value::Bool(_)) | Some(Value::Null)) {
                            return Err(at(self.err("expected a boolean (`true` flag)")));
                        }
                    }
                    (Some(_), None | Some(Value::Null)) => {}
                    (_, Some(v)) => self.value(v, ty, &def.generics).map_err(at)?,
                    (None, None) => return Err(at(self.err("missing field"))),
                },
                (Role::Repeat, _) | (_, None) => return Err(at(self.err("repetitions are not supported"))),
            }
        }
        Ok(())
    }

    /// Refuses optional fields that share one flag bit but are not given together. The bit
    /// says that all of them follow or none, so half a group would write bytes that do not
    /// decode. A `true` flag sharing its bit with value fields is implied by them: it may be
    /// left out, but `true` without them or `false` with them contradicts the bit.
    fn check_shared_bits(&self, plan: &Plan<'_>, base: usize) -> Result<()> {
        let vals = &self.vals[base..];
        let key = |i: usize| plan.slots[i].key.as_ref();
        let is_true = |i: usize| matches!(plan.slots[i].role, Role::Typed { flag: Some(f) } if f.is_true);
        let given = |i: usize| !matches!(vals[i], None | Some(Value::Null));
        let is_set = |i: usize| vals[i] == Some(&Value::Bool(true));
        for group in &plan.shared {
            let both = if group.members.len() == 2 { "both" } else { "all" };
            let bit = format!("{both} {}.{}", group.field, group.bit);
            let values: Vec<usize> = group.members.iter().copied().filter(|&i| !is_true(i)).collect();
            let present: Vec<&str> = values.iter().copied().filter(|&i| given(i)).map(key).collect();
            if let Some(&missing) = values.iter().find(|&&i| !given(i)).filter(|_| !present.is_empty()) {
                let message =
                    format!("must be given together with {} ({bit})", crate::graph::quoted_list(&present));
                return Err(self.err(message).under(PathPart::Key(key(missing).to_string())));
            }
            let set = if values.is_empty() {
                group.members.iter().any(|&i| is_set(i))
            } else {
                !present.is_empty()
            };
            for &i in group.members.iter().filter(|&&i| is_true(i)) {
                let Some(Value::Bool(b)) = vals[i] else { continue };
                if *b == set {
                    continue;
                }
                let others: Vec<&str> =
                    group.members.iter().copied().filter(|&j| is_set(j)).map(key).collect();
                let names: Vec<&str> = values.iter().copied().map(key).collect();
                let is = if values.len() > 1 { "are" } else { "is" };
                let message = match (values.is_empty(), b) {
                    (false, true) => format!(
                        "can be true only when {} {is} given ({bit})",
                        crate::graph::quoted_list(&names)
                    ),
                    (false, false) => format!(
                        "cannot be false when {} {is} given ({bit})",
                        crate::graph::quoted_list(&names)
                    ),
                    (true, _) => {
                        format!("cannot be false when {} is true ({bit})", crate::graph::quoted_list(&others))
                    }
                };
                return Err(self.err(message).under(PathPart::Key(key(i).to_string())));
            }
        }
        Ok(())
    }
}

/// Keys of an object that are none of its params: `"@type"`, and what TDLib adds (see
/// [`crate::tdjson::is_ignored_key`]), read and ignored.
fn is_meta(key: &str) -> bool {
    key == TYPE_KEY || crate::tdjson::is_ignored_key(key)
}
