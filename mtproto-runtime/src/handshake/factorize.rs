//! Factorization of the handshake's `pq` (a product of two primes below 2^32) by Pollard's rho
//! with Brent's cycle detection and batched gcds.

/// Splits `pq` into primes `(p, q)` with `p < q` and `p * q == pq`, or `None` if it is not such a
/// product (a square of a prime is not: the spec's `pq` has two distinct factors). Deterministic; a few milliseconds at most for 64-bit inputs.
pub fn factorize(pq: u64) -> Option<(u64, u64)> {
    if pq < 4 {
        return None;
    }
    if pq % 2 == 0 {
        return (pq > 4 && is_prime(pq / 2)).then_some((2, pq / 2));
    }
    if is_prime(pq) {
        return None;
    }
    // Different polynomial constants are tried in turn; each attempt is bounded, so hostile
    // input ends with `None` rather than a long loop.
    for c in 1..=8u64 {
        if let Some(d) = brent(pq, c) {
            let (a, b) = (d.min(pq / d), d.max(pq / d));
            return (a < b && is_prime(a) && is_prime(b)).then_some((a, b));
        }
    }
    None
}

fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(m)) as u64
}

fn pow_mod(mut base: u64, mut exp: u64, m: u64) -> u64 {
    let mut acc = 1u64;
    base %= m;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul_mod(acc, base, m);
        }
        base = mul_mod(base, base, m);
        exp >>= 1;
    }
    acc
}

/// Deterministic Miller-Rabin for 64-bit integers (these bases are exact below 3.3 * 10^24).
pub(crate) fn is_prime(n: u64) -> bool {
    const BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in BASES {
        if n % p == 0 {
            return n == p;
        }
    }
    let s = (n - 1).trailing_zeros();
    let d = (n - 1) >> s;
    'bases: for a in BASES {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// One Brent rho attempt with `f(x) = x^2 + c`; returns a non-trivial divisor.
fn brent(n: u64, c: u64) -> Option<u64> {
    const BATCH: u64 = 128;
    // Expected work is about sqrt(smallest factor) < 2^16 steps; this is a generous bound.
    const MAX_STEPS: u64 = 1 << 21;
    let f = |x: u64| (mul_mod(x, x, n) + c) % n;
    let mut y = 2u64;
    let mut r = 1u64;
    let mut q = 1u64;
    let mut g = 1u64;
    let mut x = y;
    let mut ys = y;
    let mut steps = 0u64;
    while g == 1 {
        x = y;
        for _ in 0..r {
            y = f(y);
        }
        let mut k = 0;
        while k < r && g == 1 {
            ys = y;
            for _ in 0..BATCH.min(r - k) {
                y = f(y);
                q = mul_mod(q, x.abs_diff(y), n);
            }
            g = gcd(q, n);
            k += BATCH;
        }
        r *= 2;
        steps += r;
        if steps > MAX_STEPS {
            return None;
        }
    }
    if g == n {
        // The batch overshot: walk it again one step at a time.
        loop {
            ys = f(ys);
            g = gcd(x.abs_diff(ys), n);
            if g > 1 {
                break;
            }
        }
    }
    (g != n && g != 1).then_some(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_pq() {
        assert_eq!(factorize(1468428376148703121), Some((1008949199, 1455403679)));
        // Not a product of two primes: refused rather than split into composites.
        assert_eq!(factorize(1723408925858051741), None);
    }

    #[test]
    fn primality() {
        let primes: Vec<u64> = (0..100).filter(|&n| is_prime(n)).collect();
        assert_eq!(
            primes,
            [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97]
        );
        assert!(is_prime(1008949199) && is_prime(1455403679));
        assert!(!is_prime(3215031751)); // strong pseudoprime to bases 2, 3, 5, 7
    }

    #[test]
    fn small_and_degenerate() {
        assert_eq!(factorize(15), Some((3, 5)));
        // Squares of primes have no two distinct factors.
        assert_eq!(factorize(4), None);
        assert_eq!(factorize(49), None);
        assert_eq!(factorize(4294967291 * 4294967291), None);
        assert_eq!(factorize(8), None);
        assert_eq!(factorize(3 * 5 * 7), None);
        assert_eq!(factorize(0), None);
        assert_eq!(factorize(1), None);
        assert_eq!(factorize(3), None);
        assert_eq!(factorize(4294967291), None); // prime
        assert_eq!(factorize(18446744073709551557), None); // largest 64-bit prime
    }

    #[test]
    fn products_of_32_bit_primes() {
        let primes = [4294967291u64, 4294967279, 2147483647, 3037000493, 1000000007, 998244353];
        for &p in &primes {
            for &q in &primes {
                if let Some(pq) = p.checked_mul(q) {
                    let expected = (p != q).then_some((p.min(q), p.max(q)));
                    assert_eq!(factorize(pq), expected, "{p} * {q}");
                }
            }
        }
    }
}
