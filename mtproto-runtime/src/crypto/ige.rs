//! AES-256 in Infinite Garble Extension mode, the cipher mode of MTProto.
//!
//! IGE chains every block on both the previous plaintext and the previous ciphertext:
//! `c_i = E(p_i ^ c_{i-1}) ^ p_{i-1}`. That chain is serial, so throughput is bounded by the
//! latency of one AES-256 block. To reach that bound the whole loop runs inside the cipher's
//! selected backend (AES-NI/VAES code paths are chosen once per call, and the per-block call is
//! inlined under the right `target_feature`), instead of calling `encrypt_block` once per block
//! from outside, which re-dispatches and round-trips every block through memory.
//!
//! On x86-64 with AES-NI, [`ige_encrypt`] and [`ige_decrypt`] go one step further (module
//! `ige_ni`): the two chaining XORs are folded into the last round's key, which takes them off
//! the serial path and beats the plain backend chain by about 10%. The generic `_with` loops
//! stay for other CPUs and other block ciphers (the AES-128 vectors).
//!
//! The RustCrypto `ige` crate (0.2) is built the same way and was measured beside this module in
//! `benches/crypto.rs`; this module exists because MTProto needs the mode on raw `&mut [u8]`
//! buffers with a 32-byte IV in Telegram's order, for one-shot use, without per-call state
//! objects or slice-to-block-array conversions at every call site.

use aes::cipher::array::Array;
use aes::cipher::consts::U16;
use aes::cipher::{
    BlockCipherDecBackend, BlockCipherDecClosure, BlockCipherDecrypt, BlockCipherEncBackend,
    BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, KeyInit,
};
use aes::{Aes256Dec, Aes256Enc};

/// One AES block.
type Block = Array<u8, U16>;

/// The buffer handed to IGE is not a whole number of 16-byte blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotBlockAligned;

impl core::fmt::Display for NotBlockAligned {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("IGE input length is not a multiple of 16")
    }
}

impl std::error::Error for NotBlockAligned {}

/// Encrypts `buf` in place with AES-256-IGE.
///
/// `iv` is Telegram's 32-byte IV: bytes 0..16 stand for the previous ciphertext block (XORed into
/// the input), bytes 16..32 for the previous plaintext block (XORed into the output).
///
/// On x86-64 with AES-NI this runs the folded loop of `ige_ni` (the chaining XORs ride on the
/// round keys); elsewhere the loop runs inside the `aes` crate's backend.
pub fn ige_encrypt(buf: &mut [u8], key: &[u8; 32], iv: &[u8; 32]) -> Result<(), NotBlockAligned> {
    #[cfg(target_arch = "x86_64")]
    if super::ige_ni::available() {
        if buf.len() % 16 != 0 {
            return Err(NotBlockAligned);
        }
        // SAFETY: AES-NI is present, checked just above.
        unsafe { super::ige_ni::encrypt(buf, key, iv) };
        return Ok(());
    }
    // The encrypt-only key schedule: `Aes256` would also derive the decryption round keys.
    let cipher = Aes256Enc::new(key.into());
    ige_encrypt_with(&cipher, buf, iv)
}

/// Decrypts `buf` in place with AES-256-IGE; `iv` as for [`ige_encrypt`].
pub fn ige_decrypt(buf: &mut [u8], key: &[u8; 32], iv: &[u8; 32]) -> Result<(), NotBlockAligned> {
    #[cfg(target_arch = "x86_64")]
    if super::ige_ni::available() {
        if buf.len() % 16 != 0 {
            return Err(NotBlockAligned);
        }
        // SAFETY: AES-NI is present, checked just above.
        unsafe { super::ige_ni::decrypt(buf, key, iv) };
        return Ok(());
    }
    let cipher = Aes256Dec::new(key.into());
    ige_decrypt_with(&cipher, buf, iv)
}

