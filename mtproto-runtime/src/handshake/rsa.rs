//! RSA public keys of the Telegram servers (PKCS#1 PEM), their fingerprints, and RSA_PAD, the
//! padding the client uses to encrypt p_q_inner_data.

use core::fmt;

use base64::Engine;
use num_bigint::BigUint;

use crate::crypto::{ige_encrypt, sha1, sha256};
use crate::random::Random;

/// Telegram's production server key (fingerprint `0xd09d1d85de64fd85`), from my.telegram.org.
pub const PRODUCTION_KEY_PEM: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g
5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO
62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/
+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9
t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs
5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB
-----END RSA PUBLIC KEY-----";

/// Telegram's test-DC server key (fingerprint `0xb25898df208d2603`), from my.telegram.org.
pub const TEST_KEY_PEM: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAyMEdY1aR+sCR3ZSJrtztKTKqigvO/vBfqACJLZtS7QMgCGXJ6XIR
yy7mx66W0/sOFa7/1mAZtEoIokDP3ShoqF4fVNb6XeqgQfaUHd8wJpDWHcR2OFwv
plUUI1PLTktZ9uW2WE23b+ixNwJjJGwBDJPQEQFBE+vfmH0JP503wr5INS1poWg/
j25sIWeYPHYeOrFp/eXaqhISP6G+q2IeTaWTXpwZj4LzXq5YOpk4bYEQ6mvRq7D1
aHWfYmlEGepfaYR8Q0YqvvhYtMte3ITnuSJs171+GDqpdKcSwHnd6FudwGO4pcCO
j4WcDuXc2CTHgH8gFTNhp/Y8/SpDOhvn9QIDAQAB
-----END RSA PUBLIC KEY-----";

/// Why a PEM key could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// No `-----BEGIN ...-----` / `-----END ...-----` armour of the expected kind.
    NotPem,
    /// The armoured text is not base64.
    Base64,
    /// The DER structure is not the expected sequence of integers.
    Der,
    /// The modulus is not 2048 bits, or the exponent is unusable.
    UnsupportedKey,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyError::NotPem => "not a PKCS#1 PEM key",
            KeyError::Base64 => "PEM body is not base64",
            KeyError::Der => "malformed DER in RSA key",
            KeyError::UnsupportedKey => "RSA key is not a 2048-bit key with a usable exponent",
        })
    }
}

impl std::error::Error for KeyError {}

/// A server's RSA public key with its MTProto fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: BigUint,
    e: BigUint,
    fingerprint: i64,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPublicKey {{ fingerprint: {:016x} }}", self.fingerprint as u64)
    }
}

impl RsaPublicKey {
    /// Parses a PKCS#1 `RSA PUBLIC KEY` PEM (the form Telegram publishes); the X.509
    /// `PUBLIC KEY` form is accepted too.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = pem_decode(pem)?;
        let ints = match label {
            "RSA PUBLIC KEY" => der_integers(&der)?,
            "PUBLIC KEY" => der_integers(spki_key(&der)?)?,
            _ => return Err(KeyError::NotPem),
        };
        let [n, e] = ints.as_slice() else { return Err(KeyError::Der) };
        Self::from_parts(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))
    }

    /// A key from its modulus and public exponent.
    pub fn from_parts(n: BigUint, e: BigUint) -> Result<Self, KeyError> {
        if n.bits() != 2048 || e < BigUint::from(3u8) || e >= n {
            return Err(KeyError::UnsupportedKey);
        }
        // SHA-1 of the TL serialization of `rsa_public_key n:bytes e:bytes`.
        let (n_bytes, e_bytes) = (n.to_bytes_be(), e.to_bytes_be());
        let hash = sha1(&[&tl_codec::to_bytes(&&n_bytes[..]), &tl_codec::to_bytes(&&e_bytes[..])]);
        let mut low = [0u8; 8];
        low.copy_from_slice(&hash[12..20]);
        Ok(RsaPublicKey { n, e, fingerprint: i64::from_le_bytes(low) })
    }

    /// The built-in production key.
    pub fn production() -> Self {
        Self::from_pem(PRODUCTION_KEY_PEM).unwrap_or_else(|_| unreachable!("built-in key parses"))
    }

    /// The built-in test-DC key.
    pub fn test() -> Self {
        Self::from_pem(TEST_KEY_PEM).unwrap_or_else(|_| unreachable!("built-in key parses"))
    }

    /// The fingerprint: the low 64 bits of SHA1 of the TL-serialized `n:bytes e:bytes`.
    pub fn fingerprint(&self) -> i64 {
        self.fingerprint
    }

    /// RSA_PAD: encrypts `data` (at most 144 bytes) for this key.
    ///
    /// Randomness is drawn as: padding to 192 bytes, then a 32-byte temp_key (again while the
    /// padded value is not below the modulus).
    pub fn rsa_pad(&self, data: &[u8], rng: &mut dyn Random) -> Result<[u8; 256], RsaPadError> {
        if data.len() > 144 {
            return Err(RsaPadError::DataTooLong);
        }
        let mut with_padding = [0u8; 192];
        with_padding[..data.len()].copy_from_slice(data);
        rng.fill(&mut with_padding[data.len()..]);
        // A padded value at or above n happens with probability below 2^-8 per try for Telegram's
        // keys; the cap only keeps a broken random source from looping forever.
        for _ in 0..64 {
            let mut temp_key = [0u8; 32];
            rng.fill(&mut temp_key);
            let m = BigUint::from_bytes_be(&key_aes_encrypted(&with_padding, &temp_key)?);
            if m >= self.n {
                continue;
            }
            return Ok(to_256(&m.modpow(&self.e, &self.n)));
        }
        Err(RsaPadError::NoValidTempKey)
    }
}

