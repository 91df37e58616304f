//! The type graph of a schema: which constructors make up which boxed type, what a param's
//! type resolves to, what a set of names reaches (for `--only`), and which enum variants to
//! box so that enums stay small and recursive types have a finite size.

use std::collections::{BTreeSet, HashMap, HashSet};
use tl_parser::{Category, Definition, ParamKind, Schema, TypeRef};

mod why;
pub use why::{Item, Link, Via};

/// Names the wire format handles itself; their schema lines (`int ? = Int;`,
/// `vector {t:Type} # [ t ] = Vector t;`, TDLib's `int32 = Int32;`) are not generated.
pub const BUILTIN_NAMES: &[&str] = &[
    "int",
    "long",
    "double",
    "string",
    "bytes",
    "int128",
    "int256",
    "int512",
    "vector",
    "int32",
    "int53",
    "int64",
    "secureString",
    "secureBytes",
];

/// Whether `def` is a builtin's own line: a name in [`BUILTIN_NAMES`], or any declaration
/// whose only parameter is TL's `?` (`int ? = Int;`, and in TON's schemas `object ? = Object;`,
/// `function ? = Function;`): it declares a type the wire format knows, not a constructor.
pub fn is_builtin_def(def: &Definition<'_>) -> bool {
    if BUILTIN_NAMES.contains(&def.name.as_ref()) {
        return true;
    }
    matches!(&def.params[..], [tl_parser::Param { name: None, kind: ParamKind::Typed { ty, flag: None }, .. }]
        if ty.name == "?" && ty.args.is_empty() && !ty.percent && !ty.bang)
}

/// Whether a reference to the type `name` holds any boxed object: `Object`, and `Function`
/// (any boxed function call, as TON's schemas use it), `object` and `function` (their bare
/// spellings in TON's `testObject`, which TON's own code holds boxed all the same) unless the
/// schemas define a type or constructor of that name. `defined` says whether they do.
pub fn is_any_object(name: &str, defined: impl FnOnce() -> bool) -> bool {
    name == "Object" || (matches!(name, "Function" | "object" | "function") && !defined())
}

/// The wire primitive behind one of TDLib's spellings (`int32`, `int53`, `int64`,
/// `secureString`, `secureBytes`, declared as `int32 = Int32;` in `td_api.tl` and
/// `e2e_api.tl`), or `name` itself. TDLib stores `int53` as a 64-bit `long`.
pub fn primitive_alias(name: &str) -> &str {
    match name {
        "int32" => "int",
        "int53" | "int64" => "long",
        "secureString" => "string",
        "secureBytes" => "bytes",
        _ => name,
    }
}

/// Boxed types the generator maps to Rust primitives instead of enums.
const PRIMITIVE_BOXED: &[&str] = &["Bool", "Vector"];

/// What a param's type resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `#`: a plain 32-bit nat.
    Nat,
    /// `int`.
    Int,
    /// `long`.
    Long,
    /// `double`.
    Double,
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
    /// `int128`.
    Int128,
    /// `int256`.
    Int256,
    /// `int512` (TDLib's e2e schema).
    Int512,
    /// Boxed `Bool`.
    Bool,
    /// `true` (zero bytes; as a flag, a `bool`).
    True,
    /// `Vector<T>` (boxed, with the vector id) or `vector<T>` / `%Vector<T>` (bare).
    Vector {
        /// Written with the vector id.
        boxed: bool,
        /// Element type.
        elem: Box<Ty>,
    },
    /// A boxed user type, by index into [`TypeGraph::types`].
    Boxed(usize),
    /// A bare constructor (`%T` of a one-constructor type, or a lowercase constructor name), by
    /// index into [`TypeGraph::constructors`].
    Bare(usize),
    /// `Object`: any boxed object.
    Object,
    /// `!X` / `X` for a `{X:Type}` generic param: any function call (or object).
    Generic(String),
}

/// A boxed type and its constructors.
#[derive(Debug, Clone)]
pub struct BoxedType {
    /// The TL name (`messages.Messages`).
    pub name: String,
    /// Indices into [`TypeGraph::constructors`], in schema order.
    pub constructors: Vec<usize>,
    /// The `@description` of its td_api-style `//@class` doc comment, if a schema has one.
    pub description: Option<String>,
}

