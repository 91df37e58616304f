//! The `tl` binary end to end: exit codes, diagnostics (insta snapshots), conversions, stdin.
//! Every test works on small files it writes into its own temporary directory.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `tl args...` in `dir`, feeding `stdin` if given. Colors are off unless a test asks.
fn tl_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tl"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tl");
    if let Some(bytes) = stdin {
        // The child may exit before reading everything (e.g. usage errors): ignore a broken pipe.
        let _ = child.stdin.take().expect("stdin").write_all(bytes);
    }
    let out = child.wait_with_output().expect("wait for tl");
    let code = out.status.code().expect("tl was killed by a signal (a crash?)");
    let run = Run {
        code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "tl panicked on {args:?}:\n{}", run.stderr);
    run
}

/// A temp dir with `files` written into it.
fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, content).expect("write");
    }
    dir
}

/// Runs `tl args...` in a fresh dir holding `files`.
fn tl(files: &[(&str, &[u8])], args: &[&str]) -> Run {
    let dir = dir_with(files);
    tl_in(dir.path(), args, None)
}

/// A small schema with correct ids that checks clean.
const GOOD: &str = "\
// LAYER 7
boolFalse#bc799737 = Bool;
boolTrue#997275b5 = Bool;
vector#1cb5c415 {t:Type} # [ t ] = Vector t;
pong#347773c5 msg_id:long ping_id:long = Pong;
message#ae9e7ad4 flags:# out:flags.1?true text:flags.2?string = Message;
---functions---
ping#7abe77ec ping_id:long = Pong;
";

/// Unknown type: a warning, not an error.
const WARN: &str = "\
boolTrue#997275b5 = Bool;
user id:long photo:UserPhoto = User;
";

const SYNTAX: &str = "\
boolTrue#997275b5 = Bool;
user#12345678 id:long name:string User;
chat#abc id:long = Chat
";

const BAD_ID: &str = "\
boolFalse#bc799737 = Bool;
boolTrue#00000001 = Bool;
";

const BAD_FLAGS: &str = "\
boolTrue#997275b5 = Bool;
msg flags:# a:flags.40?true b:nope.1?int c:flags.2?string = Msg;
msg2 x:flags.1?int flags:# = Msg;
";

const NON_ASCII_COMMENT: &str = "\
// Привет, мир — 日本語 🎉 comment that must not error
boolFalse#bc799737 = Bool; // trailing: ünïcödé
boolTrue#997275b5 = Bool;
";

const TRUNCATED_JSON: &str =
    r#"{"constructors":[{"id":"-1132882121","predicate":"boolFalse","params":[],"type":"Bool"},{"id":"#;

/// Bytes that are not UTF-8 (a PNG header and noise).
const GARBAGE: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\xfd\x00\x01";

fn b(s: &str) -> &[u8] {
    s.as_bytes()
}

