//! The schemas compiled into the binary: the default for every command that takes none.

/// One embedded schema file.
pub struct Embedded {
    /// A short name, also used as the path in diagnostics (`<embedded>/api.tl`).
    pub name: &'static str,
    /// Where the file comes from, for `tl layers`.
    pub origin: &'static str,
    /// The file's text.
    pub text: &'static str,
}

/// Layer 230 `api.tl` and `mtproto.tl`, as shipped in grammers-tl-types 0.11.0.
pub const DEFAULT: &[Embedded] = &[
    Embedded {
        name: "<embedded>/api.tl",
        origin: "grammers-tl-types 0.11.0 (crates.io), tl/api.tl",
        text: include_str!("../schemas/api.tl"),
    },
    Embedded {
        name: "<embedded>/mtproto.tl",
        origin: "grammers-tl-types 0.11.0 (crates.io), tl/mtproto.tl",
        text: include_str!("../schemas/mtproto.tl"),
    },
];
