//! Perfect forward secrecy: binding a temporary key to the permanent one with
//! `auth.bindTempAuthKey` (core.telegram.org/api/pfs). The request is sent over the temporary key
//! like any RPC; its `encrypted_message` is `bind_auth_key_inner` encrypted with the permanent key
//! in MTProto 1.0 style.

#[cfg(feature = "server")]
use super::HandshakeError;
use crate::auth_key::AuthKey;
use crate::crypto::{aes_key_iv_v1, ige_encrypt, msg_key_v1, Side};
use crate::random::Random;
use crate::schema::api::functions::auth::BindTempAuthKey;
use crate::schema::types::BindAuthKeyInner;

/// random:int128 + msg_id + seqno + msg_len + bind_auth_key_inner (40 bytes).
const INNER_PLAINTEXT_LEN: usize = 16 + 8 + 4 + 4 + INNER_LEN;
/// bind_auth_key_inner, boxed: constructor, four longs and an int.
const INNER_LEN: usize = 4 + 4 * 8 + 4;

/// What the binding asserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// Random nonce, repeated inside and outside the encrypted part.
    pub nonce: i64,
    /// auth_key_id of the temporary key.
    pub temp_auth_key_id: u64,
    /// auth_key_id of the permanent key.
    pub perm_auth_key_id: u64,
    /// The session id the bind request is sent in (over the temporary key).
    pub temp_session_id: i64,
    /// Unix time the temporary key expires.
    pub expires_at: i32,
}

impl Binding {
    fn inner(&self) -> BindAuthKeyInner {
        BindAuthKeyInner {
            nonce: self.nonce,
            temp_auth_key_id: self.temp_auth_key_id as i64,
            perm_auth_key_id: self.perm_auth_key_id as i64,
            temp_session_id: self.temp_session_id,
            expires_at: self.expires_at,
        }
    }
}

/// Builds the body of `auth.bindTempAuthKey` to send over the temporary key as the message with
/// id `msg_id` (the same id goes inside the encrypted part). The nonce is drawn from `rng`.
pub fn bind_temp_auth_key(
    perm: &AuthKey,
    temp: &AuthKey,
    temp_session_id: i64,
    expires_at: i32,
    msg_id: i64,
    rng: &mut dyn Random,
) -> (Vec<u8>, Binding) {
    let mut nonce = [0u8; 8];
    rng.fill(&mut nonce);
    let binding = Binding {
        nonce: i64::from_le_bytes(nonce),
        temp_auth_key_id: temp.id(),
        perm_auth_key_id: perm.id(),
        temp_session_id,
        expires_at,
    };
    // The MTProto 1.0 plaintext: random, msg_id, seqno 0, length, then the object.
    let mut random = [0u8; 16 + 8];
    rng.fill(&mut random);
    let mut plain = Vec::with_capacity(INNER_PLAINTEXT_LEN.next_multiple_of(16));
    plain.extend_from_slice(&random[..16]);
    plain.extend_from_slice(&msg_id.to_le_bytes());
    plain.extend_from_slice(&0i32.to_le_bytes());
    plain.extend_from_slice(&(INNER_LEN as i32).to_le_bytes());
    tl_codec::write_into(&binding.inner(), &mut plain);
    let msg_key = msg_key_v1(&plain);
    plain.extend_from_slice(&random[16..16 + (16 - INNER_PLAINTEXT_LEN % 16)]);
    let (key, iv) = aes_key_iv_v1(perm, Side::Client, &msg_key);
    // 80 bytes: a whole number of blocks by construction.
    let _ = ige_encrypt(&mut plain, &key, &iv);
    let mut encrypted = Vec::with_capacity(8 + 16 + plain.len());
    encrypted.extend_from_slice(&perm.id().to_le_bytes());
    encrypted.extend_from_slice(&msg_key);
    encrypted.extend_from_slice(&plain);

    let body = tl_codec::to_bytes(&BindTempAuthKey {
        perm_auth_key_id: perm.id() as i64,
        nonce: binding.nonce,
        expires_at,
        encrypted_message: &encrypted,
    });
    (body, binding)
}

