//! Example values for the dynamic codec: JSON that [`Registry::encode`] takes and that
//! decodes back to itself, for any definition or type of the schemas (`tl sample`).
//!
//! Two kinds: a *skeleton* shows the shape of a value, with every field present (optional
//! ones too, near the top), zeros, empty strings, one element per vector and each boxed type's
//! first constructor; a *seeded* value is random (constructors, flags, lengths, text with
//! characters JSON must escape), for tests and fixtures. Both stay finite on recursive types:
//! below [`SampleOptions::max_depth`] every boxed type takes the constructor that ends
//! soonest, with no optional fields and empty vectors.

use super::plan::Role;
use super::{parse_type_expr, Registry, GZIP_PACKED_ID, TYPE_KEY};
use crate::graph::primitive_alias;
use crate::tdjson::Nullable;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use tl_parser::{Category, Definition, GenericParam, ParamKind, TypeRef};

/// What [`Registry::sample`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleOptions {
    /// `None`: a skeleton; `Some(seed)`: a random value, the same for the same seed.
    pub seed: Option<u64>,
    /// How deep objects and vectors are filled before each boxed type takes the constructor
    /// that ends soonest.
    pub max_depth: u32,
    /// Only what cannot be left out: no optional fields, empty vectors (a skeleton to fill
    /// in by hand; a seeded value still picks constructors and contents at random).
    pub minimal: bool,
}

impl Default for SampleOptions {
    fn default() -> SampleOptions {
        SampleOptions { seed: None, max_depth: 3, minimal: false }
    }
}

/// Why no sample could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleError(pub String);

impl std::fmt::Display for SampleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SampleError {}

type Result<T> = std::result::Result<T, SampleError>;

/// How soon a value of a constructor can end: 1 + the costs of its fields that cannot be left
/// out (vectors can be empty and flag fields absent, so they cost nothing). `u32::MAX` for
/// constructors with no finite value.
pub(super) type Costs = HashMap<usize, u32>;

impl<'s> Registry<'s> {
    /// An example of `what`: a constructor or function name (`messages.sendMessage`,
    /// `name#id` for a shadowed one; a constructor first, as `"@type"` is read, where both
    /// have the name) or a type expression (`messages.Messages`,
    /// `Vector<long>`, `%message`). Encode it with `ty = None` for a name, or with `what` as
    /// the type for a type expression ([`Registry::sample_type`] says which).
    pub fn sample(&self, what: &str, options: SampleOptions) -> std::result::Result<Value, SampleError> {
        let mut s = Sampler::new(self, options);
        if let Some(def) = self.sampled_definition(what) {
            if def.id == GZIP_PACKED_ID {
                return Err(SampleError(
                    "`gzip_packed` is no value of its own: the codec inflates it and gives the packed \
                     object (sample that)"
                        .into(),
                ));
            }
            return s.object(def, 0);
        }
        let ty = parse_type_expr(what)
            .ok_or_else(|| SampleError(format!("`{what}` is neither a definition nor a type expression")))?;
        let name = primitive_alias(ty.name.as_ref());
        let known = !ty.args.is_empty()
            || is_primitive(&ty, name)
            || any_object_at(self, &ty, &[])
            || self.defines(name)
            || self.constructor(name).is_some();
        if !known {
            return Err(SampleError(self.unknown_sample(what, name)));
        }
        s.value(&ty, &[], 0)
    }

    /// Why `what` (whose name is `name`) cannot be sampled, it being no definition or type.
    fn unknown_sample(&self, what: &str, name: &str) -> String {
        // `name#id` with an id of no definition: the name's own may be what was meant.
        if let Some((plain, _)) = what.split_once('#') {
            let ids: Vec<String> = [self.constructor(plain), self.function(plain)]
                .into_iter()
                .flatten()
                .map(|d| format!("`{}#{:08x}`", d.name, d.id))
                .collect();
            if !ids.is_empty() {
                return format!("`{what}`: no definition has this id; `{plain}` is {}", ids.join(" and "));
            }
        }
        if name == "vector" || name == "Vector" {
            return format!("`{what}` needs its element type: `Vector<long>`, `vector<%message>`");
        }
        let hint = self.did_you_mean(name);
        format!("`{what}` names no constructor, function or type in the schemas{hint}")
    }

