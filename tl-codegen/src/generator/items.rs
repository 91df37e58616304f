//! One generated item per constructor, boxed type and function: the Rust definition, its doc
//! comment, and the codec impls from [`crate::emit`].

use super::decl::declaration;
use super::rust_types::Lifetimes;
use super::{Names, Options};
use crate::emit::{
    self, Codec, Constructor, Field, GenericParam, Generics, Returns, Role, Shape, Style, TypeDef, Variant,
};
use crate::graph::{Selection, Ty, TypeGraph, Word};
use crate::ident;
use crate::tdjson::Nullable;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::collections::HashSet;
use tl_parser::{Definition, ParamKind};

/// Everything item generation needs, computed once.
pub(crate) struct Ctx<'g, 's> {
    pub graph: &'g TypeGraph<'s>,
    pub options: &'g Options,
    pub names: Names,
    pub lifetimes: Lifetimes,
    pub boxed: HashSet<usize>,
    /// Constructors that can contain themselves: only their decoders guard the depth.
    pub self_nesting: HashSet<usize>,
    /// Constructors holding a `double` (no `Eq`, `Hash`, `Ord`) or an `Object` (no `Ord`):
    /// derives those lack are left off them.
    pub unordered: Unordered,
    pub krate: TokenStream,
    /// False when a generated item is named like a prelude type, so paths must be absolute.
    pub prelude: bool,
}

/// A [`Ctx`] without its tokens, to send to another thread ([`Ctx::seed`]).
pub(crate) struct CtxSeed<'g, 's> {
    graph: &'g TypeGraph<'s>,
    options: &'g Options,
    names: Names,
    lifetimes: Lifetimes,
    boxed: HashSet<usize>,
    self_nesting: HashSet<usize>,
    unordered: Unordered,
    prelude: bool,
}

/// The constructors some standard derives cannot reach ([`Ctx::unordered`]).
#[derive(Clone, Default)]
pub(crate) struct Unordered {
    /// Holding a `double`: `f64` has no `Eq`, `Hash` or `Ord`.
    floats: HashSet<usize>,
    /// Holding an `Object` (`RawObject`, which has no `Ord`).
    objects: HashSet<usize>,
}

fn is_float(t: &Ty) -> bool {
    *t == Ty::Double
}

fn is_object(t: &Ty) -> bool {
    *t == Ty::Object
}

impl Unordered {
    fn new(graph: &TypeGraph<'_>) -> Unordered {
        Unordered {
            floats: graph.constructors_holding(is_float),
            objects: graph.constructors_holding(is_object),
        }
    }

    /// What a value of `def` (constructor or function) holds: (a `double`, an `Object`).
    fn of_definition(&self, graph: &TypeGraph<'_>, def: &Definition<'_>) -> (bool, bool) {
        (graph.holds(def, &is_float, &self.floats), graph.holds(def, &is_object, &self.objects))
    }

    /// What a value that may be any of `constructors` holds.
    fn of_constructors(&self, constructors: &[usize]) -> (bool, bool) {
        let any = |set: &HashSet<usize>| constructors.iter().any(|c| set.contains(c));
        (any(&self.floats), any(&self.objects))
    }
}

/// Whether `derive` (a trait path as given to `--derive`) cannot be derived for a value that
/// holds a `double` or an `Object` as `holds` says.
fn refuses(derive: &str, (float, object): (bool, bool)) -> bool {
    match derive.rsplit("::").next().unwrap_or(derive).trim() {
        "Eq" | "Hash" => float,
        "Ord" => float || object,
        "PartialOrd" => object,
        _ => false,
    }
}

impl<'g, 's> CtxSeed<'g, 's> {
    /// The context, on the thread that will use it.
    pub fn into_ctx(self) -> Ctx<'g, 's> {
        Ctx {
            graph: self.graph,
            options: self.options,
            names: self.names,
            lifetimes: self.lifetimes,
            boxed: self.boxed,
            self_nesting: self.self_nesting,
            unordered: self.unordered,
            krate: codec_path(self.options),
            prelude: self.prelude,
        }
    }
}

