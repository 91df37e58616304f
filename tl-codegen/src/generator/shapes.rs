//! Schema shapes that `tl check` accepts but generated Rust cannot express, refused before any
//! code is written, each with what and where: a schema either generates code that compiles or
//! is told why not. (An adversarial sweep of `tl gen` found each of these compiling to errors.)

use super::Options;
use crate::graph::{generic_names, Selection, Ty, TypeGraph};
use crate::ident;
use tl_parser::{Definition, ParamKind, TypeRef};

/// Rust names a type parameter of a generated function must not take: the generated code
/// names these types itself (`Option<T>` for an optional field, `u32` for a flags word).
const TAKEN_BY_GENERATED_CODE: [&str; 22] = [
    "Option", "Vec", "Box", "Result", "String", "Self", "Some", "None", "Ok", "Err", "bool", "char", "str",
    "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "f64",
];

/// Refuses what the selection holds that generated code cannot express.
pub(super) fn check(graph: &TypeGraph<'_>, options: &Options, sel: &Selection) -> Result<(), String> {
    for &ci in &sel.constructors {
        let def = graph.constructors[ci];
        let generics = generic_names(def);
        let what = if !generics.is_empty() {
            format!("with type parameters (`{}`)", generics.join("`, `"))
        } else if !def.ty.args.is_empty() {
            format!("of a type with arguments (`{}`)", super::decl::type_text(&def.ty))
        } else {
            continue;
        };
        return Err(format!(
            "{}: a constructor {what} is not generated: only TL's own `vector` is (leave it out \
             with --only)",
            def.name
        ));
    }
    for def in sel.definitions(graph) {
        for p in &def.params {
            let ParamKind::Typed { ty, .. } = &p.kind else { continue };
            if matches!(graph.resolve(ty, def), Ok(Ty::Vector { elem, .. }) if holds_true(&elem)) {
                return Err(format!(
                    "{}: a vector of `true` ({}) is not generated: `true` is written only as a flag",
                    def.name,
                    super::decl::param_note(p).trim()
                ));
            }
        }
    }
    let mut names = None;
    for &fi in &sel.functions {
        let def = graph.functions[fi];
        if !generic_names(def).is_empty() {
            let names = names.get_or_insert_with(|| super::Names::new(graph));
            function(options, def, &names.functions[fi].1)?;
        }
    }
    uninhabited(graph, sel)
}