    /// The type to encode [`Registry::sample`]'s value of `what` with: `None` when `what`
    /// names a definition, else `what` itself.
    pub fn sample_type<'w>(&self, what: &'w str) -> Option<&'w str> {
        match self.sampled_definition(what) {
            Some(_) => None,
            None => Some(what),
        }
    }

    /// The definition `what` names for [`Registry::sample`]: the constructor named exactly so
    /// (or `name#id`; not one only spelled like it), else the function.
    fn sampled_definition(&self, what: &str) -> Option<&'s Definition<'s>> {
        let constructor = self.constructor(what).filter(|d| what.contains('#') || d.name == what);
        constructor.or_else(|| self.function(what))
    }
}

struct Sampler<'r, 's> {
    reg: &'r Registry<'s>,
    options: SampleOptions,
    rng: u64,
    costs: &'r Costs,
}

/// Whether `ty` (named `name` once TDLib's aliases are resolved) is one the codec reads
/// without a definition, and which holds no object.
fn is_primitive(ty: &TypeRef<'_>, name: &str) -> bool {
    match name {
        "#" | "int" | "long" | "double" | "string" | "bytes" | "int128" | "int256" | "int512" | "true" => {
            true
        }
        "Bool" => !ty.percent,
        _ => false,
    }
}

/// splitmix64's output function: a bijection of `u64` that spreads nearby seeds apart.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A cost for an unknown type: never chosen while another way exists.
const UNKNOWN: u32 = u32::MAX;

impl<'r, 's> Sampler<'r, 's> {
    fn new(reg: &'r Registry<'s>, options: SampleOptions) -> Self {
        // Every seed its own state: splitmix64's finalizer is a bijection, and only a state of
        // 0 (xorshift's fixed point) is moved. Masking bits instead (`| 1`) made seeds 2k and
        // 2k + 1 give the same sample.
        let rng = match options.seed.map(splitmix64) {
            None | Some(0) => 1,
            Some(state) => state,
        };
        let costs = reg.sample_costs.get_or_init(|| all_costs(reg));
        Sampler { reg, options, rng, costs }
    }

    fn random(&self) -> bool {
        self.options.seed.is_some()
    }

    /// xorshift64*.
    fn next(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn cost(&self, def: &Definition<'_>) -> u32 {
        self.costs.get(&super::plan::address(def)).copied().unwrap_or(UNKNOWN)
    }

    fn value(&mut self, ty: &TypeRef<'_>, generics: &[GenericParam<'_>], depth: u32) -> Result<Value> {
        let name = primitive_alias(ty.name.as_ref());
        let random = self.random();
        Ok(match name {
            "#" => json!(if random { self.next() as u32 } else { 0 }),
            "int" => json!(if random { self.next() as i32 } else { 0 }),
            // TDLib's `int53` is a JSON number, exact up to 2^53.
            "long" if ty.name == "int53" => json!(if random { (self.next() as i64) >> 11 } else { 0 }),
            "long" => json!(if random { self.next() as i64 } else { 0 }.to_string()),
            "double" => json!(if random { (self.below(2_000_000) as f64 - 1e6) / 8.0 } else { 0.0 }),
            "string" => json!(self.text()),
            "bytes" => {
                let len = if random { self.len() } else { 0 };
                json!(self.base64(len))
            }
            "int128" => json!(self.base64(16)),
            "int256" => json!(self.base64(32)),
            "int512" => json!(self.base64(64)),
            "true" => json!(true),
            "Bool" if !ty.percent => json!(random && self.next() & 1 == 1),
            "Vector" | "vector" => {
                let Some(elem) = ty.args.first() else {
                    return Err(SampleError(format!("`{name}` without an element type")));
                };
                let count = match (depth < self.options.max_depth && !self.options.minimal, random) {
                    (false, _) => 0,
                    (true, false) => 1,
                    (true, true) => self.below(3),
                };
                let mut out = Vec::new();
                for _ in 0..count {
                    out.push(self.value(elem, generics, depth + 1)?);
                }
                Value::Array(out)
            }
            _ if any_object_at(self.reg, ty, generics) => {
                self.any_object(ty.bang || generics.iter().any(|g| g.name == name), depth)?
            }
            _ if ty.is_bare() => {
                let def = self.reg.bare_constructor(ty, name).ok().ok_or_else(|| {
                    let hint = self.reg.did_you_mean(name);
                    SampleError(format!("no constructor `{name}` in the schemas{hint}"))
                })?;
                self.object(def, depth + 1)?
            }
            _ => {
                let def = self.pick(name, depth)?;
                self.object(def, depth + 1)?
            }
        })
    }