/// The codec crate's path as tokens (`::tl_codec` unless the options name another).
fn codec_path(options: &Options) -> TokenStream {
    options.codec_path.parse().unwrap_or_else(|_| quote!(::tl_codec))
}

/// One struct field: its Rust name and type, and its IR for the emitter.
pub(super) struct FieldSpec {
    pub ident: Ident,
    pub rust_ty: TokenStream,
    pub ir: Field,
    /// The JSON key: the TL param name.
    pub key: String,
    /// A `{X:Type}` generic param (serialized with serde's own traits).
    pub generic: bool,
    /// Its doc line: td_api's (`//@name text` above the definition), or else the parameter
    /// as declared (`from_id:flags.8?Peer`).
    pub doc: String,
    /// Whether td_api documents it as one that may be null (see [`crate::tdjson::nullable`]).
    pub nullable: Nullable,
    /// Whether its TL type holds `int53`, a JSON number in TDLib's convention.
    pub int53: bool,
    /// The index of its parameter in the definition.
    pub index: usize,
}

impl<'g, 's> Ctx<'g, 's> {
    pub fn new(graph: &'g TypeGraph<'s>, options: &'g Options, _sel: &Selection) -> Ctx<'g, 's> {
        Ctx {
            graph,
            options,
            names: Names::new(graph),
            lifetimes: Lifetimes::compute(graph, options.owned),
            boxed: super::boxing::boxed_constructors(
                graph,
                options.max_inline_variant,
                options.max_inline_principal,
            ),
            self_nesting: graph.self_nesting(),
            unordered: Unordered::new(graph),
            krate: codec_path(options),
            prelude: !Names::new(graph).any_named(&["Option", "Vec", "Box"]),
        }
    }

    /// What another thread needs to make a context of its own: a `Ctx` holds tokens, which
    /// cannot cross threads; the rest is cloned rather than worked out again.
    pub fn seed(&self) -> CtxSeed<'g, 's> {
        CtxSeed {
            graph: self.graph,
            options: self.options,
            names: self.names.clone(),
            lifetimes: self.lifetimes.clone(),
            boxed: self.boxed.clone(),
            self_nesting: self.self_nesting.clone(),
            unordered: self.unordered.clone(),
            prelude: self.prelude,
        }
    }

