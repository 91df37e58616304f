//! Definitions a layer file may list or leave out while the layer stays the same: the core
//! builtins (`boolTrue`, `vector`, `int ? = Int`, …), which some sources comment out, and
//! the MTProto service definitions, which some sources bundle into their `api.tl`. Between
//! two files that differ only in this, a diff would report dozens of additions or removals
//! that are not changes of the layer, so such definitions are set aside and noted instead.
//!
//! A core builtin is set aside when only one side defines its name. The MTProto definitions
//! (the names of the embedded `mtproto.tl`) are set aside as a group, and only when one side
//! defines none of them: two files that both carry MTProto definitions are compared in full.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use tl_parser::Definition;

/// Constructors every layer has, whether or not its file lists them, besides the wire
/// primitives (`int ? = Int`, `vector`, … : [`tl_codegen::graph::BUILTIN_NAMES`]).
const CORE_CONSTRUCTORS: &[&str] = &["boolFalse", "boolTrue", "true", "error", "null"];

/// Whether `name` is a builtin that files may or may not list.
fn is_core(name: &str) -> bool {
    CORE_CONSTRUCTORS.contains(&name) || tl_codegen::graph::BUILTIN_NAMES.contains(&name)
}

/// Definitions of the embedded `mtproto.tl` that some api files list as well.
const ALSO_IN_API: &[&str] = &["accessPointRule", "help.configSimple", "ipPort", "ipPortSecret"];

/// The names the embedded `mtproto.tl` defines, core builtins left out.
fn mtproto_names() -> &'static HashSet<String> {
    static NAMES: OnceLock<HashSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        crate::embedded::DEFAULT
            .iter()
            .filter(|e| e.name.ends_with("mtproto.tl"))
            .flat_map(|e| tl_parser::parse(e.text).schema.definitions)
            .map(|d| d.name.into_owned())
            .filter(|n| !is_core(n))
            .collect()
    })
}

/// Which definitions of each side to leave out of a diff.
#[derive(Debug, Default)]
pub struct SetAside {
    /// Per old definition: left out.
    pub old: Vec<bool>,
    /// Per new definition: left out.
    pub new: Vec<bool>,
}

impl SetAside {
    /// Whether anything is left out.
    #[cfg(test)]
    pub fn any(&self) -> bool {
        self.old.iter().chain(&self.new).any(|&x| x)
    }

