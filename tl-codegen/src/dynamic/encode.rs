//! JSON to TL bytes, driven by the schema. The value is walked twice through one code path:
//! once counting bytes, once writing into a buffer of exactly that size.

use super::{
    base64_engine, flag_fields, param_key, parse_type_expr, EncodeError, Registry, BOOL_FALSE_ID,
    BOOL_TRUE_ID, TYPE_KEY, VECTOR_ID,
};
use crate::graph::{primitive_alias, sized_object_part, SizedPart};
use base64::Engine as _;
use serde_json::{Map, Value};
use tl_parser::{Definition, GenericParam, ParamKind, TypeRef};

type Result<T> = std::result::Result<T, EncodeError>;

/// Entry point of [`Registry::encode`].
pub(super) fn encode(reg: &Registry<'_>, value: &Value, ty: Option<&str>) -> Result<Vec<u8>> {
    let parsed = match ty {
        None => None,
        Some(text) => Some(parse_type_expr(text).ok_or_else(|| EncodeError {
            path: "$".into(),
            message: format!("`{text}` is not a type expression"),
        })?),
    };
    let mut counter = Encoder { reg, out: Counter(0), path: vec![PathPart::Root], depth: 0 };
    counter.top(value, parsed.as_ref())?;
    let mut writer =
        Encoder { reg, out: Vec::with_capacity(counter.out.0), path: vec![PathPart::Root], depth: 0 };
    writer.top(value, parsed.as_ref())?;
    debug_assert_eq!(writer.out.len(), counter.out.0);
    Ok(writer.out)
}

#[cfg(test)]
impl Encoder<'static, 'static, Vec<u8>> {
    /// A bare writer for tests that need raw TL primitives.
    pub(super) fn for_test() -> Self {
        static EMPTY: std::sync::OnceLock<Registry<'static>> = std::sync::OnceLock::new();
        Encoder {
            reg: EMPTY.get_or_init(Registry::default),
            out: Vec::new(),
            path: vec![PathPart::Root],
            depth: 0,
        }
    }
}

/// Where bytes go: counted, or written.
pub(super) trait Sink {
    /// Only counting: a sized object's length (4 bytes either way) need not be worked out,
    /// and the writing pass that follows checks it. Working it out here too would count each
    /// nested level twice, and `msg_container`s nested 20 deep 2^20 times.
    const COUNTING: bool = false;

    fn put(&mut self, bytes: &[u8]);
}

struct Counter(usize);