    /// `Option<T>`, `Vec<T>` or `Box<T>`: the prelude name when no generated item shadows it.
    pub fn std_ty(&self, name: &str, inner: &TokenStream) -> TokenStream {
        let id = ident::ident(name);
        match (self.prelude, name) {
            (true, _) => quote!(#id<#inner>),
            (false, "Option") => quote!(::core::option::Option<#inner>),
            (false, "Box") => {
                let k = &self.krate;
                quote!(#k::__alloc::Box<#inner>)
            }
            (false, _) => {
                let k = &self.krate;
                quote!(#k::__alloc::Vec<#inner>)
            }
        }
    }

    fn lifetime() -> TokenStream {
        quote!('a)
    }

    /// `#[derive(...)]` of the chosen standard traits, then the type attributes for `tl_name`
    /// (or for `also`: a boxed type written as an alias of this constructor's struct).
    fn attrs(&self, tl_name: &str, also: Option<&str>, holds: (bool, bool)) -> Result<TokenStream, String> {
        let mut out = TokenStream::new();
        let derives = self.options.derives.iter().filter(|d| !d.trim().is_empty() && !refuses(d, holds));
        let paths = derives
            .map(|d| match syn::parse_str::<syn::Path>(d) {
                Ok(path) => Ok(path),
                Err(_) => Err(format!("bad derive `{d}`: expected a trait path such as `Hash`")),
            })
            .collect::<Result<Vec<_>, String>>()?;
        if !paths.is_empty() {
            out.extend(quote!(#[derive(#(#paths),*)]));
        }
        for (pattern, attr) in &self.options.type_attributes {
            if pattern == "." || pattern == tl_name || Some(pattern.as_str()) == also {
                let ts: TokenStream =
                    attr.parse().map_err(|e| format!("bad type attribute `{attr}`: {e}"))?;
                out.extend(ts);
            }
        }
        Ok(out)
    }

    fn doc(def: &Definition<'_>) -> TokenStream {
        let decl = format!(" `{}`", declaration(def));
        let mut doc = quote!(#[doc = #decl]);
        if let Some(text) = def.doc.get("description") {
            let text = format!(" {text}");
            doc = quote!(#[doc = #text] #[doc = ""] #doc);
        }
        doc.extend(super::decl::object_notes(def));
        doc
    }

    /// The fields of `def` (constructor or function), seen from `depth`.
    fn fields(&self, def: &Definition<'_>, depth: usize) -> Result<Vec<FieldSpec>, String> {
        let lt = Self::lifetime();
        let flag_fields = crate::graph::flags_words(def);
        let mut out = Vec::new();
        for (i, p) in def.params.iter().enumerate() {
            let ident = match &p.name {
                Some(n) => ident::field(n),
                None => Ident::new(&format!("_{i}"), Span::call_site()),
            };
            let (rust_ty, ty, role) = match &p.kind {
                ParamKind::Nat => match p.name.as_deref().filter(|n| flag_fields.contains(n)) {
                    // Computed-only: the word is derived from the optional fields.
                    Some(n)
                        if crate::graph::word_kind_of(&def.name, n, &self.options.mode_words)
                            == Word::Flags =>
                    {
                        (quote!(), quote!(), Role::Flags)
                    }
                    // Data, merged with the bits of its fields when encoding.
                    Some(_) => (quote!(u32), quote!(u32), Role::ModeWord),
                    None => (quote!(u32), quote!(u32), Role::Value(Codec::Boxed)),
                },
                ParamKind::Typed { ty, flag } => {
                    let t = self.graph.resolve(ty, def).map_err(|e| format!("{}: {e}", def.name))?;
                    match flag {
                        Some(f) if t == Ty::True => (
                            quote!(bool),
                            quote!(bool),
                            Role::TrueFlag { flags: Some(ident::field(&f.field).to_string()), bit: f.bit },
                        ),
                        Some(f) => {
                            let inner = self.rust_ty(&t, depth, &lt);
                            let role = Role::Optional {
                                // By the word's Rust field name, which the emitter matches.
                                flags: Some(ident::field(&f.field).to_string()),
                                bit: f.bit,
                                codec: self.param_codec(def, i, &t),
                            };
                            (self.std_ty("Option", &inner), inner, role)
                        }
                        None if t == Ty::True => {
                            return Err(format!(
                                "{}: a `true` param outside flags is not supported",
                                def.name
                            ))
                        }
                        None => match crate::tdjson::nullable(def, i) {
                            Nullable::No => {
                                let rt = self.rust_ty(&t, depth, &lt);
                                (rt.clone(), rt, Role::Value(self.param_codec(def, i, &t)))
                            }
                            nullable => {
                                let rt = self.nullable_ty(&t, nullable, depth, &lt);
                                let codec = self.nullable_codec(&t, nullable);
                                (rt.clone(), rt, Role::Value(codec))
                            }
                        },
                    }
                }
                ParamKind::Repeat { .. } => {
                    return Err(format!("{}: repetitions are not supported", def.name))
                }
            };
            let generic = matches!(&p.kind, ParamKind::Typed { ty, .. }
                if matches!(self.graph.resolve(ty, def), Ok(Ty::Generic(_))));
            out.push(FieldSpec {
                ident: ident.clone(),
                rust_ty,
                ir: Field { ident: Some(ident), ty, role, span: Span::call_site() },
                key: p.name.as_deref().map_or_else(|| format!("_{i}"), str::to_string),
                generic,
                nullable: crate::tdjson::nullable(def, i),
                int53: matches!(&p.kind, ParamKind::Typed { ty, .. } if crate::tdjson::mentions_int53(ty)),
                index: i,
                doc: p
                    .name
                    .as_deref()
                    .and_then(|n| crate::tdjson::param_doc(def, n))
                    .map_or_else(|| super::decl::param_note(p), |text| format!(" {text}")),
            });
        }
        Ok(out)
    }

    fn struct_item(
        &self,
        def: &Definition<'_>,
        name: &str,
        depth: usize,
        borrows: bool,
        returns: Option<Returns>,
        depth_guard: bool,
    ) -> Result<TokenStream, String> {
        let ident = ident::ident(name);
        let fields = self.fields(def, depth)?;
        // Two parameters of one name (or two names that become one Rust name) cannot both be
        // fields: say so rather than write a struct that does not compile.
        for (k, f) in fields.iter().enumerate() {
            if let Some(first) = fields[..k].iter().find(|g| g.ident == f.ident) {
                return Err(format!(
                    "{}: parameters `{}` and `{}` would both be the field `{}`",
                    def.name, first.key, f.key, f.ident
                ));
            }
        }
        let mut generics = Generics::default();
        if borrows {
            generics
                .params
                .push(GenericParam::Lifetime { name: Ident::new("a", Span::call_site()), bounds: quote!() });
        }
        let generic_names = crate::graph::generic_names(def);
        for g in &generic_names {
            let name = ident::ident(g);
            generics.params.push(GenericParam::Type { name, bounds: quote!() });
        }
        let k = &self.krate;
        if returns.is_some() {
            for g in &generic_names {
                let name = ident::ident(g);
                generics.where_predicates.push(quote!(#name: #k::Function));
            }
        }
        let params: Vec<TokenStream> = generics
            .params
            .iter()
            .map(|p| match p {
                GenericParam::Lifetime { .. } => quote!('a),
                GenericParam::Type { name, .. } => quote!(#name),
                GenericParam::Const { name, ty } => quote!(const #name: #ty),
            })
            .collect();
        let gen = if params.is_empty() { quote!() } else { quote!(<#(#params),*>) };
        let stored = fields.iter().filter(|f| !f.ir.is_computed_flags()).count();
        let style = if fields.is_empty() { Style::Unit } else { Style::Named };
        let together = together_notes(&fields);
        let body = if stored == 0 && fields.is_empty() {
            quote!(;)
        } else {
            let f =
                fields.iter().zip(&together).filter(|(f, _)| !f.ir.is_computed_flags()).map(|(f, note)| {
                    let (id, ty) = (&f.ident, &f.rust_ty);
                    let doc = &f.doc;
                    let note = note.as_ref().map(|n| {
                        let lines = super::decl::wrap(n, 92);
                        quote!(#[doc = ""] #(#[doc = #lines])*)
                    });
                    quote!(#[doc = #doc] #note pub #id: #ty,)
                });
            quote!({ #(#f)* })
        };
        let mut doc = Self::doc(def);
        if self.graph.result_undefined(def) {
            doc.extend(super::decl::undefined_result_note(def));
        } else if returns.is_some() {
            let link = self.graph.resolve_result(def).ok().and_then(|ret| self.doc_link(&ret, depth));
            doc.extend(super::decl::answer_note(def, link.as_deref()));
        }
        // A boxed type with one constructor is an alias of that constructor's struct: its
        // attributes go on the struct.
        let alias_of = (def.category == tl_parser::Category::Type)
            .then(|| self.graph.type_named(&def.ty.name))
            .flatten()
            .filter(|&ti| self.graph.types[ti].constructors.len() == 1)
            .map(|_| def.ty.name.as_ref());
        let attrs = self.attrs(&def.name, alias_of, self.unordered.of_definition(self.graph, def))?;
        let serde = if self.options.serde {
            self.serde_struct(def, &ident, &fields, depth, borrows)
        } else {
            quote!()
        };
        let reborrow = if generic_names.is_empty() && !self.options.owned {
            self.reborrow(&ident, depth, borrows)
        } else {
            quote!()
        };
        let new_fn = Self::new_fn(def, &ident, &gen, &fields);
        let typedef = TypeDef {
            ident: ident.clone(),
            name: def.name.to_string(),
            generics,
            shape: Shape::Struct(Constructor {
                id: Some(def.id),
                style,
                fields: fields.into_iter().map(|f| f.ir).collect(),
            }),
            returns,
            krate: self.krate.clone(),
            depth_guard,
        };
        let impls = emit_impls(&typedef, &def.name)?;
        let alias = doc_alias(&def.name, &ident);
        Ok(quote! {
            #doc
            #alias
            #attrs
            pub struct #ident #gen #body
            #new_fn
            #impls
            #serde
            #reborrow
        })
    }

    /// `Item::new`, for an item with fields: it takes those a value cannot leave out, in wire
    /// order, and starts optional fields as `None`, `true` flags as `false` and mode words as 0.
    /// Code that builds values with it keeps compiling when a later layer adds an optional
    /// parameter, which Telegram does to some definition in nearly every layer (an item with
    /// none today may have one tomorrow); a struct literal would have to name the new field.
    fn new_fn(def: &Definition<'_>, ident: &Ident, gen: &TokenStream, fields: &[FieldSpec]) -> TokenStream {
        let start = |f: &FieldSpec| match &f.ir.role {
            // A full path: a constructor named `none` is an item `None` that shadows the prelude.
            Role::Optional { .. } => Some(quote!(::core::option::Option::None)),
            Role::TrueFlag { .. } => Some(quote!(false)),
            Role::ModeWord => Some(quote!(0)),
            Role::Value(_) if f.nullable == Nullable::Value => Some(quote!(::core::option::Option::None)),
            Role::Value(_) | Role::Flags => None,
        };
        let stored = || fields.iter().filter(|f| !f.ir.is_computed_flags());
        if stored().next().is_none() {
            return quote!();
        }
        let args = stored().filter(|f| start(f).is_none()).map(|f| {
            let (id, ty) = (&f.ident, &f.rust_ty);
            quote!(#id: #ty)
        });
        let inits = stored().map(|f| {
            let id = &f.ident;
            match start(f) {
                Some(value) => quote!(#id: #value),
                None => quote!(#id),
            }
        });
        let modes =
            if stored().any(|f| matches!(f.ir.role, Role::ModeWord)) { ", mode words as 0" } else { "" };
        let doc = if stored().all(|f| start(f).is_none()) {
            format!(" `{}` from its parameters, in wire order.", def.name)
        } else {
            format!(
                " `{}` from its required parameters: optional fields start as `None`, `true` \
                 flags as `false`{modes}.",
                def.name
            )
        };
        let doc = super::decl::wrap(&doc, 92);
        quote! {
            impl #gen #ident #gen {
                #(#[doc = #doc])*
                pub fn new(#(#args),*) -> Self {
                    Self { #(#inits),* }
                }
            }
        }
    }

    /// `Reborrow` for a borrowing item, so that `Owned<Item<'static>>` works.
    fn reborrow(&self, ident: &Ident, depth: usize, borrows: bool) -> TokenStream {
        let root = self.root(depth);
        if !borrows {
            // One that borrows nothing is itself at every lifetime: `Owned<T>` works for every
            // generated type, so generic code (an answer of any function) can use it.
            return quote! {
                // SAFETY: no lifetime, nothing to be covariant in.
                unsafe impl #root Reborrow for #ident {
                    type At<'b> = #ident;
                }
            };
        }
        quote! {
            // SAFETY: generated types are covariant in `'a`.
            unsafe impl<'a> #root Reborrow for #ident<'a> {
                type At<'b> = #ident<'b>;
            }
        }
    }

    /// The struct of constructor `ci`.
    pub fn constructor(&self, ci: usize) -> Result<(Vec<String>, TokenStream), String> {
        let def = self.graph.constructors[ci];
        let (ns, name) = &self.names.constructors[ci];
        let guard = self.self_nesting.contains(&ci);
        let item = self.struct_item(def, name, 1 + ns.len(), self.lifetimes.ctors[ci], None, guard)?;
        Ok((ns.clone(), item))
    }

    /// The struct of function `fi`, with its `Function` impl.
    pub fn function(&self, fi: usize) -> Result<(Vec<String>, TokenStream), String> {
        let def = self.graph.functions[fi];
        let (ns, name) = &self.names.functions[fi];
        let depth = 1 + ns.len();
        let ret = self.graph.resolve_result(def).map_err(|e| format!("{}: {e}", def.name))?;
        let k = &self.krate;
        // Answers are decoded from a response buffer the request knows nothing about: they
        // borrow from it under a lifetime of their own, `'r`.
        let ty = match &ret {
            Ty::Generic(x) => {
                let x = ident::ident(x);
                quote!(<#x as #k::Function>::Return<'r>)
            }
            _ => self.rust_ty(&ret, depth, &quote!('r)),
        };
        let returns = Returns { lifetime: Ident::new("r", Span::call_site()), ty };
        // Functions nest only as `!X` arguments, as deep as the Rust type says.
        let item = self.struct_item(def, name, depth, self.lifetimes.functions[fi], Some(returns), false)?;
        Ok((ns.clone(), item))
    }

    /// The enum (or alias) of boxed type `ti`; `None` for types mapped to Rust primitives.
    pub fn boxed_type(&self, ti: usize) -> Result<Option<(Vec<String>, TokenStream)>, String> {
        if self.graph.is_primitive_type(ti) {
            return Ok(None);
        }
        let t = &self.graph.types[ti];
        let (ns, name) = &self.names.types[ti];
        let depth = 1 + ns.len();
        let ident = ident::ident(name);
        let borrows = self.lifetimes.types[ti];
        let gen = if borrows { quote!(<'a>) } else { quote!() };
        let lt = Self::lifetime();
        let decls: Vec<String> = t
            .constructors
            .iter()
            .map(|&ci| format!(" - `{}`", declaration(self.graph.constructors[ci])))
            .collect();
        let title = format!(" The boxed type `{}`: one variant per constructor.", t.name);
        // td_api's `//@class Name @description …` leads the doc, as a description does on a struct.
        let described = |doc: TokenStream| match &t.description {
            Some(text) => {
                let text = format!(" {text}");
                quote!(#[doc = #text] #[doc = ""] #doc)
            }
            None => doc,
        };
        if let [only] = t.constructors[..] {
            let (cns, cname) = &self.names.constructors[only];
            let path = self.path(depth, "types", cns, cname);
            let doc =
                format!(" `{}`, which has one constructor:{}", t.name, decls[0].trim_start_matches(" -"));
            let doc = described(quote!(#[doc = #doc]));
            let alias = doc_alias(&t.name, &ident);
            return Ok(Some((ns.clone(), quote!(#doc #alias pub type #ident #gen = #path #gen;))));
        }
        let title = described(quote!(#[doc = #title]));
        let mut variants = Vec::new();
        let mut ir = Vec::new();
        let mut conversions = Vec::new();
        let k = &self.krate;
        let box_path = if self.prelude { quote!(Box) } else { quote!(#k::__alloc::Box) };
        for (pos, &ci) in t.constructors.iter().enumerate() {
            let vname = ident::ident(&self.names.variants[ti][pos]);
            let (cns, cname) = &self.names.constructors[ci];
            let path = self.path(depth, "types", cns, cname);
            let ty = if self.lifetimes.ctors[ci] { quote!(#path<#lt>) } else { path };
            if self.options.conversions {
                let value =
                    if self.boxed.contains(&ci) { quote!(#box_path::new(value)) } else { quote!(value) };
                conversions.push(quote! {
                    impl #gen ::core::convert::From<#ty> for #ident #gen {
                        fn from(value: #ty) -> Self {
                            Self::#vname(#value)
                        }
                    }
                });
            }
            let ty = if self.boxed.contains(&ci) { self.std_ty("Box", &ty) } else { ty };
            let vdoc = decls[pos].trim_start_matches(" -").to_string();
            variants.push(quote!(#[doc = #vdoc] #vname(#ty),));
            ir.push(Variant {
                ident: vname,
                // The id is known here, so the decoder can match on literals (a jump table).
                kind: emit::VariantKind::DelegateWithId { ty, id: self.graph.constructors[ci].id },
                span: Span::call_site(),
            });
        }
        let mut generics = Generics::default();
        if borrows {
            generics
                .params
                .push(GenericParam::Lifetime { name: Ident::new("a", Span::call_site()), bounds: quote!() });
        }
        let typedef = TypeDef {
            ident: ident.clone(),
            name: t.name.to_string(),
            generics,
            shape: Shape::Enum(ir),
            returns: None,
            krate: self.krate.clone(),
            // Dispatch only: any recursion passes through a self-nesting constructor's own
            // decoder, which guards.
            depth_guard: false,
        };
        let impls = emit_impls(&typedef, &t.name)?;
        let attrs = self.attrs(&t.name, None, self.unordered.of_constructors(&t.constructors))?;
        let serde = if self.options.serde { self.serde_enum(ti, &ident, borrows, depth) } else { quote!() };
        let reborrow = if self.options.owned { quote!() } else { self.reborrow(&ident, depth, borrows) };
        let alias = doc_alias(&t.name, &ident);
        Ok(Some((
            ns.clone(),
            quote! {
                #title
                #alias
                #attrs
                pub enum #ident #gen { #(#variants)* }
                #(#conversions)*
                #impls
                #serde
                #reborrow
            },
        )))
    }
}

fn emit_impls(def: &TypeDef, tl_name: &str) -> Result<TokenStream, String> {
    emit::emit(def).map_err(|errs| {
        let msgs: Vec<String> = errs.iter().map(|e| e.message.clone()).collect();
        format!("{tl_name}: {}", msgs.join("; "))
    })
}

/// Fields that share one flag bit with optional values ([`shared_bit_groups`]).
pub(super) struct SharedBit {
    /// The optional values, indices into the fields (at least one).
    pub values: Vec<usize>,
    /// The `true` flags on the same bit: implied by the values, whatever they hold.
    pub trues: Vec<usize>,
    /// `flags.8`.
    pub bit: String,
}

/// The fields of `fields` that share one flag bit with optional values (the emitter's
/// [`shared_bits`](crate::emit::shared_bits), which decides what encoding writes), with the
/// bit named as the schema names it, for docs and JSON errors.
pub(super) fn shared_bit_groups(fields: &[FieldSpec]) -> Vec<SharedBit> {
    let ir: Vec<Field> = fields.iter().map(|f| f.ir.clone()).collect();
    // The schema's flag references resolved when the fields were made; an item whose do not
    // fails in the emitter with the reason.
    let Ok(owners) = crate::emit::resolve_flags(&ir) else { return Vec::new() };
    crate::emit::shared_bits(&ir, &owners)
        .into_iter()
        .map(|g| SharedBit {
            bit: format!("{}.{}", fields[g.flags].key, g.bit),
            values: g.values,
            trues: g.trues,
        })
        .collect()
}

/// `a`, `b` and `c`: the JSON keys (`key`) or Rust names of `members`, for docs and messages.
pub(super) fn names(fields: &[FieldSpec], members: impl Iterator<Item = usize>, key: bool) -> String {
    let names: Vec<String> =
        members.map(|j| if key { fields[j].key.clone() } else { fields[j].ident.to_string() }).collect();
    crate::graph::quoted_list(&names)
}

/// Per field, the doc line of a field in a [`shared_bit_groups`] group.
fn together_notes(fields: &[FieldSpec]) -> Vec<Option<String>> {
    let mut notes = vec![None; fields.len()];
    for group in shared_bit_groups(fields) {
        let all = group.values.len() + group.trues.len();
        let both = if all == 2 { "both" } else { "all" };
        let bit = &group.bit;
        if group.values.len() > 1 {
            let both = if group.values.len() == 2 { "both" } else { "all" };
            for &i in &group.values {
                let others = names(fields, group.values.iter().copied().filter(|&j| j != i), false);
                notes[i] = Some(format!(
                    " Sent only together with {others} ({both} `{bit}`): unless every one is `Some`, none is sent."
                ));
            }
        }
        let values = names(fields, group.values.iter().copied(), false);
        let is = if group.values.len() == 1 { "is" } else { "are all" };
        for &i in &group.trues {
            notes[i] = Some(format!(
                " Implied by {values} ({both} `{bit}`): sent as `true` exactly when {values} {is} `Some`, \
                 whatever this field holds."
            ));
        }
    }
    notes
}

/// `#[doc(alias = "messages.sendMessage")]`, so that rustdoc's search finds an item by its TL
/// name too; nothing where that is the Rust name already (rustdoc refuses such an alias).
fn doc_alias(tl_name: &str, ident: &Ident) -> TokenStream {
    let rust_name = ident.to_string();
    if rust_name.trim_start_matches("r#") == tl_name {
        return TokenStream::new();
    }
    quote!(#[doc(alias = #tl_name)])
}
