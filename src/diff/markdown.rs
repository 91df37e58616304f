//! `--format markdown`: a changelog section, one heading per namespace, bullet lists of
//! entries with code spans, verdicts in words.

use super::human::{describe, groups, namespace_title};
use super::report::{Change, Diff, Verdict};
use std::fmt::Write;

/// A code span that survives backticks inside the text.
fn code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

fn verdict(v: Verdict) -> String {
    match v {
        Verdict::Breaking => "**breaking**".to_string(),
        other => format!("*{}*", other.word()),
    }
}

/// Renders `diff` as Markdown.
pub fn render(diff: &Diff) -> String {
    let mut out = String::new();
    let title = match (&diff.from, &diff.to) {
        (Some(from), Some(to)) => format!("{from} \u{2192} {to}"),
        _ => "Schema changes".to_string(),
    };
    let s = &diff.summary;
    let _ = writeln!(out, "## {title}\n");
    let _ = writeln!(
        out,
        "{} added, {} removed, {} changed: {} compatible, {} id-changing, {} breaking.",
        s.added, s.removed, s.changed, s.compatible, s.id_changing, s.breaking
    );
    for (ns, g) in groups(diff) {
        let _ = writeln!(out, "\n### {}\n", namespace_title(ns));
        for e in &g.added {
            let _ = writeln!(
                out,
                "- Added {} {} \u{2014} {}: {}",
                e.kind.word(),
                code(&e.declaration),
                verdict(e.compat.verdict),
                e.compat.reason
            );
        }
        for e in &g.removed {
            let _ = writeln!(
                out,
                "- Removed {} {} \u{2014} {}: {}",
                e.kind.word(),
                code(&e.declaration),
                verdict(e.compat.verdict),
                e.compat.reason
            );
        }
        for c in &g.changed {
            let name = match &c.old_name {
                Some(old) => format!("{} (was {})", code(&c.name), code(old)),
                None => code(&c.name),
            };
            let _ = writeln!(
                out,
                "- Changed {} {name} \u{2014} {}: {}",
                c.kind.word(),
                verdict(c.compat.verdict),
                c.compat.reason
            );
            for ch in &c.changes {
                if matches!(ch, Change::Renamed { .. }) && c.old_name.is_some() {
                    continue; // on the entry's line already
                }
                let _ = writeln!(out, "  - {}", describe(ch, &code));
            }
        }
    }
    let notes = super::human::unlisted_notes(diff);
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            let _ = writeln!(out, "> Note: {note}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_escape_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "`` a`b ``");
    }

    #[test]
    fn empty_diff() {
        let text = render(&Diff::default());
        assert!(text.starts_with("## Schema changes\n"));
        assert!(text.contains("0 added, 0 removed, 0 changed"));
    }
}
