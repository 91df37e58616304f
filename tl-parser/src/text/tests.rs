use super::*;
use crate::{parse_definition, parse_tl};

fn one(src: &str) -> Definition<'_> {
    let p = parse_tl(src);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.schema.definitions.len(), 1, "{src}");
    p.schema.definitions.into_iter().next().unwrap()
}

fn ty(p: &Param<'_>) -> String {
    match &p.kind {
        ParamKind::Typed { ty, flag } => {
            let f = flag.as_ref().map(|f| format!("{}.{}?", f.field, f.bit)).unwrap_or_default();
            format!("{f}{}", show(ty))
        }
        ParamKind::Nat => "#".into(),
        ParamKind::Repeat { count, params } => {
            format!("{:?}*[{}]", count, params.iter().map(ty).collect::<Vec<_>>().join(" "))
        }
    }
}

fn show(t: &TypeRef<'_>) -> String {
    let mut s = String::new();
    if t.percent {
        s.push('%');
    }
    if t.bang {
        s.push('!');
    }
    s.push_str(&t.name);
    if !t.args.is_empty() {
        s.push('<');
        s.push_str(&t.args.iter().map(show).collect::<Vec<_>>().join(","));
        s.push('>');
    }
    s
}

#[test]
fn plain_constructor_borrows_and_has_spans() {
    let src = "user#d3bc4b7a id:long first_name:string = User;";
    let d = one(src);
    assert_eq!(d.name, "user");
    assert!(matches!(d.name, Cow::Borrowed(_)));
    assert_eq!(d.explicit_id, Some(0xd3bc4b7a));
    assert_eq!(d.id, 0xd3bc4b7a);
    assert_eq!(d.params.len(), 2);
    assert_eq!(d.params[1].span.slice(src), "first_name:string");
    assert_eq!(d.name_span.slice(src), "user#d3bc4b7a");
    assert_eq!(d.span.slice(src), src);
    assert_eq!(d.ty.span.slice(src), "User");
    assert_eq!(d.category, Category::Type);
}

#[test]
fn generics_and_bang() {
    let d = one("invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;");
    assert_eq!(d.generics.len(), 1);
    assert_eq!((d.generics[0].name.as_ref(), d.generics[0].kind.as_ref()), ("X", "Type"));
    assert_eq!(ty(&d.params[1]), "!X");
    // Without the `{X:Type}` (old layers).
    let d = one("invokeAfterMsg#cb9f372d msg_id:long query:!X = X;");
    assert!(d.generics.is_empty());
    assert_eq!(ty(&d.params[1]), "!X");
}

#[test]
fn vector_constructor() {
    let d = one("vector#1cb5c415 {t:Type} # [ t ] = Vector t;");
    assert_eq!(d.params.len(), 2);
    assert_eq!(d.params[0].kind, ParamKind::Nat);
    assert_eq!(ty(&d.params[1]), "None*[t]");
    assert_eq!(show(&d.ty), "Vector<t>");
    let d = one("vector {t:Type} # [ t ] = Vector t;");
    assert_eq!(d.id, 0x1cb5c415);
}

#[test]
fn parenthesized_types_are_the_angle_forms() {
    // TL's `( expr )`, as TON's schemas write vectors: the same model as `vector<int>`.
    let src =
        "a#1 x:(vector int) y:( Vector  (vector %Message) ) z:(%Foo) w:flags.0?(vector long) flags:# = A;";
    let d = one(src);
    let got: Vec<String> = d.params.iter().map(ty).collect();
    assert_eq!(got, ["vector<int>", "Vector<vector<%Message>>", "%Foo", "flags.0?vector<long>", "#"]);
    // The span of a parenthesized type takes in its parentheses.
    let ParamKind::Typed { ty: y, .. } = &d.params[1].kind else { panic!("typed") };
    assert_eq!(&src[y.span.start as usize..y.span.end as usize], "( Vector  (vector %Message) )");
    // The id is hashed without them, as TL does: TON's liteServer.getConfigParams is 0x2a111c19.
    let p = parse_tl(
        "---functions---\nliteServer.getConfigParams mode:# id:tonNode.blockIdExt param_list:(vector int) = \
         liteServer.ConfigInfo;",
    );
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.schema.definitions[0].id, 0x2a11_1c19);
}

