//! Comparing one definition with its counterpart: the list of changes and the verdict.

use super::report::{Change, Changed, Compat, Kind, Verdict};
use super::text::{
    effective_generics, flag_of, flag_text, generics_text, hex, is_true_flag, param_type_text,
    same_declaration, same_flag, same_type, type_text,
};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use tl_parser::{Category, Definition, Param, ParamKind, TypeRef};

/// What a comparison needs to know about the two schemas as a whole.
#[derive(Debug, Default)]
pub struct Context<'s> {
    /// Boxed types renamed between the layers (old name → new name), with the same constructors.
    pub type_renames: HashMap<&'s str, &'s str>,
    /// For each id of the old schema, the name of the first old definition carrying it.
    pub old_ids: HashMap<u32, &'s str>,
    /// Every name the old schema defines: constructor, function and result type names. A type
    /// reference outside this set (and not a builtin) named nothing in the old layer.
    pub old_names: HashSet<&'s str>,
}

/// Names every TL schema may use without defining them.
fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "#" | "int"
            | "long"
            | "double"
            | "string"
            | "bytes"
            | "true"
            | "Bool"
            | "int128"
            | "int256"
            | "int512"
            | "Int"
            | "Long"
            | "Double"
            | "String"
            | "Bytes"
            | "True"
            | "vector"
            | "Vector"
            | "Type"
            | "Object"
    )
}

/// `futureSalt` and `future_salt`: the same letters, case and underscores aside, and the same
/// bare/boxed form (the case of the first letter).
fn spelled_alike(a: &str, b: &str) -> bool {
    let letters = |s: &str| s.chars().filter(|c| *c != '_').flat_map(char::to_lowercase).collect::<String>();
    let boxed = |s: &str| s.rsplit('.').next().and_then(|n| n.chars().next()).is_some_and(char::is_uppercase);
    boxed(a) == boxed(b) && letters(a) == letters(b)
}

/// The id Telegram would compute for a declaration (CRC32 of its canonical form).
fn crc(def: &Definition<'_>) -> u32 {
    tl_parser::crc_id(def)
}

/// The report kind of a definition.
pub fn kind_of(def: &Definition<'_>) -> Kind {
    match def.category {
        Category::Type => Kind::Constructor,
        Category::Function => Kind::Function,
    }
}

/// One change with what it means for an old decoder when the id stays the same.
struct Item {
    change: Change,
    /// `Some(reason)` when, under an unchanged id, this change makes old decoders misread.
    breaks: Option<String>,
    /// Why it is harmless otherwise.
    note: String,
}

impl Item {
    fn ok(change: Change, note: impl Into<String>) -> Item {
        Item { change, breaks: None, note: note.into() }
    }

    fn bad(change: Change, reason: impl Into<String>) -> Item {
        Item { change, breaks: Some(reason.into()), note: String::new() }
    }
}

/// Compares `old` with `new`; `None` when they declare the same thing.
pub fn compare(old: &Definition<'_>, new: &Definition<'_>, ctx: &Context<'_>) -> Option<Changed> {
    if same_declaration(old, new) {
        return None;
    }
    let mut items = Vec::new();
    if old.name != new.name {
        items.push(Item::ok(
            Change::Renamed { from: old.name.to_string(), to: new.name.to_string() },
            format!("renamed from `{}`; same id, same bytes", old.name),
        ));
    }
    if old.id != new.id {
        items.push(Item::ok(Change::IdChanged { from: hex(old.id), to: hex(new.id) }, ""));
    }
    let (old_generics, new_generics) = (effective_generics(old), effective_generics(new));
    let wire =
        Wire { ctx, generics: old_generics.iter().zip(&new_generics).map(|(a, b)| (a.0, b.0)).collect() };
    let old_ty = type_text(&old.ty);
    let new_ty = type_text(&new.ty);
    if old_ty != new_ty {
        let change = Change::ResultChanged { from: old_ty.clone(), to: new_ty.clone() };
        items.push(if wire.same_type(&old.ty, &new.ty, 0) {
            Item::ok(change, format!("result type `{old_ty}` became `{new_ty}`, the same on the wire"))
        } else if new.category == Category::Function {
            Item::bad(
                change,
                format!("the same method id now returns `{new_ty}`, old callers decode `{old_ty}`"),
            )
        } else {
            Item::bad(change, format!("the same constructor id now builds `{new_ty}` instead of `{old_ty}`"))
        });
    }
    let (old_g, new_g) = (generics_text(&old_generics), generics_text(&new_generics));
    if old_g != new_g {
        items.push(Item::ok(
            Change::GenericsChanged { from: old_g, to: new_g },
            "generic parameters changed; they are not on the wire",
        ));
    }
    param_items(&old.params, &new.params, &wire, &mut items);

    let kept = old.id == new.id
        && new.explicit_id == Some(new.id)
        && !items.is_empty()
        && crc(old) == old.id
        && crc(new) != new.id;
    if kept {
        let c = crc(new);
        items.insert(
            usize::from(old.name != new.name),
            Item::ok(
                Change::IdKept { id: hex(new.id), crc: hex(c) },
                format!("explicit id #{} kept; the declaration's CRC32 is now #{}", hex(new.id), hex(c)),
            ),
        );
    }

    let compat = verdict(old, new, &items, kept, ctx);
    Some(Changed {
        kind: kind_of(new),
        name: new.name.to_string(),
        old_name: (old.name != new.name).then(|| old.name.to_string()),
        old_id: Some(hex(old.id)),
        id: Some(hex(new.id)),
        changes: items.into_iter().map(|i| i.change).collect(),
        compat,
    })
}

