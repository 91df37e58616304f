//! Differential test over TDLib's `td_api.tl`: for every constructor and function, values built
//! by a seeded generator as the dynamic codec's JSON (tdjson's conventions, null objects at the
//! positions documented "may be null" or "pass null") are encoded by the dynamic codec, and the
//! generated owned serde bindings must agree with it on the bytes and on the JSON, both ways
//! (`tl_td_api::check_as`).

use serde_json::{json, Map, Value};
use tl_codegen::dynamic::Registry;

#[path = "../../support/dynamic_check.rs"]
mod support;
use support::{base64, text_agrees, Rng};
use tl_codegen::tdjson::{nullable, Nullable, NULL_ID};
use tl_parser::{Category, Definition, ParamKind, TypeRef};

/// Definitions with no generated type of their own: td_api's primitives, `Bool`'s constructors
/// (`bool` in Rust) and `vector`.
const BUILTINS: [&str; 9] =
    ["double", "string", "int32", "int53", "int64", "bytes", "boolFalse", "boolTrue", "vector"];

/// Values generated per definition, each from its own seed.
const SEEDS: u64 = 4;

/// Below this depth vectors are empty and nullable objects null, and deeper still each boxed
/// type takes its constructor with the fewest nested objects, so that every value is finite.
const SHALLOW: u32 = 3;

/// Builds random JSON values of td_api types as the dynamic codec writes them, and notes
/// whether it put a null object anywhere.
struct Gen<'r, 's> {
    reg: &'r Registry<'s>,
    rng: Rng,
    /// A null object (left-out field or `null` vector element) is somewhere in the value.
    has_null: bool,
}

/// How many params of `def` hold objects or vectors (a rough cost, to end recursion).
fn nested_params(def: &Definition<'_>) -> usize {
    def.params
        .iter()
        .filter(|p| match &p.kind {
            ParamKind::Typed { ty, .. } => !matches!(
                ty.name.as_ref(),
                "int32" | "int53" | "int64" | "double" | "string" | "bytes" | "Bool"
            ),
            _ => false,
        })
        .count()
}

impl<'r, 's> Gen<'r, 's> {
    fn new(reg: &'r Registry<'s>, seed: u64) -> Self {
        Gen { reg, rng: Rng(seed), has_null: false }
    }

    /// A length: mostly short, sometimes across the 253/254 boundary of TL's length prefix.
    fn len(&mut self) -> usize {
        match self.rng.below(8) {
            0 => 250 + self.rng.below(10) as usize,
            1 => 0,
            _ => self.rng.below(20) as usize,
        }
    }

    fn string(&mut self) -> Value {
        let n = self.len();
        let s: String = (0..n).map(|_| (b'a' + self.rng.below(26) as u8) as char).collect();
        json!(if self.rng.below(4) == 0 { format!("{s}é✓") } else { s })
    }

    fn bytes(&mut self) -> Value {
        let n = self.len();
        let data: Vec<u8> = (0..n).map(|_| self.rng.next() as u8).collect();
        json!(base64(&data))
    }

    /// A value of type `ty` found `depth` objects deep. `null_elements`: `ty` is a vector whose
    /// elements may be null ([`Nullable::Elements`]).
    fn value(&mut self, ty: &TypeRef<'_>, depth: u32, null_elements: bool) -> Value {
        let name = ty.name.as_ref();
        match name {
            "int32" => json!(self.rng.next() as i32),
            // A JSON number: ±2^52, as a double holds it exactly.
            "int53" => json!((self.rng.next() as i64) >> 11),
            "int64" => json!((self.rng.next() as i64).to_string()),
            // Exact in binary, so the JSON text reads back as the same bits.
            "double" => json!((self.rng.next() % 1_000_000) as f64 / 8.0 - 1000.0),
            "string" => self.string(),
            "bytes" => self.bytes(),
            "Bool" => json!(self.rng.coin()),
            "vector" | "Vector" => self.vector(&ty.args[0], depth, null_elements),
            _ if ty.is_bare() => {
                let def = self.reg.constructor(name).unwrap_or_else(|| panic!("no constructor {name}"));
                self.object(def, depth + 1)
            }
            _ => {
                let ctors = self.reg.constructors_of(name);
                assert!(!ctors.is_empty(), "no constructors for {name}");
                let def = if depth > SHALLOW + 1 {
                    *ctors.iter().min_by_key(|c| nested_params(c)).expect("a constructor")
                } else {
                    ctors[self.rng.below(ctors.len() as u64) as usize]
                };
                self.object(def, depth + 1)
            }
        }
    }

