use super::*;
use serde_json::json;
use std::io::Write as _;

const SCHEMA: &str = r#"
boolFalse#bc799737 = Bool;
boolTrue#997275b5 = Bool;
vector#1cb5c415 {t:Type} # [ t ] = Vector t;
peerUser#59511722 user_id:long = Peer;
peerChat#36c6019a chat_id:long = Peer;
point#1 x:int y:double = Point;
entity#2 offset:int length:int = Entity;
msg#3 flags:# out:flags.1?true silent:flags.2?true id:int peer:Peer text:string ents:flags.3?Vector<Entity> flags2:# pinned:flags2.0?true data:flags2.1?bytes big:int128 huge:int256 ok:Bool = Msg;
grid#4 rows:Vector<Vector<int>> pts:vector<point> = Grid;
tree#5 children:Vector<Tree> = Tree;
---functions---
getMsg#10 peer:Peer id:long = Msg;
invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;
"#;

fn with_registry(f: impl FnOnce(&Registry<'_>)) {
    let parsed = tl_parser::parse_tl(SCHEMA);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let reg = Registry::new([&parsed.schema]);
    f(&reg);
}

fn msg_json() -> serde_json::Value {
    json!({
        "@type": "msg", "out": true, "silent": false, "id": -7,
        "peer": {"@type": "peerUser", "user_id": "-9000000000"},
        "text": "héllo",
        "ents": [{"@type": "entity", "offset": 0, "length": 5}],
        "pinned": false, "data": "AAEC",
        "big": "AAAAAAAAAAAAAAAAAAAAAA==",
        "huge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "ok": true,
    })
}

#[test]
fn round_trips_flags_vectors_and_wide_ints() {
    with_registry(|reg| {
        let v = msg_json();
        let bytes = reg.encode(&v, None).unwrap();
        // id, flags (bits 1 and 3), id, peer id + long, string, vector id + count + entity.
        assert_eq!(&bytes[..8], &[3, 0, 0, 0, 0b1010, 0, 0, 0]);
        assert_eq!(reg.decode(&bytes, None).unwrap(), v);
        assert_eq!(reg.decode(&bytes, Some("Msg")).unwrap(), v);
    });
}

#[test]
fn long_accepts_numbers_and_prints_strings() {
    with_registry(|reg| {
        let bytes = reg.encode(&json!({"@type": "peerChat", "chat_id": 42}), None).unwrap();
        assert_eq!(bytes, [0x9a, 0x01, 0xc6, 0x36, 42, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(reg.decode(&bytes, None).unwrap(), json!({"@type": "peerChat", "chat_id": "42"}));
    });
}

#[test]
fn nested_vectors_bare_types_and_recursion() {
    with_registry(|reg| {
        let g = json!({"@type": "grid", "rows": [[1, 2], [], [3]],
            "pts": [{"@type": "point", "x": 1, "y": 0.5}]});
        let bytes = reg.encode(&g, Some("Grid")).unwrap();
        assert_eq!(reg.decode(&bytes, Some("Grid")).unwrap(), g);
        let t = json!({"@type": "tree", "children": [{"@type": "tree", "children": []}]});
        let bytes = reg.encode(&t, None).unwrap();
        assert_eq!(reg.decode(&bytes, None).unwrap(), t);
        let v = json!([["1", "2"]]);
        let bytes = reg.encode(&v, Some("Vector<Vector<long>>")).unwrap();
        assert_eq!(reg.decode(&bytes, Some("Vector<Vector<long>>")).unwrap(), v);
    });
}

#[test]
fn generic_query_nests_a_function_call() {
    with_registry(|reg| {
        let v = json!({"@type": "invokeWithLayer", "layer": 230,
            "query": {"@type": "getMsg", "peer": {"@type": "peerChat", "chat_id": "1"}, "id": "5"}});
        let bytes = reg.encode(&v, None).unwrap();
        assert_eq!(&bytes[..4], &0xda9b0d0du32.to_le_bytes());
        assert_eq!(reg.decode(&bytes, None).unwrap(), v);
    });
}

/// `gzip_packed` holding `inner` (a whole boxed object).
fn gzip_packed(inner: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(inner).unwrap();
    let mut bytes = GZIP_PACKED_ID.to_le_bytes().to_vec();
    let mut e = encode::Encoder::for_test();
    e.bytes(&gz.finish().unwrap()).unwrap();
    bytes.extend_from_slice(&e.out);
    bytes
}

#[test]
fn gzip_packed_is_inflated() {
    with_registry(|reg| {
        let inner = reg.encode(&json!({"@type": "peerChat", "chat_id": "3"}), None).unwrap();
        let bytes = gzip_packed(&inner);
        assert_eq!(reg.decode(&bytes, Some("Peer")).unwrap(), json!({"@type": "peerChat", "chat_id": "3"}));
        let small = reg_with_limit(reg, 4);
        let err = small.decode(&bytes, Some("Peer")).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::GzipTooLarge);
    });
}

/// `gzip_packed` holds a whole boxed object: for a `Vector` or a `Bool` too, ids included.
#[test]
fn gzip_packed_vectors_and_bools() {
    with_registry(|reg| {
        let vector = reg.encode(&json!([7, 8]), Some("Vector<int>")).unwrap();
        assert_eq!(reg.decode(&gzip_packed(&vector), Some("Vector<int>")).unwrap(), json!([7, 8]));
        let yes = reg.encode(&json!(true), Some("Bool")).unwrap();
        assert_eq!(reg.decode(&gzip_packed(&yes), Some("Bool")).unwrap(), json!(true));
        // Without the vector id inside, it is not a boxed vector.
        assert!(reg.decode(&gzip_packed(&vector[4..]), Some("Vector<int>")).is_err());
    });
}

/// Strings that are not UTF-8 are shown with U+FFFD, and their places are reported.
#[test]
fn strings_that_are_not_utf8_are_noted() {
    with_registry(|reg| {
        let (v, notes) = reg.decode_noting(&[3, 0xff, b'b', b'c'], Some("string"));
        assert_eq!((v.unwrap(), notes.lossy_strings), (json!("\u{fffd}bc"), vec![0]));
        let (_, notes) = reg.decode_noting(&[3, b'a', b'b', b'c'], Some("string"));
        assert_eq!(notes, DecodeNotes::default());
    });
}

fn reg_with_limit<'s>(reg: &Registry<'s>, max_inflated: usize) -> Registry<'s> {
    Registry {
        constructors_by_id: reg.constructors_by_id.clone(),
        functions_by_id: reg.functions_by_id.clone(),
        constructors_by_name: reg.constructors_by_name.clone(),
        constructors_loose: reg.constructors_loose.clone(),
        functions_by_name: reg.functions_by_name.clone(),
        types: reg.types.clone(),
        shadowed: reg.shadowed.clone(),
        // No plans: objects take the path that works one out for each.
        plans: Default::default(),
        definitions: reg.definitions.clone(),
        sample_costs: Default::default(),
        limits: Limits { max_inflated, ..Limits::default() },
        mode_words: reg.mode_words.clone(),
    }
}

#[test]
fn unknown_constructor_reports_id_and_offset() {
    with_registry(|reg| {
        let mut bytes = reg.encode(&msg_json(), None).unwrap();
        // The peer's id sits after msg id, flags, id: offset 12.
        bytes[12..16].copy_from_slice(&0xdeadbeefu32.to_le_bytes());
        let err = reg.decode(&bytes, None).unwrap_err();
        assert_eq!(
            err,
            DecodeError {
                offset: 12,
                kind: DecodeErrorKind::UnknownConstructor { id: 0xdeadbeef, expected: "Peer".into() },
                path: "$.peer".into(),
            }
        );
        assert_eq!(err.to_string(), "unknown constructor id 0xdeadbeef for `Peer` at byte 12, in $.peer");
    });
}

#[test]
fn every_prefix_fails_without_panicking() {
    with_registry(|reg| {
        let bytes = reg.encode(&msg_json(), None).unwrap();
        for n in 0..bytes.len() {
            assert!(reg.decode(&bytes[..n], None).is_err(), "prefix {n}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            reg.decode(&long, None).unwrap_err().kind,
            DecodeErrorKind::TrailingBytes { count: 1 }
        ));
    });
}