impl Sink for Counter {
    const COUNTING: bool = true;

    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

enum PathPart {
    Root,
    Key(String),
    Index(usize),
}

pub(super) struct Encoder<'r, 's, S> {
    reg: &'r Registry<'s>,
    pub(super) out: S,
    path: Vec<PathPart>,
    /// Objects entered: bounded by the decoder's `Limits::max_depth`, so that what encodes
    /// also decodes.
    depth: u32,
}

impl<'s, S: Sink> Encoder<'_, 's, S> {
    fn err(&self, message: impl Into<String>) -> EncodeError {
        let mut path = String::new();
        for part in &self.path {
            match part {
                PathPart::Root => path.push('$'),
                PathPart::Key(k) => {
                    path.push('.');
                    path.push_str(k);
                }
                PathPart::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        EncodeError { path, message: message.into() }
    }

    fn top(&mut self, value: &Value, ty: Option<&TypeRef<'_>>) -> Result<()> {
        match ty {
            Some(ty) => self.value(value, ty, &[]),
            None => self.any_object(value, false),
        }
    }

    fn u32(&mut self, v: u32) {
        self.out.put(&v.to_le_bytes());
    }

    pub(super) fn bytes(&mut self, data: &[u8]) -> Result<()> {
        let len = data.len();
        let header = if len < 254 {
            self.out.put(&[len as u8]);
            1
        } else if len < 1 << 24 {
            self.out.put(&[254, len as u8, (len >> 8) as u8, (len >> 16) as u8]);
            4
        } else {
            return Err(self.err(format!("{len} bytes is longer than TL allows (16 MiB)")));
        };
        self.out.put(data);
        let pad = (4 - (header + len) % 4) % 4;
        self.out.put(&[0u8; 3][..pad]);
        Ok(())
    }

    fn value(&mut self, value: &Value, ty: &TypeRef<'_>, generics: &[GenericParam<'_>]) -> Result<()> {
        let name = primitive_alias(ty.name.as_ref());
        // serde_json caps parsed input at 128 levels; values built in code get the same bound.
        if self.path.len() > 2 * 128 {
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
                self.out.put(&v.to_le_bytes());
            }
            "long" => {
                let v = match value {
                    Value::String(s) => s.parse::<i64>().ok(),
                    Value::Number(n) => n.as_i64(),
                    _ => None,
                };
                let v =
                    v.ok_or_else(|| self.err("expected a 64-bit integer, as a string or a number (`long`)"))?;
                self.out.put(&v.to_le_bytes());
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
                self.out.put(&v.to_le_bytes());
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
                self.out.put(&data);
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
            "Vector" | "vector" => {
                let Some(elem) = ty.args.first() else {
                    return Err(self.err(format!("`{name}` without an element type")));
                };
                let items = value.as_array().ok_or_else(|| self.err("expected an array (`Vector`)"))?;
                if name == "Vector" && !ty.percent {
                    self.u32(VECTOR_ID);
                }
                let count = u32::try_from(items.len()).map_err(|_| self.err("too many elements"))?;
                self.u32(count);
                // A vector is a level of nesting to the decoder too.
                self.enter()?;
                for (i, item) in items.iter().enumerate() {
                    self.path.push(PathPart::Index(i));
                    self.value(item, elem, generics)?;
                    self.path.pop();
                }
                self.depth -= 1;
            }
            "Object" => self.any_object(value, ty.bang)?,
            _ if ty.bang || generics.iter().any(|g| g.name == name) => self.any_object(value, true)?,
            _ if ty.is_bare() => {
                let of_type = if ty.percent { self.reg.constructors_of(name) } else { &[] };
                let def = match of_type {
                    [only] => Some(*only),
                    _ => self.reg.constructor(name),
                };
                let def = def.ok_or_else(|| match of_type {
                    [first, ..] => self.err(format!(
                        "`%{name}`: type {name} has {} constructors, and a bare value does not say \
                         which; name one instead (e.g. `{}`)",
                        of_type.len(),
                        first.name
                    )),
                    [] => self.err(format!("type `{name}` is not defined by the schemas")),
                })?;
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
                    return Err(self.err(format!("type `{name}` is not defined by the schemas")));
                }
                let map = self.object_map(value)?;
                let tname = self.type_name(map)?;
                let def = match self.reg.constructor(tname) {
                    Some(def) if def.ty.name == name => def,
                    Some(_) => return Err(self.err(format!("`{tname}` is not a constructor of `{name}`"))),
                    None => return Err(self.err(format!("unknown constructor `{tname}`"))),
                };
                self.u32(def.id);
                self.fields(map, def)?;
            }
        }
        Ok(())
    }

    fn base64(&self, value: &Value) -> Result<Vec<u8>> {
        let s = value.as_str().ok_or_else(|| self.err("expected a base64 string"))?;
        base64_engine().decode(s).map_err(|e| self.err(format!("bad base64: {e}")))
    }