    /// Up to two elements of `elem` (none deep down); each `null` half the time when
    /// `null_elements`.
    fn vector(&mut self, elem: &TypeRef<'_>, depth: u32, null_elements: bool) -> Value {
        let n = if depth > SHALLOW { 0 } else { self.rng.below(3) };
        let elements = (0..n).map(|_| {
            if null_elements && self.rng.coin() {
                self.has_null = true;
                Value::Null
            } else {
                self.value(elem, depth + 1, false)
            }
        });
        Value::Array(elements.collect())
    }

    /// An object of constructor (or function) `def`, `"@type"` first and fields in wire order,
    /// as the dynamic codec decodes it. A field that may be null is left out half the time (and
    /// always deep down): tdjson's JSON for a null object.
    fn object(&mut self, def: &Definition<'_>, depth: u32) -> Value {
        assert!(depth < 60, "value generation does not end at {}", def.name);
        let mut map = Map::new();
        map.insert("@type".into(), json!(self.reg.json_name(def)));
        for (i, p) in def.params.iter().enumerate() {
            let ParamKind::Typed { ty, flag: None } = &p.kind else {
                panic!("{}: td_api has no flags, `#` or repetitions", def.name)
            };
            let key = p.name.as_deref().expect("a named parameter");
            let kind = nullable(def, i);
            if kind == Nullable::Value && (depth > SHALLOW || self.rng.coin()) {
                self.has_null = true;
                continue;
            }
            let v = self.value(ty, depth, kind == Nullable::Elements);
            map.insert(key.into(), v);
        }
        Value::Object(map)
    }
}

/// The seed of value number `seed` of the definition with id `id`.
fn seed(id: u32, seed: u64) -> u64 {
    0x9e37_79b9_7f4a_7c15 ^ (u64::from(id) << 8 | seed)
}

/// Whether `bytes` hold the id of `null#56730bcc` at any offset.
fn has_null_id(bytes: &[u8]) -> bool {
    bytes.windows(4).any(|w| w == NULL_ID.to_le_bytes())
}

/// Encodes `value` of `def` with the dynamic codec, checks that it decodes back to `value`, and
/// checks the bytes and the JSON against the generated type of `def`. Returns the bytes.
fn check_value(reg: &Registry<'_>, def: &Definition<'_>, value: &Value) -> Vec<u8> {
    let function = def.category == Category::Function;
    // A constructor is encoded as its boxed type, so its bytes start with its id, as the
    // generated struct's do.
    let ty = if function { None } else { Some(def.ty.name.as_ref()) };
    let bytes =
        reg.encode(value, ty).unwrap_or_else(|e| panic!("{}: dynamic encode: {e}\n{value}", def.name));
    let back = reg.decode(&bytes, ty).unwrap_or_else(|e| panic!("{}: dynamic decode: {e}", def.name));
    assert_eq!(&back, value, "{}: the dynamic codec does not read back its own bytes", def.name);
    text_agrees(reg, &bytes, ty, &back, &def.name);
    tl_td_api::dispatch::check(def.id, function, &bytes, &back)
        .unwrap_or_else(|| panic!("{}: no generated type", def.name))
        .unwrap_or_else(|e| panic!("{}: generated bindings disagree: {e}\n{value}", def.name));
    bytes
}

#[test]
fn generated_and_dynamic_codecs_agree_on_every_definition() {
    let text = std::fs::read_to_string(tl_td_api::SCHEMA_PATH)
        .unwrap_or_else(|e| panic!("{}: {e}", tl_td_api::SCHEMA_PATH));
    let parsed = tl_parser::parse(&text);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics.first());
    let schemas = [parsed.schema];
    let reg = Registry::new(&schemas);
    let (mut checked, mut with_null) = (0, 0);
    for def in &schemas[0].definitions {
        if BUILTINS.contains(&def.name.as_ref()) {
            continue;
        }
        for n in 0..SEEDS {
            let mut gen = Gen::new(&reg, seed(def.id, n));
            let value = gen.object(def, 0);
            let bytes = check_value(&reg, def, &value);
            if gen.has_null {
                // A vector's null element is a JSON `null`; a null field is left out.
                assert!(has_null_id(&bytes), "{}: a null object but no null id\n{value}", def.name);
                with_null += 1;
            }
        }
        checked += 1;
    }
    eprintln!("{checked} definitions checked, {with_null} values with a null object");
    assert!(checked > 3000, "only {checked} definitions checked");
    assert!(with_null > 1000, "only {with_null} values with a null object");
}
