//! mtproto-runtime: sans-IO MTProto 2.0.
//!
//! Nothing in this crate opens a socket or reads a clock: callers feed received bytes in and take
//! bytes to send out, pass the time where it matters, and every random byte comes from an
//! injectable [`random::Random`] (so known vectors replay exactly).
//!
//! - [`crypto`]: AES-256-IGE run inside the AES backend, the v2 (and, for PFS binding, v1) key
//!   derivation, hashes, constant-time comparison.
//! - [`auth_key`]: the authorization key and its identifiers.
//! - [`plain`] and [`encrypted`]: the two message envelopes; reading an encrypted message makes
//!   every receive check that needs no session state.
//! - [`handshake`]: the auth-key exchange as state machines (client; server with feature
//!   `server`), PFS temporary keys and their binding.
//! - [`transport`]: abridged, intermediate, padded intermediate and full framing, obfuscated2,
//!   quick acks, incremental decoding.
//!
//! The handshake's few TL objects are serialized by a small private module until the generated
//! mtproto types replace it; the session layer (msg_id, seq_no, salts, containers) comes with
//! those types.

pub mod auth_key;
pub mod crypto;
pub mod encrypted;
pub mod handshake;
#[cfg(feature = "tokio")]
pub mod net;
pub mod plain;
pub mod random;
pub mod schema;
pub mod session;
pub mod transport;

#[cfg(test)]
mod test_util;

pub use auth_key::AuthKey;
pub use random::{OsRandom, Random};