#[test]
fn missing_ids_are_hashed_by_tl_rules_and_written_ones_may_follow_either() {
    let src = "liteServer.sendMessage body:bytes = liteServer.SendMsgStatus;\nb#12345678 body:bytes = B;";
    let p = crate::check(src);
    assert_eq!(p.schema.definitions[0].id, 0x690a_d482);
    let codes: Vec<(&str, &str)> = p.diagnostics.iter().map(|d| (d.code, d.span.slice(src))).collect();
    assert_eq!(codes, [("id-mismatch", "b#12345678")], "{:?}", p.diagnostics);
    let label = p.diagnostics[0].label.as_deref().unwrap_or("");
    assert_eq!(label, "expected #2cc5b19c (Telegram's rules) or #f174be84 (TL's)");
    // A written id by Telegram's rules (`true` flag left out) or by TL's: both accepted.
    let m = crate::parse_definition("m flags:# out:flags.1?true = M").unwrap();
    for id in [crate::crc_id_literal(&m), crate::crc_id(&m)] {
        let src = format!("m#{id:08x} flags:# out:flags.1?true = M;");
        assert!(crate::check(&src).diagnostics.is_empty(), "{src}");
    }
}

#[test]
fn broken_parenthesized_types_are_errors() {
    for (src, message) in [
        ("a x:(vector int = A;", "expected `)` to close `(`, found `=`"),
        ("a x:(Vector<int> long) = A;", "`Vector<…>` already has its arguments"),
        ("a x:() = A;", "expected a type name, found `)`"),
        ("a x:(vector int", "expected `)` to close `(`"),
    ] {
        let p = parse_tl(src);
        assert!(p.diagnostics.iter().any(|d| d.message.starts_with(message)), "{src}: {:?}", p.diagnostics);
    }
    // Deep nesting is refused, not a stack overflow.
    let deep = format!("a x:{}int{} = A;", "(vector ".repeat(5000), ")".repeat(5000));
    assert!(parse_tl(&deep).has_errors());
}

#[test]
fn nested_vectors_bare_types_percent() {
    let d = one("a#1 x:Vector<Vector<int>> y:vector<%Message> z:%Foo w:message = A;");
    let got: Vec<String> = d.params.iter().map(ty).collect();
    assert_eq!(got, ["Vector<Vector<int>>", "vector<%Message>", "%Foo", "message"]);
    assert!(matches!(&d.params[2].kind, ParamKind::Typed { ty, .. } if ty.is_bare()));
}

#[test]
fn flags() {
    let d = one(
        "a#1 flags:# b:flags.0?true c:flags.31?Vector<int> flags2:# d:flags2.3?string e:flags.1?ns.T = A;",
    );
    let got: Vec<String> = d.params.iter().map(ty).collect();
    assert_eq!(got, ["#", "flags.0?true", "flags.31?Vector<int>", "#", "flags2.3?string", "flags.1?ns.T"]);
    // `flags:int` is an ordinary int.
    let d = one("a#1 flags:int = A;");
    assert_eq!(ty(&d.params[0]), "int");
}

#[test]
fn definitions_without_id() {
    for (src, n) in [
        ("int ? = Int;", 1),
        ("int ?= Int;", 1),
        ("int128 4*[ int ] = Int128;", 1),
        ("int128 long long = Int128;", 2),
        ("int32 = Int32;", 0),
    ] {
        let d = one(src);
        assert_eq!(d.explicit_id, None);
        assert_eq!(d.params.len(), n, "{src}");
        assert_ne!(d.id, 0);
    }
    assert!(one("int ? = Int;").params[0].is_builtin_marker());
    assert_eq!(one("int ?= Int;").id, 0xa8509bda);
    assert_eq!(ty(&one("int128 4*[ int ] = Int128;").params[0]), "Some(4)*[int]");
}

#[test]
fn ids_without_padding() {
    let d = one("decryptedMessageMediaEmpty#89f5c4a = DecryptedMessageMedia;");
    assert_eq!(d.explicit_id, Some(0x089f5c4a));
}

