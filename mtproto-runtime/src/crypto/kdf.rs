//! MTProto 2.0 message key and AES key/IV derivation.

use sha2::{Digest, Sha256};

use crate::auth_key::AuthKey;

/// Which side sent a message; it selects the offset `x` of the v2 key derivation (0 for messages
/// from the client, 8 for messages from the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The client; `x = 0`.
    Client,
    /// The server; `x = 8`.
    Server,
}

impl Side {
    #[inline]
    fn x(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 8,
        }
    }

    /// The other side.
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

/// `SHA256(auth_key[88+x .. 120+x] + plaintext)`, where `plaintext` includes the padding.
pub fn msg_key_large(key: &AuthKey, sender: Side, plaintext: &[u8]) -> [u8; 32] {
    let x = sender.x();
    let mut h = Sha256::new();
    h.update(&key.as_bytes()[88 + x..120 + x]);
    h.update(plaintext);
    h.finalize().into()
}

/// The 16-byte msg_key: the middle 128 bits of [`msg_key_large`].
pub fn msg_key(key: &AuthKey, sender: Side, plaintext: &[u8]) -> [u8; 16] {
    middle(&msg_key_large(key, sender, plaintext))
}

#[inline]
fn middle(large: &[u8; 32]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&large[8..24]);
    out
}

/// The quick-ack token of a message: the first 32 bits of [`msg_key_large`] (read little-endian,
/// as the transports carry it) with the top bit set so it cannot be mistaken for a length.
pub fn quick_ack_token(large: &[u8; 32]) -> u32 {
    u32::from_le_bytes([large[0], large[1], large[2], large[3]]) | 0x8000_0000
}

/// AES-256 key and IGE IV for a message from `sender` with the given msg_key.
pub fn aes_key_iv(key: &AuthKey, sender: Side, msg_key: &[u8; 16]) -> ([u8; 32], [u8; 32]) {
    let x = sender.x();
    let k = key.as_bytes();
    let a: [u8; 32] = Sha256::new().chain_update(msg_key).chain_update(&k[x..x + 36]).finalize().into();
    let b: [u8; 32] = Sha256::new().chain_update(&k[40 + x..76 + x]).chain_update(msg_key).finalize().into();
    let mut aes_key = [0u8; 32];
    aes_key[..8].copy_from_slice(&a[..8]);
    aes_key[8..24].copy_from_slice(&b[8..24]);
    aes_key[24..].copy_from_slice(&a[24..]);
    let mut aes_iv = [0u8; 32];
    aes_iv[..8].copy_from_slice(&b[..8]);
    aes_iv[8..24].copy_from_slice(&a[8..24]);
    aes_iv[24..].copy_from_slice(&b[24..]);
    (aes_key, aes_iv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::sha256;

    #[test]
    fn derivation_follows_the_formula() {
        let key = AuthKey::from_bytes(core::array::from_fn(|i| i as u8));
        let mk = [0xabu8; 16];
        for (side, x) in [(Side::Client, 0usize), (Side::Server, 8)] {
            let a = sha256(&[&mk, &key.as_bytes()[x..x + 36]]);
            let b = sha256(&[&key.as_bytes()[40 + x..76 + x], &mk]);
            let (k, iv) = aes_key_iv(&key, side, &mk);
            assert_eq!([&a[..8], &b[8..24], &a[24..]].concat(), k);
            assert_eq!([&b[..8], &a[8..24], &b[24..]].concat(), iv);
            let large = sha256(&[&key.as_bytes()[88 + x..120 + x], b"data"]);
            assert_eq!(msg_key(&key, side, b"data"), large[8..24]);
        }
        assert_eq!(Side::Client.peer(), Side::Server);
    }

    #[test]
    fn quick_ack_has_top_bit() {
        let mut large = [0u8; 32];
        large[0] = 1;
        assert_eq!(quick_ack_token(&large), 0x8000_0001);
    }
}