#[test]
fn ok_schema_exits_0() {
    let r = tl(&[("good.tl", b(GOOD))], &["check", "good.tl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "1 file, 0 errors, 0 warnings\n");
}

#[test]
fn warnings_exit_0_unless_strict() {
    let files = [("warn.tl", b(WARN))];
    let r = tl(&files, &["check", "warn.tl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("warning["), "{}", r.stderr);
    assert!(r.stderr.ends_with("1 file, 0 errors, 1 warning\n"), "{}", r.stderr);
    let r = tl(&files, &["check", "--strict", "warn.tl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn errors_exit_1() {
    let r = tl(&[("bad.tl", b(SYNTAX))], &["check", "bad.tl"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("bad.tl:2:"), "{}", r.stderr);
    assert!(r.stderr.contains("error["), "{}", r.stderr);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["check", "--bogus"][..],
        &["check", "--format", "xml"],
        &["check", "--color", "sometimes"],
        &["json"],
        &["fmt"],
        &["fmt", "--check", "-o", "x.tl", "a.tl"],
        &["no-such-command"],
        &[],
    ] {
        let r = tl(&[], args);
        assert_eq!(r.code, 2, "tl {args:?}: {}", r.stderr);
    }
    assert_eq!(tl(&[], &["--help"]).code, 0);
    assert_eq!(tl(&[], &["--version"]).code, 0);
}

#[test]
fn missing_file_exits_1_and_names_it() {
    for cmd in ["check", "json", "fmt"] {
        let r = tl(&[], &[cmd, "nope.tl"]);
        assert_eq!(r.code, 1, "{cmd}: {}", r.stderr);
        assert!(r.stderr.contains("nope.tl: error[io]"), "{cmd}: {}", r.stderr);
    }
}

#[test]
fn a_directory_as_file_is_an_error_for_json_and_fmt() {
    let dir = dir_with(&[("sub/a.tl", b(GOOD))]);
    for cmd in ["json", "fmt"] {
        let r = tl_in(dir.path(), &[cmd, "sub"], None);
        assert_eq!(r.code, 1, "{cmd}: {}", r.stderr);
        assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
    }
}

#[test]
fn binary_garbage_is_an_error_not_a_panic() {
    for cmd in ["check", "json", "fmt"] {
        let r = tl(&[("g.tl", GARBAGE)], &[cmd, "g.tl"]);
        assert_eq!(r.code, 1, "{cmd}: {}", r.stderr);
        assert!(r.stderr.contains("error[utf8]"), "{}", r.stderr);
    }
    // Valid UTF-8 noise: whatever the parser says, it is an error and no panic.
    let noise: String =
        (0..4000u32).map(|i| char::from_u32((i * 7919) % 0x2000 + 1).unwrap_or('x')).collect();
    let r = tl(&[("n.tl", noise.as_bytes())], &["check", "n.tl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn non_ascii_comments_are_fine() {
    let r = tl(&[("c.tl", b(NON_ASCII_COMMENT))], &["check", "c.tl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "1 file, 0 errors, 0 warnings\n");
}

#[test]
fn directories_are_walked_in_natural_order() {
    let dir = dir_with(&[
        ("s/layer-10.tl", b(GOOD)),
        ("s/layer-9.tl", b(GOOD)),
        ("s/alt/x.json", b(TRUNCATED_JSON)),
        ("s/readme.md", b"not a schema"),
    ]);
    let r = tl_in(dir.path(), &["check", "--format", "json", "s"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json output");
    let paths: Vec<&str> =
        v["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["s/alt/x.json", "s/layer-9.tl", "s/layer-10.tl"]);
}

#[test]
fn an_empty_directory_is_an_error() {
    let dir = dir_with(&[("empty/readme.md", b"nothing here")]);
    let r = tl_in(dir.path(), &["check", "empty"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("empty: error[io]: no .tl or .json files"), "{}", r.stderr);
}

#[test]
fn many_files_keep_input_order() {
    let names: Vec<String> = (0..40).map(|i| format!("f{i}.tl")).collect();
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), if i % 3 == 0 { b(SYNTAX) } else { b(GOOD) }))
        .collect();
    let mut args = vec!["check", "--format", "json"];
    args.extend(names.iter().map(String::as_str));
    let r = tl(&files, &args);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let got: Vec<&str> = v["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(got, names.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn embedded_default_checks_clean() {
    let r = tl(&[], &["check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.lines().last().is_some_and(|l| l.starts_with("2 files, 0 errors")), "{}", r.stderr);
}

#[test]
fn github_format_prints_workflow_commands() {
    let r = tl(
        &[("good.tl", b(GOOD)), ("w,a:rn.tl", b(WARN)), ("bad_flags.tl", b(BAD_FLAGS))],
        &["check", "--format", "github", "good.tl", "w,a:rn.tl", "bad_flags.tl"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    // The warning: its place, the code as the title, the label and the note on lines of their
    // own, and `,`/`:` in the path escaped (they would end the property).
    assert!(
        lines[0].starts_with(
            "::warning file=w%2Ca%3Arn.tl,line=2,col=20,endLine=2,endColumn=29,title=tl check%3A unknown-type::unknown type `UserPhoto`%0A"
        ),
        "{}",
        r.stdout
    );
    assert!(lines.iter().skip(1).all(|l| l.starts_with("::error file=bad_flags.tl,line=")), "{}", r.stdout);
    assert!(lines.len() >= 2, "{}", r.stdout);
    assert!(r.stderr.contains("3 files,"), "the summary goes to stderr: {}", r.stderr);
}

#[test]
fn json_format_shape() {
    let r = tl(
        &[("good.tl", b(GOOD)), ("warn.tl", b(WARN))],
        &["check", "--format", "json", "good.tl", "warn.tl"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let good = &v["files"][0];
    assert_eq!(good["format"], "tl");
    assert_eq!(good["layer"], 7);
    assert_eq!(good["constructors"], 5);
    assert_eq!(good["functions"], 1);
    assert_eq!(good["types"], 4);
    assert_eq!(v["errors"], 0);
    assert_eq!(v["warnings"], 1);
    let d = &v["files"][1]["diagnostics"][0];
    for key in ["severity", "code", "message", "line", "column", "end_line", "end_column", "label", "notes"] {
        assert!(d.get(key).is_some(), "missing {key} in {d}");
    }
    assert_eq!(d["line"], 2);
}

#[test]
fn color_always_and_never() {
    let files = [("bad.tl", b(SYNTAX))];
    let r = tl(&files, &["check", "--color", "always", "bad.tl"]);
    assert!(r.stderr.contains('\u{1b}'), "{}", r.stderr);
    let r = tl(&files, &["check", "--color", "never", "bad.tl"]);
    assert!(!r.stderr.contains('\u{1b}'));
    // Not a terminal: auto means no color.
    let r = tl(&files, &["check", "bad.tl"]);
    assert!(!r.stderr.contains('\u{1b}'));
}

#[test]
fn stdin_is_dash() {
    let dir = dir_with(&[]);
    let r = tl_in(dir.path(), &["check", "-"], Some(b(GOOD)));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = tl_in(dir.path(), &["check", "-"], Some(b(SYNTAX)));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("<stdin>:2:"), "{}", r.stderr);
    let r = tl_in(dir.path(), &["json", "-"], Some(b(GOOD)));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json out");
    assert!(v["constructors"].is_array());
    let r = tl_in(dir.path(), &["fmt", "-"], Some(b(GOOD)));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("ping#7abe77ec"), "{}", r.stdout);
}

#[test]
fn json_then_fmt_round_trip() {
    let dir = dir_with(&[("a.tl", b(GOOD))]);
    let run = |args: &[&str]| {
        let r = tl_in(dir.path(), args, None);
        assert_eq!(r.code, 0, "tl {args:?}: {}", r.stderr);
        r
    };
    run(&["json", "a.tl", "-o", "a.json"]);
    let json1 = std::fs::read_to_string(dir.path().join("a.json")).unwrap();
    let from_tl = run(&["fmt", "a.tl"]).stdout;
    let from_json = run(&["fmt", "a.json", "-o", "b.tl"]);
    assert_eq!(from_json.stdout, "");
    let b_tl = std::fs::read_to_string(dir.path().join("b.tl")).unwrap();
    // Every id is explicit in GOOD, so nothing is added on the way through JSON.
    assert_eq!(b_tl, from_tl, "fmt of the JSON differs from fmt of the TL");
    // Canonical text is a fixed point, and converts back to the same JSON.
    assert_eq!(run(&["fmt", "--check", "b.tl"]).code, 0);
    assert_eq!(run(&["json", "b.tl"]).stdout, json1);
    for name in ["boolFalse", "pong", "ping", "message"] {
        assert!(json1.contains(&format!("\"{name}\"")), "{name} missing from {json1}");
    }
}

#[test]
fn unwritable_output_exits_1() {
    for cmd in ["json", "fmt"] {
        let r = tl(&[("a.tl", b(GOOD))], &[cmd, "a.tl", "-o", "no/such/dir/out"]);
        assert_eq!(r.code, 1, "{cmd}: {}", r.stderr);
        assert!(r.stderr.contains("cannot write no/such/dir/out"), "{}", r.stderr);
    }
}

#[test]
fn strict_json_format_exits_1_on_warnings() {
    let r = tl(&[("warn.tl", b(WARN))], &["check", "--strict", "--format", "json", "warn.tl"]);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!((v["errors"].as_u64(), v["warnings"].as_u64()), (Some(0), Some(1)));
    assert_eq!(r.stderr, "1 file, 0 errors, 1 warning\n");
}

#[test]
fn fmt_check_flags_non_canonical() {
    let messy = "boolFalse#bc799737   =  Bool;\n\n\nboolTrue#997275b5=Bool;";
    let r = tl(&[("m.tl", b(messy))], &["fmt", "--check", "m.tl"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(
            "m.tl:1: not in canonical form from this line on; canonical: `boolFalse#bc799737 = Bool;`"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
    // A JSON schema is never TL text: --check says so instead of advising a conversion.
    let json = r#"{"constructors":[],"methods":[]}"#;
    let r = tl(&[("m.json", b(json))], &["fmt", "--check", "m.json"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("m.json: is the official JSON form"), "{}", r.stderr);
}

#[test]
fn json_and_fmt_refuse_broken_input() {
    for cmd in ["json", "fmt"] {
        let r = tl(&[("bad.tl", b(SYNTAX))], &[cmd, "bad.tl"]);
        assert_eq!(r.code, 1);
        assert_eq!(r.stdout, "", "{cmd} wrote output for a broken schema");
        assert!(r.stderr.contains("bad.tl:2:"), "{}", r.stderr);
    }
}

#[test]
fn layers_lists_the_embedded_schemas() {
    let r = tl(&[], &["layers"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("<embedded>/api.tl"), "{}", r.stdout);
    let r = tl(&[], &["layers", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v[0]["layer"], 230);
    assert!(v[0]["constructors"].as_u64().unwrap() > 1000);
    assert!(v[0]["functions"].as_u64().unwrap() > 500);
}

/// Human diagnostics of a set of broken schemas, pinned.
#[test]
fn snapshots_human() {
    let cases: &[(&str, &[u8])] = &[
        ("syntax.tl", b(SYNTAX)),
        ("bad_id.tl", b(BAD_ID)),
        ("bad_flags.tl", b(BAD_FLAGS)),
        ("unknown_type.tl", b(WARN)),
        ("truncated.json", b(TRUNCATED_JSON)),
        ("garbage.tl", GARBAGE),
        ("non_ascii_comment.tl", b(NON_ASCII_COMMENT)),
    ];
    let dir = dir_with(cases);
    for (name, _) in cases {
        let r = tl_in(dir.path(), &["check", "--color", "never", name], None);
        let snap = name.replace('.', "_");
        insta::assert_snapshot!(snap, format!("exit: {}\n{}", r.code, r.stderr));
    }
}

/// `--format json` of a broken schema, pinned.
#[test]
fn snapshot_json_format() {
    let dir = dir_with(&[("bad_flags.tl", b(BAD_FLAGS)), ("syntax.tl", b(SYNTAX))]);
    let r = tl_in(dir.path(), &["check", "--format", "json", "bad_flags.tl", "syntax.tl"], None);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    insta::assert_snapshot!("json_format", serde_json::to_string_pretty(&v).unwrap());
}

/// A `msg_container` (an ack, and an `rpc_result` with an `rpc_error`): each item's body is
/// exactly its `bytes` long, and `tl encode` gives the same bytes back.
#[test]
fn decode_and_encode_a_container() {
    const HEX: &str = "dcf8f173020000000100000000000060010000001400000059b4d66215c4b51c0100000007000000\
                       0000000005000000000000600300000024000000016d5cf3090000000000000019ca4421a4010000\
                       0c464c4f4f445f574149545f33000000";
    let dir = dir_with(&[]);
    let run = tl_in(dir.path(), &["decode", HEX], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["messages"][0]["bytes"], 20);
    assert_eq!(v["messages"][1]["body"]["result"]["error_message"], "FLOOD_WAIT_3");
    let run = tl_in(dir.path(), &["encode", "-"], Some(run.stdout.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), HEX);
    // A length that does not match its body is an error at that length.
    let bad = HEX.replacen("14000000", "18000000", 1);
    let run = tl_in(dir.path(), &["decode", &bad], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("at byte 44"), "{}", run.stderr);
}

/// `encode --binary` writes raw bytes that `decode --binary` reads (a file, or `-` for stdin);
/// `--compact` puts the JSON on one line.
#[test]
fn binary_bytes_and_compact_json() {
    const JSON: &str = r#"{"@type":"pong","msg_id":"7","ping_id":"-1"}"#;
    let dir = dir_with(&[("good.tl", GOOD.as_bytes())]);
    let out = Command::new(env!("CARGO_BIN_EXE_tl"))
        .args(["encode", "--schema", "good.tl", "--binary", JSON])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run tl");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hex = tl_in(dir.path(), &["encode", "--schema", "good.tl", JSON], None);
    let expected: Vec<u8> = (0..hex.stdout.trim().len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex.stdout.trim()[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(out.stdout, expected);
    std::fs::write(dir.path().join("pong.bin"), &out.stdout).unwrap();
    let file =
        tl_in(dir.path(), &["decode", "--schema", "good.tl", "--binary", "--compact", "pong.bin"], None);
    assert_eq!((file.code, file.stdout.as_str()), (0, format!("{JSON}\n").as_str()), "{}", file.stderr);
    let piped = tl_in(dir.path(), &["decode", "--schema", "good.tl", "--binary", "-"], Some(&out.stdout));
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(piped.stdout.lines().count() > 1, "indented by default");
    let piped: serde_json::Value = serde_json::from_str(&piped.stdout).unwrap();
    assert_eq!(piped, serde_json::from_str::<serde_json::Value>(JSON).unwrap());
    let missing = tl_in(dir.path(), &["decode", "--binary", "nope.bin"], None);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.starts_with("error: nope.bin: "), "{}", missing.stderr);
}

/// `tl completions SHELL` prints a script naming the subcommands; an unknown shell is a usage
/// error.
#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = tl(&[], &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for sub in ["check", "gen", "decode", "diff"] {
            assert!(run.stdout.contains(sub), "{shell} script lacks {sub}");
        }
    }
    let run = tl(&[], &["completions", "nosh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

const GEN_SCHEMA: &str = "user#1 id:long name:string = User;\n---functions---\ngetUser#2 id:long = User;\n";

/// The generated module tree's text, all files concatenated.
fn generated(dir: &Path, out: &str) -> String {
    let mut names: Vec<_> =
        std::fs::read_dir(dir.join(out)).expect("output dir").flatten().map(|e| e.path()).collect();
    names.sort();
    names.iter().map(|p| std::fs::read_to_string(p).expect("generated file")).collect()
}

#[test]
fn gen_writes_a_module_tree_with_the_default_derives() {
    let dir = dir_with(&[("s.tl", b(GEN_SCHEMA))]);
    let run = tl_in(dir.path(), &["gen", "s.tl", "-o", "out"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("out/mod.rs").is_file());
    let text = generated(dir.path(), "out");
    assert!(text.contains("#[derive(Debug, Clone, PartialEq)]\npub struct User"), "{text}");
    assert!(text.contains("pub struct GetUser"), "{text}");
}

#[test]
fn gen_summary_counts_what_it_generated_and_names_the_builtins() {
    let schema =
        "int ? = Int;\nlong ? = Long;\nvector {t:Type} # [ t ] = Vector t;\n".to_string() + GEN_SCHEMA;
    let dir = dir_with(&[("s.tl", schema.as_bytes())]);
    let run = tl_in(dir.path(), &["gen", "s.tl", "-o", "out"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // `tl check` counts 4 constructors; three of them are wire primitives, not items.
    assert!(
        run.stderr.contains(
            "1 constructor, 1 function, 1 boxed type; 3 built-in definitions are Rust types: int, long, vector"
        ),
        "{}",
        run.stderr
    );
    let only = tl_in(dir.path(), &["gen", "s.tl", "-o", "out2", "--only", "getUser"], None);
    assert!(only.stderr.trim_end().ends_with("1 constructor, 1 function, 1 boxed type"), "{}", only.stderr);
}

#[test]
fn gen_why_explains_what_only_brings_in_and_writes_nothing() {
    let dir = dir_with(&[("s.tl", b(GEN_SCHEMA))]);
    let run = tl_in(dir.path(), &["gen", "s.tl", "-o", "out", "--only", "getUser", "--why", "user"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "`user` is generated because:\n  getUser → User: its result type\n  User → user: a constructor of the type\n"
    );
    assert!(!dir.path().join("out").exists(), "--why writes nothing");
    let named = tl_in(dir.path(), &["gen", "s.tl", "--only", "getUser", "--why", "getUser"], None);
    assert_eq!(named.stdout, "`getUser` is generated: --only names it\n");
    let typo = tl_in(dir.path(), &["gen", "s.tl", "--only", "getUser", "--why", "usr"], None);
    assert_eq!(typo.code, 1);
    assert!(
        typo.stderr.contains("unknown constructor, function or type `usr` (did you mean `user`?)"),
        "{}",
        typo.stderr
    );
    // Without --only everything is generated: a usage error, as with --check beside it.
    assert_eq!(tl_in(dir.path(), &["gen", "s.tl", "--why", "user"], None).code, 2);
    assert_eq!(
        tl_in(dir.path(), &["gen", "s.tl", "--only", "getUser", "--why", "user", "--check"], None).code,
        2
    );
}

#[test]
fn gen_conversions_wrap_each_constructor_in_its_enum() {
    let schema = "peerUser#1 id:long = Peer;\npeerChat#2 id:long = Peer;\n";
    let dir = dir_with(&[("p.tl", b(schema))]);
    let plain = tl_in(dir.path(), &["gen", "p.tl", "-o", "plain"], None);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(!generated(dir.path(), "plain").contains("convert::From"), "off by default");
    let run = tl_in(dir.path(), &["gen", "p.tl", "-o", "conv", "--conversions"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text: String = generated(dir.path(), "conv").split_whitespace().collect();
    for (ctor, variant) in [("PeerUser", "User"), ("PeerChat", "Chat")] {
        let from = format!(
            "impl::core::convert::From<super::types::{ctor}>forPeer{{fnfrom(value:super::types::{ctor})->Self{{Self::{variant}(value)}}}}"
        );
        assert!(text.contains(&from), "{from} missing");
    }
}

#[test]
fn gen_check_says_whether_the_output_is_current() {
    let dir = dir_with(&[("s.tl", b(GEN_SCHEMA))]);
    let missing = tl_in(dir.path(), &["gen", "s.tl", "-o", "out", "--check"], None);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(!dir.path().join("out").exists(), "--check writes nothing");
    assert_eq!(tl_in(dir.path(), &["gen", "s.tl", "-o", "out"], None).code, 0);
    let current = tl_in(dir.path(), &["gen", "s.tl", "-o", "out", "--check"], None);
    assert_eq!(current.code, 0, "{}", current.stderr);
    assert!(current.stderr.contains("up to date"), "{}", current.stderr);
    // Other options, other output: stale.
    let stale = tl_in(dir.path(), &["gen", "s.tl", "-o", "out", "--check", "--owned"], None);
    assert_eq!(stale.code, 1);
    assert!(stale.stderr.contains("types.rs is not what `tl gen` writes"), "{}", stale.stderr);
}

#[test]
fn gen_derives_what_is_asked() {
    let dir = dir_with(&[("s.tl", b(GEN_SCHEMA))]);
    let run = tl_in(dir.path(), &["gen", "s.tl", "-o", "none", "--derive", ""], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!generated(dir.path(), "none").contains("#[derive("));
    let run = tl_in(dir.path(), &["gen", "s.tl", "-o", "some", "--derive", "Hash,Eq,PartialEq"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(generated(dir.path(), "some").contains("#[derive(Hash, Eq, PartialEq)]\npub struct User"));
    let run = tl_in(dir.path(), &["gen", "s.tl", "-o", "bad", "--derive", "Debug,not a path"], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("bad derive `not a path`"), "{}", run.stderr);
    // `Eq`/`Hash` where they can be derived: not on what holds a `double`, however deep.
    let floats = "geo#1 lat:double = Geo;\nplace#2 geo:Geo name:string = Place;\nuser#3 id:long = User;\n\
                  ---functions---\ngetPlace#4 at:Geo = Place;\n";
    let dir2 = dir_with(&[("f.tl", b(floats))]);
    let run = tl_in(dir2.path(), &["gen", "f.tl", "-o", "eq", "--derive", "Debug,PartialEq,Eq,Hash"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = generated(dir2.path(), "eq");
    for item in ["pub struct Geo", "pub struct Place", "pub struct GetPlace"] {
        assert!(text.contains(&format!("#[derive(Debug, PartialEq)]\n{item}")), "{item}: {text}");
    }
    assert!(text.contains("#[derive(Debug, PartialEq, Eq, Hash)]\npub struct User"), "{text}");
    // `Default` would not compile on the enums: refused, pointing at `new`.
    let run = tl_in(dir.path(), &["gen", "s.tl", "-o", "dflt", "--derive", "Debug,Default"], None);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("`Default` cannot be derived") && run.stderr.contains("`new("),
        "{}",
        run.stderr
    );
}

#[test]
fn gen_type_attributes_reach_the_named_item_or_all() {
    let dir = dir_with(&[("s.tl", b(GEN_SCHEMA))]);
    let args = ["gen", "s.tl", "-o", "out", "--type-attribute", "user=#[derive(Hash)]"];
    let run = tl_in(dir.path(), &[&args[..], &["--type-attribute", ".=#[non_exhaustive]"]].concat(), None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = generated(dir.path(), "out");
    assert!(text.contains("#[derive(Hash)]\n#[non_exhaustive]\npub struct User"), "{text}");
    assert!(text.contains("#[non_exhaustive]\npub struct GetUser"), "{text}");
    assert!(!text.contains("#[derive(Hash)]\n#[non_exhaustive]\npub struct GetUser"), "{text}");
    let run = tl_in(dir.path(), &["gen", "s.tl", "-o", "bad", "--type-attribute", "no-equals"], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("expected NAME=ATTRIBUTE"), "{}", run.stderr);
}

#[test]
fn gen_only_an_unknown_name_is_an_error() {
    let dir = dir_with(&[("s.tl", b(GEN_SCHEMA))]);
    let run = tl_in(dir.path(), &["gen", "s.tl", "-o", "out", "--only", "noSuchThing"], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("noSuchThing"), "{}", run.stderr);
    let typo = tl_in(dir.path(), &["gen", "s.tl", "-o", "out", "--only", "getUsr"], None);
    assert!(
        typo.stderr.contains(
            "`getUsr` is not a constructor, function or type of the schema (did you mean `getUser`?)"
        ),
        "{}",
        typo.stderr
    );
}

/// `gen`, `decode` and `encode` refuse a broken schema with the diagnostics `check` shows
/// (`path:line:col`, the line, a caret), not a bare message, and say nothing of its warnings.
#[test]
fn schema_errors_of_gen_decode_encode_point_at_the_line() {
    let bad = "a#d2aa78f6 x:int = A;\nb#1 flags:# y:nope.1?int = B;\n";
    let dir = dir_with(&[("bad.tl", b(bad))]);
    for args in [
        &["gen", "bad.tl", "-o", "out"][..],
        &["decode", "--schema", "bad.tl", "f678aad201000000"][..],
        &["encode", "--schema", "bad.tl", r#"{"@type":"a","x":1}"#][..],
    ] {
        let run = tl_in(dir.path(), args, None);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("bad.tl:2:15: error[flag-field]: unknown flags field `nope`"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("2 | b#1 flags:# y:nope.1?int = B;"), "{}", run.stderr);
        assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn gen_warns_of_a_function_whose_result_type_is_undefined() {
    let schema = "ping#7abe77ec ping_id:long = Pong;\n---functions---\nhttp_wait#9299359f max_delay:int \
                  wait_after:int max_wait:int = HttpWait;\n";
    let dir = dir_with(&[("s.tl", b(schema))]);
    let run = tl_in(dir.path(), &["gen", "s.tl", "-o", "out"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: `http_wait`: no schema given defines its result type `HttpWait`"),
        "{}",
        run.stderr
    );
    assert!(generated(dir.path(), "out").contains("type Return<'r> = ::tl_codec::RawObject<'r>;"));
}

/// A stdout that cannot take the output is an error with exit code 1 and a message, never a
/// panic (`print!` panics) nor a silent success.
#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_an_error() {
    let dir = dir_with(&[("a.tl", b(GOOD)), ("b.tl", b(&GOOD.replace("// LAYER 7", "// LAYER 8")))]);
    let cases: [&[&str]; 5] = [
        &["encode", r#"{"@type":"boolTrue"}"#],
        &["decode", "b5757299"],
        &["diff", "a.tl", "b.tl"],
        &["check", "--format", "json", "a.tl"],
        &["json", "a.tl"],
    ];
    for args in cases {
        let full = std::fs::File::create("/dev/full").expect("/dev/full");
        let out = Command::new(env!("CARGO_BIN_EXE_tl"))
            .args(args)
            .current_dir(dir.path())
            .stdout(full)
            .output()
            .expect("run tl");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// `decode -` and `encode -` read at most 64 MiB from stdin, as schemas are read.
#[test]
fn stdin_of_decode_and_encode_is_bounded() {
    let big = vec![b'0'; (64 << 20) + 2];
    for cmd in ["decode", "encode"] {
        let run = tl(&[], &[cmd, "-"]);
        assert_eq!(run.code, 1, "{cmd} with empty stdin");
        let dir = dir_with(&[]);
        let run = tl_in(dir.path(), &[cmd, "-"], Some(&big));
        assert_eq!(run.code, 1, "{cmd}: {}", run.stderr);
        assert!(run.stderr.contains("larger than 64 MiB"), "{cmd}: {}", run.stderr);
    }
}

/// Stdin can be read once: naming it twice is an error, not an empty second schema.
#[test]
fn stdin_named_twice_is_an_error() {
    let dir = dir_with(&[]);
    let run = tl_in(dir.path(), &["check", "-", "-"], Some(b"a = A;\n"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("<stdin>: error[io]: stdin is named more than once"), "{}", run.stderr);
}

/// The official JSON form has no slot for anonymous parameters: `tl json` says what it drops
/// (builtins such as `vector`'s `# [ t ]` aside, which every JSON schema leaves out too).
#[test]
fn json_warns_of_anonymous_parameters_it_drops() {
    let schema = "vector#1cb5c415 {t:Type} # [ t ] = Vector t;\nint128 4*[ int ] = Int128;\n\
                  pair#2a1b6f5c long long = Pair;\n";
    let dir = dir_with(&[("s.tl", b(schema))]);
    let run = tl_in(dir.path(), &["json", "s.tl"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: `pair`: the official JSON form has no place for anonymous parameters"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("`vector`") && !run.stderr.contains("`int128`"), "{}", run.stderr);
}

/// `tl decode` takes hex digits only: a sign is not one (`u8::from_str_radix` took `+f`).
#[test]
fn decode_refuses_a_character_that_is_not_a_hex_digit() {
    let run = tl(&[], &["decode", "--type", "Vector<int>", "+f+f+f+f"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, "error: '+' at character 1 is not a hex digit\n");
}

/// Stdin named as a schema and as the input of `decode`/`encode` is refused, as two schemas
/// are: the second read would see nothing.
#[test]
fn stdin_as_both_schema_and_input_is_an_error() {
    let dir = dir_with(&[]);
    for (cmd, input) in [("decode", &b"01000000"[..]), ("encode", br#"{"@type":"a"}"#)] {
        let run = tl_in(dir.path(), &[cmd, "--schema", "-", "-"], Some(input));
        assert_eq!(run.code, 1, "{cmd}: {}", run.stderr);
        assert_eq!(run.stderr, "error: <stdin>: stdin is named both as a schema and as the input\n");
        assert!(run.stdout.is_empty(), "{cmd}: {}", run.stdout);
    }
}

/// A run that `--strict` fails on warnings alone says so, in both output forms.
#[test]
fn strict_failure_is_said() {
    let files = [("warn.tl", b(WARN))];
    let r = tl(&files, &["check", "--strict", "warn.tl"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.ends_with("1 file, 0 errors, 1 warning (failed: --strict makes warnings fatal)\n"),
        "{}",
        r.stderr
    );
    let r = tl(&files, &["check", "--strict", "--format", "json", "warn.tl"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!((v["strict"].as_bool(), v["ok"].as_bool()), (Some(true), Some(false)));
    let r = tl(&[("good.tl", b(GOOD))], &["check", "--strict", "--format", "json", "good.tl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!((v["strict"].as_bool(), v["ok"].as_bool()), (Some(true), Some(true)));
    // Without `--strict` the document keeps its shape.
    let r = tl(&files, &["check", "--format", "json", "warn.tl"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v.get("strict").is_none() && v.get("ok").is_none(), "{v}");
}

/// Builtins that the official JSON form cannot carry (no id, anonymous parameters) are left
/// out of `tl json`, as official JSON files leave them, and a note names them: written without
/// their parameters they would read back as other definitions (`int#a8509bda = Int`).
#[test]
fn json_leaves_out_the_builtins_it_cannot_carry() {
    let schema = "int ? = Int;\nlong ? = Long;\nint128 4*[ int ] = Int128;\n\
                  int256 long long long long = Int256;\nbytes string = Bytes;\n\
                  vector {t:Type} # [ t ] = Vector t;\nboolTrue#997275b5 = Bool;\n\
                  pair#2a1b6f5c long long = Pair;\nuse x:int128 = Use;\nobject ? = Object;\n";
    let dir = dir_with(&[("s.tl", b(schema))]);
    let run = tl_in(dir.path(), &["json", "s.tl", "-o", "s.json"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let notes: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(
        notes,
        ["note: left out the builtins int, long, int128, int256, bytes, object, which the official JSON \
          form cannot carry (no id, anonymous parameters) and official JSON files do not list"],
        "{}",
        run.stderr
    );
    // The user's own anonymous parameters keep their warning, and their definition.
    assert!(run.stderr.contains("warning: `pair`: the official JSON form has no place"), "{}", run.stderr);
    let json = std::fs::read_to_string(dir.path().join("s.json")).expect("s.json");
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let names: Vec<&str> =
        v["constructors"].as_array().into_iter().flatten().filter_map(|c| c["predicate"].as_str()).collect();
    assert_eq!(names, ["vector", "boolTrue", "pair", "use"]);
    // What it wrote checks without the builtins turned into constructors of other ids (only
    // `pair`, which lost its parameters, no longer hashes to its id).
    let run = tl_in(dir.path(), &["check", "s.json"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr.matches("id-mismatch").count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("id #2a1b6f5c of `pair`"), "{}", run.stderr);
    let run = tl_in(dir.path(), &["fmt", "s.json"], None);
    assert!(!run.stdout.contains("int#") && !run.stdout.contains("int128#"), "{}", run.stdout);
    // Without such builtins, nothing is said.
    let run = tl_in(dir.path(), &["json", "s.json"], None);
    assert!(!run.stderr.contains("note: left out"), "{}", run.stderr);
}

/// `tl sample` prints JSON that `tl encode` takes and `tl decode` gives back, for a name on the
/// embedded schemas (skeleton and seeded) and for a type expression (with `--type`).
#[test]
fn sample_output_encodes_and_decodes_back() {
    let dir = dir_with(&[]);
    for args in [&["sample", "messages.sendMessage"][..], &["sample", "message", "--seed", "9", "--compact"]]
    {
        let sample = tl_in(dir.path(), args, None);
        assert_eq!(sample.code, 0, "{args:?}: {}", sample.stderr);
        let hex = tl_in(dir.path(), &["encode", "-"], Some(sample.stdout.as_bytes()));
        assert_eq!(hex.code, 0, "{args:?}: {}", hex.stderr);
        let back = tl_in(dir.path(), &["decode", "-"], Some(hex.stdout.as_bytes()));
        assert_eq!(back.code, 0, "{args:?}: {}", back.stderr);
        let (a, b): (serde_json::Value, serde_json::Value) =
            (serde_json::from_str(&sample.stdout).unwrap(), serde_json::from_str(&back.stdout).unwrap());
        assert_eq!(a, b, "{args:?}");
    }
    let sample = tl_in(dir.path(), &["sample", "Vector<messages.Messages>", "--depth", "1"], None);
    assert_eq!(sample.code, 0, "{}", sample.stderr);
    assert!(sample.stderr.contains("tl encode --type 'Vector<messages.Messages>'"), "{}", sample.stderr);
    let hex = tl_in(
        dir.path(),
        &["encode", "--type", "Vector<messages.Messages>", "-"],
        Some(sample.stdout.as_bytes()),
    );
    assert_eq!(hex.code, 0, "{}", hex.stderr);
    // `--answer`: the function's result instead; a boxed one encodes as it is.
    let answer = tl_in(dir.path(), &["sample", "help.getConfig", "--answer", "--compact"], None);
    assert_eq!(answer.code, 0, "{}", answer.stderr);
    assert!(
        answer.stdout.starts_with(r#"{"@type":"config","#) && answer.stderr.is_empty(),
        "{}",
        answer.stderr
    );
    assert_eq!(tl_in(dir.path(), &["encode", "-"], Some(answer.stdout.as_bytes())).code, 0);
    let generic = tl_in(dir.path(), &["sample", "invokeWithLayer", "--answer"], None);
    assert!(generic.stderr.contains("answers as its `X` parameter's function does"), "{}", generic.stderr);
    let unknown = tl_in(dir.path(), &["sample", "messages.sendMesage"], None);
    assert_eq!(unknown.code, 1);
    assert_eq!(
        unknown.stderr,
        "error: `messages.sendMesage` names no constructor, function or type in the schemas \
         (did you mean `messages.sendMessage`?)\n"
    );
    // The codec's errors suggest names too.
    let typo = tl_in(dir.path(), &["encode", r#"{"@type":"message","idd":1}"#], None);
    assert_eq!(typo.stderr, "error: $.idd: `message` has no field `idd` (did you mean `id`?)\n");
    let typo = tl_in(dir.path(), &["decode", "--type", "messages.Mesages", "00000000"], None);
    assert_eq!(
        typo.stderr,
        "error: type messages.Mesages at byte 0 is not defined by the schemas (did you mean `messages.Messages`?)\n"
    );
}

/// `--type` naming a function says what it is, rather than that no such type exists (with
/// suggestions of other names); a file named where inline data goes gets a note on reading it.
#[test]
fn encode_and_decode_explain_function_types_and_file_arguments() {
    for args in [
        &["encode", r#"{"@type":"help.getConfig"}"#, "--type", "help.getConfig"][..],
        &["decode", "6b18f9c4", "--type", "help.getConfig"],
    ] {
        let r = tl(&[], args);
        assert_eq!(r.code, 1, "{args:?}");
        assert!(r.stderr.contains("`help.getConfig` is a function, not a type"), "{args:?}: {}", r.stderr);
    }
    let r = tl(&[("v.json", b("{}\n"))], &["encode", "v.json"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("`v.json` is a file: `tl encode - < v.json`"), "{}", r.stderr);
    let r = tl(&[("bytes.hex", b("6b18f9c4\n"))], &["decode", "bytes.hex"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("`bytes.hex` is a file: `tl decode --binary bytes.hex`"), "{}", r.stderr);
}

/// A constructor name as `--type` is the bare form; bytes that start with its id get a note
/// saying so, instead of the bare "trailing bytes" alone.
#[test]
fn decode_notes_an_id_before_a_bare_type() {
    let r = tl(&[], &["decode", "ea183b7f", "--type", "inputPeerEmpty"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("4 trailing byte(s) at byte 0"), "{}", r.stderr);
    assert!(r.stderr.contains("use --type InputPeer (or leave --type out)"), "{}", r.stderr);
    let r = tl(&[], &["decode", "ea183b7f", "--type", "InputPeer", "--compact"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "{\"@type\":\"inputPeerEmpty\"}\n"), "{}", r.stderr);
}

/// TON's `adnl.proxyPacketHeader` gives bits 16 and 17 of its `flags` word a meaning no field
/// carries: `--mode-words` keeps them through decode and encode; without it they are lost,
/// and the decode warning says how to keep them.
#[test]
fn mode_words_keep_a_flags_words_bits_no_field_uses() {
    let schema = "int ? = Int;\nint256 8*[ int ] = Int256;\n\
                  adnl.proxyPacketHeader proxy_id:int256 flags:# ip:flags.0?int port:flags.0?int \
                  signature:int256 = adnl.ProxyPacketHeader;\n";
    let zeros = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let json = format!(
        r#"{{"@type":"adnl.proxyPacketHeader","proxy_id":"{zeros}","flags":65537,"ip":1,"port":2,"signature":"{zeros}"}}"#
    );
    let files: &[(&str, &[u8])] = &[("ton.tl", schema.as_bytes())];
    let kept = ["--schema", "ton.tl", "--mode-words", "adnl.proxy*"];
    let enc = tl(files, &[&["encode"][..], &kept, &[json.as_str()]].concat());
    assert_eq!(enc.code, 0, "{}", enc.stderr);
    let hex = enc.stdout.trim();
    let dec = tl(files, &[&["decode", "--compact"][..], &kept, &[hex]].concat());
    assert_eq!((dec.code, dec.stdout.trim()), (0, json.as_str()), "{}", dec.stderr);
    // Without it: the word is computed from the fields, bit 16 is dropped, and said so.
    let plain = tl(files, &["decode", "--schema", "ton.tl", "--compact", hex]);
    assert_eq!(plain.code, 0);
    assert!(!plain.stdout.contains("flags"), "{}", plain.stdout);
    assert!(
        plain.stderr.contains("bits 0x10000") && plain.stderr.contains("--mode-words adnl.proxyPacketHeader"),
        "{}",
        plain.stderr
    );
    // Nor does encoding drop those bits quietly.
    let enc = tl(files, &["encode", "--schema", "ton.tl", json.as_str()]);
    assert_eq!(enc.code, 1, "{}", enc.stdout);
    assert!(enc.stderr.contains("$.flags: bits 0x10000 have no field and would be lost"), "{}", enc.stderr);
    // A name that keeps no word (a type's, a typo, an empty one) is an error in every command.
    for (names, says) in [
        ("adnl.ProxyPacketHeader", "is a type; name its constructors: `adnl.proxyPacketHeader`"),
        ("adnl.proxyPacketHeadr", "(did you mean `adnl.proxyPacketHeader`?)"),
        ("adnl.proxy*,", "an empty name"),
    ] {
        for command in [
            &["gen", "ton.tl", "-o", "out"][..],
            &["decode", "--schema", "ton.tl", hex],
            &["encode", "--schema", "ton.tl", json.as_str()],
            &["sample", "--schema", "ton.tl", "adnl.proxyPacketHeader"],
        ] {
            let r = tl(files, &[command, &["--mode-words", names]].concat());
            assert_eq!(r.code, 1, "{command:?} {names}: {}", r.stdout);
            assert!(r.stderr.contains(says), "{command:?} {names}: {}", r.stderr);
        }
    }
}