#[test]
fn hostile_counts_and_depth_are_rejected() {
    with_registry(|reg| {
        let mut bytes = 5u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&VECTOR_ID.to_le_bytes());
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        let err = reg.decode(&bytes, None).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::LengthOutOfRange { .. }), "{err}");
        // tree { children: [tree { children: [...] }] } nested 10,000 deep.
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend_from_slice(&5u32.to_le_bytes());
            deep.extend_from_slice(&VECTOR_ID.to_le_bytes());
            deep.extend_from_slice(&1u32.to_le_bytes());
        }
        assert_eq!(reg.decode(&deep, None).unwrap_err().kind, DecodeErrorKind::TooDeep);
        // A 16 MiB string claimed by 4 bytes.
        let err = reg.decode(&[254, 255, 255, 255], Some("string")).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::LengthOutOfRange { .. }), "{err}");
    });
}

/// The encoder stops where the decoder does, so whatever it writes can be read back.
#[test]
fn encode_and_decode_share_the_depth_limit() {
    with_registry(|reg| {
        // Each tree is two levels: the object and its vector.
        let nested = |trees: usize| {
            let mut v = json!({"@type": "tree", "children": []});
            for _ in 1..trees {
                v = json!({"@type": "tree", "children": [v]});
            }
            v
        };
        let limit = Limits::default().max_depth as usize / 2;
        let bytes = reg.encode(&nested(limit), None).expect("at the limit");
        assert!(reg.decode(&bytes, None).is_ok());
        let err = reg.encode(&nested(limit + 1), None).unwrap_err();
        assert!(err.to_string().contains("nested more than 64 deep"), "{err}");
        // The decoder agrees: the same `limit + 1` trees are too deep for it.
        let mut deeper = vec![];
        for _ in 0..limit {
            deeper.extend_from_slice(&5u32.to_le_bytes());
            deeper.extend_from_slice(&VECTOR_ID.to_le_bytes());
            deeper.extend_from_slice(&1u32.to_le_bytes());
        }
        deeper.extend_from_slice(&5u32.to_le_bytes());
        deeper.extend_from_slice(&VECTOR_ID.to_le_bytes());
        deeper.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(reg.decode(&deeper, None).unwrap_err().kind, DecodeErrorKind::TooDeep);
    });
}

#[test]
fn encode_errors_name_the_json_path() {
    with_registry(|reg| {
        let mut v = msg_json();
        v["ents"][0]["offset"] = json!("x");
        let err = reg.encode(&v, None).unwrap_err();
        assert_eq!(err.path, "$.ents[0].offset");
        let mut v = msg_json();
        v["peer"]["@type"] = json!("point");
        assert!(reg.encode(&v, None).is_err());
        v["peer"] = json!({"@type": "peerUser", "user_id": "1", "extra": 1});
        assert_eq!(reg.encode(&v, None).unwrap_err().path, "$.peer.extra");
    });
}

#[test]
fn type_expressions_parse() {
    let t = parse_type_expr("Vector< Vector<%point> >").unwrap();
    assert_eq!(t.name, "Vector");
    assert!(t.args[0].args[0].percent);
    assert!(parse_type_expr("Vector<int").is_none());
    assert!(parse_type_expr("").is_none());
}

const MTPROTO: &str = include_str!("../../../schemas/mtproto.tl");

/// A `msg_container` as a server sends it: an ack and an `rpc_result` carrying an `rpc_error`.
fn container_bytes() -> Vec<u8> {
    fn message(out: &mut Vec<u8>, msg_id: u64, seqno: u32, body: &[u8]) {
        out.extend_from_slice(&msg_id.to_le_bytes());
        out.extend_from_slice(&seqno.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(body);
    }
    let mut ack = 0x62d6b459u32.to_le_bytes().to_vec();
    ack.extend_from_slice(&VECTOR_ID.to_le_bytes());
    ack.extend_from_slice(&1u32.to_le_bytes());
    ack.extend_from_slice(&7u64.to_le_bytes());
    let mut result = 0xf35c6d01u32.to_le_bytes().to_vec();
    result.extend_from_slice(&9u64.to_le_bytes());
    result.extend_from_slice(&0x2144ca19u32.to_le_bytes());
    result.extend_from_slice(&420u32.to_le_bytes());
    result.extend_from_slice(b"\x0cFLOOD_WAIT_3\0\0\0");
    let mut out = 0x73f1f8dcu32.to_le_bytes().to_vec();
    out.extend_from_slice(&2u32.to_le_bytes());
    message(&mut out, 0x6000_0000_0000_0001, 1, &ack);
    message(&mut out, 0x6000_0000_0000_0005, 3, &result);
    out
}

fn with_mtproto(f: impl FnOnce(&Registry<'_>)) {
    let parsed = tl_parser::parse(MTPROTO);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    f(&Registry::new([&parsed.schema]));
}

#[test]
fn container_messages_are_sized_and_round_trip() {
    with_mtproto(|reg| {
        let bytes = container_bytes();
        let v = reg.decode(&bytes, None).unwrap();
        let want = json!({"@type": "msg_container", "messages": [
            {"@type": "message", "msg_id": "6917529027641081857", "seqno": 1, "bytes": 20,
             "body": {"@type": "msgs_ack", "msg_ids": ["7"]}},
            {"@type": "message", "msg_id": "6917529027641081861", "seqno": 3, "bytes": 36,
             "body": {"@type": "rpc_result", "req_msg_id": "9",
                      "result": {"@type": "rpc_error", "error_code": 420, "error_message": "FLOOD_WAIT_3"}}},
        ]});
        assert_eq!(v, want);
        assert_eq!(reg.encode(&v, None).unwrap(), bytes);
        // `bytes` may be left out (computed), but not contradict the body.
        let mut no_len = want.clone();
        for m in no_len["messages"].as_array_mut().unwrap() {
            m.as_object_mut().unwrap().remove("bytes");
        }
        assert_eq!(reg.encode(&no_len, None).unwrap(), bytes);
        let mut wrong = want.clone();
        wrong["messages"][1]["bytes"] = json!(32);
        assert_eq!(reg.encode(&wrong, None).unwrap_err().path, "$.messages[1].bytes");
        let mut bad_body = want;
        bad_body["messages"][0]["body"]["msg_ids"] = json!(["x"]);
        assert_eq!(reg.encode(&bad_body, None).unwrap_err().path, "$.messages[0].body.msg_ids[0]");
    });
}

#[test]
fn container_lengths_that_lie_are_errors() {
    with_mtproto(|reg| {
        let good = container_bytes();
        // The first message's `bytes` sits after the container id, count, msg_id and seqno;
        // its body (20 bytes) ends at 44.
        for (len, want_offset) in [(24u32, 44), (16, 36), (3, 20), (u32::MAX, 20), (10_000, 20)] {
            let mut bytes = good.clone();
            bytes[20..24].copy_from_slice(&len.to_le_bytes());
            let err = reg.decode(&bytes, None).unwrap_err();
            assert_eq!(err.offset, want_offset, "len {len}: {err}");
        }
    });
}

#[test]
fn int512_and_tdlib_aliases() {
    let schema = "int32 = Int32;\nint53 = Int53;\nint64 = Int64;\nint512 16*[ int ] = Int512;\n\
        secureBytes = SecureBytes;\n\
        e2e.personalOnServer signature:int512 signed_at:int32 big:int53 id:int64 key:secureBytes = e2e.PersonalOnServer;";
    let parsed = tl_parser::parse(schema);
    let reg = Registry::new([&parsed.schema]);
    let sig: Vec<u8> = (0..64).collect();
    let v = json!({"@type": "e2e.personalOnServer",
        "signature": base64::Engine::encode(&base64_engine(), &sig),
        "signed_at": -5, "big": 9007199254740993_i64, "id": "-1", "key": "AQID"});
    let bytes = reg.encode(&v, Some("%e2e.personalOnServer")).unwrap();
    assert_eq!(bytes.len(), 64 + 4 + 8 + 8 + 4);
    assert_eq!(&bytes[..64], &sig[..]);
    assert_eq!(reg.decode(&bytes, Some("%e2e.personalOnServer")).unwrap(), v);
    let mut short = v.clone();
    short["signature"] = json!("AAAA");
    assert!(reg.encode(&short, Some("%e2e.personalOnServer")).is_err());
    assert!(reg.decode(&bytes[..63], Some("%e2e.personalOnServer")).is_err());
}

#[test]
fn a_shadowed_definition_decodes_by_its_id_and_encodes_back_by_name_and_id() {
    let old = tl_parser::parse(
        "msg#00000001 a:int = Msg;\nping#00000010 = Msg;\n---functions---\nget#00000100 = Msg;",
    );
    let new = tl_parser::parse("msg#00000002 a:int b:int = Msg;\n---functions---\nget#00000200 x:int = Msg;");
    let reg = Registry::new([&old.schema, &new.schema]);
    let second = [2u32.to_le_bytes(), 7i32.to_le_bytes(), 8i32.to_le_bytes()].concat();
    let v = reg.decode(&second, Some("Msg")).unwrap();
    assert_eq!(v, json!({"@type": "msg#00000002", "a": 7, "b": 8}));
    assert_eq!(reg.encode(&v, Some("Msg")).unwrap(), second);
    assert_eq!(reg.encode(&v, None).unwrap(), second);
    // The owner keeps the plain name, and may be named by its id too.
    let first = [1u32.to_le_bytes(), 7i32.to_le_bytes()].concat();
    assert_eq!(reg.decode(&first, None).unwrap(), json!({"@type": "msg", "a": 7}));
    assert_eq!(reg.encode(&json!({"@type": "msg#00000001", "a": 7}), None).unwrap(), first);
    // Functions too; a tag with an id nothing has is unknown.
    let call = [0x200u32.to_le_bytes(), 5i32.to_le_bytes()].concat();
    assert_eq!(reg.decode(&call, None).unwrap(), json!({"@type": "get#00000200", "x": 5}));
    assert_eq!(reg.encode(&json!({"@type": "get#00000200", "x": 5}), None).unwrap(), call);
    assert!(reg.encode(&json!({"@type": "msg#00000003", "a": 7}), None).is_err());
    // Any hex width or case names the same definition.
    assert_eq!(reg.encode(&json!({"@type": "msg#2", "a": 7, "b": 8}), None).unwrap(), second);
    assert_eq!(reg.encode(&json!({"@type": "get#200", "x": 5}), None).unwrap(), call);
}

/// Elements that take no input bytes (`true`, bare constructors without fields) are bounded
/// for the whole decode, not per vector: nested vectors of them would multiply.
#[test]
fn zero_sized_elements_are_bounded_across_the_decode() {
    with_registry(|reg| {
        // vector<vector<boolFalse>>: 1,000 inner vectors, each as long as the rest of the input.
        let inner = 1000u32;
        let mut bytes = inner.to_le_bytes().to_vec();
        for i in 0..inner {
            bytes.extend_from_slice(&(4 * (inner - i - 1)).to_le_bytes());
        }
        let err = reg.decode(&bytes, Some("vector<vector<boolFalse>>")).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooManyZeroSized { budget: 4096 }, "{err}");
        assert!(err.to_string().contains("past 4096 elements that use no input bytes"), "{err}");
        let err = reg.decode(&bytes, Some("vector<vector<true>>")).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::TooManyZeroSized { .. }), "{err}");
        // Up to the budget they decode; one more does not.
        let v = reg.decode(&4096u32.to_le_bytes(), Some("vector<true>")).unwrap();
        assert_eq!(v.as_array().map(Vec::len), Some(4096));
        let two = [2048u32.to_le_bytes(), 2049u32.to_le_bytes()].concat();
        let err = reg.decode(&[2u32.to_le_bytes().to_vec(), two].concat(), Some("vector<vector<true>>"));
        assert!(matches!(err.unwrap_err().kind, DecodeErrorKind::TooManyZeroSized { budget: 4096 }));
        // A count past the rest of the input is honest for them: `boolFalse` written bare is
        // nothing, so one element is the 4-byte count alone, as generated code reads it.
        let v = reg.decode(&1u32.to_le_bytes(), Some("vector<boolFalse>")).unwrap();
        assert_eq!(v, json!([{"@type": "boolFalse"}]));
        assert_eq!(reg.encode(&v, Some("vector<boolFalse>")).unwrap(), 1u32.to_le_bytes());
        // Anything else still is not.
        let err = reg.decode(&1u32.to_le_bytes(), Some("vector<int>")).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::LengthOutOfRange { len: 1 }), "{err}");
    });
}

