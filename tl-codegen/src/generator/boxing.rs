//! Which constructors live behind a `Box`.
//!
//! Recursive constructors must be boxed, and large ones are boxed so that the enums and structs
//! holding them stay small. But a box is one allocation (and one free) per decoded object, and
//! for the objects an answer is mostly made of (`message`, `user`, `chat`) that allocation is
//! a large share of the decoding time. So a type's *principal* constructor, the one named like
//! the type (`message` of `Message`, `user` of `User`, as opposed to `messageEmpty` or
//! `messageService`; failing that, its only constructor larger than the boxing threshold, as
//! `inputReplyToMessage` of `InputReplyTo`), stays inline as long as its struct is at most
//! [`Options::max_inline_principal`](super::Options) bytes; the other constructors then adapt
//! (a small struct that would hold a now large principal inline is boxed instead).

use crate::graph::{loose_name, TypeGraph};
use std::collections::{HashMap, HashSet};

/// The constructors to hold behind a `Box`: recursive ones, and those larger than
/// `max_inline` bytes other than the principal constructors kept inline within
/// `max_principal` bytes.
pub(crate) fn boxed_constructors(
    graph: &TypeGraph<'_>,
    max_inline: usize,
    max_principal: usize,
) -> HashSet<usize> {
    let recursive = graph.recursive();
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    let plain = fixpoint(graph, &recursive, max_inline, &HashSet::new());
    let mut memo = HashMap::new();
    for (ti, t) in graph.types.iter().enumerate() {
        if t.constructors.len() < 2 || graph.is_primitive_type(ti) {
            continue;
        }
        let name = loose_name(&t.name);
        let named = t.constructors.iter().find(|&&ci| loose_name(&graph.constructors[ci].name) == name);
        // Without one named like the type, the only large constructor is the principal:
        // boxing it would only shrink values that are the small ones (`inputReplyToMessage`
        // beside `inputReplyToStory`).
        let large: Vec<usize> = t
            .constructors
            .iter()
            .copied()
            .filter(|&ci| graph.struct_size(ci, &plain, &mut memo) > max_inline)
            .collect();
        let principal = match (named, &large[..]) {
            (Some(&ci), _) => Some(ci),
            (None, &[ci]) => Some(ci),
            _ => None,
        };
        if let Some(ci) = principal.filter(|ci| !recursive.contains(ci)) {
            candidates.push((graph.struct_size(ci, &plain, &mut memo), ci));
        }
    }
    // The largest first: they are the objects answers are made of (a message holds a reply
    // header, not the other way round), and once they are inline, the smaller principals
    // inside them are only kept inline when the larger ones still fit.
    candidates.sort_by(|a, b| b.cmp(a));
    let mut inline = HashSet::new();
    let mut boxed = plain;
    for (size, ci) in candidates {
        if size > max_principal {
            continue;
        }
        inline.insert(ci);
        let trial = fixpoint(graph, &recursive, max_inline, &inline);
        let mut memo = HashMap::new();
        if inline.iter().all(|&c| graph.struct_size(c, &trial, &mut memo) <= max_principal) {
            boxed = trial;
        } else {
            inline.remove(&ci);
        }
    }
    boxed
}

/// Boxes every constructor outside `inline` larger than `max_inline` bytes, to a fixpoint
/// (sizes depend on what is boxed), starting from the recursive ones.
fn fixpoint(
    graph: &TypeGraph<'_>,
    recursive: &HashSet<usize>,
    max_inline: usize,
    inline: &HashSet<usize>,
) -> HashSet<usize> {
    let mut boxed = recursive.clone();
    loop {
        let mut memo = HashMap::new();
        let before = boxed.len();
        for ci in 0..graph.constructors.len() {
            if !boxed.contains(&ci)
                && !inline.contains(&ci)
                && graph.struct_size(ci, &boxed, &mut memo) > max_inline
            {
                boxed.insert(ci);
            }
        }
        if boxed.len() == before {
            return boxed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "
        thing#1 a:long b:long c:long d:long e:long f:long g:long h:long i:long = Thing;
        thingEmpty#2 = Thing;
        thingOther#3 a:long b:long c:long d:long e:long f:long g:long h:long i:long = Thing;
        small#4 x:int = Small;
        smallBig#5 t:Thing = Small;
        list#6 items:Vector<Thing> = List;
        pickBig#7 a:long b:long c:long d:long e:long f:long g:long h:long i:long = Pick;
        pickSmall#8 x:int = Pick;
    ";

    fn boxed_names(max_principal: usize) -> Vec<String> {
        let schemas = [tl_parser::parse(SCHEMA).schema];
        let graph = TypeGraph::new(&schemas);
        let mut names: Vec<String> = boxed_constructors(&graph, 64, max_principal)
            .into_iter()
            .map(|ci| graph.constructors[ci].name.to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn principal_stays_inline_within_its_cap() {
        // `thing` (72 B) is `Thing`'s principal; `thingOther` is as large but not principal.
        // `smallBig` is small only while `thing` is boxed, so it is boxed in turn. `pickBig`,
        // the only large constructor of `Pick`, is its principal.
        assert_eq!(boxed_names(640), ["smallBig", "thingOther"]);
    }

    #[test]
    fn principal_is_boxed_past_its_cap() {
        assert_eq!(boxed_names(64), ["pickBig", "thing", "thingOther"]);
        assert_eq!(boxed_names(0), ["pickBig", "thing", "thingOther"]);
    }
}