/// An index of a (multi-file) schema for code generation.
#[derive(Debug, Clone)]
pub struct TypeGraph<'s> {
    /// Constructors, deduplicated by name (first wins), builtins left out.
    pub constructors: Vec<&'s Definition<'s>>,
    /// Functions, deduplicated by name.
    pub functions: Vec<&'s Definition<'s>>,
    /// Boxed types in order of first appearance.
    pub types: Vec<BoxedType>,
    /// Definitions left out because an earlier one (in the same schema or an earlier one) has
    /// the same name but another id, as `(left out, kept)`: secret-chat layers and a newer
    /// schema given after an older one do this.
    pub shadowed: Vec<(&'s Definition<'s>, &'s Definition<'s>)>,
    /// Definitions left out because they repeat parameters (`[ t ]`, `N*[ t ]`), which
    /// generated types do not model: only the builtins (`int128 4*[ int ]`) use repetitions in
    /// Telegram's schemas, and those are Rust types.
    pub repeating: Vec<&'s Definition<'s>>,
    type_index: HashMap<String, usize>,
    ctor_index: HashMap<String, usize>,
    /// Constructors by [`loose_name`], for old layers that spell a bare reference differently
    /// from the constructor (`vector<futureSalt>` for `future_salt`).
    ctor_loose: HashMap<String, usize>,
    fn_index: HashMap<String, usize>,
}

/// A subset of the graph to generate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Constructor indices.
    pub constructors: BTreeSet<usize>,
    /// Function indices.
    pub functions: BTreeSet<usize>,
    /// Boxed type indices.
    pub types: BTreeSet<usize>,
}

impl Selection {
    /// The selected constructors, then the selected functions, of `graph`.
    pub fn definitions<'g, 's>(
        &'g self,
        graph: &'g TypeGraph<'s>,
    ) -> impl Iterator<Item = &'s Definition<'s>> + 'g {
        let constructors = self.constructors.iter().map(|&c| graph.constructors[c]);
        constructors.chain(self.functions.iter().map(|&f| graph.functions[f]))
    }
}

