//! Diffie-Hellman parameter checks and the key material the handshake derives from its nonces.

use core::fmt;

use num_bigint::BigUint;
use num_traits::One;

use crate::crypto::sha1;
use crate::random::Random;

/// The 2048-bit safe prime Telegram's servers use (with g = 3); recognising it skips the costly
/// primality tests.
const KNOWN_PRIME_HEX: [&str; 8] = [
    "c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f",
    "48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c37",
    "20fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f64",
    "2477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4",
    "a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754",
    "fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4",
    "e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f",
    "0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b",
];

/// The known prime as bytes.
pub(crate) fn known_prime() -> BigUint {
    let hex: String = KNOWN_PRIME_HEX.concat();
    BigUint::parse_bytes(hex.as_bytes(), 16).unwrap_or_default()
}

/// Why the server's Diffie-Hellman parameters were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DhError {
    /// dh_prime is not a 2048-bit number.
    PrimeSize,
    /// dh_prime or (dh_prime - 1) / 2 is not prime.
    NotSafePrime,
    /// g is not in 2..=7, or does not generate the subgroup of order (p - 1) / 2.
    BadGenerator,
    /// g_a or g_b is outside (2^(2048-64), dh_prime - 2^(2048-64)).
    OutOfRange,
}

impl fmt::Display for DhError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DhError::PrimeSize => "dh_prime is not 2048 bits",
            DhError::NotSafePrime => "dh_prime is not a safe prime",
            DhError::BadGenerator => "g is not a valid generator for dh_prime",
            DhError::OutOfRange => "g_a or g_b is out of the allowed range",
        })
    }
}

impl std::error::Error for DhError {}

/// Checks that `p` is a 2048-bit safe prime and `g` a valid generator for it.
///
/// The known Telegram prime is accepted at once; any other prime costs two Miller-Rabin runs of
/// `rounds` random bases each (drawn from `rng`), after trial division.
pub fn check_dh_params(p: &BigUint, g: i32, rng: &mut dyn Random) -> Result<(), DhError> {
    // 32 random bases each bound the error below 2^-64.
    check_dh_params_rounds(p, g, 32, rng)
}

fn check_dh_params_rounds(p: &BigUint, g: i32, rounds: usize, rng: &mut dyn Random) -> Result<(), DhError> {
    if p.bits() != 2048 {
        return Err(DhError::PrimeSize);
    }
    check_generator(p, g)?;
    if *p == known_prime() {
        return Ok(());
    }
    let half = p >> 1u32;
    if !is_probable_prime(p, rounds, rng) || !is_probable_prime(&half, rounds, rng) {
        return Err(DhError::NotSafePrime);
    }
    Ok(())
}

/// [`check_dh_params`] for a prime already proven safe: size and generator only.
pub fn check_trusted_dh_params(p: &BigUint, g: i32) -> Result<(), DhError> {
    if p.bits() != 2048 {
        return Err(DhError::PrimeSize);
    }
    check_generator(p, g)
}

/// The quadratic-residue conditions under which g generates a cyclic subgroup of prime order
/// (p - 1) / 2 for a safe prime p.
pub fn check_generator(p: &BigUint, g: i32) -> Result<(), DhError> {
    let rem = |m: u32| (p % m).to_u32_digits().first().copied().unwrap_or(0);
    let ok = match g {
        2 => rem(8) == 7,
        3 => rem(3) == 2,
        4 => true,
        5 => matches!(rem(5), 1 | 4),
        6 => matches!(rem(24), 19 | 23),
        7 => matches!(rem(7), 3 | 5 | 6),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(DhError::BadGenerator)
    }
}

/// Checks `1 < x < p - 1` and the recommended `2^(2048-64) < x < p - 2^(2048-64)`.
pub fn check_public_value(x: &BigUint, p: &BigUint) -> Result<(), DhError> {
    let margin = BigUint::one() << (2048u32 - 64);
    let one = BigUint::one();
    // p is checked first: the subtractions below would underflow (and panic) for a tiny p.
    if p <= &margin || *x <= one || *x >= p - &one || *x <= margin || *x >= p - &margin {
        return Err(DhError::OutOfRange);
    }
    Ok(())
}

