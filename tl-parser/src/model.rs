//! The typed schema model that every front-end (TL text, official JSON) parses into and every
//! back-end (writers, codegen, diff, dynamic codec) reads.
//!
//! Names borrow from the source text (`Cow::Borrowed`); only JSON strings with escapes and
//! multi-line doc comments allocate.

use std::borrow::Cow;

/// A byte range into the source text a node came from. `Span::DUMMY` for synthesized nodes
/// (e.g. from JSON where positions of sub-parts are approximate, or built by hand).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span for nodes that have no position in a source file.
    pub const DUMMY: Span = Span { start: 0, end: 0 };

    /// Builds a span from byte offsets.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: start as u32, end: end as u32 }
    }

    /// The text this span covers in `src` (empty when out of range).
    pub fn slice<'s>(&self, src: &'s str) -> &'s str {
        src.get(self.start as usize..self.end as usize).unwrap_or("")
    }
}

/// Whether a definition is a constructor (`---types---`) or a function (`---functions---`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// A constructor of a (boxed) type.
    Type,
    /// An RPC function (method).
    Function,
}

/// A whole parsed schema file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema<'a> {
    /// The layer announced by the file (`// LAYER N`, the last one wins), if any.
    pub layer: Option<u32>,
    /// Every definition in source order, constructors and functions interleaved as written.
    pub definitions: Vec<Definition<'a>>,
    /// Doc comments attached to boxed types (td_api's `//@class Name @description ...`).
    pub type_docs: Vec<TypeDoc<'a>>,
}

impl<'a> Schema<'a> {
    /// Constructors only.
    pub fn constructors(&self) -> impl Iterator<Item = &Definition<'a>> {
        self.definitions.iter().filter(|d| d.category == Category::Type)
    }

    /// Functions only.
    pub fn functions(&self) -> impl Iterator<Item = &Definition<'a>> {
        self.definitions.iter().filter(|d| d.category == Category::Function)
    }
}

/// A type- or function-level doc comment (td_api style `//@tag text`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Doc<'a> {
    /// `(tag, text)` pairs in order, e.g. `("description", "...")`, `("param_name", "...")`.
    pub tags: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl Doc<'_> {
    /// The text of `tag`, if present.
    pub fn get(&self, tag: &str) -> Option<&str> {
        self.tags.iter().find(|(t, _)| t == tag).map(|(_, v)| v.as_ref())
    }

    /// True when there are no tags.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }
}

/// Documentation attached to a boxed type (`//@class`).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDoc<'a> {
    /// The boxed type's name.
    pub name: Cow<'a, str>,
    /// Its doc tags (without the `class` tag itself).
    pub doc: Doc<'a>,
    /// Where the comment is.
    pub span: Span,
}

/// One combinator: `name#id {X:Type} params... = ResultType;`
#[derive(Debug, Clone, PartialEq)]
pub struct Definition<'a> {
    /// Full name, with namespace: `messages.sendMessage`.
    pub name: Cow<'a, str>,
    /// The id written in the source (`#abcd1234` or JSON `"id"`), if any.
    pub explicit_id: Option<u32>,
    /// The wire id: `explicit_id`, or the CRC32 of the canonical declaration when absent.
    pub id: u32,
    /// `{X:Type}` generic parameters, in order.
    pub generics: Vec<GenericParam<'a>>,
    /// Parameters in wire order.
    pub params: Vec<Param<'a>>,
    /// The result type (`= Type`).
    pub ty: TypeRef<'a>,
    /// Constructor or function.
    pub category: Category,
    /// The layer section this definition sits in (`===N===` in secret schemas, or the most
    /// recent `// LAYER N` marker before it), if any.
    pub section_layer: Option<u32>,
    /// td_api-style doc comment directly above the definition.
    pub doc: Doc<'a>,
    /// The whole declaration.
    pub span: Span,
    /// Just the name (and id) token.
    pub name_span: Span,
}

impl Definition<'_> {
    /// The namespace part of the name (`messages` in `messages.sendMessage`), if any.
    pub fn namespace(&self) -> Option<&str> {
        self.name.rsplit_once('.').map(|(ns, _)| ns)
    }

    /// The name without namespace.
    pub fn local_name(&self) -> &str {
        self.name.rsplit_once('.').map_or(&self.name, |(_, n)| n)
    }
}