impl<'s> TypeGraph<'s> {
    /// Indexes `schemas` in order.
    pub fn new<'a: 's>(schemas: impl IntoIterator<Item = &'s Schema<'a>>) -> TypeGraph<'s> {
        let mut g = TypeGraph {
            constructors: Vec::new(),
            functions: Vec::new(),
            types: Vec::new(),
            shadowed: Vec::new(),
            repeating: Vec::new(),
            type_index: HashMap::new(),
            ctor_index: HashMap::new(),
            ctor_loose: HashMap::new(),
            fn_index: HashMap::new(),
        };
        let schemas: Vec<&'s Schema<'a>> = schemas.into_iter().collect();
        for schema in &schemas {
            for def in &schema.definitions {
                let def: &'s Definition<'s> = def;
                if is_builtin_def(def) {
                    continue;
                }
                if def.params.iter().any(has_repeat) {
                    g.repeating.push(def);
                    continue;
                }
                match def.category {
                    Category::Type => {
                        if let Some(&kept) = g.ctor_index.get(def.name.as_ref()) {
                            let kept = g.constructors[kept];
                            if kept.id != def.id {
                                g.shadowed.push((def, kept));
                            }
                            continue;
                        }
                        let ci = g.constructors.len();
                        g.ctor_index.insert(def.name.to_string(), ci);
                        g.ctor_loose.entry(loose_name(&def.name)).or_insert(ci);
                        g.constructors.push(def);
                        let tname = def.ty.name.to_string();
                        let ti = match g.type_index.get(&tname) {
                            Some(&ti) => ti,
                            None => {
                                g.type_index.insert(tname.clone(), g.types.len());
                                g.types.push(BoxedType {
                                    name: tname,
                                    constructors: Vec::new(),
                                    description: None,
                                });
                                g.types.len() - 1
                            }
                        };
                        g.types[ti].constructors.push(ci);
                    }
                    Category::Function => {
                        if let Some(&kept) = g.fn_index.get(def.name.as_ref()) {
                            let kept = g.functions[kept];
                            if kept.id != def.id {
                                g.shadowed.push((def, kept));
                            }
                            continue;
                        }
                        g.fn_index.insert(def.name.to_string(), g.functions.len());
                        g.functions.push(def);
                    }
                }
            }
        }
        for td in schemas.iter().flat_map(|s| &s.type_docs) {
            if let (Some(&ti), Some(text)) = (g.type_index.get(td.name.as_ref()), td.doc.get("description")) {
                g.types[ti].description.get_or_insert_with(|| text.to_string());
            }
        }
        g
    }

    /// The boxed type named `name`.
    pub fn type_named(&self, name: &str) -> Option<usize> {
        self.type_index.get(name).copied()
    }

    /// The constructor named `name` (or, failing that, spelled like it: see [`loose_name`]).
    pub fn constructor_named(&self, name: &str) -> Option<usize> {
        self.ctor_index.get(name).or_else(|| self.ctor_loose.get(&loose_name(name))).copied()
    }

    /// The function named `name`.
    pub fn function_named(&self, name: &str) -> Option<usize> {
        self.fn_index.get(name).copied()
    }

    /// True for `Bool`, which maps to `bool` rather than an enum.
    pub fn is_primitive_type(&self, ti: usize) -> bool {
        PRIMITIVE_BOXED.contains(&self.types[ti].name.as_str())
    }

    /// Resolves a type reference inside `def`.
    pub fn resolve(&self, ty: &TypeRef<'_>, def: &Definition<'_>) -> Result<Ty, String> {
        let name = primitive_alias(ty.name.as_ref());
        Ok(match name {
            "#" => Ty::Nat,
            "int" => Ty::Int,
            "long" => Ty::Long,
            "double" => Ty::Double,
            "string" => Ty::String,
            "bytes" => Ty::Bytes,
            "int128" => Ty::Int128,
            "int256" => Ty::Int256,
            "int512" => Ty::Int512,
            "true" => Ty::True,
            "Bool" if !ty.percent => Ty::Bool,
            "Vector" | "vector" => {
                let elem = ty.args.first().ok_or_else(|| format!("`{name}` without an element type"))?;
                Ty::Vector {
                    boxed: name == "Vector" && !ty.percent,
                    elem: Box::new(self.resolve(elem, def)?),
                }
            }
            _ if is_any_object(name, || {
                self.type_named(name).is_some() || self.constructor_named(name).is_some()
            }) =>
            {
                Ty::Object
            }
            _ if ty.bang || generic_names(def).iter().any(|g| g == name) => Ty::Generic(name.to_string()),
            _ if ty.is_bare() => {
                if ty.percent {
                    if let Some(ti) = self.type_named(name) {
                        if let [only] = self.types[ti].constructors[..] {
                            return Ok(Ty::Bare(only));
                        }
                        return Err(format!("`%{name}` names a type with more than one constructor"));
                    }
                }
                let known = self.constructors.iter().map(|d| d.name.as_ref());
                Ty::Bare(self.constructor_named(name).ok_or_else(|| {
                    self.left_out_note(unknown("constructor", name, known), |d| d.name == name)
                })?)
            }
            _ => {
                let known = self.types.iter().map(|t| t.name.as_str());
                Ty::Boxed(self.type_named(name).ok_or_else(|| {
                    builtin_note(
                        self.left_out_note(unknown("type", name, known), |d| d.ty.name == name),
                        name,
                    )
                })?)
            }
        })
    }

    /// `message` about an unknown name, plus why, when a definition the schemas do give for it
    /// (`defines` says which) was left out: for repeating parameters, or for the name of one
    /// given before it.
    fn left_out_note(&self, message: String, defines: impl Fn(&Definition<'_>) -> bool) -> String {
        if let Some(d) = self.repeating.iter().find(|d| defines(d)) {
            return format!(
                "{message}: `{}` defines it, but repeats parameters (`[ … ]`), which generated types do \
                 not model",
                d.name
            );
        }
        if let Some((d, kept)) = self.shadowed.iter().find(|(d, _)| defines(d)) {
            return format!(
                "{message}: `{}#{:08x}` defines it, but is left out: `{}#{:08x}`, given before it, has \
                 the same name",
                d.name, d.id, kept.name, kept.id
            );
        }
        message
    }

    /// True when `def` is a function whose result is a plain boxed type that no schema defines
    /// (`http_wait … = HttpWait` in the official JSON of mtproto.tl lists `http_wait` among
    /// the methods, and nothing constructs `HttpWait`). Its answer can only be kept undecoded.
    pub fn result_undefined(&self, def: &Definition<'_>) -> bool {
        let ty = &def.ty;
        def.category == Category::Function
            && !ty.bang
            && ty.args.is_empty()
            && !ty.is_bare()
            && self.resolve(ty, def).is_err()
            && self.type_named(ty.name.as_ref()).is_none()
    }

    /// The result type of function `def`: [`Ty::Object`] (the answer undecoded) when
    /// [`TypeGraph::result_undefined`].
    pub fn resolve_result(&self, def: &Definition<'_>) -> Result<Ty, String> {
        if self.result_undefined(def) {
            return Ok(Ty::Object);
        }
        self.resolve(&def.ty, def)
    }

    /// Every constructor, function and boxed type name, in that order.
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        let defs = self.constructors.iter().chain(&self.functions).map(|d| d.name.as_ref());
        defs.chain(self.types.iter().map(|t| t.name.as_str()))
    }

    /// "`name` is not a constructor, function or type of the schema", with the names it may
    /// have meant.
    pub fn not_in_schema(&self, name: &str) -> String {
        let near = tl_parser::near_names(name, self.all_names());
        format!("`{name}` is not a constructor, function or type of the schema{}", did_you_mean(&near))
    }

    /// `names` with each pattern holding a `*` (any run of characters, dots included:
    /// `messages.*`, `*Photo*`) replaced by every constructor, function and boxed type name it
    /// matches. A pattern that matches nothing is an error, as an unknown name is.
    pub fn expand_patterns<'n>(&'n self, names: &'n [String]) -> Result<Vec<&'n str>, String> {
        let mut out = Vec::new();
        for name in names {
            if !name.contains('*') {
                out.push(name.as_str());
                continue;
            }
            let before = out.len();
            out.extend(self.all_names().filter(|n| wildcard_match(name, n)));
            if out.len() == before {
                return Err(format!("`{name}` matches no constructor, function or type of the schema"));
            }
        }
        Ok(out)
    }

    /// Everything `names` (constructors, functions or boxed types) reach through their params
    /// (and, for functions, their return types). Unknown names are an error.
    pub fn reachable(&self, names: &[&str]) -> Result<Selection, String> {
        let mut sel = Selection::default();
        let mut work: Vec<(Category, usize)> = Vec::new();
        for &name in names {
            let mut found = false;
            if let Some(ci) = self.constructor_named(name) {
                work.push((Category::Type, ci));
                found = true;
            }
            if let Some(fi) = self.function_named(name) {
                work.push((Category::Function, fi));
                found = true;
            }
            if let Some(ti) = self.type_named(name) {
                sel.types.insert(ti);
                work.extend(self.types[ti].constructors.iter().map(|&c| (Category::Type, c)));
                found = true;
            }
            if !found {
                return Err(self.not_in_schema(name));
            }
        }
        while let Some((cat, i)) = work.pop() {
            let def = match cat {
                Category::Type => {
                    if !sel.constructors.insert(i) {
                        continue;
                    }
                    let def = self.constructors[i];
                    // A constructor named or reached bare needs its type's alias only when it
                    // is the type's one constructor; an enum would need every sibling, which
                    // only a boxed reference (see `visit`) asks for.
                    if let Some(ti) = self.type_named(&def.ty.name) {
                        if self.types[ti].constructors.len() == 1 {
                            sel.types.insert(ti);
                        }
                    }
                    def
                }
                Category::Function => {
                    if !sel.functions.insert(i) {
                        continue;
                    }
                    self.functions[i]
                }
            };
            let mut refs: Vec<&TypeRef<'_>> = Vec::new();
            for p in &def.params {
                if let ParamKind::Typed { ty, .. } = &p.kind {
                    refs.push(ty);
                }
            }
            if cat == Category::Function {
                refs.push(&def.ty);
            }
            for r in refs {
                let Ok(ty) = self.resolve(r, def) else { continue };
                self.visit(&ty, &mut sel, &mut work);
            }
        }
        Ok(sel)
    }

    fn visit(&self, ty: &Ty, sel: &mut Selection, work: &mut Vec<(Category, usize)>) {
        match ty {
            Ty::Vector { elem, .. } => self.visit(elem, sel, work),
            Ty::Boxed(ti) if sel.types.insert(*ti) => {
                work.extend(self.types[*ti].constructors.iter().map(|&c| (Category::Type, c)));
            }
            Ty::Bare(ci) => work.push((Category::Type, *ci)),
            _ => {}
        }
    }

    /// Everything.
    pub fn everything(&self) -> Selection {
        Selection {
            constructors: (0..self.constructors.len()).collect(),
            functions: (0..self.functions.len()).collect(),
            types: (0..self.types.len()).collect(),
        }
    }

    /// The constructors to keep behind a `Box` wherever they are held (as an enum variant, or
    /// as the field type of a one-constructor type): those whose struct is larger than
    /// `max_inline` bytes (estimated for 64-bit targets), and those that contain their own
    /// type without indirection (recursive types would otherwise have infinite size).
    pub fn boxed_variants(&self, max_inline: usize) -> HashSet<usize> {
        let mut boxed = self.recursive();
        // Then size; sizes depend on which variants are boxed, so iterate to a fixpoint.
        loop {
            let mut memo = HashMap::new();
            let before = boxed.len();
            for ci in 0..self.constructors.len() {
                if !boxed.contains(&ci) && self.struct_size(ci, &boxed, &mut memo) > max_inline {
                    boxed.insert(ci);
                }
            }
            if boxed.len() == before {
                return boxed;
            }
        }
    }

    /// The constructors that contain themselves through inline fields (not behind a `Vec`):
    /// they must be boxed wherever they are held.
    pub fn recursive(&self) -> HashSet<usize> {
        (0..self.constructors.len()).filter(|&ci| self.reaches_inline(ci, ci, &mut HashSet::new())).collect()
    }

    /// The constructors that can contain themselves through any nesting (vectors included):
    /// only their decoders can recurse, so only they need the reader's depth limit. Every
    /// other chain of nested decoders is as deep as the schema, whatever the input.
    pub fn self_nesting(&self) -> HashSet<usize> {
        let n = self.constructors.len();
        let succ: Vec<Vec<usize>> = (0..n).map(|ci| self.nested_constructors(ci)).collect();
        // Kosaraju, iterative: finishing order on the graph, then components on its reverse.
        let mut order = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        for root in 0..n {
            if seen[root] {
                continue;
            }
            seen[root] = true;
            let mut stack = vec![(root, 0usize)];
            while let Some((v, i)) = stack.pop() {
                if let Some(&w) = succ[v].get(i) {
                    stack.push((v, i + 1));
                    if !seen[w] {
                        seen[w] = true;
                        stack.push((w, 0));
                    }
                } else {
                    order.push(v);
                }
            }
        }
        let mut pred = vec![Vec::new(); n];
        for (v, ws) in succ.iter().enumerate() {
            for &w in ws {
                pred[w].push(v);
            }
        }
        let mut component = vec![usize::MAX; n];
        let mut out = HashSet::new();
        for &root in order.iter().rev() {
            if component[root] != usize::MAX {
                continue;
            }
            let mut members = vec![root];
            component[root] = root;
            let mut i = 0;
            while let Some(&v) = members.get(i) {
                i += 1;
                for &w in &pred[v] {
                    if component[w] == usize::MAX {
                        component[w] = root;
                        members.push(w);
                    }
                }
            }
            if members.len() > 1 || succ[root].contains(&root) {
                out.extend(members);
            }
        }
        out
    }

    /// The constructors whose decoders constructor `ci`'s decoder calls (through vectors,
    /// options and boxed types).
    fn nested_constructors(&self, ci: usize) -> Vec<usize> {
        let def = self.constructors[ci];
        let mut out = Vec::new();
        for p in &def.params {
            if let ParamKind::Typed { ty, .. } = &p.kind {
                if let Ok(ty) = self.resolve(ty, def) {
                    self.constructors_in(&ty, true, &mut out);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The constructors whose values can hold a value of a type `leaf` accepts: in a field, a
    /// vector's elements, or (transitively) a constructor of a field's type. A derive that a
    /// leaf type lacks (`Eq` and `Hash` of `f64`) cannot be derived on them.
    pub fn constructors_holding(&self, leaf: impl Fn(&Ty) -> bool) -> HashSet<usize> {
        let n = self.constructors.len();
        let none = HashSet::new();
        let mut holding: HashSet<usize> =
            (0..n).filter(|&ci| self.holds(self.constructors[ci], &leaf, &none)).collect();
        // Whoever nests a holder holds too: walk the nesting edges backwards from the holders.
        let mut users = vec![Vec::new(); n];
        for ci in 0..n {
            for nested in self.nested_constructors(ci) {
                users[nested].push(ci);
            }
        }
        let mut work: Vec<usize> = holding.iter().copied().collect();
        while let Some(ci) = work.pop() {
            for &user in &users[ci] {
                if holding.insert(user) {
                    work.push(user);
                }
            }
        }
        holding
    }

    /// Whether a value of `def` (a constructor or a function) can hold a value of a type `leaf`
    /// accepts: in a field or a vector's elements, or through a constructor in `holding`
    /// ([`TypeGraph::constructors_holding`]).
    pub fn holds(&self, def: &Definition<'_>, leaf: &impl Fn(&Ty) -> bool, holding: &HashSet<usize>) -> bool {
        fn direct(ty: &Ty, leaf: &dyn Fn(&Ty) -> bool) -> bool {
            match ty {
                Ty::Vector { elem, .. } => direct(elem, leaf),
                ty => leaf(ty),
            }
        }
        def.params.iter().any(|p| {
            let ParamKind::Typed { ty, .. } = &p.kind else { return false };
            let Ok(ty) = self.resolve(ty, def) else { return false };
            if direct(&ty, leaf) {
                return true;
            }
            let mut nested = Vec::new();
            self.constructors_in(&ty, true, &mut nested);
            nested.iter().any(|c| holding.contains(c))
        })
    }

    /// The constructors a value of type `ty` can be: a boxed type's, a bare one, and with
    /// `through_vectors` those of a vector's elements.
    fn constructors_in(&self, ty: &Ty, through_vectors: bool, out: &mut Vec<usize>) {
        match ty {
            Ty::Vector { elem, .. } if through_vectors => self.constructors_in(elem, true, out),
            Ty::Boxed(ti) if !self.is_primitive_type(*ti) => out.extend(&self.types[*ti].constructors),
            Ty::Bare(ci) => out.push(*ci),
            _ => {}
        }
    }

    /// True when constructor `from` contains `target` inline (not behind a `Vec` or `Box`).
    fn reaches_inline(&self, from: usize, target: usize, seen: &mut HashSet<usize>) -> bool {
        let def = self.constructors[from];
        for p in &def.params {
            let ParamKind::Typed { ty, .. } = &p.kind else { continue };
            let Ok(ty) = self.resolve(ty, def) else { continue };
            let mut next = Vec::new();
            self.constructors_in(&ty, false, &mut next);
            for ci in next {
                if ci == target {
                    return true;
                }
                if seen.insert(ci) && self.reaches_inline(ci, target, seen) {
                    return true;
                }
            }
        }
        false
    }

    /// Estimated `size_of` of a constructor's struct (borrowed mode, 64-bit).
    pub fn struct_size(&self, ci: usize, boxed: &HashSet<usize>, memo: &mut HashMap<usize, usize>) -> usize {
        if let Some(&s) = memo.get(&ci) {
            return s;
        }
        memo.insert(ci, 8); // provisional, breaks cycles
        let def = self.constructors[ci];
        let mut size = 0usize;
        let mut align = 1usize;
        for p in &def.params {
            let ParamKind::Typed { ty, flag } = &p.kind else { continue };
            let Ok(ty) = self.resolve(ty, def) else { continue };
            let (s, a) = self.field_size(&ty, flag.is_some(), boxed, memo);
            size = size.next_multiple_of(a) + s;
            align = align.max(a);
        }
        let size = size.next_multiple_of(align);
        memo.insert(ci, size);
        size
    }

    fn field_size(
        &self,
        ty: &Ty,
        optional: bool,
        boxed: &HashSet<usize>,
        memo: &mut HashMap<usize, usize>,
    ) -> (usize, usize) {
        // (size, align, has a niche so that Option costs nothing)
        let (s, a, niche) = match ty {
            Ty::True | Ty::Bool => (1, 1, true),
            Ty::Nat | Ty::Int => (4, 4, false),
            Ty::Long | Ty::Double => (8, 8, false),
            Ty::Int128 => (16, 1, false),
            Ty::Int256 => (32, 1, false),
            Ty::Int512 => (64, 1, false),
            Ty::String | Ty::Bytes | Ty::Object => (16, 8, true),
            Ty::Vector { .. } => (24, 8, true),
            Ty::Generic(_) => (8, 8, true),
            Ty::Boxed(ti) => {
                let ctors = &self.types[*ti].constructors;
                let max = ctors
                    .iter()
                    .map(|&c| if boxed.contains(&c) { 8 } else { self.struct_size(c, boxed, memo) })
                    .max()
                    .unwrap_or(0);
                if ctors.len() == 1 {
                    (max, 8, ctors.iter().any(|c| boxed.contains(c)))
                } else {
                    (max + 8, 8, true)
                }
            }
            Ty::Bare(ci) if boxed.contains(ci) => (8, 8, true),
            Ty::Bare(ci) => (self.struct_size(*ci, boxed, memo), 8, false),
        };
        if optional && !matches!(ty, Ty::True) && !niche {
            (s + a.max(1), a)
        } else {
            (s, a)
        }
    }
}

/// A name with case and underscores ignored: `futureSalt` and `future_salt` are the same.
pub fn loose_name(name: &str) -> String {
    name.chars().filter(|&c| c != '_').map(|c| c.to_ascii_lowercase()).collect()
}

/// The `{X:Type}` generic params of `def`, plus those old layers imply by `query:!X` alone.
pub fn generic_names(def: &Definition<'_>) -> Vec<String> {
    let mut out: Vec<String> = def.generics.iter().map(|g| g.name.to_string()).collect();
    for p in &def.params {
        if let ParamKind::Typed { ty, .. } = &p.kind {
            if ty.bang && !out.iter().any(|g| *g == ty.name) {
                out.push(ty.name.to_string());
            }
        }
    }
    out
}

fn has_repeat(p: &tl_parser::Param<'_>) -> bool {
    matches!(p.kind, ParamKind::Repeat { .. })
}

/// The two params of a sized object: `bytes:int body:Object` (MTProto's `message`, whose
/// body is exactly `bytes` bytes long).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizedPart {
    /// The `bytes:int` length.
    Length,
    /// The `Object` after it.
    Body,
}

/// What a `#` param that flag fields refer to is: whether its value is data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// A flags word (Telegram's `flags`, `flags2`): only the bits of its fields, so it is
    /// computed from them when encoding and has no field or JSON key of its own.
    Flags,
    /// A mode word (TON's `mode`): bits that no field uses mean something too (lookupBlock's
    /// bit 0, "by seqno"), so its value is data, a `u32` field and a JSON number. Encoding
    /// writes the bits that fields govern from those fields and the rest from the value.
    Mode,
}

/// The rule for [`Word`], shared by the generator and the dynamic codec: a word named `flags`
/// or `flags` followed by digits is a flags word, as Telegram names every one; any other name
/// is a mode word. Telegram's bindings stay as they were, and a schema that gives meaning to
/// bits without fields keeps them.
pub fn word_kind(name: &str) -> Word {
    match name.strip_prefix("flags") {
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => Word::Flags,
        _ => Word::Mode,
    }
}

/// [`word_kind`] for a word of the definition named `def_name`, where the definitions that
/// `mode_words` names (patterns: `*` matches any run of characters) keep every word as data,
/// one named `flags` too: a schema that gives meaning to bits of a `flags` word that no field
/// uses (TON's `adnl.proxyPacketHeader`: bit 16, outbound; 17, control) must not lose them.
pub fn word_kind_of(def_name: &str, word: &str, mode_words: &[String]) -> Word {
    if mode_words.iter().any(|pattern| wildcard_match(pattern, def_name)) {
        Word::Mode
    } else {
        word_kind(word)
    }
}

/// Checks the `mode_words` patterns of [`word_kind_of`] against the constructors and functions
/// `defs`: each must name at least one whose flags words it turns into data (a `#` word named
/// `flags`, or `flags` and digits, that fields use). Anything else would do nothing, silently,
/// and the bits the user meant to keep would be lost: a type's name, a typo, an empty name.
pub fn check_mode_words<'d, 'a: 'd>(defs: &[&'d Definition<'a>], patterns: &[String]) -> Result<(), String> {
    for pattern in patterns {
        if pattern.trim().is_empty() {
            return Err("--mode-words: an empty name (two commas, or a trailing one?)".to_owned());
        }
        let matched: Vec<&Definition<'_>> =
            defs.iter().copied().filter(|d| wildcard_match(pattern, &d.name)).collect();
        let changed = matched.iter().any(|d| flags_words(d).into_iter().any(|w| word_kind(w) == Word::Flags));
        if changed {
            continue;
        }
        let of_type: Vec<&str> = defs
            .iter()
            .filter(|d| d.category == Category::Type && wildcard_match(pattern, &d.ty.name))
            .map(|d| d.name.as_ref())
            .collect();
        return Err(if !matched.is_empty() {
            format!(
                "--mode-words: `{pattern}` names no constructor or function with a `flags` word \
                 (their `#` words are data already)"
            )
        } else if !of_type.is_empty() {
            format!(
                "--mode-words: `{pattern}` is a type; name its constructors: {}",
                of_type.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            )
        } else {
            let near = tl_parser::near_names(pattern, defs.iter().map(|d| d.name.as_ref()));
            format!(
                "--mode-words: `{pattern}` matches no constructor or function of the schema{}",
                did_you_mean(&near)
            )
        });
    }
    Ok(())
}

