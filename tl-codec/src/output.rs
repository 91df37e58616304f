//! Where encoded bytes go: a growable `Vec<u8>`, a fixed slice, or a byte counter.

use alloc::vec::Vec;

use crate::traits::FixedLen;

/// A sink for encoded bytes. Encoders compute the exact size first
/// ([`Encode::encoded_len`](crate::Encode::encoded_len)), so a sink never needs to grow
/// while writing.
///
/// Runs of fixed-width writes (a constructor id, flags words, `int`/`long` fields, a string's
/// header, bytes and padding) go through [`Output::reserve`] and the `*_reserved` methods:
/// one capacity check for the run instead of one per field. A sink that cannot make room
/// ignores `reserve`, and its `*_reserved` methods check as [`Output::put`] does (the
/// defaults do exactly that), so only sinks that really reserve skip the checks.
///
/// Flags words are written as placeholders and patched once the optional fields they describe
/// are written ([`Output::position`], [`Output::patch_u32`]): each `Option` is then looked at
/// once, not once for the word and again for the field. So a sink must be able to overwrite
/// 4 bytes it already took.
pub trait Output {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);

    /// How many bytes this sink has taken so far: where the next write goes.
    fn position(&self) -> usize;

    /// Overwrites the 4 bytes at `at` (a [`Output::position`] of this sink, with 4 bytes
    /// written since) with `v`, little-endian.
    fn patch_u32(&mut self, at: usize, v: u32);

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

    /// Makes room for `n` more bytes, for the `*_reserved` writes that follow. A hint: a sink
    /// that cannot grow (or need not) ignores it.
    #[inline]
    fn reserve(&mut self, n: usize) {
        let _ = n;
    }

    /// [`Output::put`] into room made by [`Output::reserve`].
    ///
    /// # Safety
    /// Since the last `reserve(n)` on this sink, the bytes written through any method, these
    /// included, total at most `n`.
    #[inline]
    unsafe fn put_reserved(&mut self, bytes: &[u8]) {
        self.put(bytes);
    }

    /// [`Output::put_u32`] into reserved room.
    ///
    /// # Safety
    /// As for [`Output::put_reserved`].
    #[inline]
    unsafe fn put_u32_reserved(&mut self, v: u32) {
        self.put_u32(v);
    }

    /// [`Output::put_u64`] into reserved room.
    ///
    /// # Safety
    /// As for [`Output::put_reserved`].
    #[inline]
    unsafe fn put_u64_reserved(&mut self, v: u64) {
        self.put_u64(v);
    }

    /// [`Output::put_padding`] into reserved room.
    ///
    /// # Safety
    /// As for [`Output::put_reserved`].
    #[inline]
    unsafe fn put_padding_reserved(&mut self, n: usize) {
        self.put_padding(n);
    }

    /// Called instead of writing a `string`/`bytes` value of `len` bytes, more than
    /// [`MAX_BYTES_LEN`](crate::MAX_BYTES_LEN), which TL cannot represent. The default panics:
    /// encoding such a value is a bug in the caller (see [`crate::to_bytes`]). [`SizeCounter`]
    /// counts it as if it could be written, so that sizes never panic, and
    /// [`crate::try_to_bytes`] turns it into an error.
    #[cold]
    fn oversized(&mut self, len: usize) {
        panic!("TL bytes of {len} bytes exceed the 16 MiB limit");
    }
}