/// The type parameters of function `def`, generated as the struct `item`: each bound by a
/// parameter, named apart from what the generated code names, and used only as generated code
/// can (`query:!X`, `x:X`).
fn function(options: &Options, def: &Definition<'_>, item: &str) -> Result<(), String> {
    for g in &generic_names(def) {
        let used =
            def.params.iter().any(|p| matches!(&p.kind, ParamKind::Typed { ty, .. } if mentions(ty, g)));
        if !used {
            return Err(format!("{}: type parameter `{g}` is used by no parameter", def.name));
        }
        let rust = ident::ident(g).to_string();
        if rust == item {
            return Err(format!(
                "{}: type parameter `{g}` would have the name of the function's own struct, `{item}`",
                def.name
            ));
        }
        if rust.starts_with("__") || TAKEN_BY_GENERATED_CODE.contains(&rust.as_str()) {
            return Err(format!(
                "{}: type parameter `{g}` would be the Rust type parameter `{rust}`, a name the \
                 generated code uses for something else",
                def.name
            ));
        }
        if def.ty.name != *g && mentions(&def.ty, g) {
            return Err(format!(
                "{}: a result type built from a type parameter (`{}`) is not generated",
                def.name,
                super::decl::type_text(&def.ty)
            ));
        }
        if options.serde {
            for p in &def.params {
                let ParamKind::Typed { ty, flag } = &p.kind else { continue };
                let direct = ty.name == *g && ty.args.is_empty();
                if mentions(ty, g) && (!direct || flag.is_some()) {
                    return Err(format!(
                        "{}: --serde: a type parameter inside a vector or an optional field \
                         ({}) is not supported",
                        def.name,
                        super::decl::param_note(p).trim()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether `ty` is `true` or a vector of it, however deep.
fn holds_true(ty: &Ty) -> bool {
    match ty {
        Ty::True => true,
        Ty::Vector { elem, .. } => holds_true(elem),
        _ => false,
    }
}

/// Whether `ty` is or holds the type parameter `g`.
fn mentions(ty: &TypeRef<'_>, g: &str) -> bool {
    ty.name == g || ty.args.iter().any(|a| mentions(a, g))
}

/// Refuses a selected type no finite value can have: each of its constructors needs, through
/// fields that are always there, a value of a type like it (`node next:Node = Node`). Its
/// generated code would ask the compiler for its smallest size in terms of itself.
fn uninhabited(graph: &TypeGraph<'_>, sel: &Selection) -> Result<(), String> {
    let mut made = vec![false; graph.constructors.len()];
    let inhabited = |made: &[bool], ti: usize| graph.types[ti].constructors.iter().any(|&c| made[c]);
    loop {
        let mut changed = false;
        for (ci, def) in graph.constructors.iter().enumerate() {
            if made[ci] {
                continue;
            }
            let all_there = def.params.iter().all(|p| match &p.kind {
                ParamKind::Typed { ty, flag: None } => match graph.resolve(ty, def) {
                    Ok(Ty::Boxed(ti)) => inhabited(&made, ti),
                    Ok(Ty::Bare(c)) => made[c],
                    // Primitives, vectors (empty), objects, generics; an unresolved type is
                    // refused elsewhere.
                    _ => true,
                },
                _ => true,
            });
            if all_there {
                made[ci] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    if let Some(&ti) = sel.types.iter().find(|&&ti| !inhabited(&made, ti)) {
        return Err(format!(
            "type `{}` can have no value: each of its constructors needs, in a field that is \
             always there, a value that needs one in turn",
            graph.types[ti].name
        ));
    }
    if let Some(&ci) = sel.constructors.iter().find(|&&ci| !made[ci]) {
        let def = graph.constructors[ci];
        return Err(format!(
            "{}: can have no value: a field that is always there needs a value that needs one in turn",
            def.name
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::generator::{Generator, Options};

    fn generate(schema: &str, options: Options) -> Result<(), String> {
        let parsed = tl_parser::parse(schema);
        assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
        let schemas = [parsed.schema];
        Generator::new(&schemas, options).generate().map(drop)
    }

    #[test]
    fn shapes_generated_code_cannot_express_are_refused_with_what_and_where() {
        let serde = || Options { serde: true, ..Options::default() };
        for (schema, options, says) in [
            (
                "wrap {t:Type} value:t = Wrap t;",
                Options::default(),
                "wrap: a constructor with type parameters (`t`)",
            ),
            (
                "pair a:int = Pair int;",
                Options::default(),
                "pair: a constructor of a type with arguments (`Pair<int>`)",
            ),
            ("node next:Node = Node;", Options::default(), "type `Node` can have no value"),
            ("a x:B = A;\nb y:A = B;", Options::default(), "type `A` can have no value"),
            (
                "---functions---\nf {X:Type} x:int = X;",
                Options::default(),
                "f: type parameter `X` is used by no parameter",
            ),
            (
                "---functions---\nf {X:Type} q:!X = Vector<X>;",
                Options::default(),
                "(`Vector<X>`) is not generated",
            ),
            ("---functions---\nx {X:Type} q:!X = X;", Options::default(), "own struct, `X`"),
            ("---functions---\nf {Option:Type} q:!Option = Option;", Options::default(), "`Option`, a name"),
            ("---functions---\nf {__O:Type} q:!__O = __O;", Options::default(), "`__O`, a name"),
            (
                "---functions---\nf {X:Type} v:Vector<X> q:!X = X;",
                serde(),
                "(`v:Vector<X>`) is not supported",
            ),
            (
                "---functions---\nf {X:Type} flags:# q:flags.0?!X = X;",
                serde(),
                "(`q:flags.0?!X`) is not supported",
            ),
        ] {
            let err = generate(schema, options).expect_err(schema);
            assert!(err.contains(says), "{schema}: {err}");
        }
    }

    #[test]
    fn recursive_types_with_a_way_out_and_generics_used_as_generated_code_can_are_generated() {
        for schema in [
            "node next:Node = Node;\nleaf = Node;",
            "a x:B = A;\nb y:A = B;\nb2 = B;",
            "vector#1cb5c415 {t:Type} # [ t ] = Vector t;\ntree kids:Vector<Tree> = Tree;",
            "opt flags:# next:flags.0?Opt = Opt;",
            "---functions---\nf {X:Type} v:Vector<X> q:!X = X;",
            "---functions---\nf {S:Type} q:!S = S;",
        ] {
            generate(schema, Options::default()).expect(schema);
        }
    }
}