/// [`ige_encrypt`] with an already expanded key, so a caller that encrypts many buffers under one
/// key pays the key schedule once.
///
/// Generic over the block cipher so that the published AES-128 vectors test the same loop.
pub fn ige_encrypt_with<C>(cipher: &C, buf: &mut [u8], iv: &[u8; 32]) -> Result<(), NotBlockAligned>
where
    C: BlockCipherEncrypt<BlockSize = U16>,
{
    let (blocks, rest) = Block::slice_as_chunks_mut(buf);
    if !rest.is_empty() {
        return Err(NotBlockAligned);
    }
    cipher.encrypt_with_backend(IgeEncrypt { blocks, iv });
    Ok(())
}

/// [`ige_decrypt`] with an already expanded key.
pub fn ige_decrypt_with<C>(cipher: &C, buf: &mut [u8], iv: &[u8; 32]) -> Result<(), NotBlockAligned>
where
    C: BlockCipherDecrypt<BlockSize = U16>,
{
    let (blocks, rest) = Block::slice_as_chunks_mut(buf);
    if !rest.is_empty() {
        return Err(NotBlockAligned);
    }
    cipher.decrypt_with_backend(IgeDecrypt { blocks, iv });
    Ok(())
}

/// Splits Telegram's IV into its two chaining blocks.
#[inline(always)]
fn split_iv(iv: &[u8; 32]) -> (Block, Block) {
    let mut first = Block::default();
    let mut second = Block::default();
    first.copy_from_slice(&iv[..16]);
    second.copy_from_slice(&iv[16..]);
    (first, second)
}

#[inline(always)]
fn xor(a: &Block, b: &Block) -> Block {
    let mut out = Block::default();
    for ((o, x), y) in out.iter_mut().zip(a.iter()).zip(b.iter()) {
        *o = x ^ y;
    }
    out
}

/// The IGE encryption loop, run by the cipher inside its selected backend.
struct IgeEncrypt<'a> {
    blocks: &'a mut [Block],
    iv: &'a [u8; 32],
}

impl BlockSizeUser for IgeEncrypt<'_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for IgeEncrypt<'_> {
    #[inline(always)]
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let (mut prev_cipher, mut prev_plain) = split_iv(self.iv);
        for block in self.blocks.iter_mut() {
            let plain = *block;
            let mut t = xor(&plain, &prev_cipher);
            backend.encrypt_block((&mut t).into());
            let out = xor(&t, &prev_plain);
            *block = out;
            prev_cipher = out;
            prev_plain = plain;
        }
    }
}

/// The IGE decryption loop, run by the cipher inside its selected backend.
struct IgeDecrypt<'a> {
    blocks: &'a mut [Block],
    iv: &'a [u8; 32],
}

impl BlockSizeUser for IgeDecrypt<'_> {
    type BlockSize = U16;
}

impl BlockCipherDecClosure for IgeDecrypt<'_> {
    #[inline(always)]
    fn call<B: BlockCipherDecBackend<BlockSize = U16>>(self, backend: &B) {
        let (mut prev_cipher, mut prev_plain) = split_iv(self.iv);
        for block in self.blocks.iter_mut() {
            let cipher = *block;
            let mut t = xor(&cipher, &prev_plain);
            backend.decrypt_block((&mut t).into());
            let out = xor(&t, &prev_cipher);
            *block = out;
            prev_plain = out;
            prev_cipher = cipher;
        }
    }
}

