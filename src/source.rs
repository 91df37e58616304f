//! Loading schema sources: files from disk (directories expanded), stdin, or the embedded default.

use crate::embedded;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// One schema source held in memory, ready to parse.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// The path shown in diagnostics.
    pub path: String,
    /// The text. Invalid UTF-8 has been replaced (see `invalid_utf8_at`).
    pub text: String,
    /// Byte offset (in `text`) of the first invalid UTF-8 sequence in the file, if any.
    pub invalid_utf8_at: Option<usize>,
}

impl SourceText {
    /// Reads a file, or stdin for `-`. Invalid UTF-8 does not fail the read: it is replaced with
    /// U+FFFD and remembered, so the caller can report it as a diagnostic at the right place.
    pub fn read(path: &str) -> Result<SourceText, String> {
        let shown = if path == "-" { "<stdin>" } else { path };
        if path != "-" {
            return SourceText::read_file(Path::new(path), path);
        }
        let bytes = read_limited(std::io::stdin().lock()).map_err(|e| format!("{shown}: {e}"))?;
        Ok(SourceText::from_bytes(shown.to_string(), bytes))
    }

    /// Reads the file at `path` (which need not be UTF-8), named `shown` in messages.
    fn read_file(path: &Path, shown: &str) -> Result<SourceText, String> {
        // A directory would read as an OS error whose text varies by platform; say it plainly.
        if path.is_dir() {
            return Err(format!("{shown}: is a directory"));
        }
        let bytes = std::fs::File::open(path).and_then(read_limited).map_err(|e| format!("{shown}: {e}"))?;
        Ok(SourceText::from_bytes(shown.to_string(), bytes))
    }

    /// Wraps bytes already in memory (see [`SourceText::read`] for invalid UTF-8).
    pub fn from_bytes(path: String, bytes: Vec<u8>) -> SourceText {
        match String::from_utf8(bytes) {
            Ok(text) => SourceText { path, text, invalid_utf8_at: None },
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                SourceText { path, text, invalid_utf8_at: Some(at) }
            }
        }
    }

    /// One of the schemas compiled into the binary.
    pub fn embedded(e: &embedded::Embedded) -> SourceText {
        SourceText { path: e.name.to_string(), text: e.text.to_string(), invalid_utf8_at: None }
    }
}

/// The largest source read. Real schemas are about 1 MiB; the cap keeps `/dev/zero` or a stray
/// disk image from eating memory, and keeps offsets well inside the parser's `u32` spans.
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// Reads everything from `r`, failing past [`MAX_SOURCE_BYTES`].
fn read_limited(r: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    read_at_most(r, "not a schema")
}

/// Reads everything from `r`, failing past [`MAX_SOURCE_BYTES`] with "larger than 64 MiB:
/// `what`" (also the cap on the hex and JSON that `tl decode -`/`tl encode -` read).
pub fn read_at_most(r: impl std::io::Read, what: &str) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut r.take(MAX_SOURCE_BYTES + 1), &mut buf)?;
    if buf.len() as u64 > MAX_SOURCE_BYTES {
        return Err(std::io::Error::other(format!("larger than {} MiB: {what}", MAX_SOURCE_BYTES >> 20)));
    }
    Ok(buf)
}

/// Where one input comes from, before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file path, or `-` for stdin.
    Path(String),
    /// A file found in a directory: the path as the system has it (it may not be UTF-8), and
    /// as shown.
    Found(PathBuf, String),
    /// One of [`embedded::DEFAULT`], by index.
    Embedded(usize),
    /// A path that could not be listed (an unreadable directory): the message says why.
    Unreadable(String, String),
}

impl Input {
    /// The name shown for this input.
    pub fn name(&self) -> &str {
        match self {
            Input::Found(_, shown) => shown,
            Input::Path(p) | Input::Unreadable(p, _) => {
                if p == "-" {
                    "<stdin>"
                } else {
                    p
                }
            }
            Input::Embedded(i) => embedded::DEFAULT.get(*i).map_or("<embedded>", |e| e.name),
        }
    }