/// `{X:Type}`.
#[derive(Debug, Clone, PartialEq)]
pub struct GenericParam<'a> {
    /// `X`.
    pub name: Cow<'a, str>,
    /// `Type` (the kind; `#` for a nat generic).
    pub kind: Cow<'a, str>,
    /// Where it is.
    pub span: Span,
}

/// One parameter of a definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Param<'a> {
    /// The name, `None` for anonymous params (`# [ t ]`, `long long`).
    pub name: Option<Cow<'a, str>>,
    /// What the parameter holds.
    pub kind: ParamKind<'a>,
    /// Where it is.
    pub span: Span,
}

/// The shape of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind<'a> {
    /// `name:#` — a 32-bit nat; when other params refer to it with `name.N?` it is a flags word.
    Nat,
    /// `name:Type` or `name:flags.N?Type`.
    Typed {
        /// The parameter's type.
        ty: TypeRef<'a>,
        /// The flag condition, for optional params.
        flag: Option<FlagRef<'a>>,
    },
    /// `[ t ]` or `N*[ t ]` — a repetition of the inner params.
    Repeat {
        /// `N` in `N*[ ... ]`; `None` means the count is the preceding nat param.
        count: Option<u32>,
        /// The repeated params.
        params: Vec<Param<'a>>,
    },
}

/// `flags.N?` — the condition of an optional parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagRef<'a> {
    /// The `#` field holding the bit (`flags`, `flags2`, ...).
    pub field: Cow<'a, str>,
    /// Bit number.
    pub bit: u32,
    /// Where `flags.N` is.
    pub span: Span,
}

/// A reference to a type: `int`, `%Message`, `Vector<InputPeer>`, `Vector t`, `!X`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeRef<'a> {
    /// The type's name as written, without `%` or `!` (`Vector`, `int`, `messages.Messages`, `X`).
    pub name: Cow<'a, str>,
    /// Written with a `%` prefix (explicitly bare).
    pub percent: bool,
    /// Written with a `!` prefix (generic "any object of type X" reference).
    pub bang: bool,
    /// Type arguments: `Vector<T>` or `Vector t`.
    pub args: Vec<TypeRef<'a>>,
    /// Where it is.
    pub span: Span,
}

impl<'a> TypeRef<'a> {
    /// A type reference with no arguments and no prefixes.
    pub fn simple(name: impl Into<Cow<'a, str>>) -> TypeRef<'a> {
        TypeRef { name: name.into(), percent: false, bang: false, args: Vec::new(), span: Span::DUMMY }
    }

    /// True when the value is written without a constructor id: `%T`, or a name whose last
    /// component starts with a lowercase letter (`int`, `vector<...>`, `message`).
    pub fn is_bare(&self) -> bool {
        if self.percent {
            return true;
        }
        let local = self.name.rsplit_once('.').map_or(self.name.as_ref(), |(_, n)| n);
        local.starts_with(|c: char| c.is_ascii_lowercase())
    }

    /// True for the flag marker type `true` (`flags.N?true`).
    pub fn is_true(&self) -> bool {
        self.name == "true" && self.args.is_empty() && !self.percent && !self.bang
    }
}

/// Turns a borrowed `Cow` into an owned one (for models that must outlive their source).
fn own(c: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(c.into_owned())
}

impl Schema<'_> {
    /// A copy that owns all its strings, independent of the source text.
    pub fn into_owned(self) -> Schema<'static> {
        Schema {
            layer: self.layer,
            definitions: self.definitions.into_iter().map(Definition::into_owned).collect(),
            type_docs: self.type_docs.into_iter().map(TypeDoc::into_owned).collect(),
        }
    }
}

impl Doc<'_> {
    /// A copy that owns all its strings.
    pub fn into_owned(self) -> Doc<'static> {
        Doc { tags: self.tags.into_iter().map(|(t, v)| (own(t), own(v))).collect() }
    }
}

