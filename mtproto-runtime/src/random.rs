//! Injectable randomness: every random byte the protocol uses is drawn through [`Random`], so
//! tests can replay known values (the official auth-key walk-through) step by step.

use aes::cipher::{KeyIvInit, StreamCipher};

/// A source of random bytes.
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

/// Bytes generated per refill of the [`OsRandom`] pool (the first 32 become the next key).
const POOL: usize = 512;
/// Output after which the generator is re-keyed from the OS.
const RESEED_AFTER: u64 = 1 << 20;

type Ctr = ctr::Ctr128BE<aes::Aes256>;

/// A CSPRNG seeded from the operating system: AES-256-CTR with fast key erasure.
///
/// Each refill runs the cipher over a zeroed block of 512 bytes, keeps the first 32 as the
/// next key (so earlier output cannot be recomputed from the state) and hands the rest out once,
/// wiping it as it goes. It is re-seeded from the OS every MiB. This keeps a system call (and
/// the kernel's per-byte cost) off the path of every message: padding and nonces come from
/// here at AES speed.
pub struct OsRandom {
    key: [u8; 32],
    pool: [u8; POOL],
    /// Bytes of `pool` already handed out (or used as key).
    used: usize,
    /// Output since the last OS seed; `u64::MAX` forces a seed on first use.
    since_seed: u64,
}

impl Default for OsRandom {
    fn default() -> Self {
        OsRandom { key: [0; 32], pool: [0; POOL], used: POOL, since_seed: u64::MAX }
    }
}

impl Clone for OsRandom {
    /// A clone gets a fresh seed: two generators must never share a stream.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl OsRandom {
    /// A generator that seeds itself from the OS on first use.
    pub fn new() -> Self {
        Self::default()
    }

    fn refill(&mut self) {
        if self.since_seed >= RESEED_AFTER {
            os_fill(&mut self.key);
            self.since_seed = 0;
        }
        self.pool = [0; POOL];
        Ctr::new(&self.key.into(), &[0u8; 16].into()).apply_keystream(&mut self.pool);
        self.key.copy_from_slice(&self.pool[..32]);
        self.pool[..32].fill(0);
        self.used = 32;
        self.since_seed += POOL as u64;
    }
}

impl Drop for OsRandom {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
        zeroize::Zeroize::zeroize(&mut self.pool);
    }
}

impl core::fmt::Debug for OsRandom {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("OsRandom")
    }
}

fn os_fill(buf: &mut [u8]) {
    if let Err(err) = getrandom::fill(buf) {
        panic!("the operating system random source failed: {err}");
    }
}

impl Random for OsRandom {
    /// # Panics
    /// If the operating system cannot provide a seed: nothing secure can go on without it.
    fn fill(&mut self, mut buf: &mut [u8]) {
        while !buf.is_empty() {
            if self.used == POOL {
                self.refill();
            }
            let n = buf.len().min(POOL - self.used);
            let (now, rest) = buf.split_at_mut(n);
            let taken = &mut self.pool[self.used..self.used + n];
            now.copy_from_slice(taken);
            taken.fill(0);
            self.used += n;
            buf = rest;
        }
    }
}

impl<F: FnMut(&mut [u8])> Random for F {
    fn fill(&mut self, buf: &mut [u8]) {
        self(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_random_fills() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        let mut rng = OsRandom::new();
        rng.fill(&mut a);
        rng.fill(&mut b);
        assert_ne!(a, b);
        let mut big = [0u8; 5000];
        rng.fill(&mut big);
        assert!(big.iter().any(|&x| x != 0));
        // Output never repeats a pool's worth across refills.
        assert_ne!(big[..480], big[480..960]);
        let mut clone = rng.clone();
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        rng.fill(&mut x);
        clone.fill(&mut y);
        assert_ne!(x, y);
        for _ in 0..100 {
            rng.fill(&mut a);
            assert!(a.iter().any(|&x| x != 0));
        }
    }

    #[test]
    fn closures_are_sources() {
        let mut counter = 0u8;
        let mut src = |buf: &mut [u8]| {
            for b in buf {
                counter += 1;
                *b = counter;
            }
        };
        let mut buf = [0u8; 3];
        src.fill(&mut buf);
        assert_eq!(buf, [1, 2, 3]);
    }
}