    fn object_map<'v>(&self, value: &'v Value) -> Result<&'v Map<String, Value>> {
        value.as_object().ok_or_else(|| self.err("expected an object"))
    }

    fn type_name<'v>(&self, map: &'v Map<String, Value>) -> Result<&'v str> {
        map.get(TYPE_KEY).and_then(Value::as_str).ok_or_else(|| self.err("missing \"@type\""))
    }

    /// Any boxed object or function call, named by its `"@type"`; an array is a boxed
    /// `Vector` of them (as the decoder reads one where any object may stand).
    fn any_object(&mut self, value: &Value, function_first: bool) -> Result<()> {
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
        let def = first.or(second).ok_or_else(|| self.err(format!("unknown constructor `{tname}`")))?;
        self.u32(def.id);
        self.fields(map, def)
    }

    /// A boxed `Vector` of boxed objects where the position does not give the element type.
    fn untyped_vector(&mut self, items: &[Value]) -> Result<()> {
        let count = u32::try_from(items.len()).map_err(|_| self.err("too many elements"))?;
        self.u32(VECTOR_ID);
        self.u32(count);
        self.enter()?;
        for (i, item) in items.iter().enumerate() {
            self.path.push(PathPart::Index(i));
            if !(item.is_object() || item.is_array()) {
                return Err(self.err(
                    "expected an object: where any object may stand, an array is a Vector of boxed \
                     objects (for other elements, encode the Vector alone with --type 'Vector<T>')",
                ));
            }
            self.any_object(item, false)?;
            self.path.pop();
        }
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
    fn fields(&mut self, map: &Map<String, Value>, def: &Definition<'_>) -> Result<()> {
        self.enter()?;
        let written = self.fields_of(map, def);
        self.depth -= 1;
        written
    }

    fn fields_of(&mut self, map: &Map<String, Value>, def: &Definition<'_>) -> Result<()> {
        let flags = flag_fields(def);
        for key in map.keys() {
            if key != TYPE_KEY
                && !def.params.iter().enumerate().any(|(i, p)| param_key(p.name.as_deref(), i) == *key)
            {
                self.path.push(PathPart::Key(key.clone()));
                return Err(self.err(format!("`{}` has no field `{key}`", def.name)));
            }
        }
        self.check_shared_bits(map, def)?;
        for (index, param) in def.params.iter().enumerate() {
            let key = param_key(param.name.as_deref(), index);
            let value = map.get(&key);
            self.path.push(PathPart::Key(key));
            match &param.kind {
                ParamKind::Nat => match param.name.as_deref() {
                    Some(n) if flags.contains(&n) => {
                        let word = flags_word(def, n, map);
                        self.u32(word);
                    }
                    _ => {
                        let v = value.ok_or_else(|| self.err("missing field"))?;
                        self.value(v, &TypeRef::simple("#"), &def.generics)?;
                    }
                },
                ParamKind::Typed { .. } if sized_object_part(def, index) == Some(SizedPart::Length) => {
                    let body_key = param_key(def.params[index + 1].name.as_deref(), index + 1);
                    if S::COUNTING {
                        self.out.put(&[0; 4]);
                        self.path.pop();
                        continue;
                    }
                    let len = self.sized_length(map.get(&body_key), &body_key)?;
                    match value {
                        None | Some(Value::Null) => {}
                        Some(v) if v.as_i64() == Some(i64::from(len)) => {}
                        Some(v) => {
                            return Err(self.err(format!("is {v} but `{body_key}` encodes to {len} bytes")));
                        }
                    }
                    self.out.put(&len.to_le_bytes());
                }
                ParamKind::Typed { ty, flag } => match (flag, value) {
                    (Some(_), _) if ty.is_true() => {
                        if !matches!(value, None | Some(Value::Bool(_)) | Some(Value::Null)) {
                            return Err(self.err("expected a boolean (`true` flag)"));
                        }
                    }
                    (Some(_), None | Some(Value::Null)) => {}
                    (_, Some(v)) => self.value(v, ty, &def.generics)?,
                    (None, None) => return Err(self.err("missing field")),
                },
                ParamKind::Repeat { .. } => return Err(self.err("repetitions are not supported")),
            }
            self.path.pop();
        }
        Ok(())
    }
}

