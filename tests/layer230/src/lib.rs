//! The full embedded layer (layer 230 `api.tl` + `mtproto.tl`), generated at build time.

/// The generated bindings.
#[allow(missing_docs)]
pub mod api {
    include!(concat!(env!("OUT_DIR"), "/tl_api.rs"));
}

/// Test support: decode-and-re-encode by id through the generated types.
pub mod dispatch {
    include!(concat!(env!("OUT_DIR"), "/dispatch.rs"));
}

/// The serde subset: owned types with `--serde`, tree-shaken with `--only`.
#[allow(missing_docs)]
pub mod serde_api {
    include!(concat!(env!("OUT_DIR"), "/tl_api_serde.rs"));
}

/// The serde subset again, borrowed (`Serialize` only).
#[allow(missing_docs)]
pub mod serde_borrowed_api {
    include!(concat!(env!("OUT_DIR"), "/tl_api_serde_borrowed.rs"));
}

/// Test support: generated serde against the dynamic codec's JSON, by id.
pub mod serde_dispatch {
    include!(concat!(env!("OUT_DIR"), "/serde_dispatch.rs"));
}

/// `service.tl` (MTProto's container items and `rpc_result`, TDLib's `int512`), borrowed, with
/// serde.
#[allow(missing_docs)]
pub mod service {
    include!(concat!(env!("OUT_DIR"), "/service.rs"));
}

/// `service.tl` again, owned.
#[allow(missing_docs)]
pub mod service_owned {
    include!(concat!(env!("OUT_DIR"), "/service_owned.rs"));
}

/// `tl-codegen/tests/td_json.tl`, a schema in td_api.tl's shape, borrowed, with serde.
#[allow(missing_docs)]
pub mod td {
    include!(concat!(env!("OUT_DIR"), "/td.rs"));
}

/// `td_json.tl` again, owned.
#[allow(missing_docs)]
pub mod td_owned {
    include!(concat!(env!("OUT_DIR"), "/td_owned.rs"));
}

/// `tl-codegen/tests/ton_mode.tl`, a TON-shaped schema with mode words, borrowed, with serde.
#[allow(missing_docs)]
pub mod ton_mode {
    include!(concat!(env!("OUT_DIR"), "/ton_mode.rs"));
}

/// `ton_mode.tl` again, owned.
#[allow(missing_docs)]
pub mod ton_mode_owned {
    include!(concat!(env!("OUT_DIR"), "/ton_mode_owned.rs"));
}

/// `edges.tl`: shapes generated code once failed to compile on, borrowed and owned, with serde.
/// Compiling is the test.
#[allow(missing_docs)]
pub mod edges {
    include!(concat!(env!("OUT_DIR"), "/edges.rs"));

    /// The owned form.
    pub mod owned {
        include!(concat!(env!("OUT_DIR"), "/edges_owned.rs"));
    }

    /// `Owned` holds an answer of bare elements (`Vec<Bare<T>>`): this compiles.
    pub type MatricesAnswer =
        Owned<<functions::GetMatrices as tl_codec::Function>::Return<'static>>;
}

/// `service.tl` generated with no derives (`Builder::derives([])`), borrowed and owned, with
/// serde: compiling is the test.
#[allow(missing_docs)]
pub mod service_bare {
    include!(concat!(env!("OUT_DIR"), "/service_bare.rs"));

    /// The owned form.
    pub mod owned {
        include!(concat!(env!("OUT_DIR"), "/service_bare_owned.rs"));
    }
}

/// `service.tl` once more, mounted privately and unused, under lints a crate may deny: the
/// generated items allow them themselves (an `include!`d file cannot say so at its top).
#[deny(
    warnings,
    dead_code,
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    unused_qualifications,
    rust_2018_idioms
)]
mod private_unused {
    include!(concat!(env!("OUT_DIR"), "/service.rs"));
}