/// The serial AES-256 limit: a CBC-style chain (`s = E(s ^ p_i)`) run inside the backend, the
/// same way as IGE. It is the yardstick IGE is measured against; exposed for the benches only.
#[doc(hidden)]
pub fn serial_chain_limit<C: BlockCipherEncrypt<BlockSize = U16>>(cipher: &C, buf: &mut [u8]) {
    struct Chain<'a> {
        blocks: &'a mut [Block],
    }
    impl BlockSizeUser for Chain<'_> {
        type BlockSize = U16;
    }
    impl BlockCipherEncClosure for Chain<'_> {
        #[inline(always)]
        fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
            let mut state = Block::default();
            for block in self.blocks.iter_mut() {
                let mut t = xor(block, &state);
                backend.encrypt_block((&mut t).into());
                *block = t;
                state = t;
            }
        }
    }
    let (blocks, _) = Block::slice_as_chunks_mut(buf);
    cipher.encrypt_with_backend(Chain { blocks });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;

    // Known-answer vectors of OpenSSL's IGE implementation (test/igetest.c), which are AES-128.
    #[test]
    fn openssl_vector_zero_plaintext() {
        let key = hex("000102030405060708090a0b0c0d0e0f");
        let iv = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        let plain = hex("0000000000000000000000000000000000000000000000000000000000000000");
        let cipher = hex("1a8519a6557be652e9da8e43da4ef4453cf456b4ca488aa383c79c98b34797cb");
        check_aes128(&key, &iv, &plain, &cipher);
    }

    #[test]
    fn openssl_vector_text() {
        let key = hex("5468697320697320616e20696d706c65");
        let iv = hex("6d656e746174696f6e206f6620494745206d6f646520666f72204f70656e5353");
        let plain = hex("99706487a1cde613bc6de0b6f24b1c7aa448c8b9c3403e3467a8cad89340f53b");
        let cipher = hex("4c2e204c6574277320686f70652042656e20676f74206974207269676874210a");
        check_aes128(&key, &iv, &plain, &cipher);
    }

    fn check_aes128(key: &[u8], iv: &[u8], plain: &[u8], expected: &[u8]) {
        let cipher = aes::Aes128::new_from_slice(key).unwrap();
        let iv: [u8; 32] = iv.try_into().unwrap();
        let mut buf = plain.to_vec();
        ige_encrypt_with(&cipher, &mut buf, &iv).unwrap();
        assert_eq!(buf, expected);
        ige_decrypt_with(&cipher, &mut buf, &iv).unwrap();
        assert_eq!(buf, plain);
    }

    // AES-256: computed with an independent implementation (Python `cryptography` AES-ECB with the
    // IGE chaining written out by hand).
    #[test]
    fn aes256_vector() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let iv: [u8; 32] = core::array::from_fn(|i| 100 + i as u8);
        let plain: Vec<u8> = (0..64u32).map(|i| ((i * 7 + 3) % 256) as u8).collect();
        let expected = hex(concat!(
            "b1558c09fe02f8becabd61286c912b60285bba5790d4828ea98199e7d606f403",
            "67ba8a99cffa54faa69ed9e90995e4eb67bb674b8e8584512e33bb540c0534cd"
        ));
        let mut buf = plain.clone();
        ige_encrypt(&mut buf, &key, &iv).unwrap();
        assert_eq!(buf, expected);
        ige_decrypt(&mut buf, &key, &iv).unwrap();
        assert_eq!(buf, plain);
    }

    #[test]
    fn round_trip_many_lengths() {
        let key = [7u8; 32];
        let iv = [9u8; 32];
        for blocks in 0..40 {
            let plain: Vec<u8> = (0..blocks * 16).map(|i| (i * 31 % 251) as u8).collect();
            let mut buf = plain.clone();
            ige_encrypt(&mut buf, &key, &iv).unwrap();
            if blocks > 0 {
                assert_ne!(buf, plain);
            }
            ige_decrypt(&mut buf, &key, &iv).unwrap();
            assert_eq!(buf, plain);
        }
    }

    #[test]
    fn unaligned_is_an_error() {
        let mut buf = [0u8; 17];
        assert_eq!(ige_encrypt(&mut buf, &[0; 32], &[0; 32]), Err(NotBlockAligned));
        assert_eq!(ige_decrypt(&mut buf[..15], &[0; 32], &[0; 32]), Err(NotBlockAligned));
    }

    #[test]
    fn chain_limit_is_cbc() {
        // With a zero IV the chain is AES-CBC; two blocks are enough to see the chaining.
        let cipher = aes::Aes256::new(&[3u8; 32].into());
        let mut buf = [5u8; 32];
        serial_chain_limit(&cipher, &mut buf);
        let mut first = Block::from([5u8; 16]);
        cipher.encrypt_block(&mut first);
        assert_eq!(&buf[..16], first.as_slice());
        let mut second = xor(&first, &Block::from([5u8; 16]));
        cipher.encrypt_block(&mut second);
        assert_eq!(&buf[16..], second.as_slice());
    }
}