/// The names of the `#` params of `def` that other params use as flags words or mode words
/// (`flags`, `flags2`, TON's `mode`; [`word_kind`] tells which).
pub fn flags_words<'d>(def: &'d Definition<'_>) -> HashSet<&'d str> {
    def.params
        .iter()
        .filter_map(|p| match &p.kind {
            ParamKind::Typed { flag: Some(f), .. } => Some(f.field.as_ref()),
            _ => None,
        })
        .collect()
}

/// Whether param `index` of `def` is the length or the body of a sized object: an `Object`
/// (not optional) right after a non-optional `int` named `bytes`.
pub fn sized_object_part(def: &Definition<'_>, index: usize) -> Option<SizedPart> {
    let typed = |i: usize| match def.params.get(i).map(|p| (&p.kind, p.name.as_deref())) {
        Some((ParamKind::Typed { ty, flag: None }, name)) => Some((ty.name.as_ref(), name)),
        _ => None,
    };
    let is_length = |i: usize| typed(i) == Some(("int", Some("bytes")));
    let is_object = |i: usize| typed(i).is_some_and(|(t, _)| t == "Object");
    if is_length(index) && is_object(index + 1) {
        Some(SizedPart::Length)
    } else if index > 0 && is_object(index) && is_length(index - 1) {
        Some(SizedPart::Body)
    } else {
        None
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters (none
/// included) and everything else for itself.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let mut parts: Vec<&str> = parts.collect();
    // Without a `*` the pattern is the whole text; with one, the last part ends it.
    let Some(last) = parts.pop() else { return rest.is_empty() };
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// `message` about the unknown boxed type `name`, with a note when `name` is the boxed form of a
/// built-in (`String` for `string = String`): built-ins are Rust types, with no boxed form.
fn builtin_note(message: String, name: &str) -> String {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return message };
    let bare: String = first.to_lowercase().chain(chars).collect();
    if bare != name && BUILTIN_NAMES.contains(&bare.as_str()) {
        format!(
            "{message}: `{bare}` is a built-in, generated as a Rust type with no boxed form: write `{bare}`"
        )
    } else {
        message
    }
}

/// "unknown type `X`", with the names in `known` it may have meant
/// ([`tl_parser::near_names`]).
fn unknown<'k>(what: &str, name: &str, known: impl Iterator<Item = &'k str>) -> String {
    format!("unknown {what} `{name}`{}", did_you_mean(&tl_parser::near_names(name, known)))
}

/// `` `a`, `b` and `c` ``: names quoted for a message or a doc, the last joined with "and".
#[cfg(any(feature = "generator", feature = "dynamic"))]
pub(crate) fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

/// ` (did you mean `x`?)` for the names in `near` (one of several), or nothing: the end of an
/// error message about an unknown name.
pub fn did_you_mean(near: &[&str]) -> String {
    match near {
        [] => String::new(),
        [one] => format!(" (did you mean `{one}`?)"),
        many => format!(" (did you mean one of `{}`?)", many.join("`, `")),
    }
}

#[cfg(test)]
mod tests {
    use super::{check_mode_words, wildcard_match, word_kind, Word};

    #[test]
    fn mode_words_must_keep_some_flags_word() {
        let parsed = tl_parser::parse(
            "int ? = Int;\nadnl.proxyPacketHeader flags:# ip:flags.0?int = adnl.ProxyPacketHeader;\n\
             lookup mode:# lt:mode.1?int = Lookup;\nplain x:int = Plain;\n",
        );
        let defs: Vec<_> = parsed.schema.definitions.iter().collect();
        let check = |names: &[&str]| {
            check_mode_words(&defs, &names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(check(&["adnl.proxyPacketHeader"]), Ok(()));
        assert_eq!(check(&["adnl.*", "*"]), Ok(()));
        assert_eq!(check(&[]), Ok(()));
        let err = |names: &[&str]| check(names).unwrap_err();
        assert_eq!(
            err(&["adnl.ProxyPacketHeader"]),
            "--mode-words: `adnl.ProxyPacketHeader` is a type; name its constructors: `adnl.proxyPacketHeader`"
        );
        assert_eq!(
            err(&["adnl.proxyPacketHeadr"]),
            "--mode-words: `adnl.proxyPacketHeadr` matches no constructor or function of the schema \
             (did you mean `adnl.proxyPacketHeader`?)"
        );
        assert!(err(&["adnl.proxyPacketHeader", " "]).contains("an empty name"));
        // A mode word is data already, and `plain` has no word: naming them would do nothing.
        for name in ["lookup", "plain", "l*"] {
            assert!(err(&[name]).contains("names no constructor or function with a `flags` word"), "{name}");
        }
    }

    #[test]
    fn flags_words_are_named_flags() {
        for name in ["flags", "flags2", "flags10"] {
            assert_eq!(word_kind(name), Word::Flags, "{name}");
        }
        for name in ["mode", "flags_", "flagsx", "Flags", "fields", "f"] {
            assert_eq!(word_kind(name), Word::Mode, "{name}");
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("messages.*", "messages.sendMessage"));
        assert!(!wildcard_match("messages.*", "message"));
        assert!(wildcard_match("*Photo*", "inputPhotoEmpty"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "abc"));
        assert!(wildcard_match("a*b*c", "axxbyyc"));
        assert!(!wildcard_match("a*b*c", "axxbyy"));
        assert!(!wildcard_match("ab*ba", "aba"));
        assert!(wildcard_match("ab*ba", "abba"));
        assert!(wildcard_match("exact", "exact"));
        assert!(!wildcard_match("exact", "exactly"));
    }
}