impl TypeDoc<'_> {
    /// A copy that owns all its strings.
    pub fn into_owned(self) -> TypeDoc<'static> {
        TypeDoc { name: own(self.name), doc: self.doc.into_owned(), span: self.span }
    }
}

impl Definition<'_> {
    /// A copy that owns all its strings.
    pub fn into_owned(self) -> Definition<'static> {
        Definition {
            name: own(self.name),
            explicit_id: self.explicit_id,
            id: self.id,
            generics: self.generics.into_iter().map(GenericParam::into_owned).collect(),
            params: self.params.into_iter().map(Param::into_owned).collect(),
            ty: self.ty.into_owned(),
            category: self.category,
            section_layer: self.section_layer,
            doc: self.doc.into_owned(),
            span: self.span,
            name_span: self.name_span,
        }
    }
}

impl GenericParam<'_> {
    /// A copy that owns all its strings.
    pub fn into_owned(self) -> GenericParam<'static> {
        GenericParam { name: own(self.name), kind: own(self.kind), span: self.span }
    }
}

impl Param<'_> {
    /// A copy that owns all its strings.
    pub fn into_owned(self) -> Param<'static> {
        Param { name: self.name.map(own), kind: self.kind.into_owned(), span: self.span }
    }

    /// True for the `?` of builtin declarations (`int ? = Int;`), which the parser keeps as an
    /// anonymous parameter of type `?` because it is part of the hashed declaration.
    pub fn is_builtin_marker(&self) -> bool {
        matches!(&self.kind, ParamKind::Typed { ty, flag: None } if ty.name == "?")
    }
}

impl ParamKind<'_> {
    /// A copy that owns all its strings.
    pub fn into_owned(self) -> ParamKind<'static> {
        match self {
            ParamKind::Nat => ParamKind::Nat,
            ParamKind::Typed { ty, flag } => {
                ParamKind::Typed { ty: ty.into_owned(), flag: flag.map(FlagRef::into_owned) }
            }
            ParamKind::Repeat { count, params } => {
                ParamKind::Repeat { count, params: params.into_iter().map(Param::into_owned).collect() }
            }
        }
    }
}

impl FlagRef<'_> {
    /// A copy that owns all its strings.
    pub fn into_owned(self) -> FlagRef<'static> {
        FlagRef { field: own(self.field), bit: self.bit, span: self.span }
    }
}

impl TypeRef<'_> {
    /// A copy that owns all its strings.
    pub fn into_owned(self) -> TypeRef<'static> {
        TypeRef {
            name: own(self.name),
            percent: self.percent,
            bang: self.bang,
            args: self.args.into_iter().map(TypeRef::into_owned).collect(),
            span: self.span,
        }
    }
}

impl Schema<'_> {
    /// Sets every span to [`Span::DUMMY`], so that models of the same schema read from
    /// different sources (TL text, JSON, written back) compare equal.
    pub fn clear_spans(&mut self) {
        for d in &mut self.definitions {
            d.clear_spans();
        }
        for td in &mut self.type_docs {
            td.span = Span::DUMMY;
        }
    }
}

impl Definition<'_> {
    /// Sets every span of this definition to [`Span::DUMMY`].
    pub fn clear_spans(&mut self) {
        self.span = Span::DUMMY;
        self.name_span = Span::DUMMY;
        for g in &mut self.generics {
            g.span = Span::DUMMY;
        }
        clear_param_spans(&mut self.params);
        self.ty.clear_spans();
    }
}

fn clear_param_spans(params: &mut [Param<'_>]) {
    for p in params {
        p.span = Span::DUMMY;
        match &mut p.kind {
            ParamKind::Nat => {}
            ParamKind::Typed { ty, flag } => {
                ty.clear_spans();
                if let Some(f) = flag {
                    f.span = Span::DUMMY;
                }
            }
            ParamKind::Repeat { params, .. } => clear_param_spans(params),
        }
    }
}

impl TypeRef<'_> {
    /// Sets every span of this type reference to [`Span::DUMMY`].
    pub fn clear_spans(&mut self) {
        self.span = Span::DUMMY;
        for a in &mut self.args {
            a.clear_spans();
        }
    }
}
