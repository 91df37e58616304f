//! The bindings generator: a parsed schema to a Rust module tree on top of `tl-codec`.
//!
//! Layout of the output (rooted at `mod.rs`, or one file for `include!`):
//! - `LAYER`: the schema's layer;
//! - `types`: a struct per constructor (`types::messages::Messages`);
//! - `enums`: an enum per boxed type with several constructors, one variant per constructor
//!   (large or recursive variants behind a `Box` so the enum stays small), and a type alias to
//!   the struct for boxed types with one constructor;
//! - `functions`: a struct per function, implementing `tl_codec::Function` with its `Return`.
//!
//! Each namespace is a module inside those three. Every item's doc comment is its TL
//! declaration. The codec impls come from [`crate::emit`], the same code the derive uses.

mod boxing;
mod builder;
mod decl;
mod items;
mod names;
mod owned_support;
mod pretty;
mod rust_types;
mod serde_support;
mod shapes;

use crate::graph::{Selection, TypeGraph};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;
use tl_parser::Schema;

pub use builder::{BuildError, Builder};
pub use names::Names;

/// What to generate and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only these constructors, functions or types and everything they reach (`--only`); `*`
    /// in a name matches any run of characters (`messages.*`).
    pub only: Option<Vec<String>>,
    /// Derive `serde::Serialize`/`Deserialize` in the JSON convention of the dynamic codec.
    pub serde: bool,
    /// Owned types (`TlString`, `Vec<u8>`) with no lifetimes instead of borrowed ones.
    pub owned: bool,
    /// The path of the codec crate in the generated code.
    pub codec_path: String,
    /// Extra attributes for generated structs and enums: `(TL name, or "." for every item,
    /// attribute text such as `#[derive(Hash)]`)`.
    pub type_attributes: Vec<(String, String)>,
    /// The standard traits every struct and enum derives (default `Debug`, `Clone`,
    /// `PartialEq`). Each costs compile time and memory over the whole API (the full layer
    /// compiles in ~15% less memory without `Debug` and `PartialEq`); the codec needs none.
    pub derives: Vec<String>,
    /// Enum variants whose struct is larger than this many bytes are boxed (but see
    /// `max_inline_principal`).
    pub max_inline_variant: usize,
    /// A type's principal constructor (named like the type: `message` of `Message`) stays
    /// inline up to this many bytes: it is most of what answers hold, and a box costs an
    /// allocation per decoded object. `0` boxes it like any other variant.
    pub max_inline_principal: usize,
    /// One file (for `include!`) instead of a `mod.rs` with `types.rs`, `enums.rs`,
    /// `functions.rs` beside it.
    pub single_file: bool,
    /// `From<types::X> for enums::Y` for every variant (`types::InputPeerUser { .. }.into()`
    /// where an `InputPeer` is wanted). Off by default: for the full layer they cost about
    /// 43 MiB of the compiler's peak memory.
    pub conversions: bool,
    /// Definitions (names; `*` matches any run of characters) whose `#` words are all kept
    /// as data, `u32` fields merged with the bits of their fields when encoding, as TON's
    /// `mode` words are, even when named `flags`: for schemas that give meaning to bits no
    /// field uses (TON's `adnl.proxyPacketHeader`). Empty by default: a word named `flags` or
    /// `flagsN` is computed from its fields and has no field of its own. A name that keeps no
    /// `flags` word (a type's name, a typo) makes [`Generator::generate`] fail.
    pub mode_words: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            only: None,
            serde: false,
            owned: false,
            codec_path: "::tl_codec".into(),
            type_attributes: Vec::new(),
            derives: ["Debug", "Clone", "PartialEq"].map(String::from).to_vec(),
            max_inline_variant: 64,
            // A decoded `Message` (the largest principal of the API) fits, at 568 bytes.
            max_inline_principal: 640,
            single_file: false,
            conversions: false,
            mode_words: Vec::new(),
        }
    }
}