    /// The constructor of boxed type `name` to fill: near the top, the first one (a skeleton)
    /// or any (seeded) among those with a finite value; deeper, the one that ends soonest.
    fn pick(&mut self, name: &str, depth: u32) -> Result<&'s Definition<'s>> {
        let ctors = self.reg.constructors_of(name);
        let finite: Vec<&'s Definition<'s>> =
            ctors.iter().copied().filter(|d| self.cost(d) < UNKNOWN).collect();
        if finite.is_empty() {
            return Err(SampleError(if ctors.is_empty() {
                format!("no constructors of `{name}` in the schemas{}", self.reg.did_you_mean(name))
            } else {
                format!("`{name}` has no finite value (each constructor holds one again)")
            }));
        }
        if depth >= self.options.max_depth {
            return Ok(*finite.iter().min_by_key(|d| self.cost(d)).unwrap_or(&finite[0]));
        }
        if self.random() {
            let i = self.below(finite.len() as u64) as usize;
            return Ok(finite[i]);
        }
        Ok(finite[0])
    }

    /// Any boxed object: a function call where `function_first` (`!X`), else a constructor;
    /// the first of the schemas' with the fewest fields, so it reads as a placeholder.
    fn any_object(&mut self, function_first: bool, depth: u32) -> Result<Value> {
        let category = if function_first { Category::Function } else { Category::Type };
        // Bool and True are spelled otherwise in most positions; anything else reads better.
        let core = |d: &Definition<'_>| matches!(d.ty.name.as_ref(), "Bool" | "True");
        let simplest = self
            .reg
            .definitions
            .iter()
            .copied()
            .filter(|d| d.category == category && self.cost(d) < UNKNOWN)
            // A wrapper of any call (`invokeWithLayer … query:!X`) only after the others: the
            // cost counts its `!X` as one object, and picking it would wrap itself forever.
            .min_by_key(|d| (self.cost(d), wraps_a_call(d), d.params.len(), core(d)));
        match simplest {
            Some(def) => self.object(def, depth + 1),
            None => Err(SampleError("no definition to stand for an `Object`".into())),
        }
    }

