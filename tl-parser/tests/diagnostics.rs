//! Snapshots of the rendered diagnostics (no color) for broken schemas.

fn rendered(path: &str, src: &str) -> String {
    let parsed = tl_parser::check(src);
    let mut out = String::new();
    for d in &parsed.diagnostics {
        out.push_str(&tl_parser::render::render(d, path, src, false));
        out.push('\n');
    }
    out.push_str(&format!("({} definitions)\n", parsed.schema.definitions.len()));
    out
}

#[test]
fn syntax_errors_are_all_reported() {
    let src = "\
boolTrue#997275b5 = Bool;
user#d3bc4b7a id:long first_name:string;
user2#1 id:long = User
chat#2 id:long title: = Chat;
msg#3 x:Vector<int = Message;
ok#4 = Ok;
---typez---
{X:Type} stray;
peer#5 id:long > = Peer;
";
    insta::assert_snapshot!("syntax", rendered("broken.tl", src));
}

#[test]
fn bad_ids() {
    let src = "\
boolTrue#997275b6 = Bool;
boolFalse#zz = Bool;
inputPeerEmpty#7f3b18ea00 = InputPeer;
vector#1cb5c415 {t:Type} # [ t ] = Vector t;
";
    insta::assert_snapshot!("ids", rendered("ids.tl", src));
}

#[test]
fn flag_errors() {
    let src = "\
message#1 flags:# out:flags.1?true reply:flags2.0?int = Message;
message2#2 flags:# big:flags.32?int = Message;
message3#3 flags:int x:flags.0?int = Message;
";
    insta::assert_snapshot!("flags", rendered("flags.tl", src));
}

#[test]
fn unknown_types() {
    let src = "\
user#1 id:long status:UserStatus photos:Vector<Photo> = User;
---functions---
users.getUsers#2 id:Vector<InputUser> = Vector<User>;
";
    insta::assert_snapshot!("unknown_types", rendered("types.tl", src));
}

/// A reference that leaves out its namespace, or gets the case wrong, is still unknown, but the
/// note names what it probably meant (Telethon's copy of the secret schema writes `media:Media`
/// for `secret.Media`).
#[test]
fn unknown_types_with_a_near_name() {
    let src = "\
secret.mediaEmpty#db97526a = secret.Media;
secret.message#8c405e3f random_id:long media:Media peer:inputpeer = secret.Message;
inputPeerEmpty#7f3b18ea = InputPeer;
";
    insta::assert_snapshot!("unknown_types_with_a_near_name", rendered("secret.tl", src));
}

#[test]
fn truncated_json() {
    let src = "{\n  \"constructors\": [\n    {\"id\": \"-1132882121\", \"predicate\": \"boolFalse\", \"par";
    insta::assert_snapshot!("truncated_json", rendered("layer.json", src));
}

#[test]
fn json_with_a_bad_type() {
    let src = "{\"constructors\": [{\"id\": \"1\", \"predicate\": \"a\", \"params\": [{\"name\": \"x\", \
               \"type\": \"flags.0?Vector<int\"}], \"type\": \"A\"}]}";
    insta::assert_snapshot!("json_bad_type", rendered("bad.json", src));
}

#[test]
fn binary_garbage() {
    let mut bytes: Vec<u8> = Vec::new();
    let mut x: u32 = 12345;
    for _ in 0..300 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        bytes.push((x >> 16) as u8);
    }
    let src = String::from_utf8_lossy(&bytes);
    let out = rendered("garbage.bin", &src);
    // Dozens of errors, each rendered on one line with a caret; no panic.
    assert!(out.matches("error[syntax]").count() >= 2);
    insta::assert_snapshot!("garbage", out);
}

#[test]
fn non_ascii_comments_are_fine() {
    let src = "\u{feff}// Схема 🎉 — комментарий\r\n//@description Ünïcödé 説明\r\nboolTrue#997275b5 = Bool; // ✓\r\n\
               /* 多行\n注释 */\nboolFalse#bc799737 = Bool;";
    insta::assert_snapshot!("non_ascii", rendered("unicode.tl", src));
}

#[test]
fn json_that_is_no_schema() {
    let src = "{\"name\": \"my-package\", \"version\": \"1.0.0\"}\n";
    insta::assert_snapshot!("json_no_schema", rendered("package.json", src));
}

/// Two names for one id: a real CRC32 collision, and an id copied onto another constructor.
#[test]
fn id_collisions() {
    let src = "\
c699378#36f0de37 = Foo;
c18020006#36f0de37 = Foo;
boolFalse#bc799737 = Bool;
boolTrue#bc799737 = Bool;
";
    insta::assert_snapshot!("id_collisions", rendered("collide.tl", src));
}

/// A declaration without `= Type;` does not swallow the next line: the error points where the
/// result type is missing. A name with an id, or an id after a blank, is never a parameter.
#[test]
fn missing_result_type() {
    let src = "\
foo#2ab17b11 a:int = Foo;
bar b:int
baz#6e458643 c:int = Baz;
qux d:long // no result
quux = Quux;
pair #2a1b6f5c a:int = Pair;
three a:int four#1 = Three;
int128 long long = Int128;
";
    insta::assert_snapshot!("missing_result_type", rendered("missing.tl", src));
}

/// A doc comment with no definition after it, before a section marker: it would otherwise
/// document the first function.
#[test]
fn orphan_doc() {
    let src = "\
//@description A thing
thing#ec136d1d = Thing;
//@description No longer here
//@reason removed

---functions---
//@description Gets the thing
getThing#fa6099fb = Thing;
";
    insta::assert_snapshot!("orphan_doc", rendered("docs.tl", src));
}

/// A constructor answering with its own type parameter names no type (generated code for it
/// could not compile); the same declaration is right as a function.
#[test]
fn constructor_with_a_variable_result() {
    let src = "\
wrap {X:Type} x:X = X;
pair {A:Type} {B:Type} a:A b:B = B;
box {t:Type} x:t = Box t;
old x:!X = X;
---functions---
invoke {X:Type} query:!X = X;
";
    insta::assert_snapshot!("variable_result", rendered("generic.tl", src));
}
