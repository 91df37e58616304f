//! MTProto transports as sans-IO codecs: [`Transport::pack`] appends the bytes to send,
//! [`Transport::feed`] takes whatever arrived (partial frames, many frames at once) and
//! [`Transport::next_frame`] pops complete frames, borrowing them from the receive buffer.
//!
//! Abridged, intermediate, padded intermediate and full framing; obfuscated2 over the first three
//! (optionally keyed by an MTProxy secret). Quick acks both ways; 4-byte transport errors such as
//! -404 surface as [`TransportError::Server`]. A declared length above the configured maximum is
//! an error at once: nothing is allocated for bytes that have not arrived.

mod abridged;
mod full;
mod intermediate;
mod obfuscated;
#[cfg(test)]
mod tests;

use core::fmt;
use core::ops::Range;

pub use obfuscated::{proxy_secret_key, Obfuscation};

use crate::random::{OsRandom, Random};

/// Default largest payload accepted: 16 MiB, far above any MTProto message.
pub const DEFAULT_MAX_FRAME: usize = 16 << 20;

/// The framing on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 1- or 4-byte length in words.
    Abridged,
    /// 4-byte length.
    Intermediate,
    /// 4-byte length and 0..=15 random padding bytes.
    PaddedIntermediate,
    /// Length, sequence number and CRC32. Not available under obfuscation.
    Full,
}

impl Kind {
    /// What the client sends once before its first frame on a plain connection.
    fn tag(self) -> &'static [u8] {
        match self {
            Kind::Abridged => &[0xef],
            Kind::Intermediate => &[0xee; 4],
            Kind::PaddedIntermediate => &[0xdd; 4],
            Kind::Full => &[],
        }
    }

    /// The 4-byte tag carried in an obfuscated2 init header.
    fn obfuscation_tag(self) -> Option<[u8; 4]> {
        match self {
            Kind::Abridged => Some([0xef; 4]),
            Kind::Intermediate => Some([0xee; 4]),
            Kind::PaddedIntermediate => Some([0xdd; 4]),
            Kind::Full => None,
        }
    }

    fn from_obfuscation_tag(tag: [u8; 4]) -> Option<Kind> {
        [Kind::Abridged, Kind::Intermediate, Kind::PaddedIntermediate]
            .into_iter()
            .find(|k| k.obfuscation_tag() == Some(tag))
    }
}

/// Which end of the connection this codec serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends the tag or init header; may request quick acks and receives their answers.
    Client,
    /// Expects the tag or init header; sees quick-ack requests and answers them.
    Server,
}

/// A complete frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// An MTProto packet (padding of the padded transport removed).
    Payload {
        /// The packet.
        data: &'a [u8],
        /// On the server side: the client asked for a quick ack of this packet.
        quick_ack: bool,
    },
    /// On the client side: the server's quick ack, with the top bit set.
    QuickAck(u32),
}

/// Why the stream could not be framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportError {
    /// A payload the framing cannot carry (abridged needs a multiple of 4 bytes).
    Unaligned,
    /// A declared or given length above the maximum.
    TooLong,
    /// A zero or otherwise impossible length.
    BadLength,
    /// CRC32 mismatch (full transport).
    BadCrc,
    /// Sequence number mismatch (full transport).
    BadSeq {
        /// The number the next frame must carry.
        expected: u32,
        /// The number it carried.
        got: u32,
    },
    /// The client's tag or obfuscation header names no known transport.
    BadTag,
    /// An MTProxy secret that is not 16 bytes (or 17 with a 0xdd/0xee prefix).
    BadSecret,
    /// The operation does not exist for this transport (full under obfuscation, quick ack in full).
    Unsupported,
    /// The server sent a 4-byte transport error, e.g. -404 (no such auth key), -429 (flood),
    /// -444 (wrong DC). The frame is consumed; the stream itself is intact.
    Server(i32),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Unaligned => f.write_str("payload length is not a multiple of 4"),
            TransportError::TooLong => f.write_str("frame too long"),
            TransportError::BadLength => f.write_str("bad frame length"),
            TransportError::BadCrc => f.write_str("frame CRC32 mismatch"),
            TransportError::BadSeq { expected, got } => {
                write!(f, "frame sequence number {got}, expected {expected}")
            }
            TransportError::BadTag => f.write_str("unknown transport tag"),
            TransportError::BadSecret => f.write_str("MTProxy secret must be 16 bytes"),
            TransportError::Unsupported => f.write_str("not supported by this transport"),
            TransportError::Server(code) => write!(f, "transport error {code} from the server"),
        }
    }
}

