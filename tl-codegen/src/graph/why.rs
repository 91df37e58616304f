//! Why a `--only` selection holds an item: the shortest chain of references from a name given
//! to it, over the same edges [`TypeGraph::reachable`] follows. A request returning `Updates`
//! reaches most of the API, and this says through what.

use super::{Ty, TypeGraph};
use std::collections::{HashMap, VecDeque};
use tl_parser::{Category, ParamKind};

/// A constructor, function or boxed type, by its index in the [`TypeGraph`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Item {
    /// An index into [`TypeGraph::constructors`].
    Constructor(usize),
    /// An index into [`TypeGraph::functions`].
    Function(usize),
    /// An index into [`TypeGraph::types`].
    Type(usize),
}

/// How one item brings in the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A parameter whose type names the next item, as the schema writes it
    /// (`media:flags.9?MessageMedia`).
    Param(String),
    /// A function's result type.
    Result,
    /// A boxed type brings every constructor in, since its enum has a variant for each.
    Constructor,
    /// A type's only constructor brings the type in: the type is an alias of its struct.
    OnlyConstructor,
}

/// One link of the chain: `from` brings in `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The item holding the reference.
    pub from: Item,
    /// The item it brings in.
    pub to: Item,
    /// How.
    pub via: Via,
}

impl<'s> TypeGraph<'s> {
    /// The TL name of `item`.
    pub fn item_name(&self, item: Item) -> &str {
        match item {
            Item::Constructor(ci) => &self.constructors[ci].name,
            Item::Function(fi) => &self.functions[fi].name,
            Item::Type(ti) => &self.types[ti].name,
        }
    }

    /// The shortest chain by which `roots` (names as for [`TypeGraph::reachable`]) bring in
    /// `target` (a constructor, function or boxed type): empty when `target` is one of them,
    /// `None` when they do not reach it. Unknown names are an error.
    pub fn why(&self, roots: &[&str], target: &str) -> Result<Option<Vec<Link>>, String> {
        let targets: Vec<Item> = self.items_named(target, true);
        if targets.is_empty() {
            return Err(super::unknown("constructor, function or type", target, self.all_names()));
        }
        let mut came_from: HashMap<Item, Option<Link>> = HashMap::new();
        let mut queue = VecDeque::new();
        for &name in roots {
            let items = self.items_named(name, false);
            if items.is_empty() {
                return Err(self.not_in_schema(name));
            }
            for item in items {
                if came_from.insert(item, None).is_none() {
                    queue.push_back(item);
                }
            }
        }
        while let Some(item) = queue.pop_front() {
            if targets.contains(&item) {
                return Ok(Some(self.chain_to(item, &came_from)));
            }
            for (to, via) in self.links_from(item) {
                if let std::collections::hash_map::Entry::Vacant(e) = came_from.entry(to) {
                    e.insert(Some(Link { from: item, to, via }));
                    queue.push_back(to);
                }
            }
        }
        Ok(None)
    }

    /// One line per link: ``messages.sendMessage → Updates: its result type``.
    pub fn describe(&self, link: &Link) -> String {
        let (from, to) = (self.item_name(link.from), self.item_name(link.to));
        let why = match &link.via {
            Via::Param(param) => format!("parameter `{param}`"),
            Via::Result => "its result type".to_string(),
            Via::Constructor => "a constructor of the type".to_string(),
            Via::OnlyConstructor => "the type of its only constructor".to_string(),
        };
        format!("{from} → {to}: {why}")
    }

    /// Every item called `name`: a constructor and a function may share one. Roots are looked
    /// up as [`TypeGraph::reachable`] does, a target by its exact name (`Lonely` is not the
    /// constructor `lonely`, though an old layer's bare reference may spell it so).
    fn items_named(&self, name: &str, exact: bool) -> Vec<Item> {
        let mut out = Vec::new();
        let ctor = if exact { self.ctor_index.get(name).copied() } else { self.constructor_named(name) };
        out.extend(ctor.map(Item::Constructor));
        out.extend(self.function_named(name).map(Item::Function));
        out.extend(self.type_named(name).map(Item::Type));
        out
    }

    fn chain_to(&self, mut item: Item, came_from: &HashMap<Item, Option<Link>>) -> Vec<Link> {
        let mut chain = Vec::new();
        while let Some(Some(link)) = came_from.get(&item) {
            item = link.from;
            chain.push(link.clone());
        }
        chain.reverse();
        chain
    }

