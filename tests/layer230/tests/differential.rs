//! Differential test: for every constructor and function of the embedded layer, a value built
//! by a seeded generator is encoded by the dynamic codec, decoded and re-encoded by the
//! generated code (same bytes), and decoded by the dynamic codec back to the same JSON.

use serde_json::{json, Map, Value};
use tl_codegen::dynamic::Registry;

#[path = "../../support/dynamic_check.rs"]
mod support;
use support::{base64, text_agrees, Rng};
use tl_parser::{Definition, ParamKind, Schema, TypeRef};

const API: &str = include_str!("../../../schemas/api.tl");
const MTPROTO: &str = include_str!("../../../schemas/mtproto.tl");

struct Gen<'r, 's> {
    reg: &'r Registry<'s>,
    rng: Rng,
}

impl Gen<'_, '_> {
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.rng.next() as u8).collect()
    }

    fn len(&mut self) -> usize {
        // Mostly short, sometimes across the 253/254 header boundary.
        match self.rng.below(8) {
            0 => 250 + self.rng.below(10) as usize,
            1 => 0,
            _ => self.rng.below(20) as usize,
        }
    }

    fn value(&mut self, ty: &TypeRef<'_>, def: &Definition<'_>, depth: u32) -> Value {
        let name = ty.name.as_ref();
        match name {
            "#" => json!(self.rng.next() as u32),
            "int" => json!(self.rng.next() as i32),
            "long" => json!((self.rng.next() as i64).to_string()),
            "double" => json!((self.rng.next() % 1_000_000) as f64 / 8.0 - 1000.0),
            "string" => {
                let n = self.len();
                let s: String = (0..n).map(|_| (b'a' + self.rng.below(26) as u8) as char).collect();
                json!(if self.rng.below(4) == 0 { format!("{s}é✓") } else { s })
            }
            "bytes" => {
                let n = self.len();
                json!(base64(&self.bytes(n)))
            }
            "int128" => json!(base64(&self.bytes(16))),
            "int256" => json!(base64(&self.bytes(32))),
            "Bool" => json!(self.rng.coin()),
            "true" => json!(true),
            "Vector" | "vector" => {
                let n = if depth > 3 { 0 } else { self.rng.below(3) };
                let elem = &ty.args[0];
                Value::Array((0..n).map(|_| self.value(elem, def, depth + 1)).collect())
            }
            _ if ty.bang || def.generics.iter().any(|g| g.name == name) => {
                json!({"@type": "ping", "ping_id": (self.rng.next() as i64).to_string()})
            }
            _ if ty.is_bare() => {
                let c = match self.reg.constructors_of(name) {
                    [only] if ty.percent => *only,
                    _ => self.reg.constructor(name).expect("bare constructor"),
                };
                self.object(c, depth + 1)
            }
            _ => {
                let ctors = self.reg.constructors_of(name);
                assert!(!ctors.is_empty(), "no constructors for {name}");
                // Deep down, prefer constructors without nested objects so values stay finite.
                let c = if depth > 4 {
                    *ctors.iter().min_by_key(|c| nested_params(c)).expect("constructor")
                } else {
                    ctors[self.rng.below(ctors.len() as u64) as usize]
                };
                self.object(c, depth + 1)
            }
        }
    }

    fn object(&mut self, def: &Definition<'_>, depth: u32) -> Value {
        assert!(depth < 40, "value generation does not terminate at {}", def.name);
        let mut map = Map::new();
        map.insert("@type".into(), json!(def.name));
        let flag_fields: Vec<&str> = def
            .params
            .iter()
            .filter_map(|p| match &p.kind {
                ParamKind::Typed { flag: Some(f), .. } => Some(f.field.as_ref()),
                _ => None,
            })
            .collect();
        // Flags bits shared by several params must agree: decide per bit.
        let mut bits: Vec<(String, u32, bool)> = Vec::new();
        for p in &def.params {
            let key = p.name.as_deref().unwrap_or("_").to_string();
            match &p.kind {
                ParamKind::Nat if flag_fields.contains(&key.as_str()) => {}
                ParamKind::Nat => {
                    map.insert(key, json!(self.rng.next() as u32));
                }
                ParamKind::Typed { ty, flag } => {
                    if let Some(f) = flag {
                        let set = match bits.iter().find(|(n, b, _)| *n == f.field && *b == f.bit) {
                            Some((_, _, s)) => *s,
                            None => {
                                let s = depth < 4 && self.rng.coin();
                                bits.push((f.field.to_string(), f.bit, s));
                                s
                            }
                        };
                        if ty.is_true() {
                            map.insert(key, json!(set));
                            continue;
                        }
                        if !set {
                            continue;
                        }
                    }
                    let v = self.value(ty, def, depth);
                    map.insert(key, v);
                }
                ParamKind::Repeat { .. } => panic!("repetition in {}", def.name),
            }
        }
        Value::Object(map)
    }
}

