//! `tl diff`, `tl history` and `tl log` end to end, through the binary: snapshots of the
//! crafted pair in tests/fixtures/diff/, the JSON report read back into the report types,
//! exit codes, and (`#[ignore]`, reading `TL_CORPUS`) facts checked by hand in real layers.

// The report types, shared with the binary by path: the JSON it prints must deserialize into
// exactly these and serialize back unchanged.
#[path = "../src/diff/report.rs"]
#[allow(dead_code)]
mod report;

use report::{Change, Diff, EventKind, History, Kind, LogLine, Verdict};
use std::path::PathBuf;
use std::process::Command;

const OLD: &str = "tests/fixtures/diff/old.tl";
const NEW: &str = "tests/fixtures/diff/new.tl";
const LAYERS: &str = "tests/fixtures/diff/layers";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `tl` from the package root (so paths in the output are relative and stable).
fn tl(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tl"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .output()
        .expect("run tl");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(args: &[&str]) -> String {
    let r = tl(args);
    assert_eq!(r.code, 0, "tl {args:?} failed:\n{}", r.stderr);
    r.stdout
}

fn json_diff(args: &[&str]) -> Diff {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&ok(&all)).expect("diff JSON")
}

#[test]
fn human_output_of_crafted_pair() {
    insta::assert_snapshot!("human", ok(&["diff", OLD, NEW, "--color", "never"]));
}

#[test]
fn markdown_output_of_crafted_pair() {
    insta::assert_snapshot!("markdown", ok(&["diff", OLD, NEW, "--format", "markdown"]));
}

#[test]
fn crafted_pair_covers_every_change_and_verdict() {
    let d = json_diff(&["diff", OLD, NEW]);
    let mut verdicts: Vec<Verdict> = d
        .added
        .iter()
        .chain(&d.removed)
        .map(|e| e.compat.verdict)
        .chain(d.changed.iter().map(|c| c.compat.verdict))
        .collect();
    verdicts.sort();
    verdicts.dedup();
    assert_eq!(verdicts, vec![Verdict::Compatible, Verdict::IdChanging, Verdict::Breaking]);

    let changes: Vec<&Change> = d.changed.iter().flat_map(|c| &c.changes).collect();
    let has = |f: fn(&Change) -> bool| changes.iter().any(|c| f(c));
    assert!(has(|c| matches!(c, Change::Renamed { .. })));
    assert!(has(|c| matches!(c, Change::IdChanged { .. })));
    assert!(has(|c| matches!(c, Change::IdKept { .. })));
    assert!(has(|c| matches!(c, Change::ResultChanged { .. })));
    assert!(has(|c| matches!(c, Change::GenericsChanged { .. })));
    assert!(has(|c| matches!(c, Change::ParamAdded { .. })));
    assert!(has(|c| matches!(c, Change::ParamRemoved { .. })));
    assert!(has(|c| matches!(c, Change::ParamRenamed { .. })));
    assert!(has(|c| matches!(c, Change::ParamRetyped { .. })));
    assert!(has(|c| matches!(c, Change::FlagMoved { .. })));
    assert!(has(|c| matches!(c, Change::MadeOptional { .. })));
    assert!(has(|c| matches!(c, Change::MadeRequired { .. })));
    assert!(has(|c| matches!(c, Change::ParamMoved { .. })));
    for kind in [Kind::Constructor, Kind::Function, Kind::Type] {
        assert!(d.added.iter().any(|e| e.kind == kind), "no {kind:?} added");
        assert!(d.removed.iter().any(|e| e.kind == kind), "no {kind:?} removed");
        assert!(d.changed.iter().any(|c| c.kind == kind), "no {kind:?} changed");
    }

    // Spot checks of the verdict rules.
    let changed = |name: &str| d.changed.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name}"));
    assert_eq!(changed("peer").compat.verdict, Verdict::Compatible, "new flags.N?true");
    assert_eq!(changed("chat").compat.verdict, Verdict::IdChanging);
    assert_eq!(changed("messages.msg").compat.verdict, Verdict::Breaking, "flag bit reused");
    assert_eq!(changed("video23").old_name.as_deref(), Some("video"));
    assert_eq!(changed("video").old_name.as_deref(), Some("video66"));
    let status = changed("users.status");
    assert_eq!(status.compat.verdict, Verdict::Breaking);
    assert!(status.compat.reason.contains("no longer matches the CRC32"), "{}", status.compat.reason);
    assert_eq!(
        d.summary.breaking,
        d.changed.iter().filter(|c| c.compat.verdict == Verdict::Breaking).count()
    );
}

