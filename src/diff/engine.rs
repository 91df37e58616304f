//! The diff of two whole schemas: definitions matched, compared, boxed types followed, and
//! everything sorted by namespace for the renderers.

use super::compare::{compare, kind_of, Context};
use super::matching::{match_definitions, Matching};
use super::report::{Change, Changed, Compat, Diff, Entry, Kind, Summary, Verdict};
use super::text::{declaration, hex};
use super::unlisted::{set_aside, Kept, SetAside};
use std::collections::{BTreeMap, HashMap, HashSet};
use tl_parser::{Category, Definition};

/// The boxed types of a schema: each result type of a constructor with its constructors, in
/// source order. Keyed by name; a `BTreeMap` keeps reports in a stable order.
fn boxed_types<'s>(defs: &'s [Definition<'_>]) -> BTreeMap<&'s str, Vec<&'s Definition<'s>>> {
    let mut out: BTreeMap<&str, Vec<&Definition<'_>>> = BTreeMap::new();
    for d in defs.iter().filter(|d| d.category == Category::Type) {
        out.entry(d.ty.name.as_ref()).or_default().push(d);
    }
    out
}

fn type_declaration(name: &str, ctors: &[&Definition<'_>]) -> String {
    let list: Vec<&str> = ctors.iter().map(|d| d.name.as_ref()).collect();
    format!("{name} = {}", list.join(" | "))
}

/// A key identifying a type's constructors regardless of order.
fn sorted<T: Ord + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = items.collect();
    v.sort();
    v
}

/// Everything known about the type-level changes between two schemas.
struct TypeDiff<'s> {
    added: Vec<Entry>,
    removed: Vec<Entry>,
    changed: Vec<Changed>,
    renames: HashMap<&'s str, &'s str>,
}