/// A payload is one gzip member: garbage after it, or a second member (which a reader stopping
/// at the first would drop), is refused.
#[test]
fn gzip_packed_is_one_gzip_stream_and_nothing_after() {
    with_registry(|reg| {
        let peer = reg.encode(&json!({"@type": "peerChat", "chat_id": "3"}), None).unwrap();
        let gz = |data: &[u8]| {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(data).unwrap();
            gz.finish().unwrap()
        };
        let packed = |payload: &[u8]| {
            let mut e = encode::Encoder::for_test();
            e.bytes(payload).unwrap();
            [&GZIP_PACKED_ID.to_le_bytes()[..], &e.out].concat()
        };
        assert!(reg.decode(&packed(&gz(&peer)), Some("Peer")).is_ok());
        for tail in [b"garbage".to_vec(), gz(&[])] {
            let err = reg.decode(&packed(&[gz(&peer), tail.clone()].concat()), Some("Peer")).unwrap_err();
            let DecodeErrorKind::BadGzip(text) = &err.kind else { panic!("{err}") };
            assert_eq!(text, &format!("{} bytes after the end of the gzip stream", tail.len()));
        }
    });
}

/// The inflation cap is one budget for the whole decode: nested `gzip_packed` layers cannot
/// each take the full cap.
#[test]
fn nested_gzip_packed_share_the_inflation_cap() {
    with_registry(|reg| {
        let peer = reg.encode(&json!({"@type": "peerChat", "chat_id": "3"}), None).unwrap();
        let (one, two) = (gzip_packed(&peer), gzip_packed(&gzip_packed(&peer)));
        let three = gzip_packed(&two);
        assert_eq!(reg.decode(&three, Some("Peer")).unwrap(), json!({"@type": "peerChat", "chat_id": "3"}));
        // Each layer fits the cap, the outer two together too, but not all three: the
        // innermost payload (the peer) is one too many.
        let small = reg_with_limit(reg, two.len() + one.len());
        assert!(small.decode(&two, Some("Peer")).is_ok());
        let mut err = small.decode(&three, Some("Peer")).unwrap_err();
        let mut layers = 0;
        while let DecodeErrorKind::InGzip(inner) = err.kind {
            (err, layers) = (*inner, layers + 1);
        }
        assert_eq!((err.kind, layers), (DecodeErrorKind::GzipTooLarge, 2));
    });
}

/// Optional fields sharing one flag bit are given all together or not at all; a `true` flag
/// sharing its bit with value fields follows them (implied when left out).
#[test]
fn fields_sharing_a_flag_bit_go_together() {
    let parsed = tl_parser::parse(
        "media#7 flags:# live:flags.4?true photo:flags.0?int video:flags.4?long = Media;\n\
         post#8 flags:# views:flags.10?int forwards:flags.10?int = Post;\n\
         two#9 flags:# a:flags.0?true b:flags.0?true = Two;",
    );
    let reg = Registry::new([&parsed.schema]);
    let err = |v: serde_json::Value| reg.encode(&v, None).unwrap_err().to_string();
    let round_trip = |v: serde_json::Value, want: serde_json::Value| {
        let bytes = reg.encode(&v, None).unwrap();
        assert_eq!(reg.decode(&bytes, None).unwrap(), want);
        assert_eq!(reg.encode(&want, None).unwrap(), bytes);
    };
    assert_eq!(
        err(json!({"@type": "post", "views": 5})),
        "$.forwards: must be given together with `views` (both flags.10)"
    );
    assert_eq!(
        err(json!({"@type": "post", "forwards": 5, "views": null})),
        "$.views: must be given together with `forwards` (both flags.10)"
    );
    let both = json!({"@type": "post", "views": 5, "forwards": 6});
    round_trip(both.clone(), both);
    round_trip(json!({"@type": "post"}), json!({"@type": "post"}));
    // The true flag is implied by the value fields, and contradicting them is refused.
    assert_eq!(
        err(json!({"@type": "media", "live": true})),
        "$.live: can be true only when `video` is given (both flags.4)"
    );
    assert_eq!(
        err(json!({"@type": "media", "live": false, "video": "1"})),
        "$.live: cannot be false when `video` is given (both flags.4)"
    );
    round_trip(
        json!({"@type": "media", "video": "1"}),
        json!({"@type": "media", "live": true, "video": "1"}),
    );
    round_trip(
        json!({"@type": "media", "live": false, "photo": 2}),
        json!({"@type": "media", "live": false, "photo": 2}),
    );
    // Two true flags on one bit are one flag.
    assert_eq!(
        err(json!({"@type": "two", "a": true, "b": false})),
        "$.b: cannot be false when `a` is true (both flags.0)"
    );
    round_trip(json!({"@type": "two", "a": true}), json!({"@type": "two", "a": true, "b": true}));
}

