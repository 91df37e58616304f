//! TL types to Rust types, and which generated items need the input lifetime `'a`.
//!
//! `Object` positions become [`tl_codec::RawObject`] (`RawObjectBuf` with `--owned`): the id
//! and the undecoded bytes, to be decoded once the caller knows the type. TL objects do not
//! carry their length, so where one ends is decided by position:
//! - an `Object` right after an `int` param named `bytes` (MTProto's
//!   `message msg_id:long seqno:int bytes:int body:Object`, the items of `msg_container`) is
//!   exactly `bytes` bytes long ([`tl_codec::sized_object`]); on encode the length is computed
//!   from the object, whatever the `bytes` field holds;
//! - any other `Object` takes the rest of the input: right for the last field of the outermost
//!   object (`rpc_result`'s `result`, or a container item's body decoded on its own), and when
//!   anything follows, decoding fails instead of misreading it;
//! - `!X` / `X` of a `{X:Type}` function (`invokeWithLayer layer:int query:!X`) is a generic
//!   parameter typed by the caller (any `Function`), so it decodes exactly;
//! - `gzip_packed` is not unpacked by generated code: an `Object` holding one is a `RawObject`
//!   with id `0x3072cfa1`, left to the caller (the dynamic codec inflates it).
//!
//! An object that td_api documents as one that may be null ("may be null", "pass null …") is
//! an `Option<T>` (a vector of them, `Vec<Option<T>>`), written with `tl_codec::nullable`:
//! `null#56730bcc` for `None`, else the object with its id, even where the schema names a
//! constructor (bare in TL).

use super::items::Ctx;
use crate::emit::Codec;
use crate::graph::{sized_object_part, SizedPart, Ty, TypeGraph};
use crate::tdjson::Nullable;
use proc_macro2::TokenStream;
use quote::quote;
use tl_parser::ParamKind;

/// Which constructors, boxed types and functions hold borrowed data (and so take `'a`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Lifetimes {
    pub ctors: Vec<bool>,
    pub types: Vec<bool>,
    pub functions: Vec<bool>,
}

