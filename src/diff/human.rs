//! `--format human`: a diff grouped by namespace, one line per entry with its verdict, the
//! changes indented below, a summary line last.

use super::engine::namespace;
use super::report::{Change, Changed, Diff, Entry};
use super::style::{code, Style};
use std::collections::BTreeMap;
use std::fmt::Write;

/// One change in words; `quote` wraps names and types (backticks in Markdown).
pub fn describe(c: &Change, quote: &dyn Fn(&str) -> String) -> String {
    match c {
        Change::Renamed { from, .. } => format!("renamed from {}", quote(from)),
        Change::IdChanged { from, to } => {
            format!("id {} \u{2192} {}", quote(&format!("#{from}")), quote(&format!("#{to}")))
        }
        Change::IdKept { id, crc } => {
            format!(
                "kept id {} although the CRC32 is now {}",
                quote(&format!("#{id}")),
                quote(&format!("#{crc}"))
            )
        }
        Change::ResultChanged { from, to } => format!("result {} \u{2192} {}", quote(from), quote(to)),
        Change::GenericsChanged { from, to } => {
            // An empty side is no generics at all: quoting nothing would print `` or a gap.
            let side = |g: &str| if g.is_empty() { "(none)".to_string() } else { quote(g) };
            format!("generics {} \u{2192} {}", side(from), side(to))
        }
        Change::ParamAdded { param, ty, .. } => format!("added param {}", quote(&format!("{param}:{ty}"))),
        Change::ParamRemoved { param, ty, .. } => {
            format!("removed param {}", quote(&format!("{param}:{ty}")))
        }
        Change::ParamRenamed { from, to, .. } => format!("param {} renamed to {}", quote(from), quote(to)),
        Change::ParamRetyped { param, from, to } => {
            format!("param {} retyped {} \u{2192} {}", quote(param), quote(from), quote(to))
        }
        Change::FlagMoved { param, from, to } => {
            format!("param {} moved from {} to {}", quote(param), quote(from), quote(to))
        }
        Change::MadeOptional { param, flag } => {
            format!("param {} made optional ({})", quote(param), quote(flag))
        }
        Change::MadeRequired { param, flag } => {
            format!("param {} made required (was {})", quote(param), quote(flag))
        }
        Change::ParamMoved { param, from, to } if from == to => {
            format!("param {} changed place among the others (position {from} in both)", quote(param))
        }
        Change::ParamMoved { param, from, to } => {
            format!("param {} moved from position {from} to {to}", quote(param))
        }
    }
}

/// Entries of one namespace.
#[derive(Default)]
pub struct Group<'d> {
    /// Added entries.
    pub added: Vec<&'d Entry>,
    /// Removed entries.
    pub removed: Vec<&'d Entry>,
    /// Changed entries.
    pub changed: Vec<&'d Changed>,
}

/// The entries of `diff` by namespace (the root namespace is `""` and comes first).
pub fn groups(diff: &Diff) -> BTreeMap<&str, Group<'_>> {
    let mut out: BTreeMap<&str, Group<'_>> = BTreeMap::new();
    for e in &diff.added {
        out.entry(namespace(&e.name)).or_default().added.push(e);
    }
    for e in &diff.removed {
        out.entry(namespace(&e.name)).or_default().removed.push(e);
    }
    for c in &diff.changed {
        out.entry(namespace(&c.name)).or_default().changed.push(c);
    }
    out
}

/// The namespace as a heading.
pub fn namespace_title(ns: &str) -> &str {
    if ns.is_empty() {
        "(root)"
    } else {
        ns
    }
}