/// A boxed `Vector` where any object may stand (`rpc_result` of a method returning
/// `Vector<Peer>`) is read as a vector of boxed objects, and written back from an array.
#[test]
fn a_vector_in_an_object_position_holds_boxed_objects() {
    with_registry(|reg| {
        let v = json!({"@type": "rpc_result", "req_msg_id": "1", "result": [
            {"@type": "peerUser", "user_id": "5"}, {"@type": "peerChat", "chat_id": "6"}]});
        let bytes = reg.encode(&v, None).unwrap();
        assert_eq!(&bytes[12..20], [VECTOR_ID.to_le_bytes(), 2u32.to_le_bytes()].concat());
        assert_eq!(reg.decode(&bytes, None).unwrap(), v);
        // An element cut short is that element's error, not a question of the element type.
        let err = reg.decode(&bytes[..bytes.len() - 2], None).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::UnexpectedEnd { .. }), "{err}");
        // Nested and empty vectors too.
        let nested =
            json!({"@type": "rpc_result", "req_msg_id": "1", "result": [[], [{"@type": "boolTrue"}]]});
        assert_eq!(reg.decode(&reg.encode(&nested, None).unwrap(), None).unwrap(), nested);
        // Vector<long> cannot be told from the position: the error says how to read it.
        let longs = reg.encode(&json!(["123456789", "2"]), Some("Vector<long>")).unwrap();
        let rpc = [&0xf35c6d01u32.to_le_bytes()[..], &1u64.to_le_bytes(), &longs].concat();
        let err = reg.decode(&rpc, None).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::UntypedVector { index: 0, .. }), "{err}");
        assert_eq!(err.offset, 12);
        let text = err.to_string();
        assert!(text.contains("a Vector stands at byte 12 where any object may"), "{text}");
        assert!(text.contains("--type 'Vector<T>'"), "{text}");
        assert_eq!(reg.decode(&rpc[12..], Some("Vector<long>")).unwrap(), json!(["123456789", "2"]));
        let err = reg.encode(&json!({"@type": "rpc_result", "req_msg_id": "1", "result": ["1"]}), None);
        assert_eq!(err.unwrap_err().path, "$.result[0]");
    });
}

/// A container item's length that is negative or too small for an object says so (it used
/// to print -256 as 18446744073709551360, "larger than the rest of the input").
#[test]
fn container_lengths_too_small_say_so() {
    with_mtproto(|reg| {
        for (len, want) in [
            (-256i32, "length -256 at byte 20 is negative, in $.messages[0].bytes"),
            (
                3,
                "length 3 at byte 20 is too small for an object (its constructor id alone is 4 bytes), \
                 in $.messages[0].bytes",
            ),
        ] {
            let mut bytes = container_bytes();
            bytes[20..24].copy_from_slice(&len.to_le_bytes());
            let err = reg.decode(&bytes, None).unwrap_err();
            assert_eq!(err.kind, DecodeErrorKind::ObjectLengthTooSmall { len: len.into() });
            assert_eq!(err.to_string(), want);
        }
    });
}

/// `%T` names a type's only constructor; for a type with several it is refused as such,
/// not as an undefined type.
#[test]
fn bare_type_with_several_constructors_is_named_as_such() {
    with_registry(|reg| {
        let err = reg.decode(&[0; 8], Some("%Peer")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`%Peer` at byte 0: type Peer has 2 constructors, and a bare value does not say which; \
             name one instead (e.g. `peerUser`)"
        );
        let err = reg.encode(&json!({"@type": "peerUser", "user_id": "1"}), Some("%Peer")).unwrap_err();
        assert!(err.message.contains("type Peer has 2 constructors"), "{err}");
        let point = json!({"@type": "point", "x": 1, "y": 2.5});
        let bytes = reg.encode(&point, Some("%Point")).unwrap();
        assert_eq!(reg.decode(&bytes, Some("%Point")).unwrap(), point);
    });
}

/// `--type name#id` names a definition as `"@type"` does.
#[test]
fn type_expressions_take_name_and_id() {
    let old = tl_parser::parse("msg#00000001 a:int = Msg;");
    let new = tl_parser::parse("msg#00000002 a:int b:int = Msg;");
    let reg = Registry::new([&old.schema, &new.schema]);
    let second = [7i32.to_le_bytes(), 8i32.to_le_bytes()].concat();
    let v = json!({"@type": "msg#00000002", "a": 7, "b": 8});
    for ty in ["msg#00000002", "msg#2", "%msg#2"] {
        assert_eq!(reg.decode(&second, Some(ty)).unwrap(), v, "{ty}");
        assert_eq!(reg.encode(&v, Some(ty)).unwrap(), second, "{ty}");
    }
    let first = json!({"@type": "msg#1", "a": 7});
    assert_eq!(reg.encode(&first, Some("msg#00000001")).unwrap(), 7i32.to_le_bytes());
    assert_eq!(reg.decode(&7i32.to_le_bytes(), Some("msg#1")).unwrap(), json!({"@type": "msg", "a": 7}));
    assert!(reg.encode(&first, Some("msg#2")).is_err());
    assert!(matches!(reg.decode(&second, Some("msg#3")).unwrap_err().kind, DecodeErrorKind::UnknownType(_)));
}

/// A `double` survives decode → JSON text → encode bit for bit (serde_json's
/// `float_roundtrip`; without it, parsing the printed number can land one ulp off).
#[test]
fn doubles_round_trip_through_json_text_bit_exactly() {
    let parsed = tl_parser::parse("jsonNumber#2be0dfa4 value:double = JSONValue;");
    let reg = Registry::new([&parsed.schema]);
    let hex = "a4dfe02ba0c8eb85f3cc06af";
    let bytes: Vec<u8> =
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    let mut cases = vec![bytes];
    for v in [0.1, -0.0, f64::MIN_POSITIVE, 5e-324, f64::MAX, 1.0 / 3.0, f64::NAN, f64::NEG_INFINITY] {
        cases.push([&0x2be0dfa4u32.to_le_bytes()[..], &v.to_le_bytes()].concat());
    }
    for bytes in cases {
        let text = reg.decode(&bytes, None).unwrap().to_string();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(reg.encode(&back, None).unwrap(), bytes, "{text}");
    }
}

/// A flags word with bits the schema does not define (data newer than the schema) decodes, and
/// the notes say where.
#[test]
fn unknown_flag_bits_are_noted() {
    with_registry(|reg| {
        let mut bytes = reg.encode(&msg_json(), None).unwrap();
        let (_, notes) = reg.decode_noting(&bytes, None);
        assert_eq!(notes, DecodeNotes::default());
        // `msg`'s flags word follows its id; it uses bits 1, 2 and 3.
        let flags = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
        bytes[4..8].copy_from_slice(&(flags | 0x8100).to_le_bytes());
        let (v, notes) = reg.decode_noting(&bytes, None);
        assert_eq!(v.unwrap(), msg_json());
        let expected =
            UnknownFlags { offset: 4, definition: "msg".into(), field: "flags".into(), bits: 0x8100 };
        assert_eq!(notes.unknown_flags, std::slice::from_ref(&expected));
        // A decode that then fails still reports them: they may be why it failed.
        let (v, notes) = reg.decode_noting(&[&bytes[..], &[0]].concat(), None);
        assert!(matches!(v.unwrap_err().kind, DecodeErrorKind::TrailingBytes { count: 1 }));
        assert_eq!(notes.unknown_flags, [expected]);
    });
}

/// Containers nested as deep as the limit allows: each level's length is worked out once, in
/// the writing pass, so encoding is linear in the levels' sizes rather than 2^depth.
#[test]
fn nested_sized_objects_encode_each_length_once() {
    with_mtproto(|reg| {
        let mut v = json!({"@type": "msgs_ack", "msg_ids": ["7"]});
        let mut levels = 0;
        loop {
            let next = json!({"@type": "msg_container", "messages": [
                {"@type": "message", "msg_id": "1", "seqno": 1, "body": v.clone()}]});
            if reg.encode(&next, None).is_err() {
                break;
            }
            (v, levels) = (next, levels + 1);
        }
        assert!(levels >= 15, "{levels}");
        let bytes = reg.encode(&v, None).unwrap();
        // The ack is 20 bytes; each level adds a container id and count and a message header.
        assert_eq!(bytes.len(), 20 + 24 * levels);
        assert!(reg.decode(&bytes, None).is_ok());
    });
}

/// 0xff opens no string: it is named as such, not as a length of 255.
#[test]
fn a_reserved_length_prefix_says_so() {
    with_registry(|reg| {
        let err = reg.decode(&[0xff, 0, 0, 0], Some("bytes")).unwrap_err();
        assert_eq!((err.offset, &err.kind), (0, &DecodeErrorKind::ReservedLengthPrefix));
        assert!(err.to_string().starts_with("string or bytes at byte 0 starts with 0xff"), "{err}");
    });
}