    /// What `item` brings in, in schema order: the edges of [`TypeGraph::reachable`].
    fn links_from(&self, item: Item) -> Vec<(Item, Via)> {
        let mut out = Vec::new();
        let def = match item {
            Item::Type(ti) => {
                out.extend(
                    self.types[ti].constructors.iter().map(|&c| (Item::Constructor(c), Via::Constructor)),
                );
                return out;
            }
            Item::Constructor(ci) => {
                let def = self.constructors[ci];
                if let Some(ti) = self.type_named(&def.ty.name) {
                    if self.types[ti].constructors.len() == 1 {
                        out.push((Item::Type(ti), Via::OnlyConstructor));
                    }
                }
                def
            }
            Item::Function(fi) => self.functions[fi],
        };
        for p in &def.params {
            if let ParamKind::Typed { ty, .. } = &p.kind {
                let Ok(ty) = self.resolve(ty, def) else { continue };
                let mut text = String::new();
                tl_parser::write::write_param(p, &mut text);
                Self::named_by(&ty, &mut |to| out.push((to, Via::Param(text.clone()))));
            }
        }
        if def.category == Category::Function {
            if let Ok(ty) = self.resolve(&def.ty, def) {
                Self::named_by(&ty, &mut |to| out.push((to, Via::Result)));
            }
        }
        out
    }

    /// The items a resolved type names, through vectors.
    fn named_by(ty: &Ty, found: &mut impl FnMut(Item)) {
        match ty {
            Ty::Vector { elem, .. } => Self::named_by(elem, found),
            Ty::Boxed(ti) => found(Item::Type(*ti)),
            Ty::Bare(ci) => found(Item::Constructor(*ci)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "\
        user#1 id:int = User;\n\
        userEmpty#2 = User;\n\
        photo#3 id:long = Photo;\n\
        message#4 flags:# from:User media:flags.0?Vector<Photo> = Message;\n\
        lonely#5 = Lonely;\n\
        ---functions---\n\
        getMessage#6 id:int = Message;\n\
        getUser#7 id:int = User;\n";

    fn with_graph(f: impl FnOnce(&TypeGraph<'_>)) {
        let schema = tl_parser::parse(SCHEMA).schema;
        let schemas = [schema];
        f(&TypeGraph::new(&schemas));
    }

    fn lines(g: &TypeGraph<'_>, roots: &[&str], target: &str) -> Option<Vec<String>> {
        g.why(roots, target).expect("known names").map(|c| c.iter().map(|l| g.describe(l)).collect())
    }

    #[test]
    fn the_shortest_chain_through_params_results_and_constructors() {
        with_graph(|g| {
            assert_eq!(
                lines(g, &["getMessage"], "photo").expect("reached"),
                [
                    "getMessage → Message: its result type",
                    "Message → message: a constructor of the type",
                    "message → Photo: parameter `media:flags.0?Vector<Photo>`",
                    "Photo → photo: a constructor of the type",
                ]
            );
            // Two roots: the chain starts at the nearer one.
            assert_eq!(
                lines(g, &["getMessage", "getUser"], "userEmpty").expect("reached"),
                ["getUser → User: its result type", "User → userEmpty: a constructor of the type"]
            );
        });
    }

    #[test]
    fn a_root_needs_no_chain_and_what_is_not_reached_says_so() {
        with_graph(|g| {
            assert_eq!(lines(g, &["getMessage"], "getMessage"), Some(vec![]));
            assert_eq!(lines(g, &["getUser"], "photo"), None);
            assert_eq!(lines(g, &["getUser"], "Lonely"), None);
            // A constructor named alone brings its type in when it is the type's only one.
            assert_eq!(
                lines(g, &["lonely"], "Lonely").expect("reached"),
                ["lonely → Lonely: the type of its only constructor"]
            );
        });
    }

    #[test]
    fn unknown_names_are_errors_with_a_suggestion() {
        with_graph(|g| {
            let err = g.why(&["getMessage"], "phtoo").expect_err("unknown target");
            assert!(
                err.contains("unknown constructor, function or type `phtoo`") && err.contains("photo"),
                "{err}"
            );
            assert!(g.why(&["nope"], "photo").is_err());
        });
    }

    #[test]
    fn every_item_the_selection_holds_has_a_chain_and_no_other_does() {
        with_graph(|g| {
            for roots in [&["getMessage"][..], &["getUser"], &["message"], &["Lonely"]] {
                let sel = g.reachable(roots).expect("known");
                let items = (0..g.constructors.len())
                    .map(|i| (Item::Constructor(i), sel.constructors.contains(&i)))
                    .chain((0..g.functions.len()).map(|i| (Item::Function(i), sel.functions.contains(&i))))
                    .chain((0..g.types.len()).map(|i| (Item::Type(i), sel.types.contains(&i))));
                for (item, selected) in items {
                    let name = g.item_name(item);
                    let chain = g.why(roots, name).expect("known");
                    assert_eq!(chain.is_some(), selected, "{roots:?} {name}");
                }
            }
        });
    }
}
