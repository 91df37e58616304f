use super::*;

fn defs(src: &str) -> Vec<Definition<'_>> {
    let p = parse_json(src);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    p.schema.definitions
}

#[test]
fn official_form_borrows_and_parses_types() {
    let src = r##"{"constructors":[{"id":"-1132882121","predicate":"boolFalse","params":[],"type":"Bool"},
        {"id":"481674261","predicate":"vector","params":[],"type":"Vector t"}],
        "methods":[{"id":"3667594509","method":"invokeWithLayer","params":[{"name":"layer","type":"int"},
        {"name":"query","type":"!X"}],"type":"X"},
        {"id":1,"method":"m.f","params":[{"name":"flags","type":"#"},{"name":"a","type":"flags.0?Vector<int>"},
        {"name":"b","type":"flags.1?true"}],"type":"Vector<User>"}]}"##;
    let d = defs(src);
    assert_eq!(d.len(), 4);
    assert_eq!(d[0].id, 0xbc799737);
    assert!(matches!(d[0].name, Cow::Borrowed(_)));
    assert_eq!(d[0].name_span.slice(src), "boolFalse");
    // `vector` gets its TL shape back.
    assert_eq!(crate::canonical_declaration(&d[1]), "vector t:Type # [ t ] = Vector t");
    assert_eq!(d[2].category, Category::Function);
    assert_eq!(d[2].id, 0xda9b0d0d);
    assert_eq!(d[2].generics.len(), 1, "`!X` implies {{X:Type}}");
    assert_eq!(crate::crc_id(&d[2]), 0xda9b0d0d);
    let ParamKind::Typed { ty, flag: Some(f) } = &d[3].params[1].kind else { panic!() };
    assert_eq!((f.field.as_ref(), f.bit, ty.name.as_ref()), ("flags", 0, "Vector"));
    assert_eq!(ty.span.slice(src), "Vector<int>");
    assert_eq!(d[3].params[0].kind, ParamKind::Nat);
}

#[test]
fn ids_signed_unsigned_strings_numbers() {
    for id in [r#""-1132882121""#, r#""3162085175""#, "-1132882121", "3162085175"] {
        let src = format!(
            r#"{{"constructors":[{{"id":{id},"predicate":"boolFalse","params":[],"type":"Bool"}}]}}"#
        );
        assert_eq!(defs(&src)[0].id, 0xbc799737, "{id}");
    }
    let p = parse_json(r#"{"constructors":[{"id":"99999999999","predicate":"a","params":[],"type":"A"}]}"#);
    assert!(p.has_errors());
    assert!(p.schema.definitions.is_empty());
    // The error points at the id as written; a number has no position, so the name stands in.
    for (id, at) in [(r#""zz""#, "zz"), (r#"" 99999999999""#, " 99999999999"), ("99999999999", "a")] {
        let src = format!(r#"{{"constructors":[{{"id":{id},"predicate":"a","params":[],"type":"A"}}]}}"#);
        let p = parse_json(&src);
        assert_eq!(p.diagnostics.len(), 1, "{id}");
        assert_eq!(p.diagnostics[0].span.slice(&src), at, "{id}");
    }
}

#[test]
fn extra_keys_are_ignored_or_used() {
    let src = r#"{"layer": 75, "x": [1,2], "constructors":[{"id":"1","predicate":"a","params":[],"type":"A",
        "extra":{"y":null}}], "methods": []}"#;
    let p = parse_json(src);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.schema.layer, Some(75));
}

#[test]
fn escapes_allocate_but_still_parse() {
    let src = r#"{"constructors":[{"id":"1","predicate":"a\u0062","params":[{"name":"x","type":"Vector\u003cint>"}],"type":"A"}]}"#;
    let d = defs(src);
    assert_eq!(d[0].name, "ab");
    let ParamKind::Typed { ty, .. } = &d[0].params[0].kind else { panic!() };
    assert_eq!(ty.args[0].name, "int");
}