/// Types present on one side only; a removed and an added type with the same constructors
/// (by name, or else by id) are one renamed type.
fn diff_types<'s>(old: &'s [Definition<'s>], new: &'s [Definition<'s>]) -> TypeDiff<'s> {
    let old_types = boxed_types(old);
    let new_types = boxed_types(new);
    let gone: Vec<&str> = old_types.keys().copied().filter(|t| !new_types.contains_key(t)).collect();
    let fresh: Vec<&str> = new_types.keys().copied().filter(|t| !old_types.contains_key(t)).collect();

    let mut renames: HashMap<&str, &str> = HashMap::new();
    if !gone.is_empty() && !fresh.is_empty() {
        let by_names: HashMap<Vec<&str>, &str> =
            fresh.iter().map(|t| (sorted(new_types[t].iter().map(|d| d.name.as_ref())), *t)).collect();
        let by_ids: HashMap<Vec<u32>, &str> =
            fresh.iter().map(|t| (sorted(new_types[t].iter().map(|d| d.id)), *t)).collect();
        let mut taken: HashSet<&str> = HashSet::new();
        for t in &gone {
            let names = sorted(old_types[t].iter().map(|d| d.name.as_ref()));
            let ids = sorted(old_types[t].iter().map(|d| d.id));
            let hit = by_names.get(&names).or_else(|| by_ids.get(&ids)).copied();
            if let Some(n) = hit.filter(|n| !taken.contains(n)) {
                taken.insert(n);
                renames.insert(*t, n);
            }
        }
    }

    let targets: HashSet<&str> = renames.values().copied().collect();
    let mut out = TypeDiff { added: Vec::new(), removed: Vec::new(), changed: Vec::new(), renames };
    for t in &fresh {
        if targets.contains(t) {
            continue;
        }
        out.added.push(Entry {
            kind: Kind::Type,
            name: t.to_string(),
            id: None,
            declaration: type_declaration(t, &new_types[t]),
            compat: Compat { verdict: Verdict::Compatible, reason: "new type".into() },
        });
    }
    for t in &gone {
        if let Some(n) = out.renames.get(t) {
            let same_ids =
                sorted(old_types[t].iter().map(|d| d.id)) == sorted(new_types[n].iter().map(|d| d.id));
            let compat = if same_ids {
                Compat {
                    verdict: Verdict::Compatible,
                    reason: format!("renamed from `{t}`; same constructors, same ids"),
                }
            } else {
                Compat {
                    verdict: Verdict::IdChanging,
                    reason: format!("renamed from `{t}`; its constructors' ids changed with the name"),
                }
            };
            out.changed.push(Changed {
                kind: Kind::Type,
                name: n.to_string(),
                old_name: Some(t.to_string()),
                old_id: None,
                id: None,
                changes: vec![Change::Renamed { from: t.to_string(), to: n.to_string() }],
                compat,
            });
            continue;
        }
        out.removed.push(Entry {
            kind: Kind::Type,
            name: t.to_string(),
            id: None,
            declaration: type_declaration(t, &old_types[t]),
            compat: Compat {
                verdict: Verdict::IdChanging,
                reason: "no constructor builds it any more: values old peers send are unknown".into(),
            },
        });
    }
    out
}

/// The verdict of a definition only the new side has.
pub fn added_compat(def: &Definition<'_>) -> Compat {
    let reason = match def.category {
        Category::Type => "new constructor: only peers on the new layer send it",
        Category::Function => "new method: only peers on the new layer call it",
    };
    Compat { verdict: Verdict::Compatible, reason: reason.into() }
}

/// The verdict of a definition only the old side has.
pub fn removed_compat(def: &Definition<'_>) -> Compat {
    let reason = match def.category {
        Category::Type => {
            format!("peers on the old layer may still send #{}; the new layer does not know it", hex(def.id))
        }
        Category::Function => {
            format!("callers on the old layer get #{} rejected as an unknown method", hex(def.id))
        }
    };
    Compat { verdict: Verdict::IdChanging, reason }
}

fn entry(def: &Definition<'_>, compat: Compat) -> Entry {
    Entry {
        kind: kind_of(def),
        name: def.name.to_string(),
        id: Some(hex(def.id)),
        declaration: declaration(def),
        compat,
    }
}

/// The comparison context of two schemas (type renames, the ids of the old side), for
/// comparing single definitions as [`diff`] would.
pub fn context_of<'s>(old: &'s [Definition<'s>], new: &'s [Definition<'s>]) -> Context<'s> {
    context(old, diff_types(old, new).renames)
}

fn context<'s>(old: &'s [Definition<'s>], renames: HashMap<&'s str, &'s str>) -> Context<'s> {
    let mut old_ids = HashMap::with_capacity(old.len());
    for d in old {
        old_ids.entry(d.id).or_insert(d.name.as_ref());
    }
    let mut old_names = HashSet::with_capacity(old.len() * 2);
    for d in old {
        old_names.insert(d.name.as_ref());
        old_names.insert(d.ty.name.as_ref());
    }
    Context { type_renames: renames, old_ids, old_names }
}

/// The namespace a name sorts under (`""` for the root).
pub fn namespace(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(ns, _)| ns)
}

fn sort_key(kind: Kind, name: &str) -> (&str, &str, Kind) {
    (namespace(name), name, kind)
}

/// The semantic diff of two lists of definitions (old first). Core builtins and MTProto
/// definitions that only one file lists are left out and named in the result (see
/// [`super::unlisted`]).
pub fn diff<'s>(old: &'s [Definition<'s>], new: &'s [Definition<'s>]) -> Diff {
    let aside = set_aside(old, new);
    // Borrowed as they are when nothing is set aside.
    let (old_kept, new_kept) = (Kept::new(old, &aside.old), Kept::new(new, &aside.new));
    let matching = match_definitions(&old_kept.defs, &new_kept.defs);
    let mut out = diff_matched(&old_kept.defs, &new_kept.defs, &matching);
    out.unlisted_in_new = SetAside::names(old, &aside.old);
    out.unlisted_in_old = SetAside::names(new, &aside.new);
    out
}

/// [`diff`] with the matching already done.
pub fn diff_matched<'s>(old: &'s [Definition<'s>], new: &'s [Definition<'s>], matching: &Matching) -> Diff {
    let types = diff_types(old, new);
    let ctx = context(old, types.renames);

    let mut added: Vec<Entry> =
        matching.added.iter().filter_map(|&j| new.get(j)).map(|d| entry(d, added_compat(d))).collect();
    let mut removed: Vec<Entry> =
        matching.removed.iter().filter_map(|&i| old.get(i)).map(|d| entry(d, removed_compat(d))).collect();
    let mut changed: Vec<Changed> =
        matching.pairs.iter().filter_map(|&(i, j)| compare(old.get(i)?, new.get(j)?, &ctx)).collect();
    added.extend(types.added);
    removed.extend(types.removed);
    changed.extend(types.changed);

    added.sort_by(|a, b| sort_key(a.kind, &a.name).cmp(&sort_key(b.kind, &b.name)).then(a.id.cmp(&b.id)));
    removed.sort_by(|a, b| sort_key(a.kind, &a.name).cmp(&sort_key(b.kind, &b.name)).then(a.id.cmp(&b.id)));
    changed.sort_by(|a, b| sort_key(a.kind, &a.name).cmp(&sort_key(b.kind, &b.name)).then(a.id.cmp(&b.id)));

    let mut summary =
        Summary { added: added.len(), removed: removed.len(), changed: changed.len(), ..Summary::default() };
    let verdicts = added
        .iter()
        .map(|e| e.compat.verdict)
        .chain(removed.iter().map(|e| e.compat.verdict))
        .chain(changed.iter().map(|c| c.compat.verdict));
    for v in verdicts {
        match v {
            Verdict::Compatible => summary.compatible += 1,
            Verdict::IdChanging => summary.id_changing += 1,
            Verdict::Breaking => summary.breaking += 1,
        }
    }
    Diff { from: None, to: None, added, removed, changed, summary, ..Diff::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::testutil::{def, parse_def};

    #[test]
    fn same_schema_has_no_changes() {
        let defs = vec![parse_def("a#1 x:int = A"), parse_def("b#2 = A")];
        let d = diff(&defs, &defs);
        assert_eq!(d, Diff::default(), "{d:?}");
    }

    #[test]
    fn added_removed_changed_and_types() {
        let old = vec![parse_def("a#1 x:int = A"), parse_def("gone#5 = G")];
        let new = vec![parse_def("a#2 x:long = A"), parse_def("fresh#6 = F")];
        let d = diff(&old, &new);
        let names = |v: &[Entry]| v.iter().map(|e| (e.kind, e.name.clone())).collect::<Vec<_>>();
        assert_eq!(names(&d.added), vec![(Kind::Type, "F".into()), (Kind::Constructor, "fresh".into())]);
        assert_eq!(names(&d.removed), vec![(Kind::Type, "G".into()), (Kind::Constructor, "gone".into())]);
        assert_eq!(d.changed.len(), 1);
        assert_eq!((d.summary.added, d.summary.removed, d.summary.changed), (2, 2, 1));
    }

    #[test]
    fn renamed_type_with_same_ids_is_compatible() {
        let old = vec![parse_def("a#1 = A"), parse_def("f#9 x:A = Bool")];
        let new = vec![parse_def("a#1 = B"), parse_def("f#9 x:B = Bool")];
        let d = diff(&old, &new);
        assert!(d.added.is_empty() && d.removed.is_empty(), "{d:?}");
        assert!(d.changed.iter().all(|c| c.compat.verdict == Verdict::Compatible), "{d:#?}");
        assert!(d.changed.iter().any(|c| c.kind == Kind::Type && c.old_name.as_deref() == Some("A")));
    }

    #[test]
    fn hostile_sizes_stay_fast() {
        // Many definitions under one name, and one definition whose every parameter changes:
        // nothing quadratic (this would take minutes if it were).
        let old: Vec<_> = (0..20_000).map(|i| def("same", i, "T")).collect();
        let new: Vec<_> = (10_000..30_000).map(|i| def("same", i, "T")).collect();
        let d = diff(&old, &new);
        assert_eq!(d.changed.len(), 10_000);
        let params =
            |prefix: &str| (0..3_000).map(|i| format!("{prefix}{i}:int")).collect::<Vec<_>>().join(" ");
        let (a, b) = (format!("a#1 {} = A", params("x")), format!("a#1 {} = A", params("y")));
        let started = std::time::Instant::now();
        let d = diff(&[parse_def(&a)], &[parse_def(&b)]);
        assert_eq!(d.changed[0].changes.len(), 6_000);
        assert!(started.elapsed().as_secs() < 20);
    }

    #[test]
    fn rename_by_id() {
        let old = vec![def("old_name", 7, "T")];
        let new = vec![def("new_name", 7, "T")];
        let d = diff(&old, &new);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].old_name.as_deref(), Some("old_name"));
        assert_eq!(d.changed[0].compat.verdict, Verdict::Compatible);
    }
}
