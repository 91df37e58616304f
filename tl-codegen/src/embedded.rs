//! The schemas `tl` ships (feature `embedded-schemas`): layer 230's `api.tl` and `mtproto.tl`,
//! as grammers-tl-types 0.11.0 carries them. They are the `tl` binary's default, and what
//! [`Builder::embedded_schemas`](crate::Builder::embedded_schemas) generates from, so that a
//! build script needs no copy of its own. (`schemas/` holds symlinks to the repository's
//! files; the build script follows them where a checkout wrote them as plain files.)

/// One embedded schema file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedSchema {
    /// A short name, also the path in diagnostics: `<embedded>/api.tl`.
    pub name: &'static str,
    /// Where the file comes from.
    pub origin: &'static str,
    /// The file's text.
    pub text: &'static str,
}

/// Layer 230's `api.tl`.
pub const API: EmbeddedSchema = EmbeddedSchema {
    name: "<embedded>/api.tl",
    origin: "grammers-tl-types 0.11.0 (crates.io), tl/api.tl",
    text: include_str!(env!("TL_EMBEDDED_API")),
};

/// `mtproto.tl`, the service definitions beside it.
pub const MTPROTO: EmbeddedSchema = EmbeddedSchema {
    name: "<embedded>/mtproto.tl",
    origin: "grammers-tl-types 0.11.0 (crates.io), tl/mtproto.tl",
    text: include_str!(env!("TL_EMBEDDED_MTPROTO")),
};

/// Both, in the order `tl gen` takes them by default.
pub const DEFAULT: &[EmbeddedSchema] = &[API, MTPROTO];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_schemas_check_clean() {
        for s in DEFAULT {
            let parsed = tl_parser::check(s.text);
            assert!(parsed.diagnostics.iter().all(|d| !d.is_error()), "{}", s.name);
            assert!(parsed.schema.definitions.len() > 40, "{}", s.name);
        }
        assert_eq!(tl_parser::check(API.text).schema.layer, Some(230));
    }
}