#[test]
fn json_round_trips_through_serde() {
    let text = ok(&["diff", OLD, NEW, "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let typed: Diff = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), value);
    assert_eq!(serde_json::to_string_pretty(&typed).unwrap() + "\n", text);

    let text = ok(&["history", "item", "--schemas", LAYERS, "--format", "json"]);
    let typed: History = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string_pretty(&typed).unwrap() + "\n", text);

    let text = ok(&["log", "--schemas", LAYERS, "--format", "json"]);
    let typed: Vec<LogLine> = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string_pretty(&typed).unwrap() + "\n", text);
}

#[test]
fn a_schema_against_itself_reports_nothing() {
    for (a, b) in [(OLD, OLD), (NEW, NEW), ("230", "230")] {
        let d = json_diff(&["diff", a, b]);
        assert!(d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty(), "{a}: {d:?}");
        let text = ok(&["diff", a, b, "--color", "never"]);
        assert!(text.ends_with("\n\n+0 \u{2212}0 ~0 (0 breaking)\n"), "{text}");
        assert_eq!(text.lines().count(), 4, "{text}");
        assert_eq!(tl(&["diff", a, b, "--exit-code"]).code, 0);
    }
    let d = json_diff(&["diff", "9", "9", "--schemas", LAYERS]);
    assert_eq!(d.summary, report::Summary::default());
}

#[test]
fn exit_code_flag_reports_breaking_changes() {
    assert_eq!(tl(&["diff", OLD, NEW, "--exit-code"]).code, 1);
    assert_eq!(tl(&["diff", OLD, NEW]).code, 0);
    // Only compatible and id-changing changes between these layers.
    assert_eq!(tl(&["diff", "1", "10", "--schemas", LAYERS, "--exit-code"]).code, 0);
    // Trouble is 2 with --exit-code (POSIX `diff`), 1 without.
    assert_eq!(tl(&["diff", OLD, "missing.tl", "--exit-code"]).code, 2);
    assert_eq!(tl(&["diff", OLD, "missing.tl"]).code, 1);
}

#[test]
fn layer_numbers_resolve_in_a_directory() {
    let d = json_diff(&["diff", "9", "10", "--schemas", LAYERS]);
    assert_eq!(d.from.as_deref(), Some("layer 9 (tests/fixtures/diff/layers/layer-9.tl)"));
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].old_name.as_deref(), Some("item"));
    // layer-2 is JSON.
    let d = json_diff(&["diff", "1", "2", "--schemas", LAYERS]);
    assert_eq!(d.added.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), vec!["extra"]);
    assert!(d.changed.is_empty() && d.removed.is_empty(), "{d:?}");
}

/// A file named like a layer number is read (it is what the argument names), with a note that
/// it shadows the layer of `--schemas`; `./N` names the file without one.
#[test]
fn a_file_named_like_a_layer_says_it_shadows_the_layer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let layers = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(LAYERS);
    std::fs::copy(layers.join("layer-10.tl"), dir.path().join("9")).expect("copy");
    let run = |arg: &str| {
        Command::new(env!("CARGO_BIN_EXE_tl"))
            .args(["diff", arg, "10", "--schemas"])
            .arg(&layers)
            .current_dir(dir.path())
            .output()
            .expect("run tl")
    };
    let out = run("9");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("note: `9` is a file here and is read as one, not as layer 9 of"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("+0 −0 ~0"), "{out:?}");
    let out = run("./9");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("note:"), "{out:?}");
}