/// key_aes_encrypted of RSA_PAD for one temp_key: `temp_key XOR SHA256(aes_encrypted)` followed
/// by `aes_encrypted = AES256_IGE(reverse(data_with_padding) + SHA256(temp_key + data_with_padding))`.
fn key_aes_encrypted(with_padding: &[u8; 192], temp_key: &[u8; 32]) -> Result<[u8; 256], RsaPadError> {
    let mut data_with_hash = [0u8; 224];
    data_with_hash[..192].copy_from_slice(with_padding);
    data_with_hash[..192].reverse();
    data_with_hash[192..].copy_from_slice(&sha256(&[temp_key, with_padding]));
    ige_encrypt(&mut data_with_hash, temp_key, &[0u8; 32]).map_err(|_| RsaPadError::DataTooLong)?;
    let key_hash = sha256(&[&data_with_hash]);
    let mut out = [0u8; 256];
    for (o, (k, h)) in out.iter_mut().zip(temp_key.iter().zip(key_hash.iter())) {
        *o = k ^ h;
    }
    out[32..].copy_from_slice(&data_with_hash);
    Ok(out)
}

/// Why RSA_PAD failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaPadError {
    /// More than 144 bytes of data.
    DataTooLong,
    /// Every temp_key tried gave a value not below the modulus (a broken random source).
    NoValidTempKey,
}

impl fmt::Display for RsaPadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RsaPadError::DataTooLong => "RSA_PAD data longer than 144 bytes",
            RsaPadError::NoValidTempKey => "RSA_PAD found no temp_key below the modulus",
        })
    }
}

impl std::error::Error for RsaPadError {}

/// A big number as exactly 256 big-endian bytes (left-padded); values are always below a 2048-bit
/// modulus here.
pub(crate) fn to_256(v: &BigUint) -> [u8; 256] {
    let bytes = v.to_bytes_be();
    let mut out = [0u8; 256];
    let n = bytes.len().min(256);
    out[256 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    out
}

/// Extracts the label and DER body of a PEM document.
fn pem_decode(pem: &str) -> Result<(&str, Vec<u8>), KeyError> {
    let pem = pem.trim();
    let rest = pem.strip_prefix("-----BEGIN ").ok_or(KeyError::NotPem)?;
    let (label, rest) = rest.split_once("-----").ok_or(KeyError::NotPem)?;
    let end = format!("-----END {label}-----");
    let body = rest.strip_suffix(end.as_str()).ok_or(KeyError::NotPem)?;
    let text: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| KeyError::Base64)?;
    Ok((label, der))
}

/// Reads one DER TLV, returning (tag, contents, rest).
fn der_tlv(data: &[u8]) -> Result<(u8, &[u8], &[u8]), KeyError> {
    let (&tag, rest) = data.split_first().ok_or(KeyError::Der)?;
    let (&first, rest) = rest.split_first().ok_or(KeyError::Der)?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return Err(KeyError::Der);
        }
        let (len_bytes, rest) = rest.split_at_checked(count).ok_or(KeyError::Der)?;
        (len_bytes.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b)), rest)
    };
    let (contents, rest) = rest.split_at_checked(len).ok_or(KeyError::Der)?;
    Ok((tag, contents, rest))
}