/// Keys in any order encode alike: the encoder walks the JSON in its own order only while it
/// follows the schema's, and looks the rest up. An unknown key is still named.
#[test]
fn field_order_in_the_json_does_not_matter() {
    with_registry(|reg| {
        let v = msg_json();
        let in_order = reg.encode(&v, None).unwrap();
        let mut reversed = serde_json::Map::new();
        for (k, val) in v.as_object().unwrap().iter().rev() {
            reversed.insert(k.clone(), val.clone());
        }
        assert_eq!(reg.encode(&serde_json::Value::Object(reversed.clone()), None).unwrap(), in_order);
        reversed.insert("nope".into(), json!(1));
        let err = reg.encode(&serde_json::Value::Object(reversed), None).unwrap_err();
        assert_eq!((err.path.as_str(), err.message.as_str()), ("$.nope", "`msg` has no field `nope`"));
    });
}

/// A definition with a great many flags words (crafted; real ones have one or two) encodes and
/// decodes in one pass over its parameters per object, not one per word.
#[test]
fn many_flags_words_round_trip() {
    let words: usize = 3000;
    let mut schema = String::from("boolTrue#997275b5 = Bool;\nmany#77 ");
    for i in 0..words {
        // Named `flagsN`, so flags words (computed), not mode words.
        schema.push_str(&format!("flags{i}:# v{i}:flags{i}.{}?int ", i % 32));
    }
    schema.push_str("= Many;\n");
    let parsed = tl_parser::parse_tl(&schema);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics.first());
    let reg = Registry::new([&parsed.schema]);
    let mut v = serde_json::Map::new();
    v.insert("@type".into(), json!("many"));
    for i in (0..words).step_by(7) {
        v.insert(format!("v{i}"), json!(i));
    }
    let v = serde_json::Value::Object(v);
    let bytes = reg.encode(&v, None).unwrap();
    assert_eq!(bytes.len(), 4 + 4 * words + 4 * words.div_ceil(7));
    assert_eq!(reg.decode(&bytes, None).unwrap(), v);
}

/// Two parameters with one JSON key (a name declared twice is only a warning; an anonymous
/// parameter's `_0` beside one named `_0`): a key that is neither is still refused, though
/// the keys found number as many as the JSON's.
#[test]
fn an_unknown_key_is_refused_beside_repeated_keys() {
    let schema = "dup#13 a:int a:long = Dup;\nmixed#26 int _0:int = Mixed;\n";
    let parsed = tl_parser::parse_tl(schema);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics.first());
    let reg = Registry::new([&parsed.schema]);
    for (v, ty) in [
        (json!({"@type": "dup", "a": 1, "zz": 1}), "dup"),
        (json!({"@type": "mixed", "_0": 1, "zz": 1}), "mixed"),
    ] {
        let err = reg.encode(&v, None).unwrap_err();
        assert_eq!((err.path.as_str(), err.message), ("$.zz", format!("`{ty}` has no field `zz`")));
    }
    let bytes = reg.encode(&json!({"@type": "dup", "a": 1}), None).unwrap();
    assert_eq!(bytes.len(), 16);
    // The key once, at its first place, with the last value; the text path agrees (checked
    // inside `decode`), though it reads the two values one after the other.
    assert_eq!(reg.decode(&bytes, None).unwrap(), json!({"@type": "dup", "a": "1"}));
    let err = reg.sample("dup", SampleOptions::default()).unwrap_err().to_string();
    assert!(err.contains("share the JSON key `a`"), "{err}");
}

/// A flags word declared twice (only a warning) stays a flags word: out of the JSON, both
/// written from the fields, and the first one read is the one in force.
#[test]
fn a_flags_word_declared_twice_is_one_word() {
    let schema = "twoflags#1a flags:# flags:# a:flags.0?int = Two;\n";
    let parsed = tl_parser::parse_tl(schema);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics.first());
    let reg = Registry::new([&parsed.schema]);
    let v = json!({"@type": "twoflags", "a": 7});
    let bytes = reg.encode(&v, None).unwrap();
    assert_eq!(bytes, [0x1a, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0]);
    assert_eq!(reg.decode(&bytes, None).unwrap(), v);
    let none = [0x1a, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
    assert_eq!(reg.decode(&none, None).unwrap(), json!({"@type": "twoflags"}));
}

/// Values built in code (not parsed by serde_json) nest at most 256 fields and elements deep,
/// also when `Limits::max_depth` allows more.
#[test]
fn values_nest_at_most_256_deep() {
    with_registry(|reg| {
        let reg = reg_with_limit(reg, 1 << 20).with_limits(Limits { max_depth: 1000, ..Limits::default() });
        let nested = |depth: usize| {
            let (mut ty, mut v) = (String::from("int"), json!(1));
            for _ in 0..depth {
                ty = format!("Vector<{ty}>");
                v = json!([v]);
            }
            (ty, v)
        };
        let (ty, v) = nested(255);
        assert!(reg.encode(&v, Some(&ty)).is_ok());
        let (ty, v) = nested(256);
        let err = reg.encode(&v, Some(&ty)).unwrap_err();
        assert_eq!((err.path.len(), err.message.as_str()), (1 + 3 * 256, "nested too deep"));
    });
}

/// In the params' order, `"@type"` may stand anywhere, absent optionals are simply skipped,
/// and a key of no param after the others is still refused.
#[test]
fn in_order_json_with_the_type_anywhere_and_a_stray_key_last() {
    with_registry(|reg| {
        let v = msg_json();
        let expected = reg.encode(&v, None).unwrap();
        let mut moved = serde_json::Map::new();
        for (i, (k, val)) in v.as_object().unwrap().iter().filter(|(k, _)| *k != "@type").enumerate() {
            if i == 3 {
                moved.insert("@type".into(), json!("msg"));
            }
            moved.insert(k.clone(), val.clone());
        }
        assert_eq!(reg.encode(&serde_json::Value::Object(moved.clone()), None).unwrap(), expected);
        moved.insert("zz".into(), json!(0));
        let err = reg.encode(&serde_json::Value::Object(moved), None).unwrap_err();
        assert_eq!((err.path.as_str(), err.message.as_str()), ("$.zz", "`msg` has no field `zz`"));
    });
}

/// A schema in td_api.tl's shape, with fields documented "may be null".
const TD: &str = include_str!("../../tests/td_json.tl");

