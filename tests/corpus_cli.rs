//! The whole real-schema corpus through the `tl` binary: every file passes `tl check`, and
//! `tl json` of each carries every definition with its id, params and result type.
//!
//! The expected definitions come from an independent line scan of the TL source (no code shared
//! with the parser), or, for `.json` inputs, from the input JSON itself, entry by entry.
//!
//! `#[ignore]`d: run with `TL_CORPUS=$PWD/../shared/schemas cargo test --test corpus_cli -- --ignored`.

use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The corpus root from `TL_CORPUS`; panics with a clear message if unset or missing.
fn corpus() -> PathBuf {
    let root = std::env::var_os("TL_CORPUS")
        .expect("TL_CORPUS is not set: point it at the schema corpus (e.g. ../shared/schemas)");
    let root = PathBuf::from(root);
    assert!(root.is_dir(), "TL_CORPUS={} is not a directory: the schema corpus is missing", root.display());
    root
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for e in entries {
        let path = e.expect("dir entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every schema file of the corpus, in a stable order.
fn corpus_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["api", "json", "mtproto-variants", "secret"] {
        let dir = root.join(sub);
        assert!(dir.is_dir(), "corpus is incomplete: {} is missing", dir.display());
        walk(&dir, &mut files);
    }
    files.retain(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("tl" | "json")));
    for single in ["mtproto.tl", "td_api.tl"] {
        let p = root.join(single);
        assert!(p.is_file(), "corpus is incomplete: {} is missing", p.display());
        files.push(p);
    }
    files.sort();
    let api = files.iter().filter(|p| p.parent() == Some(&root.join("api"))).count();
    assert!(api >= 217, "expected at least 217 api layers, found {api}");
    files
}

fn tl(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tl")).args(args).env("NO_COLOR", "1").output().expect("run tl")
}

#[test]
#[ignore = "needs TL_CORPUS"]
fn every_corpus_file_checks_clean() {
    let root = corpus();
    let files = corpus_files(&root);
    let names: Vec<&str> = files.iter().map(|p| p.to_str().expect("utf-8 path")).collect();
    let mut args = vec!["check", "--format", "json"];
    args.extend(&names);
    let out = tl(&args);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("tl check printed no JSON ({e}); stderr:\n{}", String::from_utf8_lossy(&out.stderr))
    });
    let reports = v["files"].as_array().expect("files");
    assert_eq!(reports.len(), files.len());
    let mut failures = Vec::new();
    for r in reports {
        let errors: Vec<String> = r["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["severity"] == "error")
            .map(|d| format!("  {}:{}: {}", d["line"], d["column"], d["message"]))
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{}:\n{}", r["path"], errors.join("\n")));
        }
        assert!(
            r["constructors"].as_u64().unwrap_or(0) > 0 || r["functions"].as_u64().unwrap_or(0) > 0,
            "{} parsed to an empty schema",
            r["path"]
        );
    }
    assert!(failures.is_empty(), "{} files have errors:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(out.status.code(), Some(0), "tl check exit code");
}

/// One definition as both sides see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Def {
    function: bool,
    name: String,
    /// `None` when the source wrote no id (the tool computes one; not compared).
    id: Option<u32>,
    /// Named params as `name:type`.
    params: Vec<String>,
    /// False for declarations with anonymous params (`vector#1cb5c415 {t:Type} # [ t ]`):
    /// official JSON has no way to spell those, so only name, id and type are compared.
    check_params: bool,
    ty: String,
}

