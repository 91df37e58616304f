//! Finding and loading the schemas the diff commands compare: files named on the command line,
//! layer numbers looked up in a `--schemas` directory (`layer-N.tl` or `layer-N.json`) or the
//! embedded default, and whole directories parsed on two threads.

use crate::source::SourceText;
use std::path::{Path, PathBuf};
use tl_parser::{Definition, Diagnostic};

/// One `layer-N` file of a schema directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerFile {
    /// `N`.
    pub layer: u32,
    /// The file.
    pub path: PathBuf,
}

/// `N` when `file_name` is `layer-N.tl` or `layer-N.json`, with whether it is TL.
fn layer_of(file_name: &str) -> Option<(u32, bool)> {
    let rest = file_name.strip_prefix("layer-")?;
    let (num, tl) =
        if let Some(n) = rest.strip_suffix(".tl") { (n, true) } else { (rest.strip_suffix(".json")?, false) };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((num.parse().ok()?, tl))
}

/// A file [`scan`] passed over because another file of its directory has the same layer number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    /// The layer number both files have.
    pub layer: u32,
    /// The file passed over.
    pub path: PathBuf,
    /// The file used instead.
    pub used: PathBuf,
}

impl Ignored {
    /// The note the commands print on stderr, so that no schema disappears without a word.
    pub fn note(&self) -> String {
        format!(
            "layer {}: {} ignored, {} used (another file of the same layer)",
            self.layer,
            self.path.display(),
            self.used.display()
        )
    }
}

/// The layer files of a directory, one per layer, and the files left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Sorted by layer.
    pub files: Vec<LayerFile>,
    /// Files whose layer number another file already has, sorted by layer.
    pub ignored: Vec<Ignored>,
}

impl Scan {
    /// The notes about the ignored files of `layers` (all of them for `None`).
    pub fn notes(&self, layers: Option<&[u32]>) -> Vec<String> {
        self.ignored
            .iter()
            .filter(|i| layers.is_none_or(|l| l.contains(&i.layer)))
            .map(Ignored::note)
            .collect()
    }
}

/// The layer files directly in `dir`, sorted by layer. Of several files of one layer
/// (`layer-1.tl` and `layer-01.tl`, `layer-10.tl` and `layer-10.json`), the one used does not
/// depend on the order `read_dir` lists them in: TL before JSON (a JSON schema is usually
/// converted from the text one, and the text may carry what JSON cannot), then the shortest
/// name (the one written without leading zeros), then the first by name; the others are
/// listed in [`Scan::ignored`].
pub fn scan(dir: &Path) -> Result<Scan, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut found: Vec<(u32, bool, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((layer, tl)) = name.to_str().and_then(layer_of) else { continue };
        let path = entry.path();
        if path.is_file() {
            found.push((layer, tl, path));
        }
    }
    found.sort_by(|a, b| {
        let name_len = |p: &Path| p.file_name().map_or(0, |n| n.len());
        a.0.cmp(&b.0)
            .then(b.1.cmp(&a.1))
            .then(name_len(&a.2).cmp(&name_len(&b.2)))
            .then(a.2.file_name().cmp(&b.2.file_name()))
    });
    if found.is_empty() {
        return Err(format!("{}: no layer-N.tl or layer-N.json files", dir.display()));
    }
    let mut out = Scan::default();
    for (layer, _, path) in found {
        match out.files.last() {
            Some(kept) if kept.layer == layer => {
                out.ignored.push(Ignored { layer, path, used: kept.path.clone() });
            }
            _ => out.files.push(LayerFile { layer, path }),
        }
    }
    Ok(out)
}

