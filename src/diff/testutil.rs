//! Building definitions in unit tests.

use std::borrow::Cow;
use tl_parser::{Category, Definition, Doc, Span, TypeRef};

/// A constructor `name#id = ty` with no parameters, built by hand.
pub fn def(name: &str, id: u32, ty: &str) -> Definition<'static> {
    Definition {
        name: Cow::Owned(name.into()),
        explicit_id: Some(id),
        id,
        generics: Vec::new(),
        params: Vec::new(),
        ty: TypeRef::simple(ty.to_string()),
        category: Category::Type,
        section_layer: None,
        doc: Doc::default(),
        span: Span::DUMMY,
        name_span: Span::DUMMY,
    }
}

/// One declaration parsed by tl-parser (a constructor); panics on a syntax error.
pub fn parse_def(src: &str) -> Definition<'_> {
    match tl_parser::parse_definition(src) {
        Ok(d) => d,
        Err(e) => panic!("bad test declaration {src:?}: {}", e.message),
    }
}