    /// Reads the input.
    pub fn load(&self) -> Result<SourceText, String> {
        match self {
            Input::Path(p) => SourceText::read(p),
            Input::Found(path, shown) => SourceText::read_file(path, shown),
            Input::Embedded(i) => embedded::DEFAULT
                .get(*i)
                .map(SourceText::embedded)
                .ok_or_else(|| format!("<embedded #{i}>: no such embedded schema")),
            Input::Unreadable(_, why) => Err(format!("{}: {why}", self.name())),
        }
    }
}

/// The inputs named on the command line: each directory replaced by every `.tl`/`.json` file
/// under it (recursively, in natural order so `layer-2` comes before `layer-10`); the embedded
/// default when `paths` is empty. Files named explicitly are kept whatever their extension.
pub fn expand(paths: &[String]) -> Vec<Input> {
    if paths.is_empty() {
        return (0..embedded::DEFAULT.len()).map(Input::Embedded).collect();
    }
    let mut out = Vec::new();
    let mut stdin_seen = false;
    for p in paths {
        if p == "-" && std::mem::replace(&mut stdin_seen, true) {
            // Its text is gone after the first read: a second `-` would check an empty schema.
            out.push(Input::Unreadable(p.clone(), "stdin is named more than once".into()));
            continue;
        }
        if let Some(embedded) = embedded_named(p) {
            // The embedded schemas by the names `tl layers` shows, so that a schema can be
            // given beside them (`--schema '<embedded>' --schema secret.tl`).
            out.extend(embedded);
            continue;
        }
        if p != "-" && Path::new(p).is_dir() {
            let mut found = Vec::new();
            let errors_before = out.len();
            walk(Path::new(p), 0, &mut found, &mut out);
            if found.is_empty() && out.len() == errors_before {
                // Most likely a wrong path; checking nothing must not look like success.
                out.push(Input::Unreadable(p.clone(), "no .tl or .json files in this directory".into()));
            }
            found.sort_by(|a, b| natural_cmp(a, b));
            out.extend(found.into_iter().map(|f| {
                let shown = f.to_string_lossy().into_owned();
                Input::Found(f, shown)
            }));
        } else {
            out.push(Input::Path(p.clone()));
        }
    }
    out
}

/// `<embedded>` (all the embedded schemas) or one by its name (`<embedded>/api.tl`), unless a
/// file of that name exists.
fn embedded_named(p: &str) -> Option<Vec<Input>> {
    if !p.starts_with("<embedded>") || Path::new(p).exists() {
        return None;
    }
    if p == "<embedded>" || p == "<embedded>/" {
        return Some((0..embedded::DEFAULT.len()).map(Input::Embedded).collect());
    }
    let i = embedded::DEFAULT.iter().position(|e| e.name == p);
    Some(vec![i.map_or_else(
        || {
            let names: Vec<&str> = embedded::DEFAULT.iter().map(|e| e.name).collect();
            Input::Unreadable(
                p.to_string(),
                format!("no such embedded schema (there are {})", names.join(", ")),
            )
        },
        Input::Embedded,
    )])
}

/// Deep enough for any real tree; stops runaway recursion through odd mounts.
const MAX_DEPTH: usize = 64;

/// Collects schema files under `dir`. Symlinked directories are not followed (no cycles);
/// unreadable directories become [`Input::Unreadable`] entries so they are reported, not lost.
fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>, errors: &mut Vec<Input>) {
    let name = || dir.to_string_lossy().into_owned();
    if depth > MAX_DEPTH {
        errors.push(Input::Unreadable(name(), "directory tree too deep".into()));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(Input::Unreadable(name(), e.to_string()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            walk(&path, depth + 1, found, errors);
        } else if is_schema_file(&path) && (ft.is_file() || path.is_file()) {
            found.push(path);
        }
    }
}

fn is_schema_file(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("tl" | "json"))
}