    fn object(&mut self, def: &'s Definition<'s>, depth: u32) -> Result<Value> {
        if depth > 64 {
            return Err(SampleError(format!("`{}` nests too deep", def.name)));
        }
        let plan = self.reg.plan(def);
        if plan.repeated_keys {
            // One JSON key for two parameters holds one value for both: fine when they have
            // one type, impossible otherwise.
            let typed = |i: usize| match &def.params[i].kind {
                ParamKind::Typed { ty, .. } => {
                    let mut text = String::new();
                    tl_parser::write::write_type(ty, &mut text);
                    Some(text)
                }
                _ => None,
            };
            for (i, a) in plan.slots.iter().enumerate() {
                if let Some(j) = plan.slots[..i].iter().position(|b| b.key == a.key) {
                    if typed(i) != typed(j) {
                        return Err(SampleError(format!(
                            "`{}`: parameters of different types share the JSON key `{}`",
                            def.name, a.key
                        )));
                    }
                }
            }
        }
        let shallow = depth < self.options.max_depth && !self.options.minimal;
        let mut map = Map::new();
        map.insert(TYPE_KEY.into(), json!(self.reg.json_name(def)));
        // Whether each flags word's bits are set, decided once per bit (fields sharing a bit
        // go together), and each mode word's key, filled in once its bits are known.
        let mut set: HashMap<(usize, u32), bool> = HashMap::new();
        let mut mode_words: Vec<(usize, String, u32)> = Vec::new();
        let mut sized: Option<String> = None;
        for (param, slot) in def.params.iter().zip(&plan.slots) {
            let key = slot.key.to_string();
            match (slot.role, &param.kind) {
                (Role::FlagsWord { word, defined, repeat: false, mode: true }, _) => {
                    // The bits no field governs are the value's own.
                    let own = if self.random() { self.next() as u32 & !defined } else { 0 };
                    mode_words.push((word, key.clone(), own));
                    map.insert(key, json!(own));
                }
                (Role::FlagsWord { .. }, _) => {}
                (Role::Nat, _) => {
                    let v = if self.random() { self.next() as u32 } else { 0 };
                    map.insert(key, json!(v));
                }
                (Role::Typed { flag }, ParamKind::Typed { ty, .. }) => {
                    if let Some(flag) = flag {
                        let Some(word) = flag.word else { continue };
                        let decided = set.get(&(word, flag.mask)).copied();
                        let on = match decided {
                            Some(on) => on,
                            None => {
                                let on = shallow && (!self.random() || self.next() & 1 == 1);
                                set.insert((word, flag.mask), on);
                                on
                            }
                        };
                        if flag.is_true {
                            map.insert(key, json!(on));
                            continue;
                        }
                        if !on {
                            continue;
                        }
                    }
                    let v = match slot.nullable {
                        Nullable::No => self.value(ty, &def.generics, depth)?,
                        // Left out: null. Like an optional field, a skeleton shows the object
                        // near the top, `--minimal` never, a random value at times.
                        Nullable::Value if !shallow || (self.random() && self.next() % 4 == 0) => continue,
                        Nullable::Value => self.value(ty, &def.generics, depth)?,
                        Nullable::Elements => self.nullable_elements(ty, &def.generics, depth)?,
                    };
                    map.insert(key, v);
                }
                (Role::SizedLength, _) => {
                    map.insert(key.clone(), json!(0));
                    sized = Some(key);
                }
                (Role::SizedBody, _) => {
                    let body = self.any_object(false, depth)?;
                    let len = self
                        .reg
                        .encode(&body, None)
                        .map_err(|e| SampleError(format!("`{}`: {e}", def.name)))?
                        .len();
                    if let Some(len_key) = sized.take() {
                        map.insert(len_key, json!(len));
                    }
                    map.insert(key, body);
                }
                (Role::Repeat, _) | (Role::Typed { .. }, _) => {
                    return Err(SampleError(format!("`{}` repeats parameters (`[ … ]`)", def.name)));
                }
            }
        }
        for (word, key, own) in mode_words {
            let bits = set
                .iter()
                .filter(|((w, _), on)| *w == word && **on)
                .fold(0, |acc, ((_, mask), _)| acc | mask);
            map.insert(key, json!(own | bits));
        }
        Ok(Value::Object(map))
    }

