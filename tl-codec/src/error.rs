//! Decoding errors: what went wrong and at which byte offset.

use alloc::boxed::Box;
use core::fmt;

/// A decoding failure: the byte offset into the input where the offending item starts, and
/// what was wrong with it.
///
/// Boxed so that it is one pointer wide: every read returns a `Result`, and a small error
/// lets `Result<u32>`, `Result<&[u8]>` and the like travel in registers. The allocation
/// happens only on failure.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    offset: usize,
    kind: ErrorKind,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error").field("offset", &self.0.offset).field("kind", &self.0.kind).finish()
    }
}

/// What went wrong while decoding. Its `Debug` shows constructor ids and flags words in hex,
/// as `Display` and the schemas write them.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended before the item did; `needed` bytes were required from the offset.
    UnexpectedEnd {
        /// Bytes the item needed from the error offset.
        needed: usize,
    },
    /// A constructor id that the type being decoded does not have.
    UnknownConstructor {
        /// The id found in the input.
        id: u32,
        /// The type that was being decoded: its TL name for generated code (`MessageMedia`,
        /// `inputPeerUser`), the Rust name for a derive without `decl`.
        expected: &'static str,
    },
    /// A boxed `Bool` whose id is neither `boolTrue` nor `boolFalse`.
    BadBool {
        /// The id found in the input.
        id: u32,
    },
    /// A length or element count that cannot be right: negative, the reserved `0xff` string
    /// prefix, or more elements than the remaining input could hold.
    LengthOutOfRange {
        /// The length or count found in the input.
        len: usize,
    },
    /// Nesting deeper than the reader's limit (see [`Reader::with_max_depth`](crate::Reader)).
    TooDeep {
        /// The limit in force.
        limit: u32,
    },
    /// A flags word with bits set that the type does not define (only reported when the reader
    /// was built with [`Reader::reject_unknown_flags`](crate::Reader::reject_unknown_flags)).
    InvalidFlags {
        /// The flags word found in the input.
        flags: u32,
    },
    /// Bytes left over after a value that should have used the whole input.
    TrailingBytes {
        /// How many bytes were left.
        count: usize,
    },
    /// A string decoded as Rust `&str`/`String` was not UTF-8 (TL strings are byte strings:
    /// use [`TlStr`](crate::TlStr) or [`TlString`](crate::TlString) to accept any bytes).
    InvalidUtf8,
    /// A custom codec (`#[tl(with = ...)]`) rejected the value.
    Custom(&'static str),
}

/// A constructor id or flags word, shown in hex.
struct Hex(u32);

impl fmt::Debug for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}

impl fmt::Debug for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnexpectedEnd { needed } => {
                f.debug_struct("UnexpectedEnd").field("needed", needed).finish()
            }
            ErrorKind::UnknownConstructor { id, expected } => f
                .debug_struct("UnknownConstructor")
                .field("id", &Hex(*id))
                .field("expected", expected)
                .finish(),
            ErrorKind::BadBool { id } => f.debug_struct("BadBool").field("id", &Hex(*id)).finish(),
            ErrorKind::LengthOutOfRange { len } => {
                f.debug_struct("LengthOutOfRange").field("len", len).finish()
            }
            ErrorKind::TooDeep { limit } => f.debug_struct("TooDeep").field("limit", limit).finish(),
            ErrorKind::InvalidFlags { flags } => {
                f.debug_struct("InvalidFlags").field("flags", &Hex(*flags)).finish()
            }
            ErrorKind::TrailingBytes { count } => {
                f.debug_struct("TrailingBytes").field("count", count).finish()
            }
            ErrorKind::InvalidUtf8 => f.write_str("InvalidUtf8"),
            ErrorKind::Custom(why) => f.debug_tuple("Custom").field(why).finish(),
        }
    }
}

impl Error {
    /// An error of `kind` at byte `offset`.
    #[cold]
    #[inline(never)]
    pub fn new(kind: ErrorKind, offset: usize) -> Error {
        Error(Box::new(Inner { offset, kind }))
    }

    /// The byte offset into the input where the offending item starts.
    pub fn offset(&self) -> usize {
        self.0.offset
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ErrorKind::UnexpectedEnd { needed } => {
                write!(f, "unexpected end of input ({needed} bytes needed)")
            }
            ErrorKind::UnknownConstructor { id, expected } => {
                write!(f, "unknown constructor id {id:#010x} for `{expected}`")
            }
            ErrorKind::BadBool { id } => write!(f, "bad Bool id {id:#010x}"),
            ErrorKind::LengthOutOfRange { len } => write!(f, "length {len} out of range"),
            ErrorKind::TooDeep { limit } => write!(f, "nesting deeper than {limit}"),
            ErrorKind::InvalidFlags { flags } => write!(f, "unknown bits in flags {flags:#010x}"),
            ErrorKind::TrailingBytes { count } => write!(f, "{count} trailing bytes"),
            ErrorKind::InvalidUtf8 => f.write_str("string is not valid UTF-8"),
            ErrorKind::Custom(msg) => f.write_str(msg),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.0.kind, self.0.offset)
    }
}

impl core::error::Error for Error {}

/// The result of decoding.
pub type Result<T> = core::result::Result<T, Error>;

/// [`encode_to_slice`](crate::encode_to_slice) was given a buffer shorter than the encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferTooSmall {
    /// The exact encoded size.
    pub needed: usize,
    /// The buffer's length.
    pub available: usize,
}

impl fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "buffer of {} bytes is too small for {} bytes", self.available, self.needed)
    }
}

impl core::error::Error for BufferTooSmall {}
