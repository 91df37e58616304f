//! mtproto-runtime: sans-IO MTProto 2.0.
//!
//! Nothing in this crate opens a socket or reads a clock: callers feed received bytes in and take
//! bytes to send out, and every random byte comes from an injectable [`random::Random`].
//!
//! - [`crypto`]: AES-256-IGE, the v2 key derivation, hashes, constant-time comparison.
//! - [`auth_key`]: the authorization key and its identifiers.
//! - [`plain`] and [`encrypted`]: the two message envelopes.
//! - [`handshake`]: the auth-key exchange as a state machine.
//! - [`transport`]: abridged, intermediate, padded intermediate, full and obfuscated2 framing.

pub mod auth_key;
pub mod crypto;
pub mod encrypted;
pub mod handshake;
pub mod plain;
pub mod random;
pub mod transport;

#[cfg(test)]
mod test_util;

pub use auth_key::AuthKey;
pub use random::{OsRandom, Random};