/// The unsigned integers of a DER `SEQUENCE { INTEGER... }`.
fn der_integers(der: &[u8]) -> Result<Vec<&[u8]>, KeyError> {
    let (tag, mut seq, _) = der_tlv(der)?;
    if tag != 0x30 {
        return Err(KeyError::Der);
    }
    let mut out = Vec::new();
    while !seq.is_empty() {
        let (tag, int, rest) = der_tlv(seq)?;
        if tag != 0x02 {
            return Err(KeyError::Der);
        }
        // DER integers are signed: a leading zero keeps a high bit from meaning "negative".
        let int = match int {
            [0, tail @ ..] => tail,
            _ => int,
        };
        out.push(int);
        seq = rest;
    }
    Ok(out)
}

/// The PKCS#1 key inside an X.509 SubjectPublicKeyInfo.
fn spki_key(der: &[u8]) -> Result<&[u8], KeyError> {
    let (tag, seq, _) = der_tlv(der)?;
    if tag != 0x30 {
        return Err(KeyError::Der);
    }
    let (_, _, rest) = der_tlv(seq)?; // AlgorithmIdentifier
    let (tag, bits, _) = der_tlv(rest)?;
    match (tag, bits) {
        (0x03, [0, key @ ..]) => Ok(key),
        _ => Err(KeyError::Der),
    }
}

/// A server's RSA private key, for the test server.
#[cfg(feature = "server")]
#[derive(Clone)]
pub struct RsaPrivateKey {
    public: RsaPublicKey,
    d: BigUint,
}

#[cfg(feature = "server")]
impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPrivateKey {{ fingerprint: {:016x} }}", self.public.fingerprint as u64)
    }
}