/// Renders `diff` for a terminal.
pub fn render(diff: &Diff, style: Style) -> String {
    let mut out = String::new();
    if let (Some(from), Some(to)) = (&diff.from, &diff.to) {
        let _ = writeln!(out, "{}", style.paint(code::BOLD, &format!("--- {from}")));
        let _ = writeln!(out, "{}", style.paint(code::BOLD, &format!("+++ {to}")));
    }
    let plain = |s: &str| s.to_string();
    for (ns, g) in groups(diff) {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", style.paint(code::BOLD, namespace_title(ns)));
        for e in &g.added {
            let _ = writeln!(out, "  {} {} {}", style.paint(code::GREEN, "+"), e.kind.word(), e.declaration);
            let _ = writeln!(out, "      {}: {}", style.verdict(e.compat.verdict), e.compat.reason);
        }
        for e in &g.removed {
            let _ =
                writeln!(out, "  {} {} {}", style.paint(code::RED, "\u{2212}"), e.kind.word(), e.declaration);
            let _ = writeln!(out, "      {}: {}", style.verdict(e.compat.verdict), e.compat.reason);
        }
        for c in &g.changed {
            let id = match (&c.old_id, &c.id) {
                (Some(a), Some(b)) if a != b => format!("#{a} \u{2192} #{b}"),
                (_, Some(b)) => format!("#{b}"),
                _ => String::new(),
            };
            let name = match &c.old_name {
                Some(old) => format!("{old} \u{2192} {}", c.name),
                None => c.name.clone(),
            };
            let _ = writeln!(
                out,
                "  {} {} {name}{}{id}",
                style.paint(code::YELLOW, "~"),
                c.kind.word(),
                if id.is_empty() { "" } else { " " }
            );
            let _ = writeln!(out, "      {}: {}", style.verdict(c.compat.verdict), c.compat.reason);
            for ch in &c.changes {
                if matches!(ch, Change::Renamed { .. } | Change::IdChanged { .. }) {
                    continue; // already on the headline
                }
                let _ = writeln!(out, "      {} {}", style.paint(code::DIM, "\u{b7}"), describe(ch, &plain));
            }
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    for note in unlisted_notes(diff) {
        let _ = writeln!(out, "{}: {note}", style.paint(code::BOLD, "note"));
    }
    let _ = writeln!(out, "{}", summary_line(diff, style));
    out
}

/// One line per side about the definitions left out of the comparison because only one file
/// lists them.
pub fn unlisted_notes(diff: &Diff) -> Vec<String> {
    let line = |names: &[String], which: &str| {
        const SHOWN: usize = 8;
        let mut list = names.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
        if names.len() > SHOWN {
            list.push_str(&format!(" and {} more", names.len() - SHOWN));
        }
        format!(
            "not compared, as only the {which} file lists them (files may or may not list the builtins \
             and the MTProto definitions): {list}"
        )
    };
    let mut notes = Vec::new();
    if !diff.unlisted_in_new.is_empty() {
        notes.push(line(&diff.unlisted_in_new, "old"));
    }
    if !diff.unlisted_in_old.is_empty() {
        notes.push(line(&diff.unlisted_in_old, "new"));
    }
    notes
}

/// `+A −R ~C (B breaking)`, colored.
pub fn summary_line(diff: &Diff, style: Style) -> String {
    let s = &diff.summary;
    let breaking = format!("({} breaking)", s.breaking);
    format!(
        "{} {} {} {}",
        style.paint(code::GREEN, &format!("+{}", s.added)),
        style.paint(code::RED, &format!("\u{2212}{}", s.removed)),
        style.paint(code::YELLOW, &format!("~{}", s.changed)),
        if s.breaking > 0 { style.paint(code::BOLD_RED, &breaking) } else { breaking }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::testutil::parse_def;

    #[test]
    fn empty_diff_is_just_the_summary() {
        let d = Diff::default();
        assert_eq!(render(&d, Style { color: false }), "+0 \u{2212}0 ~0 (0 breaking)\n");
    }

    #[test]
    fn builtins_listed_by_one_file_are_a_note_not_changes() {
        let old = vec![parse_def("a#1 = A")];
        let new = vec![parse_def("boolTrue#997275b5 = Bool"), parse_def("a#1 = A"), parse_def("c#3 = A")];
        let d = crate::diff::diff(&old, &new);
        assert_eq!((d.summary.added, d.summary.removed, d.summary.changed), (1, 0, 0));
        assert_eq!(d.unlisted_in_old, ["boolTrue"]);
        assert!(d.unlisted_in_new.is_empty());
        let text = render(&d, Style { color: false });
        assert!(text.contains("note: not compared, as only the new file lists them"), "{text}");
        assert!(text.ends_with("+1 \u{2212}0 ~0 (0 breaking)\n"), "{text}");
        assert!(!text.contains("type Bool"), "{text}");
        let md = crate::diff::markdown::render(&d);
        assert!(md.contains("> Note: not compared"), "{md}");
    }

    #[test]
    fn generics_gone_or_new_read_as_none() {
        let c = Change::GenericsChanged { from: String::new(), to: "{X:Type}".into() };
        let tick = |s: &str| format!("`{s}`");
        assert_eq!(describe(&c, &|s: &str| s.to_string()), "generics (none) \u{2192} {X:Type}");
        assert_eq!(describe(&c, &tick), "generics (none) \u{2192} `{X:Type}`");
        let c = Change::GenericsChanged { from: "{t:Type}".into(), to: String::new() };
        assert_eq!(describe(&c, &tick), "generics `{t:Type}` \u{2192} (none)");
    }

    #[test]
    fn groups_by_namespace() {
        let old = vec![parse_def("a#1 = A"), parse_def("ns.b#2 = ns.B")];
        let new = vec![parse_def("a#3 x:int = A")];
        let text = render(&crate::diff::diff(&old, &new), Style { color: false });
        let root = text.find("(root)").unwrap();
        let ns = text.find("\nns\n").unwrap();
        assert!(root < ns, "{text}");
        assert!(text.contains("~ constructor a #00000001 \u{2192} #00000003"), "{text}");
        assert!(text.ends_with("+0 \u{2212}2 ~1 (0 breaking)\n"), "{text}");
    }
}