/// Miller-Rabin with `rounds` random bases, after trial division by the small primes.
pub fn is_probable_prime(n: &BigUint, rounds: usize, rng: &mut dyn Random) -> bool {
    const SMALL: [u32; 25] =
        [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];
    let two = BigUint::from(2u8);
    if *n < two {
        return false;
    }
    for p in SMALL {
        if (n % p) == BigUint::ZERO {
            return *n == BigUint::from(p);
        }
    }
    let one = BigUint::one();
    let n_minus_1 = n - &one;
    let s = n_minus_1.trailing_zeros().unwrap_or(0);
    let d = &n_minus_1 >> s;
    let len = n.to_bytes_be().len();
    let mut buf = vec![0u8; len + 8];
    'rounds: for _ in 0..rounds {
        // A random base in [2, n - 2]: a few extra bytes make the modulo bias negligible.
        rng.fill(&mut buf);
        let a = BigUint::from_bytes_be(&buf) % (n - 3u32) + &two;
        let mut x = a.modpow(&d, n);
        if x == one || x == n_minus_1 {
            continue;
        }
        for _ in 1..s {
            x = x.modpow(&two, n);
            if x == n_minus_1 {
                continue 'rounds;
            }
        }
        return false;
    }
    true
}

/// tmp_aes_key and tmp_aes_iv, which encrypt server_DH_inner_data and client_DH_inner_data.
pub fn tmp_aes_key_iv(server_nonce: &[u8; 16], new_nonce: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let ns = sha1(&[new_nonce, server_nonce]);
    let sn = sha1(&[server_nonce, new_nonce]);
    let nn = sha1(&[new_nonce, new_nonce]);
    let mut key = [0u8; 32];
    key[..20].copy_from_slice(&ns);
    key[20..].copy_from_slice(&sn[..12]);
    let mut iv = [0u8; 32];
    iv[..8].copy_from_slice(&sn[12..]);
    iv[8..28].copy_from_slice(&nn);
    iv[28..].copy_from_slice(&new_nonce[..4]);
    (key, iv)
}

/// new_nonce_hash1/2/3: the low 128 bits of SHA1(new_nonce + N + auth_key_aux_hash).
pub fn new_nonce_hash(new_nonce: &[u8; 32], n: u8, aux_hash: u64) -> [u8; 16] {
    let h = sha1(&[new_nonce, &[n], &aux_hash.to_le_bytes()]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&h[4..]);
    out
}

/// The hash server_DH_params_fail carries: the low 128 bits of SHA1(new_nonce).
pub fn new_nonce_fail_hash(new_nonce: &[u8; 32]) -> [u8; 16] {
    let h = sha1(&[new_nonce]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&h[4..]);
    out
}

