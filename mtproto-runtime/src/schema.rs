//! The types and functions of the shipped `mtproto.tl`, generated at build time by tl-codegen.
//!
//! `rpc_result`, `msg_container`, `message` and `gzip_packed` are commented out in the schema
//! (their bodies are untyped objects); the session layer reads them by hand.

#![allow(missing_docs, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/tl_api.rs"));

/// The API-layer definitions the runtime itself uses, tree-shaken from the shipped `api.tl` by
/// tl-codegen's `only`: `auth.bindTempAuthKey` (PFS) and what it reaches (`Bool`, generated as
/// Rust `bool`).
pub mod api {
    #![allow(missing_docs, clippy::all)]

    include!(concat!(env!("OUT_DIR"), "/tl_api_layer.rs"));
}

#[cfg(test)]
mod tests {
    use super::{api, functions, types};

    #[test]
    fn ping_and_pong_use_the_schema_ids() {
        let bytes = tl_codec::to_bytes(&functions::Ping { ping_id: 7 });
        assert_eq!(&bytes[..4], &0x7abe77ecu32.to_le_bytes());
        let pong = types::Pong { msg_id: 4, ping_id: 7 };
        let back: types::Pong = tl_codec::from_bytes(&tl_codec::to_bytes(&pong)).unwrap();
        assert_eq!(back, pong);
        assert!(tl_codec::from_bytes::<types::Pong>(&bytes).is_err());
    }

    #[test]
    fn the_api_layer_part_holds_the_pfs_binding() {
        use tl_codec::Identifiable;
        assert_eq!(api::functions::auth::BindTempAuthKey::CONSTRUCTOR_ID, 0xcdd42a05);
        let f = api::functions::auth::BindTempAuthKey {
            perm_auth_key_id: 1,
            nonce: 2,
            expires_at: 3,
            encrypted_message: &[9; 5],
        };
        assert_eq!(tl_codec::to_bytes(&f).len(), 4 + 8 + 8 + 4 + 8);
        assert_eq!(
            tl_codec::decode_response::<api::functions::auth::BindTempAuthKey>(
                &tl_codec::BOOL_TRUE_ID.to_le_bytes()
            ),
            Ok(true)
        );
    }
}