#[test]
fn sections_switch_many_times() {
    let p = parse_tl("a = A;\n---functions---\nf = A;\n---types---\nb = A;\n--- functions ---\ng = A;");
    assert!(p.diagnostics.is_empty());
    let cats: Vec<Category> = p.schema.definitions.iter().map(|d| d.category).collect();
    assert_eq!(cats, [Category::Type, Category::Function, Category::Type, Category::Function]);
}

#[test]
fn comments_everywhere() {
    let src =
        "// header\n//a#1 = A;\nb#2 = B; // trailing\n/* block\n c#3 = C; */\nd#4 x:int // inside\n = D;\n\
               ///////////\n";
    let p = parse_tl(src);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let names: Vec<&str> = p.schema.definitions.iter().map(|d| d.name.as_ref()).collect();
    assert_eq!(names, ["b", "d"]);
}

#[test]
fn layers() {
    let p = parse_tl("// LAYER 5\na = A;\n// layer 7\nb = B;\n===9===\nc = C;\n// LAYER 230");
    let l: Vec<Option<u32>> = p.schema.definitions.iter().map(|d| d.section_layer).collect();
    assert_eq!(l, [Some(5), Some(7), Some(9)]);
    assert_eq!(p.schema.layer, Some(230));
    // A trailing `// LAYER` after a declaration counts too; `// LAYER x` text does not.
    let p = parse_tl("a = A;// LAYER 216\n// LAYER 3 is great\n");
    assert_eq!(p.schema.layer, Some(216));
}

#[test]
fn td_api_docs() {
    let src = "//@class AuthenticationCodeType @description Provides information\n//-about codes\n\n\
               //@description A code @length Length of the code\n//@pattern A pattern\n//-continued here\n\
               authenticationCodeTypeSms length:int32 pattern:string = AuthenticationCodeType;\nplain = P;\n";
    let p = parse_tl(src);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.schema.type_docs.len(), 1);
    let td = &p.schema.type_docs[0];
    assert_eq!(td.name, "AuthenticationCodeType");
    assert_eq!(td.doc.get("description"), Some("Provides information about codes"));
    let d = &p.schema.definitions[0];
    assert_eq!(d.doc.get("description"), Some("A code"));
    assert_eq!(d.doc.get("length"), Some("Length of the code"));
    assert_eq!(d.doc.get("pattern"), Some("A pattern continued here"));
    assert!(p.schema.definitions[1].doc.is_empty());
}

#[test]
fn a_doc_before_a_section_marker_or_the_end_documents_nothing() {
    let src = "//@description A thing\nthing = Thing;\n//@description orphan\n//-continued\n\n\
               ---functions---\n//@description get\ngetThing = Thing;\n//@description last\n";
    let p = parse_tl(src);
    let found: Vec<(&str, &str, Option<&str>)> =
        p.diagnostics.iter().map(|d| (d.code, d.span.slice(src), d.label.as_deref())).collect();
    assert_eq!(
        found,
        [
            ("orphan-doc", "//@description orphan", Some("a section marker follows it")),
            ("orphan-doc", "//@description last", Some("the file ends after it")),
        ]
    );
    let docs: Vec<Vec<&str>> =
        p.schema.definitions.iter().map(|d| d.doc.tags.iter().map(|(_, t)| t.as_ref()).collect()).collect();
    assert_eq!(docs, [vec!["A thing"], vec!["get"]]);
    // A `//@class` doc needs no definition after it; `// LAYER` and `===N===` change nothing.
    let p = parse_tl("//@class T @description d\n---functions---\n//@description f\n// LAYER 3\nf = T;\n");
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.schema.definitions[0].doc.get("description"), Some("f"));
}

#[test]
fn duplicate_names_with_distinct_ids() {
    let p = parse_tl("a#1 = A;\na#2 = A;");
    assert_eq!(p.schema.definitions.len(), 2);
}

#[test]
fn encodings_bom_crlf_no_final_newline_unicode() {
    let src = "\u{feff}// Ünïcödé комментарий 🎉\r\na#1 x:int = A;\r\n// LAYER 3\r\nb#2 = B;";
    let p = parse_tl(src);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.schema.definitions.len(), 2);
    assert_eq!(p.schema.layer, Some(3));
}