/// Layer numbers as compact ranges: `1-22, 24, 25-29`.
pub fn ranges(layers: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < layers.len() {
        let start = layers[i];
        let mut end = start;
        while i + 1 < layers.len() && layers[i + 1] == end.saturating_add(1) {
            i += 1;
            end = layers[i];
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        i += 1;
    }
    parts.join(", ")
}

/// One side of `tl diff`, read: what to call it and its files (several for the embedded
/// default, whose `api.tl` and `mtproto.tl` make one layer).
#[derive(Debug)]
pub struct Side {
    /// `layer N (path)` or the path.
    pub label: String,
    /// The text of each file.
    pub sources: Vec<SourceText>,
    /// Notes for stderr: other files of the same layer number, passed over.
    pub notes: Vec<String>,
}

/// Reads what `arg` names: an existing file, else a layer number in `dir` (or in the embedded
/// default when there is no `dir`).
pub fn resolve(arg: &str, dir: Option<&Path>) -> Result<Side, String> {
    if arg == "-" || Path::new(arg).is_file() {
        // A file named like a layer number shadows that layer: worth a word when it does.
        let notes = match (dir, arg.parse::<u32>()) {
            (Some(dir), Ok(layer)) if scan(dir).is_ok_and(|s| s.files.iter().any(|f| f.layer == layer)) => {
                vec![format!(
                    "`{arg}` is a file here and is read as one, not as layer {layer} of {} (`./{arg}` \
                     names the file without this note)",
                    dir.display()
                )]
            }
            _ => Vec::new(),
        };
        return Ok(Side { label: arg.to_string(), sources: vec![SourceText::read(arg)?], notes });
    }
    let Ok(layer) = arg.parse::<u32>() else {
        return Err(format!("{arg}: no such file, and not a layer number"));
    };
    match dir {
        Some(dir) => {
            let scanned = scan(dir)?;
            match scanned.files.iter().find(|f| f.layer == layer) {
                Some(f) => {
                    let path = f.path.to_string_lossy().into_owned();
                    Ok(Side {
                        label: format!("layer {layer} ({path})"),
                        sources: vec![SourceText::read(&path)?],
                        notes: scanned.notes(Some(&[layer])),
                    })
                }
                None => {
                    let all: Vec<u32> = scanned.files.iter().map(|f| f.layer).collect();
                    Err(format!("layer {layer} is not in {}; available: {}", dir.display(), ranges(&all)))
                }
            }
        }
        None => {
            // Only the embedded files that announce a layer are that layer: `mtproto.tl` is the
            // service schema, not part of any API layer a user would compare with.
            let mut layered: Vec<(u32, SourceText)> = crate::embedded::DEFAULT
                .iter()
                .map(SourceText::embedded)
                .filter_map(|s| Some((tl_parser::parse(&s.text).schema.layer?, s)))
                .collect();
            let have: Vec<u32> = layered.iter().map(|(l, _)| *l).collect();
            layered.retain(|(l, _)| *l == layer);
            if layered.is_empty() {
                let have = if have.is_empty() {
                    "none".to_string()
                } else {
                    format!("{} (embedded)", ranges(&have))
                };
                return Err(format!(
                    "layer {layer} is not available without --schemas DIR; available: {have}"
                ));
            }
            let names: Vec<&str> = layered.iter().map(|(_, s)| s.path.as_str()).collect();
            let label = format!("layer {layer} ({})", names.join(", "));
            Ok(Side { label, sources: layered.into_iter().map(|(_, s)| s).collect(), notes: Vec::new() })
        }
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// How many errors of one file a failure message shows.
const SHOWN_ERRORS: usize = 3;

fn describe_errors(src: &SourceText, diagnostics: &[Diagnostic]) -> String {
    let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
    let mut lines: Vec<String> = errors
        .iter()
        .take(SHOWN_ERRORS)
        .map(|d| {
            let (line, col) = line_col(&src.text, d.span.start as usize);
            format!("{}:{line}:{col}: {}", src.path, d.message)
        })
        .collect();
    if errors.len() > SHOWN_ERRORS {
        lines.push(format!("{}: … and {} more errors", src.path, errors.len() - SHOWN_ERRORS));
    }
    lines.join("\n")
}

/// Parses and validates every source and puts their definitions together, or says why it
/// cannot (invalid UTF-8, syntax errors: a partial model would show its missing half as
/// removed; flag errors).
pub fn parse_sources(sources: &[SourceText]) -> Result<Vec<Definition<'_>>, String> {
    let mut defs = Vec::new();
    for src in sources {
        if let Some(at) = src.invalid_utf8_at {
            let (line, col) = line_col(&src.text, at);
            return Err(format!("{}:{line}:{col}: invalid UTF-8", src.path));
        }
        // Validated, as `tl check` does: a flags error makes the wire form unknowable.
        let parsed = tl_parser::check(&src.text);
        if parsed.has_errors() {
            return Err(describe_errors(src, &parsed.diagnostics));
        }
        if defs.is_empty() {
            defs = parsed.schema.definitions; // the usual single file: no copy
        } else {
            defs.extend(parsed.schema.definitions);
        }
    }
    Ok(defs)
}

/// How many threads read and parse a directory: the machine this runs on is shared.
const THREADS: usize = 2;

/// Runs `f` on every item on [`THREADS`] threads, results in item order. Items are dealt
/// round-robin because layer files grow over time and halves would be unbalanced.
pub fn par_map<'i, T: Sync, R: Send>(items: &'i [T], f: impl Fn(&'i T) -> R + Sync) -> Vec<R> {
    let mut slots: Vec<Option<R>> = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                s.spawn(move || {
                    items
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(THREADS)
                        .map(|(i, x)| (i, f(x)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            // A panicking worker is a bug; re-raise it on this thread.
            for (i, r) in h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)) {
                if let Some(slot) = slots.get_mut(i) {
                    *slot = Some(r);
                }
            }
        }
    });
    slots.into_iter().flatten().collect()
}

/// Reads every file of `files` on two threads.
pub fn read_all(files: &[LayerFile]) -> Vec<Result<SourceText, String>> {
    par_map(files, |f| SourceText::read(&f.path.to_string_lossy()))
}

/// Parses every source on two threads (each file once).
pub fn parse_all(sources: &[SourceText]) -> Vec<Result<Vec<Definition<'_>>, String>> {
    par_map(sources, |s| parse_sources(std::slice::from_ref(s)))
}