impl<S: Sink> Encoder<'_, '_, S> {
    /// Refuses optional fields that share one flag bit but are not given together. The bit
    /// says that all of them follow or none, so half a group would write bytes that do not
    /// decode. A `true` flag sharing its bit with value fields is implied by them: it may be
    /// left out, but `true` without them or `false` with them contradicts the bit.
    fn check_shared_bits(&mut self, map: &Map<String, Value>, def: &Definition<'_>) -> Result<()> {
        // Per flags word, (bits used, bits more than one parameter uses): most definitions share
        // none, and then nothing else is built for an object (this runs for every one encoded).
        let mut words: std::collections::HashMap<&str, (u32, u32)> = std::collections::HashMap::new();
        for p in &def.params {
            let ParamKind::Typed { flag: Some(flag), .. } = &p.kind else { continue };
            let Some(bit) = 1u32.checked_shl(flag.bit) else { continue };
            let (seen, shared) = words.entry(flag.field.as_ref()).or_default();
            *shared |= *seen & bit;
            *seen |= bit;
        }
        if words.values().all(|&(_, shared)| shared == 0) {
            return Ok(());
        }
        let shared = |flag: &tl_parser::FlagRef<'_>| {
            let bit = 1u32.checked_shl(flag.bit).unwrap_or(0);
            words.get(flag.field.as_ref()).is_some_and(|&(_, shared)| shared & bit != 0)
        };
        let flagged: Vec<(String, &tl_parser::FlagRef<'_>, bool)> = def
            .params
            .iter()
            .enumerate()
            .filter_map(|(index, p)| match &p.kind {
                ParamKind::Typed { ty, flag: Some(flag) } if shared(flag) => {
                    Some((param_key(p.name.as_deref(), index), flag, ty.is_true()))
                }
                _ => None,
            })
            .collect();
        // Grouped by bit in one pass (a crafted definition may have thousands of flagged
        // parameters), groups in the order of their first member.
        let mut groups: Vec<Vec<&(String, &tl_parser::FlagRef<'_>, bool)>> = Vec::new();
        let mut index: std::collections::HashMap<(&str, u32), usize> = std::collections::HashMap::new();
        for member in &flagged {
            let at = *index.entry((member.1.field.as_ref(), member.1.bit)).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[at].push(member);
        }
        for group in groups.into_iter().filter(|g| g.len() > 1) {
            let flag = group[0].1;
            let given = |key: &str| !matches!(map.get(key), None | Some(Value::Null));
            let both = if group.len() == 2 { "both" } else { "all" };
            let bit = format!("{both} {}.{}", flag.field, flag.bit);
            let values: Vec<&str> = group.iter().filter(|m| !m.2).map(|m| m.0.as_str()).collect();
            let present: Vec<&str> = values.iter().copied().filter(|k| given(k)).collect();
            if let Some(missing) = values.iter().find(|k| !given(k)).filter(|_| !present.is_empty()) {
                self.path.push(PathPart::Key(missing.to_string()));
                return Err(self.err(format!("must be given together with {} ({bit})", quoted(&present))));
            }
            let trues = group.iter().filter(|m| m.2).map(|m| m.0.as_str());
            let set = if values.is_empty() {
                group.iter().any(|m| map.get(&m.0) == Some(&Value::Bool(true)))
            } else {
                !present.is_empty()
            };
            for key in trues {
                let Some(Value::Bool(b)) = map.get(key) else { continue };
                if *b == set {
                    continue;
                }
                self.path.push(PathPart::Key(key.to_string()));
                let others: Vec<&str> = group
                    .iter()
                    .map(|m| m.0.as_str())
                    .filter(|k| map.get(*k) == Some(&Value::Bool(true)))
                    .collect();
                let is = if values.len() > 1 { "are" } else { "is" };
                return Err(self.err(match (values.is_empty(), b) {
                    (false, true) => format!("can be true only when {} {is} given ({bit})", quoted(&values)),
                    (false, false) => format!("cannot be false when {} {is} given ({bit})", quoted(&values)),
                    (true, _) => format!("cannot be false when {} is true ({bit})", quoted(&others)),
                }));
            }
        }
        Ok(())
    }

    /// The encoded size of the object in `body` (the field named `body_key`), for the length
    /// before it. Errors in the object name its own path.
    fn sized_length(&mut self, body: Option<&Value>, body_key: &str) -> Result<i32> {
        let Some(body) = body else {
            self.path.pop();
            self.path.push(PathPart::Key(body_key.to_string()));
            return Err(self.err("missing field"));
        };
        let mut path = std::mem::take(&mut self.path);
        path.pop();
        path.push(PathPart::Key(body_key.to_string()));
        let mut counter = Encoder { reg: self.reg, out: Counter(0), path, depth: self.depth };
        let counted = counter.any_object(body, false);
        self.path = counter.path;
        counted?;
        self.path.pop();
        self.path.push(PathPart::Key(param_key(Some("bytes"), 0)));
        i32::try_from(counter.out.0).map_err(|_| self.err("object too large"))
    }
}

/// The flags word `field` of `def`: the bits of the optional params present in `map`.
fn flags_word(def: &Definition<'_>, field: &str, map: &Map<String, Value>) -> u32 {
    let mut word = 0u32;
    for (index, param) in def.params.iter().enumerate() {
        let ParamKind::Typed { ty, flag: Some(flag) } = &param.kind else { continue };
        if flag.field != field || flag.bit >= 32 {
            continue;
        }
        let present = match map.get(&param_key(param.name.as_deref(), index)) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) if ty.is_true() => *b,
            Some(_) => true,
        };
        if present {
            word |= 1 << flag.bit;
        }
    }
    word
}

/// `a`, `b` and `c`, as in messages.
fn quoted(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}
