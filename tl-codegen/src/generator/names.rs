//! The Rust name of every generated item, decided once so that references agree with
//! definitions, with collisions inside a module resolved deterministically.

use super::Module;
use crate::graph::TypeGraph;
use crate::ident;
use std::collections::HashMap;

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
        let mut taken: HashMap<(Module, Vec<String>, String), usize> = HashMap::new();
        let mut name_of = |module: Module, tl: &str, id: u32| {
            let ns = ident::namespace(tl);
            let local = tl.rsplit_once('.').map_or(tl, |(_, n)| n);
            let mut name = ident::camel(local);
            let count = taken.entry((module, ns.clone(), name.clone())).or_insert(0);
            *count += 1;
            if *count > 1 {
                name = format!("{name}{id:08x}");
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
                let unique = short.iter().enumerate().all(|(i, s)| !short[..i].contains(s));
                if unique {
                    short
                } else {
                    full
                }
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
