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
