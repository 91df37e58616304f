//! The 2048-bit authorization key and the identifiers derived from it.

use crate::crypto::sha1;

/// A 2048-bit authorization key with its derived identifiers.
#[derive(Clone)]
pub struct AuthKey {
    bytes: [u8; 256],
    id: u64,
    aux_hash: u64,
}

impl AuthKey {
    /// Wraps the 256 key bytes (big-endian, as produced by the DH exchange).
    pub fn from_bytes(bytes: [u8; 256]) -> Self {
        let hash = sha1(&[&bytes]);
        let id = u64::from_le_bytes(hash[12..20].try_into().unwrap_or([0; 8]));
        let aux_hash = u64::from_le_bytes(hash[..8].try_into().unwrap_or([0; 8]));
        AuthKey { bytes, id, aux_hash }
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 256] {
        &self.bytes
    }

    /// auth_key_id: the low 64 bits of SHA1(auth_key), i.e. its last 8 bytes read little-endian.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// auth_key_aux_hash: the high 64 bits of SHA1(auth_key) (its first 8 bytes, little-endian),
    /// used by the DH handshake as `retry_id` and in the new-nonce hashes.
    pub fn aux_hash(&self) -> u64 {
        self.aux_hash
    }
}

impl core::fmt::Debug for AuthKey {
    // The key itself is secret; only its public identifier is printed.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AuthKey {{ id: {:016x} }}", self.id)
    }
}

impl Drop for AuthKey {
    // The key outlives nothing it protects: wipe it so freed memory does not keep it.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.bytes);
    }
}

impl PartialEq for AuthKey {
    fn eq(&self, other: &Self) -> bool {
        crate::crypto::ct_eq(&self.bytes, &other.bytes)
    }
}

impl Eq for AuthKey {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_key() {
        let key = AuthKey::from_bytes([0x42; 256]);
        let text = format!("{key:?}");
        assert!(!text.contains("42, 42"));
        assert!(text.starts_with("AuthKey { id: "));
        assert_eq!(key, key.clone());
    }
}
