//! The types and functions of `schemas/mtproto.tl`, generated at build time by tl-codegen.
//!
//! `rpc_result`, `msg_container`, `message` and `gzip_packed` are commented out in the schema
//! (their bodies are untyped objects); the session layer reads them by hand.

#![allow(missing_docs, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/tl_api.rs"));

#[cfg(test)]
mod tests {
    use super::{functions, types};

    #[test]
    fn ping_and_pong_use_the_schema_ids() {
        let bytes = tl_codec::to_bytes(&functions::Ping { ping_id: 7 });
        assert_eq!(&bytes[..4], &0x7abe77ecu32.to_le_bytes());
        let pong = types::Pong { msg_id: 4, ping_id: 7 };
        let back: types::Pong = tl_codec::from_bytes(&tl_codec::to_bytes(&pong)).unwrap();
        assert_eq!(back, pong);
        assert!(tl_codec::from_bytes::<types::Pong>(&bytes).is_err());
    }
}