#[test]
fn errors_and_usage() {
    let r = tl(&["diff", "5", "9", "--schemas", LAYERS]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("layer 5 is not in") && r.stderr.contains("available: 1-2, 9-12"),
        "{}",
        r.stderr
    );

    let r = tl(&["diff", "5", "230"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("available: 230 (embedded)"), "{}", r.stderr);

    let r = tl(&["diff", "no/such/file.tl", NEW]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no/such/file.tl"), "{}", r.stderr);

    let r = tl(&["diff", OLD, "tests/fixtures/diff/layers/notes.txt"]);
    assert_eq!(r.code, 1, "an invalid schema: {}", r.stdout);
    assert!(r.stderr.starts_with("error: tests/fixtures/diff/layers/notes.txt:"), "{}", r.stderr);

    assert_eq!(tl(&["diff", OLD]).code, 2);
    assert_eq!(tl(&["diff", OLD, NEW, "--format", "yaml"]).code, 2);
    assert_eq!(tl(&["log"]).code, 2);
    assert_eq!(tl(&["history", "x"]).code, 2);
    assert_eq!(tl(&["log", "--schemas", "tests/fixtures/diff"]).code, 1, "no layer files");
    assert_eq!(tl(&["log", "--schemas", "no/such/dir"]).code, 1);
}

#[test]
fn colors_only_when_asked() {
    assert!(ok(&["diff", OLD, NEW, "--color", "always"]).contains("\x1b["));
    // stdout is a pipe here, so `auto` means no color.
    assert!(!ok(&["diff", OLD, NEW]).contains('\x1b'));
    assert!(!ok(&["log", "--schemas", LAYERS]).contains('\x1b'));
}

#[test]
fn history_follows_changes_renames_and_readds() {
    let text = ok(&["history", "item", "--schemas", LAYERS, "--format", "json"]);
    let h: History = serde_json::from_str(&text).unwrap();
    assert_eq!(h.layers, vec![1, 2, 9, 10, 11, 12]);
    let steps: Vec<(u32, EventKind, &str)> =
        h.events.iter().map(|e| (e.layer, e.event, e.name.as_str())).collect();
    assert_eq!(
        steps,
        vec![
            (1, EventKind::Added, "item"),
            (9, EventKind::Changed, "item"),
            (10, EventKind::Changed, "thing"),
            (11, EventKind::Removed, "thing"),
            (12, EventKind::Readded, "thing"),
        ]
    );
    assert_eq!(h.events[1].compat.as_ref().map(|c| c.verdict), Some(Verdict::IdChanging));
    assert_eq!(h.events[2].old_name.as_deref(), Some("item"));
    assert_eq!(h.events[2].compat.as_ref().map(|c| c.verdict), Some(Verdict::Compatible));
    insta::assert_snapshot!(
        "history_human",
        ok(&["history", "item", "--schemas", LAYERS, "--color", "never"])
    );

    // `thing` first appears in layer 10 as `item` renamed: its history is `item`'s.
    let back: History =
        serde_json::from_str(&ok(&["history", "thing", "--schemas", LAYERS, "--format", "json"])).unwrap();
    assert_eq!((back.name.as_str(), &back.events), ("thing", &h.events));
    // Changes carry the id before them, as a diff's changed entries do.
    assert_eq!(h.events[1].old_id.as_deref(), Some("00000001"));
    assert_eq!(h.events[2].old_id.as_deref(), Some("00000002"));
    assert!(h.events.iter().filter(|e| e.event != EventKind::Changed).all(|e| e.old_id.is_none()));
}

#[test]
fn history_of_a_name_no_layer_has_is_an_error_with_suggestions() {
    let r = tl(&["history", "iteem", "--schemas", LAYERS]);
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
    assert_eq!(
        r.stderr,
        "error: `iteem` is not a constructor or function of any of the 6 layers (did you mean `item`?)\n"
    );
    // A type: what `history` follows instead.
    let r = tl(&["history", "Other", "--schemas", LAYERS]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "error: `Other` is a type, and `history` follows constructors and functions: its constructor \
         in layer 12: `other`\n"
    );
    // JSON: the report (no events) on stdout, the error on stderr all the same.
    let r = tl(&["history", "iteem", "--schemas", LAYERS, "--format", "json"]);
    assert_eq!(r.code, 1);
    let h: History = serde_json::from_str(&r.stdout).unwrap();
    assert!(h.events.is_empty());
    assert!(r.stderr.starts_with("error: `iteem` is not a constructor or function"), "{}", r.stderr);
}

#[test]
fn log_has_one_line_per_layer() {
    insta::assert_snapshot!("log_human", ok(&["log", "--schemas", LAYERS, "--color", "never"]));
    let lines: Vec<LogLine> =
        serde_json::from_str(&ok(&["log", "--schemas", LAYERS, "--format", "json"])).unwrap();
    let layers: Vec<(u32, Option<u32>)> = lines.iter().map(|l| (l.layer, l.previous)).collect();
    assert_eq!(
        layers,
        vec![(1, None), (2, Some(1)), (9, Some(2)), (10, Some(9)), (11, Some(10)), (12, Some(11))]
    );
}

// ---- corpus (TL_CORPUS) ----

/// The corpus root; a missing corpus is a failure, not a skip.
fn corpus() -> PathBuf {
    let dir = std::env::var_os("TL_CORPUS").map(PathBuf::from).expect("TL_CORPUS is not set");
    assert!(dir.join("api").is_dir(), "TL_CORPUS={} has no api/ directory", dir.display());
    dir
}

fn corpus_path(rel: &str) -> String {
    corpus().join(rel).to_string_lossy().into_owned()
}

#[test]
#[ignore = "reads TL_CORPUS"]
fn corpus_send_message_history() {
    let api = corpus_path("api");
    let h: History = serde_json::from_str(&ok(&[
        "history",
        "messages.sendMessage",
        "--schemas",
        &api,
        "--format",
        "json",
    ]))
    .unwrap();
    let first = &h.events[0];
    assert_eq!((first.layer, first.event, first.id.as_str()), (1, EventKind::Added, "4cde0aab"));
    // layer-27.tl: `messages.sendMessage#9add8f26 flags:# peer:InputPeer reply_to_msg_id:flags.0?int ...`
    // (layer-25.tl had `#1ca852a1 peer:InputPeer reply_to_msg_id:int ...`).
    let l27 = h.events.iter().find(|e| e.layer == 27).expect("a change at layer 27");
    assert_eq!(l27.event, EventKind::Changed);
    assert!(l27.changes.contains(&Change::IdChanged { from: "1ca852a1".into(), to: "9add8f26".into() }));
    assert!(l27
        .changes
        .iter()
        .any(|c| matches!(c, Change::ParamAdded { param, ty, .. } if param == "flags" && ty == "#")));
    assert!(l27
        .changes
        .iter()
        .any(|c| matches!(c, Change::MadeOptional { param, .. } if param == "reply_to_msg_id")));
    assert_eq!(l27.compat.as_ref().map(|c| c.verdict), Some(Verdict::IdChanging));
    assert!(h.events.iter().all(|e| e.layer < 27 || e.event != EventKind::Added));
    // layer-40.tl keeps #fa88427a and adds `no_webpage:flags.1?true broadcast:flags.4?true`.
    let l40 = h.events.iter().find(|e| e.layer == 40).expect("a change at layer 40");
    assert_eq!(l40.compat.as_ref().map(|c| c.verdict), Some(Verdict::Compatible));
    assert!(l40
        .changes
        .iter()
        .any(|c| matches!(c, Change::ParamAdded { param, .. } if param == "no_webpage")));
    // layer-36.tl: the result became Updates, with a new id.
    let l36 = h.events.iter().find(|e| e.layer == 36).expect("a change at layer 36");
    assert!(l36
        .changes
        .contains(&Change::ResultChanged { from: "messages.SentMessage".into(), to: "Updates".into() }));
    // Never removed from layer 1 to the end.
    assert!(h.events.iter().all(|e| e.event != EventKind::Removed));
}

#[test]
#[ignore = "reads TL_CORPUS"]
fn corpus_constructor_id_changed_name_kept() {
    // layer-25.tl `config#3e6f732a ...`, layer-27.tl `config#68bac247 ... forwarded_count_max:int ...`.
    let api = corpus_path("api");
    let d = json_diff(&["diff", "25", "27", "--schemas", &api]);
    let config = d.changed.iter().find(|c| c.name == "config").expect("config changed");
    assert_eq!((config.kind, config.old_name.as_deref()), (Kind::Constructor, None));
    assert_eq!((config.old_id.as_deref(), config.id.as_deref()), (Some("3e6f732a"), Some("68bac247")));
    assert_eq!(config.compat.verdict, Verdict::IdChanging);
}

#[test]
#[ignore = "reads TL_CORPUS"]
fn corpus_flag_bits_under_a_kept_id() {
    let api = corpus_path("api");
    // layer-116.tl `phoneCallAccepted#997c454a flags:# video:flags.5?true ...`, layer-117.tl
    // `phoneCallAccepted#997c454a flags:# video:flags.6?true ...`: same id, the bit moved, so
    // an old decoder reads `video` from the wrong bit.
    let d = json_diff(&["diff", "116", "117", "--schemas", &api]);
    let call = d.changed.iter().find(|c| c.name == "phoneCallAccepted").expect("phoneCallAccepted changed");
    assert_eq!(call.id.as_deref(), Some("997c454a"));
    assert_eq!(
        call.changes,
        vec![Change::FlagMoved { param: "video".into(), from: "flags.5".into(), to: "flags.6".into() }]
    );
    assert_eq!(call.compat.verdict, Verdict::Breaking);
    // layer-38.tl → layer-40.tl: `user#22e49072` gains `bot:flags.14?true` beside the existing
    // `bot_info_version:flags.14?int`, and seven bits nothing used: compatible.
    let d = json_diff(&["diff", "38", "40", "--schemas", &api]);
    let user = d.changed.iter().find(|c| c.name == "user").expect("user changed");
    assert_eq!((user.old_id.as_deref(), user.id.as_deref()), (Some("22e49072"), Some("22e49072")));
    assert_eq!(user.changes.len(), 8);
    assert_eq!(user.compat.verdict, Verdict::Compatible, "{:?}", user.compat);
}

#[test]
#[ignore = "reads TL_CORPUS"]
fn corpus_rename_keeps_id() {
    // tdlib's secret schema, layer 143 → 144: `decryptedMessageMediaPhoto23#32798a8c` became
    // `decryptedMessageMediaPhoto8#32798a8c`, and two names swapped:
    // `documentAttributeVideo66#ef02ce6` → `documentAttributeVideo#ef02ce6`,
    // `documentAttributeVideo#5910cccb` → `documentAttributeVideo23#5910cccb`.
    let old = corpus_path("secret/tdlib-secret_api-layer-143.tl");
    let new = corpus_path("secret/tdlib-secret_api-layer-144.tl");
    let d = json_diff(&["diff", &old, &new]);
    let renamed = |name: &str, from: &str, id: &str| {
        let c = d.changed.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name} not changed"));
        assert_eq!(c.old_name.as_deref(), Some(from));
        assert_eq!(c.id.as_deref(), Some(id));
        assert_eq!(c.compat.verdict, Verdict::Compatible, "{c:?}");
    };
    renamed("decryptedMessageMediaPhoto8", "decryptedMessageMediaPhoto23", "32798a8c");
    renamed("documentAttributeVideo", "documentAttributeVideo66", "0ef02ce6");
    renamed("documentAttributeVideo23", "documentAttributeVideo", "5910cccb");
    assert_eq!(d.summary.breaking, 0);
}

#[test]
#[ignore = "reads TL_CORPUS"]
fn corpus_duplicate_names_do_not_crash() {
    // madelineproto's secret schema declares `decryptedMessage` under four ids.
    for file in
        ["secret/madelineproto-TL_secret.tl", "secret/telethon-secret.tl", "secret/stek29-end-to-end.tl"]
    {
        let path = corpus_path(file);
        let d = json_diff(&["diff", &path, &path]);
        assert_eq!(d.summary, report::Summary::default(), "{file}");
    }
    let a = corpus_path("secret/madelineproto-TL_secret.tl");
    let b = corpus_path("secret/stek29-end-to-end.tl");
    json_diff(&["diff", &a, &b]);
}

#[test]
#[ignore = "reads TL_CORPUS"]
fn corpus_log_covers_every_layer() {
    let api = corpus_path("api");
    let lines: Vec<LogLine> =
        serde_json::from_str(&ok(&["log", "--schemas", &api, "--format", "json"])).unwrap();
    assert_eq!(lines.len(), 217);
    assert_eq!((lines[0].layer, lines[0].previous), (1, None));
    for w in lines.windows(2) {
        assert!(w[0].layer < w[1].layer);
        assert_eq!(w[1].previous, Some(w[0].layer));
    }
    // Layer 26 is missing from the corpus: 27 is compared with 25.
    assert!(lines.iter().any(|l| l.layer == 27 && l.previous == Some(25)));
    let d = json_diff(&["diff", "230", "230", "--schemas", &api]);
    assert_eq!(d.summary, report::Summary::default());
    // The embedded api.tl is the corpus's layer 230 (both from grammers-tl-types 0.11.0).
    let d = json_diff(&["diff", &corpus_path("api/layer-230.tl"), "230"]);
    assert_eq!(d.summary, report::Summary::default());
}

/// A schema with errors (here a flags error) is refused rather than diffed.
#[test]
fn a_schema_with_errors_is_not_diffed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.tl");
    std::fs::write(&bad, "a#1 flags:# y:nope.1?int = A;\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tl"))
        .args(["diff", bad.to_str().unwrap(), bad.to_str().unwrap()])
        .output()
        .expect("run tl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: ") && stderr.contains("unknown flags field `nope`"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
#[ignore = "reads TL_CORPUS"]
fn corpus_builtins_and_mtproto_listed_by_one_file_only_are_not_changes() {
    let api = corpus_path("api");
    // layer-229.tl lists no builtins; layer-230.tl lists boolFalse, boolTrue, error, ….
    let d = json_diff(&["diff", "229", "230", "--schemas", &api]);
    assert_eq!(d.unlisted_in_old, ["boolFalse", "boolTrue", "error", "null", "true", "vector"]);
    let names: Vec<&str> = d.added.iter().map(|e| e.name.as_str()).collect();
    assert!(!names.iter().any(|n| ["Bool", "boolTrue", "Null", "Error"].contains(n)), "{names:?}");
    // layer-100.tl bundles the MTProto definitions, layer-101.tl does not.
    let d = json_diff(&["diff", "100", "101", "--schemas", &api]);
    assert!(d.unlisted_in_new.iter().any(|n| n == "resPQ"), "{:?}", d.unlisted_in_new);
    assert!(d.removed.iter().all(|e| e.name != "resPQ" && e.name != "ResPQ"), "{:?}", d.removed);
    assert_eq!((d.summary.added, d.summary.removed), (11, 4));
    let text = ok(&["diff", "100", "101", "--schemas", &api, "--color", "never"]);
    assert!(text.contains("note: not compared, as only the old file lists them"), "{text}");
}

#[test]
fn a_bang_parameter_and_its_written_generic_are_one_definition() {
    // TL text may leave `{X:Type}` out; `tl json` writes no generics and the JSON reader
    // implies them from `!X`: the file and its JSON form are the same schema.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("g.tl");
    std::fs::write(
        &text,
        "a#1 = A;\n---functions---\ninvokeAfterMsg#cb9f372d msg_id:long query:!X = X;\n\
         invokeWith#f5f5f5f5 {X:Type} query:!X = X;\n",
    )
    .expect("write");
    let text = text.to_str().unwrap();
    let json = dir.path().join("g.json");
    std::fs::write(&json, ok(&["json", text])).expect("write");
    let d = json_diff(&["diff", text, json.to_str().unwrap()]);
    assert_eq!(d.summary, report::Summary::default(), "{d:?}");

    // A generic declared on one side only, implied by nothing, is a change, shown readably.
    let old = dir.path().join("old.tl");
    let new = dir.path().join("new.tl");
    std::fs::write(&old, "f#1 x:int = A;\n").expect("write");
    std::fs::write(&new, "f#1 {X:Type} x:int = A;\n").expect("write");
    let out = ok(&["diff", old.to_str().unwrap(), new.to_str().unwrap(), "--color", "never"]);
    assert!(out.contains("\u{b7} generics (none) \u{2192} {X:Type}\n"), "{out}");
}

#[test]
fn duplicate_layer_numbers_are_noted_not_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
    write("layer-1.tl", "a#1 = A;\n");
    write("layer-01.tl", "a#1 = A;\nb#2 = A;\n");
    write("layer-2.tl", "a#1 = A;\nc#3 = A;\n");
    write("layer-2.json", r#"{"constructors":[],"methods":[]}"#);
    let d = dir.path().to_str().unwrap();
    let r = tl(&["log", "--schemas", d, "--color", "never"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let path = |name: &str| dir.path().join(name).display().to_string();
    let note = |layer: u32, ignored: &str, used: &str| {
        format!(
            "note: layer {layer}: {} ignored, {} used (another file of the same layer)\n",
            path(ignored),
            path(used)
        )
    };
    assert_eq!(
        r.stderr,
        note(1, "layer-01.tl", "layer-1.tl") + &note(2, "layer-2.json", "layer-2.tl"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("layer 2:   +1 \u{2212}0 ~0"), "{}", r.stdout);
    // `diff` notes only the layers it compares, once each.
    let r = tl(&["diff", "01", "1", "--schemas", d]);
    assert_eq!(r.stderr, note(1, "layer-01.tl", "layer-1.tl"));
    let r = tl(&["history", "c", "--schemas", d]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("layer-2.json ignored"), "{}", r.stderr);
}

#[test]
#[ignore = "reads TL_CORPUS"]
fn corpus_history_of_what_files_may_leave_out_has_no_removals() {
    // layer-14.tl lists no builtins; layer-16.tl lists no MTProto definitions: as `diff` and
    // `log` have it, neither is a removal (nor their return a re-addition).
    let api = corpus_path("api");
    for name in ["boolTrue", "ping", "msgs_ack"] {
        let h: History =
            serde_json::from_str(&ok(&["history", name, "--schemas", &api, "--format", "json"])).unwrap();
        let kinds: Vec<EventKind> = h.events.iter().map(|e| e.event).collect();
        assert_eq!(kinds, [EventKind::Added], "{name}: {h:?}");
        assert!(!h.unlisted_layers.is_empty(), "{name}");
        let text = ok(&["history", name, "--schemas", &api, "--color", "never"]);
        assert!(text.contains("\nnote: not listed by the files of layers "), "{text}");
    }
    let h: History =
        serde_json::from_str(&ok(&["history", "boolTrue", "--schemas", &api, "--format", "json"])).unwrap();
    assert!(h.unlisted_layers.contains(&14) && h.unlisted_layers.contains(&229), "{:?}", h.unlisted_layers);
}
