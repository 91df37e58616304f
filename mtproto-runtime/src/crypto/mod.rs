//! Cryptographic primitives of MTProto 2.0: AES-256-IGE, the v2 key derivation, hashes and
//! constant-time comparison.

mod ige;
#[cfg(target_arch = "x86_64")]
mod ige_ni;
mod kdf;
mod v1;

#[doc(hidden)]
pub use ige::serial_chain_limit;
pub use ige::{ige_decrypt, ige_decrypt_with, ige_encrypt, ige_encrypt_with, NotBlockAligned};
pub use kdf::{aes_key_iv, msg_key, msg_key_large, quick_ack_token, Side};
pub use v1::{aes_key_iv_v1, msg_key_v1};

use sha1::{Digest, Sha1};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// SHA-1 of the concatenation of `parts`.
pub fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha1::new();
    for part in parts {
        h.update(part);
    }
    h.finalize().into()
}

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    h.finalize().into()
}

/// Compares two byte strings in time independent of where they differ, for message keys and
/// hashes an attacker could otherwise learn byte by byte.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_of_parts_equal_hash_of_whole() {
        assert_eq!(sha1(&[b"ab", b"c"]), sha1(&[b"abc"]));
        assert_eq!(sha256(&[b"a", b"", b"bc"]), sha256(&[b"abc"]));
        assert_eq!(
            sha1(&[b"abc"]).to_vec(),
            crate::test_util::hex("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
    }

    #[test]
    fn ct_eq_compares() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
