//! rustc-like text for diagnostics: a headline with the position, the source line with a
//! gutter, a `^^^` underline with the label, and `= note:` lines.

use std::cell::Cell;
use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar as _;

use crate::diagnostic::{Diagnostic, Severity};

/// Longest stretch of a source line shown; longer lines (minified JSON, binary garbage) are
/// cut to a window around the span.
const MAX_SHOWN: usize = 120;

/// Whether byte `i` of `b` ends a line: a `\n`, or a `\r` not followed by one (old Mac files
/// end lines with `\r` alone; in `\r\n` the line ends at the `\n`).
pub(crate) fn is_line_break(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        Some(b'\n') => true,
        Some(b'\r') => b.get(i + 1) != Some(&b'\n'),
        _ => false,
    }
}

/// How many lines end before byte `at` of `b`.
pub(crate) fn breaks_before(b: &[u8], at: usize) -> usize {
    let at = at.min(b.len());
    b[..at].iter().enumerate().filter(|&(i, &c)| (c == b'\n' || c == b'\r') && is_line_break(b, i)).count()
}

/// Byte offset where the line holding byte `at` of `b` starts.
pub(crate) fn line_start(b: &[u8], at: usize) -> usize {
    let at = at.min(b.len());
    (0..at).rev().find(|&i| is_line_break(b, i)).map_or(0, |i| i + 1)
}

/// Byte offset of the first `\n` or `\r` at or after `from` (the line's end), or `b.len()`.
pub(crate) fn line_end(b: &[u8], from: usize) -> usize {
    b.get(from..)
        .and_then(|tail| tail.iter().position(|&c| c == b'\n' || c == b'\r'))
        .map_or(b.len(), |i| from + i)
}

/// 1-based line and column (in chars) of byte offset `byte` in `src`. Offsets past the end
/// or inside a multi-byte char are moved back to the nearest char start.
pub fn line_col(src: &str, byte: usize) -> (usize, usize) {
    let at = floor_boundary(src, byte);
    let line = breaks_before(src.as_bytes(), at) + 1;
    let line_start = past_bom(src, line_start(src.as_bytes(), at), at);
    let col = src[line_start..at].chars().count() + 1;
    (line, col)
}

/// Where the text of the line starting at `line_start` begins, for an offset `at` on it: past
/// a byte order mark opening the file, which editors do not show as a column.
fn past_bom(src: &str, line_start: usize, at: usize) -> usize {
    const BOM: &str = "\u{feff}";
    if line_start == 0 && at >= BOM.len() && src.starts_with(BOM) {
        BOM.len()
    } else {
        line_start
    }
}

fn floor_boundary(src: &str, byte: usize) -> usize {
    let mut at = byte.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    at
}

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str, out: &mut String) {
        if self.on {
            let _ = write!(out, "\x1b[{code}m{text}\x1b[0m");
        } else {
            out.push_str(text);
        }
    }
}

/// Where the lines of a source start, so that rendering many diagnostics of one file does not
/// rescan it from the start for each ([`render`] alone is linear in the offset).
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line.
    starts: Vec<usize>,
    /// The last column found, as (byte offset, its line's start, column - 1): diagnostics come
    /// mostly in order, so the next one on the same line counts on from there rather than from
    /// the line's start (tens of thousands of them on one long line would be quadratic).
    last: Cell<(usize, usize, usize)>,
}

impl LineIndex {
    /// Indexes the lines of `src`.
    pub fn new(src: &str) -> LineIndex {
        let mut starts = vec![0];
        let b = src.as_bytes();
        starts.extend((0..b.len()).filter(|&i| is_line_break(b, i)).map(|i| i + 1));
        LineIndex { starts, last: Cell::new((0, usize::MAX, 0)) }
    }

    /// 1-based line and the byte offset where it starts, for byte offset `byte`.
    fn line_of(&self, byte: usize) -> (usize, usize) {
        let i = self.starts.partition_point(|&s| s <= byte).max(1);
        (i, self.starts[i - 1])
    }

    /// Same as [`line_col`], in logarithmic time for the line.
    pub fn line_col(&self, src: &str, byte: usize) -> (usize, usize) {
        let at = floor_boundary(src, byte);
        let (line, start) = self.line_of(at);
        let start = past_bom(src, start, at);
        let (last_at, last_start, last_chars) = self.last.get();
        let (from, base) = if last_start == start && (start..=at).contains(&last_at) {
            (last_at, last_chars)
        } else {
            (start, 0)
        };
        let chars = base + src.get(from..at).map_or(0, |t| t.chars().count());
        self.last.set((at, start, chars));
        (line, chars + 1)
    }
}

/// Renders `d` (whose span points into `src`, read from `path`) as text; ANSI colors when
/// `color`. Never panics, whatever the span.
pub fn render(d: &Diagnostic, path: &str, src: &str, color: bool) -> String {
    let start = floor_boundary(src, d.span.start as usize);
    let line = breaks_before(src.as_bytes(), start) + 1;
    render_at(d, path, src, line, past_bom(src, line_start(src.as_bytes(), start), start), color)
}

