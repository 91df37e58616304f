//! Schemas that refer to types they do not define: a function's result type (generated, with
//! the answer undecoded, and reported by `Generator::warnings`), and a parameter's type (an
//! error that names the type the schema probably meant); and how the build.rs `Builder` shows
//! schema errors.

mod common;

use tl_codegen::{Generator, Options};

const SCHEMA: &str = "
msgs_ack#62d6b459 msg_ids:Vector<long> = MsgsAck;
secret.mediaEmpty#89f5c4a = secret.Media;
secret.message#1f814f1f random_id:long media:Media = secret.Message;
---functions---
http_wait#9299359f max_delay:int wait_after:int max_wait:int = HttpWait;
ping#7abe77ec ping_id:long = MsgsAck;
";

fn generate(only: &[&str]) -> (Result<String, String>, Vec<String>) {
    let schemas = [tl_parser::parse(SCHEMA).schema];
    let options = Options { only: Some(only.iter().map(|s| s.to_string()).collect()), ..Options::default() };
    let generator = Generator::new(&schemas, options);
    let text = generator.generate().map(|files| files.into_iter().map(|f| f.text).collect());
    (text, generator.warnings())
}

#[test]
fn a_function_with_an_undefined_result_type_returns_a_raw_object() {
    let (text, warnings) = generate(&["http_wait", "ping"]);
    let text = text.expect("generates");
    assert!(text.contains("type Return<'r> = ::tl_codec::RawObject<'r>;"), "{text}");
    assert!(text.contains("No schema given defines `HttpWait`"), "{text}");
    assert_eq!(
        warnings,
        ["`http_wait`: no schema given defines its result type `HttpWait`; its `Return` is \
          `RawObject` (the answer undecoded)"]
    );
}

#[test]
fn defined_result_types_give_no_warning() {
    let (text, warnings) = generate(&["ping"]);
    assert!(text.expect("generates").contains("type Return<'r> = super::types::MsgsAck;"));
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn an_undefined_parameter_type_is_an_error_naming_the_near_one() {
    let (text, _) = generate(&["secret.message"]);
    assert_eq!(text.unwrap_err(), "secret.message: unknown type `Media` (did you mean `secret.Media`?)");
}

/// The build.rs `Builder` refuses a broken schema with the diagnostic `tl check` shows.
#[test]
fn builder_errors_point_at_the_line() {
    let (dir, schema) = common::schema_in_temp_dir(
        "builder-test",
        "bad.tl",
        "a#d2aa78f6 x:int = A;\nb#1 flags:# y:nope.1?int = B;\n",
    );
    let err = tl_codegen::Builder::new().schema(&schema).out_dir(&dir).compile().unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    let text = err.message();
    assert!(text.contains("bad.tl:2:15: error[flag-field]: unknown flags field `nope`"), "{text}");
    assert!(text.contains("2 | b#1 flags:# y:nope.1?int = B;"), "{text}");
    // `.expect()` in a build script shows the lines as they are, not one escaped string.
    let debug = format!("{err:?}");
    assert!(debug.contains("\n2 | b#1 flags:# y:nope.1?int = B;") && !debug.contains("\\n"), "{debug}");
}

/// The Builder's mistakes that used to write an empty module, and a file name with folders.
#[test]
fn builder_refuses_nothing_to_do_and_creates_folders() {
    let (dir, schema) = common::schema_in_temp_dir(
        "builder-folders",
        "s.tl",
        "ping#7abe77ec ping_id:long = Pong;\npong#347773c5 msg_id:long ping_id:long = Pong;\n",
    );
    let none = tl_codegen::Builder::new().out_dir(&dir).compile().unwrap_err();
    assert!(none.message().contains("no schema given"), "{none}");
    let empty = tl_codegen::Builder::new().schema(&schema).out_dir(&dir).only(Vec::<String>::new()).compile();
    assert!(empty.unwrap_err().message().contains("no names"));
    // `only` calls add up.
    let path = tl_codegen::Builder::new()
        .schema(&schema)
        .out_dir(&dir)
        .file_name("nested/deeper/api.rs")
        .only(["ping"])
        .only(["pong"])
        .compile()
        .expect("generates");
    let text = std::fs::read_to_string(&path).expect("written");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(path.ends_with("nested/deeper/api.rs"));
    assert!(text.contains("pub struct Ping") && text.contains("pub struct Pong"), "{text}");
}

/// Two parameters of one name cannot both be struct fields: an error, not uncompilable code.
#[test]
fn repeated_parameter_names_are_an_error() {
    let schemas = [tl_parser::parse("a#1 x:int x:long = A;").schema];
    let err = Generator::new(&schemas, Options::default()).generate().unwrap_err();
    assert_eq!(err, "a: parameters `x` and `x` would both be the field `x`");
}