impl Lifetimes {
    /// Fixpoint over the graph: a constructor borrows when one of its fields does; a boxed
    /// type when one of its constructors does.
    pub fn compute(graph: &TypeGraph<'_>, owned: bool) -> Lifetimes {
        let mut lt = Lifetimes {
            ctors: vec![false; graph.constructors.len()],
            types: vec![false; graph.types.len()],
            functions: vec![false; graph.functions.len()],
        };
        if owned {
            return lt;
        }
        loop {
            let mut changed = false;
            for (ci, def) in graph.constructors.iter().enumerate() {
                if !lt.ctors[ci] && lt.params_borrow(graph, def) {
                    lt.ctors[ci] = true;
                    changed = true;
                }
            }
            for (ti, t) in graph.types.iter().enumerate() {
                if !lt.types[ti] && t.constructors.iter().any(|&c| lt.ctors[c]) {
                    lt.types[ti] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for (fi, def) in graph.functions.iter().enumerate() {
            lt.functions[fi] = lt.params_borrow(graph, def);
        }
        lt
    }

    fn params_borrow(&self, graph: &TypeGraph<'_>, def: &tl_parser::Definition<'_>) -> bool {
        def.params.iter().any(|p| match &p.kind {
            ParamKind::Typed { ty, .. } => graph.resolve(ty, def).is_ok_and(|t| self.borrows(&t)),
            _ => false,
        })
    }

    /// True when a value of `ty` borrows from the input.
    pub fn borrows(&self, ty: &Ty) -> bool {
        match ty {
            Ty::String | Ty::Bytes | Ty::Object => true,
            Ty::Vector { elem, .. } => self.borrows(elem),
            Ty::Boxed(ti) => self.types[*ti],
            Ty::Bare(ci) => self.ctors[*ci],
            _ => false,
        }
    }
}

impl Ctx<'_, '_> {
    /// `super::super::` for an item `depth` modules below the generated root.
    pub fn root(&self, depth: usize) -> TokenStream {
        let supers = (0..depth).map(|_| quote!(super::));
        quote!(#(#supers)*)
    }

    /// The Rust type of a value of `ty`, seen from `depth` modules below the root, with `lt`
    /// as the input lifetime (`'a`, or `'static` in return types).
    pub fn rust_ty(&self, ty: &Ty, depth: usize, lt: &TokenStream) -> TokenStream {
        let k = &self.krate;
        match ty {
            Ty::Nat => quote!(u32),
            Ty::Int => quote!(i32),
            Ty::Long => quote!(i64),
            Ty::Double => quote!(f64),
            Ty::Int128 => quote!([u8; 16]),
            Ty::Int256 => quote!([u8; 32]),
            Ty::Int512 => quote!([u8; 64]),
            Ty::Bool | Ty::True => quote!(bool),
            Ty::String if self.options.owned => quote!(#k::TlString),
            Ty::String => quote!(#k::TlStr<#lt>),
            Ty::Bytes if self.options.owned => self.std_ty("Vec", &quote!(u8)),
            Ty::Bytes => quote!(&#lt [u8]),
            Ty::Object if self.options.owned => quote!(#k::RawObjectBuf),
            Ty::Object => quote!(#k::RawObject<#lt>),
            Ty::Vector { elem, .. } => {
                let inner = self.rust_ty(elem, depth, lt);
                let inner = match **elem {
                    Ty::Bare(_) | Ty::Vector { boxed: false, .. } => quote!(#k::Bare<#inner>),
                    _ => inner,
                };
                self.std_ty("Vec", &inner)
            }
            Ty::Boxed(ti) => {
                let t = &self.graph.types[*ti];
                if let [only] = t.constructors[..] {
                    return self.ctor_ty(only, depth, lt);
                }
                let (ns, name) = &self.names.types[*ti];
                let path = self.path(depth, "enums", ns, name);
                if self.lifetimes.types[*ti] {
                    quote!(#path<#lt>)
                } else {
                    path
                }
            }
            Ty::Bare(ci) => self.ctor_ty(*ci, depth, lt),
            Ty::Generic(name) => {
                let id = crate::ident::ident(name);
                quote!(#id)
            }
        }
    }

    /// An intra-doc link, seen from `depth`, to the generated item that values of `ty` (or
    /// of its elements, for a vector) are: `[`enums::Updates`](super::enums::Updates)`.
    /// `None` for primitives and generics.
    pub fn doc_link(&self, ty: &Ty, depth: usize) -> Option<String> {
        let (module, ns, name) = match ty {
            Ty::Vector { elem, .. } => return self.doc_link(elem, depth),
            Ty::Boxed(ti) => match self.graph.types[*ti].constructors[..] {
                [only] => ("types", &self.names.constructors[only].0, &self.names.constructors[only].1),
                _ => ("enums", &self.names.types[*ti].0, &self.names.types[*ti].1),
            },
            Ty::Bare(ci) => ("types", &self.names.constructors[*ci].0, &self.names.constructors[*ci].1),
            _ => return None,
        };
        // The names as items have them (`Self_`, as `Ctx::path` writes them), but without
        // `r#`: rustdoc resolves `type::Foo` in a link and not `r#type::Foo`.
        let mut path = String::from(module);
        for part in ns.iter().chain([name]) {
            path.push_str("::");
            path.push_str(crate::ident::ident(part).to_string().trim_start_matches("r#"));
        }
        Some(format!("[`{path}`]({}{path})", "super::".repeat(depth)))
    }

    /// The struct of constructor `ci`, behind a `Box` when it is recursive or large.
    fn ctor_ty(&self, ci: usize, depth: usize, lt: &TokenStream) -> TokenStream {
        let (ns, name) = &self.names.constructors[ci];
        let path = self.path(depth, "types", ns, name);
        let ty = if self.lifetimes.ctors[ci] { quote!(#path<#lt>) } else { path };
        if self.boxed.contains(&ci) {
            self.std_ty("Box", &ty)
        } else {
            ty
        }
    }

    /// `root::module::ns::Name`.
    pub fn path(&self, depth: usize, module: &str, ns: &[String], name: &str) -> TokenStream {
        let root = self.root(depth);
        let m = crate::ident::ident(module);
        let ns = ns.iter().map(|n| crate::ident::ident(n));
        let name = crate::ident::ident(name);
        quote!(#root #m :: #(#ns ::)* #name)
    }

    /// How a field of `ty` is written.
    pub fn codec(&self, ty: &Ty) -> Codec {
        match ty {
            Ty::Vector { boxed: false, .. } | Ty::Bare(_) => Codec::Bare,
            _ => Codec::Boxed,
        }
    }

    /// The Rust type of a parameter of `ty` that may be null ([`crate::tdjson::nullable`]):
    /// `Option<T>`, or for a vector of objects that may each be null, `Vec<Option<T>>`.
    pub fn nullable_ty(&self, ty: &Ty, nullable: Nullable, depth: usize, lt: &TokenStream) -> TokenStream {
        match (nullable, ty) {
            (Nullable::Elements, Ty::Vector { elem, .. }) => {
                let inner = self.rust_ty(elem, depth, lt);
                self.std_ty("Vec", &self.std_ty("Option", &inner))
            }
            _ => self.std_ty("Option", &self.rust_ty(ty, depth, lt)),
        }
    }

    /// How a parameter that may be null is written: `tl_codec::nullable`'s codecs, a null
    /// object as `null#56730bcc` and any other in its boxed form.
    pub fn nullable_codec(&self, ty: &Ty, nullable: Nullable) -> Codec {
        let k = &self.krate;
        match (nullable, ty) {
            (Nullable::Elements, Ty::Vector { boxed: true, .. }) => Codec::With(quote!(#k::nullable::vector)),
            (Nullable::Elements, _) => Codec::With(quote!(#k::nullable::bare_vector)),
            _ => Codec::With(quote!(#k::nullable::value)),
        }
    }

    /// How param `index` of `def`, of type `ty`, is written: [`Ctx::codec`], except for the
    /// length and body of a sized object (see the module docs).
    pub fn param_codec(&self, def: &tl_parser::Definition<'_>, index: usize, ty: &Ty) -> Codec {
        let k = &self.krate;
        match sized_object_part(def, index) {
            Some(SizedPart::Length) => Codec::With(quote!(#k::sized_object::length)),
            Some(SizedPart::Body) => Codec::With(quote!(#k::sized_object::body)),
            None => self.codec(ty),
        }
    }
}
