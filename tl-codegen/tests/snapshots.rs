//! Snapshots of generated code for a small schema that covers the shapes the generator must
//! handle: flags, flags2, `true` flags, `{X:Type}` generics with `!X`, vectors of vectors, bare
//! types, int128/int256, recursive types, namespaces and one-constructor types.

use tl_codegen::{Generator, Options};

const SCHEMA: &str = r#"
// LAYER 7
boolFalse#bc799737 = Bool;
boolTrue#997275b5 = Bool;
vector#1cb5c415 {t:Type} # [ t ] = Vector t;

peerUser#59511722 user_id:long = Peer;
peerChat#36c6019a chat_id:long = Peer;

textPlain#744694e0 text:string = RichText;
textBold#6724abc4 text:RichText = RichText;
textConcat#7e6260d7 texts:Vector<RichText> = RichText;

futureSalt#0949d9dc valid_since:int valid_until:int salt:long = FutureSalt;
futureSalts#ae500895 req_msg_id:long now:int salts:vector<futureSalt> = FutureSalts;

message#94345242 flags:# out:flags.1?true silent:flags.13?true id:int from_id:flags.8?Peer message:string grid:flags.2?Vector<Vector<int>> flags2:# offline:flags2.1?true via_business_bot_id:flags2.0?long nonce:int128 key:int256 ok:Bool data:bytes = Message;
messageEmpty#90a6ca84 flags:# id:int peer_id:flags.0?Peer = Message;

messages.chats#64ff9fd5 chats:Vector<Peer> = messages.Chats;

---functions---

invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;
messages.getChats#49e9528f id:Vector<long> = messages.Chats;
messages.sendMessage#fe05dc9a flags:# silent:flags.5?true peer:Peer message:string random_id:long = Message;
help.getFutureSalts#b921bd04 num:int = FutureSalts;
"#;

fn generate(options: Options) -> String {
    let parsed = tl_parser::parse(SCHEMA);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let schemas = [parsed.schema];
    let files = Generator::new(&schemas, options).generate().expect("generate");
    files.iter().map(|f| format!("// ===== {} =====\n{}", f.path, f.text)).collect()
}

#[test]
fn borrowed() {
    insta::assert_snapshot!(generate(Options::default()));
}

#[test]
fn owned() {
    insta::assert_snapshot!(generate(Options { owned: true, ..Options::default() }));
}

#[test]
fn serde_owned() {
    insta::assert_snapshot!(generate(Options { owned: true, serde: true, ..Options::default() }));
}

#[test]
fn only_reaches_what_is_named() {
    let out = generate(Options { only: Some(vec!["messages.getChats".into()]), ..Options::default() });
    assert!(out.contains("pub struct GetChats"));
    assert!(out.contains("pub enum Peer"));
    assert!(!out.contains("pub struct Message<"));
    assert!(!out.contains("SendMessage"));
    insta::assert_snapshot!(out);
}