fn verdict(
    old: &Definition<'_>,
    new: &Definition<'_>,
    items: &[Item],
    kept: bool,
    ctx: &Context<'_>,
) -> Compat {
    let what = match new.category {
        Category::Type => "constructor",
        Category::Function => "method",
    };
    if old.id != new.id {
        if let Some(owner) = ctx.old_ids.get(&new.id).filter(|o| **o != old.name) {
            return Compat {
                verdict: Verdict::Breaking,
                reason: format!(
                    "new id #{} is `{owner}`'s in the old layer: old decoders read it as that",
                    hex(new.id)
                ),
            };
        }
        return Compat {
            verdict: Verdict::IdChanging,
            reason: format!(
                "id #{} \u{2192} #{}: a peer still on the old layer meets an unknown {what}",
                hex(old.id),
                hex(new.id)
            ),
        };
    }
    if let Some(reason) = items.iter().find_map(|i| i.breaks.as_deref()) {
        let mut reason = reason.to_string();
        if kept {
            reason.push_str(&format!(" (the kept id #{} no longer matches the CRC32)", hex(new.id)));
        }
        return Compat { verdict: Verdict::Breaking, reason };
    }
    let reason = items
        .iter()
        .map(|i| i.note.as_str())
        .find(|n| !n.is_empty())
        .unwrap_or("same id, and old decoders read the new bytes")
        .to_string();
    Compat { verdict: Verdict::Compatible, reason }
}

/// Decides whether a value written by the new side is read correctly by the old side.
struct Wire<'c> {
    ctx: &'c Context<'c>,
    /// Generic parameters paired by position (old name, new name): `{X:Type}` → `{Q:Type}`
    /// renames a type variable, nothing on the wire.
    generics: Vec<(&'c str, &'c str)>,
}

impl Wire<'_> {
    /// True when a value written as `new` is read correctly as `old`: the same type, a renamed
    /// boxed type with the same constructors, a renamed type variable, or `string`/`bytes`
    /// (one wire form).
    fn same_type(&self, old: &TypeRef<'_>, new: &TypeRef<'_>, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        let (o, n) = (old.name.as_ref(), new.name.as_ref());
        let names = o == n
            || self.ctx.type_renames.get(o).is_some_and(|r| *r == n)
            || self.misspelling_fixed(o, n)
            || self.generics.iter().any(|&(a, b)| a == o && b == n)
            || (is_string_like(o) && is_string_like(n));
        names
            && old.percent == new.percent
            && old.bang == new.bang
            && old.args.len() == new.args.len()
            && old.args.iter().zip(&new.args).all(|(a, b)| self.same_type(a, b, depth + 1))
    }

    /// The old layer referred to a type by a name it never defined (`vector<futureSalt>` in
    /// layers 14–52) and the new layer spells it right (`vector<future_salt>`). The old layer
    /// could only ever have meant that definition, so nothing changes on the wire.
    fn misspelling_fixed(&self, old: &str, new: &str) -> bool {
        !self.ctx.old_names.is_empty()
            && !self.ctx.old_names.contains(old)
            && !is_builtin(old)
            && !self.generics.iter().any(|&(a, _)| a == old)
            && spelled_alike(old, new)
    }

    /// The wire shape of a parameter, flag aside, is equal on both sides.
    fn same_param(&self, old: &Param<'_>, new: &Param<'_>) -> bool {
        match (&old.kind, &new.kind) {
            (ParamKind::Nat, ParamKind::Nat) => true,
            (ParamKind::Typed { ty: a, .. }, ParamKind::Typed { ty: b, .. }) => self.same_type(a, b, 0),
            _ => param_type_text(old) == param_type_text(new),
        }
    }
}

