//! Pairing the definitions of two schemas: by (name, id), then by id (renames), then by name.
//! Every pass is a hash lookup per definition, so matching is linear in the schema sizes even
//! with many duplicate names (secret-chat layers repeat names with distinct ids).

use std::collections::HashMap;
use std::hash::Hash;
use tl_parser::Definition;

/// How the definitions of an old and a new schema correspond.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matching {
    /// `(old index, new index)` of definitions present on both sides, in new-schema order.
    pub pairs: Vec<(usize, usize)>,
    /// Old indices with no counterpart, in old-schema order.
    pub removed: Vec<usize>,
    /// New indices with no counterpart, in new-schema order.
    pub added: Vec<usize>,
    /// For each old index, its new counterpart.
    pub old_to_new: Vec<Option<usize>>,
}

/// Definitions grouped by a key, each group in source order, taken one at a time from the
/// front. One allocation per map instead of one per group.
struct Buckets<K> {
    head: HashMap<K, usize>,
    next: Vec<usize>,
}

const NONE: usize = usize::MAX;

impl<K: Hash + Eq> Buckets<K> {
    /// Groups `items` (index, key), which must be given in source order.
    fn new(len: usize, items: impl DoubleEndedIterator<Item = (usize, K)>) -> Buckets<K> {
        let mut b = Buckets { head: HashMap::new(), next: vec![NONE; len] };
        // Inserting back to front at the head leaves each group in source order.
        for (i, key) in items.rev() {
            let old = b.head.insert(key, i).unwrap_or(NONE);
            if let Some(slot) = b.next.get_mut(i) {
                *slot = old;
            }
        }
        b
    }

    /// Removes and returns the first index of `key`'s group.
    fn take(&mut self, key: &K) -> Option<usize> {
        let slot = self.head.get_mut(key)?;
        let first = *slot;
        let rest = self.next.get(first).copied().unwrap_or(NONE);
        if rest == NONE {
            self.head.remove(key);
        } else {
            *slot = rest;
        }
        Some(first)
    }
}

/// Pairs `old` with `new` definitions.
///
/// 1. same category, name and id: the same definition;
/// 2. same category and id, different name: a rename. Only a deliberately kept explicit id
///    survives a rename (the name is part of the CRC32), so an id is stronger evidence than a
///    name: tdlib's secret layer 144 renamed `documentAttributeVideo66#0ef02ce6` to
///    `documentAttributeVideo` and the old `documentAttributeVideo#5910cccb` to
///    `documentAttributeVideo23`; pairing by name first would call that one breaking change;
/// 3. same category and name: the definition changed.
pub fn match_definitions(old: &[Definition<'_>], new: &[Definition<'_>]) -> Matching {
    let mut old_to_new = vec![None; old.len()];
    let mut new_to_old = vec![None; new.len()];

    let mut exact = Buckets::new(
        old.len(),
        old.iter().enumerate().map(|(i, d)| (i, (d.category, d.name.as_ref(), d.id))),
    );
    for (j, d) in new.iter().enumerate() {
        if let Some(i) = exact.take(&(d.category, d.name.as_ref(), d.id)) {
            link(&mut old_to_new, &mut new_to_old, i, j);
        }
    }
    drop(exact);

    let unmatched_old = |o2n: &[Option<usize>]| {
        o2n.iter().enumerate().filter(|(_, m)| m.is_none()).map(|(i, _)| i).collect::<Vec<_>>()
    };

    let left = unmatched_old(&old_to_new);
    if !left.is_empty() {
        let mut by_id =
            Buckets::new(old.len(), left.iter().filter_map(|&i| old.get(i).map(|d| (i, (d.category, d.id)))));
        for (j, d) in new.iter().enumerate() {
            if new_to_old[j].is_none() {
                if let Some(i) = by_id.take(&(d.category, d.id)) {
                    link(&mut old_to_new, &mut new_to_old, i, j);
                }
            }
        }
    }

    let left = unmatched_old(&old_to_new);
    if !left.is_empty() {
        let mut by_name = Buckets::new(
            old.len(),
            left.iter().filter_map(|&i| old.get(i).map(|d| (i, (d.category, d.name.as_ref())))),
        );
        for (j, d) in new.iter().enumerate() {
            if new_to_old[j].is_none() {
                if let Some(i) = by_name.take(&(d.category, d.name.as_ref())) {
                    link(&mut old_to_new, &mut new_to_old, i, j);
                }
            }
        }
    }

    let pairs = new_to_old.iter().enumerate().filter_map(|(j, m)| m.map(|i| (i, j))).collect();
    let removed = unmatched_old(&old_to_new);
    let added = new_to_old.iter().enumerate().filter(|(_, m)| m.is_none()).map(|(j, _)| j).collect();
    Matching { pairs, removed, added, old_to_new }
}

fn link(o2n: &mut [Option<usize>], n2o: &mut [Option<usize>], i: usize, j: usize) {
    if let Some(slot) = o2n.get_mut(i) {
        *slot = Some(j);
    }
    if let Some(slot) = n2o.get_mut(j) {
        *slot = Some(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::testutil::def;
    use tl_parser::Category;

    #[test]
    fn matches_by_name_then_id() {
        let old = vec![def("a", 1, "A"), def("b", 2, "B"), def("c", 3, "C")];
        let new = vec![def("c", 33, "C"), def("a", 1, "A"), def("bb", 2, "B"), def("d", 4, "D")];
        let m = match_definitions(&old, &new);
        assert_eq!(m.pairs, vec![(2, 0), (0, 1), (1, 2)]);
        assert_eq!(m.removed, Vec::<usize>::new());
        assert_eq!(m.added, vec![3]);
    }

    #[test]
    fn ids_win_over_names_when_names_swap() {
        let old = vec![def("video", 5, "A"), def("video66", 6, "A")];
        let new = vec![def("video23", 5, "A"), def("video", 6, "A")];
        let m = match_definitions(&old, &new);
        assert_eq!(m.pairs, vec![(0, 0), (1, 1)]);
    }

    #[test]
    fn duplicate_names_pair_by_id_first() {
        // Secret layers: the same name under distinct ids, in any order.
        let old = vec![def("m", 1, "M"), def("m", 2, "M"), def("m", 3, "M")];
        let new = vec![def("m", 3, "M"), def("m", 1, "M"), def("m", 9, "M")];
        let m = match_definitions(&old, &new);
        assert_eq!(m.pairs, vec![(2, 0), (0, 1), (1, 2)]);
        assert!(m.removed.is_empty() && m.added.is_empty());
    }

    #[test]
    fn functions_and_constructors_do_not_mix() {
        let mut f = def("x", 1, "X");
        f.category = Category::Function;
        let old = vec![def("x", 1, "X")];
        let new = vec![f];
        let m = match_definitions(&old, &new);
        assert!(m.pairs.is_empty());
        assert_eq!((m.removed.len(), m.added.len()), (1, 1));
    }

    #[test]
    fn empty_sides() {
        let m = match_definitions(&[], &[def("a", 1, "A")]);
        assert_eq!(m.added, vec![0]);
        let m = match_definitions(&[def("a", 1, "A")], &[]);
        assert_eq!(m.removed, vec![0]);
    }
}