#[test]
fn unknown_only_name_is_an_error() {
    let parsed = tl_parser::parse(SCHEMA);
    let schemas = [parsed.schema];
    let options = Options { only: Some(vec!["nope".into()]), ..Options::default() };
    let err = Generator::new(&schemas, options).generate().unwrap_err();
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn only_patterns_name_every_match() {
    let parsed = tl_parser::parse(SCHEMA);
    let schemas = [parsed.schema];
    let only = |names: &[&str]| {
        let options =
            Options { only: Some(names.iter().map(|s| s.to_string()).collect()), ..Options::default() };
        Generator::new(&schemas, options)
            .generate()
            .map(|f| f.into_iter().map(|f| f.text).collect::<String>())
    };
    // Both `messages.` functions and the `messages.chats` constructor, and what they reach.
    let text = only(&["messages.*"]).expect("generates");
    for item in ["pub struct GetChats", "pub struct SendMessage", "pub struct Chats", "pub enum Peer"] {
        assert!(text.contains(item), "{item} missing");
    }
    assert!(!text.contains("pub struct FutureSalts"));
    assert!(!text.contains("pub struct InvokeWithLayer"));
    let text = only(&["*Salt*"]).expect("generates");
    assert!(text.contains("pub struct FutureSalts") && text.contains("pub struct GetFutureSalts"));
    assert!(!text.contains("pub struct Chats"));
    let err = only(&["users.*"]).unwrap_err();
    assert_eq!(err, "`users.*` matches no constructor, function or type of the schema");
}

#[test]
fn type_attributes_must_name_an_item_and_be_attributes() {
    let parsed = tl_parser::parse(SCHEMA);
    let schemas = [parsed.schema];
    let run = |name: &str, attr: &str| {
        let options =
            Options { type_attributes: vec![(name.to_string(), attr.to_string())], ..Options::default() };
        Generator::new(&schemas, options).generate().map(|_| ())
    };
    assert_eq!(run("peerUser", "#[derive(Hash)] #[non_exhaustive]"), Ok(()));
    assert_eq!(run("Peer", "#[non_exhaustive]"), Ok(()));
    assert_eq!(run(".", "#[non_exhaustive]"), Ok(()));
    let err = run("peerUsr", "#[derive(Hash)]").unwrap_err();
    assert!(err.contains("no constructor, function or type of the schema has that name"), "{err}");
    for bad in ["derive(Hash)", "fn injected() {}", "#[derive(Hash)] pub struct X;", ""] {
        let err = run("peerUser", bad).unwrap_err();
        assert!(err.contains("expected attributes"), "{bad}: {err}");
    }
}

/// A boxed type with one constructor is an alias of the constructor's struct: attributes
/// given for the type go on that struct rather than nowhere.
#[test]
fn type_attributes_of_a_one_constructor_type_go_on_its_struct() {
    let schemas = [tl_parser::parse("point#00000001 x:int y:int = Point;").schema];
    let options = Options {
        type_attributes: vec![("Point".into(), "#[derive(Default)]".into())],
        ..Options::default()
    };
    let text: String = Generator::new(&schemas, options)
        .generate()
        .expect("generates")
        .into_iter()
        .map(|f| f.text)
        .collect();
    assert!(text.contains("pub type Point = super::types::Point;"), "{text}");
    assert!(text.contains("#[derive(Default)]\npub struct Point"), "{text}");
}

/// A definition named like one given before it (another id) is left out, and said so.
#[test]
fn shadowed_definitions_are_reported() {
    let older = tl_parser::parse("a#00000001 = A;\n---functions---\nf#00000003 = A;").schema;
    let newer = tl_parser::parse("a#00000002 x:int = A;\n---functions---\nf#00000003 = A;").schema;
    let schemas = [older, newer];
    let g = Generator::new(&schemas, Options::default());
    let text: String = g.generate().expect("generates").into_iter().map(|f| f.text).collect();
    assert!(text.contains("pub struct A;"), "the first `a` is generated");
    assert_eq!(
        g.warnings(),
        ["`a#00000002` is not generated: `a#00000001`, given before it, has the same name"]
    );
}

/// A definition that repeats parameters (`[ t ]`) has no Rust form: it is left out and said
/// so, and what names its type says why it is unknown.
#[test]
fn repeating_definitions_are_reported() {
    let schemas = [tl_parser::parse("foo#00000001 n:# [ int ] = Foo;\nok#00000002 = Ok;").schema];
    let g = Generator::new(&schemas, Options::default());
    g.generate().expect("generates the rest");
    assert_eq!(
        g.warnings(),
        ["`foo#00000001` is not generated: it repeats parameters (`[ … ]`), which generated types do not model"]
    );
    let schemas = [tl_parser::parse("foo#00000001 n:# [ int ] = Foo;\nbar#00000002 f:Foo = Bar;").schema];
    let err = Generator::new(&schemas, Options::default()).generate().expect_err("Foo is not generated");
    assert!(err.contains("`foo` defines it, but repeats parameters"), "{err}");
    // So does a definition left out for the name of one given before it.
    let schemas = [tl_parser::parse(
        "foo#00000001 x:int = Foo;\nfoo#00000002 y:long = Bar;\nbaz#00000003 b:Bar = Baz;",
    )
    .schema];
    let err = Generator::new(&schemas, Options::default()).generate().expect_err("Bar is not generated");
    assert!(
        err.contains(
            "`foo#00000002` defines it, but is left out: `foo#00000001`, given before it, has the same name"
        ),
        "{err}"
    );
    // And a boxed built-in, which has no Rust form.
    let schemas = [tl_parser::parse("string ? = String;\nfoo#00000001 s:String = Foo;").schema];
    let err = Generator::new(&schemas, Options::default()).generate().expect_err("String is not generated");
    assert!(
        err.contains("`string` is a built-in, generated as a Rust type with no boxed form: write `string`"),
        "{err}"
    );
}

/// An `Object` with parameters after it cannot be read by generated code, which reads it to
/// the end of the input: a warning says so. A last one, or a sized one, is fine.
#[test]
fn an_object_before_other_parameters_is_warned_of() {
    let schema = "int ? = Int;\nb = B;\nc o:Object x:int = T;\nd x:int o:Object = T;\n\
                  e bytes:int body:Object x:int = T;";
    let schemas = [tl_parser::parse(schema).schema];
    let g = Generator::new(&schemas, Options::default());
    g.generate().expect("generates");
    let w: Vec<String> = g.warnings().into_iter().filter(|w| w.contains("Object")).collect();
    assert_eq!(
        w,
        ["`c`: `o:Object` is not its last parameter: generated code reads an `Object` to the end of the input, \
          so it cannot decode this (the dynamic codec, `tl decode`, can)"]
    );
}

/// TON's builtin lines (`object ? = Object;`, `function ? = Function;`) are no items, and a
/// `Function` param holds any call, undecoded, as an `Object` does.
#[test]
fn question_mark_builtins_and_function_params() {
    let schema = "object ? = Object;\nfunction ? = Function;\ncurrentTime now:int = CurrentTime;\n\
                  testObject o:object = TestObject;\n---functions---\ngetTime = CurrentTime;\n\
                  withBlock id:int function:Function = Object;";
    let schemas = [tl_parser::parse(schema).schema];
    let text: String = Generator::new(&schemas, Options::default())
        .generate()
        .expect("generates")
        .into_iter()
        .map(|f| f.text)
        .collect();
    assert!(text.contains("pub function: ::tl_codec::RawObject<'a>,"), "{text}");
    assert!(text.contains("pub o: ::tl_codec::RawObject<'a>,"), "{text}");
    assert!(!text.contains("pub struct Object") && !text.contains("pub struct Function"), "{text}");
}

/// MTProto's service objects and TDLib's `int512`: where an `Object` ends.
const SERVICE: &str = r#"
vector#1cb5c415 {t:Type} # [ t ] = Vector t;
int32 = Int32;
int64 = Int64;
int512 16*[ int ] = Int512;
rpc_result#f35c6d01 req_msg_id:long result:Object = RpcResult;
message msg_id:long seqno:int bytes:int body:Object = Message;
msg_container#73f1f8dc messages:vector<%Message> = MessageContainer;
e2e.chain.groupBroadcastNonceCommit#d1512ae7 signature:int512 user_id:int64 chain_height:int32 nonce_hash:int256 = e2e.chain.GroupBroadcast;
"#;

fn generate_service(options: Options) -> String {
    let parsed = tl_parser::parse(SERVICE);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let schemas = [parsed.schema];
    let files =
        Generator::new(&schemas, Options { single_file: true, ..options }).generate().expect("generate");
    files.iter().map(|f| f.text.as_str()).collect()
}

#[test]
fn sized_objects_and_int512() {
    let out = generate_service(Options::default());
    // `message`'s body is exactly `bytes` long; `rpc_result`'s result is the rest.
    let flat: String = out.split_whitespace().collect();
    assert!(
        flat.contains("::tl_codec::ok_or_return!(::tl_codec::sized_object::length::decode(__r)"),
        "{out}"
    );
    assert!(flat.contains("::tl_codec::ok_or_return!(::tl_codec::sized_object::body::decode(__r)"), "{out}");
    assert!(out.contains("<::tl_codec::RawObject<'a> as ::tl_codec::Decode<"), "{out}");
    assert!(out.contains("pub signature: [u8; 64],"), "{out}");
    assert!(out.contains("pub user_id: i64,\n") && out.contains("pub chain_height: i32,"), "{out}");
    // TDLib's `int32 = Int32;` lines are primitives, not structs.
    assert!(!out.contains("pub struct Int32"), "{out}");
    insta::assert_snapshot!(out);
    let owned = generate_service(Options { owned: true, ..Options::default() });
    assert!(owned.contains("pub body: ::tl_codec::RawObjectBuf,"), "{owned}");
}

#[test]
fn only_a_constructor_leaves_out_its_siblings_enum() {
    let out =
        generate(Options { only: Some(vec!["peerUser".into(), "futureSalts".into()]), ..Options::default() });
    assert!(out.contains("pub struct PeerUser"), "{out}");
    // `Peer` would need `peerChat`, which was not asked for.
    assert!(!out.contains("pub enum Peer") && !out.contains("PeerChat"), "{out}");
    // One-constructor types keep their alias.
    assert!(out.contains("pub type FutureSalt = "), "{out}");
}

/// td_api-style doc comments become Rust docs: `//@class … @description` on the enum, a
/// definition's `@description` on its struct, and each `//@param text` on its field
/// (`@param_description` for a parameter named `description`).
#[test]
fn td_api_docs_reach_types_and_fields() {
    const TD: &str = r#"
//@class ChatType @description Describes the type of a chat

//@description An ordinary chat with a user @user_id User identifier
chatTypePrivate user_id:int53 = ChatType;

//@description A basic group @basic_group_id Group identifier @param_description Group description
chatTypeBasicGroup basic_group_id:int53 description:string = ChatType;

//@description A photo without a caption
photo width:int32 height:int32 = Photo;
"#;
    let parsed = tl_parser::parse(TD);
    let schemas = [parsed.schema];
    let files = Generator::new(&schemas, Options::default()).generate().expect("generate");
    let text: String = files.iter().map(|f| format!("// ===== {} =====\n{}", f.path, f.text)).collect();
    for doc in [
        "/// Describes the type of a chat\n///\n/// The boxed type `ChatType`",
        "/// An ordinary chat with a user\n///\n/// `chatTypePrivate",
        "    /// User identifier\n    pub user_id: i64,",
        "    /// Group description\n    pub description: ",
        "    pub width: i32,",
    ] {
        assert!(text.contains(doc), "{doc:?} missing from\n{text}");
    }
    insta::assert_snapshot!(text);
}

/// TDLib's JSON conventions in generated code: a field documented "may be null" is an
/// `Option` written with `tl_codec::nullable` and left out of JSON when `None`, a vector whose
/// elements may be null holds `Option`s, and `int53` goes through the number adaptor `N`.
#[test]
fn td_api_nullable_fields_and_int53() {
    const TD: &str = r#"
int32 = Int32;
int53 = Int53;
vector {t:Type} # [ t ] = Vector t;

//@description A file @id File identifier @size Size; 0 if unknown
file id:int32 size:int53 = File;

//@description A chat @id Chat identifier @photo Chat photo; may be null @files Files; files may be null @ids Identifiers
chat id:int53 photo:file files:vector<file> ids:vector<int53> = Chat;
"#;
    let parsed = tl_parser::parse(TD);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let schemas = [parsed.schema];
    let options = Options { serde: true, ..Options::default() };
    let files = Generator::new(&schemas, options).generate().expect("generate");
    let text: String = files.iter().map(|f| format!("// ===== {} =====\n{}", f.path, f.text)).collect();
    for line in [
        "pub photo: Option<super::types::File>,",
        "pub files: Vec<Option<super::types::File>>,",
        "pub ids: Vec<i64>,",
        "::tl_codec::nullable::value::encode(__f1, __out);",
        "::tl_codec::nullable::bare_vector::decode(__r)",
        "m.serialize_entry(\"ids\", &super::tl_json::N(&self.ids))?;",
        "impl<T: ToJson> ToJson for Option<T> {",
    ] {
        assert!(text.contains(line), "{line:?} missing from\n{text}");
    }
    insta::assert_snapshot!(text);
}

/// TON's mode words (`mode:#` that flag fields use, not named `flags`): a `u32` field, written
/// with the bits of its fields merged in and read whole; a `flags` word beside one stays
/// computed. Fields sharing a bit on a mode word go together, as on flags words.
#[test]
fn mode_words() {
    let parsed = tl_parser::parse(include_str!("ton_mode.tl"));
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let schemas = [parsed.schema];
    let generate = |options| -> String {
        let files = Generator::new(&schemas, Options { single_file: true, ..options }).generate();
        files.expect("generate").iter().map(|f| f.text.as_str()).collect()
    };
    let out = generate(Options::default());
    let flat: String = out.split_whitespace().collect();
    for line in [
        // lookupBlock: bits 1 and 2 are `lt` and `utime`; the rest come from `mode`.
        "pubmode:u32,",
        "letmut__flags0:u32=*__f0&0xfffffff9;",
        // listBlockTransactions: bits 5 and 6 are `true` flags, 7 is `after`.
        "letmut__flags1:u32=*__f1&0xffffff1f|if*__f4{1u32<<6u32}else{0u32}|if*__f5{1u32<<5u32}else{0u32};",
        // Decoding keeps the whole word: no bit of it is unknown.
        "let__f0=__flags0;",
    ] {
        assert!(flat.contains(line), "{line:?} missing from\n{out}");
    }
    // `grouped`'s `flags` word stays computed, with no field.
    let undocumented: String = out.lines().filter(|l| !l.trim_start().starts_with("///")).collect();
    let undocumented: String = undocumented.split_whitespace().collect();
    assert!(undocumented.contains("pubstructGrouped{pubmode:u32,puba:Option<i32>,pubb:Option<i64>,pubc:bool,pubd:bool,pube:Option<i32>,}"), "{out}");
    insta::assert_snapshot!(out);
    // JSON: a number, written and read; left out, it is 0.
    let serde: String =
        generate(Options { serde: true, owned: true, ..Options::default() }).split_whitespace().collect();
    for line in ["m.serialize_entry(\"mode\",", "tl_json::J(&self.mode))?;", "mode:__v0.unwrap_or(0),"] {
        assert!(serde.contains(line), "{line:?} missing");
    }
    // Named by `mode_words` (as TON's adnl.proxyPacketHeader must be), `grouped` keeps its
    // `flags` word as data too, merged with its field's bit when encoding.
    let kept = generate(Options { mode_words: vec!["test.group*".into()], ..Options::default() });
    let kept: String = kept.lines().filter(|l| !l.trim_start().starts_with("///")).collect();
    let kept: String = kept.split_whitespace().collect();
    assert!(
        kept.contains("pubstructGrouped{pubmode:u32,puba:Option<i32>,pubb:Option<i64>,pubc:bool,pubd:bool,pubflags:u32,pube:Option<i32>,}"),
        "{kept}"
    );
}

/// The dynamic codec keeps a `flags` word's bits that no field uses only for the definitions
/// `Registry::with_mode_words` names: otherwise they are computed from the fields, and lost.
#[test]
fn mode_words_keep_bits_no_field_uses_in_the_dynamic_codec() {
    let parsed = tl_parser::parse(include_str!("ton_mode.tl"));
    let schemas = [parsed.schema];
    let value = serde_json::json!({"@type": "test.grouped", "mode": 0, "flags": 0x10001, "e": 5});
    let kept = tl_codegen::dynamic::Registry::with_mode_words(&schemas, vec!["test.grouped".into()]);
    let bytes = kept.encode(&value, None).expect("encode");
    // mode, then the flags word with bit 16 kept and bit 0 from `e`, then `e`.
    assert_eq!(bytes[4..16], [0, 0, 0, 0, 1, 0, 1, 0, 5, 0, 0, 0]);
    let back = kept.decode(&bytes, None).expect("decode");
    assert_eq!(back["flags"], 0x10001);
    // Without it, `flags` is computed: bit 16 is not the schema's, and the JSON has no key for it.
    let plain = tl_codegen::dynamic::Registry::new(&schemas);
    assert!(plain.decode(&bytes, None).expect("decode").get("flags").is_none());
    // Given anyway, it is taken only if its bits are the fields': the others would be lost.
    let err = plain.encode(&value, None).unwrap_err();
    assert_eq!(err.path, "$.flags");
    assert!(err.message.starts_with("bits 0x10000 have no field and would be lost"), "{}", err.message);
    assert!(err.message.contains("--mode-words test.grouped"), "{}", err.message);
    let fields_only = serde_json::json!({"@type": "test.grouped", "mode": 0, "flags": 1, "e": 5});
    assert_eq!(plain.encode(&fields_only, None).expect("encode")[8..12], [1, 0, 0, 0]);
    let garbage = serde_json::json!({"@type": "test.grouped", "mode": 0, "flags": "x", "e": 5});
    assert!(plain.encode(&garbage, None).unwrap_err().message.starts_with("expected a number"));
    // Generated code refuses a name that would keep nothing, as `tl gen` does.
    let options = Options { mode_words: vec!["test.Grouped".into()], ..Options::default() };
    let err = Generator::new(&schemas, options).generate().unwrap_err();
    assert!(err.contains("`test.Grouped` is a type; name its constructors: `test.grouped`"), "{err}");
}

#[test]
fn answer_links_name_escaped_items_as_rustdoc_resolves_them() {
    // Names that are keywords become `Self_`/`crate_`/`super_` items, or raw `r#type`, which a
    // rustdoc link names without the `r#`.
    let schema =
        "self y:int = Self;\ncrate.thing z:int = crate.Thing;\nsuper.a = super.A;\nsuper.b = super.A;\n\
                  type.foo q:int = type.Foo;\n---functions---\ngetSelf = Self;\ngetThing = crate.Thing;\n\
                  getA = super.A;\ngetFoo = type.Foo;\n";
    let parsed = tl_parser::parse(schema);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let schemas = [parsed.schema];
    let files = Generator::new(&schemas, Options::default()).generate().expect("generate");
    let text: String = files.iter().map(|f| f.text.as_str()).collect();
    for link in [
        "[`types::Self_`](super::types::Self_)",
        "[`types::crate_::Thing`](super::types::crate_::Thing)",
        "[`enums::super_::A`](super::enums::super_::A)",
        "[`types::type::Foo`](super::types::type::Foo)",
    ] {
        assert!(text.contains(link), "{link} in\n{text}");
    }
}
