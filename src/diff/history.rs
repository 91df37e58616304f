//! `tl history`: one definition followed across the layers of a directory, through changes,
//! renames (matched by id, as `tl diff` does; a name that came by a rename is followed back to
//! its earlier one), removals and re-additions. Layers are compared as `tl diff` compares them:
//! a builtin or MTProto definition a file leaves out is not removed ([`super::unlisted`]).

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
use std::collections::HashSet;
use std::fmt::Write;
use tl_parser::{Category, Definition};

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
    /// Until it is found: every name of the layers so far, for suggestions.
    known: HashSet<String>,
    /// Until it is found: the latest layer where the name is a boxed type, with its constructors.
    as_type: Option<(u32, Vec<String>)>,
    /// The name it had in the layer before its first appearance, when that layer has it under
    /// another name with the same id (matched as a rename, as `tl diff` matches).
    renamed_from: Option<String>,
}

impl Tracker {
    /// Starts following `name`.
    pub fn new(name: &str) -> Tracker {
        Tracker::before_rename(name, name)
    }

    /// Follows `name` from its life under `earlier`, a name it had before a rename
    /// ([`Tracker::renamed_from`] of a first pass): the history is `name`'s, starting with
    /// the definition called `earlier`.
    pub fn before_rename(name: &str, earlier: &str) -> Tracker {
        Tracker {
            name: name.to_string(),
            tracked: None,
            unlisted: None,
            last_name: earlier.to_string(),
            seen: false,
            layers: Vec::new(),
            unlisted_layers: Vec::new(),
            events: Vec::new(),
            known: HashSet::new(),
            as_type: None,
            renamed_from: None,
        }
    }

    /// The name the definition had before its first appearance, when it appeared by a rename
    /// of a definition with the same id: follow it again from there with
    /// [`Tracker::before_rename`] to see its whole life.
    pub fn renamed_from(&self) -> Option<&str> {
        self.renamed_from.as_deref()
    }