/// Server side: checks an `auth.bindTempAuthKey` body received over the temporary key
/// `temp_auth_key_id` in session `temp_session_id` as message `msg_id`. `perm_key` looks up a
/// permanent key by id.
#[cfg(feature = "server")]
pub fn verify_bind_temp_auth_key(
    body: &[u8],
    temp_auth_key_id: u64,
    temp_session_id: i64,
    msg_id: i64,
    perm_key: impl Fn(u64) -> Option<AuthKey>,
) -> Result<Binding, HandshakeError> {
    let bad = |_| HandshakeError::BadBinding;
    let request: BindTempAuthKey<'_> = tl_codec::from_bytes(body).map_err(bad)?;
    let perm_auth_key_id = request.perm_auth_key_id as u64;
    let perm = perm_key(perm_auth_key_id).ok_or(HandshakeError::BadBinding)?;
    let encrypted = request.encrypted_message;
    let (id, rest) = encrypted.split_at_checked(8).ok_or(HandshakeError::BadBinding)?;
    let (msg_key, data) = rest.split_at_checked(16).ok_or(HandshakeError::BadBinding)?;
    if id != perm.id().to_le_bytes() || data.len() != INNER_PLAINTEXT_LEN.next_multiple_of(16) {
        return Err(HandshakeError::BadBinding);
    }
    let mut msg_key_arr = [0u8; 16];
    msg_key_arr.copy_from_slice(msg_key);
    let (key, iv) = aes_key_iv_v1(&perm, Side::Client, &msg_key_arr);
    let mut plain = data.to_vec();
    crate::crypto::ige_decrypt(&mut plain, &key, &iv).map_err(|_| HandshakeError::BadBinding)?;
    let checked = plain.get(..INNER_PLAINTEXT_LEN).ok_or(HandshakeError::BadBinding)?;
    if !crate::crypto::ct_eq(&msg_key_v1(checked), msg_key) {
        return Err(HandshakeError::BadBinding);
    }
    let mut r = tl_codec::Reader::new(checked.get(16..).ok_or(HandshakeError::BadBinding)?);
    let inner_msg_id = i64::from_le_bytes(*r.read_array().map_err(bad)?);
    let seq_no = i32::from_le_bytes(*r.read_array().map_err(bad)?);
    let len = i32::from_le_bytes(*r.read_array().map_err(bad)?);
    let inner: BindAuthKeyInner = tl_codec::from_bytes(r.rest()).map_err(bad)?;
    let binding = Binding {
        nonce: inner.nonce,
        temp_auth_key_id: inner.temp_auth_key_id as u64,
        perm_auth_key_id: inner.perm_auth_key_id as u64,
        temp_session_id: inner.temp_session_id,
        expires_at: inner.expires_at,
    };
    let expected = Binding {
        nonce: request.nonce,
        temp_auth_key_id,
        perm_auth_key_id,
        temp_session_id,
        expires_at: request.expires_at,
    };
    if inner_msg_id != msg_id || seq_no != 0 || len != INNER_LEN as i32 || binding != expected {
        return Err(HandshakeError::BadBinding);
    }
    Ok(binding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::OsRandom;

    /// /api/pfs: `encrypted_message` is bind_auth_key_inner under the permanent key in MTProto
    /// 1.0 style: perm auth_key_id, msg_key = the low 128 bits of SHA1 of the plaintext without
    /// padding, and the plaintext `random:int128 | msg_id | seqno 0 | msg_len 40 | object`,
    /// padded to whole blocks. Decrypted here with the v1 derivation of a key whose bytes all
    /// differ (so the client's offsets, x = 0, are told from the server's).
    #[test]
    fn the_binding_message_is_encrypted_as_the_spec_says() {
        let perm = AuthKey::from_bytes(core::array::from_fn(|i| (i * 7 + 3) as u8));
        let temp = AuthKey::from_bytes(core::array::from_fn(|i| (i * 11 + 5) as u8));
        let msg_id = 0x6000_0000_0000_1004;
        let (body, binding) =
            bind_temp_auth_key(&perm, &temp, -9, 1_700_086_400, msg_id, &mut OsRandom::new());
        let request: BindTempAuthKey<'_> = tl_codec::from_bytes(&body).unwrap();
        assert_eq!(request.perm_auth_key_id, perm.id() as i64);
        assert_eq!((request.nonce, request.expires_at), (binding.nonce, 1_700_086_400));
        let m = request.encrypted_message;
        assert_eq!(m[..8], perm.id().to_le_bytes());
        let msg_key: [u8; 16] = m[8..24].try_into().unwrap();
        let mut plain = m[24..].to_vec();
        assert_eq!(plain.len(), 80, "72 bytes padded to whole blocks");
        let (key, iv) = aes_key_iv_v1(&perm, Side::Client, &msg_key);
        crate::crypto::ige_decrypt(&mut plain, &key, &iv).unwrap();
        assert_eq!(msg_key_v1(&plain[..72]), msg_key);
        assert_eq!(plain[16..24], msg_id.to_le_bytes());
        assert_eq!(plain[24..28], 0i32.to_le_bytes(), "seqno 0");
        assert_eq!(plain[28..32], 40i32.to_le_bytes(), "msg_len 40");
        let inner: BindAuthKeyInner = tl_codec::from_bytes(&plain[32..72]).unwrap();
        assert_eq!(inner.nonce, binding.nonce);
        assert_eq!(inner.temp_auth_key_id, temp.id() as i64);
        assert_eq!(inner.perm_auth_key_id, perm.id() as i64);
        assert_eq!((inner.temp_session_id, inner.expires_at), (-9, 1_700_086_400));
        #[cfg(feature = "server")]
        {
            let lookup = |id: u64| (id == perm.id()).then(|| perm.clone());
            assert_eq!(verify_bind_temp_auth_key(&body, temp.id(), -9, msg_id, lookup), Ok(binding));
        }
    }

    #[test]
    fn bind_round_trip_and_tampering() {
        let perm = AuthKey::from_bytes([1; 256]);
        let temp = AuthKey::from_bytes([2; 256]);
        let mut rng = OsRandom::new();
        let (body, binding) =
            bind_temp_auth_key(&perm, &temp, 77, 1_700_086_400, 0x6000_0000_0000_0004, &mut rng);
        let lookup = |id: u64| (id == perm.id()).then(|| perm.clone());
        let got = verify_bind_temp_auth_key(&body, temp.id(), 77, 0x6000_0000_0000_0004, lookup).unwrap();
        assert_eq!(got, binding);
        assert_eq!(got.perm_auth_key_id, perm.id());
        // Wrong message id, session or temporary key: refused.
        assert!(verify_bind_temp_auth_key(&body, temp.id(), 77, 8, lookup).is_err());
        assert!(verify_bind_temp_auth_key(&body, temp.id(), 78, 0x6000_0000_0000_0004, lookup).is_err());
        assert!(verify_bind_temp_auth_key(&body, 5, 77, 0x6000_0000_0000_0004, lookup).is_err());
        // Every byte but the 3 zero bytes that pad the 104-byte TL string to a multiple of 4.
        assert_eq!(body.len(), 4 + 8 + 8 + 4 + 1 + 104 + 3);
        for i in 0..body.len() - 3 {
            let mut t = body.clone();
            t[i] ^= 0x10;
            assert!(
                verify_bind_temp_auth_key(&t, temp.id(), 77, 0x6000_0000_0000_0004, lookup).is_err(),
                "{i}"
            );
        }
        for cut in 0..body.len() {
            assert!(verify_bind_temp_auth_key(&body[..cut], temp.id(), 77, 0x6000_0000_0000_0004, lookup)
                .is_err());
        }
    }
}