    /// A vector whose elements may be null (td_api's "messages may be null").
    fn nullable_elements(
        &mut self,
        ty: &TypeRef<'_>,
        generics: &[GenericParam<'_>],
        depth: u32,
    ) -> Result<Value> {
        let Value::Array(items) = self.value(ty, generics, depth)? else {
            return Err(SampleError(format!("`{}` is not a vector", ty.name)));
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(if self.random() && self.next() % 3 == 0 { Value::Null } else { item });
        }
        Ok(Value::Array(out))
    }

    /// A string length: short, now and then across the 253/254 byte header boundary.
    fn len(&mut self) -> usize {
        match self.below(8) {
            0 => 250 + self.below(10) as usize,
            1 => 0,
            _ => self.below(20) as usize,
        }
    }

    fn text(&mut self) -> String {
        if !self.random() {
            return String::new();
        }
        let len = self.len();
        let mut s: String = (0..len).map(|_| char::from(b'a' + self.below(26) as u8)).collect();
        if self.below(4) == 0 {
            // What JSON escapes, and more than one byte a character.
            s.push_str("\"\\\n\t\u{1}é✓𝄞");
        }
        s
    }

    fn base64(&mut self, len: usize) -> String {
        let data: Vec<u8> = (0..len).map(|_| if self.random() { self.next() as u8 } else { 0 }).collect();
        super::base64_engine().encode(data)
    }
}

/// Works the cost of every definition out, to a fixed point (a constructor's cost can
/// only fall as those of the types it holds do).
fn all_costs<'s>(reg: &Registry<'s>) -> Costs {
    // Functions too: `!X` takes one, which must end as well.
    let mut costs: Costs = reg.definitions.iter().map(|d| (super::plan::address(d), UNKNOWN)).collect();
    loop {
        let mut changed = false;
        for def in &reg.definitions {
            let cost = cost_of(reg, def, &costs);
            let slot = costs.entry(super::plan::address(def)).or_insert(UNKNOWN);
            if cost < *slot {
                *slot = cost;
                changed = true;
            }
        }
        if !changed {
            return costs;
        }
    }
}

fn cost_of(reg: &Registry<'_>, def: &Definition<'_>, costs: &Costs) -> u32 {
    if def.id == GZIP_PACKED_ID {
        return UNKNOWN; // never a value of its own: decoding inflates it
    }
    let mut total: u32 = 1;
    for param in &def.params {
        let cost = match &param.kind {
            ParamKind::Typed { ty, flag: None } => type_cost(reg, ty, &def.generics, costs),
            ParamKind::Repeat { .. } => UNKNOWN,
            _ => 0,
        };
        total = total.saturating_add(cost);
    }
    total
}

fn type_cost(reg: &Registry<'_>, ty: &TypeRef<'_>, generics: &[GenericParam<'_>], costs: &Costs) -> u32 {
    let name = primitive_alias(ty.name.as_ref());
    match name {
        // A vector can be empty.
        _ if is_primitive(ty, name) || name == "Vector" || name == "vector" => 0,
        _ if any_object_at(reg, ty, generics) => 1,
        _ if ty.is_bare() => match reg.bare_constructor(ty, name).ok() {
            Some(def) => costs.get(&super::plan::address(def)).copied().unwrap_or(UNKNOWN),
            None => UNKNOWN,
        },
        _ => reg
            .constructors_of(name)
            .iter()
            .map(|d| costs.get(&super::plan::address(d)).copied().unwrap_or(UNKNOWN))
            .min()
            .unwrap_or(UNKNOWN),
    }
}

/// Whether `def` takes any function call (`query:!X`).
fn wraps_a_call(def: &Definition<'_>) -> bool {
    def.params.iter().any(|p| matches!(&p.kind, ParamKind::Typed { ty, .. } if ty.bang))
}

/// Whether a value of `ty` is any boxed object (`Object`, `!X`, a generic parameter).
fn any_object_at(reg: &Registry<'_>, ty: &TypeRef<'_>, generics: &[GenericParam<'_>]) -> bool {
    let name = ty.name.as_ref();
    crate::graph::is_any_object(name, || reg.defines(name))
        || ty.bang
        || generics.iter().any(|g| g.name == name)
}
