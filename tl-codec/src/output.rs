//! Where encoded bytes go: a growable `Vec<u8>`, a fixed slice, or a byte counter.

use alloc::vec::Vec;

/// A sink for encoded bytes. Encoders compute the exact size first
/// ([`Encode::encoded_len`](crate::Encode::encoded_len)), so a sink never needs to grow
/// while writing.
pub trait Output {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);

    /// Appends a little-endian `u32`.
    #[inline]
    fn put_u32(&mut self, v: u32) {
        self.put(&v.to_le_bytes());
    }

    /// Appends a little-endian `u64`.
    #[inline]
    fn put_u64(&mut self, v: u64) {
        self.put(&v.to_le_bytes());
    }

    /// Appends `n` (at most 3) zero bytes of string padding.
    #[inline]
    fn put_padding(&mut self, n: usize) {
        match n {
            1 => self.put(&[0]),
            2 => self.put(&[0; 2]),
            3 => self.put(&[0; 3]),
            _ => {}
        }
    }
}

impl Output for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    // Single pushes: a zero-filled slice of variable length would be compiled into a
    // `memcpy`/`memset` call, which costs more than a short string's own bytes.
    #[inline]
    fn put_padding(&mut self, n: usize) {
        if n >= 1 {
            self.push(0);
        }
        if n >= 2 {
            self.push(0);
        }
        if n >= 3 {
            self.push(0);
        }
    }
}

impl<O: Output + ?Sized> Output for &mut O {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        (**self).put(bytes);
    }

    #[inline]
    fn put_u32(&mut self, v: u32) {
        (**self).put_u32(v);
    }

    #[inline]
    fn put_u64(&mut self, v: u64) {
        (**self).put_u64(v);
    }

    #[inline]
    fn put_padding(&mut self, n: usize) {
        (**self).put_padding(n);
    }
}

/// Counts bytes instead of storing them: checks an [`Encode::encoded_len`](crate::Encode)
/// implementation against its `encode`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SizeCounter(pub usize);

impl Output for SizeCounter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

/// Writes into a caller's fixed buffer. Bytes past its end are dropped and remembered as an
/// overflow rather than panicking, so a wrong size computation in a hand-written `Encode`
/// cannot crash the program.
#[derive(Debug)]
pub struct SliceOutput<'s> {
    buf: &'s mut [u8],
    pos: usize,
    overflowed: bool,
}

impl<'s> SliceOutput<'s> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'s mut [u8]) -> SliceOutput<'s> {
        SliceOutput { buf, pos: 0, overflowed: false }
    }

    /// Bytes written so far.
    pub fn written(&self) -> usize {
        self.pos
    }

    /// True when a write did not fit.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }
}

impl Output for SliceOutput<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        match self.buf.get_mut(self.pos..self.pos + bytes.len()) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos += bytes.len();
            }
            None => self.overflowed = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_output_never_writes_past_the_end() {
        let mut buf = [0u8; 6];
        let mut out = SliceOutput::new(&mut buf);
        out.put_u32(0x0403_0201);
        assert!(!out.overflowed());
        out.put_u32(5);
        assert!(out.overflowed());
        assert_eq!(out.written(), 4);
        assert_eq!(buf, [1, 2, 3, 4, 0, 0]);
    }

    #[test]
    fn counter_counts() {
        let mut c = SizeCounter::default();
        c.put_u64(1);
        c.put(&[1, 2, 3]);
        assert_eq!(c.0, 11);
    }
}