fn with_td(f: impl FnOnce(&Registry<'_>)) {
    let parsed = tl_parser::parse_tl(TD);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let reg = Registry::new([&parsed.schema]);
    f(&reg);
}

fn td_message(id: i64) -> serde_json::Value {
    json!({
        "@type": "message", "id": id,
        "sender_id": {"@type": "messageSenderUser", "user_id": 1_000_000_000_000_i64},
        "chat_id": -1_001_234_567_890_i64, "is_outgoing": false, "date": 1_700_000_000,
        "media_album_id": "9223372036854775807", "reply_to_message_ids": [1, 2],
    })
}

fn le(id: u32) -> [u8; 4] {
    id.to_le_bytes()
}

#[test]
fn td_null_objects_are_left_out_and_written_as_the_null_id() {
    with_td(|reg| {
        let chat = json!({"@type": "chat", "id": 5, "title": "A", "positions": []});
        let bytes = reg.encode(&chat, None).unwrap();
        let chat_id = reg.constructor("chat").unwrap().id;
        let null = le(crate::tdjson::NULL_ID);
        // id, int53, "A" padded, then photo, last_message: null; the vector; description: null.
        let mut want = le(chat_id).to_vec();
        want.extend(5i64.to_le_bytes());
        want.extend([1, b'A', 0, 0]);
        want.extend(null);
        want.extend(null);
        want.extend([0, 0, 0, 0]);
        want.extend(null);
        assert_eq!(bytes, want);
        assert_eq!(reg.decode(&bytes, None).unwrap(), chat);
        // `null` is the same as leaving the key out.
        let nulls = json!({"@type": "chat", "id": 5, "title": "A", "photo": null, "last_message": null,
            "positions": [], "description": null});
        assert_eq!(reg.encode(&nulls, None).unwrap(), bytes);
        // Elsewhere a key still cannot be left out.
        let err = reg.encode(&json!({"@type": "chat", "id": 5, "positions": []}), None).unwrap_err();
        assert_eq!(err.path, "$.title");
    });
}

#[test]
fn td_samples_show_nullable_objects_unless_minimal() {
    with_td(|reg| {
        let full = reg.sample("chat", SampleOptions::default()).unwrap();
        for key in ["photo", "last_message", "description"] {
            assert!(full.get(key).is_some(), "{key} in {full}");
        }
        // May be null: `--minimal` leaves it out, as it does optional fields.
        let minimal =
            reg.sample("chat", SampleOptions { minimal: true, ..SampleOptions::default() }).unwrap();
        assert_eq!(minimal, json!({"@type": "chat", "id": 0, "title": "", "positions": []}));
        for v in [full, minimal] {
            let bytes = reg.encode(&v, None).unwrap();
            assert_eq!(reg.decode(&bytes, None).unwrap(), v);
        }
    });
}

#[test]
fn td_objects_present_at_nullable_positions_are_boxed_and_round_trip() {
    with_td(|reg| {
        let photo = json!({"@type": "chatPhotoInfo",
            "small": {"@type": "file", "id": 1, "size": 1024, "remote_id": "r"},
            "minithumbnail": "AAEC"});
        let chat = json!({"@type": "chat", "id": 5, "title": "A", "photo": photo,
            "last_message": td_message(7), "positions": [1], "description": {"@type": "ok"}});
        let bytes = reg.encode(&chat, None).unwrap();
        // `photo:chatPhotoInfo` names the constructor (bare in TL), yet its id is written, so
        // that it cannot be mistaken for the null id.
        let photo_id = reg.constructor("chatPhotoInfo").unwrap().id;
        assert_eq!(&bytes[16..20], &le(photo_id));
        assert_eq!(reg.decode(&bytes, None).unwrap(), chat);
        assert_eq!(reg.decode(&bytes, Some("Chat")).unwrap(), chat);
        // JSON -> bytes -> JSON -> bytes is stable.
        let again = reg.decode(&bytes, None).unwrap();
        assert_eq!(reg.encode(&again, None).unwrap(), bytes);
    });
}

#[test]
fn td_vectors_whose_elements_may_be_null_hold_json_nulls() {
    with_td(|reg| {
        let list = json!({"@type": "messages", "total_count": 3,
            "messages": [td_message(1), null, td_message(3)]});
        let bytes = reg.encode(&list, None).unwrap();
        let message_id = reg.constructor("message").unwrap().id;
        // id, total_count, count 3, then the first element with its id.
        assert_eq!(&bytes[8..12], &[3, 0, 0, 0]);
        assert_eq!(&bytes[12..16], &le(message_id));
        assert!(bytes.windows(4).any(|w| w == le(crate::tdjson::NULL_ID)));
        assert_eq!(reg.decode(&bytes, None).unwrap(), list);
        for n in 0..bytes.len() {
            assert!(reg.decode(&bytes[..n], None).is_err(), "prefix {n}");
        }
    });
}

#[test]
fn td_int53_is_a_number_and_int64_a_string() {
    with_td(|reg| {
        let m = td_message(9_007_199_254_740_991);
        let bytes = reg.encode(&m, Some("Message")).unwrap();
        let back = reg.decode(&bytes, Some("Message")).unwrap();
        assert_eq!(back["id"], json!(9_007_199_254_740_991_i64));
        assert_eq!(back["chat_id"], json!(-1_001_234_567_890_i64));
        assert_eq!(back["reply_to_message_ids"], json!([1, 2]));
        assert_eq!(back["media_album_id"], json!("9223372036854775807"));
        // A string is still accepted for an int53, a number for an int64.
        let mut strings = m.clone();
        strings["id"] = json!("9007199254740991");
        strings["media_album_id"] = json!(9_223_372_036_854_775_807_i64);
        assert_eq!(reg.encode(&strings, Some("Message")).unwrap(), bytes);
    });
}

#[test]
fn td_extra_and_client_id_are_ignored_on_input() {
    with_td(|reg| {
        // What td_receive returns: an update with "@client_id", an answer with "@extra" (any
        // JSON value), at the end where TDLib puts them.
        let update = json!({"@type": "updateNewMessage", "message": td_message(4)});
        let plain = reg.encode(&update, None).unwrap();
        let mut received = update.clone();
        received["@client_id"] = json!(1);
        assert_eq!(reg.encode(&received, None).unwrap(), plain);
        assert_eq!(reg.decode(&plain, None).unwrap(), update);
        let ok = json!({"@type": "ok", "@extra": {"request": 42, "tags": ["a"]}, "@client_id": 3});
        assert_eq!(reg.encode(&ok, Some("Ok")).unwrap(), le(reg.constructor("ok").unwrap().id));
        // A request as sent to td_send, "@extra" first, and out of the params' order.
        let request = json!({"@extra": "req-1", "limit": 10, "@type": "getChatHistory",
            "chat_id": 5, "from_message_id": 0});
        let bytes = reg.encode(&request, None).unwrap();
        let back = reg.decode(&bytes, None).unwrap();
        assert_eq!(back, json!({"@type": "getChatHistory", "chat_id": 5, "from_message_id": 0, "limit": 10}));
        // Nested too, and other unknown keys are still refused.
        let mut nested = update.clone();
        nested["message"]["@extra"] = json!(null);
        assert_eq!(reg.encode(&nested, None).unwrap(), plain);
        let mut stray = update.clone();
        stray["message"]["extra"] = json!(1);
        assert_eq!(reg.encode(&stray, None).unwrap_err().path, "$.message.extra");
    });
}

#[test]
fn td_type_may_be_left_out_where_the_position_fixes_it() {
    with_td(|reg| {
        // `small:File` (a boxed type of one constructor) and `big:file` (a constructor).
        let photo = json!({"@type": "chatPhotoInfo",
            "small": {"id": 1, "size": 2, "remote_id": ""},
            "big": {"id": 3, "size": 4, "remote_id": ""}, "minithumbnail": ""});
        let bytes = reg.encode(&photo, Some("ChatPhotoInfo")).unwrap();
        let back = reg.decode(&bytes, Some("ChatPhotoInfo")).unwrap();
        assert_eq!(back["small"]["@type"], "file");
        assert_eq!(back["big"]["@type"], "file");
        assert_eq!(reg.encode(&back, Some("ChatPhotoInfo")).unwrap(), bytes);
        // A type of several constructors still needs its "@type".
        let err = reg.encode(&json!({"@type": "updateNewMessage", "message": {"id": 1}}), None);
        assert!(err.is_err());
        let sender = json!({"user_id": 1});
        let err = reg.encode(&sender, Some("MessageSender")).unwrap_err();
        assert!(err.message.contains("@type"), "{err}");
    });
}

#[test]
fn td_null_ids_are_refused_where_nothing_may_be_null() {
    with_td(|reg| {
        let null = le(crate::tdjson::NULL_ID);
        // updateNewMessage's message may not be null.
        let mut bytes = le(reg.constructor("updateNewMessage").unwrap().id).to_vec();
        bytes.extend(null);
        assert!(reg.decode(&bytes, None).is_err());
        // At a nullable position, an id of another constructor is an error that names it.
        let chat = json!({"@type": "chat", "id": 5, "title": "A", "positions": []});
        let mut bytes = reg.encode(&chat, None).unwrap();
        bytes[16..20].copy_from_slice(&le(reg.constructor("ok").unwrap().id));
        let err = reg.decode(&bytes, None).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::UnexpectedConstructor { .. }), "{err}");
        bytes[16..20].copy_from_slice(&[1, 2, 3, 4]);
        let err = reg.decode(&bytes, None).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::UnknownConstructor { .. }), "{err}");
        assert_eq!(err.offset, 16);
    });
}

#[test]
fn repetitions_are_refused_by_name_both_ways() {
    let parsed = tl_parser::parse_tl("foo#00000001 n:# [ int ] = Foo;");
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let reg = Registry::new([&parsed.schema]);
    let err = reg.decode(&[1, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0], None).expect_err("a repetition");
    assert!(matches!(err.kind, DecodeErrorKind::Unsupported(_)), "{err}");
    assert_eq!(
        err.to_string(),
        "`foo` repeats parameters (`[ … ]`) at byte 8: the dynamic codec cannot represent it, in $._1"
    );
    let err = reg.encode(&json!({"@type": "foo", "n": 0}), None).expect_err("a repetition");
    assert!(err.to_string().contains("repetitions are not supported"), "{err}");
}