#[cfg(feature = "server")]
impl RsaPrivateKey {
    /// Parses a PKCS#1 `RSA PRIVATE KEY` PEM.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = pem_decode(pem)?;
        if label != "RSA PRIVATE KEY" {
            return Err(KeyError::NotPem);
        }
        let ints = der_integers(&der)?;
        let [_version, n, e, d, ..] = ints.as_slice() else { return Err(KeyError::Der) };
        let public = RsaPublicKey::from_parts(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))?;
        Ok(RsaPrivateKey { public, d: BigUint::from_bytes_be(d) })
    }

    /// The public half.
    pub fn public(&self) -> &RsaPublicKey {
        &self.public
    }

    /// Undoes RSA_PAD, returning `data_with_padding` (the 192 bytes that start with the data), or
    /// `None` if the ciphertext is not a valid RSA_PAD output for this key.
    pub fn rsa_unpad(&self, encrypted: &[u8]) -> Option<[u8; 192]> {
        if encrypted.len() != 256 {
            return None;
        }
        let c = BigUint::from_bytes_be(encrypted);
        if c >= self.public.n {
            return None;
        }
        let m = to_256(&c.modpow(&self.d, &self.public.n));
        let (temp_key_xor, aes_encrypted) = m.split_at(32);
        let key_hash = sha256(&[aes_encrypted]);
        let mut temp_key = [0u8; 32];
        for (out, (x, h)) in temp_key.iter_mut().zip(temp_key_xor.iter().zip(key_hash.iter())) {
            *out = x ^ h;
        }
        let mut data_with_hash = [0u8; 224];
        data_with_hash.copy_from_slice(aes_encrypted);
        crate::crypto::ige_decrypt(&mut data_with_hash, &temp_key, &[0u8; 32]).ok()?;
        let mut with_padding = [0u8; 192];
        with_padding.copy_from_slice(&data_with_hash[..192]);
        with_padding.reverse();
        let expected = sha256(&[&temp_key, &with_padding]);
        crate::crypto::ct_eq(&expected, &data_with_hash[192..]).then_some(with_padding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_fingerprints() {
        assert_eq!(RsaPublicKey::production().fingerprint() as u64, 0xd09d1d85de64fd85);
        assert_eq!(RsaPublicKey::test().fingerprint() as u64, 0xb25898df208d2603);
        assert!(format!("{:?}", RsaPublicKey::test()).contains("b25898df208d2603"));
    }

    #[test]
    fn bad_pem_is_an_error() {
        assert_eq!(RsaPublicKey::from_pem(""), Err(KeyError::NotPem));
        assert_eq!(RsaPublicKey::from_pem("hello"), Err(KeyError::NotPem));
        let wrong_end = PRODUCTION_KEY_PEM.replace("END RSA", "END XRSA");
        assert_eq!(RsaPublicKey::from_pem(&wrong_end), Err(KeyError::NotPem));
        let bad_b64 = PRODUCTION_KEY_PEM.replace("MIIB", "M!IB");
        assert_eq!(RsaPublicKey::from_pem(&bad_b64), Err(KeyError::Base64));
        let armour =
            |body: &str| format!("-----BEGIN RSA PUBLIC KEY-----\n{body}\n-----END RSA PUBLIC KEY-----");
        let b64 = |der: &[u8]| base64::engine::general_purpose::STANDARD.encode(der);
        assert_eq!(RsaPublicKey::from_pem(&armour(&b64(&[0x30, 0x85, 1, 1, 1, 1, 1]))), Err(KeyError::Der));
        assert_eq!(RsaPublicKey::from_pem(&armour(&b64(&[0x30, 0x03, 2, 1, 5]))), Err(KeyError::Der));
        assert_eq!(RsaPublicKey::from_pem(&armour(&b64(&[0x30, 0x02, 2, 9]))), Err(KeyError::Der));
        assert_eq!(
            RsaPublicKey::from_pem(&armour(&b64(&[0x30, 0x06, 2, 1, 5, 2, 1, 3]))),
            Err(KeyError::UnsupportedKey)
        );
        // Every truncation of the real DER fails cleanly.
        let (_, der) = pem_decode(PRODUCTION_KEY_PEM).unwrap();
        for cut in 0..der.len() {
            assert!(RsaPublicKey::from_pem(&armour(&b64(&der[..cut]))).is_err());
        }
    }

    #[test]
    fn pad_rejects_long_data() {
        let mut zero = |b: &mut [u8]| b.fill(0);
        assert_eq!(RsaPublicKey::test().rsa_pad(&[0; 145], &mut zero), Err(RsaPadError::DataTooLong));
    }

    /// RSA_PAD draws a new temp_key while key_aes_encrypted is not below the modulus.
    #[cfg(feature = "server")]
    #[test]
    fn pad_retries_a_temp_key_at_or_above_the_modulus() {
        let private = RsaPrivateKey::from_pem(super::super::server::TEST_SERVER_KEY_PEM).unwrap();
        let key = private.public().clone();
        let data: Vec<u8> = (0..100u8).collect();
        let mut with_padding = [0x5cu8; 192];
        with_padding[..100].copy_from_slice(&data);
        let below =
            |t: &[u8; 32]| BigUint::from_bytes_be(&key_aes_encrypted(&with_padding, t).unwrap()) < key.n;
        // The first temp_key is ~uniform in its top byte, so both kinds turn up within a few tries.
        let candidates: Vec<[u8; 32]> = (0..=255u8).map(|i| [i; 32]).collect();
        let too_big = *candidates.iter().find(|t| !below(t)).expect("a temp_key at or above n");
        let good = *candidates.iter().find(|t| below(t)).expect("a temp_key below n");

        // Script: the padding, then the bad temp_key, then the good one.
        let mut draws = vec![with_padding[100..].to_vec(), too_big.to_vec(), good.to_vec()].into_iter();
        let mut scripted = |buf: &mut [u8]| buf.copy_from_slice(&draws.next().expect("no more draws"));
        let enc = key.rsa_pad(&data, &mut scripted).unwrap();
        assert_eq!(draws.len(), 0, "a second temp_key was drawn");
        assert_eq!(private.rsa_unpad(&enc).unwrap(), with_padding);
        let mut alone = vec![with_padding[100..].to_vec(), good.to_vec()].into_iter();
        let mut scripted = |buf: &mut [u8]| buf.copy_from_slice(&alone.next().unwrap());
        assert_eq!(key.rsa_pad(&data, &mut scripted).unwrap(), enc, "the good key alone gives the same");

        // A source that only ever offers a too-large value gives up instead of looping.
        let mut stuck = |buf: &mut [u8]| {
            if buf.len() == 32 {
                buf.copy_from_slice(&too_big);
            } else {
                buf.copy_from_slice(&with_padding[100..]);
            }
        };
        assert_eq!(key.rsa_pad(&data, &mut stuck), Err(RsaPadError::NoValidTempKey));
    }

    #[cfg(feature = "server")]
    #[test]
    fn pad_unpad_round_trip() {
        let key = RsaPrivateKey::from_pem(super::super::server::TEST_SERVER_KEY_PEM).unwrap();
        let data: Vec<u8> = (0..100u8).collect();
        let enc = key.public().rsa_pad(&data, &mut crate::OsRandom::new()).unwrap();
        let back = key.rsa_unpad(&enc).unwrap();
        assert_eq!(&back[..100], &data[..]);
        let mut tampered = enc;
        tampered[100] ^= 1;
        assert!(key.rsa_unpad(&tampered).is_none());
        assert!(key.rsa_unpad(&enc[..255]).is_none());
        assert!(key.rsa_unpad(&[0xff; 256]).is_none());
    }
}