impl std::error::Error for TransportError {}

/// A decoded frame's position in the receive buffer.
pub(crate) struct Decoded {
    payload: Range<usize>,
    total: usize,
    quick_ack_request: bool,
    quick_ack_token: Option<u32>,
}

impl Decoded {
    fn payload(payload: Range<usize>, total: usize, quick_ack_request: bool) -> Self {
        Decoded { payload, total, quick_ack_request, quick_ack_token: None }
    }

    fn quick_ack(token: u32, total: usize) -> Self {
        Decoded { payload: 0..0, total, quick_ack_request: false, quick_ack_token: Some(token) }
    }
}

/// One end of an MTProto transport connection, without the connection.
pub struct Transport {
    /// `None` only while a server waits for an obfuscation header to learn the framing.
    kind: Option<Kind>,
    role: Role,
    obfuscation: Option<Obfuscation>,
    /// Client: the init header to send first. Server: the secret to read the header with.
    pending_init: Option<[u8; 64]>,
    awaiting_init: Option<Option<[u8; 16]>>,
    /// A server that learns the transport from the client's first bytes.
    detecting: bool,
    header_done: bool,
    dc: Option<i16>,
    recv: Vec<u8>,
    start: usize,
    send_seq: u32,
    recv_seq: u32,
    max_frame: usize,
    failed: Option<TransportError>,
    rng: Box<dyn Random + Send>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("kind", &self.kind)
            .field("role", &self.role)
            .field("obfuscated", &(self.obfuscation.is_some() || self.awaiting_init.is_some()))
            .field("buffered", &(self.recv.len() - self.start))
            .finish()
    }
}

impl Transport {
    fn new(kind: Option<Kind>, role: Role) -> Self {
        Transport {
            kind,
            role,
            obfuscation: None,
            pending_init: None,
            awaiting_init: None,
            detecting: false,
            header_done: false,
            dc: None,
            recv: Vec::new(),
            start: 0,
            send_seq: 0,
            recv_seq: 0,
            max_frame: DEFAULT_MAX_FRAME,
            failed: None,
            rng: Box::new(OsRandom::new()),
        }
    }

    /// A client on a plain connection.
    pub fn client(kind: Kind) -> Self {
        Self::new(Some(kind), Role::Client)
    }

    /// A client with obfuscation2; `dc` goes into the header for MTProxy, `secret` keys it.
    pub fn client_obfuscated(
        kind: Kind,
        dc: Option<i16>,
        secret: Option<[u8; 16]>,
    ) -> Result<Self, TransportError> {
        Self::client_obfuscated_with(kind, dc, secret, Box::new(OsRandom::new()))
    }

    /// [`Transport::client_obfuscated`] drawing from the given random source.
    pub fn client_obfuscated_with(
        kind: Kind,
        dc: Option<i16>,
        secret: Option<[u8; 16]>,
        mut rng: Box<dyn Random + Send>,
    ) -> Result<Self, TransportError> {
        let tag = kind.obfuscation_tag().ok_or(TransportError::Unsupported)?;
        let (obfuscation, init) = Obfuscation::client(tag, dc, secret.as_ref(), &mut *rng);
        let mut t = Self::new(Some(kind), Role::Client);
        t.obfuscation = Some(obfuscation);
        t.pending_init = Some(init);
        t.dc = dc;
        t.rng = rng;
        Ok(t)
    }