#[test]
fn truncated_and_invalid_json_report_a_position() {
    let src = r#"{"constructors":[{"id":"1","predicate":"a","#;
    let p = parse_json(src);
    assert_eq!(p.diagnostics.len(), 1);
    assert!(p.diagnostics[0].message.starts_with("truncated JSON schema"), "{}", p.diagnostics[0].message);
    assert_eq!(p.diagnostics[0].span.start as usize, src.len());
    let p = parse_json("{\n  \"constructors\": [}\n");
    assert!(p.diagnostics[0].message.starts_with("invalid JSON"));
    assert_eq!(
        crate::render::line_col("{\n  \"constructors\": [}\n", p.diagnostics[0].span.start as usize),
        (2, 20)
    );
    let p = parse_json(r#"{"constructors": [{"id": "1"}]}"#);
    assert!(p.diagnostics[0].message.starts_with("JSON is not a TL schema"));
}

#[test]
fn bad_type_strings_are_diagnostics() {
    let src = r#"{"constructors":[{"id":"1","predicate":"a","params":[{"name":"x","type":"Vector<int"}],"type":"A"},
        {"id":"2","predicate":"b","params":[],"type":"B"}]}"#;
    let p = parse_json(src);
    assert_eq!(p.diagnostics.len(), 1);
    assert_eq!(p.schema.definitions.len(), 1);
    let p = parse_json(r#"{"constructors":[{"id":"1","predicate":"a b","params":[],"type":"A"}]}"#);
    assert!(p.has_errors());
    let p = parse_json(r#"{"methods":[{"id":"1","predicate":"a","params":[],"type":"A"}]}"#);
    assert!(p.has_errors());
}

#[test]
fn bom_and_non_json() {
    assert!(parse_json("\u{feff}{\"constructors\":[]}").diagnostics.is_empty());
    assert!(parse_json("").has_errors());
    assert!(parse_json("[1,2]").has_errors());
    assert!(parse_json("\u{0}\u{1}binary").has_errors());
    // Any other JSON object is no schema, not an empty one.
    for src in [r#"{"name":"my-package","version":"1.0.0"}"#, "{}", "\u{feff} {}"] {
        let p = parse_json(src);
        assert_eq!(p.diagnostics.len(), 1, "{src}");
        assert!(p.diagnostics[0].message.starts_with("not a TL JSON schema"), "{:?}", p.diagnostics);
        assert_eq!(p.diagnostics[0].span.slice(src), "{");
    }
    assert!(parse_json(r#"{"methods": []}"#).diagnostics.is_empty());
}

#[test]
fn type_variables_are_inferred_only_where_tl_can_declare_them() {
    let src = r#"{"constructors":[{"id":"1","predicate":"a","params":[{"name":"q","type":"!ns.X"}],"type":"ns.X"},
        {"id":"2","predicate":"b","params":[],"type":"Pair a ns.b"},
        {"id":"3","predicate":"c","params":[],"type":"Vector<int>"}]}"#;
    let d = defs(src);
    assert!(d[0].generics.is_empty());
    let names: Vec<&str> = d[1].generics.iter().map(|g| g.name.as_ref()).collect();
    assert_eq!(names, ["a"]);
    assert!(d[2].generics.is_empty());
    let tl = crate::to_tl(&parse_json(src).schema);
    assert!(!crate::parse_tl(&tl).has_errors(), "{tl}");
}

#[test]
fn errors_after_a_bom_point_at_a_char_boundary() {
    // Found by fuzzing: with a BOM, a line-1 error column past multi-byte characters used to be
    // shifted by the BOM's length after rounding to a boundary, landing inside a character.
    for src in [
        "\u{feff}[[[\"((ʺȺ\u{1}v'bv'bvF\r\n\r2222\u{fffd})\u{fffd}\u{fffd}0",
        "\u{feff}{\"a\": ʺȺ}",
        "\u{feff}ʺ",
    ] {
        let parsed = crate::parse_json(src);
        let d = parsed.diagnostics.first().expect("an error");
        assert!(src.is_char_boundary(d.span.start as usize) && src.is_char_boundary(d.span.end as usize));
        let _ = crate::render::render(d, "bom.json", src, false);
    }
    // The offset still counts the BOM: the error sits where it is in the text.
    let src = "\u{feff}{\"constructors\": x}";
    let d = &crate::parse_json(src).diagnostics[0];
    assert_eq!(&src[d.span.start as usize..d.span.end as usize], "x");
}

/// Docs that TL doc comments could not carry back are refused, so that TL→JSON→TL→JSON stays
/// lossless; what they can carry round-trips (a fuzzer found a type doc tag `\u{fffd}description`,
/// which a `//@class` line reads as text, not as a tag).
#[test]
fn docs_that_tl_comments_cannot_carry_are_refused() {
    let with_type_doc = |tags: &str| {
        format!(
            r#"{{"constructors":[{{"id":"1","predicate":"a","params":[],"type":"A"}}],"methods":[],
            "type_docs":[{{"name":"A","doc":{tags}}}]}}"#
        )
    };
    for (tags, want) in [
        (r#"[["\ufffddescription","x"]]"#, "does not start with a letter or `_`"),
        (r#"[["","x"]]"#, "does not start with a letter or `_`"),
        (r#"[["two words","x"]]"#, "contains a blank or a line break"),
        (r#"[["des\ription","x"]]"#, "contains a blank or a line break"),
        (r#"[["description","see @other"],["b","y"]]"#, "starts a new tag"),
    ] {
        let src = with_type_doc(tags);
        let p = parse_json(&src);
        assert!(p.diagnostics.iter().any(|d| d.message.contains(want)), "{tags}: {:?}", p.diagnostics);
    }
    let src = with_type_doc(r#"[["description","Any mention, \u00e9"],["_x\fy","a"],["last","see @other"]]"#);
    let p = parse_json(&src);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let json = crate::to_json(&p.schema);
    let tl = crate::to_tl(&parse_json(&json).schema);
    let back = crate::parse_tl(&tl);
    assert!(back.diagnostics.is_empty(), "{:?}", back.diagnostics);
    assert_eq!(crate::to_json(&back.schema), json);
}