/// Collapses whitespace so `Vector  t` and `Vector t` compare equal.
fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Scans TL text line by line for declarations `name[#hex] params... = Type;`. Builtins with
/// anonymous params and no id (`int ? = Int;`, `int128 4*[ int ] = Int128;`) are left out:
/// they have nothing to compare.
fn scan_tl(text: &str) -> Vec<Def> {
    let mut defs = Vec::new();
    let mut function = false;
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("").trim();
        // Section markers, also spelled `--- functions ---`.
        let compact: String = code.split_whitespace().collect();
        if compact == "---functions---" {
            function = true;
            continue;
        }
        if compact == "---types---" {
            function = false;
            continue;
        }
        let Some(decl) = code.strip_suffix(';') else { continue };
        let Some((lhs, ty)) = decl.split_once('=') else { continue };
        let mut tokens = lhs.split_whitespace();
        let Some(head) = tokens.next() else { continue };
        let (name, id) = match head.split_once('#') {
            Some((n, hex)) => match u32::from_str_radix(hex, 16) {
                Ok(id) => (n, Some(id)),
                Err(_) => continue,
            },
            None => (head, None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let mut params = Vec::new();
        let mut plain = true;
        for t in tokens {
            if t.starts_with('{') && t.ends_with('}') {
                continue; // generic parameter
            }
            match t.split_once(':') {
                Some((n, ty)) if !n.is_empty() && !ty.is_empty() && !ty.contains('[') => {
                    params.push(format!("{n}:{ty}"))
                }
                _ => plain = false,
            }
        }
        if plain || id.is_some() {
            defs.push(Def {
                function,
                name: name.to_string(),
                id,
                params,
                check_params: plain,
                ty: norm(ty),
            });
        }
    }
    defs
}

/// An id as JSON writes it: a signed decimal string (or a number, in some sources).
fn json_id(v: &Value) -> Option<u32> {
    match v {
        Value::String(s) => s.parse::<i64>().ok().map(|n| n as u32),
        Value::Number(n) => n.as_i64().map(|n| n as u32),
        _ => None,
    }
}

/// Every entry of an official-JSON document.
fn scan_json(v: &Value) -> Vec<Def> {
    let mut defs = Vec::new();
    for (key, name_key, function) in [("constructors", "predicate", false), ("methods", "method", true)] {
        for e in v[key].as_array().into_iter().flatten() {
            let params = e["params"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| format!("{}:{}", p["name"].as_str().unwrap_or(""), p["type"].as_str().unwrap_or("")))
                .collect();
            defs.push(Def {
                function,
                name: e[name_key].as_str().unwrap_or("").to_string(),
                id: json_id(&e["id"]),
                params,
                check_params: true,
                ty: norm(e["type"].as_str().unwrap_or("")),
            });
        }
    }
    defs
}

/// Compares one file; returns a description of what is missing or different.
fn compare_file(path: &Path) -> Result<usize, String> {
    let p = path.to_str().expect("utf-8 path");
    let out = tl(&["json", p]);
    if out.status.code() != Some(0) {
        return Err(format!(
            "tl json exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let produced: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("output is not JSON: {e}"))?;
    let got = scan_json(&produced);
    let input = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&input);

    if path.extension().and_then(|e| e.to_str()) == Some("json") {
        // JSON in, JSON out: one to one, in order.
        let want = scan_json(&serde_json::from_str(&text).map_err(|e| format!("input is not JSON: {e}"))?);
        if want.len() != got.len() {
            return Err(format!("{} entries in, {} out", want.len(), got.len()));
        }
        for (w, g) in want.iter().zip(&got) {
            if w != g {
                return Err(format!("entry differs:\n  in:  {w:?}\n  out: {g:?}"));
            }
        }
        return Ok(want.len());
    }

    // TL in: every scanned declaration is in the output (as a multiset: secret schemas repeat
    // names with distinct ids). Without an id in the source, match on everything but the id.
    let mut pool: HashMap<(bool, String), Vec<Def>> = HashMap::new();
    for g in got {
        pool.entry((g.function, g.name.clone())).or_default().push(g);
    }
    let want = scan_tl(&text);
    let mut problems = Vec::new();
    for w in &want {
        let candidates = pool.get_mut(&(w.function, w.name.clone()));
        let found = candidates.and_then(|c| {
            let i = c.iter().position(|g| {
                (w.id.is_none() || g.id == w.id) && (!w.check_params || g.params == w.params) && g.ty == w.ty
            })?;
            Some(c.swap_remove(i))
        });
        if found.is_none() {
            let same_name: Vec<&Def> =
                pool.get(&(w.function, w.name.clone())).into_iter().flatten().collect();
            problems.push(format!("  missing {w:?}\n    output has: {same_name:?}"));
        }
    }
    if problems.is_empty() {
        Ok(want.len())
    } else {
        let n = problems.len();
        problems.truncate(5);
        Err(format!("{n} definitions missing or different, e.g.:\n{}", problems.join("\n")))
    }
}

#[test]
#[ignore = "needs TL_CORPUS"]
fn tl_json_carries_every_definition() {
    let root = corpus();
    let files = corpus_files(&root);
    // Two workers: one process per file, and this machine has two cores.
    let (left, right) = files.split_at(files.len() / 2);
    let run = |part: &[PathBuf]| -> Vec<(PathBuf, Result<usize, String>)> {
        part.iter().map(|p| (p.clone(), compare_file(p))).collect()
    };
    let results: Vec<_> = std::thread::scope(|s| {
        let a = s.spawn(|| run(left));
        let b = run(right);
        let mut all = a.join().expect("worker");
        all.extend(b);
        all
    });
    let mut failures = Vec::new();
    let mut total = 0;
    for (path, r) in &results {
        match r {
            Ok(n) => total += n,
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{} of {} files:\n{}", failures.len(), results.len(), failures.join("\n"));
    assert!(total > 300_000, "only {total} definitions compared: is the scan broken?");
}

#[test]
fn scan_reads_the_shapes_we_meet() {
    let src = "\
// comment a#1 = A;
int ? = Int;
vector#1cb5c415 {t:Type} # [ t ] = Vector t;
user#abc id:long flags:# bot:flags.1?true = User; // trailing
--- functions ---
invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X;
getUser id:long = User;
";
    let defs = scan_tl(src);
    let names: Vec<(&str, bool, Option<u32>)> =
        defs.iter().map(|d| (d.name.as_str(), d.function, d.id)).collect();
    assert_eq!(
        names,
        [
            ("vector", false, Some(0x1cb5c415)),
            ("user", false, Some(0xabc)),
            ("invokeWithLayer", true, Some(0xda9b0d0d)),
            ("getUser", true, None)
        ]
    );
    assert!(!defs[0].check_params);
    assert_eq!(defs[0].ty, "Vector t");
    assert_eq!(defs[1].params, ["id:long", "flags:#", "bot:flags.1?true"]);
    assert_eq!(defs[2].ty, "X");
}