    /// A server on a plain connection of a known kind (it checks the client's tag).
    pub fn server(kind: Kind) -> Self {
        Self::new(Some(kind), Role::Server)
    }

    /// A server expecting an obfuscated2 header; the framing is learnt from it.
    pub fn server_obfuscated(secret: Option<[u8; 16]>) -> Self {
        let mut t = Self::new(None, Role::Server);
        t.awaiting_init = Some(secret);
        t
    }

    /// A server that accepts any transport, recognised the way Telegram's servers do: 0xef is
    /// abridged, 0xeeeeeeee intermediate, 0xdddddddd padded intermediate, a first frame whose
    /// second word is 0 (sequence number 0) is full, and anything else is an obfuscated2 header
    /// (whose second word the client never lets be 0), read with `secret` if given.
    pub fn server_any(secret: Option<[u8; 16]>) -> Self {
        let mut t = Self::new(None, Role::Server);
        t.detecting = true;
        t.awaiting_init = Some(secret);
        t
    }

    /// Settles a detecting server's transport once enough bytes are in.
    fn detect(&mut self) {
        let buf = &self.recv[self.start..];
        let kind = match buf {
            [0xef, ..] => Kind::Abridged,
            [0xee, 0xee, 0xee, 0xee, ..] => Kind::Intermediate,
            [0xdd, 0xdd, 0xdd, 0xdd, ..] => Kind::PaddedIntermediate,
            [_, _, _, _, 0, 0, 0, 0, ..] => Kind::Full,
            [_, _, _, _, _, _, _, _, ..] => {
                // Obfuscated: the header is consumed once 64 bytes are in.
                self.detecting = false;
                return;
            }
            _ => return,
        };
        self.detecting = false;
        self.awaiting_init = None;
        self.kind = Some(kind);
    }

    /// Draws padding and headers from `rng` instead of the OS.
    pub fn with_random(mut self, rng: Box<dyn Random + Send>) -> Self {
        self.rng = rng;
        self
    }

    /// Sets the largest payload accepted (default [`DEFAULT_MAX_FRAME`]).
    pub fn with_max_frame(mut self, max: usize) -> Self {
        self.max_frame = max;
        self
    }

    /// The framing, once known (a server on an obfuscated connection learns it from the header).
    pub fn kind(&self) -> Option<Kind> {
        self.kind
    }

    /// The DC id of the obfuscation header (server side, once read; client side, as configured).
    pub fn dc(&self) -> Option<i16> {
        self.dc
    }

    /// Appends one frame carrying `payload` to `out`, preceded on the client's first call by the
    /// tag or obfuscation header. `quick_ack` asks the server to acknowledge the packet at once
    /// (client side, abridged and intermediate kinds).
    pub fn pack(&mut self, payload: &[u8], quick_ack: bool, out: &mut Vec<u8>) -> Result<(), TransportError> {
        let kind = self.kind.ok_or(TransportError::Unsupported)?;
        if quick_ack && (kind == Kind::Full || self.role == Role::Server) {
            return Err(TransportError::Unsupported);
        }
        let rollback = out.len();
        if self.role == Role::Client && !self.header_done {
            match self.pending_init {
                Some(init) => out.extend_from_slice(&init),
                None => out.extend_from_slice(kind.tag()),
            }
        }
        let start = out.len();
        let result = match kind {
            Kind::Abridged => abridged::encode(payload, quick_ack, out),
            Kind::Intermediate => intermediate::encode(payload, quick_ack, None, out),
            Kind::PaddedIntermediate => intermediate::encode(payload, quick_ack, Some(&mut *self.rng), out),
            Kind::Full => full::encode(payload, self.send_seq, out),
        };
        if let Err(e) = result {
            out.truncate(rollback);
            return Err(e);
        }
        if kind == Kind::Full {
            self.send_seq = self.send_seq.wrapping_add(1);
        }
        if let Some(o) = self.obfuscation.as_mut() {
            o.encrypt(&mut out[start..]);
        }
        if self.role == Role::Client {
            self.header_done = true;
        }
        Ok(())
    }

