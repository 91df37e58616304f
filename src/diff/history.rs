//! `tl history`: one definition followed across the layers of a directory, through changes,
//! renames (matched by id, as `tl diff` does), removals and re-additions.

use super::compare::{compare, kind_of};
use super::engine::{context_of, removed_compat};
use super::human::describe;
use super::layers::ranges;
use super::matching::match_definitions;
use super::report::{Change, Event, EventKind, History};
use super::style::{code, Style};
use super::text::{declaration, hex, same_declaration};
use super::unlisted::{set_aside, Kept};
use crate::report::plural;
use std::fmt::Write;
use tl_parser::Definition;

/// Follows one definition layer by layer; feed it consecutive layers with [`Tracker::step`].
///
/// A core builtin or MTProto definition that one layer's file lists and the next file leaves
/// out is not removed: the layer still has it ([`super::unlisted`], as `tl diff` and `tl log`
/// judge it). Its last listed declaration is kept, the layers not listing it are noted, and
/// when a file lists it again it is compared with that declaration.
#[derive(Debug)]
pub struct Tracker {
    name: String,
    /// The followed definition's index in the previous layer, while it exists.
    tracked: Option<usize>,
    /// The followed definition as last listed, while the files since have not listed it.
    unlisted: Option<Definition<'static>>,
    /// Its latest name (renames are followed), looked for again after a removal.
    last_name: String,
    seen: bool,
    layers: Vec<u32>,
    unlisted_layers: Vec<u32>,
    events: Vec<Event>,
}