/// One generated file: a path relative to the output directory, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// `mod.rs`, `types.rs`, ...
    pub path: String,
    /// Formatted Rust source.
    pub text: String,
}

/// The three item categories, each a top-level module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Module {
    Types,
    Enums,
    Functions,
}

impl Module {
    fn name(self) -> &'static str {
        match self {
            Module::Types => "types",
            Module::Enums => "enums",
            Module::Functions => "functions",
        }
    }
}

/// Generates bindings from one or more parsed schemas.
pub struct Generator<'s> {
    graph: TypeGraph<'s>,
    layer: Option<u32>,
    options: Options,
}

impl<'s> Generator<'s> {
    /// A generator over `schemas` (e.g. `api.tl` and `mtproto.tl`), in order.
    pub fn new<'a: 's>(schemas: &'s [Schema<'a>], options: Options) -> Generator<'s> {
        let layer = schemas.iter().filter_map(|s| s.layer).max();
        Generator { graph: TypeGraph::new(schemas), layer, options }
    }

    /// The type graph the generator works from.
    pub fn graph(&self) -> &TypeGraph<'s> {
        &self.graph
    }

    /// The Rust names of every item, for code that refers to generated items (tests, tools).
    pub fn names(&self) -> Names {
        Names::new(&self.graph)
    }

    /// The selected part of the schema.
    pub fn selection(&self) -> Result<Selection, String> {
        match &self.options.only {
            Some(names) => {
                let names = self.graph.expand_patterns(names)?;
                self.graph.reachable(&names)
            }
            None => Ok(self.graph.everything()),
        }
    }

    /// Why the `only` selection holds `target`: one line per link of the shortest chain of
    /// references from a name in `only` (``messages.sendMessage → Updates: its result type``),
    /// none when `target` is itself named, `None` when nothing named reaches it (and when
    /// `only` is unset, since then everything is generated). Unknown names are an error.
    pub fn why(&self, target: &str) -> Result<Option<Vec<String>>, String> {
        let Some(names) = &self.options.only else { return Ok(None) };
        let roots = self.graph.expand_patterns(names)?;
        let chain = self.graph.why(&roots, target)?;
        Ok(chain.map(|links| links.iter().map(|l| self.graph.describe(l)).collect()))
    }

    /// What the generated code works around rather than rejects, one line each: definitions
    /// left out because one given before has the same name (another id) or because they
    /// repeat parameters (`[ t ]`, which generated types do not model), and functions whose
    /// result type no schema given defines (their `Return` is `RawObject`, the answer
    /// undecoded), as `http_wait` in the official JSON of mtproto.tl.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .graph
            .shadowed
            .iter()
            .map(|(left, kept)| {
                format!(
                    "`{}#{:08x}` is not generated: `{}#{:08x}`, given before it, has the same name",
                    left.name, left.id, kept.name, kept.id
                )
            })
            .collect();
        out.extend(self.graph.repeating.iter().map(|d| {
            format!(
                "`{}#{:08x}` is not generated: it repeats parameters (`[ … ]`), which generated types do not \
                 model",
                d.name, d.id
            )
        }));
        let Ok(sel) = self.selection() else { return out };
        out.extend(
            sel.functions
                .iter()
                .map(|&fi| self.graph.functions[fi])
                .filter(|def| self.graph.result_undefined(def))
                .map(|def| {
                    format!(
                        "`{}`: no schema given defines its result type `{}`; its `Return` is `RawObject` \
                     (the answer undecoded)",
                        def.name, def.ty.name
                    )
                }),
        );
        // A TL object does not carry its length, so generated code reads an `Object` to the end
        // of the input; one with parameters after it cannot be decoded so.
        for def in sel.definitions(&self.graph) {
            for (i, p) in def.params.iter().enumerate().take(def.params.len().saturating_sub(1)) {
                let tl_parser::ParamKind::Typed { ty, flag: None } = &p.kind else { continue };
                if matches!(self.graph.resolve(ty, def), Ok(crate::graph::Ty::Object))
                    && crate::graph::sized_object_part(def, i).is_none()
                {
                    out.push(format!(
                        "`{}`:{} is not its last parameter: generated code reads an `Object` to the \
                         end of the input, so it cannot decode this (the dynamic codec, `tl decode`, can)",
                        def.name,
                        decl::param_note(p)
                    ));
                }
            }
        }
        out
    }

    /// `Default` cannot be derived for the enums of boxed types (no constructor is a natural
    /// default) nor, through them, for most structs: refused here with what to use instead,
    /// rather than as a compile error in every enum of the output.
    fn check_derives(&self) -> Result<(), String> {
        let default = self.options.derives.iter().any(|d| {
            let d = d.trim();
            d == "Default" || d.ends_with("::Default")
        });
        if default {
            return Err("`Default` cannot be derived: a boxed type's enum has no default constructor, nor \
                 has a struct holding one; an item with optional parameters has `new(required \
                 fields)`, which starts the others empty"
                .to_string());
        }
        Ok(())
    }

    /// Each `type_attributes` entry names something of the schema (or is `.`) and is one or
    /// more outer attributes, so that a typo is an error rather than nothing, and an item
    /// cannot be slipped in where an attribute goes.
    fn check_type_attributes(&self) -> Result<(), String> {
        use syn::parse::Parser;
        for (name, attr) in &self.options.type_attributes {
            let g = &self.graph;
            let known = name == "."
                || g.constructor_named(name).is_some()
                || g.function_named(name).is_some()
                || g.type_named(name).is_some();
            if !known {
                return Err(format!(
                    "type attribute for `{name}`: no constructor, function or type of the schema has \
                     that name (`.` is every item)"
                ));
            }
            match syn::Attribute::parse_outer.parse_str(attr) {
                Ok(attrs) if !attrs.is_empty() => {}
                _ => {
                    return Err(format!(
                        "type attribute `{attr}` for `{name}`: expected attributes such as \
                         `#[derive(Hash)]`"
                    ))
                }
            }
        }
        Ok(())
    }

    /// Generates the files.
    pub fn generate(&self) -> Result<Vec<GeneratedFile>, String> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        self.generate_on(cores.min(MAX_THREADS), ITEMS_PER_THREAD)
    }

    /// [`Generator::generate`] on at most `max_threads` threads, each with at least
    /// `per_thread` items.
    fn generate_on(&self, max_threads: usize, per_thread: usize) -> Result<Vec<GeneratedFile>, String> {
        self.check_type_attributes()?;
        self.check_derives()?;
        let defs: Vec<_> = self.graph.constructors.iter().chain(&self.graph.functions).copied().collect();
        crate::graph::check_mode_words(&defs, &self.options.mode_words)?;
        let sel = self.selection()?;
        shapes::check(&self.graph, &self.options, &sel)?;
        let ctx = items::Ctx::new(&self.graph, &self.options, &sel);
        // Each item is formatted as soon as it is made, at the depth it will sit, and the module
        // tree is put together as text: the tokens and syntax tree of a whole layer (hundreds of
        // MB) are never held at once. Per module, per namespace path, the items' text.
        let base = usize::from(self.options.single_file);
        let mut modules: BTreeMap<Module, BTreeMap<Vec<String>, String>> = BTreeMap::new();
        // Items are independent: each thread makes and formats every n-th one with a context of
        // its own (tokens cannot cross threads), and the texts are put back in order.
        let jobs: Vec<(Module, usize)> = (sel.constructors.iter().map(|&i| (Module::Types, i)))
            .chain(sel.types.iter().map(|&i| (Module::Enums, i)))
            .chain(sel.functions.iter().map(|&i| (Module::Functions, i)))
            .collect();
        let threads = max_threads.min(jobs.len().div_ceil(per_thread)).max(1);
        type Made = Result<Option<(Vec<String>, String)>, String>;
        let make = |ctx: &items::Ctx<'_, '_>, first: usize| -> Vec<Made> {
            let one = |&(m, i): &(Module, usize)| -> Made {
                let item = match m {
                    Module::Types => Some(ctx.constructor(i)?),
                    Module::Enums => ctx.boxed_type(i)?,
                    Module::Functions => Some(ctx.function(i)?),
                };
                match item {
                    Some((ns, _)) if ns.len() > MAX_NAMESPACE_DEPTH => Err(format!(
                        "`{}` is in {} nested namespaces; at most {MAX_NAMESPACE_DEPTH} can be generated",
                        ns.join("."),
                        ns.len()
                    )),
                    Some((ns, tokens)) => Ok(Some((ns.clone(), format_at(tokens, base + ns.len())?))),
                    None => Ok(None),
                }
            };
            jobs.iter().skip(first).step_by(threads).map(one).collect()
        };
        let mut shares: Vec<std::vec::IntoIter<Made>> = Vec::with_capacity(threads);
        std::thread::scope(|scope| {
            let others: Vec<_> = (1..threads)
                .map(|t| {
                    let seed = ctx.seed();
                    let make = &make;
                    // As much stack as a main thread has: how deep syn and prettyplease recurse
                    // grows with an item's nesting, which one thread used to meet on the main one.
                    std::thread::Builder::new()
                        .stack_size(THREAD_STACK)
                        .spawn_scoped(scope, move || make(&seed.into_ctx(), t))
                        .expect("failed to spawn a generator thread")
                })
                .collect();
            shares.push(make(&ctx, 0).into_iter());
            for handle in others {
                match handle.join() {
                    Ok(made) => shares.push(made.into_iter()),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        });
        for (k, &(m, _)) in jobs.iter().enumerate() {
            let made = shares[k % threads].next().unwrap_or(Ok(None))?;
            if let Some((ns, text)) = made {
                modules.entry(m).or_default().entry(ns).or_default().push_str(&text);
            }
        }
        // `invokeWithLayer` takes the layer as an `int`.
        let layer = i32::try_from(self.layer.unwrap_or(0)).map_err(|_| {
            format!("LAYER {} does not fit TL's `int`, as invokeWithLayer takes it", self.layer.unwrap_or(0))
        })?;
        let from = match self.layer {
            Some(n) => format!("a TL schema (layer {n})"),
            None => "a TL schema".to_string(),
        };
        let header = format!(
            " Generated by tl-codegen from {from}; do not edit.\n\n Mount with `mod <name>;` in a crate \
             that depends on `tl-codec`."
        );
        // Generated code meets whatever lints the mounting crate turns on: a private `mod api;`
        // uses a fraction of it (dead code), fields carry the TL declaration on their struct
        // rather than docs of their own, and so on.
        let lints = quote!(
            clippy::all,
            clippy::pedantic,
            clippy::nursery,
            non_camel_case_types,
            unused_imports,
            dead_code,
            missing_docs,
            missing_debug_implementations,
            unused_qualifications,
            unreachable_pub,
            rust_2018_idioms
        );
        let allow = quote!(#[allow(#lints)]);
        let mut files = Vec::new();
        let mut root_items = vec![quote! {
            /// The layer of the schema these bindings were generated from (its `// LAYER N`
            /// line; 0 when it has none).
            pub const LAYER: i32 = #layer;
        }];
        if !self.options.owned {
            root_items.push(owned_support::support_items(&ctx.krate));
        }
        if self.options.serde {
            // td_api's additions only where a definition needs them, so other schemas' output
            // stays as it was.
            let graph = ctx.graph;
            let td = graph.constructors.iter().chain(&graph.functions).any(|d| crate::tdjson::concerns(d));
            let support = serde_support::support_module(&ctx.krate, self.options.owned, td);
            let allow = if self.options.single_file { allow.clone() } else { quote!() };
            root_items.push(quote!(#allow pub mod tl_json { #support }));
        }
        // Single file: the modules' bodies stand in as placeholders while the root is formatted.
        let mut bodies = Vec::new();
        for m in [Module::Types, Module::Enums, Module::Functions] {
            let ident = crate::ident::ident(m.name());
            let body = module_text(modules.remove(&m).unwrap_or_default(), &ctx.krate, base)?;
            let doc = match m {
                Module::Types => " One struct per constructor.",
                Module::Enums => " One enum per boxed type (a type alias for one-constructor types).",
                Module::Functions => " One struct per function, with its `Return` type.",
            };
            if self.options.single_file {
                let placeholder = quote::format_ident!("__TL_BODY_{}", m.name().to_uppercase());
                root_items.push(quote!(#[doc = #doc] #allow pub mod #ident { const #placeholder: () = (); }));
                bodies.push((format!("    const {placeholder}: () = ();\n"), body));
            } else {
                // The root's inner `allow` covers it. The doc goes on the `mod` line only (rustdoc
                // would show an inner one too, twice over); the file opens with it as a comment.
                root_items.push(quote!(#[doc = #doc] pub mod #ident;));
                let text = format!("//{doc}\n{body}");
                files.push(GeneratedFile { path: format!("{}.rs", m.name()), text });
            }
        }
        let root = quote!(#![doc = #header] #![allow(#lints)] #(#root_items)*);
        let text = if self.options.single_file {
            // An `include!`d file cannot hold inner attributes: each item gets the allow.
            let items = root_items;
            let mut file = parse_file(quote!(#(#items)*))?;
            // The modules carry the whole list; the few support items need only these.
            let root_allow = quote!(#[allow(
                dead_code,
                unreachable_pub,
                missing_debug_implementations,
                unused_qualifications,
                rust_2018_idioms
            )]);
            for item in &mut file.items {
                allow_on(item, &root_allow);
            }
            let root_text = pretty::unparse(file);
            // Each placeholder is looked for in the root's text after the one before, never in
            // a body spliced in (a doc comment may hold a placeholder's very text).
            let mut text =
                String::with_capacity(root_text.len() + bodies.iter().map(|(_, b)| b.len()).sum::<usize>());
            let mut rest = root_text.as_str();
            for (placeholder, body) in &bodies {
                let Some((before, after)) = rest.split_once(placeholder.as_str()) else {
                    return Err(format!(
                        "internal error: `{}` not found in the root module",
                        placeholder.trim()
                    ));
                };
                text.push_str(before);
                text.push_str(body);
                rest = after;
            }
            text.push_str(rest);
            text
        } else {
            format_tokens(root)?
        };
        let name = if self.options.single_file { "tl_api.rs" } else { "mod.rs" };
        files.insert(0, GeneratedFile { path: name.into(), text });
        Ok(files)
    }
}

/// Nests items by namespace, as text formatted `depth` modules deep: `[]` at the top,
/// `["messages"]` in `pub mod messages`. Each module imports `Vec` and `Box` from the codec
/// crate (a glob, which its own items shadow), so that the bindings compile in `#![no_std]`
/// crates as well.
fn module_text(
    by_ns: BTreeMap<Vec<String>, String>,
    krate: &TokenStream,
    depth: usize,
) -> Result<String, String> {
    let mut out = format_at(quote!(use #krate::__alloc::*;), depth)?;
    let mut nested: BTreeMap<String, BTreeMap<Vec<String>, String>> = BTreeMap::new();
    for (ns, items) in by_ns {
        match ns.split_first() {
            None => out.push_str(&items),
            Some((first, rest)) => {
                nested.entry(first.clone()).or_default().insert(rest.to_vec(), items);
            }
        }
    }
    let indent = "    ".repeat(depth);
    for (name, inner) in nested {
        let ident = crate::ident::ident(&name);
        out.push_str(&format!("{indent}pub mod {ident} {{\n"));
        out.push_str(&module_text(inner, krate, depth + 1)?);
        out.push_str(&format!("{indent}}}\n"));
    }
    Ok(out)
}

/// How deep namespaces may nest (`a.b.c.name` is 3; Telegram's schemas use 1). Formatting
/// and parsing an item recurse once per level, on a stack of [`THREAD_STACK`]: a schema
/// nesting thousands deep would overflow it, which aborts rather than fails.
const MAX_NAMESPACE_DEPTH: usize = 128;
/// At most this many threads make items (the work is CPU-bound and shares little).
const MAX_THREADS: usize = 8;
/// At least this many items per thread: fewer are not worth a thread.
const ITEMS_PER_THREAD: usize = 256;
/// The stack of each thread but the calling one: 8 MiB, a main thread's usual size (spawned
/// threads get 2 MiB by default).
const THREAD_STACK: usize = 8 << 20;

/// `item` as prettyplease formats it `depth` modules deep, where less width is left: wrapped
/// in that many modules, formatted, and unwrapped (their lines open and close the text).
fn format_at(item: TokenStream, depth: usize) -> Result<String, String> {
    let mut tokens = item;
    for _ in 0..depth {
        tokens = quote!(mod __tl_depth { #tokens });
    }
    let text = format_tokens(tokens)?;
    if depth == 0 {
        return Ok(text);
    }
    let lines: Vec<&str> = text.lines().collect();
    let inner = lines.get(depth..lines.len().saturating_sub(depth)).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for line in inner {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

fn format_tokens(tokens: TokenStream) -> Result<String, String> {
    Ok(pretty::unparse(parse_file(tokens)?))
}

fn parse_file(tokens: TokenStream) -> Result<syn::File, String> {
    syn::parse2(tokens).map_err(|e| format!("internal error: generated code does not parse: {e}"))
}

/// Adds the outer attribute `allow` (one `#[allow(...)]`) to a top-level item that has none
/// of its own yet (a module already carries it).
fn allow_on(item: &mut syn::Item, allow: &TokenStream) {
    let attrs = match item {
        syn::Item::Const(i) => &mut i.attrs,
        syn::Item::Struct(i) => &mut i.attrs,
        syn::Item::Enum(i) => &mut i.attrs,
        syn::Item::Trait(i) => &mut i.attrs,
        syn::Item::Impl(i) => &mut i.attrs,
        syn::Item::Fn(i) => &mut i.attrs,
        syn::Item::Type(i) => &mut i.attrs,
        syn::Item::Use(i) => &mut i.attrs,
        syn::Item::Static(i) => &mut i.attrs,
        _ => return,
    };
    let parser = syn::Attribute::parse_outer;
    if let Ok(extra) = syn::parse::Parser::parse2(parser, allow.clone()) {
        attrs.extend(extra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Threads share out the items and their texts go back in order: the output is the one a
    /// single thread writes, file for file, whatever the number of threads.
    #[test]
    fn threads_write_what_one_thread_writes() {
        let mut text = String::from("boolFalse#bc799737 = Bool;\nboolTrue#997275b5 = Bool;\n");
        for i in 0..70 {
            let ns = ["", "a.", "b.", "a.c."][i % 4];
            text.push_str(&format!("{ns}item{i} flags:# x:flags.0?int y:string = {ns}Thing{};\n", i % 5));
        }
        text.push_str("---functions---\n");
        for i in 0..30 {
            text.push_str(&format!("f.call{i} n:int = Thing{};\n", i % 5));
        }
        let parsed = tl_parser::parse_tl(&text);
        let schemas = [parsed.schema];
        for single_file in [false, true] {
            let options = Options { single_file, serde: true, ..Options::default() };
            let generator = Generator::new(&schemas, options);
            let one = generator.generate_on(1, 1).unwrap();
            for threads in [2, 3, 8] {
                let many = generator.generate_on(threads, 1).unwrap();
                assert_eq!(one.len(), many.len());
                for (a, b) in one.iter().zip(&many) {
                    assert!(a.path == b.path && a.text == b.text, "{} on {threads} threads", a.path);
                }
            }
        }
    }

    /// Items 120 namespaces deep make syn and prettyplease recurse deeper than a spawned
    /// thread's default 2 MiB of stack holds (unoptimized); the threads that make items have a
    /// main thread's stack, so what one thread generates on the main thread, several do too.
    #[test]
    fn deep_items_fit_on_every_thread() {
        let ns: String = (0..120).map(|i| format!("n{i}.")).collect();
        let text: String = (0..3).map(|i| format!("{ns}deep{i} x:int = {ns}Deep{i};\n")).collect::<String>()
            + "boolFalse#bc799737 = Bool;\n";
        // The test runs as a main thread would, with its 8 MiB.
        let run = move || {
            let parsed = tl_parser::parse_tl(&text);
            let schemas = [parsed.schema];
            let generator = Generator::new(&schemas, Options::default());
            let one = generator.generate_on(1, 1).unwrap();
            assert_eq!(one, generator.generate_on(3, 1).unwrap());
        };
        std::thread::Builder::new().stack_size(THREAD_STACK).spawn(run).unwrap().join().unwrap();
    }

    /// Namespaces nested deeper than the generator can format are an error, not a stack
    /// overflow.
    #[test]
    fn namespaces_nested_too_deep_are_an_error() {
        let ns: String = (0..=MAX_NAMESPACE_DEPTH).map(|i| format!("n{i}.")).collect();
        let text = format!("{ns}deep x:int = Deep;\nboolFalse#bc799737 = Bool;\n");
        let parsed = tl_parser::parse_tl(&text);
        let schemas = [parsed.schema];
        let err = Generator::new(&schemas, Options::default()).generate().unwrap_err();
        assert!(err.contains("129 nested namespaces; at most 128"), "{err}");
    }

    /// Single file: each module's body goes where its placeholder stands in the root, even when
    /// an item before it has the placeholder's text in its doc comment.
    #[test]
    fn a_doc_holding_a_placeholder_leaves_the_modules_in_place() {
        let text = "boolFalse#bc799737 = Bool;\nboolTrue#997275b5 = Bool;\n\
                    //@description Holds    const __TL_BODY_ENUMS: () = ();\nthing = Thing;\n\
                    //@description Holds    const __TL_BODY_FUNCTIONS: () = ();\nother = Thing;\n\
                    ---functions---\nget = Thing;\n";
        let parsed = tl_parser::parse_tl(text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let schemas = [parsed.schema];
        let options = Options { single_file: true, ..Options::default() };
        let files = Generator::new(&schemas, options).generate().unwrap();
        let file = syn::parse_file(&files[0].text).unwrap();
        // Per top-level module, the names of its items.
        let mut modules = BTreeMap::new();
        for item in &file.items {
            if let syn::Item::Mod(m) = item {
                let names: Vec<String> = m
                    .content
                    .iter()
                    .flat_map(|(_, items)| items)
                    .filter_map(|item| match item {
                        syn::Item::Struct(s) => Some(s.ident.to_string()),
                        syn::Item::Enum(e) => Some(e.ident.to_string()),
                        syn::Item::Const(c) => Some(c.ident.to_string()),
                        _ => None,
                    })
                    .collect();
                modules.insert(m.ident.to_string(), names);
            }
        }
        assert_eq!(modules["types"], ["BoolFalse", "BoolTrue", "Thing", "Other"]);
        assert_eq!(modules["enums"], ["Thing"]);
        assert_eq!(modules["functions"], ["Get"]);
    }
}