/// How many params of `def` hold other objects (a rough cost, to end recursion).
fn nested_params(def: &Definition<'_>) -> usize {
    def.params
        .iter()
        .filter(|p| match &p.kind {
            ParamKind::Typed { ty, flag: None } => !ty.is_bare() || ty.name == "Vector",
            _ => false,
        })
        .count()
}

fn schemas() -> Vec<Schema<'static>> {
    [API, MTPROTO]
        .iter()
        .map(|t| {
            let p = tl_parser::parse(t);
            assert!(!p.has_errors(), "{:?}", p.diagnostics.first());
            p.schema
        })
        .collect()
}

#[test]
fn generated_and_dynamic_codecs_agree_on_every_definition() {
    let schemas = schemas();
    let reg = Registry::new(&schemas);
    let mut checked = 0;
    let mut serde_checked = 0;
    let mut seen = std::collections::HashSet::new();
    for schema in &schemas {
        for def in &schema.definitions {
            let function = def.category == tl_parser::Category::Function;
            if reg.constructor_by_id(def.id).is_none() && reg.function_by_id(def.id).is_none() {
                continue; // builtins (`int ? = Int`, `vector`)
            }
            if !seen.insert((function, def.id)) {
                continue;
            }
            for seed in 0..4u64 {
                let mut gen =
                    Gen { reg: &reg, rng: Rng(0x9e37_79b9_7f4a_7c15 ^ (u64::from(def.id) << 8 | seed)) };
                let value = gen.object(def, 0);
                // Constructors go through their boxed type (`Bool` has no object form).
                let ty = if function || def.ty.name == "Bool" { None } else { Some(def.ty.name.as_ref()) };
                let bytes = reg
                    .encode(&value, ty)
                    .unwrap_or_else(|e| panic!("{}: dynamic encode: {e}\n{value}", def.name));
                let again = tl_layer230::dispatch::roundtrip(def.id, function, &bytes)
                    .unwrap_or_else(|| panic!("{}: no generated type", def.name))
                    .unwrap_or_else(|e| panic!("{}: generated decode: {e}\n{value}", def.name));
                assert_eq!(again, bytes, "{}: generated re-encoding differs\n{value}", def.name);
                let back = if function { reg.decode(&again, None) } else { reg.decode(&again, ty) };
                let back = back.unwrap_or_else(|e| panic!("{}: dynamic decode: {e}", def.name));
                assert_eq!(back, value, "{}: dynamic decode differs", def.name);
                text_agrees(&reg, &again, if function { None } else { ty }, &back, &def.name);
                if let Some(result) = tl_layer230::serde_dispatch::check(def.id, function, &bytes, &back) {
                    result.unwrap_or_else(|e| panic!("{}: generated serde: {e}", def.name));
                    serde_checked += 1;
                }
                if let Some(result) =
                    tl_layer230::serde_dispatch::check_borrowed(def.id, function, &bytes, &back)
                {
                    result.unwrap_or_else(|e| panic!("{}: generated borrowed serde: {e}", def.name));
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 1500, "only {checked} definitions checked");
    assert!(serde_checked > 300, "only {serde_checked} serde checks");
    eprintln!("{checked} definitions checked, {serde_checked} values through generated serde");
}

#[test]
fn layer_constant() {
    assert_eq!(tl_layer230::api::LAYER, 230);
}