/// [`render`] with the lines of `src` indexed once by the caller (`index` must be
/// `LineIndex::new(src)`; another index gives wrong positions, never a panic).
pub fn render_indexed(d: &Diagnostic, path: &str, src: &str, index: &LineIndex, color: bool) -> String {
    let start = floor_boundary(src, d.span.start as usize);
    let (line, line_start) = index.line_of(start);
    let line_start = floor_boundary(src, line_start.min(start));
    render_at(d, path, src, line, past_bom(src, line_start, start), color)
}

fn render_at(d: &Diagnostic, path: &str, src: &str, line: usize, line_start: usize, color: bool) -> String {
    let st = Style { on: color };
    let (sev, sev_color) = match d.severity {
        Severity::Error => ("error", "1;31"),
        Severity::Warning => ("warning", "1;33"),
    };
    let start = floor_boundary(src, d.span.start as usize);
    let end = floor_boundary(src, (d.span.end as usize).max(start));
    let col = src[line_start..start].chars().count() + 1;
    let mut out = String::new();
    let _ = write!(out, "{path}:{line}:{col}: ");
    st.paint(sev_color, &format!("{sev}[{}]", d.code), &mut out);
    st.paint("1", &format!(": {}", d.message), &mut out);
    out.push('\n');

    let text = src[line_start..line_end(src.as_bytes(), start)].trim_end_matches('\r');
    let text_end = line_start + text.len();
    // Columns of the underline, in chars of the shown line.
    let s2 = start.min(text_end);
    let e2 = end.min(text_end).max(s2);
    let under_from = src[line_start..s2].chars().count();
    let under_to = under_from + src[s2..e2].chars().count();
    let width = (under_to - under_from).max(1);
    let n_chars = text.chars().count();
    let (win_from, win_to) = window(n_chars, under_from, width);
    let mut shown = String::new();
    if win_from > 0 {
        shown.push('…');
    }
    for c in text.chars().skip(win_from).take(win_to - win_from) {
        shown.push(shown_char(c));
    }
    if win_to < n_chars {
        shown.push('…');
    }
    // In display columns: a wide character (CJK) takes two, so the caret must move two.
    let columns = |skip: usize, take: usize| -> usize {
        text.chars().skip(skip).take(take).map(|c| shown_char(c).width().unwrap_or(0)).sum()
    };
    let caret_col = usize::from(win_from > 0) + columns(win_from, under_from.saturating_sub(win_from));
    let width = columns(under_from, width.min(win_to.saturating_sub(under_from).max(1))).max(1);

    let num = line.to_string();
    let pad = " ".repeat(num.len());
    let gutter = |out: &mut String, lhs: &str| {
        st.paint("1;34", &format!("{lhs} |"), out);
    };
    gutter(&mut out, &pad);
    out.push('\n');
    gutter(&mut out, &num);
    if !shown.is_empty() {
        out.push(' ');
        out.push_str(&shown);
    }
    out.push('\n');
    gutter(&mut out, &pad);
    out.push(' ');
    out.push_str(&" ".repeat(caret_col));
    let mut marks = "^".repeat(width);
    if let Some(label) = &d.label {
        marks.push(' ');
        marks.push_str(label);
    }
    st.paint(sev_color, &marks, &mut out);
    out.push('\n');
    for note in &d.notes {
        st.paint("1;34", &format!("{pad} ="), &mut out);
        let _ = writeln!(out, " note: {note}");
    }
    out
}

/// Tabs become one space (so that carets line up) and control characters a replacement mark
/// (so that binary garbage cannot drive the terminal).
fn shown_char(c: char) -> char {
    if c == '\t' {
        ' '
    } else if c.is_control() {
        '\u{fffd}'
    } else {
        c
    }
}