    /// Appends the server's quick-ack answer for a packet whose token is `token` (see
    /// [`crate::encrypted::DecryptedMessage::quick_ack`]).
    pub fn pack_quick_ack(&mut self, token: u32, out: &mut Vec<u8>) -> Result<(), TransportError> {
        let start = out.len();
        match self.kind {
            Some(Kind::Abridged) if self.role == Role::Server => abridged::encode_quick_ack(token, out),
            Some(Kind::Intermediate | Kind::PaddedIntermediate) if self.role == Role::Server => {
                intermediate::encode_quick_ack(token, out)
            }
            _ => return Err(TransportError::Unsupported),
        }
        if let Some(o) = self.obfuscation.as_mut() {
            o.encrypt(&mut out[start..]);
        }
        Ok(())
    }

    /// Takes received bytes, in any chunking.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.recv.drain(..self.start);
            self.start = 0;
        }
        let mut from = self.recv.len();
        self.recv.extend_from_slice(bytes);
        if self.detecting {
            self.detect();
        }
        if let (Some(secret), false) = (self.awaiting_init, self.detecting) {
            let Some(init) = self.recv.get(..64) else { return };
            let mut header = [0u8; 64];
            header.copy_from_slice(init);
            let (obfuscation, tag, dc) = Obfuscation::server(&header, secret.as_ref());
            self.recv.drain(..64);
            from = 0;
            self.awaiting_init = None;
            self.obfuscation = Some(obfuscation);
            self.dc = Some(dc);
            self.header_done = true;
            match Kind::from_obfuscation_tag(tag) {
                Some(kind) => self.kind = Some(kind),
                None => self.failed = Some(TransportError::BadTag),
            }
        }
        if let Some(o) = self.obfuscation.as_mut() {
            o.decrypt(&mut self.recv[from..]);
        }
    }

    /// Pops the next complete frame, or `None` until more bytes are fed.
    ///
    /// Framing errors are final: the stream cannot be resynchronised and every later call
    /// returns the same error. [`TransportError::Server`] is not: the frame was well-formed.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, TransportError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let Some(kind) = self.kind else { return Ok(None) };
        if self.role == Role::Server && !self.header_done {
            let tag = kind.tag();
            let Some(got) = self.recv.get(self.start..self.start + tag.len()) else { return Ok(None) };
            if got != tag {
                self.failed = Some(TransportError::BadTag);
                return Err(TransportError::BadTag);
            }
            self.start += tag.len();
            self.header_done = true;
        }
        let buf = &self.recv[self.start..];
        let decoded = match kind {
            Kind::Abridged => abridged::decode(buf, self.role, self.max_frame),
            Kind::Intermediate => intermediate::decode(buf, self.role, false, self.max_frame),
            Kind::PaddedIntermediate => intermediate::decode(buf, self.role, true, self.max_frame),
            Kind::Full => full::decode(buf, self.recv_seq, self.max_frame),
        };
        let decoded = match decoded {
            Ok(Some(d)) => d,
            Ok(None) => return Ok(None),
            Err(e) => {
                self.failed = Some(e);
                return Err(e);
            }
        };
        if kind == Kind::Full {
            self.recv_seq = self.recv_seq.wrapping_add(1);
        }
        let base = self.start;
        self.start += decoded.total;
        if let Some(token) = decoded.quick_ack_token {
            return Ok(Some(Frame::QuickAck(token)));
        }
        let data = &self.recv[base + decoded.payload.start..base + decoded.payload.end];
        if self.role == Role::Client && data.len() == 4 {
            let code = i32::from_le_bytes([data[0], data[1], data[2], data[3]]);
            if code < 0 {
                return Err(TransportError::Server(code));
            }
        }
        Ok(Some(Frame::Payload { data, quick_ack: decoded.quick_ack_request }))
    }
}