impl Tracker {
    /// Starts following `name`.
    pub fn new(name: &str) -> Tracker {
        Tracker {
            name: name.to_string(),
            tracked: None,
            unlisted: None,
            last_name: name.to_string(),
            seen: false,
            layers: Vec::new(),
            unlisted_layers: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Moves to the next layer: `prev` is the layer given to the previous call (`None` on the
    /// first), `defs` the definitions of `layer`.
    pub fn step(&mut self, prev: Option<&[Definition<'_>]>, layer: u32, defs: &[Definition<'_>]) {
        self.layers.push(layer);
        let followed = prev.zip(self.tracked).and_then(|(p, i)| Some((p, i, p.get(i)?)));
        let Some((prev_defs, i, old)) = followed else {
            self.look_for(prev, layer, defs);
            return;
        };
        let aside = set_aside(prev_defs, defs);
        if aside.old.get(i).copied().unwrap_or(false) {
            self.unlisted = Some(old.clone().into_owned());
            self.unlisted_layers.push(layer);
            self.tracked = None;
            return;
        }
        // Matched as `tl diff` matches them: without what only one file lists.
        let (old_kept, new_kept) = (Kept::new(prev_defs, &aside.old), Kept::new(defs, &aside.new));
        let m = match_definitions(&old_kept.defs, &new_kept.defs);
        let paired = old_kept
            .position(i)
            .and_then(|k| m.old_to_new.get(k).copied().flatten())
            .and_then(|k| new_kept.original(k))
            .and_then(|j| Some((j, defs.get(j)?)));
        let Some((j, new)) = paired else {
            self.events.push(Event {
                layer,
                event: EventKind::Removed,
                kind: kind_of(old),
                name: old.name.to_string(),
                id: hex(old.id),
                declaration: declaration(old),
                old_name: None,
                changes: Vec::new(),
                compat: Some(removed_compat(old)),
            });
            self.tracked = None;
            return;
        };
        if !same_declaration(old, new) {
            let ctx = context_of(&old_kept.defs, &new_kept.defs);
            self.push_change(layer, old, new, &ctx);
        }
        self.last_name = new.name.to_string();
        self.tracked = Some(j);
    }

    fn push_change(
        &mut self,
        layer: u32,
        old: &Definition<'_>,
        new: &Definition<'_>,
        ctx: &super::compare::Context<'_>,
    ) {
        if let Some(c) = compare(old, new, ctx) {
            self.events.push(Event {
                layer,
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

    /// Not followed at the moment: look for it by its latest name, then the name asked for.
    fn look_for(&mut self, prev: Option<&[Definition<'_>]>, layer: u32, defs: &[Definition<'_>]) {
        let found = defs
            .iter()
            .position(|d| d.name == self.last_name.as_str())
            .or_else(|| defs.iter().position(|d| d.name == self.name.as_str()));
        self.tracked = found;
        let Some(d) = found.and_then(|j| defs.get(j)) else {
            if self.unlisted.is_some() {
                self.unlisted_layers.push(layer);
            }
            return;
        };
        self.last_name = d.name.to_string();
        if let Some(last) = self.unlisted.take() {
            // Listed again: a change only if it differs from what was last listed.
            if !same_declaration(&last, d) {
                let old_layer = prev.unwrap_or(&[]);
                let ctx = context_of(old_layer, defs);
                self.push_change(layer, &last, d, &ctx);
            }
            return;
        }
        self.events.push(Event {
            layer,
            event: if self.seen { EventKind::Readded } else { EventKind::Added },
            kind: kind_of(d),
            name: d.name.to_string(),
            id: hex(d.id),
            declaration: declaration(d),
            old_name: None,
            changes: Vec::new(),
            compat: None,
        });
        self.seen = true;
    }

    /// The history so far.
    pub fn finish(self) -> History {
        History {
            name: self.name,
            layers: self.layers,
            events: self.events,
            unlisted_layers: self.unlisted_layers,
        }
    }
}

/// The life of `name` across `layers` (each layer with its definitions, in order), all in
/// memory; the command streams layers through [`Tracker`] instead.
#[cfg(test)]
pub fn history(name: &str, layers: &[(u32, Vec<Definition<'_>>)]) -> History {
    let mut t = Tracker::new(name);
    let mut prev: Option<&[Definition<'_>]> = None;
    for (layer, defs) in layers {
        t.step(prev, *layer, defs);
        prev = Some(defs);
    }
    t.finish()
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
    if !h.unlisted_layers.is_empty() {
        let _ = writeln!(
            out,
            "{}: not listed by the {} of {} {} (files may or may not list the builtins and the \
             MTProto definitions): not counted as removed",
            style.paint(code::BOLD, "note"),
            if h.unlisted_layers.len() == 1 { "file" } else { "files" },
            if h.unlisted_layers.len() == 1 { "layer" } else { "layers" },
            ranges(&h.unlisted_layers)
        );
    }
    out
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
    fn a_builtin_one_file_leaves_out_is_not_removed() {
        let bool_true = || parse_def("boolTrue#997275b5 = Bool");
        let a = || parse_def("a#1 = A");
        let layers = vec![
            (1, vec![bool_true(), a()]),
            (2, vec![a()]),
            (3, vec![a()]),
            (4, vec![bool_true(), a()]),
            (5, vec![a()]),
            // Listed again, but not as last listed: compared with that.
            (6, vec![parse_def("boolTrue#5 = Bool"), a()]),
        ];
        let h = history("boolTrue", &layers);
        let kinds: Vec<(u32, EventKind)> = h.events.iter().map(|e| (e.layer, e.event)).collect();
        assert_eq!(kinds, [(1, EventKind::Added), (6, EventKind::Changed)]);
        assert_eq!(
            h.events[1].compat.as_ref().map(|c| c.verdict),
            Some(super::super::report::Verdict::IdChanging)
        );
        assert_eq!(h.unlisted_layers, [2, 3, 5]);
        let text = render(&h, Style { color: false });
        assert!(
            text.ends_with(
                "note: not listed by the files of layers 2-3, 5 (files may or may not list the builtins and \
                 the MTProto definitions): not counted as removed\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn mtproto_definitions_an_api_file_leaves_out_are_not_removed() {
        let ping = || parse_def("ping#7abe77ec ping_id:long = Pong");
        let pong = || parse_def("pong#347773c5 msg_id:long ping_id:long = Pong");
        let a = || parse_def("a#1 = A");
        let layers = vec![(1, vec![a(), ping(), pong()]), (2, vec![a()]), (3, vec![a(), ping(), pong()])];
        let h = history("ping", &layers);
        assert_eq!(h.events.len(), 1, "{h:?}");
        assert_eq!(h.unlisted_layers, [2]);
        // Both files list the MTProto definitions, one without `ping`: that is a removal.
        let layers = vec![(1, vec![a(), ping(), pong()]), (2, vec![a(), pong()])];
        let h = history("ping", &layers);
        assert_eq!(h.events.last().map(|e| e.event), Some(EventKind::Removed));
        assert!(h.unlisted_layers.is_empty());
    }

    #[test]
    fn unknown_name() {
        let layers = vec![(1, vec![parse_def("x#1 = X")])];
        let h = history("nope", &layers);
        assert!(h.events.is_empty());
        assert_eq!(render(&h, Style { color: false }), "nope: not found in 1 layer (layers 1-1)\n");
    }
}