/// The shown char range `[from, to)` of a line of `len` chars so that the underline at `at`
/// (of `width`) is visible.
fn window(len: usize, at: usize, width: usize) -> (usize, usize) {
    if len <= MAX_SHOWN {
        return (0, len);
    }
    let from = at.saturating_sub(MAX_SHOWN / 3);
    let to = (from + MAX_SHOWN).max(at + width.min(MAX_SHOWN / 2)).min(len);
    (from.min(to), to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    #[test]
    fn line_col_counts_chars() {
        let src = "ab\nцdé\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        assert_eq!(line_col(src, 5), (2, 2));
        // Inside `é` (2 bytes): moved back to its start.
        assert_eq!(line_col(src, 7), (2, 3));
        assert_eq!(line_col(src, 1000), (3, 1));
        assert_eq!(line_col("", 5), (1, 1));
    }

    #[test]
    fn a_leading_byte_order_mark_is_no_column() {
        let src = "\u{feff}foo#1 = A;\nb\u{feff} = B;\n";
        let d = Diagnostic::warning("w", "m", Span::new(3, 8)).with_label("l");
        assert_eq!(line_col(src, 3), (1, 1));
        assert_eq!(render(&d, "p", src, false), "p:1:1: warning[w]: m\n  |\n1 | foo#1 = A;\n  | ^^^^^ l\n");
        assert_eq!(render_indexed(&d, "p", src, &LineIndex::new(src), false), render(&d, "p", src, false));
        // Elsewhere it is a character like any other.
        assert_eq!(line_col(src, src.find(" = B").unwrap_or(0)), (2, 3));
        assert_eq!(line_col(src, 0), (1, 1));
    }

    #[test]
    fn renders_caret_and_notes() {
        let src = "a#1 = A;\nbad line here\n";
        let d =
            Diagnostic::error("syntax", "expected `=`", Span::new(13, 17)).with_label("here").with_note("n");
        assert_eq!(
            render(&d, "x.tl", src, false),
            "x.tl:2:5: error[syntax]: expected `=`\n  |\n2 | bad line here\n  |     ^^^^ here\n  = note: n\n"
        );
    }

    #[test]
    fn carets_count_display_columns() {
        // Each of the seven CJK characters takes two columns: the caret moves 14, not 7.
        let src = "// 日本語テキスト\nfoo#1 x:日本語テキスト Nope = Foo;\n";
        let start = src.find("Nope").unwrap();
        let d = Diagnostic::warning("w", "m", Span::new(start, start + 4));
        let r = render(&d, "p", src, false);
        let lines: Vec<&str> = r.lines().collect();
        let (shown, marks) = (lines[2], lines[3]);
        let col_of =
            |line: &str, byte: usize| line[..byte].chars().map(|c| c.width().unwrap_or(0)).sum::<usize>();
        assert_eq!(
            col_of(marks, marks.find('^').unwrap()),
            col_of(shown, shown.find("Nope").unwrap()),
            "{r}"
        );
        assert!(marks.ends_with(" ^^^^"), "{r}");
        // The headline's column still counts characters.
        assert!(r.starts_with("p:2:17: "), "{r}");
    }

    #[test]
    fn never_panics_on_odd_spans() {
        let src = "é\u{0}\r\n\tx";
        for s in 0..12u32 {
            for e in 0..12u32 {
                let d = Diagnostic::warning("w", "m", Span { start: s, end: e });
                let _ = render(&d, "p", src, true);
                let _ = render(&d, "p", src, false);
            }
        }
        let d = Diagnostic::warning("w", "m", Span { start: u32::MAX, end: 0 });
        assert!(render(&d, "p", "", false).starts_with("p:1:1: warning[w]: m\n"));
    }

    #[test]
    fn indexed_columns_match_in_any_order() {
        let src = "\u{feff}ab é\ncd\r\n\nпривет мир\n";
        let index = LineIndex::new(src);
        let n = src.len() + 2;
        // Forward, backward, and jumping between lines: the remembered column must not leak.
        let order = (0..n).chain((0..n).rev()).chain((0..n).map(|i| (i * 7) % n));
        for at in order {
            assert_eq!(index.line_col(src, at), line_col(src, at), "{at}");
        }
    }

    #[test]
    fn every_line_ending_starts_a_line() {
        // `\n`, `\r\n` and a lone `\r` (old Mac files) each end one line.
        let src = "a\nb\r\nc\rd\r\re";
        let index = LineIndex::new(src);
        for (ch, want) in [('a', (1, 1)), ('b', (2, 1)), ('c', (3, 1)), ('d', (4, 1)), ('e', (6, 1))] {
            let at = src.find(ch).unwrap();
            assert_eq!(line_col(src, at), want, "{ch}");
            assert_eq!(index.line_col(src, at), want, "{ch}");
        }
        let at = src.find('d').unwrap();
        let d = Diagnostic::warning("w", "m", Span::new(at, at + 1));
        assert_eq!(render(&d, "p", src, false), "p:4:1: warning[w]: m\n  |\n4 | d\n  | ^\n");
    }

    #[test]
    fn indexed_rendering_matches() {
        let src = "a\nbé\r\n\nccc ddd\n";
        let index = LineIndex::new(src);
        for s in 0..src.len() as u32 + 3 {
            let d = Diagnostic::error("c", "m", Span { start: s, end: s + 2 }).with_label("l");
            assert_eq!(render_indexed(&d, "p", src, &index, false), render(&d, "p", src, false), "{s}");
            assert_eq!(index.line_col(src, s as usize), line_col(src, s as usize));
        }
        // A wrong index gives wrong positions, not a panic.
        let other = LineIndex::new("x\n\n\n\n\n\n\n\n\n\n\n\n");
        let d = Diagnostic::error("c", "m", Span { start: 3, end: 4 });
        let _ = render_indexed(&d, "p", src, &other, false);
    }

    #[test]
    fn long_lines_are_windowed() {
        let src = "x".repeat(10_000) + "BAD" + &"y".repeat(10_000);
        let d = Diagnostic::error("syntax", "m", Span::new(10_000, 10_003));
        let r = render(&d, "p", &src, false);
        assert!(r.lines().nth(2).unwrap().chars().count() < 200);
        assert!(r.contains("BAD"));
        assert!(r.contains("^^^"));
    }

    #[test]
    fn colors_when_asked() {
        let d = Diagnostic::error("c", "m", Span::new(0, 1));
        assert!(render(&d, "p", "x", true).contains("\x1b[1;31m"));
        assert!(!render(&d, "p", "x", false).contains('\x1b'));
    }
}