#[test]
fn lone_carriage_returns_end_lines() {
    // Old Mac line endings: a `//` comment ends at the `\r`, not at the end of the file.
    let src = "// comment\ra#1 = A;\r//@description doc\rb#2 x:int = B; // trailing\r// LAYER 7\rc#3 = C;\r";
    let p = parse_tl(src);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let names: Vec<&str> = p.schema.definitions.iter().map(|d| &*d.name).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(p.schema.layer, Some(7));
    assert_eq!(p.schema.definitions[1].doc.get("description"), Some("doc"));
    // A syntax error's recovery stops at the line end too.
    let src = "a#1 x:int\rb#2 = B;\r";
    let p = parse_tl(src);
    assert_eq!(p.schema.definitions.iter().map(|d| &*d.name).collect::<Vec<_>>(), ["b"]);
    let (line, col) = crate::render::line_col(src, p.diagnostics[0].span.start as usize);
    assert_eq!((line, col), (1, 10), "{:?}", p.diagnostics);
}

#[test]
fn hash_line_is_a_warning_not_an_error() {
    let p = parse_tl("#contest.saveDeveloperInfo#9a5f6e95 vk_id:int = Bool;\na = A;");
    assert_eq!(p.diagnostics.len(), 1);
    assert_eq!(p.diagnostics[0].code, "hash-comment");
    assert_eq!(p.schema.definitions.len(), 1);
}

#[test]
fn two_declarations_on_one_line() {
    let p = parse_tl("test.dummyFunction = secret.Bool;int ? = Int;\nauth.x#1 = A;---types---\n");
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.schema.definitions.len(), 3);
}

fn errors(src: &str) -> Vec<(String, String)> {
    parse_tl(src).diagnostics.iter().map(|d| (d.message.clone(), d.span.slice(src).to_string())).collect()
}

#[test]
fn missing_equals() {
    assert_eq!(errors("a#1 x:int;\nb = B;"), [("expected `=` before `;`".to_string(), ";".to_string())]);
}

#[test]
fn missing_semicolon_resumes_at_next_line() {
    let src = "a#1 x:int = A\nb#2 = B;\n";
    let p = parse_tl(src);
    assert_eq!(p.diagnostics.len(), 1);
    assert!(p.diagnostics[0].message.starts_with("expected `;` after the result type, found `b`"));
    assert_eq!(p.diagnostics[0].span.start, 13);
    assert_eq!(p.schema.definitions.len(), 1);
    assert_eq!(p.schema.definitions[0].name, "b");
}

#[test]
fn missing_result_type_is_reported_where_the_declaration_ends() {
    let missing = |line: usize| format!("missing `= Type;` at the end of line {line}?");
    // The next declaration, with or without an id, or after a blank line, or a section marker.
    for (src, line, next) in [
        ("foo#2ab17b11 a:int = Foo;\nbar b:int\nbaz#abcdef12 c:int = Baz;\n", 2, "baz"),
        ("foo#2ab17b11 a:int = Foo;\nbar b:int\n\nbaz c:int = Baz;\n", 2, "baz"),
        ("boolFalse#bc799737 = Bool;\nfoo a:int\nboolTrue#997275b5 = Bool;\n", 2, "boolTrue"),
        ("foo a:int // a comment\n  // another\nbar = Bar;\n", 1, "bar"),
        ("foo a:int\n---functions---\nbar = Bar;\n", 1, "bar"),
        ("foo a:int\n===8===\nbar = Bar;\n", 1, "bar"),
        ("foo {X:Type}\nbar = Bar;\n", 1, "bar"),
        ("bar\nbaz#1 = Baz;\n", 1, "baz"),
    ] {
        let p = parse_tl(src);
        let ids: Vec<&str> = p.diagnostics.iter().map(|d| d.code).filter(|c| *c != "id-mismatch").collect();
        assert_eq!(ids, ["syntax"], "{src}: {:#?}", p.diagnostics);
        let d = &p.diagnostics[0];
        assert_eq!(d.message, missing(line), "{src}");
        // An empty span right after the last parameter (or the name).
        let before = &src[..d.span.start as usize];
        assert!(d.span.start == d.span.end && before.ends_with(['t', 'r', '}']), "{src}: {before:?}");
        // The next line is read as a declaration of its own.
        let names: Vec<&str> = p.schema.definitions.iter().map(|d| d.name.as_ref()).collect();
        assert_eq!(names.last(), Some(&next), "{src}");
    }
    // An id opening a line: the line is a `#` line the top level ignores (with its warning),
    // not a parameter of the declaration before it.
    let p = parse_tl("foo n:#\n  #ff a:int = Foo;\nbar = Bar;\n");
    let found: Vec<(&str, &str)> = p.diagnostics.iter().map(|d| (d.code, d.message.as_str())).collect();
    assert_eq!(found[..2], [("syntax", missing(1).as_str()), ("hash-comment", found[1].1)]);
    assert_eq!(p.diagnostics[0].notes, ["line 2 cannot continue this declaration"]);
    let src = "foo#2ab17b11 a:int = Foo;\nbar b:int\nbaz#abcdef12 c:int = Baz;\n";
    assert_eq!(
        parse_tl(src).diagnostics[0].notes,
        ["`baz#abcdef12` on line 3 looks like the start of the next declaration"]
    );
    let src = "foo#2ab17b11 a:int = Foo;\nbar b:int\n\nbaz c:int = Baz;\n";
    assert_eq!(
        parse_tl(src).diagnostics[0].notes,
        ["without it, `baz` on line 4 is read as a parameter of this declaration"]
    );
}

