//! Obfuscated2: the whole byte stream is AES-256-CTR encrypted under keys taken from a random
//! 64-byte init header, so the traffic has no fixed pattern. Optionally keyed with an MTProxy
//! secret and carrying a DC id.

use aes::cipher::{KeyIvInit, StreamCipher};
use aes::Aes256;

use super::TransportError;
use crate::crypto::sha256;
use crate::random::Random;

type Ctr = ctr::Ctr128BE<Aes256>;

/// First words an init header must not start with: they would look like another protocol
/// (HTTP verbs, TLS, the plain transport tags) to the server or to middleboxes.
const FORBIDDEN_FIRST_WORDS: [[u8; 4]; 8] =
    [*b"HEAD", *b"POST", *b"GET ", *b"OPTI", [0x16, 0x03, 0x01, 0x02], [0xdd; 4], [0xee; 4], *b"PVrG"];

/// An MTProxy secret reduced to the 16 bytes that key the streams.
pub fn proxy_secret_key(secret: &[u8]) -> Result<[u8; 16], TransportError> {
    let key = match secret {
        [0xdd | 0xee, rest @ ..] if rest.len() == 16 => rest,
        _ if secret.len() == 16 => secret,
        _ => return Err(TransportError::BadSecret),
    };
    let mut out = [0u8; 16];
    out.copy_from_slice(key);
    Ok(out)
}

/// The two AES-CTR streams of an obfuscated connection.
pub struct Obfuscation {
    encrypt: Ctr,
    decrypt: Ctr,
}

impl core::fmt::Debug for Obfuscation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Obfuscation")
    }
}

/// Key and IV from header bytes 8..56 (forward, or of the reversed header), with the proxy
/// secret mixed in.
fn stream(key_iv: &[u8], secret: Option<&[u8; 16]>) -> Ctr {
    let mut key = [0u8; 32];
    key.copy_from_slice(&key_iv[..32]);
    if let Some(secret) = secret {
        key = sha256(&[&key, secret]);
    }
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&key_iv[32..48]);
    Ctr::new(&key.into(), &iv.into())
}

impl Obfuscation {
    /// The client side: draws a valid init header carrying `tag` (and `dc`, for MTProxy) and
    /// returns the streams with the 64 bytes to send before anything else.
    pub fn client(
        tag: [u8; 4],
        dc: Option<i16>,
        secret: Option<&[u8; 16]>,
        rng: &mut dyn Random,
    ) -> (Self, [u8; 64]) {
        let mut init = [0u8; 64];
        loop {
            rng.fill(&mut init);
            let first: [u8; 4] = [init[0], init[1], init[2], init[3]];
            if init[0] != 0xef && !FORBIDDEN_FIRST_WORDS.contains(&first) && init[4..8] != [0; 4] {
                break;
            }
        }
        init[56..60].copy_from_slice(&tag);
        if let Some(dc) = dc {
            init[60..62].copy_from_slice(&dc.to_le_bytes());
        }
        let mut reversed = init;
        reversed.reverse();
        let mut encrypt = stream(&init[8..56], secret);
        let decrypt = stream(&reversed[8..56], secret);
        // The whole header goes through the stream; only its tail is sent encrypted, and the
        // stream stays advanced by 64 bytes.
        let mut encrypted = init;
        encrypt.apply_keystream(&mut encrypted);
        init[56..].copy_from_slice(&encrypted[56..]);
        (Obfuscation { encrypt, decrypt }, init)
    }

    /// The server side: reads a client's init header; returns the streams, the transport tag and
    /// the DC id it carries.
    pub fn server(init: &[u8; 64], secret: Option<&[u8; 16]>) -> (Self, [u8; 4], i16) {
        let mut reversed = *init;
        reversed.reverse();
        let mut decrypt = stream(&init[8..56], secret);
        let encrypt = stream(&reversed[8..56], secret);
        let mut plain = *init;
        decrypt.apply_keystream(&mut plain);
        let tag = [plain[56], plain[57], plain[58], plain[59]];
        let dc = i16::from_le_bytes([plain[60], plain[61]]);
        (Obfuscation { encrypt, decrypt }, tag, dc)
    }

    /// Encrypts outgoing bytes in place.
    pub fn encrypt(&mut self, buf: &mut [u8]) {
        self.encrypt.apply_keystream(buf);
    }

    /// Decrypts incoming bytes in place.
    pub fn decrypt(&mut self, buf: &mut [u8]) {
        self.decrypt.apply_keystream(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_rules_and_roundtrip() {
        // A source that first offers every forbidden pattern, then good bytes.
        let mut calls = 0u32;
        let mut rng = |buf: &mut [u8]| {
            calls += 1;
            buf.fill(calls as u8);
            match calls {
                1 => buf[0] = 0xef,
                2 => buf[..4].copy_from_slice(b"POST"),
                3 => buf[..4].copy_from_slice(&[0xee; 4]),
                4 => buf[4..8].fill(0),
                _ => {}
            }
        };
        let secret = proxy_secret_key(&[7u8; 16]).unwrap();
        let (mut client, init) = Obfuscation::client([0xdd; 4], Some(-2), Some(&secret), &mut rng);
        assert_eq!(init[0], 5);
        let (mut server, tag, dc) = Obfuscation::server(&init, Some(&secret));
        assert_eq!((tag, dc), ([0xdd; 4], -2));
        let mut msg = *b"hello, server";
        client.encrypt(&mut msg);
        server.decrypt(&mut msg);
        assert_eq!(&msg, b"hello, server");
        let mut msg = *b"hello, client";
        server.encrypt(&mut msg);
        client.decrypt(&mut msg);
        assert_eq!(&msg, b"hello, client");
        // A wrong secret garbles the tag.
        let (_, tag, _) = Obfuscation::server(&init, None);
        assert_ne!(tag, [0xdd; 4]);
    }

    #[test]
    fn secrets() {
        assert!(proxy_secret_key(&[1; 16]).is_ok());
        let mut dd = vec![0xdd];
        dd.extend_from_slice(&[3; 16]);
        assert_eq!(proxy_secret_key(&dd), Ok([3; 16]));
        assert_eq!(proxy_secret_key(&[1; 15]), Err(TransportError::BadSecret));
        assert_eq!(proxy_secret_key(&[1; 17]), Err(TransportError::BadSecret));
    }
}