fn is_string_like(name: &str) -> bool {
    name == "string" || name == "bytes"
}

/// The type of a parameter without its flag condition.
fn bare_type_text(p: &Param<'_>) -> String {
    match &p.kind {
        ParamKind::Typed { ty, .. } => type_text(ty),
        _ => param_type_text(p),
    }
}

fn same_shape(a: &Param<'_>, b: &Param<'_>) -> bool {
    match (&a.kind, &b.kind) {
        (ParamKind::Nat, ParamKind::Nat) => true,
        (ParamKind::Typed { ty: t1, flag: f1 }, ParamKind::Typed { ty: t2, flag: f2 }) => {
            same_flag(f1.as_ref(), f2.as_ref()) && same_type(t1, t2, 0)
        }
        _ => param_type_text(a) == param_type_text(b),
    }
}

fn key<'p>(p: &'p Param<'_>, i: usize) -> Cow<'p, str> {
    match &p.name {
        Some(n) => Cow::Borrowed(n.as_ref()),
        None => Cow::Owned(format!("_{i}")),
    }
}

/// For each parameter, how many byte-carrying parameters precede it: its place on the wire.
fn wire_positions(params: &[Param<'_>]) -> Vec<usize> {
    let mut n = 0;
    params
        .iter()
        .map(|p| {
            let here = n;
            if !is_true_flag(p) {
                n += 1;
            }
            here
        })
        .collect()
}

/// Past this many removed × added parameters, renames are not looked for (hostile input).
const MAX_RENAME_PAIRS: usize = 1 << 14;

fn param_items(old: &[Param<'_>], new: &[Param<'_>], wire: &Wire<'_>, items: &mut Vec<Item>) {
    let old_keys: Vec<Cow<'_, str>> = old.iter().enumerate().map(|(i, p)| key(p, i)).collect();
    let new_keys: Vec<Cow<'_, str>> = new.iter().enumerate().map(|(i, p)| key(p, i)).collect();
    let mut new_at: HashMap<&str, usize> = HashMap::with_capacity(new.len());
    for (j, k) in new_keys.iter().enumerate().rev() {
        new_at.insert(k.as_ref(), j);
    }
    let mut old_to_new: Vec<Option<usize>> = vec![None; old.len()];
    let mut new_taken = vec![false; new.len()];
    for (i, k) in old_keys.iter().enumerate() {
        if let Some(&j) = new_at.get(k.as_ref()) {
            if let Some(t) = new_taken.get_mut(j).filter(|t| !**t) {
                *t = true;
                old_to_new[i] = Some(j);
            }
        }
    }

    // A parameter gone and one new with the same type and condition at the same place on the
    // wire (or on the same flag bit), between the same kept neighbours, is one parameter
    // renamed. (Without the neighbours, a distant diff pairs fields that only happen to share
    // a place: `video`'s `caption` and, five layers of changes later, `mime_type`.)
    let removed: Vec<usize> = (0..old.len()).filter(|&i| old_to_new[i].is_none()).collect();
    let added: Vec<usize> = (0..new.len()).filter(|&j| !new_taken[j]).collect();
    let mut renamed: Vec<bool> = vec![false; old.len()];
    let kept = old_to_new.clone();
    // The kept parameters just before and after place `i` of the old list, mapped to the new.
    let neighbours = |i: usize| {
        let before = kept[..i].iter().rev().find_map(|m| *m);
        let after = kept.get(i + 1..).and_then(|rest| rest.iter().find_map(|m| *m));
        (before, after)
    };
    let new_kept: Vec<bool> = new_taken.clone();
    let new_neighbours = |j: usize| {
        let before = (0..j).rev().find(|&x| new_kept[x]);
        let after = (j + 1..new.len()).find(|&x| new_kept[x]);
        (before, after)
    };
    if removed.len().saturating_mul(added.len()) <= MAX_RENAME_PAIRS {
        let (old_wire, new_wire) = (wire_positions(old), wire_positions(new));
        for &i in &removed {
            let (Some(o), Some(&ow)) = (old.get(i), old_wire.get(i)) else { continue };
            let around = neighbours(i);
            let found = added.iter().copied().find(|&j| {
                !new_taken[j]
                    && new_neighbours(j) == around
                    && new.get(j).is_some_and(|n| {
                        same_shape(o, n) && (flag_of(o).is_some() || new_wire.get(j) == Some(&ow))
                    })
            });
            if let Some(j) = found {
                new_taken[j] = true;
                old_to_new[i] = Some(j);
                renamed[i] = true;
            }
        }
    }

    let old_bits: HashSet<(&str, u32)> =
        old.iter().filter_map(flag_of).map(|f| (f.field.as_ref(), f.bit)).collect();
    let new_bits: HashSet<(&str, u32)> =
        new.iter().filter_map(flag_of).map(|f| (f.field.as_ref(), f.bit)).collect();

    for (i, o) in old.iter().enumerate() {
        if old_to_new[i].is_some() {
            continue;
        }
        let ty = param_type_text(o);
        let change = Change::ParamRemoved { param: old_keys[i].to_string(), ty: ty.clone(), index: i };
        let name = &old_keys[i];
        items.push(match flag_of(o) {
            Some(f) if !new_bits.contains(&(f.field.as_ref(), f.bit)) && is_true_flag(o) => Item::ok(
                change,
                format!("optional `{name}` dropped: the new side never sets {}", flag_text(f)),
            ),
            // The new side never sets the bit, but a peer on the old layer still may, with the
            // value after it: a new decoder ignores the bit and reads those bytes as whatever
            // follows.
            Some(f) if !new_bits.contains(&(f.field.as_ref(), f.bit)) => Item::bad(
                change,
                format!(
                    "optional `{name}:{ty}` dropped: peers on the old layer may still set {} and send \
                     it, and new decoders would read its bytes as what follows",
                    flag_text(f)
                ),
            ),
            Some(f) => Item::bad(
                change,
                format!(
                    "{} now means something else; old decoders still read it as `{name}:{ty}`",
                    flag_text(f)
                ),
            ),
            None => Item::bad(change, format!("`{name}:{ty}` is gone but old decoders still read it")),
        });
    }

    // Which common parameters changed place relative to the others: those outside a longest
    // run kept in order. Only byte-carrying ones matter to a decoder.
    let common: Vec<(usize, usize)> =
        old_to_new.iter().enumerate().filter_map(|(i, j)| j.map(|j| (i, j))).collect();
    let moved = out_of_order(&common.iter().map(|&(_, j)| j).collect::<Vec<_>>());
    let carried: Vec<(usize, usize)> = common
        .iter()
        .copied()
        .filter(|&(i, j)| !(old.get(i).is_some_and(is_true_flag) && new.get(j).is_some_and(is_true_flag)))
        .collect();
    let wire_moved = out_of_order(&carried.iter().map(|&(_, j)| j).collect::<Vec<_>>());
    let wire_moved: HashSet<usize> = wire_moved.iter().map(|&k| carried[k].1).collect();
    let moved: HashMap<usize, usize> = moved.iter().map(|&k| (common[k].1, common[k].0)).collect();
    let mut new_to_old = vec![None; new.len()];
    for &(i, j) in &common {
        new_to_old[j] = Some(i);
    }

    for (j, n) in new.iter().enumerate() {
        let name = new_keys[j].as_ref();
        let Some(i) = new_to_old[j] else {
            let ty = param_type_text(n);
            let change = Change::ParamAdded { param: name.to_string(), ty: ty.clone(), index: j };
            items.push(match flag_of(n) {
                // A bit costs no bytes. If the bit was free, old decoders ignore it; if old
                // parameters use it and keep it, it only gets a name; if they lost it, their
                // own removal or move is the breaking change.
                Some(f) if is_true_flag(n) => Item::ok(
                    change,
                    if old_bits.contains(&(f.field.as_ref(), f.bit)) {
                        format!("new `{name}:{ty}` names a bit the old layer already sets")
                    } else {
                        format!("new `{name}:{ty}` is a bit old decoders ignore (outside the CRC32)")
                    },
                ),
                Some(f) if old_bits.contains(&(f.field.as_ref(), f.bit)) => Item::bad(
                    change,
                    format!("{} is reused for `{name}:{ty}`; old decoders read the old field", flag_text(f)),
                ),
                Some(f) => Item::bad(
                    change,
                    format!("new `{name}:{ty}`: old decoders skip {} and misread what follows", flag_text(f)),
                ),
                None => {
                    Item::bad(change, format!("new `{name}:{ty}` under the same id: old decoders misalign"))
                }
            });
            continue;
        };
        let Some(o) = old.get(i) else { continue };
        if renamed[i] {
            items.push(Item::ok(
                Change::ParamRenamed {
                    from: old_keys[i].to_string(),
                    to: name.to_string(),
                    ty: param_type_text(n),
                },
                format!("parameter `{}` renamed to `{name}`, same type and place", old_keys[i]),
            ));
        }
        let (ot, nt) = (bare_type_text(o), bare_type_text(n));
        if ot != nt {
            let change = Change::ParamRetyped { param: name.to_string(), from: ot.clone(), to: nt.clone() };
            items.push(if wire.same_param(o, n) {
                Item::ok(change, format!("`{name}`: `{ot}` and `{nt}` are the same on the wire"))
            } else {
                Item::bad(change, format!("`{name}` is now `{nt}` (was `{ot}`) under the same id"))
            });
        }
        match (flag_of(o), flag_of(n)) {
            (None, Some(f)) => items.push(Item::bad(
                Change::MadeOptional { param: name.to_string(), flag: flag_text(f) },
                format!("`{name}` is now optional ({}); old decoders read it always", flag_text(f)),
            )),
            (Some(f), None) => items.push(Item::bad(
                Change::MadeRequired { param: name.to_string(), flag: flag_text(f) },
                format!(
                    "`{name}` is now always sent; old decoders read it only when {} is set",
                    flag_text(f)
                ),
            )),
            (Some(a), Some(b)) if !same_flag(Some(a), Some(b)) => items.push(Item::bad(
                Change::FlagMoved { param: name.to_string(), from: flag_text(a), to: flag_text(b) },
                format!(
                    "`{name}` moved from {} to {}; old decoders look at the old bit",
                    flag_text(a),
                    flag_text(b)
                ),
            )),
            _ => {}
        }
        if moved.contains_key(&j) {
            let change = Change::ParamMoved { param: name.to_string(), from: i, to: j };
            items.push(if wire_moved.contains(&j) {
                let place = if i == j {
                    format!("changed place among the others (position {i} in both)")
                } else {
                    format!("moved ({i} \u{2192} {j})")
                };
                Item::bad(change, format!("`{name}` {place}; old decoders read the old order"))
            } else {
                Item::ok(change, format!("`{name}` moved but occupies no bytes"))
            });
        }
    }
}

/// Positions in `seq` that are not part of one longest increasing subsequence: the elements
/// that moved. O(n log n).
fn out_of_order(seq: &[usize]) -> Vec<usize> {
    // tails[k]: index in seq of the smallest tail of an increasing run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; seq.len()];
    for (k, &v) in seq.iter().enumerate() {
        let at = tails.partition_point(|&t| seq[t] < v);
        if at > 0 {
            prev[k] = tails.get(at - 1).copied();
        }
        if at == tails.len() {
            tails.push(k);
        } else {
            tails[at] = k;
        }
    }
    let mut keep = vec![false; seq.len()];
    let mut cur = tails.last().copied();
    while let Some(k) = cur {
        keep[k] = true;
        cur = prev[k];
    }
    (0..seq.len()).filter(|&k| !keep[k]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::testutil::parse_def;

    fn run(old: &str, new: &str) -> Option<Changed> {
        compare(&parse_def(old), &parse_def(new), &Context::default())
    }

    #[test]
    fn a_misspelled_undefined_type_fixed_is_compatible() {
        // Layers 14–52 wrote `vector<futureSalt>`, a name no definition carries; layer 53 names
        // the constructor `future_salt` itself.
        let old = [parse_def("future_salt#1 a:int = FutureSalt"), parse_def("s#2 v:vector<futureSalt> = S")];
        let new = [parse_def("future_salt#1 a:int = FutureSalt"), parse_def("s#2 v:vector<future_salt> = S")];
        let ctx = crate::diff::engine::context_of(&old, &new);
        let changed = compare(&old[1], &new[1], &ctx).unwrap();
        assert_eq!(changed.compat.verdict, Verdict::Compatible, "{:?}", changed.compat);
        // A defined name changing is still a retype that breaks.
        let new = [parse_def("future_salt#1 a:int = FutureSalt"), parse_def("s#2 v:vector<FutureSalt> = S")];
        let old = [parse_def("future_salt#1 a:int = FutureSalt"), parse_def("s#2 v:vector<future_salt> = S")];
        let ctx = crate::diff::engine::context_of(&old, &new);
        assert_eq!(compare(&old[1], &new[1], &ctx).unwrap().compat.verdict, Verdict::Breaking);
        assert!(!spelled_alike("futureSalt", "FutureSalt"));
        assert!(spelled_alike("ns.futureSalt", "ns.future_salt"));
    }

    #[test]
    fn identical_is_none() {
        assert_eq!(run("a#1 x:int = A", "a#1 x:int = A"), None);
    }

    #[test]
    fn lis_finds_moved() {
        assert_eq!(out_of_order(&[0, 1, 2]), Vec::<usize>::new());
        assert_eq!(out_of_order(&[1, 0]).len(), 1);
        assert_eq!(out_of_order(&[0, 3, 1, 2]), vec![1]);
        assert_eq!(out_of_order(&[]), Vec::<usize>::new());
    }

    #[test]
    fn new_true_flag_is_compatible() {
        let c = run("a#1 flags:# x:int = A", "a#1 flags:# silent:flags.5?true x:int = A").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Compatible, "{c:?}");
        assert!(matches!(&c.changes[..], [Change::ParamAdded { param, index: 1, .. }] if param == "silent"));
    }

    #[test]
    fn new_optional_value_under_same_id_is_breaking() {
        let c = run("a#1 flags:# x:int = A", "a#1 flags:# x:int y:flags.0?int = A").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Breaking);
    }

    #[test]
    fn reused_flag_bit_is_breaking() {
        let c = run("a#1 flags:# x:flags.0?int = A", "a#1 flags:# y:flags.0?string = A").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Breaking);
        assert!(c.compat.reason.contains("flags.0"), "{}", c.compat.reason);
    }

    #[test]
    fn id_change_wins() {
        let c = run("a#1 x:int = A", "a#2 x:long y:int = A").unwrap();
        assert_eq!(c.compat.verdict, Verdict::IdChanging);
        assert!(matches!(c.changes[0], Change::IdChanged { .. }));
    }

    #[test]
    fn true_flag_on_a_used_bit_is_compatible_unless_the_bit_changed_meaning() {
        // layer 40 `user`: `bot:flags.14?true` beside the existing `bot_info_version:flags.14?int`.
        let c = run("u#1 flags:# v:flags.14?int = U", "u#1 flags:# bot:flags.14?true v:flags.14?int = U")
            .unwrap();
        assert_eq!(c.compat.verdict, Verdict::Compatible, "{c:?}");
        let c = run("u#1 flags:# v:flags.14?int = U", "u#1 flags:# bot:flags.14?true = U").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Breaking, "{c:?}");
    }

    #[test]
    fn generics_are_not_on_the_wire() {
        // `!X` implies `{X:Type}`: writing it out is no change at all.
        assert_eq!(run("i#1 query:!X = X", "i#1 {X:Type} query:!X = X"), None);
        let c = run("i#1 query:!X = X", "i#1 {Q:Type} query:!Q = Q").unwrap();
        assert!(c
            .changes
            .contains(&Change::GenericsChanged { from: "{X:Type}".into(), to: "{Q:Type}".into() }));
        assert_eq!(c.compat.verdict, Verdict::Compatible, "{c:?}");
        let c = run("i#1 {X:Type} query:!X = X", "i#1 {Q:Type} query:!Q = Q").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Compatible, "{c:?}");
    }

    #[test]
    fn new_id_of_another_definition_is_breaking() {
        let mut ctx = Context::default();
        ctx.old_ids.insert(2, "b");
        let c = compare(&parse_def("a#1 x:int = A"), &parse_def("a#2 x:long = A"), &ctx).unwrap();
        assert_eq!(c.compat.verdict, Verdict::Breaking);
    }

    #[test]
    fn renamed_param_is_compatible() {
        let c = run("a#1 x:int y:long = A", "a#1 z:int y:long = A").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Compatible);
        assert!(
            matches!(&c.changes[..], [Change::ParamRenamed { from, to, .. }] if from == "x" && to == "z")
        );
    }

    #[test]
    fn reorder_of_bytes_breaks_but_of_bits_does_not() {
        let c = run("a#1 x:int y:long = A", "a#1 y:long x:int = A").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Breaking);
        let c = run(
            "a#1 flags:# p:flags.0?true q:flags.1?true = A",
            "a#1 flags:# q:flags.1?true p:flags.0?true = A",
        )
        .unwrap();
        assert_eq!(c.compat.verdict, Verdict::Compatible, "{c:?}");
    }

    #[test]
    fn optionality_and_flag_moves() {
        let c = run("a#1 flags:# x:int = A", "a#1 flags:# x:flags.0?int = A").unwrap();
        assert!(matches!(c.changes[0], Change::MadeOptional { .. }));
        assert_eq!(c.compat.verdict, Verdict::Breaking);
        let c = run("a#1 flags:# x:flags.0?int = A", "a#1 flags:# x:int = A").unwrap();
        assert!(matches!(c.changes[0], Change::MadeRequired { .. }));
        let c = run("a#1 flags:# x:flags.0?true = A", "a#1 flags:# x:flags.3?true = A").unwrap();
        assert!(matches!(c.changes[0], Change::FlagMoved { .. }));
        assert_eq!(c.compat.verdict, Verdict::Breaking);
    }

    #[test]
    fn dropped_optional_true_flag_is_compatible_but_a_dropped_value_is_not() {
        let c = run("a#1 flags:# x:flags.0?true y:int = A", "a#1 flags:# y:int = A").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Compatible, "{c:?}");
        // A peer on the old layer may still set flags.0 and send `x`: a new decoder would read
        // its bytes as `y`.
        let c = run("a#1 flags:# x:flags.0?int y:int = A", "a#1 flags:# y:int = A").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Breaking, "{c:?}");
    }

    #[test]
    fn a_rename_needs_the_same_kept_neighbours() {
        // `video` from layer 8 to 34: `caption` went, `mime_type` came elsewhere, and only the
        // index happens to be the same.
        let c = run(
            "video#1 id:long user_id:int date:int caption:string duration:int size:int = Video",
            "video#2 id:long date:int duration:int mime_type:string size:int = Video",
        )
        .unwrap();
        assert!(!c.changes.iter().any(|ch| matches!(ch, Change::ParamRenamed { .. })), "{c:?}");
        // In place, it is a rename.
        let c = run("a#1 x:int old:string y:int = A", "a#2 x:int new:string y:int = A").unwrap();
        assert!(c.changes.iter().any(|ch| matches!(ch, Change::ParamRenamed { .. })), "{c:?}");
    }

    #[test]
    fn string_and_bytes_are_one_wire_form() {
        let c = run("a#1 x:string = A", "a#1 x:bytes = A").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Compatible);
    }

    #[test]
    fn result_change() {
        let c = run("f#1 = A", "f#1 = B").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Breaking);
        let mut ctx = Context::default();
        ctx.type_renames.insert("A", "B");
        let c = compare(&parse_def("f#1 = A"), &parse_def("f#1 = B"), &ctx).unwrap();
        assert_eq!(c.compat.verdict, Verdict::Compatible);
    }

    #[test]
    fn anonymous_params_compare_by_place() {
        assert_eq!(run("v#1 # [ int ] = V", "v#1 # [ int ] = V"), None);
        let c = run("v#1 # [ int ] = V", "v#1 # [ long ] = V").unwrap();
        assert_eq!(c.compat.verdict, Verdict::Breaking);
    }
}
