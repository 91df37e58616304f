//! `TypeGraph::self_nesting` (the constructors whose decoders keep the depth guard) checked
//! against a plain search from every constructor of the latest layer: a constructor nests
//! itself exactly when a walk through its fields' types (vectors, boxed types, bare
//! constructors) leads back to it.

use std::collections::HashSet;

use tl_codegen::graph::{Ty, TypeGraph};
use tl_parser::ParamKind;

fn nested(graph: &TypeGraph<'_>, ci: usize) -> Vec<usize> {
    fn walk(graph: &TypeGraph<'_>, ty: &Ty, out: &mut Vec<usize>) {
        match ty {
            Ty::Vector { elem, .. } => walk(graph, elem, out),
            Ty::Boxed(ti) if !graph.is_primitive_type(*ti) => out.extend(&graph.types[*ti].constructors),
            Ty::Bare(c) => out.push(*c),
            _ => {}
        }
    }
    let def = graph.constructors[ci];
    let mut out = Vec::new();
    for p in &def.params {
        if let ParamKind::Typed { ty, .. } = &p.kind {
            if let Ok(ty) = graph.resolve(ty, def) {
                walk(graph, &ty, &mut out);
            }
        }
    }
    out
}

fn reaches_itself(graph: &TypeGraph<'_>, ci: usize) -> bool {
    let mut seen = HashSet::new();
    let mut stack = nested(graph, ci);
    while let Some(c) = stack.pop() {
        if c == ci {
            return true;
        }
        if seen.insert(c) {
            stack.extend(nested(graph, c));
        }
    }
    false
}

#[test]
fn self_nesting_is_exactly_the_constructors_that_reach_themselves() {
    let schemas = [include_str!("../../schemas/api.tl"), include_str!("../../schemas/mtproto.tl")]
        .map(|text| tl_parser::parse(text).schema);
    let graph = TypeGraph::new(&schemas);
    let expected: HashSet<usize> =
        (0..graph.constructors.len()).filter(|&ci| reaches_itself(&graph, ci)).collect();
    let found = graph.self_nesting();
    let names = |set: &HashSet<usize>| {
        let mut v: Vec<&str> = set.iter().map(|&ci| graph.constructors[ci].name.as_ref()).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(names(&found), names(&expected));
    // The known cycles are there, and the plain types are not.
    let has = |name: &str| found.iter().any(|&ci| graph.constructors[ci].name == name);
    for name in ["textBold", "pageBlockCover", "inputPeerUserFromMessage", "jsonArray", "messageMediaStory"] {
        assert!(has(name), "{name} should nest itself");
    }
    for name in ["message", "user", "messageEntityBold", "inputPeerUser"] {
        assert!(!has(name), "{name} cannot nest itself");
    }
}