/// TON's schemas declare `object ? = Object;` and `function ? = Function;` as builtins, and
/// hold any function call where a param is a `Function`.
#[test]
fn function_builtin_holds_any_call() {
    let parsed = tl_parser::parse_tl(
        "object ? = Object;\nfunction ? = Function;\ncurrentTime now:int = CurrentTime;\n---functions---\n\
         getTime = CurrentTime;\nwithBlock id:int function:Function = Object;",
    );
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let reg = Registry::new([&parsed.schema]);
    let v = json!({"@type": "withBlock", "id": 7, "function": {"@type": "getTime"}});
    let bytes = reg.encode(&v, None).expect("encodes");
    assert_eq!(bytes.len(), 12, "withBlock's id, 7, getTime's id");
    assert_eq!(reg.decode(&bytes, None).expect("decodes"), v);
    // Their bare spellings (TON's `testObject`) hold boxed objects too.
    let parsed = tl_parser::parse_tl(
        "object ? = Object;\nfunction ? = Function;\ncurrentTime now:int = CurrentTime;\n\
         testObject value:int o:object f:function = TestObject;\n---functions---\ngetTime = CurrentTime;",
    );
    let reg = Registry::new([&parsed.schema]);
    let v = json!({"@type": "testObject", "value": 1, "o": {"@type": "currentTime", "now": 5},
                   "f": {"@type": "getTime"}});
    assert_eq!(reg.decode(&reg.encode(&v, None).expect("encodes"), None).expect("decodes"), v);
    // Where constructors define a type `Function`, it is that type.
    let parsed = tl_parser::parse_tl("function#1 x:int = Function;\nholder#2 f:Function = Holder;");
    let reg = Registry::new([&parsed.schema]);
    let v = json!({"@type": "holder", "f": {"@type": "function", "x": 3}});
    assert_eq!(reg.decode(&reg.encode(&v, None).expect("encodes"), None).expect("decodes"), v);
}

/// TON-shaped definitions whose `#` words are mode words (`mode`, not `flags`).
const TON_MODE: &str = include_str!("../../tests/ton_mode.tl");

