//! Injectable randomness: every random byte the protocol uses is drawn through [`Random`], so
//! tests can replay known values (the official auth-key walk-through) step by step.

/// A source of random bytes.
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

/// Bytes drawn from the OS per refill of the [`OsRandom`] pool.
const POOL: usize = 512;

/// The operating system's CSPRNG, drawn in blocks.
///
/// Small requests (message padding, nonces) are served from a pool refilled 512 bytes at a
/// time: a system call per message costs more than encrypting a 1 KiB message. Every byte is still
/// OS randomness and is handed out once.
#[derive(Clone)]
pub struct OsRandom {
    pool: [u8; POOL],
    /// Bytes of `pool` already handed out.
    used: usize,
}

impl Default for OsRandom {
    fn default() -> Self {
        OsRandom { pool: [0; POOL], used: POOL }
    }
}

impl OsRandom {
    /// A source with an empty pool; the first request fills it.
    pub fn new() -> Self {
        Self::default()
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
    /// If the operating system cannot provide random bytes: nothing secure can go on without them.
    fn fill(&mut self, buf: &mut [u8]) {
        if buf.len() > POOL / 4 {
            return os_fill(buf);
        }
        if POOL - self.used < buf.len() {
            os_fill(&mut self.pool);
            self.used = 0;
        }
        let taken = &mut self.pool[self.used..self.used + buf.len()];
        buf.copy_from_slice(taken);
        // Handed-out bytes are wiped so the pool never holds a secret that is already in use.
        taken.fill(0);
        self.used += buf.len();
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
        let mut big = [0u8; 1000];
        rng.fill(&mut big);
        assert!(big.iter().any(|&x| x != 0));
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
