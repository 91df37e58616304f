//! [`Reader`]: a cursor over borrowed input that knows its offset and nesting depth.

use crate::error::{Error, ErrorKind, Result};

/// The default nesting limit: real objects nest a handful of constructors deep (recursive
/// types such as rich text a few more), while 64 levels of decoder frames stay far from
/// exhausting even a small thread stack.
pub const DEFAULT_MAX_DEPTH: u32 = 64;

/// A cursor over a borrowed input. Decoded values may borrow from the input for `'a`.
///
/// After an error the position and depth are unspecified: a failed decode is not resumable.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    // The unread input. Reads shrink this slice rather than bump an index: one length check
    // per read, and the offset is still known as `total - rest.len()`.
    rest: &'a [u8],
    total: usize,
    depth: u32,
    max_depth: u32,
    reject_unknown_flags: bool,
    // Elements that take no input (zero-field bare constructors, `()`) left to decode: a count
    // is checked against the input left, but such elements use none of it, so nested vectors
    // of them would otherwise cost time quadratic in the input.
    empty_elements: usize,
}

/// Elements of no wire size one decode may produce, at least (more for longer input: one per
/// input byte).
const EMPTY_ELEMENTS_FLOOR: usize = 4096;

impl<'a> Reader<'a> {
    /// A reader at the start of `data` with the default limits.
    #[inline]
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader {
            rest: data,
            total: data.len(),
            depth: 0,
            max_depth: DEFAULT_MAX_DEPTH,
            reject_unknown_flags: false,
            empty_elements: data.len().max(EMPTY_ELEMENTS_FLOOR),
        }
    }

    /// Sets how many constructors may nest inside each other before decoding fails with
    /// [`ErrorKind::TooDeep`] (counting those that call [`Reader::enter`]).
    #[must_use]
    pub fn with_max_depth(mut self, max_depth: u32) -> Reader<'a> {
        self.max_depth = max_depth;
        self
    }

    /// Makes derived types reject flags words with bits they do not define
    /// ([`ErrorKind::InvalidFlags`]). Off by default, because newer layers add bits that older
    /// readers can safely ignore.
    #[must_use]
    pub fn reject_unknown_flags(mut self, reject: bool) -> Reader<'a> {
        self.reject_unknown_flags = reject;
        self
    }

    /// The byte offset of the next read.
    #[inline]
    pub fn position(&self) -> usize {
        self.total - self.rest.len()
    }

    /// How many bytes are left.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// True when every byte has been read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes, without consuming them.
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// The current nesting depth.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    // The error helpers are inlined so that only `Error::new` (cold, out of line, taking plain
    // integers) is called: a reader whose address escaped into a call could not be kept in
    // registers, which costs more than the whole decode of a small object.

    /// An error of `kind` at the current position.
    #[inline(always)]
    pub fn error(&self, kind: ErrorKind) -> Error {
        Error::new(kind, self.position())
    }

    /// The error for a constructor id just read that the type `expected` (its name, as the
    /// error reports it) does not have; the offset points at the id.
    #[inline(always)]
    pub fn unknown_constructor(&self, id: u32, expected: &'static str) -> Error {
        Error::new(ErrorKind::UnknownConstructor { id, expected }, self.position().saturating_sub(4))
    }

    #[inline(always)]
    fn eof(&self, needed: usize) -> Error {
        Error::new(ErrorKind::UnexpectedEnd { needed }, self.position())
    }

    /// Consumes exactly `n` bytes.
    #[inline]
    pub fn read_raw(&mut self, n: usize) -> Result<&'a [u8]> {
        match self.rest.split_at_checked(n) {
            Some((bytes, tail)) => {
                self.rest = tail;
                Ok(bytes)
            }
            None => Err(self.eof(n)),
        }
    }

    /// Consumes exactly `N` bytes as an array reference.
    #[inline]
    pub fn read_array<const N: usize>(&mut self) -> Result<&'a [u8; N]> {
        match self.rest.split_first_chunk::<N>() {
            Some((bytes, tail)) => {
                self.rest = tail;
                Ok(bytes)
            }
            None => Err(self.eof(N)),
        }
    }

    /// Reads a little-endian `u32` (an `int`, a `#`, or a constructor id).
    #[inline]
    pub fn read_u32(&mut self) -> Result<u32> {
        self.read_array::<4>().map(|b| u32::from_le_bytes(*b))
    }

    /// Reads a little-endian `u64`.
    #[inline]
    pub fn read_u64(&mut self) -> Result<u64> {
        self.read_array::<8>().map(|b| u64::from_le_bytes(*b))
    }

    /// Looks at the next `u32` (usually a constructor id) without consuming it.
    #[inline]
    pub fn peek_u32(&self) -> Result<u32> {
        match self.rest.first_chunk::<4>() {
            Some(b) => Ok(u32::from_le_bytes(*b)),
            None => Err(self.eof(4)),
        }
    }

    /// Reads a TL `string`/`bytes` value: a 1-byte length (≤ 253) or `0xfe` and a 3-byte
    /// little-endian length, the bytes, then zero padding to a multiple of 4. The padding is
    /// skipped, not checked; a `0xfe` header with a short length is accepted.
    #[inline]
    pub fn read_tl_bytes(&mut self) -> Result<&'a [u8]> {
        let (header, len) = match self.rest.first_chunk::<4>() {
            Some(&[254, a, b, c]) => (4, usize::from(a) | usize::from(b) << 8 | usize::from(c) << 16),
            Some(&[255, ..]) => return Err(self.error(ErrorKind::LengthOutOfRange { len: 255 })),
            Some(&[n, ..]) => (1, usize::from(n)),
            // A valid string is at least 4 bytes long (header and padding).
            None => return Err(self.eof(4)),
        };
        let padded = (header + len + 3) & !3;
        match self.rest.split_at_checked(padded) {
            Some((item, tail)) => {
                self.rest = tail;
                // `header + len <= padded`, so this always succeeds.
                Ok(item.get(header..header + len).unwrap_or_default())
            }
            None => Err(self.eof(padded)),
        }
    }

    /// Reads an element count (TL `int`) that must be non-negative and small enough that
    /// `count` elements of at least `min_element_size` bytes fit in the rest of the input, so
    /// that allocating `count` elements up front is justified by the input's length.
    ///
    /// Elements that may take no input at all (`min_element_size` 0) fit in any input, even
    /// none: their count is taken from the decode's budget of such elements instead
    /// ([`Reader::take_empty_elements`]).
    #[inline]
    pub fn read_count(&mut self, min_element_size: usize) -> Result<usize> {
        let at = self.position();
        let count = self.read_u32()? as usize;
        let fits = match min_element_size {
            0 => self.empty_elements.checked_sub(count).map(|left| self.empty_elements = left).is_some(),
            size => count <= self.remaining() / size,
        };
        if !fits {
            return Err(Error::new(ErrorKind::LengthOutOfRange { len: count }, at));
        }
        Ok(count)
    }

    /// Accounts for `count` vector elements that take no input: one decode may produce at most
    /// as many as its input has bytes (or 4096), so that a small input
    /// cannot make nested vectors of them run for long.
    #[inline]
    pub fn take_empty_elements(&mut self, count: usize) -> Result<()> {
        match self.empty_elements.checked_sub(count) {
            Some(left) => {
                self.empty_elements = left;
                Ok(())
            }
            None => Err(self.error(ErrorKind::LengthOutOfRange { len: count })),
        }
    }

    /// Enters one level of nesting; fails with [`ErrorKind::TooDeep`] past the limit. Derived
    /// decoders call this once per constructor; decoders generated from a schema only for types
    /// that can contain themselves (`RichText`, `PageBlock`, …), since every other type nests
    /// only as deep as the schema allows, whatever the input.
    #[inline]
    pub fn enter(&mut self) -> Result<()> {
        if self.depth >= self.max_depth {
            return Err(self.error(ErrorKind::TooDeep { limit: self.max_depth }));
        }
        self.depth += 1;
        Ok(())
    }

    /// Leaves one level of nesting entered with [`Reader::enter`].
    #[inline]
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Checks a flags word just read against the bits a type defines, when the reader was
    /// asked to reject unknown bits.
    #[inline(always)]
    pub fn check_flags(&self, flags: u32, known: u32) -> Result<()> {
        if self.reject_unknown_flags && flags & !known != 0 {
            return Err(Error::new(ErrorKind::InvalidFlags { flags }, self.position().saturating_sub(4)));
        }
        Ok(())
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.read_raw(n).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_and_offsets() {
        let mut r = Reader::new(&[1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 9]);
        assert_eq!(r.read_u32(), Ok(1));
        assert_eq!(r.read_u64(), Ok(2));
        assert_eq!(r.position(), 12);
        let err = r.read_u32().unwrap_err();
        assert_eq!(err.offset(), 12);
        assert_eq!(err.kind(), ErrorKind::UnexpectedEnd { needed: 4 });
    }

    #[test]
    fn count_is_bounded_by_remaining_input() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]);
        let err = r.read_count(4).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LengthOutOfRange { len: 0x7fff_ffff });
        assert_eq!(err.offset(), 0);
        let mut r = Reader::new(&[1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(r.read_count(4), Ok(1));
    }

    #[test]
    fn depth_limit() {
        let mut r = Reader::new(&[]).with_max_depth(2);
        assert!(r.enter().is_ok());
        assert!(r.enter().is_ok());
        assert_eq!(r.enter().unwrap_err().kind(), ErrorKind::TooDeep { limit: 2 });
        r.leave();
        assert!(r.enter().is_ok());
    }

    #[test]
    fn tl_bytes_rejects_0xff_and_short_input() {
        assert_eq!(
            Reader::new(&[255, 0, 0, 0]).read_tl_bytes().unwrap_err().kind(),
            ErrorKind::LengthOutOfRange { len: 255 }
        );
        assert_eq!(
            Reader::new(&[254, 0xff, 0xff, 0xff]).read_tl_bytes().unwrap_err().kind(),
            ErrorKind::UnexpectedEnd { needed: 0x0100_0004 }
        );
        assert_eq!(Reader::new(&[3, b'a', b'b']).read_tl_bytes().unwrap_err().offset(), 0);
    }
}