#[test]
fn an_id_or_a_name_with_an_id_is_no_parameter() {
    assert_eq!(
        errors("foo #12345678 a:int = Foo;\nbar = Bar;"),
        [(
            "expected no blank between the name `foo` and its id `#12345678`".to_string(),
            "#12345678".to_string()
        )]
    );
    assert_eq!(
        errors("foo#1 a:int bar#12 b:int = X;"),
        [("expected a parameter, found `bar#12`".to_string(), "bar#12".to_string())]
    );
    for src in ["foo#1 #2 = X;", "v {t:Type} #1 = V;", "foo a:int #abc = X;"] {
        let e = errors(src);
        assert_eq!(e.len(), 1, "{src}");
        assert!(e[0].0.starts_with("expected a parameter, found `#"), "{src}: {e:?}");
    }
}

#[test]
fn builtins_keep_their_anonymous_parameters() {
    let src = "int ? = Int;\nlong ?= Long;\nint128 4*[ int ] = Int128;\nint128 long long = Int128;\n\
               int256 long long long long = Int256;\nbytes string = Bytes;\n\
               vector {t:Type} # [ t ] = Vector t;\nvector#1cb5c415 {t:Type} # [ t ] = Vector t;\n\
               tuple#9770768a {t:Type} {n:#} [ t ] = Tuple t n;\n\
               multi a:int\n  b:long = Multi;\nsplit\n  a:int = Split;\n";
    let p = parse_tl(src);
    assert!(p.diagnostics.is_empty(), "{:#?}", p.diagnostics);
    assert_eq!(p.schema.definitions.len(), 11);
}

#[test]
fn many_errors_in_one_run() {
    let src = "a#zz = A;\nb#1 x: = B;\nc#1 x:Vector<int = C;\nd#123456789 = D;\ne = ;\nok = Ok;\n{X:Type}\n";
    let p = parse_tl(src);
    assert_eq!(p.diagnostics.len(), 6, "{:#?}", p.diagnostics);
    assert!(p.diagnostics.iter().all(|d| d.code == "syntax" && d.is_error()));
    assert_eq!(p.schema.definitions.len(), 1);
}

#[test]
fn bad_sections_and_comments() {
    let p = parse_tl("---typez---\n===x===\na = A;\n/* never closed");
    let msgs: Vec<&str> = p.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        ["unknown section marker", "malformed layer section marker", "unterminated block comment"]
    );
    assert_eq!(p.schema.definitions.len(), 1);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("a x:{}int{} = A;", "Vector<".repeat(100_000), ">".repeat(100_000));
    assert!(parse_tl(&deep).has_errors());
    let deep = format!("a {}t{} = A;", "[ ".repeat(10_000), " ]".repeat(10_000));
    assert!(parse_tl(&deep).has_errors());
}

#[test]
fn garbage_is_bounded() {
    let garbage: String = (0..100_000u32).map(|i| char::from(b"@$\n;{<"[(i % 6) as usize])).collect();
    let p = parse_tl(&garbage);
    assert!(p.diagnostics.len() <= MAX_SYNTAX_ERRORS + 1);
}