/// Compares paths so that runs of digits compare as numbers (`layer-9.tl` < `layer-10.tl`).
pub fn natural_cmp(a: &Path, b: &Path) -> Ordering {
    let (a, b) = (a.to_string_lossy(), b.to_string_lossy());
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let n = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let m = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (x_digits, x_rest) = x.split_at(n);
                let (y_digits, y_rest) = y.split_at(m);
                // Compare numerically without parsing (no overflow): strip leading zeros, then
                // a longer run is bigger, then lexicographic.
                let (sx, sy) = (trim_zeros(x_digits), trim_zeros(y_digits));
                let ord = sx.len().cmp(&sy.len()).then_with(|| sx.cmp(sy)).then_with(|| n.cmp(&m));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = x_rest;
                y = y_rest;
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v: Vec<PathBuf> =
            ["a/layer-10.tl", "a/layer-9.tl", "a/layer-100.tl", "a/alt/x.tl", "a/layer-009a.tl"]
                .iter()
                .map(PathBuf::from)
                .collect();
        v.sort_by(|a, b| natural_cmp(a, b));
        let names: Vec<_> = v.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        assert_eq!(
            names,
            ["a/alt/x.tl", "a/layer-9.tl", "a/layer-009a.tl", "a/layer-10.tl", "a/layer-100.tl"]
        );
    }

    #[test]
    fn invalid_utf8_offset() {
        let s = SourceText::from_bytes("x".into(), b"ab\n\xffcd".to_vec());
        assert_eq!(s.invalid_utf8_at, Some(3));
        assert!(s.text.starts_with("ab\n"));
    }

    #[test]
    fn empty_directory_is_reported() {
        let dir = std::env::temp_dir().join(format!("tl-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inputs = expand(&[dir.to_string_lossy().into_owned()]);
        let _ = std::fs::remove_dir(&dir);
        assert!(matches!(inputs.as_slice(), [Input::Unreadable(_, why)] if why.contains("no .tl")));
    }

    /// A file whose name is not UTF-8 is read by its real name, and shown lossily.
    #[cfg(unix)]
    #[test]
    fn files_with_non_utf8_names_are_read() {
        use std::os::unix::ffi::OsStrExt;
        let dir = std::env::temp_dir().join(format!("tl-names-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let name = std::ffi::OsStr::from_bytes(b"bad\xffname.tl");
        std::fs::write(dir.join(name), "a = A;\n").unwrap();
        let inputs = expand(&[dir.to_string_lossy().into_owned()]);
        let loaded: Vec<_> = inputs.iter().map(Input::load).collect();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(inputs.len(), 1);
        let src = loaded[0].as_ref().expect("read by its real name");
        assert_eq!(src.text, "a = A;\n");
        assert!(src.path.ends_with("bad\u{fffd}name.tl"), "{}", src.path);
    }

    #[test]
    fn oversized_input_is_refused() {
        let e = read_limited(std::io::Read::take(std::io::repeat(0), MAX_SOURCE_BYTES + 10)).unwrap_err();
        assert!(e.to_string().contains("not a schema"));
    }

    #[test]
    fn empty_paths_mean_embedded() {
        assert_eq!(expand(&[]).len(), embedded::DEFAULT.len());
    }

    #[test]
    fn embedded_schemas_can_be_named_beside_files() {
        let all: Vec<Input> = (0..embedded::DEFAULT.len()).map(Input::Embedded).collect();
        assert_eq!(expand(&["<embedded>".into()]), all);
        let both = expand(&["<embedded>/mtproto.tl".into(), "x.tl".into()]);
        assert_eq!(both[0].name(), "<embedded>/mtproto.tl");
        assert_eq!(both[1], Input::Path("x.tl".into()));
        let wrong = expand(&["<embedded>/nope.tl".into()]);
        let Input::Unreadable(_, why) = &wrong[0] else { panic!("{wrong:?}") };
        assert!(why.contains("<embedded>/api.tl"), "{why}");
    }

    #[test]
    fn missing_file_is_an_error_not_a_panic() {
        let e = SourceText::read("/nonexistent/definitely/not/here.tl").unwrap_err();
        assert!(e.contains("here.tl"));
    }
}
