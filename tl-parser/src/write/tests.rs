use super::*;
use crate::{parse_json, parse_tl};

fn same(a: &Schema<'_>, b: &Schema<'_>) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    a.clear_spans();
    b.clear_spans();
    a == b
}

const SRC: &str = "// LAYER 5\nint ? = Int;\nvector#1cb5c415 {t:Type} # [ t ] = Vector t;\n\
    int128 4*[ int ] = Int128;\n\
    a#1 flags:# b:flags.0?true c:flags.1?Vector<Vector<%B>> d:!X = A;\n---functions---\n\
    f#00000abc {X:Type} query:!X = X;\n---types---\n// LAYER 6\nb#2 x:bytes = B;\n";

#[test]
fn tl_is_canonical_and_round_trips() {
    let p = parse_tl(SRC);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let out = to_tl(&p.schema);
    assert_eq!(
        out,
        "// LAYER 5\nint ? = Int;\nvector#1cb5c415 {t:Type} # [ t ] = Vector t;\nint128 4*[ int ] = Int128;\n\
         a#00000001 flags:# b:flags.0?true c:flags.1?Vector<Vector<%B>> d:!X = A;\n\n---functions---\n\n\
         f#00000abc {X:Type} query:!X = X;\n\n---types---\n\n// LAYER 6\nb#00000002 x:bytes = B;\n"
    );
    assert!(same(&parse_tl(&out).schema, &p.schema));
}

#[test]
fn docs_survive_tl() {
    let src = "//@class T @description A type\n//@description Ctor @x The x\nt x:int32 = T;\n\
               //@description F\nf = T;\n//@class Orphan @description No constructor\n";
    let p = parse_tl(src);
    let out = to_tl(&p.schema);
    let again = parse_tl(&out);
    assert!(again.diagnostics.is_empty());
    assert!(same(&again.schema, &p.schema), "{out}");
}

#[test]
fn layer_sections_without_layer_use_equals_markers() {
    let p = parse_tl("===8===\na = A;\n===17===\nb = B;\n");
    let out = to_tl(&p.schema);
    assert!(out.contains("===17===\n"));
    assert!(same(&parse_tl(&out).schema, &p.schema));
}

#[test]
fn json_is_official_and_lossless() {
    let p = parse_tl(SRC);
    let json1 = to_json(&p.schema);
    let v: serde_json::Value = serde_json::from_str(&json1).unwrap();
    assert_eq!(v["constructors"][1]["predicate"], "vector");
    assert_eq!(v["constructors"][1]["params"], serde_json::json!([]));
    assert_eq!(v["constructors"][1]["type"], "Vector t");
    assert_eq!(v["constructors"][1]["id"], "481674261");
    assert_eq!(v["constructors"][3]["params"][2]["type"], "flags.1?Vector<Vector<%B>>");
    assert_eq!(v["methods"][0]["method"], "f");
    assert_eq!(v["layer"], 6);
    assert_eq!(to_json_value(&p.schema), v);
    let back = parse_json(&json1);
    assert!(back.diagnostics.is_empty(), "{:?}", back.diagnostics);
    let tl2 = to_tl(&back.schema);
    let json2 = to_json(&parse_tl(&tl2).schema);
    assert_eq!(json1, json2);
}

#[test]
fn json_keeps_docs_and_escapes() {
    let src = "//@class T @description \"quoted\" \\ back\n//@description Ctor\nt#1 = T;\n";
    let p = parse_tl(src);
    let json = to_json(&p.schema);
    let back = parse_json(&json);
    assert!(back.diagnostics.is_empty(), "{:?}", back.diagnostics);
    assert!(same(&back.schema, &p.schema), "{json}");
}

#[test]
fn empty_schema() {
    let s = Schema::default();
    assert_eq!(to_tl(&s), "");
    assert_eq!(to_json(&s), "{\n  \"constructors\": [],\n  \"methods\": []\n}\n");
    assert!(parse_json(&to_json(&s)).diagnostics.is_empty());
}

#[test]
fn doc_text_with_at_words_uses_continuations() {
    let src = "//@description Mention @username here\n//-@also this\nt = T;\n";
    let p = parse_tl(src);
    assert_eq!(p.schema.definitions[0].doc.tags.len(), 2);
    let mut s = p.schema.clone();
    s.definitions[0].doc.tags[1].1 = "x @y z".into();
    let out = to_tl(&s);
    assert_eq!(p.schema.definitions[0].doc.get("username"), Some("here @also this"));
    assert!(out.contains("//@description Mention\n//@username x\n//-@y z\n"), "{out}");
    assert!(same(&parse_tl(&out).schema, &s), "{out}");
}

#[test]
fn many_type_docs_stay_linear() {
    let src: String = (0..20_000).map(|i| format!("//@class T{i} @description d\nt{i} = T{i};\n")).collect();
    let p = parse_tl(&src);
    assert_eq!(p.schema.type_docs.len(), 20_000);
    let out = to_tl(&p.schema);
    assert!(same(&parse_tl(&out).schema, &p.schema));
}

#[test]
fn hand_built_nesting_past_the_bound_is_cut_not_overflowed() {
    let mut ty = TypeRef::simple("int");
    for _ in 0..10_000 {
        ty = TypeRef { args: vec![ty], ..TypeRef::simple("Vector") };
    }
    let mut out = String::new();
    super::write_type(&ty, &mut out);
    assert!(out.contains('…'));
    assert_eq!(out.matches('<').count(), super::MAX_WRITE_DEPTH + 1);
    // Dropping a 10 000-deep tree recurses too; unwind it by hand.
    while let Some(inner) = ty.args.pop() {
        ty = inner;
    }
    // Within the bound, nothing is cut.
    let mut shallow = TypeRef::simple("int");
    for _ in 0..32 {
        shallow = TypeRef { args: vec![shallow], ..TypeRef::simple("Vector") };
    }
    let mut out = String::new();
    super::write_type(&shallow, &mut out);
    assert!(!out.contains('…'));
    assert_eq!(out.matches('<').count(), 32);
}

/// Two doc texts the writer spelled so that they read back otherwise (found by the parse_json
/// fuzz target): one starting with `@word` (on the tag's line, it read as a second tag) and
/// one holding a lone `\r` (which ends a line for the reader).
#[test]
fn doc_texts_starting_with_a_tag_or_holding_a_cr_round_trip() {
    let p = parse_tl("//@description\n//-@x and more\na#1 = A;\n");
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.schema.definitions[0].doc.tags, [("description".into(), "@x and more".into())]);
    let out = to_tl(&p.schema);
    assert_eq!(out, "\n//@description\n//-@x and more\na#00000001 = A;\n");
    assert!(same(&parse_tl(&out).schema, &p.schema));

    let json = r#"{"constructors":[{"id":"1","predicate":"a","params":[],"type":"A",
        "doc":[["c","@s"],["d","one\rtwo"]]}],"methods":[],
        "type_docs":[{"name":"A","doc":[["description","x\ry"],["e","@t"]]}]}"#;
    let p = parse_json(json);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let json1 = to_json(&p.schema);
    let tl = to_tl(&parse_json(&json1).schema);
    let back = parse_tl(&tl);
    assert!(back.diagnostics.is_empty(), "{:?}\n{tl}", back.diagnostics);
    assert_eq!(to_json(&back.schema), json1, "{tl}");
}