/// The first server salt: substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8).
pub fn initial_salt(new_nonce: &[u8; 32], server_nonce: &[u8; 16]) -> i64 {
    let mut out = [0u8; 8];
    for (o, (a, b)) in out.iter_mut().zip(new_nonce.iter().zip(server_nonce.iter())) {
        *o = a ^ b;
    }
    i64::from_le_bytes(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::random::OsRandom;

    /// RFC 7919 ffdhe2048, a 2048-bit safe prime other than Telegram's (p % 8 == 7, p % 3 == 2).
    pub(crate) const FFDHE2048_HEX: [&str; 8] = [
        "ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1d8b9c583ce2d3695",
        "a9e13641146433fbcc939dce249b3ef97d2fe363630c75d8f681b202aec4617a",
        "d3df1ed5d5fd65612433f51f5f066ed0856365553ded1af3b557135e7f57c935",
        "984f0c70e0e68b77e2a689daf3efe8721df158a136ade73530acca4f483a797a",
        "bc0ab182b324fb61d108a94bb2c8e3fbb96adab760d7f4681d4f42a3de394df4",
        "ae56ede76372bb190b07a7c8ee0a6d709e02fce1cdf7e2ecc03404cd28342f61",
        "9172fe9ce98583ff8e4f1232eef28183c3fe3b1b4c6fad733bb5fcbc2ec22005",
        "c58ef1837d1683b2c6f34a26c1b2effa886b423861285c97ffffffffffffffff",
    ];

    fn ffdhe2048() -> BigUint {
        BigUint::parse_bytes(FFDHE2048_HEX.concat().as_bytes(), 16).unwrap()
    }

    #[test]
    fn known_prime_fast_path() {
        let p = known_prime();
        assert_eq!(p.bits(), 2048);
        // A source that fails the test if drawn from: the fast path needs no randomness.
        let mut never = |_: &mut [u8]| panic!("the known prime must not be re-tested");
        assert_eq!(check_dh_params(&p, 3, &mut never), Ok(()));
        assert_eq!(check_dh_params(&p, 2, &mut never), Err(DhError::BadGenerator));
        assert_eq!(check_dh_params(&p, 8, &mut never), Err(DhError::BadGenerator));
        assert_eq!(check_dh_params(&(&p >> 1u32), 3, &mut never), Err(DhError::PrimeSize));
    }

    #[test]
    fn other_safe_prime_slow_path() {
        let p = ffdhe2048();
        let mut rng = OsRandom::new();
        // Few rounds: debug-build bignum arithmetic is slow, and the path is what is tested here.
        assert_eq!(check_dh_params_rounds(&p, 2, 2, &mut rng), Ok(()));
        let not_prime = &p - 2u32;
        assert_eq!(check_dh_params_rounds(&not_prime, 4, 2, &mut rng), Err(DhError::NotSafePrime));
        // (p - 1) / 2 composite: 2 * 3 * (ffdhe2048 / 4...) is not available cheaply, so the
        // half-check is exercised through a number whose half is even.
        let even_half = &p - 6u32;
        assert_eq!(check_dh_params_rounds(&even_half, 4, 2, &mut rng), Err(DhError::NotSafePrime));
    }

    /// A 2048-bit prime (`openssl prime -generate -bits 2048`) whose (p - 1) / 2 is composite
    /// with no factor below 100, so only Miller-Rabin on the half tells: p % 8 == 7 and
    /// p % 3 == 2, so g = 2 and g = 3 meet their conditions.
    const UNSAFE_PRIME_HEX: [&str; 8] = [
        "c263d944a80b2e1cb53230200329343983bda41691174200fc9649a94f1bd76f",
        "30dfd64b83b4122cd2d90176f6b3f61e66f91ef4c753d59c1f3a8637422497bd",
        "bf47430dd73e036eb088be412313473201bb429ae0c0be148bacf673049d08dd",
        "644eb05f803af66e117be406c748a56de3861b0ffc6ba4ef61bb2c1f7b184d21",
        "f92956c907ea920cb40ad85e679ce96f281f68431cfae9920ae6264a23ba89cd",
        "e040fc979a9612fcf623273ae18c969400b2d8834673a76bdc3bb7669e6e1f0d",
        "148790d54773b99f74d86bb7b19537d5cde8738ee9ab1ac7fe973ae540dad290",
        "d55998835db4500b1233255a0863ef4f8960ca891dbab2dbc8ab67751b10aa5f",
    ];

    #[test]
    fn a_prime_whose_half_is_composite_is_not_safe() {
        let p = BigUint::parse_bytes(UNSAFE_PRIME_HEX.concat().as_bytes(), 16).unwrap();
        let mut rng = OsRandom::new();
        assert_eq!(p.bits(), 2048);
        assert!(is_probable_prime(&p, 2, &mut rng), "p itself is prime");
        for g in [2, 3] {
            assert_eq!(check_generator(&p, g), Ok(()));
            assert_eq!(check_dh_params_rounds(&p, g, 2, &mut rng), Err(DhError::NotSafePrime), "g = {g}");
        }
    }

    /// 2q + 1 for a 2047-bit prime q (`openssl prime -generate -bits 2047`): 2048 bits, no
    /// factor below 100, composite; p % 8 == 7 and p % 3 == 2.
    const COMPOSITE_WITH_PRIME_HALF_HEX: [&str; 8] = [
        "fea339288e4a8ca7e7318e4d6ecf2dff5018e2cf462e5550bb691cddbce6b80b",
        "3750b91e27992017d1815f4a403c7df37cdf3f9b053f40eb9156e0d07d07eae6",
        "5d573cfe0fc19883856f18cc30e53466424c9c402f80ef135c87929c5aa522b5",
        "95b08d2a3cc1c14eb072b2d337613a0b3facbe8acac2e310ae21ec4e3056699d",
        "85e5486da43e22ce7a7865273febe870df424126437460ae7e5031f9ad847d74",
        "1cb4b1ba12bd0ab72aece7744b16e15761ba60c7c789320b310600b2c6a3f53d",
        "d0b5dda086b1d08b9a96d4e73cbbc1c6c801980b1f8d306c6f2023221fcbfcf5",
        "423cf5965fb67fb57a4505f603f29a2fa636daf3c7d479884bd74121b65309f7",
    ];

    #[test]
    fn a_composite_whose_half_is_prime_is_not_safe() {
        let p = BigUint::parse_bytes(COMPOSITE_WITH_PRIME_HALF_HEX.concat().as_bytes(), 16).unwrap();
        let mut rng = OsRandom::new();
        assert_eq!(p.bits(), 2048);
        assert!(is_probable_prime(&(&p >> 1u32), 2, &mut rng), "(p - 1) / 2 is prime");
        for g in [2, 3] {
            assert_eq!(check_dh_params_rounds(&p, g, 2, &mut rng), Err(DhError::NotSafePrime), "g = {g}");
        }
    }

    #[test]
    fn generator_conditions() {
        let p = |v: u32| BigUint::from(v);
        assert!(check_generator(&p(23), 2).is_ok()); // 23 % 8 == 7
        assert!(check_generator(&p(17), 2).is_err());
        assert!(check_generator(&p(11), 3).is_ok());
        assert!(check_generator(&p(13), 3).is_err());
        assert!(check_generator(&p(13), 4).is_ok());
        assert!(check_generator(&p(11), 5).is_ok()); // 11 % 5 == 1
        assert!(check_generator(&p(13), 5).is_err());
        assert!(check_generator(&p(43), 6).is_ok()); // 43 % 24 == 19
        assert!(check_generator(&p(47), 6).is_ok()); // 47 % 24 == 23
        assert!(check_generator(&p(29), 6).is_err());
        assert!(check_generator(&p(17), 7).is_ok()); // 17 % 7 == 3
        assert!(check_generator(&p(29), 7).is_err()); // 29 % 7 == 1
        assert!(check_generator(&p(23), 1).is_err());
        assert!(check_generator(&p(23), -3).is_err());
    }

    #[test]
    fn public_value_range() {
        let p = known_prime();
        let margin = BigUint::one() << 1984u32;
        assert!(check_public_value(&BigUint::from(2u8), &p).is_err());
        assert!(check_public_value(&margin, &p).is_err());
        assert!(check_public_value(&(&margin + 1u32), &p).is_ok());
        assert!(check_public_value(&(&p - &margin), &p).is_err());
        assert!(check_public_value(&(&p - &margin - 1u32), &p).is_ok());
        assert!(check_public_value(&p, &p).is_err());
        assert!(check_public_value(&(&p + 5u32), &p).is_err());
        // A modulus too small for the margins is refused, never an underflow panic.
        for tiny in [0u32, 1, 2, 1000] {
            assert_eq!(check_public_value(&margin, &BigUint::from(tiny)), Err(DhError::OutOfRange));
        }
    }

    #[test]
    fn small_primality() {
        let mut rng = OsRandom::new();
        let primes: Vec<u32> =
            (0..200u32).filter(|&n| is_probable_prime(&BigUint::from(n), 8, &mut rng)).collect();
        let expected: Vec<u32> =
            (0..200).filter(|&n| crate::handshake::factorize::is_prime(n as u64)).collect();
        assert_eq!(primes, expected);
        // Carmichael number.
        assert!(!is_probable_prime(&BigUint::from(561u32), 8, &mut rng));
    }
}
