//! MTProto 1.0 message encryption (SHA-1 key derivation). Obsolete for traffic, but the PFS
//! binding message `bind_auth_key_inner` must still be encrypted this way with the permanent key.

use super::{sha1, Side};
use crate::auth_key::AuthKey;

/// v1 msg_key: the low 128 bits of SHA1 of the plaintext *without* padding.
pub fn msg_key_v1(plaintext_without_padding: &[u8]) -> [u8; 16] {
    let h = sha1(&[plaintext_without_padding]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&h[4..]);
    out
}

/// v1 AES key and IV for a message from `sender` with `msg_key`.
pub fn aes_key_iv_v1(key: &AuthKey, sender: Side, msg_key: &[u8; 16]) -> ([u8; 32], [u8; 32]) {
    let x = match sender {
        Side::Client => 0,
        Side::Server => 8,
    };
    let k = key.as_bytes();
    let a = sha1(&[msg_key, &k[x..x + 32]]);
    let b = sha1(&[&k[32 + x..48 + x], msg_key, &k[48 + x..64 + x]]);
    let c = sha1(&[&k[64 + x..96 + x], msg_key]);
    let d = sha1(&[msg_key, &k[96 + x..128 + x]]);
    let mut aes_key = [0u8; 32];
    aes_key[..8].copy_from_slice(&a[..8]);
    aes_key[8..20].copy_from_slice(&b[8..20]);
    aes_key[20..].copy_from_slice(&c[4..16]);
    let mut aes_iv = [0u8; 32];
    aes_iv[..12].copy_from_slice(&a[8..20]);
    aes_iv[12..20].copy_from_slice(&b[..8]);
    aes_iv[20..24].copy_from_slice(&c[16..20]);
    aes_iv[24..].copy_from_slice(&d[..8]);
    (aes_key, aes_iv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_follows_the_formula() {
        let key = AuthKey::from_bytes(core::array::from_fn(|i| (i * 3) as u8));
        let mk = [7u8; 16];
        let k = key.as_bytes();
        let (aes_key, aes_iv) = aes_key_iv_v1(&key, Side::Server, &mk);
        let a = sha1(&[&mk, &k[8..40]]);
        let b = sha1(&[&k[40..56], &mk, &k[56..72]]);
        let c = sha1(&[&k[72..104], &mk]);
        let d = sha1(&[&mk, &k[104..136]]);
        assert_eq!(aes_key.to_vec(), [&a[..8], &b[8..20], &c[4..16]].concat());
        assert_eq!(aes_iv.to_vec(), [&a[8..20], &b[..8], &c[16..20], &d[..8]].concat());
        assert_eq!(msg_key_v1(b"abc").to_vec(), sha1(&[b"abc"])[4..].to_vec());
    }
}
