//! The Rust name of every generated item, decided once so that references agree with
//! definitions, with collisions inside a module resolved deterministically.

use super::Module;
use crate::graph::TypeGraph;
use crate::ident;
use std::collections::HashSet;

/// Rust names of the constructors, functions, boxed types and enum variants of a graph.
#[derive(Debug, Clone)]
pub struct Names {
    /// Per constructor: namespace modules and item name.
    pub constructors: Vec<(Vec<String>, String)>,
    /// Per function.
    pub functions: Vec<(Vec<String>, String)>,
    /// Per boxed type.
    pub types: Vec<(Vec<String>, String)>,
    /// Per boxed type, per constructor (in the type's order): the variant name.
    pub variants: Vec<Vec<String>>,
}

impl Names {
    /// Names every item of `graph`.
    pub fn new(graph: &TypeGraph<'_>) -> Names {
        // The names given so far, per module and namespace. One taken already (`fooBar` then
        // `foo_bar`) gets the id, and that too is checked: a third item may be named so.
        let mut taken: HashSet<(Module, Vec<String>, String)> = HashSet::new();
        let mut name_of = |module: Module, tl: &str, id: u32| {
            let ns = ident::namespace(tl);
            let local = tl.rsplit_once('.').map_or(tl, |(_, n)| n);
            let mut name = ident::camel(local);
            let mut suffix = format!("{id:08x}");
            while !taken.insert((module, ns.clone(), name.clone())) {
                name.push_str(&suffix);
                suffix = "_".to_owned();
            }
            (ns, name)
        };
        let constructors = graph.constructors.iter().map(|d| name_of(Module::Types, &d.name, d.id)).collect();
        let functions = graph.functions.iter().map(|d| name_of(Module::Functions, &d.name, d.id)).collect();
        let types: Vec<(Vec<String>, String)> =
            graph.types.iter().enumerate().map(|(i, t)| name_of(Module::Enums, &t.name, i as u32)).collect();
        let variants = graph
            .types
            .iter()
            .zip(&types)
            .map(|(t, (_, tname))| {
                let full: Vec<String> = t
                    .constructors
                    .iter()
                    .map(|&ci| {
                        let n = &graph.constructors[ci].name;
                        ident::camel(n.rsplit_once('.').map_or(n, |(_, l)| l))
                    })
                    .collect();
                let short: Vec<String> = full
                    .iter()
                    .map(|f| match f.strip_prefix(tname.as_str()) {
                        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest.to_string(),
                        _ => f.clone(),
                    })
                    .collect();
                let unique =
                    |names: &[String]| names.iter().enumerate().all(|(i, s)| !names[..i].contains(s));
                if unique(&short) {
                    return short;
                }
                // Constructors whose names camel-case alike (`fooBar`, `foo_bar`, or one name
                // in two namespaces): a later one takes its id, as the structs do.
                let mut names = full;
                for (i, &ci) in t.constructors.iter().enumerate() {
                    if names[..i].contains(&names[i]) {
                        names[i] = format!("{}{:08x}", names[i], graph.constructors[ci].id);
                    }
                }
                names
            })
            .collect();
        Names { constructors, functions, types, variants }
    }

    /// True when an item of any category is named one of `names`.
    pub fn any_named(&self, names: &[&str]) -> bool {
        self.constructors
            .iter()
            .chain(&self.functions)
            .chain(&self.types)
            .any(|(_, n)| names.contains(&n.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_named_alike_are_told_apart() {
        let schema = tl_parser::parse(
            "ns.fooBar#77777780 = ns.X;\nns.foo_bar#77777781 = ns.X;\na.y#00000001 = T;\nb.y#00000002 = T;",
        )
        .schema;
        let graph = TypeGraph::new([&schema]);
        let names = Names::new(&graph);
        let mut all = names.variants.clone();
        all.sort();
        assert_eq!(all, [vec!["FooBar", "FooBar77777781"], vec!["Y", "Y00000002"]]);
    }

    #[test]
    fn an_item_named_as_another_was_renamed_is_renamed_too() {
        let schema =
            tl_parser::parse("fooBar#11111111 = X;\nfoo_bar#22222222 = X;\nfooBar22222222#33333333 = X;")
                .schema;
        let graph = TypeGraph::new([&schema]);
        let names: Vec<String> = Names::new(&graph).constructors.into_iter().map(|(_, n)| n).collect();
        assert_eq!(names, ["FooBar", "FooBar22222222", "FooBar2222222233333333"]);
    }
}