fn with_ton_registry(f: impl FnOnce(&Registry<'_>)) {
    let parsed = tl_parser::parse_tl(TON_MODE);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    f(&Registry::new([&parsed.schema]))
}

fn block_id() -> serde_json::Value {
    json!({"@type": "test.blockId", "workchain": -1, "shard": "-9223372036854775808", "seqno": 5})
}

/// The word after a definition's id, where these definitions' mode words are (or after
/// `test.blockId`, 16 bytes, in `listBlockTransactions`).
fn word_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// A mode word's bits without fields are data: lookupBlock's bit 0 ("by seqno") goes on the
/// wire and comes back as a number in the JSON, with no note of unknown bits.
#[test]
fn a_mode_word_without_field_bits_round_trips() {
    with_ton_registry(|reg| {
        let v = json!({"@type": "test.lookupBlock", "mode": 1, "id": block_id()});
        let bytes = reg.encode(&v, None).unwrap();
        assert_eq!((word_at(&bytes, 4), bytes.len()), (1, 4 + 4 + 16));
        let (back, notes) = reg.decode_noting(&bytes, None);
        assert_eq!(back.unwrap(), v);
        assert_eq!(notes, DecodeNotes::default());
        // A word beside it named `flags` stays computed and out of the JSON.
        let v = json!({"@type": "test.grouped", "mode": 0x100, "d": true, "e": 3});
        let bytes = reg.encode(&v, None).unwrap();
        assert_eq!((word_at(&bytes, 4), word_at(&bytes, 8)), (0x110, 1));
        let back = reg.decode(&bytes, None).unwrap();
        assert_eq!(back, json!({"@type": "test.grouped", "mode": 0x110, "c": false, "d": true, "e": 3}));
    });
}

/// The bits that fields use follow those fields, whatever the number says, so the bytes
/// always decode; the other bits are the number's.
#[test]
fn governed_mode_bits_follow_their_fields() {
    with_ton_registry(|reg| {
        // Bit 1 (lt) given without lt is cleared; bit 2 (utime) is set by utime.
        let v = json!({"@type": "test.lookupBlock", "mode": 3, "id": block_id(), "utime": 9});
        let bytes = reg.encode(&v, None).unwrap();
        assert_eq!(word_at(&bytes, 4), 0b101);
        let expected = json!({"@type": "test.lookupBlock", "mode": 5, "id": block_id(), "utime": 9});
        assert_eq!(reg.decode(&bytes, None).unwrap(), expected);
        // Bits 0-2 of listBlockTransactions have no fields; 5 and 6 are `true` flags, 7 `after`.
        let after = json!({"@type": "test.txId3", "account": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "lt": "7"});
        let v = json!({"@type": "test.listBlockTransactions", "id": block_id(), "mode": 0x27,
            "count": 40, "after": after, "reverse_order": true, "want_proof": false});
        let bytes = reg.encode(&v, None).unwrap();
        assert_eq!(word_at(&bytes, 4 + 16), 0xc7);
        let mut expected = v.clone();
        expected["mode"] = json!(0xc7);
        assert_eq!(reg.decode(&bytes, None).unwrap(), expected);
        // Fields sharing bit 3: both values set it, and imply the `true` flag on it.
        let v = json!({"@type": "test.grouped", "mode": 0, "a": 1, "b": "2"});
        let bytes = reg.encode(&v, None).unwrap();
        assert_eq!(word_at(&bytes, 4), 0b1000);
        let expected = json!({"@type": "test.grouped", "mode": 8, "a": 1, "b": "2", "c": true, "d": false});
        assert_eq!(reg.decode(&bytes, None).unwrap(), expected);
        let half = json!({"@type": "test.grouped", "mode": 8, "a": 1});
        assert_eq!(reg.encode(&half, None).unwrap_err().path, "$.b");
    });
}

/// A mode word is a number from 0 to 2^32-1; anything else is refused where it stands.
#[test]
fn a_mode_word_that_is_no_number_is_refused_with_its_path() {
    with_ton_registry(|reg| {
        for bad in [json!("x"), json!(-1), json!(4_294_967_296_u64), json!(1.5), json!(true)] {
            let v = json!({"@type": "test.lookupBlock", "mode": bad, "id": block_id()});
            let err = reg.encode(&v, None).unwrap_err();
            assert_eq!(err.path, "$.mode", "{bad}");
            assert!(err.message.contains("number"), "{}", err.message);
            let tx = json!({"@type": "test.shortTxId", "mode": bad});
            let v = json!({"@type": "test.blockTransactions", "id": block_id(), "req_count": 1,
                "incomplete": false, "ids": [{"@type": "test.shortTxId", "mode": 0}, tx]});
            assert_eq!(reg.encode(&v, None).unwrap_err().path, "$.ids[1].mode", "{bad}");
        }
    });
}

/// A mode word left out (or `null`) is 0, with the bits of the fields given merged in.
#[test]
fn a_missing_mode_word_is_0() {
    with_ton_registry(|reg| {
        let zero = reg.encode(&json!({"@type": "test.lookupBlock", "mode": 0, "id": block_id()}), None);
        for v in [
            json!({"@type": "test.lookupBlock", "id": block_id()}),
            json!({"@type": "test.lookupBlock", "mode": null, "id": block_id()}),
        ] {
            assert_eq!(reg.encode(&v, None), zero);
        }
        let v = json!({"@type": "test.shortTxId", "lt": "5"});
        let bytes = reg.encode(&v, None).unwrap();
        assert_eq!(word_at(&bytes, 4), 0b10);
        assert_eq!(
            reg.decode(&bytes, None).unwrap(),
            json!({"@type": "test.shortTxId", "mode": 2, "lt": "5"})
        );
    });
}

/// What [`Registry::decode_json`] gives for `bytes` is what `serde_json` prints for the value
/// that [`Registry::decode_noting`] gave (`decoded`), in both layouts: the same text, or the
/// same error, and the same notes. Called on every decode of these tests.
pub(super) fn text_agrees(
    reg: &Registry<'_>,
    bytes: &[u8],
    ty: Option<&str>,
    decoded: &(Result<serde_json::Value, DecodeError>, DecodeNotes),
) {
    for layout in [JsonLayout::Compact, JsonLayout::Pretty] {
        let (text, notes) = reg.decode_json(bytes, ty, layout);
        assert_eq!(notes, decoded.1, "notes differ ({layout:?})");
        match (&text, &decoded.0) {
            (Ok(text), Ok(value)) => {
                let want = match layout {
                    JsonLayout::Compact => serde_json::to_string(value),
                    JsonLayout::Pretty => serde_json::to_string_pretty(value),
                };
                assert_eq!(text, &want.unwrap(), "text differs ({layout:?})");
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "errors differ ({layout:?})"),
            _ => panic!("one decode failed, the other did not ({layout:?}): {text:?} / {:?}", decoded.0),
        }
    }
}

#[test]
fn text_escapes_strings_as_serde_json_does() {
    with_registry(|reg| {
        let mut all: Vec<u8> = (0u8..0x80).collect();
        all.extend("é ✓ 𝄞 \u{2028}\u{2029}\u{7f}".bytes());
        for text in [&all[..], b"", b"\"quoted\" \\ back", "ключ".as_bytes(), b"\xff\xfe lossy"] {
            let mut bytes = vec![text.len() as u8];
            if text.len() >= 254 {
                bytes = vec![254, text.len() as u8, 0, 0];
            }
            bytes.extend_from_slice(text);
            while bytes.len() % 4 != 0 {
                bytes.push(0);
            }
            // `text_agrees` runs inside.
            reg.decode(&bytes, Some("string")).unwrap();
        }
    });
}

#[test]
fn text_writes_doubles_and_empty_arrays_as_serde_json_does() {
    with_registry(|reg| {
        for v in
            [0.0, -0.0, 1.0, 1.5e300, -2.5e-300, f64::MIN_POSITIVE, f64::NAN, f64::INFINITY, -f64::INFINITY]
        {
            reg.decode(&v.to_le_bytes(), Some("double")).unwrap();
        }
        reg.decode(&[0x15, 0xc4, 0xb5, 0x1c, 0, 0, 0, 0], Some("Vector<Vector<int>>")).unwrap();
        let nested = [0x15, 0xc4, 0xb5, 0x1c, 2, 0, 0, 0, 0x15, 0xc4, 0xb5, 0x1c, 0, 0, 0, 0];
        reg.decode(
            &[&nested[..], &[0x15, 0xc4, 0xb5, 0x1c, 0, 0, 0, 0]].concat(),
            Some("Vector<Vector<int>>"),
        )
        .unwrap();
    });
}

/// Samples of `what` (a skeleton and a few seeds) encode, and decode back to themselves.
fn samples_round_trip(reg: &Registry<'_>, what: &str) {
    let ty = reg.sample_type(what);
    for (seed, minimal) in [(None, false), (None, true), (Some(1), false), (Some(2), true), (Some(3), false)]
    {
        let v = reg.sample(what, SampleOptions { seed, minimal, ..SampleOptions::default() }).unwrap();
        let bytes = reg.encode(&v, ty).unwrap_or_else(|e| panic!("{what} ({seed:?}): {e}\n{v}"));
        assert_eq!(reg.decode(&bytes, ty).unwrap(), v, "{what} ({seed:?})");
    }
}

#[test]
fn a_skeleton_shows_every_field_with_zeros_and_one_element_per_vector() {
    with_registry(|reg| {
        let v = reg.sample("msg", SampleOptions::default()).unwrap();
        let want = json!({
            "@type": "msg", "out": true, "silent": true, "id": 0,
            "peer": {"@type": "peerUser", "user_id": "0"}, "text": "",
            "ents": [{"@type": "entity", "offset": 0, "length": 0}],
            "pinned": true, "data": "",
            "big": "AAAAAAAAAAAAAAAAAAAAAA==",
            "huge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "ok": false,
        });
        assert_eq!(v, want);
        let minimal = reg.sample("msg", SampleOptions { minimal: true, ..SampleOptions::default() }).unwrap();
        let want = json!({
            "@type": "msg", "out": false, "silent": false, "id": 0,
            "peer": {"@type": "peerUser", "user_id": "0"}, "text": "", "pinned": false,
            "big": "AAAAAAAAAAAAAAAAAAAAAA==",
            "huge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "ok": false,
        });
        assert_eq!(minimal, want);
        for what in
            ["msg", "grid", "tree", "getMsg", "invokeWithLayer", "Vector<Vector<long>>", "%point", "Peer"]
        {
            samples_round_trip(reg, what);
        }
        assert_eq!(reg.sample_type("getMsg"), None);
        assert_eq!(reg.sample_type("Vector<long>"), Some("Vector<long>"));
        // `!X` holds a function call.
        let call = reg.sample("invokeWithLayer", SampleOptions::default()).unwrap();
        assert_eq!(call["query"]["@type"], "getMsg");
    });
}

#[test]
fn seeded_samples_differ_by_seed_and_repeat_for_the_same_one() {
    with_registry(|reg| {
        let of =
            |seed| reg.sample("msg", SampleOptions { seed: Some(seed), ..SampleOptions::default() }).unwrap();
        assert_eq!(of(7), of(7));
        assert!((0..8).any(|s| of(s) != of(7)));
        // Neighbouring seeds too (2k and 2k + 1 once gave the same state).
        let ten: Vec<_> = (0..10).map(of).collect();
        let distinct = ten.iter().enumerate().filter(|(i, v)| !ten[..*i].contains(v)).count();
        assert!(distinct >= 8, "{distinct} distinct samples of 10 seeds");
    });
}

#[test]
fn samples_end_on_recursive_types_and_name_what_they_cannot_make() {
    let schema = "
        leaf#1 = Tree;
        node#2 left:Tree right:Tree = Tree;
        loop#3 next:Loop = Loop;
        holder#4 l:Loop = Holder;
        rep#5 n:# [ int ] = Rep;
        gzip_packed#3072cfa1 packed_data:bytes = Object;
    ";
    let parsed = tl_parser::parse_tl(schema);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let reg = Registry::new([&parsed.schema]);
    // The first constructor of a skeleton; the one that ends at the depth limit.
    samples_round_trip(&reg, "node");
    let deep = reg.sample("node", SampleOptions { max_depth: 0, ..SampleOptions::default() }).unwrap();
    assert_eq!(deep, json!({"@type": "node", "left": {"@type": "leaf"}, "right": {"@type": "leaf"}}));
    let err = |what: &str| reg.sample(what, SampleOptions::default()).unwrap_err().to_string();
    assert!(err("holder").contains("`Loop` has no finite value"), "{}", err("holder"));
    assert!(err("nothing").contains("names no constructor, function or type"), "{}", err("nothing"));
    assert!(err("Nothing").contains("names no constructor, function or type"), "{}", err("Nothing"));
    assert!(err("rep").contains("repeats parameters"), "{}", err("rep"));
    assert!(err("gzip_packed").contains("inflates"), "{}", err("gzip_packed"));
    assert!(err("Vector<").contains("neither a definition nor a type"), "{}", err("Vector<"));
}

#[test]
fn samples_of_mode_words_sized_objects_and_td_nulls_round_trip() {
    with_ton_registry(|reg| {
        for what in ["test.lookupBlock", "test.listBlockTransactions", "test.grouped", "test.shortTxId"] {
            samples_round_trip(reg, what);
        }
    });
    with_mtproto(|reg| {
        for what in ["msg_container", "rpc_result", "rpc_drop_answer", "message"] {
            samples_round_trip(reg, what);
        }
        let container = reg.sample("msg_container", SampleOptions::default()).unwrap();
        let item = &container["messages"][0];
        let body = reg.encode(&item["body"], None).unwrap();
        assert_eq!(item["bytes"], json!(body.len()), "the computed length of the body");
    });
    with_td(|reg| {
        for what in ["chat", "messages", "getChatHistory", "updateNewChat", "chatPhotoInfo"] {
            samples_round_trip(reg, what);
        }
    });
}

/// A generic wrapper stands for a call only when nothing else can: `fn0`'s query is `fn1`,
/// not `fn0` again and again until the depth limit.
#[test]
fn a_sample_of_a_wrapper_wraps_another_call() {
    let schema = "c = T;\n---functions---\nfn0 {Y:Type} query:!Y = Y;\nfn1 o:Object = T;\n";
    let parsed = tl_parser::parse_tl(schema);
    let reg = Registry::new([&parsed.schema]);
    let v = reg.sample("fn0", SampleOptions::default()).unwrap();
    assert_eq!(v, json!({"@type": "fn0", "query": {"@type": "fn1", "o": {"@type": "c"}}}));
    samples_round_trip(&reg, "fn0");
}

/// A name both a constructor and a function have is the constructor's, in a sample as in
/// `"@type"`, so the sample encodes as itself.
#[test]
fn a_sample_of_a_name_two_definitions_share_is_the_constructors() {
    let schema = "same#1 a:int = Same;\n---functions---\nsame#2 b:long = Same;\n";
    let parsed = tl_parser::parse_tl(schema);
    let reg = Registry::new([&parsed.schema]);
    let v = reg.sample("same", SampleOptions::default()).unwrap();
    assert_eq!(v, json!({"@type": "same", "a": 0}));
    samples_round_trip(&reg, "same");
}