impl Output for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    #[inline]
    fn position(&self) -> usize {
        self.len()
    }

    #[inline]
    fn patch_u32(&mut self, at: usize, v: u32) {
        if let Some(dst) = self.get_mut(at..).and_then(|tail| tail.get_mut(..4)) {
            dst.copy_from_slice(&v.to_le_bytes());
        }
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

    #[inline]
    fn reserve(&mut self, n: usize) {
        Vec::reserve(self, n);
    }

    #[inline]
    unsafe fn put_reserved(&mut self, bytes: &[u8]) {
        let len = self.len();
        debug_assert!(self.capacity() - len >= bytes.len(), "a write past the reserved room");
        // SAFETY: the caller reserved room for these bytes (see the trait), so `len +
        // bytes.len()` is within the capacity, and the bytes written are initialized.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.as_mut_ptr().add(len), bytes.len());
            self.set_len(len + bytes.len());
        }
    }

    #[inline]
    unsafe fn put_u32_reserved(&mut self, v: u32) {
        // SAFETY: forwarded contract.
        unsafe { self.put_reserved(&v.to_le_bytes()) }
    }

    #[inline]
    unsafe fn put_u64_reserved(&mut self, v: u64) {
        // SAFETY: forwarded contract.
        unsafe { self.put_reserved(&v.to_le_bytes()) }
    }

    // Padding as a whole 3-byte write, with only the wanted part counted: one store instead of
    // a variable-length one. The reserve covered just `n` bytes, so the 3 bytes must fit in the
    // capacity themselves; when they do not, the exact write is done.
    #[inline]
    unsafe fn put_padding_reserved(&mut self, n: usize) {
        let len = self.len();
        debug_assert!(n <= 3 && self.capacity() - len >= n, "a write past the reserved room");
        if self.capacity() - len >= 3 {
            // SAFETY: 3 bytes fit in the capacity; `n <= 3` of them become the length.
            unsafe {
                core::ptr::copy_nonoverlapping([0u8; 3].as_ptr(), self.as_mut_ptr().add(len), 3);
                self.set_len(len + n);
            }
        } else {
            self.put_padding(n);
        }
    }
}

impl<O: Output + ?Sized> Output for &mut O {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        (**self).put(bytes);
    }

    fn oversized(&mut self, len: usize) {
        (**self).oversized(len);
    }

    #[inline]
    fn position(&self) -> usize {
        (**self).position()
    }

    #[inline]
    fn patch_u32(&mut self, at: usize, v: u32) {
        (**self).patch_u32(at, v);
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

    #[inline]
    fn reserve(&mut self, n: usize) {
        (**self).reserve(n);
    }

    #[inline]
    unsafe fn put_reserved(&mut self, bytes: &[u8]) {
        // SAFETY: forwarded contract.
        unsafe { (**self).put_reserved(bytes) }
    }

    #[inline]
    unsafe fn put_u32_reserved(&mut self, v: u32) {
        // SAFETY: forwarded contract.
        unsafe { (**self).put_u32_reserved(v) }
    }

    #[inline]
    unsafe fn put_u64_reserved(&mut self, v: u64) {
        // SAFETY: forwarded contract.
        unsafe { (**self).put_u64_reserved(v) }
    }

    #[inline]
    unsafe fn put_padding_reserved(&mut self, n: usize) {
        // SAFETY: forwarded contract.
        unsafe { (**self).put_padding_reserved(n) }
    }
}

/// A run of fixed-width writes after one [`Output::reserve`]: what generated encoders use for
/// a constructor id, flags words and `int`/`long` fields in a row, without `unsafe` in the
/// generated code.
///
/// Each write checks what is left of the run's room, a register, instead of the sink's
/// capacity in memory; the run's size and every write's size are constants, so after inlining
/// the optimizer proves the checks true and removes them. A write that does not fit (only a
/// miscounted run could do that) falls back to the sink's checked write.
pub struct Run<'o, O: Output + ?Sized> {
    out: &'o mut O,
    left: usize,
}

impl<'o, O: Output + ?Sized> Run<'o, O> {
    /// Reserves `n` bytes in `out` for the writes that follow.
    #[inline(always)]
    pub fn new(out: &'o mut O, n: usize) -> Run<'o, O> {
        out.reserve(n);
        Run { out, left: n }
    }

    /// Where the next write of the run goes ([`Output::position`]).
    #[inline(always)]
    pub fn position(&self) -> usize {
        self.out.position()
    }

    /// Appends a little-endian `u32`.
    #[inline(always)]
    pub fn put_u32(&mut self, v: u32) {
        if self.left >= 4 {
            self.left -= 4;
            // SAFETY: `reserve(n)` was called in `new`, and the writes since total at most
            // `n - left` bytes, these 4 included.
            unsafe { self.out.put_u32_reserved(v) }
        } else {
            self.out.put_u32(v);
        }
    }

    /// Appends a fixed-width value.
    #[inline(always)]
    pub fn put_fixed<T: FixedLen + ?Sized>(&mut self, v: &T) {
        if self.left >= T::LEN {
            self.left -= T::LEN;
            // SAFETY: as in `put_u32`, with `T::LEN` bytes, which `FixedLen` guarantees.
            unsafe { v.encode_reserved(self.out) }
        } else {
            v.encode(self.out);
        }
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

    #[inline]
    fn position(&self) -> usize {
        self.0
    }

    /// Nothing to overwrite: the count stays.
    #[inline]
    fn patch_u32(&mut self, _at: usize, _v: u32) {}

    /// Counted as if TL could write it: a size is asked for before encoding, and must not
    /// panic where the encoding would.
    fn oversized(&mut self, len: usize) {
        self.0 += crate::bytes_encoded_len(len);
    }
}

/// A [`SizeCounter`] that also notes the first value too long for TL
/// ([`crate::try_to_bytes`]).
#[derive(Debug, Default)]
pub(crate) struct CheckedCounter {
    pub(crate) count: usize,
    /// The offset and length of the first `string`/`bytes` value over the limit.
    pub(crate) oversized: Option<(usize, usize)>,
}

impl Output for CheckedCounter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.count += bytes.len();
    }