    /// When the name is in no layer, why, for an error message: a type's constructors, or the
    /// names of the layers it may have meant.
    pub fn not_found(&self) -> Option<String> {
        if self.seen || !self.events.is_empty() {
            return None;
        }
        if let Some((layer, ctors)) = &self.as_type {
            const SHOWN: usize = 8;
            let mut list: Vec<String> = ctors.iter().take(SHOWN).map(|c| format!("`{c}`")).collect();
            if ctors.len() > SHOWN {
                list.push(format!("{} more", ctors.len() - SHOWN));
            }
            let list = match list.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => list.concat(),
            };
            return Some(format!(
                "`{}` is a type, and `history` follows constructors and functions: its {} in layer \
                 {layer}: {list}",
                self.name,
                if ctors.len() == 1 { "constructor" } else { "constructors" }
            ));
        }
        let near = tl_parser::near_names(&self.name, self.known.iter().map(String::as_str));
        let hint = tl_codegen::graph::did_you_mean(&near);
        let layers = match self.layers.len() {
            1 => "the 1 layer".to_string(),
            n => format!("any of the {n} layers"),
        };
        Some(format!("`{}` is not a constructor or function of {layers}{hint}", self.name))
    }

    /// Until the name is found: what [`Tracker::not_found`] will need.
    fn remember_names(&mut self, layer: u32, defs: &[Definition<'_>]) {
        let mut ctors: Vec<String> = Vec::new();
        for d in defs {
            for name in [d.name.as_ref(), d.ty.name.as_ref()] {
                if !self.known.contains(name) {
                    self.known.insert(name.to_string());
                }
            }
            if d.category == Category::Type && d.ty.name == self.name.as_str() {
                ctors.push(d.name.to_string());
            }
        }
        if !ctors.is_empty() {
            ctors.sort_unstable();
            ctors.dedup();
            self.as_type = Some((layer, ctors));
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
                old_id: None,
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
                old_id: Some(hex(old.id)),
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
        let Some((j, d)) = found.and_then(|j| Some((j, defs.get(j)?))) else {
            if self.unlisted.is_some() {
                self.unlisted_layers.push(layer);
            }
            if !self.seen {
                self.remember_names(layer, defs);
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
        if !self.seen {
            self.renamed_from = prev.and_then(|p| earlier_name(p, defs, j));
            self.known.clear();
            self.as_type = None;
        }
        self.events.push(Event {
            layer,
            event: if self.seen { EventKind::Readded } else { EventKind::Added },
            kind: kind_of(d),
            name: d.name.to_string(),
            id: hex(d.id),
            declaration: declaration(d),
            old_name: None,
            old_id: None,
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

/// The name of the definition of `prev` that `new[j]` is matched with as a rename, as `tl diff`
/// matches the two layers.
fn earlier_name(prev: &[Definition<'_>], new: &[Definition<'_>], j: usize) -> Option<String> {
    let aside = set_aside(prev, new);
    let (old_kept, new_kept) = (Kept::new(prev, &aside.old), Kept::new(new, &aside.new));
    let k = new_kept.position(j)?;
    let m = match_definitions(&old_kept.defs, &new_kept.defs);
    let &(i, _) = m.pairs.iter().find(|&&(_, n)| n == k)?;
    let old = old_kept.defs.get(i)?;
    let new = new.get(j)?;
    (old.name != new.name).then(|| old.name.to_string())
}

/// How many renames back [`follow`] goes before it stops looking further.
const MAX_RENAMES_BACK: usize = 8;

/// Follows `name` through every layer, `walk` feeding a tracker all of them in order. A name
/// that first appears by a rename (same id) is followed again from its earlier name, so its
/// history starts where its definition does; each such pass starts at an earlier layer.
pub fn follow(
    name: &str,
    mut walk: impl FnMut(&mut Tracker) -> Result<(), String>,
) -> Result<Tracker, String> {
    let mut tracker = Tracker::new(name);
    walk(&mut tracker)?;
    for _ in 0..MAX_RENAMES_BACK {
        let Some(earlier) = tracker.renamed_from() else { break };
        let mut again = Tracker::before_rename(name, earlier);
        walk(&mut again)?;
        tracker = again;
    }
    Ok(tracker)
}

/// The life of `name` across `layers` (each layer with its definitions, in order), all in
/// memory; the command streams layers through [`Tracker`] instead.
#[cfg(test)]
pub fn history(name: &str, layers: &[(u32, Vec<Definition<'_>>)]) -> History {
    tracker(name, layers).finish()
}

/// [`history`] before [`Tracker::finish`].
#[cfg(test)]
fn tracker(name: &str, layers: &[(u32, Vec<Definition<'_>>)]) -> Tracker {
    let walk = |t: &mut Tracker| {
        let mut prev: Option<&[Definition<'_>]> = None;
        for (layer, defs) in layers {
            t.step(prev, *layer, defs);
            prev = Some(defs);
        }
        Ok(())
    };
    match follow(name, walk) {
        Ok(t) => t,
        Err(e) => unreachable!("{e}"),
    }
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
        let t = tracker("nope", &layers);
        assert_eq!(t.not_found().as_deref(), Some("`nope` is not a constructor or function of the 1 layer"));
        assert!(t.finish().events.is_empty());
        let layers = vec![
            (1, vec![parse_def("messages.sendMessage#1 = Updates")]),
            (2, vec![parse_def("messages.sendMessage#2 = Updates")]),
        ];
        let t = tracker("messages.sendMesage", &layers);
        assert_eq!(
            t.not_found().as_deref(),
            Some(
                "`messages.sendMesage` is not a constructor or function of any of the 2 layers (did you \
                 mean `messages.sendMessage`?)"
            )
        );
        assert_eq!(tracker("messages.sendMessage", &layers).not_found(), None);
    }

    #[test]
    fn a_type_name_lists_its_constructors() {
        let layers = vec![
            (1, vec![parse_def("message#1 = Message")]),
            (2, vec![parse_def("messageEmpty#2 = Message"), parse_def("message#3 = Message")]),
            (3, vec![parse_def("a#4 = A")]),
        ];
        let t = tracker("Message", &layers);
        assert_eq!(
            t.not_found().as_deref(),
            Some(
                "`Message` is a type, and `history` follows constructors and functions: its \
                 constructors in layer 2: `message` and `messageEmpty`"
            )
        );
    }

    #[test]
    fn a_name_that_came_by_a_rename_is_followed_back() {
        let layers = vec![
            (1, vec![parse_def("oldName#10000006 = T")]),
            (2, vec![parse_def("oldName#10000006 = T")]),
            (3, vec![parse_def("newName#10000006 = T")]),
            (4, vec![parse_def("newName#10000007 x:int = T")]),
        ];
        let h = history("newName", &layers);
        let steps: Vec<(u32, EventKind, &str)> =
            h.events.iter().map(|e| (e.layer, e.event, e.name.as_str())).collect();
        assert_eq!(
            steps,
            [
                (1, EventKind::Added, "oldName"),
                (3, EventKind::Changed, "newName"),
                (4, EventKind::Changed, "newName")
            ]
        );
        assert_eq!(h.name, "newName");
        assert_eq!(h.events[1].old_name.as_deref(), Some("oldName"));
        assert_eq!(h.events[2].old_id.as_deref(), Some("10000006"));
        // The name itself, with no earlier life, is one pass.
        let h = history("oldName", &layers);
        assert_eq!(h.events.len(), 3);
    }
}