/// How many layers [`walk`] holds at once: enough files to keep both threads busy, few
/// enough that memory stays at a few layers' models instead of the whole directory's.
const WINDOW: usize = 16;

/// Reads and parses the layers of `files` window by window (each file on one of two threads)
/// and hands each window to `visit` in order, as `(layer, definitions)` with the index of the
/// first layer not visited before: from the second window on, the previous window's last
/// layer is parsed again and comes first, so every layer can be compared with the one before.
/// Stops at the first window with an unreadable or invalid file, reporting all its problems.
pub fn walk(
    files: &[LayerFile],
    mut visit: impl FnMut(&[(u32, Vec<Definition<'_>>)], usize),
) -> Result<(), String> {
    let mut start = 0;
    while start < files.len() {
        let from = start.saturating_sub(1);
        let end = start.saturating_add(WINDOW).min(files.len());
        let chunk = files.get(from..end).unwrap_or(&[]);
        let mut problems = Vec::new();
        let mut texts = Vec::with_capacity(chunk.len());
        for r in read_all(chunk) {
            match r {
                Ok(t) => texts.push(t),
                Err(e) => problems.push(e),
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        let mut layers = Vec::with_capacity(chunk.len());
        for (f, r) in chunk.iter().zip(parse_all(&texts)) {
            match r {
                Ok(defs) => layers.push((f.layer, defs)),
                Err(e) => problems.push(e),
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        visit(&layers, start - from);
        start = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_names() {
        assert_eq!(layer_of("layer-12.tl"), Some((12, true)));
        assert_eq!(layer_of("layer-7.json"), Some((7, false)));
        assert_eq!(layer_of("layer-.tl"), None);
        assert_eq!(layer_of("layer-1a.tl"), None);
        assert_eq!(layer_of("layer--1.tl"), None);
        assert_eq!(layer_of("layer-99999999999999.tl"), None);
        assert_eq!(layer_of("api.tl"), None);
    }

    #[test]
    fn compact_ranges() {
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), "1-3, 5, 7-8");
        assert_eq!(ranges(&[]), "");
        assert_eq!(ranges(&[u32::MAX]), u32::MAX.to_string());
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn walk_overlaps_windows_by_one_layer() {
        let dir = std::env::temp_dir().join(format!("tl-diff-walk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let n = WINDOW * 2 + 3;
        for l in 1..=n {
            std::fs::write(dir.join(format!("layer-{l}.tl")), format!("a{l}#{l:x} = A;\n")).unwrap();
        }
        let files = scan(&dir).unwrap().files;
        let mut seen = Vec::new();
        walk(&files, |layers, first| {
            for k in first..layers.len() {
                let prev = k.checked_sub(1).map(|p| layers[p].0);
                seen.push((prev, layers[k].0, layers[k].1.len()));
            }
        })
        .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let expected: Vec<_> = (1..=n as u32).map(|l| ((l > 1).then(|| l - 1), l, 1)).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn duplicate_layers_are_noted_and_chosen_the_same_way_every_time() {
        let dir = std::env::temp_dir().join(format!("tl-diff-dup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Created in an order the choice must not follow.
        for name in
            ["layer-10.json", "layer-01.tl", "layer-001.tl", "layer-1.tl", "layer-10.tl", "layer-2.json"]
        {
            std::fs::write(dir.join(name), "a#1 = A;\n").unwrap();
        }
        let s = scan(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
        let used: Vec<(u32, String)> = s.files.iter().map(|f| (f.layer, name(&f.path))).collect();
        assert_eq!(used, [(1, "layer-1.tl".into()), (2, "layer-2.json".into()), (10, "layer-10.tl".into())]);
        let ignored: Vec<(u32, String, String)> =
            s.ignored.iter().map(|i| (i.layer, name(&i.path), name(&i.used))).collect();
        assert_eq!(
            ignored,
            [
                (1, "layer-01.tl".into(), "layer-1.tl".into()),
                (1, "layer-001.tl".into(), "layer-1.tl".into()),
                (10, "layer-10.json".into(), "layer-10.tl".into()),
            ]
        );
        assert_eq!(s.notes(Some(&[2, 10])).len(), 1);
        assert_eq!(s.notes(None).len(), 3);
        let note = &s.notes(Some(&[10]))[0];
        assert!(note.starts_with("layer 10: ") && note.contains("layer-10.json ignored"), "{note}");
        assert!(note.contains("layer-10.tl used"), "{note}");
    }

    #[test]
    fn par_map_keeps_order() {
        let v: Vec<u32> = (0..17).collect();
        assert_eq!(par_map(&v, |x| x * 2), v.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(par_map(&[] as &[u32], |x| *x).is_empty());
    }
}