    /// The names left out of `defs` by `marks`, sorted and deduplicated.
    pub fn names(defs: &[Definition<'_>], marks: &[bool]) -> Vec<String> {
        let mut names: Vec<String> =
            defs.iter().zip(marks).filter(|(_, &m)| m).map(|(d, _)| d.name.to_string()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// The definitions of one side that a [`SetAside`] keeps, with where each was in the full list.
#[derive(Debug)]
pub struct Kept<'d, 's> {
    /// The kept definitions, borrowed when nothing is left out.
    pub defs: Cow<'d, [Definition<'s>]>,
    /// For each kept definition, its index in the full list; `None` when nothing is left out.
    index: Option<Vec<usize>>,
}

impl<'d, 's> Kept<'d, 's> {
    /// The definitions of `defs` that `marks` (one side of a [`SetAside`]) does not leave out.
    pub fn new(defs: &'d [Definition<'s>], marks: &[bool]) -> Kept<'d, 's> {
        if !marks.iter().any(|&m| m) {
            return Kept { defs: Cow::Borrowed(defs), index: None };
        }
        let index: Vec<usize> =
            (0..defs.len()).filter(|&i| !marks.get(i).copied().unwrap_or(false)).collect();
        let kept = index.iter().filter_map(|&i| defs.get(i).cloned()).collect();
        Kept { defs: Cow::Owned(kept), index: Some(index) }
    }

    /// The index in the kept list of the definition at `full` in the full list, if kept.
    pub fn position(&self, full: usize) -> Option<usize> {
        match &self.index {
            None => Some(full),
            Some(v) => v.binary_search(&full).ok(),
        }
    }

    /// The index in the full list of the kept definition at `kept`.
    pub fn original(&self, kept: usize) -> Option<usize> {
        match &self.index {
            None => Some(kept),
            Some(v) => v.get(kept).copied(),
        }
    }
}

/// What to leave out of the diff of `old` and `new` (see the module docs). Nothing when
/// either side is empty: the first layer of a history lists what it lists.
pub fn set_aside<'d>(old: &'d [Definition<'_>], new: &'d [Definition<'_>]) -> SetAside {
    let mut out = SetAside { old: vec![false; old.len()], new: vec![false; new.len()] };
    if old.is_empty() || new.is_empty() {
        return out;
    }
    let mtproto = mtproto_names();
    // Only the names that may be set aside, borrowed: `tl history` and `tl log` run this for
    // every layer, and a set of every name per side was most of its cost. A candidate name
    // is on the other side exactly when it is among the other side's candidates.
    let names = |defs: &'d [Definition<'_>]| -> HashSet<&'d str> {
        defs.iter().map(|d| d.name.as_ref()).filter(|n| mtproto.contains(*n) || is_core(n)).collect()
    };
    let (old_names, new_names) = (names(old), names(new));
    // Some api files carry a few of these too (`help.configSimple` and what it uses), so
    // only the others tell whether a file lists the MTProto definitions.
    let has_mtproto =
        |names: &HashSet<&str>| names.iter().any(|n| mtproto.contains(*n) && !ALSO_IN_API.contains(n));
    let (old_mtproto, new_mtproto) = (has_mtproto(&old_names), has_mtproto(&new_names));
    // The MTProto group is set aside only from a file that lists it, against one that does
    // not: in an api-only file, `help.configSimple` and the like are the API's own.
    let mark = |defs: &[Definition<'_>],
                marks: &mut [bool],
                own_mtproto: bool,
                other: &HashSet<&str>,
                other_mtproto: bool| {
        let bundled = own_mtproto && !other_mtproto;
        for (d, m) in defs.iter().zip(marks) {
            let name = d.name.as_ref();
            *m = (is_core(name) || (bundled && mtproto.contains(name))) && !other.contains(name);
        }
    };
    mark(old, &mut out.old, old_mtproto, &new_names, new_mtproto);
    mark(new, &mut out.new, new_mtproto, &old_names, old_mtproto);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::testutil::parse_def;

    fn marked(defs: &[Definition<'_>], marks: &[bool]) -> Vec<String> {
        SetAside::names(defs, marks)
    }

    #[test]
    fn a_builtin_on_one_side_only_is_set_aside() {
        let old = vec![parse_def("a#1 = A")];
        let new = vec![parse_def("boolTrue#997275b5 = Bool"), parse_def("a#1 = A"), parse_def("b#2 = A")];
        let s = set_aside(&old, &new);
        assert_eq!(marked(&new, &s.new), ["boolTrue"]);
        assert!(marked(&old, &s.old).is_empty());
        // On both sides it is compared as any definition is.
        let s = set_aside(&new, &new);
        assert!(!s.any());
    }

    #[test]
    fn mtproto_definitions_are_set_aside_only_when_the_other_side_has_none() {
        let api = parse_def("a#1 = A");
        let pong = parse_def("pong#347773c5 msg_id:long ping_id:long = Pong");
        let ping = parse_def("ping#7abe77ec ping_id:long = Pong");
        let s = set_aside(std::slice::from_ref(&api), &[api.clone(), pong.clone()]);
        assert_eq!(marked(&[api.clone(), pong.clone()], &s.new), ["pong"]);
        // Both sides carry MTProto: a dropped one is a real removal.
        let s = set_aside(&[api.clone(), pong.clone(), ping.clone()], &[api.clone(), pong.clone()]);
        assert!(!s.any());
    }

    #[test]
    fn names_both_groups_share_are_the_apis_own_in_an_api_only_file() {
        let api = parse_def("a#1 = A");
        let simple = parse_def("help.configSimple#5a592a6c date:int expires:int rules:vector<AccessPointRule> = help.ConfigSimple");
        let s = set_aside(std::slice::from_ref(&api), &[api.clone(), simple.clone()]);
        assert!(!s.any(), "an api-only file adding it adds it");
        // Bundled with the MTProto definitions against a file without them: set aside.
        let pong = parse_def("pong#347773c5 msg_id:long ping_id:long = Pong");
        let s = set_aside(std::slice::from_ref(&api), &[api.clone(), simple.clone(), pong.clone()]);
        assert_eq!(marked(&[api, simple, pong], &s.new), ["help.configSimple", "pong"]);
    }

    #[test]
    fn kept_definitions_map_back_to_the_full_list() {
        let defs = vec![parse_def("boolTrue#997275b5 = Bool"), parse_def("a#1 = A"), parse_def("b#2 = A")];
        let k = Kept::new(&defs, &[true, false, false]);
        assert_eq!(k.defs.iter().map(|d| d.name.as_ref()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(
            (k.position(0), k.position(2), k.original(0), k.original(5)),
            (None, Some(1), Some(1), None)
        );
        let all = Kept::new(&defs, &[false; 3]);
        assert!(matches!(all.defs, Cow::Borrowed(_)));
        assert_eq!((all.position(2), all.original(2)), (Some(2), Some(2)));
    }

    #[test]
    fn nothing_is_set_aside_against_an_empty_side() {
        let new = vec![parse_def("boolTrue#997275b5 = Bool")];
        assert!(!set_aside(&[], &new).any());
    }
}
