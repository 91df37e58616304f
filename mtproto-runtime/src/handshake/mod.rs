//! The auth-key exchange (core.telegram.org/mtproto/auth_key) as sans-IO state machines.
//!
//! Every check of the security guidelines is made: nonce echoes, the SHA-1 of the DH answer, a
//! safe 2048-bit dh_prime, g and its quadratic-residue condition, g_a/g_b ranges with the 2^1984
//! margins, and every new_nonce_hash. Randomness is injected, so known values replay exactly.
//! [`bind_temp_auth_key`] builds the PFS binding of a temporary key.

mod bind;
#[cfg(all(test, feature = "server"))]
mod checks;
mod client;
pub(crate) mod dh;
pub(crate) mod factorize;
mod rsa;
#[cfg(test)]
mod samples;
#[cfg(feature = "server")]
mod server;

use core::fmt;

#[cfg(feature = "server")]
pub use bind::verify_bind_temp_auth_key;
pub use bind::{bind_temp_auth_key, Binding};
pub use client::{ClientConfig, ClientHandshake, Step};
pub use dh::{
    check_dh_params, check_generator, check_public_value, check_trusted_dh_params, is_probable_prime, DhError,
};
pub use factorize::factorize;
#[cfg(feature = "server")]
pub use rsa::RsaPrivateKey;
pub use rsa::{KeyError, RsaPadError, RsaPublicKey, PRODUCTION_KEY_PEM, TEST_KEY_PEM};
#[cfg(feature = "server")]
pub use server::{ServerConfig, ServerHandshake, ServerStep, TEST_SERVER_KEY_PEM};

use crate::auth_key::AuthKey;

/// The result of a completed exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The new authorization key.
    pub auth_key: AuthKey,
    /// The first server salt: new_nonce[0..8] XOR server_nonce[0..8].
    pub server_salt: i64,
    /// server_time from server_DH_inner_data; the caller derives its clock offset from it.
    pub server_time: i32,
    /// `Some` for a temporary (PFS) key: its lifetime in seconds as requested.
    pub expires_in: Option<i32>,
    /// The DH prime that was checked (big-endian), to pass as a trusted prime next time.
    pub dh_prime: Vec<u8>,
}

/// Why an exchange failed. Every failure ends it; the caller starts a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// A message was not the expected TL object.
    Malformed(String),
    /// The nonce echoed by the peer is not ours.
    NonceMismatch,
    /// The server_nonce echoed is not the one from resPQ.
    ServerNonceMismatch,
    /// pq is not a product of two primes that fits 64 bits.
    BadPq,
    /// None of the server's fingerprints names a key we have.
    NoKnownKey,
    /// RSA_PAD failed.
    Rsa(RsaPadError),
    /// The SHA-1 in front of server_DH_inner_data does not match it.
    AnswerHash,
    /// The encrypted DH answer has a bad length or padding.
    BadEncryptedAnswer,
    /// A Diffie-Hellman parameter check failed.
    Dh(DhError),
    /// The server answered server_DH_params_fail.
    ServerDhParamsFail,
    /// A new_nonce_hash does not match.
    BadNewNonceHash,
    /// The server answered dh_gen_fail.
    DhGenFail,
    /// dh_gen_retry came more often than allowed.
    TooManyRetries,
    /// The exchange already finished or failed.
    Over,
    /// (Server side) the request names an RSA key we do not hold or cannot be decrypted.
    BadEncryptedData,
    /// (Server side) an auth.bindTempAuthKey request does not check out.
    BadBinding,
}

/// Both sides echo the nonces of the exchange in every message: a mismatch ends the handshake.
pub(crate) fn check_nonces(
    nonce: &[u8; 16],
    server_nonce: &[u8; 16],
    got_nonce: &[u8; 16],
    got_server_nonce: &[u8; 16],
) -> Result<(), HandshakeError> {
    if nonce != got_nonce {
        return Err(HandshakeError::NonceMismatch);
    }
    if server_nonce != got_server_nonce {
        return Err(HandshakeError::ServerNonceMismatch);
    }
    Ok(())
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::Malformed(e) => write!(f, "malformed handshake message: {e}"),
            HandshakeError::NonceMismatch => f.write_str("nonce mismatch"),
            HandshakeError::ServerNonceMismatch => f.write_str("server_nonce mismatch"),
            HandshakeError::BadPq => f.write_str("pq cannot be factored into two primes"),
            HandshakeError::NoKnownKey => f.write_str("no known RSA key among the server's fingerprints"),
            HandshakeError::Rsa(e) => write!(f, "RSA_PAD: {e}"),
            HandshakeError::AnswerHash => f.write_str("SHA-1 of server_DH_inner_data does not match"),
            HandshakeError::BadEncryptedAnswer => f.write_str("bad encrypted DH answer"),
            HandshakeError::Dh(e) => write!(f, "DH check failed: {e}"),
            HandshakeError::ServerDhParamsFail => f.write_str("server answered server_DH_params_fail"),
            HandshakeError::BadNewNonceHash => f.write_str("new_nonce_hash does not match"),
            HandshakeError::DhGenFail => f.write_str("server answered dh_gen_fail"),
            HandshakeError::TooManyRetries => f.write_str("too many dh_gen_retry answers"),
            HandshakeError::Over => f.write_str("the exchange is over"),
            HandshakeError::BadEncryptedData => f.write_str("encrypted_data cannot be decrypted"),
            HandshakeError::BadBinding => f.write_str("auth.bindTempAuthKey does not check out"),
        }
    }
}

impl std::error::Error for HandshakeError {}