    #[inline]
    fn position(&self) -> usize {
        self.count
    }

    #[inline]
    fn patch_u32(&mut self, _at: usize, _v: u32) {}

    fn oversized(&mut self, len: usize) {
        self.oversized.get_or_insert((self.count, len));
        self.count += crate::bytes_encoded_len(len);
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

    #[inline]
    fn position(&self) -> usize {
        self.pos
    }

    #[inline]
    fn patch_u32(&mut self, at: usize, v: u32) {
        let written = self.buf.get_mut(..self.pos).and_then(|w| w.get_mut(at..));
        if let Some(dst) = written.and_then(|tail| tail.get_mut(..4)) {
            dst.copy_from_slice(&v.to_le_bytes());
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
    fn vec_reserved_writes_fill_the_reserved_room() {
        let mut v = Vec::new();
        let mut run = Run::new(&mut v, 12);
        run.put_u32(1);
        let at = run.position();
        run.put_u32(0);
        run.put_fixed(&-1i32);
        v.patch_u32(at, 0xaabb_ccdd);
        assert_eq!(v, [1, 0, 0, 0, 0xdd, 0xcc, 0xbb, 0xaa, 0xff, 0xff, 0xff, 0xff]);
    }

    #[test]
    fn a_miscounted_run_falls_back_to_checked_writes() {
        let mut v = Vec::new();
        let mut run = Run::new(&mut v, 2);
        run.put_u32(7);
        run.put_fixed(&7u64);
        assert_eq!(v.len(), 12);
        let mut buf = [0u8; 6];
        let mut out = SliceOutput::new(&mut buf);
        let mut run = Run::new(&mut out, 8);
        run.put_u32(1);
        run.put_u32(2);
        assert!(out.overflowed());
        assert_eq!(out.written(), 4);
    }

    #[test]
    fn padding_at_the_very_end_of_the_capacity() {
        for n in 0..=3 {
            let mut v = Vec::with_capacity(5);
            v.extend_from_slice(&[9, 9]);
            v.reserve(n);
            // Fill up to the capacity minus `n`, then pad exactly into what is left.
            while v.capacity() - v.len() > n {
                v.push(1);
            }
            let before = v.len();
            // SAFETY: `n` bytes are left in the capacity.
            unsafe { v.put_padding_reserved(n) };
            assert_eq!(v.len(), before + n);
            assert!(v[before..].iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn patches_never_reach_past_what_was_written() {
        let mut v = alloc::vec![1u8, 2, 3, 4, 5];
        v.patch_u32(2, u32::MAX);
        assert_eq!(v, [1, 2, 3, 4, 5]);
        v.patch_u32(usize::MAX - 1, 0);
        v.patch_u32(1, 0);
        assert_eq!(v, [1, 0, 0, 0, 0]);
        let mut buf = [0u8; 8];
        let mut out = SliceOutput::new(&mut buf);
        out.put_u32(5);
        out.patch_u32(4, 1);
        out.patch_u32(0, 6);
        assert_eq!(buf, [6, 0, 0, 0, 0, 0, 0, 0]);
        let mut c = SizeCounter::default();
        c.put_u32(1);
        c.patch_u32(0, 2);
        assert_eq!(c.position(), 4);
    }

    #[test]
    fn counter_counts() {
        let mut c = SizeCounter::default();
        c.put_u64(1);
        c.put(&[1, 2, 3]);
        assert_eq!(c.0, 11);
    }
}
