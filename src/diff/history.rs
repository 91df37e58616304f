//! `tl history`: one definition followed across the layers of a directory, through changes,
//! renames (matched by id, as `tl diff` does), removals and re-additions.

use super::compare::{compare, kind_of};
use super::engine::{context_of, removed_compat};
use super::human::describe;
use super::matching::match_definitions;
use super::report::{Change, Event, EventKind, History};
use super::style::{code, Style};
use super::text::{declaration, hex, same_declaration};
use std::fmt::Write;
use tl_parser::Definition;

/// The life of `name` across `layers` (each layer with its definitions, in order).
pub fn history(name: &str, layers: &[(u32, Vec<Definition<'_>>)]) -> History {
    let mut events = Vec::new();
    // The definition followed, as (position in `layers`, index in that layer).
    let mut tracked: Option<(usize, usize)> = None;
    let mut last_name = name.to_string();
    let mut seen = false;
    for (k, (layer, defs)) in layers.iter().enumerate() {
        let prev = tracked.and_then(|(pk, i)| Some((layers.get(pk)?.1.as_slice(), i)));
        match prev {
            Some((prev_defs, i)) => {
                let Some(old) = prev_defs.get(i) else { break };
                let m = match_definitions(prev_defs, defs);
                match m.old_to_new.get(i).copied().flatten().and_then(|j| Some((j, defs.get(j)?))) {
                    Some((j, new)) => {
                        if !same_declaration(old, new) {
                            let ctx = context_of(prev_defs, defs);
                            if let Some(c) = compare(old, new, &ctx) {
                                events.push(Event {
                                    layer: *layer,
                                    event: EventKind::Changed,
                                    kind: c.kind,
                                    name: c.name,
                                    id: hex(new.id),
                                    declaration: declaration(new),
                                    old_name: c.old_name,
                                    changes: c.changes,
                                    compat: Some(c.compat),
                                });
                            }
                        }
                        last_name = new.name.to_string();
                        tracked = Some((k, j));
                    }
                    None => {
                        events.push(Event {
                            layer: *layer,
                            event: EventKind::Removed,
                            kind: kind_of(old),
                            name: old.name.to_string(),
                            id: hex(old.id),
                            declaration: declaration(old),
                            old_name: None,
                            changes: Vec::new(),
                            compat: Some(removed_compat(old)),
                        });
                        tracked = None;
                    }
                }
            }
            None => {
                let found = defs
                    .iter()
                    .position(|d| d.name == last_name.as_str())
                    .or_else(|| defs.iter().position(|d| d.name == name));
                if let Some(j) = found {
                    let d = &defs[j];
                    events.push(Event {
                        layer: *layer,
                        event: if seen { EventKind::Readded } else { EventKind::Added },
                        kind: kind_of(d),
                        name: d.name.to_string(),
                        id: hex(d.id),
                        declaration: declaration(d),
                        old_name: None,
                        changes: Vec::new(),
                        compat: None,
                    });
                    seen = true;
                    last_name = d.name.to_string();
                    tracked = Some((k, j));
                }
            }
        }
    }
    History { name: name.to_string(), layers: layers.iter().map(|(l, _)| *l).collect(), events }
}

/// Renders a history for a terminal.
pub fn render(h: &History, style: Style) -> String {
    let mut out = String::new();
    let span = match (h.layers.first(), h.layers.last()) {
        (Some(a), Some(b)) => format!("layers {a}-{b}"),
        _ => "no layers".to_string(),
    };
    if h.events.is_empty() {
        let _ = writeln!(out, "{}: not found in {} ({span})", h.name, plural(h.layers.len(), "layer"));
        return out;
    }
    let _ = writeln!(
        out,
        "{}",
        style.paint(code::BOLD, &format!("{}: {} over {span}", h.name, plural(h.events.len(), "event")))
    );
    let plain = |s: &str| s.to_string();
    for e in &h.events {
        let word = match e.event {
            EventKind::Added => style.paint(code::GREEN, "added  "),
            EventKind::Readded => style.paint(code::GREEN, "readded"),
            EventKind::Changed => style.paint(code::YELLOW, "changed"),
            EventKind::Removed => style.paint(code::RED, "removed"),
        };
        let _ = write!(out, "layer {:<4} {word} ", e.layer);
        match (&e.event, &e.compat) {
            (EventKind::Added | EventKind::Readded, _) | (_, None) => {
                let _ = writeln!(out, "{} {}", e.kind.word(), e.declaration);
            }
            (_, Some(c)) => {
                let _ = writeln!(out, "{}: {}", style.verdict(c.verdict), c.reason);
            }
        }
        for ch in e.changes.iter().filter(|c| !matches!(c, Change::IdChanged { .. })) {
            let _ =
                writeln!(out, "             {} {}", style.paint(code::DIM, "\u{b7}"), describe(ch, &plain));
        }
        if e.event == EventKind::Changed {
            let _ = writeln!(out, "             {} {}", style.paint(code::DIM, "="), e.declaration);
        }
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::testutil::parse_def;

    #[test]
    fn follows_changes_renames_removal_and_readd() {
        let layers = vec![
            (1, vec![parse_def("x#1 = X")]),
            (2, vec![parse_def("a#5 = A"), parse_def("x#1 = X")]),
            (3, vec![parse_def("a#5 = A"), parse_def("x#2 y:int = X")]),
            (4, vec![parse_def("renamed#2 y:int = X")]),
            (5, vec![parse_def("a#5 = A")]),
            (7, vec![parse_def("renamed#3 = X")]),
        ];
        let h = history("x", &layers);
        let kinds: Vec<(u32, EventKind)> = h.events.iter().map(|e| (e.layer, e.event)).collect();
        assert_eq!(
            kinds,
            vec![
                (1, EventKind::Added),
                (3, EventKind::Changed),
                (4, EventKind::Changed),
                (5, EventKind::Removed),
                (7, EventKind::Readded)
            ]
        );
        assert_eq!(h.events[2].old_name.as_deref(), Some("x"));
        assert_eq!(h.events[4].name, "renamed");
        let text = render(&h, Style { color: false });
        assert!(text.starts_with("x: 5 events over layers 1-7\n"), "{text}");
    }

    #[test]
    fn unknown_name() {
        let layers = vec![(1, vec![parse_def("x#1 = X")])];
        let h = history("nope", &layers);
        assert!(h.events.is_empty());
        assert_eq!(render(&h, Style { color: false }), "nope: not found in 1 layer (layers 1-1)\n");
    }
}
