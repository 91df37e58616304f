//! Errors of the dynamic codec: decode errors carry the byte offset, encode errors the JSON path.

use std::fmt;

/// Why decoding failed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the outermost input. For a failure inside a `gzip_packed` payload this is
    /// the offset of the `gzip_packed` object; `kind` is then [`DecodeErrorKind::InGzip`].
    pub offset: usize,
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// Where in the decoded value: the JSON path of the field or element being read when it
    /// went wrong (`$.messages[3].entities[1]`), `$` for the value itself. Inside a
    /// `gzip_packed` payload, the path to the `gzip_packed`, the inner error holding the rest.
    pub path: String,
}

impl DecodeError {
    /// An error at byte `offset` of the value itself (path `$`); the decoder moves it down
    /// the path as it unwinds.
    pub fn new(offset: usize, kind: DecodeErrorKind) -> DecodeError {
        DecodeError { offset, kind, path: String::from("$") }
    }

    /// The error, one level further out: in field `key` of the enclosing object.
    pub(super) fn under_key(mut self, key: &str) -> DecodeError {
        self.path.insert_str(1, &format!(".{key}"));
        self
    }

    /// The error, one level further out: in element `index` of the enclosing array.
    pub(super) fn under_index(mut self, index: usize) -> DecodeError {
        self.path.insert_str(1, &format!("[{index}]"));
        self
    }
}

/// The kinds of [`DecodeError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The input ended; `needed` more bytes were required.
    UnexpectedEnd {
        /// Bytes missing.
        needed: usize,
    },
    /// A constructor id that no loaded schema defines.
    UnknownConstructor {
        /// The id read.
        id: u32,
        /// The type the position expects (`Object` where any boxed object may stand).
        expected: String,
    },
    /// A known constructor in a position that expects another type.
    UnexpectedConstructor {
        /// The id read.
        id: u32,
        /// Its TL name.
        name: String,
        /// The type the position expects.
        expected: String,
    },
    /// A `Bool` position holding neither `boolTrue` nor `boolFalse`.
    BadBool {
        /// The id read.
        id: u32,
    },
    /// A boxed `Vector` position not starting with the vector id.
    BadVectorId {
        /// The id read.
        id: u32,
    },
    /// A `string`/`bytes` starting with 0xff, which no length prefix uses (254 announces a
    /// 3-byte length; 255 is reserved).
    ReservedLengthPrefix,
    /// A length or count that the rest of the input cannot hold.
    LengthOutOfRange {
        /// The length or count read.
        len: u64,
    },
    /// A vector whose elements take no input bytes (`true`, bare constructors without
    /// fields) past what one decode may produce for its input, so that a small input cannot
    /// ask for a huge output.
    TooManyZeroSized {
        /// How many such elements the whole decode allowed.
        budget: usize,
    },
    /// A length before an object (`message`'s `bytes`) that is negative or shorter than a
    /// constructor id.
    ObjectLengthTooSmall {
        /// The length read.
        len: i64,
    },
    /// Objects nested deeper than [`Limits::max_depth`](super::Limits::max_depth).
    TooDeep,
    /// A `gzip_packed` payload that is not valid gzip.
    BadGzip(String),
    /// A `gzip_packed` payload inflating past what is left of
    /// [`Limits::max_inflated`](super::Limits::max_inflated), a budget for all the payloads of
    /// one decode together.
    GzipTooLarge,
    /// A failure inside an inflated `gzip_packed` payload (offset relative to the payload).
    InGzip(Box<DecodeError>),
    /// A boxed `Vector` where any boxed object may stand (`Object`), whose elements did not
    /// all decode as boxed objects: the position does not say what they are.
    UntypedVector {
        /// The element that failed.
        index: usize,
        /// Why it failed.
        element: Box<DecodeError>,
    },
    /// Bytes left over after the top-level value.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A type the schemas do not define.
    UnknownType(String),
    /// Something the schemas define that the dynamic codec cannot represent (a repetition
    /// `[ … ]` outside the builtins), described.
    Unsupported(String),
    /// `%T` (bare) for a type with several constructors: a bare value does not say which.
    BareOfSeveral {
        /// The type named.
        ty: String,
        /// How many constructors it has.
        constructors: usize,
        /// The first of them, to name in the message.
        example: String,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.what(f)?;
        if self.path.len() > 1 {
            write!(f, ", in {}", self.path)?;
        }
        Ok(())
    }
}

impl DecodeError {
    /// The message, without the path.
    fn what(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DecodeErrorKind::*;
        match &self.kind {
            UnexpectedEnd { needed } => {
                write!(f, "unexpected end of input at byte {}: {needed} more byte(s) needed", self.offset)
            }
            UnknownConstructor { id, expected } => {
                write!(f, "unknown constructor id {id:#010x} for `{expected}` at byte {}", self.offset)
            }
            UnexpectedConstructor { id, name, expected } => write!(
                f,
                "constructor {name} ({id:#010x}) at byte {} is not of the expected type {expected}",
                self.offset
            ),
            BadBool { id } => write!(f, "expected a Bool at byte {}, found id {id:#010x}", self.offset),
            BadVectorId { id } => write!(f, "expected a Vector at byte {}, found id {id:#010x}", self.offset),
            ReservedLengthPrefix => write!(
                f,
                "string or bytes at byte {} starts with 0xff, which no length prefix uses (254 \
                 announces a 3-byte length)",
                self.offset
            ),
            LengthOutOfRange { len } => {
                write!(f, "length {len} at byte {} is larger than the rest of the input", self.offset)
            }
            TooManyZeroSized { budget } => write!(
                f,
                "vector at byte {} takes the decode past {budget} elements that use no input bytes \
                 (`true`, constructors without fields): the most this input allows",
                self.offset
            ),
            ObjectLengthTooSmall { len } if *len < 0 => {
                write!(f, "length {len} at byte {} is negative", self.offset)
            }
            ObjectLengthTooSmall { len } => write!(
                f,
                "length {len} at byte {} is too small for an object (its constructor id alone is 4 bytes)",
                self.offset
            ),
            TooDeep => write!(f, "objects nested too deep at byte {}", self.offset),
            BadGzip(e) => write!(f, "bad gzip_packed payload at byte {}: {e}", self.offset),
            GzipTooLarge => {
                write!(
                    f,
                    "gzip_packed payload at byte {} inflates past the size limit (of all gzip_packed \
                     payloads in the input together, nested ones included)",
                    self.offset
                )
            }
            InGzip(inner) => write!(f, "inside gzip_packed at byte {}: {inner}", self.offset),
            UntypedVector { index, element } => write!(
                f,
                "a Vector stands at byte {} where any object may, which does not give its element \
                 type; read as boxed objects, its element {index} fails ({element}); if its elements \
                 are not boxed objects, decode the Vector alone with --type 'Vector<T>'",
                self.offset
            ),
            TrailingBytes { count } => write!(f, "{count} trailing byte(s) at byte {}", self.offset),
            UnknownType(t) => write!(f, "type {t} at byte {} is not defined by the schemas", self.offset),
            Unsupported(what) => {
                write!(f, "{what} at byte {}: the dynamic codec cannot represent it", self.offset)
            }
            BareOfSeveral { ty, constructors, example } => write!(
                f,
                "`%{ty}` at byte {}: type {ty} has {constructors} constructors, and a bare value does not \
                 say which; name one instead (e.g. `{example}`)",
                self.offset
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a JSON value could not be encoded, and where in the JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError {
    /// A JSON path to the offending value, e.g. `$.messages[3].entities[0].offset`.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for EncodeError {}