#[test]
fn single_definition_api() {
    let d = parse_definition("  foo a:int b:string = Foo  ").unwrap();
    assert_eq!(d.params.len(), 2);
    assert!(parse_definition("foo a:int = Foo; bar = Bar;").is_err());
    assert!(parse_definition("foo a:int").is_err());
    assert!(parse_definition("").is_err());
}

#[test]
fn number_helpers() {
    assert_eq!(parse_decimal("0"), Some(0));
    assert_eq!(parse_decimal("4294967295"), Some(u32::MAX));
    assert_eq!(parse_decimal("4294967296"), None);
    assert_eq!(parse_decimal("99999999999999"), None);
    let d = one("a#DeadBeef = A;");
    assert_eq!(d.explicit_id, Some(0xdeadbeef));
    let d = one("a#0 flags:# x:flags.4294967295?int = A;");
    assert!(matches!(&d.params[1].kind, ParamKind::Typed { flag: Some(f), .. } if f.bit == u32::MAX));
}

#[test]
fn many_continuation_lines_stay_linear() {
    let t = std::time::Instant::now();
    let src = format!("//@description start\n{}a = A;\n", "//-more words here\n".repeat(100_000));
    let p = parse_tl(&src);
    assert_eq!(p.schema.definitions[0].doc.get("description").map(str::len), Some(5 + 100_000 * 16));
    assert!(t.elapsed().as_secs() < 20);
}

#[test]
fn word_at_a_time_identifier_length_matches_the_byte_loop() {
    let byte_loop =
        |b: &[u8]| b.iter().position(|&c| !(c.is_ascii_alphanumeric() || c == b'_')).unwrap_or(b.len());
    // Every byte value at every position of words of every length around 8, 16 and 32 (the
    // SSE2 blocks, the SWAR words and the tail of each).
    for len in 0..36 {
        for at in 0..len {
            for c in 0..=255u8 {
                let mut b = vec![b'a'; len];
                b[at] = c;
                assert_eq!(super::ident_len(&b), byte_loop(&b), "{b:?}");
                assert_eq!(super::ident_len_swar(&b), byte_loop(&b), "{b:?}");
            }
        }
    }
    for s in ["messages.sendMessage", "Vector<int>", "a_b9Z_", "x", "flags2.3?true", "é", "abcdefgh\u{e9}"] {
        assert_eq!(super::ident_len(s.as_bytes()), byte_loop(s.as_bytes()), "{s}");
    }
}

#[test]
fn plain_parameters_read_as_the_general_path_reads_them() {
    let cases = [
        "x:int",
        "flags:#",
        "x:flags.0?true",
        "x:flags2.31?Vector<long>",
        "x:flags.007?ns.T",
        "x:Vector<ns.T>",
        "x:messages.Messages",
        "x:flags.99999999999?int",
        "x:flags.?int",
        "x:flags.1int",
        "x:flags.1?%T",
        "x:flags.1?!X",
        "x:Vector< int >",
        "x:Vector<int",
        "x:Vector<Vector<int>>",
        "x:Vector<%T>",
        "x:a.",
        "x:a.b.c<d.e>",
        "x :int",
        "x:",
        "x:#y",
        "x:[ int ]",
        "x:2*[ int ]",
        "x",
        "x:int;",
        "x:flags.3?X=",
        "x:Vector<a,b>",
        "x:Vector<int>>",
        "x:é",
        "x:flags.1?",
        "x:flags.1?<",
        "x:T<U>=A;",
    ];
    let mut taken = 0;
    for case in cases {
        for tail in ["", " ", " = A;", "\n"] {
            let src = format!("{case}{tail}");
            let d = super::Decl::new(&src, "end", true);
            let (mut plain, mut general) = (Vec::new(), Vec::new());
            let fast = d.plain_param(&src, &mut plain);
            let slow = d.param_general(&src, 0, &mut general);
            if let Some(rest) = fast {
                let slow = slow.unwrap_or_else(|e| panic!("{src:?}: general path failed: {:?}", e.diag));
                assert_eq!((rest, &plain), (slow, &general), "{src:?}");
                taken += 1;
            } else {
                assert!(plain.is_empty(), "{src:?}");
            }
        }
    }
    assert!(taken >= 40, "the plain path took only {taken} cases");
}
